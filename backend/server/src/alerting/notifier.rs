//! The notification side of the service: alerts from the rule engine go through
//! Alertmanager's pipeline ([`Dispatcher`]: route, group, inhibit, silence, dedup), and every
//! notification it decides on is written to the durable outbox in the store before anything
//! is sent. A separate worker delivers the outbox: each item to its one integration, retried
//! with capped exponential backoff while the receiver fails, marked delivered or, on a
//! permanent error, failed, and never dropped silently. What was notified per group (the
//! notification log) is persisted too, so a restart does not notify it again.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use pulsegrid_alerting::SystemClock;
use pulsegrid_alerting::notify::{Alert, Config, Dispatcher, GroupLog, Notification};
use pulsegrid_alerting::send::{
    Backoff, EmailReceiver, NotifyError, NotifyErrorKind, Receiver, WebhookReceiver,
};

use super::graphs::AlertGraphs;
use pulsegrid_store::{NewOutboxItem, OutboxItem, Store, StoredNotifyLog};
use tokio::sync::{Mutex, Notify, mpsc};
use tokio_util::sync::CancellationToken;

use super::AlertingState;
use crate::clock::now_ms;
use crate::metrics::{Metrics, NotificationLabels, OutboxLabels};

/// The routing used when the rules directory has no `alertmanager.yml`: alerts are grouped
/// and shown, nothing is sent.
pub const DEFAULT_ROUTING: &str = "route:\n  receiver: default\nreceivers:\n  - name: default\n";
/// How many outbox items one worker round sends at once.
const SEND_BATCH: u32 = 32;
/// Longest wait between outbox rounds, so items from another replica or a missed wake-up
/// are not left waiting.
const OUTBOX_POLL: Duration = Duration::from_secs(5);
/// Delivered and failed outbox rows, and notification logs, are kept this long.
const RETENTION_MS: i64 = 7 * 24 * 3_600_000;

/// One integration of a receiver.
#[derive(Clone, Debug)]
enum Integration {
    Webhook(Arc<WebhookReceiver>),
    /// Emails carry graphs of the alerts' rules.
    Email(Arc<EmailReceiver>),
}

/// Each receiver's integrations, named as in the outbox (`webhook[0]`, `email[1]`).
type Integrations = BTreeMap<String, BTreeMap<String, Integration>>;

/// The notification pipeline and the outbox worker.
#[derive(Clone, Debug)]
pub struct Notifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    alerting: Arc<AlertingState>,
    metrics: Arc<Metrics>,
    dispatcher: Mutex<Dispatcher>,
    integrations: RwLock<Integrations>,
    external_url: String,
    backoff: Backoff,
    outbox_wake: Notify,
    dispatch_wake: Notify,
    graphs: std::sync::OnceLock<AlertGraphs>,
}

