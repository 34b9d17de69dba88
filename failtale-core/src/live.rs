//! Runs read while their tests still run.
//!
//! A harness that hears of each test as it finishes (a libtest JSON stream,
//! a test framework's hook) gives each to [`Live::finished`]: a failure is
//! sanitized and fingerprinted there, once, and comes back as a one-test
//! cluster that can be analysed before the run ends ([`EarlyAnalyses`]).
//! When the run is complete, [`Pipeline::process_live_to`] runs the
//! remaining stages and reuses that work: a failure that reached the final
//! run unchanged is not sanitized or fingerprinted again, and an analysis
//! started early is awaited instead of started again.
//!
//! ```no_run
//! # async fn demo(pipeline: failtale_core::Pipeline, finished: Vec<failtale_core::model::TestCase>,
//! #     whole: failtale_core::pipeline::IngestReport) {
//! let mut live = pipeline.live();
//! for case in &finished {
//!     if let Some(failure) = live.finished(case) {
//!         println!("failed: {} ({})", failure.cluster.tests[0], failure.cluster.fingerprint.hash);
//!     }
//! }
//! let finish = pipeline.process_live_to(live, whole, &mut []).await;
//! # }
//! ```

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

use crate::Sanitized;
use crate::error::AnalyzeError;
use crate::model::{Analysis, Cluster, Evidence, InputStatus, Signature, TestCase, TestRun};
use crate::pipeline::Pipeline;
use crate::sanitize::Redactions;
use crate::stage::Analyze;

/// A run in progress: what the pipeline already did with its failures.
pub struct Live<'p> {
    pipeline: &'p Pipeline,
    pub(crate) state: Redactions,
    /// Failures seen, by test key: as they arrived, sanitized, fingerprinted.
    pub(crate) seen: HashMap<String, Vec<Seen>>,
    fingerprints: HashSet<String>,
}

impl std::fmt::Debug for Live<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("failures", &self.failures())
            .field("fingerprints", &self.fingerprints.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for EarlyAnalyses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EarlyAnalyses")
            .field("started", &self.started())
            .finish_non_exhaustive()
    }
}

pub(crate) struct Seen {
    pub(crate) raw: TestCase,
    pub(crate) clean: TestCase,
    pub(crate) signature: Signature,
}

/// A failure as it arrived, sanitized and fingerprinted.
#[derive(Debug)]
#[non_exhaustive]
pub struct LiveFailure {
    /// The failure alone, as the one-test cluster of [`LiveFailure::run`].
    pub cluster: Cluster,
    /// A run holding only this failure.
    pub run: Sanitized<TestRun>,
    /// No earlier failure of this run had its fingerprint.
    pub new: bool,
}

impl Pipeline {
    /// Starts a run whose tests are still running (see [`Live`]).
    pub fn live(&self) -> Live<'_> {
        Live {
            pipeline: self,
            state: Redactions::new(),
            seen: HashMap::new(),
            fingerprints: HashSet::new(),
        }
    }
}

impl Live<'_> {
    /// A test finished. A failing one is sanitized and fingerprinted now
    /// (the final run reuses both) and returned as a cluster of its own.
    pub fn finished(&mut self, case: &TestCase) -> Option<LiveFailure> {
        if !case.outcome.is_failing() {
            return None;
        }
        let mut clean = case.clone();
        crate::sanitize::sanitize_case(self.pipeline.sanitizer(), &mut clean, &mut self.state);
        let signature = self.pipeline.fingerprint_case(&clean);
        let new = self.fingerprints.insert(signature.hash.clone());
        let mut alone = clean.clone();
        alone.suite = None;
        alone.input = 0;
        let mut run = TestRun::default();
        run.push_input(InputStatus::default(), vec![alone], Vec::new());
        let cluster = crate::cluster::build_cluster(&run, 0, signature.clone(), vec![0]);
        self.seen.entry(case.id.key()).or_default().push(Seen {
            raw: case.clone(),
            clean,
            signature,
        });
        Some(LiveFailure {
            cluster,
            run: Sanitized::assume_sanitized(run),
            new,
        })
    }

    /// How many failures were seen.
    pub fn failures(&self) -> usize {
        self.seen.values().map(Vec::len).sum()
    }

    /// For each case of the final `run`: replaces a failure seen unchanged
    /// while the run went on by its sanitized copy, and returns its
    /// signature; `None` for the cases still to do.
    pub(crate) fn reuse(&mut self, run: &mut TestRun) -> Vec<Option<Signature>> {
        let mut known = vec![None; run.cases.len()];
        if self.seen.is_empty() {
            return known;
        }
        for (case, known) in run.cases.iter_mut().zip(&mut known) {
            if !case.outcome.is_failing() {
                continue;
            }
            let Some(seen) = self.seen.get_mut(&case.id.key()) else {
                continue;
            };
            // The run's own indices may differ from the stream's.
            let same = |s: &Seen| {
                s.raw.attempts == case.attempts
                    && s.raw.id == case.id
                    && s.raw.file == case.file
                    && s.raw.line == case.line
                    && s.raw.outcome == case.outcome
                    && s.raw.details == case.details
            };
            if let Some(i) = seen.iter().position(same) {
                let s = seen.swap_remove(i);
                let mut clean = s.clean;
                clean.input = case.input;
                clean.suite = case.suite;
                clean.duration = case.duration;
                *case = clean;
                *known = Some(s.signature);
            }
        }
        known
    }
}

