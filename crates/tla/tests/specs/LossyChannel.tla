---------------------------- MODULE LossyChannel ----------------------------
(***************************************************************************)
(* A sender retransmits a message over a channel that may lose it, until  *)
(* it is delivered. Weak fairness of delivery does not make delivery      *)
(* happen (delivery is enabled only while a copy is in flight); strong    *)
(* fairness does. Written for valence's tests of liveness checking.       *)
(***************************************************************************)
EXTENDS Naturals

VARIABLES sent, inflight, delivered

vars == <<sent, inflight, delivered>>

Init == sent = 0 /\ inflight = FALSE /\ delivered = FALSE

Send == /\ ~delivered /\ ~inflight
        /\ inflight' = TRUE
        /\ sent' = (sent + 1) % 3
        /\ UNCHANGED delivered

Lose == /\ inflight
        /\ inflight' = FALSE
        /\ UNCHANGED <<sent, delivered>>

Deliver == /\ inflight
           /\ inflight' = FALSE
           /\ delivered' = TRUE
           /\ UNCHANGED sent

Next == Send \/ Lose \/ Deliver

WeakSpec == Init /\ [][Next]_vars /\ WF_vars(Send) /\ WF_vars(Deliver)
StrongSpec == Init /\ [][Next]_vars /\ WF_vars(Send) /\ SF_vars(Deliver)

Delivered == <>delivered
StaysDelivered == <>[]delivered
SendsForever == []<><<Send>>_vars
StopsSending == <>[][~Send]_vars
\* Under fairness of delivery as an assumption rather than in the spec.
DeliveredIfFair == SF_vars(Deliver) => <>delivered
\* State predicates (of the initial state) whose quantifiers range over sets read from the
\* state, on either side of =>.
IdleThenDelivered == (\A b \in {inflight} : ~b) => <>delivered
IdleThenBounded == (\A b \in {inflight} : ~b) => [](\A s \in {sent} : s < 3)
=============================================================================
