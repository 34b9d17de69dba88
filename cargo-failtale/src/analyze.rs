//! `cargo failtale analyze`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use failtale_collect::{ConfiguredCollector, HostPicker};
use failtale_core::Pipeline;
use failtale_core::analyze::{KnownFailures, OfflineAnalyzer};
use failtale_core::history::annotate::HistoryOptions;
use failtale_core::history::lookup::StoreHistory;
use failtale_core::history::{HistoryStore, StoreCache};
use failtale_core::input::discover;
use failtale_core::output::ReportJson;
use failtale_core::pipeline::{IngestReport, Timings};
use failtale_core::sanitize::RuleSanitizer;
use failtale_core::stage::Analyze;
use failtale_llm::provider::{LlmConfig, LlmRequest, resolve};
use failtale_llm::{LlmAnalyzer, LlmHostPicker, LlmSettings};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use junit_ingest::junit::JunitReader;
use junit_ingest::libtest::LibtestReader;
use junit_ingest::{AutoIngest, EnrichedJunit};
use report_templates::style::YELLOW;
use report_templates::terminal::SummaryOptions;
use report_templates::{
    GithubAnnotations, HtmlReport, MarkdownSummary, SharedWrite, TerminalSummary,
};

use crate::cli::{AnalysisArgs, AnalyzeArgs};
use crate::errors::CliError;
use crate::in_app::WorkspaceFingerprint;
use crate::outdir::output_dir;

