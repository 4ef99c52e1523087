//! A throwaway Mosquitto MQTT broker (the Debian `mosquitto` package) on a free loopback
//! port, anonymous or with a password file, optionally with a TLS listener; it can be
//! stopped and started again on the same port (reconnect tests). Publishing and reading
//! `$SYS` go through `mosquitto_pub`/`mosquitto_sub` (`mosquitto-clients`), an independent
//! client.

use std::fs;
use std::io;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::free_port;
use crate::process::{ServiceProcess, require_binary};

/// Where Debian installs Mosquitto and its clients.
const MOSQUITTO_BIN: &str = "/usr/sbin/mosquitto";
const MOSQUITTO_PUB: &str = "/usr/bin/mosquitto_pub";
const MOSQUITTO_SUB: &str = "/usr/bin/mosquitto_sub";
const MOSQUITTO_PASSWD: &str = "/usr/bin/mosquitto_passwd";

/// PEM files for a TLS listener: a CA, and a server certificate for 127.0.0.1 it signed.
#[derive(Debug, Clone)]
pub struct TestCertificates {
    /// The CA certificate (PEM), for the client's `tlsCACert`.
    pub ca_pem: String,
    /// The server certificate (PEM).
    pub server_cert_pem: String,
    /// The server's private key (PEM).
    pub server_key_pem: String,
}

impl TestCertificates {
    /// Makes a CA and a server certificate for `127.0.0.1`/`localhost` with `openssl`.
    pub fn generate() -> io::Result<TestCertificates> {
        let dir = tempfile::Builder::new()
            .prefix("pulsegrid-certs-")
            .tempdir()?;
        let d = dir.path();
        let run = |args: &[&str]| -> io::Result<()> {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(d)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| io::Error::new(e.kind(), format!("cannot run openssl: {e}")))?;
            if out.status.success() {
                Ok(())
            } else {
                Err(io::Error::other(format!(
                    "openssl {args:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                )))
            }
        };
        fs::write(
            d.join("server.ext"),
            "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )?;
        run(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=pulsegrid test CA",
        ])?;
        run(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ])?;
        run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ])?;
        Ok(TestCertificates {
            ca_pem: fs::read_to_string(d.join("ca.pem"))?,
            server_cert_pem: fs::read_to_string(d.join("server.pem"))?,
            server_key_pem: fs::read_to_string(d.join("server.key"))?,
        })
    }
}

/// How to run the broker.
#[derive(Debug, Clone, Default)]
pub struct MosquittoOptions {
    /// Users (name, password) in a password file; none means anonymous access.
    pub users: Vec<(String, String)>,
    /// Serve TLS (MQTT over TLS) with these certificates instead of plain TCP.
    pub tls: Option<TestCertificates>,
}

/// A Mosquitto broker in a temp dir, stopped on drop.
#[derive(Debug)]
pub struct Mosquitto {
    process: Option<ServiceProcess>,
    port: u16,
    options: MosquittoOptions,
}

impl Mosquitto {
    /// Starts an anonymous broker on `127.0.0.1:<free port>`, publishing `$SYS` every second.
    ///
    /// Fails with [`io::ErrorKind::NotFound`] when `/usr/sbin/mosquitto` is missing.
    pub fn start() -> io::Result<Mosquitto> {
        Self::start_with(MosquittoOptions::default())
    }

