//! The expression evaluator: TLC's semantics over canonical [`Value`]s, with bound variables in
//! frame slots.

use std::sync::Arc;

use crate::ast::{Bound, Builtin, ExceptUpdate, Expr, Kind, OpRef, PathStep, Pattern, Span};
use crate::lower::Program;
use crate::value::{func_parts, needs_tlc_order, shared, tlc_cmp, Closure, LazySet, Sym, Value};

/// The most elements a set built by enumeration may have.
const ENUMERATION_MAX: u64 = 1 << 24;

/// The value of a primed variable in the next state being built.
#[derive(Clone, Debug, Default)]
pub enum NextValue {
    /// Not assigned yet.
    #[default]
    Unset,
    /// The variable's value in the current state (`UNCHANGED x`), which is not copied.
    Same,
    /// Assigned this value.
    Set(Value),
}

impl NextValue {
    /// Whether the variable is still to be assigned.
    pub fn is_unset(&self) -> bool {
        matches!(self, NextValue::Unset)
    }

    /// The variable's value, if assigned, where `current` is its value in the current state.
    #[inline(always)]
    pub fn resolve<'v>(&'v self, current: Option<&'v Value>) -> Option<&'v Value> {
        match self {
            NextValue::Set(value) => Some(value),
            NextValue::Same => current,
            NextValue::Unset => None,
        }
    }
}

/// Where variables are read from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// No state: constants only.
    Const,
    /// The initial predicate: variables are read from the partial initial state.
    Init,
    /// A state predicate or action: unprimed variables from `cur`, primed from `next`.
    Next,
    /// Inside a prime: variables from `next`.
    Primed,
}

/// An evaluation error: what went wrong and in which expression.
#[derive(Clone, Debug)]
pub struct EvalError {
    /// What went wrong.
    pub message: String,
    /// The expression being evaluated.
    pub span: Span,
    /// Whether it read a primed variable the action had not assigned (which ENABLED reads as
    /// "any value": the action may still be enabled).
    pub unassigned: bool,
}

/// A result of evaluation.
pub type EResult<T> = Result<T, Box<EvalError>>;

/// An evaluation error at `span`.
pub fn fail<T>(span: Span, message: impl Into<String>) -> EResult<T> {
    Err(error(span, message))
}

/// The evaluation error at `span` with `message`.
pub fn error(span: Span, message: impl Into<String>) -> Box<EvalError> {
    Box::new(EvalError {
        message: message.into(),
        span,
        unassigned: false,
    })
}

/// `value` as a Boolean, or the error of an expression at `span` that is not one.
#[inline]
pub(crate) fn expect_bool(value: Value, span: Span) -> EResult<bool> {
    match value {
        Value::Bool(b) => Ok(b),
        other => fail(
            span,
            format!(
                "expected a Boolean, found {}: {}",
                other.kind(),
                other.to_tlc()
            ),
        ),
    }
}

/// The error at `span` when calls are nested more than [`CALL_DEPTH_MAX`] deep in `env`.
#[inline]
pub(crate) fn check_depth(env: &Env, span: Span) -> EResult<()> {
    if env.depth > CALL_DEPTH_MAX {
        return too_deep(span);
    }
    Ok(())
}

/// The error of a call nested more than [`CALL_DEPTH_MAX`] deep.
#[cold]
pub(crate) fn too_deep<T>(span: Span) -> EResult<T> {
    fail(
        span,
        format!("recursion deeper than {CALL_DEPTH_MAX} calls (a recursive definition without a base case?)"),
    )
}

/// The slots of bound variables: a stack of frames.
#[derive(Debug, Default)]
pub struct Env {
    /// All frames.
    pub stack: Vec<Value>,
    /// The first slot of the current frame.
    pub base: usize,
    /// The size of the current frame.
    pub size: usize,
    /// Nested calls of definitions, bounded so that runaway recursion is an error.
    pub depth: usize,
    /// Which evaluation of a state this is, for [`Env::state_memos`]; 0 (a fresh environment)
    /// keeps no memos. The model bumps it for each state (or pair of states) it evaluates.
    pub generation: u64,
    /// The values of definitions marked [`crate::ast::Def::state_memo`], by definition, with the
    /// generation each was computed in: `sc` of GameOfLife, passed as a function to `Sum` 16
    /// times per state, is built once per state.
    pub state_memos: Vec<(u64, Value)>,
    /// Whether the next state is complete and fixed for this evaluation (a step property or
    /// action constraint, not the enumeration of successors, which assigns it piece by
    /// piece), so that primed definitions may be remembered too.
    pub next_fixed: bool,
    /// The values of primed definitions marked [`crate::ast::Def::state_memo`] when
    /// [`Env::next_fixed`]: EWD998PCal's refinement property primes the refinement mapping's
    /// `token` (a CHOOSE) in every disjunct of EWD998's next-state relation.
    pub primed_memos: Vec<(u64, Value)>,
    /// TLC's level of the state evaluated (`TLCGet("level")`): 1 for an initial state, one
    /// more than its predecessor's for a successor; 0 in the initial predicate.
    pub level: u32,
    /// Whether an ASSUME is being evaluated (where `TLCGet("level")` is 0).
    pub assumption: bool,
}

/// The deepest nesting of definition calls before evaluation reports runaway recursion.
pub const CALL_DEPTH_MAX: usize = 400;

impl Env {
    /// An empty environment.
    pub fn new() -> Self {
        Env {
            stack: Vec::with_capacity(64),
            base: 0,
            size: 0,
            depth: 0,
            generation: 0,
            state_memos: Vec::new(),
            next_fixed: false,
            primed_memos: Vec::new(),
            level: 0,
            assumption: false,
        }
    }

    fn set(&mut self, slot: u32, value: Value) {
        let index = self.base + slot as usize;
        self.stack[index] = value;
    }

    /// Pushes a new frame of `size` slots, returning the previous `(base, size)`.
    pub fn push_frame(&mut self, base: usize, size: usize) -> (usize, usize) {
        self.depth += 1;
        self.fill(base + size);
        let previous = (self.base, self.size);
        self.base = base;
        self.size = size;
        previous
    }

    /// Grows or shrinks the stack to `len` slots, new slots holding `FALSE`. Cheaper than
    /// `Vec::resize`, which clones its fill value through `Value`'s `Clone`.
    #[inline]
    pub fn fill(&mut self, len: usize) {
        if len <= self.stack.len() {
            self.stack.truncate(len);
        } else {
            self.stack.reserve(len - self.stack.len());
            while self.stack.len() < len {
                self.stack.push(Value::Bool(false));
            }
        }
    }

    /// Marks every slot of the frame at `base` of `size` slots as a memo not yet computed: the
    /// frame of a formula whose enclosing LET was stripped, whose definitions keep their values
    /// there.
    pub fn clear_frame_memos(&mut self, base: usize, size: usize) {
        for slot in &mut self.stack[base..base + size] {
            *slot = Value::Str(Sym::MEMO_UNSET);
        }
    }

    /// Marks the memo slots of a LET's definitions (see [`crate::ast::LetDef::cache`]) as not
    /// computed, on entering the LET.
    #[inline]
    pub fn clear_memos(&mut self, slots: &[u32]) {
        for &slot in slots {
            self.stack[self.base + slot as usize] = Value::Str(Sym::MEMO_UNSET);
        }
    }

    /// Pops the frame starting at `base`, restoring `previous`.
    pub fn pop_frame(&mut self, base: usize, previous: (usize, usize)) {
        self.depth -= 1;
        self.stack.truncate(base);
        self.base = previous.0;
        self.size = previous.1;
    }
}

/// What an evaluation reads: the program and the states.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// The program.
    pub prog: &'a Program,
    /// The current state.
    pub cur: &'a [Value],
    /// The next state (or the initial state being built), partially assigned.
    pub next: &'a [NextValue],
    /// Where variables are read from.
    pub mode: Mode,
}

fn var_name(prog: &Program, index: usize) -> String {
    prog.vars
        .get(index)
        .map(|s| s.text().to_string())
        .unwrap_or_default()
}

/// Makes `value` storable inside another value or a state: symbolic sets are enumerated.
pub fn force(value: Value, span: Span) -> EResult<Value> {
    match value {
        Value::Lazy(_) => Ok(Value::Set(enumerate(&value, span)?)),
        Value::Op(_) => fail(span, "an operator is not a value"),
        other => Ok(other),
    }
}

/// The elements of a set, enumerating symbolic sets when they are finite.
pub fn enumerate(set: &Value, span: Span) -> EResult<Arc<[Value]>> {
    match set {
        Value::Set(elements) => Ok(Arc::clone(elements)),
        Value::Lazy(lazy) => match &**lazy {
            LazySet::Nat
            | LazySet::Int
            | LazySet::String
            | LazySet::Seq(_)
            | LazySet::Minus(..)
            | LazySet::Cup(..)
            | LazySet::Paths(..) => fail(
                span,
                format!(
                    "the set {} is not enumerable (infinite); TLC cannot enumerate it either",
                    set.to_tlc()
                ),
            ),
            LazySet::Subset(base) => {
                let base = enumerate(base, span)?;
                if base.len() > 24 {
                    return fail(
                        span,
                        format!(
                            "SUBSET of a set of {} elements is too large to enumerate",
                            base.len()
                        ),
                    );
                }
                let mut subsets = Vec::with_capacity(1 << base.len());
                for mask in 0u64..(1u64 << base.len()) {
                    let subset: Vec<Value> = base
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| mask & (1 << i) != 0)
                        .map(|(_, v)| v.clone())
                        .collect();
                    subsets.push(Value::set_sorted(subset));
                }
                subsets.sort_unstable();
                Ok(shared(subsets))
            }
            LazySet::Functions(..) => {
                let mut out = Vec::new();
                for_each_function(set, span, |function| {
                    out.push(function);
                    Ok(true)
                })?;
                // Already in order: sorting checks it in one pass.
                out.sort_unstable();
                Ok(shared(out))
            }
            LazySet::Records(fields) => {
                let sets: Vec<Arc<[Value]>> = fields
                    .iter()
                    .map(|(_, s)| enumerate(s, span))
                    .collect::<EResult<_>>()?;
                let tuples = product(&sets, span)?;
                let mut out: Vec<Value> = tuples
                    .into_iter()
                    .map(|t| Value::record(fields.iter().map(|(f, _)| *f).zip(t).collect()))
                    .collect();
                out.sort_unstable();
                Ok(shared(out))
            }
            LazySet::Product(sets) => {
                let sets: Vec<Arc<[Value]>> = sets
                    .iter()
                    .map(|s| enumerate(s, span))
                    .collect::<EResult<_>>()?;
                let mut out: Vec<Value> = product(&sets, span)?
                    .into_iter()
                    .map(|t| Value::Seq(shared(t)))
                    .collect();
                out.sort_unstable();
                Ok(shared(out))
            }
        },
        other => fail(
            span,
            format!("expected a set, found {}: {}", other.kind(), other.to_tlc()),
        ),
    }
}

/// Whether `set` is a set of functions `[D -> R]` kept symbolic, which [`for_each_function`]
/// walks without building it.
pub(crate) fn is_function_set(set: &Value) -> bool {
    matches!(set, Value::Lazy(lazy) if matches!(**lazy, LazySet::Functions(..)))
}

/// `\A` (with `forall`) or `\E` over the functions of `set` (see [`is_function_set`]), bound
/// to `pattern` one at a time, of what `body` says of each: stops at the first function that
/// decides it, as TLC does, without building the others.
pub(crate) fn quantify_functions(
    set: &Value,
    pattern: &Pattern,
    span: Span,
    forall: bool,
    env: &mut Env,
    mut body: impl FnMut(&mut Env) -> EResult<bool>,
) -> EResult<bool> {
    let mut result = forall;
    for_each_function(set, span, |function| {
        bind(pattern, function, span, env)?;
        if body(env)? != forall {
            result = !forall;
            return Ok(false);
        }
        Ok(true)
    })?;
    Ok(result)
}

/// Calls `f` with each function of `set`, `[D -> R]`, in the set's order, one at a time (a
/// filter keeps a few of millions without building them all), until `f` returns false; returns
/// whether it never did.
pub(crate) fn for_each_function(
    set: &Value,
    span: Span,
    mut f: impl FnMut(Value) -> EResult<bool>,
) -> EResult<bool> {
    let Value::Lazy(lazy) = set else {
        return fail(span, "expected a set of functions");
    };
    let LazySet::Functions(domain, range) = &**lazy else {
        return fail(span, "expected a set of functions");
    };
    let domain = enumerate(domain, span)?;
    let range = enumerate(range, span)?;
    let total = (range.len() as u64).checked_pow(domain.len() as u32);
    if total.is_none_or(|t| t > ENUMERATION_MAX) {
        return fail(
            span,
            format!(
                "the set of functions {} is too large to enumerate",
                set.to_tlc()
            ),
        );
    }
    if range.is_empty() && !domain.is_empty() {
        return Ok(true);
    }
    // An odometer whose last digit turns fastest: the functions, all over one domain, come in
    // the order of their values read in the domain's order, which is the order of `Value`.
    let mut choice = vec![0usize; domain.len()];
    loop {
        let values = choice.iter().map(|&c| range[c].clone()).collect();
        if !f(Value::function_on(Arc::clone(&domain), values))? {
            return Ok(false);
        }
        let mut i = choice.len();
        loop {
            if i == 0 {
                return Ok(true);
            }
            i -= 1;
            choice[i] += 1;
            if choice[i] < range.len() {
                break;
            }
            choice[i] = 0;
        }
    }
}

