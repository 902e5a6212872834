//! Expressions compiled to closures once the program is loaded.
//!
//! Walking the expression tree costs a dispatch on the node's form at every node, and the
//! general evaluator's frame is large: `Len(network[p][q]) <= 3` took about 650 instructions
//! per evaluation that way. Each node of the common forms (comparisons, Boolean connectives,
//! quantifiers, arithmetic and the other built-in operators, calls of definitions, chains
//! `f[a][b].c` read in place, tuples and records, LET, CHOOSE, set maps and enumerations) gets
//! a closure here that evaluates it, with the decisions that depend only on the expression
//! (which operands can be read by reference, the shape `S \ {x}` of a quantifier's set or of a
//! set difference, whether a membership test goes through a set filter) taken once. The other
//! forms (EXCEPT, set filters, function constructors, primes, ...) are left to the tree walk,
//! whose operands are in turn compiled.
//!
//! A compiled node computes exactly what the walk computes, with the same errors: where its
//! fast path does not apply (a step outside a function's domain, a value of an unexpected
//! kind) it calls the same helpers as the walk, or the walk itself on the node.

use std::fmt;
use std::sync::Arc;

use crate::ast::{Builtin, Expr, Kind, Pattern, Span};
use crate::eval::{
    bind, check_depth, enumerate, expect_bool, for_each_function, force, is_function_set,
    is_infinite, quantify_functions, with_one, Ctx, EResult, Env, Mode,
};
use crate::lower::Program;
use crate::value::{shared, Sym, Value};

type ValueFn = Box<dyn Fn(&Ctx<'_>, &mut Env) -> EResult<Value> + Send + Sync>;
type BoolFn = Box<dyn Fn(&Ctx<'_>, &mut Env) -> EResult<bool> + Send + Sync>;
/// A chain `f[a][b].c` read in place: its root and its steps.
type Chain = (Part, Box<[Part]>);

/// The compiled form of an expression (see the module documentation).
pub struct Code {
    /// Its value.
    pub(crate) value: ValueFn,
    /// Its value where a Boolean is expected (the error of the walk when it is not one).
    pub(crate) boolean: BoolFn,
    /// For chains `f[a].b` whose parts are all readable in place: the chain, read by
    /// reference without evaluating anything.
    chain: Option<Arc<Chain>>,
    /// For a disjunction in an action: the disjuncts whose first conjunct can be decided
    /// once for several of them (see [`Dispatch`]).
    pub(crate) dispatch: Option<Arc<Dispatch>>,
}

/// How an action's disjunction skips the disjuncts that cannot be enabled without entering
/// them. PlusCal's `p(self) == ncs(self) \/ e1(self) \/ ...`, whose disjuncts start with
/// `pc[self] = "ncs"`, `pc[self] = "e1"`, ...: `pc[self]` is read once and only the matching
/// disjunct is entered. `ReceiveRequest(p, q) \/ ReceiveAck(p, q)`, both starting with
/// `network[q][p] # << >>` and then `LET m == Head(network[q][p]) IN m.type = "req" /\ ...`
/// (`"ack"` in the other): the guard is evaluated once, then, where it holds,
/// `Head(network[q][p]).type` once, and only the disjunct of that type is entered.
///
/// A disjunct's tests are its leading conjuncts, in the order it evaluates them (into the body
/// of a LET, whose definitions without parameters are written out); a shared expression is
/// evaluated when the first disjunct needing it gets to it, so only after the tests before it
/// held, as the disjunct itself would. A disjunct is skipped when one of its tests is false,
/// so it emits nothing: the successors and their order are those of the plain enumeration. A
/// test that cannot be evaluated (or compares values of different kinds) stops the testing and
/// the disjunct is entered, to report the error as the plain enumeration does. The shared
/// expressions read only variables, literals and the disjunction's own bound names or
/// parameters, with operators without side effects.
#[derive(Debug)]
pub(crate) struct Dispatch {
    /// The shared expressions, in the disjunction's frame: a value compared with a literal in
    /// each disjunct, or a whole guard.
    pub(crate) groups: Vec<(Expr, GroupTest)>,
    /// Per disjunct, its tests in order: a group and the literal it must equal (`None`: the
    /// group is the guard itself). Empty for a disjunct always entered.
    pub(crate) arms: Vec<Vec<(usize, Option<Value>)>>,
}

/// The most tests taken from one disjunct's leading conjuncts.
const TESTS_MAX: usize = 3;

/// The most groups a [`Dispatch`] keeps (the others' disjuncts are always entered): their
/// values are kept on the stack while the disjunction is enumerated.
pub(crate) const GROUPS_MAX: usize = 4;

/// What a [`Dispatch`] group is evaluated for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum GroupTest {
    /// Its value, compared with each disjunct's literal.
    Value,
    /// Whether it holds.
    Holds,
}

impl Dispatch {
    /// The dispatch of the disjunction `items` (in an action), when it saves anything.
    fn of(prog: &Program, items: &[Expr]) -> Option<Dispatch> {
        let mut groups: Vec<(Expr, GroupTest)> = Vec::new();
        let mut arms: Vec<Vec<(usize, Option<Value>)>> = Vec::with_capacity(items.len());
        for item in items {
            let mut arm = Vec::new();
            for (expr, literal) in leading_tests(prog, item) {
                let test = match literal {
                    Some(_) => GroupTest::Value,
                    None => GroupTest::Holds,
                };
                let group = match groups
                    .iter()
                    .position(|(g, t)| *t == test && same_shape(g, &expr))
                {
                    Some(group) => group,
                    None => {
                        groups.push((expr, test));
                        groups.len() - 1
                    }
                };
                arm.push((group, literal));
            }
            arms.push(arm);
        }
        // A group of one disjunct saves nothing (its guard is evaluated on entering): it is
        // dropped, as are the groups beyond GROUPS_MAX. A disjunct's tests stop before the
        // first dropped one (a later test may only be taken once the earlier ones held),
        // which may leave other groups with one disjunct: until none does.
        let mut kept = vec![false; groups.len()];
        loop {
            let mut members = vec![0usize; groups.len()];
            for &(group, _) in arms.iter().flatten() {
                members[group] += 1;
            }
            let mut count = 0;
            for (keep, members) in kept.iter_mut().zip(members) {
                *keep = members >= 2 && count < GROUPS_MAX;
                count += usize::from(*keep);
            }
            let mut cut = false;
            for arm in arms.iter_mut() {
                if let Some(at) = arm.iter().position(|(group, _)| !kept[*group]) {
                    arm.truncate(at);
                    cut = true;
                }
            }
            if !cut {
                break;
            }
        }
        let mut renumbered = Vec::with_capacity(groups.len());
        let mut kept_groups = Vec::new();
        for (group, keep) in groups.into_iter().zip(&kept) {
            renumbered.push(kept_groups.len());
            if *keep {
                kept_groups.push(group);
            }
        }
        for (group, _) in arms.iter_mut().flatten() {
            *group = renumbered[*group];
        }
        if kept_groups.is_empty() {
            return None;
        }
        for (expr, _) in kept_groups.iter_mut() {
            compile_tree(prog, expr);
        }
        Some(Dispatch {
            groups: kept_groups,
            arms,
        })
    }
}

/// The tests of the disjunct `item` (see [`Dispatch`]), in the disjunction's frame: its
/// leading conjuncts that are `e = literal` (with `Some(literal)`) or another guard (with
/// `None`) over pure expressions, up to the first that is not, going into the body of a LET.
/// For a call of a definition, its parameters are replaced by the call's arguments.
fn leading_tests(prog: &Program, item: &Expr) -> Vec<(Expr, Option<Value>)> {
    let (body, args): (&Expr, &[Expr]) = match &item.kind {
        Kind::And(_) => (item, &[]),
        Kind::Call(id, args) => {
            let def = &prog.defs[*id as usize];
            if def.cached.is_some() || def.function.is_some() || prog.branching.contains(id) {
                return Vec::new();
            }
            if !args
                .iter()
                .all(|a| matches!(a.kind, Kind::Local(_) | Kind::Lit(_)))
            {
                return Vec::new();
            }
            (&def.body, args.as_slice())
        }
        _ => return Vec::new(),
    };
    let in_def = matches!(item.kind, Kind::Call(..));
    let mut tests = Vec::new();
    collect_tests(prog, conjuncts_of(body), args, in_def, &mut tests);
    tests
}

/// The conjuncts of `e`: itself unless it is a conjunction.
fn conjuncts_of(e: &Expr) -> &[Expr] {
    match &e.kind {
        Kind::And(conjuncts) => conjuncts,
        _ => std::slice::from_ref(e),
    }
}

/// Appends to `tests` those of `conjuncts` (see [`leading_tests`]); false once one is not a
/// test.
fn collect_tests(
    prog: &Program,
    conjuncts: &[Expr],
    args: &[Expr],
    in_def: bool,
    tests: &mut Vec<(Expr, Option<Value>)>,
) -> bool {
    for conjunct in conjuncts {
        if tests.len() == TESTS_MAX {
            return false;
        }
        if let Kind::Let(body, _) = &conjunct.kind {
            if !collect_tests(prog, conjuncts_of(body), args, in_def, tests) {
                return false;
            }
            continue;
        }
        match test_of(prog, conjunct, args, in_def) {
            Some(test) => tests.push(test),
            None => return false,
        }
    }
    true
}

/// `first` as a test of a disjunct (see [`leading_tests`]).
fn test_of(
    prog: &Program,
    first: &Expr,
    args: &[Expr],
    in_def: bool,
) -> Option<(Expr, Option<Value>)> {
    let within = |e: &Expr| -> Option<Expr> {
        if !pure(prog, e, args.len(), in_def, 0) {
            return None;
        }
        Some(substitute(prog, e, args))
    };
    match &first.kind {
        Kind::Builtin(Builtin::Eq, operands) if operands.len() == 2 => {
            match (&operands[0].kind, &operands[1].kind) {
                (_, Kind::Lit(c)) if scalar(c) => Some((within(&operands[0])?, Some(c.clone()))),
                (Kind::Lit(c), _) if scalar(c) => Some((within(&operands[1])?, Some(c.clone()))),
                _ => Some((within(first)?, None)),
            }
        }
        Kind::Builtin(..) => Some((within(first)?, None)),
        _ => None,
    }
}

/// A literal whose inequality with a value of the same kind is decided without error.
fn scalar(v: &Value) -> bool {
    matches!(
        v,
        Value::Str(_) | Value::Int(_) | Value::Bool(_) | Value::Model(_)
    )
}

/// Whether `a` and `b` surely differ: scalars of the same kind that are not equal. (Values
/// of different kinds may be an error to compare, which the disjunct then reports.)
pub(crate) fn surely_differ(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) | (Value::Model(x), Value::Model(y)) => x != y,
        (Value::Int(x), Value::Int(y)) => x != y,
        (Value::Bool(x), Value::Bool(y)) => x != y,
        _ => false,
    }
}

