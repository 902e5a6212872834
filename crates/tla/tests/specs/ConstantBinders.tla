--------------------------- MODULE ConstantBinders ---------------------------
(***************************************************************************)
(* Binders whose bodies read only the names they bind are constant and may *)
(* be evaluated once; those that read a parameter or a bound name of an    *)
(* enclosing expression may not; an \E or a disjunction in an action      *)
(* still gives one branch per witness or true disjunct, as in TLC.        *)
(***************************************************************************)
EXTENDS Integers, Sequences, FiniteSets
VARIABLE x

Others(n) == {i \in 1..3 : i # n}
Around(p) == LET nbrs == {d \in {-1, 0, 1} \X {-1, 0, 1} : d # <<0, 0>>}
             IN  {<<p[1] + d[1], p[2] + d[2]>> : d \in nbrs}
Scaled == [<<1, 2, 3>> EXCEPT ![2] = @ * 10]
Root == CHOOSE i \in 1..5 : i * i > 5
Nested(n) == {{j \in 1..i : j # n} : i \in 1..3}

Values == /\ Others(2) = {1, 3}
          /\ Others(x) = (1..3) \ {x}
          /\ Cardinality(Around(<<5, 5>>)) = 8
          /\ <<4, 6>> \in Around(<<5, 5>>)
          /\ <<5, 5>> \notin Around(<<5, 5>>)
          /\ Scaled = <<1, 20, 3>>
          /\ Root = 3
          /\ Nested(1) = {{}, {2}, {2, 3}}
          /\ \A n \in 1..3 : \A s \in Nested(n) : n \notin s

ASSUME LET S == {i \in 1..3 : i > 1} IN S = {2, 3}

Init == x = 0
Next == /\ x < 2
        /\ \E i \in 1..3 : i > 1
        /\ \/ \A j \in 1..2 : j > 0
           \/ \A j \in 1..2 : j < 5
        /\ x' = x + 1
=============================================================================
