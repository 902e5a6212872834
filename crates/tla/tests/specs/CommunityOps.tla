---------------------------- MODULE CommunityOps ----------------------------
(***************************************************************************)
(* The operators of the community modules SequencesExt, FiniteSetsExt,    *)
(* Functions, Folds and BagsExt, which valence builds in: each ASSUME is   *)
(* checked by TLC (with its CommunityModules jar) and by valence.          *)
(***************************************************************************)
EXTENDS Integers, Sequences, FiniteSets, TLC, Bags, SequencesExt, FiniteSetsExt, Functions, Folds, BagsExt

ASSUME ToSet(<<3, 1, 3>>) = {1, 3}
ASSUME SetToSeq({"b", "a", "c"}) = <<"a", "b", "c">>
ASSUME SetToSortSeq({3, 1, 2}, >) = <<3, 2, 1>>
ASSUME Cardinality(SetToSeqs({1, 2, 3})) = 6
ASSUME Reverse(<<1, 2, 3>>) = <<3, 2, 1>>
ASSUME Remove(<<1, 2, 1, 3>>, 1) = <<2, 3>>
ASSUME ReplaceAll(<<1, 2, 1>>, 1, 0) = <<0, 2, 0>>
ASSUME InsertAt(<<1, 3>>, 2, 2) = <<1, 2, 3>>
ASSUME ReplaceAt(<<1, 2>>, 2, 5) = <<1, 5>>
ASSUME RemoveAt(<<1, 2, 3>>, 2) = <<1, 3>>
ASSUME RemoveFirst(<<1, 2, 1>>, 1) = <<2, 1>>
ASSUME RemoveFirstMatch(<<1, 2, 4>>, LAMBDA x : x % 2 = 0) = <<1, 4>>
ASSUME Cons(0, <<1>>) = <<0, 1>> /\ Snoc(2, <<1>>) = <<1, 2>>
ASSUME Front(<<1, 2, 3>>) = <<1, 2>> /\ Last(<<1, 2, 3>>) = 3
ASSUME IsPrefix(<<1>>, <<1, 2>>) /\ ~IsPrefix(<<2>>, <<1, 2>>) /\ IsPrefix(<<>>, <<>>)
ASSUME IsStrictPrefix(<<1>>, <<1, 2>>) /\ ~IsStrictPrefix(<<1, 2>>, <<1, 2>>)
ASSUME IsSuffix(<<2>>, <<1, 2>>) /\ ~IsStrictSuffix(<<1, 2>>, <<1, 2>>)
ASSUME Contains(<<1, 2>>, 2) /\ ~Contains(<<>>, 2)
ASSUME SelectInSeq(<<1, 2, 4>>, LAMBDA x : x > 1) = 2
ASSUME SelectLastInSeq(<<1, 2, 4>>, LAMBDA x : x > 1) = 3
ASSUME SelectInSeq(<<1>>, LAMBDA x : x > 1) = 0
ASSUME Prefixes(<<1, 2>>) = {<<>>, <<1>>, <<1, 2>>}
ASSUME Suffixes(<<1, 2>>) = {<<>>, <<2>>, <<1, 2>>}
ASSUME LongestCommonPrefix({<<1, 2, 3>>, <<1, 2>>, <<1, 2, 4>>}) = <<1, 2>>
ASSUME CommonPrefixes({<<1, 2>>, <<1, 3>>}) = {<<>>, <<1>>}
ASSUME SeqMod(6, 3) = 3 /\ SeqMod(7, 3) = 1
ASSUME FoldSeq(LAMBDA x, acc : x - acc, 0, <<5, 3, 1>>) = 3 /\ FoldSeq(LAMBDA x, acc : x - acc, 0, <<1, 2>>) = 1
ASSUME FoldLeft(LAMBDA acc, x : acc - x, 10, <<5, 3, 1>>) = 1
ASSUME FoldRight(LAMBDA x, acc : x - acc, <<5, 3, 1>>, 0) = 3
ASSUME FlattenSeq(<<<<1>>, <<>>, <<2, 3>>>>) = <<1, 2, 3>>
ASSUME Zip(<<1, 2, 3>>, <<"a", "b">>) = <<<<1, "a">>, <<2, "b">>>>
ASSUME SubSeqs(<<1, 2>>) = {<<>>, <<1>>, <<2>>, <<1, 2>>}
ASSUME BoundedSeq({0, 1}, 2) = {<<>>, <<0>>, <<1>>, <<0, 0>>, <<0, 1>>, <<1, 0>>, <<1, 1>>}
ASSUME SeqOf({0}, 1) = {<<>>, <<0>>} /\ <<1, 1>> \in TupleOf({1}, 2)

