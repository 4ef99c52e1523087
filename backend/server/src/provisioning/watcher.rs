//! Keeps a [`DashboardProvisioner`] in step with its directory: filesystem events (inotify)
//! trigger a forced rescan after a short debounce, and a periodic cheap rescan catches what
//! events miss (a directory created later, network filesystems).

use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::DashboardProvisioner;

/// Wait after an event for the burst of events an editor's save makes.
const DEBOUNCE: Duration = Duration::from_millis(100);
/// Rescan this often even without events.
const POLL_EVERY: Duration = Duration::from_secs(2);

/// Starts the watch task; it ends when `shutdown` fires.
pub fn spawn_watcher(
    provisioner: Arc<DashboardProvisioner>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // Capacity 1: one pending "something changed" is all the information needed.
        let (tx, mut rx) = mpsc::channel::<()>(1);
        let _watcher = start_notify(&provisioner, tx);
        let mut ticker = tokio::time::interval(POLL_EVERY);
        ticker.tick().await;
        loop {
            let force = tokio::select! {
                _ = shutdown.changed() => return,
                Some(()) = rx.recv() => {
                    tokio::time::sleep(DEBOUNCE).await;
                    while rx.try_recv().is_ok() {}
                    true
                }
                _ = ticker.tick() => false,
            };
            let p = provisioner.clone();
            if let Err(e) = tokio::task::spawn_blocking(move || p.rescan(force)).await {
                tracing::error!(error = %e, "dashboard rescan failed");
            }
        }
    })
}

fn start_notify(
    provisioner: &DashboardProvisioner,
    tx: mpsc::Sender<()>,
) -> Option<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| !e.kind.is_access()) {
            let _ = tx.try_send(());
        }
    })
    .map_err(|e| tracing::warn!(error = %e, "cannot watch dashboards; polling only"))
    .ok()?;
    match watcher.watch(provisioner.dir(), RecursiveMode::Recursive) {
        Ok(()) => Some(watcher),
        Err(e) => {
            tracing::warn!(
                dir = %provisioner.dir().display(),
                error = %e,
                "cannot watch the dashboards directory; polling every {}s",
                POLL_EVERY.as_secs()
            );
            None
        }
    }
}
