//! The temporal parts of a configuration: what the checker can check of each PROPERTY
//! (invariants `[]P`, action properties `[][A]_v`, and the liveness forms `<>P`, `P ~> Q`,
//! `[]<>P`, `<>[]P`, `[](P => <>Q)`), and the fairness conditions of the SPECIFICATION
//! (`WF_v(A)`, `SF_v(A)`), through definitions, operator calls, conjunctions and `\A` over
//! constant sets, as TLC reads them.

use valence_check::PropertyKind;

use crate::ast::{Builtin, Expr, Kind, Pattern};
use crate::eval::{enumerate, Ctx, Env, Mode};
use crate::lower::Program;
use crate::value::Value;

/// Values of the slots bound by enclosing quantifiers and operator parameters.
pub(crate) type Bindings = Vec<(u32, Value)>;

/// An expression with the frame it is evaluated in.
#[derive(Clone, Debug)]
pub(crate) struct Piece {
    pub expr: Expr,
    pub frame_size: u32,
    pub bindings: Bindings,
}

/// Where a counterexample's obligation starts.
#[derive(Clone, Debug)]
pub(crate) enum QueryTrigger {
    Anywhere,
    Initial,
    State(Piece),
}

/// The shape of a liveness counterexample (see `valence_check::Liveness`): state pieces are
/// state predicates, step pieces actions evaluated on a step.
#[derive(Clone, Debug)]
pub(crate) struct Query {
    pub trigger: QueryTrigger,
    pub avoid: Option<Piece>,
    /// A state reached at or after the trigger (`~Q` for `[](P => []Q)`).
    pub reach: Option<Piece>,
    pub initially: Vec<Piece>,
    pub throughout: Vec<Piece>,
    /// Steps along the whole counterexample (`~<<A>>_v` for `<><<A>>_v`).
    pub throughout_steps: Vec<Piece>,
    pub always_states: Vec<Piece>,
    pub always_steps: Vec<Piece>,
    pub often_states: Vec<Piece>,
    pub often_steps: Vec<Piece>,
}

impl Query {
    pub(crate) fn new() -> Self {
        Query {
            trigger: QueryTrigger::Anywhere,
            avoid: None,
            reach: None,
            initially: Vec::new(),
            throughout: Vec::new(),
            throughout_steps: Vec::new(),
            always_states: Vec::new(),
            always_steps: Vec::new(),
            often_states: Vec::new(),
            often_steps: Vec::new(),
        }
    }

    /// The kind shown for a property whose counterexamples have this shape.
    pub fn kind(&self) -> PropertyKind {
        let only_ends = self.always_steps.is_empty()
            && self.reach.is_none()
            && self.often_steps.is_empty()
            && self.initially.is_empty()
            && self.throughout.is_empty()
            && self.throughout_steps.is_empty();
        match (&self.trigger, &self.avoid) {
            (QueryTrigger::Initial, Some(_))
                if only_ends && self.always_states.is_empty() && self.often_states.is_empty() =>
            {
                PropertyKind::Eventually
            }
            (QueryTrigger::State(_), Some(_))
                if only_ends && self.always_states.is_empty() && self.often_states.is_empty() =>
            {
                PropertyKind::LeadsTo
            }
            (QueryTrigger::Anywhere, None)
                if only_ends && self.often_states.is_empty() && self.always_states.len() == 1 =>
            {
                PropertyKind::InfinitelyOften
            }
            (QueryTrigger::Anywhere, None)
                if only_ends && self.always_states.is_empty() && self.often_states.len() == 1 =>
            {
                PropertyKind::EventuallyAlways
            }
            _ => PropertyKind::Temporal,
        }
    }
}

/// One checkable part of a PROPERTY.
#[derive(Clone, Debug)]
pub(crate) enum Part {
    /// `[]P`.
    Invariant(Piece),
    /// `[][A]_v`.
    Step(Piece),
    /// A state predicate: true in every initial state.
    Initial(Piece),
    /// A liveness property, by the shape of its counterexamples.
    Liveness(Box<Query>),
}

/// A fairness condition of the SPECIFICATION: `step` is `<<A>>_v`.
#[derive(Clone, Debug)]
pub(crate) struct FairPiece {
    pub strong: bool,
    pub name: String,
    pub step: Piece,
}

/// Why a formula cannot be checked, and where.
#[derive(Clone, Debug)]
pub(crate) struct Unsupported {
    pub span: crate::ast::Span,
    pub message: String,
}

const DEPTH_MAX: usize = 64;

/// `Analyser::negation` or `Analyser::positive`.
type Shapes<'p> =
    fn(&Analyser<'p>, &Expr, u32, &Bindings, usize) -> Result<Vec<Query>, Unsupported>;

pub(crate) struct Analyser<'p> {
    pub prog: &'p Program,
}

impl<'p> Analyser<'p> {
    fn unsupported(&self, e: &Expr, message: impl Into<String>) -> Unsupported {
        Unsupported {
            span: e.span,
            message: message.into(),
        }
    }

    fn temporal(&self, e: &Expr) -> bool {
        contains_temporal(self.prog, e, 0)
    }