/// Whether `e` reads only variables (unprimed), literals and, in a definition's body
/// (`in_def`), its first `arity` parameters (else the frame's own slots), through
/// applications, fields, operators without side effects and LET definitions without
/// parameters (see [`inlined`]).
fn pure(prog: &Program, e: &Expr, arity: usize, in_def: bool, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    let all = |es: &[Expr]| es.iter().all(|x| pure(prog, x, arity, in_def, depth + 1));
    match &e.kind {
        Kind::Lit(_) | Kind::Var(_) => true,
        Kind::Local(slot) => !in_def || (*slot as usize) < arity,
        Kind::Apply(f, args) => pure(prog, f, arity, in_def, depth + 1) && all(args),
        Kind::Field(r, _) => pure(prog, r, arity, in_def, depth + 1),
        Kind::LetCall(..) => {
            inlined(prog, e).is_some_and(|body| pure(prog, body, arity, in_def, depth + 1))
        }
        Kind::Builtin(op, args) => {
            (op.is_comparison()
                || matches!(
                    op,
                    Builtin::Plus
                        | Builtin::Minus
                        | Builtin::Len
                        | Builtin::Head
                        | Builtin::Cup
                        | Builtin::Cap
                        | Builtin::SetMinus
                        | Builtin::SubsetEq
                ))
                && all(args)
        }
        _ => false,
    }
}

/// The body of the LET definition `e` calls, when it has no parameters and is neither
/// recursive nor a function: it reads the frame of the LET, so that it may be written out in
/// place of the call.
fn inlined<'p>(prog: &'p Program, e: &Expr) -> Option<&'p Expr> {
    match &e.kind {
        Kind::LetCall(id, args) if args.is_empty() => {
            let def = &prog.lets[*id as usize];
            (def.params.is_empty() && def.function.is_none() && !def.recursive).then_some(&def.body)
        }
        _ => None,
    }
}

/// `e` with the parameters `Local(k)` replaced by `args[k]` (none without arguments) and the
/// LET definitions it calls written out ([`pure`] checked that they can be).
fn substitute(prog: &Program, e: &Expr, args: &[Expr]) -> Expr {
    let kind = match &e.kind {
        Kind::Local(slot) if !args.is_empty() => return args[*slot as usize].clone(),
        Kind::LetCall(..) => match inlined(prog, e) {
            Some(body) => return substitute(prog, body, args),
            None => e.kind.clone(),
        },
        Kind::Apply(f, xs) => Kind::Apply(
            Box::new(substitute(prog, f, args)),
            xs.iter().map(|x| substitute(prog, x, args)).collect(),
        ),
        Kind::Field(r, name) => Kind::Field(Box::new(substitute(prog, r, args)), *name),
        Kind::Builtin(op, xs) => {
            Kind::Builtin(*op, xs.iter().map(|x| substitute(prog, x, args)).collect())
        }
        other => other.clone(),
    };
    Expr::new(kind, e.span)
}

/// Whether `a` and `b` are the same expression but for where they are written.
fn same_shape(a: &Expr, b: &Expr) -> bool {
    let all = |x: &[Expr], y: &[Expr]| {
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_shape(p, q))
    };
    match (&a.kind, &b.kind) {
        (Kind::Lit(x), Kind::Lit(y)) => x == y,
        (Kind::Var(x), Kind::Var(y)) | (Kind::Local(x), Kind::Local(y)) => x == y,
        (Kind::Apply(f, xs), Kind::Apply(g, ys)) => same_shape(f, g) && all(xs, ys),
        (Kind::Field(r, m), Kind::Field(s, n)) => m == n && same_shape(r, s),
        (Kind::Builtin(o, xs), Kind::Builtin(p, ys)) => o == p && all(xs, ys),
        _ => false,
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Code")
    }
}

/// An operand of a compiled node: read directly when it is a leaf, else its own code, else the
/// tree walk.
enum Sub {
    Lit(Value, Span),
    Local(u32, Span),
    Var(u32, Span),
    Code(Arc<Code>, Span),
    /// A LET definition without parameters whose value is kept in a memo slot (see
    /// [`crate::ast::LetDef::cache`]): read there once computed.
    Memo(u32, Box<Expr>),
    Walk(Box<Expr>),
}

