//! The operators of the community modules that public specifications extend (`SequencesExt`,
//! `FiniteSetsExt`, `Functions`, `Folds`, `BagsExt`, `UndirectedGraphs`, `Graphs`, `Bitwise`,
//! `DyadicRationals`, `VectorClocks`), which TLC loads from its CommunityModules
//! jar. They are built in here, written from the meaning of their TLA+ definitions (and, where
//! TLC overrides a definition in Java, such as `SetToSeq`, with the override's results), so a
//! spec that extends one of these modules needs no file next to it.

use crate::ast::Span;
use crate::eval::{
    apply_function, cardinality, enumerate, equal, fail, function_domain, function_pairs, Ctx,
    EResult, Env,
};
use crate::value::{shared, tlc_cmp, Closure, LazySet, Sym, Value};
use std::sync::Arc;

/// The community modules built in, with the modules each one extends (whose operators it
/// makes visible too).
pub const COMMUNITY_MODULES: &[(&str, &[&str])] = &[
    (
        "SequencesExt",
        &["SequencesExt", "FiniteSetsExt", "Folds", "Functions"],
    ),
    ("FiniteSetsExt", &["FiniteSetsExt", "Folds", "Functions"]),
    ("Functions", &["Functions", "Folds"]),
    ("Folds", &["Folds"]),
    ("BagsExt", &["BagsExt"]),
    ("UndirectedGraphs", &["UndirectedGraphs"]),
    ("Graphs", &["Graphs"]),
    ("VectorClocks", &["VectorClocks", "Functions", "Folds"]),
    ("SVG", &["SVG"]),
    ("Bitwise", &["Bitwise"]),
    ("Randomization", &["Randomization"]),
    ("DyadicRationals", &["DyadicRationals"]),
    ("TLCExt", &["TLCExt"]),
    ("IOUtils", &["IOUtils"]),
    ("Json", &["Json"]),
    ("CSV", &["CSV"]),
];

/// The most elements a set built here by enumeration may have.
const ENUMERATION_MAX: usize = 1 << 22;

macro_rules! community {
    ($($op:ident = $module:literal, $name:literal, $arity:literal, [$($pos:literal : $ar:literal),*];)*) => {
        /// A built-in operator of a community module.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        #[allow(missing_docs)]
        pub enum Community {
            $($op,)*
        }

        impl Community {
            /// The operator named `name` in one of the `enabled` modules (or in the standard
            /// module `Bags`, always enabled), with its arity.
            pub fn by_name(name: &str, enabled: &[String]) -> Option<(Community, usize)> {
                match name {
                    $($name if $module == "Bags" || enabled.iter().any(|m| m == $module) => Some((Community::$op, $arity)),)*
                    _ => None,
                }
            }

            /// The number of arguments.
            pub fn arity(self) -> usize {
                match self {
                    $(Community::$op => $arity,)*
                }
            }

            /// The arity of the operator expected as argument `index`, if it is one.
            pub fn operator_argument(self, index: usize) -> Option<usize> {
                match (self, index) {
                    $($((Community::$op, $pos) => Some($ar),)*)*
                    _ => None,
                }
            }

            /// Its name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Community::$op => $name,)*
                }
            }
        }
    };
}

