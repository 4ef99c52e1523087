//! `alert-bench`: the time from a value crossing a threshold to the webhook arriving, for
//! Pulsegrid on pushed data and for Prometheus + Alertmanager (Debian's packages, at their
//! fastest settings) on the same signal, in one run; prints a markdown report.
//!
//! One process hosts everything the systems under test talk to, on one loopback port:
//!
//! - `/hook/{system}`: the webhook receiver both notify; it stamps each firing alert on
//!   arrival, by its `i` label.
//! - `/metrics`: the signal for Prometheus, `bench_value{i="N"}` gauges the bench sets; it
//!   stamps the first scrape that saw each crossing.
//! - `/tap/api/v2/alerts`: a second "Alertmanager" in Prometheus' config, so the bench sees when
//!   Prometheus sent each alert (it sends to every Alertmanager at once).
//!
//! Each crossing is a new series going to 9 from nothing (`> 8` fires), so each is a new alert
//! group (`group_by: [alertname, i]`) that `group_wait: 0s` flushes at once. Crossings are
//! spaced `spacing x (0.75 + 0.5 x frac(k x golden ratio))` apart, so they fall at evenly
//! spread phases of Prometheus' 1 s scrape and evaluation ticks rather than at a few fixed ones.
//! Warm-up crossings (not counted) come first. See `docs/benchmarks.md`, "Alert latency".

use std::collections::BTreeMap;
use std::fs::File;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use clap::Parser;
use pulsegrid_bench::servers::{self, PulsegridServer, PulsegridSetup};
use serde_json::Value;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Warm-up crossings per system before the measured ones.
const WARMUPS: usize = 2;
/// The target for Pulsegrid's p99, ms.
const TARGET_P99_MS: f64 = 50.0;
/// The target for how much faster Pulsegrid must be than the pair.
const TARGET_RATIO: f64 = 10.0;
/// Largest request the receiver reads (headers plus body).
const MAX_REQUEST: usize = 16 << 20;

