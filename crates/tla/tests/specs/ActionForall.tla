---------------------------- MODULE ActionForall ----------------------------
(* A universal quantifier in an action: one conjunct per element, in TLC's order *)
(* (strings lexicographically: "first" assigns a' before "second" reads it).  *)
EXTENDS Naturals
VARIABLES a, b
Init == a = 0 /\ b = 0
Step == \A v \in {"second", "first"} : IF v = "first" THEN a' \in {a, a + 1} ELSE b' = a'
Next == a < 2 /\ Step
Same == a = b
=============================================================================
