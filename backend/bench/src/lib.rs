//! Load-client building blocks for Pulsegrid's benchmarks.
//!
//! The load client shares the machine with the server it measures, so every piece here is
//! written to cost as little CPU per received message as possible: a minimal WebSocket client
//! that parses frames in place ([`ws`]), the handful of MQTT 3.1.1 packets a subscriber and a
//! publisher need ([`mqtt`]), a scanner that counts the points of a live frame without a full
//! JSON parse ([`live_frame`]), readers of a process's (or one thread's) CPU time and memory
//! ([`procstat`]), and the systems under test as guarded child processes ([`servers`]).

pub mod live_frame;
pub mod mqtt;
pub mod procstat;
pub mod servers;
pub mod ws;
