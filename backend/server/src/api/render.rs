//! `GET /render/d/{uid}/{panelId}.png` (and `.svg`): a dashboard panel as an image, rendered on
//! the server like Grafana's image renderer but without a browser. The panel's queries are
//! built the way live subscriptions build them ([`panel_specs`]: the dashboard's variables
//! with the request's `var-NAME` values over them, the panel's `timeFrom`/`timeShift`), each
//! runs once through its source, and `pulsegrid-render` draws the result.
//!
//! Query parameters: `from`, `to` (Grafana date math, unix ms or RFC 3339; default the
//! dashboard's time range, else the last hour), `width` (default 1000), `height` (500),
//! `theme` (`dark`, `light`), `tz` (an IANA name or a UTC offset; default UTC) and repeatable
//! `var-NAME=value`. Other parameters Grafana's renderer takes (`orgId`, `scale`...) are
//! ignored.
//!
//! Images are cached ([`RenderCache`], 32 MiB) by dashboard version, panel, variables, size,
//! theme, zone, format and the time range rounded to the dashboard's refresh interval (10 s
//! without one), for that interval; `X-Pulsegrid-Render-Cache: hit|miss` tells which.
//! `pulsegrid render` uses the same [`render`] without HTTP.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use pulsegrid_connectors::{QueryRequest, Sources};
use pulsegrid_live::PanelRequest;
use pulsegrid_model::{
    Dashboard, Series, TemplateFormat, TemplateVars, TimeRange, parse_duration_ms, parse_time,
};
use pulsegrid_render::{Format, Image, RenderCache, RenderOptions, Theme, TimeZone};
use serde_json::{Map, Value};

use crate::auth::{Principal, Role};
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::live::resolver::{SavedDashboards, panel_specs};
use crate::provisioning::DashboardProvisioner;
use crate::state::AppState;

/// The cache's byte budget.
pub const CACHE_BYTES: usize = 32 * 1024 * 1024;

/// How long a rendered image is reused, and how finely the time range is rounded, when the
/// dashboard has no refresh interval.
pub const DEFAULT_CACHE_TTL_MS: i64 = 10_000;

/// The response header saying whether the cache answered.
pub const CACHE_HEADER: &str = "x-pulsegrid-render-cache";

/// How long one query of a render may take.
const QUERY_TIMEOUT: Duration = Duration::from_secs(30);

/// The process' render cache.
fn cache() -> &'static RenderCache {
    static CACHE: OnceLock<RenderCache> = OnceLock::new();
    CACHE.get_or_init(|| RenderCache::new(CACHE_BYTES))
}

/// Renders run on blocking threads, at most this many at once (an image of the largest size
/// takes about 200 MB while it is drawn).
fn permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| tokio::sync::Semaphore::new(2))
}

/// Why a panel could not be rendered; the HTTP status follows from the variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderFailure {
    /// No such dashboard or panel (404).
    #[error("{0}")]
    NotFound(String),
    /// A bad parameter, variable or time (400); the message names it.
    #[error("{0}")]
    BadRequest(String),
    /// Something broke on our side (500; the detail is logged, not sent).
    #[error("{0}")]
    Internal(String),
}

impl From<RenderFailure> for ApiError {
    fn from(e: RenderFailure) -> Self {
        match e {
            RenderFailure::NotFound(m) => ApiError::not_found(m).with_code("not-found"),
            RenderFailure::BadRequest(m) => ApiError::bad_request(m),
            RenderFailure::Internal(m) => ApiError::internal(m),
        }
    }
}

fn bad(message: String) -> RenderFailure {
    RenderFailure::BadRequest(message)
}

/// What to render, with every parameter checked.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderRequest {
    /// The dashboard's uid.
    pub uid: String,
    /// The panel's id.
    pub panel_id: i64,
    /// The window's start as written (`now-1h`); `None` takes the dashboard's.
    pub from: Option<String>,
    /// The window's end as written (`now`); `None` takes the dashboard's.
    pub to: Option<String>,
    /// Variable values over the dashboard's saved ones (`var-NAME`; repeated names are a
    /// multi-value).
    pub vars: Map<String, Value>,
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
    /// Colors.
    pub theme: Theme,
    /// The time axis' zone.
    pub tz: TimeZone,
    /// PNG or SVG.
    pub format: Format,
}

