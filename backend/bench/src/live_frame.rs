//! Counting the points of a Pulsegrid live frame without a full JSON parse.
//!
//! A frame is `{"op":"frame","sub":"..","replace":false,"series":[{"name":..,"labels":{..},
//! "t":[..],"v":[..]}]}` (DESIGN.md, WebSocket protocol). The load client only needs the op,
//! the `replace` flag and the values, so [`scan`] looks for those keys and parses the numbers
//! of every `"v":[...]` array in place. [`verify`] checks a sample of frames against a real
//! JSON parse, so a change in the server's encoding shows up as a mismatch, not a wrong count.

/// What kind of server message a text frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `op: frame`; `replace: true` carries the history window, `false` appends new points.
    Frame {
        /// Whether the frame replaces the client's window (history) or appends to it.
        replace: bool,
    },
    /// `op: error`.
    Error,
    /// `op: status`.
    Status,
    /// Anything else (including text that is not a server message).
    Other,
}

/// The result of scanning one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scan {
    /// What the message is.
    pub kind: Kind,
    /// How many values its series carry in total (0 unless it is a frame).
    pub points: usize,
}

/// Scans one text message, calling `each_value` with every numeric value of a frame's series
/// (a `null` counts as a point but has no value).
pub fn scan(text: &[u8], each_value: impl FnMut(f64)) -> Scan {
    let kind = kind(text);
    let points = match kind {
        Kind::Frame { .. } => for_each_value(text, each_value),
        _ => 0,
    };
    Scan { kind, points }
}

/// What kind of server message `text` is.
pub fn kind(text: &[u8]) -> Kind {
    match value_after(text, b"\"op\":") {
        Some(rest) if rest.starts_with(b"\"frame\"") => Kind::Frame {
            replace: value_after(text, b"\"replace\":").is_some_and(|v| v.starts_with(b"true")),
        },
        Some(rest) if rest.starts_with(b"\"error\"") => Kind::Error,
        Some(rest) if rest.starts_with(b"\"status\"") => Kind::Status,
        _ => Kind::Other,
    }
}

/// Calls `each_value` with every numeric value of every `"v":[...]` array in a frame and
/// returns how many values (numbers and `null`s) there were.
pub fn for_each_value(text: &[u8], mut each_value: impl FnMut(f64)) -> usize {
    let mut points = 0;
    let mut rest = text;
    while let Some(after) = value_after(rest, b"\"v\":") {
        rest = after;
        let Some(list) = rest.strip_prefix(b"[") else {
            continue;
        };
        let end = list.iter().position(|b| *b == b']').unwrap_or(list.len());
        for item in list[..end].split(|b| *b == b',') {
            let item = item.trim_ascii();
            if item.is_empty() {
                continue;
            }
            points += 1;
            if let Some(value) = std::str::from_utf8(item)
                .ok()
                .and_then(|s| s.parse::<f64>().ok())
            {
                each_value(value);
            }
        }
        rest = &list[end..];
    }
    points
}

/// Checks [`scan`] against a full JSON parse of the same message: the same kind, the same
/// number of points and the same values, in order.
pub fn verify(text: &[u8]) -> Result<(), String> {
    let message: serde_json::Value =
        serde_json::from_slice(text).map_err(|e| format!("not JSON: {e}"))?;
    let mut scanned = Vec::new();
    let scan = scan(text, |v| scanned.push(v));
    let expected_kind = match message["op"].as_str() {
        Some("frame") => Kind::Frame {
            replace: message["replace"].as_bool().unwrap_or(false),
        },
        Some("error") => Kind::Error,
        Some("status") => Kind::Status,
        _ => Kind::Other,
    };
    if scan.kind != expected_kind {
        return Err(format!(
            "scanned kind {:?}, JSON says {expected_kind:?}",
            scan.kind
        ));
    }
    let values: Vec<&serde_json::Value> = message["series"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|series| series["v"].as_array().into_iter().flatten())
        .collect();
    if matches!(expected_kind, Kind::Frame { .. }) && scan.points != values.len() {
        return Err(format!(
            "scanned {} points, JSON has {}",
            scan.points,
            values.len()
        ));
    }
    let numbers: Vec<f64> = values.iter().filter_map(|v| v.as_f64()).collect();
    if numbers != scanned {
        return Err(format!("scanned values {scanned:?}, JSON has {numbers:?}"));
    }
    Ok(())
}

/// The bytes after the first `key` (a quoted key with its colon), whitespace skipped.
fn value_after<'a>(text: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let at = crate::ws::find(text, key)?;
    Some(text[at + key.len()..].trim_ascii_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_values_of_every_series() {
        let text = br#"{"op":"frame","sub":"b","replace":false,"series":[{"name":"bench","labels":{"v":"x"},"t":[1,2],"v":[1.5,2]},{"name":"bench_b","labels":{},"t":[3],"v":[null]}]}"#;
        let mut values = Vec::new();
        let scan = scan(text, |v| values.push(v));
        assert_eq!(
            scan,
            Scan {
                kind: Kind::Frame { replace: false },
                points: 3
            }
        );
        assert_eq!(values, [1.5, 2.0]);
        verify(text).unwrap();
    }

    #[test]
    fn tells_history_errors_and_status_apart() {
        let history = br#"{"op":"frame","sub":"b","replace":true,"series":[{"name":"x","labels":{},"t":[],"v":[]}]}"#;
        assert_eq!(
            scan(history, |_| {}),
            Scan {
                kind: Kind::Frame { replace: true },
                points: 0
            }
        );
        let error = br#"{"op":"error","sub":"b","message":"no such stream"}"#;
        assert_eq!(scan(error, |_| {}).kind, Kind::Error);
        let status = br#"{"op": "status","sub":"b","source":"up"}"#;
        assert_eq!(scan(status, |_| {}).kind, Kind::Status);
        verify(history).unwrap();
        verify(error).unwrap();
    }

    #[test]
    fn tolerates_whitespace_and_exponents() {
        let text =
            br#"{ "op" : "frame", "replace": false, "series": [ { "v": [ 1e3 , -2.5 ] } ] }"#;
        let mut values = Vec::new();
        // `"op" :` with a space before the colon is not what serde writes; the scan then sees
        // no op, and verify reports the mismatch rather than a silent miscount.
        assert_eq!(scan(text, |v| values.push(v)).kind, Kind::Other);
        assert!(verify(text).is_err());
        let text = br#"{"op": "frame", "replace": false, "series": [ { "v": [ 1e3 , -2.5 ] } ] }"#;
        assert_eq!(scan(text, |v| values.push(v)).points, 2);
        assert_eq!(values, [1000.0, -2.5]);
        verify(text).unwrap();
    }
}
