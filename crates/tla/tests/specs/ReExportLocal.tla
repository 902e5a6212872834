---- MODULE ReExportLocal ----
\* `INSTANCE ReExportInner` brings in its named instance InChan (as APInnerFIFO reads
\* InnerFIFO's), but not the LOCAL one. TLC: 8 distinct states, 25 generated.
EXTENDS Naturals
VARIABLES in, out
INSTANCE ReExportInner WITH Message <- {1, 2}
Init == InChan!Init /\ out = [val |-> 1, rdy |-> 0, ack |-> 0]
Next == \/ \E m \in {1, 2} : InChan!Send(m) /\ UNCHANGED out
        \/ Relay
        \/ OutAck
Inv == InChan!TypeInvariant /\ OutChan!TypeInvariant
====
