//! A throwaway tansu (an Apache Kafka compatible broker, in Rust) on a free port with in-memory
//! storage, that a test can stop and start again on the same port (empty: topics are lost).
//!
//! tansu is not packaged for Debian: scripts/test.sh installs it with
//! `cargo install --locked --root .test-tools/cargo tansu --features dynostore` at the
//! workspace root. `PULSEGRID_TANSU` names another binary.

use std::io;
use std::net::{Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::free_port;
use crate::process::{ServiceProcess, start_with_retries};

/// The broker's log file in its dir.
const LOG: &str = "tansu.log";

/// A tansu broker on 127.0.0.1, stopped on drop.
#[derive(Debug)]
pub struct Tansu {
    bin: PathBuf,
    process: Option<ServiceProcess>,
    port: u16,
}

impl Tansu {
    /// The tansu binary: `$PULSEGRID_TANSU`, else `.test-tools/cargo/bin/tansu` at the
    /// workspace root.
    pub fn binary_path() -> PathBuf {
        std::env::var_os("PULSEGRID_TANSU")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.test-tools/cargo/bin/tansu")
            })
    }

    /// Starts tansu on `127.0.0.1:<free port>` with memory storage; returns once it accepts
    /// connections.
    ///
    /// Fails with [`io::ErrorKind::NotFound`] when the binary is missing.
    pub fn start() -> io::Result<Tansu> {
        let bin = Self::binary_path();
        if !bin.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{} not found: run `cargo install --locked --root .test-tools/cargo tansu \
                     --features dynostore` at the workspace root (scripts/test.sh does), or set \
                     PULSEGRID_TANSU to a tansu binary",
                    bin.display()
                ),
            ));
        }
        start_with_retries("tansu", || {
            let port = free_port();
            let mut process = spawn(&bin, port)?;
            let log = process.dir().join(LOG);
            match process.wait_ready("tansu", || ready(&log, port)) {
                Ok(()) => Ok(Ok((process, port))),
                Err(_) if taken(&process) => Ok(Err(process)),
                Err(e) => Err(e),
            }
        })
        .map(|(process, port)| Tansu {
            bin,
            process: Some(process),
            port,
        })
    }

    /// The Kafka port (127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The bootstrap address: `127.0.0.1:PORT`.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The broker URL as tansu's own CLI takes it: `tcp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// Creates topic `name` with `partitions` partitions (with tansu's CLI).
    pub fn create_topic(&self, name: &str, partitions: u32) -> io::Result<()> {
        let output = Command::new(&self.bin)
            .args(["topic", "create", "--broker", &self.url(), "--partitions"])
            .arg(partitions.to_string())
            .arg(name)
            .stdin(Stdio::null())
            .output()?;
        if output.status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "tansu topic create {name} failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )))
        }
    }

    /// Stops the broker (clients see their connections drop).
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Starts it again on the same port (after [`Tansu::stop`]), empty: create the topics
    /// again.
    pub fn restart(&mut self) -> io::Result<()> {
        self.process = None;
        let mut process = spawn(&self.bin, self.port)?;
        let (port, log) = (self.port, process.dir().join(LOG));
        process.wait_ready("tansu (restarted)", || ready(&log, port))?;
        self.process = Some(process);
        Ok(())
    }
}

fn spawn(bin: &Path, port: u16) -> io::Result<ServiceProcess> {
    let dir = tempfile::Builder::new()
        .prefix("pulsegrid-tansu-")
        .tempdir()?;
    let url = format!("tcp://127.0.0.1:{port}");
    let args = vec![
        "broker".to_owned(),
        "--listener-url".to_owned(),
        url.clone(),
        "--advertised-listener-url".to_owned(),
        url,
        "--storage-engine".to_owned(),
        "memory://tansu/".to_owned(),
    ];
    let mut wrapped = vec!["-c".to_owned(), KILL_ON_TERM.to_owned(), "sh".to_owned()];
    wrapped.push(bin.display().to_string());
    wrapped.extend(args);
    ServiceProcess::spawn(Path::new("/bin/sh"), &wrapped, dir, LOG)
}

/// Runs the broker and kills it outright when told to stop: on TERM tansu waits seconds for
/// its clients to leave, and a test that stops the broker wants it gone (as after a crash).
const KILL_ON_TERM: &str = r#""$@" & child=$!
trap 'kill -9 "$child" 2>/dev/null' TERM INT
wait "$child"
wait "$child"
"#;

/// Ready once it says so in its log (so a port someone else holds does not look ready) and
/// the port accepts connections.
fn ready(log: &Path, port: u16) -> bool {
    std::fs::read_to_string(log).is_ok_and(|l| l.contains("ready in"))
        && TcpStream::connect_timeout(
            &(Ipv4Addr::LOCALHOST, port).into(),
            Duration::from_millis(200),
        )
        .is_ok()
}

fn taken(process: &ServiceProcess) -> bool {
    process
        .log_tail()
        .to_ascii_lowercase()
        .contains("address already in use")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The broker starts, makes a topic, stops and starts again on the same port.
    #[test]
    fn starts_creates_topics_and_restarts() {
        let mut tansu = Tansu::start().expect("start tansu");
        tansu.create_topic("harness", 2).expect("create topic");
        let port = tansu.port();
        tansu.stop();
        assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "stopped");
        tansu.restart().expect("restart");
        tansu
            .create_topic("harness", 1)
            .expect("create topic again");
    }
}
