//! Load-time simplification: constant subexpressions are evaluated once (TLC evaluates
//! constant definitions once; we go further and fold any subexpression that reads no variable
//! and no bound name), and `UNCHANGED` of variables is resolved to the variable list.

use crate::ast::{Builtin, Expr, Kind, PathStep};
use crate::eval::{Ctx, Env, Mode};
use crate::lower::Program;
use crate::value::Value;

/// Folds the bodies of every definition of `prog`.
pub fn fold_program(prog: &mut Program) {
    for index in 0..prog.defs.len() {
        // TLC replaces definitions of constant level (no variable in them) by their values
        // at startup; the others it enumerates, even when their value never depends on the
        // state.
        if let Some(Value::Bool(_)) = prog.defs[index].cached {
            let body = &prog.defs[index].body;
            if may_branch(prog, body, 0) && mentions_variable(prog, body, 0) {
                prog.branching.insert(index as u32);
            }
        }
    }
    for index in 0..prog.defs.len() {
        if (prog.defs[index].cached.is_some() && !prog.branching.contains(&(index as u32)))
            || prog.lazy_defs.contains(&(index as u32))
        {
            continue;
        }
        let mut body = std::mem::replace(&mut prog.defs[index].body, placeholder());
        let mut bounds = prog.defs[index].function.take();
        fold_root(prog, &mut body);
        if let Some(bounds) = &mut bounds {
            for b in bounds.iter_mut() {
                fold_root(prog, &mut b.set);
            }
        }
        prog.defs[index].body = body;
        prog.defs[index].function = bounds;
    }
    for_each_let_body(prog, &mut fold_root);
    mark_memoized_lets(prog);
    crate::compile::compile_program(prog);
}

/// Lets the LET definitions without parameters keep their value in their memo slot when the
/// value depends only on the current state and the bound names around the LET: their bodies
/// (through the definitions they call) read no primed variable, apply no operator argument
/// (which could be an action) and print nothing. Marks the module-level definitions without
/// parameters that depend on the current state alone in the same way, to be computed once per
/// state.
pub(crate) fn mark_memoized_lets(prog: &mut Program) {
    let mut defs: Vec<Option<bool>> = vec![None; prog.defs.len()];
    let mut lets: Vec<Option<bool>> = vec![None; prog.lets.len()];
    for index in 0..prog.lets.len() {
        let cache = match prog.lets[index].memo_slot {
            Some(slot) if !reads_next(prog, Callee::Let(index), &mut defs, &mut lets, 0) => {
                Some(slot)
            }
            _ => None,
        };
        prog.lets[index].cache = cache;
    }
    for index in 0..prog.defs.len() {
        let def = &prog.defs[index];
        let candidate = def.arity == 0 && def.cached.is_none();
        prog.defs[index].state_memo =
            candidate && !reads_next(prog, Callee::Def(index), &mut defs, &mut lets, 0);
    }
}

#[derive(Clone, Copy)]
enum Callee {
    Def(usize),
    Let(usize),
}

/// Whether evaluating the body of `callee` may read the next state or apply an operator
/// argument; true when unsure (deep call chains). Results are remembered per definition; a
/// definition being examined counts as not reading (recursion adds nothing new).
fn reads_next(
    prog: &Program,
    callee: Callee,
    defs: &mut Vec<Option<bool>>,
    lets: &mut Vec<Option<bool>>,
    depth: usize,
) -> bool {
    let (known, body) = match callee {
        Callee::Def(i) => {
            if prog.defs[i].cached.is_some() {
                return false;
            }
            (&mut defs[i], &prog.defs[i].body)
        }
        Callee::Let(i) => (&mut lets[i], &prog.lets[i].body),
    };
    if let Some(answer) = *known {
        return answer;
    }
    if depth > 64 {
        return true;
    }
    *known = Some(false);
    let mut body = body.clone();
    let answer = expr_reads_next(prog, &mut body, defs, lets, depth);
    match callee {
        Callee::Def(i) => defs[i] = Some(answer),
        Callee::Let(i) => lets[i] = Some(answer),
    }
    answer
}

