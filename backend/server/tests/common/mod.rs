//! `TestServer`: the real `pulsegrid` binary on a free port with a temp data dir, waited on
//! via `/api/health`, killed on drop. Every integration test owns its own server.

#![allow(dead_code, unreachable_pub)]

pub mod live;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The admin password every test server starts with.
pub const ADMIN_PASSWORD: &str = "admin-secret-pw";

/// How to start a server.
#[derive(Debug, Default)]
pub struct Builder {
    env: Vec<(String, String)>,
    dashboards: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    rules: Option<PathBuf>,
}

impl Builder {
    /// Sets an environment variable for the server.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Serves dashboards from this directory (default: an empty temp dir).
    pub fn dashboards(mut self, dir: &Path) -> Self {
        self.dashboards = Some(dir.to_owned());
        self
    }

    /// Provisions alert rules and `alertmanager.yml` from this directory.
    pub fn rules(mut self, dir: &Path) -> Self {
        self.rules = Some(dir.to_owned());
        self
    }

    /// Uses this data dir (to restart on the same state).
    pub fn data_dir(mut self, dir: &Path) -> Self {
        self.data_dir = Some(dir.to_owned());
        self
    }

    /// Starts the binary and waits until it is healthy.
    pub fn start(self) -> TestServer {
        let tmp = TempDir::new().expect("temp dir");
        let data_dir = self.data_dir.unwrap_or_else(|| tmp.path().join("data"));
        let dashboards = self.dashboards.unwrap_or_else(|| {
            let d = tmp.path().join("dashboards");
            std::fs::create_dir_all(&d).expect("dashboards dir");
            d
        });
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pulsegrid"));
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PULSEGRID_HTTP_ADDR", "127.0.0.1:0")
            .env("PULSEGRID_DATA_DIR", &data_dir)
            .env("PULSEGRID_DASHBOARDS_DIR", &dashboards)
            .env(
                "PULSEGRID_RULES_DIR",
                self.rules.unwrap_or_else(|| tmp.path().join("rules")),
            )
            .env("PULSEGRID_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("PULSEGRID_LOG", "info,pulsegrid=debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn pulsegrid");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let out_logs = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("pulsegrid listening on ") {
                    let _ = tx.send(url.to_owned());
                }
                out_logs.lock().unwrap().push(line);
            }
        });
        let stderr = child.stderr.take().expect("stderr");
        let err_logs = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                err_logs.lock().unwrap().push(line);
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "pulsegrid did not start; output:\n{}",
                    logs.lock().unwrap().join("\n")
                );
            }
        };
        let server = TestServer {
            child: Some(child),
            url,
            logs,
            dashboards,
            data_dir,
            _tmp: tmp,
        };
        server.wait_healthy();
        server
    }
}

/// A running `pulsegrid serve`.
#[derive(Debug)]
pub struct TestServer {
    child: Option<Child>,
    /// Base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    logs: Arc<Mutex<Vec<String>>>,
    /// The dashboards directory it provisions from.
    pub dashboards: PathBuf,
    /// Its data directory.
    pub data_dir: PathBuf,
    _tmp: TempDir,
}

impl TestServer {
    /// A server with defaults.
    pub fn start() -> TestServer {
        Builder::default().start()
    }

    /// A builder for a customised server.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// `url` + `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Everything the server printed so far (stdout and stderr).
    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if http_status(&self.url, "/api/health") == Some(200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("pulsegrid never became healthy:\n{}", self.logs());
    }

    /// The server process's resident memory in KiB (Linux), 0 if unknown.
    pub fn rss_kib(&self) -> u64 {
        let Some(pid) = self.child.as_ref().map(Child::id) else {
            return 0;
        };
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|n| n.parse().ok())
            })
            .unwrap_or(0)
    }

    /// Kills the process with SIGKILL (no chance to flush anything) and waits for it.
    pub fn kill9(mut self) {
        let mut child = self.child.take().expect("running");
        let _ = Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status();
        let _ = child.wait();
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("pulsegrid did not stop on SIGTERM:\n{}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Polls `check` until it returns Some or `timeout` passes.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An HTTP client.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// Basic auth as the admin.
pub fn admin(req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    req.basic_auth("admin", Some(ADMIN_PASSWORD))
}

/// Creates an API token with `role` (as admin) and returns it.
pub async fn token(server: &TestServer, role: &str) -> String {
    let resp = admin(client().post(server.at("/api/auth/keys")))
        .json(&serde_json::json!({"name": format!("{role}-{}", rand_suffix()), "role": role}))
        .send()
        .await
        .expect("create key");
    assert_eq!(resp.status(), 200, "create key");
    let body: serde_json::Value = resp.json().await.expect("json");
    body["key"].as_str().expect("key").to_owned()
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// The shared Grafana dashboard corpus, if present.
pub fn grafana_corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/grafana-dashboards");
    dir.is_dir().then_some(dir)
}

/// A blocking `GET`, for use outside the async runtime: the status code, or None.
pub fn http_status(base: &str, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let addr = base.strip_prefix("http://")?;
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}
