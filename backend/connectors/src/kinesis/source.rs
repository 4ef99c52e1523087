//! [`KinesisSource`]: subscribes panel targets to Kinesis streams through shared pollers.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pulsegrid_model::{DatasourceConfig, DatasourceKind, Series, parse_time};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use super::api::KinesisApi;
use super::config::KinesisConfig;
use super::upstream::{Pollers, StreamEvent, StreamFilter};
use crate::broker::{BrokerStats, Emitter, RecentByTarget, RecentPoints};
use crate::decode::{PayloadDecoder, TopicPattern, WildcardStyle};
use crate::error::{Result, SourceError};
use crate::settings::Target;
use crate::source::{BoxFuture, LiveMode, QueryRequest, Source, SourceEvent};

/// Series kept per target for `query_range`.
const RECENT_SERIES: usize = 1_000;
/// Points kept per series for `query_range`.
const RECENT_POINTS: usize = 5_000;
/// Records decoded before a frame is sent, in a burst.
const MAX_BATCH: usize = 1_000;

/// An Amazon Kinesis datasource.
#[derive(Debug)]
pub struct KinesisSource {
    uid: String,
    name: String,
    pollers: Arc<Pollers>,
    stats: Arc<BrokerStats>,
    recent: RecentByTarget,
}

/// A parsed target.
#[derive(Debug)]
struct KinesisTarget {
    filter: StreamFilter,
    pattern: TopicPattern,
    decoder: PayloadDecoder,
}

impl KinesisTarget {
    /// Reads `stream`, `startTime` (now-5m, RFC 3339, unix ms), `labelFromPartitionKey` (a
    /// label name) and the decoding fields.
    fn parse(target: &Value) -> Result<Self> {
        let t = Target(target);
        let stream = t
            .str("stream")?
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| SourceError::InvalidQuery("a Kinesis target needs `stream`".into()))?;
        let start_ms = match target.get("startTime") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(
                parse_time(s, now_ms())
                    .map_err(|e| SourceError::InvalidQuery(format!("startTime: {e}")))?,
            ),
            Some(other) => {
                return Err(SourceError::InvalidQuery(format!(
                    "startTime: expected a time such as now-5m, found {other}"
                )));
            }
        };
        let pattern = match t
            .str("labelFromPartitionKey")?
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            // The partition key is passed as the "topic": `#name` captures all of it.
            Some(label) => TopicPattern::parse(&format!("#{label}"), WildcardStyle::Mqtt)
                .map_err(|e| SourceError::InvalidQuery(format!("labelFromPartitionKey: {e}")))?,
            None => TopicPattern::parse(stream, WildcardStyle::Literal)
                .map_err(SourceError::InvalidQuery)?,
        };
        Ok(KinesisTarget {
            filter: StreamFilter {
                stream: stream.to_owned(),
                start_ms,
            },
            pattern,
            decoder: PayloadDecoder::from_target(target, stream)?,
        })
    }
}

impl KinesisSource {
    /// A source for the provisioned datasource `ds`; polls only while subscribed.
    pub fn new(ds: &DatasourceConfig, http: reqwest::Client) -> Result<Self> {
        let config = KinesisConfig::from_datasource(ds)?;
        let interval = Duration::from_millis(config.poll_interval_ms);
        Ok(KinesisSource {
            uid: ds.uid_or_name().to_owned(),
            name: ds.name.clone(),
            pollers: Arc::new(Pollers::new(
                &ds.name,
                KinesisApi::new(config, http),
                interval,
            )),
            stats: Arc::new(BrokerStats::default()),
            recent: RecentByTarget::new(RECENT_SERIES, RECENT_POINTS),
        })
    }

    /// Reconnects after failures with `backoff` (before the first subscription).
    #[cfg(test)]
    pub(crate) fn with_backoff(mut self, backoff: crate::broker::Backoff) -> Self {
        if let Some(pollers) = Arc::get_mut(&mut self.pollers) {
            pollers.set_backoff(backoff);
        }
        self
    }

    /// Record, bad-record and disconnect counters.
    pub fn stats(&self) -> &BrokerStats {
        &self.stats
    }

    /// How many stream pollers run (one per distinct stream and start).
    pub fn running_pollers(&self) -> usize {
        self.pollers.running()
    }

    fn recent(&self, target: &Value) -> Arc<RecentPoints> {
        self.recent.for_target(target)
    }
}

impl Source for KinesisSource {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn kind(&self) -> DatasourceKind {
        DatasourceKind::Kinesis
    }

    fn query_range<'a>(&'a self, req: &'a QueryRequest) -> BoxFuture<'a, Result<Vec<Series>>> {
        Box::pin(async move {
            KinesisTarget::parse(&req.target)?;
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
            let parsed = KinesisTarget::parse(target)?;
            let mut lease = self.pollers.acquire(parsed.filter);
            let mut emitter = Emitter::new(
                &self.name,
                parsed.decoder,
                parsed.pattern,
                out,
                self.recent(target),
                self.stats.clone(),
            );
            loop {
                let event = tokio::select! {
                    () = cancel.cancelled() => break,
                    event = lease.events.recv() => event,
                };
                let event = match event {
                    Ok(event) => event,
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(source = self.name, skipped = n, "subscriber too slow");
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                if !handle(&mut emitter, event).await {
                    break;
                }
                while emitter.pending() < MAX_BATCH {
                    match lease.events.try_recv() {
                        Ok(event) => {
                            if !handle(&mut emitter, event).await {
                                return Ok(());
                            }
                        }
                        Err(broadcast::error::TryRecvError::Lagged(n)) => {
                            tracing::warn!(source = self.name, skipped = n, "subscriber too slow");
                        }
                        Err(_) => break,
                    }
                }
                if !emitter.flush().await {
                    break;
                }
            }
            Ok(())
        })
    }
}

/// Feeds one event to the emitter; false when the hub has gone.
async fn handle(emitter: &mut Emitter, event: StreamEvent) -> bool {
    match event {
        StreamEvent::Record {
            partition_key,
            data,
        } => emitter.message(&partition_key, &data).await,
        StreamEvent::Status { up, message } => {
            if !emitter.flush().await {
                return false;
            }
            emitter.status(up, message).await;
        }
    }
    true
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
