---------------------------- MODULE FunctionSets ----------------------------
(***************************************************************************)
(* Set filters, set maps and function constructors over sets of functions  *)
(* [D -> R], which valence walks one function at a time in the set's      *)
(* order: each result is compared with the set written out, so that a set  *)
(* built out of order (or missing a function) makes an assumption false.  *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets, TLC

\* Functions over 1..n are sequences, over strings records, else functions.
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
\* The empty domain has one function, an empty range none.
ASSUME {f \in [{} -> 1..3] : TRUE} = {<<>>}
ASSUME {f \in [1..2 -> {}] : TRUE} = {}
=============================================================================