impl Sub {
    fn of(prog: &Program, e: &Expr) -> Sub {
        match &e.kind {
            Kind::Lit(v) => Sub::Lit(v.clone(), e.span),
            Kind::Local(slot) => Sub::Local(*slot, e.span),
            Kind::Var(index) => Sub::Var(*index, e.span),
            Kind::Call(id, args) if args.is_empty() => match &prog.defs[*id as usize].cached {
                Some(v) => Sub::Lit(v.clone(), e.span),
                None => Sub::node(e),
            },
            Kind::LetCall(id, args) if args.is_empty() => match prog.lets[*id as usize].cache {
                Some(slot) => Sub::Memo(slot, Box::new(e.clone())),
                None => Sub::node(e),
            },
            _ => Sub::node(e),
        }
    }

    fn node(e: &Expr) -> Sub {
        match &e.code {
            Some(code) => Sub::Code(Arc::clone(code), e.span),
            None => Sub::Walk(Box::new(e.clone())),
        }
    }

    fn span(&self) -> Span {
        match self {
            Sub::Lit(_, span) | Sub::Local(_, span) | Sub::Var(_, span) | Sub::Code(_, span) => {
                *span
            }
            Sub::Memo(_, e) | Sub::Walk(e) => e.span,
        }
    }

    #[inline(always)]
    fn value(&self, ctx: &Ctx<'_>, env: &mut Env) -> EResult<Value> {
        match self {
            Sub::Lit(v, _) => Ok(v.clone()),
            Sub::Local(slot, _) => Ok(env.stack[env.base + *slot as usize].clone()),
            Sub::Var(index, span) => match ctx.cur.get(*index as usize) {
                Some(v) if ctx.mode == Mode::Next => Ok(v.clone()),
                _ => ctx.var(*index, *span),
            },
            Sub::Code(code, _) => (code.value)(ctx, env),
            Sub::Memo(slot, e) => match read_memo(ctx, env, *slot) {
                Some(v) => Ok(v.clone()),
                None => ctx.eval(e, env),
            },
            Sub::Walk(e) => ctx.eval(e, env),
        }
    }

    #[inline]
    fn boolean(&self, ctx: &Ctx<'_>, env: &mut Env) -> EResult<bool> {
        match self {
            Sub::Code(code, _) => (code.boolean)(ctx, env),
            Sub::Walk(e) => ctx.eval_bool(e, env),
            _ => expect_bool(self.value(ctx, env)?, self.span()),
        }
    }

    /// Whether [`Sub::peek`] may find the value without evaluating anything.
    fn peekable(&self) -> bool {
        match self {
            Sub::Lit(..) | Sub::Local(..) | Sub::Var(..) | Sub::Memo(..) => true,
            Sub::Code(code, _) => code.chain.is_some(),
            Sub::Walk(_) => false,
        }
    }

    #[inline(always)]
    fn peek<'v>(&'v self, ctx: &'v Ctx<'_>, env: &'v Env) -> Option<&'v Value> {
        match self {
            Sub::Lit(v, _) => Some(v),
            Sub::Local(slot, _) => env.stack.get(env.base + *slot as usize),
            Sub::Var(index, _) => read_var(ctx, *index),
            Sub::Code(code, _) => {
                let (root, steps) = &**code.chain.as_ref()?;
                peek_chain(root, steps, ctx, env)
            }
            Sub::Memo(slot, _) => read_memo(ctx, env, *slot),
            Sub::Walk(_) => None,
        }
    }

    /// The value, computed only when it cannot be read in place.
    #[inline]
    fn owned(&self, ctx: &Ctx<'_>, env: &mut Env) -> EResult<Option<Value>> {
        if self.peekable() {
            Ok(None)
        } else {
            self.value(ctx, env).map(Some)
        }
    }
}

/// The value kept in a LET definition's memo slot, `None` until computed (or when not
/// evaluating in the current state, where memos are not kept).
#[inline(always)]
fn read_memo<'v>(ctx: &Ctx<'_>, env: &'v Env, slot: u32) -> Option<&'v Value> {
    if ctx.mode != Mode::Next {
        return None;
    }
    match env.stack.get(env.base + slot as usize)? {
        Value::Str(s) if *s == Sym::MEMO_UNSET => None,
        v => Some(v),
    }
}

/// A variable of the state the evaluation mode reads, `None` when unreadable there.
#[inline(always)]
fn read_var<'v>(ctx: &'v Ctx<'_>, index: u32) -> Option<&'v Value> {
    match ctx.mode {
        Mode::Next => ctx.cur.get(index as usize),
        Mode::Init | Mode::Primed => ctx.next_var(index as usize),
        Mode::Const => None,
    }
}

/// Calls `f` with references to the values of `a` and `b`, each read in place when it can be
/// and evaluated otherwise (in that order, as the walk does).
#[inline]
fn with_operands<T>(
    a: &Sub,
    b: &Sub,
    ctx: &Ctx<'_>,
    env: &mut Env,
    f: impl Fn(&Value, &Value) -> EResult<T>,
) -> EResult<T> {
    // The walk evaluates an operand it cannot read in place before the other: when `b` must
    // be evaluated, `a` is evaluated first unless it can be read (a chain outside its domain
    // is evaluated, for its error, before `b` runs).
    let a_owned = if !a.peekable() || (!b.peekable() && a.peek(ctx, env).is_none()) {
        Some(a.value(ctx, env)?)
    } else {
        None
    };
    let b_owned = b.owned(ctx, env)?;
    let a_ref = match &a_owned {
        Some(v) => Some(v),
        None => a.peek(ctx, env),
    };
    let b_ref = match &b_owned {
        Some(v) => Some(v),
        None => b.peek(ctx, env),
    };
    if let (Some(x), Some(y)) = (a_ref, b_ref) {
        return f(x, y);
    }
    // A chain that leaves its function's domain: evaluated, for the walk's error.
    let x = match a_owned {
        Some(v) => v,
        None => a.value(ctx, env)?,
    };
    let y = match b_owned {
        Some(v) => v,
        None => b.value(ctx, env)?,
    };
    f(&x, &y)
}

/// Compiles every expression of `prog`, bottom-up, so that a node's code can call its
/// operands' code.
pub(crate) fn compile_program(prog: &mut Program) {
    // Decisions look through definitions (whether a set is a filter, whether a definition is a
    // constant or a recursive function), including the one being compiled, which
    // `for_each_body` takes out meanwhile: they read an intact copy.
    let intact = Program {
        defs: prog.defs.clone(),
        lets: prog.lets.clone(),
        ..Program::default()
    };
    crate::fold::for_each_body(prog, |_, e| compile_tree(&intact, e));
}

fn compile_tree(prog: &Program, e: &mut Expr) {
    let mut children = Vec::new();
    crate::fold::collect_children(e, &mut children);
    for child in children {
        compile_tree(prog, child);
    }
    e.code = compile(prog, e).map(Arc::new);
}

