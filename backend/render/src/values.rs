//! The single values that stat, gauge and bar gauge panels show: one per series, reduced by
//! `reduceOptions.calcs`, formatted with the field's unit and decimals, colored by its
//! thresholds (or color mode) within its min..max.

use pulsegrid_model::Series;

use crate::color::{self, Color};
use crate::config::{ColorMode, PanelConfig};
use crate::reduce::reduce;
use crate::series::styled;
use crate::units;

/// One value ready to draw.
#[derive(Clone, Debug)]
pub(crate) struct DisplayValue<'a> {
    pub(crate) name: String,
    pub(crate) value: f64,
    pub(crate) text: String,
    pub(crate) color: Color,
    pub(crate) min: f64,
    pub(crate) max: f64,
    /// Thresholds as absolute (value, color), base first.
    pub(crate) steps: Vec<(f64, Color)>,
    /// The series, for a sparkline.
    pub(crate) series: Option<&'a Series>,
}

impl DisplayValue<'_> {
    /// Where the value lies in min..max, 0..=1.
    pub(crate) fn fraction(&self) -> f64 {
        if !self.value.is_finite() {
            return 0.0;
        }
        if self.max <= self.min {
            return if self.value >= self.max { 1.0 } else { 0.0 };
        }
        ((self.value - self.min) / (self.max - self.min)).clamp(0.0, 1.0)
    }
}

/// The values to draw; one "No data" value when there are none.
pub(crate) fn display_values<'a>(
    panel: &PanelConfig,
    series: &'a [Series],
) -> Vec<DisplayValue<'a>> {
    let shown = styled(panel, series);
    // The data's range, for fields without min/max (Grafana's global range).
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for s in &shown {
        for v in &s.series.v[..s.len()] {
            if v.is_finite() {
                lo = lo.min(*v);
                hi = hi.max(*v);
            }
        }
    }
    let mut out = Vec::with_capacity(shown.len());
    for (i, s) in shown.iter().enumerate() {
        let config = &s.config;
        let value = reduce(&s.series.v[..s.len()], &panel.calc);
        let (default_min, default_max) = match config.unit.as_deref() {
            Some("percent") => (0.0, 100.0),
            Some("percentunit") => (0.0, 1.0),
            _ if lo <= hi => (lo, hi),
            _ => (0.0, 100.0),
        };
        let min = config.min.unwrap_or(match config.max {
            Some(max) => default_min.min(max),
            None => default_min,
        });
        let max = config.max.unwrap_or(default_max.max(min));
        // Single-value panels color by thresholds unless the panel asks for the palette.
        let color = match &config.color {
            ColorMode::Fixed(c) => *c,
            ColorMode::Palette if panel.explicit_palette => color::palette(i),
            _ => config.thresholds.color_of(value, min, max),
        };
        let text = if value.is_nan() {
            "No data".to_owned()
        } else {
            units::format(value, config.unit.as_deref(), config.decimals)
        };
        out.push(DisplayValue {
            name: s.name.clone(),
            value,
            text,
            color,
            min,
            max,
            steps: config.thresholds.absolute(min, max),
            series: Some(s.series),
        });
    }
    if out.is_empty() {
        let d = &panel.defaults;
        out.push(DisplayValue {
            name: String::new(),
            value: f64::NAN,
            text: "No data".to_owned(),
            color: color::resolve("gray"),
            min: d.min.unwrap_or(0.0),
            max: d.max.unwrap_or(100.0),
            steps: d
                .thresholds
                .absolute(d.min.unwrap_or(0.0), d.max.unwrap_or(100.0)),
            series: None,
        });
    }
    out
}
