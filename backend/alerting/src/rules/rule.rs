//! The rule model: a [`RuleGroup`] of [`Rule`]s, each alerting or recording, on PromQL (a
//! Prometheus rule as is) or on a Pulsegrid query with a [`Reduce`] and a [`Condition`].
//!
//! [`Rule::fingerprint`] is a stable hash of everything that defines a rule. On reload a rule
//! whose fingerprint is unchanged keeps its alert instances and timers; a changed rule starts
//! afresh (as Prometheus' `Manager.Update` does), so editing a threshold never leaves an alert
//! firing under a definition that no longer holds.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::duration::format_duration;
use super::template::Template;

/// A named group of rules sharing an evaluation interval.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleGroup {
    /// The group's name, unique within its file.
    pub name: String,
    /// Evaluation interval in milliseconds; `None` means the global default.
    pub interval_ms: Option<i64>,
    /// Most alerts (or series) a rule may produce per evaluation; 0 or `None` is no limit.
    pub limit: Option<i64>,
    /// How far back each evaluation's query time is shifted, in milliseconds.
    pub query_offset_ms: Option<i64>,
    /// Labels added to every rule of the group (the rule's own win on conflict).
    pub labels: BTreeMap<String, String>,
    /// The rules, in file order.
    pub rules: Vec<Rule>,
    /// The 1-based line of the group in its file, when known.
    pub line: Option<usize>,
}

/// Whether a rule raises alerts or records a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    /// `alert:` rules: each result is an alert instance.
    Alerting,
    /// `record:` rules: each result is written as a series named by the rule.
    Recording,
}

/// What a rule queries and how its results become values.
#[derive(Clone, Debug, PartialEq)]
pub enum QueryKind {
    /// A PromQL `expr`, run by a Prometheus datasource; every returned series is active.
    PromQl {
        /// The expression text.
        expr: String,
    },
    /// A Pulsegrid rule: `query` on `source`, reduced per series, then compared.
    Pulsegrid {
        /// The query in the source's language.
        query: String,
        /// How a series' window becomes one value.
        reduce: Reduce,
        /// When an instance is active; `None` only on recording rules.
        condition: Option<Condition>,
        /// Optional hysteresis: a firing instance resolves only when this holds.
        clear_condition: Option<Condition>,
    },
}

/// What happens when a rule's query returns nothing at all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoDataPolicy {
    /// Treat as "condition false": instances resolve (Prometheus' behaviour, the default).
    #[default]
    Ok,
    /// Instances resolve, and the rule shows one instance in the `nodata` state.
    #[serde(rename = "nodata")]
    NoData,
    /// The rule alerts: one rule-level instance goes pending/firing as if the condition held.
    Alerting,
    /// Nothing changes: every instance keeps its state and timers.
    KeepLast,
}

impl NoDataPolicy {
    /// Parses `ok | nodata | alerting | keep_last`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ok" => Some(Self::Ok),
            "nodata" | "no_data" => Some(Self::NoData),
            "alerting" => Some(Self::Alerting),
            "keep_last" => Some(Self::KeepLast),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::NoData => "nodata",
            Self::Alerting => "alerting",
            Self::KeepLast => "keep_last",
        }
    }
}

/// A rule as loaded: raw text for display and fingerprinting, templates parsed once.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// Alerting or recording.
    pub kind: RuleKind,
    /// The alert name or the recorded metric name.
    pub name: String,
    /// The datasource uid; `None` on a PromQL rule means the first Prometheus datasource.
    pub source: Option<String>,
    /// The query and how its results are judged.
    pub query: QueryKind,
    /// `for`: how long an instance stays pending before it fires, in milliseconds.
    pub for_ms: i64,
    /// `keep_firing_for`: how long an instance keeps firing after its condition stops, in ms.
    pub keep_firing_for_ms: i64,
    /// The no-data policy.
    pub no_data: NoDataPolicy,
    /// Labels (group labels merged in, the rule's winning), raw template text.
    pub labels: BTreeMap<String, String>,
    /// Annotations, raw template text.
    pub annotations: BTreeMap<String, String>,
    /// `labels`, parsed as templates (same order).
    pub label_templates: Vec<(String, Template)>,
    /// `annotations`, parsed as templates (same order).
    pub annotation_templates: Vec<(String, Template)>,
    /// The 1-based line of the rule in its file, when known.
    pub line: Option<usize>,
}

