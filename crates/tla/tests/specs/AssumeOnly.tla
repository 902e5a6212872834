---------------------------- MODULE AssumeOnly ----------------------------
(***************************************************************************)
(* No variables and no behaviour: TLC evaluates the assumptions (printing  *)
(* with PrintT) and reports 0 states; a named assumption is a definition. *)
(***************************************************************************)
EXTENDS Naturals, TLC
CONSTANT Marker
Squares == {n * n : n \in 1..5}
ASSUME PrintT(Squares)
ASSUME Bounded == \A s \in Squares : s <= 25
ASSUME Bounded /\ Marker \notin Squares
=============================================================================
