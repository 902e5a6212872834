---------------------------- MODULE Angle ----------------------------
(* <><<A>>_v: some step is an A step that changes v. x climbs by 1 or 2 up to 4. TLC      *)
(* rejects this form ("Temporal formulas containing actions must be of forms <>[]A or    *)
(* []<>A"); the verdicts below follow the meaning of the formula.                         *)
EXTENDS Naturals

VARIABLE x

Init == x = 0
One == x < 4 /\ x' = x + 1
Two == x < 3 /\ x' = x + 2
Next == One \/ Two

\* Without fairness the behaviour may stutter at 0 for ever.
Spec == Init /\ [][Next]_x
\* With weak fairness on Next, x reaches 4; some step is a One step (x = 3 can only
\* become 4 by One, and 0 -> 2 -> 4 uses Two only).
FairSpec == Init /\ [][Next]_x /\ WF_x(Next)

ReachesFour == <><<x' = 4>>_x
TakesOne == <><<One>>_x
=============================================================================
