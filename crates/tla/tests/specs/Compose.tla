------------------------------ MODULE Compose ------------------------------
(***************************************************************************)
(* Action composition A \cdot B (TLC's experimental feature): Both is a   *)
(* step of Inc then a step of Copy, taken as one step; TLC counts the      *)
(* state between them as generated. AssumeSpec adds a condition on how    *)
(* behaviours end, <>[](y = x), to the fairness.                           *)
(***************************************************************************)
EXTENDS Naturals, TLC
ASSUME TLCGet("-Dtlc2.tool.impl.Tool.cdot") = "true"
VARIABLE x, y
vars == <<x, y>>

Init == x = 0 /\ y = 0
Inc == x < 3 /\ x' = x + 1 /\ UNCHANGED y
Copy == y' = x /\ UNCHANGED x
Both == Inc \cdot Copy
Next == Inc \/ Both

Spec == Init /\ [][Next]_vars
FairSpec == Spec /\ WF_vars(Both)
AssumeSpec == FairSpec /\ <>[](y = x)
OftenSpec == FairSpec /\ []<>(y = x)

Steps == [][Next]_vars
OnlyInc == [][Inc]_vars
Live == <>(y = 3)
=============================================================================
