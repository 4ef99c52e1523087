//! The state every handler shares.

use std::sync::Arc;

use pulsegrid_connectors::Sources;
use pulsegrid_ingest::SeriesStore;
use pulsegrid_live::{Hub, PanelResolver};
use pulsegrid_store::Store;

use crate::alerting::AlertingState;
use crate::alerting::watcher::RulesRuntime;
use crate::auth::limiter::LoginLimiter;
use crate::config::Config;
use crate::datasources::Datasources;
use crate::live::resolver::SavedDashboards;
use crate::metrics::Metrics;
use crate::provisioning::DashboardProvisioner;

/// Shared, cheaply cloned handles to the service's parts.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The loaded configuration.
    pub config: Arc<Config>,
    /// Persistent storage.
    pub store: Store,
    /// Dashboards from files.
    pub provisioner: Arc<DashboardProvisioner>,
    /// Dashboards saved through the API, parsed (the store stays the source of truth).
    pub saved: Arc<SavedDashboards>,
    /// Configured datasources (plus the built-in ones).
    pub datasources: Arc<Datasources>,
    /// The service's own metrics.
    pub metrics: Arc<Metrics>,
    /// Failed-login accounting.
    pub login_limiter: Arc<LoginLimiter>,
    /// Ingested series: write-ahead log and ring buffers.
    pub ingest: SeriesStore,
    /// The configured sources, for one-off queries.
    pub sources: Sources,
    /// The live hub: shared upstream queries and their subscribers.
    pub hub: Hub,
    /// Finds the queries behind a dashboard panel, for WebSocket subscriptions.
    pub resolver: Arc<dyn PanelResolver>,
    /// Silences (written through to the store) and the start time.
    pub alerting: Arc<AlertingState>,
    /// The rule engine, the notifier and the rules directory's load state.
    pub rules: Arc<RulesRuntime>,
}
