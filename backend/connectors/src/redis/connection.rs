//! The connection side of [`super::RedisSource`]: the feeds every `subscribe` call shares,
//! the pub/sub task (SUBSCRIBE/PSUBSCRIBE for every watched channel, UNSUBSCRIBE when the last
//! watcher leaves) and the stream task (one `XREAD BLOCK` over every watched stream). Each
//! task runs while it has feeds and reconnects with [`Backoff`] after a loss.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use ::redis::AsyncCommands as _;
use ::redis::streams::{StreamReadOptions, StreamReadReply};
use futures_util::StreamExt as _;
use serde_json::{Map, Value};
use tokio::sync::{Notify, broadcast, watch};

use super::config::{RedisConfig, RedisFeed};
use crate::broker::{Backoff, BrokerStats, RecentByTarget};

/// How long one XREAD waits for entries; new streams join the read after at most this.
const XREAD_BLOCK_MS: usize = 250;
/// Entries one XREAD returns at most per stream.
const XREAD_COUNT: usize = 1000;

/// A message or stream entry as fanned out to subscribers.
#[derive(Debug)]
pub(super) struct Delivery {
    /// The channel (or stream key) it came from.
    pub(super) channel: String,
    /// The payload (a stream entry's fields as a JSON object).
    pub(super) payload: Vec<u8>,
    /// A stream entry's time (from its id).
    pub(super) at_ms: Option<i64>,
}

/// A stream entry id, `<ms>-<seq>`.
pub(super) type EntryId = (u64, u64);

/// One upstream subscription, shared by the `subscribe` calls that hold it; dropping the last
/// holder wakes the connection task, which unsubscribes.
#[derive(Debug)]
pub(super) struct Feed {
    pub(super) tx: broadcast::Sender<Arc<Delivery>>,
    pub(super) wake: Arc<Notify>,
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.wake.notify_one();
    }
}

#[derive(Debug, Default)]
pub(super) struct Feeds {
    pub(super) channels: HashMap<RedisFeed, Weak<Feed>>,
    /// Stream feeds with the id of the last entry each has seen (`None` until resolved).
    pub(super) streams: HashMap<RedisFeed, (Weak<Feed>, Option<EntryId>)>,
    pub(super) pubsub_running: bool,
    pub(super) streams_running: bool,
}

/// What every `subscribe` call of one datasource shares.
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) name: String,
    pub(super) client: ::redis::Client,
    pub(super) config: RedisConfig,
    pub(super) feeds: Mutex<Feeds>,
    /// Wakes the pub/sub task to (un)subscribe after a feed was added or dropped.
    pub(super) pubsub_wake: Arc<Notify>,
    /// The stream feeds' counterpart; the stream task needs no wake-up, as it re-reads the
    /// feed list after each (short) XREAD BLOCK.
    pub(super) streams_wake: Arc<Notify>,
    pub(super) pubsub_up: watch::Sender<bool>,
    pub(super) streams_up: watch::Sender<bool>,
    pub(super) recent: RecentByTarget,
    pub(super) stats: Arc<BrokerStats>,
}

