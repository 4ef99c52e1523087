//! The parts of a Grafana panel's JSON the renderer reads, with Grafana's defaults: title and
//! type, `fieldConfig.defaults` (unit, decimals, min/max, thresholds, color, the `custom`
//! graph styles) and per-series `overrides` by name, `options.legend` and
//! `options.reduceOptions`, and the stat/gauge options. Missing or odd values fall back to the
//! defaults rather than fail.

use serde_json::Value;

use crate::color::{self, Color};

/// What kind of panel, as far as drawing goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    TimeSeries,
    Stat,
    Gauge,
    BarGauge,
    /// Anything else: a placeholder.
    Other,
}

impl Kind {
    pub(crate) fn of(panel_type: &str) -> Kind {
        match panel_type {
            "timeseries" | "graph" => Kind::TimeSeries,
            "stat" | "singlestat" => Kind::Stat,
            "gauge" => Kind::Gauge,
            "bargauge" => Kind::BarGauge,
            _ => Kind::Other,
        }
    }
}

/// How a series is drawn (`custom.drawStyle`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DrawStyle {
    Line,
    Bars,
    Points,
}

/// `custom.lineInterpolation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Interpolation {
    Linear,
    StepBefore,
    StepAfter,
}

/// `custom.thresholdsStyle.mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ThresholdsStyle {
    pub(crate) line: bool,
    pub(crate) dashed: bool,
    pub(crate) area: bool,
}

/// One threshold step: from `value` (None: the base, minus infinity) upwards, this color.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Step {
    pub(crate) value: Option<f64>,
    pub(crate) color: Color,
}

/// `thresholds`: absolute values, or percentages of the min..max range.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Thresholds {
    pub(crate) percentage: bool,
    /// Sorted by value, the base first.
    pub(crate) steps: Vec<Step>,
}

impl Default for Thresholds {
    /// Grafana's default: green, red from 80.
    fn default() -> Self {
        Thresholds {
            percentage: false,
            steps: vec![
                Step {
                    value: None,
                    color: color::resolve("green"),
                },
                Step {
                    value: Some(80.0),
                    color: color::resolve("red"),
                },
            ],
        }
    }
}

impl Thresholds {
    fn read(v: Option<&Value>) -> Thresholds {
        let Some(v) = v.filter(|v| v.is_object()) else {
            return Thresholds::default();
        };
        let mut steps: Vec<Step> = v
            .get("steps")
            .and_then(Value::as_array)
            .map(|steps| {
                steps
                    .iter()
                    .map(|s| Step {
                        value: s.get("value").and_then(Value::as_f64),
                        color: color::resolve(
                            s.get("color").and_then(Value::as_str).unwrap_or("green"),
                        ),
                    })
                    .collect()
            })
            .unwrap_or_default();
        if steps.is_empty() {
            return Thresholds::default();
        }
        steps.sort_by(|a, b| {
            let key = |s: &Step| s.value.unwrap_or(f64::NEG_INFINITY);
            key(a).total_cmp(&key(b))
        });
        Thresholds {
            percentage: v.get("mode").and_then(Value::as_str) == Some("percentage"),
            steps,
        }
    }

    /// The steps with absolute values (percentages placed within `min..max`).
    pub(crate) fn absolute(&self, min: f64, max: f64) -> Vec<(f64, Color)> {
        self.steps
            .iter()
            .map(|s| {
                let raw = s.value.unwrap_or(f64::NEG_INFINITY);
                let value = if self.percentage && raw.is_finite() {
                    min + (max - min) * raw / 100.0
                } else {
                    raw
                };
                (value, s.color)
            })
            .collect()
    }

    /// The color of `value`: the last step it reaches (the base for NaN).
    pub(crate) fn color_of(&self, value: f64, min: f64, max: f64) -> Color {
        let steps = self.absolute(min, max);
        let mut color = steps.first().map_or(color::resolve("green"), |s| s.1);
        if value.is_nan() {
            return color;
        }
        for (v, c) in steps {
            if value >= v {
                color = c;
            }
        }
        color
    }
}

/// `color.mode`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ColorMode {
    Palette,
    Fixed(Color),
    Thresholds,
}

