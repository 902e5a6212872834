---------------------------- MODULE Unchanged ----------------------------
(* Invariants and constraints whose conjuncts read few variables: after a step that leaves a  *)
(* conjunct's variables alone, valence does not evaluate it again (it held in the state the   *)
(* step left). Each conjunct below reads its variable differently: directly, through an      *)
(* operator with a parameter, through a LET, through a recursive function's domain, and      *)
(* through a definition without parameters named inside another.                             *)
EXTENDS Naturals

VARIABLES a, b, c, d

Below(v, n) == v < n
Steps[k \in 0..a] == IF k = 0 THEN 0 ELSE Steps[k - 1] + 1
Twice == 2 * d
Small == Twice <= 6

Init == a = 0 /\ b = 0 /\ c = 0 /\ d = 0

IncA == a < 4 /\ a' = a + 1 /\ UNCHANGED <<b, c, d>>
IncB == b < 4 /\ b' = b + 1 /\ UNCHANGED <<a, c, d>>
IncC == c < 4 /\ c' = c + 1 /\ UNCHANGED <<a, b, d>>
IncD == d < 4 /\ d' = d + 1 /\ UNCHANGED <<a, b, c>>
Next == IncA \/ IncB \/ IncC \/ IncD

TypeOK == /\ a \in 0..4
          /\ Below(b, 3)
          /\ LET limit == 5 IN c < limit

\* Steps[a] is only defined on the domain 0..a it reads.
Counted == Steps[a] = a

Bounded == /\ Small
           /\ TypeOK

\* Reads two variables: a key of the values of only one would let a violation through.
Sum == a + b < 6

\* A state constraint on one variable.
FewC == c <= 2
=============================================================================
