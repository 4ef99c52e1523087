//! Unit tests of datasource provisioning: Grafana's own example files, env expansion,
//! field checks with exact paths, merging, and secret-free `Debug`.

use super::*;

/// A Grafana provisioning file as users have them: Prometheus with jsonData and
/// secureJsonData, InfluxDB, PostgreSQL under its plugin id, TestData under its old name.
const GRAFANA_EXAMPLE: &str = r#"
apiVersion: 1

deleteDatasources:
  - name: Graphite
    orgId: 1

datasources:
  - name: Prometheus
    type: prometheus
    uid: prom-main
    access: proxy
    orgId: 1
    url: http://prometheus:9090
    isDefault: true
    basicAuth: true
    basicAuthUser: admin
    withCredentials: false
    jsonData:
      httpMethod: POST
      timeInterval: 15s
      tlsSkipVerify: true
      httpHeaderName1: 'X-Scope-OrgID'
      exemplarTraceIdDestinations:
        - name: traceID
          datasourceUid: tempo
    secureJsonData:
      basicAuthPassword: s3cret-prom
      httpHeaderValue1: tenant-a
    version: 1
    editable: false
  - name: InfluxDB
    type: influxdb
    access: proxy
    url: http://influxdb:8086
    user: telegraf
    database: telegraf
    jsonData:
      httpMode: GET
    secureJsonData:
      password: ${INFLUX_PASSWORD}
  - name: Postgres
    type: grafana-postgresql-datasource
    url: $PG_HOST:5432
    user: grafana
    jsonData:
      database: grafana
      sslmode: disable
      postgresVersion: 1500
      timescaledb: true
    secureJsonData:
      password: "Pa$$word"
  - name: TestData
    type: TestData
"#;

/// The environment the tests see.
fn env(name: &str) -> Option<String> {
    match name {
        "INFLUX_PASSWORD" => Some("influx-secret".to_owned()),
        "PG_HOST" => Some("db.local".to_owned()),
        "DEFAULT" => Some("true".to_owned()),
        "ORG" => Some("2".to_owned()),
        _ => None,
    }
}

fn parse(text: &str) -> Result<DatasourceProvisioning> {
    DatasourceProvisioning::from_yaml_str(text, "provisioning/datasources/ds.yaml", &env)
}

