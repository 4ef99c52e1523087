//! Prometheus-style series selectors, the query language of the `pulsegrid` source:
//! `line_pressure{site="north", unit!="psi", host=~"web-.*", dc!~"eu.*"}`.
//!
//! The grammar is PromQL's instant vector selector without offsets or ranges: an optional
//! metric name, then optional `{...}` label matchers (`=`, `!=`, `=~`, `!~`) separated by
//! commas (a trailing comma is fine). Values are quoted with `"`, `'` or `` ` `` (raw); the
//! quoted forms take Go's escapes (`\"`, `\'`, `\\`, `\n`, `\t`, `\r`, `\xHH`, `\uHHHH`...).
//! Regexes are fully anchored (`^(?s:...)$`), as in Prometheus. A selector must say
//! something: a name, or at least one matcher that does not match the empty label.

use std::fmt;

use regex::Regex;
use thiserror::Error;

use crate::series::SeriesKey;

mod parse;
#[cfg(test)]
mod tests;

/// The name under which a matcher tests the series name, as in Prometheus.
pub const NAME_LABEL: &str = "__name__";

/// How a matcher compares a label value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchOp {
    /// `=`: equal.
    Eq,
    /// `!=`: not equal.
    Ne,
    /// `=~`: the whole value matches the regex.
    Re,
    /// `!~`: the whole value does not match the regex.
    NotRe,
}

impl MatchOp {
    /// The operator as written: `=`, `!=`, `=~`, `!~`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Eq => "=",
            MatchOp::Ne => "!=",
            MatchOp::Re => "=~",
            MatchOp::NotRe => "!~",
        }
    }
}

/// One label matcher; a missing label has the value `""`.
#[derive(Clone, Debug)]
pub struct LabelMatcher {
    /// The label name (`__name__` for the series name).
    pub name: String,
    /// The comparison.
    pub op: MatchOp,
    /// The value or regex source, unescaped.
    pub value: String,
    /// The compiled, fully anchored regex for `Re`/`NotRe`.
    regex: Option<Regex>,
}

impl PartialEq for LabelMatcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.op == other.op && self.value == other.value
    }
}

impl LabelMatcher {
    /// A matcher; for `Re`/`NotRe` the value is compiled as a fully anchored regex.
    pub fn new(
        name: impl Into<String>,
        op: MatchOp,
        value: impl Into<String>,
    ) -> Result<Self, regex::Error> {
        let value = value.into();
        let regex = match op {
            MatchOp::Re | MatchOp::NotRe => Some(Regex::new(&format!("^(?s:{value})$"))?),
            MatchOp::Eq | MatchOp::Ne => None,
        };
        Ok(LabelMatcher {
            name: name.into(),
            op,
            value,
            regex,
        })
    }

    /// Whether a label value (`""` when the label is missing) satisfies this matcher.
    pub fn matches_value(&self, value: &str) -> bool {
        match (self.op, &self.regex) {
            (MatchOp::Eq, _) => value == self.value,
            (MatchOp::Ne, _) => value != self.value,
            (MatchOp::Re, Some(re)) => re.is_match(value),
            (MatchOp::NotRe, Some(re)) => !re.is_match(value),
            // `new` always compiles a regex for these; treat a missing one as no match.
            (MatchOp::Re | MatchOp::NotRe, None) => false,
        }
    }

    /// Whether this matcher holds for a series.
    pub fn matches(&self, key: &SeriesKey) -> bool {
        if self.name == NAME_LABEL {
            self.matches_value(&key.name)
        } else {
            self.matches_value(key.labels.get(&self.name).unwrap_or(""))
        }
    }
}

impl fmt::Display for LabelMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{:?}", self.name, self.op.as_str(), self.value)
    }
}

/// A parsed selector: an optional name and label matchers, all of which must hold.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesSelector {
    /// The series name, if given before the braces.
    pub name: Option<String>,
    /// The label matchers, in the order written.
    pub matchers: Vec<LabelMatcher>,
}

/// A selector that could not be parsed: the 1-based column and what was expected and found.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("column {position}: {message}")]
pub struct SelectorError {
    /// 1-based column (in characters) where the problem is.
    pub position: usize,
    /// What was expected and what was found.
    pub message: String,
}

impl SeriesSelector {
    /// Parses `name{label op "value", ...}`; see the module docs for the grammar.
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        parse::parse(text)
    }

    /// Whether a series has this name (if one is given) and satisfies every matcher.
    pub fn matches(&self, key: &SeriesKey) -> bool {
        self.name.as_ref().is_none_or(|name| *name == key.name)
            && self.matchers.iter().all(|m| m.matches(key))
    }
}

impl fmt::Display for SeriesSelector {
    /// The canonical form: `name{a="x",b=~"y"}` (no braces when there are no matchers).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = &self.name {
            f.write_str(name)?;
        }
        if self.matchers.is_empty() && self.name.is_some() {
            return Ok(());
        }
        f.write_str("{")?;
        for (i, m) in self.matchers.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{m}")?;
        }
        f.write_str("}")
    }
}

impl std::str::FromStr for SeriesSelector {
    type Err = SelectorError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        SeriesSelector::parse(text)
    }
}
