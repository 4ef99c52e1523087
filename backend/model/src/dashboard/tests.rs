//! Unit tests of the dashboard model: one test per validation rule, each checking the exact
//! path and message, plus the accessors.

use serde_json::{Value, json};

use super::*;

/// A minimal valid dashboard with `extra` merged in at the top level.
fn doc(extra: Value) -> Value {
    let mut base = json!({"title": "Plant", "uid": "plant-1"});
    if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    base
}

/// The validation errors of `value`, as "path: message" strings.
fn errors(value: Value) -> Vec<String> {
    match Dashboard::from_value(value, "test.json") {
        Ok(_) => Vec::new(),
        Err(ModelError::Invalid { origin, errors }) => {
            assert_eq!(origin, "test.json");
            errors.iter().map(ToString::to_string).collect()
        }
        Err(other) => panic!("expected Invalid, got {other}"),
    }
}

#[test]
fn minimal_dashboard_is_valid() {
    assert_eq!(errors(doc(json!({}))), Vec::<String>::new());
}

#[test]
fn top_level_must_be_an_object() {
    assert_eq!(errors(json!([1])), ["expected an object, found an array"]);
    let err = Dashboard::from_value(json!("x"), "request body").unwrap_err();
    assert_eq!(
        err.to_string(),
        "request body: expected an object, found a string"
    );
}

#[test]
fn title_is_required_non_empty_string() {
    assert_eq!(errors(json!({})), ["title: is required"]);
    assert_eq!(errors(json!({"title": null})), ["title: is required"]);
    assert_eq!(errors(json!({"title": ""})), ["title: must not be empty"]);
    assert_eq!(
        errors(json!({"title": 3})),
        ["title: expected a string, found an integer"]
    );
}

