//! Silences with Alertmanager's semantics (`silence/silence.go`) and its v2 API JSON shape, so
//! `amtool silence add|query|expire` work against Pulsegrid's API unchanged.
//!
//! - A silence is pending before `startsAt`, active until `endsAt`, expired after.
//! - Creating: a start in the past becomes now; the end must be after the start and not in the
//!   past; at least one matcher, and not all matchers may match the empty string.
//! - Updating an existing id: done in place only if the matchers are equal and the change does
//!   not rewrite history (an active silence keeps its start and may not end in the past; a
//!   pending one may not start in the past). Otherwise a new silence with a new id is created
//!   and the old one, unless already expired, is expired: history is kept.
//! - Expiring: an active silence ends now; a pending one starts and ends now.

use std::collections::BTreeMap;

use pulsegrid_model::Labels;
use serde::{Deserialize, Serialize};

use super::error::{Error, Result};
use super::matchers::{MatchType, Matcher, Matchers, is_valid_label_name};
use super::timestamp::serde_millis;

/// One matcher of a silence in the v2 API shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SilenceMatcher {
    /// Label name.
    pub name: String,
    /// Value or regex.
    pub value: String,
    /// Whether `value` is a regex.
    pub is_regex: bool,
    /// `=`/`=~` when true (the default), `!=`/`!~` when false.
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl SilenceMatcher {
    /// A matcher that can be evaluated.
    pub fn compile(&self) -> Result<Matcher> {
        let kind = match (self.is_regex, self.is_equal) {
            (false, true) => MatchType::Equal,
            (false, false) => MatchType::NotEqual,
            (true, true) => MatchType::Regex,
            (true, false) => MatchType::NotRegex,
        };
        Matcher::new(kind, self.name.clone(), self.value.clone())
    }

    /// The API shape of a parsed matcher (`amtool silence add 'a=~b'`).
    pub fn from_matcher(m: &Matcher) -> Self {
        SilenceMatcher {
            name: m.name().to_owned(),
            value: m.value().to_owned(),
            is_regex: matches!(m.kind(), MatchType::Regex | MatchType::NotRegex),
            is_equal: matches!(m.kind(), MatchType::Equal | MatchType::Regex),
        }
    }
}

/// Pending, active or expired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SilenceState {
    /// Expired: `endsAt` is past.
    Expired,
    /// Active: muting now.
    Active,
    /// Pending: `startsAt` is in the future.
    Pending,
}

/// `{"state": "active"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SilenceStatus {
    /// The state.
    pub state: SilenceState,
}

/// A silence as the v2 API returns it (`GettableSilence`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Silence {
    /// A uuid v4.
    pub id: String,
    /// Its state at the time it was read.
    pub status: SilenceStatus,
    /// Last change, Unix ms.
    #[serde(with = "serde_millis")]
    pub updated_at: i64,
    /// What it mutes.
    pub matchers: Vec<SilenceMatcher>,
    /// Start, Unix ms.
    #[serde(with = "serde_millis")]
    pub starts_at: i64,
    /// End, Unix ms.
    #[serde(with = "serde_millis")]
    pub ends_at: i64,
    /// Who created it.
    pub created_by: String,
    /// Why.
    pub comment: String,
}

/// A silence as posted to `POST /api/v2/silences` (`PostableSilence`); an `id` updates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableSilence {
    /// The silence to update, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What it mutes.
    pub matchers: Vec<SilenceMatcher>,
    /// Start, Unix ms.
    #[serde(with = "serde_millis")]
    pub starts_at: i64,
    /// End, Unix ms.
    #[serde(with = "serde_millis")]
    pub ends_at: i64,
    /// Who creates it.
    pub created_by: String,
    /// Why.
    pub comment: String,
}

/// The state of a silence with this start and end at `now`.
pub fn state_at(starts_at: i64, ends_at: i64, now: i64) -> SilenceState {
    if now < starts_at {
        SilenceState::Pending
    } else if now > ends_at {
        SilenceState::Expired
    } else {
        SilenceState::Active
    }
}

#[derive(Clone, Debug)]
struct Stored {
    silence: Silence,
    matchers: Matchers,
}