impl Rule {
    /// A stable 64-bit hash of everything that defines the rule (kind, name, source, query,
    /// reduce, conditions, timers, no-data policy, labels, annotations); not its line. Stable
    /// across processes and releases (FNV-1a over a length-prefixed encoding), since persisted
    /// state is keyed by it.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv::new();
        h.field("kind", self.kind_str());
        h.field("name", &self.name);
        h.field("source", self.source.as_deref().unwrap_or(""));
        match &self.query {
            QueryKind::PromQl { expr } => h.field("expr", expr),
            QueryKind::Pulsegrid {
                query,
                reduce,
                condition,
                clear_condition,
            } => {
                h.field("query", query);
                h.field("reduce", &reduce.to_string());
                h.field("condition", &opt_string(condition));
                h.field("clear_condition", &opt_string(clear_condition));
            }
        }
        h.field("for", &self.for_ms.to_string());
        h.field("keep_firing_for", &self.keep_firing_for_ms.to_string());
        h.field("no_data", self.no_data.as_str());
        for (k, v) in &self.labels {
            h.field("label", k);
            h.field("=", v);
        }
        for (k, v) in &self.annotations {
            h.field("annotation", k);
            h.field("=", v);
        }
        h.finish()
    }

    /// Whether this is an alerting rule.
    pub fn is_alerting(&self) -> bool {
        self.kind == RuleKind::Alerting
    }

    /// The rule's condition, when it has one (Pulsegrid alerting rules).
    pub fn condition(&self) -> Option<&Condition> {
        match &self.query {
            QueryKind::Pulsegrid { condition, .. } => condition.as_ref(),
            QueryKind::PromQl { .. } => None,
        }
    }

    /// The rule's clear (hysteresis) condition, when it has one.
    pub fn clear_condition(&self) -> Option<&Condition> {
        match &self.query {
            QueryKind::Pulsegrid {
                clear_condition, ..
            } => clear_condition.as_ref(),
            QueryKind::PromQl { .. } => None,
        }
    }

    fn kind_str(&self) -> &'static str {
        match self.kind {
            RuleKind::Alerting => "alert",
            RuleKind::Recording => "record",
        }
    }
}

fn opt_string<T: fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// FNV-1a, 64 bits: tiny, dependency-free and stable forever (unlike `DefaultHasher`).
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// Name and value, each length-prefixed so no two encodings collide by concatenation.
    fn field(&mut self, name: &str, value: &str) {
        for part in [name, value] {
            self.bytes(&(part.len() as u64).to_le_bytes());
            self.bytes(part.as_bytes());
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The reduction functions of a Pulsegrid rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceFn {
    /// The newest point.
    Last,
    /// The smallest value.
    Min,
    /// The largest value.
    Max,
    /// The mean.
    Avg,
    /// The sum.
    Sum,
    /// How many points.
    Count,
    /// Per-second increase, counter resets accounted for (no extrapolation).
    Rate,
}

impl ReduceFn {
    fn name(self) -> &'static str {
        match self {
            Self::Last => "last",
            Self::Min => "min",
            Self::Max => "max",
            Self::Avg => "avg",
            Self::Sum => "sum",
            Self::Count => "count",
            Self::Rate => "rate",
        }
    }
}

/// `reduce:` — a function over a window: `last`, `min(5m)`, `rate(1m)`. Without a window the
/// function sees every point the query returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reduce {
    /// The function.
    pub func: ReduceFn,
    /// The window ending now, in milliseconds.
    pub window_ms: Option<i64>,
}

impl Default for Reduce {
    fn default() -> Self {
        Reduce {
            func: ReduceFn::Last,
            window_ms: None,
        }
    }
}

impl Reduce {
    /// Parses `last`, `max`, `min(5m)`, `rate(1m)`...
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (name, window) = match text.split_once('(') {
            Some((name, rest)) => {
                let Some(inner) = rest.strip_suffix(')') else {
                    return Err(format!("reduce {text:?}: expected `name(window)`"));
                };
                let ms = super::duration::parse_duration(inner.trim())
                    .map_err(|e| format!("reduce {text:?}: {e}"))?;
                if ms <= 0 {
                    return Err(format!("reduce {text:?}: the window must be positive"));
                }
                (name.trim(), Some(ms))
            }
            None => (text, None),
        };
        let func = match name {
            "last" => ReduceFn::Last,
            "min" => ReduceFn::Min,
            "max" => ReduceFn::Max,
            "avg" | "mean" => ReduceFn::Avg,
            "sum" => ReduceFn::Sum,
            "count" => ReduceFn::Count,
            "rate" => ReduceFn::Rate,
            other => {
                return Err(format!(
                    "unknown reduce function {other:?}: expected last, min, max, avg, sum, count or rate"
                ));
            }
        };
        Ok(Reduce {
            func,
            window_ms: window,
        })
    }
}

