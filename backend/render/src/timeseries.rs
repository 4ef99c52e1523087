//! The time series panel (and Grafana's legacy `graph`): lines, bars or points per
//! `custom.drawStyle`, fills, stacking, threshold lines and areas, a time axis in the panel's
//! time zone, a value axis with the field's unit, and a legend.

use plotters::prelude::DrawingBackend;

use crate::canvas::{Align, Baseline, Canvas, Rect, clip_polyline, px};
use crate::color::{Color, Palette};
use crate::config::{DrawStyle, FieldConfig, Interpolation, PanelConfig};
use crate::error::Result;
use crate::options::RenderOptions;
use crate::series::{Styled, stack, styled};
use crate::ticks::{ValueAxis, format_time, step_decimals, time_ticks, value_axis};
use crate::units;
use pulsegrid_model::Series;

const AXIS_FONT: f64 = 12.0;
const LEGEND_FONT: f64 = 12.0;
const LEGEND_ROW: i32 = 18;

/// Draws the panel body (everything under the title) into `body`.
pub(crate) fn draw<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    body: Rect,
    panel: &PanelConfig,
    series: &[Series],
    opts: &RenderOptions,
    palette: &Palette,
) -> Result<()> {
    let shown = styled(panel, series);
    let defaults = &panel.defaults;
    let stacked = defaults.stacking;
    let layers: Vec<(Vec<f64>, Vec<f64>)> = if stacked {
        stack(&shown, defaults.percent_stacking)
    } else {
        shown
            .iter()
            .map(|s| (vec![0.0; s.len()], s.series.v[..s.len()].to_vec()))
            .collect()
    };

    // The value range over what is visible.
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut any = false;
    for (s, (base, top)) in shown.iter().zip(&layers) {
        let (start, end) = visible(s, opts.from_ms, opts.to_ms);
        for i in start..end {
            let v = top[i];
            if v.is_finite() {
                any = true;
                lo = lo.min(v);
                hi = hi.max(v);
                if stacked || s.config.draw_style == DrawStyle::Bars {
                    lo = lo.min(base[i]);
                    hi = hi.max(base[i]);
                }
            }
        }
    }
    if !any {
        let (x, y) = body.center();
        return c.text(
            "No data",
            (x, y),
            16.0,
            palette.muted,
            Align::Center,
            Baseline::Middle,
        );
    }
    for soft in [defaults.soft_min, defaults.soft_max].into_iter().flatten() {
        if soft.is_finite() {
            lo = lo.min(soft);
            hi = hi.max(soft);
        }
    }
    let (unit, fixed_min, fixed_max) = if defaults.percent_stacking {
        (Some("percentunit"), Some(0.0), Some(1.0))
    } else {
        (defaults.unit.as_deref(), defaults.min, defaults.max)
    };

    // Layout: legend, then axes, then the plot.
    let mut area = body;
    if panel.legend.show && !shown.is_empty() {
        area = draw_legend(c, body, panel.legend.right, &shown, palette)?;
    }
    let x_axis_h = 20;
    let max_y_ticks = ((area.height() - x_axis_h) / 40).clamp(2, 10) as usize;
    let axis = value_axis(lo, hi, max_y_ticks, fixed_min, fixed_max);
    let decimals = defaults.decimals.or(Some(step_decimals(axis.step)));
    let labels: Vec<String> = axis
        .ticks
        .iter()
        .map(|v| units::format(*v, unit, decimals))
        .collect();
    let label_w = labels
        .iter()
        .map(|l| c.text_width(l, AXIS_FONT))
        .max()
        .unwrap_or(0);
    let plot = Rect::new(
        area.x0 + label_w + 10,
        area.y0 + 8,
        area.x1 - 12,
        area.y1 - x_axis_h,
    );
    if plot.width() < 4 || plot.height() < 4 {
        return Ok(());
    }
    let map = Mapping {
        plot,
        from: opts.from_ms,
        to: opts.to_ms,
        axis: &axis,
    };

    // Grid and axis labels.
    for (v, label) in axis.ticks.iter().zip(&labels) {
        let y = px(map.y(*v));
        if y < plot.y0 || y > plot.y1 {
            continue;
        }
        c.rect(Rect::new(plot.x0, y, plot.x1, y + 1), palette.grid)?;
        c.text(
            label,
            (plot.x0 - 6, y),
            AXIS_FONT,
            palette.muted,
            Align::Right,
            Baseline::Middle,
        )?;
    }
    let max_x_ticks = (plot.width() / 90).max(2) as usize;
    let (ticks, format) = time_ticks(opts.from_ms, opts.to_ms, &opts.tz, max_x_ticks);
    let mut last_right = i32::MIN;
    for t in ticks {
        let x = px(map.x(t));
        if x < plot.x0 || x > plot.x1 {
            continue;
        }
        c.rect(Rect::new(x, plot.y0, x + 1, plot.y1), palette.grid)?;
        let label = format_time(t, &opts.tz, format);
        let w = c.text_width(&label, AXIS_FONT);
        if x - w / 2 > last_right + 8 && x + w / 2 <= c.width {
            c.text(
                &label,
                (x, plot.y1 + 5),
                AXIS_FONT,
                palette.muted,
                Align::Center,
                Baseline::Top,
            )?;
            last_right = x + w / 2;
        }
    }

    draw_thresholds(c, &map, defaults)?;

    let bar_series = shown
        .iter()
        .filter(|s| s.config.draw_style == DrawStyle::Bars)
        .count();
    // Fills and bars first, then lines and points, so no fill veils another series' line.
    for pass in [Pass::Fill, Pass::Line] {
        let mut bar_index = 0;
        for (s, (base, top)) in shown.iter().zip(&layers) {
            let slot = if s.config.draw_style == DrawStyle::Bars {
                let slot = if stacked {
                    (0, 1)
                } else {
                    (bar_index, bar_series)
                };
                bar_index += 1;
                slot
            } else {
                (0, 1)
            };
            draw_series(c, &map, s, base, top, stacked, slot, pass)?;
        }
    }
    Ok(())
}

