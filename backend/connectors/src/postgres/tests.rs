//! The PostgreSQL source against a real server: a table of (time, value, site) rows queried
//! with the SQL macros, both formats, read-only enforcement, timeouts, errors and a server
//! that is down.

use serde_json::{Value, json};
use sqlx::Connection as _;

use super::PostgresSource;
use crate::error::SourceError;
use crate::source::Source;
use pulsegrid_testkit::PgServer;

use crate::testing::{datasource, now_aligned, request};

const STEP: i64 = 10_000;

fn source_on(port: u16, json_data: Value) -> PostgresSource {
    let ds = datasource(json!({
        "name": "pg", "type": "postgres", "url": format!("127.0.0.1:{port}"),
        "database": "postgres", "user": "postgres", "jsonData": json_data,
        "secureJsonData": {"password": "unused-s3cret"}
    }));
    PostgresSource::new(&ds).expect("a valid datasource")
}

/// A server of its own with a table `readings` of 6 rows per site, every 10s from `t0`,
/// also with epoch seconds; returns the server, the table's name and `t0`.
async fn seed() -> (PgServer, String, i64) {
    let server = PgServer::start().expect("start PostgreSQL");
    let table = "readings".to_owned();
    let t0 = now_aligned(60_000) - 30 * 60_000;
    let mut conn = sqlx::PgConnection::connect(&server.url())
        .await
        .expect("connect");
    sqlx::query(&format!(
        "CREATE TABLE {table} (time timestamptz NOT NULL, epoch bigint, value double precision, \
         reading numeric, site text)"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    for i in 0..6i64 {
        for (site, value) in [("north", i as f64 * 0.5), ("south", 10.0 + i as f64)] {
            let t = t0 + i * STEP;
            sqlx::query(&format!(
                "INSERT INTO {table} VALUES (to_timestamp({t} / 1000.0), {}, {value}, {value}, '{site}')",
                t / 1000
            ))
            .execute(&mut conn)
            .await
            .unwrap();
        }
    }
    (server, table, t0)
}

/// Each numeric column is a series named after it, text columns are labels; times come from
/// timestamptz or epoch seconds; `numeric` values decode.
#[tokio::test]
async fn time_series_from_rows() {
    let (server, table, t0) = seed().await;
    let source = source_on(server.port(), json!({"sslmode": "disable"}));
    let sql = format!(
        "SELECT $__time(time), value, reading, site FROM {table} WHERE $__timeFilter(time) ORDER BY 1"
    );
    let series = source
        .query_range(&request(
            json!({"rawSql": sql, "format": "time_series"}),
            t0,
            t0 + 5 * STEP,
            STEP,
        ))
        .await
        .unwrap();
    let keys: Vec<(&str, Option<&str>)> = series
        .iter()
        .map(|s| (s.name.as_str(), s.labels.get("site")))
        .collect();
    assert_eq!(
        keys,
        [
            ("value", Some("north")),
            ("reading", Some("north")),
            ("value", Some("south")),
            ("reading", Some("south"))
        ]
    );
    let times: Vec<i64> = (0..6).map(|i| t0 + i * STEP).collect();
    assert_eq!(series[0].t, times);
    assert_eq!(series[0].v, vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5]);
    assert_eq!(series[3].v, vec![10.0, 11.0, 12.0, 13.0, 14.0, 15.0]);

    let sql = format!(
        "SELECT epoch AS time, value FROM {table} WHERE $__unixEpochFilter(epoch) AND site = 'south' ORDER BY 1"
    );
    let series = source
        .query_range(&request(
            json!({"rawSql": sql}),
            t0 + STEP,
            t0 + 2 * STEP,
            STEP,
        ))
        .await
        .unwrap();
    assert_eq!(
        (series[0].t.clone(), series[0].v.clone()),
        (vec![t0 + STEP, t0 + 2 * STEP], vec![11.0, 12.0])
    );
}

/// `$__timeGroupAlias` with a fill value, and a `metric` column naming the series.
#[tokio::test]
async fn time_group_fill_and_metric_column() {
    let (server, table, t0) = seed().await;
    let source = source_on(server.port(), json!({"sslmode": "disable"}));
    let sql = format!(
        "SELECT $__timeGroupAlias(time, '20s', 0), site AS metric, avg(value) AS avg \
         FROM {table} WHERE $__timeFilter(time) GROUP BY 1, 2 ORDER BY 1"
    );
    let series = source
        .query_range(&request(json!({"rawSql": sql}), t0, t0 + 79_999, 20_000))
        .await
        .unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].name, "north");
    assert!(series[0].labels.is_empty());
    assert_eq!(series[0].t, vec![t0, t0 + 20_000, t0 + 40_000, t0 + 60_000]);
    assert_eq!(
        series[0].v,
        vec![0.25, 1.25, 2.25, 0.0],
        "the empty bucket is filled with 0"
    );
    assert_eq!(series[1].v, vec![10.5, 12.5, 14.5, 0.0]);
}

