---- MODULE LangHelpers ----
(* A user module extended by Language.tla. *)
EXTENDS Naturals
Double(x) == 2 * x
LOCAL Hidden == 41
Answer == Hidden + 1
====
