---- MODULE Counting ----
(* Instantiated by Language.tla with Limit <- N. *)
EXTENDS Naturals
CONSTANT Limit
CountTo == Limit
Below(n) == n < Limit
LOCAL Secret == 7
Reveal == Secret
====
