---------------------------- MODULE InfiniteSets ----------------------------
(* Differences and unions of infinite sets stay symbolic: `Nat \ {0}` is used only for membership,
   in an ASSUME and in a type invariant, as TLC allows. *)
EXTENDS Integers, Sequences, FiniteSets
CONSTANT N
ASSUME N \in Nat \ {0}
Positive == Nat \ {0}
VARIABLE clock
Init == clock = [p \in 1..N |-> 1]
Next == \E p \in 1..N : clock[p] < 3 /\ clock' = [clock EXCEPT ![p] = @ + 1]
TypeOK == /\ clock \in [1..N -> Positive]
          /\ 0 \notin Positive
          /\ <<1, 2>> \in Seq(Int \ {0})
          /\ ~IsFiniteSet(Positive)
          /\ clock[1] \in Nat \cup {-1}
          /\ -1 \in {-1} \cup Nat
          /\ clock \in UNION {[1..N -> Int \cup {-1}]}
=============================================================================
