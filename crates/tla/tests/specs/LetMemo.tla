---------------------------- MODULE LetMemo ----------------------------
(* LET definitions without parameters are computed once per entry into the LET: each
   element of a quantifier enters it again, and a definition that reads the next state is
   computed anew each time it is read. Module-level definitions without parameters are
   computed once per state (Around). *)
EXTENDS Naturals
VARIABLES x, y

Init == x = 0 /\ y = 0

Step(i) ==
  LET d == i * 2
      g(a) == LET k == a + d IN k
  IN /\ x' = (x + d) % 7
     /\ y' = g(1) + g(2)

Pick ==
  LET n == x'
  IN /\ x' \in {1, 2}
     /\ y' = n * 10

Next == (\E i \in 1..3 : Step(i)) \/ Pick

Inv == \A i \in 1..3 : LET e == i + x IN e >= i
YValues == y \in {0, 7, 11, 15, 10, 20}
Picked == y \in {10, 20} => y = x * 10
Around == [i \in 1..3 |-> x + i]
Fresh == Around = <<x + 1, x + 2, x + 3>> /\ Around[2] = x + 2
=============================================================================
