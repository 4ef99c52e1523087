//! Pulsegrid's sources: one [`Source`] trait for query (poll) and subscribe (stream) sources,
//! and a [`Sources`] registry by datasource uid.
//!
//! Each source kind lives in its own module ([`prometheus`], [`influxdb`], [`postgres`],
//! [`testdata`]); [`build_source`] is the one table from a provisioned datasource to its
//! source. A source answers `query_range` for dashboards and alert rules alike, and tells the
//! hub how it delivers live updates ([`LiveMode`]): re-query on an interval (the hub drives
//! the polling), or subscribe to a stream of points. [`macros`] expands Grafana's query
//! macros (`$__interval`, `$timeFilter`, `$__timeGroup(...)`, ...). [`variables`] holds
//! dashboard variable queries (`label_values(...)`, ...), which sources may answer.

pub mod amqp;
pub mod broker;
pub mod decode;
pub mod error;
pub mod influxdb;
pub mod kafka;
pub mod kinesis;
pub mod macros;
pub mod mqtt;
pub mod nats;
pub mod postgres;
pub mod prometheus;
pub mod redis;
pub mod registry;
pub mod source;
pub mod testdata;
pub mod variables;
pub mod websocket;

mod http;
mod settings;
#[cfg(test)]
mod testing;

pub use error::{Result, SourceError};
pub use influxdb::{InfluxDbConfig, InfluxDbSource};
pub use kafka::{KafkaConfig, KafkaSource};
pub use mqtt::{MqttConfig, MqttSource};
pub use nats::{NatsConfig, NatsSource};
pub use postgres::{PostgresConfig, PostgresSource};
pub use prometheus::{PrometheusConfig, PrometheusSource};
pub use redis::{RedisConfig, RedisSource};
pub use registry::build_source;
pub use source::{
    BoxFuture, LiveMode, QueryRequest, Source, SourceEvent, Sources, canonical_target,
};
pub use testdata::TestdataSource;
pub use variables::{MetricFindQuery, VariableQuery, VariableValue};
pub use websocket::{WebSocketConfig, WebSocketSource};
