//! From tree-sitter's concrete syntax tree to the resolved [`Expr`] tree: modules, EXTENDS,
//! constants from the configuration, and name resolution to slots, variables and definitions.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tree_sitter::{Node, Parser};

use crate::ast::{
    Bound, Builtin, Def, ExceptUpdate, Expr, Kind, LetDef, OpRef, PathStep, Pattern, Span,
};
use crate::community::{Community, COMMUNITY_MODULES};
use crate::config::{CfgValue, Config, Named, Override};
use crate::error::{Location, TlaError};
use crate::value::{Closure, LazySet, Sym, Value};

/// The standard modules, whose operators are built in.
pub const STANDARD_MODULES: &[&str] = &[
    "Naturals",
    "Integers",
    "Sequences",
    "FiniteSets",
    "TLC",
    "Bags",
    // The proof system's module and its libraries of theorems: their operators (`SMT`,
    // `Zenon`, ...) and theorems appear only in proofs, which the model checker skips.
    "TLAPS",
    "NaturalsInduction",
    "FiniteSetTheorems",
    "SequenceTheorems",
    "WellFoundedInduction",
    // The community modules' libraries of theorems.
    "FunctionTheorems",
    "FiniteSetsExtTheorems",
    "SequencesExtTheorems",
    "FoldsTheorems",
    "BagsTheorems",
];

/// Names of the standard modules that a configuration may override (`Nat <- Def`) besides
/// the built-in operators.
const OVERRIDABLE_BUILTINS: &[&str] = &["Nat", "Int"];

/// How deeply expressions may nest (parentheses, operators, quantifiers).
const EXPRESSION_DEPTH_MAX: usize = 500;

/// A loaded source file.
#[derive(Debug)]
pub struct Source {
    /// Its path.
    pub path: PathBuf,
    /// Its text.
    pub text: Arc<str>,
}

/// What a module-level name refers to.
#[derive(Clone, Debug)]
pub enum Global {
    /// A definition.
    Def(u32),
    /// A state variable.
    Var(u32),
    /// A constant with its value from the configuration.
    Const(Value),
    /// A constant substituted by a definition (`C <- D`).
    Alias(u32),
    /// A constant or variable of an instantiated module, replaced by an expression of the
    /// instantiating module (`INSTANCE M WITH c <- e`).
    Subst(Expr),
    /// `N == INSTANCE M`: the names of the instance, for `N!Op`.
    Instance(u32),
}

/// The part of a definition's body that a subexpression reference names.
enum Part {
    /// `Op!n`: the `n`-th item of the bulleted conjunction or disjunction that is the body.
    Nth(usize),
    /// `Op!lab`: the expression labelled `lab::`.
    Label(String),
}

/// The expression labelled `label` in `node`, looking through bulleted lists, parentheses and
/// other labels only (a label under a quantifier or a LET would need its bound names).
fn find_label<'t>(node: Node<'t>, label: &str, text: &str) -> Option<Node<'t>> {
    match node.kind() {
        "label" => {
            let name = node.child_by_field_name("name")?;
            let expression = node.child_by_field_name("expression")?;
            if text.get(name.byte_range()) == Some(label) {
                Some(expression)
            } else {
                find_label(expression, label, text)
            }
        }
        "conj_list" | "disj_list" | "conj_item" | "disj_item" | "parentheses" => kids(node)
            .into_iter()
            .find_map(|child| find_label(child, label, text)),
        _ => None,
    }
}

/// A constant or variable of an instantiated module, which the instance substitutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Declared {
    Variable,
    Constant,
    /// `CONSTANT Op(_, _)`, with its arity.
    Operator(usize),
}

/// A parameter of a definition: a value, or an operator of some arity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ParamKind {
    Value,
    Operator(usize),
}

/// The loaded, resolved specification.
#[derive(Debug, Default)]
pub struct Program {
    /// Module-level definitions.
    pub defs: Vec<Def>,
    /// LET definitions and LAMBDAs.
    pub lets: Vec<LetDef>,
    /// State variables, in declaration order.
    pub vars: Vec<Sym>,
    /// Module-level names.
    pub globals: HashMap<String, Global>,
    /// ASSUME expressions with the frame size they need.
    pub assumptions: Vec<(Expr, u32)>,
    /// The source files.
    pub sources: Vec<Source>,
    /// The name of the main module.
    pub module_name: String,
    /// Definitions whose (constant, Boolean) value is cached but that TLC still enumerates
    /// as actions when they are conjuncts of an action, because they branch (`G == \A i \in
    /// S : i > 0 \/ x < 5` holds twice for each `i`): set by the folding pass.
    pub branching: HashSet<u32>,
    /// What TLC's run-time operators read and change (registers, `TLCGet("config")`).
    pub run: Arc<crate::tlc::Run>,
    /// The fields of each record literal in the order written, by the literal's file and
    /// start (a record value keeps its fields sorted): TLC prints an ALIAS in that order.
    pub record_orders: HashMap<(u32, u32), Vec<Sym>>,
    /// Definitions of instances that the configuration overrides, kept only for `N!D`: never
    /// evaluated at load (they are often what the override avoids computing).
    pub lazy_defs: HashSet<u32>,
    /// Definitions with a construct valence cannot evaluate (`\\EE`, an unbounded
    /// quantifier), by id, with where and what: as in TLC, only an error where used (a
    /// definition calling it, or the configuration naming it).
    pub unsupported_defs: HashMap<u32, (Location, String)>,
}

impl Program {
    /// The location of a span.
    pub fn location(&self, span: Span) -> Location {
        Location {
            file: self
                .sources
                .get(span.file as usize)
                .map(|s| s.path.clone())
                .unwrap_or_default(),
            line: span.line,
            column: span.column,
        }
    }

    /// The source text of a span, shortened to one line.
    pub fn snippet(&self, span: Span) -> String {
        let Some(source) = self.sources.get(span.file as usize) else {
            return String::new();
        };
        let text = source
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("");
        let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.chars().count() > 80 {
            let short: String = flat.chars().take(77).collect();
            format!("{short}...")
        } else {
            flat
        }
    }
}

/// One parsed module: its source index and its tree.
struct ParsedModule {
    file: u32,
    tree: tree_sitter::Tree,
    name: String,
    /// The user modules it extends, in order.
    extends: Vec<String>,
    /// For a module nested in another (`---- MODULE Inner ----` inside Synod.tla), where its
    /// node starts in the file: it sees the names of the module around it, and is reached
    /// only by INSTANCE.
    nested: Option<usize>,
}

impl ParsedModule {
    /// The `module` node of this module in its file's tree.
    fn node(&self) -> Option<Node<'_>> {
        let top = kids(self.tree.root_node())
            .into_iter()
            .find(|n| n.kind() == "module")?;
        match self.nested {
            None => Some(top),
            Some(start) => nested_modules(top)
                .into_iter()
                .find(|n| n.start_byte() == start),
        }
    }
}

/// The modules nested in `module`, at any depth, outer ones first.
fn nested_modules(module: Node) -> Vec<Node> {
    let mut out = Vec::new();
    for unit in kids(module) {
        if unit.kind() == "module" {
            out.push(unit);
            out.extend(nested_modules(unit));
        }
    }
    out
}

fn location_of(path: &Path, node: Node) -> Location {
    let p = node.start_position();
    Location {
        file: path.to_path_buf(),
        line: p.row as u32 + 1,
        column: p.column as u32 + 1,
    }
}

/// The first syntax error in the tree, if any.
fn first_error(node: Node) -> Option<Node> {
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    if !node.has_error() {
        return None;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if let Some(found) = first_error(child) {
            return Some(found);
        }
    }
    Some(node)
}

fn is_comment(node: &Node) -> bool {
    matches!(node.kind(), "comment" | "block_comment")
}

fn kids<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|n| !is_comment(n))
        .collect()
}

/// Calls `found` on each named INSTANCE (`module_definition`) among the definitions of a LET
/// inside `node`.
fn let_instances<'t>(node: Node<'t>, found: &mut impl FnMut(Node<'t>), depth: usize) {
    if depth > 200 {
        return;
    }
    for child in kids(node) {
        if child.kind() == "module_definition" && node.kind() == "let_in" {
            found(child);
        } else {
            let_instances(child, found, depth + 1);
        }
    }
}

fn field_kids<'t>(node: Node<'t>, field: &str) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children_by_field_name(field, &mut cursor)
        .filter(|n| n.is_named() && !is_comment(n))
        .collect()
}

/// Loads and resolves the spec at `path` with `config`.
pub fn load_program(path: &Path, config: &Config) -> Result<Program, TlaError> {
    let mut program = Program::default();
    let mut modules = Vec::new();
    let mut loading = Vec::new();
    let mut community = Vec::new();
    load_module(
        path,
        &mut program,
        &mut modules,
        &mut loading,
        &mut community,
    )?;
    program.module_name = modules.last().map(|m| m.name.clone()).unwrap_or_default();
    let mut loader = Loader::new(&mut program, config);
    loader.community = community;
    loader.modules_by_name = modules
        .iter()
        .enumerate()
        .filter(|(_, m)| m.nested.is_none())
        .map(|(i, m)| (m.name.clone(), i))
        .collect();
    loader.nested_by_file = modules
        .iter()
        .enumerate()
        .filter(|(_, m)| m.nested.is_some())
        .map(|(i, m)| ((m.file, m.name.clone()), i))
        .collect();
    loader.trees = modules.iter().map(|m| (m.file, m.tree.clone())).collect();
    loader.run(&modules)?;
    Ok(program)
}

fn parse_source(path: &Path, text: &str) -> Result<tree_sitter::Tree, TlaError> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_tlaplus::LANGUAGE.into())
        .map_err(|e| TlaError::Syntax {
            location: Location {
                file: path.to_path_buf(),
                line: 1,
                column: 1,
            },
            message: format!("cannot load the TLA+ grammar: {e}"),
        })?;
    parser.parse(text, None).ok_or_else(|| TlaError::Syntax {
        location: Location {
            file: path.to_path_buf(),
            line: 1,
            column: 1,
        },
        message: "the parser gave up".into(),
    })
}

