//! Successor generation with TLC's semantics: every way the action can be satisfied is one
//! generated state. Conjunctions are processed left to right with an explicit continuation,
//! disjunctions and existential quantifiers branch, `x' = e` assigns an unassigned variable and
//! `x' \in S` enumerates `S`; every other conjunct is a guard.

use crate::ast::{Builtin, Expr, Kind};
use crate::compile::{surely_differ, Dispatch, GroupTest, GROUPS_MAX};
use crate::eval::{
    bind, enumerate, equal, fail, force, Ctx, EResult, Env, Mode, NextValue, CALL_DEPTH_MAX,
};
use crate::lower::Program;
use std::sync::Arc;

use crate::value::{Closure, Value};

/// Which definition an action came from, with its arguments.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum ActionName {
    /// The next-state relation itself (no named sub-action).
    Next,
    /// A module-level definition.
    Def(u32),
    /// A LET definition.
    Let(u32),
}

/// A step label: the first named sub-action of the next-state relation and its arguments.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TlaAction {
    pub(crate) name: ActionName,
    pub(crate) args: ActionArgs,
}

/// The arguments of an action: up to two (`Receive(p, q)`) kept inline, so that labelling a
/// successor allocates nothing (every generated state has a label; most are dropped as
/// duplicates).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) enum ActionArgs {
    /// `len` arguments, the unused slots `FALSE`.
    Inline { len: u8, values: [Value; 2] },
    /// More than two.
    Heap(Box<[Value]>),
}

impl ActionArgs {
    /// No arguments.
    pub(crate) const NONE: ActionArgs = ActionArgs::Inline {
        len: 0,
        values: [Value::Bool(false), Value::Bool(false)],
    };

    fn new(args: impl ExactSizeIterator<Item = Value>) -> ActionArgs {
        if args.len() > 2 {
            return ActionArgs::Heap(args.collect());
        }
        let mut values = [Value::Bool(false), Value::Bool(false)];
        let mut len = 0;
        for (slot, value) in values.iter_mut().zip(args) {
            *slot = value;
            len += 1;
        }
        ActionArgs::Inline { len, values }
    }
}

impl std::ops::Deref for ActionArgs {
    type Target = [Value];

    fn deref(&self) -> &[Value] {
        match self {
            ActionArgs::Inline { len, values } => &values[..*len as usize],
            ActionArgs::Heap(values) => values,
        }
    }
}

impl TlaAction {
    /// The action as TLC names it, e.g. `TMRcvPrepared(r1)`.
    pub(crate) fn render(&self, prog: &Program) -> String {
        let name = match &self.name {
            ActionName::Next => "Next".to_string(),
            ActionName::Def(id) => prog.defs[*id as usize].name.text().to_string(),
            ActionName::Let(id) => prog.lets[*id as usize].name.text().to_string(),
        };
        if self.args.is_empty() {
            name
        } else {
            let args: Vec<String> = self.args.iter().map(|a| a.to_tlc()).collect();
            format!("{name}({})", args.join(", "))
        }
    }
}

/// The rest of a conjunction to process after the current conjunct.
enum Cont<'c> {
    Done,
    /// The remaining elements of an `\A` in an action, each one more conjunct.
    Forall {
        bounds: &'c [crate::ast::Bound],
        body: &'c Expr,
        bindings: &'c [Vec<Value>],
        frame: (usize, usize),
        next: &'c Cont<'c>,
    },
    Conj {
        rest: &'c [Expr],
        frame: (usize, usize),
        next: &'c Cont<'c>,
    },
    /// The end of `<<A>>_v`: the step must change `vars`.
    Changes {
        vars: &'c Expr,
        frame: (usize, usize),
        next: &'c Cont<'c>,
    },
}

/// How a conjunct is taken when it cannot branch (see [`Enumerator::conjuncts`]).
enum Simple<'e> {
    /// A condition on the states.
    Guard,
    /// `x' = e` (`x = e` in the initial predicate) with `x` not yet assigned.
    Assign(usize, &'e Expr),
    /// `UNCHANGED` of these variables.
    Unchanged(&'e [u32]),
    /// Anything that may branch or enter a definition.
    No,
}

/// The complete next states of the steps of `action` from `cur` (nothing assigned before),
/// evaluated in `frame`.
pub(crate) fn steps(
    prog: &Program,
    cur: &[Value],
    action: &Expr,
    frame: (usize, usize),
    env: &mut Env,
) -> EResult<Vec<Box<[Value]>>> {
    let mut out = Vec::new();
    // The next state is assigned piece by piece here: no primed memo applies.
    let next_fixed = std::mem::replace(&mut env.next_fixed, false);
    let result = Enumerator::new(prog, cur, false, &mut out).go(action, frame, env, &Cont::Done);
    env.next_fixed = next_fixed;
    result?;
    Ok(out.into_iter().map(|(_, state)| state).collect())
}

/// A step found by an [`Enumerator`]: its label and the values of the next state.
pub type Step = (TlaAction, Box<[Value]>);

/// Enumerates the states satisfying an action (or the initial predicate).
pub struct Enumerator<'a> {
    prog: &'a Program,
    cur: &'a [Value],
    next: Vec<NextValue>,
    init: bool,
    /// The named sub-action being enumerated and where its arguments are on the stack; the
    /// label is built only for the successors actually emitted.
    label: Option<(ActionName, usize)>,
    out: &'a mut Vec<(TlaAction, Box<[Value]>)>,
    /// For `ENABLED A`: a way to satisfy the action is enough, whatever it leaves unassigned.
    enabled_only: bool,
    /// The elements of the literal sets enumerated by `x \in S` so far, by the address of the
    /// literal: `num \in [Procs -> Nat]` in an initial predicate is reached once per choice of
    /// the variables before it, and the set is built once instead of each time.
    literal_sets: Vec<(*const Value, Arc<[Value]>)>,
    /// The states between the two steps of `A \cdot B` reached so far, which TLC counts as
    /// generated.
    pub(crate) intermediate: u64,
    /// Whether a successor's fingerprint is that of a state already stored: such a successor is
    /// only counted, in `left_out` (see [`valence_check::Model::successors_unknown`]).
    known: Option<&'a dyn Fn(u64) -> bool>,
    pub(crate) left_out: u64,
    /// When `known` is given: the fingerprint of each state of `out` (0 when not computed)
    /// and its position among all the states found, those left out included.
    pub(crate) kept: Vec<(u64, usize)>,
    /// When `known` is given: the [`crate::value::word`]s of the variables of `cur` (empty
    /// when not known).
    cur_words: &'a [u64],
    /// When `known` is given: the words of the variables of each state of `out`, one state
    /// after the other.
    pub(crate) words: Vec<u64>,
    /// When enumerating the initial predicate: the states found, with their fingerprints
    /// ([`crate::value::fingerprint_all`]), in the order found, repetitions included: TLC
    /// counts each as generated.
    initial: Option<Vec<(Box<[Value]>, u64)>>,
    /// Whether disjunctions skip the disjuncts their [`Dispatch`] shows false: always, but on
    /// a thread where the test comparing both ways turned it off ([`set_dispatching`]), for
    /// every enumerator, also those of `A \cdot B`, ENABLED and fairness targets.
    dispatching: bool,
}

