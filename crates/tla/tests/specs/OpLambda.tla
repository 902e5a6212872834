----------------------------- MODULE OpLambda -------------------------------
(***************************************************************************)
(* An operator constant of an instance substituted by a LAMBDA, which      *)
(* reads a constant of the instantiating module.                           *)
(***************************************************************************)
EXTENDS Naturals
CONSTANT Limit
VARIABLE v

Start(x) == x \in {0, 1}
Step(x, y) == x < 4 /\ y \in {x + 1, x + 2}

INSTANCE OpLambdaInner WITH Ok <- LAMBDA x : x <= Limit
=============================================================================
