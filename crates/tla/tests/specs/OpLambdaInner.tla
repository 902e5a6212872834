--------------------------- MODULE OpLambdaInner ---------------------------
(***************************************************************************)
(* A module with operator constants, instantiated by OpLambda; `Ok` is     *)
(* also given a primed argument, so its LAMBDA is expanded in place.       *)
(***************************************************************************)
EXTENDS Naturals
CONSTANTS Start(_), Step(_, _), Ok(_)
VARIABLE v

Init == Start(v)
Next == Step(v, v') /\ Ok(v' - 1)
Inv == Ok(v)
=============================================================================
