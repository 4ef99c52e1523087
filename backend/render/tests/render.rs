//! Black-box tests of the renderer: PNGs decoded and checked pixel by pixel, SVGs parsed,
//! golden images compared with a tolerance (`PULSEGRID_UPDATE_GOLDEN=1` rewrites them under
//! `tests/golden/`), placeholders, bad sizes and bad data.

use std::path::PathBuf;

use pulsegrid_model::{Labels, Series, SeriesKey};
use pulsegrid_render::{
    Format, RenderError, RenderOptions, Theme, TimeZone, render_alert_graph, render_panel,
};
use serde_json::{Value, json};

/// 2024-07-01T00:00:00Z.
const T0: i64 = 1_719_792_000_000;
const HOUR: i64 = 3_600_000;

const GREEN: [u8; 3] = [0x73, 0xBF, 0x69];
const YELLOW: [u8; 3] = [0xF2, 0xCC, 0x0C];

fn series(name: &str, labels: &[(&str, &str)], n: usize, f: impl Fn(usize) -> f64) -> Series {
    let labels: Labels = labels.iter().copied().collect();
    let mut s = Series::new(SeriesKey::new(name, labels));
    for i in 0..n {
        s.push(T0 + HOUR * i as i64 / (n as i64 - 1).max(1), f(i));
    }
    s
}

fn opts(width: u32, height: u32, format: Format) -> RenderOptions {
    RenderOptions {
        width,
        height,
        format,
        ..RenderOptions::new(T0, T0 + HOUR)
    }
}

/// Decoded 8-bit RGB pixels.
struct Pixels {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Pixels {
    fn decode(png_bytes: &[u8]) -> Pixels {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut buf).expect("a frame");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        buf.truncate(info.buffer_size());
        Pixels {
            width: info.width as usize,
            height: info.height as usize,
            rgb: buf,
        }
    }

