------------------------------ MODULE Nested ------------------------------
\* A module nested in another reads the names declared before it, as diskpaxos's Synod's
\* `Inner` does; it is reached by INSTANCE. TLC: 9 distinct states, 13 generated.
EXTENDS Naturals
CONSTANT N
VARIABLES x, y
Proc == 1..N

------------------------------ MODULE Inner ------------------------------
VARIABLE z
IInit == z = 0 /\ x = 0
Bump(p) == z' = z + p /\ x' = p
Low == z <= 2 * N + 1 /\ x \in Proc \cup {0}
===========================================================================

I == INSTANCE Inner WITH z <- y
\* Its parameter replaces a variable, which valence does not support: never used, so the
\* spec loads, as in TLC.
P(z) == INSTANCE Inner
Init == I!IInit
Next == \E p \in Proc : y < 4 /\ I!Bump(p)
Inv == I!Low
===========================================================================
