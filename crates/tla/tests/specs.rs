//! The test specifications under `tests/specs`, with their state counts pinned: TLC's where
//! known (TwoPhase, TCommit, DieHard's depth), ours otherwise.

use std::path::PathBuf;

use valence_check::{check, CheckOptions, PropertyKind, Report, Status, Verdict};
use valence_tla::{format_trace, load, TlaModel};

fn spec(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/specs")
        .join(name)
}

fn run_with(tla: &str, cfg: Option<&str>, options: &CheckOptions) -> (TlaModel, Report) {
    let cfg_path = cfg.map(spec);
    let model = match load(&spec(tla), cfg_path.as_deref()) {
        Ok(model) => model,
        Err(error) => panic!("{tla} does not load: {error}"),
    };
    let report = check(&model, options);
    if let Some(error) = &report.error {
        panic!("{tla}: model error: {}", error.message);
    }
    (model, report)
}

fn run(tla: &str, cfg: Option<&str>) -> (TlaModel, Report) {
    run_with(tla, cfg, &CheckOptions::default())
}

fn status(report: &Report, name: &str) -> Option<Status> {
    report.property(name).map(|p| p.status)
}

#[test]
fn two_phase_with_three_rms_matches_tlc() {
    let (_, report) = run("TwoPhase.tla", None);
    assert_eq!(report.distinct_states, 288);
    assert_eq!(report.generated_states, 1_146);
    assert_eq!(report.verdict(), Verdict::Holds);
    assert_eq!(status(&report, "TPTypeOK"), Some(Status::Holds));
    assert_eq!(status(&report, "TCConsistent"), Some(Status::Holds));
    assert_eq!(status(&report, "deadlock-free"), Some(Status::Holds));
}

#[test]
fn two_phase_with_five_rms_matches_the_rust_model() {
    let (_, report) = run("TwoPhase.tla", Some("TwoPhase5.cfg"));
    assert_eq!(report.distinct_states, 8_832);
    assert_eq!(report.generated_states, 58_146);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn two_phase_on_two_threads_counts_the_same() {
    let options = CheckOptions {
        threads: 2,
        ..CheckOptions::default()
    };
    let (_, report) = run_with("TwoPhase.tla", Some("TwoPhase5.cfg"), &options);
    assert_eq!(report.distinct_states, 8_832);
    assert_eq!(report.generated_states, 58_146);
}

#[test]
fn two_phase_names_actions_after_the_disjuncts_of_next() {
    let model = load(&spec("TwoPhase.tla"), None).expect("loads");
    let init = valence_check::Model::init_states(&model);
    assert_eq!(init.len(), 1);
    let mut out = Vec::new();
    valence_check::Model::successors(&model, &init[0], &mut Vec::new(), &mut out).expect("ok");
    let mut names: Vec<String> = out.iter().map(|(a, _)| model.action_name(a)).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "RMChooseToAbort(r1)",
            "RMChooseToAbort(r2)",
            "RMChooseToAbort(r3)",
            "RMPrepare(r1)",
            "RMPrepare(r2)",
            "RMPrepare(r3)",
            "TMAbort"
        ]
    );
    // TLC prints a function over model values with :> and @@ (FcnRcdValue.toString).
    assert_eq!(
        valence_check::Model::describe_state(&model, &init[0]),
        "/\\ rmState = (r1 :> \"working\" @@ r2 :> \"working\" @@ r3 :> \"working\")\n\
         /\\ tmState = \"init\"\n/\\ tmPrepared = {}\n/\\ msgs = {}"
    );
}

