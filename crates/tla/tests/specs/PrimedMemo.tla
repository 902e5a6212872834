----------------------------- MODULE PrimedMemo -----------------------------
(***************************************************************************)
(* A state function primed in several places: in the next-state relation, *)
(* where each branch assigns the next state anew, and in step properties, *)
(* where the next state is complete.                                       *)
(***************************************************************************)
EXTENDS Naturals
VARIABLES x, y

Total == x + y

Init == x = 0 /\ y = 0
Next == \/ /\ x < 2
           /\ x' = x + 1 /\ y' = y
           /\ Total' = Total + 1
        \/ /\ y < 4
           /\ y' = y + 2 /\ x' = x
           /\ Total' = Total + 2

Step == \/ Total' = Total + 1 /\ x' = x + 1
        \/ Total' = Total + 2 /\ y' = y + 2
OnlyX == Total' = Total + 1

Steps == [][Step]_<<x, y>>
\* ENABLED inside a step property assigns the next state branch by branch.
CanReachSix == [][ENABLED (\E v \in {5, 6} : x' = v /\ y' = 0 /\ Total' = 6)]_<<x, y>>
OnlyXSteps == [][OnlyX]_<<x, y>>
=============================================================================
