//! MQTT source (3.1.1 and 5, plain or TLS, with user/password): `topic` targets with `+`/`#`
//! wildcards whose named segments become labels (`plant/+boiler/temp`), decoded by
//! [`crate::decode::PayloadDecoder`]. One broker connection per datasource and one upstream
//! subscription per distinct filter, however many panels watch it.

mod config;
mod connection;
mod source;
#[cfg(test)]
mod tests;

pub use config::{MqttConfig, MqttProtocol};
pub use source::{MqttSource, MqttTarget};
