//! Reading rule files: Prometheus' format exactly (`groups:` of `name`, `interval`, `limit`,
//! `query_offset`, `labels`, `rules:` of `alert|record`, `expr`, `for`, `keep_firing_for`,
//! `labels`, `annotations`), plus Pulsegrid rules in the same groups (`source`, `query`,
//! `reduce`, `condition`, `clear_condition`, `no_data`).
//!
//! As promtool does, YAML is strict (an unknown key is an error), only the first document of a
//! file counts, and scalars read as text (`for: 0`, `labels: {code: 500}`). Every error names the
//! file, the line, and the group and rule it is about; all errors of a file are reported at once.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::check;
use super::duration::parse_duration;
use super::rule::{Condition, NoDataPolicy, QueryKind, Reduce, Rule, RuleGroup, RuleKind};
use super::template::Template;

/// One problem in a rule file, located as precisely as known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    /// The file's path as given.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The group's name, when the error is inside a group.
    pub group: Option<String>,
    /// The rule's 1-based index in its group and its name (alert or record), when about a rule.
    pub rule: Option<(usize, String)>,
    /// What was expected and what was found.
    pub message: String,
}

impl fmt::Display for RuleError {
    /// `FILE:LINE: group "g", rule 2 ("HighLoad"): message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        if let Some(g) = &self.group {
            write!(f, "group {g:?}")?;
            if let Some((i, name)) = &self.rule {
                write!(f, ", rule {i} ({name:?})")?;
            }
            f.write_str(": ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuleError {}

/// A parsed, valid rule file.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleFile {
    /// The path as given.
    pub path: String,
    /// Its groups, in file order.
    pub groups: Vec<RuleGroup>,
    /// Problems that do not make the file invalid (promtool's lint: duplicate rules).
    pub warnings: Vec<RuleError>,
}

impl RuleFile {
    /// How many rules the file holds.
    pub fn rule_count(&self) -> usize {
        self.groups.iter().map(|g| g.rules.len()).sum()
    }

    /// Whether any rule is a Pulsegrid rule (which promtool does not know).
    pub fn uses_pulsegrid_rules(&self) -> bool {
        self.groups
            .iter()
            .flat_map(|g| &g.rules)
            .any(|r| matches!(r.query, QueryKind::Pulsegrid { .. }))
    }
}

/// Reads and parses a rule file.
pub fn read_rule_file(path: &Path) -> Result<RuleFile, Vec<RuleError>> {
    let shown = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => parse_rule_file(&shown, &text),
        Err(e) => Err(vec![RuleError {
            file: shown,
            line: None,
            group: None,
            rule: None,
            message: format!("cannot read the file: {e}"),
        }]),
    }
}

