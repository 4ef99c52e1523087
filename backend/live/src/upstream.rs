//! The one upstream task of a query topic: polls the source over the sliding window, or loads
//! the window once and then follows the source's subscription. Upstream trouble becomes a
//! `status` event on each transition (down, then up again) and is retried with capped
//! exponential backoff and jitter; an invalid query becomes an `error` event and the task
//! waits, idle, for its topic to end.

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use pulsegrid_connectors::{LiveMode, QueryRequest, Source, SourceError, SourceEvent};
use pulsegrid_model::{Series, TimeRange};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::hub::{Counters, HubConfig, now_ms};
use crate::topic::Topic;
use crate::window;

/// The shortest poll interval the hub accepts, so a typo cannot hammer a datasource.
const MIN_POLL_MS: i64 = 10;
/// Events a subscribing source may buffer before it waits for the topic.
const SOURCE_BUFFER: usize = 64;

/// What a query topic runs.
#[derive(Debug)]
pub(crate) struct QueryJob {
    pub(crate) target: Value,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) max_data_points: u32,
    pub(crate) refresh_ms: i64,
    /// Re-query the window even if the source could stream (the window lies in the past).
    pub(crate) poll_only: bool,
}

impl QueryJob {
    /// The request for the window as of now, its start aligned to the step so that points
    /// keep their timestamps from one poll to the next. Polls align the end too (as Grafana
    /// does, so a step is never evaluated in the future); a followed stream keeps the real end,
    /// or the points between the aligned end and now would be in neither the window nor the
    /// stream.
    fn request(&self, align_end: bool) -> Result<QueryRequest, String> {
        let range = TimeRange::parse(&self.from, &self.to, now_ms()).map_err(|e| e.to_string())?;
        let mut req = QueryRequest::new(self.target.clone(), range, self.max_data_points, 0);
        let step = req.interval_ms.max(1);
        req.range = TimeRange {
            from_ms: range.from_ms.div_euclid(step) * step,
            to_ms: if align_end {
                range.to_ms.div_euclid(step) * step
            } else {
                range.to_ms
            },
        };
        Ok(req)
    }
}

/// Runs a query topic until its cancellation token fires.
pub(crate) async fn run(
    topic: Arc<Topic>,
    source: Arc<dyn Source>,
    job: QueryJob,
    config: HubConfig,
    counters: Arc<Counters>,
) {
    let mut upstream = Upstream {
        topic,
        source,
        job,
        counters,
        backoff: Backoff::new(config.backoff_initial_ms, config.backoff_max_ms),
        down: false,
        max_window_ms: config.max_window_ms,
        max_points: config.max_window_points,
    };
    let cancel = upstream.topic.cancel.clone();
    tokio::select! {
        () = cancel.cancelled() => {}
        () = upstream.run() => {}
    }
}

struct Upstream {
    topic: Arc<Topic>,
    source: Arc<dyn Source>,
    job: QueryJob,
    counters: Arc<Counters>,
    backoff: Backoff,
    down: bool,
    max_window_ms: i64,
    max_points: usize,
}

/// What to do after an upstream failure.
enum Failure {
    /// Retry after the backoff.
    Retry,
    /// Stop: the query cannot succeed.
    Fatal,
}

impl Upstream {
    async fn run(&mut self) {
        let mode = match self.source.live_mode(&self.job.target, self.job.refresh_ms) {
            LiveMode::Subscribe if self.job.poll_only => LiveMode::Poll {
                every_ms: self.job.refresh_ms,
            },
            mode => mode,
        };
        match mode {
            LiveMode::Poll { every_ms } => self.poll(every_ms).await,
            LiveMode::Subscribe => self.follow().await,
        }
        // Only a fatal error gets here: stay idle until the topic is cancelled.
        std::future::pending::<()>().await;
    }

    /// Queries the window; a failure is reported (status or error) before it is returned.
    async fn query(&mut self, align_end: bool) -> Result<(QueryRequest, Vec<Series>), Failure> {
        let req = match self.job.request(align_end) {
            Ok(req) => req,
            Err(message) => {
                self.topic.publish_error(&message);
                return Err(Failure::Fatal);
            }
        };
        self.counters
            .upstream_queries
            .fetch_add(1, Ordering::Relaxed);
        match self.source.query_range(&req).await {
            Ok(series) => {
                self.recovered();
                Ok((req, series))
            }
            Err(e) => Err(self.failed(e)),
        }
    }

