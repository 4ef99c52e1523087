//! The crate's one error type: a document that does not parse ([`ModelError::Syntax`]) or
//! parses but breaks the model ([`ModelError::Invalid`], one [`ValidationError`] per problem).

use std::fmt;

/// One problem found while validating a document.
///
/// `path` locates the value inside the document (`panels[3].gridPos.w`,
/// `datasources[1].type`); it is empty when the problem is the document itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Where the problem is, as a JSON path (`templating.list[2].name`); empty for the root.
    pub path: String,
    /// What is wrong: what was expected and what was found.
    pub message: String,
}

impl ValidationError {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ValidationError {}

/// Why a document could not be turned into a model value.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// JSON/YAML syntax error: origin is a file path or "request body".
    #[error("{origin}:{line}:{column}: {message}")]
    Syntax {
        /// The file path, or "request body".
        origin: String,
        /// 1-based line of the error (0 when the parser could not tell).
        line: usize,
        /// 1-based column of the error (0 when the parser could not tell).
        column: usize,
        /// The parser's message, without its own "at line ... column ..." suffix.
        message: String,
    },
    /// The document parsed but breaks the model; one entry per problem.
    #[error("{origin}: {}", .errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// The file path, or "request body".
        origin: String,
        /// Every problem found, in document order.
        errors: Vec<ValidationError>,
    },
}

/// The crate's result type.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;

/// `message` without the `" at line {line} column {column}"` that serde_json and
/// serde_yaml_ng put in their messages (the location is kept in separate fields).
pub(crate) fn strip_location(message: &str, line: usize, column: usize) -> String {
    message.replacen(&format!(" at line {line} column {column}"), "", 1)
}