    /// Evaluates a constant expression (a quantifier's set, an operator's argument).
    fn constant(&self, e: &Expr, frame: u32, bindings: &Bindings) -> Result<Value, Unsupported> {
        let ctx = Ctx {
            prog: self.prog,
            cur: &[],
            next: &[],
            mode: Mode::Const,
        };
        let mut env = Env::new();
        env.push_frame(0, frame as usize);
        for (slot, value) in bindings {
            env.stack[*slot as usize] = value.clone();
        }
        ctx.eval(e, &mut env).map_err(|error| {
            self.unsupported(
                e,
                format!(
                    "`{}` must be a constant here ({})",
                    self.prog.snippet(e.span),
                    error.message
                ),
            )
        })
    }

    /// Follows definitions (with their arguments evaluated, when their bodies are temporal)
    /// and LETs to the formula they stand for.
    fn unfold<'e>(
        &self,
        e: &'e Expr,
        frame: u32,
        bindings: &Bindings,
    ) -> Result<(&'e Expr, u32, Bindings), Unsupported>
    where
        'p: 'e,
    {
        let (mut e, mut frame, mut bindings) = (e, frame, bindings.clone());
        for _ in 0..DEPTH_MAX {
            match &e.kind {
                Kind::Call(id, args) => {
                    let def = &self.prog.defs[*id as usize];
                    if def.function.is_some()
                        || def.cached.is_some()
                        || def.arity != args.len()
                        || (!args.is_empty() && !self.temporal(&def.body))
                    {
                        return Ok((e, frame, bindings));
                    }
                    let mut values = Vec::with_capacity(args.len());
                    for arg in args {
                        values.push(self.constant(arg, frame, &bindings)?);
                    }
                    bindings = (0u32..).zip(values).collect();
                    e = &def.body;
                    frame = def.frame_size;
                }
                Kind::Let(body, _) => e = body,
                _ => return Ok((e, frame, bindings)),
            }
        }
        Ok((e, frame, bindings))
    }

    /// Every binding of `\A bounds`, each added to `bindings`.
    fn instances(
        &self,
        bounds: &[crate::ast::Bound],
        frame: u32,
        bindings: &Bindings,
    ) -> Result<Vec<Bindings>, Unsupported> {
        let mut out = vec![bindings.clone()];
        for bound in bounds {
            let mut next = Vec::new();
            for partial in &out {
                let set = self.constant(&bound.set, frame, partial)?;
                let elements = enumerate(&set, bound.set.span).map_err(|error| {
                    self.unsupported(&bound.set, format!("cannot enumerate: {}", error.message))
                })?;
                for element in elements.iter() {
                    let mut extended = partial.clone();
                    match &bound.pattern {
                        Pattern::Slot(slot) => extended.push((*slot, element.clone())),
                        Pattern::Tuple(slots) => match element {
                            Value::Seq(items) if items.len() == slots.len() => {
                                extended.extend(slots.iter().copied().zip(items.iter().cloned()))
                            }
                            _ => {
                                return Err(self.unsupported(
                                    &bound.set,
                                    format!("cannot bind {} to a tuple", element.to_tlc()),
                                ))
                            }
                        },
                    }
                    next.push(extended);
                }
            }
            out = next;
        }
        Ok(out)
    }

    fn piece(e: &Expr, frame: u32, bindings: &Bindings) -> Piece {
        Piece {
            expr: e.clone(),
            frame_size: frame,
            bindings: bindings.clone(),
        }
    }

    fn wrap(kind: Kind, span: crate::ast::Span) -> Expr {
        Expr::new(kind, span)
    }

    fn negated(e: &Expr) -> Expr {
        Self::wrap(Kind::Not(Box::new(e.clone())), e.span)
    }

    /// An action whose ENABLED can be computed: it primes only variables, or expressions of
    /// variables the action itself assigns (`upEdge' = IF neutral(p)' THEN ...` after `active'`
    /// and the others are given), which the enumeration evaluates once they are assigned.
    fn plain_action(&self, at: &Expr, action: &Expr) -> Result<(), Unsupported> {
        if primes_expression(self.prog, action, 0) && !primes_assigned(self.prog, action) {
            Err(self.unsupported(
                at,
                "fairness of an action that primes an expression (such as a variable \
                 substituted by INSTANCE ... WITH) is not checked: its ENABLED would range over \
                 the variables the action leaves free",
            ))
        } else {
            Ok(())
        }
    }

    /// A state predicate (no temporal operator, no primed variable) in this position.
    fn state_predicate(&self, e: &Expr) -> Result<(), Unsupported> {
        if self.temporal(e) || contains_action(self.prog, e, 0) {
            Err(self.unsupported(e, "a state predicate is expected here"))
        } else {
            Ok(())
        }
    }

    /// The checkable parts of the PROPERTY formula `e`; the conjuncts that cannot be checked
    /// go to `unchecked`.
    pub(crate) fn property(
        &self,
        e: &Expr,
        frame: u32,
        bindings: &Bindings,
        out: &mut Vec<Part>,
        unchecked: &mut Vec<Unsupported>,
        depth: usize,
    ) -> Result<(), Unsupported> {
        if depth > DEPTH_MAX {
            return Err(self.unsupported(e, "the formula nests too deeply"));
        }
        let (e, frame, bindings) = self.unfold(e, frame, bindings)?;
        match &e.kind {
            Kind::And(items) => {
                for item in items {
                    if let Err(unsupported) =
                        self.property(item, frame, &bindings, out, unchecked, depth + 1)
                    {
                        unchecked.push(unsupported);
                    }
                }
                return Ok(());
            }
            Kind::Forall(bounds, body) | Kind::ForallAction(bounds, body)
                if self.temporal(body) =>
            {
                for instance in self.instances(bounds, frame, &bindings)? {
                    if let Err(unsupported) =
                        self.property(body, frame, &instance, out, unchecked, depth + 1)
                    {
                        unchecked.push(unsupported);
                        break;
                    }
                }
                return Ok(());
            }
            Kind::Always(inner) => {
                let (inner, inner_frame, inner_bindings) = self.unfold(inner, frame, &bindings)?;
                match &inner.kind {
                    Kind::StepOrStutter(..) => {
                        out.push(Part::Step(Self::piece(inner, inner_frame, &inner_bindings)));
                        return Ok(());
                    }
                    // `[](P => []P)`: P is stable, every step from a P state keeps it. With
                    // another Q, a liveness query below: a P state from which ~Q is reached.
                    Kind::Implies(p, q) if !self.temporal(p) && self.temporal(q) => {
                        let (q, q_frame, q_bindings) =
                            self.unfold(q, inner_frame, &inner_bindings)?;
                        if let Kind::Always(q) = &q.kind {
                            let same = self.prog.snippet(p.span) == self.prog.snippet(q.span)
                                && q_frame == inner_frame
                                && q_bindings.len() == inner_bindings.len();
                            if same {
                                self.state_predicate(p)?;
                                let primed = Self::wrap(Kind::Prime(p.clone()), p.span);
                                let stable = Self::wrap(
                                    Kind::Implies(p.clone(), Box::new(primed)),
                                    inner.span,
                                );
                                out.push(Part::Step(Self::piece(
                                    &stable,
                                    inner_frame,
                                    &inner_bindings,
                                )));
                                return Ok(());
                            }
                        }
                    }
                    Kind::And(items) if !self.temporal(inner) => {
                        for item in items {
                            self.state_predicate(item)?;
                            out.push(Part::Invariant(Self::piece(
                                item,
                                inner_frame,
                                &inner_bindings,
                            )));
                        }
                        return Ok(());
                    }
                    _ if !self.temporal(inner) && !contains_action(self.prog, inner, 0) => {
                        out.push(Part::Invariant(Self::piece(
                            inner,
                            inner_frame,
                            &inner_bindings,
                        )));
                        return Ok(());
                    }
                    _ => {}
                }
            }
            _ if !self.temporal(e) => {
                self.state_predicate(e)?;
                out.push(Part::Initial(Self::piece(e, frame, &bindings)));
                return Ok(());
            }
            _ => {}
        }
        for query in self.negation(e, frame, &bindings, depth + 1)? {
            out.push(Part::Liveness(Box::new(query)));
        }
        Ok(())
    }

    /// The counterexamples to `e`, as a disjunction of shapes (`~e` in negation normal form,
    /// each disjunct a conjunction of conditions on how behaviours end).
    fn negation(
        &self,
        e: &Expr,
        frame: u32,
        bindings: &Bindings,
        depth: usize,
    ) -> Result<Vec<Query>, Unsupported> {
        if depth > DEPTH_MAX {
            return Err(self.unsupported(e, "the formula nests too deeply"));
        }
        let (e, frame, bindings) = self.unfold(e, frame, bindings)?;
        let piece = |x: &Expr| Self::piece(x, frame, &bindings);
        match &e.kind {
            // A state predicate speaks of the initial state (its quantifiers may range over
            // sets that depend on the state).
            _ if !self.temporal(e) && !contains_action(self.prog, e, 0) => Ok(vec![Query {
                initially: vec![piece(&Self::negated(e))],
                ..Query::new()
            }]),
            Kind::And(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.extend(self.negation(item, frame, &bindings, depth + 1)?);
                }
                Ok(out)
            }
            Kind::Forall(bounds, body) | Kind::ForallAction(bounds, body) => {
                let mut out = Vec::new();
                for instance in self.instances(bounds, frame, &bindings)? {
                    out.extend(self.negation(body, frame, &instance, depth + 1)?);
                }
                Ok(out)
            }
            Kind::Or(items) => {
                let mut out = vec![Query::new()];
                for item in items {
                    let negated = self.negation(item, frame, &bindings, depth + 1)?;
                    out = self.conjoin(e, &out, &negated)?;
                }
                Ok(out)
            }
            Kind::Exists(bounds, body) => {
                let mut out = vec![Query::new()];
                for instance in self.instances(bounds, frame, &bindings)? {
                    let negated = self.negation(body, frame, &instance, depth + 1)?;
                    out = self.conjoin(e, &out, &negated)?;
                }
                Ok(out)
            }
            Kind::Implies(a, b) => {
                let holds = self.positive(a, frame, &bindings, depth + 1)?;
                let fails = self.negation(b, frame, &bindings, depth + 1)?;
                self.conjoin(e, &holds, &fails)
            }
            Kind::Not(a) => self.positive(a, frame, &bindings, depth + 1),
            Kind::LeadsTo(p, q) => {
                let (p, p_frame, p_bindings) = self.unfold(p, frame, &bindings)?;
                let (q, q_frame, q_bindings) = self.unfold(q, frame, &bindings)?;
                self.state_predicate(p)?;
                self.state_predicate(q)?;
                Ok(vec![Query {
                    trigger: QueryTrigger::State(Self::piece(p, p_frame, &p_bindings)),
                    avoid: Some(Self::piece(&Self::negated(q), q_frame, &q_bindings)),
                    ..Query::new()
                }])
            }
            Kind::Eventually(inner) => {
                let (inner, frame, bindings) = self.unfold(inner, frame, &bindings)?;
                let piece = |x: &Expr| Self::piece(x, frame, &bindings);
                match &inner.kind {
                    // <>[]P fails when ~P holds infinitely often; <>[][A]_v when infinitely
                    // many steps are not [A]_v ones.
                    Kind::Always(goal) => self.end_condition(
                        goal,
                        frame,
                        &bindings,
                        true,
                        |k| matches!(k, Kind::StepOrStutter(..)),
                        |q| &mut q.often_steps,
                        |q| &mut q.often_states,
                    ),
                    // <><<A>>_v fails on a behaviour none of whose steps is an <<A>>_v one.
                    Kind::AngleStep(..) if !self.temporal(inner) => {
                        Ok(vec![Query {
                            trigger: QueryTrigger::Initial,
                            throughout_steps: vec![piece(&Self::negated(inner))],
                            ..Query::new()
                        }])
                    }
                    _ => {
                        self.state_predicate(inner)?;
                        Ok(vec![Query {
                            trigger: QueryTrigger::Initial,
                            avoid: Some(piece(&Self::negated(inner))),
                            ..Query::new()
                        }])
                    }
                }
            }
            Kind::Always(inner) => {
                let (inner, frame, bindings) = self.unfold(inner, frame, &bindings)?;
                let piece = |x: &Expr| Self::piece(x, frame, &bindings);
                match &inner.kind {
                    _ if !self.temporal(inner) && !contains_action(self.prog, inner, 0) => {
                        // []P fails once a state violates P, whatever follows.
                        Ok(vec![Query {
                            trigger: QueryTrigger::State(piece(&Self::negated(inner))),
                            ..Query::new()
                        }])
                    }
                    // []<>P fails when eventually ~P holds for ever; []<><<A>>_v when
                    // eventually no step is an <<A>>_v one.
                    Kind::Eventually(goal) => self.end_condition(
                        goal,
                        frame,
                        &bindings,
                        true,
                        |k| matches!(k, Kind::AngleStep(..)),
                        |q| &mut q.always_steps,
                        |q| &mut q.always_states,
                    ),
                    Kind::Implies(p, q) if !self.temporal(p) => {
                        let (q, q_frame, q_bindings) = self.unfold(q, frame, &bindings)?;
                        match &q.kind {
                            // `[](P => <>Q)` fails where ~Q holds for ever from a P state on;
                            // `[](P => []Q)` where ~Q is reached at or after a P state.
                            Kind::Eventually(goal) | Kind::Always(goal) => {
                                let (goal, g_frame, g_bindings) =
                                    self.unfold(goal, q_frame, &q_bindings)?;
                                // `[](P => <>[]Q)` fails where ~Q holds infinitely often from a
                                // P state on; `[](P => []<>Q)` where ~Q holds for ever from one.
                                let nested = match (&q.kind, &goal.kind) {
                                    (Kind::Eventually(_), Kind::Always(inner)) => Some((inner, true)),
                                    (Kind::Always(_), Kind::Eventually(inner)) => Some((inner, false)),
                                    _ => None,
                                };
                                if let Some((inner, often)) = nested {
                                    let (inner, i_frame, i_bindings) =
                                        self.unfold(inner, g_frame, &g_bindings)?;
                                    self.state_predicate(p)?;
                                    self.state_predicate(inner)?;
                                    let not_inner =
                                        Self::piece(&Self::negated(inner), i_frame, &i_bindings);
                                    let mut query = Query {
                                        trigger: QueryTrigger::State(piece(p)),
                                        ..Query::new()
                                    };
                                    if often {
                                        query.often_states.push(not_inner);
                                    } else {
                                        query.always_states.push(not_inner);
                                    }
                                    return Ok(vec![query]);
                                }
                                self.state_predicate(p)?;
                                self.state_predicate(goal)?;
                                let not_goal =
                                    Some(Self::piece(&Self::negated(goal), g_frame, &g_bindings));
                                let eventually = matches!(q.kind, Kind::Eventually(_));
                                Ok(vec![Query {
                                    trigger: QueryTrigger::State(piece(p)),
                                    avoid: if eventually { not_goal.clone() } else { None },
                                    reach: if eventually { None } else { not_goal },
                                    ..Query::new()
                                }])
                            }
                            _ => Err(self.unsupported(
                                q,
                                "under [], only P => <>Q, P => []Q, P => <>[]Q and \
                                 P => []<>Q are checked among implications",
                            )),
                        }
                    }
                    Kind::LeadsTo(..) => self.negation(inner, frame, &bindings, depth + 1),
                    Kind::And(items) => {
                        let mut out = Vec::new();
                        for item in items {
                            let always =
                                Self::wrap(Kind::Always(Box::new(item.clone())), item.span);
                            out.extend(self.negation(&always, frame, &bindings, depth + 1)?);
                        }
                        Ok(out)
                    }
                    Kind::Always(_) => self.negation(inner, frame, &bindings, depth + 1),
                    Kind::Forall(bounds, body) | Kind::ForallAction(bounds, body) => {
                        let mut out = Vec::new();
                        let always = Self::wrap(Kind::Always(body.clone()), body.span);
                        for instance in self.instances(bounds, frame, &bindings)? {
                            out.extend(self.negation(&always, frame, &instance, depth + 1)?);
                        }
                        Ok(out)
                    }
                    _ => Err(self.unsupported(
                        inner,
                        "this formula under [] is not checked (supported: []P, []<>P, \
                         []<><<A>>_v, [](P => <>Q), [](P ~> Q))",
                    )),
                }
            }
            Kind::Fairness {
                strong,
                vars,
                action,
            } => {
                self.plain_action(e, action)?;
                // WF fails when <<A>>_v is eventually always enabled and never taken; SF when it
                // is enabled infinitely often and eventually never taken.
                let step = Self::wrap(Kind::AngleStep(action.clone(), vars.clone()), e.span);
                let enabled = piece(&Self::wrap(Kind::Enabled(Box::new(step.clone())), e.span));
                let mut query = Query {
                    always_steps: vec![piece(&Self::negated(&step))],
                    ..Query::new()
                };
                if *strong {
                    query.often_states.push(enabled);
                } else {
                    query.always_states.push(enabled);
                }
                Ok(vec![query])
            }
            Kind::If(c, a, b) if !self.temporal(c) => {
                let branches = [(a.as_ref(), false), (b.as_ref(), true)];
                self.branches(e, c, branches, frame, &bindings, depth, Self::negation)
            }
            _ => Err(self.unsupported(
                e,
                "this temporal formula is not checked: supported are []P, [][A]_v, <>P, []<>P, \
                 <>[]P, <><<A>>_v, []<><<A>>_v, <>[][A]_v, P ~> Q, [](P => <>Q) and WF/SF for state \
                 predicates P and Q, combined with /\\, \\/, =>, ~ and \\A/\\E over \
                 constant sets",
            )),
        }
    }

    /// The behaviours that satisfy `e` (an assumption of an implication), as a disjunction of
    /// conditions on how they end: `[]<>P`, `<>[]P`, `[]<><<A>>_v`, `<>[][A]_v` and fairness,
    /// combined.
    fn positive(
        &self,
        e: &Expr,
        frame: u32,
        bindings: &Bindings,
        depth: usize,
    ) -> Result<Vec<Query>, Unsupported> {
        if depth > DEPTH_MAX {
            return Err(self.unsupported(e, "the formula nests too deeply"));
        }
        let (e, frame, bindings) = self.unfold(e, frame, bindings)?;
        let piece = |x: &Expr| Self::piece(x, frame, &bindings);
        let not_understood = || {
            self.unsupported(
                e,
                "as an assumption (left of => or under ~), only state predicates (of the initial \
                 state), []P, []<>P, <>[]P, []<><<A>>_v, <>[][A]_v and WF/SF are understood, \
                 combined with /\\, \\/, IF and \\A/\\E",
            )
        };
        match &e.kind {
            // A state predicate speaks of the initial state.
            _ if !self.temporal(e) && !contains_action(self.prog, e, 0) => Ok(vec![Query {
                initially: vec![piece(e)],
                ..Query::new()
            }]),
            Kind::And(items) => {
                let mut out = vec![Query::new()];
                for item in items {
                    let holds = self.positive(item, frame, &bindings, depth + 1)?;
                    out = self.conjoin(e, &out, &holds)?;
                }
                Ok(out)
            }
            Kind::Forall(bounds, body) | Kind::ForallAction(bounds, body) => {
                let mut out = vec![Query::new()];
                for instance in self.instances(bounds, frame, &bindings)? {
                    let holds = self.positive(body, frame, &instance, depth + 1)?;
                    out = self.conjoin(e, &out, &holds)?;
                }
                Ok(out)
            }
            Kind::Or(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.extend(self.positive(item, frame, &bindings, depth + 1)?);
                }
                Ok(out)
            }
            Kind::Exists(bounds, body) => {
                let mut out = Vec::new();
                for instance in self.instances(bounds, frame, &bindings)? {
                    out.extend(self.positive(body, frame, &instance, depth + 1)?);
                }
                Ok(out)
            }
            Kind::Implies(a, b) => {
                let mut out = self.negation(a, frame, &bindings, depth + 1)?;
                out.extend(self.positive(b, frame, &bindings, depth + 1)?);
                Ok(out)
            }
            Kind::Not(a) => self.negation(a, frame, &bindings, depth + 1),
            Kind::If(c, a, b) if !self.temporal(c) => {
                let branches = [(a.as_ref(), false), (b.as_ref(), true)];
                self.branches(e, c, branches, frame, &bindings, depth, Self::positive)
            }
            Kind::Always(inner) => {
                let (inner, frame, bindings) = self.unfold(inner, frame, &bindings)?;
                if !self.temporal(inner) && !contains_action(self.prog, inner, 0) {
                    return Ok(vec![Query {
                        throughout: vec![Self::piece(inner, frame, &bindings)],
                        ..Query::new()
                    }]);
                }
                let Kind::Eventually(goal) = &inner.kind else {
                    return Err(not_understood());
                };
                self.end_condition(
                    goal,
                    frame,
                    &bindings,
                    false,
                    |k| matches!(k, Kind::AngleStep(..)),
                    |q| &mut q.often_steps,
                    |q| &mut q.often_states,
                )
            }
            Kind::Eventually(inner) => {
                let (inner, frame, bindings) = self.unfold(inner, frame, &bindings)?;
                let Kind::Always(goal) = &inner.kind else {
                    return Err(not_understood());
                };
                self.end_condition(
                    goal,
                    frame,
                    &bindings,
                    false,
                    |k| matches!(k, Kind::StepOrStutter(..)),
                    |q| &mut q.always_steps,
                    |q| &mut q.always_states,
                )
            }
            Kind::Fairness {
                strong,
                vars,
                action,
            } => {
                self.plain_action(e, action)?;
                let step = Self::wrap(Kind::AngleStep(action.clone(), vars.clone()), e.span);
                let disabled = piece(&Self::negated(&Self::wrap(
                    Kind::Enabled(Box::new(step.clone())),
                    e.span,
                )));
                let taken = Query {
                    often_steps: vec![piece(&step)],
                    ..Query::new()
                };
                let resting = if *strong {
                    Query {
                        always_states: vec![disabled],
                        ..Query::new()
                    }
                } else {
                    Query {
                        often_states: vec![disabled],
                        ..Query::new()
                    }
                };
                Ok(vec![taken, resting])
            }
            _ => Err(not_understood()),
        }
    }

    /// A condition on how behaviours end, the `P` of `[]<>P` or `<>[]P` (negated when
    /// `negate`): a step condition in the field `steps` picks when `P` is an action of the kind
    /// `is_step` (`<<A>>_v` or `[A]_v`), else a state predicate in the field `states` picks.
    #[allow(clippy::too_many_arguments)]
    fn end_condition(
        &self,
        goal: &Expr,
        frame: u32,
        bindings: &Bindings,
        negate: bool,
        is_step: fn(&Kind) -> bool,
        steps: fn(&mut Query) -> &mut Vec<Piece>,
        states: fn(&mut Query) -> &mut Vec<Piece>,
    ) -> Result<Vec<Query>, Unsupported> {
        let (goal, frame, bindings) = self.unfold(goal, frame, bindings)?;
        let step = is_step(&goal.kind);
        if !step {
            self.state_predicate(goal)?;
        }
        let condition = if negate {
            Self::negated(goal)
        } else {
            goal.clone()
        };
        let mut query = Query::new();
        let field = if step {
            steps(&mut query)
        } else {
            states(&mut query)
        };
        field.push(Self::piece(&condition, frame, &bindings));
        Ok(vec![query])
    }

    /// `IF c THEN a ELSE b` for a state predicate `c` (of the initial state): the shapes of
    /// each branch (by `shapes`, negated or positive) with `c`, or its negation, initially.
    #[allow(clippy::too_many_arguments)]
    fn branches(
        &self,
        e: &Expr,
        c: &Expr,
        branches: [(&Expr, bool); 2],
        frame: u32,
        bindings: &Bindings,
        depth: usize,
        shapes: Shapes<'p>,
    ) -> Result<Vec<Query>, Unsupported> {
        self.state_predicate(c)?;
        let mut out = Vec::new();
        for (branch, negated) in branches {
            let condition = if negated { Self::negated(c) } else { c.clone() };
            let when = [Query {
                initially: vec![Self::piece(&condition, frame, bindings)],
                ..Query::new()
            }];
            let inner = shapes(self, branch, frame, bindings, depth + 1)?;
            out.extend(self.conjoin(e, &when, &inner)?);
        }
        Ok(out)
    }

    /// Both: every pair of shapes merged. A shape has at most one trigger.
    fn conjoin(&self, at: &Expr, a: &[Query], b: &[Query]) -> Result<Vec<Query>, Unsupported> {
        const SHAPES_MAX: usize = 256;
        let mut out = Vec::new();
        for x in a {
            for y in b {
                let mut merged = x.clone();
                match (&merged.trigger, &y.trigger) {
                    (_, QueryTrigger::Anywhere) => {}
                    (QueryTrigger::Anywhere, trigger) => merged.trigger = trigger.clone(),
                    _ => {
                        return Err(self.unsupported(
                            at,
                            "two obligations with their own starting points (such as two \
                             leads-to) in one counterexample are not checked",
                        ))
                    }
                }
                // At most one state to reach and one goal to avoid, not both.
                let one = |mine: Option<Piece>, theirs: &Option<Piece>, what: &str| match (
                    mine, theirs,
                ) {
                    (None, other) => Ok(other.clone()),
                    (Some(mine), None) => Ok(Some(mine)),
                    (Some(_), Some(_)) => Err(self.unsupported(
                        at,
                        format!("two {what} in one counterexample are not checked"),
                    )),
                };
                merged.reach = one(merged.reach.take(), &y.reach, "states to reach")?;
                merged.avoid = one(merged.avoid.take(), &y.avoid, "goals to avoid")?;
                if merged.reach.is_some() && merged.avoid.is_some() {
                    return Err(self.unsupported(
                        at,
                        "a state to reach and a goal to avoid in one counterexample are not \
                         checked",
                    ));
                }
                merged.initially.extend(y.initially.iter().cloned());
                merged.throughout.extend(y.throughout.iter().cloned());
                merged
                    .throughout_steps
                    .extend(y.throughout_steps.iter().cloned());
                merged.always_states.extend(y.always_states.iter().cloned());
                merged.always_steps.extend(y.always_steps.iter().cloned());
                merged.often_states.extend(y.often_states.iter().cloned());
                merged.often_steps.extend(y.often_steps.iter().cloned());
                out.push(merged);
                if out.len() > SHAPES_MAX {
                    return Err(self.unsupported(at, "the formula expands into too many cases"));
                }
            }
        }
        Ok(out)
    }

    /// The fairness conditions of a conjunct of the SPECIFICATION: `WF_v(A)` and `SF_v(A)` go
    /// to `out`; any other condition on how behaviours end (`<>[][A]_v`, `[]<>P`, ...: what
    /// [`Analyser::positive`] reads) is conjoined to `assumed`, the shapes every
    /// counterexample must also have.
    pub(crate) fn fairness(
        &self,
        e: &Expr,
        frame: u32,
        bindings: &Bindings,
        out: &mut Vec<FairPiece>,
        assumed: &mut Vec<Query>,
        depth: usize,
    ) -> Result<(), Unsupported> {
        if depth > DEPTH_MAX {
            return Err(self.unsupported(e, "the formula nests too deeply"));
        }
        let (e, frame, bindings) = self.unfold(e, frame, bindings)?;
        match &e.kind {
            Kind::And(items) => {
                for item in items {
                    self.fairness(item, frame, &bindings, out, assumed, depth + 1)?;
                }
                Ok(())
            }
            Kind::Forall(bounds, body) | Kind::ForallAction(bounds, body) => {
                for instance in self.instances(bounds, frame, &bindings)? {
                    self.fairness(body, frame, &instance, out, assumed, depth + 1)?;
                }
                Ok(())
            }
            Kind::Fairness {
                strong,
                vars,
                action,
            } => {
                self.plain_action(e, action)?;
                let mut name = self.prog.snippet(e.span).to_string();
                if !bindings.is_empty() {
                    let values: Vec<String> = bindings.iter().map(|(_, v)| v.to_tlc()).collect();
                    name.push_str(&format!(" for {}", values.join(", ")));
                }
                out.push(FairPiece {
                    strong: *strong,
                    name,
                    step: Piece {
                        expr: Expr {
                            kind: Kind::AngleStep(action.clone(), vars.clone()),
                            span: e.span,
                            code: None,
                        },
                        frame_size: frame,
                        bindings,
                    },
                });
                Ok(())
            }
            _ => {
                let holds = self.positive(e, frame, &bindings, depth + 1)?;
                *assumed = self.conjoin(e, assumed, &holds)?;
                Ok(())
            }
        }
    }

    /// The counterexample shapes `queries` of a property, each conjoined with the shapes the
    /// SPECIFICATION assumes of every behaviour (see [`Analyser::fairness`]).
    pub(crate) fn assuming(
        &self,
        at: &Expr,
        queries: Vec<Query>,
        assumed: &[Query],
    ) -> Result<Vec<Query>, Unsupported> {
        self.conjoin(at, &queries, assumed)
    }
}

