//! The in-memory ring buffers: per stream, per series, samples in ascending time, bounded by
//! point count, by age and by the number of series.
//!
//! Age is measured from the store's *watermark*: the newest timestamp accepted so far (capped
//! at wall-clock now plus [`MAX_FUTURE_MS`], so one point stamped in the far future, e.g.
//! nanoseconds sent as milliseconds, cannot expire everything). Measuring from data rather
//! than from the clock makes replay after a restart rebuild exactly the buffers that were
//! there, and keeps the last hour of a source that went quiet visible.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};

use pulsegrid_model::{Labels, Sample, Series, SeriesKey, SeriesSelector, TimeRange};

/// How far past wall-clock now a point may move the watermark.
pub(crate) const MAX_FUTURE_MS: i64 = 5 * 60_000;

/// The identity of a series without owning it, so a written [`Series`] can look up its ring
/// without cloning its name and labels.
trait KeyView {
    fn name(&self) -> &str;
    fn labels(&self) -> &Labels;
}

impl KeyView for SeriesKey {
    fn name(&self) -> &str {
        &self.name
    }
    fn labels(&self) -> &Labels {
        &self.labels
    }
}

impl KeyView for Series {
    fn name(&self) -> &str {
        &self.name
    }
    fn labels(&self) -> &Labels {
        &self.labels
    }
}

impl Hash for dyn KeyView + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name().hash(state);
        self.labels().hash(state);
    }
}

impl PartialEq for dyn KeyView + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name() && self.labels() == other.labels()
    }
}

impl Eq for dyn KeyView + '_ {}

/// A stored series key, hashed exactly like its [`KeyView`].
#[derive(Debug, PartialEq, Eq)]
struct StoredKey(SeriesKey);

impl Hash for StoredKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (&self.0 as &dyn KeyView).hash(state);
    }
}

impl<'a> Borrow<dyn KeyView + 'a> for StoredKey {
    fn borrow(&self) -> &(dyn KeyView + 'a) {
        &self.0
    }
}

/// One series' samples, ascending by time, unique timestamps.
#[derive(Debug, Default)]
struct Ring(VecDeque<Sample>);

impl Ring {
    /// Inserts in place (a later write for the same timestamp replaces the value), then drops
    /// the oldest beyond `cap` and those before `cutoff`. Returns the change in length.
    fn insert(&mut self, s: Sample, cap: usize, cutoff: i64) -> isize {
        if s.t < cutoff {
            return 0;
        }
        let before = self.0.len() as isize;
        match self.0.back() {
            None => self.0.push_back(s),
            Some(last) if last.t < s.t => self.0.push_back(s),
            _ => {
                let i = self.0.partition_point(|x| x.t < s.t);
                match self.0.get_mut(i) {
                    Some(x) if x.t == s.t => x.v = s.v,
                    _ => self.0.insert(i, s),
                }
            }
        }
        while self.0.len() > cap {
            self.0.pop_front();
        }
        self.0.len() as isize - before + self.trim(cutoff)
    }

    /// Drops samples before `cutoff`; returns the (non-positive) change in length.
    fn trim(&mut self, cutoff: i64) -> isize {
        let n = self.0.partition_point(|x| x.t < cutoff);
        self.0.drain(..n);
        -(n as isize)
    }

    /// The samples in `[from, to]`.
    fn range(&self, from: i64, to: i64) -> impl Iterator<Item = &Sample> {
        let start = self.0.partition_point(|x| x.t < from);
        let end = self.0.partition_point(|x| x.t <= to);
        self.0.range(start..end.max(start))
    }
}

/// Every stream's ring buffers and their bounds.
#[derive(Debug)]
pub(crate) struct Buffers {
    streams: HashMap<String, HashMap<StoredKey, Ring>>,
    series: usize,
    points: usize,
    watermark: i64,
    max_points: usize,
    max_age_ms: i64,
    max_series: usize,
}

impl Buffers {
    pub(crate) fn new(max_points: usize, max_age_ms: i64, max_series: usize) -> Self {
        Buffers {
            streams: HashMap::new(),
            series: 0,
            points: 0,
            watermark: i64::MIN,
            max_points,
            max_age_ms,
            max_series,
        }
    }

    /// Series in memory.
    pub(crate) fn series(&self) -> usize {
        self.series
    }

    /// Points in memory.
    pub(crate) fn points(&self) -> usize {
        self.points
    }

    /// Points before this are expired.
    pub(crate) fn cutoff(&self) -> i64 {
        if self.max_age_ms <= 0 {
            i64::MIN
        } else {
            self.watermark.saturating_sub(self.max_age_ms)
        }
    }

