//! NATS source, core and JetStream: a panel target names a `subject` (with `*` and `>`
//! wildcards whose names become labels, `plant.*line.speed`), or a JetStream `stream` read
//! through an ordered (ephemeral) or `durable` pull consumer. One connection per datasource
//! and one upstream subscription (or consumer) per distinct subject, shared by every panel and
//! browser that watches it.

mod config;
mod source;
#[cfg(test)]
mod tests;

pub use config::{DeliverFrom, NatsConfig, NatsFeed};
pub use source::NatsSource;