/// Whether `e` primes an expression other than variables (an INSTANCE's substituted variable,
/// under a refinement mapping), through definitions. ENABLED of such an action would have to
/// search the values of the variables the action leaves free, which this front end does not do.
pub(crate) fn primes_expression(prog: &Program, e: &Expr, depth: usize) -> bool {
    fn variables(prog: &Program, e: &Expr, depth: usize) -> bool {
        match &e.kind {
            Kind::Var(_) => true,
            Kind::Tuple(items) => items.iter().all(|i| variables(prog, i, depth + 1)),
            Kind::Call(id, args) if args.is_empty() && depth < 32 => {
                let def = &prog.defs[*id as usize];
                def.function.is_none() && variables(prog, &def.body, depth + 1)
            }
            _ => false,
        }
    }
    if depth > 32 {
        return false;
    }
    match &e.kind {
        Kind::Prime(inner) | Kind::Unchanged(inner) => !variables(prog, inner, 0),
        Kind::Call(id, args) => {
            let def = &prog.defs[*id as usize];
            args.iter().any(|a| primes_expression(prog, a, depth + 1))
                || (def.cached.is_none() && primes_expression(prog, &def.body, depth + 1))
        }
        Kind::LetCall(id, args) => {
            args.iter().any(|a| primes_expression(prog, a, depth + 1))
                || primes_expression(prog, &prog.lets[*id as usize].body, depth + 1)
        }
        _ => {
            let mut copy = e.clone();
            let mut children = Vec::new();
            crate::fold::collect_children(&mut copy, &mut children);
            children
                .iter()
                .any(|c| primes_expression(prog, c, depth + 1))
        }
    }
}