/// A panel's field config after defaults (`fieldConfig.defaults`, or an override's result).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FieldConfig {
    pub(crate) unit: Option<String>,
    pub(crate) decimals: Option<usize>,
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
    pub(crate) display_name: Option<String>,
    pub(crate) thresholds: Thresholds,
    pub(crate) color: ColorMode,
    pub(crate) draw_style: DrawStyle,
    pub(crate) interpolation: Interpolation,
    pub(crate) line_width: f64,
    pub(crate) fill_opacity: f64,
    pub(crate) point_size: f64,
    pub(crate) show_points: Option<bool>,
    pub(crate) span_nulls: bool,
    pub(crate) stacking: bool,
    pub(crate) percent_stacking: bool,
    pub(crate) thresholds_style: ThresholdsStyle,
    pub(crate) soft_min: Option<f64>,
    pub(crate) soft_max: Option<f64>,
    pub(crate) hidden: bool,
}

impl FieldConfig {
    fn read(defaults: &Value, legacy_graph: bool) -> FieldConfig {
        let custom = defaults.get("custom").unwrap_or(&Value::Null);
        let cstr = |k: &str| custom.get(k).and_then(Value::as_str);
        let cnum = |k: &str| custom.get(k).and_then(Value::as_f64);
        let color = defaults.get("color").unwrap_or(&Value::Null);
        let color_mode = match color.get("mode").and_then(Value::as_str) {
            Some("fixed") | Some("shades") => ColorMode::Fixed(color::resolve(
                color
                    .get("fixedColor")
                    .and_then(Value::as_str)
                    .unwrap_or("green"),
            )),
            Some("thresholds") => ColorMode::Thresholds,
            _ => ColorMode::Palette,
        };
        let thresholds_mode = custom
            .pointer("/thresholdsStyle/mode")
            .and_then(Value::as_str)
            .unwrap_or("off");
        let stacking_mode = custom
            .pointer("/stacking/mode")
            .and_then(Value::as_str)
            .unwrap_or("none");
        FieldConfig {
            unit: defaults
                .get("unit")
                .and_then(Value::as_str)
                .filter(|u| !u.is_empty())
                .map(str::to_owned),
            decimals: defaults
                .get("decimals")
                .and_then(Value::as_u64)
                .map(|d| d.min(12) as usize),
            min: defaults.get("min").and_then(Value::as_f64),
            max: defaults.get("max").and_then(Value::as_f64),
            display_name: defaults
                .get("displayName")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            thresholds: Thresholds::read(defaults.get("thresholds")),
            color: color_mode,
            draw_style: match cstr("drawStyle") {
                Some("bars") => DrawStyle::Bars,
                Some("points") => DrawStyle::Points,
                _ => DrawStyle::Line,
            },
            interpolation: match cstr("lineInterpolation") {
                Some("stepBefore") => Interpolation::StepBefore,
                Some("stepAfter") => Interpolation::StepAfter,
                _ => Interpolation::Linear,
            },
            line_width: cnum("lineWidth").unwrap_or(1.0).clamp(0.0, 10.0),
            fill_opacity: cnum("fillOpacity")
                .unwrap_or(if legacy_graph { 10.0 } else { 0.0 })
                .clamp(0.0, 100.0)
                / 100.0,
            point_size: cnum("pointSize").unwrap_or(5.0).clamp(1.0, 40.0),
            show_points: match cstr("showPoints") {
                Some("always") => Some(true),
                Some("never") => Some(false),
                _ => None,
            },
            span_nulls: custom
                .get("spanNulls")
                .is_some_and(|v| v.as_bool() == Some(true) || v.is_number()),
            stacking: matches!(stacking_mode, "normal" | "percent"),
            percent_stacking: stacking_mode == "percent",
            thresholds_style: ThresholdsStyle {
                line: thresholds_mode.contains("line") || thresholds_mode.contains("dashed"),
                dashed: thresholds_mode.contains("dashed"),
                area: thresholds_mode.contains("area"),
            },
            soft_min: cnum("axisSoftMin"),
            soft_max: cnum("axisSoftMax"),
            hidden: custom.pointer("/hideFrom/viz").and_then(Value::as_bool) == Some(true),
        }
    }