/// Parses rule file text; `path` only names the file in errors.
pub fn parse_rule_file(path: &str, text: &str) -> Result<RuleFile, Vec<RuleError>> {
    let file_err = |line: Option<usize>, message: String| RuleError {
        file: path.to_string(),
        line,
        group: None,
        rule: None,
        message,
    };
    // Only the first document counts, as in promtool.
    let raw: Option<RawFile> = match serde_yaml_ng::Deserializer::from_str(text).next() {
        None => None,
        Some(doc) => match Option::<RawFile>::deserialize(doc) {
            Ok(raw) => raw,
            Err(e) => {
                let line = e.location().map(|l| l.line());
                return Err(vec![file_err(line, yaml_message(&e))]);
            }
        },
    };
    let raw_groups = raw.and_then(|r| r.groups).unwrap_or_default();
    let lines = Locations::scan(text);
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut groups = Vec::new();
    let mut seen = HashSet::new();
    for (gi, rg) in raw_groups.into_iter().enumerate() {
        let gline = lines.group(gi);
        let name = rg.name.clone().unwrap_or_default();
        let mut gerr = |line: Option<usize>, rule: Option<(usize, String)>, message: String| {
            errors.push(RuleError {
                file: path.to_string(),
                line,
                group: (!name.is_empty()).then(|| name.clone()),
                rule,
                message,
            });
        };
        if name.is_empty() {
            gerr(gline, None, "Groupname must not be empty".into());
        } else if !seen.insert(name.clone()) {
            gerr(
                gline,
                None,
                format!("groupname: {name:?} is repeated in the same file"),
            );
        }
        let mut dur = |field: &str, v: &Option<Scalar>| -> Option<i64> {
            let text = v.as_ref()?.0.as_str();
            match parse_duration(text) {
                Ok(ms) => Some(ms),
                Err(e) => {
                    gerr(gline, None, format!("{field}: {e}"));
                    None
                }
            }
        };
        let interval_ms = dur("interval", &rg.interval);
        let query_offset_ms = dur("query_offset", &rg.query_offset);
        let group_labels = scalars(rg.labels.clone());
        for msg in check::label_names(&group_labels) {
            gerr(gline, None, msg);
        }
        let mut rules = Vec::new();
        for (ri, rr) in rg.rules.unwrap_or_default().into_iter().enumerate() {
            let rline = lines.rule(gi, ri).or(gline);
            let rname = rr
                .alert
                .as_ref()
                .or(rr.record.as_ref())
                .map(|s| s.0.clone())
                .unwrap_or_default();
            match convert_rule(rr, &group_labels, rline) {
                Ok(rule) => rules.push(rule),
                Err(msgs) => {
                    for m in msgs {
                        gerr(rline, Some((ri + 1, rname.clone())), m);
                    }
                }
            }
        }
        for i in check::duplicate_rules(&rules) {
            warnings.push(RuleError {
                file: path.to_string(),
                line: rules.get(i).and_then(|r| r.line),
                group: Some(name.clone()),
                rule: Some((i + 1, rules.get(i).map(|r| r.name.clone()).unwrap_or_default())),
                message: "duplicate rule: same name and labels as an earlier rule in the group (promtool lint)".into(),
            });
        }
        groups.push(RuleGroup {
            name,
            interval_ms,
            limit: rg.limit,
            query_offset_ms,
            labels: group_labels,
            rules,
            line: gline,
        });
    }
    if errors.is_empty() {
        Ok(RuleFile {
            path: path.to_string(),
            groups,
            warnings,
        })
    } else {
        Err(errors)
    }
}

