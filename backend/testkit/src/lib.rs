//! Test harness for Pulsegrid: real services on free ports in temp dirs, stopped on drop.
//!
//! Each test owns its servers, so tests run in parallel without sharing state. Nothing here
//! touches services that already run on the machine (such as a system PostgreSQL on 5432).

mod http;
mod influxdb;
mod kinesalite;
mod mosquitto;
mod nats;
mod postgres;
mod process;
mod prometheus;
mod rabbitmq;
mod redis;
mod tansu;
mod victoria;

pub use http::{HttpResponse, http_request, url_encode};
pub use influxdb::InfluxDb1;
pub use kinesalite::Kinesalite;
pub use mosquitto::{Mosquitto, MosquittoOptions, TestCertificates};
pub use nats::NatsServer;
pub use postgres::PgServer;
pub use prometheus::PrometheusServer;
pub use rabbitmq::RabbitMq;
pub use redis::RedisServer;
pub use tansu::Tansu;
pub use victoria::VictoriaMetrics;

use std::net::{Ipv4Addr, TcpListener};

/// A TCP port on 127.0.0.1 that was free a moment ago: bind port 0, read the port, release it.
///
/// # Panics
///
/// When the loopback interface cannot be bound at all, which only happens on a broken test
/// machine.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap_or_else(|err| panic!("cannot bind 127.0.0.1:0 to find a free port: {err}"));
    listener
        .local_addr()
        .unwrap_or_else(|err| panic!("cannot read the address of a bound socket: {err}"))
        .port()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A free port is non-zero and can be bound right away.
    #[test]
    fn free_port_is_bindable() {
        let port = free_port();
        assert_ne!(port, 0);
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("the port is free");
    }
}
