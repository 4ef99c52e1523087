//! InfluxDB 1.x source: raw InfluxQL targets (`query` with `rawQuery: true`) sent to
//! `/query?db=&q=&epoch=ms`, one series per measurement, value column and tag set.

mod config;
mod response;
mod source;
#[cfg(test)]
mod tests;

pub use config::InfluxDbConfig;
pub use source::InfluxDbSource;
