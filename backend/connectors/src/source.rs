//! The one source trait, the request it answers, and the registry of configured sources.

use std::collections::HashMap;
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use pulsegrid_model::{DatasourceKind, Series, TimeRange};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::{Result, SourceError};
use crate::variables::{VariableQuery, VariableValue};

/// A boxed, sendable future (the trait is used as `dyn Source`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One query of a panel target over a time range.
#[derive(Clone, Debug)]
pub struct QueryRequest {
    /// The panel target as Grafana stores it (`expr`, `query`, `rawSql`, `scenarioId`, ...),
    /// with dashboard variables already substituted.
    pub target: Value,
    /// The absolute time range.
    pub range: TimeRange,
    /// Step between points in ms (Grafana's `$__interval`), from the range and the panel's
    /// width or `maxDataPoints`; at least 1.
    pub interval_ms: i64,
    /// The most points a series should have (Grafana's `maxDataPoints`).
    pub max_data_points: u32,
}

impl QueryRequest {
    /// A request with the step computed as Grafana does: range / max points, rounded to a
    /// "nice" interval, never below `min_interval_ms`.
    pub fn new(
        target: Value,
        range: TimeRange,
        max_data_points: u32,
        min_interval_ms: i64,
    ) -> Self {
        let raw = range.span_ms() / i64::from(max_data_points.max(1));
        QueryRequest {
            target,
            range,
            interval_ms: nice_interval(raw).max(min_interval_ms).max(1),
            max_data_points,
        }
    }
}

/// Rounds a step up to a human interval (1ms, 5ms, 10ms, ... 1s, 5s, 10s, 15s, 30s, 1m, ...).
pub fn nice_interval(ms: i64) -> i64 {
    const STEPS: [i64; 22] = [
        1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000,
        120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| *s >= ms)
        .unwrap_or_else(|| (ms + 3_599_999) / 3_600_000 * 3_600_000)
}

/// How a source delivers live updates for a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveMode {
    /// Re-run `query_range` every `every_ms` over the sliding window; the hub sends what is new.
    Poll {
        /// The refresh interval in ms.
        every_ms: i64,
    },
    /// Call `subscribe` once; the source pushes points as they arrive.
    Subscribe,
}

/// What a running subscription reports.
#[derive(Clone, Debug)]
pub enum SourceEvent {
    /// New points (`replace: false`) or a full window (`replace: true`).
    Frame {
        /// The series with only their new points (or the whole window with `replace`).
        series: Vec<Series>,
        /// Whether this replaces everything sent before.
        replace: bool,
    },
    /// The upstream went down or came back.
    Status {
        /// Whether the source is reachable now.
        up: bool,
        /// What happened, for the panel.
        message: String,
    },
}

/// A configured datasource that can answer queries.
pub trait Source: Send + Sync + Debug {
    /// The datasource's uid.
    fn uid(&self) -> &str;

    /// Its kind.
    fn kind(&self) -> DatasourceKind;

    /// Answers a range query: the series of `req.target` within `req.range`.
    fn query_range<'a>(&'a self, req: &'a QueryRequest) -> BoxFuture<'a, Result<Vec<Series>>>;

    /// How live updates for `target` are produced. Poll sources use the dashboard's refresh
    /// (`default_every_ms`) unless the source knows better.
    fn live_mode(&self, target: &Value, default_every_ms: i64) -> LiveMode {
        let _ = target;
        LiveMode::Poll {
            every_ms: default_every_ms,
        }
    }

    /// For [`LiveMode::Subscribe`] sources: runs until `cancel` fires, sending what arrives to
    /// `out`. Connection trouble is reported as [`SourceEvent::Status`] and retried with
    /// backoff, not returned; an error return means the target itself is invalid.
    fn subscribe<'a>(
        &'a self,
        target: &'a Value,
        out: mpsc::Sender<SourceEvent>,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<()>> {
        let _ = (target, out, cancel);
        Box::pin(async move {
            Err(SourceError::Unsupported(format!(
                "datasource {} does not stream; it is polled",
                self.uid()
            )))
        })
    }