impl RenderRequest {
    /// Reads the URL's `{panelId}.{png|svg}` and query parameters (`name=value` pairs, in
    /// order); an error names the parameter.
    pub fn from_params(
        uid: &str,
        panel_file: &str,
        params: &[(String, String)],
    ) -> Result<Self, RenderFailure> {
        let (id, ext) = panel_file.rsplit_once('.').unwrap_or((panel_file, ""));
        let format = Format::from_extension(ext);
        let panel_id = id.parse::<i64>().ok();
        let (Some(panel_id), Some(format)) = (panel_id, format) else {
            return Err(bad(format!(
                "panel: expected {{panelId}}.png or {{panelId}}.svg, found {panel_file:?}"
            )));
        };
        let mut request = RenderRequest {
            uid: uid.to_owned(),
            panel_id,
            from: None,
            to: None,
            vars: Map::new(),
            width: 1000,
            height: 500,
            theme: Theme::Dark,
            tz: TimeZone::utc(),
            format,
        };
        for (name, value) in params {
            match name.as_str() {
                "from" => request.from = Some(checked_time("from", value)?),
                "to" => request.to = Some(checked_time("to", value)?),
                "width" => request.width = size("width", value)?,
                "height" => request.height = size("height", value)?,
                "theme" => {
                    request.theme = Theme::parse(value).ok_or_else(|| {
                        bad(format!("theme: expected dark or light, found {value:?}"))
                    })?
                }
                "tz" | "timezone" => {
                    request.tz = TimeZone::parse(value).map_err(|e| bad(format!("{name}: {e}")))?
                }
                _ => {
                    if let Some(var) = name.strip_prefix("var-").filter(|v| !v.is_empty()) {
                        add_var(&mut request.vars, var, value);
                    }
                }
            }
        }
        Ok(request)
    }
}

fn checked_time(name: &str, value: &str) -> Result<String, RenderFailure> {
    parse_time(value, 0).map_err(|e| bad(format!("{name}: {e}")))?;
    Ok(value.to_owned())
}

fn size(name: &str, value: &str) -> Result<u32, RenderFailure> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|v| (1..=pulsegrid_render::MAX_SIDE).contains(v))
        .ok_or_else(|| {
            bad(format!(
                "{name}: expected a number of pixels from 1 to {}, found {value:?}",
                pulsegrid_render::MAX_SIDE
            ))
        })
}

/// `var-NAME=value`: a second value for the same name makes it a multi-value.
fn add_var(vars: &mut Map<String, Value>, name: &str, value: &str) {
    let value = Value::String(value.to_owned());
    match vars.get_mut(name) {
        Some(Value::Array(values)) => values.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None => {
            vars.insert(name.to_owned(), value);
        }
    }
}

/// Where dashboards and data come from.
#[derive(Clone, Copy, Debug)]
pub struct RenderContext<'a> {
    /// Dashboards from files (they shadow saved ones with the same uid).
    pub provisioner: &'a DashboardProvisioner,
    /// Dashboards saved through the API.
    pub saved: &'a SavedDashboards,
    /// The configured sources.
    pub sources: &'a Sources,
    /// Cache images here, if set.
    pub cache: Option<&'a RenderCache>,
}

/// A rendered panel.
#[derive(Debug)]
pub struct Rendered {
    /// The image.
    pub image: Image,
    /// Whether it came from the cache.
    pub cached: bool,
    /// Queries that failed (drawn without their series), as `refId: message`.
    pub query_errors: Vec<String>,
}

