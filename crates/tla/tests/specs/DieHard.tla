------------------------------ MODULE DieHard ------------------------------
(***************************************************************************)
(* The jugs puzzle: with a 3-gallon and a 5-gallon jug, measure exactly    *)
(* 4 gallons. The "invariant" NotSolved is violated by any solution, so    *)
(* the checker finds the shortest one. Written for valence's tests.        *)
(***************************************************************************)
EXTENDS Naturals

VARIABLES big, small

TypeOK == /\ small \in 0..3
          /\ big \in 0..5

Init == /\ big = 0
        /\ small = 0

Min(m, n) == IF m < n THEN m ELSE n

FillSmall == /\ small' = 3
             /\ big' = big

FillBig == /\ big' = 5
           /\ small' = small

EmptySmall == /\ small' = 0
              /\ big' = big

EmptyBig == /\ big' = 0
            /\ small' = small

SmallToBig == /\ big' = Min(big + small, 5)
              /\ small' = small - (big' - big)

BigToSmall == /\ small' = Min(big + small, 3)
              /\ big' = big - (small' - small)

Next == \/ FillSmall \/ FillBig
        \/ EmptySmall \/ EmptyBig
        \/ SmallToBig \/ BigToSmall

NotSolved == big /= 4
=============================================================================
