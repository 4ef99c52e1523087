//! Label matchers as Alertmanager parses them (its classic `pkg/labels` syntax, which amtool
//! 0.25 uses): `name="value"`, `name=~"regex"`, `!=`, `!~`, unquoted values, OpenMetrics escapes
//! (`\"`, `\\`, `\n`) and lists like `{a="b", c!="d"}`. Regexes are anchored fully
//! (`^(?:re)$`). Routes, inhibit rules and silences all match with these.

use std::cmp::Ordering;
use std::fmt;
use std::sync::LazyLock;

use pulsegrid_model::Labels;
use regex::Regex;

use super::error::{Error, Result};

/// How a matcher compares a label value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchType {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `=~`
    Regex,
    /// `!~`
    NotRegex,
}

impl MatchType {
    /// The operator as written: `=`, `!=`, `=~`, `!~`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchType::Equal => "=",
            MatchType::NotEqual => "!=",
            MatchType::Regex => "=~",
            MatchType::NotRegex => "!~",
        }
    }
}

/// One label matcher: a label name, an operator and a value (a regex for `=~` and `!~`).
#[derive(Clone, Debug)]
pub struct Matcher {
    name: String,
    kind: MatchType,
    value: String,
    regex: Option<Regex>,
}

/// Whether `name` is a valid Prometheus label name (`[a-zA-Z_][a-zA-Z0-9_]*`).
pub fn is_valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Compiles `pattern` the way Alertmanager does: anchored at both ends.
pub fn anchored_regex(pattern: &str) -> std::result::Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern})$"))
}

impl Matcher {
    /// A matcher; fails if a regex does not compile.
    pub fn new(kind: MatchType, name: impl Into<String>, value: impl Into<String>) -> Result<Self> {
        let name = name.into();
        let value = value.into();
        let regex = match kind {
            MatchType::Regex | MatchType::NotRegex => {
                Some(anchored_regex(&value).map_err(|e| Error::Matcher {
                    input: format!("{name}{}{value:?}", kind.as_str()),
                    reason: format!("invalid regular expression: {}", regex_reason(&e)),
                })?)
            }
            MatchType::Equal | MatchType::NotEqual => None,
        };
        Ok(Matcher {
            name,
            kind,
            value,
            regex,
        })
    }

    /// The label name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The operator.
    pub fn kind(&self) -> MatchType {
        self.kind
    }

    /// The value or regex source, unanchored as written.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether a label value (`""` for a missing label) satisfies this matcher.
    pub fn matches(&self, value: &str) -> bool {
        match (self.kind, &self.regex) {
            (MatchType::Equal, _) => value == self.value,
            (MatchType::NotEqual, _) => value != self.value,
            (MatchType::Regex, Some(re)) => re.is_match(value),
            (MatchType::NotRegex, Some(re)) => !re.is_match(value),
            (_, None) => false,
        }
    }

    /// Whether a label set satisfies this matcher; a missing label has the value `""`.
    pub fn matches_labels(&self, labels: &Labels) -> bool {
        self.matches(labels.get(&self.name).unwrap_or(""))
    }
}

/// The gist of a regex compile error, without the pattern echo and caret lines.
pub(crate) fn regex_reason(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text.lines().last().unwrap_or(&text).trim();
    last.strip_prefix("error: ").unwrap_or(last).to_owned()
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.kind == other.kind && self.value == other.value
    }
}

impl Eq for Matcher {}

impl PartialOrd for Matcher {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Matcher {
    /// Alertmanager's order: by name, then value, then operator.
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.name, &self.value, self.kind).cmp(&(&other.name, &other.value, other.kind))
    }
}

/// Writes `s` as a Go `%q` string: `"a \"b\"\n"`.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl fmt::Display for Matcher {
    /// `name="value"` with the value quoted like Go's `%q`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}",
            self.name,
            self.kind.as_str(),
            go_quote(&self.value)
        )
    }
}

/// A conjunction of matchers, kept in Alertmanager's sorted order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matchers(Vec<Matcher>);

impl Matchers {
    /// Matchers sorted by name, value, operator.
    pub fn new(mut matchers: Vec<Matcher>) -> Self {
        matchers.sort();
        Matchers(matchers)
    }

    /// Whether every matcher holds for `labels` (true when there are none).
    pub fn matches(&self, labels: &Labels) -> bool {
        self.0.iter().all(|m| m.matches_labels(labels))
    }

    /// The matchers in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Matcher> {
        self.0.iter()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Matchers {
    /// `{a="b",c=~"d"}`, the shape of Alertmanager's route keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, m) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{m}")?;
        }
        f.write_str("}")
    }
}

static MATCHER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*((?s).*?)\s*$")
        .expect("static regex")
});

/// Parses one matcher: `name op value`, the value optionally double-quoted with `\"`, `\\`
/// and `\n` escapes (a lone backslash stays literal).
pub fn parse_matcher(input: &str) -> Result<Matcher> {
    let bad = |reason: &str| Error::Matcher {
        input: input.to_owned(),
        reason: reason.to_owned(),
    };
    let caps = MATCHER_RE
        .captures(input)
        .ok_or_else(|| bad("expected name, one of = != =~ !~, and a value"))?;
    let kind = match &caps[2] {
        "=" => MatchType::Equal,
        "!=" => MatchType::NotEqual,
        "=~" => MatchType::Regex,
        _ => MatchType::NotRegex,
    };
    let raw = &caps[3];
    let (body, mut expect_quote) = match raw.strip_prefix('"') {
        Some(rest) => (rest, true),
        None => (raw, false),
    };
    let mut value = String::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&(_, 'n')) => {
                    value.push('\n');
                    chars.next();
                }
                Some(&(_, e @ ('"' | '\\'))) => {
                    value.push(e);
                    chars.next();
                }
                _ => value.push('\\'),
            },
            '"' => {
                if !expect_quote || i + 1 < body.len() {
                    return Err(bad("value contains an unescaped double quote"));
                }
                expect_quote = false;
            }
            c => value.push(c),
        }
    }
    if expect_quote {
        return Err(bad("value has no closing double quote"));
    }
    Matcher::new(kind, &caps[1], value).map_err(|e| match e {
        Error::Matcher { reason, .. } => bad(&reason),
        other => other,
    })
}

