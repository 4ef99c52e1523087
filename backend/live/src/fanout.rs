//! Spreading a topic's fan-out over the cores.
//!
//! A topic pushes each event into every watching connection's inbox, and an idle connection's
//! push is a `send` on its socket ([`crate::direct`]). For a topic with many connections that
//! is milliseconds of work, so the connections are split into shards by inbox id, one per
//! core (up to four), and each shard is served by its own helper thread, pinned to its own
//! core. Pinned, because on two cores the scheduler often woke a helper on the core of the
//! thread that woke it and left the other core idle for the whole burst (seen with
//! `perf sched`: 5-6 ms bursts instead of 3). A connection always lands in the same shard
//! and each helper runs its jobs in order, so every connection still gets a topic's events
//! in order.

use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, OnceLock};
use std::thread;

use crate::direct::FrameCache;
use crate::hub::Counters;
use crate::inbox::{Inbox, Pushed};
use crate::topic::LiveEvent;

/// A topic with at least this many connections splits its fan-out (and keeps splitting).
pub(crate) const SPLIT_AT: usize = 64;
/// At most this many queued jobs a helper takes at once.
const MAX_BATCH: usize = 32;
/// At most this many shards, however many cores.
const MAX_SHARDS: usize = 4;

/// Connections of one shard of a topic, with their subscription tags.
pub(crate) type InboxList = Arc<Vec<(Arc<Inbox>, u64)>>;

/// The hub's fan-out helpers: one thread per shard, started when a topic first splits.
#[derive(Debug)]
pub(crate) struct Fanout {
    shards: usize,
    helpers: OnceLock<Vec<Sender<Job>>>,
}

#[derive(Debug)]
struct Job {
    inboxes: InboxList,
    event: LiveEvent,
    counters: Arc<Counters>,
}

impl Job {
    fn run(&self) {
        let written = deliver(&self.inboxes, &self.event);
        self.counters.frames_written(written);
    }
}

impl Default for Fanout {
    fn default() -> Self {
        let cores = thread::available_parallelism().map_or(1, |n| n.get());
        Fanout {
            shards: cores.clamp(1, MAX_SHARDS),
            helpers: OnceLock::new(),
        }
    }
}

impl Fanout {
    /// How many shards a topic splits its connections into.
    pub(crate) fn shards(&self) -> usize {
        self.shards
    }

    /// Delivers `event` to shard `shard` on that shard's helper thread.
    pub(crate) fn spawn(
        &self,
        shard: usize,
        inboxes: InboxList,
        event: LiveEvent,
        counters: Arc<Counters>,
    ) {
        let helpers = self
            .helpers
            .get_or_init(|| (0..self.shards).filter_map(start_helper).collect());
        let job = Job {
            inboxes,
            event,
            counters,
        };
        let job = match helpers.get(shard) {
            Some(helper) => match helper.send(job) {
                Ok(()) => return,
                Err(refused) => refused.0,
            },
            None => job,
        };
        // No helper thread (the system would not start one): serve the shard here.
        job.run();
    }
}

/// Runs queued jobs in order; consecutive jobs for the same connections (the same topic,
/// unchanged membership) go out together.
fn run_batch(jobs: &[Job]) {
    let mut start = 0;
    while start < jobs.len() {
        let list = &jobs[start].inboxes;
        let end = start
            + jobs[start..]
                .iter()
                .take_while(|job| Arc::ptr_eq(&job.inboxes, list))
                .count();
        match &jobs[start..end] {
            [one] => one.run(),
            group => {
                let events: Vec<&LiveEvent> = group.iter().map(|job| &job.event).collect();
                let mut frames = FrameCache::default();
                let written = list
                    .iter()
                    .map(|(inbox, tag)| inbox.push_all(*tag, &events, &mut frames))
                    .sum();
                group[0].counters.frames_written(written);
            }
        }
        start = end;
    }
}

/// Pushes `event` into each inbox; returns how many connections got it written directly.
pub(crate) fn deliver(inboxes: &[(Arc<Inbox>, u64)], event: &LiveEvent) -> u64 {
    let mut frames = FrameCache::default();
    let mut written = 0;
    for (inbox, tag) in inboxes {
        if inbox.push(*tag, event, &mut frames) == Pushed::Written {
            written += 1;
        }
    }
    written
}

fn start_helper(shard: usize) -> Option<Sender<Job>> {
    let (tx, rx) = mpsc::channel::<Job>();
    let spawned = thread::Builder::new()
        .name(format!("live-fanout-{shard}"))
        .spawn(move || {
            pin(shard);
            // Ends when the hub (every sender) is gone.
            while let Ok(first) = rx.recv() {
                // Under load, jobs wait: take what is queued and send each connection all of
                // a topic's waiting frames in one write.
                let mut jobs = vec![first];
                while jobs.len() < MAX_BATCH
                    && let Ok(job) = rx.try_recv()
                {
                    jobs.push(job);
                }
                run_batch(&jobs);
            }
        });
    match spawned {
        Ok(_) => Some(tx),
        Err(e) => {
            tracing::warn!(error = %e, "cannot start a live fan-out thread; fanning out inline");
            None
        }
    }
}

/// Keeps shard `shard`'s helper on its own core (the `shard`-th this process may use), so the
/// helpers never queue up on one core while another idles.
fn pin(shard: usize) {
    use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
    use nix::unistd::Pid;
    let Ok(allowed) = sched_getaffinity(Pid::from_raw(0)) else {
        return;
    };
    let cpus: Vec<usize> = (0..CpuSet::count())
        .filter(|&cpu| allowed.is_set(cpu).unwrap_or(false))
        .collect();
    if cpus.len() < 2 {
        return;
    }
    let mut one = CpuSet::new();
    if one.set(cpus[shard % cpus.len()]).is_ok() {
        let _ = sched_setaffinity(Pid::from_raw(0), &one);
    }
}