impl fmt::Display for Reduce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.func.name())?;
        if let Some(w) = self.window_ms {
            write!(f, "({})", format_duration(w))?;
        }
        Ok(())
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl CmpOp {
    fn symbol(self) -> &'static str {
        match self {
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Eq => "==",
            Self::Ne => "!=",
        }
    }
}

/// `condition:` — `> 8`, `<= 2.5`, `outside 2..8` (below 2 or above 8), `inside 2..8`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Condition {
    /// The value compared with a threshold.
    Compare(CmpOp, f64),
    /// Strictly below the low or strictly above the high bound.
    Outside(f64, f64),
    /// Within the bounds, both included.
    Inside(f64, f64),
}

impl Condition {
    /// Parses the condition text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        for (word, inside) in [("outside", false), ("inside", true)] {
            if let Some(rest) = t.strip_prefix(word) {
                let Some((lo, hi)) = rest.trim().split_once("..") else {
                    return Err(format!("condition {text:?}: expected `{word} LOW..HIGH`"));
                };
                let lo = parse_number(lo, text)?;
                let hi = parse_number(hi, text)?;
                if lo > hi {
                    return Err(format!("condition {text:?}: {lo} is above {hi}"));
                }
                return Ok(if inside {
                    Condition::Inside(lo, hi)
                } else {
                    Condition::Outside(lo, hi)
                });
            }
        }
        let ops = [
            (">=", CmpOp::Ge),
            ("<=", CmpOp::Le),
            ("==", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            (">", CmpOp::Gt),
            ("<", CmpOp::Lt),
        ];
        for (sym, op) in ops {
            if let Some(rest) = t.strip_prefix(sym) {
                return Ok(Condition::Compare(op, parse_number(rest, text)?));
            }
        }
        Err(format!(
            "condition {text:?}: expected `> N`, `>= N`, `< N`, `<= N`, `== N`, `!= N`, `outside A..B` or `inside A..B`"
        ))
    }

    /// Whether `value` meets the condition (IEEE semantics: NaN meets only `!=`).
    #[inline]
    pub fn holds(&self, value: f64) -> bool {
        match *self {
            Condition::Compare(op, t) => match op {
                CmpOp::Gt => value > t,
                CmpOp::Ge => value >= t,
                CmpOp::Lt => value < t,
                CmpOp::Le => value <= t,
                CmpOp::Eq => value == t,
                CmpOp::Ne => value != t,
            },
            Condition::Outside(lo, hi) => value < lo || value > hi,
            Condition::Inside(lo, hi) => value >= lo && value <= hi,
        }
    }
}

fn parse_number(s: &str, whole: &str) -> Result<f64, String> {
    let s = s.trim();
    s.parse::<f64>()
        .map_err(|_| format!("condition {whole:?}: {s:?} is not a number"))
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Compare(op, t) => write!(f, "{} {t}", op.symbol()),
            Condition::Outside(lo, hi) => write!(f, "outside {lo}..{hi}"),
            Condition::Inside(lo, hi) => write!(f, "inside {lo}..{hi}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse_and_hold() {
        let cases: &[(&str, f64, bool)] = &[
            ("> 8", 8.5, true),
            ("> 8", 8.0, false),
            (">=8", 8.0, true),
            ("< -1.5", -2.0, true),
            ("<= 2", 2.0, true),
            ("== 0", 0.0, true),
            ("!= 0", 1.0, true),
            ("outside 2..8", 1.0, true),
            ("outside 2..8", 9.0, true),
            ("outside 2..8", 8.0, false),
            ("inside 2..8", 8.0, true),
            ("> 8", f64::NAN, false),
        ];
        for (text, v, want) in cases {
            let c = Condition::parse(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(c.holds(*v), *want, "{text} on {v}");
        }
        for bad in ["8", "> x", "outside 8..2", "outside 2-8", ""] {
            assert!(Condition::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reduces_parse_and_print() {
        let cases = [
            ("last", "last"),
            ("min(5m)", "min(5m)"),
            ("rate( 1m )", "rate(1m)"),
            ("avg(90s)", "avg(1m30s)"),
        ];
        for (text, shown) in cases {
            assert_eq!(Reduce::parse(text).map(|r| r.to_string()), Ok(shown.into()));
        }
        for bad in ["median", "min(5)", "min(5m", "max(0s)"] {
            assert!(Reduce::parse(bad).is_err(), "{bad}");
        }
    }
}