/// A copy of the `len` values `values` yields, in one allocation of the right size.
fn copied<'v>(len: usize, values: impl Iterator<Item = &'v Value>) -> Box<[Value]> {
    let mut state = Vec::with_capacity(len);
    for value in values {
        state.push(value.clone());
    }
    state.into_boxed_slice()
}

/// With `known` (see [`Enumerator::known`]): the fingerprint of the next state whose `len`
/// values are `values`, or None, counted in `left_out`, if it is known. Without: `Some(0)`.
/// The [`crate::value::word`]s of a state kept are appended to `words`; a value that is the
/// current state's own (the same storage) takes its word from `cur_words` when given.
fn unknown<'v>(
    known: Option<&dyn Fn(u64) -> bool>,
    left_out: &mut u64,
    (cur, cur_words): (&[Value], &[u64]),
    words: &mut Vec<u64>,
    len: usize,
    values: impl Iterator<Item = &'v Value> + Clone,
) -> Option<u64> {
    let Some(known) = known else {
        return Some(0);
    };
    let start = words.len();
    let reuse = cur_words.len() == cur.len();
    for (i, value) in values.clone().enumerate() {
        words.push(match cur.get(i) {
            Some(old) if reuse && value.same_storage(old) => cur_words[i],
            _ => crate::value::word(value),
        });
    }
    // One word per variable, whatever `values` gave, so that the states' words stay aligned.
    words.resize(start + len, 0);
    let fp = crate::value::fingerprint_words(len, values.zip(words[start..].iter().copied()));
    if known(fp) {
        words.truncate(start);
        *left_out += 1;
        return None;
    }
    Some(fp)
}

