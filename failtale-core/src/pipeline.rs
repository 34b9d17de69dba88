//! Wires the stages together.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::error::error_chain;
use crate::fingerprint::StructuredFingerprint;
use crate::history::annotate::{HistoryOptions, HistoryReport, record_and_annotate};
use crate::history::{HistoryError, HistoryStore, RunRecord};
use crate::input::Input;
use crate::live::Live;
use crate::model::{Analysis, Cluster, Evidence, InputStatus, Signature, TestCase, TestRun};
use crate::output::{Finished, Output, OutputError};
use crate::report::Report;
use crate::sanitize::{Redactions, RuleSanitizer, Sanitized, sanitize_run, sanitize_run_except};
use crate::stage::{Analyze, Collect, Fingerprint, Ingest, Ingested, Sanitize, Sniff};

/// How many bytes of an input are shown to [`Ingest::sniff`].
pub const SNIFF_LEN: usize = 8 * 1024;

/// The stages, in order: ingest → sanitize → fingerprint/cluster → collect
/// → analyze → history → outputs.
pub struct Pipeline {
    ingest: Box<dyn Ingest>,
    sanitize: Box<dyn Sanitize>,
    fingerprint: Box<dyn Fingerprint>,
    collectors: Vec<Box<dyn Collect>>,
    analyze: Box<dyn Analyze>,
    history: Option<History>,
    output_dir: Option<crate::output::OutputDir>,
    threads: usize,
    clusters_at_once: usize,
}

/// Where a pipeline records its runs.
struct History {
    store: std::sync::Arc<dyn HistoryStore>,
    options: HistoryOptions,
    label: Option<String>,
}

/// What [`Pipeline::finish`] did with a run: the report, what every output
/// wrote, and what went wrong without stopping the run.
#[derive(Debug)]
#[non_exhaustive]
pub struct Finish {
    /// The run, as the pipeline produced it.
    pub output: PipelineOutput,
    /// The report built from it (with what history said, when recorded).
    pub report: Sanitized<Report>,
    /// Files written, output by output, in the order the outputs were given.
    pub written: Vec<PathBuf>,
    /// Why the run was not recorded in history, when it was not.
    pub history_error: Option<HistoryError>,
    /// Outputs that failed, by name; the others were still written.
    pub failed: Vec<(String, OutputError)>,
    /// How long each stage took: those of [`PipelineOutput::timings`], then
    /// `history` (recording and looking up, when there is a store) and
    /// `outputs` (building the report and writing every output).
    pub timings: Timings,
}

/// How long each stage of a run took, in the order the stages ran: what a
/// user looks at when a run is slow, and what a server reports as metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timings {
    /// Stage names (`read`, `sanitize`, `cluster`, `analyze`, `history`,
    /// `outputs`) with their wall-clock time.
    pub stages: Vec<(&'static str, Duration)>,
}

impl Timings {
    /// Adds a stage at the end.
    pub fn push(&mut self, stage: &'static str, took: Duration) {
        self.stages.push((stage, took));
    }

    /// The time of one stage, if it ran.
    pub fn get(&self, stage: &str) -> Option<Duration> {
        self.stages
            .iter()
            .find(|(s, _)| *s == stage)
            .map(|&(_, d)| d)
    }

    /// The stages' times added up.
    pub fn total(&self) -> Duration {
        self.stages.iter().map(|&(_, d)| d).sum()
    }
}

impl std::fmt::Display for Timings {
    /// `read 0.29 s, sanitize 0.19 s, …, total 0.99 s` (milliseconds below
    /// a tenth of a second).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |d: Duration| {
            if d < Duration::from_millis(100) {
                format!("{:.1} ms", d.as_secs_f64() * 1e3)
            } else {
                format!("{:.2} s", d.as_secs_f64())
            }
        };
        for (stage, took) in &self.stages {
            write!(f, "{stage} {}, ", show(*took))?;
        }
        write!(f, "total {}", show(self.total()))
    }
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("ingest", &self.ingest.name())
            .field(
                "collectors",
                &self.collectors.iter().map(|c| c.name()).collect::<Vec<_>>(),
            )
            .field("analyze", &self.analyze.name())
            .finish_non_exhaustive()
    }
}

/// What ingesting a set of inputs produced.
#[derive(Debug, Default)]
pub struct IngestReport {
    /// The run: every input's status and every test case read.
    pub run: TestRun,
    /// Files found by walking a directory that turned out not to be result files.
    pub ignored: Vec<String>,
}

