------------------------------ MODULE Counter ------------------------------
(* Two counters, bounded by a CONSTRAINT and an ACTION_CONSTRAINT. *)
EXTENDS Naturals
VARIABLES x, y
Init == x = 0 /\ y \in {0, 1}
Next == \/ x' = x + 1 /\ UNCHANGED y
        \/ y' = y + 2 /\ UNCHANGED x
Small == x <= 3 /\ y <= 5
NoBigJumps == y' - y < 2 \/ x < 2
YBelow6 == y < 6
YEven == y % 2 = 0
=============================================================================