/// Indices `start..end` of the samples to draw: those in the range plus one either side, so
/// lines run to the edges.
fn visible(s: &Styled<'_>, from: i64, to: i64) -> (usize, usize) {
    let t = &s.series.t[..s.len()];
    let start = t.partition_point(|x| *x < from).saturating_sub(1);
    let end = (t.partition_point(|x| *x <= to) + 1).min(t.len());
    (start, end.max(start))
}

/// Data to pixels.
struct Mapping<'a> {
    plot: Rect,
    from: i64,
    to: i64,
    axis: &'a ValueAxis,
}

impl Mapping<'_> {
    fn x(&self, t: i64) -> f64 {
        let span = (self.to as f64 - self.from as f64).max(1.0);
        f64::from(self.plot.x0)
            + (t as f64 - self.from as f64) / span * f64::from(self.plot.width())
    }

    fn y(&self, v: f64) -> f64 {
        let span = self.axis.max - self.axis.min;
        let span = if span > 0.0 && span.is_finite() {
            span
        } else {
            1.0
        };
        f64::from(self.plot.y1) - (v - self.axis.min) / span * f64::from(self.plot.height())
    }

    /// `y` kept inside the plot (for fills and bars).
    fn y_clamped(&self, v: f64) -> i32 {
        px(self
            .y(v)
            .clamp(f64::from(self.plot.y0), f64::from(self.plot.y1)))
    }
}

/// Threshold areas (bands between steps) and lines, as `custom.thresholdsStyle` says.
fn draw_thresholds<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    map: &Mapping<'_>,
    config: &FieldConfig,
) -> Result<()> {
    let style = config.thresholds_style;
    if !style.area && !style.line {
        return Ok(());
    }
    let steps = config.thresholds.absolute(map.axis.min, map.axis.max);
    let plot = map.plot;
    if style.area {
        for (i, (value, color)) in steps.iter().enumerate() {
            let upper = steps.get(i + 1).map_or(f64::INFINITY, |s| s.0);
            let y_top = if upper.is_finite() {
                map.y_clamped(upper)
            } else {
                plot.y0
            };
            let y_bottom = if value.is_finite() {
                map.y_clamped(*value)
            } else {
                plot.y1
            };
            c.rect(
                Rect::new(plot.x0, y_top, plot.x1, y_bottom),
                color.alpha(0.15),
            )?;
        }
    }
    if style.line {
        for (value, color) in steps.iter().skip(1) {
            if !value.is_finite() {
                continue;
            }
            let y = px(map.y(*value));
            if y < plot.y0 || y > plot.y1 {
                continue;
            }
            if style.dashed {
                c.dashed_hline(plot.x0, plot.x1, y, *color, 2.0)?;
            } else {
                c.polyline(vec![(plot.x0, y), (plot.x1, y)], *color, 1.0)?;
            }
        }
    }
    Ok(())
}

/// The two passes over the series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    /// Fills and bars.
    Fill,
    /// Lines and points.
    Line,
}

