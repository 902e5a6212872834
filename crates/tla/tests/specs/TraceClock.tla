------------------------------ MODULE TraceClock ------------------------------
(***************************************************************************)
(* Trace validation as TLC does it. A two-process system logs one line per *)
(* event, with its process's vector clock, to an ndjson file (LOG); the   *)
(* lines come out of order (process b's first), CausalOrder puts them in   *)
(* an order their clocks allow, and each step of the spec must match the   *)
(* next line. The POSTCONDITION says the whole log was matched. Written    *)
(* for valence's tests; TLC agrees on every figure.                        *)
(***************************************************************************)
EXTENDS Naturals, Sequences, TLC, Json, VectorClocks
CONSTANT LOG
VARIABLES x, chan
vars == <<x, chan>>

Init == x = [p \in {"a", "b"} |-> 0] /\ chan = <<>>
Send == /\ x' = [x EXCEPT !["a"] = @ + 1]
        /\ chan' = Append(chan, x["a"] + 1)
Recv == /\ chan # <<>>
        /\ x' = [x EXCEPT !["b"] = Head(chan)]
        /\ chan' = Tail(chan)
Next == Send \/ Recv
Spec == Init /\ [][Next]_vars

Lines == ndJsonDeserialize(LOG)
Log == CausalOrder(Lines, LAMBDA l : l.vc, LAMBDA l : l.node, LAMBDA vc : DOMAIN vc)

ASSUME IsCausalOrder(Log, LAMBDA l : l.vc)
ASSUME ~ IsCausalOrder(Lines, LAMBDA l : l.vc)
ASSUME [i \in 1..4 |-> <<Log[i].node, Log[i].vc>>] =
           <<<<"a", [a |-> 1]>>, <<"b", [a |-> 1, b |-> 1]>>,
             <<"a", [a |-> 2]>>, <<"b", [a |-> 2, b |-> 2]>>>>

IsEvent(l) ==
    \/ l.event = "send" /\ Send /\ x'["a"] = l.val
    \/ l.event = "recv" /\ Recv /\ x'["b"] = l.val

\* The i-th step matches the i-th line: the initial state is at level 1.
TraceConstraint ==
    LET i == TLCGet("level") IN i <= Len(Log) /\ IsEvent(Log[i])

TraceView == <<vars, TLCGet("level")>>

TraceAccepted == TLCGet("stats").diameter - 1 = Len(Log) /\ TLCGet("stats").queue = 0
=============================================================================
