//! [`MqttSource`]: panel targets (`topic`, optional `qos`, and the decoding fields) become
//! subscriptions on the datasource's one shared broker connection.

use std::sync::{Arc, Mutex};

use pulsegrid_model::{DatasourceConfig, DatasourceKind, Series};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::config::{MqttConfig, parse_qos};
use super::connection::Connection;
use crate::broker::fanout::{DELIVERY_BUFFER, pump};
use crate::broker::{BrokerStats, Emitter, RecentByTarget, RecentPoints};
use crate::decode::{PayloadDecoder, TopicPattern, WildcardStyle};
use crate::error::{Result, SourceError};
use crate::settings::Target;
use crate::source::{BoxFuture, LiveMode, QueryRequest, Source, SourceEvent};

/// Series kept per target for `query_range`.
const RECENT_SERIES: usize = 500;
/// Points kept per series for `query_range`.
const RECENT_POINTS: usize = 4096;

/// A panel target on an MQTT datasource.
#[derive(Clone, Debug)]
pub struct MqttTarget {
    /// The topic pattern (`plant/+boiler/temp`); named wildcards become labels.
    pub pattern: TopicPattern,
    /// The subscription's QoS (target `qos`, else the datasource's).
    pub qos: u8,
}

impl MqttTarget {
    /// Reads `topic` (required) and `qos` (0, 1 or 2) from a panel target.
    pub fn parse(target: &Value, default_qos: u8) -> Result<Self> {
        let topic = Target(target)
            .str("topic")?
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                SourceError::InvalidQuery(
                    "target field `topic` is required (e.g. \"plant/+boiler/temp\")".into(),
                )
            })?;
        let pattern =
            TopicPattern::parse(topic, WildcardStyle::Mqtt).map_err(SourceError::InvalidQuery)?;
        let qos = match target.get("qos") {
            None | Some(Value::Null) => default_qos,
            Some(Value::String(s)) if s.trim().is_empty() => default_qos,
            Some(v) => parse_qos(v).ok_or_else(|| {
                SourceError::InvalidQuery(format!(
                    "target field `qos` must be 0, 1 or 2, found {v}"
                ))
            })?,
        };
        Ok(MqttTarget { pattern, qos })
    }
}

/// The running connection and how many subscriptions use it.
#[derive(Debug, Default)]
struct Shared {
    connection: Option<Arc<Connection>>,
    users: usize,
}

/// An MQTT datasource: one broker connection shared by all its running subscriptions, one
/// upstream subscription per distinct topic filter.
#[derive(Debug)]
pub struct MqttSource {
    uid: String,
    name: String,
    config: MqttConfig,
    shared: Arc<Mutex<Shared>>,
    recent: RecentByTarget,
    stats: Arc<BrokerStats>,
}

impl MqttSource {
    /// A source for `ds`; nothing connects until the first subscription.
    pub fn new(ds: &DatasourceConfig) -> Result<Self> {
        Ok(MqttSource {
            uid: ds.uid_or_name().to_owned(),
            name: ds.name.clone(),
            config: MqttConfig::from_datasource(ds)?,
            shared: Arc::new(Mutex::new(Shared::default())),
            recent: RecentByTarget::new(RECENT_SERIES, RECENT_POINTS),
            stats: Arc::new(BrokerStats::default()),
        })
    }

    /// Its settings.
    pub fn config(&self) -> &MqttConfig {
        &self.config
    }

    /// Message counters over all subscriptions.
    pub fn stats(&self) -> &BrokerStats {
        &self.stats
    }

    fn recent_for(&self, target: &Value) -> Arc<RecentPoints> {
        self.recent.for_target(target)
    }

    /// Joins the shared connection (starting it for the first subscription).
    fn join(
        &self,
        filter: &str,
        qos: u8,
        tx: mpsc::Sender<crate::broker::fanout::Delivery>,
    ) -> Result<Membership> {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        let connection = match &shared.connection {
            Some(c) => c.clone(),
            None => {
                let c = Connection::start(&self.config, &self.name).map_err(|message| {
                    SourceError::Config {
                        name: self.name.clone(),
                        message,
                    }
                })?;
                shared.connection = Some(c.clone());
                c
            }
        };
        shared.users += 1;
        let id = connection.join(filter, qos, tx);
        Ok(Membership {
            shared: self.shared.clone(),
            connection,
            filter: filter.to_owned(),
            id,
        })
    }
}

/// One subscription's place on the shared connection; leaving happens on drop, so a
/// subscription that is cancelled or simply dropped by the hub cleans up the same way.
#[derive(Debug)]
struct Membership {
    shared: Arc<Mutex<Shared>>,
    connection: Arc<Connection>,
    filter: String,
    id: u64,
}

impl Drop for Membership {
    fn drop(&mut self) {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        self.connection.leave(&self.filter, self.id);
        shared.users = shared.users.saturating_sub(1);
        if shared.users == 0 {
            self.connection.close();
            shared.connection = None;
        }
    }
}

impl Source for MqttSource {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn kind(&self) -> DatasourceKind {
        DatasourceKind::Mqtt
    }

    fn query_range<'a>(&'a self, req: &'a QueryRequest) -> BoxFuture<'a, Result<Vec<Series>>> {
        Box::pin(async move {
            MqttTarget::parse(&req.target, self.config.qos)?;
            Ok(self.recent.query(&req.target, req.range))
        })
    }

    fn live_mode(&self, _target: &Value, _default_every_ms: i64) -> LiveMode {
        LiveMode::Subscribe
    }

    fn subscribe<'a>(
        &'a self,
        target: &'a Value,
        out: mpsc::Sender<SourceEvent>,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let parsed = MqttTarget::parse(target, self.config.qos)?;
            let filter = parsed.pattern.filter().to_owned();
            let decoder = PayloadDecoder::from_target(target, &filter)?;
            let mut emitter = Emitter::new(
                &self.name,
                decoder,
                parsed.pattern,
                out,
                self.recent_for(target),
                self.stats.clone(),
            );
            let (tx, mut rx) = mpsc::channel(DELIVERY_BUFFER);
            let membership = self.join(&filter, parsed.qos, tx)?;
            pump(&mut rx, &mut emitter, &cancel).await;
            drop(membership);
            Ok(())
        })
    }
}