/// Reads the inputs, runs the pipeline, writes report.json and prints the summary.
pub fn analyze(
    args: &AnalyzeArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    warm_up(args.analysis.templates.is_some());
    let inputs = discover(&args.paths)?;
    if inputs.is_empty() {
        return Err(CliError::NoInputs(args.paths.clone()));
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    crate::outdir::prefetch_metadata(&cwd);
    let setup = Setup::new(args, &cwd, &|a| a, err)?;
    let started = std::time::Instant::now();
    let mut ingested = {
        let bar = progress_bar(inputs.len());
        let report = setup
            .pipeline
            .ingest_with_progress(&inputs, &|done| bar.set_position(done as u64));
        bar.finish_and_clear();
        report
    };
    if ingested.run.inputs.is_empty() {
        return Err(CliError::NoInputs(args.paths.clone()));
    }
    // Commit and branch go in before sanitizing, like everything else stored.
    ingested.run.vcs = Some(crate::vcs::detect(
        args.analysis.history.commit.as_deref(),
        args.analysis.history.branch.as_deref(),
        &|k| std::env::var(k).ok(),
        &cwd,
    ));
    let mut before = Timings::default();
    before.push("read", started.elapsed());
    report_run(args, &setup, ingested, None, before, out, err)
}

/// What `analyze` sets up before reading anything: the pipeline (with its
/// analyzer, sanitizer, fingerprinter and collectors) and where it writes.
pub(crate) struct Setup {
    /// The pipeline.
    pub(crate) pipeline: Pipeline,
    /// The output directory.
    pub(crate) dir: PathBuf,
    /// True when a collector is configured (analyses then see its evidence).
    pub(crate) collects: bool,
}

impl Setup {
    /// Reads the configuration and builds the pipeline; `wrap` may wrap the
    /// analyzer chosen from `args`.
    pub(crate) fn new(
        args: &AnalyzeArgs,
        cwd: &Path,
        wrap: &dyn Fn(Box<dyn Analyze>) -> Box<dyn Analyze>,
        err: &mut dyn Write,
    ) -> Result<Setup, CliError> {
        let cwd = cwd.to_owned();
        let config = crate::config::load(args.analysis.config.as_deref(), &cwd)?;
        let dir = output_dir(args.analysis.out.as_deref(), &cwd);
        let history_path =
            crate::history_cmd::store_path(&args.analysis.history, &config.history, &dir);
        // One store for recording the run and for caching analyses. One that
        // cannot be opened is a warning: the report is still written.
        let store: Option<Arc<dyn HistoryStore>> = match &history_path {
            Some(path) => match failtale_history::open_location(path) {
                Ok(s) => Some(s),
                Err(e) => {
                    writeln!(
                        err,
                        "{YELLOW}warning{YELLOW:#}: run not recorded in history, analyses not cached: {}",
                        failtale_core::error::error_chain(&e)
                    )?;
                    None
                }
            },
            None => None,
        };
        let keep_runs =
            crate::history_cmd::keep_runs(args.analysis.history.keep_runs, &config.history);
        let collects = config.collect.is_some();
        let mut pipeline = build_pipeline(&args.analysis, config, &cwd, store.clone(), wrap, err)?
            .0
            .with_output_dir(&dir);
        if let (Some(store), Some(path)) = (store, &history_path) {
            let options = HistoryOptions {
                keep_per_branch: keep_runs,
                ..HistoryOptions::default()
            };
            pipeline = pipeline.with_history(
                store,
                options,
                Some(failtale_history::display_location(path)),
            );
        }
        Ok(Setup {
            pipeline,
            dir,
            collects,
        })
    }
}

/// The pipeline `analyze`, `test` and `serve` run, from the configuration
/// and the shared options: reader, sanitizer, fingerprinter, analyzer
/// (wrapped by `wrap`) and collectors. Without an output directory or a
/// history to record in: the callers add theirs. `store`, when given,
/// caches analyses. With an LLM, its HTTP counters come back too.
pub(crate) fn build_pipeline(
    args: &AnalysisArgs,
    config: crate::config::Config,
    cwd: &Path,
    store: Option<Arc<dyn HistoryStore>>,
    wrap: &dyn Fn(Box<dyn Analyze>) -> Box<dyn Analyze>,
    err: &mut dyn Write,
) -> Result<(Pipeline, Option<Arc<failtale_llm::http::Stats>>), CliError> {
    // The workspace's crates are in-app; cargo is asked only once a
    // failure needs fingerprinting.
    let fingerprint = {
        let cwd = cwd.to_owned();
        WorkspaceFingerprint::new(move || crate::outdir::workspace_crates(&cwd))
    };
    let sanitizer =
        RuleSanitizer::from_process_env(&config.sanitize).map_err(|e| CliError::Config {
            path: config.path.clone().unwrap_or_default(),
            message: format!("[sanitize]: {e}"),
        })?;
    let (analyzer, llm, llm_stats) = analyzer(
        args,
        &config.llm,
        cwd,
        &|k| std::env::var(k).ok(),
        store,
        err,
    )?;
    let junit = JunitReader {
        keep_passing_output: args.keep_passing_output,
        ..JunitReader::default()
    };
    let ingest = AutoIngest::new(junit, LibtestReader::default());
    let mut pipeline = Pipeline::new(Box::new(ingest))
        .with_sanitizer(Box::new(sanitizer))
        .with_fingerprint(Box::new(fingerprint))
        .with_analyzer(wrap(analyzer));
    if let Some(collect) = config.collect {
        for w in &collect.warnings {
            writeln!(err, "warning: {w}")?;
        }
        // With an LLM, the model may add up to `max_picked_hosts` configured
        // hosts per cluster (by name only, checked against the inventory).
        let picker = llm.map(|s| Box::new(LlmHostPicker::new(s)) as Box<dyn HostPicker>);
        pipeline =
            pipeline.with_collector(Box::new(ConfiguredCollector::with_picker(collect, picker)));
    }
    Ok((pipeline, llm_stats))
}

/// Given what was read, runs the pipeline to the end: every stage, history,
/// and the outputs (report.json, report.html, summary.md, junit.xml, the
/// terminal summary, GitHub annotations).
pub(crate) fn report_run(
    args: &AnalyzeArgs,
    setup: &Setup,
    ingested: IngestReport,
    live: Option<failtale_core::live::Live<'_>>,
    before: Timings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let (pipeline, dir) = (&setup.pipeline, &setup.dir);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Output)?;
    let env = |k: &str| std::env::var(k).ok();
    let ignored = ingested.ignored.len();
    let mut json = ReportJson::in_dir(dir);
    let mut html = HtmlReport::in_dir(dir, args.analysis.templates.as_deref());
    let mut markdown = MarkdownSummary::in_dir(dir, args.analysis.templates.as_deref())
        .with_step_summary_from(&env);
    let mut junit = EnrichedJunit::in_dir(dir);
    let finish = {
        let shared = SharedWrite::new(out);
        let mut terminal = TerminalSummary::new(
            &shared,
            json.path(),
            SummaryOptions {
                max_clusters: args.analysis.max_clusters,
                quiet: args.analysis.quiet,
            },
        );
        let mut annotations = GithubAnnotations::from_env(&shared, &dir.join("report.html"), &env);
        // The files first, so the terminal names documents that exist.
        let outputs: &mut [&mut dyn failtale_core::Output] = &mut [
            &mut json,
            &mut html,
            &mut markdown,
            &mut junit,
            &mut terminal,
            &mut annotations,
        ];
        runtime.block_on(async {
            match live {
                Some(live) => pipeline.process_live_to(live, ingested, outputs).await,
                None => pipeline.process_to(ingested, outputs).await,
            }
        })
    };
    if let Some(e) = &finish.history_error {
        writeln!(
            err,
            "{YELLOW}warning{YELLOW:#}: run not recorded in history: {}",
            failtale_core::error::error_chain(e)
        )?;
    }
    if !junit.dropped_attributes().is_empty() {
        writeln!(
            err,
            "{YELLOW}warning{YELLOW:#}: junit.xml leaves out attributes whose names XML cannot carry: {}",
            report_templates::terminal::one_line(&junit.dropped_attributes().join(", "))
        )?;
    }
    if ignored > 0 && !args.analysis.quiet {
        writeln!(
            err,
            "note: skipped {ignored} file(s) found in directories that are not test result files"
        )?;
    }
    if args.analysis.timings {
        let mut timings = before;
        timings.stages.extend(finish.timings.stages.iter().copied());
        writeln!(err, "timings: {timings}")?;
    }
    let code = crate::report_cmd::exit_code(&finish.report, args.fail_on_failures);
    // The process ends once this returns: freeing every test of a large run
    // one allocation at a time would only delay the exit (45 ms for 555k
    // tests), so the run is left to the operating system.
    std::mem::forget(finish.output);
    // Every output was attempted; the first failure is the error.
    if let Some((_, e)) = finish.failed.into_iter().next() {
        return Err(e.into());
    }
    Ok(code)
}

