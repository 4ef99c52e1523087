//! Gauge and bar gauge panels: each value's position between min and max, colored by its
//! thresholds, with the threshold bands as markers (`options.showThresholdMarkers`).

use std::f64::consts::PI;

use plotters::prelude::DrawingBackend;
use pulsegrid_model::Series;

use crate::canvas::{Align, Baseline, Canvas, Rect, px};
use crate::color::Palette;
use crate::config::PanelConfig;
use crate::error::Result;
use crate::stat::tiles;
use crate::values::display_values;

/// The gauge's arc: 240 degrees, open at the bottom.
const START: f64 = 210.0;
const SWEEP: f64 = 240.0;

/// Points of an arc band between radii `r0 < r1` from `a0` to `a1` degrees (counterclockwise
/// from 3 o'clock, y up).
fn band(center: (f64, f64), r0: f64, r1: f64, a0: f64, a1: f64) -> Vec<(i32, i32)> {
    let steps = (((a1 - a0).abs() / 2.0).ceil() as usize).max(1);
    let at = |r: f64, deg: f64| {
        let rad = deg * PI / 180.0;
        (px(center.0 + r * rad.cos()), px(center.1 - r * rad.sin()))
    };
    let mut points = Vec::with_capacity(steps * 2 + 2);
    for i in 0..=steps {
        points.push(at(r1, a0 + (a1 - a0) * i as f64 / steps as f64));
    }
    for i in (0..=steps).rev() {
        points.push(at(r0, a0 + (a1 - a0) * i as f64 / steps as f64));
    }
    points
}

/// Draws a gauge panel body.
pub(crate) fn draw_gauge<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    body: Rect,
    panel: &PanelConfig,
    series: &[Series],
    palette: &Palette,
) -> Result<()> {
    let values = display_values(panel, series);
    for (v, tile) in values.iter().zip(tiles(body, values.len())) {
        let name_h = if values.len() > 1 && !v.name.is_empty() {
            22
        } else {
            0
        };
        let area = Rect::new(tile.x0, tile.y0, tile.x1, tile.y1 - name_h);
        // The arc spans 1.5 radii vertically (from the top to 30 degrees below the centre).
        let r = (f64::from(area.width()) / 2.0).min(f64::from(area.height()) / 1.5) - 4.0;
        if r < 8.0 {
            continue;
        }
        let block = r * 1.5 + f64::from(name_h);
        let top = f64::from(tile.y0) + (f64::from(tile.height()) - block) / 2.0;
        let center = (f64::from(area.center().0), top + r);
        let thickness = r * 0.18;
        let (outer, inner) = if panel.threshold_markers {
            (r - thickness * 0.45, r - thickness * 0.45 - thickness)
        } else {
            (r, r - thickness)
        };
        let angle = |fraction: f64| START - SWEEP * fraction.clamp(0.0, 1.0);
        if panel.threshold_markers {
            let span = v.max - v.min;
            for (i, (from, color)) in v.steps.iter().enumerate() {
                let to = v.steps.get(i + 1).map_or(v.max, |s| s.0);
                let f0 = if span > 0.0 {
                    ((from.max(v.min)) - v.min) / span
                } else {
                    0.0
                };
                let f1 = if span > 0.0 {
                    ((to.min(v.max)) - v.min) / span
                } else {
                    1.0
                };
                if f1 > f0 {
                    let points = band(center, r - thickness * 0.3, r, angle(f0), angle(f1));
                    c.polygon(points, *color)?;
                }
            }
        }
        c.polygon(
            band(center, inner, outer, START, START - SWEEP),
            palette.track,
        )?;
        let fraction = v.fraction();
        if fraction > 0.0 {
            c.polygon(band(center, inner, outer, START, angle(fraction)), v.color)?;
        }
        let text_w = px(inner * 1.4);
        let size = c.fit_size(&v.text, text_w, inner * 0.55);
        let text_color = if v.value.is_finite() {
            v.color
        } else {
            palette.muted
        };
        c.text(
            &v.text,
            (px(center.0), px(center.1)),
            size,
            text_color,
            Align::Center,
            Baseline::Middle,
        )?;
        if name_h > 0 {
            let name = c.fit_text(&v.name, 13.0, tile.width());
            let y = px(center.1 + r * 0.5) + name_h / 2 + 4;
            c.text(
                &name,
                (tile.center().0, y),
                13.0,
                palette.text,
                Align::Center,
                Baseline::Middle,
            )?;
        }
    }
    Ok(())
}

/// Draws a bar gauge panel body: a row per value (a column with `orientation: vertical`).
pub(crate) fn draw_bar_gauge<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    body: Rect,
    panel: &PanelConfig,
    series: &[Series],
    palette: &Palette,
) -> Result<()> {
    let values = display_values(panel, series);
    let n = values.len() as i32;
    let gap = 8;
    if panel.vertical {
        let w = (body.width() - gap * (n - 1)) / n.max(1);
        for (i, v) in values.iter().enumerate() {
            let x0 = body.x0 + i as i32 * (w + gap);
            let col = Rect::new(x0, body.y0, x0 + w, body.y1);
            let name_h = if v.name.is_empty() { 0 } else { 18 };
            let value_size = (f64::from(w) * 0.25).clamp(10.0, 24.0);
            let value_h = px(value_size * 1.4);
            let bar = Rect::new(col.x0, col.y0 + value_h, col.x1, col.y1 - name_h);
            if bar.height() < 2 || bar.width() < 2 {
                continue;
            }
            c.rect(bar, palette.track)?;
            let filled = px(f64::from(bar.height()) * v.fraction());
            c.rect(Rect::new(bar.x0, bar.y1 - filled, bar.x1, bar.y1), v.color)?;
            let text = c.fit_text(&v.text, value_size, col.width());
            c.text(
                &text,
                (col.center().0, col.y0),
                value_size,
                v.color,
                Align::Center,
                Baseline::Top,
            )?;
            let name = c.fit_text(&v.name, 12.0, col.width());
            c.text(
                &name,
                (col.center().0, col.y1),
                12.0,
                palette.text,
                Align::Center,
                Baseline::Bottom,
            )?;
        }
        return Ok(());
    }
    let h = (body.height() - gap * (n - 1)) / n.max(1);
    for (i, v) in values.iter().enumerate() {
        let y0 = body.y0 + i as i32 * (h + gap);
        let row = Rect::new(body.x0, y0, body.x1, y0 + h);
        let name_h = if v.name.is_empty() || h < 30 { 0 } else { 18 };
        if name_h > 0 {
            let name = c.fit_text(&v.name, 12.0, row.width());
            c.text(
                &name,
                (row.x0, row.y0),
                12.0,
                palette.text,
                Align::Left,
                Baseline::Top,
            )?;
        }
        let bar_h = row.height() - name_h;
        let value_size = (f64::from(bar_h) * 0.6).clamp(10.0, 28.0);
        let value_w = c.text_width(&v.text, value_size) + 12;
        let bar = Rect::new(row.x0, row.y0 + name_h, row.x1 - value_w, row.y1);
        if bar.width() < 2 || bar.height() < 2 {
            continue;
        }
        c.rect(bar, palette.track)?;
        let filled = px(f64::from(bar.width()) * v.fraction());
        c.rect(Rect::new(bar.x0, bar.y0, bar.x0 + filled, bar.y1), v.color)?;
        let text_color = if v.value.is_finite() {
            v.color
        } else {
            palette.muted
        };
        c.text(
            &v.text,
            (row.x1, bar.center().1),
            value_size,
            text_color,
            Align::Right,
            Baseline::Middle,
        )?;
    }
    Ok(())
}
