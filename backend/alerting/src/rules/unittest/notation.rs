//! promtool's series notation for `input_series`: the series (`name{label="value"}`, label
//! matchers with `=` only) and its values, items separated by spaces, one per `interval` step:
//!
//! - `7`, `-2`, `+1.5`, `1.5e3`, `Inf`, `-Inf`, `NaN`: a value;
//! - `a+bxn`, `a-bxn`: n+1 values a, a+b, …, a+n·b (each one the previous plus b, as Prometheus
//!   adds them, so float rounding agrees);
//! - `axn`: n+1 times a (`a+0xn`);
//! - `_`: no sample at that step; `_xn`: n steps without a sample;
//! - `stale`: a staleness marker (the series ends there, until its next value).
//!
//! This is Prometheus' grammar (`promql/parser/generated_parser.y`, `series_item`); errors give
//! the 1-based column in the values text.

use std::fmt;

use pulsegrid_model::{Labels, MatchOp, SeriesKey, SeriesSelector, selector::NAME_LABEL};

/// Most values one series may expand to (`1x100000000000` would otherwise exhaust memory).
pub const MAX_VALUES: usize = 1_000_000;

/// One step of an input series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SeriesValue {
    /// A sample with this value.
    Value(f64),
    /// No sample at this step (`_`).
    Missing,
    /// A staleness marker (`stale`): the series is absent from here until its next value.
    Stale,
}

/// A notation error: where (1-based column in the text) and what was expected and found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotationError {
    /// The 1-based column (in characters) of the problem.
    pub column: usize,
    /// What was expected and what was found.
    pub message: String,
}

impl fmt::Display for NotationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for NotationError {}

/// Parses the `values:` text of an input series into one entry per step.
pub fn parse_series_values(text: &str) -> Result<Vec<SeriesValue>, NotationError> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut end = text.len();
        while let Some(&(i, c)) = chars.peek() {
            if c.is_whitespace() {
                end = i;
                break;
            }
            chars.next();
        }
        let column = text[..start].chars().count() + 1;
        let item = Item {
            text: &text[start..end],
            pos: 0,
            column,
        };
        item.expand(&mut out)?;
        if out.len() > MAX_VALUES {
            return Err(NotationError {
                column,
                message: format!("expected at most {MAX_VALUES} values, found more"),
            });
        }
    }
    Ok(out)
}

/// Parses the `series:` text of an input series (or the `labels:` of an expected sample):
/// `name{label="value", ...}` or `{__name__="name", ...}`, with `=` only. Labels with an empty
/// value are dropped, as Prometheus drops them. `{}` (or nothing) is the empty label set, which
/// an expected sample of a scalar result has.
pub fn parse_series_labels(text: &str) -> Result<SeriesKey, NotationError> {
    let bare: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if bare.is_empty() || bare == "{}" {
        return Ok(SeriesKey::new("", Labels::new()));
    }
    let selector = SeriesSelector::parse(text).map_err(|e| NotationError {
        column: e.position,
        message: e.message,
    })?;
    let mut name = selector.name.unwrap_or_default();
    let mut labels = Labels::new();
    for m in selector.matchers {
        if m.op != MatchOp::Eq {
            let column = text
                .find(m.op.as_str())
                .map_or(1, |i| text[..i].chars().count() + 1);
            return Err(NotationError {
                column,
                message: format!("expected label=\"value\" (a series, not a selector), found {m}"),
            });
        }
        if m.name == NAME_LABEL {
            name = m.value;
        } else if !m.value.is_empty() {
            labels.insert(m.name, m.value);
        }
    }
    Ok(SeriesKey::new(name, labels))
}

/// One space-separated item of the values text.
struct Item<'a> {
    text: &'a str,
    /// Byte position in `text` (the item is ASCII up to `pos`).
    pos: usize,
    /// The item's 1-based column in the whole values text.
    column: usize,
}

