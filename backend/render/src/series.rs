//! Series as panels see them: display names (`name{label="value", ...}`, as the web UI shows
//! them), per-series field config and color, and stacking.

use std::collections::BTreeMap;

use pulsegrid_model::Series;

use crate::color::{self, Color};
use crate::config::{ColorMode, FieldConfig, PanelConfig};
use crate::reduce::reduce;

/// Grafana's display name of a series: `name{a="1", b="2"}`, or the name alone.
pub(crate) fn display_name(s: &Series) -> String {
    if s.labels.is_empty() {
        return if s.name.is_empty() {
            "Value".to_owned()
        } else {
            s.name.clone()
        };
    }
    let inner: Vec<String> = s
        .labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    let base = if s.name == "Value" {
        ""
    } else {
        s.name.as_str()
    };
    format!("{base}{{{}}}", inner.join(", "))
}

/// A series ready to draw.
#[derive(Debug)]
pub(crate) struct Styled<'a> {
    pub(crate) series: &'a Series,
    pub(crate) name: String,
    pub(crate) config: FieldConfig,
    pub(crate) color: Color,
}

impl Styled<'_> {
    /// The number of samples (times and values may differ in length in bad input).
    pub(crate) fn len(&self) -> usize {
        self.series.t.len().min(self.series.v.len())
    }
}

/// The series a panel shows, in order: names, configs after overrides, colors; hidden ones
/// (`hideFrom.viz`) left out.
pub(crate) fn styled<'a>(panel: &PanelConfig, series: &'a [Series]) -> Vec<Styled<'a>> {
    let mut out = Vec::with_capacity(series.len());
    for (i, s) in series.iter().enumerate() {
        let raw_name = display_name(s);
        let config = panel.field(&raw_name);
        if config.hidden {
            continue;
        }
        let n = s.t.len().min(s.v.len());
        let color = match &config.color {
            ColorMode::Palette => color::palette(i),
            ColorMode::Fixed(c) => *c,
            ColorMode::Thresholds => {
                let last = reduce(&s.v[..n], "lastNotNull");
                config.thresholds.color_of(
                    last,
                    config.min.unwrap_or(0.0),
                    config.max.unwrap_or(100.0),
                )
            }
        };
        let name = config.display_name.clone().unwrap_or(raw_name);
        out.push(Styled {
            series: s,
            name,
            config,
            color,
        });
    }
    out
}

/// Each series' (base, top) per sample when stacked in order: a value sits on the sum of the
/// earlier series' values at the same time. With `percent`, every time's total is 1. NaN
/// values stay NaN (a gap) and add nothing.
pub(crate) fn stack(series: &[Styled<'_>], percent: bool) -> Vec<(Vec<f64>, Vec<f64>)> {
    let mut totals: BTreeMap<i64, f64> = BTreeMap::new();
    if percent {
        for s in series {
            for i in 0..s.len() {
                let v = s.series.v[i];
                if v.is_finite() {
                    *totals.entry(s.series.t[i]).or_insert(0.0) += v;
                }
            }
        }
    }
    let mut running: BTreeMap<i64, f64> = BTreeMap::new();
    series
        .iter()
        .map(|s| {
            let n = s.len();
            let mut base = Vec::with_capacity(n);
            let mut top = Vec::with_capacity(n);
            for i in 0..n {
                let t = s.series.t[i];
                let mut v = s.series.v[i];
                if percent {
                    let total = totals.get(&t).copied().unwrap_or(0.0);
                    v = if total != 0.0 { v / total } else { f64::NAN };
                }
                let below = running.get(&t).copied().unwrap_or(0.0);
                base.push(below);
                if v.is_finite() {
                    top.push(below + v);
                    running.insert(t, below + v);
                } else {
                    top.push(f64::NAN);
                }
            }
            (base, top)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulsegrid_model::{Labels, SeriesKey};
    use serde_json::json;

    fn series(name: &str, labels: &[(&str, &str)], points: &[(i64, f64)]) -> Series {
        let labels: Labels = labels.iter().copied().collect();
        let mut s = Series::new(SeriesKey::new(name, labels));
        for (t, v) in points {
            s.push(*t, *v);
        }
        s
    }

    #[test]
    fn names_like_the_web_ui() {
        assert_eq!(display_name(&series("up", &[], &[])), "up");
        assert_eq!(display_name(&series("", &[], &[])), "Value");
        assert_eq!(
            display_name(&series("temp", &[("site", "north"), ("a", "1")], &[])),
            "temp{a=\"1\", site=\"north\"}"
        );
        assert_eq!(
            display_name(&series("Value", &[("x", "y")], &[])),
            "{x=\"y\"}"
        );
    }

    #[test]
    fn stacking_sums_earlier_series() {
        let panel = PanelConfig::read(&json!({"type": "timeseries"}));
        let data = [
            series("a", &[], &[(1, 1.0), (2, 2.0), (3, f64::NAN)]),
            series("b", &[], &[(1, 10.0), (2, 20.0), (3, 30.0)]),
        ];
        let styled = styled(&panel, &data);
        let stacked = stack(&styled, false);
        assert_eq!(stacked[1].0, vec![1.0, 2.0, 0.0]);
        assert_eq!(stacked[1].1, vec![11.0, 22.0, 30.0]);
        let percent = stack(&styled, true);
        assert_eq!(percent[1].1[0], 1.0);
        assert_eq!(styled[1].color, color::palette(1));
    }
}
