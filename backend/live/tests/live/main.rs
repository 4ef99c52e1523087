//! Black-box tests of the live hub and its WebSocket protocol: a real axum server on a
//! loopback port, tokio-tungstenite clients, and fake sources that count their queries.

mod fakes;
mod fanout;
mod harness;
mod hub;
mod protocol;
mod slow_clients;

use std::sync::Arc;

use pulsegrid_connectors::{Source, Sources};
use pulsegrid_live::{Hub, HubConfig};

/// A hub over these sources, with quick backoff and a small client queue.
fn hub_with(sources: Vec<Arc<dyn Source>>, config: HubConfig) -> Hub {
    let mut registry = Sources::new();
    for source in sources {
        registry.insert(source.uid(), source.clone(), false);
    }
    Hub::new(registry, config)
}

fn test_config() -> HubConfig {
    HubConfig {
        client_queue: 16,
        backoff_initial_ms: 20,
        backoff_max_ms: 100,
        max_window_points: 2_000,
        ..HubConfig::default()
    }
}
