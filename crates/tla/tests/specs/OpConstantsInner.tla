-------------------------- MODULE OpConstantsInner --------------------------
(***************************************************************************)
(* A module with operator constants, instantiated by OpConstants.          *)
(***************************************************************************)
EXTENDS Naturals
CONSTANTS Start(_), Step(_, _), Ok(_)
VARIABLE v

Init == Start(v)
Next == Step(v, v')
Inv == Ok(v)
=============================================================================
