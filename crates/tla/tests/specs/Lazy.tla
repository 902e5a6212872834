-------------------------------- MODULE Lazy --------------------------------
(* Function constructors and set filters are lazy, as in TLC: a function is applied
   without building it (so its domain may be infinite, and its other elements are never
   computed), and membership in {x \in S : P} tests the one element. *)
EXTENDS Naturals, FiniteSets

Double == [n \in Nat |-> 2 * n]
Evens == {n \in Nat : n % 2 = 0}
Pairs(S) == {p \in S \X S : p[1] < p[2]}

\* The reachability closure of R over S by squaring, as in the Relation module: each level
\* reads three elements of the level below.
Closure(R, S) ==
  LET t[n \in Nat] ==
        [p \in S \X S |-> IF n = 0 THEN R[p]
                          ELSE \/ t[n - 1][p]
                               \/ \E z \in S : t[n - 1][<<p[1], z>>] /\ t[n - 1][<<z, p[2]>>]]
  IN t[Cardinality(S)]

Chain == [p \in (1..5) \X (1..5) |-> p[2] = p[1] + 1]

ASSUME Double[21] = 42
ASSUME [i \in 1..3 |-> 10 \div (i - 2)][3] = 10
ASSUME 4 \in Evens /\ 3 \notin Evens
ASSUME <<1, 2>> \in Pairs(Nat) /\ <<2, 1>> \notin Pairs(Nat)
ASSUME Closure(Chain, 1..5)[<<1, 5>>] /\ ~ Closure(Chain, 1..5)[<<5, 1>>]
ASSUME [a |-> 1, b |-> 2] \in [{"a", "b"} -> {n \in Nat : n > 0}]
ASSUME [a |-> 0] \notin [{"a"} -> {n \in Nat : n > 0}] /\ [a |-> 1] \notin [{"b"} -> {n \in Nat : n > 0}]
\* Inclusion in a filter tests each element (DiskSynod's `Ballot(p) \subseteq {n \in Nat : n > 0}`).
ASSUME {2, 4} \subseteq Evens /\ ~ ({2, 3} \subseteq Evens) /\ {} \subseteq Evens
ASSUME (1..3 \subseteq {n \in Nat : n > 0}) = TRUE /\ <<(0..3 \subseteq {n \in Nat : n > 0})>> = <<FALSE>>
ASSUME <<4 \in Evens, 5 \in Evens>> = <<TRUE, FALSE>>

VARIABLE x
Init == x = 0
Next == x' = (x + 1) % 4 /\ x' \in Evens \cup {1, 3}
Small == Double[x] \in Evens
=============================================================================