#[test]
fn tcommit_with_three_rms_matches_tlc() {
    let (_, report) = run("TCommit.tla", None);
    assert_eq!(report.distinct_states, 34);
    assert_eq!(report.generated_states, 94);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn tcommit_deadlocks_when_deadlock_is_checked() {
    let scratch = scratch_dir("tcommit_deadlock");
    let dir = scratch.path();
    std::fs::copy(spec("TCommit.tla"), dir.join("TCommit.tla")).expect("copy");
    std::fs::write(
        dir.join("TCommit.cfg"),
        "CONSTANT RM = {r1, r2}\nSPECIFICATION TCSpec\n",
    )
    .expect("write");
    let model = load(&dir.join("TCommit.tla"), None).expect("loads");
    let report = check(&model, &CheckOptions::default());
    assert_eq!(status(&report, "deadlock-free"), Some(Status::Violated));
}

#[test]
fn seed_two_phase_commit_holds() {
    let (_, report) = run("TwoPhaseCommit.tla", None);
    assert_eq!(report.distinct_states, 73);
    assert_eq!(report.generated_states, 167);
    assert_eq!(report.verdict(), Verdict::Holds);
    assert_eq!(status(&report, "Consistency"), Some(Status::Holds));
    assert_eq!(status(&report, "CommitNeedsAll"), Some(Status::Holds));
}

/// A trace through a step that leaves the constraints names that step among all the
/// successors, also those left out as already stored (TLC: `x = 0`, then `x = 1`).
#[test]
fn a_step_out_of_the_constraints_after_a_step_into_a_stored_state_is_traced() {
    let (_, report) = run("KnownTrace.tla", None);
    let property = report.property("Inv").expect("Inv");
    assert_eq!(property.status, Status::Violated);
    let text = format_trace(property.trace.as_ref().expect("a trace"));
    assert_eq!(
        text,
        "State 1: <Initial predicate>\nx = 0\n\nState 2: <Next>\nx = 1\n\n"
    );
}

/// A state already stored, reached again where a constraint on the level fails, is checked
/// as a state outside the constraints (TLC: Inv violated at `x = 0`, level 3).
#[test]
fn a_stored_state_reached_outside_a_constraint_on_the_level_is_checked() {
    let (_, report) = run("KnownLevel.tla", None);
    let property = report.property("Inv").expect("Inv");
    assert_eq!(property.status, Status::Violated);
    let trace = property.trace.as_ref().expect("a trace");
    assert_eq!(trace.len(), 2);
    assert!(format_trace(trace).ends_with("State 3: <Next>\nx = 0\n\n"));
}

#[test]
fn die_hard_is_solved_in_six_steps() {
    let (model, report) = run("DieHard.tla", None);
    assert_eq!(report.verdict(), Verdict::Violated);
    assert_eq!(report.depth, 7, "TLC finds the solution at depth 7");
    let property = report.property("NotSolved").expect("NotSolved");
    assert_eq!(property.status, Status::Violated);
    let trace = property.trace.as_ref().expect("a trace");
    assert_eq!(trace.len(), 6);
    let actions: Vec<&str> = trace.steps[1..]
        .iter()
        .filter_map(|s| s.action.as_deref())
        .collect();
    assert_eq!(
        actions,
        [
            "FillBig",
            "BigToSmall",
            "EmptySmall",
            "BigToSmall",
            "FillBig",
            "BigToSmall"
        ]
    );
    let text = format_trace(trace);
    assert!(
        text.starts_with("State 1: <Initial predicate>\n/\\ big = 0\n/\\ small = 0\n"),
        "{text}"
    );
    assert!(
        text.ends_with("State 7: <BigToSmall>\n/\\ big = 4\n/\\ small = 3\n\n"),
        "{text}"
    );
    assert_eq!(model.variables(), ["big", "small"]);
}

#[test]
fn peterson_keeps_mutual_exclusion() {
    let (model, report) = run("Peterson.tla", None);
    assert_eq!(report.distinct_states, 20);
    assert_eq!(report.generated_states, 35);
    assert_eq!(status(&report, "MutualExclusion"), Some(Status::Holds));
    // `[][A]_v` properties are checked on every step.
    assert_eq!(status(&report, "OnlyOwnerExits"), Some(Status::Holds));
    assert!(model.unchecked_properties().is_empty());
    // Under `Spec`, SetTurn is not fair: a process may stop after its request for ever, and the
    // other starves. TLC gives the same counterexample: two requests and a turn, then stuttering.
    let starvation = report.property("Starvation").expect("checked");
    assert_eq!(starvation.status, Status::Violated);
    let trace = starvation.trace.as_ref().expect("trace");
    assert_eq!(trace.len(), 3);
    assert_eq!(trace.cycle_start, Some(3), "ends stuttering");
    let text = format_trace(trace);
    assert!(text.ends_with("State 5: Stuttering\n\n"), "{text}");
}

#[test]
fn peterson_is_starvation_free_under_weak_fairness_of_its_steps() {
    let (_, report) = run("Peterson.tla", Some("PetersonLive.cfg"));
    assert_eq!(report.distinct_states, 20);
    assert_eq!(report.verdict(), Verdict::Holds);
    assert_eq!(status(&report, "Starvation"), Some(Status::Holds));
    assert_eq!(status(&report, "Starvation#1"), Some(Status::Holds));
}

#[test]
fn peterson_entering_without_the_turn_starves() {
    // The seeded bug: both processes wait for each other for ever (as TLC reports, a deadlock
    // ending in stuttering after both requests and both turns).
    let (_, report) = run("Peterson.tla", Some("PetersonIgnoringTurn.cfg"));
    assert_eq!(report.distinct_states, 20);
    assert_eq!(report.generated_states, 33);
    let starvation = report.property("Starvation").expect("checked");
    assert_eq!(starvation.status, Status::Violated);
    let trace = starvation.trace.as_ref().expect("trace");
    assert_eq!(trace.len(), 4);
    assert_eq!(trace.cycle_start, Some(4));
}

#[test]
fn fairness_of_an_action_that_leaves_a_variable_free_is_tested_step_by_step() {
    // WF_x(Inc) leaves y' free, so its steps cannot be listed from a state and each step is
    // tested; WF_<<x, y>>(Inc /\ y' = y) is listed. Both make x reach 2, as in TLC; without
    // fairness, toggling y for ever is a counterexample.
    for cfg in ["FairPartial.cfg", "FairPartialBoth.cfg"] {
        let (_, report) = run("FairPartial.tla", Some(cfg));
        assert_eq!(report.distinct_states, 6, "{cfg}");
        assert_eq!(report.generated_states, 11, "{cfg}");
        assert_eq!(status(&report, "Reaches"), Some(Status::Holds), "{cfg}");
    }
    let (_, unfair) = run("FairPartial.tla", Some("FairPartialUnfair.cfg"));
    assert_eq!(status(&unfair, "Reaches"), Some(Status::Violated));
}

#[test]
fn fairness_of_an_action_priming_an_expression_it_assigns_is_checked() {
    // `y' = Big'` after `x' = x + 1`: the action assigns what its primed expression reads, so
    // ENABLED is computed by enumerating it (it was reported as not checked). TLC: Live holds
    // under WF, fails by stuttering at x = 0 without it.
    let (_, fair) = run("PrimedFair.tla", None);
    assert_eq!(fair.distinct_states, 4);
    assert_eq!(status(&fair, "Live"), Some(Status::Holds));
    let (_, unfair) = run("PrimedFair.tla", Some("PrimedFairUnfair.cfg"));
    assert_eq!(status(&unfair, "Live"), Some(Status::Violated));
}

#[test]
fn fairness_of_a_refinement_mappings_action_is_announced_not_checked() {
    // WF_count(Abs!Next) primes Abs's total, an expression of count that Abs!Next does not
    // assign: ENABLED would range over the next states the action leaves free, so the property
    // is reported as not checked rather than decided.
    let (model, report) = run("Tallies.tla", Some("TalliesAbsFair.cfg"));
    assert_eq!(status(&report, "AbsFair"), None, "not checked");
    let notes = model.unchecked_properties().join("\n");
    assert!(
        notes.contains("AbsFair") && notes.contains("primes an expression"),
        "{notes}"
    );
    // An abstract action that assigns a shared variable and leaves a substituted one
    // unchanged: `UNCHANGED total` primes `a + b`, which it does not assign (before, the
    // enumeration failed reading `a'`). The rest of the refinement is checked.
    let (model, report) = run("RefineFair.tla", None);
    assert_eq!(report.verdict(), Verdict::Holds);
    let notes = model.unchecked_properties().join("\n");
    assert!(
        notes.contains("AbsSpec: partly checked") && notes.contains("primes an expression"),
        "{notes}"
    );
}

#[test]
fn lossy_channel_needs_strong_fairness_to_deliver() {
    // TLC's verdicts and counterexample shapes, property by property.
    let (_, weak) = run("LossyChannel.tla", Some("LossyChannelWeak.cfg"));
    for name in ["Delivered", "StaysDelivered", "StopsSending"] {
        let property = weak.property(name).expect(name);
        assert_eq!(property.status, Status::Violated, "{name}");
        let trace = property.trace.as_ref().expect("trace");
        // Send and lose for ever: the cycle returns to the initial state.
        assert_eq!(trace.cycle_start, Some(0), "{name}");
        assert!(
            format_trace(trace).contains("Back to state 1: <Lose>"),
            "{name}"
        );
    }
    let sends = weak.property("SendsForever").expect("checked");
    assert_eq!(sends.status, Status::Violated);
    assert_eq!(sends.trace.as_ref().expect("trace").cycle_start, Some(2));
    assert_eq!(status(&weak, "DeliveredIfFair"), Some(Status::Holds));
    // A state predicate of the initial state, its quantifier over a set read from the state.
    assert_eq!(status(&weak, "IdleThenDelivered"), Some(Status::Violated));
    assert_eq!(status(&weak, "IdleThenBounded"), Some(Status::Holds));

    let (_, strong) = run("LossyChannel.tla", Some("LossyChannelStrong.cfg"));
    for name in [
        "Delivered",
        "StaysDelivered",
        "StopsSending",
        "DeliveredIfFair",
    ] {
        assert_eq!(status(&strong, name), Some(Status::Holds), "{name}");
    }
    assert_eq!(status(&strong, "SendsForever"), Some(Status::Violated));
}

#[test]
fn naive_lock_violates_mutual_exclusion() {
    let (_, report) = run("NaiveLock.tla", None);
    let property = report.property("MutualExclusion").expect("property");
    assert_eq!(property.status, Status::Violated);
    let trace = property.trace.as_ref().expect("trace");
    assert_eq!(trace.len(), 4);
    assert!(trace.steps[4].state.contains("/\\ pc = <<\"cs\", \"cs\">>"));
}

#[test]
fn paxos_is_consistent() {
    let (_, report) = run("Paxos.tla", None);
    assert_eq!(report.distinct_states, 3_921);
    assert_eq!(report.generated_states, 15_867);
    assert_eq!(report.verdict(), Verdict::Holds);
    assert_eq!(status(&report, "Consistency"), Some(Status::Holds));
}

#[test]
fn language_assumptions_all_hold() {
    let (_, report) = run("Language.tla", None);
    assert_eq!(report.distinct_states, 1);
}

/// A fresh scratch directory, removed when the returned value is dropped.
fn scratch_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("valence-tla-{name}-"))
        .tempdir()
        .expect("create scratch dir")
}

