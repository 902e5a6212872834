---------------------------- MODULE PrimedParams ----------------------------
(* Operators whose parameters are primed or left UNCHANGED, and a primed argument: TLC
   substitutes the argument expression, so `Drop(a)` assigns `a'` and `Put(b, b', v)` assigns
   `b'`. Evaluating the argument first would turn `q' = ...` into a comparison and silently
   lose states. *)
EXTENDS Naturals, Sequences
VARIABLES a, b
Drop(q) == q # <<>> /\ q' = Tail(q)
Push(q, v) == Len(q) < 2 /\ q' = Append(q, v)
DropOne(q, other) == Drop(q) /\ UNCHANGED other
Put(old, new, v) == Len(old) < 2 /\ new = Append(old, v)
Init == a = <<>> /\ b = <<>>
Next == \/ \E v \in {1, 2} : Push(a, v) /\ UNCHANGED b
        \/ \E v \in {1, 2} : Put(b, b', v) /\ b' = b' /\ UNCHANGED a
        \/ DropOne(a, b)
        \/ DropOne(b, a)
TypeOK == Len(a) <= 2 /\ Len(b) <= 2
=============================================================================
