------------------------------ MODULE PrimedFair ------------------------------
(* Weak fairness of an action that primes an operator application, whose variables the *)
(* action assigns first (as EWD687a's SendAck primes neutral(p)): ENABLED and the steps  *)
(* of the action are computed by enumerating it. TLC: 4 distinct states, 4 generated;    *)
(* Live holds under FairSpec and fails by stuttering at x = 0 under Spec.                *)
EXTENDS Naturals
VARIABLES x, y
Big == x >= 2
Init == x = 0 /\ y = FALSE
Step == /\ x < 3
        /\ x' = x + 1
        /\ y' = Big'
Spec == Init /\ [][Step]_<<x, y>>
FairSpec == Spec /\ WF_<<x, y>>(Step)
Live == <>y
=============================================================================
