//! Rule files, their validation, annotation templates, evaluation and the state machine of alert
//! instances, split as Prometheus' `rules/` package and Grafana's ngalert are:
//!
//! - [`rule`]: the model ([`RuleGroup`], [`Rule`], [`Reduce`], [`Condition`]) and each rule's
//!   [`Rule::fingerprint`], which decides on reload whether a rule keeps its state.
//! - [`file`](mod@file): reading rule files (Prometheus' format as is, plus Pulsegrid rules in the same
//!   groups), with errors naming the file, line and rule.
//! - [`check`]: what `promtool check rules` accepts, and [`check_paths`] for
//!   `pulsegrid check rules PATH...`.
//! - [`template`]: label and annotation templates as Prometheus renders them (a Go
//!   `text/template` subset), parsed once and rendered per alert.
//! - [`eval`]: reduce + condition over series windows, and the allocation-free stream path.
//! - [`router`]: the stream path: rules on ingested data indexed by series name, one
//!   [`StreamEval`] per (rule, series), the state machine stepped only where it can matter.
//! - [`state`]: alert instances (`for`, `keep_firing_for`, hysteresis, no-data, error, flapping),
//!   transitions for the state history, and snapshots that survive a restart.
//! - [`unittest`]: `pulsegrid test rules FILE...`, promtool's rule unit test files.

pub mod check;
pub mod duration;
pub mod eval;
pub mod file;
pub mod router;
pub mod rule;
pub mod state;
pub mod template;
pub mod unittest;

pub use check::{CheckReport, FileReport, check_paths};
pub use duration::{format_duration, parse_duration};
pub use eval::{DEFAULT_LOOKBACK_MS, EvalResult, SeriesWindow, StreamEval, evaluate, lookback_ms};
pub use file::{RuleError, RuleFile, parse_rule_file, read_rule_file};
pub use router::{RuleId, StreamRouter, Verdict};
pub use rule::{
    CmpOp, Condition, NoDataPolicy, QueryKind, Reduce, ReduceFn, Rule, RuleGroup, RuleKind,
};
pub use state::{
    AlertInstance, AlertState, RuleState, RuleStateSnapshot, SeriesResult, Transition, alert_key,
};
pub use template::{Template, TemplateData, TemplateError};
pub use unittest::{UnitTestOutcome, UnitTestReport, test_rule_files};
