//! The errors of the notification side: configuration (naming the YAML path and line), label
//! matchers, timestamps and silences. Folded into the crate's `error.rs` when the crate gets one.

/// Everything that can go wrong in [`crate::notify`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `alertmanager.yml` is not valid: `path` is the YAML path (`route.routes[1].receiver`).
    #[error(
        "{file}{}{}: {message}",
        if path.is_empty() { String::new() } else { format!(": {path}") },
        line.map(|l| format!(" (line {l})")).unwrap_or_default()
    )]
    Config {
        /// The file name, or `alertmanager.yml` when parsed from a string.
        file: String,
        /// The YAML path of the offending node; empty for the whole document.
        path: String,
        /// The 1-based line, where it could be found.
        line: Option<usize>,
        /// What was expected and what was found.
        message: String,
    },
    /// A label matcher could not be parsed or compiled.
    #[error("bad matcher {input:?}: {reason}")]
    Matcher {
        /// The text of the matcher.
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// A timestamp that is not RFC 3339.
    #[error("bad timestamp {0:?}: expected RFC 3339 like 2024-05-01T10:00:00Z")]
    Timestamp(String),
    /// No silence has this id.
    #[error("silence {0:?} not found")]
    SilenceNotFound(String),
    /// A silence was refused (no matchers, ends before it starts...).
    #[error("invalid silence: {0}")]
    InvalidSilence(String),
}

impl Error {
    /// The HTTP status an API answers with for this error.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::SilenceNotFound(_) => 404,
            _ => 400,
        }
    }
}

/// The result of notification functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;