fn product(sets: &[Arc<[Value]>], span: Span) -> EResult<Vec<Vec<Value>>> {
    let total = sets
        .iter()
        .try_fold(1u64, |acc, s| acc.checked_mul(s.len() as u64));
    if total.is_none_or(|t| t > ENUMERATION_MAX) {
        return fail(span, "a product of sets is too large to enumerate");
    }
    let mut out = vec![Vec::new()];
    for set in sets {
        let mut next = Vec::with_capacity(out.len() * set.len());
        for prefix in &out {
            for v in set.iter() {
                let mut t = prefix.clone();
                t.push(v.clone());
                next.push(t);
            }
        }
        out = next;
    }
    Ok(out)
}

/// The number of elements of a set.
pub fn cardinality(set: &Value, span: Span) -> EResult<i64> {
    match set {
        Value::Set(elements) => Ok(elements.len() as i64),
        Value::Lazy(lazy) => {
            let n = match &**lazy {
                LazySet::Subset(base) => {
                    let n = cardinality(base, span)?;
                    1i64.checked_shl(n as u32).filter(|_| n < 63)
                }
                LazySet::Functions(d, r) => {
                    let d = cardinality(d, span)?;
                    let r = cardinality(r, span)?;
                    r.checked_pow(d as u32)
                }
                LazySet::Records(fields) => {
                    let mut total = Some(1i64);
                    for (_, s) in fields {
                        let n = cardinality(s, span)?;
                        total = total.and_then(|t| t.checked_mul(n));
                    }
                    total
                }
                LazySet::Product(sets) => {
                    let mut total = Some(1i64);
                    for s in sets {
                        let n = cardinality(s, span)?;
                        total = total.and_then(|t| t.checked_mul(n));
                    }
                    total
                }
                _ => {
                    return fail(
                        span,
                        format!("Cardinality of the infinite set {}", set.to_tlc()),
                    )
                }
            };
            n.map_or_else(|| fail(span, "cardinality overflows 64 bits"), Ok)
        }
        other => fail(
            span,
            format!("Cardinality of {}, which is not a set", other.kind()),
        ),
    }
}

/// Whether `value` is in `set`.
pub fn member(value: &Value, set: &Value, span: Span) -> EResult<bool> {
    match set {
        Value::Set(elements) => {
            if let Value::Lazy(_) = value {
                let forced = force(value.clone(), span)?;
                return Ok(elements.binary_search(&forced).is_ok());
            }
            Ok(sorted_position(elements, value).is_some())
        }
        Value::Lazy(lazy) => match &**lazy {
            LazySet::Nat => Ok(matches!(value, Value::Int(n) if *n >= 0)),
            LazySet::Minus(a, b) => Ok(member(value, a, span)? && !member(value, b, span)?),
            LazySet::Cup(a, b) => Ok(member(value, a, span)? || member(value, b, span)?),
            LazySet::Paths(g, directed) => crate::graphs::is_path(value, g, *directed, span),
            LazySet::Int => Ok(matches!(value, Value::Int(_))),
            LazySet::String => Ok(matches!(value, Value::Str(_))),
            LazySet::Seq(s) => match value {
                Value::Seq(elements) => {
                    for e in elements.iter() {
                        if !member(e, s, span)? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                }
                _ => Ok(false),
            },
            LazySet::Subset(base) => match value {
                Value::Set(elements) => {
                    for e in elements.iter() {
                        if !member(e, base, span)? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                }
                Value::Lazy(_) => {
                    let forced = force(value.clone(), span)?;
                    member(&forced, set, span)
                }
                _ => Ok(false),
            },
            LazySet::Functions(domain, range) => {
                let enumerated;
                let expected: &[Value] = match domain {
                    Value::Set(elements) => elements,
                    other => {
                        enumerated = enumerate(other, span)?;
                        &enumerated
                    }
                };
                let same_domain = match value {
                    Value::Func(storage) => {
                        let (domain, _) = func_parts(storage);
                        domain.as_ptr() == expected.as_ptr() || domain == expected
                    }
                    Value::Seq(elements) => {
                        // A sorted set of n distinct values from 1 to n whose first and last
                        // elements are integers holds only integers: it is exactly 1..n.
                        let n = elements.len();
                        expected.len() == n
                            && (n == 0
                                || (matches!(expected[0], Value::Int(1))
                                    && matches!(expected[n - 1], Value::Int(last) if last == n as i64)))
                    }
                    Value::Record(fields) => {
                        fields.len() == expected.len()
                            && fields
                                .iter()
                                .zip(expected.iter())
                                .all(|((k, _), d)| *d == Value::Str(*k))
                    }
                    _ => false,
                };
                if !same_domain {
                    return Ok(false);
                }
                match value {
                    Value::Func(storage) => {
                        for v in func_parts(storage).1 {
                            if !member(v, range, span)? {
                                return Ok(false);
                            }
                        }
                    }
                    Value::Seq(elements) => {
                        for v in elements.iter() {
                            if !member(v, range, span)? {
                                return Ok(false);
                            }
                        }
                    }
                    Value::Record(fields) => {
                        for (_, v) in fields.iter() {
                            if !member(v, range, span)? {
                                return Ok(false);
                            }
                        }
                    }
                    _ => return Ok(false),
                }
                Ok(true)
            }
            LazySet::Records(fields) => match value {
                Value::Record(actual) => {
                    if actual.len() != fields.len() {
                        return Ok(false);
                    }
                    for ((f, v), (g, s)) in actual.iter().zip(fields.iter()) {
                        if f != g || !member(v, s, span)? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                }
                _ => Ok(false),
            },
            LazySet::Product(sets) => match value {
                Value::Seq(elements) if elements.len() == sets.len() => {
                    for (e, s) in elements.iter().zip(sets) {
                        if !member(e, s, span)? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                }
                _ => Ok(false),
            },
        },
        other => fail(
            span,
            format!(
                "`\\in` applied to {}, which is not a set: {}",
                other.kind(),
                other.to_tlc()
            ),
        ),
    }
}

thread_local! {
    /// The generator of `RandomElement` and of module Randomization: one per thread, seeded
    /// with 0, so a check on one thread picks the same elements on every run (TLC seeds its own
    /// at random).
    static RANDOM: std::cell::RefCell<rand_chacha::ChaCha8Rng> =
        std::cell::RefCell::new(<rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0));
}

/// Restarts this thread's generator from seed 0, for tests that compare two evaluations.
#[cfg(test)]
pub(crate) fn reseed_random() {
    RANDOM.with(|rng| {
        *rng.borrow_mut() = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0)
    });
}

/// A random number below `len` (not 0), from this thread's generator.
pub(crate) fn random_below(len: usize) -> usize {
    RANDOM.with(|rng| rand::Rng::random_range(&mut *rng.borrow_mut(), 0..len))
}

/// TLA+ equality, enumerating symbolic sets when they are compared.
#[inline]
pub fn equal(a: &Value, b: &Value, span: Span) -> EResult<bool> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(x == y),
        (Value::Str(x), Value::Str(y)) | (Value::Model(x), Value::Model(y)) => Ok(x == y),
        (Value::Bool(x), Value::Bool(y)) => Ok(x == y),
        (Value::Seq(x), Value::Seq(y)) | (Value::Set(x), Value::Set(y)) if x.len() != y.len() => {
            Ok(false)
        }
        _ => equal_general(a, b, span),
    }
}

fn equal_general(a: &Value, b: &Value, span: Span) -> EResult<bool> {
    match (a, b) {
        (Value::Lazy(x), Value::Lazy(y)) if x == y => Ok(true),
        (Value::Lazy(_), _) | (_, Value::Lazy(_)) => {
            let a = force(a.clone(), span)?;
            let b = force(b.clone(), span)?;
            Ok(a == b)
        }
        (Value::Op(_), _) | (_, Value::Op(_)) => fail(span, "operators cannot be compared"),
        _ => Ok(a == b),
    }
}

/// The domain of a function value.
pub fn function_domain(f: &Value) -> Value {
    match f {
        Value::Seq(elements) => {
            Value::set_sorted((1..=elements.len() as i64).map(Value::Int).collect())
        }
        Value::Record(fields) => {
            Value::set_sorted(fields.iter().map(|(k, _)| Value::Str(*k)).collect())
        }
        Value::Func(storage) => storage.first().cloned().unwrap_or_else(Value::empty_set),
        _ => Value::empty_set(),
    }
}

fn function_values(f: &Value) -> Vec<Value> {
    match f {
        Value::Seq(elements) => elements.to_vec(),
        Value::Record(fields) => fields.iter().map(|(_, v)| v.clone()).collect(),
        Value::Func(storage) => func_parts(storage).1.to_vec(),
        _ => Vec::new(),
    }
}

pub(crate) fn function_pairs(f: &Value) -> Vec<(Value, Value)> {
    match f {
        Value::Seq(elements) => elements
            .iter()
            .enumerate()
            .map(|(i, v)| (Value::Int(i as i64 + 1), v.clone()))
            .collect(),
        Value::Record(fields) => fields
            .iter()
            .map(|(k, v)| (Value::Str(*k), v.clone()))
            .collect(),
        Value::Func(storage) => {
            let (domain, values) = func_parts(storage);
            domain.iter().cloned().zip(values.iter().cloned()).collect()
        }
        _ => Vec::new(),
    }
}

/// Compares two values, inline for the scalars that usually key functions and fill sets.
#[inline]
fn fast_cmp(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Model(x), Value::Model(y)) => x.cmp(y),
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        _ => a.cmp(b),
    }
}

/// Where `key` is in the sorted `elements` (a set, a function's domain), if it is there.
/// Domains are often intervals of integers or of model values declared together, or grids
/// `(lo1..hi1) \X (lo2..hi2)` (GameOfLife's cells): the place such a domain would give `key`
/// is tried first, and kept only if the element there is `key`; otherwise, and for any other
/// domain, a binary search. A record or tuple key is first looked for as one of the elements
/// themselves (the same storage) in a small set: `AckMessage` appended to a queue is
/// the very record the set `Message` holds, and is found by its address.
#[inline]
pub(crate) fn sorted_position(elements: &[Value], key: &Value) -> Option<usize> {
    if let Some(guess) = dense_guess(elements, key) {
        if elements.get(guess).is_some_and(|e| e == key) {
            return Some(guess);
        }
    }
    if elements.len() <= SHARED_SCAN_MAX && matches!(key, Value::Record(_) | Value::Seq(_)) {
        if let Some(place) = elements.iter().position(|e| e.same_storage(key)) {
            return Some(place);
        }
    }
    elements.binary_search_by(|e| fast_cmp(e, key)).ok()
}

/// The largest set [`sorted_position`] scans for a key's own storage before searching it.
const SHARED_SCAN_MAX: usize = 16;

/// The place `key` would have in `elements` if they were all the integers (or interned model
/// values) from the first one on, or all the pairs of integers between the first and the last
/// in row order. Only a guess: [`sorted_position`] checks it.
#[inline]
fn dense_guess(elements: &[Value], key: &Value) -> Option<usize> {
    match (elements.first()?, key) {
        (Value::Int(lo), Value::Int(k)) => usize::try_from(k.checked_sub(*lo)?).ok(),
        (Value::Model(lo), Value::Model(k)) => usize::try_from(k.id().checked_sub(lo.id())?).ok(),
        (Value::Seq(first), Value::Seq(pair)) if pair.len() == 2 && first.len() == 2 => {
            let Value::Seq(last) = elements.last()? else {
                return None;
            };
            let ints = |s: &[Value]| match s {
                [Value::Int(a), Value::Int(b)] => Some((*a, *b)),
                _ => None,
            };
            let ((lo1, lo2), (hi1, hi2), (a, b)) = (ints(first)?, ints(last)?, ints(pair)?);
            if a < lo1 || a > hi1 || b < lo2 || b > hi2 {
                return None;
            }
            let columns = hi2.checked_sub(lo2)?.checked_add(1)?;
            let index = a
                .checked_sub(lo1)?
                .checked_mul(columns)?
                .checked_add(b - lo2)?;
            usize::try_from(index).ok()
        }
        _ => None,
    }
}

fn unreadable(span: Span) -> Box<EvalError> {
    Box::new(EvalError {
        message: "an expression could not be read".to_string(),
        span,
        unassigned: false,
    })
}

/// `f[key]`, or `None` when `key` is outside the domain.
pub fn apply_function(f: &Value, key: &Value) -> Option<Value> {
    apply_ref(f, key).cloned()
}

/// A reference to `f[key]`, or `None` when `key` is outside the domain.
#[inline(always)]
pub(crate) fn apply_ref<'v>(f: &'v Value, key: &Value) -> Option<&'v Value> {
    match (f, key) {
        (Value::Seq(elements), Value::Int(i)) => {
            if *i >= 1 && (*i as u64) <= elements.len() as u64 {
                Some(&elements[*i as usize - 1])
            } else {
                None
            }
        }
        (Value::Record(fields), Value::Str(s)) => {
            fields.iter().find(|(k, _)| k == s).map(|(_, v)| v)
        }
        (Value::Func(storage), key) => {
            let (domain, values) = func_parts(storage);
            sorted_position(domain, key).and_then(|i| values.get(i))
        }
        _ => None,
    }
}

/// The longest chain of applications and fields (`f[a][b].c`) walked by reference.
const CHAIN_MAX: usize = 4;

/// The place of `key` in function `f`'s storage, `None` when `key` is outside the domain or
/// `f` is not a function.
fn function_slot(f: &Value, key: &Value) -> Option<usize> {
    match (f, key) {
        (Value::Seq(elements), Value::Int(i)) => {
            (*i >= 1 && (*i as u64) <= elements.len() as u64).then(|| *i as usize - 1)
        }
        (Value::Record(fields), Value::Str(s)) => fields.iter().position(|(k, _)| k == s),
        (Value::Func(storage), key) => {
            let (domain, _) = func_parts(storage);
            sorted_position(domain, key).map(|i| i + 1)
        }
        _ => None,
    }
}

