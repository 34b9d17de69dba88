//! `cargo failtale serve`: the library's [`failtale_serve::Server`] with the
//! pipeline `analyze` runs, the history store and the `[serve]` settings.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use failtale_core::history::annotate::HistoryOptions;
use failtale_serve::{ServeOptions, Server, Tokens};

use crate::cli::{AnalysisArgs, LlmArgs};
use crate::errors::CliError;
use crate::history_cmd::RecordArgs;

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Default: `[serve] listen`, else 127.0.0.1:5050.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// History shared by every upload: a SQLite file, or a PostgreSQL URL
    /// (`postgres://user:password@host/db`) for several servers and runners
    /// sharing one. Default: `[history] path`, else `.failtale/server.db`.
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,

    /// Configuration file (default: `failtale.toml` in the current directory).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// A file of SHA-256 digests of the accepted tokens, one per line
    /// (`printf %s TOKEN | sha256sum`). Default: `[serve] token_file`.
    /// FAILTALE_SERVE_TOKENS, when set, is used instead.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// Serve without tokens (refused unless the address is loopback).
    #[arg(long)]
    pub no_auth: bool,

    /// Largest request body in bytes, after decompression. Default:
    /// `[serve] body_limit`, else 268435456 (256 MiB).
    #[arg(long, value_name = "BYTES")]
    pub body_limit: Option<usize>,

    /// Pipelines running at once; further requests wait, then get 503.
    /// Default: `[serve] pipelines`, else the number of cores.
    #[arg(long, value_name = "N")]
    pub pipelines: Option<usize>,

    /// Seconds one request may take. Default: `[serve] request_timeout`, else 600.
    #[arg(long, value_name = "SECS")]
    pub request_timeout: Option<u64>,

    /// Runs kept per branch (0 keeps all). Default: `[history] keep_runs`, else 500.
    #[arg(long, value_name = "N")]
    pub keep_runs: Option<usize>,

    /// Never use the network for analyses: offline rules and known issues only.
    #[arg(long)]
    pub offline: bool,

    /// Which LLM, if any, and how it is asked.
    #[command(flatten)]
    pub llm: LlmArgs,

    /// Directory with your own report.html.tera and/or summary.md.tera.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// The environment variable holding the accepted tokens, comma-separated.
pub const TOKENS_ENV: &str = "FAILTALE_SERVE_TOKENS";

