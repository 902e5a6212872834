---- MODULE KnownLevel ----
\* A state already stored, reached again at a level outside the constraint, is checked.
EXTENDS Integers, TLC
VARIABLE x
Init == x = 0
Next == x' = 1 - x
Con == TLCGet("level") < 3
Inv == TLCGet("level") < 3 \/ x = 1
====