/// Finds the dashboard and panel, runs the panel's queries and renders them (or answers from
/// the cache). Unknown dashboards and panels are 404; bad variables or times 400.
pub async fn render(
    cx: RenderContext<'_>,
    request: &RenderRequest,
    now: i64,
) -> Result<Rendered, RenderFailure> {
    let (dashboard, version) = match cx.provisioner.get(&request.uid) {
        Some(p) => (
            Arc::new(p.dashboard.clone()),
            format!("file:{}", p.updated_ms),
        ),
        None => {
            let saved = cx.saved.get(&request.uid).ok_or_else(|| {
                RenderFailure::NotFound(format!("dashboard {:?} not found", request.uid))
            })?;
            let version = format!("v{}", saved.version().unwrap_or(0));
            (saved, version)
        }
    };
    let panel = dashboard.panel(request.panel_id).ok_or_else(|| {
        RenderFailure::NotFound(format!(
            "dashboard {:?} has no panel {}",
            request.uid, request.panel_id
        ))
    })?;
    let (default_from, default_to) = dashboard_time(&dashboard);
    let live = PanelRequest {
        dashboard: request.uid.clone(),
        panel: request.panel_id,
        from: request.from.clone().unwrap_or(default_from),
        to: request.to.clone().unwrap_or(default_to),
        vars: request.vars.clone(),
        // Grafana's rule: the panel's maxDataPoints, else one point per pixel.
        max_data_points: panel
            .raw
            .get("maxDataPoints")
            .is_none()
            .then_some(request.width),
        shift: None,
    };
    let specs = panel_specs(&dashboard, &live, cx.sources).map_err(bad)?;
    // The window the image shows: the panel's own (timeFrom/timeShift) when it has queries.
    let (from, to) = specs
        .first()
        .map_or((live.from.clone(), live.to.clone()), |s| {
            (s.from.clone(), s.to.clone())
        });
    let range = TimeRange::parse(&from, &to, now).map_err(|e| bad(format!("from/to: {e}")))?;
    if range.from_ms >= range.to_ms {
        return Err(bad(format!(
            "from/to: the time range is empty ({from} to {to}); from must be before to"
        )));
    }

    let ttl_ms = dashboard
        .json()
        .get("refresh")
        .and_then(Value::as_str)
        .and_then(|r| parse_duration_ms(r).ok())
        .filter(|ms| *ms > 0)
        .unwrap_or(DEFAULT_CACHE_TTL_MS);
    let key = cache_key(request, &version, &range, ttl_ms);
    if let Some(image) = cx.cache.and_then(|c| c.get(&key)) {
        return Ok(Rendered {
            image,
            cached: true,
            query_errors: Vec::new(),
        });
    }

    let mut series: Vec<Series> = Vec::new();
    let mut query_errors = Vec::new();
    for spec in specs {
        let ref_id = spec
            .target
            .get("refId")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned();
        let Some(source) = cx.sources.resolve(spec.datasource.as_ref()) else {
            query_errors.push(format!("{ref_id}: no such datasource"));
            continue;
        };
        let range = match TimeRange::parse(&spec.from, &spec.to, now) {
            Ok(r) => r,
            Err(e) => {
                query_errors.push(format!("{ref_id}: {e}"));
                continue;
            }
        };
        let min_interval = spec
            .target
            .get("intervalMs")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let query = QueryRequest::new(spec.target, range, spec.max_data_points, min_interval);
        match tokio::time::timeout(QUERY_TIMEOUT, source.query_range(&query)).await {
            Ok(Ok(found)) => series.extend(found),
            Ok(Err(e)) => query_errors.push(format!("{ref_id}: {e}")),
            Err(_) => query_errors.push(format!("{ref_id}: no answer within {QUERY_TIMEOUT:?}")),
        }
    }
    for e in &query_errors {
        tracing::warn!(uid = request.uid, panel = request.panel_id, error = %e, "render query failed");
    }

    let opts = RenderOptions {
        width: request.width,
        height: request.height,
        theme: request.theme,
        tz: request.tz.clone(),
        from_ms: range.from_ms,
        to_ms: range.to_ms,
        format: request.format,
    };
    // The title with the dashboard's variables, as Grafana shows it.
    let mut panel_json = panel.raw.clone();
    if let Some(title) = panel.raw.get("title").and_then(Value::as_str)
        && title.contains('$')
    {
        let mut vars = TemplateVars::from_dashboard(dashboard.json());
        if vars.apply_overrides(&request.vars).is_ok() {
            panel_json["title"] = Value::String(vars.interpolate(title, TemplateFormat::Raw));
        }
    }
    let _permit = permits()
        .acquire()
        .await
        .map_err(|e| RenderFailure::Internal(e.to_string()))?;
    let image = tokio::task::spawn_blocking(move || {
        pulsegrid_render::render_panel(&panel_json, &series, &opts)
    })
    .await
    .map_err(|e| RenderFailure::Internal(e.to_string()))?
    .map_err(|e| match e {
        pulsegrid_render::RenderError::InvalidSize { .. }
        | pulsegrid_render::RenderError::InvalidTimeRange { .. }
        | pulsegrid_render::RenderError::InvalidTimeZone(_) => bad(e.to_string()),
        other => RenderFailure::Internal(other.to_string()),
    })?;
    if query_errors.is_empty()
        && let Some(cache) = cx.cache
    {
        cache.insert(
            key,
            image.clone(),
            Duration::from_millis(ttl_ms.unsigned_abs()),
        );
    }
    Ok(Rendered {
        image,
        cached: false,
        query_errors,
    })
}