/// Something that runs a future to completion in the background (a tokio
/// runtime's `spawn`, a thread pool).
pub type Spawn = Box<dyn Fn(BoxFuture<'static, ()>) + Send + Sync>;

type Slot = Shared<Pin<Box<dyn Future<Output = Result<Option<Analysis>, String>> + Send>>>;

/// Analyses started while the tests still run, one per fingerprint, and
/// reused at the end.
///
/// [`EarlyAnalyses::wrap`] takes the analyzer the pipeline would use and
/// returns the one to give it instead: for a cluster whose fingerprint (or
/// one it merged) was analysed early and that has no collected evidence
/// (evidence changes the answer; an early analysis never saw it), it awaits
/// that analysis instead of starting again.
pub struct EarlyAnalyses {
    inner: OnceLock<Arc<dyn Analyze>>,
    slots: Mutex<HashMap<String, Slot>>,
    started: AtomicUsize,
    spawn: Spawn,
}

impl EarlyAnalyses {
    /// Analyses will be driven by `spawn`.
    pub fn new(spawn: Spawn) -> Arc<EarlyAnalyses> {
        Arc::new(EarlyAnalyses {
            inner: OnceLock::new(),
            slots: Mutex::new(HashMap::new()),
            started: AtomicUsize::new(0),
            spawn,
        })
    }

    /// Wraps the analyzer the pipeline would have used: early analyses use
    /// it, and the returned analyzer reuses their results.
    pub fn wrap(self: &Arc<Self>, inner: Box<dyn Analyze>) -> Box<dyn Analyze> {
        let _ = self.inner.set(Arc::from(inner));
        Box::new(Reusing(Arc::clone(self)))
    }

    /// How many analyses were started early.
    pub fn started(&self) -> usize {
        self.started.load(Ordering::Relaxed)
    }

    /// Starts analysing `failure` unless its fingerprint already is. Returns
    /// true when it started one.
    pub fn start(&self, failure: LiveFailure) -> bool {
        let Some(inner) = self.inner.get().cloned() else {
            return false;
        };
        let LiveFailure { cluster, run, .. } = failure;
        let hash = cluster.fingerprint.hash.clone();
        let slot: Slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            if slots.contains_key(&hash) {
                return false;
            }
            let analysis: Pin<Box<dyn Future<Output = _> + Send>> = Box::pin(async move {
                inner
                    .analyze(&cluster, &run, &[])
                    .await
                    .map_err(|e| e.to_string())
            });
            let slot = analysis.shared();
            slots.insert(hash, slot.clone());
            slot
        };
        self.started.fetch_add(1, Ordering::Relaxed);
        (self.spawn)(Box::pin(slot.map(|_| ())));
        true
    }

    fn slot(&self, cluster: &Cluster) -> Option<Slot> {
        let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        std::iter::once(&cluster.fingerprint.hash)
            .chain(&cluster.merged_from)
            .find_map(|h| slots.get(h).cloned())
    }
}

/// The analyzer [`EarlyAnalyses::wrap`] returns.
struct Reusing(Arc<EarlyAnalyses>);

#[async_trait]
impl Analyze for Reusing {
    fn name(&self) -> &str {
        self.0.inner.get().map_or("none", |a| a.name())
    }

