//! The built-in `testdata` source, like Grafana's TestData: seeded random walks, pulses,
//! waves and CSV values, deterministic in absolute time, queried or streamed.

mod scenario;
mod source;
#[cfg(test)]
mod tests;

pub use source::TestdataSource;
