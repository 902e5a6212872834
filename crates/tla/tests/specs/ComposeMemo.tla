---------------------------- MODULE ComposeMemo -----------------------------
(***************************************************************************)
(* A \cdot B where B reads a definition of the state (Total): from each   *)
(* intermediate state it is that state's, not the current state's (TLC:   *)
(* 9 distinct states, 17 generated, y >= x throughout).                    *)
(***************************************************************************)
EXTENDS Naturals
VARIABLES x, y
Total == x + y
Init == x = 0 /\ y = 0
Inc == x' \in {x + 1, x + 2} /\ UNCHANGED y
Rec == y' = Total /\ UNCHANGED x
Next == x < 3 /\ (Inc \cdot Rec)
YAtLeastX == y >= x
=============================================================================