/// One series' part of a pass: fill and bars, or line and points.
#[allow(clippy::too_many_arguments)]
fn draw_series<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    map: &Mapping<'_>,
    s: &Styled<'_>,
    base: &[f64],
    top: &[f64],
    stacked: bool,
    (slot, slots): (usize, usize),
    pass: Pass,
) -> Result<()> {
    let config = &s.config;
    let (start, end) = visible(s, map.from, map.to);
    if start >= end {
        return Ok(());
    }
    let t = &s.series.t[start..end];
    let top = &top[start..end];
    let base = &base[start..end];
    let plot = map.plot;

    if config.draw_style == DrawStyle::Bars {
        if pass == Pass::Line {
            return Ok(());
        }
        let n_in_range = t
            .iter()
            .filter(|x| (map.from..=map.to).contains(*x))
            .count()
            .max(1);
        let group = (f64::from(plot.width()) / n_in_range as f64 * 0.8).max(1.0);
        let width = (group / slots.max(1) as f64).max(1.0);
        let fill = if config.fill_opacity > 0.0 {
            config.fill_opacity.max(0.6)
        } else {
            0.8
        };
        for i in 0..t.len() {
            if !top[i].is_finite() {
                continue;
            }
            let x0 = map.x(t[i]) - group / 2.0 + width * slot as f64;
            let bottom = if stacked { base[i] } else { 0.0 };
            let (a, b) = (map.y_clamped(bottom), map.y_clamped(top[i]));
            let rect = Rect::new(
                px(x0).max(plot.x0),
                a.min(b),
                px(x0 + width).min(plot.x1),
                a.max(b).max(a.min(b) + 1),
            );
            c.rect(rect, s.color.alpha(fill))?;
        }
        return Ok(());
    }

    // Runs of consecutive values (NaN breaks a run unless spanNulls).
    let mut runs: Vec<Vec<(f64, f64, f64)>> = Vec::new();
    let mut run: Vec<(f64, f64, f64)> = Vec::new();
    for i in 0..t.len() {
        if top[i].is_finite() {
            run.push((
                map.x(t[i]),
                map.y(top[i]),
                if stacked { base[i] } else { 0.0 },
            ));
        } else if !config.span_nulls && !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }

    let show_points = match config.show_points {
        Some(show) => show,
        None => {
            let n = t.len().max(1) as f64;
            f64::from(plot.width()) / n >= config.point_size * 4.0
        }
    };
    for run in &runs {
        let line: Vec<(f64, f64)> = step_line(&decimate(run, plot.width()), config.interpolation);
        if pass == Pass::Fill {
            if config.draw_style == DrawStyle::Line && config.fill_opacity > 0.0 && line.len() >= 2
            {
                fill_under(
                    c,
                    map,
                    run,
                    &line,
                    stacked,
                    s.color.alpha(config.fill_opacity),
                )?;
            }
            continue;
        }
        if config.draw_style == DrawStyle::Line {
            for points in clip_polyline(&line, plot) {
                c.polyline(points, s.color, config.line_width)?;
            }
        }
        if config.draw_style == DrawStyle::Points || show_points || run.len() == 1 {
            let radius = (config.point_size / 2.0).round().max(1.0) as i32;
            for (x, y, _) in run {
                let (x, y) = (px(*x), px(*y));
                if x >= plot.x0 && x <= plot.x1 && y >= plot.y0 && y <= plot.y1 {
                    c.circle((x, y), radius, s.color)?;
                }
            }
        }
    }
    Ok(())
}

/// The area between a line and its base (zero, or the series below when stacked).
fn fill_under<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    map: &Mapping<'_>,
    run: &[(f64, f64, f64)],
    line: &[(f64, f64)],
    stacked: bool,
    color: Color,
) -> Result<()> {
    let plot = map.plot;
    let clamp = |(x, y): (f64, f64)| {
        (
            px(x.clamp(f64::from(plot.x0), f64::from(plot.x1))),
            px(y.clamp(f64::from(plot.y0), f64::from(plot.y1))),
        )
    };
    let mut polygon: Vec<(i32, i32)> = line.iter().map(|p| clamp(*p)).collect();
    if stacked {
        for (x, _, base) in run.iter().rev() {
            polygon.push(clamp((*x, map.y(*base))));
        }
    } else {
        let zero = map.y(0.0);
        let last = line.last().map_or(0.0, |p| p.0);
        let first = line.first().map_or(0.0, |p| p.0);
        polygon.push(clamp((last, zero)));
        polygon.push(clamp((first, zero)));
    }
    c.polygon(polygon, color)
}

/// Many more points than pixels: per pixel column the first, lowest, highest and last point
/// (the line looks the same and draws in time proportional to the width).
fn decimate(run: &[(f64, f64, f64)], width: i32) -> Vec<(f64, f64)> {
    let points: Vec<(f64, f64)> = run.iter().map(|(x, y, _)| (*x, *y)).collect();
    if points.len() <= (width.max(1) as usize) * 4 {
        return points;
    }
    let mut out = Vec::with_capacity(width as usize * 4);
    let mut i = 0;
    while i < points.len() {
        let column = points[i].0.floor();
        let mut j = i;
        let (mut lo, mut hi) = (i, i);
        while j < points.len() && points[j].0.floor() == column {
            if points[j].1 < points[lo].1 {
                lo = j;
            }
            if points[j].1 > points[hi].1 {
                hi = j;
            }
            j += 1;
        }
        let mut picks = [i, lo, hi, j - 1];
        picks.sort_unstable();
        let mut prev = usize::MAX;
        for p in picks {
            if p != prev {
                out.push(points[p]);
                prev = p;
            }
        }
        i = j;
    }
    out
}