    /// Starts a broker with `options`.
    pub fn start_with(options: MosquittoOptions) -> io::Result<Mosquitto> {
        require_binary(MOSQUITTO_BIN, "mosquitto")?;
        require_binary(MOSQUITTO_PUB, "mosquitto-clients")?;
        let mut last = None;
        for _ in 0..3 {
            let port = free_port();
            match spawn(port, &options) {
                Ok(process) => {
                    return Ok(Mosquitto {
                        process: Some(process),
                        port,
                        options,
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("mosquitto did not start")))
    }

    /// The port it listens on (127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `mqtt://127.0.0.1:PORT` (`mqtts://` with TLS).
    pub fn url(&self) -> String {
        let scheme = if self.options.tls.is_some() {
            "mqtts"
        } else {
            "mqtt"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Stops the broker (its clients see the connection drop); the port stays reserved for
    /// [`Self::restart`] only by convention.
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Starts the broker again on the same port (after [`Self::stop`]), retrying for a few
    /// seconds while the port is still held.
    pub fn restart(&mut self) -> io::Result<()> {
        self.process = None;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match spawn(self.port, &self.options) {
                Ok(process) => {
                    self.process = Some(process);
                    return Ok(());
                }
                Err(e) if Instant::now() > deadline => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }

    /// The broker's log so far (with subscribe/unsubscribe lines).
    pub fn log(&self) -> String {
        self.process
            .as_ref()
            .map(|p| fs::read_to_string(p.dir().join("mosquitto.log")).unwrap_or_default())
            .unwrap_or_default()
    }

    /// Publishes `payload` on `topic` with `mosquitto_pub` (QoS 1, as the first user if the
    /// broker has users).
    pub fn publish(&self, topic: &str, payload: &str) -> io::Result<()> {
        let mut args = self.client_args();
        args.extend(["-q", "1", "-t", topic, "-m", payload].map(str::to_owned));
        run_client(MOSQUITTO_PUB, &args).map(drop)
    }

    /// The broker's `$SYS/broker/subscriptions/count` (refreshed every second), read with
    /// `mosquitto_sub`.
    pub fn subscription_count(&self) -> io::Result<u64> {
        let mut args = self.client_args();
        args.extend(
            [
                "-C",
                "1",
                "-W",
                "5",
                "-t",
                "$SYS/broker/subscriptions/count",
            ]
            .map(str::to_owned),
        );
        let out = run_client(MOSQUITTO_SUB, &args)?;
        out.trim()
            .parse()
            .map_err(|_| io::Error::other(format!("unexpected $SYS subscriptions count {out:?}")))
    }

    fn client_args(&self) -> Vec<String> {
        let mut args = vec![
            "-h".to_owned(),
            "127.0.0.1".to_owned(),
            "-p".to_owned(),
            self.port.to_string(),
        ];
        if let Some((user, password)) = self.options.users.first() {
            args.extend([
                "-u".to_owned(),
                user.clone(),
                "-P".to_owned(),
                password.clone(),
            ]);
        }
        if let Some(process) = &self.process
            && self.options.tls.is_some()
        {
            args.extend([
                "--cafile".to_owned(),
                process.dir().join("ca.pem").display().to_string(),
            ]);
        }
        args
    }
}

fn run_client(program: &str, args: &[String]) -> io::Result<String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| io::Error::new(e.kind(), format!("cannot run {program}: {e}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(io::Error::other(format!(
            "{program} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Writes the config (and password file, certificates) and runs the broker on `port`.
fn spawn(port: u16, options: &MosquittoOptions) -> io::Result<ServiceProcess> {
    let dir = tempfile::Builder::new()
        .prefix("pulsegrid-mosquitto-")
        .tempdir()?;
    let d = dir.path();
    let mut config = format!(
        "listener {port} 127.0.0.1\npersistence false\nsys_interval 1\nlog_dest stderr\n\
         log_type error\nlog_type warning\nlog_type notice\nlog_type information\n\
         log_type subscribe\nlog_type unsubscribe\n"
    );
    // Running as root, Mosquitto would switch to the `mosquitto` user and lose access to
    // the temp dir; stay as whoever runs the tests.
    config.push_str("user root\n");
    if options.users.is_empty() {
        config.push_str("allow_anonymous true\n");
    } else {
        let passwd = d.join("passwd");
        for (i, (user, password)) in options.users.iter().enumerate() {
            let mut cmd = Command::new(require_binary(MOSQUITTO_PASSWD, "mosquitto")?);
            if i == 0 {
                cmd.arg("-c");
            }
            let status = cmd
                .arg("-b")
                .arg(&passwd)
                .arg(user)
                .arg(password)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()?;
            if !status.success() {
                return Err(io::Error::other(format!(
                    "mosquitto_passwd failed: {status}"
                )));
            }
        }
        config.push_str(&format!(
            "allow_anonymous false\npassword_file {}\n",
            passwd.display()
        ));
    }
    if let Some(tls) = &options.tls {
        fs::write(d.join("ca.pem"), &tls.ca_pem)?;
        fs::write(d.join("server.pem"), &tls.server_cert_pem)?;
        fs::write(d.join("server.key"), &tls.server_key_pem)?;
        config.push_str(&format!(
            "cafile {0}/ca.pem\ncertfile {0}/server.pem\nkeyfile {0}/server.key\n",
            d.display()
        ));
    }
    let config_file = d.join("mosquitto.conf");
    fs::write(&config_file, config)?;
    let bin = require_binary(MOSQUITTO_BIN, "mosquitto")?;
    let args = vec!["-c".to_owned(), config_file.display().to_string()];
    let mut process = ServiceProcess::spawn(&bin, &args, dir, "mosquitto.log")?;
    let log = process.dir().join("mosquitto.log");
    let result = process.wait_ready("mosquitto", || {
        TcpStream::connect(("127.0.0.1", port)).is_ok() && listening(&log)
    });
    match result {
        Ok(()) => Ok(process),
        Err(e) => Err(e),
    }
}

/// Whether the log shows the listener open (not merely someone else on the port).
fn listening(log: &Path) -> bool {
    fs::read_to_string(log).is_ok_and(|l| l.contains("Opening ipv4 listen socket"))
}
