//! TLA+ values in a canonical form: equal TLA+ values are equal Rust values and hash equally.
//!
//! Sets are sorted vectors without duplicates, functions are sorted by key, and a function whose
//! domain is `1..n` is always a sequence, one whose domain is a nonempty set of strings is
//! always a record (the empty function is the empty sequence). Strings and model values are
//! interned [`Sym`]s, so they are compared, hashed and cloned as integers. Large values are shared
//! behind `Arc`s, so cloning a state is cheap.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::{self, Write};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, OnceLock};

use parking_lot::RwLock;

/// An interned string: a TLA+ string, a model value's name, a record field or an identifier.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Sym(u32);

#[derive(Default)]
struct Interner {
    names: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, u32>,
    /// `ranks[id]`: the place of name `id` in lexicographic order, computed when first needed
    /// after new names arrive.
    ranks: Option<Arc<Vec<u32>>>,
}

/// Bumped whenever a name is interned, so that threads refresh their copy of the ranks.
static INTERNED: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's copy of the ranks, with the value of `INTERNED` it was taken at.
    static RANKS: RefCell<(u64, Arc<Vec<u32>>)> = RefCell::new((u64::MAX, Arc::new(Vec::new())));
}

fn interner() -> &'static RwLock<Interner> {
    static INTERNER: OnceLock<RwLock<Interner>> = OnceLock::new();
    INTERNER.get_or_init(|| RwLock::new(Interner::default()))
}

impl Sym {
    /// A symbol no name is interned as: what a LET definition's memo slot holds until its
    /// value is computed.
    pub(crate) const MEMO_UNSET: Sym = Sym(u32::MAX);

    /// The interned number of this name (stable within a run).
    pub fn id(self) -> u32 {
        self.0
    }

    /// The symbol for `text`, interned.
    pub fn new(text: &str) -> Sym {
        if let Some(&id) = interner().read().ids.get(text) {
            return Sym(id);
        }
        let mut table = interner().write();
        if let Some(&id) = table.ids.get(text) {
            return Sym(id);
        }
        let id = u32::try_from(table.names.len())
            .ok()
            .filter(|&id| id != Sym::MEMO_UNSET.0)
            .expect("fewer than 2^32 - 1 interned strings");
        let name: Arc<str> = Arc::from(text);
        table.names.push(Arc::clone(&name));
        table.ids.insert(name, id);
        table.ranks = None;
        INTERNED.fetch_add(1, AtomicOrdering::Release);
        Sym(id)
    }

    /// The place of this name in lexicographic order among all interned names: TLC orders
    /// strings this way (see [`tlc_cmp`]).
    pub fn rank(self) -> u32 {
        RANKS.with(|cell| {
            let mut cached = cell.borrow_mut();
            let version = INTERNED.load(AtomicOrdering::Acquire);
            if cached.0 != version || self.0 as usize >= cached.1.len() {
                *cached = (version, current_ranks());
            }
            cached.1.get(self.0 as usize).copied().unwrap_or(self.0)
        })
    }

    /// The text of this symbol.
    pub fn text(self) -> Arc<str> {
        Arc::clone(&interner().read().names[self.0 as usize])
    }
}

fn current_ranks() -> Arc<Vec<u32>> {
    if let Some(ranks) = &interner().read().ranks {
        return Arc::clone(ranks);
    }
    let mut table = interner().write();
    if let Some(ranks) = &table.ranks {
        return Arc::clone(ranks);
    }
    let mut order: Vec<u32> = (0..table.names.len() as u32).collect();
    order.sort_by(|a, b| table.names[*a as usize].cmp(&table.names[*b as usize]));
    let mut ranks = vec![0u32; order.len()];
    for (rank, id) in order.into_iter().enumerate() {
        ranks[id as usize] = rank as u32;
    }
    let ranks = Arc::new(ranks);
    table.ranks = Some(Arc::clone(&ranks));
    ranks
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// A set that is not (or not yet) a list of elements: infinite sets and large set constructors
/// that are usually only tested for membership.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum LazySet {
    /// `Nat`.
    Nat,
    /// `Int`.
    Int,
    /// `STRING`.
    String,
    /// `Seq(S)`.
    Seq(Value),
    /// `SUBSET S`.
    Subset(Value),
    /// `[D -> R]`.
    Functions(Value, Value),
    /// `[a: A, b: B]`, fields sorted.
    Records(Vec<(Sym, Value)>),
    /// `A \X B \X ...`.
    Product(Vec<Value>),
    /// `A \ B` with `A` infinite (`Nat \ {0}`): only membership is defined.
    Minus(Value, Value),
    /// `A \cup B` with `A` or `B` infinite (`Int \cup {NULL}`): only membership is defined.
    Cup(Value, Value),
    /// `Path(G)` of module `UndirectedGraphs` (of `Graphs` when the flag, directed, is set), for
    /// graph `G`: only membership is defined.
    Paths(Value, bool),
}

