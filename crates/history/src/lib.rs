//! Operation histories and consistency checkers.
