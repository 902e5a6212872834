---- MODULE ForallOrder2 ----
\* Two bounds: the first varies fastest, then the instances after the first come last first.
EXTENDS Integers
VARIABLE x
Init == x = 0
Next == \A i \in {1, 2}, j \in {1, 2} :
          IF i = 1 /\ j = 2 THEN x' \in {0, 1}
          ELSE IF i = 2 /\ j = 1 THEN (x >= 0 \/ x < 10)
          ELSE TRUE
====
