//! The one table from datasource kind to source constructor.

use std::sync::Arc;

use pulsegrid_model::{DatasourceConfig, DatasourceKind};

use crate::error::{Result, SourceError};
use crate::influxdb::InfluxDbSource;
use crate::postgres::PostgresSource;
use crate::prometheus::PrometheusSource;
use crate::source::Source;
use crate::testdata::TestdataSource;

/// Builds the source a provisioned datasource describes.
///
/// `Ok(None)` for kinds this crate does not (yet) provide: the broker kinds, and `pulsegrid`,
/// which the server provides. An unknown `type` or a bad setting is a
/// [`SourceError::Config`] naming the field.
pub fn build_source(
    ds: &DatasourceConfig,
    http: &reqwest::Client,
) -> Result<Option<Arc<dyn Source>>> {
    let Some(kind) = ds.kind() else {
        let known: Vec<&str> = DatasourceKind::ALL
            .iter()
            .map(DatasourceKind::as_str)
            .collect();
        return Err(SourceError::Config {
            name: ds.name.clone(),
            message: format!(
                "unknown `type` {:?}; expected one of {}",
                ds.type_name,
                known.join(", ")
            ),
        });
    };
    let source: Arc<dyn Source> = match kind {
        DatasourceKind::Prometheus => Arc::new(PrometheusSource::new(ds, http.clone())?),
        DatasourceKind::Influxdb => Arc::new(InfluxDbSource::new(ds, http.clone())?),
        DatasourceKind::Postgres => Arc::new(PostgresSource::new(ds)?),
        DatasourceKind::Testdata => Arc::new(TestdataSource::new(ds.uid_or_name())),
        // Provided by the server (the ingest store).
        DatasourceKind::Pulsegrid => return Ok(None),
        // Brokers: one line each, replaced as each connector lands.
        DatasourceKind::Mqtt => Arc::new(crate::mqtt::MqttSource::new(ds)?),
        DatasourceKind::Websocket => Arc::new(crate::websocket::WebSocketSource::new(ds)?),
        DatasourceKind::Nats => Arc::new(crate::nats::NatsSource::new(ds)?),
        DatasourceKind::Redis => Arc::new(crate::redis::RedisSource::new(ds)?),
        DatasourceKind::Amqp => Arc::new(crate::amqp::AmqpSource::new(ds)?),
        DatasourceKind::Kinesis => Arc::new(crate::kinesis::KinesisSource::new(ds, http.clone())?),
        DatasourceKind::Kafka => Arc::new(crate::kafka::KafkaSource::new(ds)?),
    };
    Ok(Some(source))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ds(value: serde_json::Value) -> DatasourceConfig {
        serde_json::from_value(value).expect("datasource")
    }

    /// Each kind builds from its settings; broker kinds and `pulsegrid` are left to others.
    #[test]
    fn builds_each_kind() {
        let http = reqwest::Client::new();
        let cases = [
            json!({"name": "p", "type": "prometheus", "uid": "prom", "url": "http://localhost:9090"}),
            json!({"name": "i", "type": "influxdb", "url": "http://localhost:8086", "database": "db"}),
            json!({"name": "g", "type": "grafana-postgresql-datasource", "url": "localhost:5432",
                   "database": "db", "user": "u", "secureJsonData": {"password": "pw"}}),
            json!({"name": "t", "type": "TestData"}),
        ];
        for case in cases {
            let source = build_source(&ds(case.clone()), &http)
                .unwrap()
                .expect("a source");
            assert_eq!(Some(source.kind()), ds(case).kind());
        }
        assert_eq!(
            build_source(
                &ds(json!({"name": "p", "type": "prometheus", "uid": "prom", "url": "http://x"})),
                &http
            )
            .unwrap()
            .unwrap()
            .uid(),
            "prom"
        );
        assert!(
            build_source(&ds(json!({"name": "x", "type": "pulsegrid"})), &http)
                .unwrap()
                .is_none()
        );
    }

    /// Bad settings name the datasource and the field.
    #[test]
    fn config_errors_name_the_field() {
        let http = reqwest::Client::new();
        let cases = [
            (json!({"name": "p", "type": "prometheus"}), "`url`"),
            (
                json!({"name": "p", "type": "prometheus", "url": "not a url"}),
                "`url`",
            ),
            (
                json!({"name": "p", "type": "prometheus", "url": "http://x", "jsonData": {"timeInterval": "soon"}}),
                "timeInterval",
            ),
            (
                json!({"name": "p", "type": "prometheus", "url": "http://x", "jsonData": {"httpMethod": "PUT"}}),
                "httpMethod",
            ),
            (
                json!({"name": "i", "type": "influxdb", "url": "http://x"}),
                "`database`",
            ),
            (
                json!({"name": "g", "type": "postgres", "url": "db:x", "database": "d", "user": "u"}),
                "`url`",
            ),
            (
                json!({"name": "g", "type": "postgres", "url": "db", "user": "u"}),
                "`database`",
            ),
            (
                json!({"name": "g", "type": "postgres", "url": "db", "database": "d"}),
                "`user`",
            ),
            (
                json!({"name": "g", "type": "postgres", "url": "db", "database": "d", "user": "u", "jsonData": {"sslmode": "maybe"}}),
                "sslmode",
            ),
            (json!({"name": "x", "type": "graphite"}), "unknown `type`"),
        ];
        for (case, field) in cases {
            let err = build_source(&ds(case.clone()), &http).expect_err("an error");
            let text = err.to_string();
            assert!(matches!(err, SourceError::Config { .. }), "{case}: {text}");
            assert!(
                text.contains(field) && text.starts_with("datasource "),
                "{case}: {text}"
            );
        }
    }

    /// Debug output of built sources shows no secret.
    #[test]
    fn debug_hides_secrets() {
        let http = reqwest::Client::new();
        let cases = [
            json!({"name": "p", "type": "prometheus", "url": "http://admin:s3cret-url@x:9090",
                   "basicAuth": true, "basicAuthUser": "bob",
                   "jsonData": {"httpHeaderName1": "X-Token"},
                   "secureJsonData": {"basicAuthPassword": "s3cret-basic", "httpHeaderValue1": "s3cret-header"}}),
            json!({"name": "i", "type": "influxdb", "url": "http://x", "database": "d", "user": "u",
                   "secureJsonData": {"password": "s3cret-influx"}}),
            json!({"name": "g", "type": "postgres", "url": "db", "database": "d", "user": "u",
                   "secureJsonData": {"password": "s3cret-pg"}}),
        ];
        for case in cases {
            let source = build_source(&ds(case), &http).unwrap().unwrap();
            let debug = format!("{source:?}");
            assert!(!debug.contains("s3cret"), "{debug}");
        }
    }
}
