//! The alerting side of the service: the rule engine ([`engine`]), rules provisioned from the
//! rules directory ([`rule_files`], [`watcher`]), the notification pipeline and its durable
//! outbox ([`notifier`]), and Alertmanager-style silences, kept in memory for matching and
//! written through to the store before any change is acknowledged, so a silence `amtool` was
//! told about survives a crash or restart.

pub mod engine;
pub mod graphs;
pub mod notifier;
pub mod rule_files;
pub mod stream;
pub mod watcher;

use std::fmt;

use pulsegrid_alerting::notify::matchers::{MatchType, Matcher};
use pulsegrid_alerting::notify::silence::PostableSilence;
use pulsegrid_alerting::notify::{self, Silence, Silences};
use pulsegrid_store::{Store, StoredSilence};
use tokio::sync::Mutex;

/// Why a silence operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SilenceError {
    /// Refused or unknown silence; the message is for the client.
    #[error(transparent)]
    Silence(#[from] notify::Error),
    /// The store could not be read or written.
    #[error("silence store: {0}")]
    Store(#[from] pulsegrid_store::StoreError),
    /// A stored silence is not valid JSON.
    #[error("stored silence {id:?} is not valid: {message}")]
    Corrupt {
        /// The silence id.
        id: String,
        /// The decoding error.
        message: String,
    },
}

/// Silences and when the service started (Alertmanager's status reports its uptime from it).
pub struct AlertingState {
    store: Store,
    silences: Mutex<Silences>,
    /// Start of the process, unix milliseconds.
    pub started_at_ms: i64,
}

impl fmt::Debug for AlertingState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlertingState")
            .field("started_at_ms", &self.started_at_ms)
            .finish_non_exhaustive()
    }
}

impl AlertingState {
    /// Loads the stored silences.
    pub async fn load(store: Store, started_at_ms: i64) -> Result<Self, SilenceError> {
        let silences = load_silences(&store).await?;
        Ok(AlertingState {
            store,
            silences: Mutex::new(silences),
            started_at_ms,
        })
    }

    /// Every silence matching all `filter` matchers (Alertmanager's `filter=`), in the v2
    /// API's order.
    pub async fn list_silences(&self, filter: &[Matcher], now: i64) -> Vec<Silence> {
        let silences = self.silences.lock().await;
        silences
            .list(now)
            .into_iter()
            .filter(|s| matches_filter(s, filter))
            .collect()
    }

    /// Runs `f` on the silences (the notifier mutes alerts with them at each flush).
    pub async fn with_silences<R>(&self, f: impl FnOnce(&Silences) -> R) -> R {
        f(&*self.silences.lock().await)
    }

    /// Drops silences that expired longer than the retention ago, from memory and from the
    /// store (Alertmanager's `--data.retention`, 120 h); returns how many.
    pub async fn gc_silences(&self, now: i64) -> Result<usize, SilenceError> {
        let dropped: Vec<String> = {
            let mut silences = self.silences.lock().await;
            let before: Vec<String> = silences.list(now).into_iter().map(|s| s.id).collect();
            silences.gc(now);
            let after: std::collections::HashSet<String> =
                silences.list(now).into_iter().map(|s| s.id).collect();
            before
                .into_iter()
                .filter(|id| !after.contains(id))
                .collect()
        };
        for id in &dropped {
            self.store.delete_silence(id).await?;
        }
        Ok(dropped.len())
    }

    /// One silence.
    pub async fn silence(&self, id: &str, now: i64) -> Option<Silence> {
        self.silences.lock().await.get(id, now)
    }

    /// Creates or updates a silence; returns its id once it is in the store.
    pub async fn set_silence(
        &self,
        post: PostableSilence,
        now: i64,
    ) -> Result<String, SilenceError> {
        let mut silences = self.silences.lock().await;
        let previous = post.id.clone().filter(|id| !id.is_empty());
        let id = silences.set(post, now)?;
        let mut touched = vec![id.clone()];
        touched.extend(previous.filter(|p| *p != id));
        self.persist(&mut silences, &touched, now).await?;
        Ok(id)
    }

    /// Expires a silence, durably.
    pub async fn expire_silence(&self, id: &str, now: i64) -> Result<(), SilenceError> {
        let mut silences = self.silences.lock().await;
        silences.expire(id, now)?;
        self.persist(&mut silences, &[id.to_owned()], now).await
    }