/// The code of `e`, whose operands are compiled already; `None` for the forms left to the
/// tree walk.
fn compile(prog: &Program, e: &Expr) -> Option<Code> {
    let span = e.span;
    match &e.kind {
        Kind::Apply(..) | Kind::Field(..) => chain(prog, e),
        Kind::Builtin(op, args) => builtin(prog, *op, args, span),
        Kind::And(exprs) | Kind::Or(exprs) => {
            let items: Vec<Sub> = exprs.iter().map(|i| Sub::of(prog, i)).collect();
            let stop = matches!(e.kind, Kind::Or(_));
            let mut code = boolean(span, move |ctx, env| {
                for item in &items {
                    if item.boolean(ctx, env)? == stop {
                        return Ok(stop);
                    }
                }
                Ok(!stop)
            });
            if stop {
                code.dispatch = Dispatch::of(prog, exprs).map(Arc::new);
            }
            Some(code)
        }
        Kind::Not(a) => {
            let a = Sub::of(prog, a);
            Some(boolean(span, move |ctx, env| Ok(!a.boolean(ctx, env)?)))
        }
        Kind::Implies(a, b) => {
            let (a, b) = (Sub::of(prog, a), Sub::of(prog, b));
            Some(boolean(span, move |ctx, env| {
                Ok(!a.boolean(ctx, env)? || b.boolean(ctx, env)?)
            }))
        }
        Kind::Equiv(a, b) => {
            let (a, b) = (Sub::of(prog, a), Sub::of(prog, b));
            Some(boolean(span, move |ctx, env| {
                // `eval_bool` has no arm for `<=>`: the walk reaches it through `eval_node`.
                check_depth(env, span)?;
                Ok(a.boolean(ctx, env)? == b.boolean(ctx, env)?)
            }))
        }
        Kind::If(c, t, f) => {
            let (c, t, f) = (
                Arc::new(Sub::of(prog, c)),
                Arc::new(Sub::of(prog, t)),
                Arc::new(Sub::of(prog, f)),
            );
            let (c2, t2, f2) = (Arc::clone(&c), Arc::clone(&t), Arc::clone(&f));
            Some(Code {
                value: Box::new(move |ctx, env| {
                    check_depth(env, span)?;
                    if c.boolean(ctx, env)? {
                        t.value(ctx, env)
                    } else {
                        f.value(ctx, env)
                    }
                }),
                boolean: Box::new(move |ctx, env| {
                    if c2.boolean(ctx, env)? {
                        t2.boolean(ctx, env)
                    } else {
                        f2.boolean(ctx, env)
                    }
                }),
                chain: None,
                dispatch: None,
            })
        }
        Kind::Forall(bounds, body)
        | Kind::ForallAction(bounds, body)
        | Kind::Exists(bounds, body) => {
            let forall = !matches!(e.kind, Kind::Exists(..));
            let bounds: Vec<Quantified> = bounds
                .iter()
                .map(|b| Quantified {
                    pattern: b.pattern.clone(),
                    set: QuantifiedSet::of(prog, &b.set),
                    span: b.set.span,
                })
                .collect();
            let body = Sub::of(prog, body);
            Some(boolean(span, move |ctx, env| {
                quantify(&bounds, &body, forall, ctx, env)
            }))
        }
        Kind::Call(id, args) => call(prog, *id, args, span),
        Kind::Let(body, memos) => {
            // The definitions' memo slots are cleared on entry, as the walk does.
            let memos: Arc<[u32]> = memos.iter().copied().collect();
            let body = Arc::new(Sub::of(prog, body));
            let (memos2, body2) = (Arc::clone(&memos), Arc::clone(&body));
            Some(Code {
                value: Box::new(move |ctx, env| {
                    check_depth(env, span)?;
                    env.clear_memos(&memos);
                    body.value(ctx, env)
                }),
                boolean: Box::new(move |ctx, env| {
                    env.clear_memos(&memos2);
                    body2.boolean(ctx, env)
                }),
                chain: None,
                dispatch: None,
            })
        }
        Kind::SetEnum(items) => {
            let items: Vec<Sub> = items.iter().map(|i| Sub::of(prog, i)).collect();
            Some(value_at(span, move |ctx, env| {
                let mut values = Vec::with_capacity(items.len());
                for item in &items {
                    let value = item.value(ctx, env)?;
                    // An infinite set as an element stays symbolic, as in the walk.
                    values.push(if is_infinite(&value) {
                        value
                    } else {
                        force(value, item.span())?
                    });
                }
                Ok(Value::set(values))
            }))
        }
        Kind::SetMap(body, bounds) => {
            let bounds: Vec<Quantified> = bounds
                .iter()
                .map(|b| Quantified {
                    pattern: b.pattern.clone(),
                    set: QuantifiedSet::Any(Sub::of(prog, &b.set)),
                    span: b.set.span,
                })
                .collect();
            let body = Sub::of(prog, body);
            Some(value_at(span, move |ctx, env| {
                let mut out = Vec::new();
                map_into(&bounds, &body, ctx, env, &mut out)?;
                Ok(Value::set(out))
            }))
        }
        Kind::Choose(bound, body) => {
            let always = matches!(body.kind, Kind::Lit(Value::Bool(true)));
            let set = Sub::of(prog, &bound.set);
            let body = Sub::of(prog, body);
            let bound = bound.clone();
            Some(value_at(span, move |ctx, env| {
                if always {
                    // `CHOOSE x \in S : TRUE` binds nothing: `S` is read in place.
                    if let Some(Value::Set(elements)) = set.peek(ctx, env) {
                        if let Some(first) = crate::eval::tlc_first(elements) {
                            return Ok(first.clone());
                        }
                    }
                }
                let set = set.value(ctx, env)?;
                ctx.choose(&set, &bound, always, span, env, |ctx, env| {
                    body.boolean(ctx, env)
                })
            }))
        }
        Kind::Tuple(items) => {
            let items: Vec<Sub> = items.iter().map(|i| Sub::of(prog, i)).collect();
            Some(value_at(span, move |ctx, env| {
                let mut values = Vec::with_capacity(items.len());
                for item in &items {
                    values.push(force(item.value(ctx, env)?, item.span())?);
                }
                Ok(Value::Seq(shared(values)))
            }))
        }
        Kind::Record(fields) if !fields.is_empty() => {
            let fields: Vec<(Sym, Sub)> = fields
                .iter()
                .map(|(name, v)| (*name, Sub::of(prog, v)))
                .collect();
            Some(value_at(span, move |ctx, env| {
                let mut values = Vec::with_capacity(fields.len());
                for (name, v) in &fields {
                    values.push((*name, force(v.value(ctx, env)?, v.span())?));
                }
                Ok(Value::Record(shared(values)))
            }))
        }
        _ => None,
    }
}