fn expr_reads_next(
    prog: &Program,
    e: &mut Expr,
    defs: &mut Vec<Option<bool>>,
    lets: &mut Vec<Option<bool>>,
    depth: usize,
) -> bool {
    match &e.kind {
        Kind::Prime(_)
        | Kind::Unchanged(_)
        | Kind::UnchangedVars(_)
        | Kind::StepOrStutter(..)
        | Kind::AngleStep(..)
        | Kind::ParamCall(..)
        | Kind::OpArg(_) => return true,
        Kind::Builtin(op, _) if op.is_volatile() => return true,
        Kind::Call(id, _) | Kind::FuncDefApply(id, _)
            if reads_next(prog, Callee::Def(*id as usize), defs, lets, depth + 1) =>
        {
            return true;
        }
        Kind::LetCall(id, _) | Kind::LetFuncDefApply(id, _)
            if reads_next(prog, Callee::Let(*id as usize), defs, lets, depth + 1) =>
        {
            return true;
        }
        _ => {}
    }
    let mut children = Vec::new();
    collect_children(e, &mut children);
    children
        .into_iter()
        .any(|child| expr_reads_next(prog, child, defs, lets, depth + 1))
}

/// Calls `f` on the body of every definition and LET definition of `prog` (and on the sets
/// of recursive functions' bounds), each taken out of the program meanwhile.
pub(crate) fn for_each_body(prog: &mut Program, mut f: impl FnMut(&Program, &mut Expr)) {
    for index in 0..prog.defs.len() {
        let mut body = std::mem::replace(&mut prog.defs[index].body, placeholder());
        let mut bounds = prog.defs[index].function.take();
        f(prog, &mut body);
        for b in bounds.iter_mut().flatten() {
            f(prog, &mut b.set);
        }
        prog.defs[index].body = body;
        prog.defs[index].function = bounds;
    }
    for_each_let_body(prog, &mut f);
}

fn for_each_let_body(prog: &mut Program, f: &mut impl FnMut(&Program, &mut Expr)) {
    for index in 0..prog.lets.len() {
        let mut body = std::mem::replace(&mut prog.lets[index].body, placeholder());
        let mut bounds = prog.lets[index].function.take();
        f(prog, &mut body);
        for b in bounds.iter_mut().flatten() {
            f(prog, &mut b.set);
        }
        prog.lets[index].body = body;
        prog.lets[index].function = bounds;
    }
}

fn placeholder() -> Expr {
    Expr {
        kind: Kind::Lit(Value::Bool(false)),
        span: Default::default(),
        code: None,
    }
}

fn fold_root(prog: &Program, e: &mut Expr) {
    if visit(prog, e).constant() {
        fold(prog, e);
    }
}

/// What [`visit`] finds out about an expression.
#[derive(Clone, Copy)]
struct Scan {
    /// Every node is of a kind that can be evaluated once: it reads no variable, calls no
    /// definition that is not constant, and has no side effect.
    pure: bool,
    /// The bound names (slots below 128) it reads without binding them itself.
    free: u128,
}

impl Scan {
    const CONSTANT: Scan = Scan {
        pure: true,
        free: 0,
    };

    fn constant(self) -> bool {
        self.pure && self.free == 0
    }
}

/// Whether `e` is written as a set that evaluation keeps symbolic (`SUBSET S`, `[S -> T]`,
/// `Seq(S)`, records of sets, or a constant holding one).
fn symbolic_set(prog: &Program, e: &Expr) -> bool {
    match &e.kind {
        Kind::Builtin(Builtin::Powerset | Builtin::Seq, _)
        | Kind::FuncSet(..)
        | Kind::RecordSet(_) => true,
        Kind::Lit(Value::Lazy(_)) => true,
        Kind::Call(id, args) if args.is_empty() => {
            matches!(prog.defs[*id as usize].cached, Some(Value::Lazy(_)))
        }
        _ => false,
    }
}

