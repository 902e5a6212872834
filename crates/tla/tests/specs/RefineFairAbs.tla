----------------------------- MODULE RefineFairAbs -----------------------------
(* The abstract side of RefineFair: a mode that flips, under weak fairness, while the total
   stays put. *)
VARIABLES mode, total
Init == mode = 0 /\ total = 0
Step == mode' = 1 - mode /\ UNCHANGED total
Spec == Init /\ [][Step]_<<mode, total>> /\ WF_<<mode, total>>(Step)
=============================================================================
