//! History: recording runs from `analyze`, `cargo failtale flaky` and
//! `cargo failtale history import`.

use report_templates::terminal::OneLine;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use failtale_core::Pipeline;
use failtale_core::history::HistoryStore;
use failtale_core::history::import::{ImportOptions, import};
use failtale_core::history::stability::{StabilityOptions, Verdict, assess_all};
use failtale_core::history::time::now_ms;
use junit_ingest::AutoIngest;

use crate::config::HistoryConfig;
use crate::errors::CliError;
use crate::outdir::output_dir;

/// Runs kept per branch unless `--keep-runs` says otherwise.
pub const DEFAULT_KEEP: usize = 500;

/// History options of `analyze`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// History store to record the run in. Default: `[history] path` in the
    /// configuration, else `history.db` in the output directory (`target/failtale/history.db` in a cargo workspace,
    /// `.failtale/history.db` elsewhere, `DIR/history.db` with `--out DIR`).
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,

    /// Do not read or record history.
    #[arg(long, conflicts_with = "history")]
    pub no_history: bool,

    /// Commit the run belongs to. Default: the CI's variable (GITHUB_SHA,
    /// CI_COMMIT_SHA, BUILDKITE_COMMIT, …), else `git rev-parse HEAD`.
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,

    /// Branch the run belongs to. Default: the CI's variable, else git.
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,

    /// Runs kept per branch; older ones are deleted after recording (0 keeps
    /// all). Default: `[history] keep_runs`, else 500.
    #[arg(long, value_name = "N")]
    pub keep_runs: Option<usize>,

    /// Runs older than N days are deleted after recording. Default:
    /// `[history] keep_days`, else kept.
    #[arg(long, value_name = "N")]
    pub keep_days: Option<u32>,
}

/// Options of `flaky`.
#[derive(Debug, Args)]
pub struct FlakyArgs {
    /// History store to read. Default: `[history] path` in failtale.toml,
    /// else `target/failtale/history.db` in a cargo workspace, else
    /// `.failtale/history.db`.
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,

    /// Print a JSON array of objects (test, grade, verdict, reason,
    /// flakiness, pass_rate, flip_rate, runs, skipped, trend, history, slow)
    /// with every test, worst first.
    #[arg(long)]
    pub json: bool,

    /// How many recent runs of each test to judge. Default: `[history]
    /// window` in failtale.toml, else 20.
    #[arg(long, value_name = "N")]
    pub window: Option<usize>,

    /// Also list tests graded A (stable) in the table.
    #[arg(long)]
    pub all: bool,
}

/// `history` subcommands.
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Backfill the history store from a folder of old result files.
    ///
    /// Each result file directly inside a DIR is one run; each subdirectory
    /// of a DIR is one run made of all the result files under it (one folder
    /// per CI build); a file named directly is one run. Runs are recorded
    /// oldest first, by the timestamps in the files, else by file
    /// modification time.
    Import(ImportArgs),
}

/// Options of `history import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Folders (or files) of old result files.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,

    /// History store to write. Default: as for `flaky`.
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,

    /// Branch recorded for the imported runs.
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,

    /// Runs kept per branch after the import (0 keeps all). Default:
    /// `[history] keep_runs`, else 500.
    #[arg(long, value_name = "N")]
    pub keep_runs: Option<usize>,

    /// Runs older than N days are deleted after the import. Default:
    /// `[history] keep_days`, else kept.
    #[arg(long, value_name = "N")]
    pub keep_days: Option<u32>,
}

use report_templates::style::{BOLD, DIM, GREEN, RED, YELLOW};

/// failtale.toml in the current directory, for the commands that take no
/// `--config`.
fn config_here() -> Result<crate::config::Config, CliError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    crate::config::load(None, &cwd)
}

/// The store `flaky` and `history import` use: `--history`, else
/// `[history] path`, else `history.db` in the default output directory.
fn default_store(explicit: Option<&Path>, config: &HistoryConfig) -> PathBuf {
    match explicit.or(config.path.as_deref()) {
        Some(p) => p.to_owned(),
        None => {
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            output_dir(None, &cwd).join("history.db")
        }
    }
}

/// Where `analyze` keeps its history: `--history`, else `[history] path`,
/// else `history.db` in the output directory; `None` with `--no-history`.
pub fn store_path(args: &RecordArgs, config: &HistoryConfig, out_dir: &Path) -> Option<PathBuf> {
    (!args.no_history).then(|| {
        args.history
            .clone()
            .or_else(|| config.path.clone())
            .unwrap_or_else(|| out_dir.join("history.db"))
    })
}

/// The time `days` days ago, in milliseconds since the epoch.
fn days_ago(days: u32) -> i64 {
    now_ms().saturating_sub(i64::from(days) * 24 * 60 * 60 * 1000)
}

/// Runs kept per branch: the flag, else `[history] keep_runs`, else [`DEFAULT_KEEP`].
pub fn keep_runs(flag: Option<usize>, config: &HistoryConfig) -> usize {
    flag.or(config.keep_runs).unwrap_or(DEFAULT_KEEP)
}

