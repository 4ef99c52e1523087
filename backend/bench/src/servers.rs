//! The systems under test as child processes: the real `pulsegrid serve` binary and Debian's
//! Mosquitto, each on free loopback ports with a temp dir, killed when dropped (also when the
//! benchmark panics).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tempfile::TempDir;

/// Time a server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A child process that is killed and reaped on drop.
#[derive(Debug)]
struct ChildGuard(Child);

impl ChildGuard {
    /// How the process ended, if it did.
    fn exited(&mut self) -> Option<String> {
        match self.0.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(format!("unknown ({e})")),
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a benchmark adds to a `pulsegrid serve` start: files and environment.
#[derive(Clone, Debug, Default)]
pub struct PulsegridSetup {
    /// Files to write, by path relative to the server's temp dir (which has `dashboards/`),
    /// e.g. `("dashboards/bench.json", ...)` or `("datasources.yaml", ...)`.
    pub files: Vec<(String, String)>,
    /// Extra environment variables; `{dir}` in a value stands for the temp dir, e.g.
    /// `("PULSEGRID_DATASOURCES", "{dir}/datasources.yaml")`.
    pub env: Vec<(String, String)>,
}

/// A running `pulsegrid serve`.
#[derive(Debug)]
pub struct PulsegridServer {
    // Field order matters: the process is killed before its temp dir is removed.
    child: ChildGuard,
    /// Where it listens for HTTP.
    pub addr: SocketAddr,
    /// An editor API key for `/write`.
    pub editor_key: String,
    dir: TempDir,
}

impl PulsegridServer {
    /// Starts `bin serve` on a free port with fresh data and dashboards dirs, waits until it
    /// answers, and creates an editor API key with the admin's Basic credentials.
    pub async fn start(bin: &Path) -> anyhow::Result<PulsegridServer> {
        PulsegridServer::start_with(bin, &PulsegridSetup::default()).await
    }

    /// Like [`Self::start`], with `setup`'s files written into the temp dir first and its
    /// environment variables set.
    pub async fn start_with(bin: &Path, setup: &PulsegridSetup) -> anyhow::Result<PulsegridServer> {
        let dir = tempfile::Builder::new()
            .prefix("bench-pulsegrid-")
            .tempdir()?;
        for sub in ["data", "dashboards", "alert-rules"] {
            std::fs::create_dir(dir.path().join(sub))?;
        }
        for (relative, text) in &setup.files {
            std::fs::write(dir.path().join(relative), text)
                .with_context(|| format!("writing {relative}"))?;
        }
        let env: Vec<(&str, String)> = setup
            .env
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str(),
                    v.replace("{dir}", &dir.path().display().to_string()),
                )
            })
            .collect();
        let password = format!("bench-{}-{}", std::process::id(), unix_nanos());
        let log = File::create(dir.path().join("pulsegrid.log"))?;
        let mut child = Command::new(bin)
            .arg("serve")
            .current_dir(dir.path())
            .env("PULSEGRID_HTTP_ADDR", "127.0.0.1:0")
            .env("PULSEGRID_DATA_DIR", dir.path().join("data"))
            .env("PULSEGRID_DASHBOARDS_DIR", dir.path().join("dashboards"))
            .env("PULSEGRID_RULES_DIR", dir.path().join("alert-rules"))
            .env("PULSEGRID_ADMIN_PASSWORD", &password)
            .env("PULSEGRID_LOG", "warn")
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child.stdout.take().context("no stdout pipe")?;
        let child = ChildGuard(child);

        // The announcement line carries the port; the rest of stdout is drained so the pipe
        // never fills and blocks the server.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("pulsegrid listening on http://")
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(addr.trim().to_owned());
                }
            }
        });
        let log_path = dir.path().join("pulsegrid.log");
        let addr: SocketAddr = match rx.recv_timeout(START_TIMEOUT) {
            Ok(addr) => addr
                .parse()
                .with_context(|| format!("bad address {addr:?}"))?,
            Err(_) => bail!(
                "pulsegrid did not announce `pulsegrid listening on http://ADDR` within {START_TIMEOUT:?}; log:\n{}",
                tail(&log_path)
            ),
        };

        let http = reqwest::Client::new();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match http.get(format!("http://{addr}/api/health")).send().await {
                Ok(r) if r.status().is_success() => break,
                _ if Instant::now() > deadline => {
                    bail!("pulsegrid /api/health not OK; log:\n{}", tail(&log_path))
                }
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let response = http
            .post(format!("http://{addr}/api/auth/keys"))
            .basic_auth("admin", Some(&password))
            .json(&serde_json::json!({"name": "live-bench", "role": "editor"}))
            .send()
            .await?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let Some(key) = body["key"].as_str() else {
            bail!("POST /api/auth/keys answered {status} {body}");
        };
        Ok(PulsegridServer {
            child,
            addr,
            editor_key: key.to_owned(),
            dir,
        })
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.0.id()
    }

    /// How the process ended, if it ended on its own.
    pub fn exited(&mut self) -> Option<String> {
        self.child.exited()
    }

    /// The end of the server's log, for error reports.
    pub fn log_tail(&self) -> String {
        tail(&self.dir.path().join("pulsegrid.log"))
    }
}

