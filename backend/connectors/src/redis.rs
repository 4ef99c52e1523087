//! Redis source: pub/sub `channel`s (a pattern with `*`, `?` or `[...]` uses PSUBSCRIBE; the
//! channel can become a label with `labelFromChannel`) and `stream`s read with `XREAD BLOCK`
//! (from now, or from `startTime`; each entry's `field` holds the value, listed `labels` are
//! other fields). One pub/sub connection and one stream-reading connection per datasource,
//! one upstream subscription per distinct channel, shared by every panel that watches it.

mod config;
mod connection;
mod source;
#[cfg(test)]
mod tests;

pub use config::{RedisConfig, RedisFeed};
pub use source::RedisSource;
