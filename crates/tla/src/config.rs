//! TLC's configuration files (`.cfg`).

use std::path::Path;

use crate::error::{Location, TlaError};

/// A value given to a constant in the configuration.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum CfgValue {
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
    /// `TRUE` or `FALSE`.
    Bool(bool),
    /// A model value.
    Model(String),
    /// A set of values.
    Set(Vec<CfgValue>),
}

/// A name with where it appears.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Named {
    /// The name.
    pub name: String,
    /// Where.
    pub location: Location,
}

/// An override of a name in one module: `C = [M] value` or `C <- [M] Def`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Qualified {
    /// The module `M`.
    pub module: String,
    /// The name overridden.
    pub name: Named,
    /// The value or definition that replaces it.
    pub with: Override,
}

/// What replaces a name in the configuration.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Override {
    /// `= value`.
    Value(CfgValue),
    /// `<- Def`.
    Def(Named),
}

/// A parsed configuration.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// `C = value`.
    pub constants: Vec<(Named, CfgValue)>,
    /// `C <- Def`.
    pub substitutions: Vec<(Named, Named)>,
    /// `C = [M] value` and `C <- [M] Def`: an override that applies in module `M` only.
    pub qualified: Vec<Qualified>,
    /// ALIAS: what traces show of each state.
    pub alias: Option<Named>,
    /// INIT.
    pub init: Option<Named>,
    /// NEXT.
    pub next: Option<Named>,
    /// SPECIFICATION.
    pub specification: Option<Named>,
    /// INVARIANT(S).
    pub invariants: Vec<Named>,
    /// PROPERTY/PROPERTIES.
    pub properties: Vec<Named>,
    /// CONSTRAINT(S).
    pub constraints: Vec<Named>,
    /// ACTION_CONSTRAINT(S).
    pub action_constraints: Vec<Named>,
    /// SYMMETRY.
    pub symmetry: Option<Named>,
    /// VIEW.
    pub view: Option<Named>,
    /// CHECK_DEADLOCK.
    pub check_deadlock: Option<bool>,
    /// POSTCONDITION(S): constant formulas checked once the search is over.
    pub postconditions: Vec<Named>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
enum Token {
    Word(String),
    Int(i64),
    Str(String),
    Symbol(&'static str),
}

struct Lexer<'a> {
    text: &'a [u8],
    pos: usize,
    line: u32,
    column: u32,
    file: &'a Path,
}

impl<'a> Lexer<'a> {
    fn location(&self) -> Location {
        Location {
            file: self.file.to_path_buf(),
            line: self.line,
            column: self.column,
        }
    }

    fn error(&self, message: impl Into<String>) -> TlaError {
        TlaError::Config {
            location: self.location(),
            message: message.into(),
        }
    }

    fn bump(&mut self) {
        if self.text[self.pos] == b'\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        self.pos += 1;
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.text.get(self.pos + offset).copied()
    }

