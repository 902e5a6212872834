---- MODULE InitTwice ----
\* The initial predicate gives (0, 1) and (0, 2) twice, not one right after the other.
EXTENDS Integers
VARIABLES x, y
Init == (x = 0 \/ x = 1 \/ x = 0) /\ y \in {1, 2}
Next == x' = 1 - x /\ y' = y
====
