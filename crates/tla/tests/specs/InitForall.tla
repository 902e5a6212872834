---- MODULE InitForall ----
\* The \A of the initial predicate assigns x (TLC: 1 state).
VARIABLE x
Init == \A i \in {1} : x = i
Next == UNCHANGED x
====