    fn skip_blanks(&mut self) -> Result<(), TlaError> {
        loop {
            match (self.peek_at(0), self.peek_at(1)) {
                (Some(c), _) if c.is_ascii_whitespace() => self.bump(),
                (Some(b'\\'), Some(b'*')) => {
                    while self.peek_at(0).is_some_and(|c| c != b'\n') {
                        self.bump();
                    }
                }
                (Some(b'('), Some(b'*')) => {
                    let start = self.location();
                    let mut depth = 0usize;
                    loop {
                        match (self.peek_at(0), self.peek_at(1)) {
                            (Some(b'('), Some(b'*')) => {
                                depth += 1;
                                self.bump();
                                self.bump();
                            }
                            (Some(b'*'), Some(b')')) => {
                                depth -= 1;
                                self.bump();
                                self.bump();
                                if depth == 0 {
                                    break;
                                }
                            }
                            (Some(_), _) => self.bump(),
                            (None, _) => {
                                return Err(TlaError::Config {
                                    location: start,
                                    message: "unterminated comment".into(),
                                })
                            }
                        }
                    }
                }
                (Some(b'-'), Some(b'-')) | (Some(b'='), Some(b'=')) => {
                    // Module-style separator lines are allowed around configurations.
                    while self.peek_at(0).is_some_and(|c| c == b'-' || c == b'=') {
                        self.bump();
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// The next token and where it starts, or `None` at the end.
    fn next(&mut self) -> Result<Option<(Token, Location)>, TlaError> {
        self.skip_blanks()?;
        let location = self.location();
        let Some(c) = self.peek_at(0) else {
            return Ok(None);
        };
        let token = if c.is_ascii_alphanumeric() || c == b'_' {
            let start = self.pos;
            while self
                .peek_at(0)
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
            {
                self.bump();
            }
            let word = String::from_utf8_lossy(&self.text[start..self.pos]).into_owned();
            if word.bytes().all(|c| c.is_ascii_digit()) {
                Token::Int(
                    word.parse()
                        .map_err(|_| self.error(format!("integer `{word}` is too large")))?,
                )
            } else {
                Token::Word(word)
            }
        } else if c == b'-' && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            let start = self.pos;
            while self.peek_at(0).is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
            }
            let digits = String::from_utf8_lossy(&self.text[start..self.pos]).into_owned();
            let value: i64 = digits
                .parse()
                .map_err(|_| self.error(format!("integer `-{digits}` is too large")))?;
            Token::Int(-value)
        } else if c == b'"' {
            self.bump();
            let mut bytes = Vec::new();
            loop {
                match self.peek_at(0) {
                    None | Some(b'\n') => return Err(self.error("unterminated string")),
                    Some(b'"') => {
                        self.bump();
                        break;
                    }
                    Some(b'\\') => {
                        self.bump();
                        let Some(escaped) = self.peek_at(0) else {
                            return Err(self.error("unterminated string"));
                        };
                        bytes.push(match escaped {
                            b'n' => b'\n',
                            b't' => b'\t',
                            other => other,
                        });
                        self.bump();
                    }
                    Some(other) => {
                        bytes.push(other);
                        self.bump();
                    }
                }
            }
            Token::Str(String::from_utf8_lossy(&bytes).into_owned())
        } else if c == b'<' && self.peek_at(1) == Some(b'-') {
            self.bump();
            self.bump();
            Token::Symbol("<-")
        } else {
            let symbol = match c {
                b'=' => "=",
                b'{' => "{",
                b'}' => "}",
                b',' => ",",
                b'[' => "[",
                b']' => "]",
                b'(' => "(",
                b')' => ")",
                _ => {
                    return Err(self.error(format!(
                        "unexpected character `{}`",
                        char::from(c).escape_default()
                    )))
                }
            };
            self.bump();
            Token::Symbol(symbol)
        };
        Ok(Some((token, location)))
    }
}

const SECTIONS: &[&str] = &[
    "CONSTANT",
    "CONSTANTS",
    "INIT",
    "NEXT",
    "SPECIFICATION",
    "INVARIANT",
    "INVARIANTS",
    "PROPERTY",
    "PROPERTIES",
    "CONSTRAINT",
    "CONSTRAINTS",
    "ACTION_CONSTRAINT",
    "ACTION_CONSTRAINTS",
    "SYMMETRY",
    "VIEW",
    "CHECK_DEADLOCK",
    "ALIAS",
    "POSTCONDITION",
    "POSTCONDITIONS",
];

/// Parses the configuration `text` read from `file`.
pub fn parse(text: &str, file: &Path) -> Result<Config, TlaError> {
    let mut lexer = Lexer {
        text: text.as_bytes(),
        pos: 0,
        line: 1,
        column: 1,
        file,
    };
    let mut tokens = Vec::new();
    while let Some(token) = lexer.next()? {
        tokens.push(token);
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        file,
    };
    parser.config()
}

struct Parser<'a> {
    tokens: Vec<(Token, Location)>,
    pos: usize,
    file: &'a Path,
}

impl Parser<'_> {
    fn end_location(&self) -> Location {
        self.tokens
            .last()
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| Location {
                file: self.file.to_path_buf(),
                line: 1,
                column: 1,
            })
    }

