//! Push ingest: Influx line protocol on `POST /write` (v1) and `POST /api/v2/write` (v2), so
//! Telegraf and the Influx client libraries write unchanged, and `POST /api/live/push/{stream}`
//! like Grafana Live.
//!
//! A batch is acknowledged (204) only once it is in the write-ahead log. Good lines of a batch
//! with bad ones are still written, and the answer is 400 naming each bad line (Influx 2's
//! partial-write behaviour), so one broken line never loses the rest. When the service cannot
//! absorb more, the answer is 503 with `Retry-After`, which Telegraf and the clients retry.

use std::io::Read;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CONTENT_ENCODING, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pulsegrid_ingest::IngestError;
use pulsegrid_model::lineproto::{Precision, line_to_samples, parse_lines};
use serde_json::json;

use crate::auth::{Principal, Role};
use crate::clock::now_ms;
use crate::state::AppState;

/// Bad lines quoted in one answer at most; the count of the rest follows.
const MAX_REPORTED_ERRORS: usize = 10;

/// Which Influx API shape to answer in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dialect {
    V1,
    V2,
    Live,
}

/// `POST /write?db=&precision=&rp=` (InfluxDB 1.x).
pub(super) async fn write_v1(
    State(state): State<AppState>,
    principal: Principal,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = params(query.as_deref());
    let Some(db) = param(&params, "db").filter(|d| !d.is_empty()) else {
        return influx_error(
            Dialect::V1,
            StatusCode::BAD_REQUEST,
            "database is required: add ?db=NAME".into(),
        );
    };
    let precision = param(&params, "precision").unwrap_or("ns");
    ingest(
        &state,
        &principal,
        Dialect::V1,
        db,
        precision,
        &headers,
        body,
    )
    .await
}

/// `POST /api/v2/write?org=&bucket=&precision=` (InfluxDB 2.x).
pub(super) async fn write_v2(
    State(state): State<AppState>,
    principal: Principal,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = params(query.as_deref());
    let Some(bucket) = param(&params, "bucket").filter(|b| !b.is_empty()) else {
        return influx_error(
            Dialect::V2,
            StatusCode::BAD_REQUEST,
            "bucket is required: add ?bucket=NAME".into(),
        );
    };
    let precision = param(&params, "precision").unwrap_or("ns");
    ingest(
        &state,
        &principal,
        Dialect::V2,
        bucket,
        precision,
        &headers,
        body,
    )
    .await
}

/// `POST /api/live/push/{stream}` (Grafana Live): line protocol, nanosecond timestamps.
pub(super) async fn push(
    State(state): State<AppState>,
    principal: Principal,
    Path(stream): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ingest(
        &state,
        &principal,
        Dialect::Live,
        &stream,
        "ns",
        &headers,
        body,
    )
    .await
}

async fn ingest(
    state: &AppState,
    principal: &Principal,
    dialect: Dialect,
    stream: &str,
    precision: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = principal.require(Role::Editor) {
        return e.into_response();
    }
    let Some(precision) = Precision::parse(precision) else {
        return influx_error(
            dialect,
            StatusCode::BAD_REQUEST,
            format!("precision: expected ns, us, ms, s, m or h, found {precision:?}"),
        );
    };
    let body = match decode_body(headers, body, state.config.max_body_bytes) {
        Ok(b) => b,
        Err((status, message)) => return influx_error(dialect, status, message),
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return influx_error(
            dialect,
            StatusCode::BAD_REQUEST,
            "body is not valid UTF-8".into(),
        );
    };
    let now = now_ms();
    let mut samples = Vec::new();
    let mut errors = Vec::new();
    let mut bad_lines = 0usize;
    for line in parse_lines(text) {
        match line {
            Ok(line) => line_to_samples(&line, precision, now, &mut samples),
            Err(e) => {
                bad_lines += 1;
                if errors.len() < MAX_REPORTED_ERRORS {
                    errors.push(e.to_string());
                }
            }
        }
    }
    if !samples.is_empty() {
        let count = samples.len();
        match state.ingest.write(stream, samples).await {
            Ok(()) => {
                state.metrics.ingested_points.inc_by(count as u64);
            }
            Err(IngestError::Overloaded { retry_after_secs }) => {
                state.metrics.ingest_rejected.inc();
                let mut response = influx_error(
                    dialect,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "write buffer full: retry later".into(),
                );
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs.max(1)));
                return response;
            }
            Err(e) if e.http_status() == 400 => {
                // The client's mistake (too many series, bad stream name): say so, no retry.
                return influx_error(dialect, StatusCode::BAD_REQUEST, e.to_string());
            }
            Err(e) => {
                tracing::error!(stream, error = %e, "ingest write failed");
                return influx_error(
                    dialect,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "write failed: the points were not stored; retry".into(),
                );
            }
        }
    }
    if bad_lines > 0 {
        let mut message = errors.join("; ");
        if bad_lines > errors.len() {
            message.push_str(&format!(
                "; and {} more bad lines",
                bad_lines - errors.len()
            ));
        }
        let message = if dialect == Dialect::V1 {
            format!("partial write: {message}")
        } else {
            message
        };
        return influx_error(dialect, StatusCode::BAD_REQUEST, message);
    }
    StatusCode::NO_CONTENT.into_response()
}

/// Un-gzips the body if needed, never beyond `limit` bytes.
fn decode_body(
    headers: &HeaderMap,
    body: Bytes,
    limit: usize,
) -> Result<Bytes, (StatusCode, String)> {
    let gzip = headers
        .get(CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    if !gzip {
        return Ok(body);
    }
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit));
    let mut decoder = flate2::read::GzDecoder::new(&body[..]).take(limit as u64 + 1);
    decoder.read_to_end(&mut out).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            format!("body is not valid gzip: {e}"),
        )
    })?;
    if out.len() > limit {
        return Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("uncompressed body is larger than {limit} bytes"),
        ));
    }
    Ok(Bytes::from(out))
}

fn params(query: Option<&str>) -> Vec<(String, String)> {
    serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default()
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// An error in the shape the Influx clients read: v1 `{"error"}`, v2 `{"code", "message"}`.
fn influx_error(dialect: Dialect, status: StatusCode, message: String) -> Response {
    let body = match dialect {
        Dialect::V1 => json!({"error": message}),
        Dialect::V2 | Dialect::Live => {
            let code = match status {
                StatusCode::PAYLOAD_TOO_LARGE => "request too large",
                StatusCode::SERVICE_UNAVAILABLE => "unavailable",
                StatusCode::UNAUTHORIZED => "unauthorized",
                StatusCode::FORBIDDEN => "forbidden",
                _ => "invalid",
            };
            json!({"code": code, "message": message})
        }
    };
    (status, Json(body)).into_response()
}
