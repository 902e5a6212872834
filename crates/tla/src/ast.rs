//! The resolved expression tree the evaluator walks: names are already slots, variables,
//! definitions or built-ins, so evaluation never looks a name up in a map.

use crate::value::{Sym, Value};

/// Where an expression comes from, for error messages.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Span {
    /// Index into the loaded sources.
    pub file: u32,
    /// Byte range in that source.
    pub start: u32,
    /// End of the byte range.
    pub end: u32,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// A bound variable pattern: `x` or `<<x, y>>`.
#[derive(Clone, Debug)]
pub enum Pattern {
    /// One slot.
    Slot(u32),
    /// A tuple destructured into slots.
    Tuple(Vec<u32>),
}

/// `pattern \in set`.
#[derive(Clone, Debug)]
pub struct Bound {
    /// What is bound.
    pub pattern: Pattern,
    /// The set it ranges over.
    pub set: Expr,
}

/// One step of an EXCEPT path.
#[derive(Clone, Debug)]
pub enum PathStep {
    /// `.field`.
    Field(Sym),
    /// `[e]` or `[e1, e2]` (a tuple key).
    Index(Vec<Expr>),
}

/// `!path = value`, with the slot that `@` reads.
#[derive(Clone, Debug)]
pub struct ExceptUpdate {
    /// The path.
    pub path: Vec<PathStep>,
    /// The new value.
    pub value: Expr,
    /// The slot holding `@`.
    pub at_slot: u32,
}

/// Built-in operators.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[allow(missing_docs)]
pub enum Builtin {
    Eq,
    Neq,
    In,
    NotIn,
    Lt,
    Gt,
    Leq,
    Geq,
    Plus,
    Minus,
    Times,
    Div,
    Mod,
    Pow,
    Neg,
    Range,
    Cup,
    Cap,
    SetMinus,
    SubsetEq,
    Subset,
    SupsetEq,
    Supset,
    Powerset,
    Union,
    Domain,
    Product,
    Concat,
    MapTo,
    Compose,
    Seq,
    Len,
    Append,
    Head,
    Tail,
    SubSeq,
    SelectSeq,
    Cardinality,
    IsFiniteSet,
    Print,
    PrintT,
    Assert,
    ToString,
    /// `TLCGet(x)` of module TLC: the state's level, a register, the run's settings or figures
    /// (see `tlc.rs`).
    TlcGet,
    /// `TLCSet(i, v)` of module TLC: sets a register (or stops the search, `"exit"`).
    TlcSet,
    /// `JavaTime` of module TLC: the seconds since the epoch.
    JavaTime,
    Permutations,
    /// `RandomElement(S)` of module TLC: an element picked at random.
    RandomElement,
    /// `TLCEval(v)` of module TLC: `v` (TLC uses it to evaluate `v` eagerly).
    TlcEval,
    SortSeq,
    BagToSet,
    SetToBag,
    BagIn,
    EmptyBag,
    BagCup,
    BagDiff,
    BagCardinality,
    CopiesIn,
    /// An operator of a community module (`SequencesExt`, `FiniteSetsExt`, ...).
    Community(crate::community::Community),
}

