//! The stat panel: one tile per value with the value large, its name when there are several,
//! the value's color on the text or the tile (`options.colorMode`), and a sparkline of the
//! series (`options.graphMode: area`, the default).

use plotters::prelude::DrawingBackend;
use pulsegrid_model::Series;

use crate::canvas::{Align, Baseline, Canvas, Rect, px};
use crate::color::Palette;
use crate::config::PanelConfig;
use crate::error::Result;
use crate::options::RenderOptions;
use crate::values::{DisplayValue, display_values};

/// Splits `body` into `n` tiles: side by side when wide, stacked when tall.
pub(crate) fn tiles(body: Rect, n: usize) -> Vec<Rect> {
    let n = n.max(1) as i32;
    let gap = 6;
    if body.width() >= body.height() {
        let w = (body.width() - gap * (n - 1)) / n;
        (0..n)
            .map(|i| {
                Rect::new(
                    body.x0 + i * (w + gap),
                    body.y0,
                    body.x0 + i * (w + gap) + w,
                    body.y1,
                )
            })
            .collect()
    } else {
        let h = (body.height() - gap * (n - 1)) / n;
        (0..n)
            .map(|i| {
                Rect::new(
                    body.x0,
                    body.y0 + i * (h + gap),
                    body.x1,
                    body.y0 + i * (h + gap) + h,
                )
            })
            .collect()
    }
}

/// Draws the panel body.
pub(crate) fn draw<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    body: Rect,
    panel: &PanelConfig,
    series: &[Series],
    opts: &RenderOptions,
    palette: &Palette,
) -> Result<()> {
    let values = display_values(panel, series);
    let background = panel.color_mode == "background";
    let colored_text = panel.color_mode == "value";
    for (v, tile) in values.iter().zip(tiles(body, values.len())) {
        if tile.width() < 4 || tile.height() < 4 {
            continue;
        }
        let text_color = if background {
            c.rect(tile, v.color)?;
            palette.text_on(v.color)
        } else if colored_text && v.value.is_finite() {
            v.color
        } else {
            palette.text
        };
        if panel.sparkline {
            let line = if background {
                text_color.alpha(0.6)
            } else {
                v.color
            };
            sparkline(c, tile, v, opts, line)?;
        }
        let mut value_area = tile.inset(6);
        if values.len() > 1 && !v.name.is_empty() {
            let size = (f64::from(tile.height()) * 0.15).clamp(10.0, 22.0);
            let name = c.fit_text(&v.name, size, value_area.width());
            c.text(
                &name,
                (value_area.center().0, value_area.y0),
                size,
                text_color,
                Align::Center,
                Baseline::Top,
            )?;
            value_area.y0 += px(size * 1.3);
        }
        let max_size = f64::from(value_area.height()) * 0.6;
        let size = c.fit_size(&v.text, value_area.width(), max_size.min(120.0));
        let (x, y) = value_area.center();
        c.text(
            &v.text,
            (x, y),
            size,
            text_color,
            Align::Center,
            Baseline::Middle,
        )?;
    }
    Ok(())
}

/// The series as an area along the bottom of the tile, over the panel's time range.
fn sparkline<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    tile: Rect,
    v: &DisplayValue<'_>,
    opts: &RenderOptions,
    color: crate::color::Color,
) -> Result<()> {
    let Some(s) = v.series else {
        return Ok(());
    };
    let n = s.t.len().min(s.v.len());
    let points: Vec<(i64, f64)> = (0..n)
        .filter(|i| s.v[*i].is_finite() && (opts.from_ms..=opts.to_ms).contains(&s.t[*i]))
        .map(|i| (s.t[i], s.v[i]))
        .collect();
    if points.len() < 2 {
        return Ok(());
    }
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let area = Rect::new(tile.x0, tile.y1 - tile.height() * 2 / 5, tile.x1, tile.y1);
    let range = (opts.to_ms as f64 - opts.from_ms as f64).max(1.0);
    let xy: Vec<(i32, i32)> = points
        .iter()
        .map(|(t, y)| {
            let x = f64::from(area.x0)
                + (*t as f64 - opts.from_ms as f64) / range * f64::from(area.width());
            let y = f64::from(area.y1) - (y - lo) / span * f64::from(area.height()) * 0.9;
            (px(x), px(y))
        })
        .collect();
    let mut polygon = xy.clone();
    if let (Some(last), Some(first)) = (xy.last(), xy.first()) {
        polygon.push((last.0, area.y1));
        polygon.push((first.0, area.y1));
    }
    c.polygon(polygon, color.alpha(0.2))?;
    c.polyline(xy, color, 1.0)
}
