//! Kafka source: a panel target names one or more `topic`s (a name, `"a,b"` or a JSON list),
//! read on every partition from the end of the log, or from a `startTime` (ListOffsets by
//! timestamp); record values are decoded by [`crate::decode::PayloadDecoder`], the record key
//! can become a label (`labelFromKey`), and with several topics the `topic` label says which.
//! One client per datasource and one set of partition consumers per distinct topic, however
//! many panels watch it.

mod config;
mod feed;
mod source;
#[cfg(test)]
mod tests;

pub use config::{KafkaConfig, KafkaTarget, SaslMechanism, StartFrom};
pub use source::KafkaSource;