/// A running Mosquitto with a TCP listener (for the publisher) and a WebSocket listener (for
/// the subscribers).
#[derive(Debug)]
pub struct MosquittoServer {
    child: ChildGuard,
    /// The MQTT-over-TCP listener.
    pub tcp_addr: SocketAddr,
    /// The MQTT-over-WebSocket listener.
    pub ws_addr: SocketAddr,
    dir: TempDir,
}

impl MosquittoServer {
    /// Starts `bin -c CONF` on two free loopback ports (never the standard 1883, where a system
    /// broker may run), anonymous, without persistence or connection limits.
    pub fn start(bin: &Path) -> anyhow::Result<MosquittoServer> {
        if !bin.exists() {
            bail!(
                "{} not found: install Debian's broker with `apt-get install -y mosquitto`, or pass --mosquitto-bin",
                bin.display()
            );
        }
        let dir = tempfile::Builder::new()
            .prefix("live-bench-mosquitto-")
            .tempdir()?;
        let tcp_port = pulsegrid_testkit::free_port();
        let ws_port = pulsegrid_testkit::free_port();
        let conf = dir.path().join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                "per_listener_settings false\n\
                 allow_anonymous true\n\
                 persistence false\n\
                 log_dest stderr\n\
                 log_type error\n\
                 log_type warning\n\
                 connection_messages false\n\
                 listener {tcp_port} 127.0.0.1\n\
                 max_connections -1\n\
                 listener {ws_port} 127.0.0.1\n\
                 protocol websockets\n\
                 max_connections -1\n"
            ),
        )?;
        let log_path = dir.path().join("mosquitto.log");
        let child = Command::new(bin)
            .arg("-c")
            .arg(&conf)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log_path)?)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut child = ChildGuard(child);
        let tcp_addr = SocketAddr::from(([127, 0, 0, 1], tcp_port));
        let ws_addr = SocketAddr::from(([127, 0, 0, 1], ws_port));
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect(tcp_addr).is_err() || TcpStream::connect(ws_addr).is_err() {
            if let Ok(Some(status)) = child.0.try_wait() {
                bail!("mosquitto exited with {status}; log:\n{}", tail(&log_path));
            }
            if Instant::now() > deadline {
                bail!(
                    "mosquitto did not listen within {START_TIMEOUT:?}; log:\n{}",
                    tail(&log_path)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(MosquittoServer {
            child,
            tcp_addr,
            ws_addr,
            dir,
        })
    }

    /// The broker's process id.
    pub fn pid(&self) -> u32 {
        self.child.0.id()
    }

    /// How the process ended, if it ended on its own.
    pub fn exited(&mut self) -> Option<String> {
        self.child.exited()
    }

    /// The end of the broker's log, for error reports.
    pub fn log_tail(&self) -> String {
        tail(&self.dir.path().join("mosquitto.log"))
    }
}

/// The Pulsegrid binary to run: `explicit`, else `target/release/pulsegrid`, built first with
/// `cargo build --release -p pulsegrid-server` when missing or when `rebuild` is set.
pub fn pulsegrid_binary(explicit: Option<PathBuf>, rebuild: bool) -> anyhow::Result<PathBuf> {
    if let Some(bin) = explicit {
        if !bin.exists() {
            bail!("--pulsegrid-bin {} does not exist", bin.display());
        }
        return Ok(bin);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"));
    let bin = target.join("release/pulsegrid");
    if rebuild || !bin.exists() {
        eprintln!("building {} ...", bin.display());
        let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--release", "-p", "pulsegrid-server"])
            .current_dir(&workspace)
            .status()
            .context("running cargo build")?;
        if !status.success() {
            bail!("`cargo build --release -p pulsegrid-server` failed ({status})");
        }
    }
    Ok(bin)
}

/// The last lines of a log file.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

fn unix_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}
