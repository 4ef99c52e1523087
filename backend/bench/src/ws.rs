//! A minimal RFC 6455 WebSocket client for load generation.
//!
//! A general-purpose client (tungstenite) copies every message into a fresh buffer and
//! validates it; with ten thousand connections sharing two cores with the server under test,
//! that cost shows up in the measurement. This client reads into one reusable buffer per
//! connection and hands out frames as slices of it, so receiving a frame costs a header parse
//! and no allocation. It speaks only what a benchmark subscriber needs: the opening handshake,
//! reading unmasked server frames, and sending masked client frames.

use std::io;
use std::os::fd::AsRawFd;

use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg, setsockopt, sockopt};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::TcpStream;

/// Largest frame accepted; a history (`replace`) frame of a big ring buffer stays well below.
const MAX_FRAME: usize = 64 << 20;

/// Bytes read per `read` call at least; one call often drains many small frames at once.
const READ_CHUNK: usize = 4096;

/// Largest HTTP response head accepted during the handshake.
const MAX_HANDSHAKE: usize = 16 << 10;

/// The mask every client frame uses. RFC 6455 asks for an unpredictable key to defeat cache
/// poisoning by proxies; on loopback without a proxy a constant one is enough.
const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// A WebSocket opcode (RFC 6455 section 5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opcode {
    /// The continuation of a fragmented message.
    Continuation,
    /// A UTF-8 text message (or its first fragment).
    Text,
    /// A binary message (or its first fragment).
    Binary,
    /// The closing handshake.
    Close,
    /// A ping; the peer expects a pong with the same payload.
    Ping,
    /// A pong.
    Pong,
}

impl Opcode {
    fn from_bits(bits: u8) -> io::Result<Opcode> {
        Ok(match bits {
            0x0 => Opcode::Continuation,
            0x1 => Opcode::Text,
            0x2 => Opcode::Binary,
            0x8 => Opcode::Close,
            0x9 => Opcode::Ping,
            0xA => Opcode::Pong,
            other => return Err(invalid(format!("unknown WebSocket opcode {other:#x}"))),
        })
    }

    fn bits(self) -> u8 {
        match self {
            Opcode::Continuation => 0x0,
            Opcode::Text => 0x1,
            Opcode::Binary => 0x2,
            Opcode::Close => 0x8,
            Opcode::Ping => 0x9,
            Opcode::Pong => 0xA,
        }
    }
}

/// One received frame, borrowed from the connection's buffer until the next read.
#[derive(Debug)]
pub struct Frame<'a> {
    /// Whether this is the last fragment of its message.
    pub fin: bool,
    /// What the payload is.
    pub opcode: Opcode,
    /// The (unmasked) payload.
    pub payload: &'a [u8],
    /// When its last bytes reached the socket (Unix ns), with receive timestamps enabled.
    pub rx_unix_ns: Option<i64>,
}

/// What to send in the opening handshake besides the mandatory headers.
#[derive(Clone, Debug, Default)]
pub struct Handshake<'a> {
    /// `Sec-WebSocket-Protocol`, e.g. `mqtt` for MQTT over WebSocket.
    pub subprotocol: Option<&'a str>,
    /// `Authorization` header value, e.g. `Bearer KEY`.
    pub authorization: Option<&'a str>,
}

/// A client connection after a successful opening handshake.
#[derive(Debug)]
pub struct WsClient {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Unconsumed bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// Whether reads ask the kernel for receive timestamps.
    rx_timestamps: bool,
    /// When the kernel received the bytes of the last read (Unix ns, `CLOCK_REALTIME`).
    last_rx_ns: Option<i64>,
}