impl Builtin {
    /// `=`, `#`, `\in`, `\notin`, `<`, `>`, `<=`, `>=`: a Boolean comparison of two values.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            Builtin::Eq
                | Builtin::Neq
                | Builtin::In
                | Builtin::NotIn
                | Builtin::Lt
                | Builtin::Gt
                | Builtin::Leq
                | Builtin::Geq
        )
    }

    /// The built-in named `name` in the standard modules, with its arity.
    pub fn by_name(name: &str) -> Option<(Builtin, usize)> {
        Some(match name {
            "Seq" => (Builtin::Seq, 1),
            "Len" => (Builtin::Len, 1),
            "Append" => (Builtin::Append, 2),
            "Head" => (Builtin::Head, 1),
            "Tail" => (Builtin::Tail, 1),
            "SubSeq" => (Builtin::SubSeq, 3),
            "SelectSeq" => (Builtin::SelectSeq, 2),
            "Cardinality" => (Builtin::Cardinality, 1),
            "IsFiniteSet" => (Builtin::IsFiniteSet, 1),
            "Print" => (Builtin::Print, 2),
            "PrintT" => (Builtin::PrintT, 1),
            "Assert" => (Builtin::Assert, 2),
            "ToString" => (Builtin::ToString, 1),
            "TLCGet" => (Builtin::TlcGet, 1),
            "TLCSet" => (Builtin::TlcSet, 2),
            "JavaTime" => (Builtin::JavaTime, 0),
            "Permutations" => (Builtin::Permutations, 1),
            "RandomElement" => (Builtin::RandomElement, 1),
            "TLCEval" => (Builtin::TlcEval, 1),
            "SortSeq" => (Builtin::SortSeq, 2),
            "BagToSet" => (Builtin::BagToSet, 1),
            "SetToBag" => (Builtin::SetToBag, 1),
            "BagIn" => (Builtin::BagIn, 2),
            "EmptyBag" => (Builtin::EmptyBag, 0),
            "BagCardinality" => (Builtin::BagCardinality, 1),
            "CopiesIn" => (Builtin::CopiesIn, 2),
            _ => return None,
        })
    }

    /// Whether an application may give another value each time it is evaluated, or have an
    /// effect (printing, TLC's registers, picking at random, running a command): it is never
    /// folded into a constant, remembered per state, or skipped because its variables did not
    /// change.
    pub fn is_volatile(self) -> bool {
        match self {
            Builtin::Print
            | Builtin::PrintT
            | Builtin::TlcGet
            | Builtin::TlcSet
            | Builtin::JavaTime
            | Builtin::RandomElement => true,
            Builtin::Community(op) => op.is_volatile(),
            _ => false,
        }
    }

    /// The built-in for an infix symbol (the tree-sitter node kind).
    pub fn by_infix(kind: &str) -> Option<Builtin> {
        Some(match kind {
            "eq" => Builtin::Eq,
            "neq" => Builtin::Neq,
            "in" => Builtin::In,
            "notin" => Builtin::NotIn,
            "lt" => Builtin::Lt,
            "gt" => Builtin::Gt,
            "leq" => Builtin::Leq,
            "geq" => Builtin::Geq,
            "plus" => Builtin::Plus,
            "minus" => Builtin::Minus,
            "mul" => Builtin::Times,
            "div" => Builtin::Div,
            "mod" => Builtin::Mod,
            "pow" => Builtin::Pow,
            "dots_2" => Builtin::Range,
            "cup" => Builtin::Cup,
            "cap" => Builtin::Cap,
            "setminus" => Builtin::SetMinus,
            "subseteq" => Builtin::SubsetEq,
            "subset" => Builtin::Subset,
            "supseteq" => Builtin::SupsetEq,
            "supset" => Builtin::Supset,
            "times" => Builtin::Product,
            "circ" => Builtin::Concat,
            "map_to" => Builtin::MapTo,
            "compose" => Builtin::Compose,
            "oplus" => Builtin::BagCup,
            "ominus" => Builtin::BagDiff,
            _ => return None,
        })
    }
}

/// An expression.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What it is.
    pub kind: Kind,
    /// Where it is.
    pub span: Span,
    /// Its compiled form, set once the program is loaded (see [`crate::compile`]): the
    /// evaluator runs it instead of walking `kind`. `None` for the forms left to the walk.
    pub code: Option<std::sync::Arc<crate::compile::Code>>,
}

impl Expr {
    /// An expression not compiled (yet).
    pub fn new(kind: Kind, span: Span) -> Expr {
        Expr {
            kind,
            span,
            code: None,
        }
    }
}

