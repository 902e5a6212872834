//! Errors: syntax errors and unsupported constructs get `file:line:column`, evaluation errors
//! name the expression and the state, and no input makes `load` panic.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use valence_check::{check, CheckOptions, Verdict};
use valence_tla::{load, TlaError};

/// `Spec.tla` in a fresh scratch directory (with `Spec.cfg` next to it), removed on drop.
struct SpecFile {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl std::ops::Deref for SpecFile {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

fn write_spec(tla: &str, cfg: &str) -> SpecFile {
    let dir = tempfile::Builder::new()
        .prefix("valence-tla-errors-")
        .tempdir()
        .expect("scratch dir");
    std::fs::write(dir.path().join("Spec.tla"), tla).expect("write spec");
    std::fs::write(dir.path().join("Spec.cfg"), cfg).expect("write cfg");
    let path = dir.path().join("Spec.tla");
    SpecFile { _dir: dir, path }
}

fn load_error(tla: &str, cfg: &str) -> (SpecFile, TlaError) {
    let path = write_spec(tla, cfg);
    match load(&path, None) {
        Ok(_) => panic!("expected an error for:\n{tla}"),
        Err(error) => (path, error),
    }
}

/// The load error of `Spec.tla` (`spec`, with `Spec.cfg` = [`CFG`]) next to `Inner.tla`
/// (`inner`), with the spec's path.
fn load_error_with_inner(inner: &str, spec: &str) -> (SpecFile, TlaError) {
    let path = write_spec(spec, CFG);
    std::fs::write(path.with_file_name("Inner.tla"), inner).expect("write Inner.tla");
    match load(&path, None) {
        Ok(_) => panic!("expected an error for:\n{spec}"),
        Err(error) => (path, error),
    }
}

fn assert_located(error: &TlaError, file: &Path, line: u32, column: u32) {
    let text = error.to_string();
    let prefix = format!("{}:{line}:{column}: ", file.display());
    assert!(
        text.starts_with(&prefix),
        "expected `{prefix}...`, got `{text}`"
    );
}

const CFG: &str = "INIT Init\nNEXT Next\n";

#[test]
fn a_syntax_error_has_its_position() {
    let tla = "---- MODULE Spec ----\nVARIABLE x\nInit == x = \nNext == x' = x\n====\n";
    let (path, error) = load_error(tla, CFG);
    assert!(matches!(error, TlaError::Syntax { .. }), "{error}");
    let location = error.location().expect("located");
    assert_eq!(location.file, path.path);
    assert!(location.line >= 3, "{error}");
}

#[test]
fn a_missing_module_header_is_a_syntax_error() {
    let (path, error) = load_error("VARIABLE x\nInit == x = 1\n", CFG);
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}:", path.display())),
        "{error}"
    );
}

#[test]
fn an_unknown_identifier_is_located() {
    let tla = "---- MODULE Spec ----\nVARIABLE x\nInit == x = y\nNext == x' = x\n====\n";
    let (path, error) = load_error(tla, CFG);
    assert_located(&error, &path, 3, 13);
    assert!(
        error.to_string().contains("unknown identifier `y`"),
        "{error}"
    );
}

#[test]
fn a_wrong_number_of_arguments_is_located() {
    let tla =
        "---- MODULE Spec ----\nVARIABLE x\nF(a) == a\nInit == x = F(1, 2)\nNext == x' = x\n====\n";
    let (path, error) = load_error(tla, CFG);
    assert_located(&error, &path, 4, 13);
    assert!(error.to_string().contains("takes 1 argument"), "{error}");
}

#[test]
fn a_parameterized_instance_of_a_standard_module_is_reported_unsupported() {
    let tla = "---- MODULE Spec ----\nVARIABLE x\nI(n) == INSTANCE Naturals\nInit == x = I(1)!Nat\nNext == x' = x\n====\n";
    let (path, error) = load_error(tla, CFG);
    assert!(matches!(error, TlaError::Unsupported { .. }), "{error}");
    assert_located(&error, &path, 3, 1);
}

