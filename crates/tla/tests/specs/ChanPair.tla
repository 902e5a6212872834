---- MODULE ChanPair ----
\* A channel as Specifying Systems writes it; ReExport instantiates it twice.
EXTENDS Naturals
CONSTANT Data
VARIABLE chan
TypeInvariant == chan \in [val : Data, rdy : {0, 1}, ack : {0, 1}]
Init == chan \in [val : Data, rdy : {0}, ack : {0}]
Send(d) == chan.rdy = chan.ack /\ chan' = [chan EXCEPT !.val = d, !.rdy = 1 - @]
Rcv == chan.rdy # chan.ack /\ chan' = [chan EXCEPT !.ack = 1 - @]
====
