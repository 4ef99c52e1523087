//! PostgreSQL / TimescaleDB source: `rawSql` targets with Grafana's SQL macros, run in a
//! read-only transaction with a statement timeout; the rows become series by Grafana's rules
//! (`format: time_series` or `table`).

mod config;
mod decode;
mod frame;
mod source;
#[cfg(test)]
mod tests;

pub use config::PostgresConfig;
pub use source::PostgresSource;
