//! One test per syntax feature and per error of the line protocol parser.

use std::borrow::Cow;

use super::*;

fn one(text: &str) -> Line<'_> {
    let mut lines: Vec<_> = parse_lines(text).collect();
    assert_eq!(lines.len(), 1, "{text:?}: {lines:?}");
    lines.remove(0).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn err(text: &str) -> LineError {
    let lines: Vec<_> = parse_lines(text).collect();
    lines
        .into_iter()
        .find_map(Result::err)
        .unwrap_or_else(|| panic!("{text:?} parsed without error"))
}

fn field<'a>(line: &'a Line<'_>, key: &str) -> &'a FieldValue<'a> {
    &line
        .fields
        .iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no field {key}"))
        .1
}

#[test]
fn typical_telegraf_line_borrows_everything() {
    let line =
        one("cpu,host=server01,region=us-west usage_idle=92.5,usage_user=3.2 1700000000000000000");
    assert!(matches!(line.measurement, Cow::Borrowed("cpu")));
    assert_eq!(
        line.tags,
        vec![
            (Cow::Borrowed("host"), Cow::Borrowed("server01")),
            (Cow::Borrowed("region"), Cow::Borrowed("us-west"))
        ]
    );
    assert!(
        line.tags
            .iter()
            .all(|(k, v)| matches!(k, Cow::Borrowed(_)) && matches!(v, Cow::Borrowed(_)))
    );
    assert_eq!(*field(&line, "usage_idle"), FieldValue::Float(92.5));
    assert_eq!(*field(&line, "usage_user"), FieldValue::Float(3.2));
    assert_eq!(line.timestamp, Some(1_700_000_000_000_000_000));
}

#[test]
fn no_tags_and_no_timestamp() {
    let line = one("line_pressure value=7.25");
    assert_eq!(line.measurement, "line_pressure");
    assert!(line.tags.is_empty());
    assert_eq!(line.timestamp, None);
}

#[test]
fn escapes_in_measurement_tags_and_field_keys_are_owned() {
    let line = one(r"my\ meas\,ure=x,tag\ key=a\,b\=c\\d,plain=p fi\=eld\ k=1 5");
    assert_eq!(line.measurement, "my meas,ure=x");
    assert!(matches!(line.measurement, Cow::Owned(_)));
    assert_eq!(line.tags[0], ("tag key".into(), r"a,b=c\d".into()));
    assert!(matches!(line.tags[1].1, Cow::Borrowed("p")));
    assert_eq!(line.fields[0].0, "fi=eld k");
    assert_eq!(line.timestamp, Some(5));
}

#[test]
fn backslash_before_other_characters_is_literal() {
    let line = one(r"c:\temp,path=C:\dir value=1");
    assert_eq!(line.measurement, r"c:\temp");
    assert_eq!(line.tags[0].1, r"C:\dir");
}