/// An operator passed as an argument (`Op(F, x)`, `LAMBDA`): not a first-class value, never part
/// of a state.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Closure {
    /// A module-level operator.
    Def(u32),
    /// A LET operator or LAMBDA with the frame it was created in.
    Let(u32, Arc<Vec<Value>>),
    /// A built-in operator.
    Builtin(crate::ast::Builtin),
}

/// A TLA+ value.
#[derive(Clone, Debug)]
pub enum Value {
    /// `TRUE`, `FALSE`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(Sym),
    /// A model value from the configuration.
    Model(Sym),
    /// A finite set: sorted, without duplicates.
    Set(Arc<[Value]>),
    /// A tuple, a sequence, or any function with domain `1..n` (the empty function too).
    Seq(Arc<[Value]>),
    /// A function whose domain is a nonempty set of strings, sorted by field name.
    Record(Arc<[(Sym, Value)]>),
    /// Any other function, nonempty: element 0 is its domain (a `Set`, shared between the
    /// functions built over the same set), then the values in the domain's order. Keeping the
    /// keys out of each function halves its size and keeps lookups in the shared domain, which
    /// stays in cache.
    Func(Arc<[Value]>),
    /// A set kept symbolic.
    Lazy(Arc<LazySet>),
    /// An operator argument.
    Op(Arc<Closure>),
}

impl Value {
    /// Whether `self` is `other` itself: the same scalar, or the same shared storage. Cheaper
    /// than equality and never true of different values (false of some equal ones).
    #[inline]
    pub fn same_storage(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Str(a), Value::Str(b)) | (Value::Model(a), Value::Model(b)) => a == b,
            (Value::Set(a), Value::Set(b))
            | (Value::Seq(a), Value::Seq(b))
            | (Value::Func(a), Value::Func(b)) => Arc::ptr_eq(a, b),
            (Value::Record(a), Value::Record(b)) => Arc::ptr_eq(a, b),
            (Value::Lazy(a), Value::Lazy(b)) => Arc::ptr_eq(a, b),
            (Value::Op(a), Value::Op(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Value::Bool(_) => 0,
            Value::Int(_) => 1,
            Value::Str(_) => 2,
            Value::Model(_) => 3,
            Value::Set(_) => 4,
            Value::Seq(_) => 5,
            Value::Record(_) => 6,
            Value::Func(_) => 7,
            Value::Lazy(_) => 8,
            Value::Op(_) => 9,
        }
    }
}

