------------------------------- MODULE Stable -------------------------------
(***************************************************************************)
(* [](P => []Q) with Q other than P: once P holds, Q holds for ever. A     *)
(* counter runs to 3 and is then marked done; with Reset, a done counter   *)
(* may start again from 0, which breaks "once done, x stays 3".           *)
(***************************************************************************)
EXTENDS Naturals
CONSTANT Reset
VARIABLES x, done
vars == <<x, done>>

Init == x = 0 /\ done = FALSE
Next == \/ x < 3 /\ x' = x + 1 /\ UNCHANGED done
        \/ x = 3 /\ ~done /\ done' = TRUE /\ UNCHANGED x
        \/ Reset /\ done /\ x' = 0 /\ UNCHANGED done
Spec == Init /\ [][Next]_vars /\ WF_vars(Next)

DoneStays == [](done => [](x = 3))
Positive == [](x = 1 => [](x > 0))
AlwaysBelow == [](x < 2 => [](x < 3))
=============================================================================
