//! `pulsegrid serve`: opens the store, makes sure an admin exists, provisions dashboards and
//! datasources, starts the watcher and the HTTP server, and shuts down cleanly on a signal.

use std::sync::Arc;

use anyhow::Context;
use pulsegrid_store::Store;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use pulsegrid_ingest::{IngestConfig, SeriesStore};
use pulsegrid_live::{Hub, HubConfig, StreamHistory};
use pulsegrid_model::{Series, TimeRange};

use crate::alerting::AlertingState;
use crate::alerting::engine::RuleEngine;
use crate::alerting::graphs::AlertGraphs;
use crate::alerting::notifier::Notifier;
use crate::alerting::watcher::RulesRuntime;
use crate::auth::limiter::LoginLimiter;
use crate::auth::secret::{hash_password, random_string};
use crate::config::{Config, redact_url};
use crate::datasources::Datasources;
use crate::live::own_metrics;
use crate::live::resolver::{DashboardPanels, SavedDashboards};
use crate::metrics::Metrics;
use crate::provisioning::{DashboardProvisioner, spawn_watcher};
use crate::state::AppState;

/// Opens the configured database (SQLite in the data dir unless a URL is set).
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    match config.effective_database_url() {
        Some(url) => Store::connect(url)
            .await
            .with_context(|| format!("cannot open database {}", redact_url(url))),
        None => Store::open_in_dir(&config.data_dir).await.with_context(|| {
            format!(
                "cannot open the SQLite database in {}",
                config.data_dir.display()
            )
        }),
    }
}

/// Creates the first admin when there is no user yet. The password comes from
/// `PULSEGRID_ADMIN_PASSWORD`, or is generated and printed once.
pub async fn ensure_admin(store: &Store, config: &Config) -> anyhow::Result<()> {
    if store.count_users().await? > 0 {
        return Ok(());
    }
    let (password, generated) = match &config.admin_password {
        Some(p) if !p.is_empty() => (p.clone(), false),
        _ => (random_string(20), true),
    };
    let hash = hash_password(password.clone())
        .await
        .map_err(|e| anyhow::anyhow!("cannot hash the admin password: {e}"))?;
    store
        .create_user("admin", "Administrator", &hash, "admin")
        .await?;
    if generated {
        // Printed once on purpose (not logged): it is the only way to learn it.
        println!("Created user \"admin\" with the generated password: {password}");
        println!("Set PULSEGRID_ADMIN_PASSWORD before the first start to choose it.");
    } else {
        tracing::info!("created user \"admin\" with the password from PULSEGRID_ADMIN_PASSWORD");
    }
    Ok(())
}

