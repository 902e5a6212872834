//! [`TlaModel`]: a loaded specification as a [`valence_check::Model`].

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use valence_check::{
    Condition, Fairness, FairnessKind, Liveness, Model, ModelError, Property, PropertyKind,
    StepDescription, Trigger,
};

use crate::action::{Enumerator, TlaAction};
use crate::ast::{Expr, Kind};
use crate::config::{self, Config, Named};
use crate::error::{Location, TlaError};
use crate::eval::{Ctx, Env, EvalError, Mode, NextValue};
use crate::lower::{load_program, Global, Program};
use crate::temporal::{Analyser, Bindings, FairPiece, Part, Piece, Query, QueryTrigger};
use crate::tlc::RunSettings;
use crate::value::{shared, Sym, Value};

/// A state: one value per VARIABLE, in declaration order.
///
/// It also remembers which variables the step that produced it may have changed (not part of
/// its identity): a state predicate that held in the previous state and reads none of them
/// holds here too, so the invariants and constraints skip such conjuncts.
#[derive(Clone, Debug)]
pub struct TlaState {
    pub(crate) values: Box<[Value]>,
    /// Bit `i` clear: variable `i` has the very value (the same storage) it had in the state
    /// this one was generated from, which was checked. All bits set for initial states.
    changed: u64,
    /// TLC's level: 1 for an initial state, one more than its predecessor's for a successor
    /// (`TLCGet("level")`).
    level: u32,
    /// The fingerprint of `values` ([`crate::value::fingerprint_all`]) when computed on the
    /// way (0: not computed).
    fp: u64,
    /// The [`crate::value::word`] of each variable when computed on the way (else empty): the
    /// successors reuse those of the variables they leave unchanged, and the invariants'
    /// memos key on them.
    words: Box<[u64]>,
}

impl TlaState {
    /// The values of the variables, in declaration order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// A state with no known predecessor.
    fn initial(values: Box<[Value]>) -> Self {
        TlaState {
            values,
            changed: u64::MAX,
            level: 1,
            fp: 0,
            words: Box::default(),
        }
    }

    /// A successor of `previous`, remembering which variables the step left untouched.
    fn successor(values: Box<[Value]>, previous: &TlaState, fp: u64, words: &[u64]) -> Self {
        let changed = changed_vars(&values, &previous.values);
        TlaState {
            values,
            changed,
            level: previous.level.saturating_add(1),
            fp,
            words: words.into(),
        }
    }

    /// The fingerprint of variable `var`'s value (see [`var_hash`]).
    fn var_fingerprint(&self, var: usize) -> Option<u64> {
        let value = self.values.get(var)?;
        Some(match self.words.get(var) {
            Some(&word) if value.is_compound() => word,
            _ => var_hash(var, value),
        })
    }
}

/// The mask of the variables whose values in `next` are not those of `previous` themselves
/// (all bits when there are more than 64 variables).
fn changed_vars(next: &[Value], previous: &[Value]) -> u64 {
    if next.len() > 64 || next.len() != previous.len() {
        return u64::MAX;
    }
    let mut changed = 0u64;
    for (i, (new, old)) in next.iter().zip(previous).enumerate() {
        if !new.same_storage(old) {
            changed |= 1u64 << i;
        }
    }
    changed
}

impl PartialEq for TlaState {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values
    }
}

impl Eq for TlaState {}

impl std::hash::Hash for TlaState {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.values.hash(state);
    }
}

/// A state predicate or action of the configuration: an expression and the frame it needs.
#[derive(Clone, Debug)]
struct Formula {
    name: String,
    expr: Expr,
    frame_size: u32,
    /// Slots bound by enclosing quantifiers or operator parameters (PROPERTY and fairness
    /// parts under `\A p \in S`).
    bindings: Bindings,
}

impl Formula {
    fn from_piece(name: String, piece: Piece) -> Self {
        Formula {
            name,
            expr: piece.expr,
            frame_size: piece.frame_size,
            bindings: piece.bindings,
        }
    }

    /// Pushes this formula's frame with its bindings. The other slots are marked as memos not
    /// yet computed: the formula may be the body of a LET whose definitions keep their values
    /// in this frame (`LET O == ... IN [](P(O) /\ Q(O))` gives two invariants), and a value
    /// left there by an earlier evaluation belongs to another state.
    fn enter(&self, env: &mut Env) {
        env.push_frame(0, self.frame_size as usize);
        env.clear_frame_memos(env.base, self.frame_size as usize);
        for (slot, value) in &self.bindings {
            env.stack[env.base + *slot as usize] = value.clone();
        }
    }
}

/// A state predicate (an INVARIANT or a CONSTRAINT) split into its conjuncts, through the
/// definitions without parameters it names, each with the variables it reads
/// ([`crate::fold::vars_read`]). In a state generated from one where the predicate held,
/// only the conjuncts reading a variable the step changed are evaluated: TypeOK's `crit \in
/// SUBSET Proc` is not evaluated again after a step that leaves `crit` alone.
#[derive(Clone, Debug)]
struct Conjuncts {
    /// The predicate, for its name and location.
    whole: Formula,
    /// Its conjuncts in evaluation order.
    parts: Vec<Conjunct>,
}

/// One conjunct of a [`Conjuncts`].
#[derive(Clone, Debug)]
struct Conjunct {
    formula: Formula,
    /// The mask of the variables it reads; all bits when not known.
    reads: u64,
    /// When `reads` is known: keys of the values of those variables for which the conjunct
    /// held (see [`Conjunct::seen_key`]), in a table where a newer key replaces an older one.
    /// A state whose read variables hash to a key found here satisfies the conjunct: the
    /// network of MCLamportMutex takes far fewer values than the states do. Like the
    /// fingerprints that identify states, this relies on 64-bit hashes not colliding.
    seen: Option<SeenKeys>,
}

/// The table of [`Conjunct::seen`].
#[derive(Clone)]
struct SeenKeys(Arc<[AtomicU64]>);

impl std::fmt::Debug for SeenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SeenKeys({} slots)", self.0.len())
    }
}

/// The number of keys each conjunct remembers.
const SEEN_SLOTS: usize = 1 << 14;

impl Conjunct {
    /// The key of the values `state` gives the variables this conjunct reads (never 0).
    fn seen_key(&self, index: usize, state: &TlaState) -> u64 {
        let mut key = crate::symmetry::mix(index as u64 ^ 0x6a09_e667_f3bc_c909);
        let mut reads = self.reads;
        while reads != 0 {
            let var = reads.trailing_zeros() as usize;
            reads &= reads - 1;
            if let Some(hash) = state.var_fingerprint(var) {
                key = crate::symmetry::mix(key ^ hash);
            }
        }
        key.max(1)
    }
}

impl Conjuncts {
    fn new(prog: &Program, whole: Formula) -> Self {
        let mut parts = Vec::new();
        Self::split(
            prog,
            &whole.name,
            &whole.expr,
            whole.frame_size,
            &whole.bindings,
            &mut parts,
            0,
        );
        Conjuncts { whole, parts }
    }

    fn split(
        prog: &Program,
        name: &str,
        expr: &Expr,
        frame_size: u32,
        bindings: &Bindings,
        parts: &mut Vec<Conjunct>,
        depth: usize,
    ) {
        if depth < 16 {
            match &expr.kind {
                Kind::And(items) => {
                    for item in items {
                        Self::split(prog, name, item, frame_size, bindings, parts, depth + 1);
                    }
                    return;
                }
                Kind::Call(id, args) if args.is_empty() => {
                    let def = &prog.defs[*id as usize];
                    if def.arity == 0
                        && def.cached.is_none()
                        && def.function.is_none()
                        && matches!(def.body.kind, Kind::And(_) | Kind::Call(..))
                    {
                        // The body is evaluated in a frame of its own, as a call would.
                        let none = Bindings::new();
                        Self::split(
                            prog,
                            name,
                            &def.body,
                            def.frame_size,
                            &none,
                            parts,
                            depth + 1,
                        );
                        return;
                    }
                }
                _ => {}
            }
        }
        let reads = crate::fold::vars_read(prog, expr).unwrap_or(u64::MAX);
        let part = Formula {
            name: name.to_string(),
            expr: expr.clone(),
            frame_size,
            bindings: bindings.clone(),
        };
        let seen = (reads != u64::MAX)
            .then(|| SeenKeys((0..SEEN_SLOTS).map(|_| AtomicU64::new(0)).collect()));
        parts.push(Conjunct {
            formula: part,
            reads,
            seen,
        });
    }
}

/// A liveness PROPERTY part, by the shape of its counterexamples (see
/// [`valence_check::Liveness`]).
#[derive(Clone, Debug)]
struct LivenessFormula {
    name: String,
    kind: PropertyKind,
    /// `None`: anywhere; `Some(None)`: the initial state; `Some(Some(f))`: states where `f` holds.
    trigger: Option<Option<Formula>>,
    avoid: Option<Formula>,
    reach: Option<Formula>,
    initially: Vec<Formula>,
    throughout: Vec<Formula>,
    throughout_steps: Vec<Formula>,
    always_states: Vec<Formula>,
    always_steps: Vec<Formula>,
    often_states: Vec<Formula>,
    often_steps: Vec<Formula>,
}

