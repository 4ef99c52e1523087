//! The testdata scenarios a target selects with `scenarioId`, read from Grafana's TestData
//! target fields, and the value each series has at a given time.
//!
//! Every value is a pure function of (seed, series, absolute time): a re-poll, another
//! replica or a subscription continuing a query all see the same number at the same
//! timestamp.

use pulsegrid_model::Labels;
use serde_json::Value;

use crate::error::{Result, SourceError};
use crate::settings::Target;

/// Octaves of the random walk's value noise: periods 1s, 4s, 16s, ... 4^7 s (about 4.5 h).
const WALK_OCTAVES: u32 = 8;

/// What a testdata target generates.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Shape {
    /// A seeded random walk (smooth value noise over absolute time).
    RandomWalk {
        /// Noise seed.
        seed: u64,
        /// Lower clamp.
        min: Option<f64>,
        /// Upper clamp.
        max: Option<f64>,
        /// Scale of the steps (Grafana's `spread`, default 1).
        spread: f64,
        /// The centre the walk moves around; seeded per series when unset.
        start: Option<f64>,
    },
    /// Grafana's `predictable_pulse`: `onCount` steps at `onValue`, `offCount` at `offValue`.
    Pulse {
        /// Step length in ms (`pulseWave.timeStep`, seconds).
        step_ms: i64,
        /// Steps on per cycle.
        on_count: i64,
        /// Steps off per cycle.
        off_count: i64,
        /// The value while on.
        on_value: f64,
        /// The value while off.
        off_value: f64,
    },
    /// A periodic wave of absolute time.
    Wave {
        /// `sine`, `square`, `triangle` or `sawtooth`.
        kind: WaveKind,
        /// Period in ms (`periodMs`, or `timeStep` seconds).
        period_ms: i64,
        /// Half the peak-to-peak height.
        amplitude: f64,
        /// Added to every value.
        offset: f64,
    },
    /// `csv_metric_values`: the listed values, one per step, repeating.
    Csv(Vec<f64>),
}

/// The form of a [`Shape::Wave`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaveKind {
    /// sin(2 pi t / period).
    Sine,
    /// +1 for the first half period, -1 for the second.
    Square,
    /// Linear up and down.
    Triangle,
    /// Linear up, then a drop.
    Sawtooth,
}

/// A parsed testdata target.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Scenario {
    /// What to generate.
    pub(crate) shape: Shape,
    /// How many series (`seriesCount`, default 1).
    pub(crate) series_count: usize,
    /// The series name (`alias`, `$seriesIndex` replaced), else the scenario id.
    pub(crate) alias: String,
    /// Labels every series carries (`labels: "site=north, unit=bar"`).
    pub(crate) labels: Labels,
}