/// Parses a comma-separated list of matchers, optionally in braces: `{a="b", c!~"d,e"}`.
/// Commas inside double quotes do not separate; a trailing comma is allowed.
pub fn parse_matchers(input: &str) -> Result<Vec<Matcher>> {
    let s = input.strip_prefix('{').unwrap_or(input);
    let s = s.strip_suffix('}').unwrap_or(s);
    let mut tokens = Vec::new();
    let mut token = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in s.chars() {
        match c {
            ',' if !quoted => {
                tokens.push(std::mem::take(&mut token));
                continue;
            }
            ',' => {}
            '"' => {
                if escaped {
                    escaped = false;
                } else {
                    quoted = !quoted;
                }
            }
            '\\' => escaped = !escaped,
            _ => escaped = false,
        }
        token.push(c);
    }
    if !token.trim().is_empty() {
        tokens.push(token.trim().to_owned());
    }
    tokens.iter().map(|t| parse_matcher(t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().copied().collect()
    }

    #[test]
    fn parses_single_matchers() {
        let cases: &[(&str, &str, MatchType, &str)] = &[
            (r#"foo="bar""#, "foo", MatchType::Equal, "bar"),
            ("foo=bar", "foo", MatchType::Equal, "bar"),
            (
                "  foo  !=  bar baz  ",
                "foo",
                MatchType::NotEqual,
                "bar baz",
            ),
            (r#"code=~"5..""#, "code", MatchType::Regex, "5.."),
            (r#"code!~"2..""#, "code", MatchType::NotRegex, "2.."),
            (r#"q="say \"hi\"""#, "q", MatchType::Equal, r#"say "hi""#),
            (r#"q="a\nb""#, "q", MatchType::Equal, "a\nb"),
            (r#"q="back\\slash""#, "q", MatchType::Equal, r"back\slash"),
            (r#"q="lone\x""#, "q", MatchType::Equal, r"lone\x"),
            ("empty=", "empty", MatchType::Equal, ""),
            (r#"empty="""#, "empty", MatchType::Equal, ""),
            ("a:b=c", "a:b", MatchType::Equal, "c"),
            ("foo==bar", "foo", MatchType::Equal, "=bar"),
        ];
        for (input, name, kind, value) in cases {
            let m = parse_matcher(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (m.name(), m.kind(), m.value()),
                (*name, *kind, *value),
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_bad_matchers() {
        for input in [
            "foo",
            "1foo=bar",
            r#"foo="bar"#,
            r#"foo="b"ar""#,
            r#"foo=~"(""#,
            "=bar",
        ] {
            assert!(parse_matcher(input).is_err(), "{input} should fail");
        }
    }

    #[test]
    fn parses_lists() {
        let ms = parse_matchers(r#"{foo = "bar", dings != "bums", }"#).unwrap();
        assert_eq!(ms.len(), 2);
        let ms = parse_matchers(r#"quote="She said: \"Hi, ladies!\"",b=c"#).unwrap();
        assert_eq!(ms[0].value(), r#"She said: "Hi, ladies!""#);
        assert_eq!(ms[1].name(), "b");
        let ms = parse_matchers(r#"{a=~"x,y"}"#).unwrap();
        assert_eq!(ms[0].value(), "x,y");
        assert!(parse_matchers("").unwrap().is_empty());
    }

    #[test]
    fn regexes_are_anchored() {
        let m = parse_matcher(r#"job=~"api|web""#).unwrap();
        assert!(m.matches("api"));
        assert!(m.matches("web"));
        assert!(!m.matches("api-server"));
        assert!(!m.matches("xweb"));
        let n = parse_matcher(r#"job!~"api.*""#).unwrap();
        assert!(!n.matches("api-server"));
        assert!(n.matches("web"));
    }

    #[test]
    fn missing_labels_are_empty() {
        let ls = labels(&[("a", "1")]);
        assert!(parse_matcher(r#"b="""#).unwrap().matches_labels(&ls));
        assert!(parse_matcher(r#"b!="x""#).unwrap().matches_labels(&ls));
        assert!(parse_matcher(r#"b=~".*""#).unwrap().matches_labels(&ls));
        assert!(!parse_matcher(r#"b=~".+""#).unwrap().matches_labels(&ls));
    }

    #[test]
    fn displays_sorted_and_quoted() {
        let ms = Matchers::new(parse_matchers(r#"z="1",a=~"x\"y""#).unwrap());
        assert_eq!(ms.to_string(), r#"{a=~"x\"y",z="1"}"#);
        assert!(ms.matches(&labels(&[("a", "x\"y"), ("z", "1")])));
        assert!(!ms.matches(&labels(&[("a", "x\"y")])));
        assert!(Matchers::default().matches(&Labels::new()));
    }

    #[test]
    fn label_names() {
        assert!(is_valid_label_name("_a1"));
        assert!(!is_valid_label_name("1a"));
        assert!(!is_valid_label_name("a-b"));
        assert!(!is_valid_label_name(""));
    }
}
