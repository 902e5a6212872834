------------------------------- MODULE LetAlways -------------------------------
(* A temporal property whose LET definitions are read by both conjuncts of its []: each
   conjunct becomes an invariant, and O must be the value of the state being checked. TLC
   gives 3 distinct states; Bounded holds and Wrong is violated in the state x = 2. *)
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x < 2 /\ x' = x + 1
Bounded ==
    LET O == [v |-> x, w |-> x + 1]
    IN [](/\ O.w = O.v + 1
          /\ O.v <= 2)
\* A SPECIFICATION under a LET: the next-state relation reads O.
LetSpec == LET O == x + 1 IN x = 0 /\ [][x < 2 /\ x' = O]_x
Wrong ==
    LET O == [v |-> x]
    IN [](/\ O.v >= 0
          /\ O.v < 2)
=============================================================================