/// The line through the points, with steps for `stepBefore`/`stepAfter`.
fn step_line(points: &[(f64, f64)], interpolation: Interpolation) -> Vec<(f64, f64)> {
    if interpolation == Interpolation::Linear || points.len() < 2 {
        return points.to_vec();
    }
    let mut out = Vec::with_capacity(points.len() * 2);
    out.push(points[0]);
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        match interpolation {
            Interpolation::StepAfter => out.push((b.0, a.1)),
            _ => out.push((a.0, b.1)),
        }
        out.push(b);
    }
    out
}

/// Draws the legend at the bottom (or right) of `body`; returns what is left for the plot.
fn draw_legend<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    body: Rect,
    right: bool,
    shown: &[Styled<'_>],
    palette: &Palette,
) -> Result<Rect> {
    let swatch = 14;
    if right {
        let widest = shown
            .iter()
            .map(|s| c.text_width(&s.name, LEGEND_FONT))
            .max()
            .unwrap_or(0);
        let w = (widest + swatch + 16).min(body.width() / 3);
        let x0 = body.x1 - w;
        let rows = (body.height() / LEGEND_ROW).max(0) as usize;
        for (i, s) in shown.iter().take(rows).enumerate() {
            let y = body.y0 + 8 + i as i32 * LEGEND_ROW;
            c.rect(Rect::new(x0, y + 7, x0 + swatch, y + 10), s.color)?;
            let name = c.fit_text(&s.name, LEGEND_FONT, w - swatch - 10);
            c.text(
                &name,
                (x0 + swatch + 6, y + 8),
                LEGEND_FONT,
                palette.text,
                Align::Left,
                Baseline::Middle,
            )?;
        }
        return Ok(Rect::new(body.x0, body.y0, x0 - 8, body.y1));
    }
    // Wrap entries into rows; at most a third of the body.
    let max_rows = ((body.height() / 3) / LEGEND_ROW).max(1) as usize;
    let mut rows: Vec<Vec<(usize, String, i32)>> = vec![Vec::new()];
    let mut x = body.x0 + 8;
    for (i, s) in shown.iter().enumerate() {
        let name = c.fit_text(&s.name, LEGEND_FONT, body.width() - swatch - 30);
        let w = swatch + 6 + c.text_width(&name, LEGEND_FONT) + 16;
        if x + w > body.x1 && rows.last().is_some_and(|r| !r.is_empty()) {
            if rows.len() == max_rows {
                break;
            }
            rows.push(Vec::new());
            x = body.x0 + 8;
        }
        if let Some(row) = rows.last_mut() {
            row.push((i, name, x));
        }
        x += w;
    }
    let height = rows.len() as i32 * LEGEND_ROW + 4;
    let y0 = body.y1 - height;
    for (r, row) in rows.iter().enumerate() {
        let y = y0 + 4 + r as i32 * LEGEND_ROW + LEGEND_ROW / 2;
        for (i, name, x) in row {
            let color = shown[*i].color;
            c.rect(Rect::new(*x, y - 2, *x + swatch, y + 2), color)?;
            c.text(
                name,
                (*x + swatch + 6, y),
                LEGEND_FONT,
                palette.text,
                Align::Left,
                Baseline::Middle,
            )?;
        }
    }
    Ok(Rect::new(body.x0, body.y0, body.x1, y0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_extremes() {
        let run: Vec<(f64, f64, f64)> = (0..10_000)
            .map(|i| {
                (
                    f64::from(i) / 100.0,
                    if i == 5_000 { -50.0 } else { (i % 7) as f64 },
                    0.0,
                )
            })
            .collect();
        let out = decimate(&run, 100);
        assert!(out.len() <= 400, "{}", out.len());
        assert!(out.iter().any(|p| p.1 == -50.0));
        assert_eq!(out.first(), Some(&(0.0, 0.0)));
    }

    #[test]
    fn steps() {
        let pts = [(0.0, 0.0), (10.0, 5.0)];
        assert_eq!(
            step_line(&pts, Interpolation::StepAfter),
            vec![(0.0, 0.0), (10.0, 0.0), (10.0, 5.0)]
        );
        assert_eq!(
            step_line(&pts, Interpolation::StepBefore),
            vec![(0.0, 0.0), (0.0, 5.0), (10.0, 5.0)]
        );
    }
}