/// The slots a binder's patterns bind.
fn bound_slots<'b>(bounds: impl IntoIterator<Item = &'b crate::ast::Bound>) -> u128 {
    let mut mask = 0u128;
    let mut add = |slot: u32| {
        if slot < 128 {
            mask |= 1 << slot;
        }
    };
    for bound in bounds {
        match &bound.pattern {
            crate::ast::Pattern::Slot(slot) => add(*slot),
            crate::ast::Pattern::Tuple(slots) => slots.iter().copied().for_each(&mut add),
        }
    }
    mask
}

/// Replaces a constant expression by its value (when it evaluates without error).
fn fold(prog: &Program, e: &mut Expr) {
    if matches!(e.kind, Kind::Lit(_)) {
        return;
    }
    let ctx = Ctx {
        prog,
        cur: &[],
        next: &[],
        mode: Mode::Const,
    };
    // Binders inside the expression write their slots: give them a frame as large as any
    // (an ASSUME's LET definitions count their slots in the ASSUME's own frame).
    let frame = prog
        .defs
        .iter()
        .map(|d| d.frame_size)
        .chain(prog.assumptions.iter().map(|(_, size)| *size))
        .max()
        .unwrap_or(0) as usize;
    let mut env = Env::new();
    env.push_frame(0, frame);
    if let Ok(value) = ctx.eval(e, &mut env) {
        if !matches!(value, Value::Op(_)) {
            e.kind = Kind::Lit(value);
        }
    }
}

/// The variables of `e` when it is a variable, a tuple of them, or a definition naming one.
fn var_list(prog: &Program, e: &Expr, out: &mut Vec<u32>, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    match &e.kind {
        Kind::Var(i) => {
            out.push(*i);
            true
        }
        Kind::Tuple(items) => items.iter().all(|i| var_list(prog, i, out, depth + 1)),
        Kind::Call(id, args) if args.is_empty() => {
            let def = &prog.defs[*id as usize];
            def.frame_size == 0
                && def.function.is_none()
                && def.cached.is_none()
                && var_list(prog, &def.body, out, depth + 1)
        }
        _ => false,
    }
}

/// Whether `e` mentions the next state (a prime or UNCHANGED), through definitions too.
fn mentions_next(prog: &Program, e: &mut Expr, depth: usize) -> bool {
    if depth > 24 {
        return false;
    }
    match &mut e.kind {
        Kind::Prime(_) | Kind::Unchanged(_) | Kind::UnchangedVars(_) | Kind::StepOrStutter(..) => {
            return true
        }
        Kind::Call(id, args) => {
            if args.iter_mut().any(|a| mentions_next(prog, a, depth + 1)) {
                return true;
            }
            let def = &prog.defs[*id as usize];
            let mut body = def.body.clone();
            return def.cached.is_none() && mentions_next(prog, &mut body, depth + 1);
        }
        _ => {}
    }
    let mut children: Vec<&mut Expr> = Vec::new();
    collect_children(e, &mut children);
    children
        .into_iter()
        .any(|c| mentions_next(prog, c, depth + 1))
}

/// Whether `e` mentions a state variable, directly or in the definitions it calls.
pub(crate) fn mentions_variable(prog: &Program, e: &Expr, depth: usize) -> bool {
    if depth > 24 {
        return true;
    }
    match &e.kind {
        Kind::Var(_) | Kind::UnchangedVars(_) => return true,
        Kind::Call(id, args) | Kind::FuncDefApply(id, args) => {
            if args.iter().any(|a| mentions_variable(prog, a, depth + 1)) {
                return true;
            }
            return mentions_variable(prog, &prog.defs[*id as usize].body, depth + 1);
        }
        Kind::LetCall(id, args) | Kind::LetFuncDefApply(id, args) => {
            if args.iter().any(|a| mentions_variable(prog, a, depth + 1)) {
                return true;
            }
            return prog
                .lets
                .get(*id as usize)
                .is_some_and(|l| mentions_variable(prog, &l.body, depth + 1));
        }
        _ => {}
    }
    let mut e = e.clone();
    let mut children: Vec<&mut Expr> = Vec::new();
    collect_children(&mut e, &mut children);
    children
        .into_iter()
        .any(|c| mentions_variable(prog, c, depth + 1))
}

