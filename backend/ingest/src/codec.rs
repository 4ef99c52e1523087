//! The binary record shared by the write-ahead log and snapshots:
//!
//! ```text
//! record  = len: u32 LE | crc32(payload): u32 LE | payload (len bytes)
//! payload = stream: str | series count: u32 | series*
//! series  = name: str | label count: u32 | (key: str, value: str)* | n: u32 | t: i64 LE * n | v: f64 LE * n
//! str     = byte length: u32 LE | UTF-8 bytes
//! ```
//!
//! A record whose length runs past the end of the data or whose CRC does not match is a torn
//! write (or damage); readers stop there.

use pulsegrid_model::{Labels, Series};

/// Bytes before a record's payload: length and CRC.
pub(crate) const RECORD_HEADER: usize = 8;
/// Larger records are taken as damage rather than allocated.
pub(crate) const MAX_RECORD: usize = 1 << 30;

/// Appends one framed record holding `series` of `stream`.
pub(crate) fn encode_record(stream: &str, series: &[Series], out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; RECORD_HEADER]);
    put_str(out, stream);
    put_len(out, series.len());
    for s in series {
        put_str(out, &s.name);
        put_len(out, s.labels.len());
        for (k, v) in s.labels.iter() {
            put_str(out, k);
            put_str(out, v);
        }
        put_len(out, s.t.len());
        for t in &s.t {
            out.extend_from_slice(&t.to_le_bytes());
        }
        for v in &s.v {
            out.extend_from_slice(&v.to_bits().to_le_bytes());
        }
    }
    let len = out.len() - start - RECORD_HEADER;
    let crc = crc32fast::hash(&out[start + RECORD_HEADER..]);
    out[start..start + 4].copy_from_slice(&(len as u32).to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

/// The size [`encode_record`] will need, to reserve it once.
pub(crate) fn record_size(stream: &str, series: &[Series]) -> usize {
    let mut n = RECORD_HEADER + 4 + stream.len() + 4;
    for s in series {
        n += 4 + s.name.len() + 4 + 4 + s.t.len() * 16;
        n += s
            .labels
            .iter()
            .map(|(k, v)| 8 + k.len() + v.len())
            .sum::<usize>();
    }
    n
}

/// The payload of the record at `offset` and the offset after it; `Ok(None)` at the end of
/// `buf`, `Err(why)` when the record there is torn or damaged.
pub(crate) fn next_record(buf: &[u8], offset: usize) -> Result<Option<(&[u8], usize)>, String> {
    let rest = &buf[offset.min(buf.len())..];
    if rest.is_empty() {
        return Ok(None);
    }
    if rest.len() < RECORD_HEADER {
        return Err(format!(
            "expected an {RECORD_HEADER}-byte record header, found {} bytes",
            rest.len()
        ));
    }
    let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
    if len > MAX_RECORD || len > rest.len() - RECORD_HEADER {
        return Err(format!(
            "expected a {len}-byte record, found {} bytes left",
            rest.len() - RECORD_HEADER
        ));
    }
    let payload = &rest[RECORD_HEADER..RECORD_HEADER + len];
    let actual = crc32fast::hash(payload);
    if actual != crc {
        return Err(format!(
            "expected CRC {crc:08x} for a {len}-byte record, found {actual:08x}"
        ));
    }
    Ok(Some((payload, offset + RECORD_HEADER + len)))
}

/// Decodes a record payload into its stream and series.
pub(crate) fn decode_payload(payload: &[u8]) -> Result<(String, Vec<Series>), String> {
    let mut r = Reader {
        buf: payload,
        pos: 0,
    };
    let stream = r.string()?;
    let count = r.len(8)?;
    let mut series = Vec::with_capacity(count);
    for _ in 0..count {
        let name = r.string()?;
        let label_count = r.len(8)?;
        let mut labels = Labels::new();
        for _ in 0..label_count {
            let k = r.string()?;
            let v = r.string()?;
            labels.insert(k, v);
        }
        let n = r.len(16)?;
        let t = (0..n)
            .map(|_| r.u64().map(|x| x as i64))
            .collect::<Result<_, _>>()?;
        let v = (0..n)
            .map(|_| r.u64().map(f64::from_bits))
            .collect::<Result<_, _>>()?;
        series.push(Series { name, labels, t, v });
    }
    if r.pos != payload.len() {
        return Err(format!(
            "expected the record to end at byte {}, found {} more bytes",
            r.pos,
            payload.len() - r.pos
        ));
    }
    Ok((stream, series))
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err(format!(
                "expected {n} more bytes at byte {}, found {}",
                self.pos,
                self.buf.len() - self.pos
            ));
        };
        let bytes = &self.buf[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        let mut a = [0; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// A count of items at least `min_size` bytes each, checked against what is left so a
    /// damaged count cannot make us allocate wildly.
    fn len(&mut self, min_size: usize) -> Result<usize, String> {
        let n = self.u32()? as usize;
        let left = self.buf.len() - self.pos;
        if n.saturating_mul(min_size) > left {
            return Err(format!(
                "expected at most {} items in the {left} bytes left, found a count of {n}",
                left / min_size
            ));
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String, String> {
        let n = self.u32()? as usize;
        let at = self.pos;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| format!("expected UTF-8 text at byte {at}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulsegrid_model::SeriesKey;

    fn series() -> Vec<Series> {
        let mut s = Series::new(SeriesKey::new(
            "line_pressure",
            [("site", "north"), ("unit", "bar")].into_iter().collect(),
        ));
        s.push(1, 7.25);
        s.push(2, f64::NAN);
        vec![s, Series::new(SeriesKey::new("empty", Labels::new()))]
    }

    #[test]
    fn records_round_trip() {
        let mut buf = Vec::new();
        encode_record("plant", &series(), &mut buf);
        encode_record("other", &[], &mut buf);
        assert_eq!(
            buf.len(),
            record_size("plant", &series()) + record_size("other", &[])
        );
        let (payload, next) = next_record(&buf, 0).unwrap().unwrap();
        let (stream, decoded) = decode_payload(payload).unwrap();
        assert_eq!(stream, "plant");
        assert_eq!(decoded[0].t, [1, 2]);
        assert!(decoded[0].v[1].is_nan());
        assert_eq!(decoded[0].labels, series()[0].labels);
        let (payload, end) = next_record(&buf, next).unwrap().unwrap();
        assert_eq!(decode_payload(payload).unwrap().0, "other");
        assert_eq!(next_record(&buf, end), Ok(None));
    }

    #[test]
    fn torn_and_damaged_records_are_detected() {
        let mut buf = Vec::new();
        encode_record("plant", &series(), &mut buf);
        let e = next_record(&buf[..buf.len() - 1], 0).unwrap_err();
        assert!(e.starts_with("expected a "), "{e}");
        assert!(
            next_record(&buf[..3], 0)
                .unwrap_err()
                .contains("record header")
        );
        let last = buf.len() - 1;
        buf[last] ^= 0xff;
        assert!(next_record(&buf, 0).unwrap_err().contains("CRC"));
    }
}
