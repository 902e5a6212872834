---------------------------- MODULE AbsTally ----------------------------
(***************************************************************************)
(* An abstract tally that grows by one up to Max (instantiated by Tallies).*)
(***************************************************************************)
EXTENDS Naturals
CONSTANT Max
VARIABLE total

Init == total = 0
Next == total < Max /\ total' = total + 1
Within(n) == total <= n
Capped == Within(Max)
Room == LET left == Max - total IN left
TypeOK == total \in 0..Max
=============================================================================