#[test]
fn quoted_strings_with_spaces_commas_equals_and_escapes() {
    let line = one(r#"log msg="a b,c=d",quote="say \"hi\" \\ \n",n=1i"#);
    assert!(matches!(
        field(&line, "msg"),
        FieldValue::Str(Cow::Borrowed("a b,c=d"))
    ));
    assert_eq!(
        *field(&line, "quote"),
        FieldValue::Str(r#"say "hi" \ \n"#.into())
    );
    assert_eq!(*field(&line, "n"), FieldValue::Int(1));
}

#[test]
fn strings_may_span_lines_and_line_numbers_follow() {
    let body = "log msg=\"first\nsecond\" 1\nbad\nlog value=2";
    let lines: Vec<_> = parse_lines(body).collect();
    assert_eq!(lines.len(), 3);
    let first = lines[0].as_ref().unwrap();
    assert_eq!(
        *field(first, "msg"),
        FieldValue::Str("first\nsecond".into())
    );
    assert_eq!(lines[1].as_ref().unwrap_err().line, 3);
    assert!(lines[2].is_ok());
}

#[test]
fn integers_unsigned_and_floats() {
    let line = one(
        "m a=12i,b=-12i,c=12u,d=1e3,e=-1.5,f=1.,g=.5,h=1E-2,i=-9223372036854775808i,j=18446744073709551615u,k=3",
    );
    assert_eq!(*field(&line, "a"), FieldValue::Int(12));
    assert_eq!(*field(&line, "b"), FieldValue::Int(-12));
    assert_eq!(*field(&line, "c"), FieldValue::UInt(12));
    assert_eq!(*field(&line, "d"), FieldValue::Float(1000.0));
    assert_eq!(*field(&line, "e"), FieldValue::Float(-1.5));
    assert_eq!(*field(&line, "f"), FieldValue::Float(1.0));
    assert_eq!(*field(&line, "g"), FieldValue::Float(0.5));
    assert_eq!(*field(&line, "h"), FieldValue::Float(0.01));
    assert_eq!(*field(&line, "i"), FieldValue::Int(i64::MIN));
    assert_eq!(*field(&line, "j"), FieldValue::UInt(u64::MAX));
    assert_eq!(*field(&line, "k"), FieldValue::Float(3.0));
}

#[test]
fn every_boolean_spelling() {
    for (text, want) in [
        ("t", true),
        ("T", true),
        ("true", true),
        ("True", true),
        ("TRUE", true),
        ("f", false),
        ("F", false),
        ("false", false),
        ("False", false),
        ("FALSE", false),
    ] {
        let body = format!("m b={text}");
        assert_eq!(*field(&one(&body), "b"), FieldValue::Bool(want), "{text}");
    }
}

#[test]
fn negative_timestamps() {
    assert_eq!(one("m value=1 -1500").timestamp, Some(-1500));
    assert_eq!(Precision::Ns.to_ms(-1), -1);
}

#[test]
fn blank_lines_comments_whitespace_and_crlf() {
    let body = "# a comment\r\n\r\n  m,a=b value=1 10  \r\n\t\n   # indented comment\nm value=2\t\r\nm value=3 30\r\n";
    let lines: Vec<_> = parse_lines(body).map(Result::unwrap).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].timestamp, Some(10));
    assert_eq!(lines[1].timestamp, None);
    assert_eq!(lines[2].timestamp, Some(30));
    assert_eq!(*field(&lines[2], "value"), FieldValue::Float(3.0));
}

#[test]
fn empty_body_has_no_lines() {
    assert_eq!(parse_lines("").count(), 0);
    assert_eq!(parse_lines("\n\n# only a comment").count(), 0);
}

#[test]
fn next_into_reuses_the_line() {
    let mut iter = parse_lines("a,x=1 v=1 1\nb v=2,w=3 2\n");
    let mut line = Line::default();
    assert_eq!(iter.next_into(&mut line), Some(Ok(())));
    assert_eq!(line.measurement, "a");
    assert_eq!(iter.next_into(&mut line), Some(Ok(())));
    assert_eq!(line.measurement, "b");
    assert!(line.tags.is_empty());
    assert_eq!(line.fields.len(), 2);
    assert_eq!(iter.next_into(&mut line), None);
}