/// Parses `path` and, first, the user modules it extends (depth first, so that definitions come
/// before their uses).
fn load_module(
    path: &Path,
    program: &mut Program,
    modules: &mut Vec<ParsedModule>,
    loading: &mut Vec<PathBuf>,
    community: &mut Vec<String>,
) -> Result<(), TlaError> {
    let text = std::fs::read_to_string(path).map_err(|source| TlaError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let tree = parse_source(path, &text)?;
    let root = tree.root_node();
    if let Some(bad) = first_error(root) {
        let message = if bad.is_missing() {
            format!("missing `{}`", bad.kind())
        } else {
            let snippet: String = text
                .get(bad.byte_range())
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(40)
                .collect();
            if snippet.is_empty() {
                "unexpected end of input".to_string()
            } else {
                format!("unexpected `{snippet}`")
            }
        };
        return Err(TlaError::Syntax {
            location: location_of(path, bad),
            message,
        });
    }
    let Some(module) = kids(root).into_iter().find(|n| n.kind() == "module") else {
        return Err(TlaError::Syntax {
            location: Location {
                file: path.to_path_buf(),
                line: 1,
                column: 1,
            },
            message: "no `---- MODULE Name ----` header".into(),
        });
    };
    let name = module
        .child_by_field_name("name")
        .and_then(|n| text.get(n.byte_range()))
        .unwrap_or("")
        .to_string();
    loading.push(path.to_path_buf());
    let nested = nested_modules(module);
    let module_name = |m: Node| {
        m.child_by_field_name("name")
            .and_then(|n| text.get(n.byte_range()))
            .unwrap_or("")
            .to_string()
    };
    let nested_names: Vec<String> = nested.iter().map(|&m| module_name(m)).collect();
    let mut extends = Vec::new();
    let mut deps = dependencies(module);
    for &inner in &nested {
        deps.extend(dependencies(inner).into_iter().map(|(dep, _)| (dep, false)));
    }
    for (dep, is_extends) in deps {
        let dep_name = text.get(dep.byte_range()).unwrap_or("").to_string();
        if STANDARD_MODULES.contains(&dep_name.as_str()) {
            continue;
        }
        if is_extends {
            extends.push(dep_name.clone());
        }
        if nested_names.contains(&dep_name) {
            continue;
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let dep_path = dir.join(format!("{dep_name}.tla"));
        if loading.contains(&dep_path) {
            return Err(TlaError::Semantic {
                location: location_of(path, dep),
                message: format!("module `{dep_name}` depends on itself"),
            });
        }
        if modules
            .iter()
            .any(|m| program.sources[m.file as usize].path == dep_path)
        {
            continue;
        }
        if !dep_path.exists() {
            // A community module TLC loads from its jar: its operators are built in.
            if let Some((_, enables)) = COMMUNITY_MODULES.iter().find(|(m, _)| *m == dep_name) {
                for module in enables.iter() {
                    if !community.iter().any(|m| m == module) {
                        community.push(module.to_string());
                    }
                }
                continue;
            }
            let message = if dep_name == "Reals" {
                "the Reals module is not supported".to_string()
            } else {
                format!(
                    "module `{dep_name}` is neither a standard module nor a file {}",
                    dep_path.display()
                )
            };
            return Err(TlaError::Unsupported {
                location: location_of(path, dep),
                message,
            });
        }
        load_module(&dep_path, program, modules, loading, community)?;
    }
    loading.pop();
    let inner_modules: Vec<(String, Vec<String>, usize)> = nested
        .iter()
        .zip(nested_names)
        .map(|(&inner, inner_name)| {
            let inner_extends = dependencies(inner)
                .into_iter()
                .filter(|(_, is_extends)| *is_extends)
                .map(|(dep, _)| text.get(dep.byte_range()).unwrap_or("").to_string())
                .filter(|dep| !STANDARD_MODULES.contains(&dep.as_str()))
                .collect();
            (inner_name, inner_extends, inner.start_byte())
        })
        .collect();
    let file = program.sources.len() as u32;
    program.sources.push(Source {
        path: path.to_path_buf(),
        text: Arc::from(text),
    });
    for (inner_name, inner_extends, start) in inner_modules {
        modules.push(ParsedModule {
            file,
            tree: tree.clone(),
            name: inner_name,
            extends: inner_extends,
            nested: Some(start),
        });
    }
    modules.push(ParsedModule {
        file,
        tree,
        name,
        extends,
        nested: None,
    });
    Ok(())
}

/// The modules `module` depends on: the names after EXTENDS (with `true`) and after INSTANCE
/// (with `false`), as nodes.
fn dependencies(module: Node) -> Vec<(Node, bool)> {
    let mut out = Vec::new();
    for unit in kids(module) {
        match unit.kind() {
            "extends" => out.extend(kids(unit).into_iter().map(|n| (n, true))),
            _ => {
                let mut units = vec![unit];
                let_instances(unit, &mut |node| units.push(node), 0);
                for unit in units {
                    if let Some(instance) = instance_node(unit) {
                        if let Some(name) = kids(instance).into_iter().next() {
                            out.push((name, false));
                        }
                    }
                }
            }
        }
    }
    out
}

/// The `instance` node of a module unit: `INSTANCE M`, `LOCAL INSTANCE M`, `N == INSTANCE M`.
fn instance_node(unit: Node) -> Option<Node> {
    match unit.kind() {
        "instance" => Some(unit),
        "local_definition" => kids(unit).into_iter().next().and_then(instance_node),
        "module_definition" => unit.child_by_field_name("definition"),
        _ => None,
    }
}

fn cfg_value(value: &CfgValue) -> Value {
    match value {
        CfgValue::Int(n) => Value::Int(*n),
        CfgValue::Str(s) => Value::string(s),
        CfgValue::Bool(b) => Value::Bool(*b),
        CfgValue::Model(m) => Value::Model(Sym::new(m)),
        CfgValue::Set(elements) => Value::set(elements.iter().map(cfg_value).collect()),
    }
}

/// A definition waiting for its body to be lowered.
struct Pending<'t> {
    id: u32,
    file: u32,
    node: Node<'t>,
}

struct Loader<'p> {
    program: &'p mut Program,
    config: &'p Config,
    /// Per definition, the kinds of its parameters.
    param_kinds: Vec<Vec<ParamKind>>,
    /// Per definition, whether it is a function definition `f[x \in S] == e`.
    function_defs: Vec<bool>,
    /// The names visible in the module being lowered.
    ns: HashMap<String, Global>,
    /// The names of each `N == INSTANCE M`.
    instances: Vec<HashMap<String, Global>>,
    /// Parsed modules by name.
    modules_by_name: HashMap<String, usize>,
    /// The modules nested in a file's modules, by file and name: an INSTANCE in that file
    /// finds them before the modules of other files (two files may each nest an `Inner`).
    nested_by_file: HashMap<(u32, String), usize>,
    /// Definitions declared LOCAL, which INSTANCE does not export.
    local_defs: Vec<bool>,
    /// Definitions replaced by the configuration (`D = value`, `D <- E`): not lowered.
    overridden_defs: HashSet<u32>,
    /// Names the configuration overrides (besides the CONSTANTs).
    overridden: HashSet<String>,
    /// The names of the main module (with what it extends), where override targets are found.
    main_ns: HashMap<String, Global>,
    /// The definitions that the configuration's `D <- E` or `D = v` overrides in the instance
    /// being declared, with their own ids: the instance's definitions call `E` (or read `v`),
    /// but `N!D` names the instance's own `D`, as in TLC.
    instance_overridden: Vec<(String, u32)>,
    /// Every definition kept this way: one that TLC would only evaluate through `N!D` (often
    /// what the override is there to avoid, such as an unbounded CHOOSE) fails only if used.
    instance_originals: HashSet<u32>,
    /// Per definition, whether its body primes a parameter (`Lose(q) == q' = Tail(q)`): TLC
    /// substitutes the argument expression for the parameter, so calls of such definitions are
    /// expanded in place instead of evaluating their arguments first.
    call_by_name: Vec<bool>,
    /// Per definition, its file and byte range (to lower its body again when expanded).
    def_sites: Vec<(u32, usize, usize)>,
    /// The syntax trees of the loaded files.
    trees: HashMap<u32, tree_sitter::Tree>,
    /// The definitions being expanded in place (to stop runaway recursion).
    expanding: Vec<u32>,
    /// Per definition, how many parameters of a parameterized instance (`I(x) == INSTANCE M`)
    /// lead its own: the definitions of such an instance take the instance's arguments first.
    def_lead: Vec<usize>,
    /// The number of parameters of the parameterized instance being declared and lowered.
    lead: usize,
    /// Per `N == INSTANCE M` (indexed like `instances`), its number of parameters.
    instance_arity: Vec<usize>,
    /// Per instance (indexed like `instances`), whether it was declared `LOCAL`: an unnamed
    /// `INSTANCE` of its module does not bring it in.
    instance_local: Vec<bool>,
    /// Named instances valence cannot build (`IS(chosen, allInput) == INSTANCE Inner`, whose
    /// parameters replace variables), with the error: as with definitions, an error only
    /// where used.
    failed_instances: HashMap<String, (Location, String)>,
    /// The named instances of standard and community modules (`G == INSTANCE Graphs`), by
    /// instance number: the modules whose operators `G!Op` names.
    standard_instances: HashMap<u32, Vec<String>>,
    /// The definitions lowered so far.
    lowered: HashSet<u32>,
    /// The namespaces definitions are lowered in (a module's, an instance's), so that a
    /// definition expanded in place elsewhere still resolves its names in its own.
    namespaces: Vec<HashMap<String, Global>>,
    /// Per definition, the index of its namespace in `namespaces`.
    def_ns: HashMap<u32, usize>,
    /// The index of the namespace being lowered in (`usize::MAX` before the first).
    current_ns: usize,
    /// Per definition, whether its body may assign a value parameter in an initial predicate
    /// (`XInit(v) == v = 0`, `v \in S`): a state variable given as its argument is then
    /// substituted by name, as TLC does, so that the variable is assigned.
    assigns_params: HashSet<u32>,
    /// The CONSTANTs of the main module (with what it extends): the configuration assigns
    /// them, so it does not override definitions of the same name in instances.
    main_constants: HashSet<String>,
    /// Theorems whose statements could not be lowered, and definitions of instances kept
    /// only for `N!D` that could not, with the error (reported on use).
    failed_theorems: HashMap<u32, String>,
    /// The community modules whose operators are built in for this spec (those it extends
    /// or instantiates without a file of theirs next to it, and the modules they extend).
    community: Vec<String>,
    /// Per lowered definition, whether its body is an action (mentions the next state).
    action_defs: HashMap<u32, bool>,
}

impl<'p> Loader<'p> {
    fn new(program: &'p mut Program, config: &'p Config) -> Self {
        Loader {
            program,
            config,
            param_kinds: Vec::new(),
            function_defs: Vec::new(),
            ns: HashMap::new(),
            instances: Vec::new(),
            modules_by_name: HashMap::new(),
            nested_by_file: HashMap::new(),
            local_defs: Vec::new(),
            overridden_defs: HashSet::new(),
            overridden: HashSet::new(),
            main_ns: HashMap::new(),
            instance_overridden: Vec::new(),
            instance_originals: HashSet::new(),
            call_by_name: Vec::new(),
            def_sites: Vec::new(),
            trees: HashMap::new(),
            expanding: Vec::new(),
            def_lead: Vec::new(),
            lead: 0,
            instance_arity: Vec::new(),
            instance_local: Vec::new(),
            failed_instances: HashMap::new(),
            standard_instances: HashMap::new(),
            lowered: HashSet::new(),
            assigns_params: HashSet::new(),
            community: Vec::new(),
            failed_theorems: HashMap::new(),
            main_constants: HashSet::new(),
            action_defs: HashMap::new(),
            namespaces: Vec::new(),
            def_ns: HashMap::new(),
            current_ns: usize::MAX,
        }
    }

    fn path(&self, file: u32) -> PathBuf {
        self.program.sources[file as usize].path.clone()
    }

    fn text(&self, file: u32) -> Arc<str> {
        Arc::clone(&self.program.sources[file as usize].text)
    }

    /// The module at `index` and the modules it extends, dependencies first.
    fn closure(&self, modules: &[ParsedModule], index: usize, out: &mut Vec<usize>) {
        if out.contains(&index) {
            return;
        }
        for name in &modules[index].extends {
            // A module nested in the same file first (`EXTENDS Base` in a nested `Derived`).
            let nested = self
                .nested_by_file
                .get(&(modules[index].file, name.clone()));
            if let Some(&dep) = nested.or_else(|| self.modules_by_name.get(name)) {
                self.closure(modules, dep, out);
            }
        }
        out.push(index);
    }

    fn run(mut self, modules: &[ParsedModule]) -> Result<(), TlaError> {
        let mut pending = Vec::new();
        let mut assumptions = Vec::new();
        let mut constants = Vec::new();
        let mut instances = Vec::new();
        let mut main = Vec::new();
        if !modules.is_empty() {
            self.closure(modules, modules.len() - 1, &mut main);
        }
        for &index in &main {
            let module = &modules[index];
            let Some(node) = module.node() else {
                continue;
            };
            self.declare(
                module.file,
                node,
                None,
                &mut pending,
                &mut assumptions,
                &mut constants,
                &mut instances,
            )?;
        }
        let main_modules: Vec<String> = main.iter().map(|&i| modules[i].name.clone()).collect();
        // The main module's definitions may be expanded in place by instances before they are
        // lowered: they resolve their names in this namespace, completed below.
        let main_index = self.namespaces.len();
        self.namespaces.push(HashMap::new());
        for item in &pending {
            self.def_ns.insert(item.id, main_index);
        }
        self.main_ns = self.ns.clone();
        self.apply_overrides(&main_modules, false)?;
        self.main_ns = self.ns.clone();
        // Constants: values from the configuration, or substitutions by definitions.
        for (file, node) in constants {
            let text = self.text(file);
            let name = text.get(node.byte_range()).unwrap_or("").to_string();
            self.main_constants.insert(name.clone());
            let location = location_of(&self.path(file), node);
            let qualified = self
                .config
                .qualified
                .iter()
                .find(|q| q.name.name == name && main_modules.contains(&q.module));
            let global = if let Some((_, value)) =
                self.config.constants.iter().find(|(n, _)| n.name == name)
            {
                Global::Const(cfg_value(value))
            } else if let Some(Override::Value(value)) = qualified.map(|q| &q.with) {
                Global::Const(cfg_value(value))
            } else if let Some(Override::Def(target)) = qualified.map(|q| &q.with) {
                match self.ns.get(&target.name) {
                    Some(Global::Def(id)) => Global::Alias(*id),
                    _ => {
                        return Err(TlaError::Config {
                            location: target.location.clone(),
                            message: format!(
                                "`{}` substituted for `{name}` is not a definition of the spec",
                                target.name
                            ),
                        })
                    }
                }
            } else if let Some((_, target)) = self
                .config
                .substitutions
                .iter()
                .find(|(n, _)| n.name == name)
            {
                // The target may be a definition, or another constant with its value from the
                // configuration (`Leader <- L` with `L = L`), declared before or after.
                let assigned = self
                    .config
                    .constants
                    .iter()
                    .find(|(n, _)| n.name == target.name)
                    .map(|(_, value)| Global::Const(cfg_value(value)));
                match (self.ns.get(&target.name), assigned) {
                    (Some(Global::Def(id)), _) => Global::Alias(*id),
                    (Some(Global::Const(value)), _) => Global::Const(value.clone()),
                    (_, Some(global)) => global,
                    _ => {
                        return Err(TlaError::Config {
                            location: target.location.clone(),
                            message: format!(
                                "`{}` substituted for `{name}` is not a definition of the spec",
                                target.name
                            ),
                        })
                    }
                }
            } else {
                return Err(TlaError::Config {
                    location,
                    message: format!(
                        "constant `{name}` is not assigned a value in the configuration"
                    ),
                });
            };
            self.ns.insert(name, global);
        }
        for (named, value) in &self.config.constants {
            // `r1 = r1` for a name the spec does not declare only says that `r1` is a model
            // value, which it is anyway in the configuration: TLC accepts it.
            let harmless = matches!(value, CfgValue::Model(m) if *m == named.name)
                && !self.ns.contains_key(&named.name);
            if !harmless
                && !matches!(self.ns.get(&named.name), Some(Global::Const(_)))
                && !self.overridden.contains(&named.name)
            {
                return Err(TlaError::Config {
                    location: named.location.clone(),
                    message: format!("`{}` is not a CONSTANT of the spec", named.name),
                });
            }
        }
        self.namespaces[main_index] = self.ns.clone();
        for (file, unit) in instances {
            self.instance_or_defer(modules, file, unit)?;
            // The names this instance brought in are visible to the instances after it.
            self.namespaces[main_index] = self.ns.clone();
        }
        self.lower_pending(pending)?;
        for (file, node) in assumptions {
            let mut scope = Scope::new(file, self.text(file));
            let expr = self.expr(&mut scope, node)?;
            self.program.assumptions.push((expr, scope.slots));
        }
        self.propagate_unsupported()?;
        self.program.globals = std::mem::take(&mut self.ns);
        let originals = self.instance_originals.iter().copied();
        self.program.lazy_defs.extend(originals);
        Ok(())
    }

