//! A thin drawing surface over a plotters drawing area (bitmap or SVG alike): pixel
//! coordinates, the crate's colors, the embedded font, and line clipping to a rectangle.

use plotters::coord::Shift;
use plotters::element::{Circle, PathElement, Polygon, Rectangle};
use plotters::prelude::{DrawingArea, DrawingBackend, IntoFont};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color as _, ShapeStyle, TextStyle};

use crate::color::Color;
use crate::error::{RenderError, Result};
use crate::font::{self, FAMILY};

/// A pixel rectangle: `x0 <= x < x1`, `y0 <= y < y1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rect {
    pub(crate) x0: i32,
    pub(crate) y0: i32,
    pub(crate) x1: i32,
    pub(crate) y1: i32,
}

impl Rect {
    pub(crate) fn new(x0: i32, y0: i32, x1: i32, y1: i32) -> Rect {
        Rect {
            x0,
            y0,
            x1: x1.max(x0),
            y1: y1.max(y0),
        }
    }

    pub(crate) fn width(&self) -> i32 {
        self.x1 - self.x0
    }

    pub(crate) fn height(&self) -> i32 {
        self.y1 - self.y0
    }

    /// Smaller by `by` on every side (never negative).
    pub(crate) fn inset(&self, by: i32) -> Rect {
        Rect::new(self.x0 + by, self.y0 + by, self.x1 - by, self.y1 - by)
    }

    pub(crate) fn center(&self) -> (i32, i32) {
        ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)
    }
}

/// Horizontal text anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// Vertical text anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Baseline {
    Top,
    Middle,
    Bottom,
}

/// Where panels draw.
pub(crate) struct Canvas<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    font: &'static ab_glyph::FontRef<'static>,
    /// Text is rasterized here (PNG) rather than written as text (SVG).
    raster: bool,
    pub(crate) width: i32,
    pub(crate) height: i32,
}

/// A float pixel coordinate to an integer one, kept in a range plotters handles.
pub(crate) fn px(v: f64) -> i32 {
    if v.is_nan() {
        return 0;
    }
    v.round().clamp(-1_000_000.0, 1_000_000.0) as i32
}

impl<'a, DB: DrawingBackend> Canvas<'a, DB> {
    /// A canvas over `area`; `raster` for pixel backends, whose text is drawn glyph by glyph.
    pub(crate) fn new(area: &'a DrawingArea<DB, Shift>, raster: bool) -> Result<Self> {
        let (w, h) = area.dim_in_pixel();
        Ok(Canvas {
            area,
            font: font::font()?,
            raster,
            width: i32::try_from(w).unwrap_or(i32::MAX),
            height: i32::try_from(h).unwrap_or(i32::MAX),
        })
    }

    pub(crate) fn bounds(&self) -> Rect {
        Rect::new(0, 0, self.width, self.height)
    }

    fn err<E: std::error::Error + Send + Sync>(
        e: plotters::drawing::DrawingAreaErrorKind<E>,
    ) -> RenderError {
        RenderError::Draw(e.to_string())
    }

    /// The whole canvas in one color.
    pub(crate) fn fill(&self, color: Color) -> Result<()> {
        self.area.fill(&color.to_plotters()).map_err(Self::err)
    }

    /// A filled rectangle.
    pub(crate) fn rect(&self, r: Rect, color: Color) -> Result<()> {
        if r.width() <= 0 || r.height() <= 0 || color.a <= 0.0 {
            return Ok(());
        }
        self.area
            .draw(&Rectangle::new(
                // Backends treat the second corner as exclusive.
                [(r.x0, r.y0), (r.x1, r.y1)],
                color.to_plotters().filled(),
            ))
            .map_err(Self::err)
    }

    /// A polyline.
    pub(crate) fn polyline(&self, points: Vec<(i32, i32)>, color: Color, width: f64) -> Result<()> {
        if points.len() < 2 || color.a <= 0.0 || width <= 0.0 {
            return Ok(());
        }
        let style = ShapeStyle {
            color: color.to_plotters(),
            filled: false,
            stroke_width: (width.round() as u32).max(1),
        };
        self.area
            .draw(&PathElement::new(points, style))
            .map_err(Self::err)
    }

    /// A horizontal dashed line.
    pub(crate) fn dashed_hline(
        &self,
        x0: i32,
        x1: i32,
        y: i32,
        color: Color,
        width: f64,
    ) -> Result<()> {
        let (dash, gap) = (10, 10);
        let mut x = x0;
        while x < x1 {
            let end = (x + dash).min(x1);
            self.polyline(vec![(x, y), (end, y)], color, width)?;
            x = end + gap;
        }
        Ok(())
    }

    /// A filled polygon.
    pub(crate) fn polygon(&self, points: Vec<(i32, i32)>, color: Color) -> Result<()> {
        if points.len() < 3 || color.a <= 0.0 {
            return Ok(());
        }
        self.area
            .draw(&Polygon::new(points, color.to_plotters().filled()))
            .map_err(Self::err)
    }

    /// A filled circle.
    pub(crate) fn circle(&self, at: (i32, i32), radius: i32, color: Color) -> Result<()> {
        if radius <= 0 || color.a <= 0.0 {
            return Ok(());
        }
        self.area
            .draw(&Circle::new(at, radius, color.to_plotters().filled()))
            .map_err(Self::err)
    }

