------------------------------- MODULE BitOps -------------------------------
(* The operators of the community module Bitwise, which valence builds in: each ASSUME is
   checked by TLC (with its CommunityModules jar) and by valence. *)
EXTENDS Naturals, Bitwise

ASSUME 12 & 10 = 8 /\ 12 | 10 = 14 /\ 12 ^^ 10 = 6
ASSUME 0 & 7 = 0 /\ 0 | 7 = 7 /\ 7 ^^ 7 = 0
ASSUME Not(5) = 2 /\ Not(0) = 0 /\ Not(8) = 7
ASSUME shiftR(13, 2) = 3 /\ shiftR(13, 0) = 13 /\ shiftR(1, 5) = 0

VARIABLE x
Init == x = 1
Next == x' = (x * 3) ^^ (x & 6) /\ x' < 200
Small == x | 1 >= 1
=============================================================================
