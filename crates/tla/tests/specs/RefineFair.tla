------------------------------- MODULE RefineFair -------------------------------
(* A refinement whose abstract action assigns a shared variable (mode) and leaves a
   substituted one unchanged (total <- a + b): `UNCHANGED total` primes a + b, which the
   action does not assign, so the fairness of Abs!Step is reported as not checked (as
   glowingRaccoon's stagesSpec; before, its enumeration failed reading a' unassigned). *)
EXTENDS Naturals
VARIABLES mode, a, b
Abs == INSTANCE RefineFairAbs WITH total <- a + b
Init == mode = 0 /\ a = 0 /\ b = 0
Next == mode' = 1 - mode /\ UNCHANGED <<a, b>>
Spec == Init /\ [][Next]_<<mode, a, b>> /\ WF_<<mode, a, b>>(Next)
AbsSpec == Abs!Spec
=============================================================================
