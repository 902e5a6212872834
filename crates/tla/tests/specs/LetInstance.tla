----------------------------- MODULE LetInstance ----------------------------
(***************************************************************************)
(* A named INSTANCE in a LET (CheckpointCoordination's form): its module's *)
(* definitions are reached through the LET's name.                        *)
(***************************************************************************)
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == LET C == INSTANCE Counting WITH Limit <- 3
        IN  x < C!CountTo /\ C!Below(x) /\ x' = x + 1
=============================================================================