/// Measure threshold-to-webhook latency: Pulsegrid vs Prometheus + Alertmanager.
#[derive(Debug, Parser)]
#[command(name = "alert-bench")]
struct Args {
    /// Measured crossings for Pulsegrid.
    #[arg(long, default_value_t = 50)]
    crossings: usize,
    /// Mean time between Pulsegrid crossings, ms.
    #[arg(long, default_value_t = 200)]
    spacing_ms: u64,
    /// Measured crossings for Prometheus + Alertmanager.
    #[arg(long, default_value_t = 20)]
    pair_crossings: usize,
    /// Mean time between Prometheus + Alertmanager crossings, ms.
    #[arg(long, default_value_t = 1500)]
    pair_spacing_ms: u64,
    /// Longest wait for a webhook after its crossing, seconds (later counts as missing).
    #[arg(long, default_value_t = 15.0)]
    timeout: f64,
    /// Skip Prometheus + Alertmanager.
    #[arg(long)]
    no_pair: bool,
    /// The `pulsegrid` binary [default: target/release/pulsegrid, built if missing].
    #[arg(long)]
    pulsegrid_bin: Option<PathBuf>,
    /// Rebuild target/release/pulsegrid first even if it exists.
    #[arg(long)]
    rebuild: bool,
    /// The Prometheus binary.
    #[arg(long, default_value = "/usr/bin/prometheus")]
    prometheus_bin: PathBuf,
    /// The Alertmanager binary.
    #[arg(long, default_value = "/usr/bin/prometheus-alertmanager")]
    alertmanager_bin: PathBuf,
    /// Also write every crossing's stamps (µs since the bench started) to this TSV file.
    #[arg(long)]
    raw: Option<PathBuf>,
    /// An extra Prometheus flag (repeatable), e.g. `--prometheus-arg=--rules.alert.resend-delay=1s`.
    #[arg(long, allow_hyphen_values = true)]
    prometheus_arg: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.crossings == 0 || args.spacing_ms == 0 || args.timeout <= 0.0 {
        bail!("--crossings, --spacing-ms and --timeout must be positive");
    }
    if !args.no_pair && (args.pair_crossings == 0 || args.pair_spacing_ms == 0) {
        bail!("--pair-crossings and --pair-spacing-ms must be positive");
    }
    let given: Vec<String> = std::env::args().skip(1).collect();
    let mut command = "cargo run --release -p pulsegrid-bench --bin alert-bench".to_owned();
    if !given.is_empty() {
        command = format!("{command} -- {}", given.join(" "));
    }
    let bin = servers::pulsegrid_binary(args.pulsegrid_bin.clone(), args.rebuild)?;
    if !args.no_pair {
        for (path, package) in [
            (&args.prometheus_bin, "prometheus"),
            (&args.alertmanager_bin, "prometheus-alertmanager"),
        ] {
            if !path.exists() {
                bail!(
                    "{} not found: `apt-get install -y {package}`, or pass --no-pair",
                    path.display()
                );
            }
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(run(&args, &bin))?;
    if let Some(path) = &args.raw {
        std::fs::write(path, report.tsv())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    println!("{}", report.markdown(&command, &args));
    Ok(())
}

async fn run(args: &Args, bin: &Path) -> anyhow::Result<Report> {
    let board = Arc::new(Board::new());
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(serve(listener, board.clone()));
    let timeout = Duration::from_secs_f64(args.timeout);
    let load_before = load_average();

    eprintln!("[pulsegrid] {} crossings", args.crossings);
    let pulsegrid = pulsegrid_run(
        bin,
        &board,
        port,
        args.crossings,
        Duration::from_millis(args.spacing_ms),
        timeout,
    )
    .await?;
    let pair = if args.no_pair {
        None
    } else {
        eprintln!(
            "[prometheus + alertmanager] {} crossings",
            args.pair_crossings
        );
        Some(
            pair_run(
                args,
                &board,
                port,
                Duration::from_millis(args.pair_spacing_ms),
                timeout,
            )
            .await?,
        )
    };
    let (strays, duplicates) = {
        let state = board.lock();
        (state.strays, state.duplicates)
    };
    Ok(Report {
        pulsegrid,
        pair,
        strays,
        duplicates,
        load_before,
        load_after: load_average(),
    })
}

// --- The board: what the receiver saw ---------------------------------------------------

/// What the bench saw of one crossing: µs on the bench's monotonic clock since its start.
#[derive(Clone, Debug, Default)]
struct Crossing {
    /// The value crossed: `/write` sent (Pulsegrid) or the gauge set (pair).
    t0: i64,
    /// Pulsegrid: `/write` answered.
    acked: Option<i64>,
    /// Pair: the first scrape of `/metrics` that served the crossed value.
    scraped: Option<i64>,
    /// Pair: Prometheus posted the alert to its Alertmanagers.
    sent: Option<i64>,
    /// The alert's `startsAt`: when the evaluation that fired it ran (Pulsegrid: wall clock at
    /// evaluation, ms; Prometheus: the evaluation tick).
    evaluated: Option<i64>,
    /// The webhook carrying the firing alert arrived.
    arrived: Option<i64>,
}

/// Shared between the receiver and the drivers.
#[derive(Debug)]
struct Board {
    start: Instant,
    /// The wall clock at `start`, µs since the Unix epoch, to place `startsAt` on our clock.
    start_wall_us: i64,
    state: Mutex<BoardState>,
}

#[derive(Debug, Default)]
struct BoardState {
    /// Crossings by their `i` label.
    crossings: BTreeMap<String, Crossing>,
    /// The gauges `/metrics` serves, by `i`.
    gauges: BTreeMap<String, f64>,
    /// Firing alerts whose `i` the bench never crossed.
    strays: u64,
    /// Webhooks for a crossing that had arrived already.
    duplicates: u64,
}

impl Board {
    fn new() -> Board {
        Board {
            start: Instant::now(),
            start_wall_us: wall_us(),
            state: Mutex::new(BoardState::default()),
        }
    }

    /// µs since the bench started.
    fn now(&self) -> i64 {
        i64::try_from(self.start.elapsed().as_micros()).unwrap_or(i64::MAX)
    }

    fn lock(&self) -> MutexGuard<'_, BoardState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts crossing `i` now; `gauge` also sets its `/metrics` value in the same instant.
    fn cross(&self, i: &str, gauge: Option<f64>) {
        let mut state = self.lock();
        let t0 = self.now();
        if let Some(v) = gauge {
            state.gauges.insert(i.to_owned(), v);
        }
        state.crossings.insert(
            i.to_owned(),
            Crossing {
                t0,
                ..Crossing::default()
            },
        );
    }

    fn crossing(&self, i: &str) -> Crossing {
        self.lock().crossings.get(i).cloned().unwrap_or_default()
    }

    /// Waits until every crossing in `ids` has arrived or `timeout` passed since its `t0`.
    async fn wait_arrivals(&self, ids: &[String], timeout: Duration) {
        let timeout = i64::try_from(timeout.as_micros()).unwrap_or(i64::MAX);
        loop {
            let now = self.now();
            let done = {
                let state = self.lock();
                ids.iter().all(|i| {
                    state
                        .crossings
                        .get(i)
                        .is_none_or(|c| c.arrived.is_some() || now - c.t0 > timeout)
                })
            };
            if done {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// An RFC 3339 `startsAt` on the bench's clock.
    fn wall_to_clock(&self, text: &str) -> Option<i64> {
        parse_rfc3339_us(text).map(|us| us - self.start_wall_us)
    }
}

fn wall_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

// --- The receiver: a minimal HTTP/1.1 server --------------------------------------------

async fn serve(listener: TcpListener, board: Arc<Board>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(stream, board.clone()));
            }
            Err(e) => {
                eprintln!("receiver: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Serves one keep-alive connection: Content-Length or chunked request bodies.
async fn connection(stream: TcpStream, board: Arc<Board>) -> anyhow::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_ascii_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let mut close = parts.next() == Some("HTTP/1.0");
        let (mut length, mut chunked, mut head) = (0usize, false, 0usize);
        loop {
            line.clear();
            head += reader.read_line(&mut line).await?;
            if head > MAX_REQUEST {
                bail!("request head too large");
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().context("content-length")?,
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "connection" => close |= value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let body = if chunked {
            read_chunked(&mut reader).await?
        } else {
            if length > MAX_REQUEST {
                bail!("request body too large");
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).await?;
            body
        };
        let at = board.now();
        let (status, content_type, answer) = handle(&board, &method, &target, &body, at);
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{}\r\n",
            answer.len(),
            if close { "Connection: close\r\n" } else { "" }
        );
        let stream = reader.get_mut();
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(answer.as_bytes()).await?;
        if close {
            return Ok(());
        }
    }
}

async fn read_chunked(reader: &mut BufReader<TcpStream>) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await?;
        let size_text = line.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size_text, 16).context("chunk size")?;
        if body.len() + size > MAX_REQUEST {
            bail!("request body too large");
        }
        if size == 0 {
            // Trailers, then the empty line.
            loop {
                line.clear();
                if reader.read_line(&mut line).await? == 0 || line.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let at = body.len();
        body.resize(at + size, 0);
        reader.read_exact(&mut body[at..]).await?;
        line.clear();
        reader.read_line(&mut line).await?;
    }
}

/// Answers one request, stamping what it carries at `at`.
fn handle(
    board: &Board,
    method: &str,
    target: &str,
    body: &[u8],
    at: i64,
) -> (&'static str, &'static str, String) {
    let path = target.split('?').next().unwrap_or_default();
    let ok = "200 OK";
    let json = "application/json";
    match (method, path) {
        ("GET", "/metrics") => {
            let mut state = board.lock();
            let mut page = String::from("# TYPE bench_value gauge\n");
            let state = &mut *state;
            for (i, v) in &state.gauges {
                page.push_str(&format!("bench_value{{i=\"{i}\"}} {v}\n"));
                if *v > 8.0
                    && let Some(c) = state.crossings.get_mut(i)
                {
                    c.scraped.get_or_insert(at);
                }
            }
            (ok, "text/plain; version=0.0.4", page)
        }
        ("POST", "/tap/api/v2/alerts") => {
            // Prometheus' notifier: a JSON array of alerts.
            let alerts: Vec<Value> = serde_json::from_slice(body).unwrap_or_default();
            let mut state = board.lock();
            for alert in &alerts {
                let Some(i) = alert["labels"]["i"].as_str() else {
                    continue;
                };
                if let Some(c) = state.crossings.get_mut(i) {
                    c.sent.get_or_insert(at);
                    if c.evaluated.is_none() {
                        c.evaluated = alert["startsAt"]
                            .as_str()
                            .and_then(|t| board.wall_to_clock(t));
                    }
                }
            }
            (ok, json, String::new())
        }
        ("POST", p) if p.starts_with("/hook/") => {
            // Alertmanager's webhook payload (version 4), from either system.
            let payload: Value = serde_json::from_slice(body).unwrap_or_default();
            let mut state = board.lock();
            for alert in payload["alerts"].as_array().into_iter().flatten() {
                if alert["status"] != "firing" {
                    continue;
                }
                let i = alert["labels"]["i"].as_str().unwrap_or_default();
                let Some(c) = state.crossings.get_mut(i) else {
                    state.strays += 1;
                    continue;
                };
                if c.arrived.is_some() {
                    state.duplicates += 1;
                    continue;
                }
                c.arrived = Some(at);
                if c.evaluated.is_none() {
                    c.evaluated = alert["startsAt"]
                        .as_str()
                        .and_then(|t| board.wall_to_clock(t));
                }
            }
            (ok, json, "{}".to_owned())
        }
        _ => ("404 Not Found", "text/plain", "not found\n".to_owned()),
    }
}

/// Parses an RFC 3339 timestamp (`2026-11-26T07:13:27.123456789Z`, any offset) into µs since
/// the Unix epoch.
fn parse_rfc3339_us(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |from: usize, to: usize| -> Option<i64> { text.get(from..to)?.parse().ok() };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let mut at = 19;
    let mut micros = 0i64;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let digits = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
        let frac = text.get(at..at + digits.min(6))?;
        micros = format!("{frac:0<6}").parse().ok()?;
        at += digits;
    }
    let offset_s = match b.get(at)? {
        b'Z' | b'z' => 0,
        sign @ (b'+' | b'-') => {
            let s = (num(at + 1, at + 3)? * 60 + num(at + 4, at + 6)?) * 60;
            if *sign == b'-' { -s } else { s }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_s;
    Some(seconds * 1_000_000 + micros)
}

// --- Driving crossings -------------------------------------------------------------------

/// The fractional part of `k` times the golden ratio: evenly spread over [0, 1).
fn golden(k: usize) -> f64 {
    (k as f64 * 0.618_033_988_749_895).fract()
}

/// Runs `WARMUPS` crossings one at a time, then `n` measured ones on a schedule, and waits
/// for their webhooks. `cross(i)` makes crossing `i` happen (and records its `t0`).
async fn cross_all<F, Fut>(
    board: &Board,
    prefix: &str,
    n: usize,
    spacing: Duration,
    timeout: Duration,
    mut cross: F,
) -> anyhow::Result<Vec<Crossing>>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    for w in 0..WARMUPS {
        let i = format!("{prefix}w{w}");
        cross(i.clone()).await?;
        board.wait_arrivals(std::slice::from_ref(&i), timeout).await;
        if board.crossing(&i).arrived.is_none() {
            bail!("warm-up crossing {i}: no webhook within {timeout:?}");
        }
    }
    let mut ids = Vec::with_capacity(n);
    let mut due = tokio::time::Instant::now();
    for k in 0..n {
        tokio::time::sleep_until(due).await;
        let i = format!("{prefix}{k}");
        cross(i.clone()).await?;
        ids.push(i);
        due += spacing.mul_f64(0.75 + 0.5 * golden(k));
    }
    board.wait_arrivals(&ids, timeout).await;
    Ok(ids.iter().map(|i| board.crossing(i)).collect())
}

fn routing(port: u16, system: &str) -> String {
    format!(
        "route:\n  receiver: bench\n  group_by: [alertname, i]\n  group_wait: 0s\n  \
         group_interval: 1s\n  repeat_interval: 1h\n\
         receivers:\n  - name: bench\n    webhook_configs:\n      \
         - url: http://127.0.0.1:{port}/hook/{system}\n        send_resolved: false\n"
    )
}

const PULSEGRID_RULE: &str = "groups:\n  - name: bench\n    interval: 1s\n    rules:\n      \
     - alert: BenchHigh\n        source: pulsegrid\n        query: 'bench_value'\n        \
     reduce: last\n        condition: '> 8'\n";

const PROMETHEUS_RULE: &str = "groups:\n  - name: bench\n    interval: 1s\n    rules:\n      \
     - alert: BenchHigh\n        expr: 'bench_value > 8'\n        for: 0s\n";

/// Pulsegrid: each crossing is a `/write` of `bench_value,i=<i> value=9`.
async fn pulsegrid_run(
    bin: &Path,
    board: &Arc<Board>,
    port: u16,
    n: usize,
    spacing: Duration,
    timeout: Duration,
) -> anyhow::Result<Vec<Crossing>> {
    let setup = PulsegridSetup {
        files: vec![
            ("alert-rules/bench.yml".into(), PULSEGRID_RULE.into()),
            (
                "alert-rules/alertmanager.yml".into(),
                routing(port, "pulsegrid"),
            ),
        ],
        env: Vec::new(),
    };
    let mut server = PulsegridServer::start_with(bin, &setup).await?;
    let url = format!("http://{}/write?db=bench", server.addr);
    let http = reqwest::Client::new();
    let key = server.editor_key.clone();
    let result = cross_all(board, "p", n, spacing, timeout, |i| {
        let request = http
            .post(&url)
            .bearer_auth(&key)
            .body(format!("bench_value,i={i} value=9"));
        let board = board.clone();
        async move {
            board.cross(&i, None);
            let response = request.send().await?;
            let acked = board.now();
            if response.status() != reqwest::StatusCode::NO_CONTENT {
                bail!("/write answered {}", response.status());
            }
            if let Some(c) = board.lock().crossings.get_mut(&i) {
                c.acked = Some(acked);
            }
            Ok(())
        }
    })
    .await;
    if let Some(status) = server.exited() {
        bail!("pulsegrid exited ({status}); log:\n{}", server.log_tail());
    }
    result.with_context(|| format!("pulsegrid log:\n{}", server.log_tail()))
}

/// Prometheus + Alertmanager: each crossing sets the gauge `bench_value{i="<i>"}` to 9.
async fn pair_run(
    args: &Args,
    board: &Arc<Board>,
    port: u16,
    spacing: Duration,
    timeout: Duration,
) -> anyhow::Result<Vec<Crossing>> {
    let am_dir = tempfile::Builder::new()
        .prefix("alert-bench-alertmanager-")
        .tempdir()?;
    let am_port = pulsegrid_testkit::free_port();
    std::fs::write(
        am_dir.path().join("alertmanager.yml"),
        routing(port, "pair"),
    )?;
    let am_args = vec![
        format!(
            "--config.file={}",
            am_dir.path().join("alertmanager.yml").display()
        ),
        format!("--storage.path={}", am_dir.path().join("data").display()),
        format!("--web.listen-address=127.0.0.1:{am_port}"),
        // Empty: no cluster, so no gossip settle wait before notifying.
        "--cluster.listen-address=".to_owned(),
        "--log.level=warn".to_owned(),
    ];
    let alertmanager = Service::start(
        "alertmanager",
        &args.alertmanager_bin,
        am_dir,
        am_args,
        am_port,
    )
    .await?;

    let prom_dir = tempfile::Builder::new()
        .prefix("alert-bench-prometheus-")
        .tempdir()?;
    let prom_port = pulsegrid_testkit::free_port();
    let rules = prom_dir.path().join("bench.rules.yml");
    std::fs::write(&rules, PROMETHEUS_RULE)?;
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
         rule_files:\n  - {rules}\n\
         alerting:\n  alertmanagers:\n    - api_version: v2\n      static_configs:\n        \
         - targets: ['127.0.0.1:{am_port}']\n    - api_version: v2\n      path_prefix: /tap\n      \
         static_configs:\n        - targets: ['127.0.0.1:{port}']\n\
         scrape_configs:\n  - job_name: bench\n    static_configs:\n      \
         - targets: ['127.0.0.1:{port}']\n",
        rules = rules.display()
    );
    std::fs::write(prom_dir.path().join("prometheus.yml"), config)?;
    let mut prom_args = vec![
        format!(
            "--config.file={}",
            prom_dir.path().join("prometheus.yml").display()
        ),
        format!(
            "--storage.tsdb.path={}",
            prom_dir.path().join("data").display()
        ),
        format!("--web.listen-address=127.0.0.1:{prom_port}"),
        "--log.level=warn".to_owned(),
    ];
    prom_args.extend(args.prometheus_arg.iter().cloned());
    let prometheus = Service::start(
        "prometheus",
        &args.prometheus_bin,
        prom_dir,
        prom_args,
        prom_port,
    )
    .await?;

    let result = cross_all(board, "a", args.pair_crossings, spacing, timeout, |i| {
        board.cross(&i, Some(9.0));
        async { Ok(()) }
    })
    .await;
    let result = result.with_context(|| {
        format!(
            "prometheus log:\n{}\nalertmanager log:\n{}",
            prometheus.log_tail(),
            alertmanager.log_tail()
        )
    });
    drop(prometheus);
    drop(alertmanager);
    result
}

/// A Debian service binary run in its temp dir on a loopback port, killed on drop.
#[derive(Debug)]
struct Service {
    // Field order matters: the process is killed before its dir is removed.
    child: Child,
    log: PathBuf,
    _dir: TempDir,
}

impl Service {
    /// Starts `bin args...` and waits until `GET /-/ready` on `port` answers 200.
    async fn start(
        name: &str,
        bin: &Path,
        dir: TempDir,
        args: Vec<String>,
        port: u16,
    ) -> anyhow::Result<Service> {
        let log = dir.path().join(format!("{name}.log"));
        let out = File::create(&log)?;
        let child = Command::new(bin)
            .args(&args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut service = Service {
            child,
            log,
            _dir: dir,
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = http
                .get(format!("http://127.0.0.1:{port}/-/ready"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return Ok(service);
            }
            if let Ok(Some(status)) = service.child.try_wait() {
                bail!("{name} exited ({status}); log:\n{}", service.log_tail());
            }
            if Instant::now() > deadline {
                bail!("{name} not ready within 60 s; log:\n{}", service.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `/proc/loadavg`'s three averages.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

// --- The report ------------------------------------------------------------------------

#[derive(Debug)]
struct Report {
    pulsegrid: Vec<Crossing>,
    pair: Option<Vec<Crossing>>,
    strays: u64,
    duplicates: u64,
    load_before: String,
    load_after: String,
}

/// Durations in ms, sorted, with nearest-rank quantiles.
#[derive(Debug)]
struct Spread(Vec<f64>);

impl Spread {
    /// The durations `to - from` of the crossings that have both, µs -> ms.
    fn of(crossings: &[Crossing], span: impl Fn(&Crossing) -> Option<(i64, i64)>) -> Spread {
        let mut ms: Vec<f64> = crossings
            .iter()
            .filter_map(|c| span(c).map(|(from, to)| (to - from) as f64 / 1000.0))
            .collect();
        ms.sort_by(f64::total_cmp);
        Spread(ms)
    }

    fn quantile(&self, q: f64) -> Option<f64> {
        let rank = ((q * self.0.len() as f64).ceil() as usize).max(1);
        self.0.get(rank - 1).copied()
    }

    /// `| p50 | p90 | p99 | max |` cells.
    fn cells(&self) -> String {
        [0.5, 0.9, 0.99, 1.0]
            .iter()
            .map(|q| self.quantile(*q).map_or("-".to_owned(), ms))
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

fn ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// Picks a stage's `(from, to)` out of a crossing.
type Span = fn(&Crossing) -> Option<(i64, i64)>;

fn end_to_end(c: &Crossing) -> Option<(i64, i64)> {
    Some((c.t0, c.arrived?))
}

impl Report {
    /// One line per crossing: system, index, then each stamp (empty when missing).
    fn tsv(&self) -> String {
        let mut out = String::from("system\tk\tt0\tacked\tscraped\tevaluated\tsent\tarrived\n");
        let pair = self.pair.iter().flatten().map(|c| ("pair", c));
        let all = self.pulsegrid.iter().map(|c| ("pulsegrid", c)).chain(pair);
        let cell = |v: Option<i64>| v.map_or(String::new(), |v| v.to_string());
        let mut k = BTreeMap::<&str, usize>::new();
        for (system, c) in all {
            let n = k.entry(system).or_default();
            out.push_str(&format!(
                "{system}\t{n}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                c.t0,
                cell(c.acked),
                cell(c.scraped),
                cell(c.evaluated),
                cell(c.sent),
                cell(c.arrived)
            ));
            *n += 1;
        }
        out
    }

    fn markdown(&self, command: &str, args: &Args) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(out, "Command: `{command}`\n");
        let _ = writeln!(
            out,
            "Load average (1, 5, 15 min): {} before, {} after; {} cores.\n",
            self.load_before,
            self.load_after,
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        let _ = writeln!(
            out,
            "| system | crossings | webhooks | p50 ms | p90 ms | p99 ms | max ms |"
        );
        let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        let pulsegrid = Spread::of(&self.pulsegrid, end_to_end);
        let _ = writeln!(
            out,
            "| Pulsegrid, pushed (`/write`), every ~{} ms | {} | {} | {} |",
            args.spacing_ms,
            self.pulsegrid.len(),
            pulsegrid.0.len(),
            pulsegrid.cells()
        );
        let pair = self.pair.as_ref().map(|p| Spread::of(p, end_to_end));
        if let (Some(crossings), Some(spread)) = (&self.pair, &pair) {
            let _ = writeln!(
                out,
                "| Prometheus 2.42 + Alertmanager 0.25, scraped, every ~{} ms | {} | {} | {} |",
                args.pair_spacing_ms,
                crossings.len(),
                spread.0.len(),
                spread.cells()
            );
        }
        let _ = writeln!(out);
        if let Some(pair) = &pair {
            let ratio = |q: f64| match (pair.quantile(q), pulsegrid.quantile(q)) {
                (Some(a), Some(b)) if b > 0.0 => format!("{:.0}x", a / b),
                _ => "-".to_owned(),
            };
            let _ = writeln!(
                out,
                "Pair / Pulsegrid: p50 {}, p99 {}.\n",
                ratio(0.5),
                ratio(0.99)
            );
        }
        let p99 = pulsegrid.quantile(0.99);
        let _ = writeln!(
            out,
            "Targets: Pulsegrid p99 under {TARGET_P99_MS} ms: {}; at least {TARGET_RATIO}x faster than the pair (p99): {}.\n",
            p99.map_or("not measured", |v| if v < TARGET_P99_MS {
                "met"
            } else {
                "missed"
            }),
            match (pair.as_ref().and_then(|p| p.quantile(0.99)), p99) {
                (Some(a), Some(b)) if a >= TARGET_RATIO * b => "met",
                (Some(_), Some(_)) => "missed",
                _ => "not measured",
            }
        );
        let _ = writeln!(
            out,
            "Where the time goes (each stage's own spread; ms; `startsAt` has 1 ms resolution in Pulsegrid):\n"
        );
        let _ = writeln!(out, "| system | stage | p50 | p90 | p99 | max |");
        let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: | ---: |");
        let stages: [(&str, Span); 3] = [
            ("`/write` sent -> answered", |c| Some((c.t0, c.acked?))),
            ("`/write` sent -> rule evaluated (`startsAt`)", |c| {
                Some((c.t0, c.evaluated?))
            }),
            ("rule evaluated -> webhook arrived", |c| {
                Some((c.evaluated?, c.arrived?))
            }),
        ];
        for (name, span) in stages {
            let _ = writeln!(
                out,
                "| Pulsegrid | {name} | {} |",
                Spread::of(&self.pulsegrid, span).cells()
            );
        }
        if let Some(crossings) = &self.pair {
            let stages: [(&str, Span); 4] = [
                ("gauge set -> first scrape serving it", |c| {
                    Some((c.t0, c.scraped?))
                }),
                ("scrape -> evaluation tick that fired (`startsAt`)", |c| {
                    Some((c.scraped?, c.evaluated?))
                }),
                ("evaluation tick -> Prometheus posted the alert", |c| {
                    Some((c.evaluated?, c.sent?))
                }),
                ("posted -> Alertmanager's webhook arrived", |c| {
                    Some((c.sent?, c.arrived?))
                }),
            ];
            for (name, span) in stages {
                let _ = writeln!(
                    out,
                    "| Prometheus + Alertmanager | {name} | {} |",
                    Spread::of(crossings, span).cells()
                );
            }
        }
        let _ = writeln!(
            out,
            "\n{} warm-up crossings per system not counted; {} webhooks for alerts never crossed, {} repeated webhooks.",
            WARMUPS, self.strays, self.duplicates
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_with_fractions_and_offsets() {
        assert_eq!(parse_rfc3339_us("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_us("2024-05-01T10:00:00.25Z"),
            Some(1_714_557_600_250_000)
        );
        assert_eq!(
            parse_rfc3339_us("2024-05-01T12:00:00.123456789+02:00"),
            Some(1_714_557_600_123_456)
        );
        assert_eq!(parse_rfc3339_us("yesterday"), None);
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let s = Spread((1..=50).map(f64::from).collect());
        assert_eq!(s.quantile(0.5), Some(25.0));
        assert_eq!(s.quantile(0.9), Some(45.0));
        assert_eq!(s.quantile(0.99), Some(50.0));
        assert_eq!(Spread(Vec::new()).quantile(0.5), None);
    }
}
