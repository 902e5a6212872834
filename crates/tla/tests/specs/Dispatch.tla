------------------------------ MODULE Dispatch ------------------------------
\* Disjunctions whose disjuncts start with the same test, which the enumerator decides once
\* for all of them (`pc[self] = "a"`, `pc[self] = "b"`, ...; `net[q][p] # << >>`): the same
\* states and counts as entering each disjunct. TLC: 1,458 distinct states, 8,992 generated, depth 22.
EXTENDS Naturals, Sequences
Procs == 1..2
VARIABLES pc, net, mode, lbl

a(self) == /\ pc[self] = "a"
           /\ pc' = [pc EXCEPT ![self] = "b"]
           /\ net' = [net EXCEPT ![self][3 - self] = Append(@, self)]
           /\ UNCHANGED <<mode, lbl>>
b(self) == /\ pc[self] = "b"
           /\ \/ pc' = [pc EXCEPT ![self] = "c"]
              \/ pc' = [pc EXCEPT ![self] = "a"]
           /\ UNCHANGED <<net, mode, lbl>>
c(self) == /\ pc[self] = "c"
           /\ mode[self] < 2
           /\ pc' = [pc EXCEPT ![self] = "a"]
           /\ mode' = [mode EXCEPT ![self] = @ + 1]
           /\ UNCHANGED <<net, lbl>>
p(self) == a(self) \/ b(self) \/ c(self)

\* Two receivers sharing their guard, a third with another one.
Take(i, j) == /\ net[j][i] # << >>
              /\ Head(net[j][i]) = j
              /\ net' = [net EXCEPT ![j][i] = Tail(@)]
              /\ UNCHANGED <<pc, mode, lbl>>
Drop(i, j) == /\ net[j][i] # << >>
              /\ Len(net[j][i]) > 1
              /\ net' = [net EXCEPT ![j][i] = <<>>]
              /\ UNCHANGED <<pc, mode, lbl>>
Reset(i, j) == /\ mode[i] = 2
               /\ mode' = [mode EXCEPT ![i] = 0]
               /\ UNCHANGED <<pc, net, lbl>>

\* A variable compared with integers, and an inline disjunct.
L0 == /\ lbl = 0
      /\ lbl' = 1
      /\ UNCHANGED <<pc, net, mode>>
L1 == /\ lbl = 1
      /\ lbl' = 0
      /\ UNCHANGED <<pc, net, mode>>

Init == /\ pc = [s \in Procs |-> "a"]
        /\ net = [s \in Procs |-> [t \in Procs |-> << >>]]
        /\ mode = [s \in Procs |-> 0]
        /\ lbl = 0
Next == \/ \E self \in Procs : p(self)
        \/ \E s \in Procs : \E t \in Procs \ {s} : Take(s, t) \/ Drop(s, t) \/ Reset(s, t)
        \/ L0
        \/ L1
        \/ /\ lbl = 1
           /\ mode = [s \in Procs |-> 2]
           /\ mode' = [s \in Procs |-> 0]
           /\ UNCHANGED <<pc, net, lbl>>
Bounded == \A s, t \in Procs : Len(net[s][t]) <= 3
Constraint == \A s, t \in Procs : Len(net[s][t]) <= 2
=============================================================================