/// Code for a Boolean form; its value is the Boolean. As a value it is checked for depth, as
/// the walk's `eval_node` checks every node it evaluates (`eval_bool` does not).
fn boolean(
    span: Span,
    f: impl Fn(&Ctx<'_>, &mut Env) -> EResult<bool> + Send + Sync + 'static,
) -> Code {
    let f = Arc::new(f);
    let g = Arc::clone(&f);
    Code {
        value: Box::new(move |ctx, env| {
            check_depth(env, span)?;
            Ok(Value::Bool(g(ctx, env)?))
        }),
        boolean: Box::new(move |ctx, env| f(ctx, env)),
        chain: None,
        dispatch: None,
    }
}

/// Code for a form whose value is computed; as a Boolean, the walk's error when it is not one.
fn value_at(
    span: Span,
    f: impl Fn(&Ctx<'_>, &mut Env) -> EResult<Value> + Send + Sync + 'static,
) -> Code {
    let f = Arc::new(f);
    let g = Arc::clone(&f);
    Code {
        value: Box::new(move |ctx, env| {
            check_depth(env, span)?;
            f(ctx, env)
        }),
        boolean: Box::new(move |ctx, env| {
            check_depth(env, span)?;
            expect_bool(g(ctx, env)?, span)
        }),
        chain: None,
        dispatch: None,
    }
}

/// The root or one step of a chain: a bound name, a variable, a literal or constant, a field
/// name (steps only), or the memo slot of a LET definition without parameters (the root only;
/// readable once computed, when evaluating in the current state).
enum Part {
    Local(u32),
    Var(u32),
    Lit(Value),
    Field(Sym),
    Memo(u32),
}

impl Part {
    fn of(prog: &Program, e: &Expr) -> Option<Part> {
        Some(match Sub::of(prog, e) {
            Sub::Lit(v, _) => Part::Lit(v),
            Sub::Local(slot, _) => Part::Local(slot),
            Sub::Var(index, _) => Part::Var(index),
            _ => return None,
        })
    }

    #[inline(always)]
    fn read<'v>(&'v self, ctx: &'v Ctx<'_>, env: &'v Env) -> Option<&'v Value> {
        match self {
            Part::Local(slot) => env.stack.get(env.base + *slot as usize),
            Part::Var(index) => read_var(ctx, *index),
            Part::Lit(v) => Some(v),
            Part::Memo(slot) => read_memo(ctx, env, *slot),
            Part::Field(_) => None,
        }
    }
}

/// `f[a][b].c` whose root and keys are read in place: literals, constants, bound names,
/// variables, computed LET definitions.
fn chain(prog: &Program, e: &Expr) -> Option<Code> {
    let span = e.span;
    let mut steps = Vec::new();
    // The LET definitions the chain reads, in the order the walk evaluates them: the keys
    // from the last step to the first, then the root.
    let mut memos = Vec::new();
    let mut root = e;
    loop {
        match &root.kind {
            Kind::Apply(f, args) if args.len() == 1 => {
                let key = &args[0];
                match &key.kind {
                    Kind::LetCall(id, call_args) if call_args.is_empty() => {
                        steps.push(Part::Memo(prog.lets[*id as usize].cache?));
                        memos.push(Expr::new(key.kind.clone(), key.span));
                    }
                    _ => steps.push(Part::of(prog, key)?),
                }
                root = f;
            }
            Kind::Field(f, field) => {
                steps.push(Part::Field(*field));
                root = f;
            }
            _ => break,
        }
    }
    if steps.is_empty() {
        return None;
    }
    // A chain that reads LET definitions not computed yet computes them first (into their
    // memo slots), as the walk would.
    let root = match &root.kind {
        Kind::LetCall(id, args) if args.is_empty() => {
            memos.push(Expr::new(root.kind.clone(), root.span));
            Part::Memo(prog.lets[*id as usize].cache?)
        }
        _ => Part::of(prog, root)?,
    };
    steps.reverse();
    let path: Arc<Chain> = Arc::new((root, steps.into_boxed_slice()));
    let walk = Arc::new((Expr::new(e.kind.clone(), e.span), memos));
    let value = {
        let path = Arc::clone(&path);
        let walk = Arc::clone(&walk);
        Box::new(move |ctx: &Ctx<'_>, env: &mut Env| {
            check_depth(env, span)?;
            if let Some(v) = peek_chain(&path.0, &path.1, ctx, env) {
                return Ok(v.clone());
            }
            // Memos are kept in the current state only: elsewhere the walk computes the
            // definition, once.
            if !walk.1.is_empty() && ctx.mode == Mode::Next {
                // On an error, the walk gives the error it meets first.
                if walk.1.iter().any(|memo| ctx.eval(memo, env).is_err()) {
                    return ctx.eval(&walk.0, env);
                }
                if let Some(v) = peek_chain(&path.0, &path.1, ctx, env) {
                    return Ok(v.clone());
                }
            }
            ctx.eval(&walk.0, env)
        })
    };
    let path_for_peek = Arc::clone(&path);
    let boolean = Box::new(move |ctx: &Ctx<'_>, env: &mut Env| {
        check_depth(env, span)?;
        if let Some(Value::Bool(b)) = peek_chain(&path.0, &path.1, ctx, env) {
            return Ok(*b);
        }
        if !walk.1.is_empty() && ctx.mode == Mode::Next {
            if walk.1.iter().any(|memo| ctx.eval(memo, env).is_err()) {
                return ctx.eval_bool(&walk.0, env);
            }
            if let Some(Value::Bool(b)) = peek_chain(&path.0, &path.1, ctx, env) {
                return Ok(*b);
            }
        }
        ctx.eval_bool(&walk.0, env)
    });
    Some(Code {
        value,
        boolean,
        chain: Some(path_for_peek),
        dispatch: None,
    })
}

fn peek_chain<'v>(
    root: &'v Part,
    steps: &'v [Part],
    ctx: &'v Ctx<'_>,
    env: &'v Env,
) -> Option<&'v Value> {
    let mut value = root.read(ctx, env)?;
    for step in steps {
        value = match (step, value) {
            (Part::Field(field), Value::Record(fields)) => {
                &fields.iter().find(|(k, _)| k == field)?.1
            }
            (Part::Field(_), _) => return None,
            (Part::Local(slot), Value::Seq(elements)) => {
                match env.stack.get(env.base + *slot as usize)? {
                    Value::Int(i) if *i >= 1 && (*i as u64) <= elements.len() as u64 => {
                        &elements[*i as usize - 1]
                    }
                    key => crate::eval::apply_ref(value, key)?,
                }
            }
            (key, function) => crate::eval::apply_ref(function, key.read(ctx, env)?)?,
        };
    }
    Some(value)
}

/// Whether `e` is a set filter that the walk tests members of without building it.
fn has_filter(prog: &Program, e: &Expr) -> bool {
    let ctx = Ctx {
        prog,
        cur: &[],
        next: &[],
        mode: Mode::Const,
    };
    ctx.has_filter(e, 0)
}

/// The element of `{x}`, when `e` is written so.
fn singleton(e: &Expr) -> Option<&Expr> {
    match &e.kind {
        Kind::SetEnum(items) if items.len() == 1 => items.first(),
        _ => None,
    }
}

