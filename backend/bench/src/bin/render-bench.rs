//! `render-bench`: the same panel (a time series of 4 series x 1,000 points) rendered to an
//! image by Pulsegrid and by a headless Chromium, in one run, printed as a markdown table.
//!
//! - Pulsegrid over HTTP: `GET /render/d/{uid}/1.png` against the release `pulsegrid serve`,
//!   each request with its own absolute time range so the render cache never answers; the
//!   time is the whole request (query, render, PNG encoding, transfer). Memory: the server's
//!   peak RSS growth while rendering (`VmHWM` after resetting it, less the RSS before).
//! - Pulsegrid in process: `pulsegrid_render::render_panel` on 4 x 1,000 points, time only.
//! - Chromium: what Grafana's image renderer does, with Pulsegrid's own web UI: a new browser
//!   context per image opens `/d/{uid}` (one panel filling the page), waits until the panel
//!   has drawn its 4 series, screenshots the panel. The browser is launched once beforehand
//!   (its start-up is not counted), driven by a small playwright-core script (node, with
//!   `web/node_modules`). Memory: the peak summed RSS of Chromium's process tree.
//!
//! Both fetch the same data: the testdata source's seeded random walk, 1,000 s at 1 s steps.
//! See `docs/benchmarks.md`, section "Rendering".

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use pulsegrid_bench::procstat;
use pulsegrid_bench::servers::{self, PulsegridServer, PulsegridSetup};
use pulsegrid_model::{Labels, Series, SeriesKey};
use pulsegrid_render::{RenderOptions, render_panel};
use serde_json::{Value, json};

const UID: &str = "render-bench";
/// The panel's range: 1,000 s, at 1 s steps 1,000 points per series.
const RANGE_MS: i64 = 1_000_000;
const SERIES: usize = 4;
const POINTS: usize = 1000;

