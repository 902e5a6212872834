----------------------------- MODULE RandomSets -----------------------------
(* The operators of TLC's standard module Randomization pick anew at each evaluation; their
   results have the sizes and elements they promise. TLC passes every ASSUME too. *)
EXTENDS Naturals, FiniteSets, Randomization

S == 1..6
ASSUME \A i \in 1..20 : LET T == RandomSubset(3, S) IN T \subseteq S /\ Cardinality(T) = 3
ASSUME RandomSubset(0, S) = {} /\ RandomSubset(6, S) = S
\* More than there are: all of S, as TLC draws from [Node -> BOOLEAN] in SmokeEWD998.
ASSUME RandomSubset(10, [{1, 2} -> BOOLEAN]) = [{1, 2} -> BOOLEAN]
ASSUME \E i \in 1..50 : RandomSubset(3, S) # RandomSubset(3, S)
ASSUME \A i \in 1..20 : LET F == RandomSetOfSubsets(4, 2, S)
                        IN F \subseteq SUBSET S /\ Cardinality(F) \in 1..4
ASSUME RandomSetOfSubsets(5, 6, S) = {S} /\ RandomSetOfSubsets(5, 0, S) = {{}}
ASSUME LET t == TestRandomSetOfSubsets(3, 3, S) IN DOMAIN t = 1..5 /\ \A i \in 1..5 : t[i] \in 1..3

VARIABLE x
Init == x \in RandomSetOfSubsets(3, 2, 1..3)
Next == x' = RandomSubset(1, 1..3)
Inv == x \subseteq 1..3
=============================================================================
