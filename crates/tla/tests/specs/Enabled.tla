------------------------------ MODULE Enabled ------------------------------
(* ENABLED in the next-state relation and in invariants: `Flip` may happen only when `Inc`
   cannot. ENABLED of an action that leaves a variable unassigned is still true, as in TLC. *)
EXTENDS Naturals
VARIABLES x, y
Inc == x < 3 /\ x' = x + 1 /\ UNCHANGED y
Flip == y' = 1 - y /\ UNCHANGED x
Init == x = 0 /\ y = 0
Next == Inc \/ (~ENABLED Inc /\ Flip)
CanInc == (x < 3) = ENABLED Inc
Partial == ENABLED (x' = x)
AlwaysCanInc == ENABLED Inc
=============================================================================