/// Compare rendering a panel to an image in Pulsegrid and in headless Chromium.
#[derive(Debug, Parser)]
#[command(name = "render-bench")]
struct Args {
    /// Images rendered by Pulsegrid (over HTTP, and again in process).
    #[arg(long, default_value_t = 50)]
    renders: usize,
    /// Screenshots taken with Chromium.
    #[arg(long, default_value_t = 10)]
    screenshots: usize,
    /// Image width in pixels.
    #[arg(long, default_value_t = 1000)]
    width: u32,
    /// Image height in pixels.
    #[arg(long, default_value_t = 500)]
    height: u32,
    /// The `pulsegrid` binary [default: target/release/pulsegrid, built if missing].
    #[arg(long)]
    pulsegrid_bin: Option<PathBuf>,
    /// Rebuild target/release/pulsegrid first even if it exists.
    #[arg(long)]
    rebuild: bool,
    /// The Chromium binary.
    #[arg(long, default_value = "/usr/bin/chromium")]
    chromium_bin: PathBuf,
    /// Node.js.
    #[arg(long, default_value = "node")]
    node_bin: PathBuf,
    /// The web UI directory, whose node_modules has playwright-core [default: web/].
    #[arg(long)]
    web_dir: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.renders == 0 || args.screenshots == 0 {
        bail!("--renders and --screenshots must be at least 1");
    }
    let bin = servers::pulsegrid_binary(args.pulsegrid_bin.clone(), args.rebuild)?;
    let given: Vec<String> = std::env::args().skip(1).collect();
    let mut command = "cargo run --release -p pulsegrid-bench --bin render-bench".to_owned();
    if !given.is_empty() {
        command = format!("{command} -- {}", given.join(" "));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(run(&args, &bin))?;
    println!("{}", report.markdown(&args, &command));
    Ok(())
}

/// Median and 95th percentile of times in ms.
#[derive(Clone, Copy, Debug, Default)]
struct Stats {
    median: f64,
    p95: f64,
    n: usize,
}

fn stats(mut ms: Vec<f64>) -> Stats {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    if ms.is_empty() {
        return Stats::default();
    }
    Stats {
        median: at(0.5),
        p95: at(0.95),
        n: ms.len(),
    }
}

#[derive(Debug)]
struct Report {
    http: Stats,
    in_process: Stats,
    chromium: Stats,
    server_growth_kib: u64,
    server_peak_kib: u64,
    chromium_peak_kib: u64,
    chromium_launch_ms: f64,
    png_bytes: (usize, usize),
}

async fn run(args: &Args, bin: &Path) -> anyhow::Result<Report> {
    let setup = PulsegridSetup {
        files: vec![(format!("dashboards/{UID}.json"), dashboard().to_string())],
        env: Vec::new(),
    };
    let server = PulsegridServer::start_with(bin, &setup).await?;
    let pid = server.pid();
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::new();

    // (a) Pulsegrid over HTTP, a fresh range per request (never a cache hit).
    let end = now_ms() - 60_000;
    let fetch = |i: usize| {
        // Ranges 10 s apart: the cache rounds them to 10 s (the dashboard has no refresh).
        let to = end - i as i64 * 10_000;
        let url = format!(
            "{base}/render/d/{UID}/1.png?from={}&to={to}&width={}&height={}",
            to - RANGE_MS,
            args.width,
            args.height
        );
        let http = http.clone();
        async move {
            let started = Instant::now();
            let response = http.get(&url).send().await?;
            let status = response.status();
            let cache = response
                .headers()
                .get("x-pulsegrid-render-cache")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let body = response.bytes().await?;
            if !status.is_success() || cache != "miss" {
                bail!("GET {url}: {status}, cache {cache:?}");
            }
            Ok::<_, anyhow::Error>((started.elapsed().as_secs_f64() * 1000.0, body.len()))
        }
    };
    for i in 0..3 {
        fetch(args.renders + 10 + i).await?;
    }
    let before = procstat::rss_kib(pid)?;
    reset_peak_rss(pid);
    let mut http_ms = Vec::with_capacity(args.renders);
    let mut http_png = 0;
    for i in 0..args.renders {
        let (ms, bytes) = fetch(i).await?;
        http_ms.push(ms);
        http_png = bytes;
    }
    let peak = peak_rss_kib(pid).unwrap_or(before);

    // (b) The renderer alone, in this process.
    let series = synthetic_series(end);
    let mut opts = RenderOptions::new(end - RANGE_MS, end);
    opts.width = args.width;
    opts.height = args.height;
    let panel = dashboard()["panels"][0].clone();
    let mut local_ms = Vec::with_capacity(args.renders);
    let mut local_png = 0;
    for i in 0..args.renders + 3 {
        let started = Instant::now();
        let image = render_panel(&panel, &series, &opts)?;
        if i >= 3 {
            local_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        local_png = image.bytes.len();
    }

    // (c) Chromium screenshots of the same panel in Pulsegrid's UI.
    let (chromium_ms, chromium_peak_kib, launch_ms) = chromium(args, &base).await?;
    drop(server);
    Ok(Report {
        http: stats(http_ms),
        in_process: stats(local_ms),
        chromium: stats(chromium_ms),
        server_growth_kib: peak.saturating_sub(before),
        server_peak_kib: peak,
        chromium_peak_kib,
        chromium_launch_ms: launch_ms,
        png_bytes: (http_png, local_png),
    })
}

/// One time series panel filling the page: testdata's random walk, 4 series, 1,000 points.
fn dashboard() -> Value {
    json!({
        "uid": UID,
        "title": "Render bench",
        "timezone": "utc",
        "time": {"from": format!("now-{}s", RANGE_MS / 1000), "to": "now"},
        "refresh": "",
        "panels": [{
            "id": 1,
            "type": "timeseries",
            "title": "4 series x 1,000 points",
            "gridPos": {"h": 13, "w": 24, "x": 0, "y": 0},
            "datasource": {"type": "testdata", "uid": "testdata"},
            "maxDataPoints": POINTS,
            "targets": [{"refId": "A", "scenarioId": "random_walk", "seriesCount": SERIES, "seed": 7}],
            "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": true}}
        }]
    })
}

