------------------------------ MODULE NaiveLock ------------------------------
(***************************************************************************)
(* A broken lock: each process checks that the other's flag is down, then *)
(* raises its own flag in a separate step, so both can enter.             *)
(***************************************************************************)
EXTENDS Naturals
CONSTANT N
VARIABLES flag, pc
Procs == 1..N
Init == flag = [p \in Procs |-> FALSE] /\ pc = [p \in Procs |-> "check"]
Check(p) == /\ pc[p] = "check"
            /\ \A q \in Procs \ {p} : ~flag[q]
            /\ pc' = [pc EXCEPT ![p] = "raise"]
            /\ UNCHANGED flag
Raise(p) == /\ pc[p] = "raise"
            /\ flag' = [flag EXCEPT ![p] = TRUE]
            /\ pc' = [pc EXCEPT ![p] = "cs"]
Leave(p) == /\ pc[p] = "cs"
            /\ flag' = [flag EXCEPT ![p] = FALSE]
            /\ pc' = [pc EXCEPT ![p] = "check"]
Next == \E p \in Procs : Check(p) \/ Raise(p) \/ Leave(p)
MutualExclusion == \A p, q \in Procs : p # q => ~ (pc[p] = "cs" /\ pc[q] = "cs")
=============================================================================
