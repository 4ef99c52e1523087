//! A throwaway Prometheus (the Debian `prometheus` package) on a free port, scraping itself
//! every second, with the remote-write receiver on so tests can write samples at the
//! timestamps they choose ([`PrometheusServer::remote_write`]).

use std::fs;
use std::io;

use crate::free_port;
use crate::http::http_request;
use crate::process::{ServiceProcess, ready_or_retry, require_binary, start_with_retries};

/// Where Debian installs Prometheus.
const PROMETHEUS_BIN: &str = "/usr/bin/prometheus";

/// A Prometheus server in a temp dir, stopped on drop.
#[derive(Debug)]
pub struct PrometheusServer {
    process: ServiceProcess,
    port: u16,
}

impl PrometheusServer {
    /// Starts Prometheus on `127.0.0.1:<free port>` with its TSDB in a temp dir, scraping
    /// itself at 1s; `scrape_configs` is YAML appended to the `scrape_configs:` list (items
    /// starting with `  - job_name: ...`). Returns once `/-/ready` answers 200.
    ///
    /// Fails with [`io::ErrorKind::NotFound`] when `/usr/bin/prometheus` is missing.
    pub fn start(scrape_configs: Option<&str>) -> io::Result<PrometheusServer> {
        let bin = require_binary(PROMETHEUS_BIN, "prometheus")?;
        start_with_retries("prometheus", || {
            let dir = tempfile::Builder::new()
                .prefix("pulsegrid-prom-")
                .tempdir()?;
            let port = free_port();
            let config = format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: prometheus\n    static_configs:\n\
                 \x20     - targets: ['127.0.0.1:{port}']\n{}\n",
                scrape_configs.unwrap_or_default()
            );
            let config_file = dir.path().join("prometheus.yml");
            fs::write(&config_file, config)?;
            let args = vec![
                format!("--config.file={}", config_file.display()),
                format!("--storage.tsdb.path={}", dir.path().join("data").display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
                "--web.enable-remote-write-receiver".to_owned(),
                "--log.level=warn".to_owned(),
            ];
            let process = ServiceProcess::spawn(&bin, &args, dir, "prometheus.log")?;
            ready_or_retry(
                process,
                "prometheus",
                || http_request(port, "GET", "/-/ready", &[], b"").is_ok_and(|r| r.status == 200),
                |process| PrometheusServer { process, port },
            )
        })
    }

    /// The base URL: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port it listens on (127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its data dir.
    pub fn dir(&self) -> &std::path::Path {
        self.process.dir()
    }

    /// Writes one series through the remote-write API (`/api/v1/write`). `labels` must
    /// include `__name__`; `samples` are (unix ms, value), ascending, and no older than about
    /// an hour before the newest sample in the server (Prometheus' head block).
    pub fn remote_write(&self, labels: &[(&str, &str)], samples: &[(i64, f64)]) -> io::Result<()> {
        let body = snappy_literal(&write_request(labels, samples));
        http_request(
            self.port,
            "POST",
            "/api/v1/write",
            &[
                ("Content-Type", "application/x-protobuf"),
                ("Content-Encoding", "snappy"),
                ("X-Prometheus-Remote-Write-Version", "0.1.0"),
            ],
            &body,
        )?
        .success("prometheus remote write")
        .map(drop)
    }
}

/// A protobuf `WriteRequest` with one `TimeSeries` (labels sorted by name, as required).
fn write_request(labels: &[(&str, &str)], samples: &[(i64, f64)]) -> Vec<u8> {
    let mut sorted = labels.to_vec();
    sorted.sort();
    let mut series = Vec::new();
    for (name, value) in sorted {
        let mut label = Vec::new();
        bytes_field(&mut label, 1, name.as_bytes());
        bytes_field(&mut label, 2, value.as_bytes());
        bytes_field(&mut series, 1, &label);
    }
    for (t, v) in samples {
        let mut sample = vec![0x09]; // field 1, 64-bit
        sample.extend_from_slice(&v.to_le_bytes());
        sample.push(0x10); // field 2, varint
        varint(&mut sample, *t as u64);
        bytes_field(&mut series, 2, &sample);
    }
    let mut request = Vec::new();
    bytes_field(&mut request, 1, &series);
    request
}

fn bytes_field(out: &mut Vec<u8>, field: u8, bytes: &[u8]) {
    out.push(field << 3 | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Snappy block format holding `data` as literals (valid, just not compressed).
fn snappy_literal(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 16);
    varint(&mut out, data.len() as u64);
    for chunk in data.chunks(65_536) {
        let len = chunk.len() - 1;
        if len < 60 {
            out.push((len as u8) << 2);
        } else {
            // Tag 61: the length - 1 follows in two little-endian bytes.
            out.push(61 << 2);
            out.extend_from_slice(&(len as u16).to_le_bytes());
        }
        out.extend_from_slice(chunk);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_varints_and_literals() {
        let mut v = Vec::new();
        varint(&mut v, 300);
        assert_eq!(v, vec![0xAC, 0x02]);
        assert_eq!(snappy_literal(b"abc"), vec![3, 2 << 2, b'a', b'b', b'c']);
        let long = vec![7u8; 100];
        let s = snappy_literal(&long);
        assert_eq!(&s[..4], &[100, 61 << 2, 99, 0]);
    }
}

#[cfg(test)]
mod server_tests {
    use super::*;

    /// Prometheus starts, takes remote-written samples, and is stopped (dir removed) on drop.
    #[test]
    fn starts_accepts_writes_and_stops() {
        let server = PrometheusServer::start(None).expect("start prometheus");
        let port = server.port();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        server
            .remote_write(
                &[("__name__", "testkit_metric"), ("a", "b")],
                &[(now - 1000, 4.5)],
            )
            .expect("remote write");
        let answer = http_request(port, "GET", "/api/v1/query?query=testkit_metric", &[], b"")
            .expect("query");
        assert!(answer.body.contains("\"4.5\""), "{}", answer.body);
        let dir = server.dir().to_path_buf();
        drop(server);
        assert!(!dir.exists(), "dir removed");
        assert!(
            http_request(port, "GET", "/-/ready", &[], b"").is_err(),
            "stopped"
        );
    }
}
