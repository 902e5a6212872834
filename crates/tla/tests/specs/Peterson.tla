------------------------------ MODULE Peterson ------------------------------
(***************************************************************************)
(* Peterson's mutual exclusion algorithm for two processes, written       *)
(* directly in TLA+ (one action per program step). Written for valence's  *)
(* tests.                                                                 *)
(***************************************************************************)
EXTENDS Naturals

VARIABLES flag, turn, pc

vars == <<flag, turn, pc>>

Procs == {0, 1}

Other(p) == 1 - p

TypeOK == /\ flag \in [Procs -> BOOLEAN]
          /\ turn \in Procs
          /\ pc \in [Procs -> {"idle", "setturn", "wait", "cs"}]

Init == /\ flag = [p \in Procs |-> FALSE]
        /\ turn = 0
        /\ pc = [p \in Procs |-> "idle"]

Request(p) == /\ pc[p] = "idle"
              /\ flag' = [flag EXCEPT ![p] = TRUE]
              /\ pc' = [pc EXCEPT ![p] = "setturn"]
              /\ UNCHANGED turn

SetTurn(p) == /\ pc[p] = "setturn"
              /\ turn' = Other(p)
              /\ pc' = [pc EXCEPT ![p] = "wait"]
              /\ UNCHANGED flag

Enter(p) == /\ pc[p] = "wait"
            /\ flag[Other(p)] = FALSE \/ turn = p
            /\ pc' = [pc EXCEPT ![p] = "cs"]
            /\ UNCHANGED <<flag, turn>>

Exit(p) == /\ pc[p] = "cs"
           /\ flag' = [flag EXCEPT ![p] = FALSE]
           /\ pc' = [pc EXCEPT ![p] = "idle"]
           /\ UNCHANGED turn

Next == \E p \in Procs : Request(p) \/ SetTurn(p) \/ Enter(p) \/ Exit(p)

Spec == Init /\ [][Next]_vars /\ \A p \in Procs : WF_vars(Enter(p) \/ Exit(p))

MutualExclusion == ~ (pc[0] = "cs" /\ pc[1] = "cs")

\* A safety property checked on every step: only the process in the
\* critical section leaves it.
OnlyOwnerExits == [][\A p \in Procs : pc[p] = "cs" /\ pc'[p] = "idle" => ~flag'[p]]_vars

\* Liveness: a waiting process enters. Under Spec it fails, since a process may
\* stop for ever after its request (nothing forces SetTurn); under LiveSpec,
\* where every step but a request is weakly fair, it holds.
Starvation == \A p \in Procs : (pc[p] = "wait") ~> (pc[p] = "cs")

LiveSpec == Init /\ [][Next]_vars
              /\ \A p \in Procs : WF_vars(SetTurn(p) \/ Enter(p) \/ Exit(p))

\* A seeded bug for the liveness check: entering without looking at the turn
\* lets both processes wait for ever once both flags are up.
EnterIgnoringTurn(p) == /\ pc[p] = "wait"
                        /\ flag[Other(p)] = FALSE
                        /\ pc' = [pc EXCEPT ![p] = "cs"]
                        /\ UNCHANGED <<flag, turn>>

NextIgnoringTurn ==
    \E p \in Procs : Request(p) \/ SetTurn(p) \/ EnterIgnoringTurn(p) \/ Exit(p)

IgnoringTurnSpec == Init /\ [][NextIgnoringTurn]_vars
    /\ \A p \in Procs : WF_vars(SetTurn(p) \/ EnterIgnoringTurn(p) \/ Exit(p))

\* Every process that is not idle keeps moving: []<> of a step of it.
Progress == \A p \in Procs : []<>(pc[p] = "idle")
=============================================================================
