//! A throwaway RabbitMQ node (the Debian `rabbitmq-server` package) on free ports, with its
//! own `epmd`, node name, cookie, Mnesia and log dirs in a temp dir, so it never meets the
//! machine's own RabbitMQ (5672, epmd on 4369).
//!
//! RabbitMQ takes seconds to boot: share one node per test binary ([`RabbitMq::shared`]) and
//! give each test its own queue and exchange names; a test that stops the broker starts its own.

use std::fs;
use std::io;
use std::net::{Ipv4Addr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::free_port;
use crate::process::{ServiceProcess, require_binary};

/// Where Debian installs the RabbitMQ scripts (the `/usr/sbin` wrappers switch user).
const RABBITMQ_SERVER_BIN: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const RABBITMQCTL_BIN: &str = "/usr/lib/rabbitmq/bin/rabbitmqctl";

/// Starts a private epmd, waits for it, then runs the node; stops both on TERM.
const RUN_SCRIPT: &str = r#"
epmd -port "$ERL_EPMD_PORT" -address 127.0.0.1 & epmd_pid=$!
until epmd -port "$ERL_EPMD_PORT" -names >/dev/null 2>&1; do sleep 0.05; done
"$RABBITMQ_SERVER" & node_pid=$!
trap 'kill "$node_pid" 2>/dev/null; wait "$node_pid"; kill "$epmd_pid" 2>/dev/null; exit 0' TERM INT
wait "$node_pid"
kill "$epmd_pid" 2>/dev/null
"#;

/// A RabbitMQ node in a temp dir, stopped on drop. User `guest`, password `guest`.
#[derive(Debug)]
pub struct RabbitMq {
    process: Option<ServiceProcess>,
    port: u16,
    dist_port: u16,
    epmd_port: u16,
    home: PathBuf,
}

impl RabbitMq {
    /// Starts a node with AMQP on `127.0.0.1:<free port>`; returns once the AMQP port accepts
    /// connections (several seconds).
    ///
    /// Fails with [`io::ErrorKind::NotFound`] when the `rabbitmq-server` package is missing.
    pub fn start() -> io::Result<RabbitMq> {
        let mut server = RabbitMq {
            process: None,
            port: free_port(),
            dist_port: free_port(),
            epmd_port: free_port(),
            home: PathBuf::new(),
        };
        server.restart()?;
        Ok(server)
    }

    /// One node shared by every test of this test binary, started on first use and stopped
    /// when the process exits (by the watchdog).
    ///
    /// # Panics
    ///
    /// When the node cannot start.
    pub fn shared() -> &'static RabbitMq {
        static SHARED: OnceLock<RabbitMq> = OnceLock::new();
        SHARED.get_or_init(|| RabbitMq::start().expect("start the shared RabbitMQ node"))
    }

    /// The AMQP port (127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `amqp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("amqp://127.0.0.1:{}", self.port)
    }

    /// The Erlang node name, `pg<port>@localhost`.
    pub fn node(&self) -> String {
        format!("pg{}@localhost", self.port)
    }

    /// Stops the node (a clean shutdown, closing client connections) and removes its dir.
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Starts the node again (after [`RabbitMq::stop`]) on the same ports, in a fresh dir.
    pub fn restart(&mut self) -> io::Result<()> {
        self.process = None;
        let bin = require_binary(RABBITMQ_SERVER_BIN, "rabbitmq-server")?;
        let dir = tempfile::Builder::new()
            .prefix("pulsegrid-rabbitmq-")
            .tempdir()?;
        let root = dir.path().to_path_buf();
        fs::write(root.join("rabbitmq-env.conf"), "")?;
        fs::write(root.join("enabled_plugins"), "[].\n")?;
        fs::write(
            root.join("rabbitmq.conf"),
            "log.console = true\nlog.console.level = warning\nlog.file = false\n",
        )?;
        let mut script = String::new();
        for (key, value) in self.env(&root) {
            script.push_str(&format!("export {key}='{value}'\n"));
        }
        script.push_str(&format!("export RABBITMQ_SERVER='{}'\n", bin.display()));
        script.push_str(RUN_SCRIPT);
        let script_file = root.join("run.sh");
        fs::write(&script_file, script)?;
        let mut process = ServiceProcess::spawn(
            &PathBuf::from("/bin/sh"),
            &[script_file.display().to_string()],
            dir,
            "rabbitmq.log",
        )?;
        let port = self.port;
        process.wait_ready("rabbitmq-server", || {
            TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok()
        })?;
        self.home = root;
        self.process = Some(process);
        Ok(())
    }

    /// The environment of the node and of `rabbitmqctl`.
    fn env(&self, root: &std::path::Path) -> Vec<(&'static str, String)> {
        let r = root.display();
        vec![
            ("HOME", r.to_string()),
            ("RABBITMQ_CONF_ENV_FILE", format!("{r}/rabbitmq-env.conf")),
            ("RABBITMQ_CONFIG_FILE", format!("{r}/rabbitmq.conf")),
            (
                "RABBITMQ_ENABLED_PLUGINS_FILE",
                format!("{r}/enabled_plugins"),
            ),
            ("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1".to_owned()),
            ("RABBITMQ_NODE_PORT", self.port.to_string()),
            ("RABBITMQ_DIST_PORT", self.dist_port.to_string()),
            ("RABBITMQ_NODENAME", self.node()),
            ("RABBITMQ_MNESIA_BASE", format!("{r}/mnesia")),
            ("RABBITMQ_LOG_BASE", format!("{r}/log")),
            ("RABBITMQ_PID_FILE", format!("{r}/rabbitmq.pid")),
            (
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
                "-start_epmd false".to_owned(),
            ),
            ("ERL_EPMD_PORT", self.epmd_port.to_string()),
            ("ERL_EPMD_ADDRESS", "127.0.0.1".to_owned()),
            (
                "ERL_FLAGS",
                "-kernel inet_dist_use_interface {127,0,0,1}".to_owned(),
            ),
        ]
    }

    /// Runs `rabbitmqctl -n NODE ARGS...` (quiet); returns its output.
    pub fn ctl(&self, args: &[&str]) -> io::Result<String> {
        let bin = require_binary(RABBITMQCTL_BIN, "rabbitmq-server")?;
        let output = Command::new(bin)
            .arg("-q")
            .arg("-n")
            .arg(self.node())
            .args(args)
            .envs(self.env(&self.home))
            .stdin(Stdio::null())
            .output()?;
        if !output.status.success() {
            return Err(io::Error::other(format!(
                "rabbitmqctl {args:?}: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Each queue's name and consumer count.
    pub fn queue_consumers(&self) -> io::Result<Vec<(String, u32)>> {
        let out = self.ctl(&["list_queues", "--no-table-headers", "name", "consumers"])?;
        Ok(out
            .lines()
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let name = fields.next()?.trim();
                let consumers = fields.next()?.trim().parse().ok()?;
                Some((name.to_owned(), consumers))
            })
            .collect())
    }

    /// How many client connections the node has.
    pub fn connection_count(&self) -> io::Result<usize> {
        let out = self.ctl(&["list_connections", "--no-table-headers", "name"])?;
        Ok(out.lines().filter(|l| !l.trim().is_empty()).count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A node starts on its own ports, answers rabbitmqctl, stops and starts again.
    #[test]
    fn starts_stops_and_restarts() {
        let mut server = RabbitMq::start().expect("start rabbitmq");
        assert_eq!(server.queue_consumers().expect("list queues"), []);
        assert_eq!(server.connection_count().expect("list connections"), 0);
        server.stop();
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, server.port())).is_err());
        server.restart().expect("restart");
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, server.port())).is_ok());
    }
}
