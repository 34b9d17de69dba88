//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Turn failed test runs into explanations people can act on.
///
/// failtale reads the result files test runners already write — JUnit XML
/// from any language (Maven Surefire, Gradle, pytest, Jest, go-junit-report,
/// gotestsum, PHPUnit, googletest, Bazel, nextest, …) and Rust libtest JSON —
/// and groups the failures by root cause.
#[derive(Debug, Parser)]
#[command(
    name = "cargo failtale",
    bin_name = "cargo failtale",
    version,
    propagate_version = true
)]
#[command(
    after_help = "Without a command, runs `cargo failtale test`: the workspace's tests, analysed.\n\
    Run `cargo failtale analyze --help` for reading result files you already have.\n\
    Called directly, the binary works the same: `cargo-failtale analyze target/nextest/ci/junit.xml`.\n\n\
    Exit codes: 0 done (failing tests are findings); 1 failing tests with --fail-on-failures;\n\
    2 cannot run as asked (arguments, paths, configuration, templates); 3 failtale could not do\n\
    its job (an output or the history store could not be written). `test` exits with the test run's code."
)]
pub struct Cli {
    /// When to use colours: `auto` follows the terminal, NO_COLOR and CLICOLOR_FORCE.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,

    /// What to do (default: `test`).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the workspace's tests and explain their failures (the default).
    ///
    /// Runs `cargo nextest run` when cargo-nextest is installed and the
    /// workspace has a .config/nextest.toml (or with --nextest), else
    /// `cargo test`, reading their machine-readable output as it streams:
    /// progress on stderr, and each new failure's analysis starts while
    /// the other tests still run. Then writes the same outputs as `analyze`.
    Test(crate::test_cmd::TestArgs),
    /// Read result files and explain their failures.
    ///
    /// Each PATH is a result file, a directory (searched recursively for
    /// *.xml, *.json, *.jsonl and *.ndjson files whose content is JUnit XML or
    /// libtest JSON), or `-` for standard input. The format is detected from
    /// the content, never the file name. A file that cannot be read is
    /// reported with the line, column and element where it broke; the other
    /// files still count.
    ///
    /// Writes into the output directory (`--out`, else `target/failtale/`
    /// inside a cargo workspace, else `.failtale/`): report.html (one
    /// self-contained page to open in a browser), summary.md (also appended
    /// to $GITHUB_STEP_SUMMARY when set), report.json (the versioned,
    /// machine-readable report), and junit.xml (the results with each
    /// failure's cluster, root cause and fix added, for the JUnit viewers CI
    /// systems already have). Under GitHub Actions it also prints one
    /// annotation per root cause.
    ///
    /// Records the run in the history store (`history.db` in the output
    /// directory unless `--history` says otherwise; `--no-history` skips it)
    /// and adds to report.json, per cluster, when it was first and last seen,
    /// and per failure, how likely it is a flake and why.
    #[command(after_help = "Examples:\n  \
        cargo failtale analyze target/nextest/default/junit.xml\n  \
        cargo-failtale analyze build/test-results/            # Gradle\n  \
        cargo-failtale analyze target/surefire-reports/       # Maven\n  \
        pytest --junitxml=results.xml; cargo-failtale analyze results.xml\n  \
        go test -json ./... | go-junit-report > report.xml; cargo-failtale analyze report.xml\n  \
        cargo test -- -Z unstable-options --format json | cargo-failtale analyze -")]
    Analyze(AnalyzeArgs),
    /// Show how stable each test has been over its recent runs, worst first.
    ///
    /// Reads the history that `analyze` records and `history import`
    /// backfills. Each test gets a grade (A–F), a verdict (stable, flaky,
    /// broken, fixed, new) with its reason, its flakiness, pass rate and
    /// trend. Skipped runs do not count. The formula is in docs/stability.md.
    Flaky(crate::history_cmd::FlakyArgs),
    /// Manage the history store.
    #[command(subcommand)]
    History(crate::history_cmd::HistoryCommand),
    /// Show a saved report.json again: the summary, the GitHub annotations
    /// (under GitHub Actions) and the documents.
    ///
    /// Every text in the file passes through the sanitizer again before it is
    /// shown, so a report edited by hand cannot bring a secret back.
    #[command(after_help = "Examples:\n  \
        cargo failtale report target/failtale/report.json\n  \
        cargo-failtale report ci-artifacts/report.json --out review/")]
    Report(crate::report_cmd::ReportArgs),
    /// Write a failtale.toml listing every option with its default, commented.
    Init(crate::init_cmd::InitArgs),
    /// Serve failtale over HTTP for many CI runners and test harnesses.
    ///
    /// Runners upload result files (`POST /v1/runs`, JUnit XML or libtest
    /// JSON, gzip accepted, several files as multipart/form-data); each
    /// upload runs the whole pipeline, is recorded in the history store and
    /// keeps its report.json, report.html, junit.xml and summary.md, served
    /// at `/v1/runs/{id}/…`. A harness's failure hook asks `POST
    /// /v1/analyze`. `/v1/flaky` is the stability table over every runner's
    /// runs. `/openapi.json` describes the API; `/metrics` is Prometheus
    /// text; `/healthz` needs no token.
    ///
    /// Every endpoint but /healthz needs `Authorization: Bearer TOKEN`: the
    /// tokens are FAILTALE_SERVE_TOKENS (comma-separated) or the SHA-256
    /// digests in `[serve] token_file` / --token-file. Without a token the
    /// server refuses to start unless --no-auth is given and the address is
    /// loopback. Stops gracefully on SIGTERM or Ctrl-C, finishing the
    /// requests already running.
    #[command(after_help = "Examples:\n  \
        FAILTALE_SERVE_TOKENS=s3cret cargo-failtale serve --listen 0.0.0.0:5050\n  \
        curl -H 'Authorization: Bearer s3cret' -H 'Content-Type: application/xml' \\\n    \
        --data-binary @target/nextest/ci/junit.xml 'http://HOST:5050/v1/runs?branch=main&job=linux'\n  \
        cargo-failtale serve --no-auth        # loopback only, for a local try")]
    Serve(crate::serve_cmd::ServeArgs),
}

