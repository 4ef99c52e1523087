//! Selector parsing and matching, one behaviour per test.

use super::*;
use crate::series::Labels;

fn key(name: &str, labels: &[(&str, &str)]) -> SeriesKey {
    SeriesKey::new(name, labels.iter().copied().collect::<Labels>())
}

fn sel(text: &str) -> SeriesSelector {
    SeriesSelector::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

#[test]
fn all_four_operators() {
    let s = sel(r#"line_pressure{site="north", unit!="psi", host=~"web-.*", dc!~"eu.*"}"#);
    assert_eq!(s.name.as_deref(), Some("line_pressure"));
    let ops: Vec<_> = s.matchers.iter().map(|m| m.op).collect();
    assert_eq!(ops, [MatchOp::Eq, MatchOp::Ne, MatchOp::Re, MatchOp::NotRe]);
    let good = key(
        "line_pressure",
        &[
            ("site", "north"),
            ("unit", "bar"),
            ("host", "web-1"),
            ("dc", "us1"),
        ],
    );
    assert!(s.matches(&good));
    for (label, value) in [
        ("site", "south"),
        ("unit", "psi"),
        ("host", "db-1"),
        ("dc", "eu1"),
    ] {
        let mut labels = good.labels.clone();
        labels.insert(label, value);
        assert!(
            !s.matches(&SeriesKey::new("line_pressure", labels)),
            "{label}={value}"
        );
    }
    assert!(!s.matches(&SeriesKey::new("other", good.labels.clone())));
}

#[test]
fn regexes_are_fully_anchored() {
    let s = sel(r#"{host=~"web"}"#);
    assert!(s.matches(&key("m", &[("host", "web")])));
    assert!(!s.matches(&key("m", &[("host", "web-1")])));
    assert!(!s.matches(&key("m", &[("host", "my-web")])));
}

#[test]
fn name_matcher_selects_by_series_name() {
    let s = sel(r#"{__name__=~"line_.*"}"#);
    assert_eq!(s.name, None);
    assert!(s.matches(&key("line_pressure", &[])));
    assert!(!s.matches(&key("pressure", &[])));
}

#[test]
fn bare_name_and_empty_braces() {
    for text in ["line_pressure", "line_pressure{}", "  line_pressure { } "] {
        let s = sel(text);
        assert_eq!(s.name.as_deref(), Some("line_pressure"));
        assert!(s.matchers.is_empty());
        assert!(s.matches(&key("line_pressure", &[("site", "x")])));
    }
    assert_eq!(sel("ns:metric_1").name.as_deref(), Some("ns:metric_1"));
}

#[test]
fn missing_label_is_empty() {
    assert!(sel(r#"m{site=""}"#).matches(&key("m", &[])));
    assert!(sel(r#"m{site!="north"}"#).matches(&key("m", &[])));
    assert!(!sel(r#"m{site=~".+"}"#).matches(&key("m", &[])));
}

#[test]
fn quotes_and_escapes() {
    let s = sel(r#"m{a='it\'s', b="say \"hi\"\n", c=`raw\d+`, d="\x41\u00e9", e="\\",}"#);
    let values: Vec<_> = s.matchers.iter().map(|m| m.value.as_str()).collect();
    assert_eq!(values, ["it's", "say \"hi\"\n", r"raw\d+", "Aé", "\\"]);
}

#[test]
fn display_is_canonical_and_reparses() {
    let s = sel(r#"  m { b = "x" , a=~'y.*' } "#);
    assert_eq!(s.to_string(), r#"m{b="x",a=~"y.*"}"#);
    assert_eq!(sel(&s.to_string()), s);
    assert_eq!(sel("m{}").to_string(), "m");
}

#[test]
fn errors_say_where_and_what() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 1, "found an empty selector"),
        ("   ", 4, "found an empty selector"),
        (
            "{}",
            1,
            "at least one matcher that does not match the empty string",
        ),
        (
            r#"{a=""}"#,
            1,
            "at least one matcher that does not match the empty string",
        ),
        (r#"{a=~".*"}"#, 1, "at least one matcher"),
        (
            "m{site}",
            7,
            "expected one of = != =~ !~ after label \"site\", found \"}\"",
        ),
        (
            "m{site=north}",
            8,
            "expected a quoted value for label \"site\", found \"north}\"",
        ),
        (
            r#"m{site="north"#,
            8,
            "expected a closing \" for the value of label \"site\"",
        ),
        (
            r#"m{site="a" unit="b"}"#,
            12,
            "expected ',' or '}' after a matcher, found \"unit=\\\"b\\\"}\"",
        ),
        (
            r#"m{site="a""#,
            11,
            "expected ',' or '}' after a matcher, found the end of the selector",
        ),
        (r#"m{1a="x"}"#, 3, "expected a label name or '}'"),
        (r#"m{a=~"("}"#, 6, "expected a valid regex"),
        (r#"m{a="\q"}"#, 6, "found \\q"),
        (
            r#"m{a="x"} extra"#,
            10,
            "expected the end of the selector, found \"extra\"",
        ),
        ("=m", 1, "expected a series name or '{', found \"=m\""),
        (r#"m{__name__="n"}"#, 2, "expected the series name once"),
        ("é{", 1, "expected a series name or '{'"),
        (r#"m{a="é"} ü"#, 10, "found \"ü\""),
    ];
    for (text, column, message) in cases {
        let e = SeriesSelector::parse(text).expect_err(text);
        assert_eq!(e.position, *column, "{text:?}: {e}");
        assert!(
            e.message.contains(message),
            "{text:?}: got {e}, want {message}"
        );
        assert_eq!(e.to_string(), format!("column {column}: {}", e.message));
    }
}
