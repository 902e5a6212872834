------------------------------- MODULE Labels -------------------------------
(* Subexpression references by label: `Inv!P0` is the expression labelled P0:: in Inv
   (as SmokeEWD998 uses EWD998's `Inv!P0`). TLC: 4 distinct states; LabelsOk holds and
   LabelsWrong (Inv!P1 alone) fails at x = 2. *)
EXTENDS Naturals
VARIABLES x, y
Init == x = 0 /\ y = 0
Next == x < 3 /\ x' = x + 1 /\ y' = IF x' >= 2 THEN 1 ELSE 0
Inv == /\ P0:: x >= 0
       /\ \/ P1:: x < 2
          \/ P2:: (y = 1)
Ok == Inv!P0 /\ (Inv!P1 \/ Inv!P2)
Wrong == Inv!P1
=============================================================================