// Equality, order and hashing are written out so that shared values compare by pointer first
// and hashing feeds the hasher few, wide words (fingerprinting hashes every state).
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Str(a), Value::Str(b)) | (Value::Model(a), Value::Model(b)) => a == b,
            (Value::Set(a), Value::Set(b)) | (Value::Seq(a), Value::Seq(b)) => {
                Arc::ptr_eq(a, b) || a == b
            }
            (Value::Record(a), Value::Record(b)) => Arc::ptr_eq(a, b) || a == b,
            (Value::Func(a), Value::Func(b)) => Arc::ptr_eq(a, b) || a == b,
            (Value::Lazy(a), Value::Lazy(b)) => a == b,
            (Value::Op(a), Value::Op(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Value {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        if let Some(order) = cmp_scalar(self, other) {
            return order;
        }
        match (self, other) {
            (Value::Set(a), Value::Set(b)) | (Value::Seq(a), Value::Seq(b)) => {
                if Arc::ptr_eq(a, b) {
                    Ordering::Equal
                } else {
                    cmp_elements(a, b)
                }
            }
            (Value::Record(a), Value::Record(b)) => {
                if Arc::ptr_eq(a, b) {
                    return Ordering::Equal;
                }
                for ((k, v), (l, w)) in a.iter().zip(b.iter()) {
                    let order = k.cmp(l).then_with(|| cmp_inline(v, w));
                    if order.is_ne() {
                        return order;
                    }
                }
                a.len().cmp(&b.len())
            }
            (Value::Func(a), Value::Func(b)) => {
                if Arc::ptr_eq(a, b) {
                    Ordering::Equal
                } else {
                    cmp_elements(a, b)
                }
            }
            (Value::Lazy(a), Value::Lazy(b)) => a.cmp(b),
            (Value::Op(a), Value::Op(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// The order of two scalars of the same kind, `None` for anything else. Inlined into the loops
/// over elements, so that comparing the leaves of two values (most of them) costs no call.
#[inline(always)]
fn cmp_scalar(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    Some(match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Str(x), Value::Str(y)) | (Value::Model(x), Value::Model(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => return None,
    })
}

#[inline(always)]
fn cmp_inline(a: &Value, b: &Value) -> std::cmp::Ordering {
    match cmp_scalar(a, b) {
        Some(order) => order,
        None => a.cmp(b),
    }
}

/// Lexicographic order of two element lists (then shorter first), as slices order.
#[inline(always)]
fn cmp_elements(a: &[Value], b: &[Value]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b.iter()) {
        let order = cmp_inline(x, y);
        if order.is_ne() {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// The tag of each kind of value in the words fed to the hasher, in the top byte.
const HASH_TAG: u32 = 56;

/// Feeds a scalar to the hasher and returns true, or returns false for a compound value. Inlined
/// into the loops over elements, so that the leaves of a state (most of its values) cost no call.
#[inline(always)]
fn hash_scalar<H: Hasher>(value: &Value, state: &mut H) -> bool {
    match value {
        Value::Bool(b) => state.write_u64(u64::from(*b)),
        Value::Int(n) => state.write_u128((1u128 << 64) | u128::from(*n as u64)),
        Value::Str(s) => state.write_u64((2 << HASH_TAG) | u64::from(s.0)),
        Value::Model(s) => state.write_u64((3 << HASH_TAG) | u64::from(s.0)),
        _ => return false,
    }
    true
}

/// Hashes the elements of a set, sequence or function storage.
#[inline(always)]
fn hash_elements<H: Hasher>(elements: &[Value], state: &mut H) {
    for e in elements {
        if !hash_scalar(e, state) {
            e.hash(state);
        }
    }
}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        const TAG: u32 = HASH_TAG;
        if hash_scalar(self, state) {
            return;
        }
        match self {
            Value::Bool(_) | Value::Int(_) | Value::Str(_) | Value::Model(_) => {}
            Value::Set(elements) => {
                state.write_u64((4 << TAG) | elements.len() as u64);
                hash_elements(elements, state);
            }
            Value::Seq(elements) => {
                state.write_u64((5 << TAG) | elements.len() as u64);
                hash_elements(elements, state);
            }
            Value::Record(fields) => {
                state.write_u64((6 << TAG) | fields.len() as u64);
                for (k, v) in fields.iter() {
                    state.write_u32(k.0);
                    if !hash_scalar(v, state) {
                        v.hash(state);
                    }
                }
            }
            Value::Func(storage) => {
                state.write_u64((7 << TAG) | storage.len() as u64);
                hash_elements(storage, state);
            }
            Value::Lazy(lazy) => {
                state.write_u64(8 << TAG);
                lazy.hash(state);
            }
            Value::Op(op) => {
                state.write_u64(9 << TAG);
                op.hash(state);
            }
        }
    }
}

/// Multiplies two words into 128 bits and folds the halves together: the mixing step of
/// foldhash and wyhash.
#[inline(always)]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

const FP_SEED: u64 = 0x243f_6a88_85a3_08d3;

/// Absorbs `value` into a running fingerprint: one multiplication with a constant of its
/// kind, so that values of different kinds never meet by construction (the integer 1 and
/// TRUE, a string and a model value with the same interned number).
#[inline(always)]
fn absorb(state: u64, value: &Value) -> u64 {
    let (word, multiplier) = match scalar_word(value) {
        Some(pair) => pair,
        None => (value.fingerprint(), COMPOUND),
    };
    folded_multiply(state ^ word, multiplier)
}

/// [`absorb`], with `word` the [`word`] of `value`.
#[inline(always)]
fn absorb_word(state: u64, value: &Value, word: u64) -> u64 {
    let multiplier = match scalar_word(value) {
        Some((_, multiplier)) => multiplier,
        None => COMPOUND,
    };
    folded_multiply(state ^ word, multiplier)
}

/// The multiplier [`absorb`] uses for a compound value.
const COMPOUND: u64 = 0x8ebc_6af0_9c88_c6e3;

/// The bits of a scalar and the multiplier of its kind; `None` for a compound value.
#[inline(always)]
fn scalar_word(value: &Value) -> Option<(u64, u64)> {
    Some(match value {
        Value::Bool(b) => (u64::from(*b), 0x9e37_79b9_7f4a_7c15),
        Value::Int(n) => (*n as u64, 0xd6e8_feb8_6659_fd93),
        Value::Str(s) => (u64::from(s.0), 0xa076_1d64_78bd_642f),
        Value::Model(s) => (u64::from(s.0), 0xe703_7ed1_a0b4_28db),
        _ => return None,
    })
}

/// Starts the fingerprint of a compound value of kind `tag` with `len` parts.
#[inline(always)]
fn header(tag: u64, len: usize) -> u64 {
    folded_multiply(
        FP_SEED ^ (tag << HASH_TAG) ^ len as u64,
        0x5851_f42d_4c95_7f2d,
    )
}

/// Writes a function as TLC writes one that is neither a sequence nor a record:
/// `(k1 :> v1 @@ k2 :> v2)`.
fn write_pairs<'v>(out: &mut String, pairs: impl Iterator<Item = (&'v Value, &'v Value)>) {
    out.push('(');
    for (i, (k, v)) in pairs.enumerate() {
        if i > 0 {
            out.push_str(" @@ ");
        }
        k.write_tlc(out);
        out.push_str(" :> ");
        v.write_tlc(out);
    }
    out.push(')');
}

/// Whether TLC prints a field named `name` as a record field (FcnRcdValue.isName): letters,
/// digits and underscores with at least one letter, and not a name of four characters or
/// more starting with `WF_` or `SF_`.
fn is_tlc_name(name: &str) -> bool {
    let mut letter = false;
    for ch in name.chars() {
        if ch == '_' {
            continue;
        }
        if !ch.is_alphanumeric() {
            return false;
        }
        letter |= ch.is_alphabetic();
    }
    letter && (name.chars().count() < 4 || !(name.starts_with("WF_") || name.starts_with("SF_")))
}

impl Value {
    /// A 64-bit hash of this value for telling states apart: equal values get equal
    /// fingerprints. Walks the value once with one multiplication per part, several times
    /// cheaper than feeding a [`Hasher`]; model checking fingerprints every generated state.
    pub fn fingerprint(&self) -> u64 {
        fn elements(tag: u64, items: &[Value]) -> u64 {
            let mut h = header(tag, items.len());
            for item in items {
                h = absorb(h, item);
            }
            folded_multiply(h, FP_SEED)
        }
        match self {
            Value::Bool(_) | Value::Int(_) | Value::Str(_) | Value::Model(_) => {
                folded_multiply(absorb(FP_SEED, self), FP_SEED)
            }
            Value::Set(items) => elements(4, items),
            Value::Seq(items) => elements(5, items),
            Value::Func(storage) => elements(7, storage),
            Value::Record(fields) => {
                let mut h = header(6, fields.len());
                for (k, v) in fields.iter() {
                    h = folded_multiply(h ^ u64::from(k.0), 0x1405_7b7e_f767_814f);
                    h = absorb(h, v);
                }
                folded_multiply(h, FP_SEED)
            }
            Value::Lazy(_) | Value::Op(_) => {
                folded_multiply(header(8, 0) ^ valence_check::fingerprint(self), FP_SEED)
            }
        }
    }
}

/// The fingerprint of a list of values (a state's variables), never 0.
pub fn fingerprint_all(values: &[Value]) -> u64 {
    fingerprint_list(values.len(), values)
}

/// [`fingerprint_all`] of the `len` values `values` yields, wherever they are kept.
pub fn fingerprint_list<'v>(len: usize, values: impl IntoIterator<Item = &'v Value>) -> u64 {
    fingerprint_words(len, values.into_iter().map(|value| (value, word(value))))
}

/// What `value` adds to the fingerprint of a list holding it ([`fingerprint_words`]): its
/// fingerprint if it is compound, its bits if it is a scalar. A state keeps the words of its
/// variables, so that its successors, which share most of them, do not walk them again.
#[inline]
pub fn word(value: &Value) -> u64 {
    match scalar_word(value) {
        Some((word, _)) => word,
        None => value.fingerprint(),
    }
}

/// [`fingerprint_list`] of the `len` values `pairs` yields, each with its [`word`].
#[inline]
pub fn fingerprint_words<'v>(len: usize, pairs: impl IntoIterator<Item = (&'v Value, u64)>) -> u64 {
    let mut h = header(9, len);
    for (value, word) in pairs {
        h = absorb_word(h, value, word);
    }
    match folded_multiply(h, FP_SEED) {
        0 => 1,
        fp => fp,
    }
}

/// The domain and the values of a function's storage (see [`Value::Func`]).
pub fn func_parts(storage: &[Value]) -> (&[Value], &[Value]) {
    match storage.split_first() {
        Some((Value::Set(domain), values)) => (domain, values),
        _ => (&[], &[]),
    }
}

/// TLC's order on values, where it is observable: which element `CHOOSE` picks and the order
/// in which sets print. The canonical order of [`Value`]'s `Ord` compares strings by their
/// interned id, which is cheap; this one compares them lexicographically, as TLC does, and
/// compares tuples, records and sets by size first.
pub fn tlc_cmp(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    fn slices(a: &[Value], b: &[Value]) -> Ordering {
        a.len().cmp(&b.len()).then_with(|| {
            a.iter()
                .zip(b)
                .map(|(x, y)| tlc_cmp(x, y))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        })
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => {
            if x == y {
                Ordering::Equal
            } else {
                x.rank().cmp(&y.rank())
            }
        }
        (Value::Set(x), Value::Set(y)) => {
            let mut x: Vec<&Value> = x.iter().collect();
            let mut y: Vec<&Value> = y.iter().collect();
            x.sort_by(|p, q| tlc_cmp(p, q));
            y.sort_by(|p, q| tlc_cmp(p, q));
            x.len().cmp(&y.len()).then_with(|| {
                x.iter()
                    .zip(&y)
                    .map(|(p, q)| tlc_cmp(p, q))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            })
        }
        (Value::Seq(x), Value::Seq(y)) => slices(x, y),
        (Value::Record(x), Value::Record(y)) => x.len().cmp(&y.len()).then_with(|| {
            let mut x: Vec<&(Sym, Value)> = x.iter().collect();
            let mut y: Vec<&(Sym, Value)> = y.iter().collect();
            x.sort_by_key(|f| f.0.rank());
            y.sort_by_key(|f| f.0.rank());
            x.iter()
                .zip(&y)
                .map(|(p, q)| {
                    p.0.rank()
                        .cmp(&q.0.rank())
                        .then_with(|| tlc_cmp(&p.1, &q.1))
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        }),
        _ => a.cmp(b),
    }
}

/// Whether sorting `elements` by [`tlc_cmp`] could change their canonical order. It cannot
/// for scalars other than strings, nor for tuples of integers of one length (GameOfLife's
/// cells), which both orders compare element by element.
pub fn needs_tlc_order(elements: &[Value]) -> bool {
    match elements.first() {
        None | Some(Value::Bool(_) | Value::Int(_) | Value::Model(_)) => false,
        Some(Value::Seq(first)) => {
            let len = first.len();
            !elements.iter().all(|e| {
                matches!(e, Value::Seq(t) if t.len() == len
                    && t.iter().all(|x| matches!(x, Value::Int(_))))
            })
        }
        Some(_) => true,
    }
}

/// A vector shared behind one `Arc` allocation.
pub fn shared<T>(items: Vec<T>) -> Arc<[T]> {
    Arc::from(items)
}

impl Default for Value {
    fn default() -> Self {
        Value::Bool(false)
    }
}

impl Value {
    /// The empty set.
    pub fn empty_set() -> Value {
        Value::Set(shared(Vec::new()))
    }

    /// A set of these elements, in any order, duplicates allowed.
    pub fn set(mut elements: Vec<Value>) -> Value {
        elements.sort_unstable();
        elements.dedup();
        Value::Set(shared(elements))
    }

    /// A set of elements already sorted and without duplicates.
    pub fn set_sorted(elements: Vec<Value>) -> Value {
        debug_assert!(elements.windows(2).all(|w| w[0] < w[1]));
        Value::Set(shared(elements))
    }

    /// A string value.
    pub fn string(text: &str) -> Value {
        Value::Str(Sym::new(text))
    }

    /// The function with these `(key, value)` pairs in canonical form. Keys must be distinct.
    pub fn function(mut pairs: Vec<(Value, Value)>) -> Value {
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Value::function_sorted(pairs)
    }

    /// As [`Value::function`], with pairs already sorted by key.
    pub fn function_sorted(pairs: Vec<(Value, Value)>) -> Value {
        if pairs
            .iter()
            .enumerate()
            .all(|(i, (k, _))| *k == Value::Int(i as i64 + 1))
        {
            return Value::Seq(shared(pairs.into_iter().map(|(_, v)| v).collect()));
        }
        let (keys, values): (Vec<Value>, Vec<Value>) = pairs.into_iter().unzip();
        Value::function_on(shared(keys), values)
    }

    /// The function from `domain` (a sorted set) to `values`, in the domain's order.
    pub fn function_on(domain: Arc<[Value]>, values: Vec<Value>) -> Value {
        debug_assert_eq!(domain.len(), values.len());
        if domain
            .iter()
            .enumerate()
            .all(|(i, k)| *k == Value::Int(i as i64 + 1))
        {
            return Value::Seq(shared(values));
        }
        if domain.iter().all(|k| matches!(k, Value::Str(_))) {
            let fields = domain
                .iter()
                .zip(values)
                .filter_map(|(k, v)| match k {
                    Value::Str(s) => Some((*s, v)),
                    _ => None,
                })
                .collect();
            return Value::Record(shared(fields));
        }
        // One allocation: the iterator's length is known.
        Value::Func(std::iter::once(Value::Set(domain)).chain(values).collect())
    }

    /// A record from fields in any order.
    pub fn record(mut fields: Vec<(Sym, Value)>) -> Value {
        if fields.is_empty() {
            return Value::Seq(shared(Vec::new()));
        }
        fields.sort_unstable_by_key(|f| f.0);
        Value::Record(shared(fields))
    }

    /// The kind of value, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Bool(_) => "a Boolean",
            Value::Int(_) => "an integer",
            Value::Str(_) => "a string",
            Value::Model(_) => "a model value",
            Value::Set(_) | Value::Lazy(_) => "a set",
            Value::Seq(_) => "a sequence",
            Value::Record(_) => "a record",
            Value::Func(_) => "a function",
            Value::Op(_) => "an operator",
        }
    }

    /// Whether this value is a function (including sequences and records).
    pub fn is_function(&self) -> bool {
        matches!(self, Value::Seq(_) | Value::Record(_) | Value::Func(_))
    }

    /// Whether this value is not a scalar (a Boolean, an integer, a string or a model value):
    /// its fingerprint is a walk, not its bits.
    pub fn is_compound(&self) -> bool {
        scalar_word(self).is_none()
    }
}

fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_list<'a>(out: &mut String, items: impl Iterator<Item = &'a Value>) {
    for (i, v) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        v.write_tlc(out);
    }
}

