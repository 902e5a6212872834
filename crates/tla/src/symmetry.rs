//! Fingerprints under SYMMETRY: TLC's rule takes the smallest fingerprint of a state over all
//! permutations of its model values. The state is first compiled, once, into a short postfix
//! program whose only inputs are its model values: every part without a model value becomes one
//! constant. Each permutation then runs the program, renaming the model values as it reads
//! them; no permuted state is built, and the parts no permutation changes are hashed once
//! rather than once per permutation (FastPaxos has 144 permutations).
//!
//! When the permutations are all those of some disjoint sets of model values (`Permutations(A)
//! \cup Permutations(B)`, the usual SYMMETRY), most of them need not be tried. Each model value
//! of the state first gets a signature: the state's hash with that value marked and the other
//! values of its set anonymous, which renaming the state does not change. The values of each
//! set are then put in the order of their signatures and renamed to the set's first elements;
//! only the orders of values with equal signatures are all tried. The smallest fingerprint over
//! these renamings is the same for every state of a symmetry class (renaming a state renames its
//! signatures alike), and it still separates classes; it is usually one or two programs run
//! instead of all permutations (FastPaxos: 144).
//!
//! The hash of a value is structural: sets and functions combine their elements by an
//! order-free sum, because renaming changes the order of their elements, and everything else
//! in order. Equal permuted states get equal hashes; as with any 64-bit fingerprint, different
//! ones collide with negligible probability.

use std::cell::RefCell;

use crate::value::{func_parts, Sym, Value};

/// SplitMix64's finaliser: spreads the bits of `x` over the word.
pub(crate) fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const TAG_BOOL: u64 = 0x2545_f491_4f6c_dd1d;
const TAG_INT: u64 = 0x9e37_79b9_7f4a_7c15;
const TAG_STR: u64 = 0xc2b2_ae3d_27d4_eb4f;
const TAG_MODEL: u64 = 0x1656_67b1_9e37_79f9;
const TAG_SEQ: u64 = 0x27d4_eb2f_1656_67c5;
const TAG_SET: u64 = 0x85eb_ca77_c2b2_ae63;
const TAG_FUNC: u64 = 0x94d0_49bb_1331_11eb;
const TAG_OTHER: u64 = 0xbf58_476d_1ce4_e5b9;

fn leaf(tag: u64, payload: u64) -> u64 {
    mix(mix(payload) ^ tag)
}

/// The hash of a model value named `sym`.
fn model_hash(sym: Sym) -> u64 {
    leaf(TAG_MODEL, u64::from(sym.id()))
}

/// One step of a compiled state, on a stack of hashes.
#[derive(Clone, Copy, Debug)]
enum Op {
    /// Push a hash (of a part without model values).
    Const(u64),
    /// Push the hash of the model value at this index of the state's model values, as renamed.
    Model(u32),
    /// Replace the top hash `h` by `mix(h ^ salt)`: an element of a sequence or record, salted
    /// by its position.
    Salt(u64),
    /// Pop a value's hash and its key's, push the pair's hash.
    Pair,
    /// Pop `n` hashes and push `mix(head ^ (constant + their sum))`: a sequence, record, set or
    /// function whose other elements were constants, summed into `constant`.
    Sum { head: u64, constant: u64, n: u32 },
}

/// The salt of position `i` of a sequence or record.
fn salt(i: usize) -> u64 {
    (i as u64 + 1).wrapping_mul(TAG_INT) | 1
}

fn pair(key: u64, value: u64) -> u64 {
    mix(key.wrapping_mul(TAG_FUNC) ^ value)
}

/// Applies `op` to the hashes on `stack`; `renamed[i]` is the hash of the `i`-th model value
/// of the state as renamed.
#[inline(always)]
fn apply(op: Op, stack: &mut Vec<u64>, renamed: &[u64]) {
    match op {
        Op::Const(h) => stack.push(h),
        Op::Model(index) => stack.push(renamed[index as usize]),
        Op::Salt(salt) => {
            if let Some(top) = stack.last_mut() {
                *top = mix(*top ^ salt);
            }
        }
        Op::Pair => {
            let value = stack.pop().unwrap_or(0);
            let key = stack.pop().unwrap_or(0);
            stack.push(pair(key, value));
        }
        Op::Sum { head, constant, n } => {
            let at = stack.len().saturating_sub(n as usize);
            let sum = stack[at..]
                .iter()
                .fold(constant, |acc, &h| acc.wrapping_add(h));
            stack.truncate(at);
            stack.push(mix(head ^ sum));
        }
    }
}

