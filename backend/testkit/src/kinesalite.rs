//! A throwaway kinesalite (the npm package, a local Amazon Kinesis API server) on a free port,
//! in memory, or in a temp data dir that outlives a restart ([`Kinesalite::start_persistent`]).
//! scripts/test.sh installs it into `.test-tools/` at the workspace root.

use std::io;
use std::net::{Ipv4Addr, TcpStream};
use std::path::PathBuf;

use crate::free_port;
use crate::process::ServiceProcess;

/// A kinesalite server, stopped on drop. Any credentials are accepted.
#[derive(Debug)]
pub struct Kinesalite {
    process: Option<ServiceProcess>,
    port: u16,
    /// The LevelDB dir of a persistent server (kept across restarts, removed on drop).
    data: Option<tempfile::TempDir>,
}

impl Kinesalite {
    /// Where scripts/test.sh installs kinesalite's CLI.
    pub fn cli_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../.test-tools/node_modules/kinesalite/cli.js")
    }

    /// Starts kinesalite on `127.0.0.1:<free port>` (streams become active at once); returns
    /// once the port accepts connections.
    ///
    /// Fails with [`io::ErrorKind::NotFound`] when kinesalite or node is not installed.
    pub fn start() -> io::Result<Kinesalite> {
        let mut server = Kinesalite {
            process: None,
            port: free_port(),
            data: None,
        };
        server.restart()?;
        Ok(server)
    }

    /// Like [`Kinesalite::start`], but streams and records live in a temp dir (kinesalite's
    /// `path`, LevelDB) that [`Kinesalite::restart`] keeps: a restart is an outage, not a reset.
    pub fn start_persistent() -> io::Result<Kinesalite> {
        let data = tempfile::Builder::new()
            .prefix("pulsegrid-kinesalite-data-")
            .tempdir()?;
        let mut server = Kinesalite {
            process: None,
            port: free_port(),
            data: Some(data),
        };
        server.restart()?;
        Ok(server)
    }

    /// The port (127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops the server (its streams are lost unless it is persistent).
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Starts it again (after [`Kinesalite::stop`]) on the same port: empty, or with the
    /// streams and records of before when persistent.
    pub fn restart(&mut self) -> io::Result<()> {
        self.process = None;
        let cli = Self::cli_path();
        if !cli.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{} not found: run `npm install --prefix .test-tools kinesalite` at the \
                     workspace root (scripts/test.sh does)",
                    cli.display()
                ),
            ));
        }
        let node = ["/usr/bin/node", "/usr/local/bin/node"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "node not found"))?;
        let dir = tempfile::Builder::new()
            .prefix("pulsegrid-kinesalite-")
            .tempdir()?;
        // The CLI listens on every interface; the module lets us bind loopback only.
        let index = cli.with_file_name("index.js");
        let path = match &self.data {
            Some(data) => format!(", path: {:?}", data.path().display().to_string()),
            None => String::new(),
        };
        let script = format!(
            "require({index:?})({{createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0{path}}})\
             .listen({port}, '127.0.0.1', () => console.log('listening'))",
            index = index.display().to_string(),
            port = self.port
        );
        let args = vec!["-e".to_owned(), script];
        let mut process = ServiceProcess::spawn(&node, &args, dir, "kinesalite.log")?;
        let port = self.port;
        process.wait_ready("kinesalite", || {
            TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok()
        })?;
        self.process = Some(process);
        Ok(())
    }
}