    /// Writes the `touched` silences; on failure the memory is reloaded from the store so it
    /// never holds a change the client was not told about.
    async fn persist(
        &self,
        silences: &mut Silences,
        touched: &[String],
        now: i64,
    ) -> Result<(), SilenceError> {
        let mut result = Ok(());
        for id in touched {
            let Some(silence) = silences.get(id, now) else {
                continue;
            };
            if let Err(e) = self.store.put_silence(&to_stored(&silence)).await {
                result = Err(SilenceError::from(e));
                break;
            }
        }
        if result.is_err() {
            match load_silences(&self.store).await {
                Ok(reloaded) => *silences = reloaded,
                Err(e) => {
                    tracing::error!(error = %e, "cannot reload silences after a failed write")
                }
            }
        }
        result
    }
}

async fn load_silences(store: &Store) -> Result<Silences, SilenceError> {
    let stored = store.list_silences().await?;
    let mut restored = Vec::with_capacity(stored.len());
    for row in stored {
        let silence: Silence =
            serde_json::from_str(&row.body).map_err(|e| SilenceError::Corrupt {
                id: row.id.clone(),
                message: e.to_string(),
            })?;
        restored.push(silence);
    }
    let mut silences = Silences::new();
    silences.restore(restored)?;
    Ok(silences)
}

fn to_stored(silence: &Silence) -> StoredSilence {
    StoredSilence {
        id: silence.id.clone(),
        // A struct of strings, numbers and bools: serialising cannot fail.
        body: serde_json::to_string(silence).unwrap_or_default(),
        updated_at_ms: silence.updated_at,
    }
}

/// Alertmanager's filter of silences by their matchers (`matchFilterLabels`): each filter
/// matcher is tested against the value the silence's matcher of that name has (empty when it
/// has none); an empty filter value accepts a silence without that name (`name=`), and one with
/// it (`name!=`).
fn matches_filter(silence: &Silence, filter: &[Matcher]) -> bool {
    filter.iter().all(|f| {
        let value = silence
            .matchers
            .iter()
            .find(|m| m.name == f.name())
            .map(|m| m.value.as_str());
        let negative = matches!(f.kind(), MatchType::NotEqual | MatchType::NotRegex);
        if f.value().is_empty() && (value.is_some() == negative) {
            return true;
        }
        f.matches(value.unwrap_or(""))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulsegrid_alerting::notify::matchers::parse_matchers;
    use pulsegrid_alerting::notify::silence::{SilenceMatcher, SilenceState, SilenceStatus};

    fn silence(matchers: &[(&str, &str)]) -> Silence {
        Silence {
            id: "x".into(),
            status: SilenceStatus {
                state: SilenceState::Active,
            },
            updated_at: 0,
            matchers: matchers
                .iter()
                .map(|(n, v)| SilenceMatcher {
                    name: (*n).into(),
                    value: (*v).into(),
                    is_regex: false,
                    is_equal: true,
                })
                .collect(),
            starts_at: 0,
            ends_at: 1,
            created_by: "me".into(),
            comment: String::new(),
        }
    }

    #[tokio::test]
    async fn expired_silences_leave_the_store_after_their_retention() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).await.unwrap();
        let state = AlertingState::load(store.clone(), 0).await.unwrap();
        let now = 1_800_000_000_000;
        let post: PostableSilence = serde_json::from_value(serde_json::json!({
            "matchers": [{"name": "a", "value": "b", "isRegex": false, "isEqual": true}],
            "startsAt": "2027-01-15T08:00:00Z",
            "endsAt": "2027-01-15T09:00:00Z",
            "createdBy": "t",
            "comment": "c"
        }))
        .unwrap();
        state.set_silence(post, now).await.unwrap();
        assert_eq!(state.gc_silences(now + 3_600_000).await.unwrap(), 0);
        assert_eq!(store.list_silences().await.unwrap().len(), 1);
        // Alertmanager keeps expired silences 120 h.
        let later = now + 3_600_000 + 121 * 3_600_000;
        assert_eq!(state.gc_silences(later).await.unwrap(), 1);
        assert!(store.list_silences().await.unwrap().is_empty());
    }

    #[test]
    fn filters_like_alertmanager() {
        let s = silence(&[("alertname", "Foo"), ("instance", "web-.*")]);
        let cases = [
            ("", true),
            ("alertname=Foo", true),
            ("alertname=Bar", false),
            ("alertname=~F.*", true),
            ("alertname!=Foo", false),
            ("job=", true),
            ("job!=", false),
            ("alertname!=", true),
            ("job=x", false),
            (r#"instance="web-.*""#, true),
        ];
        for (filter, want) in cases {
            let f = parse_matchers(filter).expect(filter);
            assert_eq!(matches_filter(&s, &f), want, "{filter}");
        }
    }
}
