//! A minimal EDN reader: enough for Jepsen and Knossos histories.
//!
//! Keywords and symbols become strings (without the colon), sets become lists, tagged literals
//! keep only their value, `#_` discards the next form, and floating-point numbers become the
//! string of their literal (histories use them only in fields the checkers ignore).

use crate::value::Value;

/// Nesting deeper than this is rejected, so hostile input cannot overflow the stack.
const DEPTH_MAX: usize = 64;

/// A parse error with the 1-based line where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EdnError {
    pub line: usize,
    pub message: String,
}

/// A top-level element with the line where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub line: usize,
    pub value: Value,
}

/// Parses a text into its elements. A top-level vector or list is opened, so both
/// `[{...} {...}]` and one map per line give one element per map.
pub(crate) fn parse_elements(text: &str) -> Result<Vec<Element>, EdnError> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        position: 0,
        line: 1,
    };
    let mut elements = Vec::new();
    loop {
        parser.skip_whitespace();
        let Some(c) = parser.peek() else { break };
        if c == '[' || c == '(' {
            let close = if c == '[' { ']' } else { ')' };
            let open_line = parser.line;
            parser.position += 1;
            loop {
                parser.skip_whitespace();
                match parser.peek() {
                    None => {
                        return Err(EdnError {
                            line: open_line,
                            message: format!("unclosed '{c}' (expected '{close}')"),
                        })
                    }
                    Some(d) if d == close => {
                        parser.position += 1;
                        break;
                    }
                    Some(_) => {
                        let line = parser.line;
                        if let Some(value) = parser.parse_form(1)? {
                            elements.push(Element { line, value });
                        }
                    }
                }
            }
        } else {
            let line = parser.line;
            if let Some(value) = parser.parse_form(0)? {
                elements.push(Element { line, value });
            }
        }
    }
    Ok(elements)
}

/// Parses exactly one EDN value from a text fragment (used for the value column of Jepsen logs).
pub(crate) fn parse_value(text: &str, line: usize) -> Result<Value, EdnError> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        position: 0,
        line,
    };
    parser.skip_whitespace();
    let value = loop {
        if parser.peek().is_none() {
            return Err(parser.error("expected a value"));
        }
        if let Some(value) = parser.parse_form(0)? {
            break value;
        }
        parser.skip_whitespace();
    };
    parser.skip_whitespace();
    if parser.peek().is_some() {
        return Err(parser.error("unexpected text after the value"));
    }
    Ok(value)
}

