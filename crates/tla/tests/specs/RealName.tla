------------------------------ MODULE RealName ------------------------------
\* `Real` is an ordinary name without the Reals module, as in MCRealTimeHourClock's
\* `Real == 0 .. MaxReal`. TLC: 4 distinct states, 10 generated.
EXTENDS Naturals
Real == 0 .. 3
VARIABLE x
Init == x \in Real
Next == x' \in {r \in Real : r > x}
=============================================================================