/// `format: table` without a time column: each row is a point at the end of the range.
#[tokio::test]
async fn table_format() {
    let (server, table, t0) = seed().await;
    let source = source_on(server.port(), json!({"sslmode": "disable"}));
    let sql = format!(
        "SELECT site, count(*) AS n, max(value) AS top FROM {table} GROUP BY site ORDER BY site"
    );
    let series = source
        .query_range(&request(
            json!({"rawSql": sql, "format": "table"}),
            t0,
            t0 + 60_000,
            STEP,
        ))
        .await
        .unwrap();
    let rows: Vec<(&str, Option<&str>, i64, f64)> = series
        .iter()
        .map(|s| (s.name.as_str(), s.labels.get("site"), s.t[0], s.v[0]))
        .collect();
    assert_eq!(
        rows,
        [
            ("n", Some("north"), t0 + 60_000, 6.0),
            ("top", Some("north"), t0 + 60_000, 2.5),
            ("n", Some("south"), t0 + 60_000, 6.0),
            ("top", Some("south"), t0 + 60_000, 15.0),
        ]
    );
}

/// PostgreSQL's own messages: a bad column, a write refused by the read-only transaction,
/// a statement cancelled by the timeout; none carries the password.
#[tokio::test]
async fn upstream_errors_read_only_and_timeout() {
    let (server, table, _) = seed().await;
    let source = source_on(
        server.port(),
        json!({"sslmode": "disable", "queryTimeout": "300ms"}),
    );
    let cases = [
        (
            format!("SELECT nope FROM {table}"),
            "column \"nope\" does not exist",
        ),
        (
            format!("INSERT INTO {table} (time) VALUES (now()) RETURNING 1 AS time"),
            "read-only transaction",
        ),
        (
            format!("DELETE FROM {table} RETURNING 1"),
            "read-only transaction",
        ),
        (
            "SELECT pg_sleep(5) AS value, now() AS time".to_owned(),
            "statement timeout",
        ),
    ];
    for (sql, expected) in cases {
        let err = source
            .query_range(&request(json!({"rawSql": sql}), 0, 1, 1))
            .await
            .unwrap_err();
        let SourceError::Upstream {
            source_name,
            message,
        } = &err
        else {
            panic!("{sql}: {err:?}")
        };
        assert_eq!(source_name, "pg");
        assert!(message.contains(expected), "{sql}: {message}");
        assert!(!message.contains("s3cret"));
    }
    let mut conn = sqlx::PgConnection::connect(&server.url()).await.unwrap();
    let (count,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(count, 12, "nothing was written or deleted");
    let err = source
        .query_range(&request(json!({"rawSql": "SELECT $__nope(x)"}), 0, 1, 1))
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::InvalidQuery(_)), "{err:?}");
}

/// A server that is down is an upstream error naming its address.
#[tokio::test]
async fn server_down_names_the_address() {
    let port = pulsegrid_testkit::free_port();
    let source = source_on(port, json!({"sslmode": "disable", "connectTimeout": 1}));
    let err = source
        .query_range(&request(json!({"rawSql": "SELECT 1"}), 0, 1, 1))
        .await
        .unwrap_err();
    let SourceError::Upstream { message, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(message.to_lowercase().contains("refused"), "{message}");
}
