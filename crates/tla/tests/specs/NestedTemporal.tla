--------------------------- MODULE NestedTemporal ---------------------------
\* `[](P => <>[]Q)` and `[](P => []<>Q)`, and liveness under INIT and NEXT (no fairness,
\* so stuttering counts). TLC, under Spec: Settle violated, Recur and Live hold; under
\* INIT/NEXT: Live and Recur violated.
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = (x + 1) % 3
Spec == Init /\ [][Next]_x /\ WF_x(Next)
Settle == [](x = 1 => <>[](x # 1))
Recur == [](x = 1 => []<>(x = 0))
Live == <>(x = 2)
=============================================================================