    /// This config with an override's properties applied.
    fn apply(&mut self, properties: &[Value]) {
        for p in properties {
            let id = p.get("id").and_then(Value::as_str).unwrap_or("");
            let value = p.get("value").unwrap_or(&Value::Null);
            match id {
                "displayName" => self.display_name = value.as_str().map(str::to_owned),
                "unit" => self.unit = value.as_str().map(str::to_owned),
                "decimals" => self.decimals = value.as_u64().map(|d| d.min(12) as usize),
                "min" => self.min = value.as_f64(),
                "max" => self.max = value.as_f64(),
                "color" => {
                    let mut wrapped = serde_json::Map::new();
                    wrapped.insert("color".into(), value.clone());
                    self.color = FieldConfig::read(&Value::Object(wrapped), false).color;
                }
                "thresholds" => self.thresholds = Thresholds::read(Some(value)),
                "custom.drawStyle" => {
                    self.draw_style = match value.as_str() {
                        Some("bars") => DrawStyle::Bars,
                        Some("points") => DrawStyle::Points,
                        _ => DrawStyle::Line,
                    }
                }
                "custom.lineWidth" => {
                    self.line_width = value.as_f64().unwrap_or(1.0).clamp(0.0, 10.0)
                }
                "custom.fillOpacity" => {
                    self.fill_opacity = value.as_f64().unwrap_or(0.0).clamp(0.0, 100.0) / 100.0
                }
                "custom.hideFrom" => {
                    self.hidden = value.get("viz").and_then(Value::as_bool) == Some(true)
                }
                _ => {}
            }
        }
    }
}

/// `options.legend`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Legend {
    pub(crate) show: bool,
    pub(crate) right: bool,
}

/// The panel JSON, read.
#[derive(Clone, Debug)]
pub(crate) struct PanelConfig {
    pub(crate) panel_type: String,
    pub(crate) kind: Kind,
    pub(crate) title: String,
    pub(crate) defaults: FieldConfig,
    overrides: Vec<(Matcher, Vec<Value>)>,
    pub(crate) legend: Legend,
    /// `options.reduceOptions.calcs[0]` (default `lastNotNull`).
    pub(crate) calc: String,
    /// stat: `options.graphMode` is `area` (the default).
    pub(crate) sparkline: bool,
    /// stat: `options.colorMode` (`value` default, `background`, `none`).
    pub(crate) color_mode: String,
    /// gauge: `options.showThresholdMarkers` (default true).
    pub(crate) threshold_markers: bool,
    /// bar gauge: bars go up (`options.orientation: vertical`).
    pub(crate) vertical: bool,
    /// `fieldConfig.defaults.color.mode` says `palette-classic` (single-value panels color by
    /// thresholds otherwise).
    pub(crate) explicit_palette: bool,
}

#[derive(Clone, Debug)]
enum Matcher {
    ByName(String),
    ByRegexp(String),
    Other,
}