/// One cluster with what was collected and concluded for it.
#[derive(Debug, Clone)]
pub struct ClusterReport {
    /// The cluster.
    pub cluster: Cluster,
    /// Collected evidence (including failed collections, with their error).
    pub evidence: Vec<Evidence>,
    /// The analysis, if the analyzer produced one.
    pub analysis: Option<Analysis>,
    /// The analyzer's error, if it failed (the run still completes).
    pub analysis_error: Option<String>,
}

/// Everything a pipeline run produced. Every piece of text in it has been
/// through the sanitize stage, which the types say: it can only be built
/// from [`Sanitized`] parts.
#[derive(Debug)]
pub struct PipelineOutput {
    /// The sanitized run.
    pub run: Sanitized<TestRun>,
    /// Files walked past (not result files).
    pub ignored: Vec<Sanitized<String>>,
    /// Redactions made over the whole run, by kind (every occurrence counts).
    pub redactions: BTreeMap<String, usize>,
    /// Clusters, largest first, with evidence and analysis.
    pub clusters: Vec<Sanitized<ClusterReport>>,
    /// How long `sanitize`, `cluster` (fingerprinting included) and
    /// `analyze` (collecting included) took.
    pub timings: Timings,
}

impl Default for Pipeline {
    /// A pipeline that reads no files ([`NoInput`](crate::stage::NoInput)), for
    /// runs built in memory, with the built-in defaults for the other stages.
    fn default() -> Self {
        Pipeline::new(Box::new(crate::stage::NoInput))
    }
}

impl Pipeline {
    /// A pipeline with the given reader and the built-in defaults for the
    /// other stages: [`RuleSanitizer`] with the built-in rules and the values
    /// of this process's secret-named environment variables,
    /// [`StructuredFingerprint`], no collectors, and the offline rules
    /// [`OfflineAnalyzer`](crate::analyze::OfflineAnalyzer).
    pub fn new(ingest: Box<dyn Ingest>) -> Self {
        Pipeline {
            ingest,
            sanitize: Box::new(RuleSanitizer::default_for_process()),
            fingerprint: Box::new(StructuredFingerprint::default()),
            collectors: Vec::new(),
            analyze: Box::new(crate::analyze::OfflineAnalyzer::new()),
            history: None,
            output_dir: None,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            clusters_at_once: 16,
        }
    }

    /// Replaces the sanitizer ([`NoRedaction`](crate::stage::NoRedaction)
    /// turns redaction off: unsafe for any output).
    pub fn with_sanitizer(mut self, s: Box<dyn Sanitize>) -> Self {
        self.sanitize = s;
        self
    }

    /// Replaces the fingerprinter.
    pub fn with_fingerprint(mut self, f: Box<dyn Fingerprint>) -> Self {
        self.fingerprint = f;
        self
    }

    /// Adds a collector.
    pub fn with_collector(mut self, c: Box<dyn Collect>) -> Self {
        self.collectors.push(c);
        self
    }

    /// Replaces the analyzer.
    pub fn with_analyzer(mut self, a: Box<dyn Analyze>) -> Self {
        self.analyze = a;
        self
    }

    /// Records every run in `store` (pruned as `options` say) and adds what
    /// history says about the run — new failures, flake probabilities,
    /// fingerprints seen before — to the report. `label` names the store in
    /// messages (its path). A store that fails is reported in
    /// [`Finish::history_error`]; the outputs are still written.
    pub fn with_history(
        mut self,
        store: std::sync::Arc<dyn HistoryStore>,
        options: HistoryOptions,
        label: Option<String>,
    ) -> Self {
        self.history = Some(History {
            store,
            options,
            label,
        });
        self
    }

