---- MODULE EmptyNext ----
\* With Proc = {}, Next has no step but is no constant: TLC enumerates it (1 state).
CONSTANT Proc
VARIABLE x
Init == x = 0
Next == \E p \in Proc : x' = p
====