community! {
    // SequencesExt
    ToSet = "SequencesExt", "ToSet", 1, [];
    ToBag = "SequencesExt", "ToBag", 1, [];
    SetToSeq = "SequencesExt", "SetToSeq", 1, [];
    SetToSortSeq = "SequencesExt", "SetToSortSeq", 2, [1: 2];
    SetToSeqs = "SequencesExt", "SetToSeqs", 1, [];
    TupleOf = "SequencesExt", "TupleOf", 2, [];
    SeqOf = "SequencesExt", "SeqOf", 2, [];
    BoundedSeq = "SequencesExt", "BoundedSeq", 2, [];
    Contains = "SequencesExt", "Contains", 2, [];
    IsSorted = "SequencesExt", "IsSorted", 2, [1: 2];
    Reverse = "SequencesExt", "Reverse", 1, [];
    Remove = "SequencesExt", "Remove", 2, [];
    ReplaceAll = "SequencesExt", "ReplaceAll", 3, [];
    SelectInSeq = "SequencesExt", "SelectInSeq", 2, [1: 1];
    SelectLastInSeq = "SequencesExt", "SelectLastInSeq", 2, [1: 1];
    InsertAt = "SequencesExt", "InsertAt", 3, [];
    ReplaceAt = "SequencesExt", "ReplaceAt", 3, [];
    RemoveAt = "SequencesExt", "RemoveAt", 2, [];
    RemoveFirst = "SequencesExt", "RemoveFirst", 2, [];
    RemoveFirstMatch = "SequencesExt", "RemoveFirstMatch", 2, [1: 1];
    Cons = "SequencesExt", "Cons", 2, [];
    Snoc = "SequencesExt", "Snoc", 2, [];
    Front = "SequencesExt", "Front", 1, [];
    Last = "SequencesExt", "Last", 1, [];
    IsPrefix = "SequencesExt", "IsPrefix", 2, [];
    IsStrictPrefix = "SequencesExt", "IsStrictPrefix", 2, [];
    IsSuffix = "SequencesExt", "IsSuffix", 2, [];
    IsStrictSuffix = "SequencesExt", "IsStrictSuffix", 2, [];
    Prefixes = "SequencesExt", "Prefixes", 1, [];
    Suffixes = "SequencesExt", "Suffixes", 1, [];
    CommonPrefixes = "SequencesExt", "CommonPrefixes", 1, [];
    LongestCommonPrefix = "SequencesExt", "LongestCommonPrefix", 1, [];
    SeqMod = "SequencesExt", "SeqMod", 2, [];
    FoldSeq = "SequencesExt", "FoldSeq", 3, [0: 2];
    FoldLeft = "SequencesExt", "FoldLeft", 3, [0: 2];
    FoldRight = "SequencesExt", "FoldRight", 3, [0: 2];
    FlattenSeq = "SequencesExt", "FlattenSeq", 1, [];
    Zip = "SequencesExt", "Zip", 2, [];
    SubSeqs = "SequencesExt", "SubSeqs", 1, [];
    // FiniteSetsExt
    FoldSet = "FiniteSetsExt", "FoldSet", 3, [0: 2];
    SumSet = "FiniteSetsExt", "SumSet", 1, [];
    ProductSet = "FiniteSetsExt", "ProductSet", 1, [];
    ReduceSet = "FiniteSetsExt", "ReduceSet", 3, [0: 2];
    MapThenSumSet = "FiniteSetsExt", "MapThenSumSet", 2, [0: 1];
    FlattenSet = "FiniteSetsExt", "FlattenSet", 1, [];
    SymDiff = "FiniteSetsExt", "SymDiff", 2, [];
    Quantify = "FiniteSetsExt", "Quantify", 2, [1: 1];
    KSubset = "FiniteSetsExt", "kSubset", 2, [];
    Max = "FiniteSetsExt", "Max", 1, [];
    Min = "FiniteSetsExt", "Min", 1, [];
    ChooseUnique = "FiniteSetsExt", "ChooseUnique", 2, [1: 1];
    // Functions
    Restrict = "Functions", "Restrict", 2, [];
    RestrictDomain = "Functions", "RestrictDomain", 2, [1: 1];
    RestrictValues = "Functions", "RestrictValues", 2, [1: 1];
    IsRestriction = "Functions", "IsRestriction", 2, [];
    Range = "Functions", "Range", 1, [];
    Pointwise = "Functions", "Pointwise", 3, [2: 2];
    Inverse = "Functions", "Inverse", 3, [];
    AntiFunction = "Functions", "AntiFunction", 1, [];
    IsInjective = "Functions", "IsInjective", 1, [];
    Injection = "Functions", "Injection", 2, [];
    Surjection = "Functions", "Surjection", 2, [];
    Bijection = "Functions", "Bijection", 2, [];
    ExistsInjection = "Functions", "ExistsInjection", 2, [];
    ExistsSurjection = "Functions", "ExistsSurjection", 2, [];
    ExistsBijection = "Functions", "ExistsBijection", 2, [];
    FoldFunction = "Functions", "FoldFunction", 3, [0: 2];
    FoldFunctionOnSet = "Functions", "FoldFunctionOnSet", 4, [0: 2];
    SumFunction = "Functions", "SumFunction", 1, [];
    SumFunctionOnSet = "Functions", "SumFunctionOnSet", 2, [];
    // Folds
    MapThenFoldSet = "Folds", "MapThenFoldSet", 5, [0: 2, 2: 1, 3: 1];
    // Bags (standard; the others of its operators are `Builtin`s)
    BagOfAll = "Bags", "BagOfAll", 2, [0: 1];
    BagUnion = "Bags", "BagUnion", 1, [];
    SubBag = "Bags", "SubBag", 1, [];
    // BagsExt
    BagAdd = "BagsExt", "BagAdd", 2, [];
    BagRemove = "BagsExt", "BagRemove", 2, [];
    BagRemoveAll = "BagsExt", "BagRemoveAll", 2, [];
    FoldBag = "BagsExt", "FoldBag", 3, [0: 2];
    SumBag = "BagsExt", "SumBag", 1, [];
    ProductBag = "BagsExt", "ProductBag", 1, [];
    // UndirectedGraphs (see `crate::graphs`)
    IsUndirectedGraph = "UndirectedGraphs", "IsUndirectedGraph", 1, [];
    IsLoopFreeUndirectedGraph = "UndirectedGraphs", "IsLoopFreeUndirectedGraph", 1, [];
    UndirectedSubgraph = "UndirectedGraphs", "UndirectedSubgraph", 1, [];
    Path = "UndirectedGraphs", "Path", 1, [];
    SimplePath = "UndirectedGraphs", "SimplePath", 1, [];
    AreConnectedIn = "UndirectedGraphs", "AreConnectedIn", 3, [];
    ConnectedComponents = "UndirectedGraphs", "ConnectedComponents", 1, [];
    IsStronglyConnected = "UndirectedGraphs", "IsStronglyConnected", 1, [];
    UndirectedGraphs = "UndirectedGraphs", "UndirectedGraphs", 1, [];
    // Graphs: directed graphs (see `crate::graphs`)
    IsDirectedGraph = "Graphs", "IsDirectedGraph", 1, [];
    DirectedSubgraph = "Graphs", "DirectedSubgraph", 1, [];
    Transpose = "Graphs", "Transpose", 1, [];
    IsSymmetricGraph = "Graphs", "IsUndirectedGraph", 1, [];
    SymmetricSubgraph = "Graphs", "UndirectedSubgraph", 1, [];
    DirectedPath = "Graphs", "Path", 1, [];
    DirectedSimplePath = "Graphs", "SimplePath", 1, [];
    DirectedConnectedIn = "Graphs", "AreConnectedIn", 3, [];
    ConnectionsIn = "Graphs", "ConnectionsIn", 1, [];
    DirectedStronglyConnected = "Graphs", "IsStronglyConnected", 1, [];
    IsTreeWithRoot = "Graphs", "IsTreeWithRoot", 2, [];
    // SVG (drawings of states, for animations; see `crate::svg`)
    SvgElem = "SVG", "SVGElem", 4, [];
    SvgLine = "SVG", "Line", 5, [];
    SvgCircle = "SVG", "Circle", 4, [];
    SvgRect = "SVG", "Rect", 5, [];
    SvgText = "SVG", "Text", 4, [];
    SvgImage = "SVG", "Image", 6, [];
    SvgGroup = "SVG", "Group", 2, [];
    SvgSvg = "SVG", "Svg", 2, [];
    SvgDoc = "SVG", "SVGDoc", 6, [];
    SvgElemToString = "SVG", "SVGElemToString", 1, [];
    NodeOfRingNetwork = "SVG", "NodeOfRingNetwork", 5, [];
    NodesOfDirectedMultiGraph = "SVG", "NodesOfDirectedMultiGraph", 3, [];
    PointOnLine = "SVG", "PointOnLine", 3, [];
    SvgSerialize = "SVG", "SVGSerialize", 3, [];
    // VectorClocks (logs of distributed systems, for trace validation)
    IsCausalOrder = "VectorClocks", "IsCausalOrder", 2, [1: 1];
    CausalOrder = "VectorClocks", "CausalOrder", 4, [1: 1, 2: 1, 3: 1];
    // Bitwise (its infix operators are found by symbol)
    BitAnd = "Bitwise", "&", 2, [];
    BitOr = "Bitwise", "|", 2, [];
    BitXor = "Bitwise", "^^", 2, [];
    BitNot = "Bitwise", "Not", 1, [];
    ShiftR = "Bitwise", "shiftR", 2, [];
    // DyadicRationals (fractions whose denominators are powers of two, as records
    // [num |-> n, den |-> d]; TLC reduces them with a Java override, as here)
    Zero = "DyadicRationals", "Zero", 0, [];
    One = "DyadicRationals", "One", 0, [];
    Add = "DyadicRationals", "Add", 2, [];
    Half = "DyadicRationals", "Half", 1, [];
    IsDyadicRational = "DyadicRationals", "IsDyadicRational", 1, [];
    PrettyPrint = "DyadicRationals", "PrettyPrint", 1, [];
    // Randomization (a standard module of TLC's; its operators pick at random, so they are
    // never folded into constants)
    RandomSubset = "Randomization", "RandomSubset", 2, [];
    RandomSetOfSubsets = "Randomization", "RandomSetOfSubsets", 3, [];
    TestRandomSetOfSubsets = "Randomization", "TestRandomSetOfSubsets", 3, [];
    // TLCExt (a standard module of TLC's)
    AssertEq = "TLCExt", "AssertEq", 2, [];
    TlcGetOrDefault = "TLCExt", "TLCGetOrDefault", 2, [];
    TlcGetAndSet = "TLCExt", "TLCGetAndSet", 4, [1: 2];
    TlcModelValue = "TLCExt", "TLCModelValue", 1, [];
    TlcNoOp = "TLCExt", "TLCNoOp", 1, [];
    TlcCache = "TLCExt", "TLCCache", 2, [];
    AssertError = "TLCExt", "AssertError", 2, [];
    Trace = "TLCExt", "Trace", 0, [];
    CounterExample = "TLCExt", "CounterExample", 0, [];
    ToTrace = "TLCExt", "ToTrace", 1, [];
    TlcDefer = "TLCExt", "TLCDefer", 1, [];
    PickSuccessor = "TLCExt", "PickSuccessor", 1, [];
    TlcFp = "TLCExt", "TLCFP", 1, [];
    TlcEvalDefinition = "TLCExt", "TLCEvalDefinition", 1, [];
    // IOUtils
    IoEnv = "IOUtils", "IOEnv", 0, [];
    Atoi = "IOUtils", "atoi", 1, [];
    IoExec = "IOUtils", "IOExec", 1, [];
    IoEnvExec = "IOUtils", "IOEnvExec", 2, [];
    IoExecTemplate = "IOUtils", "IOExecTemplate", 2, [];
    IoEnvExecTemplate = "IOUtils", "IOEnvExecTemplate", 3, [];
    Serialize = "IOUtils", "Serialize", 3, [];
    Deserialize = "IOUtils", "Deserialize", 2, [];
    IoSerialize = "IOUtils", "IOSerialize", 3, [];
    IoDeserialize = "IOUtils", "IODeserialize", 2, [];
    ZeroPadN = "IOUtils", "zeroPadN", 2, [];
    // Json
    ToJson = "Json", "ToJson", 1, [];
    ToJsonArray = "Json", "ToJsonArray", 1, [];
    ToJsonObject = "Json", "ToJsonObject", 1, [];
    JsonSerialize = "Json", "JsonSerialize", 2, [];
    JsonDeserialize = "Json", "JsonDeserialize", 1, [];
    NdJsonSerialize = "Json", "ndJsonSerialize", 2, [];
    NdJsonDeserialize = "Json", "ndJsonDeserialize", 1, [];
    // CSV
    CsvWrite = "CSV", "CSVWrite", 3, [];
    CsvRecords = "CSV", "CSVRecords", 1, [];
    CsvWriteRecord = "CSV", "CSVWriteRecord", 4, [];
    CsvRead = "CSV", "CSVRead", 3, [];
}

impl Community {
    /// Whether the operator may give a new value at each evaluation or have an effect: it
    /// picks at random, reads or sets TLC's registers, reads the environment, runs a command or
    /// writes a file (see [`crate::ast::Builtin::is_volatile`]).
    pub fn is_volatile(self) -> bool {
        use Community as C;
        matches!(
            self,
            C::RandomSubset
                | C::RandomSetOfSubsets
                | C::TestRandomSetOfSubsets
                | C::AssertEq
                | C::TlcGetOrDefault
                | C::TlcGetAndSet
                | C::IoEnv
                | C::IoExec
                | C::IoEnvExec
                | C::IoExecTemplate
                | C::IoEnvExecTemplate
                | C::JsonSerialize
                | C::JsonDeserialize
                | C::NdJsonSerialize
                | C::NdJsonDeserialize
                | C::CsvWrite
                | C::CsvRecords
        )
    }
}

