---------------------------- MODULE AssumeOnly ----------------------------
(***************************************************************************)
(* No variables and no behaviour: TLC evaluates the assumptions (printing  *)
(* with PrintT) and reports 0 states.                                      *)
(***************************************************************************)
EXTENDS Naturals, TLC
Squares == {n * n : n \in 1..5}
ASSUME PrintT(Squares)
ASSUME \A s \in Squares : s <= 25
=============================================================================