/// The validation errors of parsing `text`, as "path: message" strings.
fn parse_errors(text: &str) -> Vec<String> {
    match parse(text) {
        Err(ModelError::Invalid { errors, .. }) => errors.iter().map(ToString::to_string).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// The validation errors of merging `files`, with the origin they are reported against.
fn merge_errors(files: Vec<(&str, &str)>) -> (String, Vec<String>) {
    let files = files
        .into_iter()
        .map(|(origin, text)| (origin.to_owned(), parse(text).unwrap()))
        .collect();
    match DatasourceProvisioning::merge(files) {
        Err(ModelError::Invalid { origin, errors }) => {
            (origin, errors.iter().map(ToString::to_string).collect())
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn grafana_example_parses() {
    let file = parse(GRAFANA_EXAMPLE).unwrap();
    assert_eq!(file.delete_datasources, [("Graphite".to_owned(), Some(1))]);
    let [prom, influx, pg, test] = &file.datasources[..] else {
        panic!("expected 4 datasources, got {:?}", file.datasources)
    };

    assert_eq!(prom.name, "Prometheus");
    assert_eq!(prom.kind(), Some(DatasourceKind::Prometheus));
    assert_eq!(prom.uid.as_deref(), Some("prom-main"));
    assert_eq!(prom.uid_or_name(), "prom-main");
    assert_eq!(prom.url.as_deref(), Some("http://prometheus:9090"));
    assert_eq!(prom.access.as_deref(), Some("proxy"));
    assert_eq!(prom.org_id, Some(1));
    assert!(prom.is_default && prom.basic_auth && !prom.with_credentials && !prom.editable);
    assert_eq!(prom.basic_auth_user.as_deref(), Some("admin"));
    assert_eq!(prom.version, Some(1));
    assert_eq!(prom.json_data["httpMethod"], "POST");
    assert_eq!(prom.json_data["tlsSkipVerify"], true);
    assert_eq!(
        prom.json_data["exemplarTraceIdDestinations"][0]["datasourceUid"],
        "tempo"
    );
    assert_eq!(prom.secure_json_data["basicAuthPassword"], "s3cret-prom");
    assert_eq!(prom.secure_json_data["httpHeaderValue1"], "tenant-a");

    assert_eq!(influx.kind(), Some(DatasourceKind::Influxdb));
    assert_eq!(influx.uid_or_name(), "InfluxDB");
    assert_eq!(influx.user.as_deref(), Some("telegraf"));
    assert_eq!(influx.database.as_deref(), Some("telegraf"));
    assert!(!influx.is_default);
    assert_eq!(influx.org_id, None);

    assert_eq!(pg.kind(), Some(DatasourceKind::Postgres));
    assert_eq!(pg.json_data["postgresVersion"], 1500);

    assert_eq!(test.kind(), Some(DatasourceKind::Testdata));
    assert!(test.json_data.is_empty() && test.secure_json_data.is_empty());

    let merged = DatasourceProvisioning::merge(vec![("ds.yaml".to_owned(), file)]).unwrap();
    assert_eq!(merged.datasources.len(), 4);
}

#[test]
fn env_variables_expand_in_string_values() {
    let file = parse(GRAFANA_EXAMPLE).unwrap();
    assert_eq!(
        file.datasources[1].secure_json_data["password"],
        "influx-secret"
    );
    assert_eq!(file.datasources[2].url.as_deref(), Some("db.local:5432"));
    assert_eq!(file.datasources[2].secure_json_data["password"], "Pa$word");
}

#[test]
fn env_variables_expand_in_json_data_and_typed_fields() {
    let text = "datasources:\n  - name: A\n    type: mqtt\n    url: ${MISSING}\n    isDefault: $DEFAULT\n    orgId: ${ORG}\n    jsonData:\n      topics: [\"plant/${PG_HOST}\"]\n";
    let ds = &parse(text).unwrap().datasources[0];
    assert_eq!(ds.url.as_deref(), Some(""));
    assert!(ds.is_default);
    assert_eq!(ds.org_id, Some(2));
    assert_eq!(ds.json_data["topics"][0], "plant/db.local");
}

#[test]
fn debug_hides_secrets() {
    let file = parse(GRAFANA_EXAMPLE).unwrap();
    let debug = format!("{file:?}");
    for secret in ["s3cret-prom", "tenant-a", "influx-secret", "Pa$word"] {
        assert!(!debug.contains(secret), "{secret} leaked in {debug}");
    }
    assert!(
        debug.contains("basicAuthPassword"),
        "keys are shown: {debug}"
    );
    assert!(debug.contains("http://prometheus:9090"));
}

#[test]
fn legacy_password_fields_move_to_secure_json_data() {
    let text = "datasources:\n  - name: A\n    type: influxdb\n    password: old\n    basicAuthPassword: 1234\n  - name: B\n    type: influxdb\n    password: old\n    secureJsonData:\n      password: new\n";
    let file = parse(text).unwrap();
    assert_eq!(file.datasources[0].secure_json_data["password"], "old");
    assert_eq!(
        file.datasources[0].secure_json_data["basicAuthPassword"],
        "1234"
    );
    assert_eq!(file.datasources[1].secure_json_data["password"], "new");
    assert!(!format!("{:?}", file.datasources[0]).contains("old"));
}

#[test]
fn unknown_keys_are_ignored() {
    let text = "apiVersion: 1\nprune: true\ndatasources:\n  - name: A\n    type: prometheus\n    readOnly: true\n    secureJsonFields: {}\n";
    assert_eq!(parse(text).unwrap().datasources[0].name, "A");
}

#[test]
fn empty_file_provisions_nothing() {
    let file = parse("").unwrap();
    assert!(file.datasources.is_empty() && file.delete_datasources.is_empty());
    assert!(parse("# only a comment\n").unwrap().datasources.is_empty());
    assert!(
        parse("apiVersion: 1\ndatasources:\n")
            .unwrap()
            .datasources
            .is_empty()
    );
}

#[test]
fn yaml_syntax_error_reports_line_and_column() {
    let text = "apiVersion: 1\ndatasources:\n  - name: A\n    type: [prometheus\n";
    match parse(text) {
        Err(err @ ModelError::Syntax { .. }) => {
            let ModelError::Syntax {
                origin,
                line,
                column,
                ..
            } = &err
            else {
                unreachable!()
            };
            assert_eq!(origin, "provisioning/datasources/ds.yaml");
            assert_eq!(*line, 5);
            assert_eq!(*column, 1);
            let shown = err.to_string();
            assert!(
                shown.starts_with("provisioning/datasources/ds.yaml:5:1: "),
                "{shown}"
            );
        }
        other => panic!("expected Syntax, got {other:?}"),
    }
}

#[test]
fn yaml_syntax_error_bad_indentation() {
    let text = "datasources:\n  - name: A\n   type: prometheus\n";
    let Err(ModelError::Syntax {
        line,
        column,
        message,
        ..
    }) = parse(text)
    else {
        panic!("expected a syntax error")
    };
    assert_eq!((line, column), (3, 4));
    assert_eq!(
        message,
        "did not find expected '-' indicator, while parsing a block collection at line 2 column 3"
    );
}

#[test]
fn api_version_must_be_1() {
    assert!(parse("apiVersion: 1\n").is_ok());
    assert!(parse("apiVersion: '1'\n").is_ok());
    assert_eq!(
        parse_errors("apiVersion: 2\n"),
        ["apiVersion: expected 1, found 2"]
    );
    assert_eq!(
        parse_errors("apiVersion: [1]\n"),
        ["apiVersion: expected an integer, found a list"]
    );
}

#[test]
fn top_level_must_be_a_mapping() {
    assert_eq!(parse_errors("- a\n"), ["expected a mapping, found a list"]);
    assert_eq!(
        parse_errors("datasources: {name: A}\n"),
        ["datasources: expected a list, found a mapping"]
    );
}

#[test]
fn name_and_type_are_required() {
    let text = "datasources:\n  - type: prometheus\n  - name: B\n  - name: ''\n    type: influxdb\n  - 3\n";
    assert_eq!(
        parse_errors(text),
        [
            "datasources[0].name: is required",
            "datasources[1].type: is required",
            "datasources[2].name: is required",
            "datasources[3]: expected a mapping, found an integer",
        ]
    );
}

#[test]
fn field_types_are_checked_with_paths() {
    let text = "datasources:\n  - name: A\n    type: prometheus\n    uid: 42\n    isDefault: maybe\n    orgId: one\n    version: 1.5\n    url: [x]\n    jsonData: 3\n    secureJsonData:\n      token: {a: b}\n";
    assert_eq!(
        parse_errors(text),
        [
            r#"datasources[0].isDefault: expected a boolean, found "maybe""#,
            r#"datasources[0].orgId: expected an integer, found "one""#,
            "datasources[0].version: expected an integer, found a number",
            "datasources[0].url: expected a string, found a list",
            "datasources[0].jsonData: expected a mapping, found an integer",
            "datasources[0].secureJsonData.token: expected a string, found a mapping",
        ]
    );
}

#[test]
fn a_wrong_name_is_reported_once() {
    assert_eq!(
        parse_errors("datasources:\n  - name: [a]\n    type: prometheus\n"),
        ["datasources[0].name: expected a string, found a list"]
    );
}

#[test]
fn numbers_are_taken_as_text_in_string_fields() {
    let text = "datasources:\n  - name: A\n    type: prometheus\n    uid: 42\n";
    assert_eq!(
        parse(text).unwrap().datasources[0].uid.as_deref(),
        Some("42")
    );
}

#[test]
fn delete_datasources_need_a_name() {
    let text = "deleteDatasources:\n  - orgId: 1\n  - name: B\n    orgId: x\n";
    assert_eq!(
        parse_errors(text),
        [
            "deleteDatasources[0].name: is required",
            r#"deleteDatasources[1].orgId: expected an integer, found "x""#,
        ]
    );
}

#[test]
fn yaml_merge_keys_apply() {
    let text = "common: &common\n  type: prometheus\n  access: proxy\ndatasources:\n  - <<: *common\n    name: A\n";
    let ds = &parse(text).unwrap().datasources[0];
    assert_eq!(ds.kind(), Some(DatasourceKind::Prometheus));
    assert_eq!(ds.access.as_deref(), Some("proxy"));
}

#[test]
fn kind_accepts_ids_and_grafana_plugin_aliases() {
    let cases = [
        ("prometheus", DatasourceKind::Prometheus),
        ("InfluxDB", DatasourceKind::Influxdb),
        ("postgres", DatasourceKind::Postgres),
        ("grafana-postgresql-datasource", DatasourceKind::Postgres),
        ("testdata", DatasourceKind::Testdata),
        ("grafana-testdata-datasource", DatasourceKind::Testdata),
        ("TestData", DatasourceKind::Testdata),
        ("mqtt", DatasourceKind::Mqtt),
        ("grafana-mqtt-datasource", DatasourceKind::Mqtt),
        ("nats", DatasourceKind::Nats),
        ("kafka", DatasourceKind::Kafka),
        ("hamedkarbasi93-kafka-datasource", DatasourceKind::Kafka),
        ("redis", DatasourceKind::Redis),
        ("redis-datasource", DatasourceKind::Redis),
        ("amqp", DatasourceKind::Amqp),
        ("rabbitmq", DatasourceKind::Amqp),
        ("kinesis", DatasourceKind::Kinesis),
        ("websocket", DatasourceKind::Websocket),
        ("golioth-websocket-datasource", DatasourceKind::Websocket),
        ("Pulsegrid", DatasourceKind::Pulsegrid),
    ];
    for (name, kind) in cases {
        assert_eq!(DatasourceKind::parse(name), Some(kind), "{name}");
    }
    assert_eq!(DatasourceKind::parse("graphite"), None);
    for kind in DatasourceKind::ALL {
        assert_eq!(DatasourceKind::parse(kind.as_str()), Some(kind));
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        assert_eq!(kind.to_string(), kind.as_str());
    }
}

#[test]
fn unknown_type_is_reported_with_known_types() {
    let (origin, errors) = merge_errors(vec![(
        "ds.yaml",
        "datasources:\n  - name: A\n    type: prometheus\n  - name: G\n    type: graphite\n",
    )]);
    assert_eq!(origin, "ds.yaml");
    assert_eq!(
        errors,
        [
            r#"datasources[1].type: unknown datasource type "graphite"; known types: prometheus, influxdb, postgres, testdata, pulsegrid, mqtt, nats, kafka, redis, amqp, kinesis, websocket"#
        ]
    );
}

#[test]
fn duplicate_name_in_one_file_is_an_error() {
    let (_, errors) = merge_errors(vec![(
        "ds.yaml",
        "datasources:\n  - {name: A, type: prometheus}\n  - {name: B, type: influxdb}\n  - {name: A, type: influxdb}\n",
    )]);
    assert_eq!(
        errors,
        [r#"datasources[2].name: duplicate datasource name "A" (also at datasources[0])"#]
    );
}

#[test]
fn later_file_wins_by_name() {
    let files = vec![
        ("a.yaml".to_owned(), parse("datasources:\n  - {name: A, type: prometheus, url: 'http://old'}\n  - {name: B, type: testdata}\ndeleteDatasources:\n  - name: X\n").unwrap()),
        ("b.yaml".to_owned(), parse("datasources:\n  - {name: C, type: nats}\n  - {name: A, type: prometheus, url: 'http://new'}\n").unwrap()),
    ];
    let merged = DatasourceProvisioning::merge(files).unwrap();
    let names: Vec<_> = merged.datasources.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["A", "B", "C"]);
    assert_eq!(merged.datasources[0].url.as_deref(), Some("http://new"));
    assert_eq!(merged.delete_datasources, [("X".to_owned(), None)]);
}

#[test]
fn duplicate_uid_across_files_is_an_error() {
    let (origin, errors) = merge_errors(vec![
        (
            "a.yaml",
            "datasources:\n  - {name: A, type: prometheus, uid: main}\n",
        ),
        (
            "b.yaml",
            "datasources:\n  - {name: C, type: nats}\n  - {name: B, type: influxdb, uid: main}\n",
        ),
    ]);
    assert_eq!(origin, "b.yaml");
    assert_eq!(
        errors,
        [r#"datasources[1].uid: duplicate datasource uid "main" (also used by "A" in a.yaml)"#]
    );
}

#[test]
fn only_one_default_per_organisation() {
    let (origin, errors) = merge_errors(vec![(
        "ds.yaml",
        "datasources:\n  - {name: A, type: prometheus, isDefault: true}\n  - {name: B, type: influxdb, isDefault: true, orgId: 2}\n  - {name: C, type: influxdb, isDefault: true, orgId: 1}\n",
    )]);
    assert_eq!(origin, "ds.yaml");
    assert_eq!(
        errors,
        [
            r#"datasources[2].isDefault: only one datasource per organisation may be the default ("A" in ds.yaml is too)"#
        ]
    );
}

#[test]
fn hand_built_configs_are_checked_by_merge() {
    let file = DatasourceProvisioning {
        datasources: vec![DatasourceConfig {
            type_name: "prometheus".to_owned(),
            ..DatasourceConfig::default()
        }],
        delete_datasources: vec![(String::new(), None)],
    };
    let err = DatasourceProvisioning::merge(vec![("built-in".to_owned(), file)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "built-in: datasources[0].name: is required; deleteDatasources[0].name: is required"
    );
}

#[test]
fn uid_or_name_falls_back_to_name() {
    let mut ds = DatasourceConfig {
        name: "Prom".to_owned(),
        ..DatasourceConfig::default()
    };
    assert_eq!(ds.uid_or_name(), "Prom");
    ds.uid = Some(String::new());
    assert_eq!(ds.uid_or_name(), "Prom");
    ds.uid = Some("p1".to_owned());
    assert_eq!(ds.uid_or_name(), "p1");
}
