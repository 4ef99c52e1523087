//! Label and annotation templates as Prometheus renders them: a Go `text/template` subset with
//! Prometheus' variables (`$labels`, `$value`, `$externalLabels`, `$externalURL`, and `.Labels`,
//! `.Value`…) and functions (`humanize`, `humanizeDuration`, `printf`, `reReplaceAll`, `query`…).
//!
//! A [`Template`] is parsed once, when the rule file is loaded (syntax errors, unknown functions
//! and undefined variables are reported then, with line and column, as `promtool check rules`
//! reports them), and rendered per alert with [`Template::render`].
//!
//! Where we differ from Go on purpose: comparing an int with a float (`gt $value 1`) compares
//! their values instead of failing; `define`/`template`/`block` are refused (rule templates are
//! single bodies).
//!
//! The same parser and executor run Alertmanager's notification templates
//! ([`crate::notify::template`]) in their own dialect: Alertmanager's functions and data,
//! `define`/`template`/`block`, and `html/template` escaping for HTML bodies.

mod exec;
mod funcs;
mod gofmt;
mod notify_funcs;
mod notify_time;
mod notify_tz;
mod notify_values;
mod parse;

use std::fmt;
use std::sync::Arc;

use pulsegrid_model::Labels;

pub(crate) use exec::{Def, Defs};
use exec::{Exec, Value};
pub(crate) use parse::{Node, parse_notify};

/// Runs a parsed notification template with `data` as its dot and `$`; `html` escapes printed
/// values as `html/template` does in text.
pub(crate) fn render_notify(
    nodes: &[Node],
    defs: &Defs,
    data: Arc<crate::notify::payload::TemplateData>,
    html: bool,
) -> Result<String, TemplateError> {
    let labels = Labels::new();
    let rule_data = TemplateData::new(&labels, 0.0);
    let root = Value::Data(data);
    let mut exec = Exec::notify(&rule_data, root.clone(), defs, html);
    exec.run(nodes, &root)?;
    Ok(exec.out)
}

/// A function a template's `query` calls: PromQL text in, samples (labels, value) out.
pub type QueryFn<'a> = &'a dyn Fn(&str) -> Result<Vec<(Labels, f64)>, String>;

/// A template's syntax or rendering error, with its 1-based position in the template text
/// (0 when the position is unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    /// Line in the template text.
    pub line: usize,
    /// Column in that line.
    pub column: usize,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "{}:{}: {}", self.line, self.column, self.message)
        }
    }
}

impl std::error::Error for TemplateError {}

/// What one alert's templates see.
#[derive(Clone, Copy)]
pub struct TemplateData<'a> {
    /// The alert's labels (`$labels`, `.Labels`).
    pub labels: &'a Labels,
    /// The server's external labels (`$externalLabels`).
    pub external_labels: &'a Labels,
    /// The server's external URL (`$externalURL`).
    pub external_url: &'a str,
    /// The alert's value (`$value`, `.Value`).
    pub value: f64,
    /// Runs `query "..."`; without one, `query` fails with a message.
    pub query: Option<QueryFn<'a>>,
}

impl fmt::Debug for TemplateData<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemplateData")
            .field("labels", self.labels)
            .field("external_labels", self.external_labels)
            .field("external_url", &self.external_url)
            .field("value", &self.value)
            .field("query", &self.query.is_some())
            .finish()
    }
}

impl<'a> TemplateData<'a> {
    /// Data with labels and a value, no external labels, URL or query.
    pub fn new(labels: &'a Labels, value: f64) -> Self {
        static EMPTY: std::sync::OnceLock<Labels> = std::sync::OnceLock::new();
        TemplateData {
            labels,
            external_labels: EMPTY.get_or_init(Labels::new),
            external_url: "",
            value,
            query: None,
        }
    }
}

/// A parsed template.
#[derive(Clone, Debug)]
pub struct Template {
    source: String,
    nodes: Vec<parse::Node>,
    /// Plain text with no actions renders as itself without running anything.
    literal: bool,
}

impl PartialEq for Template {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Template {
    /// Parses template text, with Go's parse-time checks.
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let nodes = parse::parse(source)?;
        let literal = !source.contains("{{");
        Ok(Template {
            source: source.to_string(),
            nodes,
            literal,
        })
    }

