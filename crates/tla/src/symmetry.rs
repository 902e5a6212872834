//! Fingerprints under SYMMETRY: TLC's rule takes the smallest fingerprint of a state over all
//! permutations of its model values. The state is first compiled, once, into a short postfix
//! program whose only inputs are its model values: every part without a model value becomes one
//! constant. Each permutation then runs the program, renaming the model values as it reads
//! them; no permuted state is built, and the parts no permutation changes are hashed once
//! rather than once per permutation (FastPaxos has 144 permutations).
//!
//! The hash of a value is structural: sets and functions combine their elements by an
//! order-free sum, because renaming changes the order of their elements, and everything else
//! in order. Equal permuted states get equal hashes; as with any 64-bit fingerprint, different
//! ones collide with negligible probability.

use std::cell::RefCell;

use crate::value::{func_parts, Sym, Value};

/// SplitMix64's finaliser: spreads the bits of `x` over the word.
fn mix(mut x: u64) -> u64 {
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

/// The smallest fingerprint of `values` (a state) over `perms`, each a list of `(from, to)`
/// renamings sorted by `from`; the values a permutation does not mention stay.
pub fn min_fingerprint(values: &[Value], perms: &[Vec<(Sym, Sym)>]) -> u64 {
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
        let mut best = u64::MAX;
        for perm in perms {
            renamed.clear();
            renamed.extend(models.iter().map(|sym| {
                match perm.binary_search_by_key(sym, |(from, _)| *from) {
                    Ok(i) => model_hash(perm[i].1),
                    Err(_) => model_hash(*sym),
                }
            }));
            stack.clear();
            for &op in program.iter() {
                apply(op, stack, renamed);
            }
            best = best.min(stack.first().copied().unwrap_or(0));
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
        let perms = vec![Vec::new(), swap("s1", "s2")];
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
        let identity = vec![Vec::new()];
        assert_ne!(
            min_fingerprint(&state("s1", "s2"), &identity),
            min_fingerprint(&state("s2", "s1"), &identity)
        );
    }

    #[test]
    fn sets_whose_order_changes_under_renaming_hash_alike() {
        let perms = vec![Vec::new(), swap("p", "q")];
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
}
