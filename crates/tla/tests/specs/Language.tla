------------------------------ MODULE Language ------------------------------
(***************************************************************************)
(* One ASSUME per language feature: loading this module evaluates them    *)
(* all, and a false one fails the load with its location.                *)
(***************************************************************************)
EXTENDS Naturals, Integers, Sequences, FiniteSets, TLC, Bags, LangHelpers

CONSTANTS N, Procs, Name

VARIABLE x

\* Booleans, integers, strings, model values.
ASSUME TRUE /\ ~FALSE /\ (FALSE => TRUE) /\ (TRUE <=> TRUE) /\ (TRUE \/ FALSE)
ASSUME 7 \div 2 = 3 /\ (-7) \div 2 = -4 /\ (-7) % 2 = 1 /\ -7 \div 2 = -3 /\ 2^10 = 1024 /\ -(3) = -3
ASSUME 1 < 2 /\ 2 <= 2 /\ 3 > 2 /\ 3 >= 3 /\ 1 # 2 /\ 1 /= 2
ASSUME "a" /= "b" /\ "a" \o "b" = "ab" /\ Name = "alice"
ASSUME N = 3 /\ Cardinality(Procs) = 2 /\ \E p \in Procs : p \in Procs
ASSUME \b101 = 5 /\ \h1F = 31 /\ \o17 = 15

\* Sets.
ASSUME {1, 2} \cup {3} = 1..3 /\ {1, 2} \cap {2, 3} = {2} /\ {1, 2} \ {2} = {1}
ASSUME {1, 1, 2} = {2, 1} /\ Cardinality({}) = 0 /\ Cardinality(1..N) = 3
ASSUME {1} \subseteq {1, 2} /\ {1} \subset {1, 2} /\ ~({1, 2} \subset {1, 2})
ASSUME SUBSET {1, 2} = {{}, {1}, {2}, {1, 2}} /\ Cardinality(SUBSET (1..4)) = 16
ASSUME UNION {{1}, {2, 3}} = {1, 2, 3}
ASSUME {y \in 1..10 : y % 3 = 0} = {3, 6, 9}
ASSUME {y * y : y \in 1..3} = {1, 4, 9} /\ {a + b : a \in 1..2, b \in {10, 20}} = {11, 12, 21, 22}
ASSUME {<<a, b>> \in {1, 2} \X {3} : a = 2} = {<<2, 3>>}
ASSUME 5 \in Nat /\ -5 \notin Nat /\ -5 \in Int /\ "s" \in STRING /\ TRUE \in BOOLEAN
ASSUME IsFiniteSet(1..3) /\ ~IsFiniteSet(Nat)
ASSUME <<1, "a">> \in Nat \X STRING /\ Cardinality({1, 2} \X {3, 4} \X {5}) = 4

\* Quantifiers and CHOOSE.
ASSUME \A y \in 1..3 : y > 0
ASSUME \E y \in 1..3 : y = 2
ASSUME ~ \E y \in {} : TRUE
ASSUME \A a, b \in 1..2 : a + b <= 4
ASSUME \E <<a, b>> \in {<<1, 2>>} : a < b
ASSUME (CHOOSE y \in 1..10 : y > 4) = 5
\* Strings are ordered as TLC orders them (lexicographically), whatever order they appear in.
ASSUME (CHOOSE s \in {"zz", "b", "ab"} : TRUE) = "ab"
ASSUME ToString({"zz", "b", "ab"}) = "{\"ab\", \"b\", \"zz\"}"
ASSUME ToString([zz |-> 1, b |-> 2]) = "[b |-> 2, zz |-> 1]"
ASSUME [zz |-> 1, b |-> 2] = [f \in {"b", "zz"} |-> IF f = "b" THEN 2 ELSE 1]
ASSUME DOMAIN [zz |-> 1, b |-> 2] = {"zz", "b"}
ASSUME [zz |-> 1, b |-> 2] \in [b : {2}, zz : Nat]

\* Functions, records, tuples, sequences.
f == [i \in 1..3 |-> i * 10]
g == [p \in Procs |-> 0]
ASSUME f[2] = 20 /\ DOMAIN f = 1..3 /\ f = <<10, 20, 30>>
ASSUME [f EXCEPT ![2] = @ + 1] = <<10, 21, 30>>
ASSUME [f EXCEPT ![1] = 0, ![3] = @ * 2] = <<0, 20, 60>>
ASSUME LET p == CHOOSE q \in Procs : TRUE IN [g EXCEPT ![p] = 5][p] = 5 /\ DOMAIN g = Procs
ASSUME [a, b \in 1..2 |-> a * b][2, 2] = 4
ASSUME [r \in {"a"} |-> 1] = [a |-> 1]
ASSUME [a |-> 1, b |-> 2].b = 2
ASSUME [[a |-> [b |-> 1]] EXCEPT !.a.b = 2] = [a |-> [b |-> 2]]
ASSUME [[a |-> <<1, 2>>] EXCEPT !.a[2] = 7].a = <<1, 7>>
\* EXCEPT updates a private copy: later paths and the right-hand sides read the original.
ASSUME [f EXCEPT ![1] = 5, ![2] = f[1] + @] = <<5, 30, 30>>
ASSUME LET h == [f EXCEPT ![1] = 5] IN h[1] = 5 /\ f[1] = 10
ASSUME [<<<<1, 2>>, <<3, 4>>>> EXCEPT ![1][2] = 7, ![1][1] = @ + 1] = <<<<2, 7>>, <<3, 4>>>>
ASSUME LET n == [p \in Procs |-> <<0>>]
       IN [n EXCEPT ![CHOOSE q \in Procs : TRUE][1] = 1] # n /\ n[CHOOSE q \in Procs : TRUE] = <<0>>
