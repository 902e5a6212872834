---------------------------- MODULE OverrideCalls ----------------------------
(* `D <- E` in the configuration for definitions reached through instances, with TLC's
   values (TLC checks these ASSUMEs): the instance's definitions call the replacement, but
   `I!D(x)` and `I!C` are the instance's own definitions, so E may call `CC!D` without
   recursing, as MCCheckpointCoordinationFailure's replacement calls
   `CC!ShouldReplaceLease`. NoVal, an unbounded CHOOSE replaced by a model value, is
   evaluated nowhere through I, so its original need not be evaluable. *)
EXTENDS OverrideCallsBase
E(a) == LET CC == INSTANCE OverrideCallsBase IN CC!D(a) + 100
F == 2
I == INSTANCE OverrideCallsBase
ASSUME D(0) = 101 /\ Uses = 111
ASSUME I!D(0) = 1 /\ I!Uses = 111
ASSUME C = 2 /\ I!C = 1 /\ I!UsesC = 12
ASSUME NoVal \notin {1, 2}
=============================================================================