    /// Writes the outputs into `dir` as one set
    /// ([`OutputDir`](crate::output::OutputDir)): locked against other runs
    /// into the same directory, stale temporaries of killed runs removed,
    /// `manifest.json` with each file's SHA-256 written last.
    pub fn with_output_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.output_dir = Some(crate::output::OutputDir::new(dir));
        self
    }

    /// Sets how many inputs are read at once (at least 1).
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Sets how many clusters are collected and analyzed at once (at least 1).
    /// An analyzer may limit its own requests further (the LLM analyzer does).
    pub fn with_clusters_at_once(mut self, n: usize) -> Self {
        self.clusters_at_once = n.max(1);
        self
    }

    /// Reads one input.
    pub fn ingest_one(&self, input: &Input) -> Option<(InputStatus, Ingested)> {
        let name = input.display_name();
        let mut status = InputStatus {
            path: name,
            ..InputStatus::default()
        };
        let mut reader = match input.open() {
            Ok(r) => r,
            Err(e) => {
                status.error = Some(format!("cannot open: {e}"));
                return Some((status, Ingested::default()));
            }
        };
        let mut head = Vec::with_capacity(SNIFF_LEN);
        if let Err(e) = (&mut reader).take(SNIFF_LEN as u64).read_to_end(&mut head) {
            status.error = Some(format!("cannot read: {e}"));
            return Some((status, Ingested::default()));
        }
        if !input.is_explicit() && self.ingest.sniff(&head) == Sniff::No {
            return None;
        }
        let mut chained = head.as_slice().chain(reader);
        let ingested = self.ingest.ingest_sized(&mut chained, input.size());
        status.format = ingested.format;
        status.producer = ingested.producer.clone();
        status.timestamp = ingested.timestamp.clone();
        status.warnings = ingested.warnings.clone();
        status.error = ingested.error.as_ref().map(|e| error_chain(e));
        Some((status, ingested))
    }

    /// Reads every input, several at once, keeping input order. One bad input
    /// never hides the others: its error is recorded in its status.
    pub fn ingest(&self, inputs: &[Input]) -> IngestReport {
        self.ingest_with_progress(inputs, &|_| {})
    }

    /// Like [`Pipeline::ingest`], calling `progress` with the number of inputs
    /// finished so far after each one (from worker threads).
    pub fn ingest_with_progress(
        &self,
        inputs: &[Input],
        progress: &(dyn Fn(usize) + Sync),
    ) -> IngestReport {
        let done = AtomicUsize::new(0);
        let next = AtomicUsize::new(0);
        // Outer None: not read yet; inner None: walked past (not a result file).
        type Slot = Option<Option<(InputStatus, Ingested)>>;
        let results: Mutex<Vec<Slot>> = Mutex::new((0..inputs.len()).map(|_| None).collect());
        let workers = self.threads.min(inputs.len()).max(1);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(input) = inputs.get(i) else { break };
                        let r = self.ingest_one(input);
                        results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
                        progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                    }
                });
            }
        });
        let mut report = IngestReport::default();
        let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
        // Room for every case at once, so the run's list is not regrown
        // (and copied) input after input; one input's list is taken whole.
        let total: usize = results
            .iter()
            .flatten()
            .flatten()
            .map(|(_, i)| i.cases.len())
            .sum();
        if results.iter().flatten().flatten().count() > 1 {
            report.run.cases.reserve_exact(total);
        }
        for (input, r) in inputs.iter().zip(results) {
            match r.flatten() {
                Some((status, ingested)) => {
                    report
                        .run
                        .push_input(status, ingested.cases, ingested.suites)
                }
                None => report.ignored.push(input.display_name()),
            }
        }
        report
    }

    /// Sanitizes every piece of text in the run, recording redactions in `state`.
    pub fn sanitize(&self, run: TestRun, state: &mut Redactions) -> Sanitized<TestRun> {
        sanitize_run(self.sanitize.as_ref(), run, state)
    }

    /// Sanitizes one text (for text that does not come from the run: a
    /// history entry, a prompt, an answer), recording redactions in `state`.
    pub fn sanitize_text(&self, text: &str, state: &mut Redactions) -> Sanitized<String> {
        Sanitized::assume_sanitized(self.sanitize.sanitize(text, state).into_owned())
    }

    fn clean(&self, text: &mut String, state: &mut Redactions) {
        if let std::borrow::Cow::Owned(t) = self.sanitize.sanitize(text, state) {
            *text = t;
        }
    }

    /// Fingerprints the failing cases (on up to [`Pipeline::with_threads`]
    /// threads) and groups them into clusters.
    pub fn cluster(&self, run: &TestRun) -> Vec<Cluster> {
        self.cluster_knowing(run, Vec::new())
    }

    /// [`Pipeline::cluster`], with the signatures already known for some
    /// cases (by index; shorter than the run means unknown for the rest).
    fn cluster_knowing(&self, run: &TestRun, mut known: Vec<Option<Signature>>) -> Vec<Cluster> {
        // One entry per failing case only: a list as long as the run would
        // be 80 MB of nothing for 1.6M mostly passing tests.
        let failing: Vec<(usize, Option<Signature>)> = run
            .cases
            .iter()
            .enumerate()
            .filter(|(_, c)| c.outcome.is_failing())
            .map(|(i, _)| (i, known.get_mut(i).and_then(Option::take)))
            .collect();
        drop(known);
        let signatures = crate::par::map(&failing, self.threads, 256, &|(i, known)| {
            let sig = known
                .clone()
                .unwrap_or_else(|| self.fingerprint.fingerprint(&run.cases[*i]));
            (*i, sig)
        });
        self.fingerprint.cluster(run, signatures)
    }

    /// The fingerprint stage's signature of one (sanitized) failing case.
    pub(crate) fn fingerprint_case(&self, case: &TestCase) -> Signature {
        self.fingerprint.fingerprint(case)
    }

    /// The sanitize stage.
    pub(crate) fn sanitizer(&self) -> &dyn Sanitize {
        self.sanitize.as_ref()
    }

    /// Collects evidence for and analyzes one cluster. Collector and analyzer
    /// failures are recorded, never propagated. Everything that comes back —
    /// evidence, provenance, the analysis (an LLM's answer may quote a
    /// secret) and errors — is sanitized here, and so is the cluster's own text.
    pub async fn explain(
        &self,
        run: &Sanitized<TestRun>,
        cluster: Cluster,
        state: &mut Redactions,
    ) -> Sanitized<ClusterReport> {
        let shared = Mutex::new(std::mem::take(state));
        let report = self.explain_shared(run, cluster, &shared).await;
        *state = shared.into_inner().unwrap_or_else(|e| e.into_inner());
        report
    }

    /// [`Pipeline::explain`] with the numbering shared by clusters explained
    /// at the same time.
    async fn explain_shared(
        &self,
        run: &Sanitized<TestRun>,
        mut cluster: Cluster,
        state: &Mutex<Redactions>,
    ) -> Sanitized<ClusterReport> {
        let clean = |text: &mut String| {
            let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
            self.clean(text, &mut state);
        };
        for t in &mut cluster.tests {
            clean(t);
        }
        for c in &mut cluster.fingerprint.components {
            clean(&mut c.name);
            clean(&mut c.value);
        }
        let mut evidence = Vec::new();
        for c in &self.collectors {
            for mut e in c.collect(&cluster, run).await {
                clean(&mut e.text);
                let p = &mut e.provenance;
                clean(&mut p.collector);
                for t in [&mut p.host, &mut p.command, &mut p.error]
                    .into_iter()
                    .flatten()
                {
                    clean(t);
                }
                evidence.push(e);
            }
        }
        let (analysis, analysis_error) = match self.analyze.analyze(&cluster, run, &evidence).await
        {
            Ok(mut a) => {
                if let Some(a) = &mut a {
                    clean(&mut a.root_cause);
                    clean(&mut a.fix_suggestion);
                    clean(&mut a.analyzer);
                    if let Some(r) = &mut a.fallback_reason {
                        clean(r);
                    }
                    for c in &mut a.evidence {
                        clean(&mut c.quote);
                        clean(&mut c.source);
                    }
                }
                (a, None)
            }
            Err(e) => {
                let mut message = error_chain(&e);
                clean(&mut message);
                (None, Some(message))
            }
        };
        Sanitized::assume_sanitized(ClusterReport {
            cluster,
            evidence,
            analysis,
            analysis_error,
        })
    }

    /// Runs every stage over the inputs.
    pub async fn run(&self, inputs: &[Input]) -> PipelineOutput {
        self.process(self.ingest(inputs)).await
    }

    /// Runs every stage after ingest on a run built in memory (a custom harness).
    pub async fn process_run(&self, run: TestRun) -> PipelineOutput {
        self.process(IngestReport {
            run,
            ignored: Vec::new(),
        })
        .await
    }

    /// Runs every stage after ingest.
    pub async fn process(&self, ingested: IngestReport) -> PipelineOutput {
        self.process_with(ingested, None, &mut []).await.0
    }

    /// Runs every stage over the inputs, records the run in history (when
    /// the pipeline has a store) and writes every output. Nothing stops the
    /// run once it is read: a failed collector or analyzer is recorded in
    /// the report, a failed store or output in the returned [`Finish`].
    pub async fn run_to(&self, inputs: &[Input], outputs: &mut [&mut dyn Output]) -> Finish {
        self.process_to(self.ingest(inputs), outputs).await
    }

    /// [`Pipeline::run_to`] for a run already read (or built in memory).
    pub async fn process_to(
        &self,
        ingested: IngestReport,
        outputs: &mut [&mut dyn Output],
    ) -> Finish {
        let (output, mut failed) = self.process_with(ingested, None, outputs).await;
        let mut finish = self.finish(output, outputs);
        failed.append(&mut finish.failed);
        finish.failed = failed;
        finish
    }

    /// [`Pipeline::process_to`] for a run that was followed while its tests
    /// ran: the failures `live` already sanitized and fingerprinted, and
    /// that reached the final run unchanged, are not done again, and the
    /// redactions keep the numbering they had (see [`crate::live`]).
    pub async fn process_live_to(
        &self,
        live: Live<'_>,
        ingested: IngestReport,
        outputs: &mut [&mut dyn Output],
    ) -> Finish {
        let (output, mut failed) = self.process_with(ingested, Some(live), outputs).await;
        let mut finish = self.finish(output, outputs);
        failed.append(&mut finish.failed);
        finish.failed = failed;
        finish
    }

    /// Records a processed run in history (when the pipeline has a store),
    /// builds its report and calls every output's [`Output::finish`]: those
    /// that offer [`Output::concurrent`] together on threads, then the others
    /// in the order given. One output failing does not stop the others;
    /// [`Finish::written`] lists the files in the order the outputs were given.
    pub fn finish(&self, output: PipelineOutput, outputs: &mut [&mut dyn Output]) -> Finish {
        let mut timings = output.timings.clone();
        let started = Instant::now();
        let (history, history_error) = match self.record(&output) {
            Ok(h) => (h, None),
            Err(e) => (None, Some(e)),
        };
        if self.history.is_some() {
            timings.push("history", started.elapsed());
        }
        let started = Instant::now();
        let report = Report::from_output_with_history(&output, history);
        let done = Finished::new(&report, Some(&output));
        let (written, failed) = match &self.output_dir {
            Some(dir) => dir.finish_all(outputs, &done),
            None => crate::output::finish_all(outputs, &done),
        };
        timings.push("outputs", started.elapsed());
        Finish {
            output,
            report,
            written,
            history_error,
            failed,
            timings,
        }
    }

    /// Records the run in the history store, if there is one.
    fn record(&self, output: &PipelineOutput) -> Result<Option<HistoryReport>, HistoryError> {
        let Some(h) = &self.history else {
            return Ok(None);
        };
        let clusters: Vec<Cluster> = output.clusters.iter().map(|c| c.cluster.clone()).collect();
        let record = RunRecord::from_run(&output.run, &clusters, crate::history::time::now_ms());
        let mut report = record_and_annotate(
            h.store.as_ref(),
            output.run.get(),
            &clusters,
            &record,
            &h.options,
        )?;
        report.store.clone_from(&h.label);
        Ok(Some(report))
    }

    /// Runs every stage after ingest, calling the outputs' `begin` and
    /// `cluster` hooks; returns the output and the hooks' errors.
    async fn process_with(
        &self,
        ingested: IngestReport,
        live: Option<Live<'_>>,
        outputs: &mut [&mut dyn Output],
    ) -> (PipelineOutput, Vec<(String, OutputError)>) {
        let mut failed = Vec::new();
        let IngestReport { mut run, ignored } = ingested;
        let (mut state, known) = match live {
            Some(mut live) => {
                let known = live.reuse(&mut run);
                (std::mem::take(&mut live.state), known)
            }
            None => (Redactions::new(), Vec::new()),
        };
        let mut timings = Timings::default();
        let started = Instant::now();
        let done: Vec<bool> = known.iter().map(Option::is_some).collect();
        let run = sanitize_run_except(self.sanitize.as_ref(), run, &mut state, &done);
        let ignored = ignored
            .iter()
            .map(|p| self.sanitize_text(p, &mut state))
            .collect();
        timings.push("sanitize", started.elapsed());
        let mut hook = |o: &mut dyn Output, r: Result<(), OutputError>| {
            if let Err(e) = r {
                failed.push((o.name().to_owned(), e));
            }
        };
        for o in outputs.iter_mut() {
            let r = o.begin(&run);
            hook(*o, r);
        }
        // Clusters are explained concurrently; `buffered` keeps their order.
        // They share one numbering of redacted values.
        let shared = Mutex::new(state);
        let mut clusters = Vec::new();
        {
            use futures_util::StreamExt;
            let (run, shared) = (&run, &shared);
            let started = Instant::now();
            let found = self.cluster_knowing(run, known);
            timings.push("cluster", started.elapsed());
            let started = Instant::now();
            if self.collectors.is_empty() {
                self.analyze.prepare(&found, run, self.threads);
            }
            let mut explained = futures_util::stream::iter(found)
                .map(|cluster| self.explain_shared(run, cluster, shared))
                .buffered(self.clusters_at_once);
            while let Some(c) = explained.next().await {
                for o in outputs.iter_mut() {
                    let r = o.cluster(&c);
                    hook(*o, r);
                }
                clusters.push(c);
            }
            timings.push("analyze", started.elapsed());
        }
        let state = shared.into_inner().unwrap_or_else(|e| e.into_inner());
        let output = PipelineOutput {
            run,
            ignored,
            redactions: state.counts().clone(),
            clusters,
            timings,
        };
        (output, failed)
    }
}
