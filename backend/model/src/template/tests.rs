//! Formats, defaults per datasource, "All", overrides and placeholder syntax.

use serde_json::json;

use super::*;

fn vars(list: &[(&str, Variable)]) -> TemplateVars {
    let mut vars = TemplateVars::new();
    for (name, var) in list {
        vars.insert(*name, var.clone());
    }
    vars
}

/// Every named format on two values, as Grafana writes them.
#[test]
fn formats_of_several_values() {
    let v = vars(&[("host", Variable::multi(["a.1", "b'2"]))]);
    let f = |text: &str| v.interpolate(text, TemplateFormat::Glob);
    assert_eq!(f("${host:csv}"), "a.1,b'2");
    assert_eq!(f("${host:pipe}"), "a.1|b'2");
    assert_eq!(f("${host:regex}"), r"(a\.1|b'2)");
    assert_eq!(f("${host:glob}"), "{a.1,b'2}");
    assert_eq!(f("${host:json}"), r#"["a.1","b'2"]"#);
    assert_eq!(f("${host:singlequote}"), r"'a.1','b\'2'");
    assert_eq!(f("${host:doublequote}"), r#""a.1","b'2""#);
    assert_eq!(f("${host:sqlstring}"), "'a.1','b''2'");
    assert_eq!(f("${host:raw}"), "a.1,b'2");
    assert_eq!(f("${host:text}"), "a.1 + b'2");
    assert_eq!(f("${host:queryparam}"), "var-host=a.1&var-host=b%272");
    assert_eq!(f("${host:lucene}"), r#"("a.1" OR "b'2")"#);
    assert_eq!(f("${host:percentencode}"), "%7Ba.1%2Cb%272%7D");
    assert_eq!(
        f("${host:nonsense}"),
        "{a.1,b'2}",
        "unknown formats are globs"
    );
    assert_eq!(f("[[host:pipe]]"), "a.1|b'2");
}

/// One value of a single-value variable: most formats write it as is.
#[test]
fn formats_of_one_value() {
    let v = vars(&[("site", Variable::single("no(rth)"))]);
    let f = |text: &str| v.interpolate(text, TemplateFormat::Glob);
    assert_eq!(f("$site ${site} [[site]]"), "no(rth) no(rth) no(rth)");
    assert_eq!(f("${site:regex}"), r"no\(rth\)");
    assert_eq!(f("${site:json}"), r#""no(rth)""#);
    assert_eq!(f("${site:lucene}"), r"no\(rth\)");
    assert_eq!(f("${site:queryparam}"), "var-site=no%28rth%29");
}

/// Without a format: Prometheus (and the PromQL-speaking `pulsegrid` source) gets an escaped
/// regex alternation, other sources a glob.
#[test]
fn default_format_per_datasource() {
    let v = vars(&[
        ("host", Variable::multi(["web.1", "web-2"])),
        ("one", Variable::multi(["a+b"])),
        ("plain", Variable::single(r"it's\here")),
    ]);
    let prom = TemplateFormat::default_for(Some(DatasourceKind::Prometheus));
    assert_eq!(prom, TemplateFormat::Prometheus);
    assert_eq!(
        TemplateFormat::default_for(Some(DatasourceKind::Pulsegrid)),
        prom
    );
    assert_eq!(
        v.interpolate(r#"up{host=~"$host"}"#, prom),
        r#"up{host=~"(web\\.1|web-2)"}"#
    );
    assert_eq!(v.interpolate("$one", prom), r"a\\+b");
    assert_eq!(v.interpolate("$plain", prom), r"it\\'s\\here");
    let other = TemplateFormat::default_for(Some(DatasourceKind::Influxdb));
    assert_eq!(other, TemplateFormat::Glob);
    assert_eq!(v.interpolate("$host", other), "{web.1,web-2}");
    assert_eq!(TemplateFormat::default_for(None), TemplateFormat::Glob);
}

/// Unknown variables, macros and stray characters stay as written.
#[test]
fn unknown_placeholders_are_left() {
    let v = vars(&[("a", Variable::single("1"))]);
    let f = |text: &str| v.interpolate(text, TemplateFormat::Prometheus);
    assert_eq!(
        f("$a ${a} $b ${b:csv} $__interval [[c]] [x] $ ${ ${a"),
        "1 1 $b ${b:csv} $__interval [[c]] [x] $ ${ ${a"
    );
    assert_eq!(f("$a_b $a-b"), "$a_b 1-b", "names take word characters");
    assert_eq!(f("wärme_$a"), "wärme_1");
}

fn dashboard() -> Value {
    json!({"templating": {"list": [
        {"name": "ds", "type": "datasource", "query": "prometheus", "current": {}},
        {"name": "env", "type": "constant", "query": "prod"},
        {"name": "site", "type": "custom", "query": "north,south , east", "multi": true,
         "includeAll": true, "current": {"value": ["north"]}},
        {"name": "job", "type": "query", "includeAll": true, "allValue": ".*",
         "current": {"value": "$__all"},
         "options": [{"text": "All", "value": "$__all"}, {"text": "api", "value": "api"}]},
        {"name": "pick", "type": "custom", "query": "Low : 1,High : 9"}
    ]}})
}

/// Saved values, defaults, "All" with and without a custom value.
#[test]
fn dashboard_variables() {
    let v = TemplateVars::from_dashboard(&dashboard());
    assert!(v.get("ds").is_none(), "datasource without a value");
    assert_eq!(v.interpolate("$env", TemplateFormat::Glob), "prod");
    assert_eq!(v.interpolate("$site", TemplateFormat::Prometheus), "north");
    assert_eq!(
        v.interpolate("${site:json}", TemplateFormat::Glob),
        r#"["north"]"#
    );
    assert_eq!(
        v.interpolate("$job ${job:text}", TemplateFormat::Prometheus),
        ".* All"
    );
    assert_eq!(v.first_value("job"), Some(".*"));
    assert_eq!(v.interpolate("$pick", TemplateFormat::Glob), "1");
}

/// The client's picks override saved values; `$__all` means every option.
#[test]
fn overrides() {
    let mut v = TemplateVars::from_dashboard(&dashboard());
    let picks = json!({"site": "$__all", "env": "dev", "job": ["api", "db"], "new": ["x", "y"],
                       "n": 3});
    v.apply_overrides(picks.as_object().unwrap()).unwrap();
    assert_eq!(
        v.interpolate("$site", TemplateFormat::Prometheus),
        "(north|south|east)"
    );
    assert_eq!(
        v.interpolate("$site", TemplateFormat::Glob),
        "{north,south,east}"
    );
    assert_eq!(v.interpolate("$env", TemplateFormat::Glob), "dev");
    assert_eq!(
        v.interpolate("$job", TemplateFormat::Prometheus),
        "(api|db)"
    );
    assert_eq!(v.interpolate("${new:csv}", TemplateFormat::Glob), "x,y");
    assert_eq!(v.interpolate("$n", TemplateFormat::Glob), "3");
    let bad = json!({"site": {"value": 1}});
    let err = v.apply_overrides(bad.as_object().unwrap()).unwrap_err();
    assert!(
        err.contains("vars.site") && err.contains("expected a string"),
        "{err}"
    );
    let bad = json!({"site": [null]});
    assert!(
        v.apply_overrides(bad.as_object().unwrap())
            .unwrap_err()
            .contains("vars.site")
    );
}

/// Interpolation reaches every string of a target.
#[test]
fn json_targets() {
    let v = vars(&[("m", Variable::single("cpu"))]);
    let target = json!({"refId": "A", "expr": "$m", "nested": ["[[m]]", 1, {"x": "${m}"}]});
    assert_eq!(
        v.interpolate_json(&target, TemplateFormat::Glob),
        json!({"refId": "A", "expr": "cpu", "nested": ["cpu", 1, {"x": "cpu"}]})
    );
}
