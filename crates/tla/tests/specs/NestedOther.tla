---------------------------- MODULE NestedOther ----------------------------
\* Nests a module named `Inner`, as NestedTwin does: each file's INSTANCE finds its own.
EXTENDS Naturals
VARIABLE x
------------------------------ MODULE Inner ------------------------------
Step == x' = x + 1
===========================================================================
OI == INSTANCE Inner
===========================================================================
