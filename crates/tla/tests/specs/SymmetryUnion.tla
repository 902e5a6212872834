---------------------------- MODULE SymmetryUnion ----------------------------
(***************************************************************************)
(* Acceptors vote for values; both are interchangeable. The SYMMETRY set  *)
(* is a union of two permutation groups, as public specs write it; the    *)
(* reduction is by the group they generate. Written for valence's tests.  *)
(***************************************************************************)
EXTENDS TLC

CONSTANTS a1, a2, a3, v1, v2

Acceptor == {a1, a2, a3}
Value == {v1, v2}

VARIABLE votes

Init == votes = [a \in Acceptor |-> {}]

Next == \E a \in Acceptor, v \in Value :
          /\ v \notin votes[a]
          /\ votes' = [votes EXCEPT ![a] = @ \cup {v}]

Symmetry == Permutations(Acceptor) \cup Permutations(Value)
=============================================================================
