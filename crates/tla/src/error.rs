//! The errors of loading a specification.

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

/// A position in a source file: `file:line:column`, 1-based.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Location {
    /// The file.
    pub file: PathBuf,
    /// The line, from 1.
    pub line: u32,
    /// The column, from 1.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Why a specification could not be loaded.
#[derive(Debug, Error)]
pub enum TlaError {
    /// A file could not be read.
    #[error("{}:1:1: cannot read file: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The TLA+ text does not parse.
    #[error("{location}: syntax error: {message}")]
    Syntax {
        /// Where.
        location: Location,
        /// What.
        message: String,
    },
    /// A construct this front end does not support (yet).
    #[error("{location}: unsupported: {message}")]
    Unsupported {
        /// Where.
        location: Location,
        /// What.
        message: String,
    },
    /// A name that is not defined, a wrong number of arguments, and other static errors.
    #[error("{location}: {message}")]
    Semantic {
        /// Where.
        location: Location,
        /// What.
        message: String,
    },
    /// The configuration file is malformed or does not match the specification.
    #[error("{location}: configuration error: {message}")]
    Config {
        /// Where.
        location: Location,
        /// What.
        message: String,
    },
    /// Evaluating the constants, assumptions or initial states failed.
    #[error("{location}: {message}")]
    Eval {
        /// Where.
        location: Location,
        /// What.
        message: String,
    },
}

impl TlaError {
    /// Where the error is.
    pub fn location(&self) -> Option<&Location> {
        match self {
            TlaError::Io { .. } => None,
            TlaError::Syntax { location, .. }
            | TlaError::Unsupported { location, .. }
            | TlaError::Semantic { location, .. }
            | TlaError::Config { location, .. }
            | TlaError::Eval { location, .. } => Some(location),
        }
    }
}
