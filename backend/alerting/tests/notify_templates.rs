//! Notification templates rendered by the real Alertmanager (`amtool template render`) and by
//! Pulsegrid on the same data must be byte-identical: amtool's built-in example data (its
//! `cli/template_render.go`, rebuilt here as a `TemplateData`) and a firing/resolved group
//! written as JSON for `--template.data`. The templates come from
//! `fixtures/notify_templates/custom.tmpl` and Alertmanager's default templates.
//!
//! Needs `/usr/bin/amtool` (Debian: `prometheus-alertmanager`, whose default templates live in
//! `/usr/share/prometheus/alertmanager/`); skipped with a message without it.

use std::path::{Path, PathBuf};
use std::process::Command;

use pulsegrid_alerting::notify::payload::{TemplateAlert, TemplateData};
use pulsegrid_alerting::notify::template::Templates;
use pulsegrid_model::Labels;

const AMTOOL: &str = "/usr/bin/amtool";
/// Where Debian installs Alertmanager's default templates (its amtool does not embed them).
const DEBIAN_DEFAULTS: &str = "/usr/share/prometheus/alertmanager/*.tmpl";

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().copied().collect()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notify_templates")
}

/// amtool's `defaultData` (times are `time.Now()` there, so no case prints them).
fn amtool_example_data() -> TemplateData {
    let common = [
        ("commonlabelkey1", "commonlabelvalue1"),
        ("commonlabelkey2", "commonlabelvalue2"),
    ];
    let common_annotations = [
        ("commonannotationkey1", "commonannotationvalue1"),
        ("commonannotationkey2", "commonannotationvalue2"),
    ];
    let alert = |labels_: &[(&str, &str)], annotations: &[(&str, &str)], fp: &str| TemplateAlert {
        status: "alertstatus".into(),
        labels: labels(&[labels_, &common].concat()),
        annotations: labels(&[annotations, &common_annotations].concat()),
        starts_at: "2024-05-01T10:00:00Z".into(),
        ends_at: "2024-05-01T10:05:00Z".into(),
        generator_url: "https://generatorurl.com".into(),
        fingerprint: fp.into(),
    };
    TemplateData {
        receiver: "receiver".into(),
        status: "alertstatus".into(),
        alerts: vec![
            alert(
                &[
                    ("label1", "value1"),
                    ("label2", "value2"),
                    ("instance", "foo.bar:1234"),
                ],
                &[("annotation1", "value1"), ("annotation2", "value2")],
                "fingerprint1",
            ),
            alert(
                &[("foo", "bar"), ("baz", "qux")],
                &[("aaa", "bbb"), ("ccc", "ddd")],
                "fingerprint2",
            ),
        ],
        group_labels: labels(&[
            ("grouplabelkey1", "grouplabelvalue1"),
            ("grouplabelkey2", "grouplabelvalue2"),
        ]),
        common_labels: labels(&common),
        common_annotations: labels(&common_annotations),
        external_url: "https://example.com".into(),
    }
}

/// A group of two firing alerts and one resolved, with values HTML must escape.
fn group_data() -> TemplateData {
    let alert = |status: &str, instance: &str, summary: &str, ends: &str| TemplateAlert {
        status: status.into(),
        labels: labels(&[
            ("alertname", "LinePressureHigh"),
            ("instance", instance),
            ("site", "north"),
            ("severity", "critical"),
        ]),
        annotations: labels(&[("summary", summary)]),
        starts_at: "2024-05-01T10:00:00Z".into(),
        ends_at: ends.into(),
        generator_url: "http://pulsegrid.example/alerting/rules/x?a=1&b=2".into(),
        fingerprint: format!("{:016x}", instance.len()),
    };
    TemplateData {
        receiver: "ops\\.team".into(),
        status: "firing".into(),
        alerts: vec![
            alert(
                "firing",
                "pump-1:9100",
                "Pressure <high> & 'rising' +1",
                "0001-01-01T00:00:00Z",
            ),
            alert(
                "firing",
                "pump-2:9100",
                "Pressure high",
                "0001-01-01T00:00:00Z",
            ),
            alert(
                "resolved",
                "pump-3:9100",
                "Back to \"normal\"",
                "2024-05-01T10:07:30.25Z",
            ),
        ],
        group_labels: labels(&[("alertname", "LinePressureHigh")]),
        common_labels: labels(&[
            ("alertname", "LinePressureHigh"),
            ("severity", "critical"),
            ("site", "north"),
        ]),
        common_annotations: labels(&[]),
        external_url: "http://pulsegrid.example:8080".into(),
    }
}