    fn recovered(&mut self) {
        self.backoff.reset();
        if self.down {
            self.down = false;
            self.topic
                .publish_status(true, &format!("datasource {} is back", self.source.uid()));
        }
    }

    fn failed(&mut self, error: SourceError) -> Failure {
        self.counters
            .upstream_errors
            .fetch_add(1, Ordering::Relaxed);
        match error {
            SourceError::InvalidQuery(_)
            | SourceError::Unsupported(_)
            | SourceError::Config { .. } => {
                self.topic.publish_error(&error.to_string());
                Failure::Fatal
            }
            SourceError::Upstream { .. } => {
                if !self.down {
                    self.down = true;
                    tracing::warn!(datasource = self.source.uid(), %error, "live query failed");
                    self.topic.publish_status(false, &error.to_string());
                }
                Failure::Retry
            }
        }
    }

    /// Poll mode: query every `every_ms`, publishing what is new.
    async fn poll(&mut self, every_ms: i64) {
        let every = duration_ms(every_ms.max(MIN_POLL_MS));
        loop {
            let started = Instant::now();
            let delay = match self.query(true).await {
                Ok((req, series)) => {
                    self.topic.publish_poll(series, req.range.from_ms);
                    every.saturating_sub(started.elapsed())
                }
                Err(Failure::Retry) => self.backoff.next_delay(),
                Err(Failure::Fatal) => return,
            };
            tokio::time::sleep(delay).await;
        }
    }

    /// Subscribe mode: start the source's stream, load the window while it starts, then
    /// follow the stream; start over after the stream fails. Subscribing first means a point
    /// that arrives while the window loads is not lost; points the window already holds are
    /// dropped from the stream's first frames ([`Covered`]).
    async fn follow(&mut self) {
        loop {
            let (tx, mut rx) = mpsc::channel(SOURCE_BUFFER);
            let cancel = self.topic.cancel.child_token();
            // Drop the child token when this iteration ends, stopping the source's task.
            let _stop = cancel.clone().drop_guard();
            let source = self.source.clone();
            let target = self.job.target.clone();
            let subscription = source.subscribe(&target, tx, cancel);
            tokio::pin!(subscription);
            let loaded = tokio::select! {
                loaded = self.query(false) => loaded,
                outcome = &mut subscription => {
                    // The stream ended before the window loaded: an outage (or a bad target).
                    if self.stream_ended(outcome) {
                        return;
                    }
                    tokio::time::sleep(self.backoff.next_delay()).await;
                    continue;
                }
            };
            let (window_ms, mut covered) = match loaded {
                Ok((req, mut series)) => {
                    let window_ms = req.range.span_ms().min(self.max_window_ms);
                    window::trim(&mut series, now_ms() - window_ms, self.max_points);
                    let covered = Covered::of(&series);
                    self.topic.publish_replace(series);
                    (window_ms, covered)
                }
                Err(Failure::Retry) => {
                    tokio::time::sleep(self.backoff.next_delay()).await;
                    continue;
                }
                Err(Failure::Fatal) => return,
            };
            let outcome = loop {
                tokio::select! {
                    outcome = &mut subscription => break outcome,
                    Some(event) = rx.recv() => self.on_event(covered.filter(event), window_ms),
                }
            };
            while let Ok(event) = rx.try_recv() {
                self.on_event(covered.filter(event), window_ms);
            }
            if self.stream_ended(outcome) {
                return;
            }
            tokio::time::sleep(self.backoff.next_delay()).await;
        }
    }

    /// Reports how a stream ended; true if the failure is fatal (the target is invalid).
    fn stream_ended(&mut self, outcome: Result<(), SourceError>) -> bool {
        match outcome {
            Ok(()) => {
                // The source gave up without being cancelled: treat as an outage.
                self.failed(SourceError::Upstream {
                    source_name: self.source.uid().to_owned(),
                    message: "subscription ended".to_owned(),
                });
                false
            }
            Err(e) => matches!(self.failed(e), Failure::Fatal),
        }
    }

    fn on_event(&mut self, event: SourceEvent, window_ms: i64) {
        match event {
            SourceEvent::Frame { series, replace } => {
                if self.down {
                    self.recovered();
                }
                if replace {
                    let mut series = series;
                    window::trim(&mut series, now_ms() - window_ms, self.max_points);
                    self.topic.publish_replace(series);
                } else {
                    self.topic
                        .publish_append(series, now_ms() - window_ms, self.max_points);
                }
            }
            SourceEvent::Status { up: true, .. } => self.recovered(),
            SourceEvent::Status { up: false, message } => {
                if !self.down {
                    self.down = true;
                    self.topic.publish_status(false, &message);
                }
            }
        }
    }
}

