//! Notification templates: the data and its methods, `define`/`template`/`block`, every
//! Alertmanager function, HTML escaping, and errors with their positions.

use super::*;
use crate::notify::payload::TemplateAlert;
use pulsegrid_model::Labels;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().copied().collect()
}

fn data() -> TemplateData {
    let alert = |status: &str, instance: &str, ends: &str| TemplateAlert {
        status: status.into(),
        labels: labels(&[
            ("alertname", "DiskFull"),
            ("instance", instance),
            ("job", "node"),
        ]),
        annotations: labels(&[("summary", "disk <90%> & 'full'")]),
        starts_at: "2024-05-01T10:00:00Z".into(),
        ends_at: ends.into(),
        generator_url: "http://pg/rules?a=1&b=2".into(),
        fingerprint: "00000000000000aa".into(),
    };
    TemplateData {
        receiver: "ops".into(),
        status: "firing".into(),
        alerts: vec![
            alert("firing", "db-1:9100", "0001-01-01T00:00:00Z"),
            alert("resolved", "db-2:9100", "2024-05-01T10:05:00.5Z"),
        ],
        group_labels: labels(&[("alertname", "DiskFull")]),
        common_labels: labels(&[("alertname", "DiskFull"), ("job", "node")]),
        common_annotations: labels(&[("summary", "disk <90%> & 'full'")]),
        external_url: "http://pg.example".into(),
    }
}

