//! The `pulsegrid` command line: `serve`, `check dashboards`, `check rules`, `--version`,
//! `--help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pulsegrid_server::Config;
use pulsegrid_server::provisioning::check_paths;

/// Pulsegrid: real-time dashboards and alerting, with dashboards and rules as code.
#[derive(Debug, Parser)]
#[command(name = "pulsegrid", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the service (HTTP API, UI, provisioning).
    Serve {
        /// TOML configuration file; every key can be overridden by a PULSEGRID_* variable.
        #[arg(long, short, env = "PULSEGRID_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Validate files without running the service.
    #[command(subcommand)]
    Check(Check),
}

#[derive(Debug, Subcommand)]
enum Check {
    /// Validate dashboard JSON files or directories as provisioning would; exit 1 on any error.
    Dashboards {
        /// Files or directories (searched recursively for *.json).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Validate alert rule files (Prometheus' format and Pulsegrid rules) as `promtool check
    /// rules` does; exit 1 on any error.
    Rules {
        /// Files or directories (searched recursively for *.yml and *.yaml).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { config } => serve(config),
        Command::Check(Check::Dashboards { paths }) => check_dashboards(&paths),
        Command::Check(Check::Rules { paths }) => check_rules(&paths),
    }
}

fn serve(config_file: Option<PathBuf>) -> ExitCode {
    let config = match Config::load(config_file.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pulsegrid: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pulsegrid: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(pulsegrid_server::serve::serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("pulsegrid: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check_dashboards(paths: &[PathBuf]) -> ExitCode {
    let report = check_paths(paths);
    for error in &report.errors {
        eprintln!("{error}");
    }
    if report.errors.is_empty() {
        println!("{} dashboard file(s) OK", report.files);
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "{} error(s) in {} dashboard file(s)",
            report.errors.len(),
            report.files
        );
        ExitCode::FAILURE
    }
}

fn check_rules(paths: &[PathBuf]) -> ExitCode {
    let report = pulsegrid_alerting::rules::check_paths(paths);
    if report.is_success() {
        print!("{report}");
        ExitCode::SUCCESS
    } else {
        eprint!("{report}");
        ExitCode::FAILURE
    }
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
