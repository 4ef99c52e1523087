//! The engine path: `StreamRouter` + `RuleState::process_series`, driven the way the service's
//! stream task drives them (one lock per state step, transitions collected per batch).

use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use pulsegrid_alerting::rules::{RuleState, StreamRouter, parse_rule_file};
use pulsegrid_model::Labels;
use pulsegrid_model::selector::SeriesSelector;

const RULES: usize = 10_000;
const BATCH: usize = 1_000;

/// One scenario: how rules select series and how many series there are.
struct Scenario {
    name: &'static str,
    /// The rule's selector and reduce for rule `i`.
    rule: fn(usize) -> (String, &'static str),
    /// The series: (name, labels) for series `j`.
    series: fn(usize) -> (String, Labels),
    series_count: usize,
}

const SCENARIOS: [Scenario; 4] = [
    Scenario {
        name: "1 rule per series, last",
        rule: |i| (format!("m{i}"), "last"),
        series: |j| (format!("m{j}"), Labels::new()),
        series_count: RULES,
    },
    Scenario {
        name: "1 rule per series, max(1m)",
        rule: |i| (format!("m{i}"), "max(1m)"),
        series: |j| (format!("m{j}"), Labels::new()),
        series_count: RULES,
    },
    Scenario {
        name: "10 rules per series, last",
        rule: |i| (format!("m{}", i / 10), "last"),
        series: |j| (format!("m{j}"), Labels::new()),
        series_count: RULES / 10,
    },
    Scenario {
        name: "100 names x 100 sites (label matchers), avg(1m)",
        rule: |i| (format!("m{}{{site=\"s{}\"}}", i / 100, i % 100), "avg(1m)"),
        series: |j| {
            let labels = [("site", format!("s{}", j % 100)), ("host", "h1".into())];
            (format!("m{}", j / 100), labels.into_iter().collect())
        },
        series_count: RULES,
    },
];

/// Prints the engine-path table.
pub(crate) fn run(rounds: usize) {
    println!(
        "engine path (StreamRouter as `pulsegrid serve` runs it): {RULES} rules, batches of {BATCH} series x 1 point, one core\n"
    );
    println!(
        "| scenario | series | evaluations | seconds | evaluations/s | state steps | transitions |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let only: Option<usize> = std::env::var("RULE_BENCH_SCENARIO")
        .ok()
        .and_then(|v| v.parse().ok());
    for (i, sc) in SCENARIOS.iter().enumerate() {
        if only.is_none_or(|o| o == i) {
            run_scenario(sc, rounds);
        }
    }
}

fn run_scenario(sc: &Scenario, rounds: usize) {
    let mut router = StreamRouter::new();
    let mut states = Vec::with_capacity(RULES);
    for i in 0..RULES {
        let (selector, reduce) = (sc.rule)(i);
        let text = format!(
            "groups:\n- name: g\n  rules:\n  - alert: A{i}\n    source: pulsegrid\n    query: '{selector}'\n    reduce: {reduce}\n    condition: '> 8'\n    clear_condition: '< 7'\n"
        );
        let file = parse_rule_file("bench.yml", &text).unwrap_or_else(|e| panic!("{e:?}"));
        let rule = Arc::new(file.groups[0].rules[0].clone());
        let sel = SeriesSelector::parse(&selector).unwrap_or_else(|e| panic!("{e}"));
        router.add(rule.clone(), sel);
        states.push(Mutex::new(RuleState::new(&rule)));
    }
    let series: Vec<(String, Labels)> = (0..sc.series_count).map(sc.series).collect();
    let mut counts = Counts::default();
    let mut t = 0i64;
    // Warm up: windows filled (1 minute of points), routes made.
    for _ in 0..600 {
        t += 100;
        round(&mut router, &states, &series, t, &mut Counts::default());
    }
    let before = router.evaluations();
    let start = Instant::now();
    for _ in 0..rounds {
        t += 100;
        round(&mut router, &states, &series, t, &mut counts);
    }
    let secs = start.elapsed().as_secs_f64();
    let evals = router.evaluations() - before;
    println!(
        "| {} | {} | {evals} | {secs:.3} | {:.0} | {} | {} |",
        sc.name,
        sc.series_count,
        evals as f64 / secs,
        counts.steps,
        counts.transitions
    );
}

#[derive(Default)]
struct Counts {
    steps: u64,
    transitions: u64,
}

/// Every series gets one point (all at `t`), in batches of [`BATCH`] series.
fn round(
    router: &mut StreamRouter,
    states: &[Mutex<RuleState>],
    series: &[(String, Labels)],
    t: i64,
    counts: &mut Counts,
) {
    for chunk in series.chunks(BATCH) {
        for (j, (name, labels)) in chunk.iter().enumerate() {
            let v = super::signal(j, t);
            router.on_points(name, labels, &[t], &[v], &mut |verdict| {
                counts.steps += 1;
                let mut state = states[verdict.rule as usize]
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                let (tr, kept) = state.process_series(verdict.def, verdict.key, &verdict.result, t);
                counts.transitions += tr.len() as u64;
                black_box(tr);
                kept
            });
        }
    }
}