/// What amtool prints for `text`, or its error.
fn amtool(text: &str, html: bool, data: Option<&Path>) -> String {
    let mut cmd = Command::new(AMTOOL);
    cmd.args(["template", "render"]);
    cmd.arg(format!("--template.glob={DEBIAN_DEFAULTS}"));
    cmd.arg(format!(
        "--template.glob={}",
        fixtures().join("*.tmpl").display()
    ));
    cmd.arg(format!("--template.text={text}"));
    if html {
        cmd.arg("--template.type=html");
    }
    if let Some(d) = data {
        cmd.arg(format!("--template.data={}", d.display()));
    }
    let out = cmd.output().expect("run amtool");
    assert!(
        out.status.success(),
        "amtool failed for {text:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// (template text, HTML?) rendered on both data sets.
const CASES: &[(&str, bool)] = &[
    (
        "{{ range .Alerts }}{{ range .Labels.SortedPairs }}{{ .Name }}={{ .Value }};{{ end }}|{{ end }}",
        false,
    ),
    (
        "{{ range $i, $a := .Alerts }}{{ $i }}:{{ $a.Fingerprint }} {{ $a.GeneratorURL }} {{ $a.Status }}\n{{ end }}",
        false,
    ),
    (
        "{{ len .Alerts.Firing }}/{{ len .Alerts.Resolved }} {{ range .Alerts.Firing }}{{ .Labels.instance }} {{ end }}",
        false,
    ),
    (
        "{{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Names | join \" \" }}={{ .Values | join \",\" }}{{ end }}",
        false,
    ),
    (
        "{{ (.CommonLabels.Remove (stringSlice \"site\" \"commonlabelkey1\")).SortedPairs.Names | join \"+\" }}",
        false,
    ),
    (
        "{{ .Receiver | toUpper }} {{ toLower \"ÄBC\" }} {{ title \"hello wORLD foo-bar o'neil x.y a_b 1st\" }}",
        false,
    ),
    (
        "{{ .GroupLabels.Values | join \", \" }} {{ .CommonLabels.Names | join \"+\" }} {{ .CommonAnnotations.SortedPairs.Values | join \" \" }}",
        false,
    ),
    (
        "{{ range .Alerts }}{{ reReplaceAll \"(.*):(\\\\d+)\" \"$2@$1\" .Labels.instance }};{{ end }}",
        false,
    ),
    (
        "{{ printf \"%s has %d alerts (%5.2f%%) %q %v\" .Receiver (len .Alerts) 12.345 .Status true }}",
        false,
    ),
    (
        "{{ if match \"^foo\" (index .Alerts 0).Labels.instance }}yes{{ else }}no{{ end }} {{ if and (ne .Receiver \"x\") (not false) }}ok{{ end }} {{ if or (lt 1 2) (gt 1 2) }}lt{{ end }} {{ if eq .Status \"firing\" \"alertstatus\" }}eq{{ end }}",
        false,
    ),
    (
        "{{ range $k, $v := .GroupLabels }}{{ $k }}={{ $v }} {{ end }}{{ index .CommonLabels \"site\" }}|{{ .CommonLabels.commonlabelkey2 }}|{{ .CommonLabels.missing }}|",
        false,
    ),
    (
        "{{ define \"inline\" }}inline {{ .Status }}{{ end }}{{ template \"inline\" . }} {{ block \"blk\" .Receiver }}block {{ . }}{{ end }}",
        false,
    ),
    (
        "{{ stringSlice \"a\" \"b\" | join \"-\" }} {{ safeHtml \"<b>\" }} {{ \"<raw> & 'text'\" }} {{ len .Alerts }}",
        false,
    ),
    ("{{ template \"custom.title\" . }}", false),
    ("{{ template \"custom.list\" .Alerts }}", false),
    ("{{ template \"custom.body\" . }}", false),
    ("{{ template \"email.default.subject\" . }}", false),
    ("{{ template \"__subject\" . }}", false),
    ("{{ template \"__text_alert_list\" .Alerts }}", false),
    (
        "{{ template \"__alertmanagerURL\" . }}|{{ template \"__alertmanager\" . }}|{{ template \"__description\" . }}|",
        false,
    ),
    ("{{ template \"custom.html\" . }}", true),
    (
        "<p>{{ .Receiver }} {{ \"a+b <c> & 'd' \\\"e\\\"\" }} {{ safeHtml \"<i>ok</i>\" }}</p>{{ range .Alerts }}<p>{{ .Annotations.summary }}</p>{{ end }}",
        true,
    ),
    ("{{ template \"email.default.subject\" . }}", true),
];

/// Cases that print times, only on the group data (amtool's example data has `time.Now()`).
const TIME_CASES: &[&str] =
    &["{{ range .Alerts }}{{ .StartsAt }} {{ .EndsAt }} {{ if .EndsAt }}t{{ end }}\n{{ end }}"];

#[test]
fn renders_byte_identical_to_amtool() {
    if !Path::new(AMTOOL).exists() {
        eprintln!(
            "skipping: {AMTOOL} not found (apt-get install prometheus-alertmanager provides it)"
        );
        return;
    }
    let templates = Templates::from_globs(&["*.tmpl".to_string()], &fixtures())
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let group_file = dir.path().join("group.json");
    std::fs::write(&group_file, serde_json::to_vec(&group_data()).unwrap()).unwrap();
    let sets = [
        ("amtool example data", amtool_example_data(), None),
        ("group data", group_data(), Some(group_file.as_path())),
    ];
    let mut checked = 0;
    for (name, data, file) in &sets {
        let time_cases = TIME_CASES.iter().filter(|_| file.is_some());
        let cases = CASES.iter().copied().chain(time_cases.map(|t| (*t, false)));
        for (text, html) in cases {
            let want = amtool(text, html, *file);
            let got = if html {
                templates.render_html(text, data)
            } else {
                templates.render_text(text, data)
            }
            .unwrap_or_else(|e| panic!("{name}: {text:?}: {e}"));
            assert_eq!(got, want, "{name}: {text:?} (html: {html})");
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * CASES.len() + TIME_CASES.len());
}

/// `templates:` globs are taken from the configuration file's directory and parsed at load;
/// every email carries them.
#[test]
fn config_loads_templates_relative_to_its_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tmpl")).unwrap();
    std::fs::write(
        dir.path().join("tmpl/a.tmpl"),
        "{{ define \"team.subject\" }}{{ .CommonLabels.team }} paged{{ end }}",
    )
    .unwrap();
    let file = dir.path().join("alertmanager.yml");
    std::fs::write(
        &file,
        "templates: ['tmpl/*.tmpl', 'missing/*.tmpl']\nroute: {receiver: ops}\nreceivers:\n- name: ops\n  email_configs:\n  - to: a@example.org\n    from: b@example.org\n    smarthost: localhost:25\n    headers: {Subject: '{{ template \"team.subject\" . }}'}\n",
    )
    .unwrap();
    let config = pulsegrid_alerting::notify::Config::load(&file).unwrap();
    assert_eq!(config.parsed_templates.files().len(), 1);
    let email = &config.receivers[0].email_configs[0];
    assert!(email.templates.contains("team.subject"));
    let mut data = group_data();
    data.common_labels = labels(&[("team", "db")]);
    let subject = email
        .templates
        .render_text(&email.headers["Subject"], &data)
        .unwrap();
    assert_eq!(subject, "db paged");
}

/// A template file that does not parse fails the load, naming the file and line.
#[test]
fn config_refuses_a_bad_template_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.tmpl"),
        "{{ define \"x\" }}\nfine\n{{ .Labels | nosuchfunc }}\n{{ end }}",
    )
    .unwrap();
    let file = dir.path().join("alertmanager.yml");
    std::fs::write(
        &file,
        "templates: ['*.tmpl']\nroute: {receiver: ops}\nreceivers:\n- name: ops\n",
    )
    .unwrap();
    let err = pulsegrid_alerting::notify::Config::load(&file)
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.tmpl"), "{err}");
    assert!(err.contains("(line 3)"), "{err}");
    assert!(err.contains("function \"nosuchfunc\" not defined"), "{err}");
}

/// An email `html`, `text` or header that does not parse fails the load at its YAML path.
#[test]
fn config_refuses_a_bad_email_template() {
    let yaml = "route: {receiver: ops}\nreceivers:\n- name: ops\n  email_configs:\n  - to: a@example.org\n    from: b@example.org\n    smarthost: localhost:25\n    html: '{{ if .Status }}unclosed'\n";
    let err = pulsegrid_alerting::notify::Config::parse(yaml)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("receivers[0].email_configs[0].html (line 8)"),
        "{err}"
    );
    assert!(err.contains("template does not parse"), "{err}");
}
