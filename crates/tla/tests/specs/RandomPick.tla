----------------------------- MODULE RandomPick -----------------------------
(* RandomElement picks an element at random each time it is evaluated (never once for all,
   although its argument is constant); TLCEval(v) is v. TLC passes every ASSUME too. *)
EXTENDS Naturals, TLC

ASSUME RandomElement({7}) = 7
ASSUME \A i \in 1..20 : RandomElement(1..3) \in 1..3
ASSUME \E i \in 1..50 : RandomElement(1..3) # RandomElement(1..3)
ASSUME TLCEval(2 + 3) = 5

VARIABLE x
Init == x = 0
Next == x' = RandomElement(1..3)
InRange == x \in 0..3
=============================================================================
