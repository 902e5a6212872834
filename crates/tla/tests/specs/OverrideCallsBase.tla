-------------------------- MODULE OverrideCallsBase --------------------------
EXTENDS Naturals
VARIABLE x
D(a) == a + 1
Uses == D(0) + 10
C == 1
NoVal == CHOOSE v : v \notin {1, 2}
UsesC == C + 10
Init == x = 0
Next == x' = x
=============================================================================
