---------------------------- MODULE ActionArgs ----------------------------
(***************************************************************************)
(* Actions passed as arguments through definitions (`Guarded(IncX)`), to   *)
(* definitions that also take an operator (`Later(A, d(_))`): TLC          *)
(* substitutes them by name, so their primes reach the variables.          *)
(***************************************************************************)
EXTENDS Naturals
VARIABLES x, y, s

Guarded(A) == s = 0 /\ A /\ s' = s
Later(A, d(_)) == IF s = 0 THEN A /\ s' = 2
                  ELSE /\ UNCHANGED <<x, y>>
                       /\ s' = d(s)
IncX == x < 2 /\ x' = x + 1 /\ y' = y
IncY(k) == y < 3 /\ y' = y + k /\ x' = x

Init == x = 0 /\ y = 0 /\ s = 0
Next == \/ Guarded(IncX)
        \/ Later(IncY(1), LAMBDA v : v - 1)
        \/ Guarded(Guarded(IncY(2)))
Small == x + y <= 6
=============================================================================
