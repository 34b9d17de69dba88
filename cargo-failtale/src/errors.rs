//! User-facing errors and their exit codes, in one place.

use std::io::{self, Write};
use std::path::PathBuf;

use anstyle::{AnsiColor, Style};

/// The exit codes of `cargo failtale`, for the whole tool.
///
/// | code | meaning |
/// |---|---|
/// | 0 | the command did its job (failing tests are findings, not errors) |
/// | 1 | [`exit::TESTS_FAILED`]: failing tests, with `--fail-on-failures` |
/// | 2 | [`exit::USAGE`]: the command cannot run as asked (arguments, no result files, configuration, a template, an unreadable report.json) |
/// | 3 | [`exit::INTERNAL`]: failtale could not do its job (an output or the history store could not be written) |
///
/// `cargo failtale test` exits with the test run's own code instead
/// (cargo test's 101 when tests fail), unless failtale cannot run it (2).
pub mod exit {
    /// Failing tests, with `--fail-on-failures`.
    pub const TESTS_FAILED: u8 = 1;
    /// The command cannot run as asked: fix the arguments, paths or configuration.
    pub const USAGE: u8 = 2;
    /// failtale could not do its job: an output or the history store failed.
    pub const INTERNAL: u8 = 3;
}

/// Why a command could not run. Test failures are findings, not errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A path on the command line cannot be read.
    #[error(transparent)]
    Input(#[from] failtale_core::input::DiscoverError),
    /// No result files were found under the given directories.
    #[error("no result files found in {}", .0.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", "))]
    NoInputs(Vec<PathBuf>),
    /// The output directory or a report file cannot be written.
    #[error("cannot write `{}`", path.display())]
    Write {
        /// What.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The configuration file cannot be read or is invalid.
    #[error("invalid configuration `{}`: {message}", path.display())]
    Config {
        /// Which file.
        path: PathBuf,
        /// Every problem found, with the key or line it is about.
        message: String,
    },
    /// The history store cannot be used.
    #[error(transparent)]
    History(#[from] failtale_core::history::HistoryError),
    /// No history store at the path a command reads from.
    #[error("no history store at `{}`", .0.display())]
    NoHistory(PathBuf),
    /// Writing to the terminal failed.
    #[error("cannot write output")]
    Output(#[from] io::Error),
    /// The analyzer settings or the known-failures file are unusable.
    #[error("cannot set up analysis: {0}")]
    Analysis(String),
    /// A saved report.json cannot be loaded.
    #[error("cannot load `{}`", path.display())]
    ReportLoad {
        /// Which file.
        path: PathBuf,
        /// Why.
        #[source]
        source: failtale_core::report::ReportLoadError,
    },
    /// A file would be overwritten without `--force`.
    #[error("`{}` already exists", .0.display())]
    Exists(PathBuf),
    /// The server could not start or stopped with an error.
    #[error("cannot serve: {0}")]
    Serve(String),
}

impl From<failtale_core::OutputError> for CliError {
    fn from(e: failtale_core::OutputError) -> Self {
        use failtale_core::OutputError as E;
        match e {
            E::Write { path, source } if path.as_os_str() == "-" => CliError::Output(source),
            E::Write { path, source } => CliError::Write { path, source },
            E::Config { path, message } => CliError::Config { path, message },
            e => CliError::Write {
                path: PathBuf::from("-"),
                source: io::Error::other(e.to_string()),
            },
        }
    }
}

impl CliError {
    /// The process exit code (see [`exit`]): [`exit::USAGE`] for problems
    /// with what the user asked, [`exit::INTERNAL`] when failtale could not
    /// do its job.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_)
            | CliError::NoInputs(_)
            | CliError::Config { .. }
            | CliError::NoHistory(_)
            | CliError::Analysis(_)
            | CliError::ReportLoad { .. }
            | CliError::Exists(_)
            | CliError::Serve(_) => exit::USAGE,
            CliError::Write { .. } | CliError::Output(_) | CliError::History(_) => exit::INTERNAL,
        }
    }

    /// True when output went to a closed pipe (`| head`), which is not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }

    /// A suggestion for fixing the error.
    pub fn hint(&self) -> Option<String> {
        match self {
            CliError::Input(e) if e.source.kind() == io::ErrorKind::NotFound => Some(format!(
                "check the path; result files are usually in target/nextest/*/junit.xml, target/surefire-reports/, build/test-results/ or wherever --junitxml pointed (looked for `{}`)",
                e.path.display()
            )),
            CliError::NoInputs(_) => Some(
                "failtale looks for *.xml, *.json, *.jsonl and *.ndjson files whose content is JUnit XML or libtest JSON; name a file directly to see why it is not read".into(),
            ),
            CliError::Write { .. } => Some("choose another directory with --out DIR".into()),
            CliError::NoHistory(_) => Some(
                "history is recorded by `cargo failtale analyze`; backfill it with `cargo failtale history import DIR`, or point to it with --history PATH".into(),
            ),
            CliError::ReportLoad {
                source: failtale_core::report::ReportLoadError::NewerSchema { .. },
                ..
            } => Some("upgrade with `cargo install cargo-failtale`, or re-run `analyze` on the result files".into()),
            CliError::ReportLoad { .. } => Some(
                "pass the report.json that `cargo failtale analyze` wrote (in --out DIR, target/failtale/ or .failtale/)".into(),
            ),
            CliError::Exists(_) => Some("pass --force to overwrite it, or name another path".into()),
            _ => None,
        }
    }

    /// Writes `error: …`, each cause, and the hint.
    pub fn report(&self, w: &mut dyn Write) -> io::Result<()> {
        // An error can quote its input: no line of it may read as a CI command.
        let mut guard = report_templates::terminal::CommandGuard::new(w);
        let w: &mut dyn Write = &mut guard;
        let red = Style::new().bold().fg_color(Some(AnsiColor::Red.into()));
        let bold = Style::new().bold();
        writeln!(w, "{red}error{red:#}: {self}")?;
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            writeln!(w, "  {bold}caused by{bold:#}: {s}")?;
            source = s.source();
        }
        if let Some(hint) = self.hint() {
            writeln!(w, "  {bold}hint{bold:#}: {hint}")?;
        }
        guard.finish().map(drop)
    }
}