#[test]
fn two_phase_under_symmetry_matches_the_rust_model() {
    let options = CheckOptions {
        symmetry: true,
        ..CheckOptions::default()
    };
    let (model, report) = run_with("TwoPhase.tla", Some("TwoPhaseSymmetric.cfg"), &options);
    assert!(valence_check::Model::has_symmetry(&model));
    // The same orbits as `valence check twophase --rms 3 --symmetry`.
    assert_eq!(report.distinct_states, 80);
    assert_eq!(report.generated_states, 318);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn two_phase_with_a_view_merges_states_that_differ_only_outside_it() {
    let (_, report) = run("TwoPhase.tla", Some("TwoPhaseView.cfg"));
    assert_eq!(report.distinct_states, 197);
    assert_eq!(report.generated_states, 807);
}

#[test]
fn constraints_drop_the_states_outside_them() {
    let (_, report) = run("Counter.tla", None);
    // x in 0..3 and y in 0..5, every combination reachable.
    assert_eq!(report.distinct_states, 24);
    // As TLC (run on this spec): the 22 successors outside the constraints count as generated.
    assert_eq!(report.generated_states, 50);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn two_phase_refines_tcommit_through_an_instance() {
    let (_, report) = run("Refines.tla", None);
    assert_eq!(report.distinct_states, 288);
    assert_eq!(report.generated_states, 1_146);
    assert_eq!(status(&report, "TCInvariants"), Some(Status::Holds));
    assert_eq!(status(&report, "TCSteps"), Some(Status::Holds));
}

#[test]
fn a_violated_action_property_has_a_trace() {
    let (_, report) = run("Refines.tla", Some("RefinesWrong.cfg"));
    let property = report.property("OnlyPrepares").expect("property");
    assert_eq!(property.status, Status::Violated);
    let trace = property.trace.as_ref().expect("trace");
    assert_eq!(trace.len(), 1);
    assert!(
        trace.steps[1]
            .action
            .as_deref()
            .is_some_and(|a| a.starts_with("RMChooseToAbort")),
        "{trace}"
    );
}

#[test]
fn a_universal_quantifier_in_an_action_is_a_conjunction() {
    let (_, report) = run("ActionForall.tla", None);
    assert_eq!(report.distinct_states, 3);
    assert_eq!(report.generated_states, 5);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn actions_passed_as_operator_arguments_are_enumerated() {
    let (_, report) = run("HigherOrder.tla", None);
    // (x, y) with x even, stepping while x + y < 4: 11 states, 6 of them expanded twice.
    assert_eq!(report.distinct_states, 11);
    assert_eq!(report.generated_states, 13);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn the_configuration_overrides_definitions_as_tlc_does() {
    // `NoVal = NoVal` replaces an unbounded CHOOSE, `Nat <- NatOverride` a standard set,
    // `Cap = [OverridesInner] 3` a definition of an instantiated module; the ALIAS shows the
    // variables and the proof (`BY SMT`, from TLAPS) is skipped. TLC, run on this spec: 7
    // distinct, 11 generated.
    let (_, report) = run("Overrides.tla", None);
    assert_eq!(report.distinct_states, 7);
    assert_eq!(report.generated_states, 11);
    assert_eq!(report.verdict(), Verdict::Holds);
    // With the instance's cap at 2, its invariant fails at x = 3 (a 4-state trace).
    let (_, report) = run("Overrides.tla", Some("OverridesCapped.cfg"));
    assert_eq!(report.verdict(), Verdict::Violated);
    let failed = report
        .properties
        .iter()
        .find(|p| p.name == "Bounded")
        .expect("Bounded");
    assert_eq!(failed.trace.as_ref().map(|t| t.steps.len()), Some(4));
}

#[test]
fn successors_outside_the_constraints_are_checked_and_prevent_deadlock() {
    // TLC checks the invariants of a successor it drops for a CONSTRAINT: y = 6 is outside
    // `Small` but violates YBelow6 (TLC, run on this spec, gives the same 4-state trace).
    let (_, report) = run("Counter.tla", Some("CounterChecked.cfg"));
    assert_eq!(report.verdict(), Verdict::Violated);
    let failed = report
        .properties
        .iter()
        .find(|p| p.name == "YBelow6")
        .expect("YBelow6");
    let trace = failed.trace.as_ref().expect("a trace");
    assert_eq!(trace.steps.len(), 4);
    assert!(
        trace.steps[3].state.contains("y = 6"),
        "{}",
        trace.steps[3].state
    );
    // A state whose successors all leave the constraints is no deadlock (TLC: no error,
    // 24 distinct, 50 generated).
    let (_, report) = run("Counter.tla", Some("CounterDeadlock.cfg"));
    assert_eq!(report.verdict(), Verdict::Holds);
    assert_eq!(report.distinct_states, 24);
    assert_eq!(report.generated_states, 50);
}

#[test]
fn primed_parameters_stand_for_their_arguments() {
    // `Drop(a)` with `Drop(q) == ... q' = Tail(q)` assigns `a'`, through a second operator
    // too (`DropOne(a, b)` leaves `b` UNCHANGED), and `Put(b, b', v)` assigns `b'`. TLC, run on
    // this spec: 49 distinct, 169
    // generated.
    let (_, report) = run("PrimedParams.tla", None);
    assert_eq!(report.distinct_states, 49);
    assert_eq!(report.generated_states, 169);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn differences_and_unions_of_infinite_sets_stay_symbolic() {
    // `Nat \ {0}` in an ASSUME and an invariant, `Seq(Int \ {0})`, `Nat \cup {-1}`,
    // `UNION {[1..N -> Int \cup {-1}]}`. TLC, run on this spec:
    // 9 distinct, 13 generated.
    let (_, report) = run("InfiniteSets.tla", None);
    assert_eq!(report.distinct_states, 9);
    assert_eq!(report.generated_states, 13);
    assert_eq!(report.verdict(), Verdict::Holds);
    // With N = 0 the assumption `N \in Nat \ {0}` is false (TLC: "Assumption ... is false").
    let Err(error) = valence_tla::load(
        &spec("InfiniteSets.tla"),
        Some(&spec("InfiniteSetsZero.cfg")),
    ) else {
        panic!("the assumption must be false for N = 0");
    };
    assert!(
        error.to_string().contains("InfiniteSets.tla:6:8:"),
        "{error}"
    );
}

#[test]
fn enabled_is_evaluated_in_actions_and_invariants() {
    // `Flip` happens only when `Inc` is not enabled; `ENABLED (x' = x)` is true although it
    // leaves `y'` unassigned. TLC, run on this spec: 5 distinct, 6 generated.
    let (_, report) = run("Enabled.tla", None);
    assert_eq!(report.distinct_states, 5);
    assert_eq!(report.generated_states, 6);
    assert_eq!(report.verdict(), Verdict::Holds);
    // `ENABLED Inc` as an invariant fails at x = 3, after three `Inc` steps (as TLC reports).
    let (_, report) = run("Enabled.tla", Some("EnabledWrong.cfg"));
    assert_eq!(report.verdict(), Verdict::Violated);
    let failed = report.property("AlwaysCanInc").expect("AlwaysCanInc");
    assert_eq!(failed.trace.as_ref().map(|t| t.steps.len()), Some(4));
}

#[test]
fn initial_states_outside_the_constraints_count_as_generated() {
    // `y = 1` is an initial state outside `YEven`: generated, not stored (TLC, run on this
    // spec: "2 states generated, with 1 of them distinct"; 12 distinct, 26 generated).
    let (_, report) = run("Counter.tla", Some("CounterEven.cfg"));
    assert_eq!(report.distinct_states, 12);
    assert_eq!(report.generated_states, 26);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn implications_and_subsets_in_actions_branch_as_in_tlc() {
    // In an action, `P => Q` processes Q as an action when P holds (its `\E` branches), and
    // `x' \subseteq S` assigns every subset. TLC, run on this spec: 17 distinct, 81 generated
    // (1 + 8 subsets x 2 choices of k + 8 x 8).
    let (_, report) = run("ActionForms.tla", None);
    assert_eq!(report.distinct_states, 17);
    assert_eq!(report.generated_states, 81);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn an_instance_substituting_a_variable_by_an_expression_is_refined_as_tlc_checks_it() {
    // `Abs == INSTANCE AbsTally WITH total <- Cardinality({pi \in ... : ...})`: the
    // substituted expression binds variables and is read in both states of `Abs!Next`;
    // `Cap(m) == INSTANCE AbsTally WITH Max <- m` is used as `Cap(e)!Op(args)`.
    let (_, report) = run("Tallies.tla", None);
    // TLC: 27 distinct states, 55 generated.
    assert_eq!(report.distinct_states, 27);
    assert_eq!(report.generated_states, 55);
    assert_eq!(report.verdict(), Verdict::Holds);
    for name in ["AbsTypeOK", "CapOK", "AbsSteps", "CapSteps"] {
        assert_eq!(status(&report, name), Some(Status::Holds), "{name}");
    }
}

#[test]
fn a_refinement_through_a_substituted_variable_can_fail() {
    let (_, report) = run("Tallies.tla", Some("TalliesWrong.cfg"));
    let property = report.property("SmallSteps").expect("property");
    assert_eq!(property.status, Status::Violated);
    let trace = property.trace.as_ref().expect("trace");
    // TLC's trace: Inc(p1), Inc(p1), Inc(p2).
    let actions: Vec<&str> = trace
        .steps
        .iter()
        .filter_map(|s| s.action.as_deref())
        .collect();
    assert_eq!(actions, ["Inc(p1)", "Inc(p1)", "Inc(p2)"]);
}

#[test]
fn actions_passed_through_definitions_are_substituted_by_name() {
    // `Guarded(IncX)`, `Later(IncY(1), LAMBDA v : v - 1)`, `Guarded(Guarded(IncY(2)))`.
    let (_, report) = run("ActionArgs.tla", None);
    // TLC: 33 distinct states, 47 generated.
    assert_eq!(report.distinct_states, 33);
    assert_eq!(report.generated_states, 47);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn operator_constants_of_an_instance_are_substituted_by_definitions() {
    let (_, report) = run("OpConstants.tla", None);
    // TLC: 6 distinct states, 10 generated.
    assert_eq!(report.distinct_states, 6);
    assert_eq!(report.generated_states, 10);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn community_module_operators_are_built_in() {
    // Every ASSUME of CommunityOps.tla holds (TLC checked them with its CommunityModules
    // jar), and the behaviour that uses Cons, Last, Front, Reverse, FoldLeft and ToSet
    // has TLC's counts: 195 distinct states, 521 generated.
    let (_, report) = run("CommunityOps.tla", None);
    assert_eq!(report.distinct_states, 195);
    assert_eq!(report.generated_states, 521);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn a_module_with_only_assumptions_has_no_states() {
    // TLC evaluates the assumptions and reports 0 states generated, 0 distinct.
    let (_, report) = run("AssumeOnly.tla", None);
    assert_eq!(report.distinct_states, 0);
    assert_eq!(report.generated_states, 0);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn filters_maps_quantifiers_and_functions_over_function_sets_are_walked_in_order() {
    // Every ASSUME compares a filter, map or function constructor over `[D -> R]` (walked one
    // function at a time) with the set written out, or quantifies over such a set, as the
    // invariant does in each state. TLC, run on this spec: no error, 2 distinct states, 4
    // generated.
    let (_, report) = run("FunctionSets.tla", None);
    assert_eq!(report.distinct_states, 2);
    assert_eq!(report.generated_states, 4);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn the_evaluator_shortcuts_count_as_tlc() {
    // Literal function sets enumerated in Init after other variables, quantifiers over
    // `S \ {x}` in actions and invariants (x in S, x not in S, S symbolic), `Tail` and `Len` of
    // chains, sequences of different lengths, membership in `[1..2 -> T]` and `[{1, 3} -> T]`.
    // TLC, run on this spec: 27,296 distinct, 186,036 generated, depth 8.
    let (_, report) = run("Shortcuts.tla", Some("Shortcuts.cfg"));
    assert_eq!(report.distinct_states, 27_296);
    assert_eq!(report.generated_states, 186_036);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn guards_that_tlc_enumerates_as_actions_branch_as_in_tlc() {
    // `\A` with a disjunction, a state-level definition with a constant value, a LET
    // recursive function applied in an action (as VoteProof's SafeAt).
    let (_, report) = run("Branching.tla", None);
    // TLC: 5 distinct states, 29 generated.
    assert_eq!(report.distinct_states, 5);
    assert_eq!(report.generated_states, 29);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn an_initial_state_given_twice_is_generated_twice_as_in_tlc() {
    // TLC counts every state the initial predicate gives (6), repetitions included, and
    // stores 4; Branching's `x = 0 /\ (x < 5 \/ x < 6)` gives its state once, because TLC
    // evaluates what remains of the predicate once every variable has its value.
    let (_, report) = run("InitTwice.tla", None);
    assert_eq!(report.distinct_states, 4);
    assert_eq!(report.generated_states, 10);
}

#[test]
fn a_disjunction_after_the_next_state_is_complete_is_evaluated_as_in_tlc() {
    // `x' = (x + 1) % 4 /\ (x < 5 \/ x < 6)`: TLC gives one successor per state, 5
    // generated in all (Tool.getNextStatesAllAssigned), not two.
    let (_, report) = run("NextTwice.tla", None);
    assert_eq!(report.distinct_states, 4);
    assert_eq!(report.generated_states, 5);
}

#[test]
fn the_instances_of_an_action_level_forall_come_in_tlcs_order() {
    // TLC takes the first binding, then the others from the last to the second, the first
    // bound varying fastest: whether a disjunction branches depends on whether an instance
    // before it assigned x' (TLC: 9 and 5 generated).
    let (_, report) = run("ForallOrder.tla", None);
    assert_eq!(report.distinct_states, 2);
    assert_eq!(report.generated_states, 9);
    let (_, report) = run("ForallOrder2.tla", None);
    assert_eq!(report.distinct_states, 2);
    assert_eq!(report.generated_states, 5);
}

#[test]
fn a_next_state_action_that_mentions_a_variable_is_no_constant() {
    // `\E p \in {} : x' = p` has a value without the state, FALSE, but mentions `x`: TLC
    // takes it as an action (1 state), and only a definition of constant level is rejected.
    let (_, report) = run("EmptyNext.tla", None);
    assert_eq!(report.distinct_states, 1);
    assert_eq!(report.generated_states, 1);
}

#[test]
fn a_forall_in_the_initial_predicate_may_assign() {
    // TLC enumerates `\A i \in {1} : x = i` one element at a time: the first assigns x.
    let (_, report) = run("InitForall.tla", None);
    assert_eq!(report.distinct_states, 1);
    assert_eq!(report.generated_states, 2);
}

#[test]
fn subexpression_references_name_conjuncts_and_theorem_statements() {
    // `Inv!2`, `Inv!3` and `Bounded!:` (TLC: 5 distinct states, 5 generated).
    let (_, report) = run("Subexpressions.tla", None);
    assert_eq!(report.distinct_states, 5);
    assert_eq!(report.generated_states, 5);
    assert_eq!(status(&report, "SecondConjunct"), Some(Status::Holds));
    assert_eq!(status(&report, "Statement"), Some(Status::Holds));
}

#[test]
fn a_union_of_permutation_sets_reduces_by_the_group_it_generates() {
    // `Permutations(Acceptor) \cup Permutations(Value)`: TLC reports 13 distinct states and 40
    // generated (64 and 193 without the SYMMETRY); Examples' Paxos/MCVoting is written so.
    let options = CheckOptions {
        symmetry: true,
        ..CheckOptions::default()
    };
    let (_, report) = run_with("SymmetryUnion.tla", None, &options);
    assert_eq!(report.distinct_states, 13);
    assert_eq!(report.generated_states, 40);
}

#[test]
fn let_definitions_are_computed_once_per_entry_and_never_across_next_states() {
    // TLC's counts. A memo kept across the elements of `\E i` (d) changes the counts; one kept
    // for `n == x'` across the choices of `x'` violates `Picked`.
    let (_, report) = run("LetMemo.tla", None);
    assert_eq!(report.distinct_states, 24);
    assert_eq!(report.generated_states, 121);
    assert_eq!(report.verdict(), Verdict::Holds);
    assert_eq!(status(&report, "Picked"), Some(Status::Holds));
}

#[test]
fn undirected_graphs_operators_are_built_in() {
    // Every ASSUME of GraphOps.tla holds (TLC checked those its copy of the module defines),
    // and the behaviour dropping edges while the graph stays connected has TLC's counts.
    let (_, report) = run("GraphOps.tla", None);
    assert_eq!(report.distinct_states, 8);
    assert_eq!(report.generated_states, 11);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn directed_graph_operators_hold_as_in_tlc() {
    // Every ASSUME of DirectedGraphOps.tla holds, as in TLC with its CommunityModules jar; the
    // invariant, read through a named `INSTANCE Graphs` in a LET (as EWD687a does), catches
    // the overlay that turns into a cycle, with TLC's trace.
    let (_, report) = run("DirectedGraphOps.tla", None);
    let tree = report.property("Tree").expect("checked");
    assert_eq!(tree.status, Status::Violated);
    let text = format_trace(tree.trace.as_ref().expect("trace"));
    assert!(
        text.contains("State 3: <Next>\nup = <<<<1, 2>>, <<2, 1>>>>"),
        "{text}"
    );
}

#[test]
fn a_let_around_an_always_splits_with_its_definitions_computed_per_state() {
    // `LET O == ... IN [](P(O) /\ Q(O))` is checked as two invariants, each computing O in
    // the state at hand (O read as FALSE, or as another state's value, before the fix).
    let (_, report) = run("LetAlways.tla", None);
    assert_eq!(report.distinct_states, 3);
    assert_eq!(status(&report, "Bounded"), Some(Status::Holds));
    assert_eq!(status(&report, "Bounded#1"), Some(Status::Holds));
    let (_, wrong) = run("LetAlways.tla", Some("LetAlwaysWrong.cfg"));
    assert_eq!(wrong.verdict(), Verdict::Violated);
    // A SPECIFICATION under a LET whose next-state relation reads its definition (`x' = O`
    // read O as FALSE before): TLC's 3 distinct states.
    let (_, spec) = run("LetAlways.tla", Some("LetAlwaysSpec.cfg"));
    assert_eq!((spec.distinct_states, spec.generated_states), (3, 3));
    assert_eq!(spec.verdict(), Verdict::Holds);
}

#[test]
fn disjuncts_decided_together_give_tlcs_states() {
    // PlusCal's `pc[self] = "a"` tests, receivers sharing `net[j][i] # << >>`, a variable
    // compared with integers, and an inline disjunct (see `compile::Dispatch`).
    let (_, report) = run("Dispatch.tla", None);
    assert_eq!(report.distinct_states, 1_458);
    assert_eq!(report.generated_states, 8_992);
    assert_eq!(report.depth, 22);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn disjuncts_decided_by_tests_inside_a_let_give_tlcs_states() {
    // Receivers sharing `net[j][i] # << >>`, then testing `m.type` of `m == Head(net[j][i])`
    // in a LET, and an inline disjunction testing a LET's value (see `compile::Dispatch`).
    let (_, report) = run("DispatchLet.tla", None);
    assert_eq!(report.distinct_states, 193);
    assert_eq!(report.generated_states, 759);
    assert_eq!(report.depth, 9);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn a_nested_module_reads_the_names_around_it() {
    // TLC's counts; its unused instance `P(z)`, which valence cannot build, does not stop
    // the load.
    let (_, report) = run("Nested.tla", None);
    assert_eq!(report.distinct_states, 9);
    assert_eq!(report.generated_states, 13);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn nested_temporal_operators_and_liveness_under_init_and_next_are_checked() {
    // TLC's verdicts, property by property. Under INIT/NEXT, liveness was reported as not
    // checked before ("the SPECIFICATION's conditions ... admit none").
    let (_, report) = run("NestedTemporal.tla", None);
    assert_eq!(status(&report, "Settle"), Some(Status::Violated));
    assert_eq!(status(&report, "Recur"), Some(Status::Holds));
    assert_eq!(status(&report, "Live"), Some(Status::Holds));
    let (_, report) = run("NestedTemporal.tla", Some("NestedTemporalInitNext.cfg"));
    assert_eq!(status(&report, "Live"), Some(Status::Violated));
    assert_eq!(status(&report, "Recur"), Some(Status::Violated));
}

#[test]
fn real_is_a_name_without_the_reals_module() {
    let (_, report) = run("RealName.tla", None);
    assert_eq!(report.distinct_states, 4);
    assert_eq!(report.generated_states, 10);
}

#[test]
fn an_instance_finds_the_module_nested_in_its_own_file() {
    // NestedTwin and NestedOther each nest an `Inner`; TLC's counts (valence took NestedTwin's
    // for both before: 3 states).
    let (_, report) = run("NestedTwin.tla", None);
    assert_eq!(report.distinct_states, 30);
    assert_eq!(report.generated_states, 41);
    // A nested module extending another one of its file (TLC's 4 / 4).
    let (_, report) = run("NestedExtends.tla", None);
    assert_eq!(report.distinct_states, 4);
    assert_eq!(report.generated_states, 4);
}

#[test]
fn an_unnamed_instance_brings_in_the_named_instances_of_its_module() {
    // `INSTANCE ReExportInner` makes its `InChan == INSTANCE ChanPair` usable as `InChan!Op`
    // (APInnerFIFO reads InnerFIFO's channels so); TLC's counts.
    let (_, report) = run("ReExport.tla", None);
    assert_eq!(report.distinct_states, 25);
    assert_eq!(report.generated_states, 40);
    assert_eq!(report.verdict(), Verdict::Holds);
    // Not its LOCAL ones: TLC reports a semantic error there too.
    let error = load(&spec("ReExportLocal.tla"), None).expect_err("LOCAL instance");
    let message = error.to_string();
    assert!(
        message.contains("ReExportLocal.tla:11:32")
            && message.contains("`OutChan` is not an instance"),
        "{message}"
    );
}

#[test]
fn an_override_reaches_an_instances_calls_but_not_its_prefixed_names() {
    // `D <- E` and `C <- F`: the instance's own definitions call E and read F, `I!D` and `I!C`
    // are the instance's originals, so E's `CC!D(a)` does not recurse. Every ASSUME holds in
    // TLC (before, valence recursed in E and reported `I!C` as 2).
    let (_, report) = run("OverrideCalls.tla", None);
    assert_eq!(report.distinct_states, 1);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn a_trace_shows_the_alias_as_tlc_does() {
    // TLC's trace for Alias.cfg, but for its action labels (`<Next line 9, col 9 ...>`).
    let (_, report) = run("Alias.tla", None);
    let inv = report.property("Inv").expect("checked");
    let text = format_trace(inv.trace.as_ref().expect("trace"));
    let expected = "State 1: <Initial predicate>\n/\\ zeta = 0\n/\\ alpha = 0\n/\\ next = 1\n\
                    /\\ sum = 0\n/\\ lvl = 1\n\nState 2: <Next>\n/\\ zeta = 1\n/\\ alpha = 2\n\
                    /\\ next = 2\n/\\ sum = 3\n/\\ lvl = 2\n\nState 3: <Next>\n/\\ zeta = 2\n\
                    /\\ alpha = 4\n/\\ next = 2\n/\\ sum = 6\n/\\ lvl = 3\n\n";
    assert_eq!(text, expected);
    // An alias that fails in a state: that state shows its variables and the error, as TLC's
    // `_ALIASEvalError` (TLC's own message differs).
    let (_, report) = run("Alias.tla", Some("AliasFailing.cfg"));
    let inv = report.property("Inv").expect("checked");
    let text = format_trace(inv.trace.as_ref().expect("trace"));
    assert!(
        text.starts_with("State 1: <Initial predicate>\n/\\ x = 0\n/\\ bad = -10\n\n\
                          State 2: <Next>\n/\\ x = 1\n/\\ y = 2\n/\\ _ALIASEvalError = \"division by zero"),
        "{text}"
    );
    assert!(
        text.ends_with("State 3: <Next>\n/\\ x = 2\n/\\ bad = 10\n\n"),
        "{text}"
    );
}

#[test]
fn a_constant_may_be_substituted_by_a_constant_declared_after_it() {
    // `Leader <- L` with `L = L` (EWD687a_anim's configuration): TLC's 2 distinct, 3
    // generated; before, the load failed ("`L` ... is not a definition of the spec").
    let (_, report) = run("ConstAlias.tla", None);
    assert_eq!((report.distinct_states, report.generated_states), (2, 3));
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn a_label_names_a_subexpression_as_in_tlc() {
    // `Inv!P0`, `Inv!P1`, `Inv!P2`: the expressions labelled in Inv's bulleted lists. TLC: Ok
    // holds on the 4 states; Wrong (`Inv!P1`) fails at x = 2, after 2 steps.
    let (_, report) = run("Labels.tla", None);
    assert_eq!(report.distinct_states, 4);
    assert_eq!(report.verdict(), Verdict::Holds);
    let (_, wrong) = run("Labels.tla", Some("LabelsWrong.cfg"));
    let failed = wrong.property("Wrong").expect("checked");
    assert_eq!(failed.status, Status::Violated);
    assert_eq!(failed.trace.as_ref().map(|t| t.len()), Some(2));
}

#[test]
fn function_constructors_and_set_filters_are_lazy_as_in_tlc() {
    // Each ASSUME applies a function over Nat, or tests membership in a filter of Nat, which
    // building the value could not do (TLC's values are lazy there too); `[i \in 1..3 |-> 10
    // \div (i - 2)][3]` never divides by zero. TLC's counts.
    let (_, report) = run("Lazy.tla", None);
    assert_eq!(report.distinct_states, 4);
    assert_eq!(report.generated_states, 5);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn bitwise_operators_are_built_in() {
    // Every ASSUME of BitOps.tla holds (TLC checked them with its CommunityModules jar), and
    // the behaviour mixing `^^`, `&` and `|` has TLC's counts.
    let (_, report) = run("BitOps.tla", None);
    assert_eq!(report.distinct_states, 5);
    assert_eq!(report.generated_states, 5);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn random_element_picks_anew_at_each_evaluation() {
    // The ASSUMEs fail if `RandomElement(1..3)` is folded into one constant; the behaviour's
    // counts depend on the picks (as TLC's do), its invariant does not.
    let (_, report) = run("RandomPick.tla", None);
    assert_eq!(report.verdict(), Verdict::Holds);
    assert!((2..=4).contains(&report.distinct_states));
}

#[test]
fn randomization_operators_pick_sets_of_the_promised_shape() {
    // Each ASSUME checks a size or an inclusion the module promises, and that a pick is not
    // folded into a constant; the counts depend on the picks (as TLC's do).
    let (_, report) = run("RandomSets.tla", None);
    assert_eq!(report.verdict(), Verdict::Holds);
    assert!(report.distinct_states >= 2);
}

#[test]
fn conjuncts_are_evaluated_again_when_a_variable_they_read_changes() {
    // A state's invariants skip the conjuncts that read only variables the step left alone.
    // `Below(b, 3)` (through an operator's argument, inside TypeOK inside Bounded) is broken
    // by three IncB steps that change b alone; TLC's trace.
    let (_, report) = run("Unchanged.tla", Some("UnchangedB.cfg"));
    assert_eq!(report.verdict(), Verdict::Violated);
    let property = report.property("Bounded").expect("Bounded");
    assert_eq!(property.status, Status::Violated);
    let trace = property.trace.as_ref().expect("a trace");
    assert_eq!(trace.len(), 3);
    let last = format_trace(trace);
    assert!(
        last.trim_end()
            .ends_with("/\\ a = 0\n/\\ b = 3\n/\\ c = 0\n/\\ d = 0"),
        "{last}"
    );

    // `Small` reads d only through `Twice`: four IncD steps break it (TLC: 70 distinct
    // states, 141 generated, depth 5).
    let (_, report) = run("Unchanged.tla", Some("UnchangedD.cfg"));
    assert_eq!(status(&report, "Small"), Some(Status::Violated));
    assert_eq!(report.distinct_states, 70);
    assert_eq!(report.generated_states, 141);
    assert_eq!(
        report
            .property("Small")
            .and_then(|p| p.trace.as_ref())
            .map(|t| t.len()),
        Some(4)
    );

    // `Sum` reads a and b: a state is known to satisfy it only when both values were seen
    // together in one that did. Six steps, as TLC's trace.
    let (_, report) = run("Unchanged.tla", Some("UnchangedS.cfg"));
    assert_eq!(status(&report, "Sum"), Some(Status::Violated));
    assert_eq!(
        report
            .property("Sum")
            .and_then(|p| p.trace.as_ref())
            .map(|t| t.len()),
        Some(6)
    );

    // A CONSTRAINT on c alone, skipped after steps that leave c: TLC's counts.
    let (_, report) = run("Unchanged.tla", Some("UnchangedC.cfg"));
    assert_eq!(report.distinct_states, 375);
    assert_eq!(report.generated_states, 1_276);
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn eventually_an_angle_step_needs_one_on_every_fair_behaviour() {
    // Under WF_x(Next) every behaviour climbs to 4, so some step sets x to 4; but 0 -> 2 -> 4
    // takes no One step. Without fairness, stuttering at 0 takes no step at all.
    let (_, fair) = run("Angle.tla", Some("AngleFair.cfg"));
    assert_eq!(status(&fair, "ReachesFour"), Some(Status::Holds));
    let takes = fair.property("TakesOne").expect("checked");
    assert_eq!(takes.status, Status::Violated);
    let trace = takes.trace.as_ref().expect("a trace");
    let actions: Vec<&str> = trace.steps[1..]
        .iter()
        .filter_map(|s| s.action.as_deref())
        .collect();
    assert_eq!(actions, ["Two", "Two"]);
    assert!(format_trace(trace).contains("Stuttering"));

    let (_, unfair) = run("Angle.tla", Some("AngleUnfair.cfg"));
    let reaches = unfair.property("ReachesFour").expect("checked");
    assert_eq!(reaches.status, Status::Violated);
    assert_eq!(reaches.trace.as_ref().expect("a trace").steps.len(), 1);
}

#[test]
fn binders_reading_only_their_own_names_are_folded_and_no_others() {
    // A set filter, map, CHOOSE and EXCEPT of constant level are evaluated once at load; one
    // that reads a parameter (`Others(n)`, `Nested(n)`) may not be, and an `\E` or a
    // disjunction in an action still branches once per witness or true disjunct (TLC: 3
    // distinct states, 9 generated: 2 witnesses times 2 disjuncts per step).
    let (_, report) = run("ConstantBinders.tla", None);
    assert_eq!(report.distinct_states, 3);
    assert_eq!(report.generated_states, 9);
    assert_eq!(status(&report, "Values"), Some(Status::Holds));
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn primed_state_functions_are_remembered_only_for_a_complete_next_state() {
    // `Total'` in two branches of the next-state relation, each assigning the next state anew,
    // and in step properties, where it is computed once per step (TLC: 9 distinct states, 13
    // generated; `OnlyXSteps` fails on the step that adds 2 to `y`).
    let (_, report) = run("PrimedMemo.tla", None);
    assert_eq!(report.distinct_states, 9);
    assert_eq!(report.generated_states, 13);
    assert_eq!(status(&report, "Steps"), Some(Status::Holds));
    // ENABLED inside a step property enumerates next states branch by branch: `Total'` is not
    // remembered there (TLC: holds).
    assert_eq!(status(&report, "CanReachSix"), Some(Status::Holds));
    let (_, report) = run("PrimedMemo.tla", Some("PrimedMemoWrong.cfg"));
    let property = report.property("OnlyXSteps").expect("OnlyXSteps");
    assert_eq!(property.status, Status::Violated);
    let text = format_trace(property.trace.as_ref().expect("a trace"));
    assert!(
        text.contains("State 2: <Next>\n/\\ x = 0\n/\\ y = 2"),
        "{text}"
    );
}

#[test]
fn tlc_get_level_is_the_depth_tlc_gives_states() {
    // `CONSTRAINT TLCGet("level") < 4` bounds the search by depth; `seen` records the level of
    // the state each step came from (TLC: 6 distinct states, 13 generated, depth 3).
    let (_, report) = run("Level.tla", None);
    assert_eq!(report.distinct_states, 6);
    assert_eq!(report.generated_states, 13);
    assert_eq!(report.depth, 3);
    assert_eq!(status(&report, "Known"), Some(Status::Holds));
    // `TLCGet("level") < 3` fails in the first state at level 3, after two steps (TLC's trace).
    let (_, report) = run("Level.tla", Some("LevelShallow.cfg"));
    let property = report.property("Shallow").expect("Shallow");
    assert_eq!(property.status, Status::Violated);
    let text = format_trace(property.trace.as_ref().expect("a trace"));
    assert!(
        text.contains("State 3: <Next>\n/\\ x = 2\n/\\ seen = 2"),
        "{text}"
    );
}

#[test]
fn once_p_always_q_is_checked_with_tlc_verdicts() {
    // `[](P => []Q)` with Q other than P: a counterexample reaches ~Q at or after a P state,
    // then ends fairly (TLC: both hold without Reset; DoneStays fails with it, on a lasso
    // through the reset; AlwaysBelow fails on the run to 3, ending by stuttering).
    let (_, report) = run("Stable.tla", None);
    assert_eq!(report.distinct_states, 5);
    assert_eq!(status(&report, "DoneStays"), Some(Status::Holds));
    assert_eq!(status(&report, "Positive"), Some(Status::Holds));
    let (_, report) = run("Stable.tla", Some("StableReset.cfg"));
    assert_eq!(report.distinct_states, 8);
    assert_eq!(report.generated_states, 12);
    let property = report.property("DoneStays").expect("DoneStays");
    assert_eq!(property.status, Status::Violated);
    let text = format_trace(property.trace.as_ref().expect("a trace"));
    assert!(
        text.contains("State 5: <Next>\n/\\ x = 3\n/\\ done = TRUE\n\nState 6: <Next>\n/\\ x = 0\n/\\ done = TRUE"),
        "{text}"
    );
    assert!(text.contains("Back to state"), "{text}");
    let (_, report) = run("Stable.tla", Some("StableBelow.cfg"));
    let property = report.property("AlwaysBelow").expect("AlwaysBelow");
    assert_eq!(property.status, Status::Violated);
    let text = format_trace(property.trace.as_ref().expect("a trace"));
    assert!(
        text.contains("State 5: <Next>\n/\\ x = 3\n/\\ done = TRUE\n\nState 6: Stuttering"),
        "{text}"
    );
}

#[test]
fn dyadic_rationals_are_built_in() {
    // Weights split in halves and summed back with `FoldFunction(Add, Zero, weight)` (the
    // module's `Add` passed as an operator); the operators' values are checked against TLC's
    // (TLC: 36 distinct states, 81 generated, depth 4).
    let (_, report) = run("Dyadic.tla", None);
    assert_eq!(report.distinct_states, 36);
    assert_eq!(report.generated_states, 81);
    assert_eq!(report.depth, 4);
    assert_eq!(status(&report, "Values"), Some(Status::Holds));
    assert_eq!(status(&report, "Conserved"), Some(Status::Holds));
    assert_eq!(report.verdict(), Verdict::Holds);
}

#[test]
fn the_initial_states_are_the_same_for_every_caller() {
    use valence_check::Model;
    // Handed to the first caller, computed again for the next (the liveness pass, a trace).
    let (model, _) = run("TwoPhase.tla", None);
    let (first, second) = (model.init_states(), model.init_states());
    assert_eq!(first.len(), 1);
    assert_eq!(first, second);
    // An initial predicate that picks at random keeps one copy for every caller.
    let dir = tempfile::tempdir().expect("scratch dir");
    let tla = dir.path().join("RandomInit.tla");
    std::fs::write(
        &tla,
        "---- MODULE RandomInit ----\nEXTENDS Naturals, TLC\nVARIABLE x\n\
         Init == x \\in {RandomElement(1..1000), RandomElement(1..1000)}\n\
         Next == UNCHANGED x\n====\n",
    )
    .expect("write spec");
    std::fs::write(dir.path().join("RandomInit.cfg"), "INIT Init\nNEXT Next\n").expect("cfg");
    let model = load(&tla, None).expect("loads");
    let first = model.init_states();
    for _ in 0..5 {
        assert_eq!(model.init_states(), first);
    }
}

#[test]
fn tlc_registers_settings_and_exit_are_tlcs() {
    // TLCSet in an ASSUME sets every worker's register; in the action, the worker's own, once
    // per expansion, so with one worker it counts to x (TLC: 6 distinct, 6 generated, both
    // invariants hold). TLCGet("config") and -D properties are TLC's (asserted in the spec).
    let (_, report) = run("Registers.tla", None);
    assert_eq!(report.distinct_states, 6);
    assert_eq!(report.generated_states, 6);
    assert_eq!(report.verdict(), Verdict::Holds);
    // TLCSet("exit", TRUE) stops the search where TLC stops it: 4 distinct, 4 generated.
    let progress = std::sync::Arc::new(valence_check::Progress::default());
    let options = CheckOptions {
        progress: Some(std::sync::Arc::clone(&progress)),
        ..CheckOptions::default()
    };
    let (model, report) = run_with("Registers.tla", Some("RegistersExit.cfg"), &options);
    assert_eq!(report.distinct_states, 4);
    assert_eq!(report.generated_states, 4);
    assert_eq!(report.stopped, Some(valence_check::StopReason::Cancelled));
    assert!(model.exit_requested());
    assert!(progress
        .stopped_by_model
        .load(std::sync::atomic::Ordering::Relaxed));
    assert_eq!(status(&report, "Stop"), Some(Status::Unknown));
    // TLCGet is never a constant: Few reads the search's count (TLC: 3 distinct, 4 generated);
    // TLCGetOrDefault is, as in TLC: CountOr is 99, computed before the ASSUMEs set register 1.
    let (_, report) = run("Registers.tla", Some("RegistersFew.cfg"));
    assert_eq!(report.distinct_states, 3);
    assert_eq!(report.generated_states, 4);
    let (_, report) = run("Registers.tla", Some("RegistersConstant.cfg"));
    assert_eq!(status(&report, "CountedOr"), Some(Status::Violated));
    assert_eq!(report.distinct_states, 1);
}

#[test]
fn an_unset_register_is_an_error_where_it_is_read() {
    let model = load(
        &spec("Registers.tla"),
        Some(&spec("RegistersUndefined.cfg")),
    )
    .expect("loads");
    let report = check(&model, &CheckOptions::default());
    let error = report.error.expect("TLCGet(7) fails");
    assert!(
        error.message.contains("TLCGet(7) is undefined")
            && error.message.contains("Registers.tla:30:14"),
        "{}",
        error.message
    );
}

#[test]
fn io_json_and_tlcext_operators_give_tlcs_values() {
    // Every ASSUME of Io.tla holds in TLC: commands with their environment and templates,
    // IOEnv, atoi, ToJson, JSON files written and read back, a CSV line, TLCModelValue, AssertEq,
    // TLCGetOrDefault and TLCGetAndSet (3 distinct states, 3 generated).
    let scratch = tempfile::Builder::new()
        .prefix("valence-io-")
        .tempdir()
        .expect("tempdir");
    let dir = scratch.path();
    let cfg = dir.join("Io.cfg");
    let write_cfg = |path: &std::path::Path, extra: &str| {
        std::fs::write(
            path,
            format!(
                "CONSTANT DIR = \"{}\"\nINIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n{extra}",
                dir.display()
            ),
        )
        .expect("cfg written");
    };
    write_cfg(&cfg, "");
    let model = load(&spec("Io.tla"), Some(&cfg)).unwrap_or_else(|e| panic!("{e}"));
    let report = check(&model, &CheckOptions::default());
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(report.distinct_states, 3);
    assert_eq!(report.generated_states, 3);
    let written = std::fs::read_to_string(dir.join("out.json")).expect("out.json");
    assert_eq!(written, r#"[{"a":1},2]"#);
    let written = std::fs::read_to_string(dir.join("out.ndjson")).expect("out.ndjson");
    assert_eq!(written, "\"s\"\n[3]\n");
    let written = std::fs::read_to_string(dir.join("out.csv")).expect("out.csv");
    assert_eq!(written, "\"abc\"#{42}\n");
    // CSVWrite appends, and the ASSUMEs count the lines from none.
    std::fs::remove_file(dir.join("out.csv")).expect("out.csv removed");
    // `Trace` is not supported: an error where it is evaluated, at x = 2, never before.
    let cfg = dir.join("IoTrace.cfg");
    write_cfg(&cfg, "INVARIANT UsesTrace\n");
    let model = load(&spec("Io.tla"), Some(&cfg)).unwrap_or_else(|e| panic!("{e}"));
    let report = check(&model, &CheckOptions::default());
    let error = report.error.expect("Trace is unsupported");
    assert!(
        error.message.contains("unsupported: `Trace`") && error.message.contains("Io.tla:35:27"),
        "{}",
        error.message
    );
    assert_eq!(report.distinct_states, 3);
}

#[test]
fn a_log_in_causal_order_validates_against_the_spec_with_tlcs_figures() {
    // Trace validation as TLC does it: TraceClock.ndjson lists process b's lines first;
    // CausalOrder orders them by their vector clocks (the ASSUMEs check the order and
    // IsCausalOrder), the ACTION_CONSTRAINT matches step i with line i, the VIEW keeps
    // repeated states apart by level, and the POSTCONDITION requires the whole log matched.
    // TLC: 5 distinct, 8 generated, depth 5, no error. In TraceClockWrong.ndjson process b
    // receives a value never sent: the behaviour stops one line short and the POSTCONDITION
    // fails (TLC: 4 distinct, 7 generated, "Postcondition TraceAccepted ... is false").
    let scratch = tempfile::Builder::new()
        .prefix("valence-trace-")
        .tempdir()
        .expect("tempdir");
    let run_log = |log: &str| {
        let cfg = scratch.path().join(format!("{log}.cfg"));
        std::fs::write(
            &cfg,
            format!(
                "CONSTANT LOG = \"{}\"\nSPECIFICATION Spec\nVIEW TraceView\n\
                 ACTION_CONSTRAINT TraceConstraint\nPOSTCONDITION TraceAccepted\n\
                 CHECK_DEADLOCK FALSE\n",
                spec(&format!("{log}.ndjson")).display()
            ),
        )
        .expect("cfg written");
        let model = load(&spec("TraceClock.tla"), Some(&cfg)).unwrap_or_else(|e| panic!("{e}"));
        check(&model, &CheckOptions::default())
    };
    let accepted = run_log("TraceClock");
    assert!(accepted.error.is_none(), "{:?}", accepted.error);
    assert_eq!(
        (
            accepted.distinct_states,
            accepted.generated_states,
            accepted.depth
        ),
        (5, 8, 5)
    );
    let post = accepted.property("TraceAccepted").expect("postcondition");
    assert_eq!(post.kind, PropertyKind::Postcondition);
    assert_eq!(post.status, Status::Holds);
    assert_eq!(accepted.verdict(), Verdict::Holds);

    let rejected = run_log("TraceClockWrong");
    assert_eq!(
        (
            rejected.distinct_states,
            rejected.generated_states,
            rejected.depth
        ),
        (4, 7, 4)
    );
    assert_eq!(status(&rejected, "TraceAccepted"), Some(Status::Violated));
    assert_eq!(rejected.verdict(), Verdict::Violated);
}

#[test]
fn an_operator_constant_of_an_instance_may_be_a_lambda() {
    // `WITH Ok <- LAMBDA x : x <= Limit`, Limit a constant of the instantiating module
    // (TLC: 6 distinct, 10 generated; with Limit = 4, Inv fails at v = 5 after 1, 3).
    let (_, report) = run("OpLambda.tla", None);
    assert_eq!(report.distinct_states, 6);
    assert_eq!(report.generated_states, 10);
    assert_eq!(report.verdict(), Verdict::Holds);
    let (_, report) = run("OpLambda.tla", Some("OpLambdaLow.cfg"));
    let property = report.property("Inv").expect("Inv");
    assert_eq!(property.status, Status::Violated);
    let text = format_trace(property.trace.as_ref().expect("a trace"));
    assert!(
        text.contains("\nv = 1\n") && text.contains("State 3: <Next>\nv = 5"),
        "{text}"
    );
}

#[test]
fn action_composition_is_enumerated_and_evaluated_as_tlc_does() {
    // `Both == Inc \cdot Copy` (TLC with -Dtlc2.tool.impl.Tool.cdot=true): 10 distinct, 19
    // generated, the states between Inc and Copy counted. `[][Next]_vars` holds, so a
    // composed step is recognised as one; under WF_vars(Both), `<>(y = 3)` fails by
    // stuttering at x = 3, y = 0.
    let (_, report) = run("Compose.tla", None);
    assert_eq!(report.distinct_states, 10);
    assert_eq!(report.generated_states, 19);
    assert_eq!(status(&report, "Steps"), Some(Status::Holds));
    let property = report.property("Live").expect("Live");
    assert_eq!(property.status, Status::Violated);
    let text = format_trace(property.trace.as_ref().expect("a trace"));
    assert!(
        text.contains("/\\ x = 3\n/\\ y = 0\n\nState 5: Stuttering"),
        "{text}"
    );
    // A step of Both is no step of Inc (TLC: 3 distinct, 4 generated, at the first Both).
    let (_, report) = run("Compose.tla", Some("ComposeOnlyInc.cfg"));
    assert_eq!(report.distinct_states, 3);
    assert_eq!(report.generated_states, 4);
    let property = report.property("OnlyInc").expect("OnlyInc");
    assert_eq!(property.status, Status::Violated);
    let text = format_trace(property.trace.as_ref().expect("a trace"));
    assert!(
        text.contains("State 2: <Both>\n/\\ x = 1\n/\\ y = 1"),
        "{text}"
    );
}

#[test]
fn the_second_half_of_a_composition_reads_the_intermediate_state() {
    // B's `Total` is the intermediate state's (TLC: 9 distinct, 17 generated; remembering the
    // current state's value would reach y < x).
    let (_, report) = run("ComposeMemo.tla", None);
    assert_eq!(report.distinct_states, 9);
    assert_eq!(report.generated_states, 17);
    assert_eq!(status(&report, "YAtLeastX"), Some(Status::Holds));
}

#[test]
fn a_specification_may_assume_how_behaviours_end() {
    // AssumeSpec adds `<>[](y = x)` to WF_vars(Both): the run that stutters at x = 3, y = 0
    // is no behaviour of the spec, and `<>(y = 3)` holds (TLC: no error).
    let (model, report) = run("Compose.tla", Some("ComposeAssume.cfg"));
    assert!(
        model.unchecked_properties().is_empty(),
        "{:?}",
        model.unchecked_properties()
    );
    assert_eq!(report.distinct_states, 10);
    assert_eq!(status(&report, "Steps"), Some(Status::Holds));
    assert_eq!(status(&report, "Live"), Some(Status::Holds));
    // The same with `[]<>(y = x)` (TLC: no error).
    let (model, report) = run("Compose.tla", Some("ComposeOften.cfg"));
    assert!(
        model.unchecked_properties().is_empty(),
        "{:?}",
        model.unchecked_properties()
    );
    assert_eq!(status(&report, "Live"), Some(Status::Holds));
}

#[test]
fn a_named_instance_in_a_let_is_reached_through_its_name() {
    // `LET C == INSTANCE Counting WITH Limit <- 3 IN ... C!CountTo ...` (TLC: 4 distinct, 4
    // generated).
    let (_, report) = run("LetInstance.tla", None);
    assert_eq!(report.distinct_states, 4);
    assert_eq!(report.generated_states, 4);
    assert_eq!(report.verdict(), Verdict::Holds);
}
