---------------------------- MODULE HigherOrder ----------------------------
(* Actions passed as operator arguments, by name and as LAMBDAs. *)
EXTENDS Naturals
VARIABLES x, y
Init == x = 0 /\ y = 0
IncY(n) == y' = y + n /\ UNCHANGED x
GuardedBy(A(_), n) == x + y < 4 /\ A(n)
Next == \/ GuardedBy(IncY, 1)
        \/ GuardedBy(LAMBDA k : x' = x + k /\ UNCHANGED y, 2)
Bounded == x + y <= 5
=============================================================================