/// The value at `index` (from [`function_slot`]) of function `f`, made mutable: the storage is
/// copied first when it is shared, and updated in place when `f` holds it alone (the second
/// update of `[f EXCEPT ![a] = x, ![b] = y]`, or the inner functions of a copy).
fn function_slot_mut(f: &mut Value, index: usize) -> Option<&mut Value> {
    match f {
        Value::Seq(elements) => Arc::make_mut(elements).get_mut(index),
        Value::Record(fields) => Arc::make_mut(fields).get_mut(index).map(|(_, v)| v),
        Value::Func(storage) => Arc::make_mut(storage).get_mut(index),
        _ => None,
    }
}

/// The storage of a function that other values share.
enum Shared<'v> {
    Elements(&'v Arc<[Value]>, fn(Arc<[Value]>) -> Value),
    Fields(&'v Arc<[(crate::value::Sym, Value)]>),
}

/// The storage of function `f` when it is shared (so that an update must not write into it).
fn shared_storage(f: &Value) -> Option<Shared<'_>> {
    match f {
        Value::Seq(a) if Arc::strong_count(a) > 1 => Some(Shared::Elements(a, Value::Seq)),
        Value::Func(a) if Arc::strong_count(a) > 1 => Some(Shared::Elements(a, Value::Func)),
        Value::Record(a) if Arc::strong_count(a) > 1 => Some(Shared::Fields(a)),
        _ => None,
    }
}

impl Shared<'_> {
    /// The element at `index` (from [`function_slot`]).
    fn element(&self, index: usize) -> &Value {
        match self {
            Shared::Elements(a, _) => &a[index],
            Shared::Fields(a) => &a[index].1,
        }
    }

    /// A new function with `new` at `index`, in one allocation.
    fn replaced(&self, index: usize, new: Value) -> Value {
        let mut new = Some(new);
        match self {
            Shared::Elements(a, make) => make(
                a.iter()
                    .enumerate()
                    .map(|(i, e)| match i == index {
                        true => new.take().unwrap_or_default(),
                        false => e.clone(),
                    })
                    .collect(),
            ),
            Shared::Fields(a) => Value::Record(
                a.iter()
                    .enumerate()
                    .map(|(i, (k, v))| match i == index {
                        true => (*k, new.take().unwrap_or_default()),
                        false => (*k, v.clone()),
                    })
                    .collect(),
            ),
        }
    }
}

/// Whether a set holds a symbolic set as an element (compared to a listed set only after
/// listing it, see [`member`]).
fn has_lazy(elements: &[Value]) -> bool {
    elements.iter().any(|e| matches!(e, Value::Lazy(_)))
}

/// The first of the elements of a set in TLC's order (which `CHOOSE` picks).
pub(crate) fn tlc_first(elements: &[Value]) -> Option<&Value> {
    if !needs_tlc_order(elements) || elements.windows(2).all(|w| tlc_cmp(&w[0], &w[1]).is_lt()) {
        elements.first()
    } else {
        elements.iter().min_by(|a, b| tlc_cmp(a, b))
    }
}

/// `set \ {item}` (`remove`) or `set \cup {item}` for a set of plain elements and a plain
/// element, without building `{item}`: `set` itself when it is unchanged. `None` where the
/// general rule applies (symbolic sets, a set as the element).
pub(crate) fn with_one(set: &Value, item: &Value, remove: bool) -> Option<Value> {
    let Value::Set(elements) = set else {
        return None;
    };
    if matches!(item, Value::Lazy(_) | Value::Op(_)) || has_lazy(elements) {
        return None;
    }
    Some(
        match (elements.binary_search_by(|e| fast_cmp(e, item)), remove) {
            (Ok(at), true) => {
                let mut out = Vec::with_capacity(elements.len() - 1);
                out.extend_from_slice(&elements[..at]);
                out.extend_from_slice(&elements[at + 1..]);
                Value::set_sorted(out)
            }
            (Err(at), false) => {
                let mut out = Vec::with_capacity(elements.len() + 1);
                out.extend_from_slice(&elements[..at]);
                out.push(item.clone());
                out.extend_from_slice(&elements[at..]);
                Value::set_sorted(out)
            }
            _ => set.clone(),
        },
    )
}

/// The elements of the sorted set `a` that are not in the sorted set `b`, by one merge.
fn sorted_difference(a: &[Value], b: &[Value]) -> Vec<Value> {
    let mut out = Vec::with_capacity(a.len());
    let mut j = 0;
    for v in a {
        while j < b.len() && fast_cmp(&b[j], v).is_lt() {
            j += 1;
        }
        if j < b.len() && fast_cmp(&b[j], v).is_eq() {
            j += 1;
            continue;
        }
        out.push(v.clone());
    }
    out
}

fn merge_sets(a: &[Value], b: &[Value]) -> Vec<Value> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i].clone());
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j].clone());
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i].clone());
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

fn int(v: &Value, span: Span, what: &str) -> EResult<i64> {
    match v {
        Value::Int(n) => Ok(*n),
        other => fail(
            span,
            format!(
                "{what} expects an integer, found {}: {}",
                other.kind(),
                other.to_tlc()
            ),
        ),
    }
}

fn seq<'v>(v: &'v Value, span: Span, what: &str) -> EResult<&'v Arc<[Value]>> {
    match v {
        Value::Seq(elements) => Ok(elements),
        other => fail(
            span,
            format!(
                "{what} expects a sequence, found {}: {}",
                other.kind(),
                other.to_tlc()
            ),
        ),
    }
}

/// Whether `v` is a symbolic set that is infinite (`Nat`, `Seq(S)`, `Nat \ {0}`, ...).
pub(crate) fn is_infinite(v: &Value) -> bool {
    match v {
        Value::Lazy(lazy) => match &**lazy {
            LazySet::Nat | LazySet::Int | LazySet::String | LazySet::Seq(_) => true,
            LazySet::Minus(a, _) => is_infinite(a),
            LazySet::Cup(a, b) => is_infinite(a) || is_infinite(b),
            LazySet::Paths(..) => true,
            LazySet::Subset(base) => is_infinite(base),
            LazySet::Functions(domain, range) => {
                is_infinite(range) && !matches!(domain, Value::Set(d) if d.is_empty())
            }
            LazySet::Records(fields) => fields.iter().any(|(_, s)| is_infinite(s)),
            LazySet::Product(sets) => sets.iter().any(is_infinite),
        },
        _ => false,
    }
}

fn finite_set(v: &Value, span: Span, what: &str) -> EResult<Arc<[Value]>> {
    match v {
        Value::Set(elements) => Ok(Arc::clone(elements)),
        Value::Lazy(_) => enumerate(v, span),
        other => fail(
            span,
            format!(
                "{what} expects a set, found {}: {}",
                other.kind(),
                other.to_tlc()
            ),
        ),
    }
}

fn checked(n: Option<i64>, span: Span) -> EResult<Value> {
    match n {
        Some(n) => Ok(Value::Int(n)),
        None => fail(span, "integer overflow"),
    }
}

fn bag_count(bag: &Value, key: &Value) -> i64 {
    match apply_function(bag, key) {
        Some(Value::Int(n)) => n,
        _ => 0,
    }
}