impl LivenessFormula {
    fn new(name: String, query: Query) -> Self {
        let formula = |piece: Piece| Formula::from_piece(name.clone(), piece);
        let formulas = |pieces: Vec<Piece>| pieces.into_iter().map(formula).collect();
        LivenessFormula {
            kind: query.kind(),
            trigger: match query.trigger {
                QueryTrigger::Anywhere => None,
                QueryTrigger::Initial => Some(None),
                QueryTrigger::State(piece) => Some(Some(formula(piece))),
            },
            avoid: query.avoid.map(formula),
            reach: query.reach.map(formula),
            initially: formulas(query.initially),
            throughout: formulas(query.throughout),
            throughout_steps: formulas(query.throughout_steps),
            always_states: formulas(query.always_states),
            always_steps: formulas(query.always_steps),
            often_states: formulas(query.often_states),
            often_steps: formulas(query.often_steps),
            name,
        }
    }
}

/// A fairness condition of the SPECIFICATION; `step` is `<<A>>_v`.
#[derive(Clone, Debug)]
struct FairnessFormula {
    strong: bool,
    step: Formula,
}

/// A TLA+ specification with its configuration, ready to check.
#[derive(Debug)]
pub struct TlaModel {
    prog: Arc<Program>,
    /// The initial predicate, to compute the initial states again when asked twice.
    init: Formula,
    /// The initial states, until the search takes them (see [`Model::init_states`]).
    init_states: parking_lot::Mutex<Option<Vec<TlaState>>>,
    /// Whether the initial states may be computed again (the initial predicate picks nothing
    /// at random and prints nothing); otherwise a copy is kept for every caller.
    init_repeatable: bool,
    /// Whether the successors already stored may be left out unbuilt (see
    /// [`Model::successors_unknown`]).
    may_leave_out: bool,
    next: Formula,
    invariants: Vec<Conjuncts>,
    step_properties: Vec<Formula>,
    liveness: Vec<LivenessFormula>,
    fairness: Vec<FairnessFormula>,
    /// PROPERTY parts that are state predicates: true in every initial state.
    initial_properties: Vec<Formula>,
    /// The fingerprints of the initial states, when `initial_properties` needs them.
    initial_fingerprints: std::collections::HashSet<valence_check::Fingerprint>,
    constraints: Vec<Conjuncts>,
    action_constraints: Vec<Formula>,
    /// The POSTCONDITIONs, checked once the search is over.
    postconditions: Vec<Formula>,
    unchecked_properties: Vec<String>,
    check_deadlock: bool,
    /// SYMMETRY: permutations of model values, each sorted by the value it moves.
    symmetry: Option<crate::symmetry::Symmetry>,
    /// VIEW: the expression whose value is fingerprinted instead of the state.
    view: Option<Formula>,
    /// The ALIAS: what a trace shows of each state, with its record's fields in the order
    /// written when it is a record literal.
    alias: Option<(Formula, Vec<Sym>)>,
}

fn eval_error_location(prog: &Program, error: &EvalError, fallback: &Location) -> Location {
    if error.span.line == 0 {
        fallback.clone()
    } else {
        prog.location(error.span)
    }
}

fn describe_eval_error(prog: &Program, error: &EvalError) -> String {
    if error.span.line == 0 {
        return error.message.clone();
    }
    format!(
        "{} (in `{}` at {})",
        error.message,
        prog.snippet(error.span),
        prog.location(error.span)
    )
}

/// Loads a specification and its configuration (by default `SPEC.cfg` next to the spec).
pub fn load(spec: &Path, config: Option<&Path>) -> Result<TlaModel, TlaError> {
    load_with(spec, config, RunSettings::default())
}

/// [`load`] for a run with `settings`, which `TLCGet("config")` reports (an ASSUME may read
/// them, so they are known before the spec loads).
pub fn load_with(
    spec: &Path,
    config: Option<&Path>,
    settings: RunSettings,
) -> Result<TlaModel, TlaError> {
    let config_path: PathBuf = match config {
        Some(path) => path.to_path_buf(),
        None => spec.with_extension("cfg"),
    };
    let config_text = std::fs::read_to_string(&config_path).map_err(|source| TlaError::Io {
        path: config_path.clone(),
        source,
    })?;
    let config = config::parse(&config_text, &config_path)?;
    let mut prog = load_program(spec, &config)?;
    prog.run = Arc::new(crate::tlc::Run::new(settings));
    prog.run.set_deadlock(config.check_deadlock.unwrap_or(true));
    cache_constants(&mut prog);
    crate::fold::fold_program(&mut prog);
    let prog = Arc::new(prog);
    check_assumptions(&prog)?;
    TlaModel::build(prog, &config, &config_path)
}

/// Evaluates the constant definitions once, as TLC does, so that states never recompute them.
pub(crate) fn cache_constants(prog: &mut Program) {
    for index in 0..prog.defs.len() {
        let def = &prog.defs[index];
        if def.arity != 0
            || def.function.is_some()
            || def.cached.is_some()
            || prog.lazy_defs.contains(&(index as u32))
        {
            continue;
        }
        let ctx = Ctx {
            prog,
            cur: &[],
            next: &[],
            mode: Mode::Const,
        };
        let mut env = Env::new();
        let result = ctx.call_def(index as u32, &[], def.span, &mut env);
        if let Ok(value) = result {
            if !matches!(value, Value::Op(_)) {
                prog.defs[index].cached = Some(value);
            }
        }
    }
}

fn check_assumptions(prog: &Program) -> Result<(), TlaError> {
    for (assumption, frame_size) in &prog.assumptions {
        let ctx = Ctx {
            prog,
            cur: &[],
            next: &[],
            mode: Mode::Const,
        };
        let location = prog.location(assumption.span);
        let mut env = Env::new();
        env.assumption = true;
        env.push_frame(0, *frame_size as usize);
        match ctx.eval_bool(assumption, &mut env) {
            Ok(true) => {}
            Ok(false) => {
                return Err(TlaError::Eval {
                    location,
                    message: format!(
                        "the assumption `{}` is false",
                        prog.snippet(assumption.span)
                    ),
                })
            }
            Err(error) => {
                return Err(TlaError::Eval {
                    location: eval_error_location(prog, &error, &location),
                    message: format!("evaluating an assumption: {}", error.message),
                })
            }
        }
    }
    Ok(())
}

/// Follows zero-argument definitions to the expression they name, with the frame size of the
/// definition whose body it is (starting from `frame`).
fn unfold<'p>(prog: &'p Program, expr: &'p Expr, frame: u32) -> (&'p Expr, u32) {
    let (mut e, mut frame) = (expr, frame);
    for _ in 0..64 {
        match &e.kind {
            Kind::Call(id, args) if args.is_empty() => {
                let def = &prog.defs[*id as usize];
                if def.function.is_some() || def.arity != 0 || def.cached.is_some() {
                    return (e, frame);
                }
                e = &def.body;
                frame = def.frame_size;
            }
            Kind::Let(body, _) => e = body,
            _ => return (e, frame),
        }
    }
    (e, frame)
}

/// The conjuncts of `expr`, through definitions, each with the frame size it needs.
fn conjuncts<'p>(prog: &'p Program, expr: &'p Expr, frame: u32, out: &mut Vec<(&'p Expr, u32)>) {
    let (e, frame) = unfold(prog, expr, frame);
    match &e.kind {
        Kind::And(items) => {
            for item in items {
                conjuncts(prog, item, frame, out);
            }
        }
        _ => out.push((e, frame)),
    }
}

/// What the SPECIFICATION says of how behaviours go on, besides `Init` and `Next`.
struct SpecFairness {
    /// `WF_v(A)`, `SF_v(A)`: [`Model::fairness`].
    conditions: Vec<FairnessFormula>,
    /// Other conditions on how behaviours end (`<>[][A]_v`), as the shapes every
    /// counterexample must also have (one empty shape: none).
    assumed: Vec<Query>,
}

impl Default for SpecFairness {
    /// No fairness and no condition on how behaviours end (INIT and NEXT): every
    /// counterexample shape stands as it is.
    fn default() -> Self {
        SpecFairness {
            conditions: Vec::new(),
            assumed: vec![Query::new()],
        }
    }
}

impl TlaModel {
    fn def_formula(prog: &Program, named: &Named, what: &str) -> Result<Formula, TlaError> {
        match prog.globals.get(&named.name) {
            Some(Global::Def(id)) if prog.unsupported_defs.contains_key(id) => {
                let (location, message) = prog.unsupported_defs[id].clone();
                Err(TlaError::Unsupported { location, message })
            }
            Some(Global::Def(id)) => {
                let def = &prog.defs[*id as usize];
                if def.arity != 0 {
                    return Err(TlaError::Config {
                        location: named.location.clone(),
                        message: format!("{what} `{}` must not take arguments", named.name),
                    });
                }
                Ok(Formula {
                    name: named.name.clone(),
                    expr: Expr {
                        kind: Kind::Call(*id, Vec::new()),
                        span: def.span,
                        code: None,
                    },
                    frame_size: 0,
                    bindings: Vec::new(),
                })
            }
            _ => Err(TlaError::Config {
                location: named.location.clone(),
                message: format!("{what} `{}` is not defined in the spec", named.name),
            }),
        }
    }