    async fn analyze(
        &self,
        cluster: &Cluster,
        run: &Sanitized<TestRun>,
        evidence: &[Evidence],
    ) -> Result<Option<Analysis>, AnalyzeError> {
        let Some(inner) = self.0.inner.get() else {
            return Ok(None);
        };
        let slot = if evidence.is_empty() {
            self.0.slot(cluster)
        } else {
            None
        };
        let Some(slot) = slot else {
            return inner.analyze(cluster, run, evidence).await;
        };
        slot.await.map_err(|message| AnalyzeError::Provider {
            analyzer: inner.name().to_owned(),
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attempt, Category, Failure, FailureKind, Severity, TestId};
    use crate::pipeline::IngestReport;
    use crate::stage::{Fingerprint, Sanitize};
    use std::borrow::Cow;
    use std::time::{Duration, Instant};

    /// Counts the texts it is asked about that contain `watch`.
    struct CountingSanitizer {
        inner: crate::RuleSanitizer,
        watch: &'static str,
        seen: Arc<AtomicUsize>,
    }

    impl Sanitize for CountingSanitizer {
        fn sanitize<'a>(&self, text: &'a str, state: &mut Redactions) -> Cow<'a, str> {
            if text.contains(self.watch) {
                self.seen.fetch_add(1, Ordering::Relaxed);
            }
            self.inner.sanitize(text, state)
        }
        fn sanitize_field<'a>(
            &self,
            name: &str,
            value: &'a str,
            state: &mut Redactions,
        ) -> Cow<'a, str> {
            self.inner.sanitize_field(name, value, state)
        }
    }

    struct CountingFingerprint {
        inner: crate::fingerprint::StructuredFingerprint,
        calls: Arc<AtomicUsize>,
    }

    impl Fingerprint for CountingFingerprint {
        fn fingerprint(&self, case: &TestCase) -> Signature {
            self.calls.fetch_add(1, Ordering::Relaxed);
            self.inner.fingerprint(case)
        }
        fn cluster(&self, run: &TestRun, signatures: Vec<(usize, Signature)>) -> Vec<Cluster> {
            self.inner.cluster(run, signatures)
        }
    }

    fn case(i: usize) -> TestCase {
        let mut f = Failure::new(FailureKind::Failure);
        f.message = Some(match i % 3 {
            0 => format!("connection refused to db-{i} password=hunter{i}"),
            1 => "expected 200 got 500 ghp_16C7e42F292c6912E7710c838347Ae178B4a".to_owned(),
            _ => "WATCHED assertion failed".to_owned(),
        });
        let attempts = if i % 4 == 3 {
            vec![Attempt::default()]
        } else {
            vec![Attempt::with_failures(vec![f])]
        };
        TestCase::new(
            TestId {
                name: format!("t{i}"),
                classname: Some("suite".into()),
                ..TestId::default()
            },
            attempts,
        )
    }

    fn counting() -> (Pipeline, Arc<AtomicUsize>, Arc<AtomicUsize>) {
        let (seen, calls) = (Arc::default(), Arc::default());
        let pipeline = Pipeline::default()
            .with_sanitizer(Box::new(CountingSanitizer {
                inner: crate::RuleSanitizer::default_for_process(),
                watch: "WATCHED",
                seen: Arc::clone(&seen),
            }))
            .with_fingerprint(Box::new(CountingFingerprint {
                inner: crate::fingerprint::StructuredFingerprint::default(),
                calls: Arc::clone(&calls),
            }));
        (pipeline, seen, calls)
    }

    fn ingested(cases: Vec<TestCase>) -> IngestReport {
        let mut report = IngestReport::default();
        report
            .run
            .push_input(InputStatus::default(), cases, Vec::new());
        report
    }

    #[test]
    fn failures_seen_while_the_run_went_on_are_not_sanitized_or_fingerprinted_again() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let cases: Vec<TestCase> = (0..40).map(case).collect();
        let failing = cases.iter().filter(|c| c.outcome.is_failing()).count();
        let watched = cases
            .iter()
            .filter(|c| c.outcome.is_failing() && c.id.name.ends_with(['2', '5', '8']))
            .count();

        // The whole run at the end, as `analyze` does it.
        let (pipeline, seen, calls) = counting();
        let plain = rt.block_on(pipeline.process(ingested(cases.clone())));
        assert_eq!(calls.load(Ordering::Relaxed), failing);
        let plain_seen = seen.load(Ordering::Relaxed);
        assert!(plain_seen >= watched, "{plain_seen} < {watched}");

        // Followed live, then the same run at the end.
        let (pipeline, seen, calls) = counting();
        let mut live = pipeline.live();
        let mut new = 0;
        for c in &cases {
            if let Some(f) = live.finished(c) {
                assert_eq!(f.cluster.tests.len(), 1);
                new += usize::from(f.new);
            }
        }
        assert_eq!(live.failures(), failing);
        assert!(
            new >= 2 && new < failing,
            "one new fingerprint per cause: {new}"
        );
        let followed = rt.block_on(pipeline.process_live_to(live, ingested(cases), &mut []));
        assert_eq!(
            calls.load(Ordering::Relaxed),
            failing,
            "each failure fingerprinted once"
        );
        assert_eq!(
            seen.load(Ordering::Relaxed),
            plain_seen,
            "each text sanitized as often as in one pass over the run"
        );

        // And the result is the same run, clustered the same way.
        let (a, b) = (plain.run.get(), followed.output.run.get());
        assert_eq!(a.cases.len(), b.cases.len());
        let text = serde_json::to_string(&b.cases).unwrap();
        assert!(
            !text.contains("hunter") && !text.contains("ghp_16C7"),
            "{text}"
        );
        assert_eq!(plain.redactions, followed.output.redactions);
        let shape = |o: &crate::pipeline::PipelineOutput| {
            o.clusters
                .iter()
                .map(|c| (c.cluster.fingerprint.hash.clone(), c.cluster.tests.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(shape(&plain), shape(&followed.output));
    }

    #[test]
    fn a_failure_that_changed_before_the_end_is_done_again() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (pipeline, _, calls) = counting();
        let mut live = pipeline.live();
        let first = case(0);
        live.finished(&first);
        let mut changed = first.clone();
        changed.attempts[0].failures[0].message = Some("a different message".into());
        let out = rt.block_on(pipeline.process_live_to(live, ingested(vec![changed]), &mut []));
        assert_eq!(calls.load(Ordering::Relaxed), 2);
        let message = out.output.run.cases[0].failures()[0].message.clone();
        assert_eq!(message.as_deref(), Some("a different message"));
    }

    /// Records when it was called and answers after a delay.
    struct Slow {
        calls: Mutex<Vec<(String, Instant)>>,
    }

    struct Shared(Arc<Slow>);

    #[async_trait]
    impl Analyze for Shared {
        fn name(&self) -> &str {
            "slow"
        }
        async fn analyze(
            &self,
            cluster: &Cluster,
            _run: &Sanitized<TestRun>,
            _evidence: &[Evidence],
        ) -> Result<Option<Analysis>, AnalyzeError> {
            self.0
                .calls
                .lock()
                .unwrap()
                .push((cluster.fingerprint.hash.clone(), Instant::now()));
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(Some(Analysis {
                root_cause: format!("cause of {}", cluster.fingerprint.hash),
                category: Category::Other,
                severity: Severity::Low,
                fix_suggestion: String::new(),
                confidence: 0.5,
                evidence: Vec::new(),
                analyzer: "slow".into(),
                critic_override: false,
                grounded: false,
                fallback_reason: None,
            }))
        }
    }

    fn failure(hash: &str, merged: &[&str]) -> LiveFailure {
        let cluster = Cluster {
            id: "c1".into(),
            fingerprint: Signature {
                hash: hash.into(),
                components: Vec::new(),
            },
            tests: vec![],
            case_indices: vec![],
            occurrences: 1,
            representative: 0,
            merged_from: merged.iter().map(|s| s.to_string()).collect(),
            mass_failure: false,
            label: None,
        };
        LiveFailure {
            cluster,
            run: Sanitized::assume_sanitized(TestRun::default()),
            new: true,
        }
    }

    #[test]
    fn analyses_start_during_the_run_and_are_reused_at_the_end() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let slow = Arc::new(Slow {
            calls: Mutex::new(Vec::new()),
        });
        let handle = rt.handle().clone();
        let early = EarlyAnalyses::new(Box::new(move |f| {
            handle.spawn(f);
        }));
        let reusing = early.wrap(Box::new(Shared(Arc::clone(&slow))));
        assert!(early.start(failure("a", &[])));
        assert!(early.start(failure("b", &[])));
        assert!(
            !early.start(failure("a", &[])),
            "one analysis per fingerprint"
        );
        assert_eq!(early.started(), 2);
        // The runner exits after both analyses started.
        std::thread::sleep(Duration::from_millis(20));
        let run_ended = Instant::now();
        let run = Sanitized::assume_sanitized(TestRun::default());
        let (a, merged, fresh) = rt.block_on(async {
            (
                reusing.analyze(&failure("a", &[]).cluster, &run, &[]).await,
                reusing
                    .analyze(&failure("x", &["b"]).cluster, &run, &[])
                    .await,
                reusing.analyze(&failure("c", &[]).cluster, &run, &[]).await,
            )
        });
        assert_eq!(a.unwrap().unwrap().root_cause, "cause of a");
        assert_eq!(
            merged.unwrap().unwrap().root_cause,
            "cause of b",
            "found through merged_from"
        );
        assert_eq!(fresh.unwrap().unwrap().root_cause, "cause of c");
        let calls = slow.calls.lock().unwrap();
        let hashes: Vec<_> = calls.iter().map(|(h, _)| h.as_str()).collect();
        assert_eq!(
            hashes.len(),
            3,
            "a and b were not analysed again: {hashes:?}"
        );
        for (h, at) in calls.iter() {
            assert_eq!(*at < run_ended, h != "c", "{h}");
        }
    }
}
