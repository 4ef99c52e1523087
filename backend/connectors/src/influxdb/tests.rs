//! The InfluxDB source against a real InfluxDB 1.x: raw InfluxQL with macros, GROUP BY tags
//! as labels, nulls, several statements, aliases, errors and a server that is down.

use serde_json::json;

use super::InfluxDbSource;
use crate::error::SourceError;
use crate::source::Source;
use crate::testing::{datasource, influxdb, now_aligned, request, unique};

const STEP: i64 = 10_000;

fn source(url: &str, db: &str, http_mode: &str) -> InfluxDbSource {
    let ds = datasource(json!({
        "name": "influx", "type": "influxdb", "url": url, "user": "reader",
        "jsonData": {"dbName": db, "httpMode": http_mode},
        "secureJsonData": {"password": "pw"}
    }));
    InfluxDbSource::new(&ds, reqwest::Client::new()).expect("a valid datasource")
}

/// A database of `pressure,site=north|south value=...` every 10s for 6 points.
fn seed() -> (String, i64) {
    let server = influxdb();
    let db = unique("pulsegrid");
    server.create_database(&db).expect("create database");
    let t0 = now_aligned(60_000) - 30 * 60_000;
    let mut lines = String::new();
    for i in 0..6 {
        let t = t0 + i * STEP;
        lines.push_str(&format!(
            "pressure,site=north value={} {t}\n",
            i as f64 * 0.5
        ));
        lines.push_str(&format!(
            "pressure,site=south value={},ok=true {t}\n",
            10 + i
        ));
    }
    server.write(&db, &lines).expect("write");
    (db, t0)
}

/// Raw points: `measurement.field` names, tags as labels, exact times and values; GET and
/// POST alike.
#[tokio::test]
async fn queries_raw_points_by_tag() {
    let (db, t0) = seed();
    for mode in ["GET", "POST"] {
        let source = source(&influxdb().url(), &db, mode);
        let target = json!({"rawQuery": true, "refId": "A",
            "query": "SELECT \"value\" FROM \"pressure\" WHERE $timeFilter GROUP BY \"site\""});
        let series = source
            .query_range(&request(target, t0, t0 + 5 * STEP, STEP))
            .await
            .unwrap();
        assert_eq!(series.len(), 2, "{mode}: {series:?}");
        assert_eq!(series[0].name, "pressure.value");
        assert_eq!(series[0].labels.get("site"), Some("north"));
        assert_eq!(series[1].labels.get("site"), Some("south"));
        assert_eq!(
            series[0].t,
            (0..6).map(|i| t0 + i * STEP).collect::<Vec<_>>()
        );
        assert_eq!(series[0].v, vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5]);
        assert_eq!(series[1].v, vec![10.0, 11.0, 12.0, 13.0, 14.0, 15.0]);
    }
}

/// `GROUP BY time($__interval)` buckets with `fill(null)` give NaN for empty buckets;
/// several statements and value columns each give their series; `alias` names them.
#[tokio::test]
async fn aggregates_statements_and_aliases() {
    let (db, t0) = seed();
    let source = source(&influxdb().url(), &db, "GET");
    let query = "SELECT mean(\"value\") FROM \"pressure\" WHERE $timeFilter AND \"site\" = 'north' \
                 GROUP BY time($__interval) fill(null); \
                 SELECT last(\"value\") AS \"v\", last(\"ok\") FROM \"pressure\" WHERE $timeFilter \
                 GROUP BY \"site\"";
    let target = json!({"rawQuery": true, "query": query});
    let series = source
        .query_range(&request(target, t0, t0 + 79_999, 20_000))
        .await
        .unwrap();
    let names: Vec<(&str, Option<&str>)> = series
        .iter()
        .map(|s| (s.name.as_str(), s.labels.get("site")))
        .collect();
    assert_eq!(
        names,
        [
            ("pressure.mean", None),
            ("pressure.v", Some("north")),
            ("pressure.last", Some("north")),
            ("pressure.v", Some("south")),
            ("pressure.last", Some("south")),
        ]
    );
    let mean = &series[0];
    assert_eq!(mean.t, vec![t0, t0 + 20_000, t0 + 40_000, t0 + 60_000]);
    assert_eq!(&mean.v[..3], &[0.25, 1.25, 2.25]);
    assert!(mean.v[3].is_nan(), "empty bucket is NaN: {:?}", mean.v);
    assert_eq!(series[3].v, vec![15.0]);
    assert_eq!(series[4].v, vec![1.0], "true is 1");
    assert!(series[2].v[0].is_nan(), "north has no `ok` field");

    let aliased = json!({"rawQuery": true, "alias": "$tag_site $col",
        "query": "SELECT max(\"value\") FROM \"pressure\" WHERE $timeFilter GROUP BY \"site\""});
    let series = source
        .query_range(&request(aliased, t0, t0 + 60_000, STEP))
        .await
        .unwrap();
    assert_eq!(series[0].name, "north max");
    assert_eq!(series[1].name, "south max");
}

/// A bad query is an upstream error with InfluxDB's message; a builder target without
/// `rawQuery` says what to do.
#[tokio::test]
async fn bad_query_carries_the_server_message() {
    let (db, _) = seed();
    let source = source(&influxdb().url(), &db, "GET");
    let err = source
        .query_range(&request(
            json!({"rawQuery": true, "query": "SELEKT nothing"}),
            0,
            1,
            1,
        ))
        .await
        .unwrap_err();
    let SourceError::Upstream {
        source_name,
        message,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(source_name, "influx");
    assert!(message.contains("error parsing query"), "{message}");
    let builder =
        json!({"measurement": "pressure", "select": [[{"type": "field", "params": ["value"]}]]});
    let err = source
        .query_range(&request(builder, 0, 1, 1))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("rawQuery"), "{err}");
}

/// A server that is down is an upstream error naming its address.
#[tokio::test]
async fn server_down_names_the_address() {
    let port = pulsegrid_testkit::free_port();
    let source = source(&format!("http://127.0.0.1:{port}"), "db", "GET");
    let err = source
        .query_range(&request(
            json!({"rawQuery": true, "query": "SELECT 1"}),
            0,
            1,
            1,
        ))
        .await
        .unwrap_err();
    let SourceError::Upstream { message, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(!message.contains("pw"), "{message}");
}
