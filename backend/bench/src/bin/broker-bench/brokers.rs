//! The connectors measured and what each needs: a throwaway broker (from `pulsegrid-testkit`),
//! the datasource a user would provision, the panel target, and the topics messages go to.
//!
//! Every kind gets the same JSON payload, `{"dev":"d1","v":VALUE}`, decoded with `field: v`;
//! the device also arrives as a label: from the topic's named wildcard (MQTT, NATS, RabbitMQ),
//! the channel (`labelFromChannel`, Redis), or a JSON label path (the WebSocket feed, whose
//! topic is its URL).

use std::net::{SocketAddr, TcpListener};

use anyhow::Context;
use clap::ValueEnum;
use pulsegrid_testkit::{Mosquitto, NatsServer, RabbitMq, RedisServer};
use serde_json::{Value, json};

/// Devices the published messages rotate over (one series each, except on Redis).
pub(crate) const DEVICES: u64 = 4;

/// A connector kind under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Kind {
    /// MQTT 3.1.1 (rumqttc) on Mosquitto.
    Mqtt,
    /// NATS core (async-nats) on nats-server.
    Nats,
    /// Redis pub/sub (redis-rs) on redis-server.
    Redis,
    /// RabbitMQ (amqprs), a topic exchange.
    Amqp,
    /// An upstream WebSocket feed (tokio-tungstenite) served by this benchmark.
    Websocket,
}

impl Kind {
    /// The name in the report.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::Mqtt => "MQTT (Mosquitto)",
            Kind::Nats => "NATS core (nats-server)",
            Kind::Redis => "Redis pub/sub",
            Kind::Amqp => "RabbitMQ (AMQP 0.9.1)",
            Kind::Websocket => "WebSocket feed",
        }
    }

    /// The datasource `type`.
    pub(crate) fn type_name(self) -> &'static str {
        match self {
            Kind::Mqtt => "mqtt",
            Kind::Nats => "nats",
            Kind::Redis => "redis",
            Kind::Amqp => "amqp",
            Kind::Websocket => "websocket",
        }
    }

    /// The panel target (decoding fields included).
    pub(crate) fn target(self) -> Value {
        match self {
            Kind::Mqtt => json!({"topic": "bench/+dev/v", "field": "v"}),
            Kind::Nats => json!({"subject": "bench.*dev.v", "field": "v"}),
            Kind::Redis => json!({"channel": "bench", "labelFromChannel": "channel", "field": "v"}),
            Kind::Amqp => {
                json!({"exchange": "bench", "routingKey": "bench.*dev.v", "field": "v"})
            }
            Kind::Websocket => json!({"field": "v", "labels": {"dev": "dev"}}),
        }
    }

    /// The topic (subject, channel, routing key) of message `seq`.
    pub(crate) fn topic(self, seq: u64) -> String {
        let dev = seq % DEVICES;
        match self {
            Kind::Mqtt => format!("bench/d{dev}/v"),
            Kind::Nats | Kind::Amqp => format!("bench.d{dev}.v"),
            Kind::Redis | Kind::Websocket => "bench".to_owned(),
        }
    }
}

/// Appends message `seq`'s payload carrying `value`.
pub(crate) fn payload(seq: u64, value: f64, out: &mut Vec<u8>) {
    use std::io::Write as _;
    let _ = write!(out, r#"{{"dev":"d{}","v":{value}}}"#, seq % DEVICES);
}

/// A running broker (or, for the WebSocket feed, the listening socket the feed serves on).
#[derive(Debug)]
pub(crate) enum Broker {
    Mqtt(Mosquitto),
    Nats(NatsServer),
    Redis(RedisServer),
    Amqp(RabbitMq),
    Websocket(TcpListener),
}

impl Broker {
    /// Starts the broker for `kind` on free loopback ports.
    pub(crate) fn start(kind: Kind) -> anyhow::Result<Broker> {
        Ok(match kind {
            Kind::Mqtt => Broker::Mqtt(Mosquitto::start().context("starting mosquitto")?),
            Kind::Nats => Broker::Nats(NatsServer::start().context("starting nats-server")?),
            Kind::Redis => Broker::Redis(RedisServer::start().context("starting redis-server")?),
            Kind::Amqp => Broker::Amqp(RabbitMq::start().context("starting rabbitmq-server")?),
            Kind::Websocket => Broker::Websocket(
                TcpListener::bind("127.0.0.1:0").context("binding the feed's listener")?,
            ),
        })
    }

    /// Its kind.
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Broker::Mqtt(_) => Kind::Mqtt,
            Broker::Nats(_) => Kind::Nats,
            Broker::Redis(_) => Kind::Redis,
            Broker::Amqp(_) => Kind::Amqp,
            Broker::Websocket(_) => Kind::Websocket,
        }
    }

    /// Drops connections still waiting on the feed's listener (a cancelled connector of an
    /// earlier run may have reconnected in the meantime), so the next run's publisher accepts
    /// the connector it measures. Nothing to do for real brokers.
    pub(crate) fn forget_stale_connections(&self) -> anyhow::Result<()> {
        if let Broker::Websocket(listener) = self {
            listener.set_nonblocking(true)?;
            loop {
                match listener.accept() {
                    Ok((stale, _)) => drop(stale),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    }

    /// Where the publisher connects (or, for the feed, listens).
    pub(crate) fn endpoint(&self) -> anyhow::Result<Endpoint> {
        Ok(match self {
            Broker::Mqtt(m) => Endpoint::Tcp(SocketAddr::from(([127, 0, 0, 1], m.port()))),
            Broker::Nats(n) => Endpoint::Url(n.url()),
            Broker::Redis(r) => Endpoint::Url(r.url()),
            Broker::Amqp(a) => Endpoint::Tcp(SocketAddr::from(([127, 0, 0, 1], a.port()))),
            Broker::Websocket(l) => Endpoint::Listener(l.try_clone()?),
        })
    }

    /// The provisioned datasource (as JSON; YAML accepts it as is), uid `bench-src`.
    /// `client` tells the MQTT client ids of concurrent runs apart.
    pub(crate) fn datasource(&self, client: &str) -> anyhow::Result<Value> {
        let kind = self.kind();
        let mut ds = json!({"name": "Bench", "type": kind.type_name(), "uid": "bench-src"});
        match self {
            Broker::Mqtt(m) => {
                ds["url"] = m.url().into();
                ds["jsonData"] = json!({"clientId": format!("pg-bench-{client}")});
            }
            Broker::Nats(n) => ds["url"] = n.url().into(),
            Broker::Redis(r) => ds["url"] = r.url().into(),
            Broker::Amqp(a) => {
                ds["url"] = a.url().into();
                ds["user"] = "guest".into();
                ds["secureJsonData"] = json!({"password": "guest"});
            }
            Broker::Websocket(l) => {
                ds["url"] = format!("ws://{}/feed", l.local_addr()?).into();
            }
        }
        Ok(ds)
    }
}

/// Where a publisher goes.
#[derive(Debug)]
pub(crate) enum Endpoint {
    /// A broker's TCP address.
    Tcp(SocketAddr),
    /// A broker's URL (`nats://...`, `redis://...`).
    Url(String),
    /// The feed's listening socket: the publisher accepts the connector's connection.
    Listener(TcpListener),
}