/// `RandomSetOfSubsets(k, n, S)`: `k` draws of a subset of `S` that holds each element with
/// probability `n / Cardinality(S)`, as a set (duplicates merge).
fn random_set_of_subsets(k: i64, n: i64, s: &[Value], span: Span) -> EResult<Value> {
    if k < 0 || n < 0 || n as usize > s.len() {
        return fail(
            span,
            format!(
                "RandomSetOfSubsets(k, n, S) needs 0 <= k and 0 <= n <= Cardinality(S) = {}",
                s.len()
            ),
        );
    }
    if k as usize > ENUMERATION_MAX {
        return fail(span, "RandomSetOfSubsets of too many subsets");
    }
    let mut out = Vec::with_capacity(k as usize);
    for _ in 0..k {
        let subset: Vec<Value> = s
            .iter()
            .filter(|_| crate::eval::random_below(s.len()) < n as usize)
            .cloned()
            .collect();
        out.push(Value::set_sorted(subset));
    }
    Ok(Value::set(out))
}

/// A natural number, for the operators of `Bitwise`, which are defined only for those (their
/// TLA+ definitions recurse forever on negative numbers).
fn natural(v: &Value, span: Span, what: &str) -> EResult<u64> {
    match v {
        Value::Int(n) if *n >= 0 => Ok(*n as u64),
        other => fail(
            span,
            format!(
                "{what} is defined for natural numbers, found {}",
                other.to_tlc()
            ),
        ),
    }
}

pub(crate) fn int(v: &Value, span: Span, what: &str) -> EResult<i64> {
    match v {
        Value::Int(n) => Ok(*n),
        other => fail(
            span,
            format!("{what} expects an integer, found {}", other.to_tlc()),
        ),
    }
}

/// The elements of sequence `v`, or an error naming `what` expected one.
pub(crate) fn seq<'v>(v: &'v Value, span: Span, what: &str) -> EResult<&'v [Value]> {
    match v {
        Value::Seq(elements) => Ok(elements),
        other => fail(
            span,
            format!("{what} expects a sequence, found {}", other.to_tlc()),
        ),
    }
}

fn set(v: &Value, span: Span) -> EResult<Arc<[Value]>> {
    enumerate(v, span)
}

fn function(v: &Value, span: Span, what: &str) -> EResult<Vec<(Value, Value)>> {
    if v.is_function() {
        Ok(function_pairs(v))
    } else {
        fail(
            span,
            format!("{what} expects a function, found {}", v.to_tlc()),
        )
    }
}

fn closure<'v>(v: &'v Value, span: Span, what: &str) -> EResult<&'v Closure> {
    match v {
        Value::Op(c) => Ok(c),
        _ => fail(span, format!("{what} expects an operator argument")),
    }
}

fn boolean(v: Value, span: Span, what: &str) -> EResult<bool> {
    match v {
        Value::Bool(b) => Ok(b),
        other => fail(
            span,
            format!("{what}: the test gave {}, not a Boolean", other.to_tlc()),
        ),
    }
}

fn add(a: i64, b: i64, span: Span) -> EResult<i64> {
    a.checked_add(b)
        .map_or_else(|| fail(span, "integer overflow"), Ok)
}

fn mul(a: i64, b: i64, span: Span) -> EResult<i64> {
    a.checked_mul(b)
        .map_or_else(|| fail(span, "integer overflow"), Ok)
}

/// The elements of a set in TLC's order (the order `CHOOSE x \in S : TRUE` takes them).
fn tlc_sorted(elements: &[Value]) -> Vec<Value> {
    let mut out = elements.to_vec();
    out.sort_by(tlc_cmp);
    out
}

/// A vector clock: a function from hosts to integers.
type VectorClock = Vec<(Value, i64)>;

fn vector_clock(vc: &Value, span: Span, what: &str) -> EResult<VectorClock> {
    function(vc, span, what)?
        .into_iter()
        .map(|(host, time)| Ok((host, int(&time, span, what)?)))
        .collect()
}

/// The time of `host` in `clock`, 0 where the clock has none.
fn time_of(clock: &VectorClock, host: &Value) -> i64 {
    clock.iter().find(|(h, _)| h == host).map_or(0, |(_, t)| *t)
}

/// `IsCausalOrder(log, clock)` with the clocks of the log's lines: no line's clock happens
/// after the clock of a later line (each earlier one happened before or is concurrent), both
/// clocks read over the union of their hosts with 0 for a missing one.
fn is_causal_order(clocks: &[VectorClock]) -> bool {
    clocks.iter().enumerate().all(|(i, later)| {
        clocks[..i].iter().all(|earlier| {
            let mut hosts: Vec<&Value> = later.iter().chain(earlier).map(|(h, _)| h).collect();
            hosts.sort();
            hosts.dedup();
            let pairs: Vec<(i64, i64)> = hosts
                .iter()
                .map(|h| (time_of(earlier, h), time_of(later, h)))
                .collect();
            let before = pairs.iter().all(|(e, l)| e <= l) && pairs.iter().any(|(e, l)| e < l);
            let concurrent = pairs.iter().any(|(e, l)| e < l) && pairs.iter().any(|(e, l)| e > l);
            before || concurrent
        })
    })
}

/// A line of a log to order by [`causal_order`].
struct LogLine {
    /// The host that logged it (`node(line)`).
    host: Value,
    /// Its vector clock (`clock(line)`).
    clock: VectorClock,
    /// The hosts its clock speaks of (`domain(clock(line))`).
    hosts: Arc<[Value]>,
    line: Value,
}

/// `CausalOrder(log, clock, node, domain)`: the log's lines in an order consistent with their
/// vector clocks, computed as TLC's Java override of the operator does (its TLA+ definition
/// chooses among all permutations of the log). Each host's lines are ordered by the host's
/// own time; a line depends on the line of each other host whose time its clock first
/// reports; then, round after round, each host in turn gives its next line once that line's
/// dependencies are all out. TLC visits the hosts in the order of a Java hash map, which for
/// hosts named by small numbers or single characters is their order; here they are always
/// visited in TLC's order of values.
fn causal_order(lines: Vec<LogLine>, span: Span) -> EResult<Vec<Value>> {
    let mut hosts: Vec<Value> = lines.iter().map(|l| l.host.clone()).collect();
    hosts.sort_by(tlc_cmp);
    hosts.dedup();
    let host_index = |h: &Value| hosts.iter().position(|x| x == h);
    let mut own_time = Vec::with_capacity(lines.len());
    for line in &lines {
        match line.clock.iter().find(|(h, _)| *h == line.host) {
            Some((_, t)) => own_time.push(*t),
            None => {
                return fail(
                    span,
                    format!(
                        "CausalOrder: the clock of line {} has no time for its own host {}",
                        line.line.to_tlc(),
                        line.host.to_tlc()
                    ),
                )
            }
        }
    }
    // Each host's lines, by the host's own time (a stable sort, as Java's).
    let mut per_host: Vec<Vec<usize>> = vec![Vec::new(); hosts.len()];
    for (i, line) in lines.iter().enumerate() {
        if let Some(h) = host_index(&line.host) {
            per_host[h].push(i);
        }
    }
    for list in &mut per_host {
        list.sort_by_key(|&i| own_time[i]);
    }
    // The dependencies between lines.
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); lines.len()];
    for (h, list) in per_host.iter().enumerate() {
        let mut seen = vec![0i64; hosts.len()];
        for &i in list {
            seen[h] = own_time[i];
            for other in lines[i].hosts.iter() {
                let time = time_of(&lines[i].clock, other);
                let Some(o) = host_index(other) else {
                    return fail(
                        span,
                        format!(
                            "CausalOrder: the clock of line {} names host {}, which logged nothing",
                            lines[i].line.to_tlc(),
                            other.to_tlc()
                        ),
                    );
                };
                if seen[o] < time {
                    seen[o] = time;
                    match usize::try_from(time - 1).ok().and_then(|k| per_host[o].get(k)) {
                        Some(&parent) => parents[i].push(parent),
                        None => {
                            return fail(
                                span,
                                format!(
                                    "CausalOrder: the clock of line {} gives host {} time {time}, but that host logged {} line(s)",
                                    lines[i].line.to_tlc(),
                                    other.to_tlc(),
                                    per_host[o].len()
                                ),
                            )
                        }
                    }
                }
            }
        }
    }
    let mut done = vec![false; lines.len()];
    let mut next = vec![0usize; hosts.len()];
    let mut out = Vec::with_capacity(lines.len());
    for _ in 0..lines.len() {
        for (h, list) in per_host.iter().enumerate() {
            let Some(&i) = list.get(next[h]) else {
                continue;
            };
            if parents[i].iter().all(|&p| done[p] || p == i) {
                done[i] = true;
                next[h] += 1;
                out.push(lines[i].line.clone());
            }
        }
    }
    if out.len() < lines.len() {
        return fail(
            span,
            format!(
                "CausalOrder: the vector clocks admit no causal order ({} of {} lines placed)",
                out.len(),
                lines.len()
            ),
        );
    }
    Ok(out)
}

