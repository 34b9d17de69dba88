//! Wires the stages together.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::error_chain;
use crate::input::Input;
use crate::model::{Analysis, Cluster, Evidence, InputStatus, TestRun};
use crate::stage::{
    Analyze, Collect, Fingerprint, Ingest, Ingested, MessageFingerprint, NoRedaction, Sanitize,
    Sniff,
};

/// How many bytes of an input are shown to [`Ingest::sniff`].
pub const SNIFF_LEN: usize = 8 * 1024;

/// The stages, in order: ingest → sanitize → fingerprint/cluster → collect → analyze.
pub struct Pipeline {
    ingest: Box<dyn Ingest>,
    sanitize: Box<dyn Sanitize>,
    fingerprint: Box<dyn Fingerprint>,
    collectors: Vec<Box<dyn Collect>>,
    analyze: Box<dyn Analyze>,
    threads: usize,
    clusters_at_once: usize,
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

/// Everything a pipeline run produced.
#[derive(Debug, Default)]
pub struct PipelineOutput {
    /// The sanitized run.
    pub run: TestRun,
    /// Files walked past (not result files).
    pub ignored: Vec<String>,
    /// Redactions made, by kind.
    pub redactions: BTreeMap<String, usize>,
    /// Clusters, largest first, with evidence and analysis.
    pub clusters: Vec<ClusterReport>,
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
    /// other stages ([`NoRedaction`], [`MessageFingerprint`], no collectors, the offline
    /// rules [`OfflineAnalyzer`](crate::analyze::OfflineAnalyzer)).
    pub fn new(ingest: Box<dyn Ingest>) -> Self {
        Pipeline {
            ingest,
            sanitize: Box::new(NoRedaction),
            fingerprint: Box::new(MessageFingerprint),
            collectors: Vec::new(),
            analyze: Box::new(crate::analyze::OfflineAnalyzer::new()),
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            clusters_at_once: 16,
        }
    }

    /// Replaces the sanitizer.
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
        let ingested = self.ingest.ingest(&mut chained);
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

    /// Sanitizes every piece of text in the run in place; returns redaction counts.
    pub fn sanitize(&self, run: &mut TestRun) -> BTreeMap<String, usize> {
        let mut total = BTreeMap::new();
        run.for_each_text_mut(&mut |text: &mut String| {
            let s = self.sanitize.sanitize(text);
            for (k, v) in s.redactions {
                *total.entry(k).or_insert(0) += v;
            }
            *text = s.text;
        });
        total
    }

    /// Fingerprints the failing cases and groups them into clusters.
    pub fn cluster(&self, run: &TestRun) -> Vec<Cluster> {
        let signatures = run
            .cases
            .iter()
            .enumerate()
            .filter(|(_, c)| c.outcome.is_failing())
            .map(|(i, c)| (i, self.fingerprint.fingerprint(c)))
            .collect();
        self.fingerprint.cluster(run, signatures)
    }

    /// Collects evidence for and analyzes one cluster. Collector and analyzer
    /// failures are recorded, never propagated. Evidence is sanitized here.
    pub async fn explain(&self, run: &TestRun, cluster: Cluster) -> ClusterReport {
        let mut evidence = Vec::new();
        for c in &self.collectors {
            for mut e in c.collect(&cluster, run).await {
                e.text = self.sanitize.sanitize(&e.text).text;
                if let Some(err) = &mut e.provenance.error {
                    *err = self.sanitize.sanitize(err).text;
                }
                evidence.push(e);
            }
        }
        let (analysis, analysis_error) = match self.analyze.analyze(&cluster, run, &evidence).await
        {
            Ok(a) => (a, None),
            Err(e) => (None, Some(self.sanitize.sanitize(&error_chain(&e)).text)),
        };
        ClusterReport {
            cluster,
            evidence,
            analysis,
            analysis_error,
        }
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
        let IngestReport { mut run, ignored } = ingested;
        let redactions = self.sanitize(&mut run);
        // Clusters are explained concurrently; `buffered` keeps their order.
        let clusters = {
            use futures_util::StreamExt;
            let run = &run;
            futures_util::stream::iter(self.cluster(run))
                .map(|cluster| self.explain(run, cluster))
                .buffered(self.clusters_at_once)
                .collect::<Vec<_>>()
                .await
        };
        PipelineOutput {
            run,
            ignored,
            redactions,
            clusters,
        }
    }
}