impl Value {
    /// Appends this value in TLC's syntax: `{"a", "b"}`, `(r1 :> "working")`, `<<1, 2>>`.
    pub fn write_tlc(&self, out: &mut String) {
        match self {
            Value::Bool(true) => out.push_str("TRUE"),
            Value::Bool(false) => out.push_str("FALSE"),
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Str(s) => write_string(out, &s.text()),
            Value::Model(s) => out.push_str(&s.text()),
            Value::Set(elements) => {
                out.push('{');
                if needs_tlc_order(elements) {
                    let mut sorted: Vec<&Value> = elements.iter().collect();
                    sorted.sort_by(|a, b| tlc_cmp(a, b));
                    write_list(out, sorted.into_iter());
                } else {
                    write_list(out, elements.iter());
                }
                out.push('}');
            }
            Value::Seq(elements) => {
                out.push_str("<<");
                write_list(out, elements.iter());
                out.push_str(">>");
            }
            Value::Record(fields) => {
                let mut sorted: Vec<&(Sym, Value)> = fields.iter().collect();
                sorted.sort_by_key(|f| f.0.rank());
                // TLC prints a function over strings as a record when every string is a name
                // (FcnRcdValue.isRcd), otherwise with :> and @@.
                if sorted.iter().all(|(k, _)| is_tlc_name(&k.text())) {
                    out.push('[');
                    for (i, (k, v)) in sorted.into_iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        out.push_str(&k.text());
                        out.push_str(" |-> ");
                        v.write_tlc(out);
                    }
                    out.push(']');
                } else {
                    let keys: Vec<Value> = sorted.iter().map(|(k, _)| Value::Str(*k)).collect();
                    write_pairs(out, keys.iter().zip(sorted.iter().map(|(_, v)| v)));
                }
            }
            Value::Func(storage) => {
                // TLC prints any other function, over model values too, with :> and @@.
                let (domain, values) = func_parts(storage);
                write_pairs(out, domain.iter().zip(values));
            }
            Value::Lazy(set) => match &**set {
                LazySet::Nat => out.push_str("Nat"),
                LazySet::Int => out.push_str("Int"),
                LazySet::String => out.push_str("STRING"),
                LazySet::Seq(s) => {
                    out.push_str("Seq(");
                    s.write_tlc(out);
                    out.push(')');
                }
                LazySet::Subset(s) => {
                    out.push_str("SUBSET ");
                    s.write_tlc(out);
                }
                LazySet::Functions(d, r) => {
                    out.push('[');
                    d.write_tlc(out);
                    out.push_str(" -> ");
                    r.write_tlc(out);
                    out.push(']');
                }
                LazySet::Records(fields) => {
                    out.push('[');
                    for (i, (k, v)) in fields.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        out.push_str(&k.text());
                        out.push_str(" : ");
                        v.write_tlc(out);
                    }
                    out.push(']');
                }
                LazySet::Product(sets) => {
                    for (i, s) in sets.iter().enumerate() {
                        if i > 0 {
                            out.push_str(" \\X ");
                        }
                        s.write_tlc(out);
                    }
                }
                LazySet::Minus(a, b) => {
                    a.write_tlc(out);
                    out.push_str(" \\ ");
                    b.write_tlc(out);
                }
                LazySet::Cup(a, b) => {
                    a.write_tlc(out);
                    out.push_str(" \\union ");
                    b.write_tlc(out);
                }
                LazySet::Paths(g, _) => {
                    out.push_str("Path(");
                    g.write_tlc(out);
                    out.push(')');
                }
            },
            Value::Op(_) => out.push_str("<operator>"),
        }
    }

    /// This value in TLC's syntax.
    pub fn to_tlc(&self) -> String {
        let mut out = String::new();
        self.write_tlc(&mut out);
        out
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_tlc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Values of a few shapes: integers, strings, tuples of integers of one or two lengths.
    fn shaped() -> impl Strategy<Value = Vec<Value>> {
        let int = (-3i64..4).prop_map(Value::Int);
        let string = prop::sample::select(vec!["b", "a", "ab", "B"]).prop_map(Value::string);
        let pair = prop::collection::vec(-3i64..4, 2)
            .prop_map(|v| Value::Seq(shared(v.into_iter().map(Value::Int).collect())));
        let short = prop::collection::vec(-3i64..4, 1..3)
            .prop_map(|v| Value::Seq(shared(v.into_iter().map(Value::Int).collect())));
        prop_oneof![
            prop::collection::vec(int, 0..6),
            prop::collection::vec(string, 0..6),
            prop::collection::vec(pair, 0..6),
            prop::collection::vec(short, 0..6),
        ]
    }

    proptest! {
        /// Where `needs_tlc_order` says a set's canonical order will do, it is TLC's.
        #[test]
        fn canonical_order_is_tlcs_where_trusted(elements in shaped()) {
            let Value::Set(set) = Value::set(elements) else { unreachable!() };
            let mut by_tlc = set.to_vec();
            by_tlc.sort_by(tlc_cmp);
            if !needs_tlc_order(&set) {
                prop_assert_eq!(&by_tlc[..], &set[..]);
            }
        }
    }

    #[test]
    fn function_with_domain_one_to_n_is_a_sequence() {
        let f = Value::function(vec![
            (Value::Int(2), Value::string("b")),
            (Value::Int(1), Value::string("a")),
        ]);
        assert_eq!(f.to_tlc(), "<<\"a\", \"b\">>");
        assert!(matches!(f, Value::Seq(_)));
    }

    #[test]
    fn function_over_strings_is_a_record() {
        let f = Value::function(vec![(Value::string("x"), Value::Int(1))]);
        assert_eq!(f, Value::record(vec![(Sym::new("x"), Value::Int(1))]));
        assert_eq!(f.to_tlc(), "[x |-> 1]");
    }

    /// TLC's FcnRcdValue.toString: a record only when every field is a name; any other
    /// function that is no sequence, over model values too, with :> and @@ (outputs of TLC's
    /// PrintT).
    #[test]
    fn functions_print_as_tlc_prints_them() {
        let over = |keys: &[Value]| {
            Value::function(keys.iter().map(|k| (k.clone(), Value::Int(0))).collect()).to_tlc()
        };
        let model = |name: &str| Value::Model(Sym::new(name));
        assert_eq!(over(&[model("p1"), model("p2")]), "(p1 :> 0 @@ p2 :> 0)");
        assert_eq!(over(&[Value::string("1")]), "(\"1\" :> 0)");
        assert_eq!(over(&[Value::string("WF_x")]), "(\"WF_x\" :> 0)");
        assert_eq!(over(&[Value::string("_")]), "(\"_\" :> 0)");
        assert_eq!(over(&[Value::string("WF_")]), "[WF_ |-> 0]");
        assert_eq!(over(&[Value::string("b_2")]), "[b_2 |-> 0]");
        assert_eq!(over(&[Value::Int(0), Value::Int(1)]), "(0 :> 0 @@ 1 :> 0)");
    }

    #[test]
    fn sets_are_canonical() {
        let a = Value::set(vec![Value::Int(3), Value::Int(1), Value::Int(3)]);
        let b = Value::set(vec![Value::Int(1), Value::Int(3)]);
        assert_eq!(a, b);
        assert_eq!(a.to_tlc(), "{1, 3}");
    }

    /// Fingerprints agree on equal values and tell apart every value of a family of near
    /// neighbours: the same parts in other kinds of containers, nestings and orders.
    #[test]
    fn fingerprints_separate_near_values() {
        let a = Sym::new("a");
        let scalars = vec![
            Value::Int(0),
            Value::Int(1),
            Value::Int(-1),
            Value::Bool(false),
            Value::Bool(true),
            Value::Str(a),
            Value::Model(a),
            Value::string("b"),
        ];
        let mut values = scalars.clone();
        for x in &scalars {
            values.push(Value::set(vec![x.clone()]));
            values.push(Value::Seq(shared(vec![x.clone()])));
            values.push(Value::record(vec![(a, x.clone())]));
            for y in &scalars {
                values.push(Value::set(vec![x.clone(), y.clone()]));
                values.push(Value::Seq(shared(vec![x.clone(), y.clone()])));
                values.push(Value::Seq(shared(vec![
                    Value::Seq(shared(vec![x.clone()])),
                    y.clone(),
                ])));
                values.push(Value::Seq(shared(vec![
                    x.clone(),
                    Value::Seq(shared(vec![y.clone()])),
                ])));
                values.push(Value::record(vec![
                    (a, x.clone()),
                    (Sym::new("b"), y.clone()),
                ]));
                values.push(Value::function(vec![
                    (Value::Model(a), x.clone()),
                    (Value::Model(Sym::new("b")), y.clone()),
                ]));
            }
        }
        let mut by_fingerprint: HashMap<u64, Value> = HashMap::new();
        for value in &values {
            if let Some(other) = by_fingerprint.insert(value.fingerprint(), value.clone()) {
                assert_eq!(
                    &other,
                    value,
                    "{} and {} share a fingerprint",
                    other.to_tlc(),
                    value.to_tlc()
                );
            }
        }
        let distinct: std::collections::HashSet<&Value> = values.iter().collect();
        assert_eq!(by_fingerprint.len(), distinct.len());
        assert!(distinct.len() > 300, "{} values", distinct.len());
        // The same value built two ways.
        let f = Value::function(vec![
            (Value::Int(1), Value::Int(5)),
            (Value::Int(2), Value::Int(6)),
        ]);
        let g = Value::Seq(shared(vec![Value::Int(5), Value::Int(6)]));
        assert_eq!(f.fingerprint(), g.fingerprint());
        assert_eq!(
            fingerprint_all(&[f.clone(), g.clone()]),
            fingerprint_all(&[g, f])
        );
        assert_ne!(
            fingerprint_all(&[Value::Int(1), Value::Int(2)]),
            fingerprint_all(&[Value::Int(2), Value::Int(1)])
        );
    }
}
