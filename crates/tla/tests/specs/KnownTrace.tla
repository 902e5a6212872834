---- MODULE KnownTrace ----
\* A step into a stored state (x' = 0) comes before the step that leaves the constraint.
VARIABLE x
Init == x = 0
Next == x' = 0 \/ x' = 1
Inv == x = 0
Con == x = 0
====