impl PanelConfig {
    pub(crate) fn read(panel: &Value) -> PanelConfig {
        let panel_type = panel
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let kind = Kind::of(&panel_type);
        let defaults = panel
            .pointer("/fieldConfig/defaults")
            .unwrap_or(&Value::Null);
        let overrides = panel
            .pointer("/fieldConfig/overrides")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|o| {
                        let id = o.pointer("/matcher/id").and_then(Value::as_str);
                        let option = o
                            .pointer("/matcher/options")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned();
                        let matcher = match id {
                            Some("byName") | Some("byDisplayName") => Matcher::ByName(option),
                            Some("byRegexp") => Matcher::ByRegexp(option),
                            _ => Matcher::Other,
                        };
                        let props = o
                            .get("properties")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        (matcher, props)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let options = panel.get("options").unwrap_or(&Value::Null);
        let legend = options.get("legend").unwrap_or(&Value::Null);
        let legend_mode = legend.get("displayMode").and_then(Value::as_str);
        let opt = |k: &str| options.get(k).and_then(Value::as_str);
        PanelConfig {
            title: panel
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            defaults: FieldConfig::read(defaults, panel_type == "graph"),
            overrides,
            legend: Legend {
                show: legend.get("showLegend").and_then(Value::as_bool) != Some(false)
                    && legend_mode != Some("hidden"),
                right: legend.get("placement").and_then(Value::as_str) == Some("right"),
            },
            calc: options
                .pointer("/reduceOptions/calcs/0")
                .and_then(Value::as_str)
                .unwrap_or("lastNotNull")
                .to_owned(),
            sparkline: opt("graphMode") != Some("none"),
            color_mode: opt("colorMode").unwrap_or("value").to_owned(),
            threshold_markers: options.get("showThresholdMarkers").and_then(Value::as_bool)
                != Some(false),
            vertical: opt("orientation") == Some("vertical"),
            explicit_palette: defaults
                .pointer("/color/mode")
                .and_then(Value::as_str)
                .is_some_and(|m| m.starts_with("palette")),
            panel_type,
            kind,
        }
    }

    /// The field config of the series displayed as `name`, overrides applied in order.
    pub(crate) fn field(&self, name: &str) -> FieldConfig {
        let mut config = self.defaults.clone();
        for (matcher, props) in &self.overrides {
            let hit = match matcher {
                Matcher::ByName(n) => n == name,
                Matcher::ByRegexp(re) => simple_regex_match(re, name),
                Matcher::Other => false,
            };
            if hit {
                config.apply(props);
            }
        }
        config
    }
}

/// A tiny subset of regular expressions for `byRegexp` overrides: `.*` wildcards and
/// literal text, optionally anchored (`^...$`) or wrapped in slashes. Anything fancier does
/// not match (the renderer carries no regex engine).
fn simple_regex_match(pattern: &str, text: &str) -> bool {
    let p = pattern
        .strip_prefix('/')
        .and_then(|p| p.strip_suffix('/'))
        .unwrap_or(pattern);
    let anchored_start = p.starts_with('^');
    let anchored_end = p.ends_with('$') && !p.ends_with("\\$");
    let p = p.trim_start_matches('^');
    let p = if anchored_end { &p[..p.len() - 1] } else { p };
    if p.contains(['[', '(', '|', '+', '?', '\\', '{']) || p.replace(".*", "").contains('.') {
        return false;
    }
    let parts: Vec<&str> = p.split(".*").collect();
    let mut at = 0usize;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        let found = if i == 0 && anchored_start {
            text.starts_with(part).then_some(0)
        } else {
            text[at..].find(part).map(|f| f + at)
        };
        match found {
            Some(f) => at = f + part.len(),
            None => return false,
        }
    }
    let last_literal = parts.last().is_some_and(|l| !l.is_empty());
    !anchored_end || !last_literal || at == text.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_overrides() {
        let panel = json!({
            "type": "timeseries", "title": "T",
            "fieldConfig": {
                "defaults": {"unit": "percent", "decimals": 1,
                             "custom": {"drawStyle": "bars", "stacking": {"mode": "normal"},
                                        "thresholdsStyle": {"mode": "dashed+area"}},
                             "thresholds": {"mode": "absolute", "steps": [
                                 {"value": 90, "color": "red"}, {"value": null, "color": "green"}]}},
                "overrides": [{"matcher": {"id": "byName", "options": "b"},
                               "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": "blue"}},
                                              {"id": "displayName", "value": "Bee"}]}]
            },
            "options": {"legend": {"showLegend": false}}
        });
        let c = PanelConfig::read(&panel);
        assert_eq!(c.kind, Kind::TimeSeries);
        assert_eq!(c.defaults.unit.as_deref(), Some("percent"));
        assert_eq!(c.defaults.draw_style, DrawStyle::Bars);
        assert!(c.defaults.stacking);
        assert!(c.defaults.thresholds_style.dashed && c.defaults.thresholds_style.area);
        assert_eq!(c.defaults.thresholds.steps[0].value, None);
        assert!(!c.legend.show);
        let b = c.field("b");
        assert_eq!(b.color, ColorMode::Fixed(color::resolve("blue")));
        assert_eq!(b.display_name.as_deref(), Some("Bee"));
        assert_eq!(c.field("a").color, ColorMode::Palette);
        let t = &c.defaults.thresholds;
        assert_eq!(t.color_of(95.0, 0.0, 100.0), color::resolve("red"));
        assert_eq!(t.color_of(5.0, 0.0, 100.0), color::resolve("green"));
        assert_eq!(t.color_of(f64::NAN, 0.0, 100.0), color::resolve("green"));
    }

    #[test]
    fn odd_json_falls_back_to_defaults() {
        let c = PanelConfig::read(&json!({"type": 3, "fieldConfig": "x", "options": []}));
        assert_eq!(c.kind, Kind::Other);
        assert_eq!(c.defaults.thresholds, Thresholds::default());
        assert_eq!(c.calc, "lastNotNull");
        assert!(c.legend.show);
    }

    #[test]
    fn regex_subset() {
        assert!(simple_regex_match("/^cpu.*/", "cpu_user"));
        assert!(simple_regex_match("temp", "room temp"));
        assert!(!simple_regex_match("^temp$", "room temp"));
        assert!(simple_regex_match("^room temp$", "room temp"));
        assert!(!simple_regex_match("(a|b)", "a"));
    }
}