/// Whether every expression other than a variable that action `e` primes reads only variables
/// the action assigns somewhere (`x' = e`, `x' \in S`, `UNCHANGED x`), through definitions. An
/// INSTANCE's substituted variable under a refinement mapping primes the instantiating module's
/// variables without the action assigning them: false there.
pub(crate) fn primes_assigned(prog: &Program, e: &Expr) -> bool {
    fn is_variables(prog: &Program, e: &Expr, out: &mut u64, depth: usize) -> bool {
        match &e.kind {
            Kind::Var(i) if *i < 64 => {
                *out |= 1u64 << i;
                true
            }
            Kind::Tuple(items) => items.iter().all(|i| is_variables(prog, i, out, depth + 1)),
            Kind::Call(id, args) if args.is_empty() && depth < 32 => {
                let def = &prog.defs[*id as usize];
                def.function.is_none() && is_variables(prog, &def.body, out, depth + 1)
            }
            _ => false,
        }
    }
    /// Adds the variables the primed expression `inner` reads to `read`; false when unknown.
    fn primed_reads(prog: &Program, inner: &Expr, read: &mut u64) -> bool {
        match crate::fold::vars_read(prog, inner) {
            Some(mask) => {
                *read |= mask;
                true
            }
            None => false,
        }
    }
    /// Collects what `e` assigns into `assigned` and what its primed expressions read into
    /// `read`; false when a primed expression's reads are not known.
    fn walk(
        prog: &Program,
        e: &Expr,
        assigned: &mut u64,
        read: &mut u64,
        seen: &mut std::collections::HashSet<(bool, u32)>,
        depth: usize,
    ) -> bool {
        if depth > 64 {
            return false;
        }
        match &e.kind {
            Kind::Prime(inner) => {
                let mut vars = 0;
                return is_variables(prog, inner, &mut vars, 0) || primed_reads(prog, inner, read);
            }
            Kind::UnchangedVars(vars) => {
                for &v in vars {
                    if v < 64 {
                        *assigned |= 1u64 << v;
                    }
                }
                return true;
            }
            Kind::Unchanged(inner) => {
                // `UNCHANGED <<x, e>>` assigns the variables and primes the expressions (an
                // INSTANCE's substituted variable): it reads what they read, in both states.
                let mut vars = 0;
                if is_variables(prog, inner, &mut vars, 0) {
                    *assigned |= vars;
                    return true;
                }
                return primed_reads(prog, inner, read);
            }
            Kind::Builtin(Builtin::Eq | Builtin::In | Builtin::SubsetEq, args) => {
                if let Some(Kind::Prime(target)) = args.first().map(|a| &a.kind) {
                    if let Kind::Var(i) = target.kind {
                        if i < 64 {
                            *assigned |= 1u64 << i;
                        }
                    }
                }
            }
            Kind::Call(id, _) => {
                let def = &prog.defs[*id as usize];
                if def.cached.is_none()
                    && seen.insert((false, *id))
                    && !walk(prog, &def.body, assigned, read, seen, depth + 1)
                {
                    return false;
                }
            }
            Kind::LetCall(id, _)
                if seen.insert((true, *id))
                    && !walk(
                        prog,
                        &prog.lets[*id as usize].body,
                        assigned,
                        read,
                        seen,
                        depth + 1,
                    ) =>
            {
                return false;
            }
            _ => {}
        }
        let mut copy = e.clone();
        let mut children = Vec::new();
        crate::fold::collect_children(&mut copy, &mut children);
        children
            .into_iter()
            .all(|c| walk(prog, c, assigned, read, seen, depth + 1))
    }
    if prog.vars.len() > 64 {
        return false;
    }
    let (mut assigned, mut read) = (0u64, 0u64);
    let mut seen = std::collections::HashSet::new();
    walk(prog, e, &mut assigned, &mut read, &mut seen, 0) && read & !assigned == 0
}

