//! Pulsegrid's own metrics, served at `/metrics` in the Prometheus text format, and the
//! middleware that counts HTTP requests by route and status.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::error::ApiError;
use crate::state::AppState;

/// Labels of the HTTP request counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// The route pattern (`/api/dashboards/uid/{uid}`), not the raw path, to bound cardinality.
    pub route: String,
    /// The HTTP method.
    pub method: String,
    /// The response status code.
    pub status: u16,
}

/// Labels of the build info gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
}

/// Every metric the service exports, registered once at start.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// HTTP requests served, by route, method and status.
    pub http_requests: Family<HttpLabels, Counter>,
    /// HTTP request duration, by route.
    pub http_duration: Family<RouteLabel, Histogram>,
    /// Provisioning errors seen since start (a broken file counts once per change).
    pub provisioning_errors_total: Counter,
    /// Provisioned files that are broken right now.
    pub provisioning_errors: Gauge,
    /// Dashboards provisioned from files right now.
    pub provisioned_dashboards: Gauge,
    /// Open WebSocket connections.
    pub websocket_connections: Gauge,
    /// Failed login attempts.
    pub login_failures: Counter,
    /// Points acknowledged on the write endpoints.
    pub ingested_points: Counter,
    /// Writes refused because the ingest buffer was full (503).
    pub ingest_rejected: Counter,
    /// Notification attempts, by receiver, integration and outcome.
    pub notifications: Family<NotificationLabels, Counter>,
    /// Notifications in the outbox, by status (pending, delivered, failed).
    pub outbox: Family<OutboxLabels, Gauge>,
    /// Rules loaded, and alert instances by state.
    pub alerts: Family<AlertStateLabels, Gauge>,
    /// Rule files that are broken right now.
    pub rule_file_errors: Gauge,
    /// Points evaluated by stream rules.
    pub rule_stream_evaluations: Counter,
}

/// Labels of the notification counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct NotificationLabels {
    /// The receiver's name.
    pub receiver: String,
    /// The integration (`webhook[0]`).
    pub integration: String,
    /// `delivered`, `retry` or `failed`.
    pub outcome: String,
}

/// Labels of the outbox gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutboxLabels {
    /// `pending`, `delivered` or `failed`.
    pub status: String,
}

/// Labels of the alerts gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AlertStateLabels {
    /// `pending`, `firing`, `nodata` or `error`.
    pub state: String,
}

/// The route label alone.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabel {
    /// The route pattern.
    pub route: String,
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("pulsegrid");
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests served, by route, method and status",
            http_requests.clone(),
        );
        let http_duration = Family::<RouteLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 4.0, 8))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests, by route",
            http_duration.clone(),
        );
        let provisioning_errors_total = Counter::default();
        registry.register(
            "provisioning_errors",
            "Provisioning errors seen since start",
            provisioning_errors_total.clone(),
        );
        let provisioning_errors = Gauge::default();
        registry.register(
            "provisioning_broken_files",
            "Provisioned files that are broken right now",
            provisioning_errors.clone(),
        );
        let provisioned_dashboards = Gauge::default();
        registry.register(
            "provisioned_dashboards",
            "Dashboards provisioned from files",
            provisioned_dashboards.clone(),
        );
        let websocket_connections = Gauge::default();
        registry.register(
            "websocket_connections",
            "Open WebSocket connections",
            websocket_connections.clone(),
        );
        let login_failures = Counter::default();
        registry.register(
            "login_failures",
            "Failed login attempts",
            login_failures.clone(),
        );
        let ingested_points = Counter::default();
        registry.register(
            "ingested_points",
            "Points acknowledged on the write endpoints",
            ingested_points.clone(),
        );
        let ingest_rejected = Counter::default();
        registry.register(
            "ingest_rejected_writes",
            "Writes refused with 503 because the ingest buffer was full",
            ingest_rejected.clone(),
        );
        let notifications = Family::<NotificationLabels, Counter>::default();
        registry.register(
            "notifications",
            "Notification attempts, by receiver, integration and outcome",
            notifications.clone(),
        );
        let outbox = Family::<OutboxLabels, Gauge>::default();
        registry.register(
            "alerting_outbox_notifications",
            "Notifications in the durable outbox, by status",
            outbox.clone(),
        );
        let alerts = Family::<AlertStateLabels, Gauge>::default();
        registry.register("alerts", "Alert instances by state", alerts.clone());
        let rule_file_errors = Gauge::default();
        registry.register(
            "rule_files_broken",
            "Rule files that are broken right now",
            rule_file_errors.clone(),
        );
        let rule_stream_evaluations = Counter::default();
        registry.register(
            "rule_stream_evaluations",
            "Points evaluated by stream rules (one per point per matching rule)",
            rule_stream_evaluations.clone(),
        );
        let build_info = Family::<BuildLabels, Gauge>::default();
        build_info
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_owned(),
            })
            .set(1);
        registry.register("build_info", "Pulsegrid build information", build_info);
        Metrics {
            registry,
            http_requests,
            http_duration,
            provisioning_errors_total,
            provisioning_errors,
            provisioned_dashboards,
            websocket_connections,
            login_failures,
            ingested_points,
            ingest_rejected,
            notifications,
            outbox,
            alerts,
            rule_file_errors,
            rule_stream_evaluations,
        }
    }

    /// The exposition text.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// `GET /metrics`.
pub async fn serve_metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let text = state.metrics.render().map_err(ApiError::internal)?;
    Ok((
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

/// Middleware: counts every request by its route pattern and status.
pub async fn track_http(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .http_duration
        .get_or_create(&RouteLabel {
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    state
        .metrics
        .http_requests
        .get_or_create(&HttpLabels {
            route,
            method,
            status: response.status().as_u16(),
        })
        .inc();
    response
}