    /// [`TlaModel::def_formula`] for INIT or NEXT, which TLC rejects when it is a constant
    /// (`Init == TRUE \/ TRUE` in a module without variables): TLC computes the definitions
    /// of constant level first, and then finds a value where it needs an operator. A
    /// definition that mentions a variable is not of constant level, even where valence could
    /// compute its value without the state (`\E p \in {} : x' = p`).
    fn state_formula(
        prog: &Program,
        named: &Named,
        what: &str,
        tlc_name: &str,
    ) -> Result<Formula, TlaError> {
        let formula = Self::def_formula(prog, named, what)?;
        if let Kind::Call(id, _) = formula.expr.kind {
            let def = &prog.defs[id as usize];
            if def.cached.is_some() && !crate::fold::mentions_variable(prog, &def.body, 0) {
                return Err(TlaError::Config {
                    location: named.location.clone(),
                    message: format!("the {tlc_name} `{}` cannot be a constant", named.name),
                });
            }
        }
        Ok(formula)
    }

    fn build(
        prog: Arc<Program>,
        config: &Config,
        config_path: &Path,
    ) -> Result<TlaModel, TlaError> {
        let config_start = Location {
            file: config_path.to_path_buf(),
            line: 1,
            column: 1,
        };
        let symmetry = match &config.symmetry {
            Some(named) => Some(crate::symmetry::Symmetry::new(Self::symmetry(
                &prog, named,
            )?)),
            None => None,
        };
        let view = match &config.view {
            Some(named) => Some(Self::def_formula(&prog, named, "VIEW")?),
            None => None,
        };
        let alias = match &config.alias {
            Some(named) => {
                let formula = Self::def_formula(&prog, named, "ALIAS")?;
                let (body, _) = unfold(&prog, &formula.expr, 0);
                let order = match &body.kind {
                    Kind::Record(_) => prog
                        .record_orders
                        .get(&(body.span.file, body.span.start))
                        .cloned()
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                Some((formula, order))
            }
            None => None,
        };
        let (init, next, fairness): (Formula, Formula, _) =
            match (&config.specification, &config.init, &config.next) {
                (Some(spec), None, None) => Self::split_spec(&prog, spec)?,
                (None, Some(init), Some(next)) => (
                    Self::state_formula(&prog, init, "INIT", "initial predicate")?,
                    Self::state_formula(&prog, next, "NEXT", "next state action")?,
                    Ok(SpecFairness::default()),
                ),
                (None, Some(_), None) | (None, None, Some(_)) => {
                    return Err(TlaError::Config {
                        location: config_start,
                        message: "INIT and NEXT must be given together".into(),
                    })
                }
                (Some(spec), _, _) if config.init.is_some() || config.next.is_some() => {
                    return Err(TlaError::Config {
                        location: spec.location.clone(),
                        message: "give either SPECIFICATION or INIT and NEXT, not both".into(),
                    })
                }
                (None, None, None) if prog.vars.is_empty() => {
                    // A module without variables (only ASSUMEs, often with `Print`): TLC
                    // evaluates the assumptions, as `load` did, and finds no states.
                    let nothing = Formula {
                        name: "FALSE".into(),
                        expr: Expr {
                            kind: Kind::Lit(Value::Bool(false)),
                            span: crate::ast::Span::default(),
                            code: None,
                        },
                        frame_size: 0,
                        bindings: Vec::new(),
                    };
                    (nothing.clone(), nothing, Ok(SpecFairness::default()))
                }
                _ => {
                    return Err(TlaError::Config {
                        location: config_start,
                        message: "no SPECIFICATION and no INIT/NEXT".into(),
                    })
                }
            };
        let mut invariants = Vec::new();
        for named in &config.invariants {
            invariants.push(Self::def_formula(&prog, named, "INVARIANT")?);
        }
        let mut constraints = Vec::new();
        for named in &config.constraints {
            let formula = Self::def_formula(&prog, named, "CONSTRAINT")?;
            constraints.push(Conjuncts::new(&prog, formula));
        }
        let mut action_constraints = Vec::new();
        for named in &config.action_constraints {
            action_constraints.push(Self::def_formula(&prog, named, "ACTION_CONSTRAINT")?);
        }
        let mut postconditions = Vec::new();
        for named in &config.postconditions {
            postconditions.push(Self::def_formula(&prog, named, "POSTCONDITION")?);
        }
        let mut step_properties = Vec::new();
        let mut liveness = Vec::new();
        let mut initial_properties = Vec::new();
        let mut unchecked_properties = Vec::new();
        let assumed = match &fairness {
            Ok(fairness) => fairness.assumed.clone(),
            Err(_) => vec![Query::new()],
        };
        for named in &config.properties {
            let formula = Self::def_formula(&prog, named, "PROPERTY")?;
            Self::split_property(
                &prog,
                &formula,
                &assumed,
                &mut invariants,
                &mut step_properties,
                &mut liveness,
                &mut initial_properties,
                &mut unchecked_properties,
            );
        }
        // Liveness is checked under the SPECIFICATION's fairness; fairness the front end cannot
        // read would make the check report behaviours the spec excludes.
        let invariants = invariants
            .into_iter()
            .map(|formula| Conjuncts::new(&prog, formula))
            .collect();
        let fairness = match fairness {
            Ok(fairness) => fairness.conditions,
            Err(reason) => {
                for part in liveness.drain(..) {
                    unchecked_properties.push(format!(
                        "{}: not checked, because the SPECIFICATION's fairness is not \
                         understood: {reason}",
                        part.name
                    ));
                }
                Vec::new()
            }
        };
        // Computing the initial states evaluates the initial predicate and the constraints.
        let pure_constraints = constraints
            .iter()
            .flat_map(|c| &c.parts)
            .all(|part| part.reads != u64::MAX);
        let init_repeatable =
            crate::fold::vars_read(&prog, &init.expr).is_some() && pure_constraints;
        // A step into a stored state is in the model when the constraints read the next state
        // alone (no ACTION_CONSTRAINT, nothing like `TLCGet("level")`); a state's fingerprint
        // is that of its variables unless there is a VIEW.
        let may_leave_out = pure_constraints && action_constraints.is_empty() && view.is_none();
        let mut model = TlaModel {
            prog,
            init: init.clone(),
            init_states: parking_lot::Mutex::new(None),
            init_repeatable,
            may_leave_out,
            next,
            invariants,
            step_properties,
            liveness,
            fairness,
            initial_properties,
            initial_fingerprints: std::collections::HashSet::new(),
            constraints,
            action_constraints,
            postconditions,
            unchecked_properties,
            check_deadlock: config.check_deadlock.unwrap_or(true),
            symmetry,
            view,
            alias,
        };
        let init_states = model.compute_init(&init)?;
        model.prog.run.set_initial(init_states.len());
        if !model.initial_properties.is_empty() {
            model.initial_fingerprints =
                init_states.iter().map(valence_check::fingerprint).collect();
        }
        *model.init_states.lock() = Some(init_states);
        Ok(model)
    }

    /// Checks what can be checked of a PROPERTY: `[]P` for a state predicate `P` is an
    /// invariant, `[][A]_v` an action property, `<>P`, `P ~> Q`, `[]<>P` and `<>[]P` liveness
    /// properties (see [`crate::temporal`]); a conjunct that is none of these is reported as
    /// not checked, with the reason.
    #[allow(clippy::too_many_arguments)]
    fn split_property(
        prog: &Program,
        formula: &Formula,
        assumed: &[Query],
        invariants: &mut Vec<Formula>,
        steps: &mut Vec<Formula>,
        liveness: &mut Vec<LivenessFormula>,
        initial: &mut Vec<Formula>,
        unchecked: &mut Vec<String>,
    ) {
        let analyser = Analyser { prog };
        let mut parts = Vec::new();
        let mut unsupported = Vec::new();
        if let Err(error) = analyser.property(
            &formula.expr,
            formula.frame_size,
            &Vec::new(),
            &mut parts,
            &mut unsupported,
            0,
        ) {
            unsupported.push(error);
        }
        for error in unsupported {
            let what = if parts.is_empty() {
                "not checked"
            } else {
                "partly checked; this part is not"
            };
            unchecked.push(format!(
                "{}: {what}: {} (at {})",
                formula.name,
                error.message,
                prog.location(error.span)
            ));
        }
        // The first part keeps the property's name; later ones are numbered `name#i`.
        for (i, part) in parts.into_iter().enumerate() {
            let name = if i == 0 {
                formula.name.clone()
            } else {
                format!("{}#{i}", formula.name)
            };
            match part {
                Part::Invariant(piece) => invariants.push(Formula::from_piece(name, piece)),
                Part::Step(piece) => steps.push(Formula::from_piece(name, piece)),
                Part::Initial(piece) => initial.push(Formula::from_piece(name, piece)),
                Part::Liveness(query) => {
                    // Only the behaviours the SPECIFICATION's conditions allow count.
                    match analyser.assuming(&formula.expr, vec![*query], assumed) {
                        Ok(queries) if queries.is_empty() => unchecked.push(format!(
                            "{name}: not checked: the SPECIFICATION's conditions on how \
                             behaviours end admit none"
                        )),
                        Ok(queries) => {
                            for (j, query) in queries.into_iter().enumerate() {
                                let name = if j == 0 {
                                    name.clone()
                                } else {
                                    format!("{name}.{j}")
                                };
                                liveness.push(LivenessFormula::new(name, query));
                            }
                        }
                        Err(error) => unchecked.push(format!(
                            "{name}: not checked: {} (at {})",
                            error.message,
                            prog.location(error.span)
                        )),
                    }
                }
            }
        }
    }

    /// `Init /\ [][Next]_vars /\ fairness` into `Init`, `Next` and the fairness conditions (or
    /// why they cannot be read).
    #[allow(clippy::type_complexity)]
    fn split_spec(
        prog: &Program,
        named: &Named,
    ) -> Result<(Formula, Formula, Result<SpecFairness, String>), TlaError> {
        let spec = Self::def_formula(prog, named, "SPECIFICATION")?;
        let mut parts = Vec::new();
        conjuncts(prog, &spec.expr, 0, &mut parts);
        let mut init = Vec::new();
        let mut init_frame = 0;
        let mut next = None;
        let mut fairness: Result<Vec<FairPiece>, String> = Ok(Vec::new());
        let mut assumed = vec![Query::new()];
        let analyser = Analyser { prog };
        let malformed = |part: &Expr| TlaError::Unsupported {
            location: prog.location(part.span),
            message:
                "SPECIFICATION must have the form Init /\\ [][Next]_vars (with optional fairness)"
                    .into(),
        };
        for (part, frame) in parts {
            if let Kind::Always(inner) = &part.kind {
                let (inner, frame) = unfold(prog, inner, frame);
                match &inner.kind {
                    Kind::StepOrStutter(action, _) if next.is_none() => {
                        next = Some(Formula {
                            name: "Next".into(),
                            expr: (**action).clone(),
                            frame_size: frame,
                            bindings: Vec::new(),
                        });
                        continue;
                    }
                    // `[]<>P`, `[]<><<A>>_v`: a condition on how behaviours end, read below.
                    // A second `[][A]_v` or `[]P` would restrict the steps or states explored.
                    _ if contains_temporal(prog, inner, 0) => {}
                    _ => return Err(malformed(part)),
                }
            }
            match &part.kind {
                // Fairness, possibly over processes (`\A p \in P : WF_vars(Proc(p))`), says
                // nothing about safety; it is read for liveness.
                _ if contains_temporal(prog, part, 0) => {
                    if let Ok(found) = &mut fairness {
                        if let Err(unsupported) =
                            analyser.fairness(part, frame, &Vec::new(), found, &mut assumed, 0)
                        {
                            fairness = Err(format!(
                                "{} (at {})",
                                unsupported.message,
                                prog.location(unsupported.span)
                            ));
                        }
                    }
                }
                _ => {
                    init.push(part.clone());
                    init_frame = init_frame.max(frame);
                }
            }
        }
        let Some(next) = next else {
            return Err(TlaError::Config {
                location: named.location.clone(),
                message: format!(
                    "SPECIFICATION `{}` has no [][Next]_vars conjunct",
                    named.name
                ),
            });
        };
        // Conjuncts from different definitions share one frame: each binds its own slots before
        // reading them, and conjuncts are processed one after the other.
        let init_expr = match init.len() {
            1 => init.remove(0),
            _ => Expr {
                kind: Kind::And(init),
                span: spec.expr.span,
                code: None,
            },
        };
        let fairness = fairness.map(|pieces| SpecFairness {
            conditions: pieces
                .into_iter()
                .map(|piece| FairnessFormula {
                    strong: piece.strong,
                    step: Formula::from_piece(piece.name, piece.step),
                })
                .collect(),
            assumed,
        });
        Ok((
            Formula {
                name: "Init".into(),
                expr: init_expr,
                frame_size: init_frame,
                bindings: Vec::new(),
            },
            next,
            fairness,
        ))
    }

    fn compute_init(&self, init: &Formula) -> Result<Vec<TlaState>, TlaError> {
        let mut out = Vec::new();
        let mut env = Env::new();
        let mut enumerator = Enumerator::new(&self.prog, &[], true, &mut out);
        let result = enumerator.run(&init.expr, init.frame_size, &mut env);
        let found = enumerator.take_initial();
        if let Err(error) = result {
            let fallback = self.prog.location(init.expr.span);
            return Err(TlaError::Eval {
                location: eval_error_location(&self.prog, &error, &fallback),
                message: format!(
                    "computing the initial states: {}",
                    describe_eval_error(&self.prog, &error)
                ),
            });
        }
        // Initial states outside the CONSTRAINTs are kept here: the checker counts them as
        // generated and checks them, but does not store them (`in_model`), as TLC does. The
        // constraints are evaluated now so that an error in them is reported at load time.
        // A state the predicate gives twice comes twice, as in TLC, which counts both as
        // generated; the checker stores it once.
        let mut states = Vec::with_capacity(found.len());
        for (values, fp) in found {
            let state = TlaState {
                fp,
                words: values.iter().map(crate::value::word).collect(),
                ..TlaState::initial(values)
            };
            for constraint in &self.constraints {
                match self.holds(constraint, &state) {
                    Ok(_) => {}
                    Err(error) => {
                        let constraint = &constraint.whole;
                        let fallback = self.prog.location(constraint.expr.span);
                        return Err(TlaError::Eval {
                            location: eval_error_location(&self.prog, &error, &fallback),
                            message: format!(
                                "evaluating CONSTRAINT {} on an initial state: {}",
                                constraint.name,
                                describe_eval_error(&self.prog, &error)
                            ),
                        });
                    }
                }
            }
            states.push(state);
        }
        Ok(states)
    }

    /// The permutations named by SYMMETRY: a set of functions from model values to model values,
    /// as `Permutations(S)` builds.
    fn symmetry(prog: &Program, named: &Named) -> Result<Vec<Vec<(Sym, Sym)>>, TlaError> {
        let formula = Self::def_formula(prog, named, "SYMMETRY")?;
        let ctx = Ctx {
            prog,
            cur: &[],
            next: &[],
            mode: Mode::Const,
        };
        let error = |message: String| TlaError::Config {
            location: named.location.clone(),
            message,
        };
        let value = ctx.eval(&formula.expr, &mut Env::new()).map_err(|e| {
            error(format!(
                "evaluating SYMMETRY `{}`: {}",
                named.name, e.message
            ))
        })?;
        let Value::Set(perms) = value else {
            return Err(error(format!(
                "SYMMETRY `{}` must be a set of permutations, such as Permutations(S)",
                named.name
            )));
        };
        let mut out = Vec::new();
        for perm in perms.iter() {
            let Value::Func(storage) = perm else {
                return Err(error(format!(
                    "SYMMETRY `{}` contains {}, which does not permute model values",
                    named.name,
                    perm.to_tlc()
                )));
            };
            let (domain, values) = crate::value::func_parts(storage);
            let mut mapping = Vec::new();
            for (from, to) in domain.iter().zip(values) {
                match (from, to) {
                    (Value::Model(a), Value::Model(b)) => mapping.push((*a, *b)),
                    _ => {
                        return Err(error(format!(
                            "SYMMETRY `{}` maps {} to {}; only model values can be permuted",
                            named.name,
                            from.to_tlc(),
                            to.to_tlc()
                        )))
                    }
                }
            }
            mapping.sort();
            out.push(mapping);
        }
        Ok(close_under_composition(out))
    }

    /// Whether the spec stopped the search with `TLCSet("exit", TRUE)`.
    pub fn exit_requested(&self) -> bool {
        self.prog.run.exit_requested()
    }

    /// The PROPERTIES (or parts of them) this front end cannot check, each with the reason:
    /// reported as not checked.
    pub fn unchecked_properties(&self) -> &[String] {
        &self.unchecked_properties
    }

    /// The names of the state variables, in declaration order.
    pub fn variables(&self) -> Vec<String> {
        self.prog
            .vars
            .iter()
            .map(|v| v.text().to_string())
            .collect()
    }

    /// The name of the main module.
    pub fn module_name(&self) -> &str {
        &self.prog.module_name
    }

    /// The value of variable `name` in `state`.
    pub fn value_of<'s>(&self, state: &'s TlaState, name: &str) -> Option<&'s Value> {
        let index = self.prog.vars.iter().position(|v| &*v.text() == name)?;
        state.values.get(index)
    }

    /// The step label rendered as TLC names actions, e.g. `TMRcvPrepared(r1)`.
    pub fn action_name(&self, action: &TlaAction) -> String {
        action.render(&self.prog)
    }

    fn model_error(&self, error: &EvalError, state: &TlaState, doing: &str) -> ModelError {
        ModelError::new(format!(
            "{doing}: {}\nin state:\n{}",
            describe_eval_error(&self.prog, error),
            self.describe_state(state)
        ))
    }

    /// A POSTCONDITION: a constant formula, evaluated once the search is over, where
    /// `TLCGet("stats")` and the like read the search's final figures and `TLCGet("level")`
    /// is 0, as in TLC.
    fn eval_postcondition(&self, formula: &Formula) -> Result<bool, Box<EvalError>> {
        let ctx = Ctx {
            prog: &self.prog,
            cur: &[],
            next: &[],
            mode: Mode::Const,
        };
        with_env(|env| {
            env.level = 0;
            // Read at a known point of the run, as an ASSUME is: TLCGet may be evaluated.
            env.assumption = true;
            formula.enter(env);
            let result = ctx.eval_bool(&formula.expr, env);
            env.assumption = false;
            result
        })
    }

    fn eval_state(&self, formula: &Formula, state: &TlaState) -> Result<bool, Box<EvalError>> {
        let ctx = Ctx {
            prog: &self.prog,
            cur: &state.values,
            next: &[],
            mode: Mode::Next,
        };
        with_env(|env| {
            env.level = state.level;
            formula.enter(env);
            ctx.eval_bool(&formula.expr, env)
        })
    }

    /// Whether `state` satisfies `predicate`, given that the state it was generated from did
    /// (see [`Conjuncts`]).
    fn holds(&self, predicate: &Conjuncts, state: &TlaState) -> Result<bool, Box<EvalError>> {
        self.holds_after(predicate, state, state.changed)
    }

    /// Whether `state` satisfies `predicate`, given that a state differing from it only in
    /// the variables of `changed` did.
    fn holds_after(
        &self,
        predicate: &Conjuncts,
        state: &TlaState,
        changed: u64,
    ) -> Result<bool, Box<EvalError>> {
        for (index, part) in predicate.parts.iter().enumerate() {
            if changed & part.reads == 0 {
                continue;
            }
            let Some(seen) = &part.seen else {
                if !self.eval_state(&part.formula, state)? {
                    return Ok(false);
                }
                continue;
            };
            let key = part.seen_key(index, state);
            let slot = &seen.0[key as usize % SEEN_SLOTS];
            if slot.load(Relaxed) == key {
                continue;
            }
            if !self.eval_state(&part.formula, state)? {
                return Ok(false);
            }
            slot.store(key, Relaxed);
        }
        Ok(true)
    }

    fn eval_value(&self, formula: &Formula, state: &TlaState) -> Result<Value, Box<EvalError>> {
        let ctx = Ctx {
            prog: &self.prog,
            cur: &state.values,
            next: &[],
            mode: Mode::Next,
        };
        with_env(|env| {
            env.level = state.level;
            formula.enter(env);
            ctx.eval(&formula.expr, env)
        })
    }

    fn eval_step(
        &self,
        formula: &Formula,
        from: &TlaState,
        to: &TlaState,
    ) -> Result<bool, Box<EvalError>> {
        let next: Vec<NextValue> = to.values.iter().cloned().map(NextValue::Set).collect();
        let ctx = Ctx {
            prog: &self.prog,
            cur: &from.values,
            next: &next,
            mode: Mode::Next,
        };
        with_env(|env| {
            env.next_fixed = true;
            env.level = from.level;
            formula.enter(env);
            ctx.eval_bool(&formula.expr, env)
        })
    }

    /// `ENABLED formula` in `state` (for a fairness condition's `<<A>>_v`).
    fn eval_enabled(&self, formula: &Formula, state: &TlaState) -> Result<bool, Box<EvalError>> {
        with_env(|env| {
            env.level = state.level;
            formula.enter(env);
            let mut out = Vec::new();
            let mut enumerator = Enumerator::new(&self.prog, &state.values, false, &mut out);
            let frame = (env.base, env.size);
            enumerator.enabled(&formula.expr, frame, env)
        })
    }

    /// The states the steps of `formula` (a fairness condition's `<<A>>_v`) lead to from
    /// `state`, enumerated as successors are; `None` where the enumeration fails (an action
    /// that leaves a variable unconstrained, or one whose evaluation needs the next state
    /// given), so that each step is evaluated instead.
    fn eval_targets(&self, formula: &Formula, state: &TlaState) -> Option<Vec<TlaState>> {
        let steps = with_env(|env| {
            env.level = state.level;
            formula.enter(env);
            let frame = (env.base, env.size);
            crate::action::steps(&self.prog, &state.values, &formula.expr, frame, env)
        })
        .ok()?;
        Some(
            steps
                .into_iter()
                .map(|values| TlaState::successor(values, state, 0, &[]))
                .collect(),
        )
    }

    /// A state of a trace as the ALIAS shows it, as TLC does: the alias is evaluated with the
    /// state and the one after it in the trace (the state itself for the last), and its record's
    /// fields are printed as variables are; if it fails, the state's variables are printed with
    /// the error as `_ALIASEvalError`.
    fn render_alias(
        &self,
        alias: &Formula,
        order: &[Sym],
        state: &TlaState,
        next: Option<&TlaState>,
    ) -> Vec<String> {
        let following: Vec<NextValue> = next
            .unwrap_or(state)
            .values
            .iter()
            .cloned()
            .map(NextValue::Set)
            .collect();
        let ctx = Ctx {
            prog: &self.prog,
            cur: &state.values,
            next: &following,
            mode: Mode::Next,
        };
        let result = with_env(|env| {
            env.next_fixed = true;
            env.level = state.level;
            alias.enter(env);
            ctx.eval(&alias.expr, env)
        });
        let error = match result {
            Ok(Value::Record(fields)) => {
                let mut shown: Vec<&(Sym, Value)> = Vec::with_capacity(fields.len());
                for name in order {
                    shown.extend(fields.iter().find(|(f, _)| f == name));
                }
                let mut rest: Vec<&(Sym, Value)> =
                    fields.iter().filter(|(f, _)| !order.contains(f)).collect();
                rest.sort_by_key(|(f, _)| f.rank());
                shown.extend(rest);
                return tlc_state_lines(
                    shown
                        .into_iter()
                        .map(|(name, value)| {
                            let mut line = format!("/\\ {name} = ");
                            value.write_tlc(&mut line);
                            line
                        })
                        .collect(),
                );
            }
            // An ALIAS that is not a record: TLC shows the state's variables.
            Ok(_) => return tlc_state_lines(self.render_vars(state, None)),
            Err(error) => describe_eval_error(&self.prog, &error),
        };
        let mut lines = self.render_vars(state, None);
        let mut line = String::from("/\\ _ALIASEvalError = ");
        Value::string(&error).write_tlc(&mut line);
        lines.push(line);
        lines
    }

    fn render_vars(&self, state: &TlaState, only_changed_from: Option<&TlaState>) -> Vec<String> {
        let mut lines = Vec::new();
        for (i, value) in state.values.iter().enumerate() {
            if let Some(previous) = only_changed_from {
                if previous.values.get(i) == Some(value) {
                    continue;
                }
            }
            let mut line = String::new();
            let _ = write!(line, "/\\ {} = ", self.prog.vars[i]);
            value.write_tlc(&mut line);
            lines.push(line);
        }
        lines
    }
}

