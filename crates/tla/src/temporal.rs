//! The temporal parts of a configuration: what the checker can check of each PROPERTY
//! (invariants `[]P`, action properties `[][A]_v`, and the liveness forms `<>P`, `P ~> Q`,
//! `[]<>P`, `<>[]P`, `[](P => <>Q)`), and the fairness conditions of the SPECIFICATION
//! (`WF_v(A)`, `SF_v(A)`), through definitions, operator calls, conjunctions and `\A` over
//! constant sets, as TLC reads them.

use valence_check::PropertyKind;

use crate::ast::{Expr, Kind, Pattern};
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

/// One checkable part of a PROPERTY.
#[derive(Clone, Debug)]
pub(crate) enum Part {
    /// `[]P`.
    Invariant(Piece),
    /// `[][A]_v`.
    Step(Piece),
    /// A liveness property: `Eventually` (no trigger), `LeadsTo`, `InfinitelyOften` (no
    /// trigger: every state is one), `EventuallyAlways` (no trigger).
    Liveness {
        kind: PropertyKind,
        trigger: Option<Piece>,
        goal: Piece,
    },
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
                        || def.arity as usize != args.len()
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
                Kind::Let(body) => e = body,
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

    /// The checkable parts of the PROPERTY formula `e`.
    pub(crate) fn property(
        &self,
        e: &Expr,
        frame: u32,
        bindings: &Bindings,
        out: &mut Vec<Part>,
        depth: usize,
    ) -> Result<(), Unsupported> {
        if depth > DEPTH_MAX {
            return Err(self.unsupported(e, "the formula nests too deeply"));
        }
        let (e, frame, bindings) = self.unfold(e, frame, bindings)?;
        match &e.kind {
            Kind::And(items) => {
                for item in items {
                    self.property(item, frame, &bindings, out, depth + 1)?;
                }
                Ok(())
            }
            Kind::Forall(bounds, body) | Kind::ForallAction(bounds, body) if self.temporal(body) => {
                for instance in self.instances(bounds, frame, &bindings)? {
                    self.property(body, frame, &instance, out, depth + 1)?;
                }
                Ok(())
            }
            Kind::Always(inner) => self.always(inner, frame, &bindings, out, depth + 1),
            Kind::Eventually(inner) => {
                let (inner, frame, bindings) = self.unfold(inner, frame, &bindings)?;
                match &inner.kind {
                    Kind::Always(goal) if !self.temporal(goal) => {
                        let (goal, frame, bindings) = self.unfold(goal, frame, &bindings)?;
                        out.push(Part::Liveness {
                            kind: PropertyKind::EventuallyAlways,
                            trigger: None,
                            goal: Self::piece(goal, frame, &bindings),
                        });
                        Ok(())
                    }
                    _ if !self.temporal(inner) => {
                        out.push(Part::Liveness {
                            kind: PropertyKind::Eventually,
                            trigger: None,
                            goal: Self::piece(inner, frame, &bindings),
                        });
                        Ok(())
                    }
                    _ => Err(self.unsupported(
                        inner,
                        "only <>P and <>[]P with a state predicate P are checked",
                    )),
                }
            }
            Kind::LeadsTo(p, q) => self.leads_to(p, q, frame, &bindings, out),
            _ if !self.temporal(e) => Err(self.unsupported(
                e,
                "a PROPERTY that is a state predicate (true of the initial states) is not \
                 checked; write []P for an invariant",
            )),
            _ => Err(self.unsupported(
                e,
                "this temporal formula is not checked: supported are []P, [][A]_v, <>P, []<>P, \
                 <>[]P, P ~> Q and [](P => <>Q) for state predicates P and Q, their \
                 conjunctions, and \\A over constant sets",
            )),
        }
    }