    /// Answers a dashboard query variable: its options for `query` over the range (in the
    /// order found; the caller sorts). A malformed query is [`SourceError::InvalidQuery`]
    /// naming the accepted forms. Sources without variable queries keep this default.
    fn variable_values<'a>(
        &'a self,
        query: &'a VariableQuery,
    ) -> BoxFuture<'a, Result<Vec<VariableValue>>> {
        let _ = query;
        Box::pin(async move {
            Err(SourceError::Unsupported(format!(
                "variable queries are not supported by {} datasources",
                self.kind()
            )))
        })
    }
}

/// The configured sources by uid (and name, as Grafana resolves both).
#[derive(Clone, Debug, Default)]
pub struct Sources {
    by_uid: HashMap<String, Arc<dyn Source>>,
    by_name: HashMap<String, String>,
    default_uid: Option<String>,
}

impl Sources {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a source under its uid, also findable by `name`.
    pub fn insert(&mut self, name: &str, source: Arc<dyn Source>, is_default: bool) {
        let uid = source.uid().to_owned();
        self.by_name.insert(name.to_owned(), uid.clone());
        if is_default || self.default_uid.is_none() {
            self.default_uid = Some(uid.clone());
        }
        self.by_uid.insert(uid, source);
    }

    /// A source by uid or name.
    pub fn get(&self, uid_or_name: &str) -> Option<Arc<dyn Source>> {
        self.by_uid
            .get(uid_or_name)
            .or_else(|| {
                self.by_name
                    .get(uid_or_name)
                    .and_then(|u| self.by_uid.get(u))
            })
            .cloned()
    }

    /// The default source (the one marked `isDefault`, else the first added).
    pub fn default_source(&self) -> Option<Arc<dyn Source>> {
        self.default_uid.as_deref().and_then(|u| self.get(u))
    }

    /// Resolves a panel's or target's `datasource` reference: `{"uid": ...}`, a uid or name
    /// string, or null for the default.
    pub fn resolve(&self, reference: Option<&Value>) -> Option<Arc<dyn Source>> {
        match reference {
            None | Some(Value::Null) => self.default_source(),
            Some(Value::String(s)) => self.get(s),
            Some(Value::Object(o)) => match o.get("uid").and_then(Value::as_str) {
                Some(uid) => self.get(uid),
                None => o
                    .get("type")
                    .and_then(Value::as_str)
                    .and_then(|t| {
                        self.by_uid
                            .values()
                            .find(|s| s.kind().as_str() == t)
                            .cloned()
                    })
                    .or_else(|| self.default_source()),
            },
            Some(_) => None,
        }
    }
}

/// The canonical text of a target, for deduplicating identical queries: object keys sorted,
/// and the fields that do not change the result (`refId`, `hide`, `datasource`, `key`)
/// dropped.
pub fn canonical_target(target: &Value) -> String {
    fn canonical(v: &Value, top: bool, out: &mut String) {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map
                    .keys()
                    .filter(|k| {
                        !(top && matches!(k.as_str(), "refId" | "hide" | "datasource" | "key"))
                    })
                    .collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    canonical(&map[k], false, out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    canonical(item, false, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    canonical(target, true, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_target_ignores_order_and_ref_id() {
        let a = json!({"refId": "A", "expr": "up", "legendFormat": "{{job}}"});
        let b = json!({"legendFormat": "{{job}}", "expr": "up", "refId": "B", "datasource": {"uid": "x"}});
        assert_eq!(canonical_target(&a), canonical_target(&b));
        assert_ne!(
            canonical_target(&a),
            canonical_target(&json!({"expr": "down"}))
        );
    }

    #[test]
    fn steps_are_nice() {
        let range = TimeRange {
            from_ms: 0,
            to_ms: 3_600_000,
        };
        let req = QueryRequest::new(json!({}), range, 1000, 0);
        assert_eq!(req.interval_ms, 5_000);
        assert_eq!(
            QueryRequest::new(json!({}), range, 1000, 15_000).interval_ms,
            15_000
        );
        assert_eq!(nice_interval(0), 1);
    }
}
