//! The state every handler shares.

use std::sync::Arc;

use pulsegrid_store::Store;

use crate::auth::limiter::LoginLimiter;
use crate::config::Config;
use crate::datasources::Datasources;
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
    /// Configured datasources (plus the built-in ones).
    pub datasources: Arc<Datasources>,
    /// The service's own metrics.
    pub metrics: Arc<Metrics>,
    /// Failed-login accounting.
    pub login_limiter: Arc<LoginLimiter>,
}
