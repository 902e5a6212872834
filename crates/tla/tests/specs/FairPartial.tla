---------------------------- MODULE FairPartial ----------------------------
(***************************************************************************)
(* Weak fairness of an action that leaves a variable unconstrained: its    *)
(* steps cannot be listed from a state, so each step is tested instead.    *)
(* Written for valence's tests of liveness checking.                       *)
(***************************************************************************)
EXTENDS Naturals

VARIABLES x, y

Init == x = 0 /\ y = 0

\* y' is left free: any value of y makes an Inc step.
Inc == x < 2 /\ x' = x + 1

Toggle == y' = 1 - y /\ x' = x

Next == (Inc /\ y' = y) \/ Toggle

Unfair == Init /\ [][Next]_<<x, y>>
FairInc == Unfair /\ WF_x(Inc)
FairBoth == Unfair /\ WF_<<x, y>>(Inc /\ y' = y)

Reaches == <>(x = 2)
=============================================================================
