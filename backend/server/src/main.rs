//! The `pulsegrid` command line: `serve`, `check dashboards`, `check rules`, `test rules`,
//! `render`, `--version`, `--help`.

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
    /// Run tests without running the service.
    #[command(subcommand)]
    Test(Test),
    /// Render a dashboard panel to a PNG or SVG file, as GET /render/d/{uid}/{panelId}.png does.
    Render(RenderArgs),
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

#[derive(Debug, Subcommand)]
enum Test {
    /// Run unit tests for alert rules from test files in promtool's format (rule_files,
    /// input_series, alert_rule_test...), as `promtool test rules` does; exit 1 when a test
    /// fails or a file is invalid.
    Rules {
        /// Test files (YAML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { config } => serve(config),
        Command::Check(Check::Dashboards { paths }) => check_dashboards(&paths),
        Command::Check(Check::Rules { paths }) => check_rules(&paths),
        Command::Test(Test::Rules { files }) => test_rules(&files),
        Command::Render(args) => render(args),
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

fn test_rules(files: &[PathBuf]) -> ExitCode {
    let report = pulsegrid_alerting::rules::test_rule_files(files);
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

/// `pulsegrid render`'s arguments.
#[derive(Debug, clap::Args)]
struct RenderArgs {
    /// The dashboard's uid.
    dashboard_uid: String,
    /// The panel's id.
    panel_id: i64,
    /// The file to write; its extension, .png or .svg, picks the format.
    #[arg(long, short)]
    output: PathBuf,
    /// Start of the time range (now-6h, unix ms or RFC 3339); default the dashboard's.
    #[arg(long)]
    from: Option<String>,
    /// End of the time range; default the dashboard's.
    #[arg(long)]
    to: Option<String>,
    /// Image width in pixels.
    #[arg(long, default_value_t = 1000)]
    width: u32,
    /// Image height in pixels.
    #[arg(long, default_value_t = 500)]
    height: u32,
    /// dark or light.
    #[arg(long, default_value = "dark")]
    theme: String,
    /// The time axis' zone: an IANA name (Europe/Berlin) or a UTC offset (+02:00).
    #[arg(long, default_value = "UTC")]
    tz: String,
    /// A dashboard variable's value; repeat a name for several values.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// TOML configuration file (dashboards, datasources, data dir), as for serve.
    #[arg(long, short, env = "PULSEGRID_CONFIG")]
    config: Option<PathBuf>,
}

/// Renders one panel to a file: exit 0, 1 when the dashboard, panel or file cannot be had, 2
/// on bad arguments.
fn render(args: RenderArgs) -> ExitCode {
    use pulsegrid_server::api::render::{RenderFailure, RenderRequest, render_to_file};

    let config = match Config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pulsegrid render: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging("warn");
    let ext = args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    if pulsegrid_render::Format::from_extension(ext).is_none() {
        eprintln!(
            "pulsegrid render: --output: the file name must end in .png or .svg, found {}",
            args.output.display()
        );
        return ExitCode::from(2);
    }
    let mut params: Vec<(String, String)> = vec![
        ("width".into(), args.width.to_string()),
        ("height".into(), args.height.to_string()),
        ("theme".into(), args.theme.clone()),
        ("tz".into(), args.tz.clone()),
    ];
    params.extend(args.from.iter().map(|v| ("from".to_owned(), v.clone())));
    params.extend(args.to.iter().map(|v| ("to".to_owned(), v.clone())));
    for var in &args.vars {
        let Some((name, value)) = var.split_once('=').filter(|(n, _)| !n.is_empty()) else {
            eprintln!("pulsegrid render: --var: expected NAME=VALUE, found {var:?}");
            return ExitCode::from(2);
        };
        params.push((format!("var-{name}"), value.to_owned()));
    }
    let panel_file = format!("{}.{ext}", args.panel_id);
    let request = match RenderRequest::from_params(&args.dashboard_uid, &panel_file, &params) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pulsegrid render: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pulsegrid render: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(render_to_file(&config, &request, &args.output)) {
        Ok(rendered) => {
            for e in &rendered.query_errors {
                eprintln!("pulsegrid render: warning: query {e}");
            }
            println!(
                "wrote {} ({} bytes)",
                args.output.display(),
                rendered.image.bytes.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pulsegrid render: {e:#}");
            match e.downcast_ref::<RenderFailure>() {
                Some(RenderFailure::BadRequest(_)) => ExitCode::from(2),
                _ => ExitCode::FAILURE,
            }
        }
    }
}
