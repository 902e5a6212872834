----------------------------- MODULE Tallies -----------------------------
(***************************************************************************)
(* Processes count up to Limit each. The total, an expression with bound   *)
(* variables, refines AbsTally (an INSTANCE that substitutes a variable by *)
(* an expression); Cap(m) == INSTANCE AbsTally is a parameterized instance.*)
(***************************************************************************)
EXTENDS Naturals, FiniteSets
CONSTANTS Procs, Limit
VARIABLE count

Init == count = [p \in Procs |-> 0]
Inc(p) == count[p] < Limit /\ count' = [count EXCEPT ![p] = @ + 1]
Next == \E p \in Procs : Inc(p)

Total == Cardinality({pi \in Procs \X (1..Limit) : pi[2] <= count[pi[1]]})

Abs == INSTANCE AbsTally
       WITH total <- Cardinality({pi \in Procs \X (1..Limit) : pi[2] <= count[pi[1]]}),
            Max <- Limit * Cardinality(Procs)

AbsTypeOK == Abs!TypeOK
AbsSteps == [][Abs!Next]_count
\* Wrong on purpose (TalliesWrong.cfg): the total can exceed one process's Limit.
Small == INSTANCE AbsTally WITH total <- Total, Max <- Limit
SmallSteps == [][Small!Next]_count

Cap(m) == INSTANCE AbsTally WITH total <- Total, Max <- m
CapOK == /\ Cap(Limit * Cardinality(Procs))!Capped
         /\ \A m \in {Limit * Cardinality(Procs) + 1} : Cap(m)!Within(m)
         /\ Cap(100)!Room = 100 - Total
         /\ Cap(Limit)!TypeOK = (Total <= Limit)
CapSteps == [][Cap(Limit * Cardinality(Procs))!Next]_count
\* Fairness of the abstract action primes the substituted total, which Abs!Next does not
\* assign: its ENABLED would range over the free next state (TalliesAbsFair.cfg: not checked).
AbsFair == WF_count(Abs!Next) => <>(Total = Limit * Cardinality(Procs))
=============================================================================
