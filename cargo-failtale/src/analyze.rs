//! `cargo failtale analyze`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use failtale_collect::{ConfiguredCollector, HostPicker};
use failtale_core::analyze::{KnownFailures, OfflineAnalyzer};
use failtale_core::history::lookup::StoreHistory;
use failtale_core::history::{HistoryStore, StoreCache};
use failtale_core::input::discover;
use failtale_core::pipeline::{IngestReport, PipelineOutput};
use failtale_core::report::Report;
use failtale_core::sanitize::RuleSanitizer;
use failtale_core::stage::Analyze;
use failtale_core::{Pipeline, Sanitized};
use failtale_llm::provider::{LlmConfig, LlmRequest, resolve};
use failtale_llm::{LlmAnalyzer, LlmHostPicker, LlmSettings};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use junit_ingest::AutoIngest;
use junit_ingest::writer::{Enrichment, keys, write_junit};

use crate::cli::AnalyzeArgs;
use crate::errors::CliError;
use crate::in_app::WorkspaceFingerprint;
use crate::outdir::output_dir;
use crate::summary::{SummaryOptions, write_summary};

/// Reads the inputs, runs the pipeline, writes report.json and prints the summary.
pub fn analyze(
    args: &AnalyzeArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let inputs = discover(&args.paths)?;
    if inputs.is_empty() {
        return Err(CliError::NoInputs(args.paths.clone()));
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let setup = Setup::new(args, &cwd, &|a| a, err)?;
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
        args.history.commit.as_deref(),
        args.history.branch.as_deref(),
        &|k| std::env::var(k).ok(),
        &cwd,
    ));
    report_run(args, &setup, ingested, out, err)
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
        let config = crate::config::load(args.config.as_deref(), &cwd)?;
        let dir = output_dir(args.out.as_deref(), &cwd);
        let history_path = crate::history_cmd::store_path(&args.history, &dir);
        // The workspace's crates are in-app; cargo is asked only once a
        // failure needs fingerprinting.
        let fingerprint = {
            let cwd = cwd.clone();
            WorkspaceFingerprint::new(move || crate::outdir::workspace_crates(&cwd))
        };
        let sanitizer =
            RuleSanitizer::from_process_env(&config.sanitize).map_err(|e| CliError::Config {
                path: config.path.clone().unwrap_or_default(),
                message: format!("[sanitize]: {e}"),
            })?;
        let (analyzer, llm) = analyzer(
            args,
            &config.llm,
            &cwd,
            &|k| std::env::var(k).ok(),
            history_path.as_deref(),
            err,
        )?;
        let mut pipeline = Pipeline::new(Box::new(AutoIngest::default()))
            .with_sanitizer(Box::new(sanitizer))
            .with_fingerprint(Box::new(fingerprint))
            .with_analyzer(wrap(analyzer));
        let collects = config.collect.is_some();
        if let Some(collect) = config.collect {
            for w in &collect.warnings {
                writeln!(err, "warning: {w}")?;
            }
            // With an LLM, the model may add up to `max_picked_hosts` configured
            // hosts per cluster (by name only, checked against the inventory).
            let picker = llm.map(|s| Box::new(LlmHostPicker::new(s)) as Box<dyn HostPicker>);
            pipeline = pipeline
                .with_collector(Box::new(ConfiguredCollector::with_picker(collect, picker)));
        }
        Ok(Setup {
            pipeline,
            dir,
            collects,
        })
    }
}

/// Given what was read, runs the pipeline, records history, writes the
/// outputs and prints the summary.
pub(crate) fn report_run(
    args: &AnalyzeArgs,
    setup: &Setup,
    ingested: IngestReport,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let (pipeline, dir) = (&setup.pipeline, &setup.dir);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Output)?;
    let output = runtime.block_on(pipeline.process(ingested));
    let history = crate::history_cmd::record(&args.history, &output, dir, err)?;
    let report = Report::from_output_with_history(&output, history);

    // The documents (report.html is the slowest output) render on another
    // thread while report.json and junit.xml are written; the files are
    // written in the same order as ever, each only once the earlier ones are.
    let (json, documents, junit) = std::thread::scope(|s| {
        let documents =
            s.spawn(|| crate::render::render_documents(&report, args.templates.as_deref()));
        let json = write_report(dir, &report);
        let enrich = enrichment(&output, &report);
        let mut written = None;
        let junit = write_atomically(dir, "junit.xml", &mut |w| {
            written = Some(write_junit(&output.run, &enrich, w).map_err(std::io::Error::other)?);
            Ok(())
        })
        .map(|_| written);
        let documents = documents
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (json, documents, junit)
    });
    let report_path = json?;
    documents?.write(dir, &report, &|k| std::env::var(k).ok())?;
    if let Some(w) = junit?
        && !w.dropped_attributes.is_empty()
    {
        writeln!(
            err,
            "warning: junit.xml leaves out attributes whose names XML cannot carry: {}",
            crate::summary::one_line(&w.dropped_attributes.join(", "))
        )?;
    }
    let ignored = output.ignored.len();
    if ignored > 0 && !args.quiet {
        writeln!(
            err,
            "note: skipped {ignored} file(s) found in directories that are not test result files"
        )?;
    }
    let opts = SummaryOptions {
        max_clusters: args.max_clusters,
        quiet: args.quiet,
    };
    write_summary(out, &report, &report_path, &opts)?;
    if let Some(h) = &report.history {
        crate::history_cmd::write_notes(out, h, args.quiet)?;
    }
    crate::annotations::write_for_github(out, &report, &dir.join("report.html"), &|k| {
        std::env::var(k).ok()
    })?;
    out.flush()?;
    Ok(crate::report_cmd::exit_code(&report, args.fail_on_failures))
}

