//! Influx line protocol, as Telegraf and the Influx client libraries write it, parsed without
//! I/O and without regexes.
//!
//! [`parse_lines`] walks a request body byte by byte and yields one [`Line`] (or one
//! [`LineError`] naming its 1-based line) per record. Names and values borrow from the body
//! ([`Cow::Borrowed`]) unless an escape sequence forces an owned copy, so parsing the common,
//! unescaped line allocates nothing but the line's `tags`/`fields` vectors, and
//! [`LineIter::next_into`] reuses those too. [`line_to_samples`] applies Pulsegrid's naming
//! rule (DESIGN.md, "Public interfaces") to turn a line into series samples.
//!
//! Syntax accepted (the InfluxDB 1.x/2.x line protocol):
//!
//! ```text
//! measurement[,tag=value...] field=value[,field=value...] [timestamp]
//! ```
//!
//! - `\,` `\ ` `\=` and `\\` escapes in the measurement, tag keys, tag values and field keys;
//!   a backslash before any other character is kept literally;
//! - field values: floats (`1`, `-1.5`, `1.`, `1e3`), integers (`12i`), unsigned integers
//!   (`12u`), booleans (`t`, `T`, `true`, `True`, `TRUE` and the same for false) and quoted
//!   strings (`"a \"b\" c"`, with `\"` and `\\` escapes; spaces, commas, `=` and newlines are
//!   allowed inside the quotes, as InfluxDB does);
//! - optional timestamp, an integer in the request's [`Precision`], negative allowed;
//! - blank lines, `#` comment lines, leading and trailing whitespace, LF and CRLF endings.
//!
//! A tag or field key given twice on one line is an error, as are NaN and infinite floats.

use std::borrow::Cow;

use thiserror::Error;

use crate::series::{Labels, Sample, SeriesKey};

mod number;
mod parse;
#[cfg(test)]
mod tests;

/// The unit of a request's timestamps (`precision=` on `/write` and `/api/v2/write`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Precision {
    /// Nanoseconds, the default.
    #[default]
    Ns,
    /// Microseconds.
    Us,
    /// Milliseconds.
    Ms,
    /// Seconds.
    S,
    /// Minutes (InfluxDB 1.x only).
    M,
    /// Hours (InfluxDB 1.x only).
    H,
}

impl Precision {
    /// Reads a precision as InfluxDB 1.x (`n`, `ns`, `u`, `us`, `µ`, `ms`, `s`, `m`, `h`) or
    /// 2.x (`ns`, `us`, `ms`, `s`) names it; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "n" | "ns" => Precision::Ns,
            // U+00B5 MICRO SIGN and U+03BC GREEK SMALL LETTER MU look alike; accept both.
            "u" | "us" | "µ" | "µs" | "μ" | "μs" => Precision::Us,
            "ms" => Precision::Ms,
            "s" => Precision::S,
            "m" => Precision::M,
            "h" => Precision::H,
            _ => return None,
        })
    }

    /// Converts a timestamp in this precision to unix milliseconds, rounding towards negative
    /// infinity and saturating at the ends of `i64`.
    pub fn to_ms(self, timestamp: i64) -> i64 {
        match self {
            Precision::Ns => timestamp.div_euclid(1_000_000),
            Precision::Us => timestamp.div_euclid(1_000),
            Precision::Ms => timestamp,
            Precision::S => timestamp.saturating_mul(1_000),
            Precision::M => timestamp.saturating_mul(60_000),
            Precision::H => timestamp.saturating_mul(3_600_000),
        }
    }
}

/// A field value of a line.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue<'a> {
    /// A float: `1`, `-1.5`, `1e3`.
    Float(f64),
    /// A signed integer: `12i`.
    Int(i64),
    /// An unsigned integer: `12u`.
    UInt(u64),
    /// A boolean: `t`, `true`, `F`, `FALSE`...
    Bool(bool),
    /// A quoted string, unescaped.
    Str(Cow<'a, str>),
}

impl FieldValue<'_> {
    /// The value as a sample value: numbers as `f64`, booleans as 1.0/0.0, strings `None`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            FieldValue::Float(v) => Some(*v),
            FieldValue::Int(v) => Some(*v as f64),
            FieldValue::UInt(v) => Some(*v as f64),
            FieldValue::Bool(v) => Some(if *v { 1.0 } else { 0.0 }),
            FieldValue::Str(_) => None,
        }
    }
}

/// One parsed line: measurement, tags, fields and timestamp, in the order written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Line<'a> {
    /// The measurement name, unescaped.
    pub measurement: Cow<'a, str>,
    /// Tag keys and values, unescaped, in the order written.
    pub tags: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Field keys and values, in the order written; never empty.
    pub fields: Vec<(Cow<'a, str>, FieldValue<'a>)>,
    /// The timestamp as written, in the request's precision; `None` means "now".
    pub timestamp: Option<i64>,
}

/// A line that could not be parsed: its 1-based number and what was expected and found.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("line {line}: {message}")]
pub struct LineError {
    /// The 1-based line the bad record starts on.
    pub line: usize,
    /// What was expected and what was found, quoting a short excerpt.
    pub message: String,
}

/// Parses a request body; see the module docs for the syntax.
pub fn parse_lines(body: &str) -> LineIter<'_> {
    LineIter {
        text: body,
        pos: 0,
        line: 1,
    }
}

/// The lines of a body, parsed lazily; an error skips to the next line, so every bad line is
/// reported and every good one still parsed.
#[derive(Clone, Debug)]
pub struct LineIter<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> LineIter<'a> {
    /// Parses the next line into `line`, reusing its vectors (no allocation per line for
    /// unescaped input); `None` at the end of the body.
    pub fn next_into(&mut self, line: &mut Line<'a>) -> Option<Result<(), LineError>> {
        parse::next_record(self.text, &mut self.pos, &mut self.line, line)
    }
}

impl<'a> Iterator for LineIter<'a> {
    type Item = Result<Line<'a>, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut line = Line::default();
        Some(self.next_into(&mut line)?.map(|()| line))
    }
}

/// Turns a line into samples by DESIGN's naming rule: field `value` becomes a series named
/// after the measurement, any other field `f` becomes `<measurement>_<f>`; tags become labels;
/// integers, unsigned integers and floats become `f64`, booleans 1.0/0.0; string fields are
/// skipped. The timestamp is converted to unix ms with `precision`; a line without one is
/// stamped `now_ms`.
pub fn line_to_samples(
    line: &Line<'_>,
    precision: Precision,
    now_ms: i64,
    out: &mut Vec<(SeriesKey, Sample)>,
) {
    let t = line.timestamp.map_or(now_ms, |ts| precision.to_ms(ts));
    let numeric = line
        .fields
        .iter()
        .filter(|(_, v)| !matches!(v, FieldValue::Str(_)))
        .count();
    if numeric == 0 {
        return;
    }
    let mut labels: Labels = line
        .tags
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    let mut left = numeric;
    out.reserve(numeric);
    for (key, value) in &line.fields {
        let Some(v) = value.as_f64() else { continue };
        let name = if key == "value" {
            line.measurement.to_string()
        } else {
            let mut name = String::with_capacity(line.measurement.len() + 1 + key.len());
            name.push_str(&line.measurement);
            name.push('_');
            name.push_str(key);
            name
        };
        left -= 1;
        // The last numeric field takes the labels; the others clone them.
        let labels = if left == 0 {
            std::mem::take(&mut labels)
        } else {
            labels.clone()
        };
        out.push((SeriesKey::new(name, labels), Sample { t, v }));
    }
}