/// The forms of expressions.
#[derive(Clone, Debug)]
pub enum Kind {
    /// A literal or a constant folded at load time.
    Lit(Value),
    /// A bound variable or parameter: a slot of the current frame.
    Local(u32),
    /// A state variable.
    Var(u32),
    /// `e'`.
    Prime(Box<Expr>),
    /// `UNCHANGED e`.
    Unchanged(Box<Expr>),
    /// `UNCHANGED <<x, y>>` resolved at load time to the variables.
    UnchangedVars(Vec<u32>),
    /// A module-level definition applied to arguments.
    Call(u32, Vec<Expr>),
    /// A LET definition (or LAMBDA) applied to arguments.
    LetCall(u32, Vec<Expr>),
    /// An operator parameter (a slot holding a closure) applied to arguments.
    ParamCall(u32, Vec<Expr>),
    /// A module-level recursive function applied: `f[x]` for `f[x \in S] == ...`.
    FuncDefApply(u32, Vec<Expr>),
    /// A LET-level recursive function applied.
    LetFuncDefApply(u32, Vec<Expr>),
    /// An operator passed as an argument.
    OpArg(OpRef),
    /// A built-in operator applied.
    Builtin(Builtin, Vec<Expr>),
    /// `/\`.
    And(Vec<Expr>),
    /// `\/`.
    Or(Vec<Expr>),
    /// `~`.
    Not(Box<Expr>),
    /// `=>`.
    Implies(Box<Expr>, Box<Expr>),
    /// `<=>`, `\equiv`.
    Equiv(Box<Expr>, Box<Expr>),
    /// IF c THEN a ELSE b.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// CASE arms with an optional OTHER.
    Case(Vec<(Expr, Expr)>, Option<Box<Expr>>),
    /// A LET whose definitions live in the definition tables; only the body remains, with the
    /// frame slots that memoize its definitions without parameters (see [`LetDef::cache`]),
    /// which entering the LET clears.
    Let(Box<Expr>, Box<[u32]>),
    /// `\A bounds : body`.
    Forall(Vec<Bound>, Box<Expr>),
    /// `\A bounds : body` whose body assigns primed variables: in an action, one conjunct per
    /// element (as TLC enumerates it); elsewhere the same as `Forall`.
    ForallAction(Vec<Bound>, Box<Expr>),
    /// `\E bounds : body`.
    Exists(Vec<Bound>, Box<Expr>),
    /// `CHOOSE x \in S : body`.
    Choose(Box<Bound>, Box<Expr>),
    /// `{a, b, c}`.
    SetEnum(Vec<Expr>),
    /// `{x \in S : p}`.
    SetFilter(Box<Bound>, Box<Expr>),
    /// `{e : x \in S, ...}`.
    SetMap(Box<Expr>, Vec<Bound>),
    /// `[x \in S |-> e]`.
    FuncCons(Vec<Bound>, Box<Expr>),
    /// `f[a]` or `f[a, b]`.
    Apply(Box<Expr>, Vec<Expr>),
    /// `[S -> T]`.
    FuncSet(Box<Expr>, Box<Expr>),
    /// `[a |-> 1, b |-> 2]`.
    Record(Vec<(Sym, Expr)>),
    /// `[a : S, b : T]`.
    RecordSet(Vec<(Sym, Expr)>),
    /// `r.a`.
    Field(Box<Expr>, Sym),
    /// `[f EXCEPT !... = ..., ...]`.
    Except(Box<Expr>, Vec<ExceptUpdate>),
    /// `<<a, b>>`.
    Tuple(Vec<Expr>),
    /// `[A]_v`: A or v unchanged.
    StepOrStutter(Box<Expr>, Box<Expr>),
    /// `ENABLED A`: whether the action `A` has a successor from the current state.
    Enabled(Box<Expr>),
    /// `[]F`: kept so that SPECIFICATION and PROPERTY can be analysed; an error if evaluated.
    Always(Box<Expr>),
    /// `<>F`: analysed in PROPERTY; an error if evaluated.
    Eventually(Box<Expr>),
    /// `F ~> G`: analysed in PROPERTY; an error if evaluated.
    LeadsTo(Box<Expr>, Box<Expr>),
    /// `A \cdot B`: a step of `A` then a step of `B`, as one step (TLC's experimental action
    /// composition).
    Compose(Box<Expr>, Box<Expr>),
    /// `WF_v(A)` (weak) or `SF_v(A)` (strong): analysed in SPECIFICATION; an error if evaluated.
    Fairness {
        /// `SF_` rather than `WF_`.
        strong: bool,
        /// The subscript `v`.
        vars: Box<Expr>,
        /// The action `A`.
        action: Box<Expr>,
    },
    /// `<<A>>_v`: `A` and a step that changes `v`.
    AngleStep(Box<Expr>, Box<Expr>),
    /// Something only a temporal checker understands; an error if evaluated.
    Temporal(&'static str),
}

/// An operator given as an argument.
#[derive(Clone, Debug)]
pub enum OpRef {
    /// A module-level definition.
    Def(u32),
    /// A LET definition or LAMBDA.
    Let(u32),
    /// An operator parameter of the enclosing definition.
    Param(u32),
    /// A built-in.
    Builtin(Builtin),
}

/// A module-level definition.
#[derive(Clone, Debug)]
pub struct Def {
    /// Its name.
    pub name: Sym,
    /// The number of parameters (the first slots of its frame).
    pub arity: usize,
    /// Its body.
    pub body: Expr,
    /// The slots its body needs (parameters and bound variables).
    pub frame_size: u32,
    /// For `f[x \in S] == e`, the bounds (the body is `e`).
    pub function: Option<Vec<Bound>>,
    /// The value, for constant definitions evaluated at load time.
    pub cached: Option<Value>,
    /// Whether its value, when it has no parameters, depends on the current state alone (no
    /// primes, through the definitions it calls), so that it is computed once per state.
    /// Set by [`crate::fold::mark_memoized_lets`].
    pub state_memo: bool,
    /// Where it is defined.
    pub span: Span,
}

/// A LET definition or LAMBDA: its parameters live in slots of the enclosing frame.
#[derive(Clone, Debug)]
pub struct LetDef {
    /// Its name (`LAMBDA` for lambdas).
    pub name: Sym,
    /// The slots of its parameters.
    pub params: Vec<u32>,
    /// Its body.
    pub body: Expr,
    /// For `f[x \in S] == e` in a LET, the bounds.
    pub function: Option<Vec<Bound>>,
    /// Whether it may call itself (declared RECURSIVE, or a recursive function): calls then
    /// copy the frame so that nested calls cannot overwrite the caller's slots.
    pub recursive: bool,
    /// For a definition without parameters whose value depends only on the current state and
    /// the names bound around the LET (no primes, no operator arguments): the frame slot where
    /// its value is kept once computed, until the LET is entered again. TLC keeps such values
    /// the same way (its lazy values), so an action reading `m.type` and `m.clock` of
    /// `m == Head(queue)` takes the head once. Set by [`crate::fold::mark_memoized_lets`].
    pub cache: Option<u32>,
    /// The slot set aside for [`LetDef::cache`] when lowering, for every definition without
    /// parameters.
    pub memo_slot: Option<u32>,
}