ASSUME Tail(Append(<<1>>, 2)) = <<2>> /\ Head(<<<<3>>>>[1]) = 3 /\ Len(<<<<3, 4>>>>[1]) = 2
ASSUME [a |-> 1] \in [a : {1, 2}] /\ [a |-> 3] \notin [a : {1, 2}]
ASSUME [y \in {1, 2} |-> y] \in [{1, 2} -> {1, 2}] /\ Cardinality([{1, 2} -> {1, 2, 3}]) = 9
ASSUME (1 :> "a" @@ 2 :> "b") = <<"a", "b">> /\ (1 :> 1 @@ 1 :> 2)[1] = 1
ASSUME <<1, 2>> = [i \in 1..2 |-> i] /\ <<>> = [i \in {} |-> i]
ASSUME Len(<<1, 2, 3>>) = 3 /\ Head(<<1, 2>>) = 1 /\ Tail(<<1, 2>>) = <<2>>
ASSUME Append(<<1>>, 2) = <<1, 2>> /\ <<1>> \o <<2, 3>> = <<1, 2, 3>>
ASSUME SubSeq(<<1, 2, 3, 4>>, 2, 3) = <<2, 3>> /\ SubSeq(<<1>>, 2, 1) = <<>>
ASSUME SelectSeq(<<1, 2, 3, 4>>, LAMBDA y : y % 2 = 0) = <<2, 4>>
ASSUME <<1, 2>> \in Seq({1, 2}) /\ <<3>> \notin Seq({1, 2})
ASSUME SortSeq(<<3, 1, 2>>, LAMBDA a, b : a < b) = <<1, 2, 3>>

\* LET, IF, CASE, recursion, higher-order operators.
ASSUME LET y == 2 z == y + 1 IN z * y = 6
ASSUME (IF N > 2 THEN "big" ELSE "small") = "big"
ASSUME (CASE N = 1 -> "one" [] N = 3 -> "three" [] OTHER -> "many") = "three"
ASSUME (CASE N = 1 -> "one" [] OTHER -> "many") = "many"
RECURSIVE Fact(_)
Fact(n) == IF n = 0 THEN 1 ELSE n * Fact(n - 1)
ASSUME Fact(5) = 120
Fib[n \in Nat] == IF n < 2 THEN n ELSE Fib[n - 1] + Fib[n - 2]
ASSUME Fib[10] = 55
Squares == [n \in 1..4 |-> n * n]
ASSUME Squares[3] = 9
Sum[S \in SUBSET (1..5)] == IF S = {} THEN 0 ELSE LET m == CHOOSE e \in S : TRUE IN m + Sum[S \ {m}]
ASSUME Sum[{1, 2, 3}] = 6
ASSUME LET RECURSIVE Count(_) Count(n) == IF n = 0 THEN 0 ELSE 1 + Count(n - 1) IN Count(4) = 4
ASSUME LET h[n \in 0..5] == IF n = 0 THEN 0 ELSE h[n - 1] + n IN h[4] = 10
Apply(Op(_), v) == Op(v)
Twice(Op(_, _), v) == Op(v, v)
Inc(v) == v + 1
ASSUME Apply(Inc, 1) = 2 /\ Apply(LAMBDA v : v * 3, 2) = 6 /\ Twice(+, 4) = 8
ASSUME LET Add(a) == a + N IN Apply(Add, 1) = 4
a ++ b == a + b + 1
ASSUME 1 ++ 2 = 4

\* The TLC and Bags modules, and the extended user module.
ASSUME ToString(<<1, "a">>) = "<<1, \"a\">>"
ASSUME Cardinality(Permutations({1, 2, 3})) = 6
ASSUME Assert(TRUE, "never")
ASSUME Double(21) = Answer
ASSUME BagToSet(SetToBag({1, 2})) = {1, 2} /\ CopiesIn(1, SetToBag({1})) = 1
ASSUME BagCardinality(SetToBag({1, 2}) (+) SetToBag({2})) = 3

\* INSTANCE, with and without a name.
INSTANCE Counting WITH Limit <- N
ASSUME CountTo = 3 /\ Below(2) /\ ~Below(3) /\ Reveal = 7
Five == INSTANCE Counting WITH Limit <- 5
ASSUME Five!CountTo = 5 /\ Five!Below(4)

Init == x = 0
Next == x' = x
=============================================================================
