//! Prometheus HTTP API source (also VictoriaMetrics, Thanos, Mimir): `expr` targets run as
//! `/api/v1/query_range`, or `/api/v1/query` with `instant: true`.

mod config;
mod response;
mod source;
#[cfg(test)]
mod tests;

pub use config::{HttpMethod, PrometheusConfig};
pub use source::PrometheusSource;
