//! A throwaway Redis (the Debian `redis-server` package) on a free port without persistence,
//! that a test can stop and start again on the same port, and `redis-cli` against it.

use std::io::{self, Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::free_port;
use crate::process::{ServiceProcess, ready_or_retry, require_binary, start_with_retries};

/// Where Debian installs Redis.
const REDIS_SERVER_BIN: &str = "/usr/bin/redis-server";
/// Where Debian installs its command-line client.
const REDIS_CLI_BIN: &str = "/usr/bin/redis-cli";

/// A Redis server on 127.0.0.1, stopped on drop.
#[derive(Debug)]
pub struct RedisServer {
    bin: PathBuf,
    process: Option<ServiceProcess>,
    port: u16,
    password: Option<String>,
}

impl RedisServer {
    /// Starts it on a free port; returns once it answers PING.
    ///
    /// Fails with [`io::ErrorKind::NotFound`] when `/usr/bin/redis-server` is missing.
    pub fn start() -> io::Result<RedisServer> {
        Self::start_with_password(None)
    }

    /// Starts it with `requirepass` set to `password` (when given).
    pub fn start_with_password(password: Option<&str>) -> io::Result<RedisServer> {
        let bin = require_binary(REDIS_SERVER_BIN, "redis-server")?;
        require_binary(REDIS_CLI_BIN, "redis-tools")?;
        let password = password.map(str::to_owned);
        start_with_retries("redis-server", || {
            let port = free_port();
            let process = spawn(&bin, port, password.as_deref())?;
            ready_or_retry(
                process,
                "redis-server",
                || ping(port),
                |process| (process, port),
            )
        })
        .map(|(process, port)| RedisServer {
            bin,
            process: Some(process),
            port,
            password,
        })
    }

    /// The URL: `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs `redis-cli -p PORT args...` and returns its output (trimmed).
    pub fn cli(&self, args: &[&str]) -> io::Result<String> {
        let mut cmd = Command::new(REDIS_CLI_BIN);
        cmd.arg("-p").arg(self.port.to_string());
        if let Some(password) = &self.password {
            cmd.env("REDISCLI_AUTH", password);
        }
        let output = cmd.args(args).output()?;
        let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if output.status.success() && !text.starts_with("ERR") {
            Ok(text)
        } else {
            Err(io::Error::other(format!(
                "redis-cli {args:?}: {text} {}",
                String::from_utf8_lossy(&output.stderr)
            )))
        }
    }

    /// Stops the server (clients see their connection drop).
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Starts it again on the same port (after [`RedisServer::stop`]), empty.
    pub fn restart(&mut self) -> io::Result<()> {
        self.process = None;
        let mut process = spawn(&self.bin, self.port, self.password.as_deref())?;
        let port = self.port;
        process.wait_ready("redis-server (restarted)", || ping(port))?;
        self.process = Some(process);
        Ok(())
    }
}

fn spawn(bin: &std::path::Path, port: u16, password: Option<&str>) -> io::Result<ServiceProcess> {
    let dir = tempfile::Builder::new()
        .prefix("pulsegrid-redis-")
        .tempdir()?;
    let mut args = vec![
        "--port".to_owned(),
        port.to_string(),
        "--bind".to_owned(),
        "127.0.0.1".to_owned(),
        "--save".to_owned(),
        String::new(),
        "--appendonly".to_owned(),
        "no".to_owned(),
        "--dir".to_owned(),
        dir.path().display().to_string(),
    ];
    if let Some(password) = password {
        args.push("--requirepass".to_owned());
        args.push(password.to_owned());
    }
    ServiceProcess::spawn(bin, &args, dir, "redis-server.log")
}

/// Whether the server answers (PONG, or NOAUTH when it has a password).
fn ping(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut answer = [0u8; 64];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read(&mut answer).is_ok_and(|n| {
            let text = String::from_utf8_lossy(&answer[..n]);
            text.starts_with("+PONG") || text.contains("NOAUTH")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server starts, answers redis-cli, stops and starts again on the same port.
    #[test]
    fn starts_stops_and_restarts() {
        let mut server = RedisServer::start().expect("start redis-server");
        assert_eq!(server.cli(&["SET", "k", "v"]).expect("set"), "OK");
        server.stop();
        assert!(server.cli(&["PING"]).is_err(), "stopped");
        server.restart().expect("restart");
        assert_eq!(server.cli(&["PING"]).expect("ping"), "PONG");
    }
}