struct Parser {
    chars: Vec<char>,
    position: usize,
    line: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.position).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.position += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn error(&self, message: impl Into<String>) -> EdnError {
        EdnError {
            line: self.line,
            message: message.into(),
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == ',' {
                self.bump();
            } else if c == ';' {
                while let Some(c) = self.peek() {
                    if c == '\n' {
                        break;
                    }
                    self.bump();
                }
            } else {
                break;
            }
        }
    }

    /// Parses one form; returns `None` for a discarded (`#_`) form.
    fn parse_form(&mut self, depth: usize) -> Result<Option<Value>, EdnError> {
        if depth > DEPTH_MAX {
            return Err(self.error(format!("nesting deeper than {DEPTH_MAX}")));
        }
        self.skip_whitespace();
        let Some(c) = self.peek() else {
            return Err(self.error("unexpected end of input"));
        };
        match c {
            '[' | '(' => {
                self.bump();
                let close = if c == '[' { ']' } else { ')' };
                Ok(Some(Value::List(self.parse_sequence(close, depth)?)))
            }
            '{' => {
                self.bump();
                let items = self.parse_sequence('}', depth)?;
                if items.len() % 2 != 0 {
                    return Err(self.error("map with an odd number of forms"));
                }
                let mut entries = Vec::with_capacity(items.len() / 2);
                let mut iter = items.into_iter();
                while let (Some(k), Some(v)) = (iter.next(), iter.next()) {
                    entries.push((k, v));
                }
                Ok(Some(Value::Map(entries)))
            }
            ']' | ')' | '}' => Err(self.error(format!("unexpected '{c}'"))),
            '"' => {
                self.bump();
                Ok(Some(Value::Str(self.parse_string()?)))
            }
            '#' => {
                self.bump();
                match self.peek() {
                    Some('{') => {
                        self.bump();
                        Ok(Some(Value::List(self.parse_sequence('}', depth)?)))
                    }
                    Some('_') => {
                        self.bump();
                        self.parse_form(depth + 1)?;
                        Ok(None)
                    }
                    Some(c) if c.is_alphabetic() => {
                        // A tagged literal such as #inst "...": keep the value only.
                        let _tag = self.parse_token();
                        loop {
                            self.skip_whitespace();
                            if self.peek().is_none() {
                                return Err(self.error("tag without a value"));
                            }
                            if let Some(value) = self.parse_form(depth + 1)? {
                                return Ok(Some(value));
                            }
                        }
                    }
                    _ => Err(self.error("unsupported '#' dispatch")),
                }
            }
            '\\' => {
                self.bump();
                let token = self.parse_token();
                match token.as_str() {
                    "" => match self.bump() {
                        Some(c) => Ok(Some(Value::Str(c.to_string()))),
                        None => Err(self.error("character literal at end of input")),
                    },
                    "newline" => Ok(Some(Value::Str("\n".into()))),
                    "space" => Ok(Some(Value::Str(" ".into()))),
                    "tab" => Ok(Some(Value::Str("\t".into()))),
                    _ => Ok(Some(Value::Str(token))),
                }
            }
            ':' => {
                self.bump();
                let token = self.parse_token();
                if token.is_empty() {
                    return Err(self.error("empty keyword"));
                }
                Ok(Some(Value::Str(token)))
            }
            _ => {
                let token = self.parse_token();
                if token.is_empty() {
                    return Err(self.error(format!("unexpected character {c:?}")));
                }
                Ok(Some(self.atom(&token)?))
            }
        }
    }

    fn parse_sequence(&mut self, close: char, depth: usize) -> Result<Vec<Value>, EdnError> {
        let open_line = self.line;
        let mut items = Vec::new();
        loop {
            self.skip_whitespace();
            match self.peek() {
                None => {
                    return Err(EdnError {
                        line: open_line,
                        message: format!("unclosed collection (expected '{close}')"),
                    })
                }
                Some(c) if c == close => {
                    self.bump();
                    return Ok(items);
                }
                Some(_) => {
                    if let Some(value) = self.parse_form(depth + 1)? {
                        items.push(value);
                    }
                }
            }
        }
    }

    fn parse_string(&mut self) -> Result<String, EdnError> {
        let start_line = self.line;
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(EdnError {
                        line: start_line,
                        message: "unterminated string".into(),
                    })
                }
                Some('"') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('"') => out.push('"'),
                    Some('\\') => out.push('\\'),
                    Some('u') => {
                        let mut code = 0u32;
                        for _ in 0..4 {
                            let digit = self
                                .bump()
                                .and_then(|c| c.to_digit(16))
                                .ok_or_else(|| self.error("bad \\u escape in string"))?;
                            code = code * 16 + digit;
                        }
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    Some(c) => return Err(self.error(format!("unknown escape \\{c} in string"))),
                    None => return Err(self.error("unterminated string")),
                },
                Some(c) => out.push(c),
            }
        }
    }

    fn parse_token(&mut self) -> String {
        let mut token = String::new();
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '[' | ']' | '{' | '}' | '"')
            {
                break;
            }
            token.push(c);
            self.bump();
        }
        token
    }

    fn atom(&self, token: &str) -> Result<Value, EdnError> {
        match token {
            "nil" => return Ok(Value::Nil),
            "true" => return Ok(Value::Bool(true)),
            "false" => return Ok(Value::Bool(false)),
            _ => {}
        }
        let first = token.chars().next().unwrap_or(' ');
        let second = token.chars().nth(1);
        let numeric = first.is_ascii_digit()
            || ((first == '-' || first == '+') && second.is_some_and(|c| c.is_ascii_digit()));
        if !numeric {
            return Ok(Value::Str(token.to_string()));
        }
        let digits = token.strip_suffix('N').unwrap_or(token);
        if let Ok(n) = digits.parse::<i64>() {
            return Ok(Value::Int(n));
        }
        if token.contains(['.', 'e', 'E', 'M', '/']) {
            return Ok(Value::Str(token.to_string()));
        }
        Err(self.error(format!("number {token} does not fit in 64 bits")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_of_maps_gives_one_element_per_map_with_lines() {
        let text = "; comment\n[{:a 1}\n {:b \"x\" :c [1 2]}]\n";
        let elements = parse_elements(text).unwrap();
        assert_eq!(elements.len(), 2);
        assert_eq!(elements[0].line, 2);
        assert_eq!(elements[1].line, 3);
        assert_eq!(
            elements[1].value,
            Value::Map(vec![
                (Value::from("b"), Value::from("x")),
                (Value::from("c"), Value::List(vec![1.into(), 2.into()])),
            ])
        );
    }

    #[test]
    fn unclosed_map_reports_its_line() {
        let error = parse_elements("{:a 1}\n{:b 2\n").unwrap_err();
        assert_eq!(error.line, 2);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(10_000);
        assert!(parse_elements(&text).is_err());
    }
}
