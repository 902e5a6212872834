----------------------------- MODULE Branching -----------------------------
(***************************************************************************)
(* Guards that TLC enumerates as actions, so that a disjunction that holds *)
(* twice gives two (identical) successors: a disjunction inside `\A`, a    *)
(* definition that mentions the state although its value does not depend  *)
(* on it (but not one of constant level, `Always`), and a recursive        *)
(* function of a LET applied in an action.                                 *)
(***************************************************************************)
EXTENDS Naturals
VARIABLE x

Always == \A i \in {1, 2} : i > 0 \/ i > 1
Loose == \A i \in {1, 2} : i > 0 \/ x < 5
Reach(n) == LET R[k \in 0..n] == \/ k = 0
                                 \/ k > 0 /\ R[k - 1]
                                 \/ k = n
            IN  R[n]

Init == x = 0 /\ (x < 5 \/ x < 6)   \* one initial state, given twice
Next == \/ /\ \A i \in {1, 2} : i > 0 \/ x < 5
           /\ x < 3 /\ x' = x + 1
        \/ /\ Always
           /\ x < 3 /\ x' = x + 2
        \/ /\ Loose
           /\ x = 1 /\ x' = 3
        \/ /\ Reach(x)
           /\ x < 4 /\ x' = x + 1
        \/ /\ x = 3
           /\ ~(x = 2 \/ x = 3) \/ x = 3
           /\ x' = 0
=============================================================================