#[test]
fn an_operator_a_standard_instance_lacks_is_an_error() {
    // `G!Foo` through `G == INSTANCE Graphs`: Graphs has no `Foo`; the name is located.
    let tla = "---- MODULE Spec ----\nVARIABLE x\nG == INSTANCE Graphs\nInit == x = 0\nNext == x' = x\nP == G!Foo(x)\n====\n";
    let (path, error) = load_error(tla, "INIT Init\nNEXT Next\nINVARIANT P\n");
    assert!(error.to_string().contains("Foo"), "{error}");
    assert_located(&error, &path, 6, 8);
}

#[test]
fn an_unbounded_quantifier_is_reported_unsupported() {
    let tla = "---- MODULE Spec ----\nVARIABLE x\nInit == x = 0\nNext == \\E y : x' = y\n====\n";
    let (path, error) = load_error(tla, CFG);
    assert!(matches!(error, TlaError::Unsupported { .. }), "{error}");
    assert_located(&error, &path, 4, 9);
}

#[test]
fn a_constant_without_a_value_is_a_config_error() {
    let tla =
        "---- MODULE Spec ----\nCONSTANT N\nVARIABLE x\nInit == x = N\nNext == x' = x\n====\n";
    let (path, error) = load_error(tla, CFG);
    assert!(matches!(error, TlaError::Config { .. }), "{error}");
    assert_located(&error, &path, 2, 10);
}

#[test]
fn a_constant_initial_predicate_is_a_config_error() {
    // TLC: "The initial predicate Init cannot be a constant."
    let tla = "---- MODULE Spec ----\nInit == TRUE \\/ TRUE\nNext == TRUE \\/ TRUE\n====\n";
    let path = write_spec(tla, "INIT Init\nNEXT Next\n");
    let error = load(&path, None).expect_err("a constant Init");
    assert!(matches!(error, TlaError::Config { .. }), "{error}");
    assert!(
        error.to_string().contains("cannot be a constant"),
        "{error}"
    );
    assert_located(&error, &path.with_extension("cfg"), 1, 6);
}

#[test]
fn an_unknown_invariant_is_a_config_error() {
    let tla = "---- MODULE Spec ----\nVARIABLE x\nInit == x = 0\nNext == x' = x\n====\n";
    let path = write_spec(tla, "INIT Init\nNEXT Next\nINVARIANT Typo\n");
    let error = load(&path, None).expect_err("unknown invariant");
    let cfg = path.with_extension("cfg");
    assert_located(&error, &cfg, 3, 11);
}

#[test]
fn a_symmetry_that_permutes_no_model_values_is_a_config_error() {
    let tla = "---- MODULE Spec ----\nVARIABLE x\nInit == x = 0\nNext == x' = x\nSym == {<<1, 2>>}\n====\n";
    let path = write_spec(tla, "INIT Init\nNEXT Next\nSYMMETRY Sym\n");
    let error = load(&path, None).expect_err("not permutations");
    assert!(matches!(error, TlaError::Config { .. }), "{error}");
    assert_located(&error, &path.with_extension("cfg"), 3, 10);
}

#[test]
fn an_unsupported_instance_of_a_nested_module_is_an_error_where_used() {
    // The parameter of P replaces Inner's variable: unsupported, reported where `P!` is read
    // (unused, the spec loads: `Nested.tla`).
    let tla = "---- MODULE Spec ----\nVARIABLE x\n---- MODULE Inner ----\nVARIABLE z\nIInit == z = 0\n====\nP(z) == INSTANCE Inner\nInit == P(x)!IInit\nNext == x' = x\n====\n";
    let (path, error) = load_error(tla, CFG);
    assert!(matches!(error, TlaError::Unsupported { .. }), "{error}");
    assert_located(&error, &path, 7, 1);
    assert!(
        error
            .to_string()
            .contains("substituted for the variable `z`"),
        "{error}"
    );
}

