//! The server's part of the live path: the `pulsegrid` source (ingested series and the
//! service's own metrics), the panel resolver the WebSocket sessions use, and the source
//! registry built from the configured datasources.

pub mod own_metrics;
pub mod pulsegrid_source;
pub mod resolver;

use std::sync::Arc;

use pulsegrid_connectors::Sources;
use pulsegrid_ingest::SeriesStore;

use crate::datasources::{Datasources, PULSEGRID_UID};

/// Builds the source registry: every configured datasource a connector exists for, plus the
/// `pulsegrid` source over the ingest store. Datasources that cannot be built are logged and
/// left out; panels using them get an error frame naming them.
pub fn build_sources(
    datasources: &Datasources,
    ingest: &SeriesStore,
    http: &reqwest::Client,
) -> Sources {
    let mut sources = Sources::new();
    for ds in datasources.list() {
        if ds.uid_or_name() == PULSEGRID_UID {
            sources.insert(
                &ds.name,
                Arc::new(pulsegrid_source::PulsegridSource::new(ingest.clone())),
                ds.is_default,
            );
            continue;
        }
        match pulsegrid_connectors::build_source(ds, http) {
            Ok(Some(source)) => sources.insert(&ds.name, source, ds.is_default),
            Ok(None) => tracing::info!(
                datasource = ds.name,
                kind = ds.type_name,
                "no live connector for this datasource type yet"
            ),
            Err(e) => tracing::warn!(datasource = ds.name, error = %e, "datasource not usable"),
        }
    }
    sources
}