/// All silences, by id. Expired silences are kept for `retention_ms` after their end.
pub struct Silences {
    by_id: BTreeMap<String, Stored>,
    retention_ms: i64,
    next_id: Box<dyn FnMut() -> String + Send>,
}

impl Default for Silences {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Silences {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Silences")
            .field("by_id", &self.by_id)
            .field("retention_ms", &self.retention_ms)
            .finish_non_exhaustive()
    }
}

impl Silences {
    /// No silences; random uuid v4 ids; expired silences kept 5 days (Alertmanager's
    /// `--data.retention` default).
    pub fn new() -> Self {
        Silences {
            by_id: BTreeMap::new(),
            retention_ms: 120 * 3_600_000,
            next_id: Box::new(|| uuid::Uuid::new_v4().to_string()),
        }
    }

    /// Uses `next_id` for new ids (tests use a counter).
    pub fn with_id_generator(mut self, next_id: impl FnMut() -> String + Send + 'static) -> Self {
        self.next_id = Box::new(next_id);
        self
    }

    /// Keeps expired silences this long after their end.
    pub fn with_retention_ms(mut self, retention_ms: i64) -> Self {
        self.retention_ms = retention_ms;
        self
    }

    fn validate(s: &PostableSilence) -> Result<Matchers> {
        if s.matchers.is_empty() {
            return Err(Error::InvalidSilence(
                "at least one matcher required".into(),
            ));
        }
        let mut compiled = Vec::new();
        for (i, m) in s.matchers.iter().enumerate() {
            if !is_valid_label_name(&m.name) {
                return Err(Error::InvalidSilence(format!(
                    "invalid label matcher {i}: invalid label name {:?}",
                    m.name
                )));
            }
            compiled.push(
                m.compile().map_err(|e| {
                    Error::InvalidSilence(format!("invalid label matcher {i}: {e}"))
                })?,
            );
        }
        if compiled.iter().all(|m| m.matches("")) {
            return Err(Error::InvalidSilence(
                "at least one matcher must not match the empty string".into(),
            ));
        }
        if s.ends_at < s.starts_at {
            return Err(Error::InvalidSilence(
                "end time must not be before start time".into(),
            ));
        }
        Ok(Matchers::new(compiled))
    }