#[test]
fn a_false_assumption_fails_the_load() {
    let tla = "---- MODULE Spec ----\nEXTENDS Naturals\nVARIABLE x\nASSUME 1 + 1 = 3\nInit == x = 0\nNext == x' = x\n====\n";
    let (path, error) = load_error(tla, CFG);
    assert_located(&error, &path, 4, 8);
    assert!(error.to_string().contains("is false"), "{error}");
}

#[test]
fn an_error_in_the_initial_predicate_is_returned_by_load() {
    let tla = "---- MODULE Spec ----\nVARIABLE x, y\nInit == x = y /\\ y = 0\nNext == UNCHANGED <<x, y>>\n====\n";
    let (path, error) = load_error(tla, CFG);
    assert!(matches!(error, TlaError::Eval { .. }), "{error}");
    assert_located(&error, &path, 3, 13);
    assert!(error.to_string().contains("`y`"), "{error}");
}

#[test]
fn a_function_applied_outside_its_domain_names_the_expression_and_the_state() {
    let tla = "---- MODULE Spec ----\nEXTENDS Naturals\nVARIABLE i\nf == <<10, 20>>\n\
               Init == i = 0\nNext == i' = f[i + 1]\n====\n";
    let path = write_spec(tla, CFG);
    let model = load(&path, None).expect("loads");
    let report = check(&model, &CheckOptions::default());
    assert_eq!(report.verdict(), Verdict::Violated);
    let error = report.error.expect("a model error");
    assert!(
        error.message.contains("outside its domain"),
        "{}",
        error.message
    );
    assert!(error.message.contains("`f[i + 1]`"), "{}", error.message);
    assert!(
        error.message.contains(&format!("{}:6:14", path.display())),
        "{}",
        error.message
    );
    // One variable: TLC prints `i = 10`, without `/\\`.
    assert!(error.message.contains("\ni = 10"), "{}", error.message);
    assert!(!error.message.contains("/\\ i = 10"), "{}", error.message);
    assert_eq!(error.trace.expect("trace").len(), 1);
}

#[test]
fn an_action_constraint_is_evaluated_on_a_step_into_a_stored_state() {
    // The step from 1 back to 0 reaches a stored state; TLC evaluates the ACTION_CONSTRAINT
    // on it all the same, and reports the division by zero.
    let tla = "---- MODULE Spec ----\nEXTENDS Integers\nVARIABLE x\nInit == x = 0\n\
               Next == x' = 1 - x\nAC == IF x' = 0 THEN 1 \\div 0 = 0 ELSE TRUE\n====\n";
    let path = write_spec(tla, "INIT Init\nNEXT Next\nACTION_CONSTRAINT AC\n");
    let model = load(&path, None).expect("loads");
    let report = check(&model, &CheckOptions::default());
    let error = report.error.expect("a model error");
    assert!(
        error.message.contains("ACTION_CONSTRAINT"),
        "{}",
        error.message
    );
    assert_eq!(error.trace.expect("trace").len(), 2);
}

#[test]
fn enabled_enumerates_to_the_end_as_tlc_does() {
    // Once `x'` is assigned, the next state is complete, but TLC's ENABLED still enumerates
    // the disjunction, and its second disjunct fails.
    let tla = "---- MODULE Spec ----\nEXTENDS TLC\nVARIABLE x\nInit == x = 0\nNext == x' = x\n\
               A == x' = 1 /\\ (x = 0 \\/ Assert(FALSE, \"second disjunct\")) /\\ x' = 2\n\
               Inv == ~ENABLED A\n====\n";
    let path = write_spec(tla, "INIT Init\nNEXT Next\nINVARIANT Inv\n");
    let model = load(&path, None).expect("loads");
    let report = check(&model, &CheckOptions::default());
    let error = report.error.expect("a model error");
    assert!(
        error.message.contains("second disjunct"),
        "{}",
        error.message
    );
}