thread_local! {
    static DISPATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Turns the disjunctions' dispatch on or off for the enumerators this thread creates.
#[cfg(test)]
pub(crate) fn set_dispatching(on: bool) {
    DISPATCHING.with(|d| d.set(on));
}

impl<'a> Enumerator<'a> {
    /// An enumerator of the successors of `cur` (or, with `init`, of initial states).
    pub fn new(
        prog: &'a Program,
        cur: &'a [Value],
        init: bool,
        out: &'a mut Vec<(TlaAction, Box<[Value]>)>,
    ) -> Self {
        Enumerator {
            prog,
            cur,
            next: vec![NextValue::Unset; prog.vars.len()],
            init,
            label: None,
            out,
            enabled_only: false,
            literal_sets: Vec::new(),
            intermediate: 0,
            known: None,
            left_out: 0,
            kept: Vec::new(),
            cur_words: &[],
            words: Vec::new(),
            initial: init.then(Default::default),
            dispatching: DISPATCHING.with(|d| d.get()),
        }
    }

    /// `ENABLED action` in the frame `frame` of `env`: whether some way of satisfying the
    /// action exists from the current state (the primed variables it does not mention may stay
    /// unassigned, as in TLC).
    pub fn enabled(
        &mut self,
        action: &Expr,
        frame: (usize, usize),
        env: &mut Env,
    ) -> EResult<bool> {
        self.enabled_only = true;
        let saved = (env.base, env.size);
        // The enumeration assigns the next state piece by piece: primed definitions may not
        // be remembered meanwhile (they may be, around it, in a step property).
        let next_fixed = std::mem::replace(&mut env.next_fixed, false);
        let result = self.go(action, frame, env, &Cont::Done);
        env.next_fixed = next_fixed;
        env.base = saved.0;
        env.size = saved.1;
        result?;
        Ok(!self.out.is_empty())
    }

    /// Enumerates `action`, which needs a frame of `frame_size` slots (pushed here). Definitions
    /// at the root (`Next` itself) are entered without naming the step after them.
    pub fn run(&mut self, action: &Expr, frame_size: u32, env: &mut Env) -> EResult<()> {
        let start = env.stack.len();
        let previous = (env.base, env.size);
        let (mut e, mut size) = (action, frame_size as usize);
        while let Kind::Call(id, args) = &e.kind {
            let def = &self.prog.defs[*id as usize];
            if !args.is_empty() || def.function.is_some() || def.cached.is_some() {
                break;
            }
            e = &def.body;
            size = def.frame_size as usize;
        }
        env.push_frame(start, size);
        // The action may be the body of a LET whose definitions keep their values in this
        // frame (`Spec == LET O == x + 1 IN Init /\ [][x' = O]_x`): not computed yet.
        env.clear_frame_memos(start, size);
        let result = self.go(e, (start, size), env, &Cont::Done);
        env.pop_frame(start, previous);
        result
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            prog: self.prog,
            cur: self.cur,
            next: &self.next,
            mode: if self.init { Mode::Init } else { Mode::Next },
        }
    }

    fn eval(&self, e: &Expr, frame: (usize, usize), env: &mut Env) -> EResult<Value> {
        env.base = frame.0;
        env.size = frame.1;
        self.ctx().eval(e, env)
    }

    fn eval_bool(&self, e: &Expr, frame: (usize, usize), env: &mut Env) -> EResult<bool> {
        env.base = frame.0;
        env.size = frame.1;
        self.ctx().eval_bool(e, env)
    }

    /// The variable `e` assigns: `x'` in an action, `x` in the initial predicate.
    fn target(&self, e: &Expr) -> Option<usize> {
        match (&e.kind, self.init) {
            (Kind::Var(i), true) => Some(*i as usize),
            (Kind::Prime(inner), false) => match inner.kind {
                Kind::Var(i) => Some(i as usize),
                _ => None,
            },
            _ => None,
        }
    }

    fn proceed(&mut self, cont: &Cont, env: &mut Env) -> EResult<()> {
        match cont {
            Cont::Done => self.emit(env),
            Cont::Forall {
                bounds,
                body,
                bindings,
                frame,
                next,
            } => self.forall(bounds, body, bindings, *frame, env, next),
            Cont::Changes { vars, frame, next } => {
                env.base = frame.0;
                env.size = frame.1;
                // For ENABLED, a variable the action leaves unassigned may take any value, so
                // the step can change `vars` (TLA+'s ENABLED quantifies over the next state).
                let mut list = Vec::new();
                if self.enabled_only
                    && self.unchanged_vars(vars, &mut list)
                    && list.iter().any(|&i| self.next[i as usize].is_unset())
                {
                    return self.proceed(next, env);
                }
                let ctx = self.ctx();
                let before = ctx.eval(vars, env)?;
                let after = match ctx.with_mode(crate::eval::Mode::Primed).eval(vars, env) {
                    Ok(after) => after,
                    Err(error) if self.enabled_only && error.unassigned => {
                        return self.proceed(next, env)
                    }
                    Err(error) => return Err(error),
                };
                if crate::eval::equal(&before, &after, vars.span)? {
                    Ok(())
                } else {
                    self.proceed(next, env)
                }
            }
            Cont::Conj { rest, frame, next } => {
                let mut assigned = 0u64;
                let result = self.conjuncts(rest, *frame, next, &mut assigned, env);
                while assigned != 0 {
                    self.next[assigned.trailing_zeros() as usize] = NextValue::Unset;
                    assigned &= assigned - 1;
                }
                result
            }
        }
    }

    /// The conjuncts `rest`, then `next`. The leading conjuncts that cannot branch (guards,
    /// `x' = e` with `x'` unassigned, `UNCHANGED` of variables) are taken in a loop, each
    /// assignment recorded in `assigned` for the caller to undo; the first that may branch
    /// continues through [`Enumerator::go`] with the others as its continuation. The order of
    /// evaluation is [`Enumerator::go`]'s.
    fn conjuncts(
        &mut self,
        rest: &[Expr],
        frame: (usize, usize),
        next: &Cont,
        assigned: &mut u64,
        env: &mut Env,
    ) -> EResult<()> {
        for (at, e) in rest.iter().enumerate() {
            match self.simple(e) {
                Simple::Guard => {
                    if !self.eval_bool(e, frame, env)? {
                        return Ok(());
                    }
                }
                Simple::Assign(index, rhs) => {
                    let value = force(self.eval(rhs, frame, env)?, rhs.span)?;
                    self.next[index] = NextValue::Set(value);
                    *assigned |= 1 << index;
                }
                Simple::Unchanged(vars) => {
                    for &var in vars {
                        let index = var as usize;
                        match &self.next[index] {
                            NextValue::Unset => {
                                self.next[index] = NextValue::Same;
                                *assigned |= 1 << index;
                            }
                            NextValue::Same => {}
                            NextValue::Set(value) => {
                                if !equal(value, &self.cur[index], Default::default())? {
                                    return Ok(());
                                }
                            }
                        }
                    }
                }
                Simple::No => {
                    return self.go(
                        e,
                        frame,
                        env,
                        &Cont::Conj {
                            rest: &rest[at + 1..],
                            frame,
                            next,
                        },
                    )
                }
            }
        }
        self.proceed(next, env)
    }

    /// How [`Enumerator::go`] would take `e`, for the conjuncts it takes without branching.
    /// Assignments are recorded in a 64-bit mask: with more variables they go through `go`.
    fn simple<'e>(&self, e: &'e Expr) -> Simple<'e> {
        let masked = self.next.len() <= 64;
        match &e.kind {
            Kind::And(_)
            | Kind::Or(_)
            | Kind::Compose(..)
            | Kind::Let(..)
            | Kind::If(..)
            | Kind::Case(..)
            | Kind::Exists(..)
            | Kind::ForallAction(..)
            | Kind::ParamCall(..)
            | Kind::LetFuncDefApply(..)
            | Kind::Implies(..) => Simple::No,
            Kind::Call(id, _)
                if (self.prog.defs[*id as usize].cached.is_none()
                    || self.prog.branching.contains(id))
                    && self.prog.defs[*id as usize].function.is_none() =>
            {
                Simple::No
            }
            Kind::LetCall(id, _) if self.prog.lets[*id as usize].function.is_none() => Simple::No,
            Kind::UnchangedVars(vars) if !self.init && masked => Simple::Unchanged(vars),
            Kind::UnchangedVars(_)
            | Kind::Unchanged(_)
            | Kind::AngleStep(..)
            | Kind::StepOrStutter(..)
                if !self.init =>
            {
                Simple::No
            }
            Kind::Builtin(op @ (Builtin::Eq | Builtin::In | Builtin::SubsetEq), args) => {
                match args.as_slice() {
                    [lhs, rhs] => match self.target(lhs) {
                        Some(index) if self.next[index].is_unset() => {
                            if *op == Builtin::Eq && masked {
                                Simple::Assign(index, rhs)
                            } else {
                                Simple::No
                            }
                        }
                        _ => Simple::Guard,
                    },
                    _ => Simple::Guard,
                }
            }
            _ => Simple::Guard,
        }
    }

    fn emit(&mut self, env: &Env) -> EResult<()> {
        if self.enabled_only {
            if self.out.is_empty() {
                self.out.push((
                    TlaAction {
                        name: ActionName::Next,
                        args: ActionArgs::NONE,
                    },
                    Box::new([]),
                ));
            }
            return Ok(());
        }
        if let Some(i) = self.next.iter().position(NextValue::is_unset) {
            let name = self.prog.vars[i].text();
            let what = if self.init {
                format!("the initial predicate does not assign variable `{name}`")
            } else {
                format!(
                    "the successor state is not completely specified: `{name}'` is not assigned"
                )
            };
            return fail(Default::default(), what);
        }
        let cur = self.cur;
        let values = self
            .next
            .iter()
            .enumerate()
            .filter_map(move |(i, next)| next.resolve(cur.get(i)));
        let Some(fp) = unknown(
            self.known,
            &mut self.left_out,
            (cur, self.cur_words),
            &mut self.words,
            self.next.len(),
            values.clone(),
        ) else {
            return Ok(());
        };
        if let Some(initial) = &mut self.initial {
            let fp = crate::value::fingerprint_list(self.next.len(), values.clone());
            initial.push((copied(self.next.len(), values), fp));
            return Ok(());
        }
        let state = copied(self.next.len(), values);
        let label = self.label(env);
        self.push(label, state, fp);
        Ok(())
    }

    /// Adds a complete next state to `out`, with its fingerprint if computed (else 0).
    fn push(&mut self, label: TlaAction, state: Box<[Value]>, fp: u64) {
        if self.known.is_some() {
            let position = self.out.len() + self.left_out as usize;
            self.kept.push((fp, position));
        }
        self.out.push((label, state));
    }

    /// Leaves out the successors whose fingerprint `known` says is known (see
    /// [`Enumerator::known`]).
    /// `kept` and `words` are empty buffers for [`Enumerator::kept`] and
    /// [`Enumerator::words`]; `cur_words` are the words of the current state's variables, or
    /// nothing.
    pub fn leave_out(
        &mut self,
        known: &'a dyn Fn(u64) -> bool,
        (kept, words): (Vec<(u64, usize)>, Vec<u64>),
        cur_words: &'a [u64],
    ) {
        self.known = Some(known);
        self.kept = kept;
        self.words = words;
        self.cur_words = cur_words;
    }

    /// The initial states found, with their fingerprints, in the order found and as many
    /// times as found (see [`Enumerator::initial`]); none unless enumerating the initial
    /// predicate.
    pub fn take_initial(&mut self) -> Vec<(Box<[Value]>, u64)> {
        self.initial.take().unwrap_or_default()
    }

    /// The label of a successor emitted now: the named sub-action being enumerated, with its
    /// arguments.
    fn label(&self, env: &Env) -> TlaAction {
        match &self.label {
            None => TlaAction {
                name: ActionName::Next,
                args: ActionArgs::NONE,
            },
            Some((ActionName::Def(id), base)) => {
                let arity = self.prog.defs[*id as usize].arity;
                TlaAction {
                    name: ActionName::Def(*id),
                    args: ActionArgs::new(env.stack[*base..*base + arity].iter().cloned()),
                }
            }
            Some((ActionName::Let(id), base)) => TlaAction {
                name: ActionName::Let(*id),
                args: ActionArgs::new(
                    self.prog.lets[*id as usize]
                        .params
                        .iter()
                        .map(|slot| env.stack[*base + *slot as usize].clone()),
                ),
            },
            Some((ActionName::Next, _)) => TlaAction {
                name: ActionName::Next,
                args: ActionArgs::NONE,
            },
        }
    }

    /// `A \cdot B` as TLC's experimental action composition enumerates it: the states `t` of
    /// a step of `A` (in which the variables assigned before the composition keep their
    /// current values), each counted as generated, then from each `t` the steps of `B`, which
    /// complete the next state as assigned so far. Both take the rest of the conjunction
    /// (`cont`), as in TLC. For ENABLED, a step of `B` from some `t` is enough.
    fn compose(
        &mut self,
        a: &Expr,
        b: &Expr,
        frame: (usize, usize),
        env: &mut Env,
        cont: &Cont,
    ) -> EResult<()> {
        if self.init {
            return fail(
                Default::default(),
                "action composition (\\cdot) in the initial predicate",
            );
        }
        let kept: Vec<NextValue> = self
            .next
            .iter()
            .zip(self.cur)
            .map(|(assigned, now)| match assigned {
                NextValue::Unset => NextValue::Unset,
                _ => NextValue::Set(now.clone()),
            })
            .collect();
        let mut middles = Vec::new();
        let mut first = Enumerator::new(self.prog, self.cur, false, &mut middles);
        first.next = kept;
        // For ENABLED, TLC takes the rest of the conjunction after B only.
        let first_cont = if self.enabled_only { &Cont::Done } else { cont };
        first.go(a, frame, env, first_cont)?;
        self.intermediate += first.intermediate + middles.len() as u64;
        // From an intermediate state, the memos of the current state do not apply.
        let generation = std::mem::replace(&mut env.generation, 0);
        let result = self.second_steps(&middles, b, frame, env, cont);
        env.generation = generation;
        result
    }

    /// The second half of [`Enumerator::compose`]: the steps of `b` from each of `middles`.
    fn second_steps(
        &mut self,
        middles: &[(TlaAction, Box<[Value]>)],
        b: &Expr,
        frame: (usize, usize),
        env: &mut Env,
        cont: &Cont,
    ) -> EResult<()> {
        for (_, middle) in middles {
            let mut ends = Vec::new();
            let mut second = Enumerator::new(self.prog, middle, false, &mut ends);
            // The variables left unchanged are those of the current state, not the middle's.
            second.next = self.ctx().resolved_next();
            second.enabled_only = self.enabled_only;
            second.go(b, frame, env, cont)?;
            self.intermediate += second.intermediate;
            if self.enabled_only {
                if !ends.is_empty() {
                    return self.emit(env);
                }
                continue;
            }
            for (_, end) in ends {
                let Some(fp) = unknown(
                    self.known,
                    &mut self.left_out,
                    (self.cur, self.cur_words),
                    &mut self.words,
                    end.len(),
                    end.iter(),
                ) else {
                    continue;
                };
                let label = self.label(env);
                self.push(label, end, fp);
            }
        }
        Ok(())
    }

    fn assign(&mut self, index: usize, value: Value, cont: &Cont, env: &mut Env) -> EResult<()> {
        self.next[index] = NextValue::Set(value);
        let result = self.proceed(cont, env);
        self.next[index] = NextValue::Unset;
        result
    }

    /// Whether every variable of the state being built has its value, for the shortcut of
    /// [`Enumerator::go`]. Not for ENABLED, which TLC enumerates to the end (Tool.enabled),
    /// nor without variables, where TLC has nothing to check.
    fn complete(&self) -> bool {
        !self.enabled_only && !self.next.is_empty() && self.next.iter().all(|next| !next.is_unset())
    }

    fn go(&mut self, e: &Expr, frame: (usize, usize), env: &mut Env, cont: &Cont) -> EResult<()> {
        if !matches!(e.kind, Kind::And(_) | Kind::Compose(..)) && self.complete() {
            // As TLC does, once the next (or initial) state is complete, what remains of the
            // action is evaluated, not enumerated: `x' = 0 /\ (x < 5 \/ x < 6)` gives its
            // state once (TLC's Tool.getNextStatesAllAssigned and getInitStates). `A \cdot B`
            // is still enumerated.
            return self.guard(e, frame, env, cont);
        }
        match &e.kind {
            Kind::And(items) => self.proceed(
                &Cont::Conj {
                    rest: items,
                    frame,
                    next: cont,
                },
                env,
            ),
            Kind::Or(items) => {
                let dispatch = e.code.as_ref().and_then(|c| c.dispatch.as_ref());
                match dispatch {
                    Some(dispatch) if !self.init && self.dispatching => {
                        self.dispatch(items, dispatch, frame, env, cont)
                    }
                    _ => {
                        for item in items {
                            self.go(item, frame, env, cont)?;
                        }
                        Ok(())
                    }
                }
            }
            Kind::Compose(a, b) => self.compose(a, b, frame, env, cont),
            Kind::Let(body, memos) => {
                env.base = frame.0;
                env.size = frame.1;
                env.clear_memos(memos);
                self.go(body, frame, env, cont)
            }
            Kind::If(c, t, f) => {
                if self.eval_bool(c, frame, env)? {
                    self.go(t, frame, env, cont)
                } else {
                    self.go(f, frame, env, cont)
                }
            }
            Kind::Case(arms, other) => {
                for (guard, action) in arms {
                    if self.eval_bool(guard, frame, env)? {
                        return self.go(action, frame, env, cont);
                    }
                }
                match other {
                    Some(o) => self.go(o, frame, env, cont),
                    None => fail(
                        e.span,
                        "no arm of this CASE is true, and it has no OTHER arm",
                    ),
                }
            }
            Kind::Exists(bounds, body) => self.exists(bounds, body, frame, env, cont),
            // In an initial predicate, a `\A` whose state is still incomplete may assign
            // (`\A i \in {1} : x = i`): TLC enumerates it, one conjunct per element.
            Kind::ForallAction(bounds, body) | Kind::Forall(bounds, body)
                if self.init || matches!(e.kind, Kind::ForallAction(..)) =>
            {
                let mut bindings = Vec::new();
                env.base = frame.0;
                env.size = frame.1;
                self.ctx().for_each(bounds, env, &mut |_, env| {
                    bindings.push(
                        bounds
                            .iter()
                            .map(|b| match &b.pattern {
                                crate::ast::Pattern::Slot(s) => {
                                    env.stack[env.base + *s as usize].clone()
                                }
                                crate::ast::Pattern::Tuple(slots) => {
                                    Value::Seq(crate::value::shared(
                                        slots
                                            .iter()
                                            .map(|s| env.stack[env.base + *s as usize].clone())
                                            .collect(),
                                    ))
                                }
                            })
                            .collect(),
                    );
                    Ok(true)
                })?;
                // The conjuncts come in TLC's order, which decides which one assigns first and
                // from which one on the rest is evaluated (see `go`). TLC enumerates the bindings
                // with the first bound varying fastest (ContextEnumerator), takes the first,
                // and puts each of the others in front of the rest of the conjunction, so that
                // they come last to second (Tool.getNextStates, OPCODE_bf).
                bindings.sort_by(|a: &Vec<Value>, b: &Vec<Value>| {
                    a.iter()
                        .rev()
                        .zip(b.iter().rev())
                        .map(|(x, y)| crate::value::tlc_cmp(x, y))
                        .find(|o| o.is_ne())
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
                if let Some((_, others)) = bindings.split_first_mut() {
                    others.reverse();
                }
                self.forall(bounds, body, &bindings, frame, env, cont)
            }
            Kind::Call(id, args)
                if (self.prog.defs[*id as usize].cached.is_none()
                    || self.prog.branching.contains(id))
                    && self.prog.defs[*id as usize].function.is_none() =>
            {
                let new_base = env.stack.len();
                env.base = frame.0;
                env.size = frame.1;
                for a in args {
                    let v = self.ctx().eval(a, env)?;
                    env.stack.push(v);
                }
                self.enter_def(*id, new_base, e, env, cont)
            }
            Kind::ParamCall(slot, args) => {
                // An operator argument applied in an action: enter it as if called by name.
                let closure = env.stack[frame.0 + *slot as usize].clone();
                env.base = frame.0;
                env.size = frame.1;
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.ctx().eval(a, env)?);
                }
                match &closure {
                    Value::Op(c) => match &**c {
                        Closure::Def(id) if self.prog.defs[*id as usize].arity == values.len() => {
                            let new_base = env.stack.len();
                            env.stack.extend(values);
                            self.enter_def(*id, new_base, e, env, cont)
                        }
                        Closure::Let(id, captured)
                            if self.prog.lets[*id as usize].params.len() == values.len()
                                && self.prog.lets[*id as usize].function.is_none() =>
                        {
                            let def = &self.prog.lets[*id as usize];
                            let new_base = env.stack.len();
                            env.stack.extend(captured.iter().cloned());
                            for (slot, v) in def.params.iter().zip(values) {
                                env.stack[new_base + *slot as usize] = v;
                            }
                            let result = self.go(&def.body, (new_base, captured.len()), env, cont);
                            env.stack.truncate(new_base);
                            result
                        }
                        _ => self.guard(e, frame, env, cont),
                    },
                    _ => self.guard(e, frame, env, cont),
                }
            }
            Kind::LetFuncDefApply(id, args) => {
                // As TLC: a recursive function of a LET applied in an action is entered (its
                // body is enumerated with the argument bound), so its disjunctions branch.
                let Some(bounds) = &self.prog.lets[*id as usize].function else {
                    return self.guard(e, frame, env, cont);
                };
                env.base = frame.0;
                env.size = frame.1;
                let key = self.ctx().key(args, env)?;
                let new_base = env.stack.len();
                let copy: Vec<Value> = env.stack[frame.0..frame.0 + frame.1].to_vec();
                env.stack.extend(copy);
                env.base = new_base;
                env.size = frame.1;
                let result = match self.ctx().bind_function_arg(bounds, &key, e.span, env) {
                    Ok(true) => {
                        env.depth += 1;
                        let result = if env.depth > CALL_DEPTH_MAX {
                            fail(
                                e.span,
                                format!("recursion deeper than {CALL_DEPTH_MAX} calls"),
                            )
                        } else {
                            let body = &self.prog.lets[*id as usize].body;
                            self.go(body, (new_base, frame.1), env, cont)
                        };
                        env.depth -= 1;
                        result
                    }
                    Ok(false) => fail(
                        e.span,
                        format!(
                            "function `{}` applied to {} outside its domain",
                            self.prog.lets[*id as usize].name,
                            key.to_tlc()
                        ),
                    ),
                    Err(error) => Err(error),
                };
                env.stack.truncate(new_base);
                result
            }
            Kind::LetCall(id, args) if self.prog.lets[*id as usize].function.is_none() => {
                let def = &self.prog.lets[*id as usize];
                env.base = frame.0;
                env.size = frame.1;
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.ctx().eval(a, env)?);
                }
                // A copy of the frame, so that later conjuncts cannot see this call's bindings.
                let new_base = env.stack.len();
                let copy: Vec<Value> = env.stack[frame.0..frame.0 + frame.1].to_vec();
                env.stack.extend(copy);
                for (slot, v) in def.params.iter().zip(values) {
                    env.stack[new_base + *slot as usize] = v;
                }
                let labelled = self.label.is_none() && !self.init && !args.is_empty();
                if labelled {
                    self.label = Some((ActionName::Let(*id), new_base));
                }
                env.depth += 1;
                let result = if env.depth > CALL_DEPTH_MAX {
                    fail(
                        e.span,
                        format!("recursion deeper than {CALL_DEPTH_MAX} calls"),
                    )
                } else {
                    self.go(&def.body, (new_base, frame.1), env, cont)
                };
                env.depth -= 1;
                if labelled {
                    self.label = None;
                }
                env.stack.truncate(new_base);
                result
            }
            Kind::UnchangedVars(vars) if !self.init => self.unchanged(vars, 0, cont, env),
            Kind::Unchanged(inner) if !self.init => {
                let mut vars = Vec::new();
                if self.unchanged_vars(inner, &mut vars) {
                    self.unchanged(&vars, 0, cont, env)
                } else {
                    self.guard(e, frame, env, cont)
                }
            }
            Kind::AngleStep(action, vars) if !self.init => self.go(
                action,
                frame,
                env,
                &Cont::Changes {
                    vars,
                    frame,
                    next: cont,
                },
            ),
            Kind::StepOrStutter(action, vars) if !self.init => {
                self.go(action, frame, env, cont)?;
                let mut list = Vec::new();
                if self.unchanged_vars(vars, &mut list) {
                    self.unchanged(&list, 0, cont, env)
                } else {
                    fail(
                        vars.span,
                        "the subscript of [A]_v must be a variable or a tuple of variables",
                    )
                }
            }
            Kind::Builtin(crate::ast::Builtin::Eq, args) => {
                if let [lhs, rhs] = args.as_slice() {
                    if let Some(index) = self.target(lhs) {
                        if self.next[index].is_unset() {
                            let value = force(self.eval(rhs, frame, env)?, rhs.span)?;
                            return self.assign(index, value, cont, env);
                        }
                    }
                }
                self.guard(e, frame, env, cont)
            }
            Kind::Builtin(crate::ast::Builtin::In, args) => {
                if let [lhs, rhs] = args.as_slice() {
                    if let Some(index) = self.target(lhs) {
                        if self.next[index].is_unset() {
                            let elements = self.elements(rhs, frame, env)?;
                            for v in elements.iter() {
                                self.assign(index, v.clone(), cont, env)?;
                            }
                            return Ok(());
                        }
                    }
                }
                self.guard(e, frame, env, cont)
            }
            Kind::Builtin(crate::ast::Builtin::SubsetEq, args) => {
                // `x' \subseteq S` with `x'` unassigned: one branch per subset of S (TLC).
                if let [lhs, rhs] = args.as_slice() {
                    if let Some(index) = self.target(lhs) {
                        if self.next[index].is_unset() {
                            let set = self.eval(rhs, frame, env)?;
                            let subsets = Value::Lazy(std::sync::Arc::new(
                                crate::value::LazySet::Subset(set),
                            ));
                            let elements = enumerate(&subsets, rhs.span)?;
                            for v in elements.iter() {
                                self.assign(index, v.clone(), cont, env)?;
                            }
                            return Ok(());
                        }
                    }
                }
                self.guard(e, frame, env, cont)
            }
            Kind::Implies(p, q) => {
                // As TLC: when P holds, Q is processed as an action (its disjunctions and
                // existential choices branch); otherwise the conjunct holds.
                if self.eval_bool(p, frame, env)? {
                    self.go(q, frame, env, cont)
                } else {
                    self.proceed(cont, env)
                }
            }
            _ => self.guard(e, frame, env, cont),
        }
    }

    /// The disjunction `items`, skipping the disjuncts whose tests `dispatch` shows false. A
    /// shared expression is evaluated once, when a disjunct first needs it; one that cannot be
    /// evaluated skips nothing: the disjuncts then report the error in their order.
    fn dispatch(
        &mut self,
        items: &[Expr],
        dispatch: &Dispatch,
        frame: (usize, usize),
        env: &mut Env,
        cont: &Cont,
    ) -> EResult<()> {
        enum Known {
            Pending,
            Value(Value),
            Holds(bool),
            Unknown,
        }
        // At most GROUPS_MAX groups (`Dispatch::of`): known on the stack, no allocation.
        let mut known: [Known; GROUPS_MAX] = std::array::from_fn(|_| Known::Pending);
        for (item, tests) in items.iter().zip(&dispatch.arms) {
            let mut skip = false;
            for (group, literal) in tests {
                let slot = &mut known[*group];
                if let Known::Pending = slot {
                    let (expr, test) = &dispatch.groups[*group];
                    *slot = match test {
                        GroupTest::Value => match self.eval(expr, frame, env) {
                            Ok(v) => Known::Value(v),
                            Err(_) => Known::Unknown,
                        },
                        GroupTest::Holds => match self.eval_bool(expr, frame, env) {
                            Ok(b) => Known::Holds(b),
                            Err(_) => Known::Unknown,
                        },
                    };
                }
                // The next test is taken only once this one is known to hold.
                match (&*slot, literal) {
                    (Known::Value(v), Some(c)) if surely_differ(v, c) => skip = true,
                    (Known::Value(v), Some(c)) if v == c => continue,
                    (Known::Holds(false), None) => skip = true,
                    (Known::Holds(true), None) => continue,
                    _ => {}
                }
                break;
            }
            if !skip {
                self.go(item, frame, env, cont)?;
            }
        }
        Ok(())
    }

    /// The first of `bindings` as one conjunct, the others as its continuation. Each element
    /// gets its own copy of the frame, so that a later element cannot overwrite the bindings
    /// an earlier one's pending branches still read.
    fn forall(
        &mut self,
        bounds: &[crate::ast::Bound],
        body: &Expr,
        bindings: &[Vec<Value>],
        frame: (usize, usize),
        env: &mut Env,
        cont: &Cont,
    ) -> EResult<()> {
        let Some((first, rest)) = bindings.split_first() else {
            return self.proceed(cont, env);
        };
        let new_base = env.stack.len();
        let copy: Vec<Value> = env.stack[frame.0..frame.0 + frame.1].to_vec();
        env.stack.extend(copy);
        env.base = new_base;
        env.size = frame.1;
        for (bound, value) in bounds.iter().zip(first) {
            bind(&bound.pattern, value.clone(), body.span, env)?;
        }
        let result = self.go(
            body,
            (new_base, frame.1),
            env,
            &Cont::Forall {
                bounds,
                body,
                bindings: rest,
                frame,
                next: cont,
            },
        );
        env.stack.truncate(new_base);
        result
    }

    /// The elements of the set `e`; those of a symbolic literal set are built once per
    /// enumerator.
    fn elements(
        &mut self,
        e: &Expr,
        frame: (usize, usize),
        env: &mut Env,
    ) -> EResult<Arc<[Value]>> {
        let Kind::Lit(set @ Value::Lazy(_)) = &e.kind else {
            let set = self.eval(e, frame, env)?;
            return enumerate(&set, e.span);
        };
        let key: *const Value = set;
        if let Some((_, elements)) = self.literal_sets.iter().find(|(k, _)| *k == key) {
            return Ok(Arc::clone(elements));
        }
        let elements = enumerate(set, e.span)?;
        self.literal_sets.push((key, Arc::clone(&elements)));
        Ok(elements)
    }

    /// Enters definition `id` whose arguments are on the stack from `new_base`.
    fn enter_def(
        &mut self,
        id: u32,
        new_base: usize,
        e: &Expr,
        env: &mut Env,
        cont: &Cont,
    ) -> EResult<()> {
        let def = &self.prog.defs[id as usize];
        let size = def.frame_size as usize;
        env.fill(new_base + size.max(def.arity));
        let labelled = self.label.is_none() && !self.init;
        if labelled {
            self.label = Some((ActionName::Def(id), new_base));
        }
        env.depth += 1;
        let result = if env.depth > CALL_DEPTH_MAX {
            fail(
                e.span,
                format!("recursion deeper than {CALL_DEPTH_MAX} calls"),
            )
        } else {
            self.go(&def.body, (new_base, size), env, cont)
        };
        env.depth -= 1;
        if labelled {
            self.label = None;
        }
        env.stack.truncate(new_base);
        result
    }

    fn guard(
        &mut self,
        e: &Expr,
        frame: (usize, usize),
        env: &mut Env,
        cont: &Cont,
    ) -> EResult<()> {
        if self.eval_bool(e, frame, env)? {
            self.proceed(cont, env)
        } else {
            Ok(())
        }
    }

    fn exists(
        &mut self,
        bounds: &[crate::ast::Bound],
        body: &Expr,
        frame: (usize, usize),
        env: &mut Env,
        cont: &Cont,
    ) -> EResult<()> {
        let Some((first, rest)) = bounds.split_first() else {
            return self.go(body, frame, env, cont);
        };
        env.base = frame.0;
        env.size = frame.1;
        let (elements, skipped) = match self.ctx().set_minus_one(&first.set, env)? {
            Some((elements, skipped)) => (elements, Some(skipped)),
            None => (self.elements(&first.set, frame, env)?, None),
        };
        for v in elements.iter() {
            if skipped.as_ref() == Some(v) {
                continue;
            }
            env.base = frame.0;
            env.size = frame.1;
            bind(&first.pattern, v.clone(), first.set.span, env)?;
            self.exists(rest, body, frame, env, cont)?;
        }
        Ok(())
    }

    /// The variables of `UNCHANGED e` when `e` is a variable, a tuple of them, or a definition
    /// naming one; false otherwise.
    fn unchanged_vars(&self, e: &Expr, out: &mut Vec<u32>) -> bool {
        match &e.kind {
            Kind::Var(i) => {
                out.push(*i);
                true
            }
            Kind::Tuple(items) => items.iter().all(|item| self.unchanged_vars(item, out)),
            Kind::Call(id, args) if args.is_empty() => {
                let def = &self.prog.defs[*id as usize];
                def.frame_size == 0 && def.function.is_none() && self.unchanged_vars(&def.body, out)
            }
            _ => false,
        }
    }

    fn unchanged(&mut self, vars: &[u32], at: usize, cont: &Cont, env: &mut Env) -> EResult<()> {
        let Some(&index) = vars.get(at) else {
            return self.proceed(cont, env);
        };
        let index = index as usize;
        match &self.next[index] {
            NextValue::Unset => {
                self.next[index] = NextValue::Same;
                let result = self.unchanged(vars, at + 1, cont, env);
                self.next[index] = NextValue::Unset;
                result
            }
            NextValue::Same => self.unchanged(vars, at + 1, cont, env),
            NextValue::Set(assigned) => {
                if equal(assigned, &self.cur[index], Default::default())? {
                    self.unchanged(vars, at + 1, cont, env)
                } else {
                    Ok(())
                }
            }
        }
    }
}