/// The dashboard's saved time range (`time.from`/`time.to`), else the last hour.
fn dashboard_time(dashboard: &Dashboard) -> (String, String) {
    let field = |key: &str| {
        dashboard
            .json()
            .pointer(&format!("/time/{key}"))
            .and_then(Value::as_str)
            .filter(|t| parse_time(t, 0).is_ok())
            .map(str::to_owned)
    };
    (
        field("from").unwrap_or_else(|| "now-1h".to_owned()),
        field("to").unwrap_or_else(|| "now".to_owned()),
    )
}

/// Everything an image depends on, with the time range rounded down to `bucket_ms`.
fn cache_key(request: &RenderRequest, version: &str, range: &TimeRange, bucket_ms: i64) -> String {
    let bucket = bucket_ms.max(1);
    let vars = serde_json::to_string(&sorted(&request.vars)).unwrap_or_default();
    format!(
        "{}\u{1f}{version}\u{1f}{}\u{1f}{vars}\u{1f}{}\u{1f}{}\u{1f}{}x{}\u{1f}{}\u{1f}{}\u{1f}{}",
        request.uid,
        request.panel_id,
        range.from_ms.div_euclid(bucket),
        range.to_ms.div_euclid(bucket),
        request.width,
        request.height,
        request.theme.as_str(),
        request.tz.name(),
        request.format.extension(),
    )
}

fn sorted(vars: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut pairs: Vec<_> = vars.iter().collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    pairs
}

/// `GET /render/d/{uid}/{panel_file}`.
pub(super) async fn panel_image(
    State(state): State<AppState>,
    principal: Principal,
    UrlPath((uid, panel_file)): UrlPath<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    principal.require(Role::Viewer)?;
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::bad_request(format!("query string: {e}")))?;
    let request = RenderRequest::from_params(&uid, &panel_file, &params)?;
    let cx = RenderContext {
        provisioner: &state.provisioner,
        saved: &state.saved,
        sources: &state.sources,
        cache: Some(cache()),
    };
    let rendered = render(cx, &request, now_ms()).await?;
    let mut response = (
        [(header::CONTENT_TYPE, rendered.image.content_type)],
        rendered.image.bytes,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        CACHE_HEADER,
        HeaderValue::from_static(if rendered.cached { "hit" } else { "miss" }),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if !rendered.query_errors.is_empty() {
        headers.insert(
            "x-pulsegrid-query-errors",
            HeaderValue::from(rendered.query_errors.len()),
        );
    }
    Ok(response)
}