/// 4 series of 1,000 points ending at `end`, for the in-process render.
fn synthetic_series(end: i64) -> Vec<Series> {
    (0..SERIES)
        .map(|k| {
            let labels: Labels = [("series", k.to_string())].into_iter().collect();
            let mut s = Series::new(SeriesKey::new("random_walk", labels));
            let mut v = 50.0 + k as f64 * 10.0;
            for i in 0..POINTS {
                v += ((i * 7919 + k * 104_729) % 200) as f64 / 100.0 - 1.0;
                s.push(end - RANGE_MS + i as i64 * 1000, v);
            }
            s
        })
        .collect()
}

/// Resets the kernel's peak RSS (`VmHWM`) of `pid` to its current RSS.
fn reset_peak_rss(pid: u32) {
    if let Err(e) = std::fs::write(format!("/proc/{pid}/clear_refs"), "5") {
        eprintln!("cannot reset the peak RSS of {pid} ({e}); the peak includes start-up");
    }
}

/// `VmHWM` of `pid` in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0))
}

/// The playwright-core driver: launches Chromium once, then per image a fresh context opens
/// the dashboard, waits for the panel's 4 series to be drawn, and screenshots the panel.
/// Prints `LAUNCHED <ms>` and finally `RESULT {"times": [...], "bytes": n}`.
const DRIVER: &str = r#"
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
const require = createRequire(process.env.WEB_DIR + '/package.json');
const { chromium } = require('playwright-core');
const n = Number(process.env.SHOTS);
const [width, height] = [Number(process.env.WIDTH), Number(process.env.HEIGHT)];
const t0 = performance.now();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
console.log(`LAUNCHED ${performance.now() - t0}`);
const times = [];
let bytes = 0;
for (let i = -1; i < n; i++) {
  const started = performance.now();
  const context = await browser.newContext({
    baseURL: process.env.BASE_URL, viewport: { width, height: height + 160 }, deviceScaleFactor: 1, colorScheme: 'dark',
  });
  const page = await context.newPage();
  await page.goto(`/d/${process.env.UID}`);
  await page.waitForFunction((series) => {
    const s = document.querySelector('section.panel');
    const c = s?.querySelector('.uplot canvas');
    if (!c || !c.width || s.querySelectorAll('.pg-legend .pg-legend-item:not(.calc)').length < series) return false;
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let colourful = 0;
    for (let k = 0; k < px.length; k += 16) {
      if (px[k + 3] > 60 && Math.max(px[k], px[k + 1], px[k + 2]) - Math.min(px[k], px[k + 1], px[k + 2]) > 60) colourful++;
    }
    return colourful > 200;
  }, Number(process.env.SERIES), { polling: 'raf', timeout: 30_000 });
  const png = await page.locator('section.panel').first().screenshot({ animations: 'disabled' });
  const ms = performance.now() - started;
  await context.close();
  if (i >= 0) { times.push(ms); bytes = png.length; }
}
await browser.close();
console.log('RESULT ' + JSON.stringify({ times, bytes }));
"#;

