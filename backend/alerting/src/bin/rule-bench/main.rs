//! Stream rule evaluation throughput on one core, as two tables:
//!
//! 1. The evaluator alone: 10,000 stream rules, each fed points in turn (as arriving data
//!    would), for each reduction.
//! 2. The engine path the service runs (`StreamRouter`, as `pulsegrid serve` drives it): ingest
//!    batches of 1,000 series routed to 10,000 rules by series name, each point evaluated and,
//!    where it can change an alert, the rule's state machine stepped behind its lock.
//!
//! Run with `cargo run --release -p pulsegrid-alerting --bin rule-bench [-- ROUNDS]`.

use std::hint::black_box;
use std::time::Instant;

use pulsegrid_alerting::rules::eval::StreamEval;
use pulsegrid_alerting::rules::rule::{Condition, Reduce};

mod engine_path;

const RULES: usize = 10_000;

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    println!("stream rules: {RULES}, points per rule: {rounds}, one core\n");
    println!("| reduce | evaluations | seconds | evaluations/s | firing changes |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    let mut total = (0u64, 0f64);
    for text in [
        "last",
        "max",
        "avg(1m)",
        "min(1m)",
        "max(5m)",
        "sum(1m)",
        "count(1m)",
        "rate(1m)",
    ] {
        let Ok(reduce) = Reduce::parse(text) else {
            eprintln!("bad reduce {text}");
            return;
        };
        let cond = Condition::parse("> 8").ok();
        let clear = Condition::parse("< 7").ok();
        let mut rules: Vec<StreamEval> = (0..RULES)
            .map(|_| StreamEval::with(reduce, cond, clear))
            .collect();
        // Warm up: fill each window (points every 100 ms) so buffers reach their steady size.
        let step_ms = 100;
        let warm = 700;
        let mut t = 0i64;
        for _ in 0..warm {
            t += step_ms;
            for (i, r) in rules.iter_mut().enumerate() {
                black_box(r.on_point(t, signal(i, t)));
            }
        }
        let mut changes = 0u64;
        let start = Instant::now();
        for _ in 0..rounds {
            t += step_ms;
            for (i, r) in rules.iter_mut().enumerate() {
                if let Some(u) = r.on_point(t, signal(i, t)) {
                    changes += u64::from(u.changed);
                }
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let evals = (rounds * RULES) as u64;
        total.0 += evals;
        total.1 += secs;
        println!(
            "| {text} | {evals} | {secs:.3} | {:.0} | {changes} |",
            evals as f64 / secs
        );
    }
    println!(
        "| all | {} | {:.3} | {:.0} | |",
        total.0,
        total.1,
        total.0 as f64 / total.1
    );
    println!();
    engine_path::run(rounds);
}

/// A cheap signal hovering around the thresholds (a sawtooth per rule, 0..16).
#[inline]
fn signal(i: usize, t: i64) -> f64 {
    ((t / 100 + i as i64) % 160) as f64 / 10.0
}