impl Scenario {
    /// Reads a target; `scenarioId` defaults to `random_walk` as in Grafana.
    pub(crate) fn from_target(target: &Value) -> Result<Self> {
        let t = Target(target);
        let id = t.str("scenarioId")?.unwrap_or("random_walk");
        let invalid = |msg: String| SourceError::InvalidQuery(msg);
        let shape = match id {
            "random_walk" => Shape::RandomWalk {
                seed: t.f64("seed")?.map_or(0, |s| s as i64 as u64),
                min: t.f64("min")?,
                max: t.f64("max")?,
                spread: t.f64("spread")?.unwrap_or(1.0),
                start: t.f64("startValue")?,
            },
            "predictable_pulse" => {
                let pulse = Target(target.get("pulseWave").unwrap_or(&Value::Null));
                let step_s = pulse.f64("timeStep")?.unwrap_or(60.0);
                Shape::Pulse {
                    step_ms: positive_ms(step_s * 1000.0, "pulseWave.timeStep")?,
                    on_count: pulse.f64("onCount")?.unwrap_or(3.0).max(0.0) as i64,
                    off_count: pulse.f64("offCount")?.unwrap_or(6.0).max(0.0) as i64,
                    on_value: pulse.f64("onValue")?.unwrap_or(2.0),
                    off_value: pulse.f64("offValue")?.unwrap_or(1.0),
                }
            }
            "sine" | "square" | "wave" => {
                let default = if id == "square" { "square" } else { "sine" };
                let kind = match t.str("wave")?.unwrap_or(default) {
                    "sine" => WaveKind::Sine,
                    "square" => WaveKind::Square,
                    "triangle" => WaveKind::Triangle,
                    "sawtooth" => WaveKind::Sawtooth,
                    other => {
                        return Err(invalid(format!(
                            "target field `wave` must be sine, square, triangle or sawtooth, \
                             found {other:?}"
                        )));
                    }
                };
                let period = match (t.f64("periodMs")?, t.f64("timeStep")?) {
                    (Some(ms), _) => ms,
                    (None, Some(s)) => s * 1000.0,
                    (None, None) => 60_000.0,
                };
                Shape::Wave {
                    kind,
                    period_ms: positive_ms(period, "periodMs")?,
                    amplitude: t.f64("amplitude")?.unwrap_or(1.0),
                    offset: t.f64("offset")?.unwrap_or(0.0),
                }
            }
            "csv_metric_values" => {
                let text = t.str("stringInput")?.unwrap_or("1,20,90,30,5,0");
                let values = text
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| {
                        if v.eq_ignore_ascii_case("null") {
                            Ok(f64::NAN)
                        } else {
                            v.parse::<f64>().map_err(|_| {
                                invalid(format!(
                                    "target field `stringInput`: {v:?} is not a number \
                                     (expected e.g. \"1,20,90,30,5,0\")"
                                ))
                            })
                        }
                    })
                    .collect::<Result<Vec<f64>>>()?;
                if values.is_empty() {
                    return Err(invalid("target field `stringInput` has no values".into()));
                }
                Shape::Csv(values)
            }
            other => {
                return Err(invalid(format!(
                    "unknown testdata scenarioId {other:?}; expected random_walk, \
                     predictable_pulse, sine, square or csv_metric_values"
                )));
            }
        };
        let series_count = t.f64("seriesCount")?.unwrap_or(1.0);
        if !(1.0..=1000.0).contains(&series_count) {
            return Err(invalid(format!(
                "target field `seriesCount` must be between 1 and 1000, found {series_count}"
            )));
        }
        Ok(Scenario {
            shape,
            series_count: series_count as usize,
            alias: t.str("alias")?.unwrap_or(id).to_owned(),
            labels: parse_labels(t.str("labels")?.unwrap_or_default())?,
        })
    }

    /// The name of series `index`.
    pub(crate) fn series_name(&self, index: usize) -> String {
        if self.alias.contains("$seriesIndex") {
            self.alias.replace("$seriesIndex", &index.to_string())
        } else if self.series_count > 1 {
            format!("{}-{index}", self.alias)
        } else {
            self.alias.clone()
        }
    }

    /// The spacing of points for a query with step `interval_ms` (pulses keep their own).
    pub(crate) fn step_ms(&self, interval_ms: i64) -> i64 {
        match self.shape {
            Shape::Pulse { step_ms, .. } => step_ms.max(interval_ms),
            _ => interval_ms.max(1),
        }
    }

    /// The value of series `index` at `t_ms`; `step_ms` numbers the CSV values.
    pub(crate) fn value(&self, index: usize, t_ms: i64, step_ms: i64) -> f64 {
        match &self.shape {
            Shape::RandomWalk {
                seed,
                min,
                max,
                spread,
                start,
            } => {
                let series = index as u64;
                let centre = start.unwrap_or_else(|| match (min, max) {
                    (Some(lo), Some(hi)) => (lo + hi) / 2.0,
                    _ => 100.0 * unit(hash(&[*seed, series, u64::MAX, 0])),
                });
                let mut v = centre;
                for octave in 0..WALK_OCTAVES {
                    let period_ms = 1000.0 * f64::from(4u32.pow(octave));
                    let amplitude = spread * (period_ms / 1000.0).sqrt() * 0.25;
                    let x = t_ms as f64 / period_ms;
                    v += amplitude * smooth_noise(*seed, series, u64::from(octave), x);
                }
                if let Some(lo) = min {
                    v = v.max(*lo);
                }
                if let Some(hi) = max {
                    v = v.min(*hi);
                }
                v
            }
            Shape::Pulse {
                step_ms,
                on_count,
                off_count,
                on_value,
                off_value,
            } => {
                let cycle = (on_count + off_count).max(1);
                if t_ms.div_euclid(*step_ms).rem_euclid(cycle) < *on_count {
                    *on_value
                } else {
                    *off_value
                }
            }
            Shape::Wave {
                kind,
                period_ms,
                amplitude,
                offset,
            } => {
                // Series after the first are shifted by an equal share of the period.
                let shift = (*period_ms as f64 * index as f64 / self.series_count as f64) as i64;
                let phase = (t_ms + shift).rem_euclid(*period_ms) as f64 / *period_ms as f64;
                let unit_wave = match kind {
                    WaveKind::Sine => (phase * std::f64::consts::TAU).sin(),
                    WaveKind::Square if phase < 0.5 => 1.0,
                    WaveKind::Square => -1.0,
                    WaveKind::Triangle => 1.0 - 4.0 * (phase - 0.5).abs(),
                    WaveKind::Sawtooth => 2.0 * phase - 1.0,
                };
                offset + amplitude * unit_wave
            }
            Shape::Csv(values) => {
                let at = t_ms
                    .div_euclid(step_ms.max(1))
                    .rem_euclid(values.len() as i64);
                values[at as usize]
            }
        }
    }
}

fn positive_ms(ms: f64, field: &str) -> Result<i64> {
    if ms.is_finite() && ms >= 1.0 {
        Ok(ms.round() as i64)
    } else {
        Err(SourceError::InvalidQuery(format!(
            "target field `{field}` must be a positive duration, found {ms}ms"
        )))
    }
}

/// Grafana's label text: `site=north, unit="bar"`, optionally in braces.
fn parse_labels(text: &str) -> Result<Labels> {
    let text = text.trim().trim_start_matches('{').trim_end_matches('}');
    let mut labels = Labels::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').ok_or_else(|| {
            SourceError::InvalidQuery(format!(
                "target field `labels`: {pair:?} is not name=value (expected e.g. \
                 \"site=north, unit=bar\")"
            ))
        })?;
        labels.insert(
            name.trim(),
            value.trim().trim_matches('"').trim_matches('\''),
        );
    }
    Ok(labels)
}

/// Smoothly interpolated value noise in [-1, 1] at `x` (grid points are hashed).
fn smooth_noise(seed: u64, series: u64, octave: u64, x: f64) -> f64 {
    let cell = x.floor();
    let frac = x - cell;
    let cell = cell as i64 as u64;
    let a = unit(hash(&[seed, series, octave, cell])) * 2.0 - 1.0;
    let b = unit(hash(&[seed, series, octave, cell.wrapping_add(1)])) * 2.0 - 1.0;
    let s = frac * frac * (3.0 - 2.0 * frac);
    a + (b - a) * s
}

/// SplitMix64 over the parts: a fast, well-mixed, stable hash.
fn hash(parts: &[u64]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for p in parts {
        h ^= p.wrapping_add(0x9E37_79B9_7F4A_7C15).wrapping_add(h << 6);
        h = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h ^= h >> 31;
    }
    h
}

/// A hash as a number in [0, 1).
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}