    fn style(size: f64, color: Color, align: Align, baseline: Baseline) -> TextStyle<'static> {
        let h = match align {
            Align::Left => HPos::Left,
            Align::Center => HPos::Center,
            Align::Right => HPos::Right,
        };
        let v = match baseline {
            Baseline::Top => VPos::Top,
            Baseline::Middle => VPos::Center,
            Baseline::Bottom => VPos::Bottom,
        };
        TextStyle {
            font: (FAMILY, size).into_font(),
            color: color.to_plotters().to_backend_color(),
            pos: Pos::new(h, v),
        }
    }

    /// Text anchored at `at`.
    pub(crate) fn text(
        &self,
        text: &str,
        at: (i32, i32),
        size: f64,
        color: Color,
        align: Align,
        baseline: Baseline,
    ) -> Result<()> {
        if text.is_empty() || size < 1.0 || color.a <= 0.0 {
            return Ok(());
        }
        if !self.raster {
            return self
                .area
                .draw_text(text, &Self::style(size, color, align, baseline), at)
                .map_err(Self::err);
        }
        let width = font::width(self.font, text, size);
        let (ascent, descent) = font::metrics(self.font, size);
        let x = f64::from(at.0)
            - match align {
                Align::Left => 0.0,
                Align::Center => width / 2.0,
                Align::Right => width,
            };
        let y = f64::from(at.1)
            + match baseline {
                Baseline::Top => ascent,
                // Centre the capital letters (about 0.6 of the ascent) on the anchor.
                Baseline::Middle => ascent * 0.36,
                Baseline::Bottom => descent,
            };
        let mut result = Ok(());
        let (w, h) = (self.width, self.height);
        font::rasterize(
            self.font,
            text,
            size,
            (x.round(), y.round()),
            |px, py, coverage| {
                if result.is_err() || coverage < 0.02 || px < 0 || py < 0 || px >= w || py >= h {
                    return;
                }
                let c = color.alpha(f64::from(coverage.min(1.0)));
                result = self
                    .area
                    .draw_pixel((px, py), &c.to_plotters())
                    .map_err(Self::err);
            },
        );
        result
    }

    /// The width of `text` in pixels at `size`.
    pub(crate) fn text_width(&self, text: &str, size: f64) -> i32 {
        px(font::width(self.font, text, size).ceil())
    }

    /// The largest font size (at most `max_size`) at which `text` fits `max_width` pixels.
    pub(crate) fn fit_size(&self, text: &str, max_width: i32, max_size: f64) -> f64 {
        let at_100 = self.text_width(text, 100.0);
        if at_100 <= 0 {
            return max_size.max(1.0);
        }
        (f64::from(max_width) * 100.0 / f64::from(at_100))
            .min(max_size)
            .max(1.0)
    }

    /// `text`, cut with an ellipsis to fit `max_width` pixels at `size`.
    pub(crate) fn fit_text(&self, text: &str, size: f64, max_width: i32) -> String {
        if self.text_width(text, size) <= max_width {
            return text.to_owned();
        }
        let chars: Vec<char> = text.chars().collect();
        let (mut lo, mut hi) = (0usize, chars.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let candidate: String = chars[..mid].iter().collect::<String>() + "…";
            if self.text_width(&candidate, size) <= max_width {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if lo == 0 {
            return String::new();
        }
        chars[..lo].iter().collect::<String>() + "…"
    }
}

/// Clips the segment `a`-`b` to `r` (Liang-Barsky); None when it lies outside.
pub(crate) fn clip_segment(
    a: (f64, f64),
    b: (f64, f64),
    r: Rect,
) -> Option<((f64, f64), (f64, f64))> {
    let (x0, y0) = a;
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (xmin, ymin) = (f64::from(r.x0), f64::from(r.y0));
    let (xmax, ymax) = (f64::from(r.x1), f64::from(r.y1));
    let mut t0 = 0.0f64;
    let mut t1 = 1.0f64;
    for (p, q) in [
        (-dx, x0 - xmin),
        (dx, xmax - x0),
        (-dy, y0 - ymin),
        (dy, ymax - y0),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
            continue;
        }
        let t = q / p;
        if p < 0.0 {
            if t > t1 {
                return None;
            }
            t0 = t0.max(t);
        } else {
            if t < t0 {
                return None;
            }
            t1 = t1.min(t);
        }
    }
    Some(((x0 + t0 * dx, y0 + t0 * dy), (x0 + t1 * dx, y0 + t1 * dy)))
}

/// A polyline clipped to `r`: the runs of it that lie inside, as integer points.
pub(crate) fn clip_polyline(points: &[(f64, f64)], r: Rect) -> Vec<Vec<(i32, i32)>> {
    let mut runs: Vec<Vec<(i32, i32)>> = Vec::new();
    let mut current: Vec<(i32, i32)> = Vec::new();
    for w in points.windows(2) {
        match clip_segment(w[0], w[1], r) {
            Some((a, b)) => {
                let a = (px(a.0), px(a.1));
                let b = (px(b.0), px(b.1));
                if current.last() != Some(&a) {
                    if current.len() >= 2 {
                        runs.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    current.push(a);
                }
                if current.last() != Some(&b) {
                    current.push(b);
                }
            }
            None => {
                if current.len() >= 2 {
                    runs.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() >= 2 {
        runs.push(current);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping() {
        let r = Rect::new(0, 0, 100, 100);
        assert_eq!(
            clip_segment((-50.0, 50.0), (150.0, 50.0), r),
            Some(((0.0, 50.0), (100.0, 50.0)))
        );
        assert_eq!(clip_segment((-50.0, -5.0), (150.0, -5.0), r), None);
        let runs = clip_polyline(
            &[(10.0, 10.0), (20.0, 20.0), (30.0, 500.0), (40.0, 30.0)],
            r,
        );
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert_eq!(px(f64::NAN), 0);
        assert_eq!(px(1e300), 1_000_000);
    }
}
