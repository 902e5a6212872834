----------------------------- MODULE ActionForms -----------------------------
(* Action forms TLC enumerates rather than evaluates: `P => Q` (when P holds, each way of
   satisfying Q is a branch, even when Q assigns nothing) and `x' \subseteq S`. *)
EXTENDS Naturals
VARIABLES s, n
Init == s = {} /\ n = 0
Next == /\ n < 2
        /\ s' \subseteq {1, 2, 3}
        /\ (n = 0) => \E k \in {1, 2} : k >= 1
        /\ n' = n + 1
Inv == s \subseteq {1, 2, 3} /\ n <= 2
=============================================================================