/// The analyzer: an LLM (analyzer → critic, falling back to the rules) when a
/// provider is given or found in the environment, else the offline rules.
/// Known failures (`failtale-known-issues.toml` in the current directory) win in both.
/// Also returns the LLM settings, when an LLM is used.
fn analyzer(
    args: &AnalyzeArgs,
    llm_config: &LlmConfig,
    cwd: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    history_path: Option<&Path>,
    err: &mut dyn Write,
) -> Result<(Box<dyn Analyze>, Option<LlmSettings>), CliError> {
    let mut offline = OfflineAnalyzer::new();
    if let Some(known) = KnownFailures::discover(cwd)
        .map_err(|e| CliError::Analysis(failtale_core::error::error_chain(&e)))?
    {
        offline = offline.with_known(known);
    }
    if args.offline {
        return Ok((Box::new(offline), None));
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
            if let Some(path) = history_path {
                match failtale_history::SqliteStore::open(path) {
                    Ok(store) => {
                        let store: std::sync::Arc<dyn HistoryStore> = std::sync::Arc::new(store);
                        // The prompt says whether a failure was seen before and
                        // how likely it is a flake, from the runs already stored.
                        llm = llm
                            .with_cache(std::sync::Arc::new(StoreCache(store.clone())))
                            .with_history(std::sync::Arc::new(StoreHistory::new(
                                store,
                                Default::default(),
                            )));
                    }
                    Err(e) => writeln!(
                        err,
                        "warning: analyses are not cached across runs: {}",
                        failtale_core::error::error_chain(&e)
                    )?,
                }
            }
            Ok((Box::new(llm), Some(settings)))
        }
        None => {
            if !args.quiet && llm_config.offline != Some(true) {
                writeln!(
                    err,
                    "note: no LLM provider found (set OLLAMA_HOST, GROQ_API_KEY, OPENAI_API_KEY or ANTHROPIC_API_KEY, or pass --provider); analyzing with the offline rules"
                )?;
            }
            Ok((Box::new(offline), None))
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

/// What `junit.xml` adds to the input results: each failing test's cluster,
/// fingerprint, analysis and flake probability as `failtale.*` properties and
/// as a readable block at the end of its system-err, so the JUnit viewers CI
/// systems already have show them. Text comes from the sanitized run and report.
fn enrichment(output: &PipelineOutput, report: &Sanitized<Report>) -> Enrichment {
    use failtale_core::analyze::{category_name, severity_name};
    let mut enrich = Enrichment::default();
    let flake: std::collections::HashMap<&str, f64> = report
        .history
        .iter()
        .flat_map(|h| &h.failures)
        .map(|f| (f.test.as_str(), f.flake_probability))
        .collect();
    for c in &output.clusters {
        let size = c.cluster.tests.len();
        for &case in &c.cluster.case_indices {
            let mut block = format!(
                "cluster {} ({size} test{}), fingerprint {}\n",
                c.cluster.id,
                if size == 1 { "" } else { "s" },
                c.cluster.fingerprint.hash
            );
            enrich.add_property(case, keys::CLUSTER, c.cluster.id.as_str());
            if let Some(a) = &c.analysis {
                enrich.add_property(case, keys::CATEGORY, category_name(a.category));
                enrich.add_property(case, keys::SEVERITY, severity_name(a.severity));
                enrich.add_property(case, keys::ROOT_CAUSE, a.root_cause.as_str());
                enrich.add_property(case, keys::FIX, a.fix_suggestion.as_str());
                enrich.add_property(case, keys::CONFIDENCE, format!("{:.2}", a.confidence));
                block.push_str(&format!(
                    "{} · {} · confidence {:.0}% ({})\nroot cause: {}\nfix: {}\n",
                    category_name(a.category),
                    severity_name(a.severity),
                    a.confidence * 100.0,
                    a.analyzer,
                    a.root_cause,
                    a.fix_suggestion
                ));
            }
            let key = output.run.cases.get(case).map(|t| t.id.key());
            if let Some(p) = key.as_deref().and_then(|k| flake.get(k)) {
                enrich.add_property(case, keys::FLAKE_PROBABILITY, format!("{p:.2}"));
                block.push_str(&format!("flake probability: {p:.2}\n"));
            }
            enrich.add_property(case, keys::FINGERPRINT, c.cluster.fingerprint.hash.as_str());
            enrich.set_stderr_block(case, block);
        }
    }
    enrich
}

/// Writes report.json.
pub(crate) fn write_report(dir: &Path, report: &Sanitized<Report>) -> Result<PathBuf, CliError> {
    write_atomically(dir, "report.json", &mut |w| {
        serde_json::to_writer_pretty(&mut *w, report)?;
        w.write_all(b"\n")
    })
}

/// Writes `dir/name` through a temporary file renamed into place, so a reader
/// never sees half a report; creates `dir` first. Returns the final path.
pub(crate) fn write_atomically(
    dir: &Path,
    name: &str,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<PathBuf, CliError> {
    let fail = |path: &Path| {
        let path = path.to_owned();
        move |source| CliError::Write { path, source }
    };
    fs::create_dir_all(dir).map_err(fail(dir))?;
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut file = std::io::BufWriter::new(fs::File::create(&tmp).map_err(fail(&tmp))?);
    write(&mut file).map_err(fail(&path))?;
    // Flush explicitly: a BufWriter dropped with unwritten data hides the error.
    file.flush().map_err(fail(&tmp))?;
    fs::rename(&tmp, &path).map_err(fail(&path))?;
    Ok(path)
}
