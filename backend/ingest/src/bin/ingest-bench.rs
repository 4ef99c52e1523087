//! Ingest benchmark: prints a markdown table of line protocol parse and convert rates on one
//! core, and durable (fsynced, group-committed) write throughput with 1, 8 and 64 concurrent
//! writers of 1000-point batches.
//!
//! `cargo run --release -p pulsegrid-ingest --bin ingest-bench [-- --dir PATH --secs N]`
//! (the log goes to a fresh directory under PATH, default the system temp dir, removed after).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use pulsegrid_ingest::{IngestConfig, SeriesStore};
use pulsegrid_model::lineproto::{Line, Precision, line_to_samples, parse_lines};
use pulsegrid_model::{Labels, Sample, SeriesKey};

const LINES: usize = 1_000_000;
const BATCH_POINTS: usize = 1000;
const SERIES_PER_BATCH: usize = 50;

struct Args {
    dir: PathBuf,
    secs: u64,
}

fn args() -> Result<Args, String> {
    let mut out = Args {
        dir: std::env::temp_dir(),
        secs: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| format!("expected a value after {arg}"))?;
        match arg.as_str() {
            "--dir" => out.dir = PathBuf::from(value),
            "--secs" => {
                out.secs = value
                    .parse()
                    .map_err(|_| format!("--secs: expected whole seconds, found {value:?}"))?;
            }
            _ => return Err(format!("expected --dir PATH or --secs N, found {arg:?}")),
        }
    }
    Ok(out)
}

/// Typical Telegraf `cpu` lines: three tags, five float fields, nanosecond timestamps.
fn telegraf_body() -> String {
    let mut body = String::with_capacity(LINES * 140);
    for i in 0..LINES {
        let ts = 1_700_000_000_000_000_000i64 + i as i64 * 10_000_000;
        body.push_str(&format!(
            "cpu,cpu=cpu{},host=server{:02},region=us-west usage_idle={}.5,usage_user=3.2,usage_system=1.{},usage_iowait=0.25,usage_steal=0 {ts}\n",
            i % 8,
            i % 50,
            90 + i % 10,
            i % 10,
        ));
    }
    body
}

fn rate(n: f64, d: Duration) -> String {
    let r = n / d.as_secs_f64();
    if r >= 1e6 {
        format!("{:.2} M", r / 1e6)
    } else if r >= 1e3 {
        format!("{:.1} k", r / 1e3)
    } else {
        format!("{r:.0}")
    }
}

fn bench_parse(rows: &mut Vec<[String; 3]>) {
    let body = telegraf_body();
    let mb = body.len() as f64 / 1e6;

    let started = Instant::now();
    let mut n = 0usize;
    for line in parse_lines(&body) {
        n += black_box(line).map_or(0, |l| l.fields.len());
    }
    let d = started.elapsed();
    assert!(n == LINES * 5, "parsed {n} fields");
    rows.push([
        "parse, `Iterator` (1 core)".into(),
        format!("{} lines/s", rate(LINES as f64, d)),
        format!("{:.0} MB/s", mb / d.as_secs_f64()),
    ]);

    let started = Instant::now();
    let mut iter = parse_lines(&body);
    let mut line = Line::default();
    let mut n = 0usize;
    while let Some(r) = iter.next_into(&mut line) {
        if r.is_ok() {
            n += black_box(&line).fields.len();
        }
    }
    let d = started.elapsed();
    assert!(n == LINES * 5);
    rows.push([
        "parse, `next_into` reusing the line (1 core)".into(),
        format!("{} lines/s", rate(LINES as f64, d)),
        format!("{:.0} MB/s", mb / d.as_secs_f64()),
    ]);

    let started = Instant::now();
    let mut iter = parse_lines(&body);
    let mut samples = Vec::with_capacity(5 * 1000);
    let mut total = 0usize;
    while let Some(r) = iter.next_into(&mut line) {
        if r.is_ok() {
            line_to_samples(&line, Precision::Ns, 0, &mut samples);
        }
        if samples.len() >= 5000 {
            total += black_box(&samples).len();
            samples.clear();
        }
    }
    total += samples.len();
    let d = started.elapsed();
    rows.push([
        "parse + `line_to_samples` (1 core)".into(),
        format!("{} lines/s", rate(LINES as f64, d)),
        format!("{} samples/s", rate(total as f64, d)),
    ]);
}

fn batch(writer: usize, i: usize) -> Vec<(SeriesKey, Sample)> {
    let per_series = BATCH_POINTS / SERIES_PER_BATCH;
    let mut out = Vec::with_capacity(BATCH_POINTS);
    for s in 0..SERIES_PER_BATCH {
        let labels: Labels = [("writer", writer.to_string()), ("sensor", s.to_string())]
            .into_iter()
            .collect();
        for j in 0..per_series {
            let t = 1_700_000_000_000 + (i * per_series + j) as i64;
            out.push((
                SeriesKey::new("bench", labels.clone()),
                Sample { t, v: j as f64 },
            ));
        }
    }
    out
}

async fn bench_writes(
    args: &Args,
    writers: usize,
    rows: &mut Vec<[String; 3]>,
) -> Result<(), String> {
    let dir = args.dir.join(format!(
        "pulsegrid-ingest-bench-{}-{writers}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let store = SeriesStore::open(IngestConfig {
        dir: dir.clone(),
        max_age_ms: 0,
        ..IngestConfig::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(args.secs);
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut i = 0;
                let mut overloaded = 0u64;
                while Instant::now() < deadline {
                    match store.write("bench", batch(w, i)).await {
                        Ok(()) => i += 1,
                        Err(pulsegrid_ingest::IngestError::Overloaded { .. }) => {
                            overloaded += 1;
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                        Err(e) => return Err(e.to_string()),
                    }
                }
                Ok(overloaded)
            })
        })
        .collect();
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    let d = started.elapsed();
    let stats = store.stats();
    store.close().await;
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    rows.push([
        format!("durable writes, {writers} writer(s) x 1000-point batches"),
        format!(
            "{} points/s, {} batches/s",
            rate(stats.points_written as f64, d),
            rate(stats.batches_written as f64, d)
        ),
        format!(
            "{} fsyncs/s ({:.1} batches per fsync)",
            rate(stats.fsyncs as f64, d),
            stats.batches_written as f64 / stats.fsyncs.max(1) as f64
        ),
    ]);
    Ok(())
}

fn main() {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("ingest-bench: {e}");
            std::process::exit(2);
        }
    };
    let mut rows = Vec::new();
    bench_parse(&mut rows);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ingest-bench: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    for writers in [1, 8, 64] {
        if let Err(e) = runtime.block_on(bench_writes(&args, writers, &mut rows)) {
            eprintln!("ingest-bench: {writers} writers: {e}");
            std::process::exit(1);
        }
    }
    println!(
        "{LINES} Telegraf cpu lines (3 tags, 5 fields); writes for {}s each to {} ({} cores)\n",
        args.secs,
        args.dir.display(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| benchmark | rate | also |\n| --- | --- | --- |");
    for [a, b, c] in rows {
        println!("| {a} | {b} | {c} |");
    }
}