/// The one constant `program` ends with since `start`, if it is one.
fn folded(program: &[Op], start: usize) -> Option<u64> {
    match &program[start..] {
        [Op::Const(h)] => Some(*h),
        _ => None,
    }
}

/// Appends the program of `value` to `program`, adding the model values it reads to `models`.
/// The elements without model values of a sequence, record, set or function are summed into
/// one constant, and a value without any becomes a constant itself.
fn compile(value: &Value, program: &mut Vec<Op>, models: &mut Vec<Sym>) {
    let (tag, len) = match value {
        Value::Bool(b) => return program.push(Op::Const(leaf(TAG_BOOL, u64::from(*b)))),
        Value::Int(n) => return program.push(Op::Const(leaf(TAG_INT, *n as u64))),
        Value::Str(s) => return program.push(Op::Const(leaf(TAG_STR, u64::from(s.id())))),
        Value::Model(s) => {
            let index = match models.iter().position(|m| m == s) {
                Some(index) => index,
                None => {
                    models.push(*s);
                    models.len() - 1
                }
            };
            return program.push(Op::Model(index as u32));
        }
        Value::Lazy(_) | Value::Op(_) => {
            let h = leaf(TAG_OTHER, valence_check::fingerprint(value));
            return program.push(Op::Const(h));
        }
        Value::Seq(items) => (TAG_SEQ, items.len()),
        Value::Record(fields) => {
            let names = fields
                .iter()
                .fold(TAG_STR, |acc, (name, _)| mix(acc ^ u64::from(name.id())));
            (TAG_SEQ ^ names, fields.len())
        }
        Value::Set(items) => (TAG_SET, items.len()),
        Value::Func(storage) => (TAG_FUNC, func_parts(storage).0.len()),
    };
    let head = mix(tag ^ len as u64);
    let mut sum = Summed::default();
    match value {
        Value::Seq(items) | Value::Set(items) => {
            let ordered = matches!(value, Value::Seq(_));
            for (i, item) in items.iter().enumerate() {
                let start = program.len();
                compile(item, program, models);
                sum.element(program, start, ordered.then(|| salt(i)));
            }
        }
        Value::Record(fields) => {
            for (i, (_, item)) in fields.iter().enumerate() {
                let start = program.len();
                compile(item, program, models);
                sum.element(program, start, Some(salt(i)));
            }
        }
        Value::Func(storage) => {
            let (domain, values) = func_parts(storage);
            for (key, item) in domain.iter().zip(values) {
                let start = program.len();
                compile(key, program, models);
                let middle = program.len();
                compile(item, program, models);
                match (program[start..].first().copied(), folded(program, middle)) {
                    (Some(Op::Const(k)), Some(v)) if middle == start + 1 => {
                        program.truncate(start);
                        program.push(Op::Const(pair(k, v)));
                    }
                    _ => program.push(Op::Pair),
                }
                sum.element(program, start, None);
            }
        }
        _ => {}
    }
    sum.finish(program, head);
}

/// The elements of a compound value as they are compiled: those that folded into constants
/// summed, the others left on the program's stack.
#[derive(Default)]
struct Summed {
    constant: u64,
    dynamic: u32,
}

impl Summed {
    /// Takes the element compiled since `start` (salted by its position when ordered).
    fn element(&mut self, program: &mut Vec<Op>, start: usize, salt: Option<u64>) {
        match folded(program, start) {
            Some(h) => {
                program.truncate(start);
                self.constant = self.constant.wrapping_add(salt.map_or(h, |s| mix(h ^ s)));
            }
            None => {
                if let Some(s) = salt {
                    program.push(Op::Salt(s));
                }
                self.dynamic += 1;
            }
        }
    }

    /// Ends the value: one constant if every element folded, else a sum of the dynamic ones.
    fn finish(self, program: &mut Vec<Op>, head: u64) {
        if self.dynamic == 0 {
            program.push(Op::Const(mix(head ^ self.constant)));
        } else {
            program.push(Op::Sum {
                head,
                constant: self.constant,
                n: self.dynamic,
            });
        }
    }
}

