---------------------------- MODULE DispatchLet ----------------------------
\* Receivers that share their guard and then, in a LET, test the type of the message at the
\* head of the channel: the enumerator reads the type once and enters only the receiver of
\* that type (see `compile::Dispatch`), with the same states and counts as entering each.
\* TLC: 193 distinct states, 759 generated, depth 9.
EXTENDS Naturals, Sequences
Procs == 1..2
VARIABLES net, count, got

Msg(t, n) == [type |-> t, n |-> n]

Send(i, j) == /\ count[i] < 2
              /\ net' = [net EXCEPT ![i][j] =
                           Append(@, Msg(IF count[i] = 0 THEN "ping" ELSE "pong", count[i]))]
              /\ count' = [count EXCEPT ![i] = @ + 1]
              /\ UNCHANGED got
Ping(i, j) == /\ net[j][i] # << >>
              /\ LET m == Head(net[j][i])
                 IN /\ m.type = "ping"
                    /\ net' = [net EXCEPT ![j][i] = Tail(@),
                                          ![i][j] = Append(@, Msg("ack", m.n))]
                    /\ UNCHANGED <<count, got>>
Pong(i, j) == /\ net[j][i] # << >>
              /\ LET m == Head(net[j][i])
                     k == m.n
                 IN /\ m.type = "pong"
                    /\ k > 0
                    /\ net' = [net EXCEPT ![j][i] = Tail(@)]
                    /\ got' = got \cup {<<i, k>>}
                    /\ UNCHANGED count
Ack(i, j) == /\ net[j][i] # << >>
             /\ LET m == Head(net[j][i]) IN
                /\ m.type = "ack"
                /\ \/ net' = [net EXCEPT ![j][i] = Tail(@)]
                   \/ net' = [net EXCEPT ![j][i] = << >>]
                /\ UNCHANGED <<count, got>>
Lost(i, j) == /\ net[j][i] # << >>
              /\ Len(net[j][i]) > 1
              /\ net' = [net EXCEPT ![j][i] = Tail(@)]
              /\ UNCHANGED <<count, got>>

Init == /\ net = [i \in Procs |-> [j \in Procs |-> << >>]]
        /\ count = [i \in Procs |-> 0]
        /\ got = {}
Next == \/ \E i \in Procs : \E j \in Procs \ {i} :
              Send(i, j) \/ Ping(i, j) \/ Pong(i, j) \/ Ack(i, j) \/ Lost(i, j)
        \* An inline disjunction whose LET is in the frame of Next.
        \/ \E i \in Procs :
              \/ /\ net[i][i] = << >>
                 /\ LET c == count[i] IN c = 2 /\ got # {} /\ got' = {} /\ UNCHANGED <<net, count>>
              \/ /\ net[i][i] = << >>
                 /\ LET c == count[i] IN c = 1 /\ count' = [count EXCEPT ![i] = 2]
                 /\ UNCHANGED <<net, got>>
TypeOK == got \subseteq Procs \X Nat
=============================================================================