    /// The first series of `batch` that is not in memory and would not fit beside the
    /// `reserved` new ones already admitted in this group commit; `None` if all fit, and then
    /// its new series are added to `reserved`.
    pub(crate) fn admit<'b>(
        &self,
        stream: &'b str,
        batch: &'b [Series],
        reserved: &mut HashSet<(&'b str, &'b str, &'b Labels)>,
    ) -> Option<&'b Series> {
        let mut new = Vec::new();
        for s in batch {
            let id = (stream, s.name.as_str(), &s.labels);
            if self.contains(stream, s) || reserved.contains(&id) {
                continue;
            }
            new.push(id);
            if self.series + reserved.len() + new.len() > self.max_series {
                return Some(s);
            }
        }
        reserved.extend(new);
        None
    }

    /// Whether `series` more new series could never exceed the limit.
    pub(crate) fn has_room_for(&self, series: usize) -> bool {
        self.series.saturating_add(series) <= self.max_series
    }

    fn contains(&self, stream: &str, s: &Series) -> bool {
        self.streams
            .get(stream)
            .is_some_and(|m| m.contains_key(s as &dyn KeyView))
    }

    /// Moves the watermark to the newest sample of `batch` (capped at `now_ms` plus
    /// [`MAX_FUTURE_MS`]).
    pub(crate) fn advance(&mut self, batch: &[Series], now_ms: i64) {
        let cap = now_ms.saturating_add(MAX_FUTURE_MS);
        for s in batch {
            if let Some(&t) = s.t.iter().max() {
                self.watermark = self.watermark.max(t.min(cap));
            }
        }
    }

    /// Inserts `batch` into `stream`'s rings; series beyond `max_series` are skipped and
    /// counted in the result (the writer admits batches first, so this happens only when a
    /// replay meets a lowered limit).
    pub(crate) fn apply(&mut self, stream: &str, batch: &[Series]) -> usize {
        let cutoff = self.cutoff();
        let mut refused = 0;
        if !self.streams.contains_key(stream) {
            self.streams.insert(stream.to_owned(), HashMap::new());
        }
        let Some(rings) = self.streams.get_mut(stream) else {
            return 0;
        };
        for s in batch {
            let ring = match rings.get_mut(s as &dyn KeyView) {
                Some(ring) => ring,
                None => {
                    if self.series >= self.max_series {
                        refused += 1;
                        continue;
                    }
                    self.series += 1;
                    rings.entry(StoredKey(s.key())).or_default()
                }
            };
            let mut delta = 0;
            for (&t, &v) in s.t.iter().zip(&s.v) {
                delta += ring.insert(Sample { t, v }, self.max_points, cutoff);
            }
            self.points = self.points.saturating_add_signed(delta);
        }
        refused
    }

    /// Drops expired samples everywhere, then series and streams left empty.
    pub(crate) fn sweep(&mut self) {
        let cutoff = self.cutoff();
        let mut points = 0;
        let mut series = 0;
        for rings in self.streams.values_mut() {
            rings.retain(|_, ring| {
                ring.trim(cutoff);
                points += ring.0.len();
                !ring.0.is_empty()
            });
            series += rings.len();
        }
        self.streams.retain(|_, rings| !rings.is_empty());
        self.points = points;
        self.series = series;
    }

    /// Series of every stream (or of `stream` only) that `selector` matches (all if `None`),
    /// with their samples in `range` that are not expired; sorted by key, then stream.
    pub(crate) fn query(
        &self,
        stream: Option<&str>,
        selector: Option<&SeriesSelector>,
        range: TimeRange,
    ) -> Vec<Series> {
        let from = range.from_ms.max(self.cutoff());
        let mut found: Vec<(&SeriesKey, &str, Series)> = Vec::new();
        for (name, rings) in &self.streams {
            if stream.is_some_and(|s| s != name) {
                continue;
            }
            for (key, ring) in rings {
                if selector.is_some_and(|sel| !sel.matches(&key.0)) {
                    continue;
                }
                let mut samples = ring.range(from, range.to_ms).peekable();
                if samples.peek().is_none() {
                    continue;
                }
                let mut series = Series::new(key.0.clone());
                for s in samples {
                    series.push(s.t, s.v);
                }
                found.push((&key.0, name, series));
            }
        }
        found.sort_by(|a, b| a.0.cmp(b.0).then_with(|| a.1.cmp(b.1)));
        found.into_iter().map(|(_, _, s)| s).collect()
    }

    /// Every stream's series with all their samples, in chunks of at most `chunk` series, for
    /// a snapshot.
    pub(crate) fn for_each_chunk(&self, chunk: usize, mut f: impl FnMut(&str, &[Series])) {
        for (stream, rings) in &self.streams {
            let mut batch = Vec::with_capacity(chunk.min(rings.len()));
            for (key, ring) in rings {
                let mut s = Series::new(key.0.clone());
                for x in &ring.0 {
                    s.push(x.t, x.v);
                }
                batch.push(s);
                if batch.len() == chunk {
                    f(stream, &batch);
                    batch.clear();
                }
            }
            if !batch.is_empty() {
                f(stream, &batch);
            }
        }
    }
}

#[cfg(test)]
mod tests;
