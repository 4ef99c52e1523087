//! Reading PostgreSQL result cells without extra sqlx features: the binary wire format of
//! the types a dashboard query returns (integers, floats, `numeric`, timestamps, dates,
//! booleans, text).

use sqlx::postgres::{PgRow, PgValueFormat};
use sqlx::{Column as _, Row as _, TypeInfo as _, ValueRef as _};

/// Microseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// What a column holds, from its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    /// `timestamptz`, `timestamp`, `date`.
    Time,
    /// Integers, floats, `numeric`, `bool`.
    Number,
    /// `text`, `varchar`, `char`, `name`.
    Text,
    /// Anything else (json, uuid, arrays): ignored.
    Other,
}

/// One decoded cell.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    /// SQL NULL (or a value that cannot be read).
    Null,
    /// Unix milliseconds.
    Time(i64),
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
}

/// The kind of column `i` of `row`.
pub(crate) fn column_kind(row: &PgRow, i: usize) -> ColumnKind {
    let Some(column) = row.columns().get(i) else {
        return ColumnKind::Other;
    };
    match column.type_info().name() {
        "TIMESTAMPTZ" | "TIMESTAMP" | "DATE" => ColumnKind::Time,
        "INT2" | "INT4" | "INT8" | "FLOAT4" | "FLOAT8" | "NUMERIC" | "BOOL" | "OID" => {
            ColumnKind::Number
        }
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CHAR" | "UNKNOWN" | "CITEXT" => ColumnKind::Text,
        _ => ColumnKind::Other,
    }
}

/// Cell `i` of `row`.
pub(crate) fn decode(row: &PgRow, i: usize) -> Cell {
    let Ok(value) = row.try_get_raw(i) else {
        return Cell::Null;
    };
    if value.is_null() {
        return Cell::Null;
    }
    let type_name = value.type_info().name().to_owned();
    let Ok(bytes) = value.as_bytes() else {
        return Cell::Null;
    };
    if value.format() == PgValueFormat::Text {
        return decode_text(&type_name, bytes);
    }
    decode_binary(&type_name, bytes).unwrap_or(Cell::Null)
}

fn decode_binary(type_name: &str, b: &[u8]) -> Option<Cell> {
    Some(match type_name {
        "BOOL" => Cell::Number(f64::from(*b.first()?)),
        "INT2" => Cell::Number(f64::from(i16::from_be_bytes(b.try_into().ok()?))),
        "INT4" => Cell::Number(f64::from(i32::from_be_bytes(b.try_into().ok()?))),
        "OID" => Cell::Number(f64::from(u32::from_be_bytes(b.try_into().ok()?))),
        "INT8" => Cell::Number(i64::from_be_bytes(b.try_into().ok()?) as f64),
        "FLOAT4" => Cell::Number(f64::from(f32::from_be_bytes(b.try_into().ok()?))),
        "FLOAT8" => Cell::Number(f64::from_be_bytes(b.try_into().ok()?)),
        "NUMERIC" => Cell::Number(numeric(b)?),
        "TIMESTAMPTZ" | "TIMESTAMP" => {
            let micros = i64::from_be_bytes(b.try_into().ok()?);
            // i64::MIN / MAX are -infinity / infinity: no plottable time.
            if micros == i64::MIN || micros == i64::MAX {
                return None;
            }
            Cell::Time((micros.checked_add(PG_EPOCH_MICROS)?).div_euclid(1000))
        }
        "DATE" => {
            let days = i32::from_be_bytes(b.try_into().ok()?);
            if days == i32::MIN || days == i32::MAX {
                return None;
            }
            Cell::Time(i64::from(days) * 86_400_000 + PG_EPOCH_MICROS / 1000)
        }
        _ => Cell::Text(std::str::from_utf8(b).ok()?.to_owned()),
    })
}

fn decode_text(type_name: &str, b: &[u8]) -> Cell {
    let Ok(text) = std::str::from_utf8(b) else {
        return Cell::Null;
    };
    match type_name {
        "BOOL" => Cell::Number(if text == "t" { 1.0 } else { 0.0 }),
        "INT2" | "INT4" | "INT8" | "FLOAT4" | "FLOAT8" | "NUMERIC" | "OID" => {
            text.parse().map_or(Cell::Null, Cell::Number)
        }
        _ => Cell::Text(text.to_owned()),
    }
}

/// The binary `numeric` format: digit count, weight, sign, scale, then base-10000 digits.
pub(crate) fn numeric(b: &[u8]) -> Option<f64> {
    let word = |i: usize| -> Option<u16> { Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?])) };
    let ndigits = usize::from(word(0)?);
    let weight = word(2)? as i16;
    let sign = word(4)?;
    match sign {
        0xC000 => return Some(f64::NAN),
        0xD000 => return Some(f64::INFINITY),
        0xF000 => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    let mut value = 0.0;
    for i in 0..ndigits {
        let digit = f64::from(word(8 + 2 * i)?);
        let power = i32::from(weight) - i32::try_from(i).ok()?;
        value += digit * 10_000f64.powi(power);
    }
    Some(if sign == 0x4000 { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_binary() {
        // 12345.678 = digits [1, 2345, 6780], weight 1, scale 3.
        let bytes = [0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1A, 0x7C];
        assert!((numeric(&bytes).unwrap() - 12345.678).abs() < 1e-9);
        // -0.5 = digits [5000], weight -1.
        let bytes = [0, 1, 0xFF, 0xFF, 0x40, 0, 0, 1, 0x13, 0x88];
        assert_eq!(numeric(&bytes), Some(-0.5));
        assert!(numeric(&[0, 0, 0, 0, 0xC0, 0, 0, 0]).unwrap().is_nan());
        assert_eq!(numeric(&[0, 0, 0, 0, 0, 0, 0, 0]), Some(0.0));
    }

    #[test]
    fn timestamps_are_unix_ms() {
        assert_eq!(
            decode_binary("TIMESTAMPTZ", &0i64.to_be_bytes()),
            Some(Cell::Time(946_684_800_000))
        );
        assert_eq!(
            decode_binary("DATE", &(-10_957i32).to_be_bytes()),
            Some(Cell::Time(0))
        );
        assert_eq!(decode_binary("TIMESTAMP", &i64::MAX.to_be_bytes()), None);
    }
}
