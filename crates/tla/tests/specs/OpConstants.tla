---------------------------- MODULE OpConstants ----------------------------
(***************************************************************************)
(* Operator constants of an instantiated module, substituted implicitly by *)
(* definitions of the same names (`Start`, `Step`) and with `WITH Ok <-`;  *)
(* `Start(v)` assigns the variable it is given, as TLC substitutes by name.*)
(***************************************************************************)
EXTENDS Naturals
VARIABLE v

Start(x) == x \in {0, 1}
Step(x, y) == x < 4 /\ y \in {x + 1, x + 2}
Bounded(x) == x <= 5

INSTANCE OpConstantsInner WITH Ok <- Bounded
=============================================================================