/// Whether enumerating `e` as an action could give more than one branch: it has a
/// disjunction, an `\E` or an implication where TLC's enumeration reaches (conjuncts, IF and
/// CASE branches, LET bodies, the bodies of `\A`, definitions called), not inside a guard.
fn may_branch(prog: &Program, e: &Expr, depth: usize) -> bool {
    if depth > 24 {
        return true;
    }
    match &e.kind {
        Kind::Or(items) => items.len() > 1,
        Kind::Exists(..)
        | Kind::Implies(..)
        | Kind::ForallAction(..)
        | Kind::LetFuncDefApply(..) => true,
        Kind::And(items) => items.iter().any(|i| may_branch(prog, i, depth + 1)),
        Kind::Let(body, _) | Kind::Forall(_, body) => may_branch(prog, body, depth + 1),
        Kind::If(_, t, f) => may_branch(prog, t, depth + 1) || may_branch(prog, f, depth + 1),
        Kind::Case(arms, other) => {
            arms.iter().any(|(_, a)| may_branch(prog, a, depth + 1))
                || other
                    .as_ref()
                    .is_some_and(|o| may_branch(prog, o, depth + 1))
        }
        Kind::Call(id, _) => {
            let def = &prog.defs[*id as usize];
            def.cached.is_none() && def.function.is_none() && may_branch(prog, &def.body, depth + 1)
        }
        Kind::LetCall(id, _) => prog.lets.get(*id as usize).is_some_and(|l| {
            !l.recursive && l.function.is_none() && may_branch(prog, &l.body, depth + 1)
        }),
        _ => false,
    }
}

/// Folds the constant subexpressions of `e` ([`fold`]) and tells whether `e` itself is
/// constant. A set filter, set map, function constructor, CHOOSE, `\A` or EXCEPT whose body
/// reads only the names it binds is constant (`{x \in {-1, 0, 1} \X {-1, 0, 1} : x /= <<0,
/// 0>>}` in a LET); a disjunction or an `\E` is not, as TLC enumerates them in an action.
fn visit(prog: &Program, e: &mut Expr) -> Scan {
    if let Kind::Forall(_, body) = &mut e.kind {
        // TLC enumerates a `\A` in an action or initial predicate as one conjunct per element
        // (so a disjunction in its body that holds twice gives two successors): only a body
        // that cannot branch may be evaluated as a single guard.
        if mentions_next(prog, body, 0) || may_branch(prog, body, 0) {
            if let Kind::Forall(bounds, body) =
                std::mem::replace(&mut e.kind, Kind::Lit(Value::Bool(false)))
            {
                e.kind = Kind::ForallAction(bounds, body);
            }
        }
    }
    if let Kind::Unchanged(inner) = &e.kind {
        let mut vars = Vec::new();
        if var_list(prog, inner, &mut vars, 0) {
            e.kind = Kind::UnchangedVars(vars);
            return Scan {
                pure: false,
                free: 0,
            };
        }
    }
    let self_constant = match &e.kind {
        Kind::Lit(_) => return Scan::CONSTANT,
        Kind::Local(slot) => {
            return Scan {
                pure: *slot < 128,
                free: if *slot < 128 { 1 << slot } else { 0 },
            }
        }
        Kind::Call(id, args) => {
            args.is_empty()
                && prog.defs[*id as usize].cached.is_some()
                && !prog.branching.contains(id)
        }
        Kind::Builtin(op, _) => {
            !op.is_volatile()
                && !matches!(op, Builtin::Assert | Builtin::SelectSeq | Builtin::SortSeq)
        }
        Kind::Var(_)
        | Kind::Prime(_)
        | Kind::Unchanged(_)
        | Kind::UnchangedVars(_)
        | Kind::ForallAction(..)
        | Kind::ParamCall(..)
        | Kind::LetCall(..)
        | Kind::LetFuncDefApply(..)
        | Kind::FuncDefApply(..)
        | Kind::OpArg(_)
        | Kind::Always(_)
        | Kind::Enabled(_)
        | Kind::Temporal(_)
        | Kind::Eventually(_)
        | Kind::LeadsTo(..)
        | Kind::Compose(..)
        | Kind::Fairness { .. }
        | Kind::AngleStep(..)
        | Kind::StepOrStutter(..) => false,
        _ => true,
    };
    // TLC enumerates a disjunction and an `\E` in an action, one branch per true disjunct or
    // witness (so that the generated count depends on them): they are never folded whole,
    // only their parts. A set filter over a symbolic set (`{Q \in SUBSET S : ...}`) stays a
    // filter, tested for membership without listing it.
    let branches = match &e.kind {
        Kind::Or(items) => items.len() > 1,
        Kind::Exists(..) => true,
        Kind::SetFilter(bound, _) => symbolic_set(prog, &bound.set),
        _ => false,
    };
    let self_constant = self_constant && !branches;
    let binds = match &e.kind {
        Kind::Forall(bounds, _) | Kind::FuncCons(bounds, _) | Kind::SetMap(_, bounds) => {
            bound_slots(bounds.iter())
        }
        Kind::Choose(bound, _) | Kind::SetFilter(bound, _) => {
            bound_slots(std::iter::once(&**bound))
        }
        Kind::Except(_, updates) => updates
            .iter()
            .filter(|u| u.at_slot < 128)
            .fold(0, |mask, u| mask | 1 << u.at_slot),
        _ => 0,
    };
    let mut children: Vec<&mut Expr> = Vec::new();
    collect_children(e, &mut children);
    let scans: Vec<Scan> = children.iter_mut().map(|c| visit(prog, c)).collect();
    let scan = Scan {
        pure: self_constant && scans.iter().all(|s| s.pure),
        free: scans.iter().fold(0, |free, s| free | s.free) & !binds,
    };
    if !scan.constant() {
        for (child, child_scan) in children.into_iter().zip(scans) {
            if child_scan.constant() {
                fold(prog, child);
            }
        }
    }
    scan
}

