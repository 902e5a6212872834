------------------------------ MODULE Refines ------------------------------
(***************************************************************************)
(* TwoPhase implements TCommit: under the substitution of TwoPhase's       *)
(* rmState for TCommit's, every step of TwoPhase is a step of TCommit (or  *)
(* leaves rmState unchanged), and TCommit's invariants hold.               *)
(***************************************************************************)
EXTENDS TwoPhase

TC == INSTANCE TCommit

TCInvariants == TC!TCTypeOK /\ TC!TCConsistent

TCSteps == [][TC!TCNext]_rmState

\* Wrong on purpose (RefinesWrong.cfg): resource managers also commit and abort.
OnlyPrepares == [][\E r \in RM : TC!Prepare(r)]_rmState
=============================================================================
