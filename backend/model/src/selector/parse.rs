//! The recursive-descent parser behind [`SeriesSelector::parse`].

use super::{LabelMatcher, MatchOp, NAME_LABEL, SelectorError, SeriesSelector};

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

pub(super) fn parse(text: &str) -> Result<SeriesSelector, SelectorError> {
    let mut p = Parser { text, pos: 0 };
    p.skip_ws();
    if p.rest().is_empty() {
        return Err(p.error(
            "expected a series name or {label matchers}, e.g. line_pressure{site=\"north\"}, found an empty selector".into(),
        ));
    }
    let name = if p.peek().is_some_and(is_name_start) {
        Some(p.ident(true).to_owned())
    } else {
        None
    };
    p.skip_ws();
    let open = p.pos;
    let mut matchers = Vec::new();
    if p.peek() == Some('{') {
        p.pos += 1;
        p.matchers(&mut matchers)?;
    } else if name.is_none() {
        return Err(p.error(format!(
            "expected a series name or '{{', found {}",
            p.found()
        )));
    }
    p.skip_ws();
    if !p.rest().is_empty() {
        return Err(p.error(format!(
            "expected the end of the selector, found {}",
            p.found()
        )));
    }
    if let Some(name) = &name
        && let Some(m) = matchers.iter().find(|m| m.name == NAME_LABEL)
    {
        return Err(SelectorError {
            position: column(text, open),
            message: format!("expected the series name once, found both {name:?} and {m}"),
        });
    }
    if name.is_none() && matchers.iter().all(|m| m.matches_value("")) {
        return Err(SelectorError {
            position: column(text, open),
            message: "expected a series name or at least one matcher that does not match the empty string, e.g. {site=\"north\"}".into(),
        });
    }
    Ok(SeriesSelector { name, matchers })
}

/// The 1-based character column of byte offset `pos`.
fn column(text: &str, pos: usize) -> usize {
    text[..pos].chars().count() + 1
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

impl<'a> Parser<'a> {
    /// `label op "value"` items up to the closing brace (just past the opening one).
    fn matchers(&mut self, out: &mut Vec<LabelMatcher>) -> Result<(), SelectorError> {
        loop {
            self.skip_ws();
            match self.peek() {
                Some('}') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
                _ => {
                    return Err(self.error(format!(
                        "expected a label name or '}}', found {}",
                        self.found()
                    )));
                }
            }
            let label = self.ident(false).to_owned();
            self.skip_ws();
            let op = if self.eat("=~") {
                MatchOp::Re
            } else if self.eat("!~") {
                MatchOp::NotRe
            } else if self.eat("!=") {
                MatchOp::Ne
            } else if self.eat("=") {
                MatchOp::Eq
            } else {
                return Err(self.error(format!(
                    "expected one of = != =~ !~ after label {label:?}, found {}",
                    self.found()
                )));
            };
            self.skip_ws();
            let value_at = self.pos;
            let value = self.string(&label)?;
            let matcher = LabelMatcher::new(label, op, value).map_err(|e| SelectorError {
                position: column(self.text, value_at),
                message: format!("expected a valid regex, found an invalid one: {e}"),
            })?;
            out.push(matcher);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {}
                _ => {
                    return Err(self.error(format!(
                        "expected ',' or '}}' after a matcher, found {}",
                        self.found()
                    )));
                }
            }
        }
    }

    /// A quoted value: `"..."` or `'...'` with escapes, or a raw `` `...` ``.
    fn string(&mut self, label: &str) -> Result<String, SelectorError> {
        let Some(quote @ ('"' | '\'' | '`')) = self.peek() else {
            return Err(self.error(format!(
                "expected a quoted value for label {label:?}, found {}",
                self.found()
            )));
        };
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(SelectorError {
                    position: column(self.text, open),
                    message: format!(
                        "expected a closing {quote} for the value of label {label:?}, found the end of the selector"
                    ),
                });
            };
            self.pos += c.len_utf8();
            match c {
                c if c == quote => return Ok(out),
                '\\' if quote != '`' => out.push(self.escape()?),
                c => out.push(c),
            }
        }
    }

    /// The character after a backslash.
    fn escape(&mut self) -> Result<char, SelectorError> {
        let at = self.pos - 1;
        let bad = |p: &Self, what: String| SelectorError {
            position: column(p.text, at),
            message: format!(
                "expected an escape (\\\\, \\\", \\', \\n, \\t, \\r, \\xHH, \\uHHHH), found {what}"
            ),
        };
        let Some(c) = self.peek() else {
            return Err(bad(self, "the end of the selector".into()));
        };
        self.pos += c.len_utf8();
        let hex = |p: &mut Self, digits: usize| {
            let s = p
                .rest()
                .get(..digits)
                .filter(|s| s.chars().all(|c| c.is_ascii_hexdigit()));
            let code = s.and_then(|s| u32::from_str_radix(s, 16).ok());
            match code.and_then(char::from_u32) {
                Some(ch) => {
                    p.pos += digits;
                    Ok(ch)
                }
                None => Err(bad(
                    p,
                    format!(
                        "\\{c}{:?}",
                        p.rest().chars().take(digits).collect::<String>()
                    ),
                )),
            }
        };
        Ok(match c {
            '\\' | '"' | '\'' | '`' => c,
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'a' => '\u{7}',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'v' => '\u{b}',
            '0' => '\0',
            'x' => hex(self, 2)?,
            'u' => hex(self, 4)?,
            'U' => hex(self, 8)?,
            other => return Err(bad(self, format!("\\{other}"))),
        })
    }

    /// A metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`) or label name (no colons).
    fn ident(&mut self, colons: bool) -> &'a str {
        let start = self.pos;
        let len = self
            .rest()
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || (colons && c == ':')))
            .unwrap_or(self.rest().len());
        self.pos += len;
        &self.text[start..self.pos]
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.text.len() - trimmed.len();
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// What is at the cursor, quoted and cut short, for messages.
    fn found(&self) -> String {
        let rest = self.rest();
        if rest.is_empty() {
            return "the end of the selector".into();
        }
        let cut: String = rest.chars().take(16).collect();
        if cut.len() < rest.len() {
            format!("{:?}", format!("{cut}..."))
        } else {
            format!("{cut:?}")
        }
    }

    fn error(&self, message: String) -> SelectorError {
        SelectorError {
            position: column(self.text, self.pos),
            message,
        }
    }
}