pub(crate) fn collect_children<'e>(e: &'e mut Expr, out: &mut Vec<&'e mut Expr>) {
    match &mut e.kind {
        Kind::Lit(_)
        | Kind::Local(_)
        | Kind::Var(_)
        | Kind::UnchangedVars(_)
        | Kind::OpArg(_)
        | Kind::Temporal(_) => {}
        Kind::Prime(a)
        | Kind::Unchanged(a)
        | Kind::Not(a)
        | Kind::Let(a, _)
        | Kind::Always(a)
        | Kind::Eventually(a)
        | Kind::Enabled(a) => out.push(a),
        Kind::Field(a, _) => out.push(a),
        Kind::Call(_, args)
        | Kind::LetCall(_, args)
        | Kind::ParamCall(_, args)
        | Kind::FuncDefApply(_, args)
        | Kind::LetFuncDefApply(_, args)
        | Kind::Builtin(_, args)
        | Kind::And(args)
        | Kind::Or(args)
        | Kind::SetEnum(args)
        | Kind::Tuple(args) => out.extend(args.iter_mut()),
        Kind::Implies(a, b)
        | Kind::Equiv(a, b)
        | Kind::FuncSet(a, b)
        | Kind::StepOrStutter(a, b)
        | Kind::AngleStep(a, b)
        | Kind::Compose(a, b)
        | Kind::LeadsTo(a, b) => {
            out.push(a);
            out.push(b);
        }
        Kind::Fairness { vars, action, .. } => {
            out.push(vars);
            out.push(action);
        }
        Kind::If(a, b, c) => {
            out.push(a);
            out.push(b);
            out.push(c);
        }
        Kind::Case(arms, other) => {
            for (g, v) in arms.iter_mut() {
                out.push(g);
                out.push(v);
            }
            if let Some(o) = other {
                out.push(o);
            }
        }
        Kind::Forall(bounds, body)
        | Kind::ForallAction(bounds, body)
        | Kind::Exists(bounds, body)
        | Kind::FuncCons(bounds, body) => {
            out.extend(bounds.iter_mut().map(|b| &mut b.set));
            out.push(body);
        }
        Kind::SetMap(body, bounds) => {
            out.extend(bounds.iter_mut().map(|b| &mut b.set));
            out.push(body);
        }
        Kind::Choose(bound, body) | Kind::SetFilter(bound, body) => {
            out.push(&mut bound.set);
            out.push(body);
        }
        Kind::Apply(f, args) => {
            out.push(f);
            out.extend(args.iter_mut());
        }
        Kind::Record(fields) | Kind::RecordSet(fields) => {
            out.extend(fields.iter_mut().map(|(_, v)| v))
        }
        Kind::Except(base, updates) => {
            out.push(base);
            for u in updates.iter_mut() {
                for step in u.path.iter_mut() {
                    if let PathStep::Index(args) = step {
                        out.extend(args.iter_mut());
                    }
                }
                out.push(&mut u.value);
            }
        }
    }
}