fn text(src: &str) -> String {
    Templates::default()
        .render_text(src, &data())
        .unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn html(src: &str) -> String {
    Templates::default()
        .render_html(src, &data())
        .unwrap_or_else(|e| panic!("{src}: {e}"))
}

/// The data, its lists and label sets, as Alertmanager's `template.Data` shows them.
#[test]
fn data_fields_and_methods() {
    let cases: &[(&str, &str)] = &[
        (
            "{{ .Receiver }} {{ .Status }} {{ .ExternalURL }}",
            "ops firing http://pg.example",
        ),
        (
            "{{ len .Alerts }} {{ len .Alerts.Firing }} {{ len .Alerts.Resolved }}",
            "2 1 1",
        ),
        (
            "{{ range .Alerts.Resolved }}{{ .Labels.instance }} {{ .Status }} {{ .Fingerprint }}{{ end }}",
            "db-2:9100 resolved 00000000000000aa",
        ),
        (
            "{{ range .Alerts }}{{ .StartsAt }}|{{ .EndsAt }};{{ end }}",
            "2024-05-01 10:00:00 +0000 UTC|0001-01-01 00:00:00 +0000 UTC;2024-05-01 10:00:00 +0000 UTC|2024-05-01 10:05:00.5 +0000 UTC;",
        ),
        (
            "{{ (index .Alerts 0).GeneratorURL }}",
            "http://pg/rules?a=1&b=2",
        ),
        (
            "{{ range (index .Alerts 0).Labels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}",
            "alertname=DiskFull instance=db-1:9100 job=node ",
        ),
        ("{{ .CommonLabels.Names | join \",\" }}", "alertname,job"),
        ("{{ .CommonLabels.Values | join \",\" }}", "DiskFull,node"),
        (
            "{{ (.CommonLabels.Remove .GroupLabels.Names).Names | join \",\" }}",
            "job",
        ),
        (
            "{{ .CommonLabels.SortedPairs.Values | join \" \" }}",
            "DiskFull node",
        ),
        ("{{ .CommonLabels }}", "alertname=DiskFull, job=node"),
        ("{{ .GroupLabels.SortedPairs }}", "alertname=DiskFull"),
        (
            "{{ index .GroupLabels.SortedPairs 0 }}",
            "{alertname DiskFull}",
        ),
        (
            "{{ .CommonLabels.job }}|{{ .CommonLabels.nope }}|",
            "node||",
        ),
        (
            "{{ range $k, $v := .CommonLabels }}{{ $k }}:{{ $v }} {{ end }}",
            "alertname:DiskFull job:node ",
        ),
        (
            "{{ index .CommonLabels \"job\" }} {{ len .CommonLabels }}",
            "node 2",
        ),
        (
            "{{ if .Alerts.Firing }}some{{ end }}{{ if not .Alerts.Firing }}none{{ end }}",
            "some",
        ),
        (
            "{{ range $i, $a := .Alerts }}{{ $i }}{{ $a.Status }} {{ end }}",
            "0firing 1resolved ",
        ),
        (
            "{{ $.Receiver }}{{ range .Alerts }}{{ $.Receiver }}{{ end }}",
            "opsopsops",
        ),
        ("{{ (index .Alerts 0).StartsAt.Unix }}", "1714557600"),
        (
            "{{ (index .Alerts 0).StartsAt.Format \"15:04 Jan 2\" }}",
            "10:00 May 1",
        ),
    ];
    for (src, want) in cases {
        assert_eq!(text(src), *want, "{src}");
    }
}

/// Go builtins and every Alertmanager function.
#[test]
fn functions() {
    let cases: &[(&str, &str)] = &[
        ("{{ toUpper \"ab\" }} {{ toLower \"AB\" }}", "AB ab"),
        ("{{ title \"disk full on db-1\" }}", "Disk Full On Db-1"),
        ("[{{ trimSpace \"  x \\n\" }}]", "[x]"),
        ("{{ stringSlice \"a\" \"b\" \"c\" | join \"/\" }}", "a/b/c"),
        ("{{ stringSlice \"a\" \"b\" }}", "[a b]"),
        (
            "{{ if match \"^db-\" \"db-1\" }}y{{ end }}{{ if match \"x$\" \"db\" }}n{{ end }}",
            "y",
        ),
        (
            "{{ reReplaceAll \"(.*):\\\\d+\" \"$1\" \"db-1:9100\" }}",
            "db-1",
        ),
        (
            "{{ safeHtml \"<b>\" }} {{ safeUrl \"http://x\" }}",
            "<b> http://x",
        ),
        ("{{ urlUnescape \"a%20b+c\" }}", "a b c"),
        (
            "{{ (index .Alerts 0).StartsAt | date \"2006-01-02T15:04:05Z07:00\" }}",
            "2024-05-01T10:00:00Z",
        ),
        (
            "{{ (index .Alerts 0).StartsAt | tz \"UTC\" | date \"15:04 MST\" }}",
            "10:00 UTC",
        ),
        (
            "{{ humanizeDuration 3725 }} {{ humanizeDuration \"90\" }}",
            "1h 2m 5s 1m 30s",
        ),
        (
            "{{ toJson .GroupLabels }} {{ toJson (stringSlice \"a\") }}",
            "{\"alertname\":\"DiskFull\"} [\"a\"]",
        ),
        (
            "{{ toJson (index .Alerts.Resolved 0).EndsAt }}",
            "\"2024-05-01T10:05:00.5Z\"",
        ),
        (
            "{{ printf \"%s=%d %.1f %q\" \"a\" 3 2.25 \"b\" }}",
            "a=3 2.2 \"b\"",
        ),
        (
            "{{ if and (eq .Status \"firing\") (ne 1 2) (lt 1 2) (gt 2 1) }}ok{{ end }}",
            "ok",
        ),
        (
            "{{ or \"\" \"b\" }} {{ not true }} {{ len \"abc\" }}",
            "b false 3",
        ),
        (
            "{{ html \"<a>\" }} {{ urlquery \"a b&c\" }}",
            "&lt;a&gt; a+b%26c",
        ),
    ];
    for (src, want) in cases {
        assert_eq!(text(src), *want, "{src}");
    }
    // `since` depends on the clock: a time in the past gives a positive duration.
    let since = text("{{ (index .Alerts 0).StartsAt | since }}");
    assert!(since.ends_with('s') && !since.starts_with('-'), "{since}");
    assert!(!text("{{ (index .Alerts 0).StartsAt | since | humanizeDuration }}").is_empty());
}

/// `define`, `template` (with and without data), `block`, redefinition, and the defaults.
#[test]
fn named_templates() {
    let mut t = Templates::default();
    t.add(
        "a.tmpl",
        "{{ define \"x\" }}X{{ .Receiver }}{{ end }}{{ define \"list\" }}{{ range . }}[{{ .Labels.instance }}]{{ end }}{{ end }}",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let d = data();
    let r = |t: &Templates, src: &str| {
        t.render_text(src, &d)
            .unwrap_or_else(|e| panic!("{src}: {e}"))
    };
    assert_eq!(r(&t, "{{ template \"x\" . }}"), "Xops");
    assert_eq!(
        r(&t, "{{ template \"list\" .Alerts.Firing }}"),
        "[db-1:9100]"
    );
    assert_eq!(r(&t, "{{ template \"__alertmanager\" }}"), "Alertmanager");
    assert_eq!(
        r(&t, "{{ block \"b\" .Status }}<{{ . }}>{{ end }}"),
        "<firing>"
    );
    assert_eq!(
        r(&t, "{{ define \"x\" }}local{{ end }}{{ template \"x\" . }}"),
        "local"
    );
    // A later file replaces a name; the defaults stay callable.
    t.add("b.tmpl", "{{ define \"x\" }}second{{ end }}")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r(&t, "{{ template \"x\" . }}"), "second");
    assert_eq!(
        r(&t, "{{ template \"email.default.subject\" . }}"),
        "[FIRING:1] DiskFull (node)"
    );
    assert_eq!(
        r(&t, "{{ template \"__alertmanagerURL\" . }}"),
        "http://pg.example/#/alerts?receiver=ops"
    );
    assert_eq!(
        r(&t, "{{ template \"email.default.html\" . }}"),
        email_html(&d)
    );
    assert!(t.contains("__text_alert_list"));
    assert!(!t.contains("nope"));
}

/// HTML bodies escape printed values as html/template does; `safeHtml` and called templates'
/// markup are kept. Text bodies escape nothing.
#[test]
fn html_escaping() {
    assert_eq!(
        html("<p>{{ .CommonAnnotations.summary }}</p>"),
        "<p>disk &lt;90%&gt; &amp; &#39;full&#39;</p>"
    );
    assert_eq!(html("{{ \"a+b \\\"c\\\"\" }}"), "a&#43;b &#34;c&#34;");
    assert_eq!(html("{{ safeHtml \"<hr>\" }}"), "<hr>");
    assert_eq!(
        html("{{ define \"p\" }}<i>{{ . }}</i>{{ end }}{{ template \"p\" \"<x>\" }}"),
        "<i>&lt;x&gt;</i>"
    );
    assert_eq!(
        text("{{ .CommonAnnotations.summary }}"),
        "disk <90%> & 'full'"
    );
}

/// Syntax errors carry line and column; rule-only functions and variables are refused.
#[test]
fn errors_name_the_position() {
    let t = Templates::default();
    let err = |src: &str| match t.check(src) {
        Ok(()) => panic!("{src} parsed"),
        Err(e) => e.to_string(),
    };
    assert_eq!(err("a\n{{ nope . }}"), "2:4: function \"nope\" not defined");
    assert_eq!(
        err("{{ humanize 1 }}"),
        "1:4: function \"humanize\" not defined"
    );
    assert!(err("{{ $labels }}").contains("undefined variable \"$labels\""));
    assert!(err("{{ define \"x\" }}").contains("unexpected EOF"));
    assert!(err("{{ template x }}").contains("expected a quoted template name"));
    assert!(err("{{ if true }}{{ define \"x\" }}{{ end }}{{ end }}").contains("top level"));
    let d = data();
    let run = |src: &str| t.render_text(src, &d).unwrap_err().to_string();
    assert_eq!(
        run("\n  {{ template \"missing\" . }}"),
        "2:3: template \"missing\" not defined"
    );
    assert!(run("{{ .Nope }}").contains("can't evaluate field Nope in type template.Data"));
    assert!(run("{{ join \",\" .Receiver }}").contains("expected []string"));
    assert!(
        run("{{ tz \"Nowhere/Atlantis\" (index .Alerts 0).StartsAt }}")
            .contains("unknown time zone")
    );
    assert!(
        run("{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}")
            .contains("maximum template depth")
    );
    assert_eq!(t.render_text("", &d).as_deref(), Ok(""));
}

/// Files from globs: sorted, each named by its base name, errors naming file and line.
#[test]
fn files_from_globs() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, src: &str| {
        std::fs::write(dir.path().join(name), src).unwrap_or_else(|e| panic!("{e}"));
    };
    write("1.tmpl", "{{ define \"n\" }}one{{ end }}");
    write("2.tmpl", "{{ define \"n\" }}two{{ end }}body of 2");
    let t = Templates::from_globs(&["*.tmpl".into(), "none/*.tmpl".into()], dir.path())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.files().len(), 2);
    let d = data();
    assert_eq!(
        t.render_text("{{ template \"n\" . }}", &d).as_deref(),
        Ok("two")
    );
    assert_eq!(
        t.render_text("{{ template \"2.tmpl\" . }}", &d).as_deref(),
        Ok("body of 2")
    );
    write("3.tmpl", "ok\n\n{{ if }}");
    let e = Templates::from_globs(&["*.tmpl".into()], dir.path()).unwrap_err();
    assert!(e.file.ends_with("3.tmpl"), "{e}");
    assert_eq!(e.line, Some(3), "{e}");
    assert!(
        e.to_string()
            .contains("3.tmpl:3: column 1: missing value for command"),
        "{e}"
    );
    assert!(Templates::from_globs(&["[".into()], dir.path()).is_err());
}
