//! RabbitMQ (AMQP 0.9.1) source: a panel target names a `queue`, or an `exchange` and a
//! `routingKey` (a binding key; `*name` captures a word as a label), and streams what arrives.
//!
//! One connection per datasource and one consumer per distinct queue or exchange binding,
//! shared by every concurrent subscription ([`upstream`]); an exchange binding consumes from a
//! server-named, exclusive, auto-delete queue.

mod config;
mod source;
mod target;
#[cfg(test)]
mod tests;
mod upstream;

pub use config::AmqpConfig;
pub use source::AmqpSource;
