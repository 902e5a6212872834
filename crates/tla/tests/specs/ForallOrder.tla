---- MODULE ForallOrder ----
\* TLC takes the instances of an action-level \A in the order 1, 3, 2: the disjunction at
\* i = 3 branches before x' is assigned at i = 2.
EXTENDS Integers
VARIABLE x
Init == x = 0
Next == \A i \in {1, 2, 3} :
          IF i = 3 THEN (x >= 0 \/ x < 10)
          ELSE IF i = 2 THEN x' \in {0, 1} ELSE TRUE
====