    /// Marks as deferred, with the same error, every definition and LET definition that
    /// reaches a deferred one (calls it, applies it, passes it as an operator argument),
    /// until none is left: such a definition is an error where used, never evaluated as the
    /// placeholder a deferred definition has. An ASSUME, always evaluated, that reaches one is
    /// an error now.
    fn propagate_unsupported(&mut self) -> Result<(), TlaError> {
        type Failed = HashMap<u32, (Location, String)>;
        /// The error of the first deferred definition `e` reaches.
        fn reaches(
            e: &mut Expr,
            defs: &Failed,
            lets: &Failed,
            depth: usize,
        ) -> Option<(Location, String)> {
            let hit = match &e.kind {
                Kind::Call(id, _) | Kind::FuncDefApply(id, _) | Kind::OpArg(OpRef::Def(id)) => {
                    defs.get(id)
                }
                Kind::LetCall(id, _)
                | Kind::LetFuncDefApply(id, _)
                | Kind::OpArg(OpRef::Let(id)) => lets.get(id),
                Kind::Lit(Value::Op(closure)) => match &**closure {
                    Closure::Def(id) => defs.get(id),
                    Closure::Let(id, _) => lets.get(id),
                    _ => None,
                },
                _ => None,
            };
            if let Some(hit) = hit {
                return Some(hit.clone());
            }
            if depth > 2_000 {
                return None;
            }
            let mut children: Vec<&mut Expr> = Vec::new();
            crate::fold::collect_children(e, &mut children);
            children
                .into_iter()
                .find_map(|c| reaches(c, defs, lets, depth + 1))
        }
        fn reaches_any(
            body: &mut Expr,
            bounds: &mut Option<Vec<Bound>>,
            defs: &Failed,
            lets: &Failed,
        ) -> Option<(Location, String)> {
            reaches(body, defs, lets, 0).or_else(|| {
                bounds
                    .iter_mut()
                    .flatten()
                    .find_map(|b| reaches(&mut b.set, defs, lets, 0))
            })
        }
        if self.program.unsupported_defs.is_empty() {
            return Ok(());
        }
        let Program {
            defs,
            lets,
            unsupported_defs,
            lazy_defs,
            assumptions,
            ..
        } = &mut *self.program;
        /// The ids among `items` (not yet in `own`) that reach a deferred definition, with
        /// its error.
        fn hits<'e>(
            items: impl Iterator<Item = (&'e mut Expr, &'e mut Option<Vec<Bound>>)>,
            own: &Failed,
            defs: &Failed,
            lets: &Failed,
        ) -> Vec<(u32, (Location, String))> {
            items
                .enumerate()
                .filter(|(index, _)| !own.contains_key(&(*index as u32)))
                .filter_map(|(index, (body, bounds))| {
                    reaches_any(body, bounds, defs, lets).map(|error| (index as u32, error))
                })
                .collect()
        }
        let mut failed_lets: Failed = HashMap::new();
        loop {
            let def_items = defs.iter_mut().map(|d| (&mut d.body, &mut d.function));
            let new_defs = hits(def_items, unsupported_defs, unsupported_defs, &failed_lets);
            let let_items = lets.iter_mut().map(|d| (&mut d.body, &mut d.function));
            let new_lets = hits(let_items, &failed_lets, unsupported_defs, &failed_lets);
            if new_defs.is_empty() && new_lets.is_empty() {
                break;
            }
            for (id, error) in new_defs {
                unsupported_defs.insert(id, error);
                lazy_defs.insert(id);
            }
            failed_lets.extend(new_lets);
        }
        for (expr, _) in assumptions.iter_mut() {
            if let Some((location, message)) = reaches(expr, unsupported_defs, &failed_lets, 0) {
                return Err(TlaError::Unsupported { location, message });
            }
        }
        Ok(())
    }

    /// [`Loader::instance`], keeping an unsupported named instance's error for its uses.
    fn instance_or_defer(
        &mut self,
        modules: &[ParsedModule],
        file: u32,
        unit: Node,
    ) -> Result<(), TlaError> {
        let named = match unit.kind() {
            "local_definition" => kids(unit).into_iter().next(),
            _ => Some(unit),
        }
        .filter(|u| u.kind() == "module_definition")
        .and_then(|u| u.child_by_field_name("name"));
        match (self.instance(modules, file, unit), named) {
            (Err(TlaError::Unsupported { location, message }), Some(name)) => {
                let name = self
                    .text(file)
                    .get(name.byte_range())
                    .unwrap_or("")
                    .to_string();
                self.failed_instances.insert(name, (location, message));
                Ok(())
            }
            (result, _) => result,
        }
    }

    /// `INSTANCE M WITH ...` (its definitions join the current module) or `N == INSTANCE M`
    /// (they are reached as `N!Op`).
    fn instance(
        &mut self,
        modules: &[ParsedModule],
        file: u32,
        unit: Node,
    ) -> Result<(), TlaError> {
        let Some(node) = instance_node(unit) else {
            return Ok(());
        };
        let is_local = unit.kind() == "local_definition";
        let unit = match is_local {
            true => kids(unit).into_iter().next().unwrap_or(unit),
            false => unit,
        };
        let text = self.text(file);
        let mut instance_params = Vec::new();
        if unit.kind() == "module_definition" {
            for param in field_kids(unit, "parameter") {
                if param.kind() != "identifier" {
                    return Err(self.unsupported(
                        file,
                        param,
                        "an operator parameter of an INSTANCE (`N(Op(_)) == INSTANCE M`)",
                    ));
                }
                instance_params.push(text.get(param.byte_range()).unwrap_or("").to_string());
            }
        }
        if !instance_params.is_empty() && self.lead > 0 {
            return Err(self.unsupported(
                file,
                unit,
                "a parameterized INSTANCE inside a parameterized instance",
            ));
        }
        let lead = if instance_params.is_empty() {
            self.lead
        } else {
            instance_params.len()
        };
        let children = kids(node);
        let Some(name_node) = children.first() else {
            return Err(self.semantic(file, node, "INSTANCE without a module name"));
        };
        let module_name = text.get(name_node.byte_range()).unwrap_or("").to_string();
        let as_name = if unit.kind() == "module_definition" {
            unit.child_by_field_name("name")
                .map(|n| text.get(n.byte_range()).unwrap_or("").to_string())
        } else {
            None
        };
        let nested = self
            .nested_by_file
            .get(&(file, module_name.clone()))
            .copied();
        let community = nested.is_none()
            && !self.modules_by_name.contains_key(&module_name)
            && COMMUNITY_MODULES.iter().any(|(m, _)| *m == module_name);
        if STANDARD_MODULES.contains(&module_name.as_str()) || community {
            // The standard modules' operators are built in everywhere; a named instance makes
            // them reachable as `N!Op` (those of a community module only so, unless the spec
            // extends it too).
            if let Some(name) = as_name {
                if !instance_params.is_empty() {
                    return Err(self.unsupported(
                        file,
                        unit,
                        "a parameterized INSTANCE of a standard module",
                    ));
                }
                let modules = COMMUNITY_MODULES
                    .iter()
                    .find(|(m, _)| *m == module_name)
                    .map(|(_, extended)| extended.iter().map(|m| m.to_string()).collect())
                    .unwrap_or_default();
                let id = self.instances.len() as u32;
                self.instances.push(HashMap::new());
                self.instance_arity.push(0);
                self.instance_local.push(is_local);
                self.standard_instances.insert(id, modules);
                self.ns.insert(name, Global::Instance(id));
            }
            return Ok(());
        }
        let Some(index) = nested.or_else(|| self.modules_by_name.get(&module_name).copied()) else {
            return Err(self.semantic(
                file,
                *name_node,
                format!("module `{module_name}` not found"),
            ));
        };
        let mut substitutions: HashMap<String, Global> = HashMap::new();
        for sub in children.iter().filter(|n| n.kind() == "substitution") {
            let parts = kids(*sub);
            let (Some(target), Some(value)) = (parts.first(), parts.last()) else {
                continue;
            };
            if target.kind() != "identifier_ref" {
                return Err(self.unsupported(file, *sub, "substituting an operator symbol"));
            }
            let target_name = text.get(target.byte_range()).unwrap_or("").to_string();
            if value.kind() == "lambda" && lead == 0 {
                // `WITH Op <- LAMBDA x, y : e`: a definition of its own, with the LAMBDA's
                // parameters.
                let id = self.lambda_def(file, *value)?;
                substitutions.insert(target_name, Global::Alias(id));
                continue;
            }
            if matches!(
                value.kind(),
                "lambda" | "prefix_op_symbol" | "infix_op_symbol" | "postfix_op_symbol"
            ) {
                return Err(self.unsupported(
                    file,
                    *value,
                    "substituting an operator for a constant operator",
                ));
            }
            if value.kind() == "identifier_ref" {
                // `WITH Op <- Def`: an operator constant substituted by a definition.
                let value_name = text.get(value.byte_range()).unwrap_or("");
                if let Some(Global::Def(id)) | Some(Global::Alias(id)) = self.ns.get(value_name) {
                    let id = *id;
                    if self.param_kinds[id as usize].len() > self.def_lead[id as usize] {
                        substitutions.insert(target_name, Global::Alias(id));
                        continue;
                    }
                }
            }
            let global = self.substitution(file, *value, &instance_params, lead)?;
            substitutions.insert(target_name, global);
        }
        // The parameters of `N(x) == INSTANCE M` substitute the constants and variables of `M`
        // of the same names, unless `WITH` says otherwise.
        for (index, name) in instance_params.iter().enumerate() {
            substitutions
                .entry(name.clone())
                .or_insert_with(|| Global::Subst(local(index as u32, span_of(file, unit))));
        }
        let mut closure = Vec::new();
        self.closure(modules, index, &mut closure);
        let outer = std::mem::take(&mut self.ns);
        if closure.iter().any(|&i| modules[i].nested.is_some()) {
            // A nested module reads the names of the module around it, where it is
            // instantiated: Synod's `Inner` reads Synod's `Proc` and `input`.
            self.ns = outer.clone();
        }
        let saved_lead = std::mem::replace(&mut self.lead, lead);
        let saved_overridden = std::mem::take(&mut self.instance_overridden);
        let result = self.instantiate(modules, &closure, &outer, substitutions, file, unit);
        self.lead = saved_lead;
        let overridden = std::mem::replace(&mut self.instance_overridden, saved_overridden);
        let mut names = std::mem::replace(&mut self.ns, outer);
        result?;
        match as_name {
            Some(name) => {
                // TLC overrides `D <- E` where the instance's definitions call `D`, but `N!D`
                // is the instance's own `D` (MCCheckpointCoordinationFailure's `E` calls
                // `CC!D` and does not recurse).
                for (name, id) in overridden {
                    names.insert(name, Global::Def(id));
                }
                let id = self.instances.len() as u32;
                self.instances.push(names);
                self.instance_arity.push(instance_params.len());
                self.instance_local.push(is_local);
                self.ns.insert(name, Global::Instance(id));
            }
            None => {
                // The module's definitions, and its named instances (`InChan!Send` after
                // `INSTANCE InnerFIFO`), except the LOCAL ones.
                for (name, global) in names {
                    let public = match global {
                        Global::Def(id) => !self.local_defs[id as usize],
                        Global::Instance(id) => !self.instance_local[id as usize],
                        _ => false,
                    };
                    if public {
                        self.ns.entry(name).or_insert(global);
                    }
                }
            }
        }
        Ok(())
    }

    /// What `WITH c <- value` binds `c` to: the expression itself when it needs no slots of its
    /// own, or else a call of a definition made for it (its bound variables need a frame). In
    /// a parameterized instance the instance's parameters are the first `lead` slots (of the
    /// expression's frame and of every definition of the instance).
    fn substitution(
        &mut self,
        file: u32,
        value: Node,
        instance_params: &[String],
        lead: usize,
    ) -> Result<Global, TlaError> {
        let mut scope = Scope::new(file, self.text(file));
        for _ in 0..lead {
            scope.alloc();
        }
        for (index, name) in instance_params.iter().enumerate() {
            scope
                .bindings
                .push((name.clone(), Binding::Slot(index as u32)));
        }
        let expr = self.expr(&mut scope, value)?;
        if scope.slots as usize == lead {
            return Ok(Global::Subst(expr));
        }
        let span = span_of(file, value);
        let name = Sym::new(&format!("WITH {}", scope.text_of(value)));
        let id = self.local_def(name, lead, expr, scope.slots, file, value);
        let args = (0..lead as u32).map(|slot| local(slot, span)).collect();
        Ok(Global::Subst(Expr {
            kind: Kind::Call(id, args),
            span,
            code: None,
        }))
    }

    /// Adds a definition the loader makes for a substitution, with `arity` value parameters in
    /// its first slots and its source at `node`.
    fn local_def(
        &mut self,
        name: Sym,
        arity: usize,
        body: Expr,
        frame_size: u32,
        file: u32,
        node: Node,
    ) -> u32 {
        let id = self.program.defs.len() as u32;
        self.program.defs.push(Def {
            name,
            arity,
            body,
            frame_size,
            function: None,
            cached: None,
            state_memo: false,
            span: span_of(file, node),
        });
        self.param_kinds.push(vec![ParamKind::Value; arity]);
        self.call_by_name.push(false);
        self.def_sites
            .push((file, node.start_byte(), node.end_byte()));
        self.function_defs.push(false);
        self.local_defs.push(true);
        self.def_lead.push(0);
        id
    }

    /// A module-level definition for the LAMBDA `node`, its parameters in the first slots.
    fn lambda_def(&mut self, file: u32, node: Node) -> Result<u32, TlaError> {
        let mut scope = Scope::new(file, self.text(file));
        let children = kids(node);
        let Some((body_node, params)) = children.split_last() else {
            return Err(self.semantic(file, node, "malformed LAMBDA"));
        };
        for p in params {
            let slot = scope.alloc();
            let name = scope.text_of(*p);
            scope.bindings.push((name, Binding::Slot(slot)));
        }
        let mut body = self.expr(&mut scope, *body_node)?;
        if mentions_prime(&mut body, 0) {
            return Err(self.unsupported(
                file,
                node,
                "substituting a LAMBDA that primes an expression for an operator constant",
            ));
        }
        let id = self.local_def(
            Sym::new("LAMBDA"),
            params.len(),
            body,
            scope.slots,
            file,
            node,
        );
        // Lowered here, in the instantiating module's names, where a call that expands it in
        // place (a primed argument) lowers it again.
        self.lowered.insert(id);
        let home = self.namespaces.len();
        self.namespaces.push(self.ns.clone());
        self.def_ns.insert(id, home);
        Ok(id)
    }

    /// Declares and lowers the modules of an instance into `self.ns`, binding their constants
    /// and variables to `substitutions` or, implicitly, to the same names in `outer`.
    fn instantiate(
        &mut self,
        modules: &[ParsedModule],
        closure: &[usize],
        outer: &HashMap<String, Global>,
        substitutions: HashMap<String, Global>,
        file: u32,
        unit: Node,
    ) -> Result<(), TlaError> {
        let mut pending = Vec::new();
        let mut instances = Vec::new();
        let mut params = Vec::new();
        for &index in closure {
            let module = &modules[index];
            let Some(node) = module.node() else {
                continue;
            };
            let mut unused = Vec::new();
            self.declare(
                module.file,
                node,
                Some(&mut params),
                &mut pending,
                &mut unused,
                &mut Vec::new(),
                &mut instances,
            )?;
        }
        for (param_file, param, declared) in params {
            let is_var = declared == Declared::Variable;
            let name = self
                .text(param_file)
                .get(param.byte_range())
                .unwrap_or("")
                .to_string();
            let global = match substitutions.get(&name).or_else(|| outer.get(&name)) {
                Some(Global::Subst(expr)) if is_var && self.lead > 0 && mentions_local(expr, 0) => {
                    // TLC substitutes by name, so `v'` in `M` would be the argument primed;
                    // the arguments of a parameterized instance are evaluated (by value).
                    return Err(self.unsupported(
                        file,
                        unit,
                        format!(
                            "a parameter of a parameterized INSTANCE substituted for the variable `{name}`"
                        ),
                    ));
                }
                Some(Global::Def(id)) | Some(Global::Alias(id))
                    if matches!(declared, Declared::Operator(_)) =>
                {
                    let id = *id;
                    let arity = self.param_kinds[id as usize].len() - self.def_lead[id as usize];
                    if declared != Declared::Operator(arity) {
                        return Err(self.semantic(
                            param_file,
                            param,
                            format!("INSTANCE: `{name}` is substituted by an operator of {arity} argument(s)"),
                        ));
                    }
                    Global::Alias(id)
                }
                Some(_) if matches!(declared, Declared::Operator(_)) => {
                    return Err(self.unsupported(
                        file,
                        unit,
                        format!(
                            "INSTANCE: the operator constant `{name}` is substituted by something other than a definition"
                        ),
                    ))
                }
                Some(global) => global.clone(),
                None => {
                    return Err(self.semantic(
                        file,
                        unit,
                        format!(
                        "INSTANCE: nothing to substitute for `{name}` (add `WITH {name} <- ...`)"
                    ),
                    ))
                }
            };
            self.ns.insert(name, global);
        }
        let names: Vec<String> = closure.iter().map(|&i| modules[i].name.clone()).collect();
        self.apply_overrides(&names, true)?;
        for (inner_file, inner_unit) in instances {
            self.instance_or_defer(modules, inner_file, inner_unit)?;
        }
        self.lower_pending(pending)?;
        Ok(())
    }

    /// Applies the configuration's overrides of definitions to the names just declared for
    /// `modules`: `D = value` and `D <- E` replace a definition `D` (or a standard-module
    /// operator such as `Nat`) everywhere, `D = [M] value` and `D <- [M] E` only in module `M`
    /// (there they also replace a constant). TLC uses this to replace definitions it cannot
    /// evaluate, such as `NoVal == CHOOSE v : v \notin Val`, by model values.
    fn apply_overrides(&mut self, modules: &[String], instance: bool) -> Result<(), TlaError> {
        let mut entries: Vec<(Named, Override, bool)> = Vec::new();
        for (name, value) in &self.config.constants {
            entries.push((name.clone(), Override::Value(value.clone()), false));
        }
        for (name, target) in &self.config.substitutions {
            entries.push((name.clone(), Override::Def(target.clone()), false));
        }
        for q in &self.config.qualified {
            if modules.contains(&q.module) {
                entries.push((q.name.clone(), q.with.clone(), true));
            }
        }
        for (name, with, qualified) in entries {
            if instance && !qualified && self.main_constants.contains(&name.name) {
                continue;
            }
            let replaces = match self.ns.get(&name.name) {
                Some(Global::Def(id)) => {
                    let id = *id;
                    if instance && !qualified {
                        // Still reachable as `N!D` (see `instance_overridden`).
                        self.instance_overridden.push((name.name.clone(), id));
                        self.instance_originals.insert(id);
                    } else {
                        self.overridden_defs.insert(id);
                    }
                    true
                }
                Some(_) => qualified && instance,
                None => {
                    OVERRIDABLE_BUILTINS.contains(&name.name.as_str())
                        || Builtin::by_name(&name.name).is_some()
                }
            };
            if !replaces {
                continue;
            }
            let global = match with {
                Override::Value(value) => Global::Const(cfg_value(&value)),
                Override::Def(target) => {
                    let found = if instance {
                        self.main_ns.get(&target.name)
                    } else {
                        self.ns.get(&target.name)
                    };
                    match found {
                        Some(Global::Def(id)) | Some(Global::Alias(id)) => Global::Alias(*id),
                        Some(Global::Const(value)) => Global::Const(value.clone()),
                        _ => {
                            return Err(TlaError::Config {
                                location: target.location.clone(),
                                message: format!(
                                    "`{}` substituted for `{}` is not a definition of the spec",
                                    target.name, name.name
                                ),
                            })
                        }
                    }
                }
            };
            self.overridden.insert(name.name.clone());
            self.ns.insert(name.name, global);
        }
        Ok(())
    }

    fn unsupported(&self, file: u32, node: Node, message: impl Into<String>) -> TlaError {
        TlaError::Unsupported {
            location: location_of(&self.path(file), node),
            message: message.into(),
        }
    }

    fn semantic(&self, file: u32, node: Node, message: impl Into<String>) -> TlaError {
        TlaError::Semantic {
            location: location_of(&self.path(file), node),
            message: message.into(),
        }
    }

    /// First pass over a module: names of variables, constants and definitions.
    #[allow(clippy::too_many_arguments)]
    fn declare<'t>(
        &mut self,
        file: u32,
        module: Node<'t>,
        mut params: Option<&mut Vec<(u32, Node<'t>, Declared)>>,
        pending: &mut Vec<Pending<'t>>,
        assumptions: &mut Vec<(u32, Node<'t>)>,
        constants: &mut Vec<(u32, Node<'t>)>,
        instances: &mut Vec<(u32, Node<'t>)>,
    ) -> Result<(), TlaError> {
        let text = self.text(file);
        for unit in kids(module) {
            let local = unit.kind() == "local_definition";
            let outer = unit;
            let unit = if local {
                match kids(unit).into_iter().next() {
                    Some(inner) => inner,
                    None => continue,
                }
            } else {
                unit
            };
            match unit.kind() {
                "header_line" | "double_line" | "single_line" | "extends" | "identifier" => {}
                "variable_declaration" if params.is_some() => {
                    if let Some(params) = params.as_deref_mut() {
                        params.extend(
                            kids(unit)
                                .into_iter()
                                .map(|v| (file, v, Declared::Variable)),
                        );
                    }
                }
                "constant_declaration" if params.is_some() => {
                    for constant in kids(unit) {
                        let (name_node, declared) = if constant.kind() == "operator_declaration" {
                            let arity = kids(constant)
                                .iter()
                                .filter(|c| c.kind() == "placeholder")
                                .count();
                            match constant.child_by_field_name("name") {
                                Some(n) => (n, Declared::Operator(arity)),
                                None => continue,
                            }
                        } else {
                            (constant, Declared::Constant)
                        };
                        if let Some(params) = params.as_deref_mut() {
                            params.push((file, name_node, declared));
                        }
                    }
                }
                "variable_declaration" => {
                    for var in kids(unit) {
                        let name = text.get(var.byte_range()).unwrap_or("").to_string();
                        let index = self.program.vars.len() as u32;
                        self.program.vars.push(Sym::new(&name));
                        if self.ns.insert(name.clone(), Global::Var(index)).is_some() {
                            return Err(self.semantic(
                                file,
                                var,
                                format!("`{name}` is defined twice"),
                            ));
                        }
                    }
                }
                "constant_declaration" => {
                    for constant in kids(unit) {
                        let name_node = if constant.kind() == "operator_declaration" {
                            match constant.child_by_field_name("name") {
                                Some(n) => n,
                                None => continue,
                            }
                        } else {
                            constant
                        };
                        constants.push((file, name_node));
                    }
                }
                "recursive_declaration" | "use_or_hide" => {}
                // A named theorem `THEOREM Name == P` defines `Name` as `P` (its proof is
                // skipped); an unnamed one, or one of the form `ASSUME ... PROVE`, defines
                // nothing.
                "theorem"
                    if unit
                        .child_by_field_name("statement")
                        .is_none_or(|s| s.kind() == "assume_prove") => {}
                "assumption" => {
                    if let Some(expr) = kids(unit)
                        .into_iter()
                        .rev()
                        .find(|n| n.kind() != "identifier" && n.kind() != "def_eq")
                    {
                        assumptions.push((file, expr));
                    }
                    // `ASSUME Name == P` also defines `Name` as `P`.
                    if let Some(name_node) = unit.child_by_field_name("name") {
                        let name = text.get(name_node.byte_range()).unwrap_or("").to_string();
                        let id = self.program.defs.len() as u32;
                        self.program.defs.push(Def {
                            name: Sym::new(&name),
                            arity: self.lead,
                            body: Expr {
                                kind: Kind::Lit(Value::Bool(false)),
                                span: Span::default(),
                                code: None,
                            },
                            frame_size: 0,
                            function: None,
                            cached: None,
                            state_memo: false,
                            span: span_of(file, unit),
                        });
                        self.param_kinds.push(vec![ParamKind::Value; self.lead]);
                        self.def_lead.push(self.lead);
                        self.call_by_name.push(false);
                        self.def_sites
                            .push((file, unit.start_byte(), unit.end_byte()));
                        self.function_defs.push(false);
                        self.local_defs.push(local);
                        self.ns.insert(name, Global::Def(id));
                        pending.push(Pending {
                            id,
                            file,
                            node: unit,
                        });
                    }
                }
                "operator_definition" | "function_definition" | "theorem" => {
                    // `LET CC == INSTANCE M IN ...`: a named instance of the module, visible in
                    // the whole module (its substitutions resolve in the module's names).
                    let_instances(unit, &mut |node| instances.push((file, node)), 0);
                    let Some(name_node) = unit.child_by_field_name("name") else {
                        continue;
                    };
                    let name = if name_node.kind() == "identifier" {
                        text.get(name_node.byte_range()).unwrap_or("").to_string()
                    } else if name_node.kind() == "real_number_set" {
                        // `Real == 0 .. MaxReal` (the grammar reads `Real` as a keyword).
                        "Real".to_string()
                    } else {
                        // An infix, prefix or postfix operator: key it by its symbol's kind.
                        let symbol = kids(name_node).into_iter().next().unwrap_or(name_node);
                        format!("\\op:{}", symbol.kind())
                    };
                    let id = self.program.defs.len() as u32;
                    if self.lead > 0 && unit.kind() == "function_definition" {
                        return Err(self.unsupported(
                            file,
                            unit,
                            "a recursive function definition in a parameterized INSTANCE",
                        ));
                    }
                    let mut params = vec![ParamKind::Value; self.lead];
                    params.extend(if unit.kind() == "operator_definition" {
                        field_kids(unit, "parameter")
                            .into_iter()
                            .map(|p| {
                                if p.kind() == "operator_declaration" {
                                    ParamKind::Operator(
                                        kids(p)
                                            .iter()
                                            .filter(|c| c.kind() == "placeholder")
                                            .count(),
                                    )
                                } else {
                                    ParamKind::Value
                                }
                            })
                            .collect()
                    } else {
                        Vec::new()
                    });
                    self.def_lead.push(self.lead);
                    self.program.defs.push(Def {
                        name: Sym::new(&name),
                        arity: params.len(),
                        body: Expr {
                            kind: Kind::Lit(Value::Bool(false)),
                            span: Span::default(),
                            code: None,
                        },
                        frame_size: 0,
                        function: None,
                        cached: None,
                        state_memo: false,
                        span: span_of(file, unit),
                    });
                    self.param_kinds.push(params);
                    self.call_by_name.push(false);
                    self.def_sites
                        .push((file, unit.start_byte(), unit.end_byte()));
                    self.function_defs
                        .push(unit.kind() == "function_definition");
                    self.local_defs.push(local);
                    // A later definition of the same name (from an extending module) wins.
                    self.ns.insert(name, Global::Def(id));
                    pending.push(Pending {
                        id,
                        file,
                        node: unit,
                    });
                }
                // Kept with its LOCAL, which `instance` reads.
                "instance" | "module_definition" if local => instances.push((file, outer)),
                "instance" | "module_definition" => instances.push((file, unit)),
                // A nested module: reached by INSTANCE only (see `ParsedModule::nested`).
                "module" => {}
                other => {
                    return Err(self.unsupported(file, unit, format!("module-level `{other}`")))
                }
            }
        }
        Ok(())
    }

    /// Lowers the definitions just declared, in the namespace as it is now.
    fn lower_pending(&mut self, pending: Vec<Pending>) -> Result<(), TlaError> {
        let index = self.namespaces.len();
        self.namespaces.push(self.ns.clone());
        for item in &pending {
            self.def_ns.insert(item.id, index);
        }
        let saved = std::mem::replace(&mut self.current_ns, index);
        let mut result = Ok(());
        for item in pending {
            if !self.overridden_defs.contains(&item.id) {
                let id = item.id;
                let deferred =
                    item.node.kind() == "theorem" || self.instance_originals.contains(&id);
                result = self.lower_definition(item);
                if let (true, Err(error)) = (deferred, &result) {
                    // A theorem's statement is often beyond a model checker (unbounded
                    // quantifiers), and an overridden definition is reached only as `N!D`:
                    // an error only if something uses it.
                    self.failed_theorems.insert(id, error.to_string());
                    result = Ok(());
                }
                if let Err(TlaError::Unsupported { location, message }) = &result {
                    // So is a definition valence cannot evaluate (`SynodSpec == \EE c :
                    // ...`, which diskpaxos never checks): its own error, where used.
                    self.program
                        .unsupported_defs
                        .insert(id, (location.clone(), message.clone()));
                    self.program.lazy_defs.insert(id);
                    result = Ok(());
                }
                if result.is_err() {
                    break;
                }
            }
        }
        self.current_ns = saved;
        result
    }

    fn lower_definition(&mut self, item: Pending) -> Result<(), TlaError> {
        let mut scope = Scope::new(item.file, self.text(item.file));
        let node = item.node;
        let function = if node.kind() == "function_definition" {
            let mut bounds = Vec::new();
            for b in kids(node)
                .into_iter()
                .filter(|n| n.kind() == "quantifier_bound")
            {
                bounds.extend(self.quantifier_bound(&mut scope, b)?);
            }
            Some(bounds)
        } else {
            for _ in 0..self.def_lead[item.id as usize] {
                scope.alloc();
            }
            for param in field_kids(node, "parameter") {
                let slot = scope.alloc();
                let (name_node, binding) = if param.kind() == "operator_declaration" {
                    let arity = kids(param)
                        .iter()
                        .filter(|c| c.kind() == "placeholder")
                        .count();
                    (
                        param.child_by_field_name("name").unwrap_or(param),
                        Binding::OpParam(slot, arity),
                    )
                } else {
                    (param, Binding::Slot(slot))
                };
                let name = scope.text_of(name_node);
                scope.bindings.push((name, binding));
            }
            None
        };
        let assumed = || {
            kids(node).into_iter().rev().find(|n| {
                node.kind() == "assumption" && n.kind() != "identifier" && n.kind() != "def_eq"
            })
        };
        let Some(body_node) = node
            .child_by_field_name("definition")
            .or_else(|| node.child_by_field_name("statement"))
            .or_else(assumed)
        else {
            return Err(self.semantic(item.file, node, "definition without a body"));
        };
        let mut body = self.expr(&mut scope, body_node)?;
        let arity = self.param_kinds[item.id as usize].len() as u32;
        let values_only = self.param_kinds[item.id as usize]
            .iter()
            .all(|k| *k == ParamKind::Value);
        if function.is_none() && arity > 0 && values_only {
            self.call_by_name[item.id as usize] =
                primes_params(self.program, &mut body, arity, false, 0);
        }
        if function.is_none() && arity > 0 && compares_params(&body, arity, 0) {
            self.assigns_params.insert(item.id);
        }
        let def = &mut self.program.defs[item.id as usize];
        def.body = body;
        def.function = function;
        def.frame_size = scope.slots;
        self.lowered.insert(item.id);
        Ok(())
    }

    /// Whether `e` is an action: it mentions the next state (a prime or UNCHANGED), directly
    /// or through the definitions it calls (those lowered so far: TLA+ defines before use).
    fn is_action(&mut self, e: &mut Expr, depth: usize) -> bool {
        if depth > 64 {
            return false;
        }
        match &mut e.kind {
            Kind::Prime(_)
            | Kind::Unchanged(_)
            | Kind::UnchangedVars(_)
            | Kind::StepOrStutter(..) => return true,
            Kind::Call(id, args) => {
                let id = *id;
                if args.iter_mut().any(|a| self.is_action(a, depth + 1)) {
                    return true;
                }
                if let Some(known) = self.action_defs.get(&id) {
                    return *known;
                }
                if !self.lowered.contains(&id) {
                    return false;
                }
                // Provisionally not an action, so that recursion ends.
                self.action_defs.insert(id, false);
                let mut body = self.program.defs[id as usize].body.clone();
                let action = self.is_action(&mut body, depth + 1);
                self.action_defs.insert(id, action);
                return action;
            }
            Kind::LetCall(id, args) => {
                let id = *id;
                if args.iter_mut().any(|a| self.is_action(a, depth + 1)) {
                    return true;
                }
                let Some(def) = self.program.lets.get(id as usize) else {
                    return false;
                };
                if def.recursive {
                    return false;
                }
                let mut body = def.body.clone();
                return self.is_action(&mut body, depth + 1);
            }
            _ => {}
        }
        let mut children: Vec<&mut Expr> = Vec::new();
        crate::fold::collect_children(e, &mut children);
        children.into_iter().any(|c| self.is_action(c, depth + 1))
    }

    /// The bindings of a quantifier bound: `x, y \in S` or `<<x, y>> \in S`.
    fn quantifier_bound(&mut self, scope: &mut Scope, node: Node) -> Result<Vec<Bound>, TlaError> {
        let Some(set_node) = node.child_by_field_name("set") else {
            return Err(self.semantic(scope.file, node, "quantifier bound without a set"));
        };
        // The set is evaluated outside the scope of the bound names.
        let intros = field_kids(node, "intro");
        let mut bounds = Vec::new();
        let mut names = Vec::new();
        for intro in intros {
            if intro.kind() == "tuple_of_identifiers" {
                let set = self.expr(scope, set_node)?;
                let mut slots = Vec::new();
                for id in kids(intro).into_iter().filter(|n| n.kind() == "identifier") {
                    let slot = scope.alloc();
                    slots.push(slot);
                    names.push((scope.text_of(id), Binding::Slot(slot)));
                }
                bounds.push(Bound {
                    pattern: Pattern::Tuple(slots),
                    set,
                });
            } else if intro.kind() == "identifier" {
                let set = self.expr(scope, set_node)?;
                let slot = scope.alloc();
                names.push((scope.text_of(intro), Binding::Slot(slot)));
                bounds.push(Bound {
                    pattern: Pattern::Slot(slot),
                    set,
                });
            }
        }
        scope.bindings.extend(names);
        Ok(bounds)
    }

    fn bounds(&mut self, scope: &mut Scope, nodes: &[Node]) -> Result<Vec<Bound>, TlaError> {
        let mut all = Vec::new();
        for node in nodes {
            all.extend(self.quantifier_bound(scope, *node)?);
        }
        Ok(all)
    }

    fn lit(value: Value, span: Span) -> Expr {
        Expr {
            kind: Kind::Lit(value),
            span,
            code: None,
        }
    }

    fn expr(&mut self, scope: &mut Scope, node: Node) -> Result<Expr, TlaError> {
        // Deeply nested expressions would overflow the stack of the recursive passes.
        if scope.depth >= EXPRESSION_DEPTH_MAX {
            return Err(self.unsupported(
                scope.file,
                node,
                format!("expressions nested more than {EXPRESSION_DEPTH_MAX} deep"),
            ));
        }
        scope.depth += 1;
        let result = self.expr_inner(scope, node);
        scope.depth -= 1;
        result
    }

    fn expr_inner(&mut self, scope: &mut Scope, node: Node) -> Result<Expr, TlaError> {
        let span = span_of(scope.file, node);
        let mk = |kind| Ok(Expr::new(kind, span));
        match node.kind() {
            "nat_number" => {
                let text = scope.text_of(node);
                match text.parse::<i64>() {
                    Ok(n) => Ok(Self::lit(Value::Int(n), span)),
                    Err(_) => Err(self.unsupported(
                        scope.file,
                        node,
                        format!("integer `{text}` does not fit in 64 bits"),
                    )),
                }
            }
            "binary_number" | "octal_number" | "hex_number" => {
                let radix = match node.kind() {
                    "binary_number" => 2,
                    "octal_number" => 8,
                    _ => 16,
                };
                let digits = kids(node)
                    .into_iter()
                    .find(|n| n.kind() == "value")
                    .map(|n| scope.text_of(n))
                    .unwrap_or_default();
                match i64::from_str_radix(&digits, radix) {
                    Ok(n) => Ok(Self::lit(Value::Int(n), span)),
                    Err(_) => Err(self.unsupported(scope.file, node, "integer out of range")),
                }
            }
            // `Real` is a name like any other without the Reals module: MCRealTimeHourClock
            // defines `Real == 0 .. MaxReal`.
            "real_number_set" if self.ns.contains_key("Real") => {
                self.apply_name(scope, node, "Real", Vec::new(), span)
            }
            "real_number" | "real_number_set" => {
                Err(self.unsupported(scope.file, node, "real numbers"))
            }
            "string" => {
                let raw = scope.text_of(node);
                let inner = raw
                    .strip_prefix('"')
                    .and_then(|r| r.strip_suffix('"'))
                    .unwrap_or(&raw);
                let mut out = String::new();
                let mut chars = inner.chars();
                while let Some(c) = chars.next() {
                    if c == '\\' {
                        match chars.next() {
                            Some('n') => out.push('\n'),
                            Some('t') => out.push('\t'),
                            Some('r') => out.push('\r'),
                            Some('f') => out.push('\x0c'),
                            Some(other) => out.push(other),
                            None => {}
                        }
                    } else {
                        out.push(c);
                    }
                }
                Ok(Self::lit(Value::string(&out), span))
            }
            "boolean" => Ok(Self::lit(Value::Bool(scope.text_of(node) == "TRUE"), span)),
            "boolean_set" => Ok(Self::lit(
                Value::set_sorted(vec![Value::Bool(false), Value::Bool(true)]),
                span,
            )),
            "string_set" => Ok(Self::lit(Value::Lazy(Arc::new(LazySet::String)), span)),
            "nat_number_set" | "int_number_set" => {
                let name = if node.kind() == "nat_number_set" { "Nat" } else { "Int" };
                if let Some(global) = self.ns.get(name).cloned() {
                    // Overridden by the configuration (`Nat <- NatOverride`).
                    return self.apply_global(
                        scope,
                        node,
                        name,
                        Some(global),
                        Vec::new(),
                        None,
                        span,
                    );
                }
                let set = if name == "Nat" { LazySet::Nat } else { LazySet::Int };
                Ok(Self::lit(Value::Lazy(Arc::new(set)), span))
            }
            "parentheses" => match kids(node).into_iter().next() {
                Some(inner) => self.expr(scope, inner),
                None => Err(self.semantic(scope.file, node, "empty parentheses")),
            },
            "label" => match node.child_by_field_name("expression") {
                Some(inner) => self.expr(scope, inner),
                None => Err(self.semantic(scope.file, node, "label without an expression")),
            },
            "identifier_ref" => {
                let name = scope.text_of(node);
                self.apply_name(scope, node, &name, Vec::new(), span)
            }
            "bound_op" => {
                let Some(name_node) = node.child_by_field_name("name") else {
                    return Err(self.semantic(scope.file, node, "operator without a name"));
                };
                let name = scope.text_of(name_node);
                let args = field_kids(node, "parameter");
                self.apply_name(scope, node, &name, args, span)
            }
            "bound_prefix_op" => self.prefix(scope, node, span),
            "bound_infix_op" => self.infix(scope, node, span),
            "bound_postfix_op" => {
                let (Some(lhs), Some(symbol)) = (
                    node.child_by_field_name("lhs"),
                    node.child_by_field_name("symbol"),
                ) else {
                    return Err(self.semantic(scope.file, node, "malformed postfix operator"));
                };
                if symbol.kind() != "prime" {
                    return Err(self.unsupported(
                        scope.file,
                        node,
                        format!("postfix operator `{}`", scope.text_of(symbol)),
                    ));
                }
                let inner = self.expr(scope, lhs)?;
                mk(Kind::Prime(Box::new(inner)))
            }
            "bounded_quantification" => {
                let forall = node
                    .child_by_field_name("quantifier")
                    .is_some_and(|q| q.kind() == "forall");
                let mark = scope.bindings.len();
                let bounds = self.bounds(scope, &field_kids(node, "bound"))?;
                let Some(body_node) = node.child_by_field_name("expression") else {
                    return Err(self.semantic(scope.file, node, "quantifier without a body"));
                };
                let body = Box::new(self.expr(scope, body_node)?);
                scope.bindings.truncate(mark);
                mk(if forall {
                    Kind::Forall(bounds, body)
                } else {
                    Kind::Exists(bounds, body)
                })
            }
            "unbounded_quantification" => Err(self.unsupported(
                scope.file,
                node,
                "unbounded quantifiers (`\\E x : P`) cannot be evaluated by a model checker; bound the variable with `\\in S`",
            )),
            "choose" => {
                let (Some(intro), Some(set_node), Some(body_node)) = (
                    node.child_by_field_name("intro"),
                    node.child_by_field_name("set"),
                    node.child_by_field_name("expression"),
                ) else {
                    return Err(self.unsupported(
                        scope.file,
                        node,
                        "unbounded CHOOSE (`CHOOSE x : P`) cannot be evaluated; use `CHOOSE x \\in S : P`",
                    ));
                };
                let set = self.expr(scope, set_node)?;
                let mark = scope.bindings.len();
                let pattern = self.pattern(scope, intro);
                let body = self.expr(scope, body_node)?;
                scope.bindings.truncate(mark);
                mk(Kind::Choose(Box::new(Bound { pattern, set }), Box::new(body)))
            }
            "finite_set_literal" => {
                let elements = self.exprs(scope, &kids(node))?;
                mk(Kind::SetEnum(elements))
            }
            "set_filter" => {
                let (Some(generator), Some(filter)) = (
                    node.child_by_field_name("generator"),
                    node.child_by_field_name("filter"),
                ) else {
                    return Err(self.semantic(scope.file, node, "malformed set filter"));
                };
                let mark = scope.bindings.len();
                let mut bounds = self.quantifier_bound(scope, generator)?;
                let predicate = self.expr(scope, filter)?;
                scope.bindings.truncate(mark);
                let Some(bound) = bounds.pop() else {
                    return Err(self.semantic(scope.file, node, "set filter without a bound"));
                };
                mk(Kind::SetFilter(Box::new(bound), Box::new(predicate)))
            }
            "set_map" => {
                let Some(map) = node.child_by_field_name("map") else {
                    return Err(self.semantic(scope.file, node, "malformed set map"));
                };
                let mark = scope.bindings.len();
                let bounds = self.bounds(scope, &field_kids(node, "generator"))?;
                let body = self.expr(scope, map)?;
                scope.bindings.truncate(mark);
                mk(Kind::SetMap(Box::new(body), bounds))
            }
            "function_evaluation" => {
                let children = kids(node);
                let Some((callee, args)) = children.split_first() else {
                    return Err(self.semantic(scope.file, node, "malformed function application"));
                };
                let args = self.exprs(scope, args)?;
                // A recursive function definition is applied without building it whole.
                if callee.kind() == "identifier_ref" {
                    let name = scope.text_of(*callee);
                    match scope.lookup(&name) {
                        Some(Binding::Let(id, _)) if self.program.lets[id as usize].function.is_some() => {
                            return mk(Kind::LetFuncDefApply(id, args));
                        }
                        Some(_) => {}
                        None => {
                            if let Some(Global::Def(id)) = self.ns.get(&name) {
                                if self.function_defs[*id as usize] {
                                    return mk(Kind::FuncDefApply(*id, args));
                                }
                            }
                        }
                    }
                }
                let f = self.expr(scope, *callee)?;
                mk(Kind::Apply(Box::new(f), args))
            }
            "function_literal" => {
                let children = kids(node);
                let bound_nodes: Vec<Node> = children
                    .iter()
                    .copied()
                    .filter(|n| n.kind() == "quantifier_bound")
                    .collect();
                let Some(body_node) = children.last().copied() else {
                    return Err(self.semantic(scope.file, node, "malformed function"));
                };
                let mark = scope.bindings.len();
                let bounds = self.bounds(scope, &bound_nodes)?;
                let body = self.expr(scope, body_node)?;
                scope.bindings.truncate(mark);
                mk(Kind::FuncCons(bounds, Box::new(body)))
            }
            "set_of_functions" => {
                let children: Vec<Node> = kids(node)
                    .into_iter()
                    .filter(|n| n.kind() != "maps_to")
                    .collect();
                let [domain, range] = children.as_slice() else {
                    return Err(self.semantic(scope.file, node, "malformed function set"));
                };
                let d = self.expr(scope, *domain)?;
                let r = self.expr(scope, *range)?;
                mk(Kind::FuncSet(Box::new(d), Box::new(r)))
            }
            "record_literal" | "set_of_records" => {
                let children: Vec<Node> = kids(node)
                    .into_iter()
                    .filter(|n| n.kind() != "all_map_to")
                    .collect();
                let mut fields = Vec::new();
                for pair in children.chunks(2) {
                    let [name, value] = pair else {
                        return Err(self.semantic(scope.file, node, "malformed record"));
                    };
                    let field = Sym::new(&scope.text_of(*name));
                    if fields.iter().any(|(f, _)| *f == field) {
                        return Err(self.semantic(
                            scope.file,
                            *name,
                            format!("field `{field}` appears twice"),
                        ));
                    }
                    fields.push((field, self.expr(scope, *value)?));
                }
                if node.kind() == "record_literal" {
                    self.program.record_orders.insert(
                        (span.file, span.start),
                        fields.iter().map(|(name, _)| *name).collect(),
                    );
                }
                // Records are stored with their fields sorted: sort the literal once here.
                fields.sort_by_key(|(name, _)| *name);
                mk(if node.kind() == "record_literal" {
                    Kind::Record(fields)
                } else {
                    Kind::RecordSet(fields)
                })
            }
            "record_value" => {
                let children = kids(node);
                let [record, field] = children.as_slice() else {
                    return Err(self.semantic(scope.file, node, "malformed field access"));
                };
                let r = self.expr(scope, *record)?;
                mk(Kind::Field(Box::new(r), Sym::new(&scope.text_of(*field))))
            }
            "except" => self.except(scope, node, span),
            "prev_func_val" => match scope.lookup("@") {
                Some(Binding::Slot(slot)) => mk(Kind::Local(slot)),
                _ => Err(self.semantic(scope.file, node, "`@` outside of an EXCEPT")),
            },
            "tuple_literal" => {
                let elements: Vec<Node> = kids(node)
                    .into_iter()
                    .filter(|n| !matches!(n.kind(), "langle_bracket" | "rangle_bracket"))
                    .collect();
                let elements = self.exprs(scope, &elements)?;
                mk(Kind::Tuple(elements))
            }
            "step_expr_or_stutter" => {
                let children = kids(node);
                let [action, vars] = children.as_slice() else {
                    return Err(self.semantic(scope.file, node, "malformed [A]_v"));
                };
                let a = self.expr(scope, *action)?;
                let v = self.expr(scope, *vars)?;
                mk(Kind::StepOrStutter(Box::new(a), Box::new(v)))
            }
            "step_expr_no_stutter" => {
                let children: Vec<Node> = kids(node)
                    .into_iter()
                    .filter(|n| !matches!(n.kind(), "langle_bracket" | "rangle_bracket_sub"))
                    .collect();
                let [action, vars] = children.as_slice() else {
                    return Err(self.semantic(scope.file, node, "malformed <<A>>_v"));
                };
                let a = self.expr(scope, *action)?;
                let v = self.expr(scope, *vars)?;
                mk(Kind::AngleStep(Box::new(a), Box::new(v)))
            }
            "fairness" => {
                let strong = node.child(0).is_some_and(|c| c.kind() == "SF_");
                let children = kids(node);
                let [vars, action] = children.as_slice() else {
                    return Err(self.semantic(scope.file, node, "malformed WF_v(A) or SF_v(A)"));
                };
                let v = self.expr(scope, *vars)?;
                let a = self.expr(scope, *action)?;
                mk(Kind::Fairness {
                    strong,
                    vars: Box::new(v),
                    action: Box::new(a),
                })
            }
            "if_then_else" => {
                let (Some(c), Some(t), Some(e)) = (
                    node.child_by_field_name("if"),
                    node.child_by_field_name("then"),
                    node.child_by_field_name("else"),
                ) else {
                    return Err(self.semantic(scope.file, node, "malformed IF"));
                };
                let c = self.expr(scope, c)?;
                let t = self.expr(scope, t)?;
                let e = self.expr(scope, e)?;
                mk(Kind::If(Box::new(c), Box::new(t), Box::new(e)))
            }
            "case" => {
                let mut arms = Vec::new();
                let mut other = None;
                for arm in kids(node) {
                    let parts: Vec<Node> = kids(arm)
                        .into_iter()
                        .filter(|n| n.kind() != "case_arrow")
                        .collect();
                    match (arm.kind(), parts.as_slice()) {
                        ("case_arm", [guard, value]) => {
                            let g = self.expr(scope, *guard)?;
                            let v = self.expr(scope, *value)?;
                            arms.push((g, v));
                        }
                        ("other_arm", [value]) => {
                            other = Some(Box::new(self.expr(scope, *value)?));
                        }
                        _ => {}
                    }
                }
                mk(Kind::Case(arms, other))
            }
            "let_in" => self.let_in(scope, node),
            "conj_list" | "disj_list" => {
                let mut items = Vec::new();
                for item in kids(node) {
                    if let Some(e) = kids(item)
                        .into_iter()
                        .find(|n| !matches!(n.kind(), "bullet_conj" | "bullet_disj"))
                    {
                        items.push(self.expr(scope, e)?);
                    }
                }
                mk(if node.kind() == "conj_list" {
                    Kind::And(items)
                } else {
                    Kind::Or(items)
                })
            }
            "lambda" => Err(self.semantic(
                scope.file,
                node,
                "LAMBDA is only allowed as an argument of an operator",
            )),
            "prefixed_op" => self.prefixed_op(scope, node, span),
            "subexpression" => self.subexpression(scope, node, span),
            "proof_step_ref" => Err(self.unsupported(scope.file, node, "proof step references")),
            other => Err(self.unsupported(scope.file, node, format!("the expression form `{other}`"))),
        }
    }

    /// `Op!n` (the `n`-th item of the bulleted conjunction or disjunction that is the body of
    /// the definition `Op` without parameters) and `Op!:` (the body of `Op`, as for a named
    /// theorem); other subexpression references are unsupported.
    fn subexpression(
        &mut self,
        scope: &mut Scope,
        node: Node,
        span: Span,
    ) -> Result<Expr, TlaError> {
        let unsupported = |loader: &Self| {
            Err(loader.unsupported(
                scope.file,
                node,
                "this subexpression reference (only `Op!n` and `Op!:` for a definition `Op` without parameters)",
            ))
        };
        let children = kids(node);
        let (Some(prefix), Some(nav)) = (children.first(), children.last()) else {
            return unsupported(self);
        };
        let components = kids(*prefix);
        let [component] = components.as_slice() else {
            return unsupported(self);
        };
        let inner = kids(*component).into_iter().next().unwrap_or(*component);
        if inner.kind() != "identifier_ref" {
            return unsupported(self);
        }
        let name = scope.text_of(inner);
        let step = kids(*nav).into_iter().next().unwrap_or(*nav);
        let global = if scope.lookup(&name).is_none() {
            self.ns.get(&name).cloned()
        } else {
            None
        };
        let Some(Global::Def(id)) = global else {
            return unsupported(self);
        };
        if !self.param_kinds[id as usize].is_empty() || self.function_defs[id as usize] {
            return unsupported(self);
        }
        match step.kind() {
            "colon" => self.apply_name(scope, node, &name, Vec::new(), span),
            "child_id" => {
                let Ok(n) = scope.text_of(step).parse::<usize>() else {
                    return unsupported(self);
                };
                if self.expanding.contains(&id) {
                    return unsupported(self);
                }
                self.expanding.push(id);
                let result = self.expand_part(scope, id, Vec::new(), Some((Part::Nth(n), node)));
                self.expanding.pop();
                result
            }
            _ => unsupported(self),
        }
    }

    /// `N!Op` or `N!Op(args)` (and `N!M!Op` through nested instances).
    fn prefixed_op(&mut self, scope: &mut Scope, node: Node, span: Span) -> Result<Expr, TlaError> {
        let (Some(prefix), Some(op)) = (
            node.child_by_field_name("prefix"),
            node.child_by_field_name("op"),
        ) else {
            return Err(self.semantic(scope.file, node, "malformed `N!Op`"));
        };
        let mut instance: Option<u32> = None;
        let mut qualified = String::new();
        let mut instance_args: Option<Vec<Expr>> = None;
        for component in kids(prefix) {
            let inner = kids(component).into_iter().next().unwrap_or(component);
            let (name_node, arg_nodes) = match inner.kind() {
                "identifier_ref" => (inner, Vec::new()),
                "bound_op" => match inner.child_by_field_name("name") {
                    Some(n) => (n, field_kids(inner, "parameter")),
                    None => return Err(self.semantic(scope.file, inner, "malformed `N(x)!Op`")),
                },
                _ => {
                    return Err(self.unsupported(
                        scope.file,
                        component,
                        "subexpression references (`Op!1`, `Op!<<`)",
                    ))
                }
            };
            let name = scope.text_of(name_node);
            qualified.push_str(&name);
            qualified.push('!');
            let names = match instance {
                None => Some(&self.ns),
                Some(id) => self.instances.get(id as usize),
            };
            let id = match names.and_then(|ns| ns.get(&name)) {
                Some(Global::Instance(id)) => *id,
                Some(Global::Def(def)) if instance.is_none() => {
                    // `Op!lab`: the expression labelled `lab::` in Op's body.
                    let def = *def;
                    let label = (op.kind() == "identifier_ref"
                        && arg_nodes.is_empty()
                        && kids(prefix).len() == 1
                        && self.param_kinds[def as usize].is_empty()
                        && !self.function_defs[def as usize]
                        && !self.expanding.contains(&def))
                    .then(|| scope.text_of(op));
                    let Some(label) = label else {
                        return Err(self.unsupported(
                            scope.file,
                            component,
                            "subexpression references (`Op!1`, `Op!<<`)",
                        ));
                    };
                    self.expanding.push(def);
                    let result =
                        self.expand_part(scope, def, Vec::new(), Some((Part::Label(label), node)));
                    self.expanding.pop();
                    return result;
                }
                None if self.failed_instances.contains_key(&name) => {
                    let (location, message) = self.failed_instances[&name].clone();
                    return Err(TlaError::Unsupported { location, message });
                }
                _ => {
                    return Err(self.semantic(
                        scope.file,
                        name_node,
                        format!("`{name}` is not an instance (`{name} == INSTANCE M`)"),
                    ))
                }
            };
            let arity = self.instance_arity.get(id as usize).copied().unwrap_or(0);
            if arity != arg_nodes.len() {
                return Err(self.semantic(
                    scope.file,
                    component,
                    format!(
                        "the instance `{name}` takes {arity} argument(s), given {}",
                        arg_nodes.len()
                    ),
                ));
            }
            if arity > 0 {
                if instance_args.is_some() {
                    return Err(self.unsupported(
                        scope.file,
                        component,
                        "a parameterized instance inside a parameterized instance",
                    ));
                }
                instance_args = Some(self.exprs(scope, &arg_nodes)?);
            }
            instance = Some(id);
        }
        let standard = instance.and_then(|id| self.standard_instances.get(&id).cloned());
        let names = instance.and_then(|id| self.instances.get(id as usize));
        let (name_node, arg_nodes) = match op.kind() {
            "identifier_ref" => (op, Vec::new()),
            "bound_op" => match op.child_by_field_name("name") {
                Some(n) => (n, field_kids(op, "parameter")),
                None => return Err(self.semantic(scope.file, op, "malformed operator")),
            },
            _ => {
                return Err(self.unsupported(scope.file, op, "this form of `N!Op`"));
            }
        };
        let name = scope.text_of(name_node);
        if let Some(modules) = standard {
            // `G!Op` for `G == INSTANCE Graphs`: the module's built-in operator, found among
            // that module's operators only; its arguments are the spec's expressions.
            if let Some((op, arity)) = Community::by_name(&name, &modules) {
                if arity != arg_nodes.len() {
                    return Err(self.semantic(
                        scope.file,
                        node,
                        format!(
                            "`{qualified}{name}` takes {arity} argument(s), given {}",
                            arg_nodes.len()
                        ),
                    ));
                }
                let args = self.community_args(scope, op, &arg_nodes)?;
                return Ok(Expr::new(Kind::Builtin(Builtin::Community(op), args), span));
            }
            if Builtin::by_name(&name).is_none() {
                return Err(self.semantic(
                    scope.file,
                    name_node,
                    format!("`{qualified}{name}` is not defined"),
                ));
            }
            return self.apply_global(scope, node, &name, None, arg_nodes, None, span);
        }
        let global = names.and_then(|ns| ns.get(&name)).cloned();
        match &global {
            None => {
                return Err(self.semantic(
                    scope.file,
                    name_node,
                    format!("`{qualified}{name}` is not defined"),
                ))
            }
            Some(Global::Def(_)) | Some(Global::Alias(_)) => {}
            Some(_) if instance_args.is_some() => {
                return Err(self.unsupported(
                    scope.file,
                    name_node,
                    format!("`{qualified}{name}`: a constant or variable of a parameterized instance (wrap it in a definition of the instantiated module)"),
                ))
            }
            Some(_) => {}
        }
        self.apply_global(scope, node, &name, global, arg_nodes, instance_args, span)
    }

    /// The arguments of community operator `op`: operators where it takes operators, values
    /// otherwise.
    fn community_args(
        &mut self,
        scope: &mut Scope,
        op: Community,
        arg_nodes: &[Node],
    ) -> Result<Vec<Expr>, TlaError> {
        let mut args = Vec::with_capacity(arg_nodes.len());
        for (i, arg) in arg_nodes.iter().enumerate() {
            args.push(match op.operator_argument(i) {
                Some(arity) => self.op_arg(scope, *arg, arity)?,
                None => self.expr(scope, *arg)?,
            });
        }
        Ok(args)
    }

    fn exprs(&mut self, scope: &mut Scope, nodes: &[Node]) -> Result<Vec<Expr>, TlaError> {
        nodes.iter().map(|n| self.expr(scope, *n)).collect()
    }

    fn pattern(&mut self, scope: &mut Scope, intro: Node) -> Pattern {
        if intro.kind() == "tuple_of_identifiers" {
            let mut slots = Vec::new();
            for id in kids(intro).into_iter().filter(|n| n.kind() == "identifier") {
                let slot = scope.alloc();
                slots.push(slot);
                let name = scope.text_of(id);
                scope.bindings.push((name, Binding::Slot(slot)));
            }
            Pattern::Tuple(slots)
        } else {
            let slot = scope.alloc();
            let name = scope.text_of(intro);
            scope.bindings.push((name, Binding::Slot(slot)));
            Pattern::Slot(slot)
        }
    }

    /// Lowers an argument in operator position: a name, a LAMBDA or an operator symbol.
    fn op_arg(&mut self, scope: &mut Scope, node: Node, arity: usize) -> Result<Expr, TlaError> {
        let span = span_of(scope.file, node);
        let op = match node.kind() {
            "identifier_ref" => {
                let name = scope.text_of(node);
                match scope.lookup(&name) {
                    Some(Binding::Let(id, _)) => OpRef::Let(id),
                    Some(Binding::OpParam(slot, _)) => OpRef::Param(slot),
                    Some(Binding::Subst(index))
                        if matches!(scope.substs[index as usize].kind, Kind::OpArg(_)) =>
                    {
                        return Ok(scope.substs[index as usize].clone());
                    }
                    Some(Binding::Slot(_)) | Some(Binding::Subst(_)) => {
                        return Err(self.semantic(
                            scope.file,
                            node,
                            format!(
                            "`{name}` is a value, but an operator of {arity} arguments is expected"
                        ),
                        ))
                    }
                    None => match self.ns.get(&name) {
                        Some(Global::Def(id)) | Some(Global::Alias(id))
                            if self.def_lead[*id as usize] > 0 =>
                        {
                            return Err(self.unsupported(
                                scope.file,
                                node,
                                "an operator of a parameterized INSTANCE as an argument",
                            ))
                        }
                        Some(Global::Def(id)) | Some(Global::Alias(id)) => OpRef::Def(*id),
                        _ => match Builtin::by_name(&name).or_else(|| {
                            Community::by_name(&name, &self.community)
                                .map(|(op, arity)| (Builtin::Community(op), arity))
                        }) {
                            Some((b, _)) => OpRef::Builtin(b),
                            None => {
                                return Err(self.semantic(
                                    scope.file,
                                    node,
                                    format!("unknown operator `{name}`"),
                                ))
                            }
                        },
                    },
                }
            }
            "lambda" => {
                let children = kids(node);
                let Some((body_node, params)) = children.split_last() else {
                    return Err(self.semantic(scope.file, node, "malformed LAMBDA"));
                };
                let mark = scope.bindings.len();
                let mut slots = Vec::new();
                for p in params {
                    let slot = scope.alloc();
                    slots.push(slot);
                    let name = scope.text_of(*p);
                    scope.bindings.push((name, Binding::Slot(slot)));
                }
                let body = self.expr(scope, *body_node)?;
                scope.bindings.truncate(mark);
                let id = self.program.lets.len() as u32;
                self.program.lets.push(LetDef {
                    name: Sym::new("LAMBDA"),
                    params: slots,
                    body,
                    function: None,
                    recursive: false,
                    cache: None,
                    memo_slot: None,
                });
                OpRef::Let(id)
            }
            "infix_op_symbol" | "prefix_op_symbol" => {
                let symbol = kids(node).into_iter().next().unwrap_or(node);
                let key = format!("\\op:{}", symbol.kind());
                if let Some(Global::Def(id)) = self.ns.get(&key) {
                    OpRef::Def(*id)
                } else if let Some(b) = Builtin::by_infix(symbol.kind()) {
                    OpRef::Builtin(b)
                } else {
                    return Err(self.unsupported(
                        scope.file,
                        node,
                        format!("the operator `{}` as an argument", scope.text_of(node)),
                    ));
                }
            }
            _ => {
                return Err(self.semantic(
                    scope.file,
                    node,
                    format!("expected an operator of {arity} arguments"),
                ))
            }
        };
        Ok(Expr {
            kind: Kind::OpArg(op),
            span,
            code: None,
        })
    }

    /// `name` or `name(args)`.
    fn apply_name(
        &mut self,
        scope: &mut Scope,
        node: Node,
        name: &str,
        arg_nodes: Vec<Node>,
        span: Span,
    ) -> Result<Expr, TlaError> {
        let mk = |kind| Ok(Expr::new(kind, span));
        let count = arg_nodes.len();
        let file = scope.file;
        let arity_error = |loader: &Self, expected: usize| {
            Err(loader.semantic(
                file,
                node,
                format!("`{name}` takes {expected} argument(s), given {count}"),
            ))
        };
        if let Some(binding) = scope.lookup(name) {
            return match binding {
                Binding::Slot(slot) => {
                    if count > 0 {
                        return arity_error(self, 0);
                    }
                    mk(Kind::Local(slot))
                }
                Binding::Subst(index) => {
                    let subst = scope.substs[index as usize].clone();
                    if count == 0 {
                        return Ok(subst);
                    }
                    // An operator argument of a definition expanded in place, applied.
                    let Kind::OpArg(op) = subst.kind else {
                        return arity_error(self, 0);
                    };
                    let args = self.exprs(scope, &arg_nodes)?;
                    match op {
                        OpRef::Def(id) => {
                            if self.param_kinds[id as usize].len() != count {
                                return arity_error(self, self.param_kinds[id as usize].len());
                            }
                            mk(Kind::Call(id, args))
                        }
                        OpRef::Let(id) => mk(Kind::LetCall(id, args)),
                        OpRef::Param(slot) => mk(Kind::ParamCall(slot, args)),
                        OpRef::Builtin(builtin) => mk(Kind::Builtin(builtin, args)),
                    }
                }
                Binding::OpParam(slot, arity) => {
                    if count != arity {
                        return arity_error(self, arity);
                    }
                    let args = self.exprs(scope, &arg_nodes)?;
                    mk(Kind::ParamCall(slot, args))
                }
                Binding::Let(id, arity) => {
                    if count != arity {
                        return arity_error(self, arity);
                    }
                    if scope.lowering_lets.contains(&id) {
                        if let Some(l) = self.program.lets.get_mut(id as usize) {
                            l.recursive = true;
                        }
                        scope.self_recursive_lets.push(id);
                    }
                    let args = self.exprs(scope, &arg_nodes)?;
                    mk(Kind::LetCall(id, args))
                }
            };
        }
        let global = self.ns.get(name).cloned();
        self.apply_global(scope, node, name, global, arg_nodes, None, span)
    }

    /// A call of a definition whose body primes a parameter, expanded in place: its body is
    /// lowered again in the caller's frame with the parameters standing for the argument
    /// expressions, so that `q'` in `Lose(q)` called as `Lose(msgQ)` means `msgQ'`.
    fn expand(&mut self, scope: &mut Scope, id: u32, args: Vec<Expr>) -> Result<Expr, TlaError> {
        self.expand_part(scope, id, args, None)
    }

    /// [`Loader::expand`], of the whole body or (`Op!n`) of its `n`-th conjunct or disjunct.
    fn expand_part(
        &mut self,
        scope: &mut Scope,
        id: u32,
        args: Vec<Expr>,
        part: Option<(Part, Node)>,
    ) -> Result<Expr, TlaError> {
        let (file, start, end) = self.def_sites[id as usize];
        let Some(tree) = self.trees.get(&file).cloned() else {
            return Err(TlaError::Semantic {
                location: Location {
                    file: self.path(file),
                    line: 1,
                    column: 1,
                },
                message: "definition source not loaded".into(),
            });
        };
        let mut node = tree.root_node();
        while let Some(child) = node.descendant_for_byte_range(start, end) {
            if child.id() == node.id() {
                break;
            }
            node = child;
        }
        while node.start_byte() == start
            && node.end_byte() == end
            && node.kind() != "operator_definition"
        {
            match node.parent() {
                Some(p) if p.start_byte() == start && p.end_byte() == end => node = p,
                _ => break,
            }
        }
        // A LAMBDA substituted for an operator constant (`WITH Op <- LAMBDA x : e`) is a
        // definition whose parameters are its first children and whose body is the last.
        let lambda_parts = (node.kind() == "lambda")
            .then(|| kids(node))
            .and_then(|children| children.split_last().map(|(b, p)| (*b, p.to_vec())));
        let Some(mut body_node) = lambda_parts.as_ref().map(|(body, _)| *body).or_else(|| {
            node.child_by_field_name("definition")
                .or_else(|| node.child_by_field_name("statement"))
        }) else {
            return Err(self.semantic(file, node, "definition without a body"));
        };
        if let Some((Part::Label(label), at)) = &part {
            let text = self.text(file);
            match find_label(body_node, label, &text) {
                Some(expression) => body_node = expression,
                None => {
                    return Err(self.unsupported(
                        scope.file,
                        *at,
                        format!(
                            "this subexpression reference: the definition has no label `{label}` \
                             outside quantifiers and LETs"
                        ),
                    ))
                }
            }
        }
        if let Some((Part::Nth(n), at)) = part {
            while body_node.kind() == "parentheses" {
                match kids(body_node).into_iter().next() {
                    Some(inner) => body_node = inner,
                    None => break,
                }
            }
            let items: Vec<Node> = if matches!(body_node.kind(), "conj_list" | "disj_list") {
                kids(body_node)
                    .into_iter()
                    .filter_map(|item| {
                        kids(item)
                            .into_iter()
                            .find(|k| !matches!(k.kind(), "bullet_conj" | "bullet_disj"))
                    })
                    .collect()
            } else {
                Vec::new()
            };
            match n.checked_sub(1).and_then(|i| items.get(i)) {
                Some(item) => body_node = *item,
                None => {
                    return Err(self.unsupported(
                        scope.file,
                        at,
                        format!(
                            "this subexpression reference: the definition has no conjunct or disjunct {n} in a bulleted list"
                        ),
                    ))
                }
            }
        }
        let params = match lambda_parts {
            Some((_, params)) => params,
            None => field_kids(node, "parameter"),
        };
        let saved_bindings = std::mem::take(&mut scope.bindings);
        let saved_file = scope.file;
        let saved_text = std::mem::replace(&mut scope.text, self.text(file));
        scope.file = file;
        for (param, arg) in params.into_iter().zip(args) {
            let name_node = if param.kind() == "operator_declaration" {
                param.child_by_field_name("name").unwrap_or(param)
            } else {
                param
            };
            let name = scope.text_of(name_node);
            scope.substs.push(arg);
            let index = scope.substs.len() as u32 - 1;
            scope.bindings.push((name, Binding::Subst(index)));
        }
        // The body's names are the definition's module's (or instance's), and so is the
        // number of leading instance parameters.
        let home = self
            .def_ns
            .get(&id)
            .copied()
            .filter(|&home| home != self.current_ns && home < self.namespaces.len());
        if let Some(home) = home {
            std::mem::swap(&mut self.ns, &mut self.namespaces[home]);
        }
        let target_ns = home.unwrap_or(self.current_ns);
        let saved_ns = std::mem::replace(&mut self.current_ns, target_ns);
        let saved_lead = std::mem::replace(&mut self.lead, self.def_lead[id as usize]);
        self.expanding.push(id);
        let body = self.expr(scope, body_node);
        self.expanding.pop();
        self.lead = saved_lead;
        self.current_ns = saved_ns;
        if let Some(home) = home {
            std::mem::swap(&mut self.ns, &mut self.namespaces[home]);
        }
        scope.bindings = saved_bindings;
        scope.file = saved_file;
        scope.text = saved_text;
        body
    }

    /// `name(args)` where `name` is the module-level `global` (or a built-in when `None`).
    /// `instance_args` are the arguments of a parameterized instance (`I(v)!Op(args)`).
    #[allow(clippy::too_many_arguments)]
    fn apply_global(
        &mut self,
        scope: &mut Scope,
        node: Node,
        name: &str,
        global: Option<Global>,
        arg_nodes: Vec<Node>,
        instance_args: Option<Vec<Expr>>,
        span: Span,
    ) -> Result<Expr, TlaError> {
        let mk = |kind| Ok(Expr::new(kind, span));
        let count = arg_nodes.len();
        let arity_error = |loader: &Self, expected: usize| {
            Err(loader.semantic(
                scope.file,
                node,
                format!("`{name}` takes {expected} argument(s), given {count}"),
            ))
        };
        match global {
            Some(Global::Subst(expr)) => {
                if count > 0 {
                    return arity_error(self, 0);
                }
                Ok(expr)
            }
            Some(Global::Instance(_)) => Err(self.semantic(
                scope.file,
                node,
                format!("`{name}` is an instance; use `{name}!Op`"),
            )),
            Some(Global::Var(index)) => {
                if count > 0 {
                    return arity_error(self, 0);
                }
                mk(Kind::Var(index))
            }
            Some(Global::Const(value)) => {
                if count > 0 {
                    return arity_error(self, 0);
                }
                mk(Kind::Lit(value))
            }
            Some(Global::Def(id)) | Some(Global::Alias(id))
                if self.program.unsupported_defs.contains_key(&id) =>
            {
                let (location, message) = self.program.unsupported_defs[&id].clone();
                Err(TlaError::Unsupported { location, message })
            }
            Some(Global::Def(id)) | Some(Global::Alias(id))
                if self.failed_theorems.contains_key(&id) =>
            {
                let reason = self.failed_theorems[&id].clone();
                let what = if self.instance_originals.contains(&id) {
                    "definition"
                } else {
                    "theorem"
                };
                Err(self.unsupported(
                    scope.file,
                    node,
                    format!("the {what} `{name}` cannot be evaluated: {reason}"),
                ))
            }
            Some(Global::Def(id)) | Some(Global::Alias(id)) => {
                let lead = self.def_lead[id as usize];
                let kinds = self.param_kinds[id as usize][lead..].to_vec();
                if kinds.len() != count {
                    return arity_error(self, kinds.len());
                }
                // The arguments of a parameterized instance come first: given by `I(v)!Op`,
                // or, inside the instance, its own (the first slots of every definition).
                let from_outside = instance_args.is_some();
                let mut args = match instance_args {
                    Some(args) => args,
                    None if lead == 0 => Vec::new(),
                    None if lead == self.lead => {
                        (0..lead as u32).map(|slot| local(slot, span)).collect()
                    }
                    None => {
                        return Err(self.semantic(
                            scope.file,
                            node,
                            format!("`{name}` belongs to a parameterized instance"),
                        ))
                    }
                };
                if args.len() != lead {
                    return Err(self.semantic(
                        scope.file,
                        node,
                        format!(
                            "the instance of `{name}` takes {lead} argument(s), given {}",
                            args.len()
                        ),
                    ));
                }
                for (arg, kind) in arg_nodes.iter().zip(&kinds) {
                    args.push(match kind {
                        ParamKind::Value => self.expr(scope, *arg)?,
                        ParamKind::Operator(arity) => self.op_arg(scope, *arg, *arity)?,
                    });
                }
                // TLA+ substitutes arguments by name: a definition that primes a parameter, or
                // an argument that is itself primed (`Send(p, d, memInt, memInt')`), is
                // expanded in place so that the prime reaches the variable.
                // An argument that is an action through the definitions it calls
                // (`NoStutter(l0(self))`) is substituted by name too.
                // A definition not lowered yet (one of the instantiating module, used by an
                // instance) is expanded when given a variable, as it might assign it.
                let by_name = self.call_by_name[id as usize]
                    || ((self.assigns_params.contains(&id) || !self.lowered.contains(&id))
                        && args.iter().any(|a| matches!(a.kind, Kind::Var(_))))
                    || args.iter_mut().any(|a| mentions_prime(a, 0))
                    || args.iter_mut().any(|a| self.is_action(a, 0));
                if by_name && !self.expanding.contains(&id) {
                    if from_outside && lead > 0 {
                        // The expanded body reads the instance's arguments from the first
                        // slots, which are the caller's own only inside the instance.
                        return Err(self.unsupported(
                            scope.file,
                            node,
                            "an operator of a parameterized INSTANCE that primes its parameters",
                        ));
                    }
                    let own = args.split_off(lead);
                    return self.expand(scope, id, own);
                }
                mk(Kind::Call(id, args))
            }
            None => {
                if name == "Any" {
                    return Err(self.unsupported(
                        scope.file,
                        node,
                        format!("the standard-module operator `{name}`"),
                    ));
                }
                if let Some((op, arity)) = Community::by_name(name, &self.community) {
                    if arity != count {
                        return arity_error(self, arity);
                    }
                    let args = self.community_args(scope, op, &arg_nodes)?;
                    return mk(Kind::Builtin(Builtin::Community(op), args));
                }
                let Some((builtin, arity)) = Builtin::by_name(name) else {
                    return Err(self.semantic(
                        scope.file,
                        node,
                        format!("unknown identifier `{name}`"),
                    ));
                };
                if arity != count {
                    return arity_error(self, arity);
                }
                let mut args = Vec::with_capacity(count);
                for (i, arg) in arg_nodes.iter().enumerate() {
                    let op_position = matches!(
                        (builtin, i),
                        (Builtin::SelectSeq, 1) | (Builtin::SortSeq, 1)
                    );
                    args.push(if op_position {
                        self.op_arg(scope, *arg, 1)?
                    } else {
                        self.expr(scope, *arg)?
                    });
                }
                mk(Kind::Builtin(builtin, args))
            }
        }
    }

    fn prefix(&mut self, scope: &mut Scope, node: Node, span: Span) -> Result<Expr, TlaError> {
        let mk = |kind| Ok(Expr::new(kind, span));
        let (Some(symbol), Some(rhs)) = (
            node.child_by_field_name("symbol"),
            node.child_by_field_name("rhs"),
        ) else {
            return Err(self.semantic(scope.file, node, "malformed prefix operator"));
        };
        let kind = symbol.kind();
        if let Some(Global::Def(id)) = self.ns.get(&format!("\\op:{kind}")).cloned() {
            let arg = self.expr(scope, rhs)?;
            return mk(Kind::Call(id, vec![arg]));
        }
        match kind {
            "always" => {
                let inner = self.expr(scope, rhs)?;
                return mk(Kind::Always(Box::new(inner)));
            }
            "eventually" => {
                let inner = self.expr(scope, rhs)?;
                return mk(Kind::Eventually(Box::new(inner)));
            }
            "enabled" => {
                let action = self.expr(scope, rhs)?;
                return mk(Kind::Enabled(Box::new(action)));
            }
            _ => {}
        }
        let arg = self.expr(scope, rhs)?;
        match kind {
            "lnot" => mk(Kind::Not(Box::new(arg))),
            "negative" => mk(Kind::Builtin(Builtin::Neg, vec![arg])),
            "powerset" => mk(Kind::Builtin(Builtin::Powerset, vec![arg])),
            "union" => mk(Kind::Builtin(Builtin::Union, vec![arg])),
            "domain" => mk(Kind::Builtin(Builtin::Domain, vec![arg])),
            "unchanged" => mk(Kind::Unchanged(Box::new(arg))),
            other => Err(self.unsupported(scope.file, node, format!("prefix operator `{other}`"))),
        }
    }

    fn infix(&mut self, scope: &mut Scope, node: Node, span: Span) -> Result<Expr, TlaError> {
        let mk = |kind| Ok(Expr::new(kind, span));
        let (Some(lhs), Some(symbol), Some(rhs)) = (
            node.child_by_field_name("lhs"),
            node.child_by_field_name("symbol"),
            node.child_by_field_name("rhs"),
        ) else {
            return Err(self.semantic(scope.file, node, "malformed infix operator"));
        };
        let kind = symbol.kind();
        if let Some(Global::Def(id)) = self.ns.get(&format!("\\op:{kind}")).cloned() {
            let a = self.expr(scope, lhs)?;
            let b = self.expr(scope, rhs)?;
            return mk(Kind::Call(id, vec![a, b]));
        }
        match kind {
            "land" | "lor" => {
                let a = self.expr(scope, lhs)?;
                let b = self.expr(scope, rhs)?;
                let mut items = Vec::new();
                for e in [a, b] {
                    match (kind, e.kind) {
                        ("land", Kind::And(inner)) | ("lor", Kind::Or(inner)) => {
                            items.extend(inner)
                        }
                        (_, k) => items.push(Expr {
                            kind: k,
                            span: e.span,
                            code: None,
                        }),
                    }
                }
                mk(if kind == "land" {
                    Kind::And(items)
                } else {
                    Kind::Or(items)
                })
            }
            "implies" => {
                let a = self.expr(scope, lhs)?;
                let b = self.expr(scope, rhs)?;
                mk(Kind::Implies(Box::new(a), Box::new(b)))
            }
            "equiv" | "iff" => {
                let a = self.expr(scope, lhs)?;
                let b = self.expr(scope, rhs)?;
                mk(Kind::Equiv(Box::new(a), Box::new(b)))
            }
            "leads_to" => {
                let a = self.expr(scope, lhs)?;
                let b = self.expr(scope, rhs)?;
                mk(Kind::LeadsTo(Box::new(a), Box::new(b)))
            }
            "plus_arrow" => mk(Kind::Temporal("-+->")),
            "cdot" => {
                let a = self.expr(scope, lhs)?;
                let b = self.expr(scope, rhs)?;
                mk(Kind::Compose(Box::new(a), Box::new(b)))
            }
            "times" => {
                // `A \X B \X C` is one ternary product, not a nested pair.
                let mut sets = Vec::new();
                let mut left = lhs;
                let mut rights = vec![rhs];
                while left.kind() == "bound_infix_op"
                    && left
                        .child_by_field_name("symbol")
                        .is_some_and(|s| s.kind() == "times")
                {
                    if let (Some(l), Some(r)) = (
                        left.child_by_field_name("lhs"),
                        left.child_by_field_name("rhs"),
                    ) {
                        rights.push(r);
                        left = l;
                    } else {
                        break;
                    }
                }
                sets.push(self.expr(scope, left)?);
                for r in rights.into_iter().rev() {
                    sets.push(self.expr(scope, r)?);
                }
                mk(Kind::Builtin(Builtin::Product, sets))
            }
            "amp" | "vert" | "powpow"
                if Community::by_name(&scope.text_of(symbol), &self.community).is_some() =>
            {
                // `&`, `|` and `^^` of the community module Bitwise.
                let Some((op, _)) = Community::by_name(&scope.text_of(symbol), &self.community)
                else {
                    return Err(self.semantic(scope.file, node, "malformed infix operator"));
                };
                let a = self.expr(scope, lhs)?;
                let b = self.expr(scope, rhs)?;
                mk(Kind::Builtin(Builtin::Community(op), vec![a, b]))
            }
            other => {
                let Some(builtin) = Builtin::by_infix(other) else {
                    return Err(self.unsupported(
                        scope.file,
                        node,
                        format!("the infix operator `{}`", scope.text_of(symbol)),
                    ));
                };
                let a = self.expr(scope, lhs)?;
                let b = self.expr(scope, rhs)?;
                mk(Kind::Builtin(builtin, vec![a, b]))
            }
        }
    }

    fn except(&mut self, scope: &mut Scope, node: Node, span: Span) -> Result<Expr, TlaError> {
        let Some(base_node) = node.child_by_field_name("expr_to_update") else {
            return Err(self.semantic(scope.file, node, "malformed EXCEPT"));
        };
        let base = self.expr(scope, base_node)?;
        let mut updates = Vec::new();
        for update in kids(node)
            .into_iter()
            .filter(|n| n.kind() == "except_update")
        {
            let Some(spec) = kids(update)
                .into_iter()
                .find(|n| n.kind() == "except_update_specifier")
            else {
                return Err(self.semantic(scope.file, update, "malformed EXCEPT update"));
            };
            let mut path = Vec::new();
            for step in kids(spec) {
                match step.kind() {
                    "except_update_record_field" => {
                        let field = kids(step)
                            .into_iter()
                            .next()
                            .map(|n| scope.text_of(n))
                            .unwrap_or_default();
                        path.push(PathStep::Field(Sym::new(&field)));
                    }
                    _ => {
                        let indices = self.exprs(scope, &kids(step))?;
                        path.push(PathStep::Index(indices));
                    }
                }
            }
            let Some(value_node) = update.child_by_field_name("new_val") else {
                return Err(self.semantic(scope.file, update, "EXCEPT update without a value"));
            };
            let at_slot = scope.alloc();
            scope
                .bindings
                .push(("@".to_string(), Binding::Slot(at_slot)));
            let value = self.expr(scope, value_node)?;
            scope.bindings.pop();
            updates.push(ExceptUpdate {
                path,
                value,
                at_slot,
            });
        }
        Ok(Expr {
            kind: Kind::Except(Box::new(base), updates),
            span,
            code: None,
        })
    }

    fn let_in(&mut self, scope: &mut Scope, node: Node) -> Result<Expr, TlaError> {
        let mark = scope.bindings.len();
        let definitions = field_kids(node, "definitions");
        let declared_recursive: Vec<String> = definitions
            .iter()
            .filter(|d| d.kind() == "recursive_declaration")
            .flat_map(|d| kids(*d))
            .map(|n| {
                let name = if n.kind() == "operator_declaration" {
                    n.child_by_field_name("name").unwrap_or(n)
                } else {
                    n
                };
                scope.text_of(name)
            })
            .collect();
        // Declare every name of the block first, so RECURSIVE definitions can refer forward.
        let mut ids = Vec::new();
        let mut cache_slots = Vec::new();
        for def in &definitions {
            match def.kind() {
                "operator_definition" | "function_definition" => {
                    let Some(name_node) = def.child_by_field_name("name") else {
                        continue;
                    };
                    if name_node.kind() != "identifier" {
                        return Err(self.unsupported(
                            scope.file,
                            *def,
                            "LET definitions of infix or prefix operators",
                        ));
                    }
                    let name = scope.text_of(name_node);
                    let arity = field_kids(*def, "parameter").len();
                    let id = self.program.lets.len() as u32;
                    self.program.lets.push(LetDef {
                        name: Sym::new(&name),
                        params: Vec::new(),
                        body: Expr {
                            kind: Kind::Lit(Value::Bool(false)),
                            span: Span::default(),
                            code: None,
                        },
                        // Marked as a function now, so that its body's `f[x]` applies it lazily.
                        function: (def.kind() == "function_definition").then(Vec::new),
                        recursive: declared_recursive.contains(&name),
                        cache: None,
                        memo_slot: None,
                    });
                    scope.bindings.push((name, Binding::Let(id, arity)));
                    ids.push((id, *def));
                }
                "recursive_declaration" => {}
                // A named INSTANCE, declared with the module's definitions (`let_instances`).
                "module_definition" => {}
                _ => {
                    return Err(self.unsupported(
                        scope.file,
                        *def,
                        format!("`{}` in a LET", def.kind()),
                    ))
                }
            }
        }
        for (id, def) in ids {
            let inner_mark = scope.bindings.len();
            let mut params = Vec::new();
            let mut function = None;
            if def.kind() == "function_definition" {
                let bound_nodes: Vec<Node> = kids(def)
                    .into_iter()
                    .filter(|n| n.kind() == "quantifier_bound")
                    .collect();
                function = Some(self.bounds(scope, &bound_nodes)?);
            } else {
                for param in field_kids(def, "parameter") {
                    if param.kind() == "operator_declaration" {
                        return Err(self.unsupported(
                            scope.file,
                            param,
                            "operator parameters of LET definitions",
                        ));
                    }
                    let slot = scope.alloc();
                    params.push(slot);
                    let name = scope.text_of(param);
                    scope.bindings.push((name, Binding::Slot(slot)));
                }
            }
            let Some(body_node) = def.child_by_field_name("definition") else {
                return Err(self.semantic(scope.file, def, "definition without a body"));
            };
            scope.lowering_lets.push(id);
            let body = self.expr(scope, body_node)?;
            scope.lowering_lets.pop();
            scope.bindings.truncate(inner_mark);
            let entry = &mut self.program.lets[id as usize];
            entry.params = params;
            entry.body = body;
            if function.is_some() && scope.self_recursive_lets.contains(&id) {
                entry.recursive = true;
            }
            entry.function = function;
            // A slot to memoize it in, if it has no parameters; `mark_memoized_lets` keeps it only
            // for definitions whose value depends on the current state alone.
            if entry.function.is_none() && entry.params.is_empty() && !entry.recursive {
                let slot = scope.alloc();
                self.program.lets[id as usize].memo_slot = Some(slot);
                cache_slots.push(slot);
            }
        }
        let Some(body_node) = node.child_by_field_name("expression") else {
            return Err(self.semantic(scope.file, node, "LET without IN"));
        };
        let body = self.expr(scope, body_node)?;
        scope.bindings.truncate(mark);
        Ok(Expr {
            kind: Kind::Let(Box::new(body), cache_slots.into_boxed_slice()),
            span: span_of(scope.file, node),
            code: None,
        })
    }
}

/// The bound variable or parameter in `slot`.
fn local(slot: u32, span: Span) -> Expr {
    Expr {
        kind: Kind::Local(slot),
        span,
        code: None,
    }
}

fn span_of(file: u32, node: Node) -> Span {
    let p = node.start_position();
    Span {
        file,
        start: node.start_byte() as u32,
        end: node.end_byte() as u32,
        line: p.row as u32 + 1,
        column: p.column as u32 + 1,
    }
}

#[derive(Clone, Copy, Debug)]
enum Binding {
    /// A value in a slot.
    Slot(u32),
    /// An operator parameter in a slot, with its arity.
    OpParam(u32, usize),
    /// A LET definition with its arity.
    Let(u32, usize),
    /// A parameter of a definition expanded in place: the argument expression
    /// (`Scope::substs`).
    Subst(u32),
}

/// The names in scope while lowering one module-level definition.
struct Scope {
    file: u32,
    text: Arc<str>,
    bindings: Vec<(String, Binding)>,
    /// The argument expressions of definitions expanded in place.
    substs: Vec<Expr>,
    slots: u32,
    lowering_lets: Vec<u32>,
    self_recursive_lets: Vec<u32>,
    /// How deep the expression being lowered is nested.
    depth: usize,
}

impl Scope {
    fn new(file: u32, text: Arc<str>) -> Self {
        Scope {
            file,
            text,
            bindings: Vec::new(),
            substs: Vec::new(),
            slots: 0,
            lowering_lets: Vec::new(),
            self_recursive_lets: Vec::new(),
            depth: 0,
        }
    }

    fn alloc(&mut self) -> u32 {
        self.slots += 1;
        self.slots - 1
    }

    fn text_of(&self, node: Node) -> String {
        self.text.get(node.byte_range()).unwrap_or("").to_string()
    }

    fn lookup(&self, name: &str) -> Option<Binding> {
        self.bindings
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, b)| *b)
    }
}