ASSUME FoldSet(LAMBDA x, acc : x + 2 * acc, 0, {1, 2, 3}) = 11
ASSUME SumSet({1, 2, 3}) = 6 /\ ProductSet({2, 3}) = 6 /\ SumSet({}) = 0
ASSUME ReduceSet(LAMBDA x, acc : x + acc, {1, 2}, 10) = 13
ASSUME MapThenSumSet(LAMBDA x : x * x, {1, 2, 3}) = 14
ASSUME FlattenSet({{1}, {2, 3}}) = {1, 2, 3} /\ SymDiff({1, 2}, {2, 3}) = {1, 3}
ASSUME Quantify(1..10, LAMBDA x : x % 3 = 0) = 3
ASSUME kSubset(2, {1, 2, 3}) = {{1, 2}, {1, 3}, {2, 3}}
ASSUME Max({1, 5, 3}) = 5 /\ Min({4, 2, 9}) = 2
ASSUME ChooseUnique({1, 2, 3}, LAMBDA x : x > 2) = 3

ASSUME Restrict([x \in 1..3 |-> x * x], {1, 3}) = (1 :> 1 @@ 3 :> 9)
ASSUME RestrictDomain([x \in 1..3 |-> x * x], LAMBDA x : x > 1) = (2 :> 4 @@ 3 :> 9)
ASSUME RestrictValues([x \in 1..3 |-> x * x], LAMBDA y : y < 5) = <<1, 4>>
ASSUME IsRestriction(<<1>>, <<1, 2>>) /\ ~IsRestriction(<<2>>, <<1, 2>>)
ASSUME Range(<<1, 2, 1>>) = {1, 2}
ASSUME Pointwise(<<1, 2>>, <<10, 20>>, +) = <<11, 22>>
ASSUME Inverse(<<"a", "b">>, {1, 2}, {"a", "b", "c"}) = [t \in {"a", "b", "c"} |-> CASE t = "a" -> 1 [] t = "b" -> 2 [] OTHER -> 1]
ASSUME AntiFunction(<<"a", "b">>) = [t \in {"a", "b"} |-> IF t = "a" THEN 1 ELSE 2]
ASSUME IsInjective(<<1, 2>>) /\ ~IsInjective(<<1, 1>>)
ASSUME Cardinality(Injection(1..2, 1..3)) = 6 /\ Cardinality(Surjection(1..3, 1..2)) = 6
ASSUME Cardinality(Bijection(1..3, 1..3)) = 6
ASSUME ExistsInjection(1..2, 1..3) /\ ~ExistsInjection(1..3, 1..2)
ASSUME ExistsSurjection(1..3, 1..2) /\ ~ExistsBijection(1..3, 1..2)
ASSUME FoldFunction(LAMBDA x, acc : x - acc, 0, <<5, 3, 1>>) = 3
ASSUME FoldFunctionOnSet(LAMBDA x, acc : x + acc, 0, <<5, 3, 1>>, {1, 3}) = 6
ASSUME MapThenFoldSet(LAMBDA x, acc : x - acc, 0, LAMBDA x : 10 * x, LAMBDA S : CHOOSE x \in S : \A y \in S : x >= y, {1, 2, 3}) = 20

ASSUME BagAdd(SetToBag({1}), 1) = (1 :> 2) /\ BagAdd(SetToBag({1}), 2) = (1 :> 1 @@ 2 :> 1)
ASSUME BagRemove((1 :> 2), 1) = (1 :> 1) /\ BagRemove((1 :> 1 @@ 2 :> 1), 1) = (2 :> 1)
ASSUME BagRemoveAll((1 :> 2 @@ 2 :> 1), 1) = (2 :> 1)
ASSUME SumBag((1 :> 2 @@ 3 :> 1)) = 5 /\ ProductBag((2 :> 2 @@ 3 :> 1)) = 12
ASSUME FoldBag(LAMBDA x, y : x - y, 0, (1 :> 2 @@ 3 :> 1)) = -5

ASSUME BagOfAll(LAMBDA x : x % 2, (1 :> 2 @@ 2 :> 1 @@ 3 :> 1)) = (0 :> 1 @@ 1 :> 3)
ASSUME BagUnion({(1 :> 1), (1 :> 2 @@ 2 :> 1)}) = (1 :> 3 @@ 2 :> 1)
ASSUME Cardinality(SubBag((1 :> 2 @@ 2 :> 1))) = 6

\* A small behaviour: a queue that receives numbers and folds them.
VARIABLES queue, total
Init == queue = <<>> /\ total = 0
Next == \/ /\ Len(queue) < 3
           /\ \E v \in {1, 2} : queue' = Cons(v, queue)
           /\ UNCHANGED total
        \/ /\ queue # <<>>
           /\ total' = total + Last(queue)
           /\ queue' = Front(queue)
        \/ /\ Len(queue) > 1
           /\ queue' = Reverse(queue)
           /\ total' = FoldLeft(LAMBDA a, b : a + b, total, queue) % 5
Bound == total <= 12
TypeOK == total \in 0..20 /\ ToSet(queue) \subseteq {1, 2}
=============================================================================
