//! Colors as Grafana names them: the named visualization colors (`green`, `semi-dark-red`),
//! the classic series palette, CSS hex and `rgb()`/`rgba()`, and the two themes' chrome.

use plotters::style::RGBAColor;

use crate::options::Theme;

/// An RGBA color (alpha 0..=1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Color {
    pub(crate) r: u8,
    pub(crate) g: u8,
    pub(crate) b: u8,
    pub(crate) a: f64,
}

impl Color {
    pub(crate) const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color { r, g, b, a: 1.0 }
    }

    const fn hex(v: u32) -> Color {
        Color::rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
    }

    /// The same color with its opacity multiplied by `alpha`.
    pub(crate) fn alpha(self, alpha: f64) -> Color {
        Color {
            a: (self.a * alpha).clamp(0.0, 1.0),
            ..self
        }
    }

    pub(crate) fn to_plotters(self) -> RGBAColor {
        RGBAColor(self.r, self.g, self.b, self.a)
    }

    /// WCAG relative luminance, 0..=1.
    pub(crate) fn luminance(self) -> f64 {
        let lin = |v: u8| {
            let s = f64::from(v) / 255.0;
            if s <= 0.03928 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.r) + 0.7152 * lin(self.g) + 0.0722 * lin(self.b)
    }
}

/// Each hue from lightest to darkest: super-light, light, (base), semi-dark, dark.
const HUES: [(&str, [u32; 5]); 6] = [
    ("red", [0xFFA6B0, 0xFF7383, 0xF2495C, 0xE02F44, 0xC4162A]),
    ("orange", [0xFFCB7D, 0xFFB357, 0xFF9830, 0xFF780A, 0xFA6400]),
    ("yellow", [0xFFF899, 0xFFEE52, 0xFADE2A, 0xF2CC0C, 0xE0B400]),
    ("green", [0xC8F2C2, 0x96D98D, 0x73BF69, 0x56A64B, 0x37872D]),
    ("blue", [0xC0D8FF, 0x8AB8FF, 0x5794F2, 0x3274D9, 0x1F60C4]),
    ("purple", [0xDEB6F2, 0xCA95E5, 0xB877D9, 0xA352CC, 0x8F3BB8]),
];

const SHADES: [&str; 5] = ["super-light-", "light-", "", "semi-dark-", "dark-"];

/// Grafana's `palette-classic`, in order.
const CLASSIC: [u32; 24] = [
    0x73BF69, 0xF2CC0C, 0x8AB8FF, 0xFF780A, 0xF2495C, 0x5794F2, 0xB877D9, 0x705DA0, 0x37872D,
    0xFADE2A, 0x447EBC, 0xC15C17, 0x890F02, 0x0A437C, 0x6D1F62, 0x584477, 0xB7DBAB, 0xF4D598,
    0x70DBED, 0xF9BA8F, 0xF29191, 0x82B5D8, 0xE5A8E2, 0xAEA2E0,
];

/// The classic palette's color for series number `i`.
pub(crate) fn palette(i: usize) -> Color {
    Color::hex(CLASSIC[i % CLASSIC.len()])
}

/// A color as a dashboard writes it; `None` for text that is no color.
pub(crate) fn parse(text: &str) -> Option<Color> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix('#') {
        return parse_hex(hex);
    }
    if let Some(args) = lower
        .strip_prefix("rgba(")
        .or_else(|| lower.strip_prefix("rgb("))
        .and_then(|rest| rest.strip_suffix(')'))
    {
        let parts: Vec<&str> = args
            .split([',', ' ', '/'])
            .filter(|p| !p.is_empty())
            .collect();
        if parts.len() < 3 {
            return None;
        }
        let ch = |s: &str| {
            s.trim()
                .parse::<f64>()
                .ok()
                .map(|v| v.clamp(0.0, 255.0) as u8)
        };
        let a = match parts.get(3) {
            Some(a) => match a.strip_suffix('%') {
                Some(p) => p.parse::<f64>().ok()? / 100.0,
                None => a.parse::<f64>().ok()?,
            },
            None => 1.0,
        };
        return Some(Color::rgb(ch(parts[0])?, ch(parts[1])?, ch(parts[2])?).alpha(a));
    }
    named(&lower)
}

