------------------------------ MODULE ConstAlias ------------------------------
(* A constant substituted by another constant, declared after it, whose value the
   configuration gives (`Leader <- L` with `L = L`, as EWD687a_anim's configuration does).
   TLC: 2 distinct states; Inv holds. *)
EXTENDS Naturals
CONSTANT Leader
CONSTANTS L, P
VARIABLE x
Init == x = Leader
Next == x' = IF x = L THEN P ELSE L
Inv == x \in {L, P} /\ Leader = L
=============================================================================