#[test]
fn errors_name_the_line_and_what_was_expected() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "ok value=1\ncpu",
            2,
            "expected a space and at least one field after \"cpu\", found end of input",
        ),
        ("cpu,host=a\n", 1, "expected a space and at least one field"),
        ("cpu ", 1, "expected a field key, found end of input"),
        (
            ",host=a value=1",
            1,
            "expected a measurement name, found \",host=a value=1\"",
        ),
        (
            "cpu,host value=1",
            1,
            "expected '=' after tag key \"host\", found \" value=1\"",
        ),
        (
            "cpu,=a value=1",
            1,
            "expected a tag key, found \"=a value=1\"",
        ),
        ("cpu,host= value=1", 1, "expected a value for tag \"host\""),
        ("cpu,a=1,a=2 value=1", 1, "found tag \"a\" again"),
        (
            "cpu,a=b=c value=1",
            1,
            "expected ',' or ' ' after tag value",
        ),
        (
            "cpu value",
            1,
            "expected '=' after field key \"value\", found end of input",
        ),
        (
            "cpu value=",
            1,
            "expected a value for field \"value\", found end of input",
        ),
        (
            "cpu value=,x=1",
            1,
            "expected a value for field \"value\", found \",x=1\"",
        ),
        (
            "cpu value=12x",
            1,
            "expected a number (1.5, 12i, 12u), a boolean (t, false) or a \"string\" for field \"value\", found \"12x\"",
        ),
        ("cpu value=1.2.3", 1, "found \"1.2.3\""),
        ("cpu value=NaN", 1, "found \"NaN\""),
        ("cpu value=1e999", 1, "found \"1e999\""),
        (
            "cpu value=99999999999999999999i",
            1,
            "expected a 64-bit integer like 12i",
        ),
        (
            "cpu value=-1u",
            1,
            "expected an unsigned 64-bit integer like 12u",
        ),
        ("cpu value=1,value=2", 1, "found field \"value\" again"),
        (
            "a value=1\n\ncpu msg=\"open",
            3,
            "expected a closing '\"' for the string of field \"msg\", found end of input after \"\\\"open\"",
        ),
        (
            "cpu msg=\"a\"b",
            1,
            "expected ',' or ' ' after the string of field \"msg\", found \"b\"",
        ),
        (
            "cpu value=1 12:00",
            1,
            "expected a timestamp (an integer, e.g. 1700000000000000000), found \"12:00\"",
        ),
        (
            "cpu value=1 99999999999999999999",
            1,
            "expected a timestamp",
        ),
        (
            "cpu value=1 1 2",
            1,
            "expected the end of the line after the timestamp, found \"2\"",
        ),
    ];
    for (body, line, message) in cases {
        let e = err(body);
        assert_eq!(e.line, *line, "{body:?}: {e}");
        assert!(
            e.message.contains(message),
            "{body:?}: got {e}, want {message}"
        );
        assert!(e.to_string().starts_with(&format!("line {line}: ")));
    }
}

#[test]
fn an_error_skips_only_its_own_line() {
    let body = "good value=1\nbad value=x\nbad msg=\"un\nterminated\" x=\ngood value=2";
    let results: Vec<_> = parse_lines(body).collect();
    assert_eq!(results.len(), 4, "{results:?}");
    assert!(results[0].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err().line, 2);
    assert_eq!(results[2].as_ref().unwrap_err().line, 3);
    assert_eq!(results[3].as_ref().unwrap().measurement, "good");
}

#[test]
fn long_excerpts_are_cut() {
    let e = err(&format!("cpu value={}", "9x".repeat(40)));
    assert!(e.message.contains("...\""), "{e}");
}

#[test]
fn precision_names() {
    for (text, want) in [
        ("n", Precision::Ns),
        ("ns", Precision::Ns),
        ("u", Precision::Us),
        ("us", Precision::Us),
        ("µ", Precision::Us),
        ("ms", Precision::Ms),
        ("s", Precision::S),
        ("m", Precision::M),
        ("h", Precision::H),
    ] {
        assert_eq!(Precision::parse(text), Some(want), "{text}");
    }
    assert_eq!(Precision::parse("d"), None);
    assert_eq!(Precision::default(), Precision::Ns);
    assert_eq!(Precision::S.to_ms(2), 2_000);
    assert_eq!(Precision::M.to_ms(1), 60_000);
    assert_eq!(Precision::H.to_ms(1), 3_600_000);
    assert_eq!(Precision::Us.to_ms(1_500), 1);
    assert_eq!(Precision::Ms.to_ms(7), 7);
}

