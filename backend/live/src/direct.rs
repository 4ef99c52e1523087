//! Direct writes: a live frame written to an idle connection's socket by the thread that
//! publishes it, instead of waking the connection's task to write it.
//!
//! Waking a session task costs more than the `send` it makes: on two cores, delivering one
//! update to 1,000 idle connections spent about 1.3 µs per connection only on waking tasks,
//! and about 3 µs more in the tasks (inbox, session step, tungstenite framing). So while a
//! connection is idle (nothing queued, its WebSocket writer flushed, no resync pending) its
//! session *arms* its inbox, and a topic's plain append frame goes straight to the socket as
//! one WebSocket text frame (server frames are not masked, so the same bytes serve every
//! connection whose subscription id is the same). Anything else (a replace, a status, a full
//! socket buffer, a half-written frame) disarms the inbox and the session takes over, as
//! before; see [`crate::inbox`].

use std::io::{self, Write};
use std::net::TcpStream;
use std::os::fd::BorrowedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::{BufMut, Bytes, BytesMut};
use nix::sys::resource::{Resource, getrlimit};

use crate::topic::LiveEvent;

/// A second handle on a WebSocket connection's TCP socket (a `dup` of it), which frames may be
/// written to directly while the session is idle.
///
/// It must be the very connection the WebSocket runs on; the socket is already in
/// non-blocking mode (tokio put it there), so writes never block. It costs a descriptor.
#[derive(Clone, Debug)]
pub struct DirectSocket(Arc<Handle>);

/// The second descriptor; counted, so direct writes never take the descriptors that
/// accepting connections needs.
#[derive(Debug)]
struct Handle(TcpStream);

impl Drop for Handle {
    fn drop(&mut self) {
        HANDLES.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Second descriptors open now.
static HANDLES: AtomicU64 = AtomicU64::new(0);

impl DirectSocket {
    /// A second handle on a connection's socket, unless a quarter of the open-file limit is
    /// already taken by such handles (each connection holds one descriptor, and one more
    /// with a handle): past that, connections go without direct writes rather than leave too
    /// few descriptors to accept with.
    pub fn duplicate(socket: BorrowedFd<'_>) -> Option<DirectSocket> {
        let budget = getrlimit(Resource::RLIMIT_NOFILE).map_or(256, |(soft, _)| soft / 4);
        if HANDLES.fetch_add(1, Ordering::Relaxed) >= budget {
            HANDLES.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        match socket.try_clone_to_owned() {
            Ok(fd) => Some(DirectSocket(Arc::new(Handle(TcpStream::from(fd))))),
            Err(e) => {
                HANDLES.fetch_sub(1, Ordering::Relaxed);
                tracing::debug!(error = %e, "cannot duplicate a connection's socket");
                None
            }
        }
    }

    /// Writes as much of `bytes` as the socket takes now.
    pub(crate) fn write(&self, bytes: &[u8]) -> io::Result<usize> {
        (&self.0.0).write(bytes)
    }

    /// A tokio handle on the same socket, for waiting until it takes more.
    pub(crate) fn tokio_handle(&self) -> io::Result<tokio::net::TcpStream> {
        tokio::net::TcpStream::from_std(self.0.0.try_clone()?)
    }
}

/// One unfragmented, unmasked WebSocket text frame: `prefix`, `series`, then `}`.
pub(crate) fn text_frame(prefix: &str, series: &str) -> Bytes {
    let len = prefix.len() + series.len() + 1;
    let mut out = BytesMut::with_capacity(len + 10);
    out.put_u8(0x81); // FIN + text
    if len < 126 {
        out.put_u8(len as u8);
    } else if let Ok(short) = u16::try_from(len) {
        out.put_u8(126);
        out.put_u16(short);
    } else {
        out.put_u8(127);
        out.put_u64(len as u64);
    }
    out.put_slice(prefix.as_bytes());
    out.put_slice(series.as_bytes());
    out.put_u8(b'}');
    out.freeze()
}

/// The frames of one event for the prefixes seen so far: connections whose subscription ids
/// are the same (every tab of a dashboard uses the same ids) share one buffer.
#[derive(Debug, Default)]
pub(crate) struct FrameCache {
    entries: Vec<(Arc<str>, Bytes)>,
}

/// Distinct prefixes kept per event; more are encoded each time.
const CACHED_PREFIXES: usize = 8;

impl FrameCache {
    /// The frames of one or more events back to back (one `send` for all), for connections
    /// whose append frames start with `prefix`; a cache serves one list of events only.
    pub(crate) fn frames(&mut self, prefix: &Arc<str>, events: &[&LiveEvent]) -> Bytes {
        if let Some((_, frame)) = self
            .entries
            .iter()
            .find(|(p, _)| Arc::ptr_eq(p, prefix) || **p == **prefix)
        {
            return frame.clone();
        }
        let series = events.iter().filter_map(|event| match event {
            LiveEvent::Frame { series, .. } => Some(&**series),
            _ => None,
        });
        let frame = match events {
            [_] => series
                .map(|s| text_frame(prefix, s))
                .next()
                .unwrap_or_default(),
            _ => series
                .fold(BytesMut::new(), |mut out, s| {
                    out.extend_from_slice(&text_frame(prefix, s));
                    out
                })
                .freeze(),
        };
        if self.entries.len() < CACHED_PREFIXES {
            self.entries.push((prefix.clone(), frame.clone()));
        }
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_headers_in_all_three_length_encodings() {
        let short = text_frame("{\"a\":", "1");
        assert_eq!(&short[..2], &[0x81, 7]);
        assert_eq!(&short[2..], b"{\"a\":1}");
        let medium = text_frame("x", &"y".repeat(200));
        assert_eq!(&medium[..4], &[0x81, 126, 0, 202]);
        assert_eq!(medium.len(), 4 + 202);
        let long = text_frame("x", &"y".repeat(70_000));
        assert_eq!(long[..2], [0x81, 127]);
        assert_eq!(u64::from_be_bytes(long[2..10].try_into().unwrap()), 70_002);
    }

    fn append(seq: u64, series: &str) -> LiveEvent {
        LiveEvent::Frame {
            seq,
            replace: false,
            series: Arc::from(series),
        }
    }

    #[test]
    fn cache_shares_frames_by_prefix_text() {
        let empty = append(1, "[]");
        let mut cache = FrameCache::default();
        let a: Arc<str> = Arc::from("{\"sub\":\"a\",\"series\":");
        let same: Arc<str> = Arc::from("{\"sub\":\"a\",\"series\":");
        let first = cache.frames(&a, &[&empty]);
        let second = cache.frames(&same, &[&empty]);
        assert_eq!(first.as_ptr(), second.as_ptr(), "same text, one buffer");
        let b: Arc<str> = Arc::from("{\"sub\":\"b\",\"series\":");
        assert_ne!(cache.frames(&b, &[&empty]), first);
        let two = FrameCache::default().frames(&b, &[&append(2, "[1]"), &append(3, "[2]")]);
        let one = text_frame(&b, "[1]");
        assert_eq!(two.len(), 2 * one.len());
        assert_eq!(&two[..one.len()], &one[..]);
    }
}