impl WsClient {
    /// Connects to `addr` and performs the opening handshake for `path`.
    ///
    /// The `Sec-WebSocket-Accept` answer is not checked: the servers measured are local and
    /// known, and a wrong upgrade fails loudly on the first frame anyway.
    pub async fn connect(
        addr: std::net::SocketAddr,
        path: &str,
        handshake: &Handshake<'_>,
    ) -> io::Result<WsClient> {
        let mut stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let mut request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        );
        if let Some(protocol) = handshake.subprotocol {
            request.push_str(&format!("Sec-WebSocket-Protocol: {protocol}\r\n"));
        }
        if let Some(authorization) = handshake.authorization {
            request.push_str(&format!("Authorization: {authorization}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await?;

        let mut buf = vec![0; READ_CHUNK];
        let mut end = 0;
        let head_len = loop {
            if let Some(pos) = find(&buf[..end], b"\r\n\r\n") {
                break pos + 4;
            }
            if end == buf.len() {
                if buf.len() >= MAX_HANDSHAKE {
                    return Err(invalid("handshake answer head longer than 16 KiB".into()));
                }
                buf.resize(buf.len() * 2, 0);
            }
            let n = stream.read(&mut buf[end..]).await?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed during the WebSocket handshake",
                ));
            }
            end += n;
        };
        let head = String::from_utf8_lossy(&buf[..head_len]);
        let status_line = head.lines().next().unwrap_or("");
        if !status_line.starts_with("HTTP/1.1 101") {
            let body = String::from_utf8_lossy(&buf[head_len..end]);
            return Err(io::Error::other(format!(
                "WebSocket upgrade refused: expected `HTTP/1.1 101`, got `{status_line}` {body}"
            )));
        }
        Ok(WsClient {
            stream,
            buf,
            start: head_len,
            end,
            rx_timestamps: false,
            last_rx_ns: None,
        })
    }

    /// Asks the kernel to stamp received data (`SO_TIMESTAMPNS`): from now on
    /// [`Self::last_rx_unix_ns`] tells when the bytes of the last read reached this socket,
    /// which is when a frame arrived, independent of when this client got around to reading
    /// it (on a machine shared with the server, the load client's own scheduling would
    /// otherwise be part of every latency sample).
    pub fn enable_rx_timestamps(&mut self) -> io::Result<()> {
        setsockopt(&self.stream, sockopt::ReceiveTimestampns, &true).map_err(io::Error::from)?;
        self.rx_timestamps = true;
        Ok(())
    }

    /// When the bytes of the most recent read reached the socket, as Unix nanoseconds; `None`
    /// unless [`Self::enable_rx_timestamps`] was called. A frame returned by
    /// [`Self::read_frame`] arrived at this time (or, if it was buffered by an earlier read,
    /// no later).
    pub fn last_rx_unix_ns(&self) -> Option<i64> {
        self.last_rx_ns
    }

    /// Reads the next frame. Frames are returned as they arrive; reassembling fragmented
    /// messages is the caller's business (the servers measured send whole messages).
    pub async fn read_frame(&mut self) -> io::Result<Frame<'_>> {
        let (fin, opcode, payload) = loop {
            let available = &self.buf[self.start..self.end];
            let needed = match parse_header(available)? {
                Some(header) => {
                    let total = header.header_len + header.payload_len;
                    if available.len() >= total {
                        let payload = self.start + header.header_len..self.start + total;
                        self.start += total;
                        break (header.fin, header.opcode, payload);
                    }
                    total
                }
                None => 14,
            };
            self.fill(needed).await?;
        };
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        Ok(Frame {
            fin,
            opcode,
            payload: &self.buf[payload],
            rx_unix_ns: self.last_rx_ns,
        })
    }

    /// Reads more bytes until at least `needed` unconsumed bytes fit in the buffer.
    async fn fill(&mut self, needed: usize) -> io::Result<()> {
        if needed > MAX_FRAME {
            return Err(invalid(format!(
                "frame of {needed} bytes exceeds the {MAX_FRAME}-byte limit"
            )));
        }
        if self.buf.len() - self.start < needed.max(READ_CHUNK / 2) {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.buf.len() < needed {
                self.buf.resize(needed.next_power_of_two(), 0);
            }
        }
        let n = if self.rx_timestamps {
            self.read_stamped().await?
        } else {
            self.stream.read(&mut self.buf[self.end..]).await?
        };
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "server closed the connection",
            ));
        }
        self.end += n;
        Ok(())
    }

    /// One `recvmsg` into the free part of the buffer, keeping its receive timestamp.
    async fn read_stamped(&mut self) -> io::Result<usize> {
        let fd = self.stream.as_raw_fd();
        loop {
            self.stream.readable().await?;
            let buf = &mut self.buf[self.end..];
            let result = self.stream.try_io(Interest::READABLE, || {
                let mut iov = [io::IoSliceMut::new(buf)];
                let mut space = nix::cmsg_space!(nix::sys::time::TimeSpec);
                let msg = recvmsg::<()>(fd, &mut iov, Some(&mut space), MsgFlags::empty())
                    .map_err(io::Error::from)?;
                let mut stamp = None;
                if let Ok(cmsgs) = msg.cmsgs() {
                    for cmsg in cmsgs {
                        if let ControlMessageOwned::ScmTimestampns(ts) = cmsg {
                            stamp = Some(ts.tv_sec() * 1_000_000_000 + ts.tv_nsec());
                        }
                    }
                }
                Ok((msg.bytes, stamp))
            });
            match result {
                Ok((n, stamp)) => {
                    if stamp.is_some() {
                        self.last_rx_ns = stamp;
                    }
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends one whole, masked message.
    pub async fn send(&mut self, opcode: Opcode, payload: &[u8]) -> io::Result<()> {
        let mut frame = Vec::with_capacity(payload.len() + 14);
        encode_client_frame(opcode, payload, &mut frame);
        self.stream.write_all(&frame).await
    }

    /// Answers a ping.
    pub async fn pong(&mut self, payload: &[u8]) -> io::Result<()> {
        self.send(Opcode::Pong, payload).await
    }
}

/// A parsed frame header.
#[derive(Debug, PartialEq, Eq)]
struct Header {
    fin: bool,
    opcode: Opcode,
    header_len: usize,
    payload_len: usize,
}

/// Parses a server frame header; `None` when more bytes are needed.
fn parse_header(bytes: &[u8]) -> io::Result<Option<Header>> {
    let [b0, b1, rest @ ..] = bytes else {
        return Ok(None);
    };
    if b1 & 0x80 != 0 {
        return Err(invalid("server frame is masked".into()));
    }
    let (payload_len, header_len) = match b1 & 0x7f {
        126 => match rest {
            [a, b, ..] => (usize::from(u16::from_be_bytes([*a, *b])), 4),
            _ => return Ok(None),
        },
        127 => match rest.get(..8) {
            Some(len) => {
                let mut be = [0; 8];
                be.copy_from_slice(len);
                let len = usize::try_from(u64::from_be_bytes(be))
                    .map_err(|_| invalid("frame length does not fit in memory".into()))?;
                (len, 10)
            }
            None => return Ok(None),
        },
        len => (usize::from(len), 2),
    };
    Ok(Some(Header {
        fin: b0 & 0x80 != 0,
        opcode: Opcode::from_bits(b0 & 0x0f)?,
        header_len,
        payload_len,
    }))
}

/// Appends one whole, masked client frame to `out`.
pub fn encode_client_frame(opcode: Opcode, payload: &[u8], out: &mut Vec<u8>) {
    out.push(0x80 | opcode.bits());
    let len = payload.len();
    if len < 126 {
        // `len < 126` fits in the 7-bit length field.
        out.push(0x80 | len as u8);
    } else if let Ok(len) = u16::try_from(len) {
        out.push(0x80 | 126);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&MASK);
    out.extend(
        payload
            .iter()
            .zip(MASK.iter().cycle())
            .map(|(byte, mask)| byte ^ mask),
    );
}

/// The first position of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use futures_util::{SinkExt, StreamExt};
    use tokio::net::TcpListener;
    use tokio_tungstenite::tungstenite::Message;

    use super::*;

    #[test]
    fn header_lengths_in_all_three_encodings() {
        let short = parse_header(&[0x81, 5]).unwrap().unwrap();
        assert_eq!((short.header_len, short.payload_len), (2, 5));
        assert!(short.fin);
        assert_eq!(short.opcode, Opcode::Text);
        let medium = parse_header(&[0x82, 126, 0x01, 0x00]).unwrap().unwrap();
        assert_eq!((medium.header_len, medium.payload_len), (4, 256));
        let long = parse_header(&[0x02, 127, 0, 0, 0, 0, 0, 1, 0, 0])
            .unwrap()
            .unwrap();
        assert_eq!((long.header_len, long.payload_len), (10, 65536));
        assert!(!long.fin);
        assert!(parse_header(&[0x82, 126, 0x01]).unwrap().is_none());
        assert!(parse_header(&[0x81, 0x85]).is_err(), "masked server frame");
    }

    /// The hand-rolled client interoperates with tungstenite (the library axum uses): frames
    /// of every length encoding arrive whole, pings are answered, client frames unmask.
    #[tokio::test]
    async fn talks_to_a_tungstenite_server() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            for len in [3, 200, 70_000] {
                ws.send(Message::text("x".repeat(len))).await.unwrap();
            }
            ws.send(Message::Ping(vec![1, 2, 3].into())).await.unwrap();
            let mut got = Vec::new();
            while let Some(message) = ws.next().await {
                match message.unwrap() {
                    Message::Text(text) => {
                        got.push(text.to_string());
                        if got.len() == 2 {
                            break;
                        }
                    }
                    Message::Pong(payload) => got.push(format!("pong {:?}", &payload[..])),
                    _ => {}
                }
            }
            got
        });

        let mut client = WsClient::connect(addr, "/", &Handshake::default())
            .await
            .unwrap();
        for len in [3, 200, 70_000] {
            let frame = client.read_frame().await.unwrap();
            assert!(frame.fin);
            assert_eq!(frame.opcode, Opcode::Text);
            assert_eq!(frame.payload.len(), len);
            assert!(frame.payload.iter().all(|b| *b == b'x'));
        }
        let ping = client.read_frame().await.unwrap();
        assert_eq!(ping.opcode, Opcode::Ping);
        let payload = ping.payload.to_vec();
        client.pong(&payload).await.unwrap();
        client
            .send(Opcode::Text, br#"{"op":"subscribe"}"#)
            .await
            .unwrap();
        assert_eq!(
            server.await.unwrap(),
            ["pong [1, 2, 3]", r#"{"op":"subscribe"}"#]
        );
    }
}
