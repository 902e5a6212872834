----------------------------- MODULE NestedTwin -----------------------------
\* `Inner` here adds 10, NestedOther's adds 1: `I!Step` and `O!OI!Step` are different
\* steps. TLC: 30 distinct states, 41 generated.
EXTENDS Naturals
VARIABLE x
------------------------------ MODULE Inner ------------------------------
Step == x' = x + 10
===========================================================================
I == INSTANCE Inner
O == INSTANCE NestedOther
Init == x = 0
Next == x < 20 /\ (I!Step \/ O!OI!Step)
===========================================================================