#[test]
fn a_shared_first_conjunct_that_fails_is_reported_by_the_first_disjunct() {
    // The enumerator decides `pc[s] = "a"` and `pc[s] = "b"` once for both disjuncts; where
    // `pc[3]` fails, the first disjunct reports it, as without that shortcut.
    let tla = "---- MODULE Spec ----\nVARIABLE pc\n\
               A(s) == pc[s] = \"a\" /\\ pc' = [pc EXCEPT ![s] = \"b\"]\n\
               B(s) == pc[s] = \"b\" /\\ pc' = [pc EXCEPT ![s] = \"a\"]\n\
               Init == pc = <<\"a\", \"a\">>\nNext == \\E s \\in 1..3 : A(s) \\/ B(s)\n====\n";
    let path = write_spec(tla, CFG);
    let model = load(&path, None).expect("loads");
    let report = check(&model, &CheckOptions::default());
    let error = report.error.expect("a model error");
    assert!(
        error.message.contains("outside its domain"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains(&format!("{}:3:9", path.display())),
        "{}",
        error.message
    );
}

#[test]
fn inclusion_in_a_filter_evaluates_the_filters_set_even_for_an_empty_set() {
    // As TLC, which builds the filter's value before testing any element.
    let tla = "---- MODULE Spec ----\nEXTENDS Naturals\nf == <<1, 2>>\n\
               ASSUME {} \\subseteq {x \\in f[3] : x > 0}\n\
               VARIABLE v\nInit == v = 0\nNext == v' = v\n====\n";
    let (path, error) = load_error(tla, CFG);
    assert_located(&error, &path, 4, 28);
    assert!(error.to_string().contains("outside its domain"), "{error}");
}

#[test]
fn choose_without_a_witness_is_an_error() {
    let tla = "---- MODULE Spec ----\nEXTENDS Naturals\nVARIABLE i\n\
               Init == i = 0\nNext == i' = CHOOSE n \\in 1..3 : n > 5\n====\n";
    let path = write_spec(tla, CFG);
    let model = load(&path, None).expect("loads");
    let report = check(&model, &CheckOptions::default());
    let error = report.error.expect("a model error");
    assert!(error.message.contains("CHOOSE"), "{}", error.message);
    assert!(error.message.contains("\ni = 0"), "{}", error.message);
}

#[test]
fn a_shared_test_that_fails_is_reported_by_its_disjunct() {
    // A and B share their tests `f[3] = 1` (outside the domain of `f`) and, in their LETs,
    // `f[1] = 5` and `f[1] = 6`, both false. The disjunction's dispatch may not take the
    // second test when the first cannot be decided: A is entered and reports the first, as
    // in TLC, instead of both being skipped on the second.
    let tla = "---- MODULE Spec ----\nEXTENDS Naturals\nVARIABLE f\n\
               Init == f = <<1, 2>>\n\
               A == f[3] = 1 /\\ LET m == f[1] IN m = 5 /\\ f' = f\n\
               B == f[3] = 1 /\\ LET m == f[1] IN m = 6 /\\ f' = f\n\
               Next == A \\/ B\n====\n";
    let path = write_spec(tla, CFG);
    let model = load(&path, None).expect("loads");
    let report = check(&model, &CheckOptions::default());
    let error = report.error.expect("a model error");
    assert!(error.message.contains("domain"), "{}", error.message);
    assert!(error.message.contains("f = <<1, 2>>"), "{}", error.message);
}

#[test]
fn enumerating_an_infinite_set_is_an_error() {
    let tla = "---- MODULE Spec ----\nEXTENDS Naturals\nVARIABLE i\n\
               Init == i = 0\nNext == i' \\in Nat\n====\n";
    let path = write_spec(tla, CFG);
    let model = load(&path, None).expect("loads");
    let report = check(&model, &CheckOptions::default());
    let error = report.error.expect("a model error");
    assert!(
        error.message.contains("not enumerable"),
        "{}",
        error.message
    );
}

#[test]
fn tlc_get_of_an_unsupported_key_is_reported_where_evaluated() {
    let tla = "---- MODULE Spec ----\nEXTENDS Naturals, TLC\nVARIABLE i\n\
               Init == i = 0\nNext == i < TLCGet(\"spec\") /\\ i' = i + 1\n====\n";
    let path = write_spec(tla, CFG);
    let model = load(&path, None).expect("loads");
    let report = check(&model, &CheckOptions::default());
    let error = report.error.expect("a model error");
    assert!(
        error.message.contains("unsupported: TLCGet(\"spec\")"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains(&format!("{}:5:13", path.display())),
        "{}",
        error.message
    );
    // In an ASSUME the level is 0, as in TLC; a definition that reads it is not a constant.
    let tla = "---- MODULE Spec ----\nEXTENDS Naturals, TLC\nVARIABLE i\n\
               ASSUME TLCGet(\"level\") = 0\nDeep == TLCGet(\"level\") > 2\n\
               Init == i = 0\nNext == ~Deep /\\ i' = i + 1\n====\n";
    let path = write_spec(tla, CFG);
    let model = load(&path, None).expect("loads");
    let report = check(&model, &CheckOptions::default());
    assert_eq!(report.distinct_states, 3, "Deep stops the run at level 3");
}

#[test]
fn a_binder_in_an_assumption_let_is_folded_in_a_frame_large_enough() {
    // The ASSUME's LET counts its slots in the ASSUME's own frame, larger than any definition's
    // here: folding the constant set filter must not write past the frame it evaluates in.
    let tla = "---- MODULE Spec ----\nVARIABLE x\nInit == x = 0\nNext == x' = 1 - x\n\
               ASSUME LET S == {i \\in {1, 2, 3} : i # 1} IN S = {2, 3}\n====\n";
    let path = write_spec(tla, CFG);
    let model = load(&path, None).expect("loads");
    let report = check(&model, &CheckOptions::default());
    assert_eq!(report.distinct_states, 2);
}

#[test]
fn an_unassigned_variable_in_a_successor_is_an_error() {
    let tla =
        "---- MODULE Spec ----\nVARIABLES x, y\nInit == x = 0 /\\ y = 0\nNext == x' = 1\n====\n";
    let path = write_spec(tla, CFG);
    let model = load(&path, None).expect("loads");
    let report = check(&model, &CheckOptions::default());
    let error = report.error.expect("a model error");
    assert!(
        error.message.contains("`y'` is not assigned"),
        "{}",
        error.message
    );
}

#[test]
fn runaway_recursion_is_an_error_not_a_crash() {
    let tla =
        "---- MODULE Spec ----\nEXTENDS Naturals\nVARIABLE x\nRECURSIVE F(_)\nF(n) == F(n + 1)\n\
               Init == x = 0\nNext == x' = F(x)\n====\n";
    let path = write_spec(tla, CFG);
    let model = load(&path, None).expect("loads");
    // On a worker thread with the default stack, as the checker runs it with several threads.
    let report = std::thread::spawn(move || {
        check(
            &model,
            &CheckOptions {
                threads: 2,
                ..CheckOptions::default()
            },
        )
    })
    .join()
    .expect("no crash");
    let error = report.error.expect("a model error");
    assert!(error.message.contains("recursion"), "{}", error.message);
}

/// Checks the spec at `path` on a worker thread with two threads (as the CLI runs it), then
/// removes its scratch directory.
fn check_and_clean(path: &Path) -> valence_check::Report {
    let model = load(path, None).expect("loads");
    let report = std::thread::spawn(move || {
        check(
            &model,
            &CheckOptions {
                threads: 2,
                ..CheckOptions::default()
            },
        )
    })
    .join()
    .expect("no crash");
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
    report
}

#[test]
fn runaway_recursion_of_a_predicate_is_an_error_not_a_crash() {
    // A predicate called where a Boolean is expected is evaluated as one, still bounded.
    let tla = "---- MODULE Spec ----\nEXTENDS Naturals\nVARIABLE x\nRECURSIVE P(_)\n\
               P(n) == n > 0 /\\ P(n + 1)\nInit == x = 1\nNext == ~P(x) /\\ x' = x\n====\n";
    let report = check_and_clean(&write_spec(tla, CFG));
    let error = report.error.expect("a model error");
    assert!(error.message.contains("recursion"), "{}", error.message);
}

#[test]
fn a_predicate_that_is_not_a_boolean_is_an_error() {
    let tla = "---- MODULE Spec ----\nEXTENDS Naturals\nVARIABLE x\nP(n) == n + 1\n\
               Init == x = 1\nNext == ~P(x) /\\ x' = x\n====\n";
    let report = check_and_clean(&write_spec(tla, CFG));
    let error = report.error.expect("a model error");
    assert!(error.message.contains("Boolean"), "{}", error.message);
}

#[test]
fn a_quantifier_over_a_difference_with_a_non_set_is_an_error() {
    let tla = "---- MODULE Spec ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 1\n\
               Next == \\E r \\in x \\ {1} : x' = r\n====\n";
    let report = check_and_clean(&write_spec(tla, CFG));
    assert!(report.error.is_some(), "{:?}", report.verdict());
}

/// TLA+ tokens to splice into a valid spec.
const TOKENS: &[&str] = &[
    "",
    " ",
    "\n",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "<<",
    ">>",
    "/\\",
    "\\/",
    "==",
    "=",
    "'",
    ",",
    ":",
    "\\E",
    "\\A",
    "x",
    "LET",
    "IN",
    "IF",
    "THEN",
    "ELSE",
    "CASE",
    "->",
    "[]",
    "OTHER",
    "EXCEPT",
    "!",
    "@",
    "|->",
    "\\in",
    "..",
    "1",
    "\"s\"",
    "CHOOSE",
    "UNCHANGED",
    "LAMBDA",
    "(*",
    "*)",
    "\\*",
    "----",
    "====",
    "MODULE",
    "EXTENDS",
    "INSTANCE",
    "RECURSIVE",
    "SUBSET",
    "DOMAIN",
    "ENABLED",
    "WF_vars(Next)",
    "\u{3b1}",
    "\\X",
    "-",
    "~>",
];

fn mangle(text: &str, edits: &[(usize, usize, usize)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for &(position, delete, token) in edits {
        let at = position % (chars.len() + 1);
        let end = (at + delete % 8).min(chars.len());
        let insert: Vec<char> = TOKENS[token % TOKENS.len()].chars().collect();
        chars.splice(at..end, insert);
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Whatever the text, `load` returns a model or an error; when it is an error that comes
    /// from the spec, it has a position.
    #[test]
    fn load_never_panics_on_mangled_specs(
        edits in proptest::collection::vec((0usize..5000, 0usize..16, 0usize..1000), 1..6),
        spec_index in 0usize..4,
    ) {
        let names = ["TwoPhase", "DieHard", "Paxos", "Language"];
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
        let name = names[spec_index];
        let text = std::fs::read_to_string(dir.join(format!("{name}.tla"))).expect("read");
        let cfg = std::fs::read_to_string(dir.join(format!("{name}.cfg"))).expect("read");
        let mangled = mangle(&text, &edits);
        let path = write_spec(&mangled.replace(&format!("MODULE {name}"), "MODULE Spec"), &cfg);
        if name == "Language" {
            let helpers = std::fs::read_to_string(dir.join("LangHelpers.tla")).expect("read");
            std::fs::write(path.with_file_name("LangHelpers.tla"), helpers).expect("write");
        }
        if let Ok(model) = load(&path, None) {
            // A spec that still loads must also check without panicking.
            let options = CheckOptions { max_states: Some(2_000), ..CheckOptions::default() };
            let _ = check(&model, &options);
        }
    }

    /// The same for configuration files.
    #[test]
    fn load_never_panics_on_mangled_configs(
        edits in proptest::collection::vec((0usize..200, 0usize..16, 0usize..1000), 1..4),
    ) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
        let text = std::fs::read_to_string(dir.join("Paxos.tla")).expect("read");
        let cfg = std::fs::read_to_string(dir.join("Paxos.cfg")).expect("read");
        let path = write_spec(&text.replace("MODULE Paxos", "MODULE Spec"), &mangle(&cfg, &edits));
        if let Err(error) = load(&path, None) {
            let located = error.location().is_some() || matches!(error, TlaError::Io { .. });
            prop_assert!(located, "{}", error);
        }
    }
}

#[test]
fn deeply_nested_expressions_are_an_error_not_a_crash() {
    let deep = format!("{}1{}", "(".repeat(5_000), ")".repeat(5_000));
    let tla =
        format!("---- MODULE Spec ----\nVARIABLE x\nInit == x = {deep}\nNext == x' = x\n====\n");
    let path = write_spec(&tla, CFG);
    let error = std::thread::spawn(move || load(&path, None).map(|_| ()))
        .join()
        .expect("no crash");
    assert!(error.is_err());
}

#[test]
fn long_but_legal_expressions_load_on_a_small_stack() {
    let parens = format!("{}1{}", "(".repeat(240), ")".repeat(240));
    let sum = vec!["1"; 240].join(" + ");
    let tla = format!(
        "---- MODULE Spec ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = {parens} + ({sum})\nNext == x' = x\n====\n"
    );
    let path = write_spec(&tla, CFG);
    let result = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let model = load(&path, None).map_err(|e| e.to_string())?;
            let report = check(&model, &CheckOptions::default());
            Ok::<u64, String>(report.distinct_states)
        })
        .expect("spawn")
        .join()
        .expect("no crash");
    assert_eq!(result, Ok(1));
}

#[test]
fn an_unsupported_subexpression_reference_is_located() {
    // `Inv!<<` (the left operand) is beyond `Op!n` and `Op!:`.
    let tla = "---- MODULE Spec ----\nVARIABLE x\nInv == x = 0 /\\ x = 1\nP == Inv!<<\nInit == x = 0\nNext == x' = x /\\ P\n====\n";
    let (path, error) = load_error(tla, CFG);
    assert!(matches!(error, TlaError::Unsupported { .. }), "{error}");
    assert_located(&error, &path, 4, 6);
}

#[test]
fn an_unsupported_construct_is_an_error_only_where_used() {
    // As in TLC, which evaluates only what the model needs: diskpaxos's Synod defines
    // `SynodSpec == \EE chosen, allInput : ...` and never checks it.
    let tla = "---- MODULE Spec ----\nVARIABLE x\nUnused == \\E y : x = y\nInit == x = 0\nNext == x' = x\n====\n";
    let path = write_spec(tla, CFG);
    assert!(load(&path, None).is_ok());
    // Used by a definition the model evaluates, or named by the configuration: the
    // construct's own place.
    let used = "---- MODULE Spec ----\nVARIABLE x\nUnused == \\E y : x = y\nInv == Unused\nInit == x = 0\nNext == x' = x\n====\n";
    for cfg in [
        "INIT Init\nNEXT Next\nINVARIANT Inv\n",
        "INIT Init\nNEXT Next\nINVARIANT Unused\n",
    ] {
        let (path, error) = load_error(used, cfg);
        assert!(matches!(error, TlaError::Unsupported { .. }), "{error}");
        assert_located(&error, &path, 3, 11);
    }
    // Definitions that reach it (through mutual recursion, a user-defined infix operator, an
    // operator argument, SelectSeq's test) are errors where used too; unused, they load, as
    // in TLC.
    let reaching = "---- MODULE Spec ----\nEXTENDS Naturals, Sequences\nVARIABLE x\n\
                    RECURSIVE A(_), B(_)\nA(n) == IF n = 0 THEN TRUE ELSE B(n - 1)\n\
                    B(n) == \\E y : y = n\na ++ b == \\E y : y = a + b\n\
                    Holds(Op(_), v) == Op(v)\nP(v) == \\E y : y = v\n\
                    Inv1 == A(1)\nInv2 == ~Holds(P, x)\nInv3 == Len(SelectSeq(<<x>>, P)) = 0\n\
                    Inv4 == LET L(v) == P(v) IN ~L(x)\nInv5 == ~(x ++ 1)\n\
                    Init == x = 0\nNext == x' = x\n====\n";
    let path = write_spec(reaching, CFG);
    assert!(load(&path, None).is_ok());
    for (inv, line, column) in [
        ("Inv1", 6, 9),
        ("Inv2", 9, 9),
        ("Inv3", 9, 9),
        ("Inv4", 9, 9),
        ("Inv5", 7, 11),
    ] {
        let cfg = format!("INIT Init\nNEXT Next\nINVARIANT {inv}\n");
        let (path, error) = load_error(reaching, &cfg);
        assert!(
            matches!(error, TlaError::Unsupported { .. }),
            "{inv}: {error}"
        );
        assert_located(&error, &path, line, column);
    }
    // An ASSUME is always evaluated: one that reaches it stops the load.
    let assume = reaching.replace("Init ==", "ASSUME ~(1 ++ 2)\nInit ==");
    let (path, error) = load_error(&assume, CFG);
    assert!(matches!(error, TlaError::Unsupported { .. }), "{error}");
    assert_located(&error, &path, 7, 11);
}

#[test]
fn a_parameterized_instance_substituting_a_variable_is_reported_unsupported() {
    // TLC substitutes by name, so `I(y)!Next` would prime `y`; valence evaluates the
    // arguments of a parameterized instance, so it refuses rather than answer wrongly.
    let (spec, error) = load_error_with_inner(
        "---- MODULE Inner ----\nVARIABLE v\nStep == v' = v\n====\n",
        "---- MODULE Spec ----\nVARIABLE y\nI(w) == INSTANCE Inner WITH v <- w\nInit == y = 0\nNext == I(y)!Step\n====\n",
    );
    assert!(matches!(error, TlaError::Unsupported { .. }), "{error}");
    assert_located(&error, &spec, 3, 1);
}

#[test]
fn built_in_module_operators_refuse_bad_arguments_with_their_location() {
    // A graph too large to enumerate its subgraphs, a negative argument of a bitwise
    // operator, a subset larger than its set: located errors, not hangs or panics.
    for (body, column) in [
        (
            "EXTENDS Naturals, UndirectedGraphs\nASSUME UndirectedSubgraph([node |-> 1..20, edge |-> {{i, i + 1} : i \\in 1..19}]) # {}",
            8,
        ),
        ("EXTENDS Integers, Bitwise\nASSUME (-1) & 3 = 3", 8),
        ("EXTENDS Naturals, Randomization\nASSUME RandomSubset(4, 1..3) = {}", 8),
    ] {
        let tla = format!("---- MODULE Spec ----\n{body}\nVARIABLE x\nInit == x = 0\nNext == x' = x\n====\n");
        let (path, error) = load_error(&tla, CFG);
        assert_located(&error, &path, 3, column);
    }
}

#[test]
fn a_lambda_that_primes_is_not_substituted_for_an_operator_constant() {
    let (spec, error) = load_error_with_inner(
        "---- MODULE Inner ----\nCONSTANT Op(_)\nVARIABLE x\nInit == x = 0\nNext == Op(x)\n====\n",
        "---- MODULE Spec ----\nVARIABLE x\nINSTANCE Inner WITH Op <- LAMBDA v : x' = v\n====\n",
    );
    assert!(matches!(error, TlaError::Unsupported { .. }), "{error}");
    assert_located(&error, &spec, 3, 27);
}
