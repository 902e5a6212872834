--------------------------------- MODULE Alias ---------------------------------
(* ALIAS: a trace shows the alias record of each state, evaluated with the state after it
   (the last with itself), fields in the order written. TLC's traces for Inv's violation:
   State 1 shows zeta = 0, alpha = 0, next = 1, sum = 0, lvl = 1; State 3 next = 2, lvl = 3.
   With Failing, state 2's division by zero shows its variables and _ALIASEvalError. *)
EXTENDS Naturals, TLC
VARIABLES x, y
Init == x = 0 /\ y = 0
Next == x' = x + 1 /\ y' = y + 2
Inv == x < 2
Shown == [zeta |-> x, alpha |-> y, next |-> x', sum |-> x + y, lvl |-> TLCGet("level")]
Failing == [x |-> x, bad |-> 10 \div (x - 1)]
=============================================================================
