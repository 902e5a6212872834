---------------------------- MODULE FunctionSets ----------------------------
(***************************************************************************)
(* Set filters, set maps, function constructors and quantifiers over sets  *)
(* of functions [D -> R], which valence walks one function at a time in    *)
(* the set's order: each result is compared with the set written out, so  *)
(* that a set built out of order (or short of a function) makes an       *)
(* assumption false.                                                       *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets, TLC

VARIABLE n
Init == n \in 1..2
Next == n' = 3 - n
\* Quantifiers over [D -> R] in a state predicate, which stop at the first function deciding them.
Inv == /\ \A f \in [1..2 -> 0..n] : f[1] + f[2] <= 2 * n
       /\ \E f \in [1..3 -> 0..n] : f[1] + f[2] + f[3] = 3 * n
       /\ ~\E f \in [1..2 -> 0..n] : f[1] + f[2] > 2 * n
       /\ ~\A f \in [1..2 -> 0..n] : f[1] < n
       /\ \E f \in [{} -> 0..n] : f = <<>>
       /\ \A f \in [1..2 -> {}] : FALSE
       /\ {f[1] * f[2] : f \in [1..2 -> 0..n]} = {a * b : a, b \in 0..n}
       /\ \E f \in [1..2 -> 0..n], g \in [{"a"} -> 0..n] : f[1] + g.a = 2 * n

\* Functions over 1..k are sequences, over strings records, else functions.
ASSUME {f \in [{"a", "b"} -> {1, 2}] : f.a < f.b} = {[a |-> 1, b |-> 2]}
ASSUME {<<x, y>> \in [1..2 -> {"p", "q"}] : x # y} = {<<"p", "q">>, <<"q", "p">>}
ASSUME {f \in [{2, 3} -> {0, 1}] : f[2] = 1} = {(2 :> 1 @@ 3 :> 0), (2 :> 1 @@ 3 :> 1)}
ASSUME {f \in [1..3 -> 0..1] : f[2] = 1} = {<<0, 1, 0>>, <<0, 1, 1>>, <<1, 1, 0>>, <<1, 1, 1>>}
ASSUME {f[1] + f[2] : f \in [1..2 -> 0..3]} = 0..6
ASSUME [f \in [1..2 -> 0..1] |-> f[1] + f[2]][<<1, 1>>] = 2
\* Nondecreasing functions from 1..4 to 1..10: C(13, 4).
ASSUME Cardinality({f \in [1..4 -> 1..10] : \A i \in 1..3 : f[i] <= f[i + 1]}) = 715
\* A range of sets: pairs A, B of subsets of {1, 2} with A strictly inside B.
ASSUME {f \in [1..2 -> SUBSET {1, 2}] : f[1] \subseteq f[2] /\ f[1] # f[2]}
         = {<<{}, {1}>>, <<{}, {2}>>, <<{}, {1, 2}>>, <<{1}, {1, 2}>>, <<{2}, {1, 2}>>}
ASSUME \E f \in [1..4 -> 1..10] : f[1] + f[2] + f[3] + f[4] = 40
ASSUME \A f \in [1..2 -> {"p", "q"}] : f[1] \in {"p", "q"}
ASSUME ~\E f \in [{} -> 1..3] : f # <<>>
ASSUME \E f \in [{} -> 1..3] : f = <<>>
ASSUME ~\A f \in [1..2 -> 0..1] : f[1] = 0
ASSUME \A f \in [1..2 -> {}] : FALSE
ASSUME ~\E f \in [1..2 -> {}] : TRUE
\* The empty domain has one function, an empty range none.
ASSUME {f \in [{} -> 1..3] : TRUE} = {<<>>}
ASSUME {f \in [1..2 -> {}] : TRUE} = {}
=============================================================================
