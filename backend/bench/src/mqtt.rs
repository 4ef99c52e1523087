//! The few MQTT 3.1.1 packets a benchmark needs, encoded and parsed by hand.
//!
//! A subscriber sends CONNECT and SUBSCRIBE and reads CONNACK, SUBACK and QoS 0 PUBLISH; the
//! publisher sends CONNECT, PUBLISH and PINGREQ. Packet layouts follow the OASIS MQTT 3.1.1
//! standard, section 3. Parsing borrows from the caller's buffer, so a received PUBLISH costs
//! no allocation.

use std::io;

/// A packet received from the broker.
#[derive(Debug, PartialEq, Eq)]
pub enum Packet<'a> {
    /// CONNACK: `code` 0 means accepted.
    ConnAck {
        /// The connect return code (section 3.2.2.3).
        code: u8,
    },
    /// SUBACK: one return code per requested filter; 0x80 means refused.
    SubAck {
        /// The packet identifier of the SUBSCRIBE this answers.
        packet_id: u16,
        /// The granted QoS per filter, or 0x80 for a failure.
        codes: &'a [u8],
    },
    /// PUBLISH at QoS 0.
    Publish {
        /// The topic name.
        topic: &'a [u8],
        /// The application message.
        payload: &'a [u8],
    },
    /// PINGRESP.
    PingResp,
    /// Any other packet type, by its fixed-header type nibble.
    Other(u8),
}

/// Encodes CONNECT with a clean session, no credentials and no will.
pub fn connect(client_id: &str, keep_alive_secs: u16) -> Vec<u8> {
    let mut body = Vec::with_capacity(12 + client_id.len());
    put_str(&mut body, b"MQTT");
    body.push(4); // protocol level 3.1.1
    body.push(0x02); // clean session
    body.extend_from_slice(&keep_alive_secs.to_be_bytes());
    put_str(&mut body, client_id.as_bytes());
    packet(0x10, &body)
}

/// Encodes SUBSCRIBE for one topic filter at QoS 0.
pub fn subscribe(packet_id: u16, filter: &str) -> Vec<u8> {
    let mut body = Vec::with_capacity(5 + filter.len());
    body.extend_from_slice(&packet_id.to_be_bytes());
    put_str(&mut body, filter.as_bytes());
    body.push(0); // requested QoS
    packet(0x82, &body)
}

/// Appends a QoS 0 PUBLISH (not retained) to `out`.
pub fn publish(topic: &str, payload: &[u8], out: &mut Vec<u8>) {
    out.push(0x30);
    put_remaining_length(out, 2 + topic.len() + payload.len());
    put_str(out, topic.as_bytes());
    out.extend_from_slice(payload);
}

/// PINGREQ, which keeps a connection with a keep-alive interval open.
pub const PINGREQ: [u8; 2] = [0xC0, 0x00];

/// Parses the packet at the start of `buf`: `Ok(None)` when it is not complete yet, else
/// the packet and how many bytes it took.
pub fn parse(buf: &[u8]) -> io::Result<Option<(Packet<'_>, usize)>> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    let mut remaining = 0usize;
    let mut header_len = 1;
    loop {
        let Some(&byte) = buf.get(header_len) else {
            return Ok(None);
        };
        remaining |= usize::from(byte & 0x7f) << (7 * (header_len - 1));
        header_len += 1;
        if byte & 0x80 == 0 {
            break;
        }
        if header_len > 4 {
            return Err(invalid("MQTT remaining length longer than 4 bytes"));
        }
    }
    let total = header_len + remaining;
    let Some(body) = buf.get(header_len..total) else {
        return Ok(None);
    };
    let packet = match first >> 4 {
        2 => Packet::ConnAck {
            code: *body
                .get(1)
                .ok_or_else(|| invalid("CONNACK shorter than 2 bytes"))?,
        },
        9 => {
            let [a, b, codes @ ..] = body else {
                return Err(invalid("SUBACK shorter than 2 bytes"));
            };
            Packet::SubAck {
                packet_id: u16::from_be_bytes([*a, *b]),
                codes,
            }
        }
        3 => {
            let [a, b, rest @ ..] = body else {
                return Err(invalid("PUBLISH without a topic length"));
            };
            let topic_len = usize::from(u16::from_be_bytes([*a, *b]));
            let topic = rest
                .get(..topic_len)
                .ok_or_else(|| invalid("PUBLISH topic longer than the packet"))?;
            // QoS 1 and 2 carry a packet identifier after the topic.
            let skip = if first & 0x06 != 0 { 2 } else { 0 };
            let payload = rest
                .get(topic_len + skip..)
                .ok_or_else(|| invalid("PUBLISH packet identifier missing"))?;
            Packet::Publish { topic, payload }
        }
        13 => Packet::PingResp,
        other => Packet::Other(other),
    };
    Ok(Some((packet, total)))
}

fn packet(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 5);
    out.push(first);
    put_remaining_length(&mut out, body.len());
    out.extend_from_slice(body);
    out
}

fn put_remaining_length(out: &mut Vec<u8>, mut len: usize) {
    loop {
        let byte = (len % 128) as u8;
        len /= 128;
        if len == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    // Topics and client ids here are short; MQTT strings are at most 65,535 bytes.
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s);
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_matches_the_standard_layout() {
        assert_eq!(
            connect("b1", 30),
            [
                0x10, 14, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 30, 0, 2, b'b', b'1'
            ]
        );
    }

    #[test]
    fn subscribe_matches_the_standard_layout() {
        assert_eq!(
            subscribe(7, "bench"),
            [0x82, 10, 0, 7, 0, 5, b'b', b'e', b'n', b'c', b'h', 0]
        );
    }

    #[test]
    fn publish_round_trips_with_a_multi_byte_length() {
        let payload = vec![b'7'; 300];
        let mut out = Vec::new();
        publish("bench", &payload, &mut out);
        assert_eq!(&out[..3], &[0x30, 0xb3, 0x02]); // 307 = 0x33 + 2 * 128
        let (packet, used) = parse(&out).unwrap().unwrap();
        assert_eq!(used, out.len());
        assert_eq!(
            packet,
            Packet::Publish {
                topic: b"bench",
                payload: &payload
            }
        );
        for cut in 0..out.len() {
            assert!(parse(&out[..cut]).unwrap().is_none(), "cut at {cut}");
        }
    }

    #[test]
    fn parses_broker_answers() {
        assert_eq!(
            parse(&[0x20, 2, 0, 0]).unwrap().unwrap(),
            (Packet::ConnAck { code: 0 }, 4)
        );
        assert_eq!(
            parse(&[0x90, 3, 0, 7, 0, 0xff]).unwrap().unwrap(),
            (
                Packet::SubAck {
                    packet_id: 7,
                    codes: &[0]
                },
                5
            )
        );
        assert_eq!(parse(&[0xD0, 0]).unwrap().unwrap(), (Packet::PingResp, 2));
    }
}