use crate::temporal::contains_temporal;

impl TlaModel {
    /// The successors of `state`, but those for which `known` (if given) is true of their
    /// fingerprint, which are only counted. Returns the states passed through (see
    /// [`Model::successors`]) and the number left out.
    fn successors_of(
        &self,
        state: &TlaState,
        out: &mut Vec<(TlaAction, TlaState)>,
        leave_out: Option<(Known<'_>, &mut Vec<usize>)>,
    ) -> Result<(u64, u64), ModelError> {
        let (mut raw, mut kept, mut words) = SUCCESSORS.take();
        raw.clear();
        kept.clear();
        words.clear();
        let known = leave_out.as_ref().map(|(known, _)| *known);
        let result = with_env(|env| {
            env.level = state.level;
            let mut enumerator = Enumerator::new(&self.prog, &state.values, false, &mut raw);
            if let Some(known) = known {
                let buffers = (std::mem::take(&mut kept), std::mem::take(&mut words));
                enumerator.leave_out(known, buffers, &state.words);
            }
            let result = enumerator
                .run(&self.next.expr, self.next.frame_size, env)
                .map(|()| (enumerator.intermediate, enumerator.left_out));
            if known.is_some() {
                kept = std::mem::take(&mut enumerator.kept);
                words = std::mem::take(&mut enumerator.words);
            }
            result
        });
        if let Some((_, positions)) = leave_out {
            positions.extend(kept.iter().map(|&(_, position)| position));
        }
        let fps = kept.iter().map(|&(fp, _)| fp).chain(std::iter::repeat(0));
        // The words of each state kept, in order (none when not computed).
        let n = self.prog.vars.len();
        let mut each_words = words
            .chunks_exact(n.max(1))
            .chain(std::iter::repeat(&[][..]));
        out.extend(raw.drain(..).zip(fps).map(|((action, values), fp)| {
            let words = each_words.next().unwrap_or_default();
            (action, TlaState::successor(values, state, fp, words))
        }));
        SUCCESSORS.set((raw, kept, words));
        result.map_err(|error| self.model_error(&error, state, "error computing the successors"))
    }
}

/// Says whether a fingerprint is that of a state already stored (see
/// [`Model::successors_unknown`]).
type Known<'k> = &'k dyn Fn(valence_check::Fingerprint) -> bool;

/// The buffers of [`TlaModel::successors_of`]: the steps found, the fingerprint and position
/// of each (see `Enumerator::kept`), and their words (see `Enumerator::words`).
type Buffers = (Vec<crate::action::Step>, Vec<(u64, usize)>, Vec<u64>);

thread_local! {
    /// The successors being enumerated and where they stand (see [`Enumerator::kept`]), in
    /// buffers each thread reuses.
    static SUCCESSORS: std::cell::Cell<Buffers> = const { std::cell::Cell::new((Vec::new(), Vec::new(), Vec::new())) };
}

impl Model for TlaModel {
    type State = TlaState;
    type Action = TlaAction;

