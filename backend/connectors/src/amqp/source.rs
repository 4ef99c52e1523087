//! [`AmqpSource`]: subscribes panel targets to RabbitMQ through the shared [`Upstream`].

use std::sync::Arc;

use pulsegrid_model::{DatasourceConfig, DatasourceKind, Series};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use super::config::AmqpConfig;
use super::target::AmqpTarget;
use super::upstream::{Upstream, UpstreamEvent};
use crate::broker::{BrokerStats, Emitter, RecentByTarget, RecentPoints};
use crate::error::Result;
use crate::source::{BoxFuture, LiveMode, QueryRequest, Source, SourceEvent};

/// Series kept per target for `query_range`.
const RECENT_SERIES: usize = 1_000;
/// Points kept per series for `query_range`.
const RECENT_POINTS: usize = 5_000;
/// Messages decoded before a frame is sent, in a burst.
const MAX_BATCH: usize = 1_000;

/// A RabbitMQ datasource.
#[derive(Debug)]
pub struct AmqpSource {
    uid: String,
    name: String,
    upstream: Arc<Upstream>,
    stats: Arc<BrokerStats>,
    recent: RecentByTarget,
}

impl AmqpSource {
    /// A source for the provisioned datasource `ds`; connects on the first subscription.
    pub fn new(ds: &DatasourceConfig) -> Result<Self> {
        let config = AmqpConfig::from_datasource(ds)?;
        Ok(AmqpSource {
            uid: ds.uid_or_name().to_owned(),
            name: ds.name.clone(),
            upstream: Arc::new(Upstream::new(&ds.name, config)),
            stats: Arc::new(BrokerStats::default()),
            recent: RecentByTarget::new(RECENT_SERIES, RECENT_POINTS),
        })
    }

    /// Message, bad-message and disconnect counters.
    pub fn stats(&self) -> &BrokerStats {
        &self.stats
    }

    fn recent(&self, target: &Value) -> Arc<RecentPoints> {
        self.recent.for_target(target)
    }
}

impl Source for AmqpSource {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn kind(&self) -> DatasourceKind {
        DatasourceKind::Amqp
    }

    fn query_range<'a>(&'a self, req: &'a QueryRequest) -> BoxFuture<'a, Result<Vec<Series>>> {
        Box::pin(async move {
            AmqpTarget::parse(&req.target)?;
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
            let parsed = AmqpTarget::parse(target)?;
            let mut lease = self.upstream.acquire(parsed.filter.clone());
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
                let Some(event) = receive(&self.name, event) else {
                    break;
                };
                if !handle(&mut emitter, event).await {
                    break;
                }
                // Drain the burst that is already waiting, then send it as one frame.
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
                lease.taken();
            }
            Ok(())
        })
    }
}

/// The event, skipping over a lag (logged); None when the upstream has gone.
fn receive(
    name: &str,
    event: std::result::Result<UpstreamEvent, broadcast::error::RecvError>,
) -> Option<UpstreamEvent> {
    match event {
        Ok(event) => Some(event),
        Err(broadcast::error::RecvError::Lagged(n)) => {
            tracing::warn!(source = name, skipped = n, "subscriber too slow");
            Some(UpstreamEvent::Status {
                up: true,
                message: format!("{n} messages skipped: the panel could not keep up"),
            })
        }
        Err(broadcast::error::RecvError::Closed) => None,
    }
}

/// Feeds one event to the emitter; false when the hub has gone.
async fn handle(emitter: &mut Emitter, event: UpstreamEvent) -> bool {
    match event {
        UpstreamEvent::Message {
            routing_key,
            payload,
        } => emitter.message(&routing_key, &payload).await,
        UpstreamEvent::Status { up, message } => {
            if !emitter.flush().await {
                return false;
            }
            emitter.status(up, message).await;
        }
    }
    true
}