/// Runs the service until SIGINT or SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let config = Arc::new(config);
    let started_at_ms = crate::clock::now_ms();
    tracing::info!(?config, "starting pulsegrid {}", env!("CARGO_PKG_VERSION"));
    raise_open_file_limit();
    let store = open_store(&config).await?;
    ensure_admin(&store, &config).await?;

    let metrics = Arc::new(Metrics::new());
    let provisioner = Arc::new(DashboardProvisioner::new(
        config.dashboards_dir.clone(),
        metrics.clone(),
    ));
    {
        let p = provisioner.clone();
        tokio::task::spawn_blocking(move || p.rescan(true)).await?;
    }
    if !config.dashboards_dir.is_dir() {
        tracing::warn!(
            dir = %config.dashboards_dir.display(),
            "dashboards directory does not exist; it is checked again every few seconds"
        );
    }
    let datasources = Arc::new(Datasources::load(config.datasources.as_deref()));
    let ingest = open_ingest(&config).await?;
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .context("cannot build the HTTP client")?;
    let saved = Arc::new(
        SavedDashboards::load(&store)
            .await
            .context("cannot load saved dashboards")?,
    );
    let alerting = Arc::new(
        AlertingState::load(store.clone(), started_at_ms)
            .await
            .context("cannot load silences")?,
    );
    let sources = crate::live::build_sources(&datasources, &ingest, &http);
    let hub = Hub::new(sources.clone(), HubConfig::default());
    hub.set_stream_history(Arc::new(IngestHistory(ingest.clone())));
    let alerting_shutdown = CancellationToken::new();
    let rules = start_alerting(
        &config,
        &store,
        &alerting,
        &metrics,
        &hub,
        &sources,
        &ingest,
        &alerting_shutdown,
    )
    .await?;
    let state = AppState {
        login_limiter: Arc::new(LoginLimiter::new(config.login_max_failures)),
        config: config.clone(),
        store: store.clone(),
        provisioner: provisioner.clone(),
        saved: saved.clone(),
        datasources,
        metrics: metrics.clone(),
        ingest: ingest.clone(),
        sources: sources.clone(),
        hub: hub.clone(),
        resolver: Arc::new(DashboardPanels::new(provisioner.clone(), saved, sources)),
        alerting,
        rules,
    };

    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let watcher = spawn_watcher(provisioner, shutdown_rx.clone());
    let sessions = spawn_session_pruner(store.clone(), shutdown_rx.clone());
    let streams = spawn_stream_forwarder(ingest.clone(), hub, shutdown_rx.clone());
    let sampler = own_metrics::spawn_sampler(
        metrics,
        ingest.clone(),
        std::time::Duration::from_millis(
            u64::try_from(Config::duration_ms(
                "own_metrics_interval",
                &config.own_metrics_interval,
            )?)
            .unwrap_or(5_000),
        ),
        shutdown_rx,
    );

    let listener = TcpListener::bind(config.http_addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.http_addr))?;
    let addr = listener.local_addr()?;
    // Tests and scripts read this line to learn the port when they asked for port 0.
    println!("pulsegrid listening on http://{addr}");
    tracing::info!(%addr, "listening");

    // `Peer` also sets TCP_NODELAY on each connection and keeps a handle on its socket for
    // the live WebSocket's direct writes.
    axum::serve(
        listener,
        crate::app(state).into_make_service_with_connect_info::<pulsegrid_live::Peer>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;

    tracing::info!("shutting down");
    let _ = shutdown_tx.send(true);
    alerting_shutdown.cancel();
    let _ = tokio::join!(watcher, sessions, streams, sampler);
    ingest.close().await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Starts alerting: the notifier (with its outbox worker) and the rule engine, loaded from
/// the rules directory before the service answers, then kept in step with it.
#[allow(clippy::too_many_arguments)]
async fn start_alerting(
    config: &Config,
    store: &Store,
    alerting: &Arc<AlertingState>,
    metrics: &Arc<Metrics>,
    hub: &Hub,
    sources: &pulsegrid_connectors::Sources,
    ingest: &SeriesStore,
    shutdown: &CancellationToken,
) -> anyhow::Result<Arc<RulesRuntime>> {
    let external_url = config.effective_external_url();
    let (alerts_tx, alerts_rx) = tokio::sync::mpsc::channel(1024);
    let notifier = Notifier::new(
        &Notifier::default_config(),
        store.clone(),
        alerting.clone(),
        metrics.clone(),
        external_url.clone(),
    )
    .await;
    notifier.spawn(alerts_rx, shutdown.clone());
    let engine = RuleEngine::new(
        hub.clone(),
        sources.clone(),
        ingest.clone(),
        store.clone(),
        alerts_tx,
        external_url,
        shutdown.clone(),
    )
    .await
    .context("cannot read the stored rule states")?;
    notifier.set_graphs(AlertGraphs::new(engine.clone(), sources.clone()));
    let runtime = Arc::new(RulesRuntime::new(
        engine,
        notifier,
        config.rules_dir.clone(),
        metrics.clone(),
        alerting.clone(),
    ));
    runtime.reload(true).await;
    runtime.clone().spawn(shutdown.clone());
    Ok(runtime)
}

/// Opens the ingest store in the data dir with the configured bounds.
async fn open_ingest(config: &Config) -> anyhow::Result<SeriesStore> {
    let ingest_config = IngestConfig {
        dir: config.data_dir.join("ingest"),
        max_points_per_series: config.ingest_max_points,
        max_age_ms: Config::duration_ms("ingest_max_age", &config.ingest_max_age)?,
        max_series: config.ingest_max_series,
        max_pending_bytes: config.ingest_max_pending_bytes,
        ..IngestConfig::default()
    };
    SeriesStore::open(ingest_config)
        .await
        .context("cannot open the ingest write-ahead log")
}

/// The ring buffers, as the hub's source of a stream's recent history.
#[derive(Debug)]
struct IngestHistory(SeriesStore);

impl StreamHistory for IngestHistory {
    fn window(&self, stream: &str, range: TimeRange) -> Vec<Series> {
        self.0.query_stream(stream, range)
    }
}

/// Every open connection holds two descriptors (the live WebSocket's direct writes keep a
/// second handle on its socket), so take all the descriptors allowed: the hard limit, raised
/// to the kernel's maximum where the service may (root, `CAP_SYS_RESOURCE`).
fn raise_open_file_limit() {
    let ceiling = std::fs::read_to_string("/proc/sys/fs/nr_open")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    if let Some(ceiling) = ceiling
        && let Ok((_, hard)) = rlimit::Resource::NOFILE.get()
        && ceiling > hard
        && rlimit::Resource::NOFILE.set(ceiling, ceiling).is_ok()
    {
        tracing::debug!(limit = ceiling, "open file limit");
        return;
    }
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::debug!(limit, "open file limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open file limit"),
    }
}

/// Data flows one way: every acknowledged batch goes from the ingest store to the hub's
/// stream topics.
fn spawn_stream_forwarder(
    ingest: SeriesStore,
    hub: Hub,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut batches = ingest.subscribe();
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                batch = batches.recv() => match batch {
                    Ok(batch) => hub.publish_stream(&batch.stream, batch.series.clone()),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "live streams fell behind ingest");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    })
}

fn spawn_session_pruner(
    store: Store,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = every.tick() => {
                    if let Err(e) = store.prune_sessions(crate::clock::now_ms()).await {
                        tracing::warn!(error = %e, "cannot prune expired sessions");
                    }
                }
            }
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