impl Notifier {
    /// A notifier with `config`, restoring the persisted notification logs.
    pub async fn new(
        config: &Config,
        store: Store,
        alerting: Arc<AlertingState>,
        metrics: Arc<Metrics>,
        external_url: String,
    ) -> Self {
        let dispatcher = new_dispatcher(config, &store).await;
        Notifier {
            inner: Arc::new(Inner {
                integrations: RwLock::new(build_integrations(config, &external_url)),
                store,
                alerting,
                metrics,
                dispatcher: Mutex::new(dispatcher),
                external_url,
                backoff: Backoff::default(),
                outbox_wake: Notify::new(),
                dispatch_wake: Notify::new(),
                graphs: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The default routing configuration.
    pub fn default_config() -> Config {
        // A constant that parses: covered by a test.
        Config::parse(DEFAULT_ROUTING).unwrap_or_else(|e| panic!("default routing: {e}"))
    }

    /// Applies a new routing configuration: alerts held so far are routed again, and the
    /// persisted notification logs keep what was notified from being notified again.
    pub async fn reload(&self, config: &Config) {
        let mut dispatcher = new_dispatcher(config, &self.inner.store).await;
        {
            let mut old = self.inner.dispatcher.lock().await;
            for alert in old.alerts() {
                dispatcher.insert(alert.clone());
            }
            *old = dispatcher;
        }
        *self
            .inner
            .integrations
            .write()
            .unwrap_or_else(|p| p.into_inner()) =
            build_integrations(config, &self.inner.external_url);
        self.inner.dispatch_wake.notify_one();
    }

    /// Runs the dispatcher and the outbox worker until `shutdown`.
    pub fn spawn(
        &self,
        alerts: mpsc::Receiver<Vec<Alert>>,
        shutdown: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let dispatch = tokio::spawn(dispatch_loop(self.inner.clone(), alerts, shutdown.clone()));
        let outbox = tokio::spawn(outbox_loop(self.inner.clone(), shutdown));
        tokio::spawn(async move {
            let _ = tokio::join!(dispatch, outbox);
        })
    }

    /// Runs `f` on the dispatcher (the alerts it holds, its routes).
    pub async fn with_dispatcher<R>(&self, f: impl FnOnce(&Dispatcher) -> R) -> R {
        f(&*self.inner.dispatcher.lock().await)
    }

    /// Lets emails carry graphs of their rules (set once, when the rule engine exists).
    pub fn set_graphs(&self, graphs: AlertGraphs) {
        let _ = self.inner.graphs.set(graphs);
    }

    /// Wakes the outbox worker (after a receiver came back, in tests).
    pub fn wake_outbox(&self) {
        self.inner.outbox_wake.notify_one();
    }
}

async fn new_dispatcher(config: &Config, store: &Store) -> Dispatcher {
    let mut dispatcher = Dispatcher::new(config, Arc::new(SystemClock));
    match store.list_notify_log().await {
        Ok(rows) => dispatcher.restore_logs(
            rows.into_iter()
                .filter_map(|r| serde_json::from_str::<GroupLog>(&r.body).ok()),
        ),
        Err(e) => tracing::error!(error = %e, "cannot read the notification log"),
    }
    dispatcher
}

fn build_integrations(config: &Config, external_url: &str) -> Integrations {
    let mut out = Integrations::new();
    for receiver in &config.receivers {
        let mut map: BTreeMap<String, Integration> = BTreeMap::new();
        for (i, email) in receiver.email_configs.iter().enumerate() {
            map.insert(
                format!("email[{i}]"),
                Integration::Email(Arc::new(EmailReceiver::new(email.clone(), external_url))),
            );
        }
        for (i, hook) in receiver.webhook_configs.iter().enumerate() {
            match WebhookReceiver::new(hook.clone(), external_url) {
                Ok(r) => {
                    map.insert(format!("webhook[{i}]"), Integration::Webhook(Arc::new(r)));
                }
                Err(e) => tracing::error!(
                    receiver = %receiver.name,
                    error = %e,
                    "webhook_configs[{i}] cannot be used"
                ),
            }
        }
        out.insert(receiver.name.clone(), map);
    }
    out
}

async fn dispatch_loop(
    inner: Arc<Inner>,
    mut alerts: mpsc::Receiver<Vec<Alert>>,
    shutdown: CancellationToken,
) {
    // Notifications decided but not yet in the store (it failed): retried first.
    let mut unsaved: Vec<Notification> = Vec::new();
    loop {
        let deadline = inner.dispatcher.lock().await.next_deadline();
        let sleep = match deadline {
            Some(at) => Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)),
            None if unsaved.is_empty() => Duration::from_secs(3600),
            None => Duration::from_secs(1),
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            batch = alerts.recv() => {
                let Some(batch) = batch else { return };
                let mut d = inner.dispatcher.lock().await;
                for alert in batch {
                    d.insert(alert);
                }
                // Take whatever else is waiting, then tick once.
                while let Ok(batch) = alerts.try_recv() {
                    for alert in batch {
                        d.insert(alert);
                    }
                }
            }
            () = tokio::time::sleep(sleep) => {}
            () = inner.dispatch_wake.notified() => {}
        }
        let now = now_ms();
        let notifications = {
            let mut d = inner.dispatcher.lock().await;
            inner
                .alerting
                .with_silences(|silences| d.tick_with(now, silences))
                .await
        };
        unsaved.extend(notifications);
        if !unsaved.is_empty() {
            match enqueue(&inner, &unsaved, now).await {
                Ok(()) => {
                    unsaved.clear();
                    inner.outbox_wake.notify_one();
                }
                Err(e) => tracing::error!(
                    error = %e,
                    pending = unsaved.len(),
                    "cannot write notifications to the outbox; retrying"
                ),
            }
        }
    }
}

/// Writes the notifications to the outbox, one item per integration, with their log entries.
async fn enqueue(
    inner: &Inner,
    notifications: &[Notification],
    now: i64,
) -> Result<(), pulsegrid_store::StoreError> {
    let mut items = Vec::new();
    let mut logs = Vec::new();
    {
        let integrations = inner.integrations.read().unwrap_or_else(|p| p.into_inner());
        for n in notifications {
            let body = serde_json::to_string(n).unwrap_or_default();
            if let Some(map) = integrations.get(&n.receiver) {
                for name in map.keys() {
                    items.push(NewOutboxItem {
                        receiver: n.receiver.clone(),
                        integration: name.clone(),
                        group_key: n.group_key.clone(),
                        body: body.clone(),
                        next_attempt_at_ms: now,
                        created_at_ms: now,
                    });
                }
            }
            logs.push(StoredNotifyLog {
                receiver: n.receiver.clone(),
                group_key: n.group_key.clone(),
                body: serde_json::to_string(&GroupLog::of(n)).unwrap_or_default(),
                updated_at_ms: now,
            });
        }
    }
    // One commit for the outbox items and their log entries, before anything is sent.
    inner
        .store
        .enqueue_notifications_with_log(&items, &logs)
        .await?;
    Ok(())
}

async fn outbox_loop(inner: Arc<Inner>, shutdown: CancellationToken) {
    let mut last_prune = 0;
    loop {
        let now = now_ms();
        let due = match inner.store.due_notifications(now, SEND_BATCH).await {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox");
                Vec::new()
            }
        };
        let full = due.len() == SEND_BATCH as usize;
        let mut sends = tokio::task::JoinSet::new();
        for item in due {
            let inner = inner.clone();
            sends.spawn(async move { deliver(&inner, item).await });
        }
        while sends.join_next().await.is_some() {}
        if now - last_prune > 3_600_000 {
            last_prune = now;
            let _ = inner.store.prune_outbox(now - RETENTION_MS).await;
            let _ = inner.store.prune_notify_log(now - RETENTION_MS).await;
        }
        update_gauges(&inner).await;
        if full {
            continue;
        }
        let next = inner.store.next_notification_due().await.ok().flatten();
        let wait = next.map_or(OUTBOX_POLL, |at| {
            Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)).min(OUTBOX_POLL)
        });
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
            () = inner.outbox_wake.notified() => {}
        }
    }
}