/// The newest timestamp per series of a loaded window. A stream started before the window
/// loaded may repeat points the window already holds; those are dropped. A series leaves the
/// map once the stream has passed its newest point, so a settled stream costs nothing here.
#[derive(Debug, Default)]
struct Covered(Vec<(Series, i64)>);

impl Covered {
    fn of(window: &[Series]) -> Covered {
        Covered(
            window
                .iter()
                .filter_map(|s| {
                    let last = *s.t.last()?;
                    let key = Series {
                        name: s.name.clone(),
                        labels: s.labels.clone(),
                        t: Vec::new(),
                        v: Vec::new(),
                    };
                    Some((key, last))
                })
                .collect(),
        )
    }

    fn filter(&mut self, event: SourceEvent) -> SourceEvent {
        if self.0.is_empty() {
            return event;
        }
        match event {
            SourceEvent::Frame {
                replace: true,
                series,
            } => {
                self.0.clear();
                SourceEvent::Frame {
                    replace: true,
                    series,
                }
            }
            SourceEvent::Frame {
                replace: false,
                mut series,
            } => {
                for s in &mut series {
                    let Some(at) = self
                        .0
                        .iter()
                        .position(|(k, _)| k.name == s.name && k.labels == s.labels)
                    else {
                        continue;
                    };
                    let last = self.0[at].1;
                    let keep = s.t.partition_point(|t| *t <= last);
                    if keep > 0 {
                        s.t.drain(..keep);
                        s.v.drain(..keep);
                    }
                    if !s.t.is_empty() {
                        self.0.swap_remove(at);
                    }
                }
                series.retain(|s| !s.t.is_empty());
                SourceEvent::Frame {
                    replace: false,
                    series,
                }
            }
            status => status,
        }
    }
}

fn duration_ms(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// Capped exponential backoff with jitter (each delay is 50–100 % of the nominal one, so
/// topics that failed together do not retry together).
#[derive(Debug)]
pub(crate) struct Backoff {
    initial_ms: i64,
    max_ms: i64,
    next_ms: i64,
    random: RandomState,
    draws: u64,
}

impl Backoff {
    pub(crate) fn new(initial_ms: i64, max_ms: i64) -> Backoff {
        let initial_ms = initial_ms.max(1);
        Backoff {
            initial_ms,
            max_ms: max_ms.max(initial_ms),
            next_ms: initial_ms,
            random: RandomState::new(),
            draws: 0,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.next_ms = self.initial_ms;
    }

    pub(crate) fn next_delay(&mut self) -> Duration {
        let nominal = self.next_ms;
        self.next_ms = nominal.saturating_mul(2).min(self.max_ms);
        self.draws += 1;
        let half = nominal / 2;
        let span = u64::try_from(nominal - half).unwrap_or(0) + 1;
        let jitter = i64::try_from(self.random.hash_one(self.draws) % span).unwrap_or(0);
        duration_ms(half + jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let mut backoff = Backoff::new(100, 350);
        let delays: Vec<u128> = (0..5).map(|_| backoff.next_delay().as_millis()).collect();
        let nominal = [100, 200, 350, 350, 350];
        for (d, n) in delays.iter().zip(nominal) {
            assert!(*d >= n / 2 && *d <= n, "{delays:?}");
        }
        backoff.reset();
        assert!(backoff.next_delay().as_millis() <= 100);
    }

    /// Polls align both ends to the step; a followed stream's window reaches now.
    #[test]
    fn followed_windows_end_now_polled_windows_end_on_a_step() {
        let job = QueryJob {
            target: serde_json::json!({"expr": "x"}),
            from: "now-6h".into(),
            to: "now".into(),
            max_data_points: 500,
            refresh_ms: 10_000,
            poll_only: false,
        };
        let before = now_ms();
        let polled = job.request(true).unwrap();
        let step = polled.interval_ms;
        assert!(step > 1_000, "{step}");
        assert_eq!(polled.range.to_ms % step, 0);
        assert_eq!(polled.range.from_ms % step, 0);
        let followed = job.request(false).unwrap();
        assert!(followed.range.to_ms >= before);
        assert_eq!(followed.range.from_ms % step, 0);
    }
}
