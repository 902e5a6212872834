---- MODULE ReExportInner ----
EXTENDS Naturals
CONSTANT Message
VARIABLES in, out
InChan == INSTANCE ChanPair WITH Data <- Message, chan <- in
LOCAL OutChan == INSTANCE ChanPair WITH Data <- Message, chan <- out
Relay == InChan!Rcv /\ OutChan!Send(in.val)
OutAck == OutChan!Rcv /\ UNCHANGED in
====
