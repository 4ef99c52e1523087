//! Numbers as line protocol writes them: integers checked for overflow without going
//! through `str::parse`, and finite floats only.

/// A decimal `i64`, optionally negative; `None` if empty, not digits, or out of range.
pub(super) fn parse_i64(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: i64 = 0;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        // Accumulate negatively so i64::MIN fits.
        n = n.checked_mul(10)?.checked_sub(i64::from(d))?;
    }
    if negative { Some(n) } else { n.checked_neg() }
}

/// A decimal `u64`; `None` if empty, not digits, or out of range.
pub(super) fn parse_u64(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &c in bytes {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// A finite float in decimal or exponent notation (`1`, `-1.5`, `1.`, `.5`, `1e3`); no NaN or
/// infinity, which line protocol does not allow.
pub(super) fn parse_float(raw: &str) -> Option<f64> {
    let bytes = raw.as_bytes();
    if !bytes.iter().any(u8::is_ascii_digit)
        || !bytes
            .iter()
            .all(|c| matches!(c, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    // Fast path: plain integers, the most common float field.
    if let Some(n) = parse_i64(bytes)
        && n.unsigned_abs() < (1 << 53)
    {
        return Some(n as f64);
    }
    raw.parse::<f64>().ok().filter(|v| v.is_finite())
}
