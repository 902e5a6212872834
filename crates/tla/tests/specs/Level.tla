------------------------------- MODULE Level -------------------------------
(***************************************************************************)
(* TLCGet("level"): 0 in the initial predicate, 1 in an initial state, one *)
(* more than the current state's in a successor, as TLC has it: a         *)
(* CONSTRAINT on it bounds the search by depth.                            *)
(***************************************************************************)
EXTENDS Naturals, TLC
VARIABLE x, seen

ASSUME TLCGet("level") = 0

Init == x = 0 /\ seen = TLCGet("level")
Next == \/ x' = (x + 1) % 5 /\ seen' = TLCGet("level")
        \/ x' = (x + 2) % 5 /\ seen' = TLCGet("level")

Bounded == TLCGet("level") < 4
Known == seen < TLCGet("level")
Shallow == TLCGet("level") < 3
=============================================================================