/// `cargo failtale flaky`.
pub fn flaky(args: &FlakyArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let config = config_here()?.history;
    let path = default_store(args.history.as_deref(), &config);
    if !failtale_history::is_database_url(&path) && !path.is_file() {
        return Err(CliError::NoHistory(path));
    }
    let store = failtale_history::open_location(&path)?;
    let opts = StabilityOptions {
        window: args.window.or(config.window).unwrap_or(20).max(1),
        ..StabilityOptions::default()
    };
    let all = assess_all(&store.test_histories(None, opts.window)?, &opts);
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &all).map_err(std::io::Error::from)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let runs = store.run_count()?;
    writeln!(
        out,
        "{BOLD}failtale{BOLD:#}: {} test{} over the last {} run{} of each ({runs} run{} in {})",
        all.len(),
        if all.len() == 1 { "" } else { "s" },
        opts.window,
        if opts.window == 1 { "" } else { "s" },
        if runs == 1 { "" } else { "s" },
        path.display()
    )?;
    let shown: Vec<_> = all
        .iter()
        .filter(|s| args.all || !(s.grade == 'A' && s.verdict == Verdict::Stable))
        .collect();
    if !shown.is_empty() {
        writeln!(
            out,
            "{BOLD}{:<5} {:<7} {:>9} {:>9} {:>5}  {:<9}  TEST{BOLD:#}",
            "GRADE", "VERDICT", "FLAKINESS", "PASS RATE", "RUNS", "TREND"
        )?;
    }
    for s in &shown {
        let style = match s.grade {
            'A' | 'B' => GREEN,
            'C' | 'D' => YELLOW,
            _ => RED,
        };
        writeln!(
            out,
            "{style}{:<5}{style:#} {:<7} {:>9.2} {:>8.1}% {:>5}  {:<9}  {}",
            s.grade,
            s.verdict.as_str(),
            s.flakiness,
            s.pass_rate * 100.0,
            s.runs,
            s.trend.as_str(),
            OneLine(&s.test)
        )?;
        writeln!(out, "      {DIM}{}{DIM:#}", OneLine(&s.reason))?;
        if let Some(slow) = &s.slow {
            writeln!(out, "      {YELLOW}slow{YELLOW:#}: {}", OneLine(slow))?;
        }
    }
    let hidden = all.len() - shown.len();
    if hidden > 0 {
        writeln!(
            out,
            "{GREEN}{hidden} stable test{} graded A not listed{GREEN:#} (--all lists them)",
            if hidden == 1 { "" } else { "s" }
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `cargo failtale history …`.
pub fn history(
    cmd: &HistoryCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    match cmd {
        HistoryCommand::Import(args) => import_cmd(args, out, err),
    }
}

fn import_cmd(
    args: &ImportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    for d in &args.dirs {
        if let Err(source) = std::fs::metadata(d) {
            return Err(CliError::Input(failtale_core::input::DiscoverError {
                path: d.clone(),
                source,
            }));
        }
    }
    let full = config_here()?;
    // The project's own [sanitize] rules apply to what is stored, as in `analyze`.
    let sanitizer =
        failtale_core::RuleSanitizer::from_process_env(&full.sanitize).map_err(|e| {
            CliError::Config {
                path: full.path.clone().unwrap_or_default(),
                message: format!("[sanitize]: {e}"),
            }
        })?;
    let config = full.history;
    let path = default_store(args.history.as_deref(), &config);
    let store = failtale_history::open_location(&path)?;
    let pipeline =
        Pipeline::new(Box::new(AutoIngest::default())).with_sanitizer(Box::new(sanitizer));
    let opts = ImportOptions {
        branch: args.branch.clone(),
        commit: None,
    };
    let store: &dyn HistoryStore = store.as_ref();
    let summary = import(store, &pipeline, &args.dirs, &opts, &|_, _| {})?;
    for e in &summary.errors {
        writeln!(
            err,
            "{YELLOW}warning{YELLOW:#}: {}",
            OneLine(&e.to_string())
        )?;
    }
    for e in &summary.empty {
        writeln!(
            err,
            "{YELLOW}warning{YELLOW:#}: no test results in `{e}`; not recorded"
        )?;
    }
    let keep = keep_runs(args.keep_runs, &config);
    let mut pruned = if keep > 0 { store.prune(keep)? } else { 0 };
    if let Some(days) = args.keep_days.or(config.keep_days) {
        pruned += store.prune_before(days_ago(days))?;
    }
    write!(
        out,
        "imported {} run{} ({} test results) into {}",
        summary.runs,
        if summary.runs == 1 { "" } else { "s" },
        summary.results,
        path.display()
    )?;
    if pruned > 0 {
        write!(
            out,
            "; {pruned} older run{} pruned",
            if pruned == 1 { "" } else { "s" }
        )?;
    }
    writeln!(out)?;
    if summary.runs == 0 {
        return Err(CliError::NoInputs(args.dirs.clone()));
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