/// This thread's buffers, reused from state to state.
#[derive(Default)]
struct Buffers {
    program: Vec<Op>,
    stack: Vec<u64>,
    models: Vec<Sym>,
    renamed: Vec<u64>,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// The permutations of a SYMMETRY, each a list of `(from, to)` renamings sorted by `from` (the
/// values a permutation does not mention stay), with the sets they permute when they are all
/// the permutations of those sets.
#[derive(Clone, Debug)]
pub struct Symmetry {
    /// The permutations, the identity among them.
    pub perms: Vec<Vec<(Sym, Sym)>>,
    /// The orbits, each sorted, when `perms` is every permutation of each of them.
    orbits: Option<Vec<Vec<Sym>>>,
}

impl Symmetry {
    /// The symmetry of a group of permutations.
    pub fn new(perms: Vec<Vec<(Sym, Sym)>>) -> Self {
        let mut orbits: Vec<Vec<Sym>> = Vec::new();
        for perm in &perms {
            for &(from, to) in perm {
                let a = orbits.iter().position(|o| o.contains(&from));
                let b = orbits.iter().position(|o| o.contains(&to));
                match (a, b) {
                    (Some(a), Some(b)) if a != b => {
                        let merged = orbits.swap_remove(a.max(b));
                        orbits[a.min(b)].extend(merged);
                    }
                    (Some(_), Some(_)) => {}
                    (Some(a), None) => orbits[a].push(to),
                    (None, Some(b)) => orbits[b].push(from),
                    (None, None) => orbits.push(if from == to {
                        vec![from]
                    } else {
                        vec![from, to]
                    }),
                }
            }
        }
        for orbit in &mut orbits {
            orbit.sort();
            orbit.dedup();
        }
        // A group of permutations of the orbits as large as all of their permutations is all
        // of them.
        let full = orbits.iter().try_fold(1usize, |acc, o| {
            (1..=o.len()).try_fold(acc, |a, k| a.checked_mul(k))
        }) == Some(perms.len());
        Symmetry {
            perms,
            orbits: full.then_some(orbits),
        }
    }
}

const TAG_MARK: u64 = 0x6a09_e667_f3bc_c909;
const TAG_ANON: u64 = 0xbb67_ae85_84ca_a73b;

/// Runs `program` with the model values hashed as in `renamed`: the hash of the state.
#[inline]
fn run(program: &[Op], stack: &mut Vec<u64>, renamed: &[u64]) -> u64 {
    stack.clear();
    for &op in program {
        apply(op, stack, renamed);
    }
    stack.first().copied().unwrap_or(0)
}

/// The smallest hash of the compiled state over the renamings that put the model values of
/// each orbit in the order of their signatures (see the module documentation); `None` when
/// the values with equal signatures have more orders than `limit`.
fn canonical(
    program: &[Op],
    models: &[Sym],
    orbits: &[Vec<Sym>],
    stack: &mut Vec<u64>,
    renamed: &mut Vec<u64>,
    limit: usize,
) -> Option<u64> {
    let orbit_of: Vec<Option<usize>> = models
        .iter()
        .map(|m| orbits.iter().position(|o| o.binary_search(m).is_ok()))
        .collect();
    let mut signature = vec![0u64; models.len()];
    for (i, orbit) in orbit_of.iter().enumerate() {
        if orbit.is_none() {
            continue;
        }
        renamed.clear();
        renamed.extend(
            models
                .iter()
                .zip(&orbit_of)
                .enumerate()
                .map(|(j, (m, o))| match o {
                    None => model_hash(*m),
                    Some(o) if j == i => leaf(TAG_MARK, *o as u64),
                    Some(o) => leaf(TAG_ANON, *o as u64),
                }),
        );
        signature[i] = run(program, stack, renamed);
    }
    // Each orbit's values in the order of their signatures, and the runs of equal ones.
    let mut orders: Vec<Vec<usize>> = vec![Vec::new(); orbits.len()];
    for (i, orbit) in orbit_of.iter().enumerate() {
        if let Some(o) = orbit {
            orders[*o].push(i);
        }
    }
    let mut ties = Vec::new();
    let mut count = 1usize;
    for (o, order) in orders.iter_mut().enumerate() {
        order.sort_by_key(|&i| signature[i]);
        let mut start = 0;
        while start < order.len() {
            let mut end = start + 1;
            while end < order.len() && signature[order[end]] == signature[order[start]] {
                end += 1;
            }
            if end - start > 1 {
                count = (2..=end - start).try_fold(count, |c, k| c.checked_mul(k))?;
                ties.push((o, start, end));
            }
            start = end;
        }
    }
    if count > limit {
        return None;
    }
    let mut best = u64::MAX;
    let mut hash = |orders: &[Vec<usize>], renamed: &mut Vec<u64>, stack: &mut Vec<u64>| {
        renamed.clear();
        renamed.extend(models.iter().map(|m| model_hash(*m)));
        for (o, order) in orders.iter().enumerate() {
            for (position, &i) in order.iter().enumerate() {
                renamed[i] = model_hash(orbits[o][position]);
            }
        }
        best = best.min(run(program, stack, renamed));
    };
    each_order(&ties, &mut orders, &mut |orders| {
        hash(orders, renamed, stack)
    });
    Some(best)
}

/// Calls `f` with every arrangement of `orders` that reorders the ranges `ties` (orbit, start,
/// end) among themselves.
fn each_order(
    ties: &[(usize, usize, usize)],
    orders: &mut Vec<Vec<usize>>,
    f: &mut dyn FnMut(&[Vec<usize>]),
) {
    let Some(&(o, start, end)) = ties.first() else {
        return f(orders);
    };
    fn arrange(
        k: usize,
        o: usize,
        end: usize,
        rest: &[(usize, usize, usize)],
        orders: &mut Vec<Vec<usize>>,
        f: &mut dyn FnMut(&[Vec<usize>]),
    ) {
        if k + 1 >= end {
            return each_order(rest, orders, f);
        }
        for i in k..end {
            orders[o].swap(k, i);
            arrange(k + 1, o, end, rest, orders, f);
            orders[o].swap(k, i);
        }
    }
    arrange(start, o, end, &ties[1..], orders, f);
}

/// The smallest fingerprint of `values` (a state) over the permutations of `symmetry`, or over
/// the few that decide it (see the module documentation).
pub fn min_fingerprint(values: &[Value], symmetry: &Symmetry) -> u64 {
    let perms = &symmetry.perms;
    BUFFERS.with(|buffers| {
        let Buffers {
            program,
            stack,
            models,
            renamed,
        } = &mut *buffers.borrow_mut();
        program.clear();
        models.clear();
        // The state: the sequence of its variables' values.
        let mut sum = Summed::default();
        for (i, value) in values.iter().enumerate() {
            let start = program.len();
            compile(value, program, models);
            sum.element(program, start, Some(salt(i)));
        }
        sum.finish(program, mix(TAG_SEQ ^ TAG_MODEL ^ values.len() as u64));
        if let Some(orbits) = &symmetry.orbits {
            if let Some(best) = canonical(program, models, orbits, stack, renamed, perms.len()) {
                return best.max(1);
            }
        }
        let mut best = u64::MAX;
        for perm in perms {
            renamed.clear();
            renamed.extend(models.iter().map(|sym| {
                match perm.binary_search_by_key(sym, |(from, _)| *from) {
                    Ok(i) => model_hash(perm[i].1),
                    Err(_) => model_hash(*sym),
                }
            }));
            best = best.min(run(program, stack, renamed));
        }
        // Fingerprint 0 is reserved.
        best.max(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str) -> Value {
        Value::Model(Sym::new(name))
    }

    fn swap(a: &str, b: &str) -> Vec<(Sym, Sym)> {
        let mut perm = vec![(Sym::new(a), Sym::new(b)), (Sym::new(b), Sym::new(a))];
        perm.sort();
        perm
    }

    #[test]
    fn renamed_states_share_their_smallest_fingerprint_and_others_differ() {
        let perms = Symmetry::new(vec![Vec::new(), swap("s1", "s2")]);
        let state = |x: &str, y: &str| {
            vec![
                Value::set(vec![model(x), Value::Int(3)]),
                Value::function(vec![(model(x), Value::Int(1)), (model(y), Value::Int(2))]),
                Value::record(vec![(Sym::new("who"), model(y))]),
            ]
        };
        let a = min_fingerprint(&state("s1", "s2"), &perms);
        let b = min_fingerprint(&state("s2", "s1"), &perms);
        assert_eq!(a, b);
        // Not a renaming of the first state: the function maps s1 and s2 alike.
        let c = min_fingerprint(
            &[
                Value::set(vec![model("s1"), Value::Int(3)]),
                Value::function(vec![
                    (model("s1"), Value::Int(1)),
                    (model("s2"), Value::Int(1)),
                ]),
                Value::record(vec![(Sym::new("who"), model("s2"))]),
            ],
            &perms,
        );
        assert_ne!(a, c);
        // Without the renaming, the two states are different.
        let identity = Symmetry::new(vec![Vec::new()]);
        assert_ne!(
            min_fingerprint(&state("s1", "s2"), &identity),
            min_fingerprint(&state("s2", "s1"), &identity)
        );
    }

    #[test]
    fn sets_whose_order_changes_under_renaming_hash_alike() {
        let perms = Symmetry::new(vec![Vec::new(), swap("p", "q")]);
        let message = |who: &str, n: i64| {
            Value::record(vec![
                (Sym::new("from"), model(who)),
                (Sym::new("n"), Value::Int(n)),
            ])
        };
        let a = vec![Value::set(vec![message("p", 1), message("q", 2)])];
        let b = vec![Value::set(vec![message("q", 1), message("p", 2)])];
        let c = vec![Value::set(vec![message("p", 1), message("p", 2)])];
        assert_eq!(min_fingerprint(&a, &perms), min_fingerprint(&b, &perms));
        assert_ne!(min_fingerprint(&a, &perms), min_fingerprint(&c, &perms));
    }

    /// Every permutation of `a`, combined with every permutation of `b`.
    fn product(a: &[&str], b: &[&str]) -> Vec<Vec<(Sym, Sym)>> {
        fn all(names: &[&str]) -> Vec<Vec<(Sym, Sym)>> {
            let syms: Vec<Sym> = names.iter().map(|n| Sym::new(n)).collect();
            let mut out = Vec::new();
            let mut order: Vec<usize> = (0..syms.len()).collect();
            fn go(k: usize, order: &mut Vec<usize>, syms: &[Sym], out: &mut Vec<Vec<(Sym, Sym)>>) {
                if k == order.len() {
                    out.push(
                        order
                            .iter()
                            .enumerate()
                            .map(|(i, &j)| (syms[i], syms[j]))
                            .collect(),
                    );
                    return;
                }
                for i in k..order.len() {
                    order.swap(k, i);
                    go(k + 1, order, syms, out);
                    order.swap(k, i);
                }
            }
            go(0, &mut order, &syms, &mut out);
            out
        }
        let mut perms = Vec::new();
        for p in all(a) {
            for q in all(b) {
                let mut perm: Vec<(Sym, Sym)> = p.iter().chain(&q).copied().collect();
                perm.sort();
                perms.push(perm);
            }
        }
        perms
    }

    /// Random states over two symmetric sets: the signature-ordered renamings separate and
    /// join exactly the states that the smallest fingerprint over all 12 permutations does.
    #[test]
    fn ordering_by_signatures_gives_the_classes_of_all_permutations() {
        let perms = product(&["a", "b", "c"], &["x", "y"]);
        let fast = Symmetry::new(perms.clone());
        assert!(
            fast.orbits.is_some(),
            "Permutations(A) \\cup Permutations(B) is recognised"
        );
        let slow = Symmetry {
            perms,
            orbits: None,
        };
        let names = ["a", "b", "c", "x", "y", "fixed"];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed = mix(seed);
            seed % n
        };
        let mut states = Vec::new();
        for _ in 0..300 {
            let mut messages = Vec::new();
            for _ in 0..next(4) {
                messages.push(Value::record(vec![
                    (Sym::new("from"), model(names[next(3) as usize])),
                    (Sym::new("to"), model(names[3 + next(3) as usize])),
                    (Sym::new("n"), Value::Int(next(2) as i64)),
                ]));
            }
            let owner = Value::function(vec![
                (model("x"), model(names[next(3) as usize])),
                (model("y"), model(names[next(3) as usize])),
            ]);
            let turn = model(names[next(6) as usize]);
            states.push(vec![Value::set(messages), owner, turn]);
        }
        let fast_fps: Vec<u64> = states.iter().map(|s| min_fingerprint(s, &fast)).collect();
        let slow_fps: Vec<u64> = states.iter().map(|s| min_fingerprint(s, &slow)).collect();
        let mut joined = 0;
        for i in 0..states.len() {
            for j in 0..i {
                assert_eq!(
                    fast_fps[i] == fast_fps[j],
                    slow_fps[i] == slow_fps[j],
                    "states {i} and {j}"
                );
                joined += usize::from(slow_fps[i] == slow_fps[j]);
            }
        }
        assert!(
            joined > 50,
            "only {joined} pairs of equivalent states drawn"
        );
        // A group that is not all permutations of its orbits is searched whole.
        let rotations = Symmetry::new(vec![
            Vec::new(),
            vec![
                (Sym::new("a"), Sym::new("b")),
                (Sym::new("b"), Sym::new("c")),
                (Sym::new("c"), Sym::new("a")),
            ],
            vec![
                (Sym::new("a"), Sym::new("c")),
                (Sym::new("b"), Sym::new("a")),
                (Sym::new("c"), Sym::new("b")),
            ],
        ]);
        assert!(rotations.orbits.is_none());
    }
}
