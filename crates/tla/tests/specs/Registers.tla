------------------------------ MODULE Registers ------------------------------
(***************************************************************************)
(* TLC's registers and run settings: TLCSet in an ASSUME sets a register   *)
(* for every worker; TLCSet in an action sets the worker's own, here once  *)
(* per expansion of a state with x < 5, so that with one worker the count  *)
(* is the value of x in each new state. TLCGet("config") reports the mode  *)
(* and CHECK_DEADLOCK; an unset -D property reads as its own key. As in    *)
(* TLC, a definition that reads TLCGet is not a constant (Few reads the    *)
(* search's count), one that reads TLCGetOrDefault is (CountOr is 99,      *)
(* computed before the ASSUMEs).                                           *)
(***************************************************************************)
EXTENDS Naturals, TLC, TLCExt
VARIABLE x

ASSUME TLCSet(1, 0)
ASSUME TLCSet("s:name", "start")
ASSUME TLCGet("config").mode = "bfs"
ASSUME TLCGet("config").deadlock = FALSE
ASSUME TLCGet("config").worker = 1
ASSUME TLCGet("-Dvalence.test") = "-Dvalence.test"
ASSUME TLCSet("-Dvalence.test", "on") /\ TLCGet("-Dvalence.test") = ToString("on")
ASSUME JavaTime > 1700000000

Init == x = 0
Next == x < 5 /\ x' = x + 1 /\ TLCSet(1, TLCGet(1) + 1)

Counted == TLCGet(1) = x
Named == TLCGet("s:name") = "start"
Stop == x < 3 \/ TLCSet("exit", TRUE)
Undefined == TLCGet(7) = 0
CountOr == TLCGetOrDefault(1, 99)
CountedOr == CountOr = x
Few == TLCGet("distinct") < 3
=============================================================================
