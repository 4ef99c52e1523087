//! The byte-level scanner behind [`super::parse_lines`]: one pass over each record, with
//! lookup tables for the delimiters of each token kind and no allocation unless a token holds
//! an escape sequence.

use std::borrow::Cow;

use super::number::{parse_float, parse_i64, parse_u64};
use super::{FieldValue, Line, LineError};

/// Byte classes of the lookup tables.
const PLAIN: u8 = 0;
const STOP: u8 = 1;
const ESCAPE: u8 = 2;

/// Builds a table where `stops` end a token and `\` escapes the next byte (if `escapes`).
const fn table(stops: &[u8], escapes: bool) -> [u8; 256] {
    let mut t = [PLAIN; 256];
    let mut i = 0;
    while i < stops.len() {
        t[stops[i] as usize] = STOP;
        i += 1;
    }
    if escapes {
        t[b'\\' as usize] = ESCAPE;
    }
    t
}

/// The measurement ends at an unescaped comma or space (`=` is allowed in it).
static MEASUREMENT: [u8; 256] = table(b", \n\r", true);
/// Tag keys, tag values and field keys also end at `=`.
static KEY: [u8; 256] = table(b",= \n\r", true);
/// Unquoted field values and timestamps end at a comma or whitespace.
static VALUE: [u8; 256] = table(b", \t\n\r", false);
/// Quoted strings end at `"`; newlines are counted.
static STRING: [u8; 256] = table(b"\"\n", true);

/// What went wrong, and whether it happened inside the field set (where quotes matter when
/// skipping the rest of the record).
struct Failure {
    message: String,
    in_fields: bool,
}

/// The state of one record's parse.
struct Cursor<'a, 'p> {
    text: &'a str,
    b: &'a [u8],
    pos: &'p mut usize,
    line: &'p mut usize,
}

/// Parses the next record of `text` at `*pos` into `out`; `None` at the end.
pub(super) fn next_record<'a>(
    text: &'a str,
    pos: &mut usize,
    line: &mut usize,
    out: &mut Line<'a>,
) -> Option<Result<(), LineError>> {
    let b = text.as_bytes();
    // Blank lines, comments and leading whitespace.
    loop {
        while *pos < b.len() && matches!(b[*pos], b' ' | b'\t' | b'\r') {
            *pos += 1;
        }
        match b.get(*pos) {
            None => return None,
            Some(b'\n') => {
                *pos += 1;
                *line += 1;
            }
            Some(b'#') => {
                while *pos < b.len() && b[*pos] != b'\n' {
                    *pos += 1;
                }
            }
            Some(_) => break,
        }
    }
    let start_line = *line;
    let mut cursor = Cursor { text, b, pos, line };
    match cursor.record(out) {
        Ok(()) => Some(Ok(())),
        Err(failure) => {
            cursor.skip_record(failure.in_fields);
            Some(Err(LineError {
                line: start_line,
                message: failure.message,
            }))
        }
    }
}

