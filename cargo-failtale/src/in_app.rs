//! The fingerprinter `analyze` and `test` use: failtale-core's, with the
//! cargo workspace's crates as in-app.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use failtale_core::fingerprint::{FingerprintConfig, StructuredFingerprint};
use failtale_core::model::{Cluster, Signature, TestCase, TestRun};
use failtale_core::stage::Fingerprint;

/// Where the in-app crate names come from (`cargo metadata`, in the tool).
type CrateSource = Box<dyn Fn() -> BTreeSet<String> + Send + Sync>;

/// [`StructuredFingerprint`] whose in-app crates are asked for only when the
/// first failing test is fingerprinted: asking costs a `cargo metadata` run
/// (tens of milliseconds of CPU, competing with the tests on a small
/// machine), and a run where every test passes never needs the answer.
/// The signatures are the same as with the crates known up front.
pub(crate) struct WorkspaceFingerprint {
    crates: CrateSource,
    inner: OnceLock<StructuredFingerprint>,
}

impl std::fmt::Debug for WorkspaceFingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkspaceFingerprint")
            .field("asked", &self.inner.get().is_some())
            .finish()
    }
}

impl WorkspaceFingerprint {
    /// A fingerprinter that calls `crates` at most once, when it is first needed.
    pub(crate) fn new(crates: impl Fn() -> BTreeSet<String> + Send + Sync + 'static) -> Self {
        WorkspaceFingerprint {
            crates: Box::new(crates),
            inner: OnceLock::new(),
        }
    }

    fn get(&self) -> &StructuredFingerprint {
        self.inner.get_or_init(|| {
            StructuredFingerprint::new(FingerprintConfig {
                in_app_crates: (self.crates)(),
                ..FingerprintConfig::default()
            })
        })
    }
}

impl Fingerprint for WorkspaceFingerprint {
    fn fingerprint(&self, case: &TestCase) -> Signature {
        self.get().fingerprint(case)
    }

    fn cluster(&self, run: &TestRun, signatures: Vec<(usize, Signature)>) -> Vec<Cluster> {
        // Nothing failed: no clusters, and no need to ask for the crates.
        if signatures.is_empty() {
            return Vec::new();
        }
        self.get().cluster(run, signatures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use failtale_core::model::{Attempt, Failure, FailureKind, TestId};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const PANIC: &str = "thread 'store::load_missing' panicked at src/store.rs:41:37:
called `Result::unwrap()` on an `Err` value: NotFound
stack backtrace:
   0: rust_begin_unwind
             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/panicking.rs:665:5
   1: core::result::unwrap_failed
             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/result.rs:1700:5
   2: shopkeep::store::Store::open::h5f1c2a9b3d4e6f70
             at ./src/store.rs:41:37
   3: shopkeep::store::tests::load_missing::h99aa88bb77cc66dd
             at ./src/store.rs:130:9
";

    fn failing_case() -> TestCase {
        let mut failure = Failure::new(FailureKind::Failure);
        failure.body = Some(PANIC.into());
        let attempt = Attempt::with_failures(vec![failure]);
        let id = {
            let mut test_id = TestId::default();
            test_id.name = "store::load_missing".into();
            test_id
        };
        TestCase::new(id, vec![attempt])
    }

    fn counting(crates: &'static [&'static str]) -> (WorkspaceFingerprint, Arc<AtomicUsize>) {
        let asked = Arc::new(AtomicUsize::new(0));
        let counter = asked.clone();
        let f = WorkspaceFingerprint::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            crates.iter().map(|c| (*c).to_owned()).collect()
        });
        (f, asked)
    }

    #[test]
    fn the_crates_are_asked_for_once_and_only_when_a_failure_is_fingerprinted() {
        let (f, asked) = counting(&["shopkeep"]);
        assert!(f.cluster(&TestRun::default(), Vec::new()).is_empty());
        assert_eq!(asked.load(Ordering::SeqCst), 0, "a passing run never asks");
        let case = failing_case();
        let a = f.fingerprint(&case);
        let b = f.fingerprint(&case);
        assert_eq!(a, b);
        assert_eq!(asked.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn signatures_are_those_of_the_crates_known_up_front() {
        let case = failing_case();
        let eager = |crates: &[&str]| {
            StructuredFingerprint::new(FingerprintConfig {
                in_app_crates: crates.iter().map(|c| (*c).to_owned()).collect(),
                ..FingerprintConfig::default()
            })
            .fingerprint(&case)
        };
        let frames = |s: &Signature| {
            s.components
                .iter()
                .filter(|c| c.name == "frame")
                .map(|c| c.value.clone())
                .collect::<Vec<_>>()
        };
        let (mine, _) = counting(&["shopkeep"]);
        let (other, _) = counting(&["other_crate"]);
        let with_shopkeep = mine.fingerprint(&case);
        assert_eq!(with_shopkeep, eager(&["shopkeep"]));
        assert_eq!(other.fingerprint(&case), eager(&["other_crate"]));
        // The in-app crates decide the frames, so the comparison means something.
        assert_eq!(
            frames(&with_shopkeep),
            ["shopkeep::store::Store::open (store.rs)"]
        );
        assert!(frames(&other.fingerprint(&case)).is_empty());
    }
}
