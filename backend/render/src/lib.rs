//! Server-side rendering of dashboard panels to PNG or SVG with [plotters], for
//! `GET /render/...`, `pulsegrid render` and the graphs in alert emails.
//!
//! [`render_panel`] draws a Grafana panel (its JSON, as in the dashboard) over series the
//! caller has queried: time series (and the legacy `graph`) with lines, bars, points, fills,
//! stacking, thresholds, a time axis in any time zone and a unit-aware value axis; stat,
//! gauge and bar gauge panels; any other panel type as a placeholder naming it. Output depends
//! only on the inputs: one font is embedded (no system fonts), no clock is read.
//! [`render_alert_graph`] draws an alert rule's series with its threshold as a red dashed line.
//! [`RenderCache`] keeps recent images, bounded by bytes, each for its own lifetime.
//!
//! Bad data is drawn as well as it can be (NaN values are gaps, empty series show "No data",
//! unknown units become suffixes); only requests that cannot be drawn at all are errors
//! ([`RenderError`]).

mod cache;
mod canvas;
mod color;
mod config;
mod error;
mod font;
mod gauge;
mod options;
mod reduce;
mod series;
mod stat;
mod ticks;
mod timeseries;
mod units;
mod values;

use plotters::backend::{BitMapBackend, SVGBackend};
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend, IntoDrawingArea};
use pulsegrid_model::Series;
use serde_json::{Value, json};

use crate::canvas::{Align, Baseline, Canvas};
use crate::color::Palette;
use crate::config::{Kind, PanelConfig};

pub use cache::{CacheStats, RenderCache};
pub use error::{RenderError, Result};
pub use options::{Format, MAX_SIDE, RenderOptions, Theme, TimeZone};

/// A rendered image.
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    /// `image/png` or `image/svg+xml`.
    pub content_type: &'static str,
    /// The encoded image.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Image")
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// Renders one panel (`panel` is its JSON, as in the dashboard) with the series its queries
/// returned. Unknown panel types give a placeholder image, not an error.
pub fn render_panel(panel: &Value, series: &[Series], opts: &RenderOptions) -> Result<Image> {
    opts.validate()?;
    let config = PanelConfig::read(panel);
    let bytes = match opts.format {
        Format::Png => {
            let mut pixels = vec![0u8; opts.width as usize * opts.height as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut pixels, (opts.width, opts.height))
                    .into_drawing_area();
                draw_panel(&root, true, &config, series, opts)?;
                root.present()
                    .map_err(|e| RenderError::Draw(e.to_string()))?;
            }
            encode_png(&pixels, opts.width, opts.height)?
        }
        Format::Svg => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, (opts.width, opts.height))
                    .into_drawing_area();
                draw_panel(&root, false, &config, series, opts)?;
                root.present()
                    .map_err(|e| RenderError::Draw(e.to_string()))?;
            }
            text.into_bytes()
        }
    };
    Ok(Image {
        content_type: opts.format.content_type(),
        bytes,
    })
}

/// Renders an alert rule's series for a notification email: a light time series graph over
/// `from_ms..to_ms` with a legend, and `threshold` (if any) as a red dashed line kept in view.
/// Returns PNG bytes.
pub fn render_alert_graph(
    series: &[Series],
    threshold: Option<f64>,
    from_ms: i64,
    to_ms: i64,
    width: u32,
    height: u32,
) -> Result<Vec<u8>> {
    let threshold = threshold.filter(|t| t.is_finite());
    let mut custom = json!({"lineWidth": 2, "fillOpacity": 10});
    let mut thresholds =
        json!({"mode": "absolute", "steps": [{"value": null, "color": "transparent"}]});
    if let Some(t) = threshold {
        custom["thresholdsStyle"] = json!({"mode": "dashed"});
        custom["axisSoftMin"] = json!(t);
        custom["axisSoftMax"] = json!(t);
        thresholds["steps"] =
            json!([{"value": null, "color": "transparent"}, {"value": t, "color": "red"}]);
    }
    let panel = json!({
        "type": "timeseries",
        "fieldConfig": {"defaults": {"custom": custom, "thresholds": thresholds}},
        "options": {"legend": {"showLegend": true, "placement": "bottom"}},
    });
    let opts = RenderOptions {
        width,
        height,
        theme: Theme::Light,
        tz: TimeZone::utc(),
        from_ms,
        to_ms,
        format: Format::Png,
    };
    Ok(render_panel(&panel, series, &opts)?.bytes)
}

/// Background, title, then the panel's body.
fn draw_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    raster: bool,
    config: &PanelConfig,
    series: &[Series],
    opts: &RenderOptions,
) -> Result<()> {
    let c = Canvas::new(root, raster)?;
    let palette = Palette::of(opts.theme);
    c.fill(palette.background)?;
    let mut body = c.bounds().inset(8);
    if !config.title.is_empty() {
        let size = 14.0;
        let title = c.fit_text(&config.title, size, body.width());
        c.text(
            &title,
            (body.x0, body.y0),
            size,
            palette.text,
            Align::Left,
            Baseline::Top,
        )?;
        body.y0 += 24;
    }
    if body.width() < 2 || body.height() < 2 {
        return Ok(());
    }
    match config.kind {
        Kind::TimeSeries => timeseries::draw(&c, body, config, series, opts, &palette),
        Kind::Stat => stat::draw(&c, body, config, series, opts, &palette),
        Kind::Gauge => gauge::draw_gauge(&c, body, config, series, &palette),
        Kind::BarGauge => gauge::draw_bar_gauge(&c, body, config, series, &palette),
        Kind::Other => {
            let kind = if config.panel_type.is_empty() {
                "these"
            } else {
                config.panel_type.as_str()
            };
            let message = format!("{kind} panels are not rendered server-side");
            let size = c.fit_size(&message, body.width() - 16, 16.0);
            let (x, y) = body.center();
            c.text(
                &message,
                (x, y),
                size,
                palette.muted,
                Align::Center,
                Baseline::Middle,
            )
        }
    }
}

/// 8-bit RGB pixels to PNG.
fn encode_png(pixels: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(pixels.len() / 8);
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder
            .write_header()
            .map_err(|e| RenderError::Encode(e.to_string()))?;
        writer
            .write_image_data(pixels)
            .map_err(|e| RenderError::Encode(e.to_string()))?;
        writer
            .finish()
            .map_err(|e| RenderError::Encode(e.to_string()))?;
    }
    Ok(out)
}

/// The panel types drawn server-side; any other type renders as a placeholder naming it.
pub const RENDERED_KINDS: &[&str] = &[
    "timeseries",
    "graph",
    "stat",
    "singlestat",
    "gauge",
    "bargauge",
];