    /// The initial states computed at load time, handed to the first caller (MCBakery has
    /// 655,200: a second copy for the model cost 110 MB); a later caller (the liveness pass,
    /// the rebuilding of a trace) gets them computed again, the same ones, unless the initial
    /// predicate picks at random or prints, in which case the model keeps a copy for it.
    fn init_states(&self) -> Vec<TlaState> {
        let mut kept = self.init_states.lock();
        if !self.init_repeatable {
            return kept.clone().unwrap_or_default();
        }
        if let Some(states) = kept.take() {
            return states;
        }
        drop(kept);
        self.compute_init(&self.init)
            .expect("the initial states were computed once without error")
    }

    fn actions(&self, state: &TlaState, out: &mut Vec<TlaAction>) {
        let mut successors = Vec::new();
        if self
            .successors(state, &mut Vec::new(), &mut successors)
            .is_ok()
        {
            out.extend(successors.into_iter().map(|(a, _)| a));
        }
    }

    fn next_state(&self, state: &TlaState, action: &TlaAction) -> Option<TlaState> {
        let mut successors = Vec::new();
        self.successors(state, &mut Vec::new(), &mut successors)
            .ok()?;
        successors
            .into_iter()
            .find(|(a, _)| a == action)
            .map(|(_, s)| s)
    }

