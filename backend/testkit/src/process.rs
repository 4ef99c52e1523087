//! A server process in a temp dir, watched so that it never outlives the tests.
//!
//! The server runs under a small `sh` watchdog that stops it (and removes its dir) when
//! the harness is dropped or when the test process exits without dropping it, as a server
//! shared through a `static` never is.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Runs the server in the background, and stops it and removes `$DIR` when the watchdog is
/// told to stop (TERM) or when the test process (`$PARENT`) is gone.
const WATCHDOG: &str = r#"
"$@" >>"$LOG" 2>&1 &
child=$!
stop() { kill "$child" 2>/dev/null; wait "$child"; rm -rf "$DIR"; exit 0; }
trap stop TERM INT
while kill -0 "$PARENT" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.2; done
stop
"#;

/// How long a server may take to answer its readiness check.
pub(crate) const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server process and its dir.
#[derive(Debug)]
pub(crate) struct ServiceProcess {
    watchdog: Child,
    log: PathBuf,
    dir: TempDir,
}

impl ServiceProcess {
    /// Starts `program args...` with its output in `dir/<log_name>`.
    pub(crate) fn spawn(
        program: &Path,
        args: &[String],
        dir: TempDir,
        log_name: &str,
    ) -> io::Result<ServiceProcess> {
        let log = dir.path().join(log_name);
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("sh")
            .arg(program)
            .args(args)
            .env("LOG", &log)
            .env("DIR", dir.path())
            .env("PARENT", std::process::id().to_string())
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot run sh for {program:?}: {e}")))?;
        Ok(ServiceProcess { watchdog, log, dir })
    }

    /// The server's dir.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Polls `ready` until it says yes; fails when the server exits or `timeout` passes,
    /// with the end of its log.
    pub(crate) fn wait_ready(
        &mut self,
        what: &str,
        mut ready: impl FnMut() -> bool,
    ) -> io::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if ready() {
                return Ok(());
            }
            if let Some(status) = self.watchdog.try_wait()? {
                return Err(io::Error::other(format!(
                    "{what} exited ({status}) before it was ready; its log:\n{}",
                    self.log_tail()
                )));
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "{what} not ready after {READY_TIMEOUT:?}; its log:\n{}",
                        self.log_tail()
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The last lines of the server's log.
    pub(crate) fn log_tail(&self) -> String {
        let log = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Whether the log says the port was taken (another process bound it first).
    pub(crate) fn port_was_taken(&self) -> bool {
        fs::read_to_string(&self.log).is_ok_and(|l| l.contains("address already in use"))
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.watchdog.id().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if !matches!(self.watchdog.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.watchdog.kill();
        let _ = self.watchdog.wait();
    }
}

/// The path of a server binary from a Debian package, or a clear error naming the package.
pub(crate) fn require_binary(path: &str, package: &str) -> io::Result<PathBuf> {
    let path = PathBuf::from(path);
    if path.is_file() {
        Ok(path)
    } else {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "{} not found: install the Debian package `{package}` \
                 (apt-get install -y {package}; scripts/test.sh does)",
                path.display()
            ),
        ))
    }
}

/// Starts a server up to three times on fresh free ports: `attempt` returns the ready
/// server, `Ok(Err(process))` when its port was taken (the process is then stopped and
/// another attempt made), or an error.
pub(crate) fn start_with_retries<T>(
    what: &str,
    mut attempt: impl FnMut() -> io::Result<Result<T, ServiceProcess>>,
) -> io::Result<T> {
    for _ in 0..3 {
        if let Ok(server) = attempt()? {
            return Ok(server);
        }
    }
    Err(io::Error::other(format!(
        "{what} did not start: its port was taken three times"
    )))
}

/// Waits for `process` to be ready: the ready server from `make`, `Ok(Err(process))` when
/// the port was taken, or the error with the server's log.
pub(crate) fn ready_or_retry<T>(
    mut process: ServiceProcess,
    what: &str,
    ready: impl FnMut() -> bool,
    make: impl FnOnce(ServiceProcess) -> T,
) -> io::Result<Result<T, ServiceProcess>> {
    match process.wait_ready(what, ready) {
        Ok(()) => Ok(Ok(make(process))),
        Err(_) if process.port_was_taken() => Ok(Err(process)),
        Err(e) => Err(e),
    }
}
