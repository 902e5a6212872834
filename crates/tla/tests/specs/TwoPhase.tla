------------------------------ MODULE TwoPhase ------------------------------
(***************************************************************************)
(* The two-phase commit protocol of Gray and Lamport's "Consensus on      *)
(* Transaction Commit": a transaction manager (TM) collects Prepared       *)
(* messages from the resource managers (RMs), then broadcasts Commit or    *)
(* Abort. Messages are never removed. Written for valence's tests.        *)
(***************************************************************************)
EXTENDS TLC

CONSTANT RM  \* The set of resource managers.

VARIABLES
  rmState,     \* rmState[r] is the state of resource manager r.
  tmState,     \* The state of the transaction manager.
  tmPrepared,  \* The RMs from which the TM has received Prepared.
  msgs         \* The messages ever sent.

vars == <<rmState, tmState, tmPrepared, msgs>>

Message ==
  [type : {"Prepared"}, rm : RM] \cup [type : {"Commit", "Abort"}]

TPTypeOK ==
  /\ rmState \in [RM -> {"working", "prepared", "committed", "aborted"}]
  /\ tmState \in {"init", "committed", "aborted"}
  /\ tmPrepared \subseteq RM
  /\ msgs \subseteq Message

TPInit ==
  /\ rmState = [r \in RM |-> "working"]
  /\ tmState = "init"
  /\ tmPrepared = {}
  /\ msgs = {}

TMRcvPrepared(r) ==
  /\ tmState = "init"
  /\ [type |-> "Prepared", rm |-> r] \in msgs
  /\ tmPrepared' = tmPrepared \cup {r}
  /\ UNCHANGED <<rmState, tmState, msgs>>

TMCommit ==
  /\ tmState = "init"
  /\ tmPrepared = RM
  /\ tmState' = "committed"
  /\ msgs' = msgs \cup {[type |-> "Commit"]}
  /\ UNCHANGED <<rmState, tmPrepared>>

TMAbort ==
  /\ tmState = "init"
  /\ tmState' = "aborted"
  /\ msgs' = msgs \cup {[type |-> "Abort"]}
  /\ UNCHANGED <<rmState, tmPrepared>>

RMPrepare(r) ==
  /\ rmState[r] = "working"
  /\ rmState' = [rmState EXCEPT ![r] = "prepared"]
  /\ msgs' = msgs \cup {[type |-> "Prepared", rm |-> r]}
  /\ UNCHANGED <<tmState, tmPrepared>>

RMChooseToAbort(r) ==
  /\ rmState[r] = "working"
  /\ rmState' = [rmState EXCEPT ![r] = "aborted"]
  /\ UNCHANGED <<tmState, tmPrepared, msgs>>

RMRcvCommitMsg(r) ==
  /\ [type |-> "Commit"] \in msgs
  /\ rmState' = [rmState EXCEPT ![r] = "committed"]
  /\ UNCHANGED <<tmState, tmPrepared, msgs>>

RMRcvAbortMsg(r) ==
  /\ [type |-> "Abort"] \in msgs
  /\ rmState' = [rmState EXCEPT ![r] = "aborted"]
  /\ UNCHANGED <<tmState, tmPrepared, msgs>>

TPNext ==
  \/ TMCommit \/ TMAbort
  \/ \E r \in RM :
       \/ TMRcvPrepared(r) \/ RMPrepare(r) \/ RMChooseToAbort(r)
       \/ RMRcvCommitMsg(r) \/ RMRcvAbortMsg(r)

TPSpec == TPInit /\ [][TPNext]_vars

\* For the SYMMETRY of TwoPhaseSymmetric.cfg (needs the TLC module).
RMPerms == Permutations(RM)

\* For the VIEW of TwoPhaseView.cfg: forget which Prepared messages were sent.
WithoutMessages == <<rmState, tmState, tmPrepared>>

TCConsistent ==
  \A r1, r2 \in RM : ~ /\ rmState[r1] = "aborted"
                       /\ rmState[r2] = "committed"
=============================================================================