#[test]
fn uid_must_be_valid_when_present() {
    assert!(errors(doc(json!({"uid": null}))).is_empty());
    assert!(errors(doc(json!({"uid": ""}))).is_empty());
    assert_eq!(
        errors(doc(json!({"uid": "a b"}))),
        [r#"uid: invalid uid "a b": expected 1 to 40 characters of A-Z, a-z, 0-9, '-' and '_'"#]
    );
    assert_eq!(
        errors(doc(json!({"uid": 7}))),
        ["uid: expected a string, found an integer"]
    );
}

#[test]
fn uid_syntax_follows_grafana() {
    assert!(is_valid_uid("rYdddlPWk"));
    assert!(is_valid_uid("k8s_views-global"));
    assert!(is_valid_uid(&"a".repeat(40)));
    assert!(!is_valid_uid(&"a".repeat(41)));
    assert!(!is_valid_uid(""));
    assert!(!is_valid_uid("a/b"));
    assert!(!is_valid_uid("é"));
}

#[test]
fn tags_must_be_strings() {
    assert_eq!(
        errors(doc(json!({"tags": ["ok", 2]}))),
        ["tags[1]: expected a string, found an integer"]
    );
    assert_eq!(
        errors(doc(json!({"tags": "x"}))),
        ["tags: expected an array, found a string"]
    );
}

#[test]
fn version_id_schema_version_are_integers_or_null() {
    assert!(
        errors(doc(
            json!({"version": 3, "id": null, "schemaVersion": 39.0})
        ))
        .is_empty()
    );
    assert_eq!(
        errors(doc(
            json!({"version": "3", "id": 1.5, "schemaVersion": true})
        )),
        [
            "version: expected an integer, found a string",
            "id: expected an integer, found a number",
            "schemaVersion: expected an integer, found a boolean",
        ]
    );
}

#[test]
fn integers_beyond_i64_are_rejected() {
    assert_eq!(
        errors(doc(json!({"version": u64::MAX, "id": 1e300}))),
        [
            "version: expected an integer, found a number",
            "id: expected an integer, found a number",
        ]
    );
}

#[test]
fn time_needs_string_from_and_to() {
    assert!(errors(doc(json!({"time": {"from": "now-6h", "to": "now"}}))).is_empty());
    assert_eq!(
        errors(doc(json!({"time": {"from": 5}}))),
        [
            "time.from: expected a string, found an integer",
            "time.to: is required"
        ]
    );
    assert_eq!(
        errors(doc(json!({"time": []}))),
        ["time: expected an object, found an array"]
    );
}

#[test]
fn refresh_is_a_string_or_a_boolean() {
    assert!(errors(doc(json!({"refresh": false}))).is_empty());
    assert!(errors(doc(json!({"refresh": "5s"}))).is_empty());
    assert_eq!(
        errors(doc(json!({"refresh": 5}))),
        ["refresh: expected a string or a boolean, found an integer"]
    );
}

#[test]
fn template_variables_need_a_name() {
    let value = doc(json!({"templating": {"list": [{"name": "a"}, {"name": 1}, {}, 4]}}));
    assert_eq!(
        errors(value),
        [
            "templating.list[1].name: expected a string, found an integer",
            "templating.list[2].name: is required",
            "templating.list[3]: expected an object, found an integer",
        ]
    );
    assert_eq!(
        errors(doc(json!({"templating": {"list": {}}}))),
        ["templating.list: expected an array, found an object"]
    );
}

#[test]
fn annotations_list_holds_objects() {
    assert_eq!(
        errors(doc(json!({"annotations": {"list": [{"name": "x"}, "y"]}}))),
        ["annotations.list[1]: expected an object, found a string"]
    );
    assert_eq!(
        errors(doc(json!({"annotations": []}))),
        ["annotations: expected an object, found an array"]
    );
}

#[test]
fn legacy_rows_only_need_to_be_an_array() {
    assert!(errors(doc(json!({"rows": [{"panels": "anything"}]}))).is_empty());
    assert_eq!(
        errors(doc(json!({"rows": {}}))),
        ["rows: expected an array, found an object"]
    );
}

#[test]
fn panels_must_be_objects_with_id_and_type() {
    let value = doc(json!({"panels": [
        {"id": 1, "type": "stat"},
        {"type": "stat"},
        {"id": "3"},
        null,
    ]}));
    assert_eq!(
        errors(value),
        [
            "panels[1].id: is required",
            "panels[2].id: expected an integer, found a string",
            "panels[2].type: is required",
            "panels[3]: expected an object, found null",
        ]
    );
}

#[test]
fn library_panel_reference_needs_no_type() {
    let value = doc(json!({"panels": [{"id": 1, "libraryPanel": {"uid": "x", "name": "y"}}]}));
    assert!(errors(value).is_empty());
}

#[test]
fn panel_fields_have_their_types() {
    let value = doc(json!({"panels": [{
        "id": 1, "type": "timeseries", "title": 2,
        "targets": [{"expr": "up"}, "up"],
        "datasource": 5,
        "fieldConfig": [], "options": "x", "transformations": {},
    }]}));
    assert_eq!(
        errors(value),
        [
            "panels[0].title: expected a string, found an integer",
            "panels[0].targets[1]: expected an object, found a string",
            "panels[0].datasource: expected an object or a string, found an integer",
            "panels[0].fieldConfig: expected an object, found an array",
            "panels[0].options: expected an object, found a string",
            "panels[0].transformations: expected an array, found an object",
        ]
    );
}

#[test]
fn panel_datasource_may_be_object_string_or_null() {
    let value = doc(json!({"panels": [
        {"id": 1, "type": "stat", "datasource": {"type": "prometheus", "uid": "p"}},
        {"id": 2, "type": "stat", "datasource": "${DS_PROMETHEUS}"},
        {"id": 3, "type": "stat", "datasource": null},
    ]}));
    assert!(errors(value).is_empty());
}

#[test]
fn grid_pos_coordinates_are_integers_in_range() {
    let value = doc(json!({"panels": [
        {"id": 1, "type": "stat", "gridPos": {"h": 8, "w": "12", "x": 0, "y": 0}},
        {"id": 2, "type": "stat", "gridPos": {"h": 0, "w": 25, "x": 24, "y": -1}},
        {"id": 3, "type": "stat", "gridPos": {"h": 8.0, "w": 12.0, "x": 12.5}},
        {"id": 4, "type": "stat", "gridPos": 3},
    ]}));
    assert_eq!(
        errors(value),
        [
            "panels[0].gridPos.w: expected an integer, found a string",
            "panels[1].gridPos.h: must be at least 1, found 0",
            "panels[1].gridPos.w: must be between 1 and 24, found 25",
            "panels[1].gridPos.x: must be between 0 and 23, found 24",
            "panels[1].gridPos.y: must be at least 0, found -1",
            "panels[2].gridPos.x: expected an integer, found a number",
            "panels[3].gridPos: expected an object, found an integer",
        ]
    );
}

#[test]
fn row_panels_are_validated_with_nested_paths() {
    let value = doc(json!({"panels": [
        {"id": 1, "type": "stat"},
        {"id": 2, "type": "row", "panels": [
            {"id": 3, "type": "stat"},
            {"id": 4, "type": "stat", "gridPos": {"w": "6"}},
        ]},
    ]}));
    assert_eq!(
        errors(value),
        ["panels[1].panels[1].gridPos.w: expected an integer, found a string"]
    );
}

#[test]
fn duplicate_panel_ids_are_an_error() {
    let value = doc(json!({"panels": [
        {"id": 4, "type": "stat"},
        {"id": 4, "type": "gauge"},
    ]}));
    assert_eq!(
        errors(value),
        ["panels[1].id: duplicate panel id 4 (also at panels[0])"]
    );
}

#[test]
fn duplicate_panel_ids_inside_a_row_are_an_error() {
    let value = doc(json!({"panels": [
        {"id": 1, "type": "stat"},
        {"id": 4, "type": "row", "panels": [
            {"id": 2, "type": "stat"},
            {"id": 4, "type": "stat"},
            {"id": 2, "type": "stat"},
        ]},
    ]}));
    assert_eq!(
        errors(value),
        [
            "panels[1].panels[1].id: duplicate panel id 4 (also at panels[1])",
            "panels[1].panels[2].id: duplicate panel id 2 (also at panels[1].panels[0])",
        ]
    );
}

#[test]
fn nested_panels_of_non_rows_are_not_validated() {
    let value = doc(json!({"panels": [{"id": 1, "type": "stat", "panels": [{"bad": true}]}]}));
    assert!(errors(value).is_empty());
}

#[test]
fn all_errors_are_collected() {
    let value = json!({"uid": "x y", "tags": [1], "panels": [{"id": 1}]});
    assert_eq!(errors(value).len(), 4);
}

#[test]
fn invalid_error_display_joins_problems() {
    let err = Dashboard::from_value(json!({"tags": [1]}), "dash.json").unwrap_err();
    assert_eq!(
        err.to_string(),
        "dash.json: title: is required; tags[0]: expected a string, found an integer"
    );
}

#[test]
fn syntax_error_reports_line_and_column() {
    let text = "{\n  \"title\": \"x\",\n  \"panels\": [,]\n}";
    let err = Dashboard::from_json_str(text, "dashboards/plant.json").unwrap_err();
    match &err {
        ModelError::Syntax {
            origin,
            line,
            column,
            message,
        } => {
            assert_eq!(origin, "dashboards/plant.json");
            assert_eq!((*line, *column), (3, 14));
            assert_eq!(message, "expected value");
        }
        other => panic!("expected Syntax, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "dashboards/plant.json:3:14: expected value"
    );
}

#[test]
fn syntax_error_at_end_of_input() {
    let err = Dashboard::from_json_str("{\"title\": \"x\"", "request body").unwrap_err();
    assert_eq!(
        err.to_string(),
        "request body:1:13: EOF while parsing an object"
    );
}

#[test]
fn byte_order_mark_is_ignored() {
    let dash = Dashboard::from_json_str("\u{feff}{\"title\": \"x\"}", "bom.json");
    assert_eq!(
        dash.map(|d| d.title().to_owned()).ok().as_deref(),
        Some("x")
    );
}

#[test]
fn unknown_fields_round_trip() {
    let value = doc(json!({"x-custom": {"deep": [1, 2.5, null]}, "panels": [
        {"id": 1, "type": "stat", "pluginVersion": "10.0", "gridPos": {"h": 8.0, "w": 12, "x": 0, "y": 0}},
    ]}));
    let dash = Dashboard::from_value(value.clone(), "t").unwrap();
    assert_eq!(dash.into_json(), value);
}

#[test]
fn accessors_read_the_document() {
    let value = doc(json!({"tags": ["a", "b"], "version": 7.0}));
    let dash = Dashboard::from_value(value, "t").unwrap();
    assert_eq!(dash.uid(), Some("plant-1"));
    assert_eq!(dash.title(), "Plant");
    assert_eq!(dash.tags(), ["a", "b"]);
    assert_eq!(dash.version(), Some(7));
}

#[test]
fn missing_or_empty_uid_is_none() {
    let none = Dashboard::from_value(json!({"title": "t"}), "t").unwrap();
    assert_eq!(none.uid(), None);
    assert_eq!(none.version(), None);
    assert!(none.tags().is_empty());
    let empty = Dashboard::from_value(json!({"title": "t", "uid": ""}), "t").unwrap();
    assert_eq!(empty.uid(), None);
}

#[test]
fn setters_write_the_document() {
    let mut dash = Dashboard::from_value(json!({"title": "t", "id": 3}), "t").unwrap();
    dash.set_uid("new-uid");
    dash.set_version(4);
    dash.set_id(None);
    assert_eq!(dash.uid(), Some("new-uid"));
    assert_eq!(dash.version(), Some(4));
    assert_eq!(
        dash.json(),
        &json!({"title": "t", "id": null, "uid": "new-uid", "version": 4})
    );
    dash.set_id(Some(9));
    assert_eq!(dash.json()["id"], json!(9));
}

#[test]
fn serializes_as_the_document() {
    let value = doc(json!({"panels": []}));
    let dash = Dashboard::from_value(value.clone(), "t").unwrap();
    assert_eq!(serde_json::to_value(&dash).unwrap(), value);
}

#[test]
fn panels_flatten_rows_in_document_order() {
    let value = doc(json!({"panels": [
        {"id": 1, "type": "stat", "title": "A"},
        {"id": 2, "type": "row", "title": "R", "collapsed": true, "panels": [
            {"id": 3, "type": "timeseries", "title": "B", "targets": [{"expr": "up"}, {"expr": "x"}]},
        ]},
        {"id": 4, "type": "gauge", "datasource": {"uid": "p"}},
    ]}));
    let dash = Dashboard::from_value(value, "t").unwrap();
    let panels = dash.panels();
    let summary: Vec<_> = panels.iter().map(|p| (p.id, p.kind, p.title)).collect();
    assert_eq!(
        summary,
        [
            (1, "stat", "A"),
            (2, "row", "R"),
            (3, "timeseries", "B"),
            (4, "gauge", "")
        ]
    );
    assert!(panels[1].is_row());

    let nested = dash.panel(3).unwrap();
    assert_eq!(
        nested.targets(),
        [&json!({"expr": "up"}), &json!({"expr": "x"})]
    );
    assert_eq!(nested.datasource(), None);
    assert!(dash.panel(1).unwrap().targets().is_empty());
    assert_eq!(
        dash.panel(4).unwrap().datasource(),
        Some(&json!({"uid": "p"}))
    );
    assert!(dash.panel(5).is_none());
}

#[test]
fn null_datasource_means_dashboard_default() {
    let value = doc(json!({"panels": [{"id": 1, "type": "stat", "datasource": null}]}));
    let dash = Dashboard::from_value(value, "t").unwrap();
    assert_eq!(dash.panel(1).unwrap().datasource(), None);
}
