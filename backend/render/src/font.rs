//! The one embedded font (a Latin, Greek and Cyrillic subset of DejaVu Sans; see
//! `fonts/README.md`), so output never depends on the fonts of the machine: text is measured
//! with it for every format and rasterized with it for PNGs (anti-aliased, kerned).

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

use crate::error::{RenderError, Result};

/// The family name SVG text carries, so viewers use their own sans-serif font.
pub(crate) const FAMILY: &str = "sans-serif";

static FONT_BYTES: &[u8] = include_bytes!("../fonts/DejaVuSans-subset.ttf");

/// The parsed font.
pub(crate) fn font() -> Result<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
        .ok_or(RenderError::Font)
}

/// The advance width of `text` at `size` pixels (the height from descender to ascender).
pub(crate) fn width(font: &FontRef<'static>, text: &str, size: f64) -> f64 {
    let scaled = font.as_scaled(PxScale::from(size as f32));
    let mut x = 0.0f32;
    let mut prev = None;
    for ch in text.chars() {
        let id = scaled.glyph_id(ch);
        if let Some(p) = prev {
            x += scaled.kern(p, id);
        }
        x += scaled.h_advance(id);
        prev = Some(id);
    }
    f64::from(x)
}

/// The ascent and descent (negative) at `size`.
pub(crate) fn metrics(font: &FontRef<'static>, size: f64) -> (f64, f64) {
    let scaled = font.as_scaled(PxScale::from(size as f32));
    (f64::from(scaled.ascent()), f64::from(scaled.descent()))
}

/// Rasterizes `text` with its baseline starting at `origin`: `pixel(x, y, coverage)` for every
/// pixel a glyph touches.
pub(crate) fn rasterize(
    font: &FontRef<'static>,
    text: &str,
    size: f64,
    origin: (f64, f64),
    mut pixel: impl FnMut(i32, i32, f32),
) {
    let scale = PxScale::from(size as f32);
    let scaled = font.as_scaled(scale);
    let mut x = origin.0 as f32;
    let mut prev = None;
    for ch in text.chars() {
        let id = scaled.glyph_id(ch);
        if let Some(p) = prev {
            x += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(scale, point(x, origin.1 as f32));
        if let Some(outline) = font.outline_glyph(glyph) {
            let bounds = outline.px_bounds();
            let (bx, by) = (bounds.min.x as i32, bounds.min.y as i32);
            outline.draw(|gx, gy, coverage| {
                pixel(bx + gx as i32, by + gy as i32, coverage);
            });
        }
        x += scaled.h_advance(id);
        prev = Some(id);
    }
}