    /// Creates or updates a silence as `POST /api/v2/silences` does; returns its id (a new one
    /// when an update had to replace the silence).
    pub fn set(&mut self, mut post: PostableSilence, now: i64) -> Result<String> {
        if post.starts_at >= post.ends_at {
            return Err(Error::InvalidSilence(
                "start time must be before end time".into(),
            ));
        }
        if post.ends_at < now {
            return Err(Error::InvalidSilence(
                "end time can't be in the past".into(),
            ));
        }
        let matchers = Self::validate(&post)?;
        let prev = match post.id.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => Some(
                self.by_id
                    .get(id)
                    .map(|s| s.silence.clone())
                    .ok_or_else(|| Error::SilenceNotFound(id.to_owned()))?,
            ),
            None => None,
        };
        if let Some(prev) = &prev
            && can_update(prev, &post, now)
        {
            let stored = Stored {
                silence: Silence {
                    id: prev.id.clone(),
                    status: SilenceStatus {
                        state: state_at(post.starts_at, post.ends_at, now),
                    },
                    updated_at: now,
                    matchers: post.matchers,
                    starts_at: post.starts_at,
                    ends_at: post.ends_at,
                    created_by: post.created_by,
                    comment: post.comment,
                },
                matchers,
            };
            self.by_id.insert(prev.id.clone(), stored);
            return Ok(prev.id.clone());
        }
        if post.starts_at < now {
            post.starts_at = now;
        }
        let id = (self.next_id)();
        if let Some(prev) = &prev
            && state_at(prev.starts_at, prev.ends_at, now) != SilenceState::Expired
        {
            self.expire(&prev.id, now)?;
        }
        self.by_id.insert(
            id.clone(),
            Stored {
                silence: Silence {
                    id: id.clone(),
                    status: SilenceStatus {
                        state: state_at(post.starts_at, post.ends_at, now),
                    },
                    updated_at: now,
                    matchers: post.matchers,
                    starts_at: post.starts_at,
                    ends_at: post.ends_at,
                    created_by: post.created_by,
                    comment: post.comment,
                },
                matchers,
            },
        );
        Ok(id)
    }

    /// Expires a silence now (`DELETE /api/v2/silence/{id}`); expiring an expired one is a
    /// no-op.
    pub fn expire(&mut self, id: &str, now: i64) -> Result<()> {
        let stored = self
            .by_id
            .get_mut(id)
            .ok_or_else(|| Error::SilenceNotFound(id.to_owned()))?;
        let s = &mut stored.silence;
        match state_at(s.starts_at, s.ends_at, now) {
            SilenceState::Expired => return Ok(()),
            SilenceState::Active => s.ends_at = now,
            SilenceState::Pending => {
                s.starts_at = now;
                s.ends_at = now;
            }
        }
        s.updated_at = now;
        Ok(())
    }

    /// One silence with its state at `now`.
    pub fn get(&self, id: &str, now: i64) -> Option<Silence> {
        self.by_id.get(id).map(|s| with_state(&s.silence, now))
    }

    /// All silences with their state at `now`: active first, then pending, then expired (the
    /// v2 API's order), each by end time.
    pub fn list(&self, now: i64) -> Vec<Silence> {
        let mut all: Vec<Silence> = self
            .by_id
            .values()
            .map(|s| with_state(&s.silence, now))
            .collect();
        let rank = |s: &Silence| match s.status.state {
            SilenceState::Active => 0,
            SilenceState::Pending => 1,
            SilenceState::Expired => 2,
        };
        all.sort_by(|a, b| {
            rank(a)
                .cmp(&rank(b))
                .then_with(|| match a.status.state {
                    SilenceState::Expired => b.ends_at.cmp(&a.ends_at),
                    SilenceState::Pending => a.starts_at.cmp(&b.starts_at),
                    SilenceState::Active => a.ends_at.cmp(&b.ends_at),
                })
                .then_with(|| a.id.cmp(&b.id))
        });
        all
    }

    /// The ids of the active silences that mute `labels` at `now`.
    pub fn silenced_by(&self, labels: &Labels, now: i64) -> Vec<String> {
        self.by_id
            .values()
            .filter(|s| {
                state_at(s.silence.starts_at, s.silence.ends_at, now) == SilenceState::Active
            })
            .filter(|s| s.matchers.matches(labels))
            .map(|s| s.silence.id.clone())
            .collect()
    }

    /// Whether an active silence mutes `labels` at `now`.
    pub fn is_silenced(&self, labels: &Labels, now: i64) -> bool {
        self.by_id.values().any(|s| {
            state_at(s.silence.starts_at, s.silence.ends_at, now) == SilenceState::Active
                && s.matchers.matches(labels)
        })
    }

    /// Drops silences that ended more than the retention ago; returns how many.
    pub fn gc(&mut self, now: i64) -> usize {
        let before = self.by_id.len();
        let retention = self.retention_ms;
        self.by_id
            .retain(|_, s| s.silence.ends_at + retention > now);
        before - self.by_id.len()
    }

    /// Restores silences (from the store at start-up), keeping their ids.
    pub fn restore(&mut self, silences: Vec<Silence>) -> Result<()> {
        for s in silences {
            let compiled = s
                .matchers
                .iter()
                .map(SilenceMatcher::compile)
                .collect::<Result<Vec<_>>>()?;
            self.by_id.insert(
                s.id.clone(),
                Stored {
                    silence: s,
                    matchers: Matchers::new(compiled),
                },
            );
        }
        Ok(())
    }
}

fn with_state(s: &Silence, now: i64) -> Silence {
    let mut out = s.clone();
    out.status.state = state_at(s.starts_at, s.ends_at, now);
    out
}