fn sequence(items: Vec<Value>) -> Value {
    Value::Seq(shared(items))
}

fn is_prefix(s: &[Value], t: &[Value], span: Span) -> EResult<bool> {
    if s.len() > t.len() {
        return Ok(false);
    }
    for (a, b) in s.iter().zip(t) {
        if !equal(a, b, span)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// All subsets of `elements` (canonical order) with exactly `k` elements.
fn k_subsets(elements: &[Value], k: usize, span: Span) -> EResult<Vec<Value>> {
    fn go(elements: &[Value], k: usize, start: usize, acc: &mut Vec<Value>, out: &mut Vec<Value>) {
        if acc.len() == k {
            out.push(Value::set(acc.clone()));
            return;
        }
        for i in start..elements.len() {
            if elements.len() - i < k - acc.len() {
                break;
            }
            acc.push(elements[i].clone());
            go(elements, k, i + 1, acc, out);
            acc.pop();
        }
    }
    let mut out = Vec::new();
    if k <= elements.len() {
        if elements.len() > 24 {
            return fail(
                span,
                "kSubset of a set of more than 24 elements is too large",
            );
        }
        go(elements, k, 0, &mut Vec::new(), &mut out);
    }
    Ok(out)
}

/// All functions from `domain` to `range`, as `(key, value)` pair lists.
fn all_functions(domain: &[Value], range: &[Value], span: Span) -> EResult<Vec<Vec<Value>>> {
    let count = (range.len() as f64).powi(domain.len() as i32);
    if count > ENUMERATION_MAX as f64 {
        return fail(span, "a set of functions too large to enumerate");
    }
    let mut out = vec![Vec::new()];
    for _ in domain {
        let mut next = Vec::with_capacity(out.len() * range.len());
        for prefix in &out {
            for v in range {
                let mut f = prefix.clone();
                f.push(v.clone());
                next.push(f);
            }
        }
        out = next;
    }
    Ok(out)
}

fn function_value(domain: &[Value], values: Vec<Value>) -> Value {
    Value::function(domain.iter().cloned().zip(values).collect())
}

/// All sequences of elements of `set` of lengths `lengths`.
fn sequences(set: &[Value], lengths: std::ops::RangeInclusive<i64>, span: Span) -> EResult<Value> {
    let mut out = Vec::new();
    for n in lengths {
        let domain: Vec<Value> = (1..=n).map(Value::Int).collect();
        for values in all_functions(&domain, set, span)? {
            out.push(sequence(values));
            if out.len() > ENUMERATION_MAX {
                return fail(span, "a set of sequences too large to enumerate");
            }
        }
    }
    Ok(Value::set(out))
}

impl Ctx<'_> {
    fn apply(&self, op: &Closure, args: Vec<Value>, span: Span, env: &mut Env) -> EResult<Value> {
        self.call_closure(op, args, span, env)
    }

    /// `op(f(x1), op(f(x2), ... op(f(xn), base)))` for the elements in the order given.
    fn fold_right(
        &self,
        op: &Closure,
        base: Value,
        items: Vec<Value>,
        span: Span,
        env: &mut Env,
    ) -> EResult<Value> {
        let mut acc = base;
        for x in items.into_iter().rev() {
            acc = self.apply(op, vec![x, acc], span, env)?;
        }
        Ok(acc)
    }

    /// TLC's (Java) folds: `acc := op(x, acc)` for the elements in the order given, starting
    /// from `base`.
    fn fold_ascending(
        &self,
        op: &Closure,
        base: Value,
        items: Vec<Value>,
        span: Span,
        env: &mut Env,
    ) -> EResult<Value> {
        let mut acc = base;
        for x in items {
            acc = self.apply(op, vec![x, acc], span, env)?;
        }
        Ok(acc)
    }

    fn sum(&self, items: impl IntoIterator<Item = Value>, span: Span) -> EResult<Value> {
        let mut total = 0i64;
        for v in items {
            total = add(total, int(&v, span, "a sum")?, span)?;
        }
        Ok(Value::Int(total))
    }

    fn filter_indices(
        &self,
        s: &[Value],
        test: &Closure,
        span: Span,
        env: &mut Env,
        what: &str,
    ) -> EResult<Vec<usize>> {
        let mut out = Vec::new();
        for (i, v) in s.iter().enumerate() {
            if boolean(self.apply(test, vec![v.clone()], span, env)?, span, what)? {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// Applies the community operator `op` to evaluated arguments (operator arguments are
    /// [`Value::Op`]).
    pub fn community(
        &self,
        op: Community,
        args: Vec<Value>,
        span: Span,
        env: &mut Env,
    ) -> EResult<Value> {
        use Community as C;
        if args.len() != op.arity() {
            return fail(
                span,
                format!("`{}` takes {} argument(s)", op.name(), op.arity()),
            );
        }
        let a = &args[..];
        let name = op.name();
        Ok(match op {
            C::ToSet => Value::set(seq(&a[0], span, name)?.to_vec()),
            C::ToBag => {
                let mut pairs: Vec<(Value, Value)> = Vec::new();
                let mut items = seq(&a[0], span, name)?.to_vec();
                items.sort();
                for v in items {
                    match pairs.last_mut() {
                        Some((k, Value::Int(n))) if *k == v => *n += 1,
                        _ => pairs.push((v, Value::Int(1))),
                    }
                }
                Value::function(pairs)
            }
            C::SetToSeq => sequence(tlc_sorted(&set(&a[0], span)?)),
            C::SetToSortSeq => {
                let less = closure(&a[1], span, name)?;
                let mut out: Vec<Value> = Vec::new();
                for v in tlc_sorted(&set(&a[0], span)?) {
                    let mut at = out.len();
                    while at > 0 {
                        let before =
                            self.apply(less, vec![v.clone(), out[at - 1].clone()], span, env)?;
                        if boolean(before, span, name)? {
                            at -= 1;
                        } else {
                            break;
                        }
                    }
                    out.insert(at, v);
                }
                sequence(out)
            }
            C::SetToSeqs => {
                let elements = tlc_sorted(&set(&a[0], span)?);
                if elements.len() > 9 {
                    return fail(span, "SetToSeqs of more than 9 elements is too large");
                }
                let mut out = Vec::new();
                let mut order: Vec<usize> = (0..elements.len()).collect();
                permutations(&mut order, 0, &mut |p| {
                    out.push(sequence(p.iter().map(|&i| elements[i].clone()).collect()));
                });
                Value::set(out)
            }
            C::TupleOf => {
                let n = int(&a[1], span, name)?;
                let domain = Value::set((1..=n.max(0)).map(Value::Int).collect());
                Value::Lazy(Arc::new(LazySet::Functions(domain, a[0].clone())))
            }
            C::SeqOf | C::BoundedSeq => {
                let n = int(&a[1], span, name)?;
                sequences(&set(&a[0], span)?, 0..=n.max(0), span)?
            }
            C::Contains => {
                let mut found = false;
                for v in seq(&a[0], span, name)? {
                    if equal(v, &a[1], span)? {
                        found = true;
                        break;
                    }
                }
                Value::Bool(found)
            }
            C::IsSorted => {
                let s = seq(&a[0], span, name)?;
                let less = closure(&a[1], span, name)?;
                let mut sorted = true;
                'outer: for i in 0..s.len() {
                    for j in i + 1..s.len() {
                        let ok = self.apply(less, vec![s[i].clone(), s[j].clone()], span, env)?;
                        if !boolean(ok, span, name)? {
                            sorted = false;
                            break 'outer;
                        }
                    }
                }
                Value::Bool(sorted)
            }
            C::Reverse => sequence(seq(&a[0], span, name)?.iter().rev().cloned().collect()),
            C::Remove => {
                let mut out = Vec::new();
                for v in seq(&a[0], span, name)? {
                    if !equal(v, &a[1], span)? {
                        out.push(v.clone());
                    }
                }
                sequence(out)
            }
            C::ReplaceAll => {
                let mut out = Vec::new();
                for v in seq(&a[0], span, name)? {
                    out.push(if equal(v, &a[1], span)? {
                        a[2].clone()
                    } else {
                        v.clone()
                    });
                }
                sequence(out)
            }
            C::SelectInSeq | C::SelectLastInSeq => {
                let s = seq(&a[0], span, name)?;
                let test = closure(&a[1], span, name)?;
                let found = self.filter_indices(s, test, span, env, name)?;
                let index = if op == C::SelectInSeq {
                    found.first()
                } else {
                    found.last()
                };
                Value::Int(index.map_or(0, |i| *i as i64 + 1))
            }
            C::InsertAt | C::ReplaceAt | C::RemoveAt => {
                let s = seq(&a[0], span, name)?;
                let i = int(&a[1], span, name)?;
                let last = if op == C::InsertAt {
                    s.len() as i64 + 1
                } else {
                    s.len() as i64
                };
                if i < 1 || i > last {
                    return fail(
                        span,
                        format!(
                            "{name}: index {i} is outside 1..{last} for {}",
                            a[0].to_tlc()
                        ),
                    );
                }
                let i = i as usize - 1;
                let mut out = s.to_vec();
                match op {
                    C::InsertAt => out.insert(i, a[2].clone()),
                    C::ReplaceAt => out[i] = a[2].clone(),
                    _ => {
                        out.remove(i);
                    }
                }
                sequence(out)
            }
            C::RemoveFirst | C::RemoveFirstMatch => {
                let s = seq(&a[0], span, name)?;
                let mut at = None;
                for (i, v) in s.iter().enumerate() {
                    let hit = if op == C::RemoveFirst {
                        equal(v, &a[1], span)?
                    } else {
                        let test = closure(&a[1], span, name)?;
                        boolean(self.apply(test, vec![v.clone()], span, env)?, span, name)?
                    };
                    if hit {
                        at = Some(i);
                        break;
                    }
                }
                let mut out = s.to_vec();
                if let Some(i) = at {
                    out.remove(i);
                }
                sequence(out)
            }
            C::Cons => {
                let s = seq(&a[1], span, name)?;
                sequence(
                    std::iter::once(a[0].clone())
                        .chain(s.iter().cloned())
                        .collect(),
                )
            }
            C::Snoc => {
                let s = seq(&a[1], span, name)?;
                sequence(
                    s.iter()
                        .cloned()
                        .chain(std::iter::once(a[0].clone()))
                        .collect(),
                )
            }
            C::Front => {
                let s = seq(&a[0], span, name)?;
                if s.is_empty() {
                    return fail(span, "Front of the empty sequence");
                }
                sequence(s[..s.len() - 1].to_vec())
            }
            C::Last => match seq(&a[0], span, name)?.last() {
                Some(v) => v.clone(),
                None => return fail(span, "Last of the empty sequence"),
            },
            C::IsPrefix | C::IsStrictPrefix | C::IsSuffix | C::IsStrictSuffix => {
                let s = seq(&a[0], span, name)?;
                let t = seq(&a[1], span, name)?;
                let holds = if matches!(op, C::IsPrefix | C::IsStrictPrefix) {
                    is_prefix(s, t, span)?
                } else {
                    let rs: Vec<Value> = s.iter().rev().cloned().collect();
                    let rt: Vec<Value> = t.iter().rev().cloned().collect();
                    is_prefix(&rs, &rt, span)?
                };
                let strict = matches!(op, C::IsStrictPrefix | C::IsStrictSuffix);
                Value::Bool(holds && !(strict && s.len() == t.len()))
            }
            C::Prefixes => {
                let s = seq(&a[0], span, name)?;
                Value::set((0..=s.len()).map(|l| sequence(s[..l].to_vec())).collect())
            }
            C::Suffixes => {
                let s = seq(&a[0], span, name)?;
                Value::set((0..=s.len()).map(|l| sequence(s[l..].to_vec())).collect())
            }
            C::CommonPrefixes | C::LongestCommonPrefix => {
                let seqs = set(&a[0], span)?;
                let mut longest: Option<Vec<Value>> = None;
                for s in seqs.iter() {
                    let s = seq(s, span, name)?;
                    longest = Some(match longest {
                        None => s.to_vec(),
                        Some(p) => {
                            let mut n = 0;
                            while n < p.len() && n < s.len() && equal(&p[n], &s[n], span)? {
                                n += 1;
                            }
                            p[..n].to_vec()
                        }
                    });
                }
                if op == C::LongestCommonPrefix {
                    match longest {
                        Some(p) => sequence(p),
                        None => return fail(span, "LongestCommonPrefix of the empty set"),
                    }
                } else {
                    // Every prefix of the longest common prefix; with no sequences, every
                    // prefix of nothing: the empty set.
                    match longest {
                        Some(p) => {
                            Value::set((0..=p.len()).map(|l| sequence(p[..l].to_vec())).collect())
                        }
                        None => Value::empty_set(),
                    }
                }
            }
            C::SeqMod => {
                let (x, y) = (int(&a[0], span, name)?, int(&a[1], span, name)?);
                if y <= 0 {
                    return fail(span, "SeqMod with a divisor that is not positive");
                }
                let r = x.rem_euclid(y);
                Value::Int(if r == 0 { y } else { r })
            }
            C::FoldSeq => {
                let f = closure(&a[0], span, name)?;
                self.fold_ascending(f, a[1].clone(), seq(&a[2], span, name)?.to_vec(), span, env)?
            }
            C::FoldRight => {
                let f = closure(&a[0], span, name)?;
                self.fold_right(f, a[2].clone(), seq(&a[1], span, name)?.to_vec(), span, env)?
            }
            C::FoldLeft => {
                let f = closure(&a[0], span, name)?;
                let mut acc = a[1].clone();
                for v in seq(&a[2], span, name)?.iter() {
                    acc = self.apply(f, vec![acc, v.clone()], span, env)?;
                }
                acc
            }
            C::FlattenSeq => {
                let mut out = Vec::new();
                for s in seq(&a[0], span, name)? {
                    out.extend(seq(s, span, name)?.iter().cloned());
                }
                sequence(out)
            }
            C::Zip => {
                let s = seq(&a[0], span, name)?;
                let t = seq(&a[1], span, name)?;
                sequence(
                    s.iter()
                        .zip(t)
                        .map(|(x, y)| sequence(vec![x.clone(), y.clone()]))
                        .collect(),
                )
            }
            C::SubSeqs => {
                let s = seq(&a[0], span, name)?;
                let mut out = vec![sequence(Vec::new())];
                for i in 0..s.len() {
                    for j in i + 1..=s.len() {
                        out.push(sequence(s[i..j].to_vec()));
                    }
                }
                Value::set(out)
            }
            C::FoldSet | C::ReduceSet => {
                let f = closure(&a[0], span, name)?;
                let (base, s) = if op == C::FoldSet {
                    (a[1].clone(), &a[2])
                } else {
                    (a[2].clone(), &a[1])
                };
                self.fold_ascending(f, base, tlc_sorted(&set(s, span)?), span, env)?
            }
            C::SumSet => self.sum(set(&a[0], span)?.iter().cloned(), span)?,
            C::ProductSet => {
                let mut total = 1i64;
                for v in set(&a[0], span)?.iter() {
                    total = mul(total, int(v, span, name)?, span)?;
                }
                Value::Int(total)
            }
            C::MapThenSumSet => {
                let f = closure(&a[0], span, name)?;
                let mut mapped = Vec::new();
                for v in set(&a[1], span)?.iter() {
                    mapped.push(self.apply(f, vec![v.clone()], span, env)?);
                }
                self.sum(mapped, span)?
            }
            C::FlattenSet => {
                let mut out = Vec::new();
                for inner in set(&a[0], span)?.iter() {
                    out.extend(set(inner, span)?.iter().cloned());
                }
                Value::set(out)
            }
            C::SymDiff => {
                let (x, y) = (set(&a[0], span)?, set(&a[1], span)?);
                let mut out = Vec::new();
                for v in x.iter() {
                    if !y.contains(v) {
                        out.push(v.clone());
                    }
                }
                for v in y.iter() {
                    if !x.contains(v) {
                        out.push(v.clone());
                    }
                }
                Value::set(out)
            }
            C::Quantify => {
                let test = closure(&a[1], span, name)?;
                let mut count = 0i64;
                for v in set(&a[0], span)?.iter() {
                    if boolean(self.apply(test, vec![v.clone()], span, env)?, span, name)? {
                        count += 1;
                    }
                }
                Value::Int(count)
            }
            C::KSubset => {
                let k = int(&a[0], span, name)?;
                let elements = set(&a[1], span)?;
                if k < 0 {
                    Value::empty_set()
                } else {
                    Value::set(k_subsets(&elements, k as usize, span)?)
                }
            }
            C::Max | C::Min => {
                let elements = set(&a[0], span)?;
                let mut best: Option<i64> = None;
                for v in elements.iter() {
                    let n = int(v, span, name)?;
                    best = Some(match best {
                        None => n,
                        Some(b) if op == C::Max => b.max(n),
                        Some(b) => b.min(n),
                    });
                }
                match best {
                    Some(n) => Value::Int(n),
                    None => return fail(span, format!("{name} of the empty set")),
                }
            }
            C::ChooseUnique => {
                let test = closure(&a[1], span, name)?;
                let elements = tlc_sorted(&set(&a[0], span)?);
                let mut hits = Vec::new();
                for v in elements {
                    if boolean(self.apply(test, vec![v.clone()], span, env)?, span, name)? {
                        hits.push(v);
                    }
                }
                if hits.len() != 1 {
                    return fail(
                        span,
                        format!(
                            "ChooseUnique: {} elements satisfy the predicate",
                            hits.len()
                        ),
                    );
                }
                hits.remove(0)
            }
            C::Restrict => {
                let f = &a[0];
                let mut pairs = Vec::new();
                for k in set(&a[1], span)?.iter() {
                    match crate::eval::apply_function(f, k) {
                        Some(v) => pairs.push((k.clone(), v)),
                        None => {
                            return fail(
                                span,
                                format!(
                                    "Restrict: {} is outside the domain of {}",
                                    k.to_tlc(),
                                    f.to_tlc()
                                ),
                            )
                        }
                    }
                }
                Value::function(pairs)
            }
            C::RestrictDomain | C::RestrictValues => {
                let test = closure(&a[1], span, name)?;
                let mut pairs = Vec::new();
                for (k, v) in function(&a[0], span, name)? {
                    let probe = if op == C::RestrictDomain { &k } else { &v };
                    if boolean(
                        self.apply(test, vec![probe.clone()], span, env)?,
                        span,
                        name,
                    )? {
                        pairs.push((k, v));
                    }
                }
                Value::function(pairs)
            }
            C::IsRestriction => {
                let narrow = function(&a[0], span, name)?;
                let wide = &a[1];
                let mut holds = true;
                for (k, v) in narrow {
                    match crate::eval::apply_function(wide, &k) {
                        Some(w) if equal(&v, &w, span)? => {}
                        _ => {
                            holds = false;
                            break;
                        }
                    }
                }
                Value::Bool(holds)
            }
            C::Range => Value::set(
                function(&a[0], span, name)?
                    .into_iter()
                    .map(|(_, v)| v)
                    .collect(),
            ),
            C::Pointwise => {
                let t = closure(&a[2], span, name)?;
                let mut pairs = Vec::new();
                for (k, v) in function(&a[0], span, name)? {
                    let Some(w) = crate::eval::apply_function(&a[1], &k) else {
                        return fail(
                            span,
                            format!(
                                "Pointwise: {} is outside the domain of the second function",
                                k.to_tlc()
                            ),
                        );
                    };
                    pairs.push((k, self.apply(t, vec![v, w], span, env)?));
                }
                Value::function(pairs)
            }
            C::Inverse | C::AntiFunction => {
                let pairs = function(&a[0], span, name)?;
                let (source, target) = if op == C::Inverse {
                    (tlc_sorted(&set(&a[1], span)?), set(&a[2], span)?)
                } else {
                    let domain = set(&function_domain(&a[0]), span)?;
                    let range = Value::set(pairs.iter().map(|(_, v)| v.clone()).collect());
                    (tlc_sorted(&domain), set(&range, span)?)
                };
                let range: Vec<&Value> = pairs.iter().map(|(_, v)| v).collect();
                let mut out = Vec::new();
                for t in target.iter() {
                    let in_range = range.contains(&t);
                    let mut chosen = None;
                    for s in &source {
                        let ok = !in_range
                            || crate::eval::apply_function(&a[0], s).is_some_and(|v| v == *t);
                        if ok {
                            chosen = Some(s.clone());
                            break;
                        }
                    }
                    match chosen {
                        Some(s) => out.push((t.clone(), s)),
                        None => {
                            return fail(
                                span,
                                format!("{name}: CHOOSE found no element for {}", t.to_tlc()),
                            )
                        }
                    }
                }
                Value::function(out)
            }
            C::IsInjective => {
                let mut values: Vec<Value> = function(&a[0], span, name)?
                    .into_iter()
                    .map(|(_, v)| v)
                    .collect();
                let n = values.len();
                values.sort();
                values.dedup();
                Value::Bool(values.len() == n)
            }
            C::Injection | C::Surjection | C::Bijection => {
                let domain = set(&a[0], span)?;
                let range = set(&a[1], span)?;
                let mut out = Vec::new();
                for values in all_functions(&domain, &range, span)? {
                    let mut distinct = values.clone();
                    distinct.sort();
                    distinct.dedup();
                    let injective = distinct.len() == values.len();
                    let surjective = distinct.len() == range.len();
                    let keep = match op {
                        C::Injection => injective,
                        C::Surjection => surjective,
                        _ => injective && surjective,
                    };
                    if keep {
                        out.push(function_value(&domain, values));
                    }
                }
                Value::set(out)
            }
            C::ExistsInjection | C::ExistsSurjection | C::ExistsBijection => {
                let s = cardinality(&a[0], span)?;
                let t = cardinality(&a[1], span)?;
                Value::Bool(match op {
                    C::ExistsInjection => s <= t,
                    C::ExistsSurjection => {
                        if t == 0 {
                            s == 0
                        } else {
                            s >= t
                        }
                    }
                    _ => s == t,
                })
            }
            C::FoldFunction | C::FoldFunctionOnSet => {
                let f = closure(&a[0], span, name)?;
                let indices = if op == C::FoldFunction {
                    set(&function_domain(&a[2]), span)?
                } else {
                    set(&a[3], span)?
                };
                let mut items = Vec::new();
                for i in tlc_sorted(&indices) {
                    match crate::eval::apply_function(&a[2], &i) {
                        Some(v) => items.push(v),
                        None => {
                            return fail(
                                span,
                                format!("{name}: {} is outside the function's domain", i.to_tlc()),
                            )
                        }
                    }
                }
                self.fold_ascending(f, a[1].clone(), items, span, env)?
            }
            C::SumFunction | C::SumFunctionOnSet => {
                let indices = if op == C::SumFunction {
                    set(&function_domain(&a[0]), span)?
                } else {
                    set(&a[1], span)?
                };
                let mut items = Vec::new();
                for i in indices.iter() {
                    match crate::eval::apply_function(&a[0], i) {
                        Some(v) => items.push(v),
                        None => {
                            return fail(
                                span,
                                format!("{name}: {} is outside the function's domain", i.to_tlc()),
                            )
                        }
                    }
                }
                self.sum(items, span)?
            }
            C::MapThenFoldSet => {
                let f = closure(&a[0], span, name)?;
                let map = closure(&a[2], span, name)?;
                let choose = closure(&a[3], span, name)?;
                let mut rest: Vec<Value> = set(&a[4], span)?.to_vec();
                let mut order = Vec::with_capacity(rest.len());
                while !rest.is_empty() {
                    let x = self.apply(choose, vec![Value::set(rest.clone())], span, env)?;
                    let Some(at) = rest.iter().position(|v| *v == x) else {
                        return fail(
                            span,
                            format!(
                                "MapThenFoldSet: the choice {} is not in the set",
                                x.to_tlc()
                            ),
                        );
                    };
                    rest.remove(at);
                    order.push(self.apply(map, vec![x], span, env)?);
                }
                self.fold_right(f, a[1].clone(), order, span, env)?
            }
            C::BagOfAll => {
                // `[y \in {F(x) : x \in BagToSet(B)} |-> sum of B[x] over x with F(x) = y]`.
                let f = closure(&a[0], span, name)?;
                let mut pairs: Vec<(Value, Value)> = Vec::new();
                for (x, count) in function(&a[1], span, name)? {
                    let y = self.apply(f, vec![x], span, env)?;
                    let n = int(&count, span, name)?;
                    match pairs.iter_mut().find(|(k, _)| *k == y) {
                        Some((_, Value::Int(m))) => *m = add(*m, n, span)?,
                        _ => pairs.push((y, Value::Int(n))),
                    }
                }
                Value::function(pairs)
            }
            C::BagUnion => {
                let mut pairs: Vec<(Value, Value)> = Vec::new();
                for bag in set(&a[0], span)?.iter() {
                    for (x, count) in function(bag, span, name)? {
                        let n = int(&count, span, name)?;
                        match pairs.iter_mut().find(|(k, _)| *k == x) {
                            Some((_, Value::Int(m))) => *m = add(*m, n, span)?,
                            _ => pairs.push((x, Value::Int(n))),
                        }
                    }
                }
                Value::function(pairs)
            }
            C::SubBag => {
                // Every bag `b` with `b[x] <= B[x]` for each `x` (an element may be left out).
                let mut out: Vec<Vec<(Value, Value)>> = vec![Vec::new()];
                for (x, count) in function(&a[0], span, name)? {
                    let n = int(&count, span, name)?;
                    let mut next = Vec::new();
                    for partial in &out {
                        for copies in 0..=n.max(0) {
                            let mut bag = partial.clone();
                            if copies > 0 {
                                bag.push((x.clone(), Value::Int(copies)));
                            }
                            next.push(bag);
                        }
                        if next.len() > ENUMERATION_MAX {
                            return fail(span, "SubBag: too many sub-bags to enumerate");
                        }
                    }
                    out = next;
                }
                Value::set(out.into_iter().map(Value::function).collect())
            }
            C::BagAdd | C::BagRemove | C::BagRemoveAll => {
                let mut pairs = function(&a[0], span, name)?;
                let at = pairs.iter().position(|(k, _)| *k == a[1]);
                match (op, at) {
                    (C::BagAdd, Some(i)) => {
                        let n = int(&pairs[i].1, span, name)?;
                        pairs[i].1 = Value::Int(add(n, 1, span)?);
                    }
                    (C::BagAdd, None) => pairs.push((a[1].clone(), Value::Int(1))),
                    (C::BagRemove, Some(i)) => {
                        let n = int(&pairs[i].1, span, name)?;
                        if n == 1 {
                            pairs.remove(i);
                        } else {
                            pairs[i].1 = Value::Int(n - 1);
                        }
                    }
                    (_, Some(i)) => {
                        pairs.remove(i);
                    }
                    (_, None) => {}
                }
                Value::function(pairs)
            }
            C::FoldBag => {
                // As TLC's override: `acc := op(acc, x)`, `B[x]` times for each `x`.
                let f = closure(&a[0], span, name)?;
                let mut sorted = function(&a[2], span, name)?;
                sorted.sort_by(|x, y| tlc_cmp(&x.0, &y.0));
                let mut acc = a[1].clone();
                for (x, count) in sorted {
                    let n = int(&count, span, name)?;
                    if n <= 0 {
                        return fail(span, format!("FoldBag: {} has {n} copies", x.to_tlc()));
                    }
                    for _ in 0..n {
                        acc = self.apply(f, vec![acc, x.clone()], span, env)?;
                    }
                }
                acc
            }
            C::SumBag | C::ProductBag => {
                let mut total = if op == C::SumBag { 0i64 } else { 1i64 };
                for (x, count) in function(&a[0], span, name)? {
                    let (x, n) = (int(&x, span, name)?, int(&count, span, name)?);
                    for _ in 0..n {
                        total = if op == C::SumBag {
                            add(total, x, span)?
                        } else {
                            mul(total, x, span)?
                        };
                    }
                }
                Value::Int(total)
            }
            C::IsUndirectedGraph => Value::Bool(crate::graphs::is_graph(&a[0], false, span)?),
            C::IsLoopFreeUndirectedGraph => {
                Value::Bool(crate::graphs::is_graph(&a[0], true, span)?)
            }
            C::UndirectedSubgraph => crate::graphs::subgraphs(&a[0], span)?,
            C::Path => Value::Lazy(Arc::new(LazySet::Paths(a[0].clone(), false))),
            C::SimplePath => crate::graphs::simple_paths(&a[0], false, span)?,
            C::AreConnectedIn => {
                Value::Bool(crate::graphs::connected(&a[0], &a[1], &a[2], false, span)?)
            }
            C::IsDirectedGraph => Value::Bool(crate::graphs::is_directed(&a[0], span)?),
            C::DirectedSubgraph => crate::graphs::directed_subgraphs(&a[0], false, span)?,
            C::Transpose => crate::graphs::transpose(&a[0], span)?,
            C::IsSymmetricGraph => Value::Bool(crate::graphs::is_symmetric(&a[0], span)?),
            C::SymmetricSubgraph => crate::graphs::directed_subgraphs(&a[0], true, span)?,
            C::DirectedPath => Value::Lazy(Arc::new(LazySet::Paths(a[0].clone(), true))),
            C::DirectedSimplePath => crate::graphs::simple_paths(&a[0], true, span)?,
            C::DirectedConnectedIn => {
                Value::Bool(crate::graphs::connected(&a[0], &a[1], &a[2], true, span)?)
            }
            C::ConnectionsIn => crate::graphs::connections(&a[0], span)?,
            C::IsCausalOrder => {
                let log = seq(&a[0], span, name)?;
                let clock = closure(&a[1], span, name)?;
                let mut clocks = Vec::with_capacity(log.len());
                for line in log {
                    let vc = self.apply(clock, vec![line.clone()], span, env)?;
                    clocks.push(vector_clock(&vc, span, name)?);
                }
                Value::Bool(is_causal_order(&clocks))
            }
            C::CausalOrder => {
                let log = seq(&a[0], span, name)?;
                let (clock, node) = (closure(&a[1], span, name)?, closure(&a[2], span, name)?);
                let domain = closure(&a[3], span, name)?;
                let mut lines = Vec::with_capacity(log.len());
                for line in log {
                    let host = self.apply(node, vec![line.clone()], span, env)?;
                    let vc = self.apply(clock, vec![line.clone()], span, env)?;
                    let hosts = enumerate(&self.apply(domain, vec![vc.clone()], span, env)?, span)?;
                    lines.push(LogLine {
                        host,
                        clock: vector_clock(&vc, span, name)?,
                        hosts,
                        line: line.clone(),
                    });
                }
                sequence(causal_order(lines, span)?)
            }
            C::DirectedStronglyConnected => {
                Value::Bool(crate::graphs::strongly_connected(&a[0], span)?)
            }
            C::IsTreeWithRoot => Value::Bool(crate::graphs::is_tree_with_root(&a[0], &a[1], span)?),
            C::ConnectedComponents => crate::graphs::components(&a[0], span)?,
            C::IsStronglyConnected => {
                let nodes = match apply_function(&a[0], &Value::string("node")) {
                    Some(nodes) => nodes,
                    None => return fail(span, format!("{} has no field `node`", a[0].to_tlc())),
                };
                let components = crate::graphs::components(&a[0], span)?;
                Value::Bool(equal(&components, &Value::set(vec![nodes]), span)?)
            }
            C::UndirectedGraphs => crate::graphs::all_graphs(&a[0], span)?,
            C::BitAnd | C::BitOr | C::BitXor => {
                let what = format!("`{name}`");
                let (x, y) = (natural(&a[0], span, &what)?, natural(&a[1], span, &what)?);
                let bits = match op {
                    C::BitAnd => x & y,
                    C::BitOr => x | y,
                    _ => x ^ y,
                };
                Value::Int(bits as i64)
            }
            C::BitNot => {
                // The bits of `a` up to its highest one, flipped (`Not(0) = 0`).
                let x = natural(&a[0], span, "`Not`")?;
                let width = 64 - x.leading_zeros();
                let mask = if width == 64 {
                    u64::MAX
                } else {
                    (1u64 << width) - 1
                };
                Value::Int((!x & mask) as i64)
            }
            C::RandomSubset => {
                let k = int(&a[0], span, name)?;
                let s = set(&a[1], span)?;
                if k < 0 {
                    return fail(
                        span,
                        format!("RandomSubset(k, S) needs 0 <= k, found k = {k}"),
                    );
                }
                // With k above Cardinality(S), TLC draws all of S (its sets of functions and
                // records take min(k, Cardinality(S)) elements), as SmokeEWD998 relies on.
                let k = k.min(s.len() as i64);
                // A random k-subset: the first k of a random shuffle (Fisher-Yates).
                let mut order: Vec<usize> = (0..s.len()).collect();
                for i in 0..k as usize {
                    let j = i + crate::eval::random_below(s.len() - i);
                    order.swap(i, j);
                }
                let mut chosen: Vec<usize> = order[..k as usize].to_vec();
                chosen.sort_unstable();
                Value::set_sorted(chosen.into_iter().map(|i| s[i].clone()).collect())
            }
            C::RandomSetOfSubsets => {
                let (k, n) = (int(&a[0], span, name)?, int(&a[1], span, name)?);
                random_set_of_subsets(k, n, &set(&a[2], span)?, span)?
            }
            C::TestRandomSetOfSubsets => {
                let (k, n) = (int(&a[0], span, name)?, int(&a[1], span, name)?);
                let s = set(&a[2], span)?;
                let mut sizes = Vec::with_capacity(5);
                for _ in 0..5 {
                    let drawn = random_set_of_subsets(k, n, &s, span)?;
                    sizes.push(Value::Int(cardinality(&drawn, span)?));
                }
                sequence(sizes)
            }
            C::ShiftR => {
                let x = natural(&a[0], span, "`shiftR`")?;
                let by = natural(&a[1], span, "`shiftR`")?;
                Value::Int(if by >= 64 { 0 } else { (x >> by) as i64 })
            }
            C::AssertEq => {
                if a[0] == a[1] {
                    Value::Bool(true)
                } else {
                    eprintln!("\"Assertion failed\"\n{}\n{}", a[0].to_tlc(), a[1].to_tlc());
                    Value::Bool(false)
                }
            }
            C::TlcGetOrDefault => self.prog.run.get_or_default(&a[0], a[1].clone(), span)?,
            C::TlcGetAndSet => {
                let old = self.prog.run.get_or_default(&a[0], a[3].clone(), span)?;
                let new = match &a[1] {
                    Value::Op(op) => {
                        self.call_closure(op, vec![old.clone(), a[2].clone()], span, env)?
                    }
                    other => {
                        return fail(
                            span,
                            format!("{name} expects an operator, found {}", other.to_tlc()),
                        )
                    }
                };
                self.prog.run.set(&a[0], new, span)?;
                old
            }
            C::TlcModelValue => Value::Model(Sym::new(&crate::io::string(&a[0], span, name)?)),
            C::TlcNoOp => a[0].clone(),
            C::TlcCache => a[0].clone(),
            C::AssertError
            | C::Trace
            | C::CounterExample
            | C::ToTrace
            | C::TlcDefer
            | C::PickSuccessor
            | C::TlcFp
            | C::TlcEvalDefinition
            | C::NodesOfDirectedMultiGraph
            | C::IoSerialize
            | C::IoDeserialize
            | C::CsvWriteRecord
            | C::CsvRead => {
                return fail(span, format!("unsupported: `{name}`"));
            }
            C::Serialize => crate::io::serialize_text(&a[0], &a[1], &a[2], span, name)?,
            C::Deserialize => crate::io::deserialize_text(&a[0], &a[1], span, name)?,
            C::ZeroPadN => Value::string(&crate::io::zero_pad(
                int(&a[0], span, name)?,
                int(&a[1], span, name)?,
                span,
            )?),
            C::SvgElem => crate::svg::element_of(a),
            C::SvgLine => crate::svg::shape(
                "line",
                &["x1", "y1", "x2", "y2"],
                &a[..4],
                &a[4],
                span,
                name,
            )?,
            C::SvgCircle => {
                crate::svg::shape("circle", &["cx", "cy", "r"], &a[..3], &a[3], span, name)?
            }
            C::SvgRect => crate::svg::shape(
                "rect",
                &["x", "y", "width", "height"],
                &a[..4],
                &a[4],
                span,
                name,
            )?,
            C::SvgText => crate::svg::text_element(a, span, name)?,
            C::SvgImage => crate::svg::image(a, span, name)?,
            C::SvgGroup => crate::svg::element("g", a[1].clone(), a[0].clone(), Value::string("")),
            C::SvgSvg => crate::svg::element("svg", a[1].clone(), a[0].clone(), Value::string("")),
            C::SvgDoc => crate::svg::document(a, span, name)?,
            C::SvgElemToString => Value::string(&crate::svg::to_string(&a[0], span)?),
            C::NodeOfRingNetwork => crate::svg::ring_node(a, span, name)?,
            C::PointOnLine => crate::svg::point_on_line(a, span, name)?,
            C::SvgSerialize => crate::svg::serialize(a, span, name)?,
            C::IoEnv => crate::io::environment(),
            C::Atoi => crate::io::atoi(&a[0], span)?,
            C::IoExec => crate::io::exec(None, &a[0], None, span, name)?,
            C::IoEnvExec => crate::io::exec(Some(&a[0]), &a[1], None, span, name)?,
            C::IoExecTemplate => crate::io::exec(None, &a[0], Some(&a[1]), span, name)?,
            C::IoEnvExecTemplate => crate::io::exec(Some(&a[0]), &a[1], Some(&a[2]), span, name)?,
            C::ToJson => Value::string(&crate::io::to_json(&a[0]).to_string()),
            C::ToJsonArray => Value::string(&crate::io::to_json_array(&a[0], span)?.to_string()),
            C::ToJsonObject => Value::string(&crate::io::to_json_object(&a[0]).to_string()),
            C::CsvWrite => crate::io::csv_write(&a[0], &a[1], &a[2], span)?,
            C::CsvRecords => crate::io::csv_records(&a[0], span)?,
            C::JsonSerialize => crate::io::serialize(&a[0], &a[1], false, span, name)?,
            C::NdJsonSerialize => crate::io::serialize(&a[0], &a[1], true, span, name)?,
            C::JsonDeserialize => crate::io::deserialize(&a[0], false, span, name)?,
            C::NdJsonDeserialize => crate::io::deserialize(&a[0], true, span, name)?,
            C::Zero => rational(0, 1),
            C::One => rational(1, 1),
            C::Add => {
                // `IF p = Zero THEN q ELSE`: q as given, reduced or not.
                if a[0] == rational(0, 1) {
                    return Ok(a[1].clone());
                }
                let (pn, pd) = parts(&a[0], span, name)?;
                let (qn, qd) = parts(&a[1], span, name)?;
                if pd == 0 || qd == 0 {
                    return fail(span, format!("{name}: division by zero"));
                }
                let lcn = pd.max(qd);
                let scaled = |n: i64, d: i64| {
                    lcn.checked_div(d)
                        .and_then(|factor| n.checked_mul(factor))
                        .ok_or(())
                };
                let sum = scaled(qn, qd)
                    .and_then(|q| scaled(pn, pd).and_then(|p| q.checked_add(p).ok_or(())));
                match sum {
                    Ok(sum) => reduce(sum, lcn, span, name)?,
                    Err(()) => return fail(span, format!("{name}: arithmetic overflow")),
                }
            }
            C::Half => {
                let (n, d) = parts(&a[0], span, name)?;
                match d.checked_mul(2) {
                    Some(d) => reduce(n, d, span, name)?,
                    None => return fail(span, format!("{name}: arithmetic overflow")),
                }
            }
            C::IsDyadicRational => {
                let d = field(&a[0], "den", span, name)?;
                Value::Bool(d >= 1 && (d as u64).is_power_of_two())
            }
            C::PrettyPrint => {
                if a[0] == rational(0, 1) {
                    Value::string("0")
                } else if a[0] == rational(1, 1) {
                    Value::string("1")
                } else {
                    let n = apply_function(&a[0], &Value::string("num"));
                    let d = apply_function(&a[0], &Value::string("den"));
                    match (n, d) {
                        (Some(n), Some(d)) => {
                            Value::string(&format!("{}/{}", n.to_tlc(), d.to_tlc()))
                        }
                        _ => return fail(span, format!("{name} expects a record [num, den]")),
                    }
                }
            }
        })
    }
}

/// The dyadic rational `[num |-> num, den |-> den]`.
fn rational(num: i64, den: i64) -> Value {
    Value::record(vec![
        (crate::value::Sym::new("num"), Value::Int(num)),
        (crate::value::Sym::new("den"), Value::Int(den)),
    ])
}

/// The integer field `name` of record `v`.
fn field(v: &Value, name: &str, span: Span, what: &str) -> EResult<i64> {
    match apply_function(v, &Value::string(name)) {
        Some(Value::Int(n)) => Ok(n),
        _ => fail(
            span,
            format!(
                "{what} expects a record with an integer field `{name}`, found {}",
                v.to_tlc()
            ),
        ),
    }
}

/// The numerator and denominator of a dyadic rational.
fn parts(v: &Value, span: Span, what: &str) -> EResult<(i64, i64)> {
    Ok((field(v, "num", span, what)?, field(v, "den", span, what)?))
}

/// `num / den` in lowest terms, as TLC's override of the module's `Reduce` computes it: both
/// divided by their greatest common divisor when it is not 1.
fn reduce(num: i64, den: i64, span: Span, what: &str) -> EResult<Value> {
    let (mut a, mut b) = (num.unsigned_abs(), den.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    match a {
        0 => fail(
            span,
            format!("{what}: the fraction {num}/{den} has no value"),
        ),
        1 => Ok(rational(num, den)),
        gcd => {
            let gcd = gcd as i64;
            Ok(rational(num / gcd, den / gcd))
        }
    }
}

fn permutations(order: &mut Vec<usize>, k: usize, f: &mut dyn FnMut(&[usize])) {
    if k == order.len() {
        f(order);
        return;
    }
    for i in k..order.len() {
        order.swap(k, i);
        permutations(order, k + 1, f);
        order.swap(k, i);
    }
}