/// serde_yaml_ng's message without its trailing location (we print the line ourselves).
fn yaml_message(e: &serde_yaml_ng::Error) -> String {
    let msg = e.to_string();
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

fn scalars(map: Option<BTreeMap<String, Scalar>>) -> BTreeMap<String, String> {
    map.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect()
}

/// Turns a raw rule into a [`Rule`], or every reason it is invalid.
fn convert_rule(
    rr: RawRule,
    group_labels: &BTreeMap<String, String>,
    line: Option<usize>,
) -> Result<Rule, Vec<String>> {
    let mut errs = check::rule_structure(&rr);
    let text = |v: &Option<Scalar>| v.as_ref().map(|s| s.0.clone()).unwrap_or_default();
    let dur = |field: &str, v: &Option<Scalar>, errs: &mut Vec<String>| -> i64 {
        match v.as_ref().map(|s| parse_duration(&s.0)) {
            None => 0,
            Some(Ok(ms)) => ms,
            Some(Err(e)) => {
                errs.push(format!("{field}: {e}"));
                0
            }
        }
    };
    let for_ms = dur("for", &rr.r#for, &mut errs);
    let keep_firing_for_ms = dur("keep_firing_for", &rr.keep_firing_for, &mut errs);
    let no_data = match &rr.no_data {
        None => NoDataPolicy::Ok,
        Some(s) => NoDataPolicy::parse(&s.0).unwrap_or_else(|| {
            errs.push(format!(
                "no_data: expected ok, nodata, alerting or keep_last, found {:?}",
                s.0
            ));
            NoDataPolicy::Ok
        }),
    };
    let cond = |field: &str, v: &Option<Scalar>, errs: &mut Vec<String>| -> Option<Condition> {
        let s = v.as_ref()?;
        Condition::parse(&s.0)
            .map_err(|e| errs.push(format!("{field}: {e}")))
            .ok()
    };
    let condition = cond("condition", &rr.condition, &mut errs);
    let clear_condition = cond("clear_condition", &rr.clear_condition, &mut errs);
    let reduce = match &rr.reduce {
        None => Reduce::default(),
        Some(s) => Reduce::parse(&s.0).unwrap_or_else(|e| {
            errs.push(format!("reduce: {e}"));
            Reduce::default()
        }),
    };
    let kind = if rr.alert.is_some() {
        RuleKind::Alerting
    } else {
        RuleKind::Recording
    };
    let name = text(if rr.alert.is_some() {
        &rr.alert
    } else {
        &rr.record
    });
    let mut labels = group_labels.clone();
    labels.extend(scalars(rr.labels.clone()));
    let annotations = scalars(rr.annotations.clone());
    let compile = |what: &str, map: &BTreeMap<String, String>, errs: &mut Vec<String>| {
        let mut out = Vec::new();
        for (k, v) in map {
            match Template::parse(v) {
                Ok(t) => out.push((k.clone(), t)),
                Err(e) => errs.push(format!("{what} {k:?}: template: {e}")),
            }
        }
        out
    };
    let label_templates = compile("label", &labels, &mut errs);
    let annotation_templates = compile("annotation", &annotations, &mut errs);
    if !errs.is_empty() {
        return Err(errs);
    }
    let query = if rr.is_pulsegrid() {
        QueryKind::Pulsegrid {
            query: text(&rr.query),
            reduce,
            condition,
            clear_condition,
        }
    } else {
        QueryKind::PromQl {
            expr: text(&rr.expr),
        }
    };
    Ok(Rule {
        kind,
        name,
        source: rr.source.as_ref().map(|s| s.0.clone()),
        query,
        for_ms,
        keep_firing_for_ms,
        no_data,
        labels,
        annotations,
        label_templates,
        annotation_templates,
        line,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    groups: Option<Vec<RawGroup>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    interval: Option<Scalar>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    query_offset: Option<Scalar>,
    #[serde(default)]
    labels: Option<BTreeMap<String, Scalar>>,
    #[serde(default)]
    rules: Option<Vec<RawRule>>,
}

/// A rule as written, before validation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    #[serde(default)]
    pub(crate) alert: Option<Scalar>,
    #[serde(default)]
    pub(crate) record: Option<Scalar>,
    #[serde(default)]
    pub(crate) expr: Option<Scalar>,
    #[serde(default, rename = "for")]
    pub(crate) r#for: Option<Scalar>,
    #[serde(default)]
    pub(crate) keep_firing_for: Option<Scalar>,
    #[serde(default)]
    pub(crate) labels: Option<BTreeMap<String, Scalar>>,
    #[serde(default)]
    pub(crate) annotations: Option<BTreeMap<String, Scalar>>,
    #[serde(default)]
    pub(crate) source: Option<Scalar>,
    #[serde(default)]
    pub(crate) query: Option<Scalar>,
    #[serde(default)]
    pub(crate) reduce: Option<Scalar>,
    #[serde(default)]
    pub(crate) condition: Option<Scalar>,
    #[serde(default)]
    pub(crate) clear_condition: Option<Scalar>,
    #[serde(default)]
    pub(crate) no_data: Option<Scalar>,
}

impl RawRule {
    /// A rule with any of Pulsegrid's query fields is a Pulsegrid rule.
    pub(crate) fn is_pulsegrid(&self) -> bool {
        self.query.is_some()
            || self.reduce.is_some()
            || self.condition.is_some()
            || self.clear_condition.is_some()
    }
}

/// A YAML scalar read as text, as Go's yaml.v3 reads any scalar into a string field; a sequence
/// or mapping reads as empty text (so `expr: [up]` is "expr must be set", as in promtool).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Scalar(pub(crate) String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar(String::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar(String::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar(String::new()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Lines of groups and rules, found by a scan of block-style YAML (what rule files use). serde
/// gives no positions for values, and a wrong line is worse than none: flow-style sequences
/// simply yield no line.
#[derive(Debug, Default)]
struct Locations {
    /// Per group: its line and its rules' lines.
    groups: Vec<(usize, Vec<usize>)>,
}

impl Locations {
    fn scan(text: &str) -> Self {
        let lines: Vec<&str> = text.lines().collect();
        let mut out = Locations::default();
        for (start, end, line) in items_under(&lines, 0, lines.len(), "groups") {
            let rules = items_under(&lines, start, end, "rules")
                .into_iter()
                .map(|(_, _, l)| l)
                .collect();
            out.groups.push((line, rules));
        }
        out
    }

    fn group(&self, i: usize) -> Option<usize> {
        self.groups.get(i).map(|g| g.0)
    }

    fn rule(&self, g: usize, r: usize) -> Option<usize> {
        self.groups.get(g).and_then(|g| g.1.get(r).copied())
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#') || t == "---"
}

/// The items of the block sequence under the first `key:` in `lines[from..to]`: for each, its
/// line range and its 1-based line.
fn items_under(lines: &[&str], from: usize, to: usize, key: &str) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let Some(k) = (from..to).find(|&i| {
        let t = lines[i].trim_start_matches([' ', '-']).trim_start();
        t.strip_prefix(key).is_some_and(|r| {
            r.trim_start().starts_with(':') && r.trim_start()[1..].trim().is_empty()
        })
    }) else {
        return out;
    };
    let key_indent = indent(lines[k]);
    let Some(first) = (k + 1..to).find(|&i| !is_blank(lines[i])) else {
        return out;
    };
    let dash = indent(lines[first]);
    if !lines[first].trim_start().starts_with('-') || dash < key_indent {
        return out;
    }
    let mut starts = Vec::new();
    let mut end = to;
    for (i, line) in lines.iter().enumerate().take(to).skip(first) {
        if is_blank(line) {
            continue;
        }
        let ind = indent(line);
        let is_item = line.trim_start().starts_with('-');
        if ind < dash || (ind == dash && !is_item) {
            end = i;
            break;
        }
        if ind == dash && is_item {
            starts.push(i);
        }
    }
    for (n, &s) in starts.iter().enumerate() {
        let e = starts.get(n + 1).copied().unwrap_or(end);
        out.push((s, e, s + 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
groups:
  - name: pressure
    interval: 30s
    labels: {team: ops}
    rules:
      # A Prometheus rule, as is.
      - alert: HighLoad
        expr: node_load1 > 4
        for: 5m
        labels:
          severity: page
        annotations:
          summary: '{{ $labels.instance }} load is {{ $value }}'
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: LinePressureHigh
        source: pulsegrid
        query: 'line_pressure{site=\"north\"}'
        reduce: max(1m)
        condition: '> 8'
        clear_condition: '< 7'
        no_data: keep_last
        keep_firing_for: 1m
        labels: {severity: critical, code: 500}
";

    #[test]
    fn reads_prometheus_and_pulsegrid_rules() {
        let f = parse_rule_file("a.yml", FILE).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(f.rule_count(), 3);
        let g = &f.groups[0];
        assert_eq!(
            (g.name.as_str(), g.interval_ms, g.line),
            ("pressure", Some(30_000), Some(2))
        );
        let r = &g.rules[0];
        assert_eq!(
            (r.kind, r.name.as_str(), r.for_ms, r.line),
            (RuleKind::Alerting, "HighLoad", 300_000, Some(7))
        );
        assert_eq!(r.labels.get("team").map(String::as_str), Some("ops"));
        assert_eq!(g.rules[1].kind, RuleKind::Recording);
        let p = &g.rules[2];
        assert_eq!(p.line, Some(16));
        assert_eq!(p.labels.get("code").map(String::as_str), Some("500"));
        assert_eq!(p.no_data, NoDataPolicy::KeepLast);
        assert_eq!(
            p.condition(),
            Some(&Condition::parse("> 8").unwrap_or_else(|e| panic!("{e}")))
        );
        assert!(f.uses_pulsegrid_rules());
    }

    #[test]
    fn errors_name_file_line_group_and_rule() {
        let bad = FILE
            .replace("for: 5m", "for: 5")
            .replace("- record: job:up:sum", "- record: job-up");
        let errs = parse_rule_file("a.yml", &bad).err().unwrap_or_default();
        let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "a.yml:7: group \"pressure\", rule 1 (\"HighLoad\"): for: not a valid duration string: \"5\"",
                "a.yml:14: group \"pressure\", rule 2 (\"job-up\"): invalid recording rule name: job-up",
            ]
        );
    }

    #[test]
    fn unknown_fields_are_errors_with_their_line() {
        let errs = parse_rule_file(
            "b.yml",
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    foo: 1\n",
        )
        .err()
        .unwrap_or_default();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, Some(6));
        assert!(
            errs[0].message.contains("unknown field `foo`"),
            "{}",
            errs[0]
        );
    }

    #[test]
    fn empty_and_multi_document_files() {
        assert_eq!(parse_rule_file("e.yml", "").map(|f| f.rule_count()), Ok(0));
        assert_eq!(
            parse_rule_file("e.yml", "# nothing\n").map(|f| f.rule_count()),
            Ok(0)
        );
        let two = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n---\ngroups: []\n";
        assert_eq!(parse_rule_file("m.yml", two).map(|f| f.rule_count()), Ok(1));
    }
}
