---- MODULE TwoPhaseCommit ----
(***************************************************************************)
(* The seed's two-phase commit: the coordinator asks every participant to *)
(* prepare, participants answer prepared or aborted, the coordinator      *)
(* commits when all are prepared and aborts when one refused, and         *)
(* participants act on the decision.                                      *)
(***************************************************************************)
EXTENDS Integers, Sequences, FiniteSets
CONSTANTS Participant
VARIABLES coordinatorState, participantState, messages

vars == <<coordinatorState, participantState, messages>>

Message == [type : {"prepare", "commit", "abort"}, dest : Participant]
             \cup [type : {"prepared", "aborted"}, src : Participant]

TypeOK == /\ coordinatorState \in {"init", "preparing", "committed", "aborted"}
          /\ participantState \in [Participant -> {"init", "prepared", "committed", "aborted"}]
          /\ messages \subseteq Message

Init == /\ coordinatorState = "init"
        /\ participantState = [p \in Participant |-> "init"]
        /\ messages = {}

Prepare == /\ coordinatorState = "init"
           /\ coordinatorState' = "preparing"
           /\ messages' = messages \cup {[type |-> "prepare", dest |-> p] : p \in Participant}
           /\ UNCHANGED participantState

ParticipantPrepare(p) ==
  /\ [type |-> "prepare", dest |-> p] \in messages
  /\ participantState[p] = "init"
  /\ participantState' = [participantState EXCEPT ![p] = "prepared"]
  /\ messages' = messages \cup {[type |-> "prepared", src |-> p]}
  /\ UNCHANGED coordinatorState

ParticipantRefuse(p) ==
  /\ [type |-> "prepare", dest |-> p] \in messages
  /\ participantState[p] = "init"
  /\ participantState' = [participantState EXCEPT ![p] = "aborted"]
  /\ messages' = messages \cup {[type |-> "aborted", src |-> p]}
  /\ UNCHANGED coordinatorState

Commit == /\ coordinatorState = "preparing"
          /\ \A p \in Participant : [type |-> "prepared", src |-> p] \in messages
          /\ coordinatorState' = "committed"
          /\ messages' = messages \cup {[type |-> "commit", dest |-> p] : p \in Participant}
          /\ UNCHANGED participantState

Abort == /\ coordinatorState = "preparing"
         /\ \E p \in Participant : [type |-> "aborted", src |-> p] \in messages
         /\ coordinatorState' = "aborted"
         /\ messages' = messages \cup {[type |-> "abort", dest |-> p] : p \in Participant}
         /\ UNCHANGED participantState

ParticipantCommit(p) ==
  /\ [type |-> "commit", dest |-> p] \in messages
  /\ participantState[p] = "prepared"
  /\ participantState' = [participantState EXCEPT ![p] = "committed"]
  /\ UNCHANGED <<coordinatorState, messages>>

ParticipantAbort(p) ==
  /\ [type |-> "abort", dest |-> p] \in messages
  /\ participantState[p] = "prepared"
  /\ participantState' = [participantState EXCEPT ![p] = "aborted"]
  /\ UNCHANGED <<coordinatorState, messages>>

\* Once everyone has decided, the system stutters instead of deadlocking.
Terminated == /\ \A p \in Participant : participantState[p] \in {"committed", "aborted"}
              /\ coordinatorState \in {"committed", "aborted"}
              /\ UNCHANGED vars

Next == \/ Prepare \/ Commit \/ Abort
        \/ \E p \in Participant : \/ ParticipantPrepare(p) \/ ParticipantRefuse(p)
                                  \/ ParticipantCommit(p) \/ ParticipantAbort(p)
        \/ Terminated

Spec == Init /\ [][Next]_vars

Consistency == \A p, q \in Participant :
                 ~ (participantState[p] = "committed" /\ participantState[q] = "aborted")

CommitNeedsAll == coordinatorState = "committed" =>
                    \A p \in Participant : participantState[p] \in {"prepared", "committed"}

Decided == Cardinality({p \in Participant : participantState[p] \in {"committed", "aborted"}})
====
