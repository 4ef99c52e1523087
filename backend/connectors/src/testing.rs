//! Test support: the real servers the connector tests query, started once per test binary
//! on first use (each test writes its own metrics or databases), and stopped by the
//! harness' watchdog when the test process exits. PostgreSQL tests start their own
//! `PgServer` instead: it is stopped on drop only, which a `static` never is.

use std::sync::OnceLock;

use pulsegrid_model::{DatasourceConfig, TimeRange};
use pulsegrid_testkit::{InfluxDb1, PrometheusServer, VictoriaMetrics};
use serde_json::Value;

use crate::source::QueryRequest;

/// The shared Prometheus.
pub(crate) fn prometheus() -> &'static PrometheusServer {
    static SERVER: OnceLock<PrometheusServer> = OnceLock::new();
    SERVER.get_or_init(|| PrometheusServer::start(None).expect("start Prometheus"))
}

/// The shared VictoriaMetrics.
pub(crate) fn victoria_metrics() -> &'static VictoriaMetrics {
    static SERVER: OnceLock<VictoriaMetrics> = OnceLock::new();
    SERVER.get_or_init(|| VictoriaMetrics::start().expect("start VictoriaMetrics"))
}

/// The shared InfluxDB 1.x.
pub(crate) fn influxdb() -> &'static InfluxDb1 {
    static SERVER: OnceLock<InfluxDb1> = OnceLock::new();
    SERVER.get_or_init(|| InfluxDb1::start().expect("start InfluxDB"))
}

/// A datasource from JSON in provisioning shape.
pub(crate) fn datasource(json: Value) -> DatasourceConfig {
    serde_json::from_value(json).expect("a valid datasource")
}

/// A request for `target` over `[from_ms, to_ms]` with step `interval_ms`.
pub(crate) fn request(target: Value, from_ms: i64, to_ms: i64, interval_ms: i64) -> QueryRequest {
    QueryRequest {
        target,
        range: TimeRange { from_ms, to_ms },
        interval_ms,
        max_data_points: 1000,
    }
}

/// Now in unix ms, rounded down to `step_ms`.
pub(crate) fn now_aligned(step_ms: i64) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    now / step_ms * step_ms
}

/// A name no other test (or earlier run) uses: `prefix_<pid>_<counter>`.
pub(crate) fn unique(prefix: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}_{}_{n}", std::process::id())
}