    fn successors(
        &self,
        state: &TlaState,
        _scratch: &mut Vec<TlaAction>,
        out: &mut Vec<(TlaAction, TlaState)>,
    ) -> Result<u64, ModelError> {
        self.successors_of(state, out, None)
            .map(|(passed, _)| passed)
    }

    fn successors_unknown(
        &self,
        state: &TlaState,
        _scratch: &mut Vec<TlaAction>,
        out: &mut Vec<(TlaAction, TlaState)>,
        known: &dyn Fn(valence_check::Fingerprint) -> bool,
        positions: &mut Vec<usize>,
    ) -> Result<(u64, u64), ModelError> {
        let leave_out = self.may_leave_out.then_some((known, positions));
        self.successors_of(state, out, leave_out)
    }

    fn in_model(&self, state: Option<&TlaState>, next: &TlaState) -> Result<bool, ModelError> {
        // As TLC does, a successor outside the CONSTRAINTs or ACTION_CONSTRAINTs is counted as
        // generated and checked against the invariants, but neither stored nor expanded.
        // The parent being expanded satisfied the constraints: only the conjuncts that read a
        // variable the step changed can have become false.
        let changed = match state {
            Some(state) => changed_vars(&next.values, &state.values),
            None => u64::MAX,
        };
        for constraint in &self.constraints {
            match self.holds_after(constraint, next, changed) {
                Ok(true) => {}
                Ok(false) => return Ok(false),
                Err(error) => {
                    return Err(self.model_error(&error, next, "error evaluating a CONSTRAINT"))
                }
            }
        }
        let Some(state) = state else {
            return Ok(true);
        };
        for constraint in &self.action_constraints {
            match self.eval_step(constraint, state, next) {
                Ok(true) => {}
                Ok(false) => return Ok(false),
                Err(error) => {
                    return Err(self.model_error(
                        &error,
                        state,
                        "error evaluating an ACTION_CONSTRAINT",
                    ))
                }
            }
        }
        Ok(true)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        let mut properties = Vec::new();
        for (index, invariant) in self.invariants.iter().enumerate() {
            properties.push(Property::fallible(
                PropertyKind::Always,
                invariant.whole.name.clone(),
                Condition::State(Arc::new(move |model: &TlaModel, state: &TlaState| {
                    let invariant = &model.invariants[index];
                    model.holds(invariant, state).map_err(|e| {
                        model.model_error(
                            &e,
                            state,
                            &format!("error evaluating invariant {}", invariant.whole.name),
                        )
                    })
                })),
            ));
        }
        for (index, step) in self.step_properties.iter().enumerate() {
            properties.push(Property::fallible(
                PropertyKind::Always,
                step.name.clone(),
                Condition::Step(Arc::new(
                    move |model: &TlaModel, from: &TlaState, _: &TlaAction, to: &TlaState| {
                        let formula = &model.step_properties[index];
                        model.eval_step(formula, from, to).map_err(|e| {
                            model.model_error(
                                &e,
                                from,
                                &format!("error evaluating property {}", formula.name),
                            )
                        })
                    },
                )),
            ));
        }
        for (index, formula) in self.initial_properties.iter().enumerate() {
            properties.push(Property::fallible(
                PropertyKind::Always,
                formula.name.clone(),
                Condition::State(Arc::new(move |model: &TlaModel, state: &TlaState| {
                    if !model
                        .initial_fingerprints
                        .contains(&valence_check::fingerprint(state))
                    {
                        return Ok(true);
                    }
                    let formula = &model.initial_properties[index];
                    model.eval_state(formula, state).map_err(|e| {
                        model.model_error(
                            &e,
                            state,
                            &format!("error evaluating property {}", formula.name),
                        )
                    })
                })),
            ));
        }
        for (index, part) in self.liveness.iter().enumerate() {
            type Pick = fn(&LivenessFormula) -> &[Formula];
            let state = |pick: Pick, i: usize| -> Arc<valence_check::StateCondition<TlaModel>> {
                Arc::new(move |model: &TlaModel, state: &TlaState| {
                    let formula = &pick(&model.liveness[index])[i];
                    model.eval_state(formula, state).map_err(|e| {
                        model.model_error(
                            &e,
                            state,
                            &format!("error evaluating property {}", formula.name),
                        )
                    })
                })
            };
            let step = |pick: Pick, i: usize| -> Arc<valence_check::StepCondition<TlaModel>> {
                Arc::new(
                    move |model: &TlaModel, from: &TlaState, _: &TlaAction, to: &TlaState| {
                        let formula = &pick(&model.liveness[index])[i];
                        model.eval_step(formula, from, to).map_err(|e| {
                            model.model_error(
                                &e,
                                from,
                                &format!("error evaluating property {}", formula.name),
                            )
                        })
                    },
                )
            };
            let trigger = match &part.trigger {
                None => Trigger::Anywhere,
                Some(None) => Trigger::Initial,
                Some(Some(_)) => Trigger::State(state(
                    |l| {
                        std::slice::from_ref(
                            l.trigger
                                .as_ref()
                                .and_then(|t| t.as_ref())
                                .expect("a trigger"),
                        )
                    },
                    0,
                )),
            };
            let liveness = Liveness {
                trigger,
                avoid: part.avoid.as_ref().map(|_| {
                    state(
                        |l| std::slice::from_ref(l.avoid.as_ref().expect("avoid")),
                        0,
                    )
                }),
                reach: part.reach.as_ref().map(|_| {
                    state(
                        |l| std::slice::from_ref(l.reach.as_ref().expect("reach")),
                        0,
                    )
                }),
                initially: (0..part.initially.len())
                    .map(|i| state(|l| &l.initially, i))
                    .collect(),
                throughout: (0..part.throughout.len())
                    .map(|i| state(|l| &l.throughout, i))
                    .collect(),
                throughout_steps: (0..part.throughout_steps.len())
                    .map(|i| step(|l| &l.throughout_steps, i))
                    .collect(),
                always_states: (0..part.always_states.len())
                    .map(|i| state(|l| &l.always_states, i))
                    .collect(),
                always_steps: (0..part.always_steps.len())
                    .map(|i| step(|l| &l.always_steps, i))
                    .collect(),
                often_states: (0..part.often_states.len())
                    .map(|i| state(|l| &l.often_states, i))
                    .collect(),
                often_steps: (0..part.often_steps.len())
                    .map(|i| step(|l| &l.often_steps, i))
                    .collect(),
            };
            properties.push(Property::fallible(
                part.kind,
                part.name.clone(),
                Condition::Liveness(liveness),
            ));
        }
        for (index, postcondition) in self.postconditions.iter().enumerate() {
            properties.push(Property::fallible(
                PropertyKind::Postcondition,
                postcondition.name.clone(),
                Condition::Final(Arc::new(move |model: &TlaModel| {
                    let formula = &model.postconditions[index];
                    model.eval_postcondition(formula).map_err(|e| {
                        ModelError::new(format!(
                            "error evaluating POSTCONDITION {}: {}",
                            formula.name,
                            describe_eval_error(&model.prog, &e)
                        ))
                    })
                })),
            ));
        }
        properties
    }