    /// The template text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders the template for one alert.
    pub fn render(&self, data: &TemplateData<'_>) -> Result<String, TemplateError> {
        if self.literal {
            return Ok(self.source.clone());
        }
        let mut exec = Exec::new(data);
        exec.run(&self.nodes, &Value::Root)?;
        Ok(exec.out)
    }

    /// Renders, or on error returns Prometheus' placeholder text
    /// (`<error expanding template: …>`), which is what an alert then carries.
    pub fn render_or_error(&self, data: &TemplateData<'_>) -> String {
        self.render(data)
            .unwrap_or_else(|e| format!("<error expanding template: {e}>"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(src: &str, value: f64) -> Result<String, String> {
        let labels: Labels = [
            ("instance", "db-1:9100"),
            ("job", "node"),
            ("site", "north"),
        ]
        .into_iter()
        .collect();
        let ext: Labels = [("cluster", "eu")].into_iter().collect();
        let data = TemplateData {
            labels: &labels,
            external_labels: &ext,
            external_url: "http://pg.example/prefix",
            value,
            query: None,
        };
        let t = Template::parse(src).map_err(|e| format!("parse: {e}"))?;
        t.render(&data).map_err(|e| format!("render: {e}"))
    }

    /// Outputs Prometheus documents (docs/configuration/template_reference.md) or produces.
    #[test]
    fn renders_as_prometheus() {
        let cases: &[(&str, f64, &str)] = &[
            ("{{ $labels.site }}", 0.0, "north"),
            ("{{ .Labels.job }}", 0.0, "node"),
            ("{{ $labels.missing }}", 0.0, ""),
            ("{{ $value }}", 8.5, "8.5"),
            ("{{ .Value }}", 1234567.0, "1.234567e+06"),
            ("{{ $externalLabels.cluster }}", 0.0, "eu"),
            ("{{ $externalURL }}", 0.0, "http://pg.example/prefix"),
            ("{{ $value | humanize }}", 1234567.0, "1.235M"),
            ("{{ humanize $value }}", 0.012, "12m"),
            ("{{ humanize 0 }}", 0.0, "0"),
            ("{{ humanize1024 $value }}", 1048576.0, "1Mi"),
            ("{{ humanize1024 $value }}", 512.0, "512"),
            ("{{ humanizeDuration $value }}", 90.0, "1m 30s"),
            ("{{ humanizeDuration $value }}", 93784.0, "1d 2h 3m 4s"),
            ("{{ humanizeDuration $value }}", 0.25, "250ms"),
            ("{{ humanizeDuration $value }}", 1.5, "1.5s"),
            ("{{ humanizeDuration $value }}", 0.0, "0s"),
            ("{{ humanizePercentage $value }}", 0.1234, "12.34%"),
            (
                "{{ humanizeTimestamp $value }}",
                1_600_000_000.0,
                "2020-09-13 12:26:40 +0000 UTC",
            ),
            ("{{ printf \"%.2f\" $value }}", 1.23456, "1.23"),
            ("{{ printf \"%s is %d\" \"x\" 5 }}", 0.0, "x is 5"),
            ("{{ $value | printf \"%.1f\" }}", 2.25, "2.2"),
            (
                "{{ toUpper \"abc\" }} {{ toLower \"ABC\" }} {{ title \"hello world\" }}",
                0.0,
                "ABC abc Hello World",
            ),
            (
                "{{ reReplaceAll \"(.*):.*\" \"$1\" $labels.instance }}",
                0.0,
                "db-1",
            ),
            ("{{ stripPort $labels.instance }}", 0.0, "db-1"),
            (
                "{{ if match \"^db\" $labels.instance }}db{{ end }}",
                0.0,
                "db",
            ),
            (
                "{{ if gt $value 8.0 }}high{{ else }}ok{{ end }}",
                9.0,
                "high",
            ),
            ("{{ if gt $value 8 }}high{{ else }}ok{{ end }}", 7.0, "ok"),
            (
                "{{ if eq $labels.site \"north\" }}N{{ else if eq $labels.site \"south\" }}S{{ else }}?{{ end }}",
                0.0,
                "N",
            ),
            (
                "{{ if and (ge $value 1.0) (le $value 2.0) }}in{{ end }}",
                1.5,
                "in",
            ),
            ("{{ if not (lt $value 0.0) }}pos{{ end }}", 1.0, "pos"),
            ("{{ if ne $labels.job \"x\" }}y{{ end }}", 0.0, "y"),
            (
                "{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}",
                0.0,
                "instance=db-1:9100;job=node;site=north;",
            ),
            (
                "{{ with $labels.site }}at {{ . }}{{ end }}",
                0.0,
                "at north",
            ),
            ("{{ $x := 5 }}{{ $x }}", 0.0, "5"),
            (
                "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}",
                0.0,
                "2",
            ),
            (
                "{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ end }}{{ $x }}",
                0.0,
                "1",
            ),
            ("a {{- \" b \" -}} c", 0.0, "a b c"),
            ("{{/* note */}}x", 0.0, "x"),
            ("{{ len $labels }}", 0.0, "3"),
            ("{{ index $labels \"job\" }}", 0.0, "node"),
            ("{{ pathPrefix }}", 0.0, "/prefix"),
            (
                "{{ graphLink \"up == 0\" }}",
                0.0,
                "/graph?g0.expr=up+%3D%3D+0&g0.tab=0",
            ),
            ("{{ parseDuration \"1m30s\" }}", 0.0, "90"),
            ("{{ toTime 0 }}", 0.0, "1970-01-01 00:00:00 +0000 UTC"),
            ("plain text", 0.0, "plain text"),
        ];
        for (src, v, want) in cases {
            assert_eq!(render(src, *v).as_deref(), Ok(*want), "{src}");
        }
    }

    /// Parse errors promtool reports, with our position.
    #[test]
    fn parse_errors_name_the_problem_and_position() {
        let cases: &[(&str, &str)] = &[
            ("{{ $labels.instance ", "1:1: unclosed action"),
            ("{{ foo }}", "1:4: function \"foo\" not defined"),
            ("x\n{{ $foo }}", "2:4: undefined variable \"$foo\""),
            ("{{ end }}", "1:1: unexpected {{end}}"),
            ("{{ if true }}a", "unexpected EOF"),
            ("{{ printf \"abc }}", "unterminated quoted string"),
            ("{{ (printf \"%s\" $value }}", "unclosed left paren"),
            ("{{-$value}}", "illegal number syntax: \"-\""),
            (
                "{{ range $i := .Labels }}{{ end }}{{ $i }}",
                "undefined variable \"$i\"",
            ),
            ("{{ else }}", "unexpected {{else}}"),
            ("{{ break }}", "outside {{range}}"),
            ("{{/* x }}", "unclosed comment"),
        ];
        for (src, want) in cases {
            match Template::parse(src) {
                Ok(_) => panic!("{src} parsed"),
                Err(e) => assert!(e.to_string().contains(want), "{src}: {e}"),
            }
        }
    }

    #[test]
    fn render_errors_become_prometheus_placeholders() {
        let labels = Labels::new();
        let t = Template::parse("{{ humanize \"x\" }}").unwrap_or_else(|e| panic!("{e}"));
        let out = t.render_or_error(&TemplateData::new(&labels, 0.0));
        assert!(out.starts_with("<error expanding template: "), "{out}");
        assert_eq!(
            render("{{ first (query \"up\") }}", 0.0)
                .map_err(|e| e.contains("query is not available")),
            Err(true)
        );
    }

    #[test]
    fn query_functions_use_the_injected_runner() {
        let labels = Labels::new();
        let run = |q: &str| -> Result<Vec<(Labels, f64)>, String> {
            assert_eq!(q, "up");
            Ok(vec![
                ([("instance", "b")].into_iter().collect(), 2.0),
                ([("instance", "a")].into_iter().collect(), 1.0),
            ])
        };
        let mut data = TemplateData::new(&labels, 0.0);
        data.query = Some(&run);
        let t = Template::parse(
            "{{ with query \"up\" }}{{ . | first | value }}{{ end }} {{ range sortByLabel \"instance\" (query \"up\") }}{{ .Labels.instance }}={{ .Value }} {{ end }}{{ (query \"up\" | first).Labels.instance }}",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.render(&data).as_deref(), Ok("2 a=1 b=2 b"));
    }
}