/// Options of `analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Result files, directories to search, or `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Where the report goes and how failures are analysed.
    #[command(flatten)]
    pub analysis: AnalysisArgs,

    /// Exit with status 1 when the results contain failing tests (default:
    /// 0 whenever the analysis completed, so CI keeps the test step's verdict).
    #[arg(long)]
    pub fail_on_failures: bool,
}

/// The options `analyze` and `test` share: where the report goes and how
/// failures are analysed.
#[derive(Debug, Args)]
pub struct AnalysisArgs {
    /// Directory to write report.json, report.html, summary.md and junit.xml
    /// into (default: target/failtale/ in a cargo workspace, else .failtale/).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Never use the network: analyze with the offline rules and
    /// failtale-known-issues.toml only, even when a provider is configured.
    #[arg(long)]
    pub offline: bool,

    /// Which LLM, if any, and how it is asked.
    #[command(flatten)]
    pub llm: LlmArgs,

    /// Show at most this many clusters in the terminal (all are in report.json).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub max_clusters: usize,

    /// Configuration file (default: `failtale.toml` in the current directory
    /// — for `test`, next to Cargo.toml — when present).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Directory with your own `report.html.tera` and/or `summary.md.tera`,
    /// used instead of the built-in templates of the same name (report.html
    /// and summary.md are written next to report.json).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// Print only the summary line and the report path.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Print how long each stage took (reading or running the tests,
    /// sanitize, cluster, analyze, history, outputs) to standard error:
    /// where the time of a slow run goes.
    #[arg(long)]
    pub timings: bool,

    /// Keep the captured output (system-out, system-err) of JUnit tests
    /// that passed and of suites whose tests all passed, so the enriched
    /// junit.xml carries it. Off by default: failtale explains failures,
    /// and on a large run passing output is most of what it would hold.
    #[arg(long)]
    pub keep_passing_output: bool,

    /// Where and how the run is recorded in the history store.
    #[command(flatten)]
    pub history: crate::history_cmd::RecordArgs,
}

/// The LLM options `analyze` and `test` share.
#[derive(Debug, Default, Clone, Args)]
pub struct LlmArgs {
    /// LLM provider: openai, groq, ollama, anthropic or custom. Without it the
    /// provider is detected from OLLAMA_HOST, GROQ_API_KEY, OPENAI_API_KEY or
    /// ANTHROPIC_API_KEY; with none, the offline rules are used.
    #[arg(long, value_name = "NAME", conflicts_with = "offline")]
    pub provider: Option<String>,

    /// Model name (default: `model` in [llm], else a small model of the provider).
    #[arg(long, value_name = "NAME", conflicts_with = "offline")]
    pub model: Option<String>,

    /// Base URL of an OpenAI-compatible API (implies `--provider custom` when no provider is given).
    #[arg(long, value_name = "URL", conflicts_with = "offline")]
    pub llm_base_url: Option<String>,

    /// Clusters sent to the LLM at once [default: 4, or `concurrency` in [llm]].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub llm_concurrency: Option<u16>,

    /// One request per cluster instead of analyzer + critic (for small local models).
    #[arg(long)]
    pub single_pass: bool,
}

/// Colour choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour when writing to a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it).
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorWhen {
    /// The anstream choice.
    pub fn choice(self) -> anstream::ColorChoice {
        match self {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        }
    }
}