/// Built-in operators, as the walk evaluates them.
fn builtin(prog: &Program, op: Builtin, args: &[Expr], span: Span) -> Option<Code> {
    let subs: Vec<Sub> = args.iter().map(|a| Sub::of(prog, a)).collect();
    let compare = op.is_comparison();
    match (subs.len(), op) {
        // Membership in, and inclusion in, a set filter are decided without building the set.
        (2, Builtin::In | Builtin::NotIn | Builtin::SubsetEq) if has_filter(prog, &args[1]) => None,
        (2, _) if compare => {
            let mut subs = subs.into_iter();
            let (a, b) = (subs.next()?, subs.next()?);
            let holds = move |ctx: &Ctx<'_>, env: &mut Env| {
                with_operands(&a, &b, ctx, env, |x, y| ctx.compare(op, x, y, span))
            };
            let holds = Arc::new(holds);
            let as_value = Arc::clone(&holds);
            Some(Code {
                value: Box::new(move |ctx, env| {
                    check_depth(env, span)?;
                    Ok(Value::Bool(as_value(ctx, env)?))
                }),
                boolean: Box::new(move |ctx, env| holds(ctx, env)),
                chain: None,
                dispatch: None,
            })
        }
        (2, Builtin::SelectSeq | Builtin::SortSeq | Builtin::Community(_)) => None,
        // `S \ {x}` and `S \cup {x}`: one new set, without building `{x}`.
        (2, Builtin::SetMinus | Builtin::Cup) if singleton(&args[1]).is_some() => {
            let item = Sub::of(prog, singleton(&args[1])?);
            let a = subs.into_iter().next()?;
            let remove = op == Builtin::SetMinus;
            Some(value_at(span, move |ctx, env| {
                // Evaluated in the walk's order: the set unless it can be read in place, then
                // `x`, then the set read in place (evaluated, for its error, where it cannot
                // be: a variable not assigned yet, a step outside a function's domain).
                let mut a_owned = if a.peekable() {
                    None
                } else {
                    Some(a.value(ctx, env)?)
                };
                let x = item.value(ctx, env)?;
                if a_owned.is_none() && a.peek(ctx, env).is_none() {
                    a_owned = Some(a.value(ctx, env)?);
                }
                let set = match &a_owned {
                    Some(v) => v,
                    None => a.peek(ctx, env).expect("read in place above"),
                };
                if let Some(result) = with_one(set, &x, remove) {
                    return Ok(result);
                }
                let x = if is_infinite(&x) {
                    x
                } else {
                    force(x, item.span())?
                };
                ctx.binary(op, set, &Value::set(vec![x]), span)
            }))
        }
        (2, _) => {
            let mut subs = subs.into_iter();
            let (a, b) = (subs.next()?, subs.next()?);
            Some(value_at(span, move |ctx, env| {
                with_operands(&a, &b, ctx, env, |x, y| match (op, x, y) {
                    (Builtin::Plus, Value::Int(x), Value::Int(y))
                        if x.checked_add(*y).is_some() =>
                    {
                        Ok(Value::Int(x + y))
                    }
                    (Builtin::Minus, Value::Int(x), Value::Int(y))
                        if x.checked_sub(*y).is_some() =>
                    {
                        Ok(Value::Int(x - y))
                    }
                    _ => ctx.binary(op, x, y, span),
                })
            }))
        }
        (1, Builtin::Head | Builtin::Len | Builtin::Tail) => {
            let a = subs.into_iter().next()?;
            Some(value_at(span, move |ctx, env| {
                if let Some(Value::Seq(elements)) = a.peek(ctx, env) {
                    match op {
                        Builtin::Len => return Ok(Value::Int(elements.len() as i64)),
                        Builtin::Tail if !elements.is_empty() => {
                            return Ok(Value::Seq(Arc::from(&elements[1..])))
                        }
                        Builtin::Head if !elements.is_empty() => return Ok(elements[0].clone()),
                        _ => {}
                    }
                }
                let v = a.value(ctx, env)?;
                ctx.builtin(op, vec![v], span, env)
            }))
        }
        _ => Some(value_at(span, move |ctx, env| {
            let mut values = Vec::with_capacity(subs.len());
            for a in &subs {
                values.push(a.value(ctx, env)?);
            }
            ctx.builtin(op, values, span, env)
        })),
    }
}

/// A call of a module-level definition that is neither a constant nor a recursive function:
/// its arguments go to a new frame and its body (compiled in turn) is evaluated there. As a
/// value, a definition without parameters goes through the walk's call, which keeps the
/// per-state memo of [`crate::ast::Def::state_memo`].
fn call(prog: &Program, id: u32, args: &[Expr], span: Span) -> Option<Code> {
    let def = &prog.defs[id as usize];
    if def.cached.is_some() || def.function.is_some() {
        return None;
    }
    let args: Arc<Vec<Sub>> = Arc::new(args.iter().map(|a| Sub::of(prog, a)).collect());
    let frame_size = def.frame_size as usize;
    let value_args = Arc::clone(&args);
    let memo = def.state_memo || args.is_empty();
    Some(Code {
        value: Box::new(move |ctx, env| {
            if memo {
                check_depth(env, span)?;
                return ctx.call_def(id, &[], span, env);
            }
            in_frame(ctx, env, &value_args, frame_size, span, |ctx, env| {
                ctx.eval(&ctx.prog.defs[id as usize].body, env)
            })
        }),
        boolean: Box::new(move |ctx, env| {
            in_frame(ctx, env, &args, frame_size, span, |ctx, env| {
                ctx.eval_bool(&ctx.prog.defs[id as usize].body, env)
            })
        }),
        chain: None,
        dispatch: None,
    })
}