impl<'a> Ctx<'a> {
    pub(crate) fn with_mode(&self, mode: Mode) -> Ctx<'a> {
        Ctx { mode, ..*self }
    }

    /// The value variable `index` has in the next state so far, if assigned.
    #[inline(always)]
    pub fn next_var(&self, index: usize) -> Option<&'a Value> {
        self.next.get(index)?.resolve(self.cur.get(index))
    }

    /// The next state so far with the unchanged variables' values written out, for reading
    /// it against another current state.
    pub(crate) fn resolved_next(&self) -> Vec<NextValue> {
        (0..self.next.len())
            .map(|i| match self.next_var(i) {
                Some(value) => NextValue::Set(value.clone()),
                None => NextValue::Unset,
            })
            .collect()
    }

    /// Evaluates `e` to a Boolean. The connectives recurse here directly, so a tree of
    /// conjunctions and implications never builds intermediate [`Value`]s nor enters the large
    /// frame of [`Ctx::eval`] for its inner nodes.
    pub fn eval_bool(&self, e: &Expr, env: &mut Env) -> EResult<bool> {
        if let Some(code) = &e.code {
            return (code.boolean)(self, env);
        }
        match &e.kind {
            Kind::And(items) => {
                for item in items {
                    if !self.eval_bool(item, env)? {
                        return Ok(false);
                    }
                }
                return Ok(true);
            }
            Kind::Or(items) => {
                for item in items {
                    if self.eval_bool(item, env)? {
                        return Ok(true);
                    }
                }
                return Ok(false);
            }
            Kind::Not(inner) => return Ok(!self.eval_bool(inner, env)?),
            Kind::Implies(a, b) => {
                return Ok(!self.eval_bool(a, env)? || self.eval_bool(b, env)?);
            }
            Kind::If(c, t, f) => {
                return if self.eval_bool(c, env)? {
                    self.eval_bool(t, env)
                } else {
                    self.eval_bool(f, env)
                };
            }
            Kind::Let(body, memos) => {
                env.clear_memos(memos);
                return self.eval_bool(body, env);
            }
            Kind::Call(id, args)
                if self.prog.defs[*id as usize].cached.is_none()
                    && self.prog.defs[*id as usize].function.is_none() =>
            {
                // A predicate such as `IInv` or `beats(p, q)`: its body is evaluated as a
                // Boolean too (as `call_def` does, without the `Value` in between).
                let def = &self.prog.defs[*id as usize];
                check_depth(env, e.span)?;
                return self.in_def_frame(def, args, env, Ctx::eval_bool);
            }
            Kind::Forall(bounds, body) | Kind::ForallAction(bounds, body) => {
                return self.quantify(bounds, body, true, env);
            }
            Kind::Exists(bounds, body) => return self.quantify(bounds, body, false, env),
            // `Ballot(p) \subseteq {n \in Nat : n > 0}`: each element tested against the
            // filter, which is never built (DiskSynod's assumption).
            Kind::Builtin(Builtin::SubsetEq, args)
                if args.len() == 2 && self.has_filter(&args[1], 0) =>
            {
                let small = self.eval(&args[0], env)?;
                let elements = finite_set(&small, args[0].span, "\\subseteq")?;
                if let Kind::SetFilter(bound, predicate) = &args[1].kind {
                    // The filter's set is evaluated once, after the left side, as TLC builds
                    // the filter's value (an error in it is reported even for `{}`).
                    let set = self.eval(&bound.set, env)?;
                    for v in elements.iter() {
                        if !member(v, &set, bound.set.span)? {
                            return Ok(false);
                        }
                        bind(&bound.pattern, v.clone(), bound.set.span, env)?;
                        env.depth += 1;
                        let holds = self.eval_bool(predicate, env);
                        env.depth -= 1;
                        if !holds? {
                            return Ok(false);
                        }
                    }
                    return Ok(true);
                }
                for v in elements.iter() {
                    if !self.member_of(v, &args[1], env)? {
                        return Ok(false);
                    }
                }
                return Ok(true);
            }
            Kind::Builtin(op, args) if op.is_comparison() && args.len() == 2 => {
                let (a, b) = (&args[0], &args[1]);
                if matches!(op, Builtin::In | Builtin::NotIn) {
                    if let Some(inside) = self.member_of_filter(a, b, env)? {
                        return Ok(inside == (*op == Builtin::In));
                    }
                }
                // Each operand is read in place when it is a chain of peekable reads, else
                // evaluated; a chain that leaves its function's domain is evaluated too, for the
                // error message.
                let a_owned = if self.chain_peekable(a) {
                    None
                } else {
                    Some(self.eval(a, env)?)
                };
                let b_owned = if self.chain_peekable(b) {
                    None
                } else {
                    Some(self.eval(b, env)?)
                };
                let a_peeked = match &a_owned {
                    Some(v) => Some(v),
                    None => self.peek_chain(a, env),
                };
                let b_peeked = match &b_owned {
                    Some(v) => Some(v),
                    None => self.peek_chain(b, env),
                };
                let (a_fallback, b_fallback);
                let (a_ref, b_ref) = match (a_peeked, b_peeked) {
                    (Some(x), Some(y)) => (x, y),
                    (x, y) => {
                        let x_missing = x.is_none();
                        let y_missing = y.is_none();
                        a_fallback = if x_missing {
                            Some(self.eval(a, env)?)
                        } else {
                            None
                        };
                        b_fallback = if y_missing {
                            Some(self.eval(b, env)?)
                        } else {
                            None
                        };
                        let a_ref = match (&a_fallback, &a_owned) {
                            (Some(v), _) | (None, Some(v)) => v,
                            (None, None) => {
                                self.peek_chain(a, env).ok_or_else(|| unreadable(a.span))?
                            }
                        };
                        let b_ref = match (&b_fallback, &b_owned) {
                            (Some(v), _) | (None, Some(v)) => v,
                            (None, None) => {
                                self.peek_chain(b, env).ok_or_else(|| unreadable(b.span))?
                            }
                        };
                        (a_ref, b_ref)
                    }
                };
                return self.compare(*op, a_ref, b_ref, e.span);
            }
            _ => {}
        }
        expect_bool(self.eval(e, env)?, e.span)
    }

    /// `a op b` for a comparison or membership `op` (`=`, `#`, `\in`, `\notin`, `<`, `>`,
    /// `<=`, `>=`), as a Boolean.
    #[inline]
    pub(crate) fn compare(&self, op: Builtin, a: &Value, b: &Value, span: Span) -> EResult<bool> {
        match op {
            Builtin::Eq => equal(a, b, span),
            Builtin::Neq => Ok(!equal(a, b, span)?),
            Builtin::In => member(a, b, span),
            Builtin::NotIn => Ok(!member(a, b, span)?),
            _ => match (a, b) {
                (Value::Int(x), Value::Int(y)) => Ok(match op {
                    Builtin::Lt => x < y,
                    Builtin::Gt => x > y,
                    Builtin::Leq => x <= y,
                    _ => x >= y,
                }),
                _ => match self.binary(op, a, b, span)? {
                    Value::Bool(b) => Ok(b),
                    _ => fail(span, "a comparison that is not a Boolean"),
                },
            },
        }
    }

    /// `a \in {x \in S : P}`, directly or through the definition `b` calls, decided as
    /// `a \in S /\ P` with `x` bound to `a`, without enumerating the set; also through `\cup`,
    /// `\cap` and `\` of such sets. TLC's set filters are lazy in the same way, so `UV \in
    /// DomainPartitions` over `SUBSET SUBSET (1..4)` tests one partition, not 65,536. `None`
    /// when `b` has none of these forms.
    fn member_of_filter(&self, a: &Expr, b: &Expr, env: &mut Env) -> EResult<Option<bool>> {
        if !self.has_filter(b, 0) {
            return Ok(None);
        }
        let value = self.eval(a, env)?;
        self.member_of(&value, b, env).map(Some)
    }

    /// The bound and predicate of the set filter that is the body of the definition `e` calls,
    /// when the caller may enter it.
    fn filter_body(&self, e: &Expr) -> Option<(&'a Bound, &'a Expr)> {
        let body = match &e.kind {
            Kind::Call(id, _) => {
                let def = &self.prog.defs[*id as usize];
                if def.cached.is_some() || def.function.is_some() {
                    return None;
                }
                &def.body
            }
            Kind::LetCall(id, args) if args.is_empty() => {
                let def = &self.prog.lets[*id as usize];
                if def.cache.is_some() || def.function.is_some() {
                    return None;
                }
                &def.body
            }
            _ => return None,
        };
        match &body.kind {
            Kind::SetFilter(bound, predicate) => Some((&**bound, &**predicate)),
            _ => None,
        }
    }

    /// Whether [`Ctx::member_of`] can decide membership in `e` lazily.
    pub(crate) fn has_filter(&self, e: &Expr, depth: usize) -> bool {
        match &e.kind {
            Kind::SetFilter(..) => true,
            Kind::Builtin(Builtin::Cup | Builtin::Cap | Builtin::SetMinus, args) if depth < 8 => {
                args.iter().any(|arg| self.has_filter(arg, depth + 1))
            }
            Kind::FuncSet(_, range) if depth < 8 => self.has_filter(range, depth + 1),
            _ => self.filter_body(e).is_some(),
        }
    }

    /// Whether `value` is in the set `e`, set filters (see [`Ctx::member_of_filter`]) tested
    /// lazily.
    fn member_of(&self, value: &Value, e: &Expr, env: &mut Env) -> EResult<bool> {
        match &e.kind {
            Kind::SetFilter(bound, predicate) => {
                return self.in_filter(bound, predicate, value.clone(), env);
            }
            // `f \in [D -> {n \in Nat : n > 0}]`: the domain compared, each value tested.
            Kind::FuncSet(domain, range) if self.has_filter(range, 0) => {
                if !value.is_function() {
                    return Ok(false);
                }
                let domain = self.eval(domain, env)?;
                if !equal(&function_domain(value), &domain, e.span)? {
                    return Ok(false);
                }
                for (_, v) in function_pairs(value) {
                    if !self.member_of(&v, range, env)? {
                        return Ok(false);
                    }
                }
                return Ok(true);
            }
            Kind::Builtin(op @ (Builtin::Cup | Builtin::Cap | Builtin::SetMinus), args)
                if args.len() == 2 =>
            {
                let first = self.member_of(value, &args[0], env)?;
                return match op {
                    Builtin::Cup if first => Ok(true),
                    Builtin::Cup => self.member_of(value, &args[1], env),
                    _ if !first => Ok(false),
                    Builtin::Cap => self.member_of(value, &args[1], env),
                    _ => Ok(!self.member_of(value, &args[1], env)?),
                };
            }
            _ => {}
        }
        let Some((bound, predicate)) = self.filter_body(e) else {
            let set = self.eval(e, env)?;
            return member(value, &set, e.span);
        };
        match &e.kind {
            Kind::Call(id, call_args) => {
                check_depth(env, e.span)?;
                let def = &self.prog.defs[*id as usize];
                self.in_def_frame(def, call_args, env, |ctx, _, env| {
                    ctx.in_filter(bound, predicate, value.clone(), env)
                })
            }
            _ => self.in_filter(bound, predicate, value.clone(), env),
        }
    }

    /// Whether `value` is in `{bound : predicate}`, in the current frame.
    fn in_filter(
        &self,
        bound: &Bound,
        predicate: &Expr,
        value: Value,
        env: &mut Env,
    ) -> EResult<bool> {
        let set = self.eval(&bound.set, env)?;
        if !member(&value, &set, bound.set.span)? {
            return Ok(false);
        }
        bind(&bound.pattern, value, bound.set.span, env)?;
        env.depth += 1;
        let result = self.eval_bool(predicate, env);
        env.depth -= 1;
        result
    }

    /// The elements of `S` and the value `x` when `e` is `S \ {x}` and `S` is a finite set,
    /// so that a quantifier over `Proc \ {p}` skips `x` instead of building the difference.
    /// `None` for any other expression (the caller evaluates it).
    pub fn set_minus_one(&self, e: &Expr, env: &mut Env) -> EResult<Option<(Arc<[Value]>, Value)>> {
        let Kind::Builtin(Builtin::SetMinus, args) = &e.kind else {
            return Ok(None);
        };
        let [set, removed] = args.as_slice() else {
            return Ok(None);
        };
        let Kind::SetEnum(items) = &removed.kind else {
            return Ok(None);
        };
        let [item] = items.as_slice() else {
            return Ok(None);
        };
        let elements = if self.peekable(set) {
            match self.peek(set, env)? {
                Value::Set(elements) => Arc::clone(elements),
                _ => return Ok(None),
            }
        } else {
            match self.eval(set, env)? {
                Value::Set(elements) => elements,
                _ => return Ok(None),
            }
        };
        match self.eval(item, env)? {
            Value::Lazy(_) | Value::Op(_) => Ok(None),
            value => Ok(Some((elements, value))),
        }
    }

    /// `\A bounds : body` (with `forall`) or `\E bounds : body`, looping here rather than
    /// through [`Ctx::for_each`]'s callback: quantifiers are in most guards, invariants and
    /// constraints.
    fn quantify(
        &self,
        bounds: &[Bound],
        body: &Expr,
        forall: bool,
        env: &mut Env,
    ) -> EResult<bool> {
        let Some((first, rest)) = bounds.split_first() else {
            return self.eval_bool(body, env);
        };
        let (elements, skipped) = if let Some((elements, skipped)) =
            self.set_minus_one(&first.set, env)?
        {
            (elements, Some(skipped))
        } else {
            let set = if self.peekable(&first.set) {
                self.peek(&first.set, env)?.clone()
            } else {
                self.eval(&first.set, env)?
            };
            match set {
                Value::Set(elements) => (elements, None),
                set if is_function_set(&set) => {
                    let span = first.set.span;
                    return quantify_functions(&set, &first.pattern, span, forall, env, |env| {
                        self.quantify(rest, body, forall, env)
                    });
                }
                set => (enumerate(&set, first.set.span)?, None),
            }
        };
        for element in elements.iter() {
            if skipped.as_ref() == Some(element) {
                continue;
            }
            bind(&first.pattern, element.clone(), first.set.span, env)?;
            if self.quantify(rest, body, forall, env)? != forall {
                return Ok(!forall);
            }
        }
        Ok(forall)
    }

    pub(crate) fn var(&self, index: u32, span: Span) -> EResult<Value> {
        let index = index as usize;
        let from_next = match self.mode {
            Mode::Const => {
                return fail(
                    span,
                    format!(
                        "variable `{}` in a constant expression",
                        var_name(self.prog, index)
                    ),
                )
            }
            Mode::Init | Mode::Primed => true,
            Mode::Next => false,
        };
        if from_next {
            match self.next_var(index) {
                Some(v) => Ok(v.clone()),
                None => {
                    let name = var_name(self.prog, index);
                    if self.mode == Mode::Init {
                        fail(
                            span,
                            format!(
                                "variable `{name}` is read before the initial predicate assigns it"
                            ),
                        )
                    } else {
                        Err(Box::new(EvalError {
                            message: format!("`{name}'` is read before the action assigns it"),
                            span,
                            unassigned: true,
                        }))
                    }
                }
            }
        } else {
            match self.cur.get(index) {
                Some(v) => Ok(v.clone()),
                None => fail(span, "variable outside the state"),
            }
        }
    }

    /// Whether [`Ctx::peek`] can read `e` without evaluating it.
    #[inline(always)]
    fn peekable(&self, e: &Expr) -> bool {
        match &e.kind {
            Kind::Lit(_) | Kind::Local(_) => true,
            Kind::Var(_) => self.mode != Mode::Const,
            Kind::Call(id, _) => self.prog.defs[*id as usize].cached.is_some(),
            _ => false,
        }
    }

    /// A reference to the value of a literal, variable, bound variable or constant definition,
    /// `None` when `e` is none of these or the variable is unreadable here.
    #[inline(always)]
    fn peek_fast<'v>(&'v self, e: &'v Expr, env: &'v Env) -> Option<&'v Value> {
        match &e.kind {
            Kind::Local(slot) => env.stack.get(env.base + *slot as usize),
            Kind::Var(index) => match self.mode {
                Mode::Next => self.cur.get(*index as usize),
                Mode::Init | Mode::Primed => self.next_var(*index as usize),
                Mode::Const => None,
            },
            Kind::Lit(v) => Some(v),
            Kind::Call(id, _) => self.prog.defs[*id as usize].cached.as_ref(),
            _ => None,
        }
    }

    /// A reference to the value of a literal, variable, bound variable or constant definition,
    /// saving the clone (and the reference count traffic) of [`Ctx::eval`].
    #[inline]
    fn peek<'v>(&'v self, e: &'v Expr, env: &'v Env) -> EResult<&'v Value> {
        match self.peek_fast(e, env) {
            Some(v) => Ok(v),
            None => self.peek_failure(e),
        }
    }

    /// The error of a [`Ctx::peek`] that found nothing.
    #[cold]
    fn peek_failure<'v>(&self, e: &Expr) -> EResult<&'v Value> {
        match &e.kind {
            Kind::Var(index) => self
                .var(*index, e.span)
                .and_then(|_| fail(e.span, "unreadable variable")),
            Kind::Call(..) => fail(e.span, "not a constant"),
            _ => fail(e.span, "not a peekable expression"),
        }
    }

    /// Whether `e` can be read by reference with [`Ctx::peek_chain`]: a peekable expression,
    /// or a chain `f[a][b].c` of at most [`CHAIN_MAX`] steps whose function and keys are all
    /// peekable (the usual `network[q][p]` with bound `p` and `q`).
    #[inline(always)]
    fn chain_peekable(&self, e: &Expr) -> bool {
        let mut root = e;
        for _ in 0..=CHAIN_MAX {
            match &root.kind {
                Kind::Apply(f, args) => {
                    if !matches!(args.as_slice(), [key] if self.peekable(key)) {
                        return false;
                    }
                    root = f;
                }
                Kind::Field(f, _) => root = f,
                _ => return self.peekable(root),
            }
        }
        false
    }

    /// A reference to the value of `e`, which [`Ctx::chain_peekable`] accepted; `None` when a
    /// step is outside its function's domain or a read fails (the caller then evaluates `e`,
    /// which reports the error). The chain is walked from its root by recursion, at most
    /// [`CHAIN_MAX`] steps deep.
    fn peek_chain<'v>(&'v self, e: &'v Expr, env: &'v Env) -> Option<&'v Value> {
        match &e.kind {
            Kind::Apply(f, args) => {
                let [key] = args.as_slice() else {
                    return None;
                };
                let function = self.peek_chain(f, env)?;
                apply_ref(function, self.peek_fast(key, env)?)
            }
            Kind::Field(f, field) => match self.peek_chain(f, env)? {
                Value::Record(fields) => fields.iter().find(|(k, _)| k == field).map(|(_, v)| v),
                _ => None,
            },
            _ => self.peek_fast(e, env),
        }
    }

    /// Evaluates `e`. Leaves (bound names, literals, variables of the current state) are read
    /// here, inlined into the caller, without entering the large frame of the general case.
    #[inline]
    pub fn eval(&self, e: &Expr, env: &mut Env) -> EResult<Value> {
        match &e.kind {
            Kind::Local(slot) => Ok(env.stack[env.base + *slot as usize].clone()),
            Kind::Lit(v) => Ok(v.clone()),
            Kind::Var(index) if self.mode == Mode::Next && (*index as usize) < self.cur.len() => {
                Ok(self.cur[*index as usize].clone())
            }
            _ => match &e.code {
                Some(code) => (code.value)(self, env),
                None => self.eval_node(e, env),
            },
        }
    }

    /// Evaluates `e`, any expression.
    fn eval_node(&self, e: &Expr, env: &mut Env) -> EResult<Value> {
        let span = e.span;
        check_depth(env, span)?;
        match &e.kind {
            Kind::Lit(v) => Ok(v.clone()),
            Kind::Local(slot) => Ok(env.stack[env.base + *slot as usize].clone()),
            Kind::Var(index) => self.var(*index, span),
            Kind::Prime(inner) => match self.mode {
                Mode::Next => self.with_mode(Mode::Primed).eval(inner, env),
                Mode::Primed => fail(span, "a primed expression inside a prime"),
                _ => fail(span, "a primed expression in a state predicate"),
            },
            Kind::UnchangedVars(vars) => match self.mode {
                Mode::Next => {
                    for &index in vars {
                        let before = self.var(index, span)?;
                        let after = self.with_mode(Mode::Primed).var(index, span)?;
                        if before != after {
                            return Ok(Value::Bool(false));
                        }
                    }
                    Ok(Value::Bool(true))
                }
                _ => fail(span, "UNCHANGED in a state predicate"),
            },
            Kind::Unchanged(inner) => match self.mode {
                Mode::Next => {
                    let before = self.eval(inner, env)?;
                    let after = self.with_mode(Mode::Primed).eval(inner, env)?;
                    Ok(Value::Bool(equal(&before, &after, span)?))
                }
                _ => fail(span, "UNCHANGED in a state predicate"),
            },
            Kind::Call(id, args) => self.call_def(*id, args, span, env),
            Kind::LetCall(id, args) => self.call_let(*id, args, span, env),
            Kind::ParamCall(slot, args) => {
                let closure = env.stack[env.base + *slot as usize].clone();
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.eval(a, env)?);
                }
                match closure {
                    Value::Op(c) => self.call_closure(&c, values, span, env),
                    value if args.is_empty() => Ok(value),
                    _ => fail(span, "applying a value as an operator"),
                }
            }
            Kind::FuncDefApply(id, args) => {
                let key = self.key(args, env)?;
                let def = &self.prog.defs[*id as usize];
                let Some(bounds) = &def.function else {
                    return fail(span, "not a function definition");
                };
                let new_base = env.stack.len();
                let previous = env.push_frame(new_base, def.frame_size as usize);
                let result = self
                    .bind_function_arg(bounds, &key, span, env)
                    .and_then(|ok| {
                        if ok {
                            self.eval(&def.body, env)
                        } else {
                            fail(
                                span,
                                format!(
                                    "function `{}` applied to {} outside its domain",
                                    def.name,
                                    key.to_tlc()
                                ),
                            )
                        }
                    });
                env.pop_frame(new_base, previous);
                result
            }
            Kind::LetFuncDefApply(id, args) => {
                let key = self.key(args, env)?;
                let def = &self.prog.lets[*id as usize];
                self.in_let_function_frame(def, key, span, env, |ctx, env| ctx.eval(&def.body, env))
            }
            Kind::OpArg(op) => Ok(Value::Op(Arc::new(match op {
                OpRef::Def(id) => Closure::Def(*id),
                OpRef::Let(id) => Closure::Let(
                    *id,
                    Arc::new(env.stack[env.base..env.base + env.size].to_vec()),
                ),
                OpRef::Param(slot) => {
                    return Ok(env.stack[env.base + *slot as usize].clone());
                }
                OpRef::Builtin(b) => Closure::Builtin(*b),
            }))),
            // Membership in, and inclusion in, a set filter, as a value: tested lazily.
            Kind::Builtin(Builtin::In | Builtin::NotIn | Builtin::SubsetEq, args)
                if args.len() == 2 && self.has_filter(&args[1], 0) =>
            {
                Ok(Value::Bool(self.eval_bool(e, env)?))
            }
            Kind::Builtin(op, args) => match args.as_slice() {
                [a, b]
                    if !matches!(
                        op,
                        Builtin::SelectSeq | Builtin::SortSeq | Builtin::Community(_)
                    ) =>
                {
                    let a_owned = if self.peekable(a) {
                        None
                    } else {
                        Some(self.eval(a, env)?)
                    };
                    let b_owned = if self.peekable(b) {
                        None
                    } else {
                        Some(self.eval(b, env)?)
                    };
                    let a_ref = match &a_owned {
                        Some(v) => v,
                        None => self.peek(a, env)?,
                    };
                    let b_ref = match &b_owned {
                        Some(v) => v,
                        None => self.peek(b, env)?,
                    };
                    self.binary(*op, a_ref, b_ref, span)
                }
                [a] if matches!(op, Builtin::Head | Builtin::Len | Builtin::Tail)
                    && self.chain_peekable(a) =>
                {
                    // `Head(network[q][p])`, `Tail(@)`: read in place, no argument vector.
                    match self.peek_chain(a, env) {
                        Some(Value::Seq(elements)) => match op {
                            Builtin::Len => Ok(Value::Int(elements.len() as i64)),
                            Builtin::Tail => match elements.get(1..) {
                                Some(rest) => Ok(Value::Seq(Arc::from(rest))),
                                None => fail(span, "Tail of the empty sequence"),
                            },
                            _ => match elements.first() {
                                Some(v) => Ok(v.clone()),
                                None => fail(span, "Head of the empty sequence"),
                            },
                        },
                        _ => {
                            let value = self.eval(a, env)?;
                            self.builtin(*op, vec![value], span, env)
                        }
                    }
                }
                _ => {
                    let mut values = Vec::with_capacity(args.len());
                    for a in args {
                        values.push(self.eval(a, env)?);
                    }
                    self.builtin(*op, values, span, env)
                }
            },
            Kind::And(items) => {
                for item in items {
                    if !self.eval_bool(item, env)? {
                        return Ok(Value::Bool(false));
                    }
                }
                Ok(Value::Bool(true))
            }
            Kind::Or(items) => {
                for item in items {
                    if self.eval_bool(item, env)? {
                        return Ok(Value::Bool(true));
                    }
                }
                Ok(Value::Bool(false))
            }
            Kind::Not(inner) => Ok(Value::Bool(!self.eval_bool(inner, env)?)),
            Kind::Implies(a, b) => Ok(Value::Bool(
                !self.eval_bool(a, env)? || self.eval_bool(b, env)?,
            )),
            Kind::Equiv(a, b) => Ok(Value::Bool(
                self.eval_bool(a, env)? == self.eval_bool(b, env)?,
            )),
            Kind::If(c, t, f) => {
                if self.eval_bool(c, env)? {
                    self.eval(t, env)
                } else {
                    self.eval(f, env)
                }
            }
            Kind::Case(arms, other) => {
                for (guard, value) in arms {
                    if self.eval_bool(guard, env)? {
                        return self.eval(value, env);
                    }
                }
                match other {
                    Some(o) => self.eval(o, env),
                    None => fail(span, "no arm of this CASE is true, and it has no OTHER arm"),
                }
            }
            Kind::Let(body, memos) => {
                env.clear_memos(memos);
                self.eval(body, env)
            }
            Kind::Forall(bounds, body) | Kind::ForallAction(bounds, body) => {
                Ok(Value::Bool(self.quantify(bounds, body, true, env)?))
            }
            Kind::Exists(bounds, body) => Ok(Value::Bool(self.quantify(bounds, body, false, env)?)),
            Kind::Choose(bound, body) => {
                let set = self.eval(&bound.set, env)?;
                let always = matches!(body.kind, Kind::Lit(Value::Bool(true)));
                self.choose(&set, bound, always, span, env, |ctx, env| {
                    ctx.eval_bool(body, env)
                })
            }
            Kind::SetEnum(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    let value = self.eval(item, env)?;
                    // An infinite set as an element (`UNION {[D -> Int]}`) stays symbolic: it
                    // can only be tested for membership, as in TLC.
                    values.push(if is_infinite(&value) {
                        value
                    } else {
                        force(value, item.span)?
                    });
                }
                Ok(Value::set(values))
            }
            Kind::SetFilter(bound, predicate) => {
                let mut out = Vec::new();
                let slot_pattern = bound.pattern.clone();
                self.for_each(std::slice::from_ref(&**bound), env, &mut |ctx, env| {
                    if ctx.eval_bool(predicate, env)? {
                        out.push(match &slot_pattern {
                            Pattern::Slot(s) => env.stack[env.base + *s as usize].clone(),
                            Pattern::Tuple(slots) => Value::Seq(shared(
                                slots
                                    .iter()
                                    .map(|s| env.stack[env.base + *s as usize].clone())
                                    .collect(),
                            )),
                        });
                    }
                    Ok(true)
                })?;
                // The filtered elements come in set order, so they are already sorted.
                Ok(Value::set_sorted(out))
            }
            Kind::SetMap(body, bounds) => {
                let mut out = Vec::new();
                self.for_each(bounds, env, &mut |ctx, env| {
                    out.push(force(ctx.eval(body, env)?, body.span)?);
                    Ok(true)
                })?;
                Ok(Value::set(out))
            }
            Kind::FuncCons(bounds, body) => {
                if let [Bound {
                    pattern: Pattern::Slot(slot),
                    set,
                }] = bounds.as_slice()
                {
                    // One bound over a set: the function shares the set as its domain.
                    let domain = self.eval(set, env)?;
                    if let Value::Set(elements) = &domain {
                        let mut values = Vec::with_capacity(elements.len());
                        for element in elements.iter() {
                            env.set(*slot, element.clone());
                            values.push(force(self.eval(body, env)?, body.span)?);
                        }
                        return Ok(Value::function_on(Arc::clone(elements), values));
                    }
                }
                let mut pairs = Vec::new();
                self.for_each(bounds, env, &mut |ctx, env| {
                    let key = bound_key(bounds, env);
                    pairs.push((key, force(ctx.eval(body, env)?, body.span)?));
                    Ok(true)
                })?;
                Ok(Value::function(pairs))
            }
            Kind::Apply(f, args) => {
                if matches!(f.kind, Kind::Apply(..) | Kind::Field(..)) {
                    if let Some(v) = self.apply_chain(e, env)? {
                        return Ok(v);
                    }
                }
                if let Some(v) = self.apply_constructor(f, args, span, env)? {
                    return Ok(v);
                }
                let key = self.key(args, env)?;
                let f_owned = if self.peekable(f) {
                    None
                } else {
                    Some(self.eval(f, env)?)
                };
                let f_value = match &f_owned {
                    Some(v) => v,
                    None => self.peek(f, env)?,
                };
                match apply_function(f_value, &key) {
                    Some(v) => Ok(v),
                    None if f_value.is_function() => fail(
                        span,
                        format!(
                            "function applied to {} outside its domain {}",
                            key.to_tlc(),
                            function_domain(f_value).to_tlc()
                        ),
                    ),
                    None => fail(
                        span,
                        format!(
                            "applying {}, which is not a function: {}",
                            f_value.kind(),
                            f_value.to_tlc()
                        ),
                    ),
                }
            }
            Kind::FuncSet(d, r) => {
                let d = self.eval(d, env)?;
                let r = self.eval(r, env)?;
                Ok(Value::Lazy(Arc::new(LazySet::Functions(d, r))))
            }
            Kind::Record(fields) => {
                // The fields were sorted when the expression was loaded.
                let mut values = Vec::with_capacity(fields.len());
                for (name, value) in fields {
                    values.push((*name, force(self.eval(value, env)?, value.span)?));
                }
                if values.is_empty() {
                    return Ok(Value::record(values));
                }
                Ok(Value::Record(shared(values)))
            }
            Kind::RecordSet(fields) => {
                let mut values = Vec::with_capacity(fields.len());
                for (name, value) in fields {
                    values.push((*name, self.eval(value, env)?));
                }
                values.sort_by_key(|(n, _)| *n);
                Ok(Value::Lazy(Arc::new(LazySet::Records(values))))
            }
            Kind::Field(record, field) => {
                if matches!(record.kind, Kind::Apply(..) | Kind::Field(..)) {
                    if let Some(v) = self.apply_chain(e, env)? {
                        return Ok(v);
                    }
                }
                let r_owned = if self.peekable(record) {
                    None
                } else {
                    Some(self.eval(record, env)?)
                };
                let r = match &r_owned {
                    Some(v) => v,
                    None => self.peek(record, env)?,
                };
                match apply_function(r, &Value::Str(*field)) {
                    Some(v) => Ok(v),
                    None => fail(span, format!("{} has no field `{field}`", r.to_tlc())),
                }
            }
            Kind::Except(base, updates) => {
                let mut value = self.eval(base, env)?;
                for update in updates {
                    value = self.except(value, update, 0, env)?;
                }
                Ok(value)
            }
            Kind::Tuple(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(force(self.eval(item, env)?, item.span)?);
                }
                Ok(Value::Seq(shared(values)))
            }
            Kind::StepOrStutter(action, vars) => {
                if self.eval_bool(action, env)? {
                    return Ok(Value::Bool(true));
                }
                let before = self.eval(vars, env)?;
                let after = self.with_mode(Mode::Primed).eval(vars, env)?;
                Ok(Value::Bool(equal(&before, &after, span)?))
            }
            Kind::Always(_) => fail(
                span,
                "the temporal operator [] cannot be evaluated in a state or action",
            ),
            Kind::Enabled(action) => {
                if self.mode != Mode::Next {
                    return fail(
                        span,
                        "ENABLED is evaluated in a state (an invariant or a guard), not here",
                    );
                }
                let mut out = Vec::new();
                let mut enumerator =
                    crate::action::Enumerator::new(self.prog, self.cur, false, &mut out);
                let frame = (env.base, env.size);
                Ok(Value::Bool(enumerator.enabled(action, frame, env)?))
            }
            Kind::AngleStep(action, vars) => {
                if !self.eval_bool(action, env)? {
                    return Ok(Value::Bool(false));
                }
                let before = self.eval(vars, env)?;
                let after = self.with_mode(Mode::Primed).eval(vars, env)?;
                Ok(Value::Bool(!equal(&before, &after, span)?))
            }
            Kind::Eventually(_) => fail(
                span,
                "the temporal operator <> cannot be evaluated in a state or action",
            ),
            Kind::LeadsTo(..) => fail(
                span,
                "the temporal operator ~> cannot be evaluated in a state or action",
            ),
            Kind::Compose(a, b) => {
                // As TLC evaluates a composition on a whole step: some state `t` that a step
                // of `a` reaches from the current state (with nothing assigned) from which `b`
                // leads to the next state.
                if self.mode != Mode::Next {
                    return fail(span, "action composition (\\cdot) outside an action");
                }
                let frame = (env.base, env.size);
                let middles = crate::action::steps(self.prog, self.cur, a, frame, env)?;
                // The variables left unchanged are those of the current state, not the middle's.
                let next = self.resolved_next();
                // From an intermediate state, the memos of the current state do not apply.
                let generation = std::mem::replace(&mut env.generation, 0);
                let mut holds = Ok(false);
                for middle in &middles {
                    env.base = frame.0;
                    env.size = frame.1;
                    let from_middle = Ctx {
                        prog: self.prog,
                        cur: middle,
                        next: &next,
                        mode: Mode::Next,
                    };
                    holds = from_middle.eval_bool(b, env);
                    if !matches!(holds, Ok(false)) {
                        break;
                    }
                }
                env.generation = generation;
                env.base = frame.0;
                env.size = frame.1;
                Ok(Value::Bool(holds?))
            }
            Kind::Fairness { strong, .. } => fail(
                span,
                format!(
                    "the fairness condition {} cannot be evaluated in a state or action",
                    if *strong { "SF_" } else { "WF_" }
                ),
            ),
            Kind::Temporal(what) => fail(
                span,
                format!("the temporal operator {what} cannot be evaluated in a state or action"),
            ),
        }
    }

    /// `f[a][b].c` whose innermost function `f` is a variable, bound name or constant: the
    /// keys are evaluated, then the chain is walked by reference and only the result is cloned
    /// (the intermediate functions cost no reference counting). `None` when the chain does not
    /// have that form or a step fails (the caller then evaluates it step by step, and reports
    /// the failing step).
    fn apply_chain(&self, e: &Expr, env: &mut Env) -> EResult<Option<Value>> {
        let mut steps: [&Expr; CHAIN_MAX] = [e; CHAIN_MAX];
        let mut count = 0;
        let mut root = e;
        while let Kind::Apply(f, _) | Kind::Field(f, _) = &root.kind {
            if count == CHAIN_MAX {
                return Ok(None);
            }
            steps[count] = root;
            count += 1;
            root = f;
        }
        if !self.peekable(root) {
            return Ok(None);
        }
        if self.chain_peekable(e) {
            return Ok(self.peek_chain(e, env).cloned());
        }
        let mut keys: [Value; CHAIN_MAX] = std::array::from_fn(|_| Value::Bool(false));
        for i in 0..count {
            keys[i] = match &steps[i].kind {
                Kind::Apply(_, args) => self.key(args, env)?,
                Kind::Field(_, field) => Value::Str(*field),
                _ => return Ok(None),
            };
        }
        let mut value = self.peek(root, env)?;
        for key in keys[..count].iter().rev() {
            match apply_ref(value, key) {
                Some(v) => value = v,
                None => return Ok(None),
            }
        }
        Ok(Some(value.clone()))
    }

    /// `f[k]` where `f` is a function constructor `[x \in S |-> e]`, directly or as the body of
    /// the definition (or recursive function application) `f` calls: `e` is evaluated with `x`
    /// bound to `k`, without building the function. TLC's function constructors are lazy in the
    /// same way, so `trcl[n-1][x, y]` in a recursive definition costs one element per level, not
    /// the whole function. `None` when `f` has none of these forms (the caller builds `f`).
    fn apply_constructor(
        &self,
        f: &Expr,
        args: &[Expr],
        span: Span,
        env: &mut Env,
    ) -> EResult<Option<Value>> {
        let constructor = |body: &'a Expr| match &body.kind {
            Kind::FuncCons(bounds, element) => Some((bounds.as_slice(), &**element)),
            _ => None,
        };
        match &f.kind {
            Kind::FuncCons(bounds, element) => {
                let key = self.key(args, env)?;
                self.apply_at(bounds, element, key, span, env).map(Some)
            }
            Kind::Call(id, call_args) => {
                let def = &self.prog.defs[*id as usize];
                if def.cached.is_some() || def.function.is_some() {
                    return Ok(None);
                }
                let Some((bounds, element)) = constructor(&def.body) else {
                    return Ok(None);
                };
                check_depth(env, span)?;
                let key = self.key(args, env)?;
                self.in_def_frame(def, call_args, env, |ctx, _, env| {
                    ctx.apply_at(bounds, element, key, span, env)
                })
                .map(Some)
            }
            Kind::LetFuncDefApply(id, fargs) => {
                let def = &self.prog.lets[*id as usize];
                let Some((bounds, element)) = constructor(&def.body) else {
                    return Ok(None);
                };
                if def.function.is_none() {
                    return Ok(None);
                }
                let fkey = self.key(fargs, env)?;
                let key = self.key(args, env)?;
                self.in_let_function_frame(def, fkey, span, env, |ctx, env| {
                    ctx.apply_at(bounds, element, key, span, env)
                })
                .map(Some)
            }
            Kind::LetCall(id, call_args) if call_args.is_empty() => {
                let def = &self.prog.lets[*id as usize];
                // A memoized definition is built once and then read.
                if def.cache.is_some() || def.function.is_some() {
                    return Ok(None);
                }
                let Some((bounds, element)) = constructor(&def.body) else {
                    return Ok(None);
                };
                let key = self.key(args, env)?;
                self.apply_at(bounds, element, key, span, env).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Runs `f` in a copy of the current frame with the bound names of the LET function `def`
    /// (`f[x \in S] == ...` in a LET) bound to `key`; an error when `key` is outside its domain.
    fn in_let_function_frame<T>(
        &self,
        def: &crate::ast::LetDef,
        key: Value,
        span: Span,
        env: &mut Env,
        f: impl FnOnce(&Self, &mut Env) -> EResult<T>,
    ) -> EResult<T> {
        let Some(bounds) = &def.function else {
            return fail(span, "not a function definition");
        };
        let new_base = env.stack.len();
        let (old_base, size) = (env.base, env.size);
        let copy: Vec<Value> = env.stack[old_base..old_base + size].to_vec();
        env.stack.extend(copy);
        let previous = env.push_frame(new_base, size);
        let result = match self.bind_function_arg(bounds, &key, span, env) {
            Ok(true) => f(self, env),
            Ok(false) => fail(
                span,
                format!(
                    "function `{}` applied to {} outside its domain",
                    def.name,
                    key.to_tlc()
                ),
            ),
            Err(error) => Err(error),
        };
        env.pop_frame(new_base, previous);
        result
    }

    /// The element at `key` of the function constructor with `bounds` and `element`, in the
    /// current frame.
    fn apply_at(
        &self,
        bounds: &[Bound],
        element: &Expr,
        key: Value,
        span: Span,
        env: &mut Env,
    ) -> EResult<Value> {
        if self.bind_function_arg(bounds, &key, span, env)? {
            env.depth += 1;
            let result = self.eval(element, env).and_then(|v| force(v, element.span));
            env.depth -= 1;
            result
        } else {
            fail(
                span,
                format!("function applied to {} outside its domain", key.to_tlc()),
            )
        }
    }

    pub(crate) fn key(&self, args: &[Expr], env: &mut Env) -> EResult<Value> {
        if let [single] = args {
            return self.eval(single, env);
        }
        let mut values = Vec::with_capacity(args.len());
        for a in args {
            values.push(self.eval(a, env)?);
        }
        Ok(Value::Seq(shared(values)))
    }

    /// Binds the argument of a recursive function to its bound slots; false when outside the
    /// domain.
    pub(crate) fn bind_function_arg(
        &self,
        bounds: &[Bound],
        key: &Value,
        span: Span,
        env: &mut Env,
    ) -> EResult<bool> {
        let parts: Vec<Value> = if bounds.len() == 1 {
            vec![key.clone()]
        } else {
            match key {
                Value::Seq(items) if items.len() == bounds.len() => items.to_vec(),
                _ => return Ok(false),
            }
        };
        for (bound, part) in bounds.iter().zip(parts) {
            let set = self.eval(&bound.set, env)?;
            if !member(&part, &set, span)? {
                return Ok(false);
            }
            bind(&bound.pattern, part, span, env)?;
        }
        Ok(true)
    }

    fn except(
        &self,
        mut value: Value,
        update: &ExceptUpdate,
        depth: usize,
        env: &mut Env,
    ) -> EResult<Value> {
        let Some(step) = update.path.get(depth) else {
            env.set(update.at_slot, value);
            let new = self.eval(&update.value, env)?;
            return force(new, update.value.span);
        };
        let key = match step {
            PathStep::Field(f) => Value::Str(*f),
            PathStep::Index(args) => self.key(args, env)?,
        };
        let Some(index) = function_slot(&value, &key) else {
            if value.is_function() {
                // Updating outside the domain leaves the function unchanged, as in TLC.
                return Ok(value);
            }
            return fail(
                update.value.span,
                format!(
                    "EXCEPT applied to {}, which is not a function",
                    value.to_tlc()
                ),
            );
        };
        // Storage shared with others (a state's): the new storage is built once, around the
        // updated element, rather than copied and then written into.
        if let Some(storage) = shared_storage(&value) {
            let inner = storage.element(index).clone();
            let new_inner = self.except(inner, update, depth + 1, env)?;
            return Ok(storage.replaced(index, new_inner));
        }
        // The old value is taken out of the storage (held here alone), updated, and put
        // back: the new value is never visible to the expressions evaluated meanwhile, which
        // read the states and `@` only.
        let inner = match function_slot_mut(&mut value, index) {
            Some(slot) => std::mem::take(slot),
            None => return fail(update.value.span, "EXCEPT outside the function"),
        };
        let new_inner = self.except(inner, update, depth + 1, env)?;
        if let Some(slot) = function_slot_mut(&mut value, index) {
            *slot = new_inner;
        }
        Ok(value)
    }

    /// `CHOOSE x \in set : P`, with `test` evaluating `P` for the element bound by `bound`'s
    /// pattern (`always`: `P` is `TRUE`). TLC picks the first element in its own order (strings
    /// lexicographically).
    pub(crate) fn choose(
        &self,
        set: &Value,
        bound: &Bound,
        always: bool,
        span: Span,
        env: &mut Env,
        test: impl Fn(&Self, &mut Env) -> EResult<bool>,
    ) -> EResult<Value> {
        let elements = enumerate(set, bound.set.span)?;
        if always {
            // `CHOOSE x \in S : TRUE`: the first element, found without sorting.
            return match tlc_first(&elements) {
                Some(element) => Ok(element.clone()),
                None => fail(span, "CHOOSE found no element satisfying its predicate"),
            };
        }
        let tlc_ordered = !needs_tlc_order(&elements)
            || elements.windows(2).all(|w| tlc_cmp(&w[0], &w[1]).is_lt());
        let sorted: Vec<Value>;
        let in_order: &[Value] = if tlc_ordered {
            &elements
        } else {
            let mut copy = elements.to_vec();
            copy.sort_by(tlc_cmp);
            sorted = copy;
            &sorted
        };
        for element in in_order.iter().cloned() {
            bind(&bound.pattern, element.clone(), bound.set.span, env)?;
            if test(self, env)? {
                return Ok(element);
            }
        }
        fail(span, "CHOOSE found no element satisfying its predicate")
    }

    /// Calls `f` with every binding of `bounds` until it returns false.
    pub fn for_each(
        &self,
        bounds: &[Bound],
        env: &mut Env,
        f: &mut dyn FnMut(&Ctx<'a>, &mut Env) -> EResult<bool>,
    ) -> EResult<bool> {
        let Some((first, rest)) = bounds.split_first() else {
            return f(self, env);
        };
        let span = first.set.span;
        let elements = match self.eval(&first.set, env)? {
            Value::Set(elements) => elements,
            set if is_function_set(&set) => {
                // A set of functions is walked without being built.
                return for_each_function(&set, span, |function| {
                    bind(&first.pattern, function, span, env)?;
                    self.for_each(rest, env, f)
                });
            }
            set => enumerate(&set, span)?,
        };
        for element in elements.iter() {
            bind(&first.pattern, element.clone(), first.set.span, env)?;
            if !self.for_each(rest, env, f)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Calls module-level definition `id`.
    pub fn call_def(&self, id: u32, args: &[Expr], span: Span, env: &mut Env) -> EResult<Value> {
        let def = &self.prog.defs[id as usize];
        if let Some(v) = &def.cached {
            return Ok(v.clone());
        }
        let primed = match self.mode {
            Mode::Next => false,
            Mode::Primed if env.next_fixed => true,
            _ => return self.call_def_uncached(id, args, span, env),
        };
        if def.state_memo && env.generation != 0 {
            let memos = if primed {
                &env.primed_memos
            } else {
                &env.state_memos
            };
            if let Some((generation, value)) = memos.get(id as usize) {
                if *generation == env.generation {
                    return Ok(value.clone());
                }
            }
            let value = self.call_def_uncached(id, args, span, env)?;
            let memos = if primed {
                &mut env.primed_memos
            } else {
                &mut env.state_memos
            };
            if memos.len() <= id as usize {
                memos.resize(id as usize + 1, (0, Value::Bool(false)));
            }
            memos[id as usize] = (env.generation, value.clone());
            return Ok(value);
        }
        self.call_def_uncached(id, args, span, env)
    }

    fn call_def_uncached(
        &self,
        id: u32,
        args: &[Expr],
        span: Span,
        env: &mut Env,
    ) -> EResult<Value> {
        let def = &self.prog.defs[id as usize];
        if let Some(bounds) = &def.function {
            // The whole function, built from its definition.
            let new_base = env.stack.len();
            let previous = env.push_frame(new_base, def.frame_size as usize);
            let mut pairs = Vec::new();
            let result = self.for_each(bounds, env, &mut |ctx, env| {
                let key = bound_key(bounds, env);
                pairs.push((key, force(ctx.eval(&def.body, env)?, span)?));
                Ok(true)
            });
            env.pop_frame(new_base, previous);
            result?;
            return Ok(Value::function(pairs));
        }
        self.in_def_frame(def, args, env, Ctx::eval)
    }

    /// Evaluates the body of `def` with `body_eval` (as a value, as a Boolean, or one element of
    /// the function or set it constructs), its arguments evaluated into a new frame (none for a
    /// definition without a frame).
    #[inline(always)]
    fn in_def_frame<T>(
        &self,
        def: &crate::ast::Def,
        args: &[Expr],
        env: &mut Env,
        body_eval: impl FnOnce(&Self, &Expr, &mut Env) -> EResult<T>,
    ) -> EResult<T> {
        if def.frame_size == 0 {
            env.depth += 1;
            let result = body_eval(self, &def.body, env);
            env.depth -= 1;
            return result;
        }
        let new_base = env.stack.len();
        for a in args {
            let v = self.eval(a, env)?;
            env.stack.push(v);
        }
        let previous = env.push_frame(new_base, def.frame_size as usize);
        let result = body_eval(self, &def.body, env);
        env.pop_frame(new_base, previous);
        result
    }

    fn call_let(&self, id: u32, args: &[Expr], span: Span, env: &mut Env) -> EResult<Value> {
        let def = &self.prog.lets[id as usize];
        if let Some(bounds) = &def.function {
            let mut pairs = Vec::new();
            self.for_each(bounds, env, &mut |ctx, env| {
                let key = bound_key(bounds, env);
                pairs.push((key, force(ctx.eval(&def.body, env)?, span)?));
                Ok(true)
            })?;
            return Ok(Value::function(pairs));
        }
        if args.is_empty() {
            let memo = match def.cache {
                Some(slot) if self.mode == Mode::Next => {
                    let at = env.base + slot as usize;
                    match &env.stack[at] {
                        Value::Str(s) if *s == Sym::MEMO_UNSET => Some(at),
                        value => return Ok(value.clone()),
                    }
                }
                _ => None,
            };
            env.depth += 1;
            let result = self.eval(&def.body, env);
            env.depth -= 1;
            if let (Some(at), Ok(value)) = (memo, &result) {
                env.stack[at] = value.clone();
            }
            return result;
        }
        let mut values = Vec::with_capacity(args.len());
        for a in args {
            values.push(self.eval(a, env)?);
        }
        if def.recursive {
            let (base, size) = (env.base, env.size);
            let new_base = env.stack.len();
            let copy: Vec<Value> = env.stack[base..base + size].to_vec();
            env.stack.extend(copy);
            let previous = env.push_frame(new_base, size);
            for (slot, v) in def.params.iter().zip(values) {
                env.set(*slot, v);
            }
            let result = self.eval(&def.body, env);
            env.pop_frame(new_base, previous);
            result
        } else {
            for (slot, v) in def.params.iter().zip(values) {
                env.set(*slot, v);
            }
            env.depth += 1;
            let result = self.eval(&def.body, env);
            env.depth -= 1;
            result
        }
    }

    /// Applies an operator argument to values.
    pub fn call_closure(
        &self,
        closure: &Closure,
        args: Vec<Value>,
        span: Span,
        env: &mut Env,
    ) -> EResult<Value> {
        match closure {
            Closure::Def(id) => {
                let def = &self.prog.defs[*id as usize];
                if def.arity != args.len() {
                    return fail(
                        span,
                        format!(
                            "`{}` takes {} argument(s), given {}",
                            def.name,
                            def.arity,
                            args.len()
                        ),
                    );
                }
                let new_base = env.stack.len();
                env.stack.extend(args);
                let previous = env.push_frame(new_base, def.frame_size as usize);
                let result = self.eval(&def.body, env);
                env.pop_frame(new_base, previous);
                result
            }
            Closure::Let(id, frame) => {
                let def = &self.prog.lets[*id as usize];
                if def.params.len() != args.len() {
                    return fail(
                        span,
                        format!(
                            "`{}` takes {} argument(s), given {}",
                            def.name,
                            def.params.len(),
                            args.len()
                        ),
                    );
                }
                let new_base = env.stack.len();
                env.stack.extend(frame.iter().cloned());
                let previous = env.push_frame(new_base, frame.len());
                for (slot, v) in def.params.iter().zip(args) {
                    env.set(*slot, v);
                }
                let result = self.eval(&def.body, env);
                env.pop_frame(new_base, previous);
                result
            }
            Closure::Builtin(b) => match <[Value; 2]>::try_from(args) {
                Ok([a, c]) => self.binary(*b, &a, &c, span),
                Err(args) => self.builtin(*b, args, span, env),
            },
        }
    }

    pub(crate) fn binary(&self, op: Builtin, a: &Value, b: &Value, span: Span) -> EResult<Value> {
        let bool = |x| Ok(Value::Bool(x));
        match op {
            Builtin::Eq => bool(equal(a, b, span)?),
            Builtin::Neq => bool(!equal(a, b, span)?),
            Builtin::In => bool(member(a, b, span)?),
            Builtin::NotIn => bool(!member(a, b, span)?),
            Builtin::Lt => bool(int(a, span, "<")? < int(b, span, "<")?),
            Builtin::Gt => bool(int(a, span, ">")? > int(b, span, ">")?),
            Builtin::Leq => bool(int(a, span, "<=")? <= int(b, span, "<=")?),
            Builtin::Geq => bool(int(a, span, ">=")? >= int(b, span, ">=")?),
            Builtin::Plus => checked(int(a, span, "+")?.checked_add(int(b, span, "+")?), span),
            Builtin::Minus => checked(int(a, span, "-")?.checked_sub(int(b, span, "-")?), span),
            Builtin::Times => checked(int(a, span, "*")?.checked_mul(int(b, span, "*")?), span),
            Builtin::Div => {
                let (x, y) = (int(a, span, "\\div")?, int(b, span, "\\div")?);
                if y == 0 {
                    return fail(span, "division by zero");
                }
                let q = x.checked_div(y);
                checked(
                    q.map(|q| {
                        if x % y != 0 && ((x < 0) != (y < 0)) {
                            q - 1
                        } else {
                            q
                        }
                    }),
                    span,
                )
            }
            Builtin::Mod => {
                let (x, y) = (int(a, span, "%")?, int(b, span, "%")?);
                if y <= 0 {
                    return fail(
                        span,
                        format!("the second argument of % must be positive, found {y}"),
                    );
                }
                checked(x.checked_rem_euclid(y), span)
            }
            Builtin::Pow => {
                let (x, y) = (int(a, span, "^")?, int(b, span, "^")?);
                if y < 0 {
                    return fail(span, "negative exponent");
                }
                checked(u32::try_from(y).ok().and_then(|y| x.checked_pow(y)), span)
            }
            Builtin::Range => {
                let (lo, hi) = (int(a, span, "..")?, int(b, span, "..")?);
                if hi >= lo && (hi - lo) as u64 >= ENUMERATION_MAX {
                    return fail(span, format!("the interval {lo}..{hi} is too large"));
                }
                Ok(Value::set_sorted((lo..=hi).map(Value::Int).collect()))
            }
            Builtin::Cup => {
                if is_infinite(a) || is_infinite(b) {
                    // `Int \cup {NULL}`: kept symbolic, as TLC does, for membership tests.
                    return Ok(Value::Lazy(Arc::new(LazySet::Cup(a.clone(), b.clone()))));
                }
                let x = finite_set(a, span, "\\cup")?;
                let y = finite_set(b, span, "\\cup")?;
                Ok(Value::set_sorted(merge_sets(&x, &y)))
            }
            Builtin::Cap => {
                let x = finite_set(a, span, "\\cap")?;
                let mut out = Vec::new();
                for v in x.iter() {
                    if member(v, b, span)? {
                        out.push(v.clone());
                    }
                }
                Ok(Value::set_sorted(out))
            }
            Builtin::SetMinus => {
                if is_infinite(a) {
                    // `Nat \ {0}`: kept symbolic, as TLC does, for membership tests.
                    return Ok(Value::Lazy(Arc::new(LazySet::Minus(a.clone(), b.clone()))));
                }
                if let (Value::Set(x), Value::Set(y)) = (a, b) {
                    if !has_lazy(x) && !has_lazy(y) {
                        return Ok(Value::set_sorted(sorted_difference(x, y)));
                    }
                }
                let x = finite_set(a, span, "\\")?;
                let mut out = Vec::new();
                for v in x.iter() {
                    if !member(v, b, span)? {
                        out.push(v.clone());
                    }
                }
                Ok(Value::set_sorted(out))
            }
            Builtin::SubsetEq | Builtin::Subset | Builtin::SupsetEq | Builtin::Supset => {
                let (small, big) = match op {
                    Builtin::SubsetEq | Builtin::Subset => (&a, &b),
                    _ => (&b, &a),
                };
                let x = finite_set(small, span, "\\subseteq")?;
                for v in x.iter() {
                    if !member(v, big, span)? {
                        return bool(false);
                    }
                }
                if matches!(op, Builtin::Subset | Builtin::Supset) {
                    return bool(!equal(small, big, span)?);
                }
                bool(true)
            }
            Builtin::Concat => match (&a, &b) {
                (Value::Str(x), Value::Str(y)) => Ok(Value::string(&format!("{x}{y}"))),
                _ => {
                    let x = seq(a, span, "\\o")?;
                    let y = seq(b, span, "\\o")?;
                    let mut out = Vec::with_capacity(x.len() + y.len());
                    out.extend_from_slice(x);
                    out.extend_from_slice(y);
                    Ok(Value::Seq(shared(out)))
                }
            },
            Builtin::MapTo => Ok(Value::function(vec![(
                force(a.clone(), span)?,
                force(b.clone(), span)?,
            )])),
            Builtin::Compose => {
                if !a.is_function() || !b.is_function() {
                    return fail(span, "@@ expects two functions");
                }
                let mut pairs = function_pairs(a);
                for (k, v) in function_pairs(b) {
                    if apply_function(a, &k).is_none() {
                        pairs.push((k, v));
                    }
                }
                Ok(Value::function(pairs))
            }
            Builtin::Append => {
                let s = seq(a, span, "Append")?;
                let last = force(b.clone(), span)?;
                // One allocation: the iterator's length is known.
                Ok(Value::Seq(
                    s.iter().cloned().chain(std::iter::once(last)).collect(),
                ))
            }
            Builtin::Print => {
                eprintln!("{}  {}", a.to_tlc(), b.to_tlc());
                Ok(b.clone())
            }
            Builtin::Assert => match a {
                Value::Bool(true) => Ok(Value::Bool(true)),
                Value::Bool(false) => {
                    let message = match &b {
                        Value::Str(s) => s.text().to_string(),
                        other => other.to_tlc(),
                    };
                    fail(span, format!("the assertion failed: {message}"))
                }
                other => fail(
                    span,
                    format!("Assert expects a Boolean, found {}", other.to_tlc()),
                ),
            },
            Builtin::BagIn => bool(bag_count(b, a) > 0),
            Builtin::CopiesIn => Ok(Value::Int(bag_count(b, a))),
            Builtin::BagCup | Builtin::BagDiff => {
                let mut pairs: Vec<(Value, Value)> = Vec::new();
                let mut keys = function_pairs(a);
                keys.extend(function_pairs(b));
                keys.sort_by(|x, y| x.0.cmp(&y.0));
                keys.dedup_by(|x, y| x.0 == y.0);
                for (k, _) in keys {
                    let n = if op == Builtin::BagCup {
                        bag_count(a, &k) + bag_count(b, &k)
                    } else {
                        bag_count(a, &k) - bag_count(b, &k)
                    };
                    if n > 0 {
                        pairs.push((k, Value::Int(n)));
                    }
                }
                Ok(Value::function(pairs))
            }
            _ => self.builtin(op, vec![a.clone(), b.clone()], span, &mut Env::new()),
        }
    }

    pub(crate) fn builtin(
        &self,
        op: Builtin,
        args: Vec<Value>,
        span: Span,
        env: &mut Env,
    ) -> EResult<Value> {
        if let Builtin::Community(op) = op {
            return self.community(op, args, span, env);
        }
        let arity_ok = match op {
            Builtin::SubSeq => args.len() == 3,
            Builtin::EmptyBag => args.is_empty(),
            Builtin::SelectSeq | Builtin::SortSeq | Builtin::TlcSet => args.len() == 2,
            Builtin::JavaTime => args.is_empty(),
            Builtin::Product => args.len() >= 2,
            _ => args.len() == 1,
        };
        if !arity_ok {
            return fail(span, format!("wrong number of arguments for {op:?}"));
        }
        let a = &args[0..];
        match op {
            Builtin::Neg => checked(int(&a[0], span, "-")?.checked_neg(), span),
            Builtin::Powerset => Ok(Value::Lazy(Arc::new(LazySet::Subset(a[0].clone())))),
            Builtin::Union => {
                let outer = finite_set(&a[0], span, "UNION")?;
                if outer.iter().any(is_infinite) {
                    // `UNION {[D -> Int]}`: kept symbolic, for membership tests.
                    let mut sets = outer.iter().cloned();
                    let first = sets.next().unwrap_or_else(Value::empty_set);
                    return Ok(
                        sets.fold(first, |acc, s| Value::Lazy(Arc::new(LazySet::Cup(acc, s))))
                    );
                }
                let mut out = Vec::new();
                for inner in outer.iter() {
                    out.extend(finite_set(inner, span, "UNION")?.iter().cloned());
                }
                Ok(Value::set(out))
            }
            Builtin::Domain => {
                if a[0].is_function() {
                    Ok(function_domain(&a[0]))
                } else {
                    fail(
                        span,
                        format!("DOMAIN of {}, which is not a function", a[0].kind()),
                    )
                }
            }
            Builtin::Product => Ok(Value::Lazy(Arc::new(LazySet::Product(args)))),
            Builtin::Seq => Ok(Value::Lazy(Arc::new(LazySet::Seq(args[0].clone())))),
            Builtin::Len => Ok(Value::Int(seq(&a[0], span, "Len")?.len() as i64)),
            Builtin::Head => match seq(&a[0], span, "Head")?.first() {
                Some(v) => Ok(v.clone()),
                None => fail(span, "Head of the empty sequence"),
            },
            Builtin::Tail => {
                let s = seq(&a[0], span, "Tail")?;
                if s.is_empty() {
                    return fail(span, "Tail of the empty sequence");
                }
                Ok(Value::Seq(Arc::from(&s[1..])))
            }
            Builtin::SubSeq => {
                let s = seq(&a[0], span, "SubSeq")?;
                let (m, n) = (int(&a[1], span, "SubSeq")?, int(&a[2], span, "SubSeq")?);
                if m > n {
                    return Ok(Value::Seq(shared(Vec::new())));
                }
                if m < 1 || n as u64 > s.len() as u64 {
                    return fail(
                        span,
                        format!("SubSeq({}, {m}, {n}) is out of range", a[0].to_tlc()),
                    );
                }
                Ok(Value::Seq(shared(s[m as usize - 1..n as usize].to_vec())))
            }
            Builtin::SelectSeq => {
                let s = seq(&a[0], span, "SelectSeq")?.clone();
                let Value::Op(test) = &a[1] else {
                    return fail(span, "SelectSeq expects an operator");
                };
                let mut out = Vec::new();
                for v in s.iter() {
                    match self.call_closure(test, vec![v.clone()], span, env)? {
                        Value::Bool(true) => out.push(v.clone()),
                        Value::Bool(false) => {}
                        other => {
                            return fail(
                                span,
                                format!("the test of SelectSeq gave {}", other.to_tlc()),
                            )
                        }
                    }
                }
                Ok(Value::Seq(shared(out)))
            }
            Builtin::SortSeq => {
                let s = seq(&a[0], span, "SortSeq")?.clone();
                let Value::Op(less) = &a[1] else {
                    return fail(span, "SortSeq expects an operator");
                };
                let mut out: Vec<Value> = Vec::with_capacity(s.len());
                for v in s.iter() {
                    let mut at = out.len();
                    while at > 0 {
                        match self.call_closure(
                            less,
                            vec![v.clone(), out[at - 1].clone()],
                            span,
                            env,
                        )? {
                            Value::Bool(true) => at -= 1,
                            _ => break,
                        }
                    }
                    out.insert(at, v.clone());
                }
                Ok(Value::Seq(shared(out)))
            }
            Builtin::Cardinality => Ok(Value::Int(cardinality(&a[0], span)?)),
            Builtin::IsFiniteSet => match &a[0] {
                Value::Set(_) => Ok(Value::Bool(true)),
                Value::Lazy(_) => Ok(Value::Bool(!is_infinite(&a[0]))),
                other => fail(span, format!("IsFiniteSet of {}", other.kind())),
            },
            Builtin::PrintT => {
                eprintln!("{}", a[0].to_tlc());
                Ok(Value::Bool(true))
            }
            Builtin::ToString => Ok(Value::string(&a[0].to_tlc())),
            Builtin::TlcGet => match &a[0] {
                Value::Str(key) if &*key.text() == "level" => match self.mode {
                    Mode::Init => Ok(Value::Int(0)),
                    Mode::Next | Mode::Primed => Ok(Value::Int(i64::from(env.level))),
                    // 0 in an ASSUME, as in TLC; a constant definition or expression that
                    // reads it is not evaluated once for all.
                    Mode::Const if env.assumption => Ok(Value::Int(0)),
                    Mode::Const => fail(
                        span,
                        "TLCGet(\"level\") depends on the state: it is not a constant",
                    ),
                },
                // As in TLC, TLCGet is never a constant: a definition that reads it is not
                // evaluated once at load (it reads the run as it goes), except in an ASSUME.
                _ if self.mode == Mode::Const && !env.assumption => {
                    fail(span, "TLCGet depends on the run: it is not a constant")
                }
                key => self.prog.run.get(key, span),
            },
            Builtin::TlcSet => {
                let stopping = !self.prog.run.exit_requested();
                let result = self.prog.run.set(&a[0], a[1].clone(), span)?;
                if stopping && self.prog.run.exit_requested() {
                    eprintln!(
                        "note: {}: TLCSet(\"exit\", TRUE) stops the search",
                        self.prog.location(span)
                    );
                }
                Ok(result)
            }
            Builtin::JavaTime => Ok(crate::tlc::java_time()),
            Builtin::TlcEval => Ok(a[0].clone()),
            Builtin::RandomElement => {
                let s = finite_set(&a[0], span, "RandomElement")?;
                if s.is_empty() {
                    return fail(span, "RandomElement of the empty set");
                }
                Ok(s[random_below(s.len())].clone())
            }
            Builtin::Permutations => {
                let s = finite_set(&a[0], span, "Permutations")?;
                if s.len() > 9 {
                    return fail(span, "Permutations of more than 9 elements is too large");
                }
                let mut out = Vec::new();
                let mut order: Vec<usize> = (0..s.len()).collect();
                permute(&mut order, 0, &mut |p| {
                    out.push(Value::function(
                        s.iter()
                            .cloned()
                            .zip(p.iter().map(|&i| s[i].clone()))
                            .collect(),
                    ));
                });
                Ok(Value::set(out))
            }
            Builtin::BagToSet => {
                if !a[0].is_function() {
                    return fail(span, "BagToSet expects a bag");
                }
                Ok(function_domain(&a[0]))
            }
            Builtin::SetToBag => {
                let s = finite_set(&a[0], span, "SetToBag")?;
                Ok(Value::function(
                    s.iter().map(|v| (v.clone(), Value::Int(1))).collect(),
                ))
            }
            Builtin::EmptyBag => Ok(Value::Seq(shared(Vec::new()))),
            Builtin::BagCardinality => {
                let mut total = 0i64;
                for v in function_values(&a[0]) {
                    total = total.saturating_add(int(&v, span, "BagCardinality")?);
                }
                Ok(Value::Int(total))
            }
            other => fail(span, format!("wrong arguments for {other:?}")),
        }
    }
}

fn permute(order: &mut Vec<usize>, k: usize, f: &mut dyn FnMut(&[usize])) {
    if k == order.len() {
        f(order);
        return;
    }
    for i in k..order.len() {
        order.swap(k, i);
        permute(order, k + 1, f);
        order.swap(k, i);
    }
}

/// Binds `value` to `pattern`.
pub fn bind(pattern: &Pattern, value: Value, span: Span, env: &mut Env) -> EResult<()> {
    match pattern {
        Pattern::Slot(slot) => {
            env.set(*slot, value);
            Ok(())
        }
        Pattern::Tuple(slots) => match &value {
            Value::Seq(items) if items.len() == slots.len() => {
                for (slot, item) in slots.iter().zip(items.iter()) {
                    env.set(*slot, item.clone());
                }
                Ok(())
            }
            other => fail(
                span,
                format!(
                    "cannot bind {} to a tuple of {} names",
                    other.to_tlc(),
                    slots.len()
                ),
            ),
        },
    }
}

/// The function key of the current binding of `bounds`: one value, or a tuple for several.
fn bound_key(bounds: &[Bound], env: &Env) -> Value {
    let read = |p: &Pattern| match p {
        Pattern::Slot(s) => env.stack[env.base + *s as usize].clone(),
        Pattern::Tuple(slots) => Value::Seq(shared(
            slots
                .iter()
                .map(|s| env.stack[env.base + *s as usize].clone())
                .collect(),
        )),
    };
    if let [single] = bounds {
        read(&single.pattern)
    } else {
        Value::Seq(shared(bounds.iter().map(|b| read(&b.pattern)).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Integers, interned model values, and pairs of integers (grids, full or with holes).
    fn elements_and_key() -> impl Strategy<Value = (Vec<Value>, Value)> {
        let int = (-4i64..6).prop_map(Value::Int);
        let model = prop::sample::select(vec!["m1", "m2", "m3", "m4"])
            .prop_map(|m| Value::Model(Sym::new(m)));
        let pair = (-2i64..3, 0i64..3)
            .prop_map(|(a, b)| Value::Seq(shared(vec![Value::Int(a), Value::Int(b)])));
        prop_oneof![
            (prop::collection::vec(int.clone(), 0..10), int),
            (prop::collection::vec(model.clone(), 0..5), model),
            (prop::collection::vec(pair.clone(), 0..16), pair.clone()),
            // Every cell of a grid: the guessed place is right.
            (
                Just(
                    (-2i64..3)
                        .flat_map(|a| (0i64..3)
                            .map(move |b| Value::Seq(shared(vec![Value::Int(a), Value::Int(b)]))))
                        .collect()
                ),
                pair
            ),
        ]
    }

    proptest! {
        /// The guessed place is used only where it holds `key`: the answer is the binary
        /// search's, on dense and sparse sets alike.
        #[test]
        fn sorted_position_agrees_with_binary_search((elements, key) in elements_and_key()) {
            let Value::Set(sorted) = Value::set(elements) else { unreachable!() };
            prop_assert_eq!(sorted_position(&sorted, &key), sorted.binary_search(&key).ok());
        }
    }

    /// The functions of `[D -> R]` come one at a time in the set's order (strictly
    /// increasing, as many as `|R|^|D|`), over domains that make sequences, records and other
    /// functions, and over empty domains and ranges.
    #[test]
    fn functions_are_walked_in_the_sets_order() {
        let ints = |r: std::ops::RangeInclusive<i64>| Value::set(r.map(Value::Int).collect());
        let strings = |names: &[&str]| Value::set(names.iter().map(|n| Value::string(n)).collect());
        let models = Value::set(vec![
            Value::Model(Sym::new("m2")),
            Value::Model(Sym::new("m1")),
        ]);
        let subsets = Value::set(vec![
            Value::set(Vec::new()),
            ints(1..=1),
            ints(2..=2),
            ints(1..=2),
        ]);
        let domains = [
            ints(1..=3),
            ints(2..=4),
            strings(&["b", "a"]),
            models,
            Value::set(Vec::new()),
        ];
        let ranges = [
            ints(0..=2),
            strings(&["y", "x"]),
            subsets,
            Value::set(Vec::new()),
        ];
        for domain in &domains {
            for range in &ranges {
                let set = Value::Lazy(Arc::new(LazySet::Functions(domain.clone(), range.clone())));
                let mut walked = Vec::new();
                let all = for_each_function(&set, Span::default(), |function| {
                    walked.push(function);
                    Ok(true)
                })
                .expect("enumerable");
                assert!(all);
                let (Value::Set(d), Value::Set(r)) = (domain, range) else {
                    unreachable!()
                };
                assert_eq!(
                    walked.len(),
                    r.len().pow(d.len() as u32),
                    "{}",
                    set.to_tlc()
                );
                assert!(walked.windows(2).all(|w| w[0] < w[1]), "{}", set.to_tlc());
                // The same functions as every choice of values, built and sorted.
                let choices =
                    product(&vec![Arc::clone(r); d.len()], Span::default()).expect("small enough");
                let built = choices
                    .into_iter()
                    .map(|values| Value::function_on(Arc::clone(d), values))
                    .collect();
                assert_eq!(Value::set(built), Value::Set(shared(walked.clone())));
                // Stopping early stops the walk.
                let mut seen = 0;
                let stopped = for_each_function(&set, Span::default(), |_| {
                    seen += 1;
                    Ok(false)
                })
                .expect("enumerable");
                assert_eq!((stopped, seen), (walked.is_empty(), walked.len().min(1)));
            }
        }
    }

    /// The merge that computes `A \ B` of two listed sets agrees with testing each element
    /// of `A` for membership in `B`, on sets mixing kinds of elements.
    #[test]
    fn set_difference_by_merge_agrees_with_membership() {
        let pool: Vec<Value> = vec![
            Value::Int(-1),
            Value::Int(0),
            Value::Int(3),
            Value::Bool(true),
            Value::string("a"),
            Value::string("b"),
            Value::Model(Sym::new("m1")),
            Value::Seq(shared(vec![Value::Int(1), Value::Int(2)])),
            Value::Seq(shared(vec![Value::Int(1)])),
            Value::set(vec![Value::Int(1)]),
        ];
        let n = pool.len();
        for a_bits in (0u32..1 << n).step_by(7) {
            for b_bits in (0u32..1 << n).step_by(13) {
                let pick = |bits: u32| -> Value {
                    Value::set(
                        (0..n)
                            .filter(|i| bits >> i & 1 == 1)
                            .map(|i| pool[i].clone())
                            .collect(),
                    )
                };
                let (a, b) = (pick(a_bits), pick(b_bits));
                let (Value::Set(x), Value::Set(y)) = (&a, &b) else {
                    unreachable!()
                };
                let expected: Vec<Value> = x
                    .iter()
                    .filter(|v| !member(v, &b, Span::default()).unwrap())
                    .cloned()
                    .collect();
                assert_eq!(
                    sorted_difference(x, y),
                    expected,
                    "{} \\ {}",
                    a.to_tlc(),
                    b.to_tlc()
                );
            }
        }
    }
}
