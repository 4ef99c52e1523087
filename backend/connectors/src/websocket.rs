//! Upstream WebSocket feed source (`ws://`, `wss://`): a target reads the datasource's feed
//! (or `path` under it, or its own `url`), optionally sending a `subscribeMessage` after each
//! connect, and decodes each text or binary message like a broker payload (JSON with `field`,
//! plain numbers, line protocol). Targets on the same feed share one connection.

mod config;
mod feed;
mod source;
#[cfg(test)]
mod tests;

pub use config::{FeedTarget, WebSocketConfig};
pub use source::WebSocketSource;