async fn update_gauges(inner: &Inner) {
    if let Ok(c) = inner.store.outbox_counts().await {
        for (status, n) in [
            ("pending", c.pending),
            ("delivered", c.delivered),
            ("failed", c.failed),
        ] {
            inner
                .metrics
                .outbox
                .get_or_create(&OutboxLabels {
                    status: status.into(),
                })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }
}

/// Sends one outbox item and records the outcome.
async fn deliver(inner: &Inner, item: OutboxItem) {
    let now = now_ms();
    let integration = inner
        .integrations
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(&item.receiver)
        .and_then(|m| m.get(&item.integration))
        .cloned();
    let outcome = match (
        integration,
        serde_json::from_str::<Notification>(&item.body),
    ) {
        (None, _) => Err(NotifyError::new(
            NotifyErrorKind::Config,
            format!(
                "receiver {:?} has no integration {} in alertmanager.yml any more",
                item.receiver, item.integration
            ),
        )),
        (_, Err(e)) => Err(NotifyError::new(
            NotifyErrorKind::Config,
            format!("the stored notification does not parse: {e}"),
        )),
        (Some(Integration::Webhook(r)), Ok(n)) => r.send(&n).await,
        (Some(Integration::Email(r)), Ok(n)) => {
            let images = match inner.graphs.get() {
                Some(graphs) => graphs.for_notification(&n).await,
                None => Vec::new(),
            };
            r.send_with_images(&n, &images).await
        }
    };
    let attempts = item.attempts + 1;
    let label = |outcome: &str| NotificationLabels {
        receiver: item.receiver.clone(),
        integration: item.integration.clone(),
        outcome: outcome.into(),
    };
    let result = match outcome {
        Ok(()) => {
            inner
                .metrics
                .notifications
                .get_or_create(&label("delivered"))
                .inc();
            inner.store.mark_delivered(item.id, now_ms()).await
        }
        Err(e) if e.is_retryable() => {
            inner
                .metrics
                .notifications
                .get_or_create(&label("retry"))
                .inc();
            let delay = inner.backoff.delay(item.attempts);
            let next = now + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
            tracing::warn!(
                receiver = %item.receiver,
                integration = %item.integration,
                attempts,
                error = %e,
                "notification failed; retrying in {delay:?}"
            );
            inner
                .store
                .mark_retry(item.id, attempts, next, &e.to_string())
                .await
        }
        Err(e) => {
            inner
                .metrics
                .notifications
                .get_or_create(&label("failed"))
                .inc();
            tracing::error!(
                receiver = %item.receiver,
                integration = %item.integration,
                error = %e,
                "notification failed permanently"
            );
            inner
                .store
                .mark_failed(item.id, attempts, &e.to_string(), now_ms())
                .await
        }
    };
    if let Err(e) = result {
        tracing::error!(id = item.id, error = %e, "cannot record a delivery outcome");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_routing_parses() {
        let config = Notifier::default_config();
        assert_eq!(config.receivers.len(), 1);
        assert!(build_integrations(&config, "http://x")["default"].is_empty());
    }
}
