---- MODULE NextTwice ----
\* Once x' has its value, TLC evaluates the disjunction: one successor per state, not two.
EXTENDS Integers
VARIABLE x
Init == x = 0
Next == x' = (x + 1) % 4 /\ (x < 5 \/ x < 6)
====
