//! A throwaway NATS server with JetStream (the Debian `nats-server` package) on a free port,
//! with its monitoring endpoint, that a test can stop and start again on the same port.

use std::io;
use std::path::PathBuf;

use tempfile::TempDir;

use crate::free_port;
use crate::http::http_request;
use crate::process::{ServiceProcess, ready_or_retry, require_binary, start_with_retries};

/// Where Debian installs the NATS server.
const NATS_SERVER_BIN: &str = "/usr/sbin/nats-server";

/// A NATS server on 127.0.0.1 with JetStream, stopped on drop. Its JetStream store lives in
/// a temp dir of its own, so streams survive [`NatsServer::restart`].
#[derive(Debug)]
pub struct NatsServer {
    bin: PathBuf,
    process: Option<ServiceProcess>,
    port: u16,
    monitor_port: u16,
    store: TempDir,
}

impl NatsServer {
    /// Starts it on free ports (client and monitoring); returns once `/healthz` answers.
    ///
    /// Fails with [`io::ErrorKind::NotFound`] when `/usr/sbin/nats-server` is missing.
    pub fn start() -> io::Result<NatsServer> {
        let bin = require_binary(NATS_SERVER_BIN, "nats-server")?;
        let store = tempfile::Builder::new()
            .prefix("pulsegrid-nats-store-")
            .tempdir()?;
        start_with_retries("nats-server", || {
            let port = free_port();
            let monitor_port = free_port();
            let process = spawn(&bin, port, monitor_port, &store)?;
            ready_or_retry(
                process,
                "nats-server",
                || healthy(monitor_port),
                |process| (process, port, monitor_port),
            )
        })
        .map(|(process, port, monitor_port)| NatsServer {
            bin,
            process: Some(process),
            port,
            monitor_port,
            store,
        })
    }

    /// The client URL: `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The client port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The monitoring port (`/varz`, `/connz`, `/subsz`, `/jsz`).
    pub fn monitor_port(&self) -> u16 {
        self.monitor_port
    }

    /// A monitoring endpoint's JSON text, e.g. `monitor("/connz?subs=1")`.
    pub fn monitor(&self, path: &str) -> io::Result<String> {
        Ok(http_request(self.monitor_port, "GET", path, &[], b"")?
            .success("nats-server monitoring")?
            .body)
    }

    /// Stops the server (clients see their connection drop). Its JetStream store is kept.
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Starts it again on the same ports and store (after [`NatsServer::stop`]).
    pub fn restart(&mut self) -> io::Result<()> {
        self.process = None;
        let mut process = spawn(&self.bin, self.port, self.monitor_port, &self.store)?;
        let monitor_port = self.monitor_port;
        process.wait_ready("nats-server (restarted)", || healthy(monitor_port))?;
        self.process = Some(process);
        Ok(())
    }
}

fn spawn(
    bin: &std::path::Path,
    port: u16,
    monitor_port: u16,
    store: &TempDir,
) -> io::Result<ServiceProcess> {
    let dir = tempfile::Builder::new()
        .prefix("pulsegrid-nats-")
        .tempdir()?;
    let args = vec![
        "-a".to_owned(),
        "127.0.0.1".to_owned(),
        "-p".to_owned(),
        port.to_string(),
        "-m".to_owned(),
        monitor_port.to_string(),
        "-js".to_owned(),
        "-sd".to_owned(),
        store.path().display().to_string(),
    ];
    ServiceProcess::spawn(bin, &args, dir, "nats-server.log")
}

fn healthy(monitor_port: u16) -> bool {
    http_request(monitor_port, "GET", "/healthz", &[], b"").is_ok_and(|r| r.status == 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server starts, shows its monitoring, stops and starts again on the same port.
    #[test]
    fn starts_stops_and_restarts() {
        let mut server = NatsServer::start().expect("start nats-server");
        assert!(
            server
                .monitor("/varz")
                .expect("varz")
                .contains("\"jetstream\"")
        );
        let port = server.port();
        server.stop();
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "stopped"
        );
        server.restart().expect("restart");
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
            "back"
        );
    }
}