/// Whether `prev` can be changed into `next` in place without rewriting history.
fn can_update(prev: &Silence, next: &PostableSilence, now: i64) -> bool {
    if prev.matchers != next.matchers {
        return false;
    }
    match state_at(prev.starts_at, prev.ends_at, now) {
        SilenceState::Active => {
            prev.starts_at / 1000 == next.starts_at / 1000 && next.ends_at >= now
        }
        SilenceState::Pending => next.starts_at >= now,
        SilenceState::Expired => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    const MIN: i64 = 60_000;

    fn store() -> Silences {
        let n = Arc::new(AtomicU32::new(0));
        Silences::new()
            .with_id_generator(move || format!("id-{}", n.fetch_add(1, Ordering::SeqCst) + 1))
    }

    fn post(matchers: &[(&str, &str, bool, bool)], starts: i64, ends: i64) -> PostableSilence {
        PostableSilence {
            id: None,
            matchers: matchers
                .iter()
                .map(|(n, v, re, eq)| SilenceMatcher {
                    name: (*n).into(),
                    value: (*v).into(),
                    is_regex: *re,
                    is_equal: *eq,
                })
                .collect(),
            starts_at: starts,
            ends_at: ends,
            created_by: "me".into(),
            comment: "maintenance".into(),
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().copied().collect()
    }

    #[test]
    fn states_and_muting() {
        let mut s = store();
        let now = 100 * MIN;
        let id = s
            .set(
                post(&[("site", "north", false, true)], now, now + 10 * MIN),
                now,
            )
            .unwrap();
        let pending = s
            .set(
                post(
                    &[("site", "south", false, true)],
                    now + 5 * MIN,
                    now + 10 * MIN,
                ),
                now,
            )
            .unwrap();
        let north = labels(&[("site", "north"), ("alertname", "X")]);
        let south = labels(&[("site", "south")]);
        let table = [
            (
                now,
                true,
                false,
                SilenceState::Active,
                SilenceState::Pending,
            ),
            (
                now + 5 * MIN,
                true,
                true,
                SilenceState::Active,
                SilenceState::Active,
            ),
            (
                now + 10 * MIN,
                true,
                true,
                SilenceState::Active,
                SilenceState::Active,
            ),
            (
                now + 10 * MIN + 1,
                false,
                false,
                SilenceState::Expired,
                SilenceState::Expired,
            ),
        ];
        for (t, n, so, st1, st2) in table {
            assert_eq!(s.is_silenced(&north, t), n, "north at {t}");
            assert_eq!(s.is_silenced(&south, t), so, "south at {t}");
            assert_eq!(s.get(&id, t).unwrap().status.state, st1);
            assert_eq!(s.get(&pending, t).unwrap().status.state, st2);
        }
        assert_eq!(s.silenced_by(&north, now), vec![id]);
    }

    #[test]
    fn validation() {
        let mut s = store();
        let now = 1_000 * MIN;
        let cases: &[(PostableSilence, &str)] = &[
            (post(&[], now, now + MIN), "at least one matcher"),
            (
                post(&[("a", "", false, true)], now, now + MIN),
                "must not match the empty string",
            ),
            (
                post(&[("a", ".*", true, true)], now, now + MIN),
                "must not match the empty string",
            ),
            (
                post(&[("a", "(", true, true)], now, now + MIN),
                "invalid label matcher 0",
            ),
            (
                post(&[("1a", "x", false, true)], now, now + MIN),
                "invalid label name",
            ),
            (
                post(&[("a", "x", false, true)], now + MIN, now),
                "start time must be before end time",
            ),
            (
                post(&[("a", "x", false, true)], now - 2 * MIN, now - MIN),
                "end time can't be in the past",
            ),
        ];
        for (p, want) in cases {
            let err = s.set(p.clone(), now).unwrap_err().to_string();
            assert!(err.contains(want), "{err} / {want}");
        }
        let mut unknown = post(&[("a", "x", false, true)], now, now + MIN);
        unknown.id = Some("nope".into());
        assert!(matches!(
            s.set(unknown, now),
            Err(Error::SilenceNotFound(_))
        ));
        // A start in the past is moved to now.
        let id = s
            .set(post(&[("a", "x", false, true)], now - MIN, now + MIN), now)
            .unwrap();
        assert_eq!(s.get(&id, now).unwrap().starts_at, now);
    }

    #[test]
    fn updates_in_place_or_replace() {
        let mut s = store();
        let now = 1_000 * MIN;
        let id = s
            .set(post(&[("a", "x", false, true)], now, now + 10 * MIN), now)
            .unwrap();
        // Extending an active silence with the same matchers and start: in place.
        let mut longer = post(&[("a", "x", false, true)], now, now + 20 * MIN);
        longer.id = Some(id.clone());
        assert_eq!(s.set(longer, now + MIN).unwrap(), id);
        assert_eq!(s.get(&id, now + MIN).unwrap().ends_at, now + 20 * MIN);
        // Changing the matchers of an active silence: new id, old one expired.
        let mut other = post(&[("a", "y", false, true)], now, now + 20 * MIN);
        other.id = Some(id.clone());
        let new_id = s.set(other, now + 2 * MIN).unwrap();
        assert_ne!(new_id, id);
        let old = s.get(&id, now + 2 * MIN + 1).unwrap();
        assert_eq!(old.status.state, SilenceState::Expired);
        assert_eq!(old.ends_at, now + 2 * MIN);
        let new = s.get(&new_id, now + 2 * MIN).unwrap();
        assert_eq!(
            (new.starts_at, new.status.state),
            (now + 2 * MIN, SilenceState::Active)
        );
        // Updating an expired silence creates a new one and leaves the old as it was.
        let mut revive = post(&[("a", "x", false, true)], now + 3 * MIN, now + 30 * MIN);
        revive.id = Some(id.clone());
        let revived = s.set(revive, now + 3 * MIN).unwrap();
        assert_ne!(revived, id);
        assert_eq!(s.get(&id, now + 3 * MIN).unwrap().ends_at, now + 2 * MIN);
        // A pending silence can move its start, not into the past.
        let p = s
            .set(
                post(&[("b", "x", false, true)], now + 60 * MIN, now + 90 * MIN),
                now,
            )
            .unwrap();
        let mut later = post(&[("b", "x", false, true)], now + 70 * MIN, now + 90 * MIN);
        later.id = Some(p.clone());
        assert_eq!(s.set(later, now).unwrap(), p);
    }

    #[test]
    fn expire_and_gc() {
        let mut s = store().with_retention_ms(60 * MIN);
        let now = 1_000 * MIN;
        let a = s
            .set(post(&[("a", "x", false, true)], now, now + 10 * MIN), now)
            .unwrap();
        let p = s
            .set(
                post(&[("a", "y", false, true)], now + 5 * MIN, now + 10 * MIN),
                now,
            )
            .unwrap();
        s.expire(&a, now + MIN).unwrap();
        s.expire(&p, now + MIN).unwrap();
        s.expire(&a, now + 2 * MIN).unwrap();
        assert!(!s.is_silenced(&labels(&[("a", "x")]), now + MIN + 1));
        let pend = s.get(&p, now + MIN + 1).unwrap();
        assert_eq!((pend.starts_at, pend.ends_at), (now + MIN, now + MIN));
        assert!(matches!(
            s.expire("zzz", now),
            Err(Error::SilenceNotFound(_))
        ));
        assert_eq!(s.gc(now + 30 * MIN), 0);
        assert_eq!(s.gc(now + 62 * MIN), 2);
    }

    #[test]
    fn v2_json_shape() {
        let mut s = store();
        let now = 1_714_557_600_000;
        let id = s
            .set(
                post(
                    &[
                        ("alertname", "Hot.*", true, true),
                        ("site", "x", false, false),
                    ],
                    now,
                    now + 3_600_000,
                ),
                now,
            )
            .unwrap();
        let json = serde_json::to_value(s.get(&id, now).unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": "id-1",
                "status": {"state": "active"},
                "updatedAt": "2024-05-01T10:00:00.000Z",
                "matchers": [
                    {"name": "alertname", "value": "Hot.*", "isRegex": true, "isEqual": true},
                    {"name": "site", "value": "x", "isRegex": false, "isEqual": false}
                ],
                "startsAt": "2024-05-01T10:00:00.000Z",
                "endsAt": "2024-05-01T11:00:00.000Z",
                "createdBy": "me",
                "comment": "maintenance"
            })
        );
        // What amtool posts (no isEqual from older clients; fractional seconds).
        let posted: PostableSilence = serde_json::from_str(
            r#"{"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2024-05-01T10:00:00.123Z","endsAt":"2024-05-01T11:00:00Z","createdBy":"amtool","comment":"x"}"#,
        )
        .unwrap();
        assert!(posted.matchers[0].is_equal);
        assert_eq!(posted.starts_at, now + 123);
    }
}
