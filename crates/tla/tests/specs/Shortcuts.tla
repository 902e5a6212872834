------------------------------ MODULE Shortcuts ------------------------------
(* The evaluator's shortcuts, each next to the case it must not take: literal  *)
(* function sets enumerated in Init after other variables, quantifiers over    *)
(* S \ {x} (x in S, x not in S, S symbolic), Tail and Len of chains, equality  *)
(* of sequences of different lengths, membership in [1..n -> T], predicates.   *)
EXTENDS Naturals, Sequences
Procs == {1, 2, 3}
VARIABLES x, f, g, q

TypeOK ==
  /\ x \in 0..2
  /\ f \in [{1, 2} -> {"a", "b"}]
  /\ g \in [Procs -> BOOLEAN]
  /\ q \in [Procs -> Seq(Procs)]

Init ==
  /\ x \in 0..2
  /\ f \in [{1, 2} -> {"a", "b"}]
  /\ g \in [Procs -> BOOLEAN]
  /\ f[1] = "a" => x > 0
  /\ q = [p \in Procs |-> <<>>]

Ready(p) == g[p] /\ \A r \in Procs \ {p} : r < p => ~g[r]

Send(p) ==
  /\ \E r \in Procs \ {p} :
       /\ Len(q[r]) < IF x = 1 THEN 2 ELSE 1
       /\ q' = [q EXCEPT ![r] = Append(@, p)]
  /\ UNCHANGED <<x, f, g>>

Receive(p) ==
  /\ q[p] # <<>>
  /\ q' = [q EXCEPT ![p] = Tail(q[p])]
  /\ x' = IF x + Head(q[p]) > 2 THEN 0 ELSE x + 1
  /\ UNCHANGED <<f, g>>

Flip(p) ==
  /\ Ready(p)
  /\ \E r \in Procs \ {7} : \E s \in (SUBSET {1, 2}) \ {{1}} :
       /\ r = p
       /\ g' = [g EXCEPT ![r] = (s = {})]
  /\ UNCHANGED <<x, f, q>>

Next == \E p \in Procs : Send(p) \/ Receive(p) \/ Flip(p)

NotOnOneAndThree == f \notin [{1, 3} -> {"a", "b"}] /\ f \in [1..2 -> {"a", "b"}]
ShortQueues == \A p \in Procs : Len(q[p]) <= 2 /\ q[p] # <<1, 2, 3>>
OthersQueues == \A p \in Procs : \A r \in Procs \ {p} : \E o \in Procs \ {r} : Len(q[o]) <= 2
TailsAreShort == \A p \in Procs : q[p] # <<>> => Len(Tail(q[p])) <= 1
=============================================================================
