//! The built-in `testdata` source, like Grafana's TestData: seeded random walks, pulses,
//! waves and CSV values, deterministic in absolute time, queried or streamed; and its
//! variable queries over a fixed tree of names (`*` -> `A`, `B`, `C`).

mod metric_tree;
mod scenario;
mod source;
#[cfg(test)]
mod tests;

pub use source::TestdataSource;