    fn fairness(&self) -> Vec<Fairness<Self>> {
        (0..self.fairness.len())
            .map(|index| {
                let formula = &self.fairness[index];
                Fairness {
                    name: formula.step.name.clone(),
                    kind: if formula.strong {
                        FairnessKind::Strong
                    } else {
                        FairnessKind::Weak
                    },
                    step: Arc::new(
                        move |model: &TlaModel, from: &TlaState, _: &TlaAction, to: &TlaState| {
                            let formula = &model.fairness[index].step;
                            model.eval_step(formula, from, to).map_err(|e| {
                                model.model_error(
                                    &e,
                                    from,
                                    &format!("error evaluating the fairness {}", formula.name),
                                )
                            })
                        },
                    ),
                    targets: Some(Arc::new(move |model: &TlaModel, state: &TlaState| {
                        let formula = &model.fairness[index].step;
                        Ok(model.eval_targets(formula, state))
                    })),
                    enabled: Some(Arc::new(move |model: &TlaModel, state: &TlaState| {
                        let formula = &model.fairness[index].step;
                        model.eval_enabled(formula, state).map_err(|e| {
                            model.model_error(
                                &e,
                                state,
                                &format!(
                                    "error evaluating ENABLED of the fairness {}",
                                    formula.name
                                ),
                            )
                        })
                    })),
                }
            })
            .collect()
    }

    fn checks_deadlock(&self) -> bool {
        self.check_deadlock
    }

    fn attach_progress(&self, progress: &Arc<valence_check::Progress>) {
        self.prog.run.attach(progress);
    }

    fn steps_are_state_pairs(&self) -> bool {
        // A TLA+ step is a pair of states: the action label only names it in traces. A VIEW
        // merges states whose steps may differ: then every step is kept.
        self.view.is_none()
    }

    fn has_symmetry(&self) -> bool {
        self.symmetry.is_some()
    }

    fn representative(&self, state: &TlaState) -> TlaState {
        let Some(symmetry) = &self.symmetry else {
            return state.clone();
        };
        let mut best: Option<Box<[Value]>> = None;
        for perm in &symmetry.perms {
            let permuted: Box<[Value]> = state.values.iter().map(|v| permute(v, perm)).collect();
            if best.as_ref().is_none_or(|b| permuted < *b) {
                best = Some(permuted);
            }
        }
        best.map_or_else(
            || state.clone(),
            |values| TlaState {
                level: state.level,
                ..TlaState::initial(values)
            },
        )
    }

    /// TLC's rule: the smallest fingerprint of the state under each permutation (see
    /// [`crate::symmetry`]). With a VIEW, the view of the representative.
    fn symmetric_fingerprint(&self, state: &TlaState) -> valence_check::Fingerprint {
        let Some(symmetry) = &self.symmetry else {
            return self.fingerprint(state);
        };
        if self.view.is_some() {
            return self.fingerprint(&self.representative(state));
        }
        if symmetry.perms.is_empty() {
            return self.fingerprint(state);
        }
        crate::symmetry::min_fingerprint(&state.values, symmetry)
    }

    fn fingerprint(&self, state: &TlaState) -> valence_check::Fingerprint {
        if let Some(view) = &self.view {
            // A VIEW that cannot be evaluated falls back to the whole state; the error shows up
            // in the invariants or the next-state relation that read the same variables.
            if let Ok(value) = self.eval_value(view, state) {
                return valence_check::fingerprint(&value);
            }
            return crate::value::fingerprint_all(&state.values);
        }
        match state.fp {
            0 => crate::value::fingerprint_all(&state.values),
            fp => fp,
        }
    }

    fn describe_step(
        &self,
        previous: &TlaState,
        action: &TlaAction,
        next: &TlaState,
    ) -> StepDescription {
        StepDescription {
            action: action.render(&self.prog),
            changes: self.render_vars(next, Some(previous)),
        }
    }

    fn describe_state(&self, state: &TlaState) -> String {
        tlc_state_lines(self.render_vars(state, None)).join("\n")
    }