/// Whether `e` primes (or leaves UNCHANGED) one of the first `arity` slots: the value
/// parameters of the definition whose body it is.
fn primes_params(prog: &Program, e: &mut Expr, arity: u32, primed: bool, depth: usize) -> bool {
    if depth > 200 {
        return false;
    }
    match &mut e.kind {
        Kind::Local(slot) => return primed && *slot < arity,
        Kind::Prime(inner) | Kind::Unchanged(inner) => {
            return primes_params(prog, inner, arity, true, depth + 1)
        }
        Kind::LetCall(id, args) => {
            if args
                .iter_mut()
                .any(|a| primes_params(prog, a, arity, primed, depth + 1))
            {
                return true;
            }
            let Some(def) = prog.lets.get(*id as usize) else {
                return false;
            };
            if def.recursive {
                return false;
            }
            let mut body = def.body.clone();
            return primes_params(prog, &mut body, arity, primed, depth + 1);
        }
        _ => {}
    }
    let mut children: Vec<&mut Expr> = Vec::new();
    crate::fold::collect_children(e, &mut children);
    children
        .into_iter()
        .any(|c| primes_params(prog, c, arity, primed, depth + 1))
}

/// Whether `e` has `p = e` or `p \in S` for one of the first `arity` slots `p`.
fn compares_params(e: &Expr, arity: u32, depth: usize) -> bool {
    if depth > 200 {
        return false;
    }
    if let Kind::Builtin(Builtin::Eq | Builtin::In, args) = &e.kind {
        if matches!(args.first().map(|a| &a.kind), Some(Kind::Local(slot)) if *slot < arity) {
            return true;
        }
    }
    let mut e = e.clone();
    let mut children: Vec<&mut Expr> = Vec::new();
    crate::fold::collect_children(&mut e, &mut children);
    children
        .into_iter()
        .any(|c| compares_params(c, arity, depth + 1))
}

/// Whether `e` reads a bound variable or parameter.
fn mentions_local(e: &Expr, depth: usize) -> bool {
    if depth > 200 {
        return true;
    }
    if matches!(e.kind, Kind::Local(_)) {
        return true;
    }
    let mut e = e.clone();
    let mut children: Vec<&mut Expr> = Vec::new();
    crate::fold::collect_children(&mut e, &mut children);
    children.into_iter().any(|c| mentions_local(c, depth + 1))
}

/// Whether `e` mentions the next state (a prime or UNCHANGED) outside any definition it calls.
fn mentions_prime(e: &mut Expr, depth: usize) -> bool {
    if depth > 200 {
        return false;
    }
    if matches!(
        e.kind,
        Kind::Prime(_) | Kind::Unchanged(_) | Kind::UnchangedVars(_) | Kind::StepOrStutter(..)
    ) {
        return true;
    }
    let mut children: Vec<&mut Expr> = Vec::new();
    crate::fold::collect_children(e, &mut children);
    children.into_iter().any(|c| mentions_prime(c, depth + 1))
}