/// Whether `e` reads the next state (primes, UNCHANGED, actions), through definitions.
pub(crate) fn contains_action(prog: &Program, e: &Expr, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match &e.kind {
        Kind::Prime(_)
        | Kind::Unchanged(_)
        | Kind::UnchangedVars(_)
        | Kind::StepOrStutter(..)
        | Kind::AngleStep(..) => true,
        // ENABLED A is a state predicate.
        Kind::Enabled(_) => false,
        Kind::Call(id, args) => {
            let def = &prog.defs[*id as usize];
            args.iter().any(|a| contains_action(prog, a, depth + 1))
                || (def.cached.is_none() && contains_action(prog, &def.body, depth + 1))
        }
        Kind::LetCall(id, args) => {
            args.iter().any(|a| contains_action(prog, a, depth + 1))
                || contains_action(prog, &prog.lets[*id as usize].body, depth + 1)
        }
        _ => {
            let mut copy = e.clone();
            let mut children = Vec::new();
            crate::fold::collect_children(&mut copy, &mut children);
            children.iter().any(|c| contains_action(prog, c, depth + 1))
        }
    }
}

/// Whether `e` contains a temporal operator (through definitions).
pub(crate) fn contains_temporal(prog: &Program, e: &Expr, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match &e.kind {
        Kind::Always(_)
        | Kind::Eventually(_)
        | Kind::LeadsTo(..)
        | Kind::Fairness { .. }
        | Kind::Temporal(_) => true,
        Kind::And(items) | Kind::Or(items) => {
            items.iter().any(|i| contains_temporal(prog, i, depth + 1))
        }
        Kind::Not(a) | Kind::Let(a, _) => contains_temporal(prog, a, depth + 1),
        Kind::Implies(a, b) | Kind::Equiv(a, b) => {
            contains_temporal(prog, a, depth + 1) || contains_temporal(prog, b, depth + 1)
        }
        Kind::Forall(_, body) | Kind::ForallAction(_, body) | Kind::Exists(_, body) => {
            contains_temporal(prog, body, depth + 1)
        }
        Kind::If(_, a, b) => {
            contains_temporal(prog, a, depth + 1) || contains_temporal(prog, b, depth + 1)
        }
        Kind::Call(id, _) => {
            let def = &prog.defs[*id as usize];
            def.cached.is_none() && contains_temporal(prog, &def.body, depth + 1)
        }
        Kind::LetCall(id, _) => contains_temporal(prog, &prog.lets[*id as usize].body, depth + 1),
        _ => false,
    }
}