    fn always(
        &self,
        inner: &Expr,
        frame: u32,
        bindings: &Bindings,
        out: &mut Vec<Part>,
        depth: usize,
    ) -> Result<(), Unsupported> {
        if depth > DEPTH_MAX {
            return Err(self.unsupported(inner, "the formula nests too deeply"));
        }
        let (inner, frame, bindings) = self.unfold(inner, frame, bindings)?;
        match &inner.kind {
            Kind::StepOrStutter(..) => {
                out.push(Part::Step(Self::piece(inner, frame, &bindings)));
                Ok(())
            }
            _ if !self.temporal(inner) => {
                out.push(Part::Invariant(Self::piece(inner, frame, &bindings)));
                Ok(())
            }
            Kind::And(items) => {
                for item in items {
                    self.always(item, frame, &bindings, out, depth + 1)?;
                }
                Ok(())
            }
            Kind::Forall(bounds, body) | Kind::ForallAction(bounds, body) => {
                for instance in self.instances(bounds, frame, &bindings)? {
                    self.always(body, frame, &instance, out, depth + 1)?;
                }
                Ok(())
            }
            Kind::Eventually(goal) => {
                let (goal, frame, bindings) = self.unfold(goal, frame, &bindings)?;
                if self.temporal(goal) {
                    return Err(self.unsupported(goal, "only []<>P for a state predicate P"));
                }
                out.push(Part::Liveness {
                    kind: PropertyKind::InfinitelyOften,
                    trigger: None,
                    goal: Self::piece(goal, frame, &bindings),
                });
                Ok(())
            }
            Kind::Implies(p, q) if !self.temporal(p) => {
                let (q, q_frame, q_bindings) = self.unfold(q, frame, &bindings)?;
                let Kind::Eventually(goal) = &q.kind else {
                    return Err(self.unsupported(q, "only [](P => <>Q) is checked"));
                };
                let (goal, goal_frame, goal_bindings) =
                    self.unfold(goal, q_frame, &q_bindings)?;
                if self.temporal(goal) {
                    return Err(self.unsupported(goal, "only [](P => <>Q) for a state predicate Q"));
                }
                out.push(Part::Liveness {
                    kind: PropertyKind::LeadsTo,
                    trigger: Some(Self::piece(p, frame, &bindings)),
                    goal: Self::piece(goal, goal_frame, &goal_bindings),
                });
                Ok(())
            }
            // `[](P ~> Q)` is `P ~> Q`, which already speaks of every state.
            Kind::LeadsTo(p, q) => self.leads_to(p, q, frame, &bindings, out),
            _ => Err(self.unsupported(
                inner,
                "only []P, [][A]_v, []<>P, [](P => <>Q) and [](P ~> Q) are checked under []",
            )),
        }
    }

    fn leads_to(
        &self,
        p: &Expr,
        q: &Expr,
        frame: u32,
        bindings: &Bindings,
        out: &mut Vec<Part>,
    ) -> Result<(), Unsupported> {
        let (p, p_frame, p_bindings) = self.unfold(p, frame, bindings)?;
        let (q, q_frame, q_bindings) = self.unfold(q, frame, bindings)?;
        for side in [p, q] {
            if self.temporal(side) {
                return Err(self.unsupported(side, "only P ~> Q for state predicates P and Q"));
            }
        }
        out.push(Part::Liveness {
            kind: PropertyKind::LeadsTo,
            trigger: Some(Self::piece(p, p_frame, &p_bindings)),
            goal: Self::piece(q, q_frame, &q_bindings),
        });
        Ok(())
    }

    /// The fairness conditions of a conjunct of the SPECIFICATION.
    pub(crate) fn fairness(
        &self,
        e: &Expr,
        frame: u32,
        bindings: &Bindings,
        out: &mut Vec<FairPiece>,
        depth: usize,
    ) -> Result<(), Unsupported> {
        if depth > DEPTH_MAX {
            return Err(self.unsupported(e, "the formula nests too deeply"));
        }
        let (e, frame, bindings) = self.unfold(e, frame, bindings)?;
        match &e.kind {
            Kind::And(items) => {
                for item in items {
                    self.fairness(item, frame, &bindings, out, depth + 1)?;
                }
                Ok(())
            }
            Kind::Forall(bounds, body) | Kind::ForallAction(bounds, body) => {
                for instance in self.instances(bounds, frame, &bindings)? {
                    self.fairness(body, frame, &instance, out, depth + 1)?;
                }
                Ok(())
            }
            Kind::Fairness {
                strong,
                vars,
                action,
            } => {
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
                        },
                        frame_size: frame,
                        bindings,
                    },
                });
                Ok(())
            }
            _ => Err(self.unsupported(
                e,
                "only WF_v(A) and SF_v(A), their conjunctions and \\A over constant sets are \
                 understood as fairness",
            )),
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
        Kind::Not(a) | Kind::Let(a) => contains_temporal(prog, a, depth + 1),
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
