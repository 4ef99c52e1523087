//! A throwaway PostgreSQL server per test: `initdb` into a temp dir, `pg_ctl start` on a free
//! port of 127.0.0.1, `pg_ctl stop -m immediate` and the dir removed on drop.
//!
//! The server binaries refuse to run as root, so when the tests run as root every command runs
//! as the `postgres` OS user (`runuser -u postgres --`) in a dir chowned to that user. The unix
//! socket lives inside the temp dir and the server listens on 127.0.0.1 only, so a system
//! PostgreSQL on the same machine is neither used nor disturbed.

use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

use crate::free_port;

/// Where Debian and Ubuntu install the server binaries, one dir per major version.
const PG_LIB_DIR: &str = "/usr/lib/postgresql";
/// The major version the project targets; used when several are installed.
const PREFERRED_MAJOR: u32 = 15;
/// Overrides the bin dir (holding `initdb`, `pg_ctl`, `createdb`) on other layouts.
const BIN_DIR_ENV: &str = "PULSEGRID_PG_BIN_DIR";
/// The OS user that runs the server when the tests run as root.
const PG_OS_USER: &str = "postgres";
/// How often to retry when another process took the free port before the server bound it.
const START_ATTEMPTS: usize = 3;

/// A throwaway PostgreSQL server (version 15 preferred) in a temp dir, stopped on drop.
///
/// Connect as `postgres` without a password (trust auth, 127.0.0.1 only).
#[derive(Debug)]
pub struct PgServer {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    log_file: PathBuf,
    port: u16,
    /// Whether commands run through `runuser -u postgres` (the tests run as root).
    as_postgres_user: bool,
    /// Dropped after [`Drop::drop`] stopped the server, which removes the whole tree.
    dir: TempDir,
}

impl PgServer {
    /// Creates a cluster in a new temp dir and starts it on a free port; returns once the
    /// server accepts connections (`pg_ctl -w`).
    ///
    /// Fails with [`io::ErrorKind::NotFound`] when no `/usr/lib/postgresql/*/bin/initdb` exists
    /// (set `PULSEGRID_PG_BIN_DIR` to use binaries elsewhere).
    pub fn start() -> io::Result<PgServer> {
        let bin_dir = find_bin_dir()?;
        let dir = tempfile::Builder::new()
            .prefix("pulsegrid-pg-")
            .tempdir_in(scratch_base())?;
        let root = dir.path();
        let as_postgres_user = fs::metadata(root)?.uid() == 0;
        let socket_dir = root.join("sock");
        fs::create_dir(&socket_dir)?;
        if as_postgres_user {
            let mut chown = Command::new("chown");
            chown.arg("-R").arg(format!("{PG_OS_USER}:")).arg(root);
            run(chown, "chown")?;
        }

        let server = PgServer {
            data_dir: root.join("data"),
            log_file: root.join("postgres.log"),
            socket_dir,
            port: 0,
            as_postgres_user,
            bin_dir,
            dir,
        };
        server.initdb()?;
        server.start_on_free_port()
    }