    fn describe_trace_state(&self, state: &TlaState, next: Option<&TlaState>) -> String {
        match &self.alias {
            Some((alias, order)) => self.render_alias(alias, order, state, next).join("\n"),
            None => self.describe_state(state),
        }
    }
}

/// A state's lines as TLC prints them: `/\ x = 1` for each variable, but `x = 1` alone for a
/// state of one variable (or an ALIAS record of one field).
fn tlc_state_lines(mut lines: Vec<String>) -> Vec<String> {
    if let [line] = lines.as_mut_slice() {
        if let Some(rest) = line.strip_prefix("/\\ ") {
            *line = rest.to_string();
        }
    }
    lines
}

thread_local! {
    /// Per variable, the last value hashed by [`var_hash`] (kept alive, so that its storage is
    /// not reused by another value meanwhile) with its hash.
    static VAR_HASHES: std::cell::RefCell<Vec<Option<(Value, u64)>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The hash of `value`, the value of variable `var`, remembered for the last value hashed:
/// the conjuncts of a state's invariants that read the same variable hash it once.
fn var_hash(var: usize, value: &Value) -> u64 {
    VAR_HASHES.with(|cell| {
        let mut memo = cell.borrow_mut();
        if let Some(Some((seen, hash))) = memo.get(var) {
            if seen.same_storage(value) {
                return *hash;
            }
        }
        let hash = value.fingerprint();
        if memo.len() <= var {
            memo.resize(var + 1, None);
        }
        memo[var] = Some((value.clone(), hash));
        hash
    })
}

thread_local! {
    /// An evaluation environment per thread, so that evaluating a state allocates no stack.
    static SPARE_ENV: std::cell::Cell<Option<Env>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with an empty environment, reusing this thread's spare one when it is free.
fn with_env<T>(f: impl FnOnce(&mut Env) -> T) -> T {
    let mut env = SPARE_ENV.with(|cell| cell.take()).unwrap_or_default();
    env.stack.clear();
    env.base = 0;
    env.size = 0;
    env.depth = 0;
    env.next_fixed = false;
    env.level = 0;
    // Memos of one state's definitions are not those of the next state's.
    env.generation = env.generation.wrapping_add(1).max(1);
    let result = f(&mut env);
    SPARE_ENV.with(|cell| cell.set(Some(env)));
    result
}

/// The group the permutations generate (`Permutations(A) \cup Permutations(B)` generates every
/// pair of a permutation of `A` and one of `B`), so that the smallest fingerprint over it is
/// the same for every state of a symmetry class. Identity mappings are dropped from each
/// permutation; the group is bounded by the symmetric group of the values moved.
fn close_under_composition(perms: Vec<Vec<(Sym, Sym)>>) -> Vec<Vec<(Sym, Sym)>> {
    let normal = |mut p: Vec<(Sym, Sym)>| {
        p.retain(|(a, b)| a != b);
        p.sort();
        p
    };
    let apply = |p: &[(Sym, Sym)], x: Sym| match p.binary_search_by_key(&x, |(a, _)| *a) {
        Ok(i) => p[i].1,
        Err(_) => x,
    };
    let compose = |g: &[(Sym, Sym)], p: &[(Sym, Sym)]| {
        let mut moved: Vec<Sym> = p.iter().map(|(a, _)| *a).collect();
        moved.extend(g.iter().map(|(a, _)| *a));
        moved.sort();
        moved.dedup();
        normal(moved.iter().map(|&x| (x, apply(g, apply(p, x)))).collect())
    };
    let mut group: std::collections::BTreeSet<Vec<(Sym, Sym)>> = std::collections::BTreeSet::new();
    group.insert(Vec::new());
    // Only the permutations not yet generated become generators, so that closing the group
    // costs its size times a handful of generators (Permutations(S) is a group already).
    let mut generators: Vec<Vec<(Sym, Sym)>> = Vec::new();
    for p in perms.into_iter().map(normal) {
        if group.contains(&p) {
            continue;
        }
        generators.push(p);
        let mut frontier: Vec<Vec<(Sym, Sym)>> = group.iter().cloned().collect();
        while let Some(q) = frontier.pop() {
            for g in &generators {
                let r = compose(g, &q);
                if group.insert(r.clone()) {
                    frontier.push(r);
                }
            }
        }
    }
    group.into_iter().collect()
}

/// `value` with its model values renamed by `perm`.
fn permute(value: &Value, perm: &[(Sym, Sym)]) -> Value {
    permute_changed(value, perm).unwrap_or_else(|| value.clone())
}

/// `value` with its model values renamed by `perm`, or `None` when that changes nothing: parts
/// without model values are shared, not copied (most of a state, under most permutations).
fn permute_changed(value: &Value, perm: &[(Sym, Sym)]) -> Option<Value> {
    match value {
        Value::Model(s) => match perm.binary_search_by_key(s, |(from, _)| *from) {
            Ok(i) if perm[i].1 != *s => Some(Value::Model(perm[i].1)),
            _ => None,
        },
        Value::Set(elements) => {
            let changed = changed_elements(elements, perm)?;
            Some(Value::set(changed))
        }
        Value::Seq(elements) => {
            let changed = changed_elements(elements, perm)?;
            Some(Value::Seq(shared(changed)))
        }
        Value::Record(fields) => {
            let first = fields
                .iter()
                .position(|(_, v)| permute_changed(v, perm).is_some())?;
            let mut out: Vec<(Sym, Value)> = fields[..first].to_vec();
            out.extend(fields[first..].iter().map(|(k, v)| (*k, permute(v, perm))));
            Some(Value::Record(shared(out)))
        }
        Value::Func(storage) => {
            let (domain, values) = crate::value::func_parts(storage);
            let keys_change = domain.iter().any(|k| permute_changed(k, perm).is_some());
            if !keys_change && values.iter().all(|v| permute_changed(v, perm).is_none()) {
                return None;
            }
            Some(Value::function(
                domain
                    .iter()
                    .zip(values)
                    .map(|(k, v)| (permute(k, perm), permute(v, perm)))
                    .collect(),
            ))
        }
        _ => None,
    }
}

/// The elements of a set or sequence renamed by `perm`, or `None` when none changes.
fn changed_elements(elements: &[Value], perm: &[(Sym, Sym)]) -> Option<Vec<Value>> {
    let (first, renamed) = elements
        .iter()
        .enumerate()
        .find_map(|(i, e)| permute_changed(e, perm).map(|r| (i, r)))?;
    let mut out = Vec::with_capacity(elements.len());
    out.extend_from_slice(&elements[..first]);
    out.push(renamed);
    out.extend(elements[first + 1..].iter().map(|e| permute(e, perm)));
    Some(out)
}

/// A trace in TLC's style: `State 1: <Initial predicate>`, then `State n: <Action>`, each
/// followed by the whole state as `/\ var = value` lines. A counterexample to a liveness
/// property ends as TLC's do: `State n: Stuttering`, or `Back to state k: <Action>` for the step
/// that closes its cycle.
pub fn format_trace(trace: &valence_check::Trace) -> String {
    let mut out = String::new();
    let last = trace.steps.len().saturating_sub(1);
    for (i, step) in trace.steps.iter().enumerate() {
        let label = match &step.action {
            None => "Initial predicate",
            Some(action) => action.as_str(),
        };
        match trace.cycle_start {
            Some(start) if i == last && start < last => {
                let _ = writeln!(out, "Back to state {}: <{label}>\n", start + 1);
                continue;
            }
            _ => {}
        }
        let _ = writeln!(out, "State {}: <{label}>", i + 1);
        out.push_str(&step.state);
        out.push_str("\n\n");
    }
    if trace.cycle_start == Some(last) && !trace.steps.is_empty() {
        let _ = writeln!(out, "State {}: Stuttering\n", last + 2);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The successors of `state` in order, with their actions, or the error: with the
    /// disjunctions' dispatch or without it.
    fn successors_of(model: &TlaModel, state: &TlaState, dispatching: bool) -> String {
        let mut raw = Vec::new();
        // The same random choices both ways (RandomElement).
        crate::eval::reseed_random();
        crate::action::set_dispatching(dispatching);
        let result = with_env(|env| {
            env.level = state.level;
            let mut enumerator = Enumerator::new(&model.prog, &state.values, false, &mut raw);
            enumerator.run(&model.next.expr, model.next.frame_size, env)
        });
        crate::action::set_dispatching(true);
        match result {
            Ok(()) => raw
                .iter()
                .map(|(action, values)| {
                    let mut line = action.render(&model.prog);
                    for v in values.iter() {
                        line.push(' ');
                        v.write_tlc(&mut line);
                    }
                    line + "\n"
                })
                .collect(),
            Err(error) => format!("error: {error:?}"),
        }
    }

    /// The specs of `tests/specs` that load with their own configuration.
    fn test_specs() -> Vec<(PathBuf, TlaModel)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
        let mut specs: Vec<_> = std::fs::read_dir(&dir)
            .expect("tests/specs")
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "tla"))
            .filter(|path| path.with_extension("cfg").exists())
            .collect();
        specs.sort();
        let models: Vec<_> = specs
            .into_iter()
            .filter_map(|spec| load(&spec, None).ok().map(|model| (spec, model)))
            .collect();
        assert!(models.len() > 50, "{} specs loaded", models.len());
        models
    }

    /// Calls `f` with each of the first `limit` distinct states reached (breadth first).
    fn each_state(model: &TlaModel, limit: usize, mut f: impl FnMut(&TlaState)) -> usize {
        let mut seen = std::collections::HashSet::new();
        let mut queue: std::collections::VecDeque<TlaState> = Model::init_states(model).into();
        while let Some(state) = queue.pop_front() {
            if seen.len() >= limit || !seen.insert(Model::fingerprint(model, &state)) {
                continue;
            }
            f(&state);
            let mut out = Vec::new();
            // As the search asks for them: the successors carry their fingerprints and words.
            let known = |_| false;
            let mut positions = Vec::new();
            let scratch = &mut Vec::new();
            if Model::successors_unknown(model, &state, scratch, &mut out, &known, &mut positions)
                .is_ok()
            {
                queue.extend(out.into_iter().map(|(_, next)| next));
            }
        }
        seen.len()
    }

    /// Every spec of `tests/specs`, in the first 1,000 states reached: the successors left out
    /// as known are exactly those whose fingerprint is known, the others come in the same
    /// order with the same actions, and the fingerprints and words they carry are their own
    /// (the words of the variables a step leaves unchanged are taken from the state expanded).
    #[test]
    fn successors_whose_fingerprint_is_known_are_left_out_and_counted() {
        let mut compared = 0;
        let mut leaving_out = 0;
        for (spec, model) in test_specs() {
            leaving_out += usize::from(model.may_leave_out);
            each_state(&model, 1_000, |state| {
                let mut all = Vec::new();
                crate::eval::reseed_random();
                let Ok(passed) = Model::successors(&model, state, &mut Vec::new(), &mut all) else {
                    return;
                };
                // Every other distinct successor is known.
                let fps: Vec<u64> = all
                    .iter()
                    .map(|(_, next)| crate::value::fingerprint_all(&next.values))
                    .collect();
                let known: std::collections::HashSet<u64> =
                    fps.iter().copied().step_by(2).collect();
                let mut some = Vec::new();
                let mut positions = Vec::new();
                crate::eval::reseed_random();
                let (passed_too, left_out) = model
                    .successors_unknown(
                        state,
                        &mut Vec::new(),
                        &mut some,
                        &|fp| known.contains(&fp),
                        &mut positions,
                    )
                    .expect("succeeded without the filter");
                let what = || format!("{}: {}", spec.display(), model.describe_state(state));
                assert_eq!(passed_too, passed, "{}", what());
                assert_eq!(left_out as usize + some.len(), all.len(), "{}", what());
                if !model.may_leave_out {
                    // With a VIEW or constraints on steps, every successor is kept.
                    assert_eq!(some.len(), all.len(), "{}", what());
                    return;
                }
                let expected: Vec<usize> = (0..all.len())
                    .filter(|&i| !known.contains(&fps[i]))
                    .collect();
                assert_eq!(positions, expected, "{}", what());
                for ((action, next), &i) in some.iter().zip(&expected) {
                    assert!(action == &all[i].0 && next == &all[i].1, "{}", what());
                    assert_eq!(next.fp, fps[i], "{}", what());
                    let words: Vec<u64> = next.values.iter().map(crate::value::word).collect();
                    assert_eq!(*next.words, *words, "{}", what());
                    assert_eq!(Model::fingerprint(&model, next), fps[i], "{}", what());
                }
                compared += 1;
            });
        }
        assert!(leaving_out > 40, "{leaving_out} specs leave states out");
        assert!(compared > 5_000, "{compared} states compared");
    }

    /// Every spec of `tests/specs` with its own configuration: in the first 2,000 states
    /// reached, the disjunctions' dispatch (`compile::Dispatch`) changes no successor, no
    /// order and no error.
    #[test]
    fn dispatch_changes_no_successor_of_the_test_specs() {
        let mut compared = 0;
        for (spec, model) in test_specs() {
            each_state(&model, 2_000, |state| {
                let with = successors_of(&model, state, true);
                let without = successors_of(&model, state, false);
                assert_eq!(
                    with,
                    without,
                    "{}: {}",
                    spec.display(),
                    model.describe_state(state)
                );
                compared += 1;
            });
        }
        assert!(compared > 10_000, "{compared} states compared");
    }
}