/// `pulsegrid render`: loads the configured dashboards (files, and the saved ones if the
/// database opens) and datasources, renders one panel and writes it to `output`. Ingested
/// series live in the running server only, so the `pulsegrid` source answers empty here.
pub async fn render_to_file(
    config: &crate::Config,
    request: &RenderRequest,
    output: &Path,
) -> anyhow::Result<Rendered> {
    use anyhow::Context;

    let metrics = Arc::new(crate::metrics::Metrics::new());
    let provisioner = Arc::new(DashboardProvisioner::new(
        config.dashboards_dir.clone(),
        metrics,
    ));
    {
        let p = provisioner.clone();
        tokio::task::spawn_blocking(move || p.rescan(true)).await?;
    }
    let saved = match crate::serve::open_store(config).await {
        Ok(store) => {
            let saved = SavedDashboards::load(&store).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot read saved dashboards");
                SavedDashboards::default()
            });
            store.close().await;
            saved
        }
        Err(e) => {
            tracing::warn!(error = %e, "no saved dashboards: the database does not open");
            SavedDashboards::default()
        }
    };
    let datasources = crate::datasources::Datasources::load(config.datasources.as_deref());
    // The service's ingested series, read as they are on disk (the service may be running and
    // owns the log; nothing is changed there).
    let ingest = pulsegrid_ingest::SeriesStore::open_read_only(pulsegrid_ingest::IngestConfig {
        dir: config.data_dir.join("ingest"),
        max_points_per_series: config.ingest_max_points,
        max_series: config.ingest_max_series,
        max_age_ms: crate::Config::duration_ms("ingest_max_age", &config.ingest_max_age)?,
        ..pulsegrid_ingest::IngestConfig::default()
    })
    .await
    .context("cannot read the ingested series")?;
    let http = reqwest::Client::builder()
        .timeout(QUERY_TIMEOUT)
        .build()
        .context("cannot build the HTTP client")?;
    let sources = crate::live::build_sources(&datasources, &ingest, &http);
    let cx = RenderContext {
        provisioner: &provisioner,
        saved: &saved,
        sources: &sources,
        cache: None,
    };
    let result = render(cx, request, now_ms()).await;
    ingest.close().await;
    let rendered = result?;
    std::fs::write(output, &rendered.image.bytes)
        .with_context(|| format!("cannot write {}", output.display()))?;
    Ok(rendered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn reads_parameters() {
        let r = RenderRequest::from_params(
            "abc",
            "12.svg",
            &params(&[
                ("from", "now-6h"),
                ("to", "now"),
                ("width", "640"),
                ("theme", "light"),
                ("tz", "Europe/Berlin"),
                ("var-site", "north"),
                ("var-site", "south"),
                ("var-x", "1"),
                ("orgId", "1"),
            ]),
        )
        .unwrap();
        assert_eq!(
            (r.panel_id, r.format, r.width, r.height),
            (12, Format::Svg, 640, 500)
        );
        assert_eq!(r.theme, Theme::Light);
        assert_eq!(r.tz.name(), "Europe/Berlin");
        assert_eq!(r.vars["site"], serde_json::json!(["north", "south"]));
        assert_eq!(r.vars["x"], "1");
        assert_eq!(r.from.as_deref(), Some("now-6h"));
    }

    #[test]
    fn bad_parameters_name_themselves() {
        let bad = |file: &str, pairs: &[(&str, &str)]| {
            RenderRequest::from_params("u", file, &params(pairs))
                .unwrap_err()
                .to_string()
        };
        assert!(bad("1.gif", &[]).starts_with("panel:"));
        assert!(bad("x.png", &[]).starts_with("panel:"));
        assert!(bad("1.png", &[("width", "0")]).starts_with("width:"));
        assert!(bad("1.png", &[("height", "9000")]).starts_with("height:"));
        assert!(bad("1.png", &[("theme", "blue")]).starts_with("theme:"));
        assert!(bad("1.png", &[("tz", "Mars/Base")]).starts_with("tz:"));
        assert!(bad("1.png", &[("from", "yesterday")]).starts_with("from:"));
    }

    #[test]
    fn cache_keys_round_the_range() {
        let r = RenderRequest::from_params("u", "1.png", &[]).unwrap();
        let range = |from, to| TimeRange {
            from_ms: from,
            to_ms: to,
        };
        let a = cache_key(&r, "v1", &range(10_001, 20_001), 10_000);
        let b = cache_key(&r, "v1", &range(19_999, 29_999), 10_000);
        let c = cache_key(&r, "v1", &range(20_001, 30_001), 10_000);
        let d = cache_key(&r, "v2", &range(10_001, 20_001), 10_000);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }
}