    /// The URL of the `postgres` database: `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// The TCP port the server listens on (127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Creates an empty database and returns its URL.
    ///
    /// The name must be a plain identifier (ASCII letters, digits, `_`; at most 63 bytes).
    pub fn create_database(&self, name: &str) -> io::Result<String> {
        let plain = !name.is_empty()
            && name.len() <= 63
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !plain {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "database name {name:?} is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*)"
                ),
            ));
        }
        let mut createdb = self.command("createdb");
        createdb
            .args(["-h", "127.0.0.1", "-U", "postgres", "-p"])
            .arg(self.port.to_string())
            .arg(name);
        run(createdb, "createdb")?;
        Ok(self.database_url(name))
    }

    fn database_url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn initdb(&self) -> io::Result<()> {
        let mut initdb = self.command("initdb");
        initdb
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
            .arg("--no-sync");
        run(initdb, "initdb")?;
        // Trust on the private socket and on 127.0.0.1 only (initdb's default also allows ::1).
        fs::write(
            self.data_dir.join("pg_hba.conf"),
            "local all all trust\nhost all all 127.0.0.1/32 trust\n",
        )?;
        let settings = format!(
            "\n# pulsegrid-testkit: a fast, private throwaway server\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{}'\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n\
             shared_buffers = 16MB\n\
             max_connections = 50\n\
             dynamic_shared_memory_type = mmap\n",
            self.socket_dir.display()
        );
        self.append_config(&settings)
    }

    /// Appends to `postgresql.conf`; a later line overrides an earlier one.
    fn append_config(&self, text: &str) -> io::Result<()> {
        OpenOptions::new()
            .append(true)
            .open(self.data_dir.join("postgresql.conf"))?
            .write_all(text.as_bytes())
    }

    fn start_on_free_port(mut self) -> io::Result<PgServer> {
        let mut attempt = 1;
        loop {
            self.port = free_port();
            self.append_config(&format!("port = {}\n", self.port))?;
            let mut pg_ctl = self.command("pg_ctl");
            pg_ctl
                .arg("-D")
                .arg(&self.data_dir)
                .arg("-l")
                .arg(&self.log_file)
                .args(["-w", "-t", "60", "start"]);
            match run(pg_ctl, "pg_ctl start") {
                Ok(_) => return Ok(self),
                Err(err) => {
                    let log = fs::read_to_string(&self.log_file).unwrap_or_default();
                    let port_taken =
                        log.contains("could not bind") || log.contains("Address already in use");
                    if !port_taken || attempt >= START_ATTEMPTS {
                        let tail: Vec<&str> = log.lines().rev().take(20).collect();
                        let tail: Vec<&str> = tail.into_iter().rev().collect();
                        return Err(io::Error::new(
                            err.kind(),
                            format!(
                                "{err}\nserver log ({}):\n{}",
                                self.log_file.display(),
                                tail.join("\n")
                            ),
                        ));
                    }
                    attempt += 1;
                }
            }
        }
    }

    /// A command for one of the server binaries, run as the postgres user when we are root.
    fn command(&self, binary: &str) -> Command {
        let program = self.bin_dir.join(binary);
        let mut command = if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", PG_OS_USER, "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        // The caller's cwd may not be readable by the postgres user.
        command.current_dir(self.dir.path());
        command
    }

    fn stop(&self) -> io::Result<()> {
        let mut pg_ctl = self.command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", "immediate", "-w", "-t", "30", "stop"]);
        run(pg_ctl, "pg_ctl stop").map(drop)
    }

    /// Last resort when `pg_ctl stop` failed: kill the postmaster named in `postmaster.pid`.
    fn kill_postmaster(&self) {
        let Ok(pid_file) = fs::read_to_string(self.data_dir.join("postmaster.pid")) else {
            return;
        };
        let Some(pid) = pid_file
            .lines()
            .next()
            .and_then(|l| l.trim().parse::<u32>().ok())
        else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if self.port != 0 && self.stop().is_err() {
            self.kill_postmaster();
        }
    }
}

/// Runs `command` to completion, capturing its output; a non-zero exit is an error that
/// carries the output.
fn run(mut command: Command, what: &str) -> io::Result<Output> {
    let output = command.stdin(Stdio::null()).output().map_err(|err| {
        io::Error::new(
            err.kind(),
            format!("cannot run {what} ({command:?}): {err}"),
        )
    })?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(io::Error::other(format!(
            "{what} failed ({}): {command:?}\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        )))
    }
}

/// Where server dirs go: tmpfs `/dev/shm` when there is one (initdb there takes a third of the
/// time it takes on a disk), else `/tmp`. Not `$TMPDIR`: the postgres user must reach the dir.
fn scratch_base() -> &'static Path {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() { shm } else { Path::new("/tmp") }
}

/// The bin dir of the installed server: `$PULSEGRID_PG_BIN_DIR`, else
/// `/usr/lib/postgresql/<major>/bin`, preferring major 15, else the newest.
fn find_bin_dir() -> io::Result<PathBuf> {
    if let Some(dir) = std::env::var_os(BIN_DIR_ENV) {
        return Ok(PathBuf::from(dir));
    }
    let not_found = || {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "PostgreSQL server binaries not found: no {PG_LIB_DIR}/*/bin/initdb \
                 (install postgresql-{PREFERRED_MAJOR}, or set {BIN_DIR_ENV})"
            ),
        )
    };
    let entries = fs::read_dir(PG_LIB_DIR).map_err(|_| not_found())?;
    let mut majors: Vec<(u32, PathBuf)> = entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_initdb(&bin).then_some((major, bin))
        })
        .collect();
    majors.sort_by_key(|(major, _)| (*major == PREFERRED_MAJOR, *major));
    majors.pop().map(|(_, bin)| bin).ok_or_else(not_found)
}

fn has_initdb(bin: &Path) -> bool {
    bin.join("initdb").is_file()
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, TcpStream};

    use super::*;

    /// A started server listens on 127.0.0.1; dropping it stops the server and removes its dir.
    #[test]
    fn starts_creates_databases_and_cleans_up() {
        let server = PgServer::start().expect("start PostgreSQL");
        let port = server.port();
        assert_eq!(
            server.url(),
            format!("postgres://postgres@127.0.0.1:{port}/postgres")
        );
        TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("server accepts connections");
        let url = server.create_database("pulsegrid_test").expect("createdb");
        assert_eq!(
            url,
            format!("postgres://postgres@127.0.0.1:{port}/pulsegrid_test")
        );
        assert!(server.create_database("bad name; drop").is_err());

        let dir = server.dir.path().to_path_buf();
        drop(server);
        assert!(!dir.exists(), "temp dir removed");
        assert!(
            TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err(),
            "server stopped"
        );
    }

    /// Two servers run side by side on different ports.
    #[test]
    fn servers_are_independent() {
        let a = PgServer::start().expect("start first");
        let b = PgServer::start().expect("start second");
        assert_ne!(a.port(), b.port());
    }
}