impl Shared {
    pub(super) fn feeds(&self) -> std::sync::MutexGuard<'_, Feeds> {
        self.feeds.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The live channel feeds, or `None` (and the task marked stopped) when there are none.
fn wanted_channels(shared: &Shared) -> Option<HashSet<RedisFeed>> {
    let mut feeds = shared.feeds();
    feeds.channels.retain(|_, f| f.strong_count() > 0);
    if feeds.channels.is_empty() {
        feeds.pubsub_running = false;
        return None;
    }
    Some(feeds.channels.keys().cloned().collect())
}

/// The pub/sub connection task: keeps the connection's subscriptions equal to the wanted
/// channels, routes messages to their feeds, reconnects after a loss; ends (closing the
/// connection) when no feed is left.
pub(super) async fn run_pubsub(shared: Arc<Shared>) {
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
    let timeout = duration_ms(shared.config.connect_timeout_ms);
    loop {
        if wanted_channels(&shared).is_none() {
            return;
        }
        let pubsub = match tokio::time::timeout(timeout, shared.client.get_async_pubsub()).await {
            Ok(Ok(pubsub)) => pubsub,
            Ok(Err(e)) => {
                connection_failed(&shared, &shared.pubsub_up, &e.to_string(), &mut backoff).await;
                continue;
            }
            Err(_) => {
                connection_failed(
                    &shared,
                    &shared.pubsub_up,
                    "connect timed out",
                    &mut backoff,
                )
                .await;
                continue;
            }
        };
        let (mut sink, mut messages) = pubsub.split();
        let mut subscribed: HashSet<RedisFeed> = HashSet::new();
        let mut announced = false;
        // The subscriptions are brought in line with the feeds on connect and after a wake
        // (a feed added or dropped), not on every message.
        let mut dirty = true;
        let lost = loop {
            if !dirty {
                tokio::select! {
                    () = shared.pubsub_wake.notified() => dirty = true,
                    message = messages.next() => {
                        let Some(message) = message else {
                            break "connection lost".to_owned();
                        };
                        route_message(&shared, &message);
                    }
                }
                continue;
            }
            dirty = false;
            let Some(wanted) = wanted_channels(&shared) else {
                return;
            };
            let mut failed = None;
            for feed in wanted.difference(&subscribed) {
                let RedisFeed::Channel { name, pattern } = feed else {
                    continue;
                };
                let done = if *pattern {
                    tokio::time::timeout(timeout, sink.psubscribe(name)).await
                } else {
                    tokio::time::timeout(timeout, sink.subscribe(name)).await
                };
                match done {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => failed = Some(format!("cannot subscribe to {name}: {e}")),
                    Err(_) => failed = Some(format!("subscribing to {name} timed out")),
                }
                if failed.is_some() {
                    break;
                }
            }
            if let Some(why) = failed {
                break why;
            }
            for feed in subscribed.difference(&wanted) {
                if let RedisFeed::Channel { name, pattern } = feed {
                    let _ = if *pattern {
                        tokio::time::timeout(timeout, sink.punsubscribe(name)).await
                    } else {
                        tokio::time::timeout(timeout, sink.unsubscribe(name)).await
                    };
                }
            }
            subscribed = wanted;
            if !announced {
                announced = true;
                backoff.reset();
                shared
                    .pubsub_up
                    .send_if_modified(|up| !std::mem::replace(up, true));
            }
        };
        connection_failed(&shared, &shared.pubsub_up, &lost, &mut backoff).await;
    }
}

/// Sends a pub/sub message to the feed of its channel (or pattern), if one still wants it.
fn route_message(shared: &Shared, message: &::redis::Msg) {
    let key = match message.get_pattern::<Option<String>>() {
        Ok(Some(pattern)) => RedisFeed::Channel {
            name: pattern,
            pattern: true,
        },
        _ => RedisFeed::Channel {
            name: message.get_channel_name().to_owned(),
            pattern: false,
        },
    };
    let feed = shared.feeds().channels.get(&key).and_then(Weak::upgrade);
    if let Some(feed) = feed {
        let _ = feed.tx.send(Arc::new(Delivery {
            channel: message.get_channel_name().to_owned(),
            payload: message.get_payload_bytes().to_vec(),
            at_ms: None,
        }));
    }
}

/// Marks a connection down and waits before the next attempt.
async fn connection_failed(
    shared: &Shared,
    up: &watch::Sender<bool>,
    why: &str,
    backoff: &mut Backoff,
) {
    if up.send_if_modified(|up| std::mem::replace(up, false)) {
        tracing::warn!(
            source = shared.name,
            error = why,
            "Redis connection lost; reconnecting"
        );
    }
    tokio::time::sleep(backoff.next_delay()).await;
}

/// The live stream feeds with the id each has read up to (resolving new feeds' start with
/// `resolve`), or `None` (and the task marked stopped) when there are none.
fn wanted_streams(shared: &Shared) -> Option<Vec<(RedisFeed, Option<EntryId>)>> {
    let mut feeds = shared.feeds();
    feeds.streams.retain(|_, (f, _)| f.strong_count() > 0);
    if feeds.streams.is_empty() {
        feeds.streams_running = false;
        return None;
    }
    Some(
        feeds
            .streams
            .iter()
            .map(|(k, (_, last))| (k.clone(), *last))
            .collect(),
    )
}

/// The stream connection task: one `XREAD BLOCK` over every watched stream (from the oldest
/// position any feed of it needs), entries routed to the feeds that have not seen them.
pub(super) async fn read_streams(shared: Arc<Shared>) {
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
    let timeout = duration_ms(shared.config.connect_timeout_ms);
    let config = ::redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout + Duration::from_millis(XREAD_BLOCK_MS as u64)));
    let options = StreamReadOptions::default()
        .count(XREAD_COUNT)
        .block(XREAD_BLOCK_MS);
    loop {
        if wanted_streams(&shared).is_none() {
            return;
        }
        let mut conn = match shared
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await
        {
            Ok(conn) => conn,
            Err(e) => {
                connection_failed(&shared, &shared.streams_up, &e.to_string(), &mut backoff).await;
                continue;
            }
        };
        let lost = loop {
            let Some(wanted) = wanted_streams(&shared) else {
                return;
            };
            // New feeds start after the stream's last entry now, or just before `startTime`.
            let mut failed = None;
            for (feed, last) in &wanted {
                let RedisFeed::Stream { key, start_ms } = feed else {
                    continue;
                };
                if last.is_some() {
                    continue;
                }
                let start = match start_ms {
                    Some(ms) => Ok((u64::try_from(*ms).unwrap_or(0).saturating_sub(1), u64::MAX)),
                    None => conn
                        .xrevrange_count::<_, _, _, _, ::redis::streams::StreamRangeReply>(
                            key, "+", "-", 1,
                        )
                        .await
                        .map(|r| {
                            r.ids
                                .first()
                                .and_then(|e| parse_id(&e.id))
                                .unwrap_or((0, 0))
                        }),
                };
                match start {
                    Ok(id) => {
                        if let Some(entry) = shared.feeds().streams.get_mut(feed) {
                            entry.1 = Some(id);
                        }
                    }
                    Err(e) => failed = Some(e.to_string()),
                }
            }
            if let Some(why) = failed {
                break why;
            }
            if shared
                .streams_up
                .send_if_modified(|up| !std::mem::replace(up, true))
            {
                backoff.reset();
            }
            // Each stream once, from the oldest position any of its feeds needs.
            let mut from: HashMap<String, EntryId> = HashMap::new();
            {
                let feeds = shared.feeds();
                for (feed, (_, last)) in &feeds.streams {
                    if let (RedisFeed::Stream { key, .. }, Some(last)) = (feed, last) {
                        let entry = from.entry(key.clone()).or_insert(*last);
                        *entry = (*entry).min(*last);
                    }
                }
            }
            if from.is_empty() {
                continue;
            }
            let keys: Vec<&String> = from.keys().collect();
            let ids: Vec<String> = keys
                .iter()
                .map(|k| {
                    let (ms, seq) = from[*k];
                    format!("{ms}-{seq}")
                })
                .collect();
            // A blocked XREAD holds the connection, so new feeds join at the next round.
            let reply: Option<StreamReadReply> =
                match conn.xread_options(&keys, &ids, &options).await {
                    Ok(reply) => reply,
                    Err(e) if e.is_timeout() => None,
                    Err(e) => break e.to_string(),
                };
            for stream in reply.map(|r| r.keys).unwrap_or_default() {
                route_entries(&shared, &stream.key, &stream.ids);
            }
        };
        connection_failed(&shared, &shared.streams_up, &lost, &mut backoff).await;
    }
}

/// Sends each entry of `key` to the feeds that have not seen it, as a JSON object of fields.
fn route_entries(shared: &Shared, key: &str, entries: &[::redis::streams::StreamId]) {
    let mut feeds = shared.feeds();
    for (feed, (weak, last)) in feeds.streams.iter_mut() {
        let RedisFeed::Stream { key: k, .. } = feed else {
            continue;
        };
        let (Some(feed), Some(seen)) = (weak.upgrade(), last.as_mut()) else {
            continue;
        };
        if k != key {
            continue;
        }
        for entry in entries {
            let Some(id) = parse_id(&entry.id) else {
                continue;
            };
            if id <= *seen {
                continue;
            }
            *seen = id;
            let mut fields = Map::new();
            for (name, value) in &entry.map {
                if let Ok(text) = ::redis::from_redis_value_ref::<String>(value) {
                    fields.insert(name.clone(), Value::String(text));
                }
            }
            let _ = feed.tx.send(Arc::new(Delivery {
                channel: key.to_owned(),
                payload: Value::Object(fields).to_string().into_bytes(),
                at_ms: i64::try_from(id.0).ok(),
            }));
        }
    }
}

fn parse_id(id: &str) -> Option<EntryId> {
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

pub(super) fn duration_ms(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}
