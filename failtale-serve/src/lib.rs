//! failtale as an HTTP service: one server for every harness and CI runner.
//!
//! [`Server`] wraps a [`Pipeline`] (the same one `cargo failtale analyze`
//! runs) and a [`RunArchive`] (the history store, which also keeps each
//! run's outputs and the answers to uploads), and serves:
//!
//! | endpoint | does |
//! |---|---|
//! | `POST /v1/runs` | runs the pipeline on uploaded result files, records the run, keeps its outputs |
//! | `GET /v1/runs` | the runs, newest first |
//! | `GET /v1/runs/{id}/{file}` | a run's `report.json`, `report.html`, `junit.xml` or `summary.md` |
//! | `POST /v1/analyze` | the failure hook: one failing test in, its analysis out |
//! | `GET /v1/flaky` | the stability table |
//! | `GET /v1/tests/{id}` | one test's history |
//! | `GET /healthz` | liveness (no token needed) |
//! | `GET /metrics` | Prometheus text |
//! | `GET /openapi.json` | the OpenAPI document of all of the above |
//!
//! Every endpoint but `/healthz` needs `Authorization: Bearer <token>`
//! ([`Tokens`]). Servers keep nothing of their own: any number of them over
//! one store behave as one.
//!
//! Everything a response carries comes from the sanitized run or is
//! sanitized on its way out (error messages quote the uploaded files).

mod api;
mod auth;
mod error;
mod metrics;
mod upload;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use failtale_core::Pipeline;
use failtale_core::history::annotate::HistoryOptions;
use failtale_core::history::{HistoryStore, RunArchive};

pub use api::ApiDoc;
pub use auth::{Tokens, TokensError};
pub use error::ApiError;

/// More lines for `/metrics`, from parts the server does not know (the
/// LLM client's request counters, say), in Prometheus' text format.
pub trait MetricsSource: Send + Sync + std::fmt::Debug {
    /// Appends this source's metrics (with their `# HELP` and `# TYPE` lines).
    fn render(&self, out: &mut String);
}

/// How a [`Server`] behaves; [`ServeOptions::default`] gives the documented defaults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServeOptions {
    /// Largest request body, after gzip decompression (default 256 MiB).
    pub body_limit: usize,
    /// How long one request may take, waiting included (default 10 minutes).
    pub request_timeout: Duration,
    /// Pipelines running at once (default: the number of cores); more
    /// requests wait for a free one.
    pub pipelines_at_once: usize,
    /// How long a request waits for a free pipeline before it is refused
    /// with 503 and `Retry-After` (default 30 s).
    pub queue_wait: Duration,
    /// Who may call; `None` lets anyone (only for a loopback address:
    /// [`Server::check_listen`]).
    pub tokens: Option<Tokens>,
    /// Recent results per test that the stability table grades (default 20).
    pub stability_window: usize,
    /// How runs are recorded (retention).
    pub history: HistoryOptions,
    /// User templates for report.html and summary.md.
    pub templates: Option<PathBuf>,
    /// Where runs' outputs are written before they are stored (default:
    /// the system's temporary directory).
    pub scratch: Option<PathBuf>,
    /// An upload's idempotency key claimed longer ago than this, and never
    /// completed (its server stopped), may be taken over (default 1 hour).
    pub stale_upload: Duration,
    /// Further metrics for `/metrics`.
    pub extra_metrics: Vec<Arc<dyn MetricsSource>>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            body_limit: 256 << 20,
            request_timeout: Duration::from_secs(600),
            pipelines_at_once: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue_wait: Duration::from_secs(30),
            tokens: None,
            stability_window: 20,
            history: HistoryOptions::default(),
            templates: None,
            scratch: None,
            stale_upload: Duration::from_secs(3600),
            extra_metrics: Vec::new(),
        }
    }
}

/// Why a server would not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// No token is configured and the address is not loopback.
    #[error(
        "refusing to serve {addr} without authentication: set FAILTALE_SERVE_TOKENS (comma-separated tokens) or `token_file` in [serve], or use --no-auth with a loopback address such as 127.0.0.1"
    )]
    NoAuth {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// Listening or serving failed.
    #[error("cannot serve on {addr}: {source}")]
    Io {
        /// The address.
        addr: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// What every request handler shares.
pub(crate) struct State {
    pub(crate) pipeline: Pipeline,
    pub(crate) store: Arc<dyn RunArchive>,
    pub(crate) options: ServeOptions,
    pub(crate) slots: Arc<tokio::sync::Semaphore>,
    pub(crate) metrics: metrics::Metrics,
    /// Idempotency keys being processed by this process.
    pub(crate) in_flight: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// The failtale HTTP service (see the [crate documentation](crate)).
#[derive(Clone)]
pub struct Server {
    state: Arc<State>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("options", &self.state.options)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server running `pipeline` (without history: the server records
    /// every uploaded run in `store`, which also keeps the runs' outputs).
    pub fn new(pipeline: Pipeline, store: Arc<dyn RunArchive>, options: ServeOptions) -> Self {
        let history: Arc<dyn HistoryStore> = store.clone();
        let pipeline = pipeline.with_history(history, options.history, None);
        let slots = Arc::new(tokio::sync::Semaphore::new(
            options.pipelines_at_once.max(1),
        ));
        Server {
            state: Arc::new(State {
                pipeline,
                store,
                options,
                slots,
                metrics: metrics::Metrics::default(),
                in_flight: std::sync::Mutex::default(),
            }),
        }
    }

    /// Refuses to serve `addr` without tokens unless it is loopback.
    pub fn check_listen(&self, addr: SocketAddr) -> Result<(), ServeError> {
        if self.state.options.tokens.is_none() && !addr.ip().is_loopback() {
            return Err(ServeError::NoAuth { addr });
        }
        Ok(())
    }

    /// The routes, for embedding in a larger application or for tests.
    pub fn router(&self) -> axum::Router {
        api::router(Arc::clone(&self.state))
    }

    /// Serves on `listener` until `shutdown` completes; requests already
    /// running are then finished before this returns.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let addr = listener
            .local_addr()
            .map_or_else(|_| "?".to_owned(), |a| a.to_string());
        if let Ok(a) = listener.local_addr() {
            self.check_listen(a)?;
        }
        tracing::info!(%addr, "failtale serving");
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|source| ServeError::Io { addr, source })
    }
}

/// Completes on Ctrl-C or, on Unix, SIGTERM: the signals a service manager
/// or a container runtime sends to stop a server gracefully.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing the requests already running");
}
