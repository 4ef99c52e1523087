//! A throwaway VictoriaMetrics (the Debian `victoria-metrics` package) on a free port, with
//! data imported in Prometheus' text format at chosen timestamps.

use std::io;

use crate::free_port;
use crate::http::http_request;
use crate::process::{ServiceProcess, ready_or_retry, require_binary, start_with_retries};

/// Where Debian installs VictoriaMetrics.
const VICTORIA_METRICS_BIN: &str = "/usr/bin/victoria-metrics";

/// A single-node VictoriaMetrics in a temp dir, stopped on drop. Its query cache is off and
/// recent samples are visible at once (`-search.latencyOffset=0s`).
#[derive(Debug)]
pub struct VictoriaMetrics {
    process: ServiceProcess,
    port: u16,
}

impl VictoriaMetrics {
    /// Starts it on `127.0.0.1:<free port>`; returns once `/health` answers.
    ///
    /// Fails with [`io::ErrorKind::NotFound`] when `/usr/bin/victoria-metrics` is missing.
    pub fn start() -> io::Result<VictoriaMetrics> {
        let bin = require_binary(VICTORIA_METRICS_BIN, "victoria-metrics")?;
        start_with_retries("victoria-metrics", || {
            let dir = tempfile::Builder::new().prefix("pulsegrid-vm-").tempdir()?;
            let port = free_port();
            let args = vec![
                format!("-httpListenAddr=127.0.0.1:{port}"),
                format!("-storageDataPath={}", dir.path().join("data").display()),
                "-retentionPeriod=100y".to_owned(),
                "-search.latencyOffset=0s".to_owned(),
                "-search.disableCache".to_owned(),
                "-loggerLevel=ERROR".to_owned(),
            ];
            let process = ServiceProcess::spawn(&bin, &args, dir, "victoria-metrics.log")?;
            ready_or_retry(
                process,
                "victoria-metrics",
                || http_request(port, "GET", "/health", &[], b"").is_ok_and(|r| r.status == 200),
                |process| VictoriaMetrics { process, port },
            )
        })
    }

    /// Its data dir.
    pub fn dir(&self) -> &std::path::Path {
        self.process.dir()
    }

    /// The base URL: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port it listens on (127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Imports Prometheus exposition text with timestamps in ms
    /// (`metric{a="b"} 1.5 1700000000000`) and flushes it so queries see it at once.
    pub fn import_prometheus(&self, text: &str) -> io::Result<()> {
        http_request(
            self.port,
            "POST",
            "/api/v1/import/prometheus",
            &[("Content-Type", "text/plain")],
            text.as_bytes(),
        )?
        .success("victoria-metrics import")?;
        http_request(self.port, "GET", "/internal/force_flush", &[], b"")?
            .success("victoria-metrics force_flush")
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// VictoriaMetrics starts, imports samples, and is stopped (dir removed) on drop.
    #[test]
    fn starts_imports_and_stops() {
        let server = VictoriaMetrics::start().expect("start victoria-metrics");
        let port = server.port();
        let minute_ago = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64 - 60_000)
            .unwrap_or_default();
        server
            .import_prometheus(&format!("testkit_metric{{a=\"b\"}} 4.5 {minute_ago}\n"))
            .expect("import");
        let answer = http_request(port, "GET", "/api/v1/query?query=testkit_metric", &[], b"")
            .expect("query");
        assert!(answer.body.contains("\"4.5\""), "{}", answer.body);
        let dir = server.dir().to_path_buf();
        drop(server);
        assert!(!dir.exists(), "dir removed");
        assert!(
            http_request(port, "GET", "/health", &[], b"").is_err(),
            "stopped"
        );
    }
}
