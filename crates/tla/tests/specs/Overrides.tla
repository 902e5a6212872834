---------------------------- MODULE Overrides ----------------------------
(* Definitions replaced by the configuration, as TLC allows: a definition TLC cannot
   evaluate (an unbounded CHOOSE) by a model value, Nat by a finite set, and a definition
   of an instantiated module by a value for that module only. *)
EXTENDS Naturals, TLAPS
CONSTANTS Vals, Limit
VARIABLES x, last
NoVal == CHOOSE v : v \notin Vals
NatOverride == 0 .. Limit
I == INSTANCE OverridesInner WITH y <- x
Init == x = 0 /\ last = NoVal
Next == \E n \in Nat : n = x + 1 /\ x' = n /\ \E v \in Vals : last' = v
TypeOK == x \in Nat /\ last \in Vals \cup {NoVal}
Bounded == I!Bounded
Alias == [x |-> x, last |-> last]
THEOREM Init => TypeOK
  BY SMT DEF Init, TypeOK
=============================================================================
