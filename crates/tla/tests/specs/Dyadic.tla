------------------------------- MODULE Dyadic -------------------------------
(***************************************************************************)
(* The community module DyadicRationals, built in: a weight is split in    *)
(* halves among processes and summed back, as in Huang's termination      *)
(* detection.                                                              *)
(***************************************************************************)
EXTENDS Naturals, DyadicRationals, Functions

Procs == 1..3
VARIABLE weight

Values == /\ Add(Half(One), Half(One)) = One
          /\ Half(Half(One)) = [num |-> 1, den |-> 4]
          /\ Add(Zero, [num |-> 2, den |-> 4]) = [num |-> 2, den |-> 4]
          /\ Add([num |-> 1, den |-> 4], [num |-> 1, den |-> 2]) = [num |-> 3, den |-> 4]
          /\ ~IsDyadicRational([num |-> 1, den |-> 6])
          /\ IsDyadicRational([num |-> 3, den |-> 8])
          /\ PrettyPrint(Zero) = "0" /\ PrettyPrint(One) = "1"
          /\ PrettyPrint(Half(Half(One))) = "1/4"

Init == weight = [p \in Procs |-> IF p = 1 THEN One ELSE Zero]
Next == \E p, q \in Procs :
          /\ p # q
          /\ weight[p] # Zero
          /\ weight[p].den < 8
          /\ weight' = [weight EXCEPT ![p] = Half(weight[p]),
                                      ![q] = Add(@, Half(weight[p]))]

Conserved == FoldFunction(Add, Zero, weight) = One
AllDyadic == \A p \in Procs : IsDyadicRational(weight[p])
=============================================================================