fn parse_hex(hex: &str) -> Option<Color> {
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let full: String = match hex.len() {
        3 | 4 => hex.chars().flat_map(|c| [c, c]).collect(),
        6 | 8 => hex.to_owned(),
        _ => return None,
    };
    let n = |i: usize| u8::from_str_radix(&full[i..i + 2], 16).ok();
    let a = if full.len() == 8 {
        f64::from(n(6)?) / 255.0
    } else {
        1.0
    };
    Some(Color::rgb(n(0)?, n(2)?, n(4)?).alpha(a))
}

fn named(name: &str) -> Option<Color> {
    for (hue, shades) in HUES {
        for (prefix, value) in SHADES.iter().zip(shades) {
            if name.strip_prefix(prefix) == Some(hue) {
                return Some(Color::hex(value));
            }
        }
    }
    Some(match name {
        "white" => Color::hex(0xFFFFFF),
        "black" => Color::hex(0x000000),
        "gray" | "grey" => Color::hex(0x808080),
        "transparent" => Color::rgb(0, 0, 0).alpha(0.0),
        "text" => Color::hex(0xCCCCDC),
        _ => return None,
    })
}

/// A dashboard color, or gray for text that is no color (as Grafana shows unknown names).
pub(crate) fn resolve(text: &str) -> Color {
    parse(text).unwrap_or(Color::hex(0x808080))
}

/// The colors of a theme's chrome.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Palette {
    /// Panel background.
    pub(crate) background: Color,
    /// Title and value text.
    pub(crate) text: Color,
    /// Axis labels and legend text.
    pub(crate) muted: Color,
    /// Grid lines.
    pub(crate) grid: Color,
    /// A gauge's empty track.
    pub(crate) track: Color,
}

impl Palette {
    pub(crate) fn of(theme: Theme) -> Palette {
        match theme {
            Theme::Dark => Palette {
                background: Color::hex(0x181B1F),
                text: Color::hex(0xCCCCDC),
                muted: Color::hex(0x9FA1AC),
                grid: Color::hex(0x2A2D33),
                track: Color::hex(0x2F3238),
            },
            Theme::Light => Palette {
                background: Color::hex(0xFFFFFF),
                text: Color::hex(0x24292E),
                muted: Color::hex(0x5E636B),
                grid: Color::hex(0xE6E7EA),
                track: Color::hex(0xE3E4E8),
            },
        }
    }

    /// Text that reads well on `background`.
    pub(crate) fn text_on(&self, background: Color) -> Color {
        if background.luminance() > 0.35 {
            Color::hex(0x111217)
        } else {
            Color::hex(0xFFFFFF)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_grafana_colors() {
        assert_eq!(parse("green"), Some(Color::hex(0x73BF69)));
        assert_eq!(parse("semi-dark-red"), Some(Color::hex(0xE02F44)));
        assert_eq!(parse("#F2495C"), Some(Color::hex(0xF2495C)));
        assert_eq!(parse("#fff"), Some(Color::hex(0xFFFFFF)));
        assert_eq!(parse("rgb(1, 2, 3)"), Some(Color::rgb(1, 2, 3)));
        let c = parse("rgba(10,20,30,0.5)").unwrap();
        assert_eq!((c.r, c.g, c.b, c.a), (10, 20, 30, 0.5));
        assert_eq!(parse("#12345"), None);
        assert_eq!(parse("no-such-color"), None);
        assert_eq!(resolve("no-such-color"), Color::hex(0x808080));
        assert_eq!(palette(0), Color::hex(0x73BF69));
        assert_eq!(palette(24), palette(0));
    }
}