    fn error_here(&self, message: impl Into<String>) -> TlaError {
        let location = self
            .tokens
            .get(self.pos)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| self.end_location());
        TlaError::Config {
            location,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn at_section(&self) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if SECTIONS.contains(&w.as_str()))
    }

    fn name(&mut self) -> Result<Named, TlaError> {
        match self.tokens.get(self.pos) {
            Some((Token::Word(w), location)) if !SECTIONS.contains(&w.as_str()) => {
                let named = Named {
                    name: w.clone(),
                    location: location.clone(),
                };
                self.pos += 1;
                Ok(named)
            }
            _ => Err(self.error_here("expected a name")),
        }
    }

    fn names(&mut self) -> Result<Vec<Named>, TlaError> {
        let mut names = Vec::new();
        while self.peek().is_some() && !self.at_section() {
            names.push(self.name()?);
        }
        Ok(names)
    }

    fn single(&mut self, section: &str) -> Result<Named, TlaError> {
        let names = self.names()?;
        match <[Named; 1]>::try_from(names) {
            Ok([named]) => Ok(named),
            Err(_) => Err(self.error_here(format!("{section} takes exactly one name"))),
        }
    }

    fn expect(&mut self, symbol: &'static str) -> Result<(), TlaError> {
        if self.peek() == Some(&Token::Symbol(symbol)) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error_here(format!("expected `{symbol}`")))
        }
    }

    fn value(&mut self) -> Result<CfgValue, TlaError> {
        let Some((token, _)) = self.tokens.get(self.pos).cloned() else {
            return Err(self.error_here("expected a value"));
        };
        self.pos += 1;
        Ok(match token {
            Token::Int(n) => CfgValue::Int(n),
            Token::Str(s) => CfgValue::Str(s),
            Token::Word(w) if w == "TRUE" => CfgValue::Bool(true),
            Token::Word(w) if w == "FALSE" => CfgValue::Bool(false),
            Token::Word(w) if !SECTIONS.contains(&w.as_str()) => CfgValue::Model(w),
            Token::Symbol("{") => {
                let mut elements = Vec::new();
                if self.peek() == Some(&Token::Symbol("}")) {
                    self.pos += 1;
                    return Ok(CfgValue::Set(elements));
                }
                loop {
                    elements.push(self.value()?);
                    match self.peek() {
                        Some(Token::Symbol(",")) => self.pos += 1,
                        _ => break,
                    }
                }
                self.expect("}")?;
                CfgValue::Set(elements)
            }
            _ => {
                self.pos -= 1;
                return Err(self.error_here("expected a value"));
            }
        })
    }

    /// `[Module]` before a value or a definition in CONSTANTS.
    fn qualifier(&mut self) -> Result<Option<String>, TlaError> {
        if self.peek() != Some(&Token::Symbol("[")) {
            return Ok(None);
        }
        self.pos += 1;
        let module = self.name()?;
        self.expect("]")?;
        Ok(Some(module.name))
    }

    fn constants(&mut self, config: &mut Config) -> Result<(), TlaError> {
        while self.peek().is_some() && !self.at_section() {
            let name = self.name()?;
            if self.peek() == Some(&Token::Symbol("(")) {
                return Err(TlaError::Unsupported {
                    location: name.location,
                    message: "operator constants with parameters in the configuration".into(),
                });
            }
            match self.peek() {
                Some(Token::Symbol("=")) => {
                    self.pos += 1;
                    if let Some(module) = self.qualifier()? {
                        let value = self.value()?;
                        config.qualified.push(Qualified {
                            module,
                            name,
                            with: Override::Value(value),
                        });
                    } else {
                        let value = self.value()?;
                        config.constants.push((name, value));
                    }
                }
                Some(Token::Symbol("<-")) => {
                    self.pos += 1;
                    if let Some(module) = self.qualifier()? {
                        let target = self.name()?;
                        config.qualified.push(Qualified {
                            module,
                            name,
                            with: Override::Def(target),
                        });
                    } else {
                        let target = self.name()?;
                        config.substitutions.push((name, target));
                    }
                }
                _ => return Err(self.error_here("expected `=` or `<-` after a constant")),
            }
        }
        Ok(())
    }

    fn config(&mut self) -> Result<Config, TlaError> {
        let mut config = Config::default();
        while let Some((token, location)) = self.tokens.get(self.pos).cloned() {
            let Token::Word(section) = token else {
                return Err(self.error_here("expected a section keyword such as INIT or CONSTANTS"));
            };
            self.pos += 1;
            match section.as_str() {
                "CONSTANT" | "CONSTANTS" => self.constants(&mut config)?,
                "INIT" => config.init = Some(self.single("INIT")?),
                "NEXT" => config.next = Some(self.single("NEXT")?),
                "SPECIFICATION" => config.specification = Some(self.single("SPECIFICATION")?),
                "INVARIANT" | "INVARIANTS" => config.invariants.extend(self.names()?),
                "PROPERTY" | "PROPERTIES" => config.properties.extend(self.names()?),
                "CONSTRAINT" | "CONSTRAINTS" => config.constraints.extend(self.names()?),
                "ACTION_CONSTRAINT" | "ACTION_CONSTRAINTS" => {
                    config.action_constraints.extend(self.names()?)
                }
                "SYMMETRY" => config.symmetry = Some(self.single("SYMMETRY")?),
                "VIEW" => config.view = Some(self.single("VIEW")?),
                "CHECK_DEADLOCK" => {
                    config.check_deadlock = Some(match self.value()? {
                        CfgValue::Bool(b) => b,
                        _ => return Err(self.error_here("CHECK_DEADLOCK takes TRUE or FALSE")),
                    })
                }
                "ALIAS" => config.alias = Some(self.single("ALIAS")?),
                "POSTCONDITION" | "POSTCONDITIONS" => config.postconditions.extend(self.names()?),
                _ => {
                    return Err(TlaError::Config {
                        location,
                        message: format!("unknown section `{section}`"),
                    })
                }
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_constants_and_sections() {
        let text = "\\* comment\nCONSTANTS RM = {r1, r2}\n  N = 3 S <- MySet\n(* block *)\nINIT Init NEXT Next\nINVARIANTS TypeOK Safe\nCHECK_DEADLOCK FALSE\n";
        let config = parse(text, Path::new("x.cfg")).expect("parses");
        assert_eq!(config.constants.len(), 2);
        assert_eq!(
            config.constants[0].1,
            CfgValue::Set(vec![
                CfgValue::Model("r1".into()),
                CfgValue::Model("r2".into())
            ])
        );
        assert_eq!(config.substitutions[0].1.name, "MySet");
        assert_eq!(config.init.as_ref().map(|n| n.name.as_str()), Some("Init"));
        assert_eq!(config.invariants.len(), 2);
        assert_eq!(config.check_deadlock, Some(false));
    }

    #[test]
    fn reports_the_position_of_an_error() {
        let error = parse("INIT Init\nCONSTANT N = \n", Path::new("x.cfg")).unwrap_err();
        assert!(error.to_string().starts_with("x.cfg:2:"), "{error}");
    }
}