/// Evaluates a definition's body with `body`, its arguments in a new frame (none for a
/// definition without a frame), as the walk's `in_def_frame` does.
#[inline]
fn in_frame<T>(
    ctx: &Ctx<'_>,
    env: &mut Env,
    args: &[Sub],
    frame_size: usize,
    span: Span,
    body: impl FnOnce(&Ctx<'_>, &mut Env) -> EResult<T>,
) -> EResult<T> {
    check_depth(env, span)?;
    if frame_size == 0 {
        env.depth += 1;
        let result = body(ctx, env);
        env.depth -= 1;
        return result;
    }
    let new_base = env.stack.len();
    for a in args {
        let v = a.value(ctx, env)?;
        env.stack.push(v);
    }
    let previous = env.push_frame(new_base, frame_size);
    let result = body(ctx, env);
    env.pop_frame(new_base, previous);
    result
}

/// One bound of a quantifier.
struct Quantified {
    pattern: Pattern,
    set: QuantifiedSet,
    span: Span,
}

/// The set a quantifier ranges over.
enum QuantifiedSet {
    /// `S \ {x}`: the elements of `S` but `x`, without building the difference (with the whole
    /// expression, for when `S` is not a finite set).
    MinusOne {
        set: Sub,
        removed: Sub,
        whole: Sub,
    },
    Any(Sub),
}

impl QuantifiedSet {
    fn of(prog: &Program, e: &Expr) -> QuantifiedSet {
        if let Kind::Builtin(Builtin::SetMinus, args) = &e.kind {
            if let [set, removed] = args.as_slice() {
                if let Kind::SetEnum(items) = &removed.kind {
                    if let [item] = items.as_slice() {
                        return QuantifiedSet::MinusOne {
                            set: Sub::of(prog, set),
                            removed: Sub::of(prog, item),
                            whole: Sub::of(prog, e),
                        };
                    }
                }
            }
        }
        QuantifiedSet::Any(Sub::of(prog, e))
    }

    /// The elements, and the one to skip, as the walk's `quantify` finds them; or a set of
    /// functions, walked without being built (see [`for_each_function`]).
    fn elements(&self, span: Span, ctx: &Ctx<'_>, env: &mut Env) -> EResult<Elements> {
        let any = match self {
            QuantifiedSet::MinusOne {
                set,
                removed,
                whole,
            } => {
                let elements = match set.peek(ctx, env) {
                    Some(Value::Set(elements)) => Some(Arc::clone(elements)),
                    Some(_) => None,
                    None => match set.value(ctx, env)? {
                        Value::Set(elements) => Some(elements),
                        _ => None,
                    },
                };
                if let Some(elements) = elements {
                    match removed.value(ctx, env)? {
                        Value::Lazy(_) | Value::Op(_) => {}
                        value => return Ok(Elements::Listed(elements, Some(value))),
                    }
                }
                whole
            }
            QuantifiedSet::Any(set) => set,
        };
        let set = match any.peek(ctx, env) {
            Some(Value::Set(elements)) => return Ok(Elements::Listed(Arc::clone(elements), None)),
            Some(set) => set.clone(),
            None => any.value(ctx, env)?,
        };
        Ok(match set {
            Value::Set(elements) => Elements::Listed(elements, None),
            set if is_function_set(&set) => Elements::Functions(set),
            set => Elements::Listed(enumerate(&set, span)?, None),
        })
    }
}

/// What a quantifier ranges over (see [`QuantifiedSet::elements`]).
enum Elements {
    /// The elements listed, and one to skip.
    Listed(Arc<[Value]>, Option<Value>),
    /// A set of functions `[D -> R]`, walked one function at a time.
    Functions(Value),
}

/// The values of `body` for every binding of `bounds`, as `{body : bounds}` collects them.
fn map_into(
    bounds: &[Quantified],
    body: &Sub,
    ctx: &Ctx<'_>,
    env: &mut Env,
    out: &mut Vec<Value>,
) -> EResult<()> {
    let Some((first, rest)) = bounds.split_first() else {
        out.push(force(body.value(ctx, env)?, body.span())?);
        return Ok(());
    };
    let elements = match first.set.elements(first.span, ctx, env)? {
        Elements::Listed(elements, _) => elements,
        Elements::Functions(set) => {
            for_each_function(&set, first.span, |function| {
                bind(&first.pattern, function, first.span, env)?;
                map_into(rest, body, ctx, env, out)?;
                Ok(true)
            })?;
            return Ok(());
        }
    };
    for element in elements.iter() {
        bind(&first.pattern, element.clone(), first.span, env)?;
        map_into(rest, body, ctx, env, out)?;
    }
    Ok(())
}

fn quantify(
    bounds: &[Quantified],
    body: &Sub,
    forall: bool,
    ctx: &Ctx<'_>,
    env: &mut Env,
) -> EResult<bool> {
    let Some((first, rest)) = bounds.split_first() else {
        return body.boolean(ctx, env);
    };
    let (elements, skipped) = match first.set.elements(first.span, ctx, env)? {
        Elements::Listed(elements, skipped) => (elements, skipped),
        Elements::Functions(set) => {
            return quantify_functions(&set, &first.pattern, first.span, forall, env, |env| {
                quantify(rest, body, forall, ctx, env)
            });
        }
    };
    for element in elements.iter() {
        if skipped.as_ref() == Some(element) {
            continue;
        }
        bind(&first.pattern, element.clone(), first.span, env)?;
        if quantify(rest, body, forall, ctx, env)? != forall {
            return Ok(!forall);
        }
    }
    Ok(forall)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::NextValue;
    use crate::lower::load_program;

    /// Definitions `T_...` covering the compiled forms, their fast paths and their errors.
    const SPEC: &str = r#"---- MODULE Compiled ----
EXTENDS Naturals, Sequences, FiniteSets
VARIABLES x, f, s, r, q
RECURSIVE Fact(_), Loop(_), Down(_), Within(_)
Add(a, b) == a + b
Pos(a) == a > 0
Fact(n) == IF n = 0 THEN 1 ELSE n * Fact(n - 1)
Loop(n) == Loop(n + 1)
Down(n) == IF n = 0 THEN 0 ELSE Down(n - 1)
Within(n) == {v \in Nat : v = n \/ (n > 0 /\ v \in Within(n - 1))}
T_down_below == Down(397)
T_down_edge == Down(398)
T_down_over == Down(399)
T_down_far == Down(401)
T_filter_recursive == 2 \in Within(3)
T_order == f[7] + (IF Assert(FALSE, "the right operand") THEN 1 ELSE 2)
T_order_memo == LET m == f[7] IN m = Assert(FALSE, "the right operand")
T_chain == f[2]
T_chain_out == f[7]
T_chain_bound == \A i \in 1..3 : f[i] > 0
T_field == r.a
T_field_missing == r.zz
T_nested == q[1][2]
T_nested_out == q[2][1]
T_len == Len(s)
T_head_empty == Head(Tail(Tail(s)))
T_tail == Tail(s)
T_cmp == x < 3 /\ x # 2 /\ f[1] = 10
T_cmp_bad == s < 3
T_or == x = 2 \/ f[1] = 10
T_in == x \in {1, 2, 3} /\ x \notin 5..7
T_filter == x \in {y \in Nat : y > 0}
T_forall == \A i \in DOMAIN f : f[i] >= 10
T_exists_minus == \E i \in (DOMAIN f) \ {x} : f[i] = 30
T_forall_minus == \A i \in (DOMAIN f) \ {x} : f[i] # f[x]
T_minus_infinite == \A i \in Nat \ {1} : i > 0
T_pairs == \A i, j \in 1..2 : <<i, j>> \in (1..2) \X (1..2)
T_tuple_bound == \E <<a, b>> \in {<<1, 2>>, <<3, 4>>} : a + b = x + 6
T_arith == Add(x, 3) * 2 - x % 2
T_overflow == x + 9223372036854775807
T_div_zero == x \div (x - x)
T_if == IF x > 1 THEN "a" ELSE "b"
T_case == CASE x = 1 -> "one" [] x = 2 -> "two"
T_bool_err == x /\ TRUE
T_not_bool == ~s
T_record == [a |-> x, b |-> s]
T_tuple == <<x, f[1], r.a>>
T_call_bool == Pos(x) /\ ~Pos(0)
T_fact == Fact(x + 3)
T_deep == Loop(0)
T_implies == (x > 5) => (1 \div 0 = 1)
T_equiv == (x = 1) <=> (f[1] = 10)
T_memo == LET m == f[x] IN m + m
T_let_chain == LET rr == r IN rr.a + rr.a
T_card == Cardinality({x, 2, 3})
T_seqops == Append(s, x) \o <<x>>
T_set_ops == ({x} \cup {5}) \ {x}
T_except == [f EXCEPT ![x] = @ + 1]
T_let_bool == LET m == x > 1 IN m /\ m
T_choose_true == CHOOSE i \in {3, x, 2} : TRUE
T_choose == CHOOSE i \in 1..5 : i > x + 1
T_choose_none == CHOOSE i \in 1..5 : i > 7
T_choose_strings == CHOOSE i \in {"b", "ab", "a"} : i # "a"
T_memo_key == LET k == x + 1 IN f[k] + f[k]
T_memo_keys == LET k == x IN LET j == x + 1 IN q[k][j]
T_memo_key_out == LET k == x + 5 IN f[k]
T_map == {<<i, i + x>> : i \in {3, 1, 2}}
T_map_pairs == {a + b : a \in 1..x, b \in {x, 1}}
T_map_tuple == {<<b, a>> : <<a, b>> \in {<<1, x>>, <<x, 1>>}}
T_map_bad == {i : i \in x}
T_minus_one == ({1, x, 3} \ {x}) \cup ({x} \ {2})
T_cup_one == ({1, 3} \cup {x}) \cup (s \cup {x})
T_minus_absent == {1, 3} \ {x + 5}
T_minus_nat == (Nat \ {x}) = (Nat \ {x})
T_cup_nat == x \in ({0} \cup {Nat})
T_minus_bad == x \ {1}
T_cup_bad == {1} \cup {f[9]}
T_set_enum == {x, 3, x, <<x>>}
T_unassigned_minus == s \ {1 \div (x - 1)}
T_unassigned_cup == f \cup {Assert(FALSE, "the element")}
T_memo_key_errors == LET k == f[9] IN LET j == 1 \div 0 IN q[j][k]
===="#;

    fn load(text: &str) -> Program {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("Compiled.tla");
        std::fs::write(&path, text).expect("written");
        let mut prog = load_program(&path, &Default::default()).expect("loads");
        crate::model::cache_constants(&mut prog);
        crate::fold::fold_program(&mut prog);
        prog
    }

    fn strip(prog: &mut Program) {
        fn strip_tree(_: &Program, e: &mut Expr) {
            e.code = None;
            let mut children = Vec::new();
            crate::fold::collect_children(e, &mut children);
            for child in children {
                strip_tree(&Program::default(), child);
            }
        }
        crate::fold::for_each_body(prog, strip_tree);
    }

    fn outcome<T: fmt::Debug>(result: EResult<T>) -> String {
        match result {
            Ok(v) => format!("{v:?}"),
            Err(e) => format!("error at {}:{}: {}", e.span.line, e.span.column, e.message),
        }
    }

    /// The disjunctions that decide shared first conjuncts once: which disjuncts they test,
    /// with which literal; Dispatch.tla checks that the states are TLC's.
    #[test]
    fn disjunctions_dispatch_on_shared_first_conjuncts() {
        let prog = load(
            r#"---- MODULE Compiled ----
EXTENDS Naturals, Sequences
VARIABLES pc, net, mode
a(self) == pc[self] = "a" /\ pc' = pc /\ UNCHANGED <<net, mode>>
b(self) == pc[self] = "b" /\ pc' = pc /\ UNCHANGED <<net, mode>>
c(self) == mode[self] = 2 /\ pc' = pc /\ UNCHANGED <<net, mode>>
d(self) == pc[self] = 3 /\ pc' = pc /\ UNCHANGED <<net, mode>>
p(self) == a(self) \/ b(self) \/ c(self) \/ d(self)
Take(i, j) == net[j][i] # << >> /\ pc' = pc /\ UNCHANGED <<net, mode>>
Drop(i, j) == net[j][i] # << >> /\ mode' = mode /\ UNCHANGED <<net, pc>>
Other(i, j) == net[i][j] # << >> /\ mode' = mode /\ UNCHANGED <<net, pc>>
Recv(i, j) == Take(i, j) \/ Drop(i, j) \/ Other(i, j)
Alone(i) == a(i) \/ c(i)
RA(i, j) == net[j][i] # << >> /\ LET m == Head(net[j][i]) IN m.t = "a" /\ pc' = pc
RB(i, j) == /\ net[j][i] # << >>
            /\ LET m == Head(net[j][i])
                   k == m.t
               IN /\ k = "b"
                  /\ pc' = pc
RC(i, j) == net[j][i] # << >> /\ LET m == Head(net[j][i]) IN m.u = "b" /\ pc' = pc
R(i, j) == RA(i, j) \/ RB(i, j) \/ RC(i, j)
X1 == mode[1] = 1 /\ pc[1] = "a" /\ pc' = pc
X2 == mode[2] = 1 /\ pc[1] = "a" /\ pc' = pc
X == X1 \/ X2
===="#,
        );
        let dispatch = |name: &str| {
            let def = prog
                .defs
                .iter()
                .find(|d| &*d.name.text() == name)
                .expect(name);
            assert!(matches!(def.body.kind, Kind::Or(_)), "{name}");
            let code = def.body.code.as_ref().expect("compiled");
            code.dispatch.clone()
        };
        let p = dispatch("p").expect("p dispatches");
        // `pc[self] = 3` is tested with the others, and entered whenever `pc[self]` is a
        // string, to report the comparison as the plain enumeration would.
        assert_eq!(p.groups.len(), 1);
        let str = |s: &str| Some(Value::Str(Sym::new(s)));
        assert_eq!(
            p.arms,
            vec![
                vec![(0, str("a"))],
                vec![(0, str("b"))],
                vec![],
                vec![(0, Some(Value::Int(3)))]
            ]
        );
        let recv = dispatch("Recv").expect("Recv dispatches");
        assert_eq!(recv.arms, vec![vec![(0, None)], vec![(0, None)], vec![]]);
        assert_eq!(recv.groups[0].1, GroupTest::Holds);
        // No two disjuncts share a test.
        assert!(dispatch("Alone").is_none());
        // The tests go on into the LET, whose definitions are written out: `m.t` and `k` are
        // both `Head(net[j][i]).t`. `m.u` is RC's alone, so RC is tested on the guard only.
        let r = dispatch("R").expect("R dispatches");
        assert_eq!(r.groups.len(), 2);
        assert_eq!(r.groups[1].1, GroupTest::Value);
        assert_eq!(
            r.arms,
            vec![
                vec![(0, None), (1, str("a"))],
                vec![(0, None), (1, str("b"))],
                vec![(0, None)]
            ]
        );
        // `pc[1] = "a"` is shared, but comes after tests of one disjunct each: not taken
        // before them, so nothing is.
        assert!(dispatch("X").is_none());
    }

    /// Every definition's value and Boolean value, compiled and walked, in two states.
    #[test]
    fn compiled_code_computes_what_the_walk_computes() {
        let compiled = load(SPEC);
        let mut walked = load(SPEC);
        strip(&mut walked);
        let coded = |prog: &Program| {
            let mut count = 0;
            fn visit(e: &Expr, count: &mut usize) {
                *count += e.code.is_some() as usize;
                let mut copy = e.clone();
                let mut children = Vec::new();
                crate::fold::collect_children(&mut copy, &mut children);
                for c in children {
                    visit(c, count);
                }
            }
            for def in &prog.defs {
                visit(&def.body, &mut count);
            }
            count
        };
        assert!(coded(&compiled) > 60, "{} compiled nodes", coded(&compiled));
        assert_eq!(coded(&walked), 0);
        let f = Value::Seq(shared(vec![Value::Int(10), Value::Int(20), Value::Int(30)]));
        let s = Value::Seq(shared(vec![Value::Int(1), Value::Int(2)]));
        let r = Value::record(vec![(Sym::new("a"), Value::Int(7))]);
        let q = Value::Seq(shared(vec![Value::Seq(shared(vec![
            Value::Int(1),
            Value::Int(2),
        ]))]));
        // Every `T_` definition's value and Boolean value, compiled and walked, in `cur` and
        // `next` as `mode` reads them.
        let compare = |cur: &[Value], next: &[NextValue], mode: Mode, label: &str| {
            let mut checked = 0;
            for (id, def) in compiled.defs.iter().enumerate() {
                let name = def.name.text();
                if !name.starts_with("T_") {
                    continue;
                }
                let call = Expr::new(Kind::Call(id as u32, Vec::new()), def.span);
                let run = |prog: &Program| {
                    let ctx = Ctx {
                        prog,
                        cur,
                        next,
                        mode,
                    };
                    let value = outcome(ctx.eval(&call, &mut Env::new()));
                    let boolean = outcome(ctx.eval_bool(&call, &mut Env::new()));
                    (value, boolean)
                };
                assert_eq!(run(&compiled), run(&walked), "{name} {label}");
                checked += 1;
            }
            checked
        };
        let mut checked = 0;
        for x in [1, 2] {
            let state = [Value::Int(x), f.clone(), s.clone(), r.clone(), q.clone()];
            checked += compare(&state, &[], Mode::Next, &format!("with x = {x}"));
        }
        assert_eq!(checked, 2 * 71);
        // In an initial predicate with `x` assigned and the others not yet: what is read of
        // an unassigned variable, and in which order, decides the error.
        let next = [
            NextValue::Set(Value::Int(1)),
            NextValue::Unset,
            NextValue::Unset,
            NextValue::Unset,
            NextValue::Unset,
        ];
        compare(&[], &next, Mode::Init, "in an initial predicate");
    }

    #[test]
    fn compiled_chains_read_in_place_and_report_the_walks_errors() {
        let prog = load(SPEC);
        let f = Value::Seq(shared(vec![Value::Int(10), Value::Int(20), Value::Int(30)]));
        let state = [
            Value::Int(1),
            f,
            Value::Seq(shared(Vec::new())),
            Value::record(vec![(Sym::new("a"), Value::Int(7))]),
            Value::Seq(shared(Vec::new())),
        ];
        let ctx = Ctx {
            prog: &prog,
            cur: &state,
            next: &[],
            mode: Mode::Next,
        };
        let eval = |name: &str| {
            let id = prog
                .defs
                .iter()
                .position(|d| *d.name.text() == *name)
                .expect(name);
            let call = Expr::new(Kind::Call(id as u32, Vec::new()), prog.defs[id].span);
            outcome(ctx.eval(&call, &mut Env::new()))
        };
        assert_eq!(eval("T_chain"), "Int(20)");
        assert_eq!(eval("T_memo"), "Int(20)");
        assert!(
            eval("T_chain_out").contains("outside"),
            "{}",
            eval("T_chain_out")
        );
        assert!(
            eval("T_deep").contains("recursion deeper"),
            "{}",
            eval("T_deep")
        );
    }
}