/// Runs the driver; returns the times per screenshot, the peak summed RSS of the browser's
/// process tree (KiB) and the browser's launch time.
async fn chromium(args: &Args, base: &str) -> anyhow::Result<(Vec<f64>, u64, f64)> {
    let web_dir = args
        .web_dir
        .clone()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web"));
    let web_dir = web_dir
        .canonicalize()
        .with_context(|| format!("web dir {}", web_dir.display()))?;
    if !web_dir.join("node_modules/playwright-core").is_dir() {
        bail!(
            "{}/node_modules has no playwright-core: run npm ci in web/",
            web_dir.display()
        );
    }
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("render-driver.mjs");
    std::fs::write(&script, DRIVER)?;
    let mut child = tokio::process::Command::new(&args.node_bin)
        .arg(&script)
        .env("WEB_DIR", &web_dir)
        .env("CHROMIUM", &args.chromium_bin)
        .env("BASE_URL", base)
        .env("UID", UID)
        .env("SHOTS", args.screenshots.to_string())
        .env("SERIES", SERIES.to_string())
        .env("WIDTH", args.width.to_string())
        .env("HEIGHT", args.height.to_string())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", args.node_bin.display()))?;
    let node_pid = child.id().context("node exited at once")?;

    // Sum the RSS of every process under node (the browser and its helpers) every 20 ms.
    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let total: u64 = procstat::descendants(node_pid)
                    .into_iter()
                    .filter_map(|p| procstat::rss_kib(p).ok())
                    .sum();
                peak.fetch_max(total, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let output = tokio::time::timeout(
        Duration::from_secs(60 + 30 * args.screenshots as u64),
        async {
            use tokio::io::AsyncReadExt;
            let mut out = String::new();
            if let Some(mut stdout) = child.stdout.take() {
                stdout.read_to_string(&mut out).await?;
            }
            let status = child.wait().await?;
            Ok::<_, anyhow::Error>((status, out))
        },
    )
    .await;
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let (status, out) = output.context("the Chromium driver timed out")??;
    let launch_ms = out
        .lines()
        .find_map(|l| l.strip_prefix("LAUNCHED "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(f64::NAN);
    let Some(result) = out.lines().find_map(|l| l.strip_prefix("RESULT ")) else {
        bail!("the Chromium driver failed ({status}):\n{out}");
    };
    let result: Value = serde_json::from_str(result)?;
    let times = result["times"]
        .as_array()
        .map(|t| t.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    Ok((times, peak.load(Ordering::Relaxed), launch_ms))
}

impl Report {
    fn markdown(&self, args: &Args, command: &str) -> String {
        let mib = |kib: u64| kib as f64 / 1024.0;
        let mut out = String::new();
        out.push_str(&format!(
            "Panel: time series, {SERIES} series x {POINTS} points, {}x{} PNG.\n\n",
            args.width, args.height
        ));
        out.push_str("| | Pulsegrid `/render` (HTTP) | Pulsegrid `render_panel` (in process) | Chromium screenshot of the UI |\n");
        out.push_str("| --- | ---: | ---: | ---: |\n");
        out.push_str(&format!(
            "| images | {} | {} | {} |\n",
            self.http.n, self.in_process.n, self.chromium.n
        ));
        out.push_str(&format!(
            "| time per image, median | {:.1} ms | {:.1} ms | {:.0} ms |\n",
            self.http.median, self.in_process.median, self.chromium.median
        ));
        out.push_str(&format!(
            "| time per image, p95 | {:.1} ms | {:.1} ms | {:.0} ms |\n",
            self.http.p95, self.in_process.p95, self.chromium.p95
        ));
        out.push_str(&format!(
            "| peak memory | {:.1} MiB server RSS growth ({:.1} MiB peak RSS) | - | {:.0} MiB (browser process tree) |\n",
            mib(self.server_growth_kib),
            mib(self.server_peak_kib),
            mib(self.chromium_peak_kib)
        ));
        out.push_str(&format!(
            "| PNG size | {} bytes | {} bytes | - |\n\n",
            self.png_bytes.0, self.png_bytes.1
        ));
        let speed = self.chromium.median / self.http.median.max(f64::EPSILON);
        let memory = self.chromium_peak_kib as f64 / self.server_growth_kib.max(1) as f64;
        out.push_str(&format!(
            "Pulsegrid is {speed:.0}x faster per image (median, HTTP) and uses {memory:.0}x less memory \
             (targets: 50x, 10x). Chromium's launch ({:.0} ms) is not counted.\n\n",
            self.chromium_launch_ms
        ));
        out.push_str(&format!(
            "Command: `{command}`; machine: {} cores.\n",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        ));
        out
    }
}
