//! Value formatting by Grafana unit id (`fieldConfig.defaults.unit`): `none`, `short`,
//! `percent`, `percentunit`, bytes (IEC and SI), bits, time (`s`, `ms`, `µs`, `ns`, `m`,
//! `h`, `d`), temperatures, a few SI units, currencies, `prefix:`/`suffix:`, and any other id
//! as a suffix (as Grafana shows units it does not know).

/// How many decimals Grafana shows for `value` when the panel does not say.
pub(crate) fn auto_decimals(value: f64) -> usize {
    if !value.is_finite() || value == 0.0 || value.fract() == 0.0 {
        return 0;
    }
    let log10 = value.abs().log10().floor() as i32;
    // Grafana: `-log10 + 1`, plus one because a normalized value is always above 2.25.
    (2 - log10).clamp(0, 12) as usize
}

/// `value` with `decimals` (auto when `None`), without a negative zero.
pub(crate) fn fixed(value: f64, decimals: Option<usize>) -> String {
    let d = decimals.unwrap_or_else(|| auto_decimals(value)).min(12);
    let text = format!("{value:.d$}");
    if text.starts_with('-') && text[1..].bytes().all(|b| b == b'0' || b == b'.') {
        text[1..].to_owned()
    } else {
        text
    }
}

/// A value scaled by powers of `factor` to the largest unit it reaches.
fn scaled(value: f64, decimals: Option<usize>, factor: f64, units: &[&str]) -> String {
    let mut index = 0usize;
    let mut v = value;
    if value != 0.0 && value.is_finite() {
        let power = (value.abs().ln() / factor.ln()).floor();
        index = power.clamp(0.0, (units.len() - 1) as f64) as usize;
        v = value / factor.powi(index as i32);
    }
    format!("{}{}", fixed(v, decimals), units[index])
}

/// A time ladder: the first `(limit, divisor, suffix)` whose limit exceeds |value| wins.
fn ladder(value: f64, decimals: Option<usize>, steps: &[(f64, f64, &str)]) -> String {
    let abs = value.abs();
    for &(limit, divisor, suffix) in steps {
        if abs < limit {
            return format!("{}{suffix}", fixed(value / divisor, decimals));
        }
    }
    let &(_, divisor, suffix) = steps.last().unwrap_or(&(1.0, 1.0, ""));
    format!("{}{suffix}", fixed(value / divisor, decimals))
}

const SHORT: &[&str] = &[
    "", " K", " Mil", " Bil", " Tri", " Quadr", " Quint", " Sext", " Sept",
];
const IEC_BYTES: &[&str] = &[" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB"];
const SI_BYTES: &[&str] = &[" B", " kB", " MB", " GB", " TB", " PB", " EB"];
const IEC_BITS: &[&str] = &[" b", " Kib", " Mib", " Gib", " Tib", " Pib"];
const SI_BITS: &[&str] = &[" b", " kb", " Mb", " Gb", " Tb", " Pb"];
const SECONDS: &[(f64, f64, &str)] = &[
    (1e-6, 1e-9, " ns"),
    (1e-3, 1e-6, " µs"),
    (1.0, 1e-3, " ms"),
    (60.0, 1.0, " s"),
    (3600.0, 60.0, " min"),
    (86_400.0, 3600.0, " hour"),
    (604_800.0, 86_400.0, " day"),
    (31_536_000.0, 604_800.0, " week"),
    (f64::INFINITY, 31_536_000.0, " year"),
];