    fn at(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// (row, count) of pixels of exactly `color`, per row.
    fn rows_with(&self, color: [u8; 3]) -> Vec<(usize, usize)> {
        (0..self.height)
            .map(|y| {
                (
                    y,
                    (0..self.width).filter(|x| self.at(*x, y) == color).count(),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

fn svg_doc(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 SVG")
}

fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_owned())
        .collect()
}

/// A flat series at 50 on a 0..100 axis is a line of the first palette color (green) across
/// the plot, on the row halfway between the grid lines of 0 and 100.
#[test]
fn flat_series_draws_its_color_on_the_expected_row() {
    let panel = json!({"type": "timeseries", "fieldConfig": {"defaults": {"min": 0, "max": 100}},
                       "options": {"legend": {"showLegend": false}}});
    let data = [series("flat", &[], 61, |_| 50.0)];
    let image = render_panel(&panel, &data, &opts(600, 300, Format::Png)).unwrap();
    assert_eq!(image.content_type, "image/png");
    let px = Pixels::decode(&image.bytes);
    assert_eq!((px.width, px.height), (600, 300));

    // The grid: rows mostly in the grid color; the first is 100, the last 0.
    let background = px.at(1, 1);
    let grid_rows: Vec<usize> = (0..px.height)
        .filter(|y| {
            let row_color = px.at(px.width * 3 / 4, *y);
            row_color != background
                && (0..px.width).filter(|x| px.at(*x, *y) == row_color).count() > px.width / 2
        })
        .collect();
    assert!(grid_rows.len() >= 3, "grid rows {grid_rows:?}");
    let (top, bottom) = (grid_rows[0], *grid_rows.last().unwrap());
    let expected = (top + bottom) / 2;

    let rows = px.rows_with(GREEN);
    assert!(!rows.is_empty(), "no pixel of the series color");
    for (row, _) in &rows {
        assert!(
            row.abs_diff(expected) <= 1,
            "green on row {row}, expected {expected}"
        );
    }
    let widest = rows.iter().map(|r| r.1).max().unwrap();
    assert!(
        widest > px.width * 3 / 4,
        "the line spans the plot: {widest} px"
    );
}

/// Two series: each gets its palette color; stacking puts the second above the first.
#[test]
fn stacked_series_keep_their_order_and_colors() {
    let panel = json!({"type": "timeseries",
        "fieldConfig": {"defaults": {"min": 0, "max": 100, "custom": {"stacking": {"mode": "normal"}}}},
        "options": {"legend": {"showLegend": false}}});
    let data = [
        series("a", &[], 30, |_| 20.0),
        series("b", &[], 30, |_| 30.0),
    ];
    let image = render_panel(&panel, &data, &opts(400, 300, Format::Png)).unwrap();
    let px = Pixels::decode(&image.bytes);
    let green = px.rows_with(GREEN);
    let yellow = px.rows_with(YELLOW);
    assert!(!green.is_empty() && !yellow.is_empty());
    // Stacked: b sits at 50, a at 20; rows grow downwards.
    assert!(
        yellow[0].0 < green[0].0,
        "yellow {yellow:?} green {green:?}"
    );
}

/// The SVG has a polyline per series in its color, the legend names and the title as text,
/// axis labels in the unit and the time zone.
#[test]
fn svg_has_a_line_per_series_and_the_legend() {
    let panel = json!({"type": "timeseries", "title": "Pressure & flow <north>",
                       "fieldConfig": {"defaults": {"unit": "percent"}}});
    let data = [
        series("pressure", &[("site", "north")], 100, |i| i as f64 / 2.0),
        series("pressure", &[("site", "south")], 100, |i| {
            100.0 - i as f64 / 2.0
        }),
    ];
    let mut o = opts(800, 400, Format::Svg);
    o.tz = TimeZone::parse("+05:30").unwrap();
    let image = render_panel(&panel, &data, &o).unwrap();
    assert_eq!(image.content_type, "image/svg+xml");
    let text = svg_doc(&image.bytes);
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let strokes: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter_map(|n| n.attribute("stroke").map(str::to_ascii_uppercase))
        .collect();
    for color in ["#73BF69", "#F2CC0C"] {
        assert!(strokes.iter().any(|s| s == color), "{color} in {strokes:?}");
    }
    let texts = texts(&doc);
    assert!(
        texts.contains(&"pressure{site=\"north\"}".to_owned()),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"pressure{site=\"south\"}".to_owned()),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"Pressure & flow <north>".to_owned()),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.ends_with('%')),
        "percent axis: {texts:?}"
    );
    // 00:00 UTC is 05:30 at +05:30.
    assert!(
        texts.iter().any(|t| t == "05:30"),
        "local time labels: {texts:?}"
    );
}

/// Panels without a server-side renderer become a placeholder naming the type, with the title.
#[test]
fn unknown_panel_types_are_a_placeholder() {
    let panel = json!({"type": "table", "title": "Pumps"});
    let image = render_panel(&panel, &[], &opts(400, 200, Format::Svg)).unwrap();
    let text = svg_doc(&image.bytes);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let texts = texts(&doc);
    assert!(
        texts.contains(&"table panels are not rendered server-side".to_owned()),
        "{texts:?}"
    );
    assert!(texts.contains(&"Pumps".to_owned()));
    let png = render_panel(&panel, &[], &opts(400, 200, Format::Png)).unwrap();
    assert_eq!(Pixels::decode(&png.bytes).width, 400);
}

/// Sizes outside 1..=8192 and empty time ranges are errors, not images.
#[test]
fn bad_sizes_and_ranges_are_rejected() {
    let panel = json!({"type": "timeseries"});
    for (w, h) in [(0, 100), (100, 0), (8193, 100), (100, 8193)] {
        let err = render_panel(&panel, &[], &opts(w, h, Format::Png)).unwrap_err();
        assert!(
            matches!(err, RenderError::InvalidSize { .. }),
            "{w}x{h}: {err}"
        );
    }
    let mut o = opts(100, 100, Format::Png);
    o.to_ms = o.from_ms;
    assert!(matches!(
        render_panel(&panel, &[], &o),
        Err(RenderError::InvalidTimeRange { .. })
    ));
    assert!(render_alert_graph(&[], None, T0, T0 + HOUR, 0, 10).is_err());
}

/// Bad data never panics: NaN, infinities, huge values, empty and mismatched series, unsorted
/// times, unknown units, odd panel JSON, tiny images; in every panel kind and format.
#[test]
fn bad_data_is_drawn_without_panicking() {
    let mut odd = Series::new(SeriesKey::new("odd", Labels::new()));
    odd.t = vec![T0 + 10, T0, T0 + 5];
    odd.v = vec![1.0];
    let data = [
        series("nan", &[], 10, |_| f64::NAN),
        series("inf", &[], 10, |i| {
            if i % 2 == 0 {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            }
        }),
        series("huge", &[], 10, |i| if i % 2 == 0 { 1e308 } else { -1e308 }),
        series("one", &[], 1, |_| 3.0),
        Series::new(SeriesKey::new("empty", Labels::new())),
        odd,
    ];
    let panels = [
        json!({"type": "timeseries", "fieldConfig": {"defaults": {"unit": "no-such-unit",
            "custom": {"stacking": {"mode": "percent"}, "drawStyle": "bars", "fillOpacity": 50,
                       "thresholdsStyle": {"mode": "line+area"}}}}}),
        json!({"type": "graph", "fieldConfig": {"defaults": {"min": 10, "max": 5, "decimals": 99}}}),
        json!({"type": "timeseries", "fieldConfig": {"defaults": {"custom": {"drawStyle": "points", "lineInterpolation": "stepAfter"}}}}),
        json!({"type": "stat", "options": {"reduceOptions": {"calcs": ["sum"]}, "colorMode": "background"}}),
        json!({"type": "gauge", "fieldConfig": {"defaults": {"thresholds": {"mode": "percentage", "steps": []}}}}),
        json!({"type": "bargauge", "options": {"orientation": "vertical"}}),
        json!({"type": "bargauge"}),
        json!(null),
        json!({"type": "timeseries", "fieldConfig": [], "options": "x", "title": 7}),
    ];
    let extreme = RenderOptions {
        width: 300,
        height: 150,
        ..RenderOptions::new(i64::MIN + 1, i64::MAX)
    };
    for panel in &panels {
        assert!(
            render_panel(panel, &data, &extreme).is_ok(),
            "{panel}: extreme range"
        );
        for format in [Format::Png, Format::Svg] {
            for (w, h) in [(1, 1), (30, 20), (640, 320)] {
                for subset in [&data[..], &data[..0], &data[3..4]] {
                    let image = render_panel(panel, subset, &opts(w, h, format));
                    assert!(image.is_ok(), "{panel} {w}x{h}: {image:?}");
                }
            }
        }
    }
}

/// The same input gives the same bytes.
#[test]
fn output_is_deterministic() {
    let panel = json!({"type": "timeseries", "title": "t"});
    let data = [series("a", &[("x", "1")], 200, |i| (i as f64 / 10.0).sin())];
    for format in [Format::Png, Format::Svg] {
        let a = render_panel(&panel, &data, &opts(500, 250, format)).unwrap();
        let b = render_panel(&panel, &data, &opts(500, 250, format)).unwrap();
        assert_eq!(a, b);
    }
}

/// The alert graph: a PNG of the requested size with the threshold as a red dashed line.
#[test]
fn alert_graph_draws_the_threshold_dashed() {
    let data = [series("line_pressure", &[("site", "north")], 60, |i| {
        5.0 + i as f64 / 20.0
    })];
    let png_bytes = render_alert_graph(&data, Some(12.0), T0, T0 + HOUR, 600, 250).unwrap();
    let px = Pixels::decode(&png_bytes);
    assert_eq!((px.width, px.height), (600, 250));
    let red = [0xF2, 0x49, 0x5C];
    let rows = px.rows_with(red);
    let (row, count) = rows
        .iter()
        .max_by_key(|r| r.1)
        .copied()
        .expect("red pixels");
    assert!(count > 200, "a line across the plot: {count}");
    // Dashed: red and not red alternate along the row.
    let changes = (1..px.width)
        .filter(|x| (px.at(*x, row) == red) != (px.at(x - 1, row) == red))
        .count();
    assert!(changes > 20, "dashes: {changes} changes");
    assert!(rows.iter().all(|r| r.0.abs_diff(row) <= 2), "{rows:?}");
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares with `tests/golden/<name>.png`: the same size, and at most 0.5% of pixels
/// differing by more than 24 in a channel (font rasterization may move a pixel here and
/// there). `PULSEGRID_UPDATE_GOLDEN=1` writes the file instead.
fn check_golden(name: &str, png_bytes: &[u8]) {
    let path = golden_dir().join(format!("{name}.png"));
    if std::env::var_os("PULSEGRID_UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, png_bytes).unwrap();
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with PULSEGRID_UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    let (a, b) = (Pixels::decode(&expected), Pixels::decode(png_bytes));
    assert_eq!((a.width, a.height), (b.width, b.height), "{name}: size");
    let differing = a
        .rgb
        .chunks(3)
        .zip(b.rgb.chunks(3))
        .filter(|(p, q)| p.iter().zip(q.iter()).any(|(x, y)| x.abs_diff(*y) > 24))
        .count();
    let ratio = differing as f64 / (a.width * a.height) as f64;
    if ratio > 0.005 {
        let out = std::env::temp_dir().join(format!("pulsegrid-golden-{name}.png"));
        let _ = std::fs::write(&out, png_bytes);
        panic!(
            "{name}: {:.2}% of pixels differ from {} (got {}); rerun with \
             PULSEGRID_UPDATE_GOLDEN=1 if the change is intended",
            ratio * 100.0,
            path.display(),
            out.display()
        );
    }
}

fn golden_series() -> Vec<Series> {
    (0..4)
        .map(|k| {
            let host = format!("pump-{k}");
            series("line_pressure", &[("host", &host)], 240, move |i| {
                6.0 + k as f64 + 2.0 * ((i as f64 / 20.0) + k as f64).sin()
            })
        })
        .collect()
}

fn golden_panel(panel: Value, theme: Theme, name: &str) {
    let mut o = opts(480, 240, Format::Png);
    o.theme = theme;
    o.tz = TimeZone::parse("Europe/Berlin").unwrap();
    let image = render_panel(&panel, &golden_series(), &o).unwrap();
    check_golden(name, &image.bytes);
}

#[test]
fn golden_timeseries_dark() {
    golden_panel(
        json!({"type": "timeseries", "title": "Line pressure",
               "fieldConfig": {"defaults": {"unit": "pressurebar", "custom": {"fillOpacity": 15,
                   "thresholdsStyle": {"mode": "dashed"}},
                   "thresholds": {"steps": [{"value": null, "color": "green"}, {"value": 10, "color": "red"}]}}}}),
        Theme::Dark,
        "timeseries-dark",
    );
}

#[test]
fn golden_bars_light() {
    golden_panel(
        json!({"type": "timeseries", "title": "Stacked bars",
               "fieldConfig": {"defaults": {"custom": {"drawStyle": "bars", "stacking": {"mode": "normal"}}}},
               "options": {"legend": {"placement": "right"}}}),
        Theme::Light,
        "bars-light",
    );
}

#[test]
fn golden_stat_and_gauges() {
    golden_panel(
        json!({"type": "stat", "title": "Pressure", "fieldConfig": {"defaults": {"unit": "pressurebar", "decimals": 1,
               "thresholds": {"steps": [{"value": null, "color": "green"}, {"value": 8, "color": "orange"}]}}}}),
        Theme::Dark,
        "stat-dark",
    );
    golden_panel(
        json!({"type": "gauge", "title": "Gauge", "fieldConfig": {"defaults": {"min": 0, "max": 12}}}),
        Theme::Light,
        "gauge-light",
    );
    golden_panel(
        json!({"type": "bargauge", "title": "Bars", "fieldConfig": {"defaults": {"min": 0, "max": 12}}}),
        Theme::Dark,
        "bargauge-dark",
    );
}
