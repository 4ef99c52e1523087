//! Pulsegrid's live hub: each distinct upstream query runs once, however many clients watch
//! it, and its frames fan out to WebSocket clients with coalescing and backpressure.
//!
//! - [`hub`]: the [`Hub`], its topics (one per datasource uid + canonical target + relative
//!   window + step, or per ingested stream) and [`Subscription`]s.
//! - [`topic`]: a topic's window, sequence numbers and its once-serialized frames.
//! - `upstream`: the one task per query topic: polling or following a subscription, with
//!   status frames and backoff on upstream trouble.
//! - [`ws`]: the WebSocket protocol session (`/api/live/ws`), with a bounded queue per
//!   connection.

mod direct;
pub mod error;
mod fanout;
pub mod hub;
mod inbox;
pub mod topic;
mod upstream;
mod window;
pub mod ws;

pub use direct::DirectSocket;
pub use error::{HubError, Result};
pub use hub::{
    Hub, HubConfig, HubStats, QuerySpec, SHIFTED_REFRESH_MS, StreamHistory, Subscription,
};
pub use topic::{LiveEvent, Snapshot};
pub use ws::{
    InlineRequest, PanelQuery, PanelRequest, PanelResolver, Peer, SessionHook, SessionOptions,
    configure_upgrade, serve_socket,
};
