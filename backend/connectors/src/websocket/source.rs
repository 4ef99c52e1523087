//! [`WebSocketSource`]: panel targets (`path` or `url`, `subscribeMessage`, and the decoding
//! fields) become readers of a shared upstream feed connection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pulsegrid_model::{DatasourceConfig, DatasourceKind, Series};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::config::{FeedTarget, WebSocketConfig};
use super::feed::Feed;
use crate::broker::fanout::{DELIVERY_BUFFER, pump};
use crate::broker::{BrokerStats, Emitter, RecentByTarget, RecentPoints};
use crate::decode::{PayloadDecoder, TopicPattern, WildcardStyle};
use crate::error::{Result, SourceError};
use crate::source::{BoxFuture, LiveMode, QueryRequest, Source, SourceEvent};

/// Series kept per target for `query_range`.
const RECENT_SERIES: usize = 500;
/// Points kept per series for `query_range`.
const RECENT_POINTS: usize = 4096;

/// A running feed and how many subscriptions read it.
#[derive(Debug)]
struct Running {
    feed: Arc<Feed>,
    users: usize,
}

type Feeds = Arc<Mutex<HashMap<FeedTarget, Running>>>;

/// An upstream WebSocket feed datasource: one connection per distinct feed, shared by all
/// subscriptions that read it.
#[derive(Debug)]
pub struct WebSocketSource {
    uid: String,
    name: String,
    config: WebSocketConfig,
    feeds: Feeds,
    recent: RecentByTarget,
    stats: Arc<BrokerStats>,
}

impl WebSocketSource {
    /// A source for `ds`; nothing connects until the first subscription.
    pub fn new(ds: &DatasourceConfig) -> Result<Self> {
        Ok(WebSocketSource {
            uid: ds.uid_or_name().to_owned(),
            name: ds.name.clone(),
            config: WebSocketConfig::from_datasource(ds)?,
            feeds: Arc::new(Mutex::new(HashMap::new())),
            recent: RecentByTarget::new(RECENT_SERIES, RECENT_POINTS),
            stats: Arc::new(BrokerStats::default()),
        })
    }

    /// Its settings.
    pub fn config(&self) -> &WebSocketConfig {
        &self.config
    }

    /// Message counters over all subscriptions.
    pub fn stats(&self) -> &BrokerStats {
        &self.stats
    }

    /// How many upstream connections are open (one per distinct feed being read).
    pub fn open_feeds(&self) -> usize {
        self.feeds.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn recent_for(&self, target: &Value) -> Arc<RecentPoints> {
        self.recent.for_target(target)
    }

    fn join(
        &self,
        target: &FeedTarget,
        tx: mpsc::Sender<crate::broker::fanout::Delivery>,
    ) -> Reader {
        let mut feeds = self.feeds.lock().unwrap_or_else(|e| e.into_inner());
        let running = feeds.entry(target.clone()).or_insert_with(|| Running {
            feed: Feed::start(&self.config, target, &self.name),
            users: 0,
        });
        running.users += 1;
        let id = running.feed.join(tx);
        Reader {
            feeds: self.feeds.clone(),
            target: target.clone(),
            feed: running.feed.clone(),
            id,
        }
    }
}

/// One subscription reading a feed; leaves (and closes the feed when last) on drop.
#[derive(Debug)]
struct Reader {
    feeds: Feeds,
    target: FeedTarget,
    feed: Arc<Feed>,
    id: u64,
}

impl Drop for Reader {
    fn drop(&mut self) {
        let mut feeds = self.feeds.lock().unwrap_or_else(|e| e.into_inner());
        self.feed.leave(self.id);
        if let Some(running) = feeds.get_mut(&self.target) {
            running.users = running.users.saturating_sub(1);
            if running.users == 0 {
                running.feed.close();
                feeds.remove(&self.target);
            }
        }
    }
}

impl Source for WebSocketSource {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn kind(&self) -> DatasourceKind {
        DatasourceKind::Websocket
    }

    fn query_range<'a>(&'a self, req: &'a QueryRequest) -> BoxFuture<'a, Result<Vec<Series>>> {
        Box::pin(async move {
            FeedTarget::parse(&req.target, &self.config)?;
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
            let feed = FeedTarget::parse(target, &self.config)?;
            let decoder = PayloadDecoder::from_target(target, &self.name)?;
            let pattern = TopicPattern::parse(&feed.url, WildcardStyle::Literal)
                .map_err(SourceError::InvalidQuery)?;
            let mut emitter = Emitter::new(
                &self.name,
                decoder,
                pattern,
                out,
                self.recent_for(target),
                self.stats.clone(),
            );
            let (tx, mut rx) = mpsc::channel(DELIVERY_BUFFER);
            let reader = self.join(&feed, tx);
            pump(&mut rx, &mut emitter, &cancel).await;
            drop(reader);
            Ok(())
        })
    }
}
