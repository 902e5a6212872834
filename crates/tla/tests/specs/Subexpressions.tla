--------------------------- MODULE Subexpressions ---------------------------
(***************************************************************************)
(* Subexpression references: `Inv!2` is the second conjunct of Inv, and    *)
(* `Bounded!:` the statement of the theorem Bounded.                       *)
(***************************************************************************)
EXTENDS Naturals
VARIABLE x

Init == x = 0
Next == x < 4 /\ x' = x + 1

Inv == /\ x \in Nat
       /\ x <= 4
       /\ x # 7
THEOREM Bounded == x < 10

SecondConjunct == Inv!2
Statement == Bounded!: /\ Inv!3
=============================================================================