impl<'a> Cursor<'a, '_> {
    fn record(&mut self, out: &mut Line<'a>) -> Result<(), Failure> {
        out.tags.clear();
        out.fields.clear();
        out.timestamp = None;
        let fail = |message: String| Failure {
            message,
            in_fields: false,
        };

        let measurement = self.name(&MEASUREMENT);
        if measurement.is_empty() {
            return Err(fail(format!(
                "expected a measurement name, found {}",
                self.found()
            )));
        }
        out.measurement = measurement;

        while self.peek() == Some(b',') {
            *self.pos += 1;
            let key = self.name(&KEY);
            if key.is_empty() {
                return Err(fail(format!("expected a tag key, found {}", self.found())));
            }
            if self.peek() != Some(b'=') {
                return Err(fail(format!(
                    "expected '=' after tag key {key:?}, found {}",
                    self.found()
                )));
            }
            *self.pos += 1;
            let value = self.name(&KEY);
            if value.is_empty() {
                return Err(fail(format!(
                    "expected a value for tag {key:?}, found {}",
                    self.found()
                )));
            }
            if out.tags.iter().any(|(k, _)| *k == key) {
                return Err(fail(format!(
                    "expected each tag key once, found tag {key:?} again"
                )));
            }
            out.tags.push((key, value));
        }

        match self.peek() {
            Some(b' ') => self.skip_spaces(),
            Some(b'=') => {
                return Err(fail(format!(
                    "expected ',' or ' ' after tag value (escape '=' as '\\='), found {}",
                    self.found()
                )));
            }
            _ => {
                return Err(fail(format!(
                    "expected a space and at least one field after {:?}, found {}",
                    out.measurement,
                    self.found()
                )));
            }
        }

        self.fields(out).map_err(|message| Failure {
            message,
            in_fields: true,
        })?;
        self.timestamp(out).map_err(fail)
    }

    /// `key=value[,key=value...]`.
    fn fields(&mut self, out: &mut Line<'a>) -> Result<(), String> {
        loop {
            let key = self.name(&KEY);
            if key.is_empty() {
                return Err(format!("expected a field key, found {}", self.found()));
            }
            if self.peek() != Some(b'=') {
                return Err(format!(
                    "expected '=' after field key {key:?}, found {}",
                    self.found()
                ));
            }
            *self.pos += 1;
            let value = self.field_value(&key)?;
            if out.fields.iter().any(|(k, _)| *k == key) {
                return Err(format!(
                    "expected each field key once, found field {key:?} again"
                ));
            }
            out.fields.push((key, value));
            if self.peek() == Some(b',') {
                *self.pos += 1;
            } else {
                return Ok(());
            }
        }
    }

    fn field_value(&mut self, key: &str) -> Result<FieldValue<'a>, String> {
        if self.peek() == Some(b'"') {
            return self.string(key);
        }
        let start = *self.pos;
        let (raw, _) = self.scan(&VALUE);
        if raw.is_empty() {
            *self.pos = start;
            return Err(format!(
                "expected a value for field {key:?}, found {}",
                self.found()
            ));
        }
        let bad = |what: &str| {
            format!(
                "expected {what} for field {key:?}, found {:?}",
                excerpt(raw)
            )
        };
        let bytes = raw.as_bytes();
        match bytes[bytes.len() - 1] {
            b'i' => parse_i64(&bytes[..bytes.len() - 1])
                .map(FieldValue::Int)
                .ok_or_else(|| bad("a 64-bit integer like 12i")),
            b'u' => parse_u64(&bytes[..bytes.len() - 1])
                .map(FieldValue::UInt)
                .ok_or_else(|| bad("an unsigned 64-bit integer like 12u")),
            _ => match raw {
                "t" | "T" | "true" | "True" | "TRUE" => Ok(FieldValue::Bool(true)),
                "f" | "F" | "false" | "False" | "FALSE" => Ok(FieldValue::Bool(false)),
                _ => parse_float(raw).map(FieldValue::Float).ok_or_else(|| {
                    bad("a number (1.5, 12i, 12u), a boolean (t, false) or a \"string\"")
                }),
            },
        }
    }

    /// A quoted string field value, at the opening quote; may span lines.
    fn string(&mut self, key: &str) -> Result<FieldValue<'a>, String> {
        let open = *self.pos;
        let open_line = *self.line;
        let mut i = open + 1;
        let mut escaped = false;
        loop {
            while i < self.b.len() && STRING[self.b[i] as usize] == PLAIN {
                i += 1;
            }
            match self.b.get(i) {
                None => {
                    *self.pos = i;
                    *self.line = open_line;
                    return Err(format!(
                        "expected a closing '\"' for the string of field {key:?}, found end of input after {:?}",
                        excerpt(&self.text[open..])
                    ));
                }
                Some(b'"') => break,
                Some(b'\n') => {
                    *self.line += 1;
                    i += 1;
                }
                Some(_) => {
                    // A backslash: the next byte is escaped (and may be a newline).
                    escaped = true;
                    if self.b.get(i + 1) == Some(&b'\n') {
                        *self.line += 1;
                    }
                    i = (i + 2).min(self.b.len());
                }
            }
        }
        let inner = &self.text[open + 1..i];
        *self.pos = i + 1;
        match self.peek() {
            None | Some(b',' | b' ' | b'\t' | b'\n' | b'\r') => {}
            Some(_) => {
                return Err(format!(
                    "expected ',' or ' ' after the string of field {key:?}, found {}",
                    self.found()
                ));
            }
        }
        Ok(FieldValue::Str(if escaped {
            Cow::Owned(unescape_string(inner))
        } else {
            Cow::Borrowed(inner)
        }))
    }

    /// The optional timestamp and the end of the line.
    fn timestamp(&mut self, out: &mut Line<'a>) -> Result<(), String> {
        self.skip_spaces();
        if self.at_line_end() {
            return self.end_line();
        }
        let (raw, _) = self.scan(&VALUE);
        let Some(ts) = parse_i64(raw.as_bytes()) else {
            return Err(format!(
                "expected a timestamp (an integer, e.g. 1700000000000000000), found {:?}",
                excerpt(raw)
            ));
        };
        out.timestamp = Some(ts);
        self.skip_spaces();
        if !self.at_line_end() {
            return Err(format!(
                "expected the end of the line after the timestamp, found {}",
                self.found()
            ));
        }
        self.end_line()
    }

    fn at_line_end(&self) -> bool {
        match self.peek() {
            None | Some(b'\n') => true,
            Some(b'\r') => matches!(self.b.get(*self.pos + 1), None | Some(b'\n')),
            _ => false,
        }
    }

    /// Consumes `\n`, `\r\n` or nothing at the end of input.
    fn end_line(&mut self) -> Result<(), String> {
        if self.peek() == Some(b'\r') {
            *self.pos += 1;
        }
        if self.peek() == Some(b'\n') {
            *self.pos += 1;
            *self.line += 1;
        }
        Ok(())
    }

    /// Skips what is left of a bad record, honouring quotes inside the field set.
    fn skip_record(&mut self, in_fields: bool) {
        let mut quoted = false;
        while let Some(&c) = self.b.get(*self.pos) {
            *self.pos += 1;
            match c {
                b'\n' => {
                    *self.line += 1;
                    if !quoted {
                        return;
                    }
                }
                b'"' if in_fields => quoted = !quoted,
                b'\\' if quoted => {
                    if self.b.get(*self.pos) == Some(&b'\n') {
                        *self.line += 1;
                    }
                    *self.pos = (*self.pos + 1).min(self.b.len());
                }
                _ => {}
            }
        }
    }

    /// Scans a token up to the next unescaped stop byte of `class`: the raw text and whether
    /// it holds a backslash escape.
    #[inline]
    fn scan(&mut self, class: &[u8; 256]) -> (&'a str, bool) {
        let start = *self.pos;
        let b = self.b;
        let mut i = start;
        let mut escaped = false;
        while i < b.len() {
            match class[b[i] as usize] {
                PLAIN => i += 1,
                STOP => break,
                _ => {
                    escaped = true;
                    i += 1;
                    if i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                }
            }
        }
        *self.pos = i;
        (&self.text[start..i], escaped)
    }

    /// A name (measurement, tag or field key, tag value), unescaped only if it must be.
    #[inline]
    fn name(&mut self, class: &[u8; 256]) -> Cow<'a, str> {
        match self.scan(class) {
            (raw, false) => Cow::Borrowed(raw),
            (raw, true) => Cow::Owned(unescape_key(raw)),
        }
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            *self.pos += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(*self.pos).copied()
    }

    /// A short description of what is at the cursor, for error messages.
    fn found(&self) -> String {
        let rest = &self.text[*self.pos..];
        match rest.as_bytes().first() {
            None => "end of input".to_owned(),
            Some(b'\n') => "end of line".to_owned(),
            Some(b'\r') if matches!(rest.as_bytes().get(1), None | Some(b'\n')) => {
                "end of line".to_owned()
            }
            Some(_) => {
                let line = rest.split(['\n', '\r']).next().unwrap_or(rest);
                format!("{:?}", excerpt(line))
            }
        }
    }
}

/// At most 24 characters of `text`, with `...` if cut.
fn excerpt(text: &str) -> String {
    let mut chars = text.char_indices();
    match chars.nth(24) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Unescapes a measurement, tag or field key: `\,` `\ ` `\=` `\\`; other backslashes stay.
fn unescape_key(raw: &str) -> String {
    unescape(raw, |c| matches!(c, ',' | ' ' | '=' | '\\'))
}

/// Unescapes a string field value: `\"` and `\\`; other backslashes stay.
fn unescape_string(raw: &str) -> String {
    unescape(raw, |c| matches!(c, '"' | '\\'))
}

fn unescape(raw: &str, escapable: fn(char) -> bool) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
            && escapable(next)
        {
            out.push(next);
            chars.next();
        } else {
            out.push(c);
        }
    }
    out
}