/// `value` as Grafana formats it for `unit` with `decimals` (auto when `None`).
pub(crate) fn format(value: f64, unit: Option<&str>, decimals: Option<usize>) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    let unit = unit.map(str::trim).unwrap_or("");
    let suffixed = |suffix: &str| format!("{}{suffix}", fixed(value, decimals));
    let si = |base: &str| {
        let prefixes = [
            (1e-9, " n"),
            (1e-6, " µ"),
            (1e-3, " m"),
            (1.0, " "),
            (1e3, " k"),
            (1e6, " M"),
            (1e9, " G"),
            (1e12, " T"),
        ];
        let abs = value.abs();
        let (scale, prefix) = prefixes
            .iter()
            .rev()
            .find(|(s, _)| abs >= *s)
            .copied()
            .unwrap_or((1.0, " "));
        let scale = if abs == 0.0 { 1.0 } else { scale };
        let prefix = if abs == 0.0 { " " } else { prefix };
        format!("{}{prefix}{base}", fixed(value / scale, decimals))
    };
    match unit {
        "" | "none" | "string" => fixed(value, decimals),
        "short" => scaled(value, decimals, 1000.0, SHORT),
        "percent" => suffixed("%"),
        "percentunit" => format!("{}%", fixed(value * 100.0, decimals)),
        "bytes" => scaled(value, decimals, 1024.0, IEC_BYTES),
        "decbytes" => scaled(value, decimals, 1000.0, SI_BYTES),
        "bits" => scaled(value, decimals, 1024.0, IEC_BITS),
        "decbits" => scaled(value, decimals, 1000.0, SI_BITS),
        "kbytes" => scaled(value * 1024.0, decimals, 1024.0, IEC_BYTES),
        "mbytes" => scaled(value * 1024.0 * 1024.0, decimals, 1024.0, IEC_BYTES),
        "Bps" | "binBps" => format!("{}/s", scaled(value, decimals, 1024.0, IEC_BYTES)),
        "bps" => format!("{}ps", scaled(value, decimals, 1000.0, SI_BITS)),
        "s" => ladder(value, decimals, SECONDS),
        "ms" => ladder(value / 1000.0, decimals, SECONDS),
        "µs" | "us" => ladder(value / 1e6, decimals, SECONDS),
        "ns" => ladder(value / 1e9, decimals, SECONDS),
        "m" => ladder(value * 60.0, decimals, SECONDS),
        "h" => ladder(value * 3600.0, decimals, SECONDS),
        "d" => ladder(value * 86_400.0, decimals, SECONDS),
        "celsius" => suffixed("°C"),
        "fahrenheit" => suffixed("°F"),
        "kelvin" => suffixed(" K"),
        "humidity" => suffixed("%H"),
        "pressurebar" => suffixed(" bar"),
        "pressurembar" => suffixed(" mbar"),
        "pressurehpa" => suffixed(" hPa"),
        "pressurekpa" => suffixed(" kPa"),
        "pressurepsi" => suffixed("psi"),
        "velocityms" => suffixed(" m/s"),
        "velocitykmh" => suffixed(" km/h"),
        "reqps" => suffixed(" req/s"),
        "rps" => suffixed(" rd/s"),
        "wps" => suffixed(" wr/s"),
        "iops" => suffixed(" io/s"),
        "ops" | "opm" => suffixed(if unit == "ops" { " ops/s" } else { " ops/min" }),
        "hertz" => si("Hz"),
        "watt" => si("W"),
        "kwatt" => suffixed(" kW"),
        "watth" => si("Wh"),
        "kwatth" => suffixed(" kWh"),
        "volt" => si("V"),
        "amp" => si("A"),
        "lengthm" => si("m"),
        "massg" => si("g"),
        "currencyUSD" => format!("${}", scaled(value, decimals, 1000.0, SHORT)),
        "currencyEUR" => format!("€{}", scaled(value, decimals, 1000.0, SHORT)),
        "currencyGBP" => format!("£{}", scaled(value, decimals, 1000.0, SHORT)),
        "bool" => (if value != 0.0 { "True" } else { "False" }).to_owned(),
        "bool_on_off" => (if value != 0.0 { "On" } else { "Off" }).to_owned(),
        _ => {
            if let Some(suffix) = unit.strip_prefix("suffix:") {
                suffixed(suffix)
            } else if let Some(prefix) = unit.strip_prefix("prefix:") {
                format!("{prefix}{}", fixed(value, decimals))
            } else {
                // Grafana shows an id it does not know as a suffix.
                suffixed(&format!(" {unit}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_grafana() {
        assert_eq!(format(23.456, None, None), "23.5");
        assert_eq!(format(0.1234, Some("none"), None), "0.123");
        assert_eq!(format(42.0, None, None), "42");
        assert_eq!(format(1234.0, Some("short"), None), "1.23 K");
        assert_eq!(format(1_500_000.0, Some("short"), Some(1)), "1.5 Mil");
        assert_eq!(format(55.0, Some("percent"), None), "55%");
        assert_eq!(format(0.256, Some("percentunit"), Some(1)), "25.6%");
        assert_eq!(format(1536.0, Some("bytes"), None), "1.50 KiB");
        assert_eq!(format(512.0, Some("bytes"), None), "512 B");
        assert_eq!(format(90.0, Some("s"), None), "1.50 min");
        assert_eq!(format(0.25, Some("s"), None), "250 ms");
        assert_eq!(format(250.0, Some("ms"), None), "250 ms");
        assert_eq!(format(21.5, Some("celsius"), Some(1)), "21.5°C");
        assert_eq!(format(3.0, Some("suffix: rpm"), None), "3 rpm");
        assert_eq!(format(3.0, Some("widgets"), None), "3 widgets");
        assert_eq!(format(-0.0001, None, Some(1)), "0.0");
        assert_eq!(format(f64::NAN, Some("s"), None), "NaN");
        assert_eq!(format(f64::INFINITY, None, None), "+Inf");
        assert_eq!(format(1500.0, Some("watt"), None), "1.50 kW");
    }
}
