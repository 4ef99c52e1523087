//! The data model every part of Pulsegrid shares, free of any runtime (no tokio, no I/O).
//!
//! - [`dashboard`]: Grafana dashboard JSON, validated, with every field kept so a dashboard
//!   round-trips unchanged.
//! - [`datasource`]: Grafana's datasource provisioning YAML, with environment expansion and
//!   validation across files.
//! - [`error`]: the one error type, whose messages say where (file:line:column or JSON path),
//!   what was expected and what was found.
//! - [`lineproto`]: the Influx line protocol parser and the rule that turns lines into samples.
//! - [`selector`]: Prometheus-style series selectors (`line_pressure{site="north"}`).
//! - [`template`]: dashboard variables and their interpolation into query text (`$var`,
//!   `${var:format}`, multi-value and "All"), as Grafana does it.

pub mod dashboard;
pub mod datasource;
pub mod error;
pub mod lineproto;
pub mod selector;
pub mod series;
pub mod template;
pub mod time;

pub use dashboard::{Dashboard, PanelRef, ValidationError, is_valid_uid};
pub use datasource::{DatasourceConfig, DatasourceKind, DatasourceProvisioning};
pub use error::{ModelError, Result};
pub use lineproto::{LineError, Precision};
pub use selector::{LabelMatcher, MatchOp, SelectorError, SeriesSelector};
pub use series::{Labels, Sample, Series, SeriesKey};
pub use template::{TemplateFormat, TemplateVars, Variable};
pub use time::{
    TimeError, TimeRange, parse_duration_ms, parse_time, shift_time, time_from_override,
};
