//! `cargo failtale report <report.json>`: shows a saved report again.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use failtale_core::report::Report;
use failtale_core::sanitize::RuleSanitizer;
use failtale_core::{Redactions, Sanitized};

use failtale_core::output::{Finished, Output, OutputDir, ReportJson, finish_all};
use report_templates::terminal::SummaryOptions;
use report_templates::{
    GithubAnnotations, HtmlReport, MarkdownSummary, SharedWrite, TerminalSummary,
};

use crate::errors::CliError;

/// Options of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A report.json written by `cargo failtale analyze`.
    #[arg(value_name = "REPORT_JSON")]
    pub report: PathBuf,

    /// Directory to write the documents (report.html, summary.md) and a
    /// re-sanitized copy of report.json into. Default: the report's own
    /// directory, where report.json is left as it is.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Show at most this many clusters in the terminal.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub max_clusters: usize,

    /// Print only the summary line and the report path.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Configuration file whose `[sanitize]` rules apply (default:
    /// `failtale.toml` in the current directory, when present).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Exit with status 1 when the report has failing tests.
    #[arg(long)]
    pub fail_on_failures: bool,

    /// Directory with your own `report.html.tera` and/or `summary.md.tera`,
    /// used instead of the built-in templates of the same name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// The exit code of a completed analysis: 1 when asked to fail on failures
/// and there are failing tests, else 0.
pub fn exit_code(report: &Report, fail_on_failures: bool) -> ExitCode {
    let failing = report.summary.failed + report.summary.errors;
    if fail_on_failures && failing > 0 {
        ExitCode::from(crate::errors::exit::TESTS_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

/// Loads, re-sanitizes and shows the report; writes the documents.
pub fn report(args: &ReportArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let config = crate::config::load(args.config.as_deref(), &cwd)?;
    let sanitizer =
        RuleSanitizer::from_process_env(&config.sanitize).map_err(|e| CliError::Config {
            path: config.path.clone().unwrap_or_default(),
            message: format!("[sanitize]: {e}"),
        })?;
    let report = load(&args.report, &sanitizer)?;
    let env = |k: &str| std::env::var(k).ok();
    // With --out, a re-sanitized copy of report.json goes there too.
    let mut copy = args.out.as_deref().map(ReportJson::in_dir);
    let (dir, json) = match &copy {
        Some(j) => (args.out.clone().unwrap_or_default(), j.path().to_owned()),
        None => {
            let dir = args
                .report
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_owned);
            (dir, args.report.clone())
        }
    };
    let mut html = HtmlReport::in_dir(&dir, args.templates.as_deref());
    let mut markdown =
        MarkdownSummary::in_dir(&dir, args.templates.as_deref()).with_step_summary_from(&env);
    let shared = SharedWrite::new(out);
    let mut terminal = TerminalSummary::new(
        &shared,
        &json,
        SummaryOptions {
            max_clusters: args.max_clusters,
            quiet: args.quiet,
        },
    );
    let mut annotations = GithubAnnotations::from_env(&shared, &dir.join("report.html"), &env);
    let mut outputs: Vec<&mut dyn Output> = Vec::new();
    if let Some(copy) = &mut copy {
        outputs.push(copy);
    }
    outputs.extend([
        &mut html as &mut dyn Output,
        &mut markdown,
        &mut terminal,
        &mut annotations,
    ]);
    // Every output is attempted; the first failure is the error.
    // Into --out, the documents are a set of their own (locked, with a
    // manifest); beside the saved report they are added to its set, whose
    // manifest stays as its run wrote it.
    let done = Finished::new(&report, None);
    let (_, failed) = match &args.out {
        Some(out) => OutputDir::new(out).finish_all(&mut outputs, &done),
        None => finish_all(&mut outputs, &done),
    };
    if let Some((_, e)) = failed.into_iter().next() {
        return Err(e.into());
    }
    Ok(exit_code(&report, args.fail_on_failures))
}

/// Reads `path` through the sanitizer.
fn load(path: &Path, sanitizer: &RuleSanitizer) -> Result<Sanitized<Report>, CliError> {
    let file = std::fs::File::open(path).map_err(|e| CliError::ReportLoad {
        path: path.to_owned(),
        source: failtale_core::report::ReportLoadError::Read(e),
    })?;
    Report::load_sanitized(
        std::io::BufReader::new(file),
        sanitizer,
        &mut Redactions::new(),
    )
    .map_err(|source| CliError::ReportLoad {
        path: path.to_owned(),
        source,
    })
}