impl Item<'_> {
    fn expand(mut self, out: &mut Vec<SeriesValue>) -> Result<(), NotationError> {
        if self.eat("_") {
            if self.at_end() {
                out.push(SeriesValue::Missing);
                return Ok(());
            }
            self.expect_x("after \"_\"")?;
            let n = self.count()?;
            out.extend(std::iter::repeat_n(SeriesValue::Missing, n));
            return Ok(());
        }
        if self.text == "stale" {
            out.push(SeriesValue::Stale);
            return Ok(());
        }
        let start = self.value()?;
        if self.at_end() {
            out.push(SeriesValue::Value(start));
            return Ok(());
        }
        let step = match self.peek() {
            Some(b'+' | b'-') => {
                let step = self.value()?;
                self.expect_x("after the increment")?;
                step
            }
            Some(b'x') => {
                self.pos += 1;
                0.0
            }
            _ => return Err(self.error(
                "expected the end of the value, \"xN\" (repeat) or \"+BxN\"/\"-BxN\" (increment)",
            )),
        };
        let n = self.count()?;
        // Prometheus adds the step each time (not start + i·step): the same rounding.
        let mut v = start;
        for _ in 0..=n {
            out.push(SeriesValue::Value(v));
            v += step;
        }
        Ok(())
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.text[self.pos..].starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// An error at the current position: `expected …, found "<rest of the item>"`.
    fn error(&self, expected: &str) -> NotationError {
        let rest = &self.text[self.pos..];
        let found = if rest.is_empty() {
            "the end of the item".to_string()
        } else {
            format!("{rest:?}")
        };
        NotationError {
            column: self.column + self.text[..self.pos].chars().count(),
            message: format!("{expected}, found {found}"),
        }
    }

    fn expect_x(&mut self, context: &str) -> Result<(), NotationError> {
        if self.eat("x") {
            Ok(())
        } else {
            Err(self.error(&format!("expected \"xN\" {context}")))
        }
    }

    /// A repetition count: a whole number.
    fn count(&mut self) -> Result<usize, NotationError> {
        let digits = self.text[self.pos..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if digits == 0 || self.pos + digits != self.text.len() {
            return Err(self.error("expected a repetition count (a whole number) after \"x\""));
        }
        let n = self.text[self.pos..]
            .parse::<usize>()
            .ok()
            .filter(|n| *n < MAX_VALUES);
        match n {
            Some(n) => {
                self.pos = self.text.len();
                Ok(n)
            }
            None => Err(self.error(&format!("expected a repetition count below {MAX_VALUES}"))),
        }
    }

    /// A value: an optional sign, then a decimal number (`1`, `1.5`, `.5`, `1e3`), `Inf` or `NaN`.
    fn value(&mut self) -> Result<f64, NotationError> {
        let start = self.pos;
        let sign = match self.peek() {
            Some(b'-') => {
                self.pos += 1;
                -1.0
            }
            Some(b'+') => {
                self.pos += 1;
                1.0
            }
            _ => 1.0,
        };
        let rest = &self.text[self.pos..];
        for (word, v) in [("inf", f64::INFINITY), ("nan", f64::NAN)] {
            if rest.get(..3).is_some_and(|w| w.eq_ignore_ascii_case(word)) {
                self.pos += 3;
                return if self.at_end() {
                    Ok(sign * v)
                } else {
                    Err(self.error(&format!(
                        "expected the end of the value after {:?}",
                        &rest[..3]
                    )))
                };
            }
        }
        let bytes = self.text.as_bytes();
        let digits = |mut i: usize| {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let mut end = digits(self.pos);
        if bytes.get(end) == Some(&b'.') {
            end = digits(end + 1);
        }
        if matches!(bytes.get(end), Some(b'e' | b'E')) {
            let mut e = end + 1;
            if matches!(bytes.get(e), Some(b'+' | b'-')) {
                e += 1;
            }
            end = digits(e);
        }
        match self.text[self.pos..end].parse::<f64>() {
            Ok(v) => {
                self.pos = end;
                Ok(sign * v)
            }
            Err(_) => {
                self.pos = start;
                Err(self.error("expected a number, \"_\" or \"stale\""))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SeriesValue::{Missing, Stale, Value};
    use super::*;

    fn values(text: &str) -> Vec<SeriesValue> {
        parse_series_values(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn nums(v: &[f64]) -> Vec<SeriesValue> {
        v.iter().map(|v| Value(*v)).collect()
    }

    /// The examples of Prometheus' unit testing documentation and its parser tests.
    #[test]
    fn expands_like_promtool() {
        assert_eq!(values("1+1x3"), nums(&[1.0, 2.0, 3.0, 4.0]));
        assert_eq!(values("1x3"), nums(&[1.0, 1.0, 1.0, 1.0]));
        assert_eq!(values("1+0x3"), nums(&[1.0, 1.0, 1.0, 1.0]));
        assert_eq!(values("-2+4x3"), nums(&[-2.0, 2.0, 6.0, 10.0]));
        assert_eq!(values("1-1x3"), nums(&[1.0, 0.0, -1.0, -2.0]));
        assert_eq!(values("1.5e3"), nums(&[1500.0]));
        assert_eq!(values("-1.5E-1 +2 .5"), nums(&[-0.15, 2.0, 0.5]));
        assert_eq!(
            values("1 _x3 stale"),
            [Value(1.0), Missing, Missing, Missing, Stale]
        );
        assert_eq!(values("_ 2 _x0"), [Missing, Value(2.0)]);
        assert_eq!(
            values("0x2"),
            nums(&[0.0, 0.0, 0.0]),
            "no hex in series values"
        );
        assert_eq!(values("1e3+1e3x1"), nums(&[1000.0, 2000.0]));
        assert_eq!(values("  1   2\t3 "), nums(&[1.0, 2.0, 3.0]));
        assert_eq!(values(""), []);
        let inf = values("Inf -Inf +inf NaN");
        assert_eq!(
            inf[..3],
            nums(&[f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY])
        );
        assert!(matches!(inf[3], Value(v) if v.is_nan()));
    }

    /// Increments accumulate as Prometheus adds them (0.1 three times is not 0.3).
    #[test]
    fn increments_round_as_prometheus() {
        let mut v = 0.0;
        let mut want = Vec::new();
        for _ in 0..4 {
            want.push(Value(v));
            v += 0.1;
        }
        assert_eq!(values("0+0.1x3"), want);
    }

    #[test]
    fn errors_give_the_column() {
        let cases = [
            (
                "1 2 x",
                5,
                "expected a number, \"_\" or \"stale\", found \"x\"",
            ),
            (
                "1 2+ 3",
                4,
                "expected a number, \"_\" or \"stale\", found \"+\"",
            ),
            (
                "1 2x 3",
                5,
                "expected a repetition count (a whole number) after \"x\", found the end of the item",
            ),
            (
                "1+1",
                4,
                "expected \"xN\" after the increment, found the end of the item",
            ),
            (
                "1 2m",
                4,
                "expected the end of the value, \"xN\" (repeat) or \"+BxN\"/\"-BxN\" (increment), found \"m\"",
            ),
            ("_y", 2, "expected \"xN\" after \"_\", found \"y\""),
            (
                "1x-3",
                3,
                "expected a repetition count (a whole number) after \"x\", found \"-3\"",
            ),
            (
                "stale+1x3",
                1,
                "expected a number, \"_\" or \"stale\", found \"stale+1x3\"",
            ),
            (
                "Infx3",
                4,
                "expected the end of the value after \"Inf\", found \"x3\"",
            ),
            (
                "1x99999999999",
                3,
                "expected a repetition count below 1000000, found \"99999999999\"",
            ),
        ];
        for (text, column, message) in cases {
            let err = parse_series_values(text).err();
            assert_eq!(
                err,
                Some(NotationError {
                    column,
                    message: message.into()
                }),
                "{text}"
            );
        }
        let too_many = "1x999999 1x999999";
        assert!(parse_series_values(too_many).is_err());
    }

    /// Any text is an answer or an error, never a panic (multibyte characters included).
    #[test]
    fn never_panics() {
        let pieces = [
            "1",
            "x",
            "+",
            "-",
            "_",
            "e",
            ".",
            "é",
            "Inf",
            "in",
            "ü",
            "stale",
            "3",
            " ",
            "NaN",
            "na",
            "\u{1F600}",
            "0",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(seed % 7) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            let _ = parse_series_values(&text);
            let _ = parse_series_labels(&text);
        }
        for text in ["iné", "ïnf", "1+ïx2", "1xé", "_é", "1é"] {
            assert!(parse_series_values(text).is_err(), "{text}");
        }
    }

    #[test]
    fn series_labels() {
        let key = parse_series_labels("line_pressure{site=\"north\", unit=\"bar\", empty=\"\"}")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key.name, "line_pressure");
        assert_eq!(key.labels.to_string(), "{site=\"north\",unit=\"bar\"}");
        let named =
            parse_series_labels("{__name__=\"up\", job=\"a\"}").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((named.name.as_str(), named.labels.len()), ("up", 1));
        assert_eq!(
            parse_series_labels("up{job=~\"a.*\"}")
                .err()
                .map(|e| e.column),
            Some(7)
        );
        assert!(parse_series_labels("up{job=\"a\"").is_err());
        for empty in ["{}", " { } ", ""] {
            assert_eq!(
                parse_series_labels(empty),
                Ok(SeriesKey::new("", Labels::new()))
            );
        }
    }
}