/// The state variables that evaluating `e` may read, as a mask (bit `i` for variable `i`),
/// through the definitions it calls. `None` when `e` is not a function of the current state
/// alone, or when that is not known: it reads the next state, applies an operator argument,
/// uses `ENABLED`, prints or picks at random, is nested too deeply, or the spec has more than
/// 64 variables. Two states that agree on the variables of the mask give `e` the same value,
/// so a state predicate that held in a state still holds after a step that changed none of
/// them (see `TlaModel`'s invariants).
pub(crate) fn vars_read(prog: &Program, e: &Expr) -> Option<u64> {
    if prog.vars.len() > 64 {
        return None;
    }
    let mut seen_defs = vec![false; prog.defs.len()];
    let mut seen_lets = vec![false; prog.lets.len()];
    let mut mask = 0u64;
    expr_vars_read(prog, e, &mut seen_defs, &mut seen_lets, &mut mask, 0).then_some(mask)
}

/// Adds the variables `e` reads to `mask`; false when they are not known (see [`vars_read`]).
/// Each definition's body is visited once: reading it again adds nothing.
fn expr_vars_read(
    prog: &Program,
    e: &Expr,
    seen_defs: &mut [bool],
    seen_lets: &mut [bool],
    mask: &mut u64,
    depth: usize,
) -> bool {
    if depth > 256 {
        return false;
    }
    match &e.kind {
        Kind::Var(i) => {
            *mask |= 1u64 << i;
            return true;
        }
        Kind::Prime(_)
        | Kind::Unchanged(_)
        | Kind::UnchangedVars(_)
        | Kind::StepOrStutter(..)
        | Kind::AngleStep(..)
        | Kind::Enabled(_)
        | Kind::ParamCall(..)
        | Kind::OpArg(_)
        | Kind::Lit(Value::Op(_))
        | Kind::Temporal(_)
        | Kind::Always(_)
        | Kind::Eventually(_)
        | Kind::LeadsTo(..)
        | Kind::Compose(..)
        | Kind::Fairness { .. } => return false,
        Kind::Builtin(op, _) if op.is_volatile() => return false,
        Kind::Call(id, _) | Kind::FuncDefApply(id, _) => {
            let id = *id as usize;
            let def = &prog.defs[id];
            if def.cached.is_none() && !std::mem::replace(&mut seen_defs[id], true) {
                let bounds = def.function.iter().flatten().map(|b| &b.set);
                for part in bounds.chain(std::iter::once(&def.body)) {
                    if !expr_vars_read(prog, part, seen_defs, seen_lets, mask, depth + 1) {
                        return false;
                    }
                }
            }
        }
        Kind::LetCall(id, _) | Kind::LetFuncDefApply(id, _) => {
            let id = *id as usize;
            if !std::mem::replace(&mut seen_lets[id], true) {
                let def = &prog.lets[id];
                let bounds = def.function.iter().flatten().map(|b| &b.set);
                for part in bounds.chain(std::iter::once(&def.body)) {
                    if !expr_vars_read(prog, part, seen_defs, seen_lets, mask, depth + 1) {
                        return false;
                    }
                }
            }
        }
        _ => {}
    }
    let mut copy = e.clone();
    let mut children = Vec::new();
    collect_children(&mut copy, &mut children);
    children
        .into_iter()
        .all(|child| expr_vars_read(prog, child, seen_defs, seen_lets, mask, depth + 1))
}