#[test]
fn samples_follow_the_naming_rule() {
    let line =
        one("line_pressure,site=north value=7.25,temp=3i,ok=true,note=\"x\",n=2u 1700000000000");
    let mut out = Vec::new();
    line_to_samples(&line, Precision::Ms, 0, &mut out);
    let names: Vec<_> = out.iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(
        names,
        [
            r#"line_pressure{site="north"}"#,
            r#"line_pressure_temp{site="north"}"#,
            r#"line_pressure_ok{site="north"}"#,
            r#"line_pressure_n{site="north"}"#,
        ]
    );
    let values: Vec<_> = out.iter().map(|(_, s)| s.v).collect();
    assert_eq!(values, [7.25, 3.0, 1.0, 2.0]);
    assert!(out.iter().all(|(_, s)| s.t == 1_700_000_000_000));
}

#[test]
fn samples_use_precision_and_now() {
    let mut out = Vec::new();
    line_to_samples(
        &one("m value=1 1700000000123456789"),
        Precision::Ns,
        5,
        &mut out,
    );
    line_to_samples(&one("m value=1 1700000000"), Precision::S, 5, &mut out);
    line_to_samples(&one("m value=1"), Precision::S, 5, &mut out);
    line_to_samples(&one("m s=\"only a string\""), Precision::S, 5, &mut out);
    let times: Vec<_> = out.iter().map(|(_, s)| s.t).collect();
    assert_eq!(times, [1_700_000_000_123, 1_700_000_000_000, 5]);
}

/// Arbitrary input (escapes, quotes, multi-byte characters, stray CRs) yields lines or
/// errors, never a panic, and always ends.
#[test]
fn arbitrary_input_never_panics() {
    let alphabet = [
        "m", "v", "=", ",", " ", "\\", "\"", "\n", "\r", "\t", "#", "1", "-", ".", "e", "i", "u",
        "t", "é", "€", "x",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..20_000 {
        let len = (next() % 40) as usize;
        let body: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let mut count = 0;
        for result in parse_lines(&body) {
            count += 1;
            assert!(count <= body.len() + 1, "{body:?} does not end");
            if let Err(e) = result {
                assert!(
                    e.line >= 1 && e.line <= body.matches('\n').count() + 1,
                    "{body:?}: {e}"
                );
            }
        }
    }
}

/// Real Telegraf output (testdata/telegraf.lp) parses completely, with string fields skipped
/// by the naming rule.
#[test]
fn real_telegraf_output_parses() {
    let body = include_str!("testdata/telegraf.lp");
    let lines: Vec<_> = parse_lines(body)
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert_eq!(lines.len(), 14);
    let uptime = &lines[8];
    assert_eq!(
        *field(uptime, "uptime_format"),
        FieldValue::Str("14 days,  0:00".into())
    );
    assert_eq!(
        lines[11]
            .fields
            .iter()
            .find(|(k, _)| k == "oomkilled")
            .map(|(_, v)| v),
        Some(&FieldValue::Bool(false))
    );
    let mut out = Vec::new();
    for line in &lines {
        line_to_samples(line, Precision::Ns, 0, &mut out);
    }
    let numeric: usize = lines
        .iter()
        .flat_map(|l| &l.fields)
        .filter(|(_, v)| !matches!(v, FieldValue::Str(_)))
        .count();
    assert_eq!(out.len(), numeric);
    let (key, sample) = &out[2];
    assert_eq!(
        key.to_string(),
        r#"cpu_usage_idle{cpu="cpu0",host="server01"}"#
    );
    assert_eq!((sample.t, sample.v), (1_700_000_000_000, 92.5));
    assert!(out.iter().any(|(k, _)| k.to_string() == r#"win_perf_counters_Percent_Disk_Time{host="WIN-01",instance="C:",objectname="LogicalDisk"}"#));
}
