//! Amazon Kinesis source: a panel target names a `stream`; every shard is read with GetRecords
//! from `LATEST` (or from `startTime`), and each record's data decodes like any broker payload;
//! `labelFromPartitionKey` turns the partition key into a label.
//!
//! The Kinesis API is JSON over HTTP signed with SigV4 ([`sigv4`]), spoken directly with
//! reqwest rather than through the AWS SDK. One poller per distinct stream and start, shared by
//! every concurrent subscription ([`upstream`]).

mod api;
mod config;
mod sigv4;
mod source;
#[cfg(test)]
mod tests;
mod upstream;

pub use config::KinesisConfig;
pub use source::KinesisSource;