/// `cargo failtale serve`.
pub fn serve(args: &ServeArgs, err: &mut dyn Write) -> Result<ExitCode, CliError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let config = crate::config::load(args.config.as_deref(), &cwd)?;
    let settings = config.serve.clone();
    let config_path = config.path.clone().unwrap_or_default();
    let listen: SocketAddr = match (args.listen, &settings.listen) {
        (Some(a), _) => a,
        (None, Some(text)) => text.parse().map_err(|e| CliError::Config {
            path: config_path.clone(),
            message: format!(
                "[serve] listen = {text:?}: {e} (write an address such as 0.0.0.0:5050)"
            ),
        })?,
        (None, None) => SocketAddr::from(([127, 0, 0, 1], 5050)),
    };
    let tokens = if args.no_auth {
        None
    } else {
        let from_env = std::env::var(TOKENS_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty());
        let file = args.token_file.clone().or(settings.token_file.clone());
        match (from_env, file) {
            (Some(list), _) => Some(
                Tokens::from_list(&list)
                    .map_err(|e| CliError::Serve(format!("{TOKENS_ENV}: {e}")))?,
            ),
            (None, Some(file)) => {
                Some(Tokens::from_digest_file(&file).map_err(|e| CliError::Serve(e.to_string()))?)
            }
            (None, None) => {
                return Err(CliError::Serve(format!(
                    "no token configured: set {TOKENS_ENV} (comma-separated tokens), or name a file of their SHA-256 digests with --token-file or `token_file` in [serve]; --no-auth serves a loopback address without tokens"
                )));
            }
        }
    };
    if tokens.is_none() && !listen.ip().is_loopback() {
        return Err(CliError::Serve(format!(
            "--no-auth is only allowed on a loopback address (127.0.0.1, ::1), not {listen}: configure tokens to serve other hosts"
        )));
    }
    let path = args
        .history
        .clone()
        .or_else(|| config.history.path.clone())
        .unwrap_or_else(|| cwd.join(".failtale").join("server.db"));
    let store = failtale_history::open_location(&path)?;
    let analysis = AnalysisArgs {
        out: None,
        offline: args.offline,
        llm: args.llm.clone(),
        max_clusters: 10,
        config: args.config.clone(),
        templates: args.templates.clone(),
        quiet: true,
        timings: false,
        keep_passing_output: false,
        history: RecordArgs {
            history: None,
            no_history: true,
            commit: None,
            branch: None,
            keep_runs: None,
            keep_days: None,
        },
    };
    let keep_runs = crate::history_cmd::keep_runs(args.keep_runs, &config.history);
    let window = config.history.window;
    let (pipeline, llm_stats) = crate::analyze::build_pipeline(
        &analysis,
        config,
        &cwd,
        Some(store.clone() as Arc<dyn failtale_core::history::HistoryStore>),
        &|a| a,
        err,
    )?;
    let defaults = ServeOptions::default();
    let mut options = defaults.clone();
    options.body_limit = args
        .body_limit
        .or(settings.body_limit)
        .unwrap_or(defaults.body_limit);
    options.pipelines_at_once = args
        .pipelines
        .or(settings.pipelines)
        .unwrap_or(defaults.pipelines_at_once)
        .max(1);
    options.request_timeout = args
        .request_timeout
        .or(settings.request_timeout)
        .map_or(defaults.request_timeout, Duration::from_secs);
    options.tokens = tokens;
    options.stability_window = window.unwrap_or(defaults.stability_window).max(1);
    if let Some(stats) = llm_stats {
        options.extra_metrics.push(Arc::new(LlmMetrics(stats)));
    }
    options.templates = args.templates.clone();
    options.history = HistoryOptions {
        keep_per_branch: keep_runs,
        ..HistoryOptions::default()
    };
    let server = Server::new(pipeline, store, options);
    server
        .check_listen(listen)
        .map_err(|e| CliError::Serve(e.to_string()))?;
    init_logs();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Output)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| CliError::Serve(format!("cannot listen on {listen}: {e}")))?;
        let bound = listener.local_addr().map_or(listen, |a| a);
        writeln!(
            err,
            "failtale: serving on http://{bound} (history: {})",
            failtale_history::display_location(&path)
        )?;
        err.flush()?;
        server
            .serve(listener, failtale_serve::shutdown_signal())
            .await
            .map_err(|e| CliError::Serve(e.to_string()))
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Logs on standard error: JSON lines when it is not a terminal (a service
/// manager, a container), readable lines on one (coloured unless NO_COLOR).
fn init_logs() {
    let stderr = std::io::stderr();
    let terminal = stderr.is_terminal();
    let builder = tracing_subscriber::fmt().with_writer(std::io::stderr);
    let _ = if terminal {
        builder
            .with_ansi(std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
            .try_init()
    } else {
        builder.json().with_ansi(false).try_init()
    };
}

/// The LLM client's HTTP counters, for `/metrics`.
#[derive(Debug)]
struct LlmMetrics(Arc<failtale_llm::http::Stats>);

impl failtale_serve::MetricsSource for LlmMetrics {
    fn render(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = writeln!(
            out,
            "# HELP failtale_llm_requests_total HTTP requests sent to the LLM provider, retries included."
        );
        let _ = writeln!(out, "# TYPE failtale_llm_requests_total counter");
        let _ = writeln!(out, "failtale_llm_requests_total {}", self.0.attempts());
        let _ = writeln!(
            out,
            "# HELP failtale_llm_retries_total Requests to the LLM provider retried (rate limits, errors)."
        );
        let _ = writeln!(out, "# TYPE failtale_llm_retries_total counter");
        let _ = writeln!(out, "failtale_llm_retries_total {}", self.0.delays().len());
    }
}
