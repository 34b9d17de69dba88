//! Analyses started while the tests still run.
//!
//! Each failure is fingerprinted as it arrives; the first failure with a new
//! fingerprint starts that fingerprint's analysis on the runtime, from the
//! failure alone. When the run ends, the pipeline's analyzer is
//! [`Reusing`]: for a cluster whose fingerprint (or one it merged) was
//! analysed early it returns that analysis — waiting for it if it is still
//! in flight — instead of starting again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use failtale_core::Sanitized;
use failtale_core::error::AnalyzeError;
use failtale_core::model::{Analysis, Cluster, Evidence, TestRun};
use failtale_core::stage::Analyze;
use tokio::sync::OnceCell;

type Slot = Arc<OnceCell<Result<Option<Analysis>, String>>>;

/// The analyses started early, by exact fingerprint.
pub(crate) struct Early {
    inner: OnceLock<Arc<dyn Analyze>>,
    slots: Mutex<HashMap<String, Slot>>,
    started: AtomicUsize,
    runtime: tokio::runtime::Handle,
}

impl Early {
    /// Analyses will run on `runtime`.
    pub(crate) fn new(runtime: tokio::runtime::Handle) -> Arc<Early> {
        Arc::new(Early {
            inner: OnceLock::new(),
            slots: Mutex::new(HashMap::new()),
            started: AtomicUsize::new(0),
            runtime,
        })
    }

    /// Wraps the analyzer the pipeline would have used: early analyses use
    /// it, and the returned analyzer reuses their results.
    pub(crate) fn wrap(self: &Arc<Self>, inner: Box<dyn Analyze>) -> Box<dyn Analyze> {
        let _ = self.inner.set(Arc::from(inner));
        Box::new(Reusing(Arc::clone(self)))
    }

    /// How many analyses were started early.
    pub(crate) fn started(&self) -> usize {
        self.started.load(Ordering::Relaxed)
    }

    /// Starts analysing `cluster` (a sanitized failure's own one-test
    /// cluster) unless its fingerprint is already being analysed. Returns
    /// true when it started one.
    pub(crate) fn start(&self, cluster: Cluster, run: Sanitized<TestRun>) -> bool {
        let Some(inner) = self.inner.get().cloned() else {
            return false;
        };
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            if slots.contains_key(&cluster.fingerprint.hash) {
                return false;
            }
            let slot = Slot::default();
            slots.insert(cluster.fingerprint.hash.clone(), Arc::clone(&slot));
            slot
        };
        self.started.fetch_add(1, Ordering::Relaxed);
        self.runtime.spawn(async move {
            slot.get_or_init(|| async {
                inner
                    .analyze(&cluster, &run, &[])
                    .await
                    .map_err(|e| e.to_string())
            })
            .await;
        });
        true
    }

    fn slot(&self, cluster: &Cluster) -> Option<Slot> {
        let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        std::iter::once(&cluster.fingerprint.hash)
            .chain(&cluster.merged_from)
            .find_map(|h| slots.get(h).cloned())
    }
}

/// The pipeline's analyzer during `test`: reuses early analyses.
struct Reusing(Arc<Early>);

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
        // Evidence changes the answer: an early analysis never saw it.
        let slot = if evidence.is_empty() {
            self.0.slot(cluster)
        } else {
            None
        };
        let Some(slot) = slot else {
            return inner.analyze(cluster, run, evidence).await;
        };
        // Still in flight: wait for it. Not started yet: do it here, with the
        // whole cluster (the early task then finds it done).
        let result = slot
            .get_or_init(|| async {
                inner
                    .analyze(cluster, run, evidence)
                    .await
                    .map_err(|e| e.to_string())
            })
            .await;
        result.clone().map_err(|message| AnalyzeError::Provider {
            analyzer: inner.name().to_owned(),
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use failtale_core::model::{Category, Severity, Signature};
    use std::time::Instant;

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
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
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

    fn cluster(hash: &str, merged: &[&str]) -> Cluster {
        Cluster {
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
        let early = Early::new(rt.handle().clone());
        let reusing = early.wrap(Box::new(Shared(Arc::clone(&slow))));
        let run = failtale_core::Pipeline::default().sanitize(
            TestRun::default(),
            &mut failtale_core::sanitize::Redactions::new(),
        );
        assert!(early.start(cluster("a", &[]), run.clone()));
        assert!(early.start(cluster("b", &[]), run.clone()));
        assert!(
            !early.start(cluster("a", &[]), run.clone()),
            "one analysis per fingerprint"
        );
        assert_eq!(early.started(), 2);
        // The runner exits after both analyses started.
        std::thread::sleep(std::time::Duration::from_millis(20));
        let run_ended = Instant::now();
        let (a, merged, fresh) = rt.block_on(async {
            (
                reusing
                    .analyze(&cluster("a", &[]), &run, &[])
                    .await
                    .unwrap(),
                reusing
                    .analyze(&cluster("x", &["b"]), &run, &[])
                    .await
                    .unwrap(),
                reusing
                    .analyze(&cluster("c", &[]), &run, &[])
                    .await
                    .unwrap(),
            )
        });
        assert_eq!(a.unwrap().root_cause, "cause of a");
        assert_eq!(
            merged.unwrap().root_cause,
            "cause of b",
            "found through merged_from"
        );
        assert_eq!(fresh.unwrap().root_cause, "cause of c");
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