/// The analyzer: an LLM (analyzer → critic, falling back to the rules) when a
/// provider is given or found in the environment, else the offline rules.
/// Known failures (`failtale-known-issues.toml` in the current directory) win in both.
/// Also returns the LLM settings, when an LLM is used.
/// The analyzer `analyzer` chose; with an LLM, its settings (for the host
/// picker) and its HTTP counters.
type Chosen = (
    Box<dyn Analyze>,
    Option<LlmSettings>,
    Option<Arc<failtale_llm::http::Stats>>,
);

fn analyzer(
    args: &AnalysisArgs,
    llm_config: &LlmConfig,
    cwd: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    store: Option<Arc<dyn HistoryStore>>,
    err: &mut dyn Write,
) -> Result<Chosen, CliError> {
    let mut offline = OfflineAnalyzer::new();
    if let Some(known) = KnownFailures::discover(cwd)
        .map_err(|e| CliError::Analysis(failtale_core::error::error_chain(&e)))?
    {
        offline = offline.with_known(known);
    }
    if args.offline {
        return Ok((Box::new(offline), None, None));
    }
    let request = LlmRequest {
        provider: args.llm.provider.clone(),
        model: args.llm.model.clone(),
        base_url: args.llm.llm_base_url.clone(),
    };
    match resolve(&request, llm_config, env).map_err(|e| CliError::Analysis(e.to_string()))? {
        Some(mut settings) => {
            if let Some(n) = args.llm.llm_concurrency {
                settings.concurrency = usize::from(n);
            }
            settings.single_pass |= args.llm.single_pass;
            let mut llm = LlmAnalyzer::new(settings.clone()).with_offline(offline);
            // Answers are kept in the history store, so a fingerprint already
            // explained with the same settings is not sent again next run.
            if let Some(store) = store {
                // The prompt says whether a failure was seen before and
                // how likely it is a flake, from the runs already stored.
                llm = llm
                    .with_cache(Arc::new(StoreCache(store.clone())))
                    .with_history(Arc::new(StoreHistory::new(store, Default::default())));
            }
            let stats = llm.shared_stats();
            Ok((Box::new(llm), Some(settings), Some(stats)))
        }
        None => {
            if !args.quiet && llm_config.offline != Some(true) {
                writeln!(
                    err,
                    "note: no LLM provider found (set OLLAMA_HOST, GROQ_API_KEY, OPENAI_API_KEY or ANTHROPIC_API_KEY, or pass --provider); analyzing with the offline rules"
                )?;
            }
            Ok((Box::new(offline), None, None))
        }
    }
}

fn progress_bar(len: usize) -> ProgressBar {
    // Hidden when stderr is not a terminal, so CI logs stay clean; only worth
    // drawing when there is more than a handful of files.
    if len < 8 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} reading result files {bar:30} {pos}/{len} {elapsed}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Compiles, on a spare thread while results are read or tests run, what
/// the later stages would otherwise build when first needed: the built-in
/// rules (and their prefilter) and, unless the user brought templates, the
/// embedded report templates. Nothing waits for it; a stage that gets there
/// first builds the same thing itself.
pub(crate) fn warm_up(custom_templates: bool) {
    std::thread::spawn(move || {
        // Every run with a failure needs the rules, and every run renders;
        // only a run with many failures uses the prefilter.
        let rules = failtale_core::analyze::RuleSet::builtin();
        if !custom_templates {
            report_templates::prepare();
        }
        rules.warm();
    });
}
