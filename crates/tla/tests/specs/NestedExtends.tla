--------------------------- MODULE NestedExtends ---------------------------
\* A nested module extending another nested module of the same file. TLC: 4 distinct
\* states, 4 generated.
EXTENDS Naturals
VARIABLE x
------------------------------ MODULE Base ------------------------------
EXTENDS Naturals
Inc(v) == v + 1
===========================================================================
----------------------------- MODULE Derived -----------------------------
EXTENDS Base
Step == x' = Inc(x)
===========================================================================
D == INSTANCE Derived
Init == x = 0
Next == x < 3 /\ D!Step
===========================================================================
