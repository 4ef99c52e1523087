//! A throwaway InfluxDB 1.x (the Debian `influxdb` package) on free ports, configured by a
//! generated file: everything in a temp dir, usage reporting and self-monitoring off.

use std::fs;
use std::io;

use crate::free_port;
use crate::http::{http_request, url_encode};
use crate::process::{ServiceProcess, ready_or_retry, require_binary, start_with_retries};

/// Where Debian installs InfluxDB 1.x.
const INFLUXD_BIN: &str = "/usr/bin/influxd";

/// An InfluxDB 1.x server in a temp dir, stopped on drop. No auth.
#[derive(Debug)]
pub struct InfluxDb1 {
    process: ServiceProcess,
    port: u16,
}

impl InfluxDb1 {
    /// Starts `influxd` with its HTTP API on `127.0.0.1:<free port>`; returns once `/ping`
    /// answers 204.
    ///
    /// Fails with [`io::ErrorKind::NotFound`] when `/usr/bin/influxd` is missing.
    pub fn start() -> io::Result<InfluxDb1> {
        let bin = require_binary(INFLUXD_BIN, "influxdb")?;
        start_with_retries("influxd", || {
            let dir = tempfile::Builder::new()
                .prefix("pulsegrid-influx-")
                .tempdir()?;
            let (port, rpc_port) = (free_port(), free_port());
            let root = dir.path().display().to_string();
            let config = format!(
                "reporting-disabled = true\n\
                 bind-address = \"127.0.0.1:{rpc_port}\"\n\
                 [meta]\n  dir = \"{root}/meta\"\n\
                 [data]\n  dir = \"{root}/data\"\n  wal-dir = \"{root}/wal\"\n\
                 \x20 query-log-enabled = false\n\
                 [retention]\n  enabled = false\n\
                 [shard-precreation]\n  enabled = false\n\
                 [monitor]\n  store-enabled = false\n\
                 [http]\n  enabled = true\n  bind-address = \"127.0.0.1:{port}\"\n\
                 \x20 log-enabled = false\n\
                 [logging]\n  level = \"error\"\n\
                 [subscriber]\n  enabled = false\n\
                 [continuous_queries]\n  enabled = false\n"
            );
            let config_file = dir.path().join("influxdb.conf");
            fs::write(&config_file, config)?;
            let args = vec![
                "run".to_owned(),
                "-config".to_owned(),
                config_file.display().to_string(),
            ];
            let process = ServiceProcess::spawn(&bin, &args, dir, "influxd.log")?;
            ready_or_retry(
                process,
                "influxd",
                || http_request(port, "GET", "/ping", &[], b"").is_ok_and(|r| r.status == 204),
                |process| InfluxDb1 { process, port },
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

    /// The HTTP port (127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs InfluxQL (`CREATE DATABASE x`, ...) with POST `/query`; returns the JSON answer.
    pub fn query(&self, influxql: &str) -> io::Result<String> {
        let path = format!("/query?q={}", url_encode(influxql));
        let response = http_request(self.port, "POST", &path, &[], b"")?.success("influx query")?;
        if response.body.contains("\"error\"") {
            return Err(io::Error::other(format!(
                "influx query {influxql:?}: {}",
                response.body
            )));
        }
        Ok(response.body)
    }

    /// Creates database `name`.
    pub fn create_database(&self, name: &str) -> io::Result<()> {
        self.query(&format!("CREATE DATABASE \"{name}\"")).map(drop)
    }

    /// Writes line protocol with millisecond timestamps into `db`.
    pub fn write(&self, db: &str, lines: &str) -> io::Result<()> {
        let path = format!("/write?db={}&precision=ms", url_encode(db));
        http_request(self.port, "POST", &path, &[], lines.as_bytes())?
            .success("influx write")
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// influxd starts, creates a database, takes writes, and is stopped on drop.
    #[test]
    fn starts_writes_and_stops() {
        let server = InfluxDb1::start().expect("start influxd");
        let port = server.port();
        server.create_database("testkit").expect("create database");
        server
            .write("testkit", "m,a=b value=4.5 1000\n")
            .expect("write");
        let answer = server.query("SELECT value FROM testkit..m").expect("query");
        assert!(answer.contains("4.5"), "{answer}");
        assert!(server.create_database("bad\"name").is_err() || server.query("SELEKT").is_err());
        let dir = server.dir().to_path_buf();
        drop(server);
        assert!(!dir.exists(), "dir removed");
        assert!(
            http_request(port, "GET", "/ping", &[], b"").is_err(),
            "stopped"
        );
    }
}
