//! The five stage traits.
//!
//! Each stage is small and object-safe: the [`Pipeline`](crate::Pipeline)
//! holds them as `Box<dyn …>`. Ingest, sanitize and fingerprint are plain
//! synchronous code a caller can run on threads; collect and analyze do I/O
//! and are async.

use std::borrow::Cow;
use std::io::Read;

use async_trait::async_trait;

use crate::error::{AnalyzeError, IngestError};
use crate::model::{
    Analysis, Cluster, Diagnostic, Evidence, Format, Signature, SignatureComponent, Suite,
    TestCase, TestRun,
};
use crate::sanitize::{Redactions, Sanitized};

/// What a reader made of one input.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Detected format (`None` when unrecognised).
    pub format: Option<Format>,
    /// Best guess at the producing tool.
    pub producer: Option<String>,
    /// Timestamp the file declared, if any.
    pub timestamp: Option<String>,
    /// Every test case read — including those before an error.
    /// [`TestCase::suite`] indexes `suites`.
    pub cases: Vec<TestCase>,
    /// Every suite read, outer before inner.
    pub suites: Vec<Suite>,
    /// Problems that did not stop reading.
    pub warnings: Vec<Diagnostic>,
    /// The error that stopped reading, if any.
    pub error: Option<IngestError>,
}

/// How sure a reader is that it can read some input, from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sniff {
    /// Not this format.
    No,
    /// Could be; nothing contradicts it.
    Maybe,
    /// Certainly this format.
    Yes,
}

/// Reads result files into test cases.
pub trait Ingest: Send + Sync {
    /// Short name for messages.
    fn name(&self) -> &str;

    /// Looks at the first bytes of an input (up to a few KiB) and says whether this reader reads it.
    fn sniff(&self, head: &[u8]) -> Sniff;

    /// Reads a whole input. Never panics on bad data; puts the reason in [`Ingested::error`].
    fn ingest(&self, input: &mut dyn Read) -> Ingested;

    /// [`Ingest::ingest`] when the input's size in bytes is known (a file),
    /// so a reader can size its list of test cases once instead of growing
    /// (and copying) it as it reads. The default ignores the size.
    fn ingest_sized(&self, input: &mut dyn Read, size: Option<u64>) -> Ingested {
        let _ = size;
        self.ingest(input)
    }
}

/// Removes secrets and personal data from text before it is stored, shown or sent.
///
/// `state` spans a whole run: implementations number placeholders through
/// [`Redactions::placeholder`] so one value has one number in a report, and
/// the counts end up in the report. Return the text borrowed when nothing
/// was redacted. Whether a text needs redacting must not depend on `state`
/// (it only numbers placeholders): a run's texts are first checked on every
/// core with throwaway state, and only those that need it are redacted with
/// the run's. The built-in implementation is
/// [`RuleSanitizer`](crate::sanitize::RuleSanitizer).
pub trait Sanitize: Send + Sync {
    /// Returns `text` with every secret replaced, recording what was redacted in `state`.
    fn sanitize<'a>(&self, text: &'a str, state: &mut Redactions) -> Cow<'a, str>;

    /// Sanitizes the value of a named field (a JUnit property or attribute),
    /// where the name is context the value alone lacks: `db.password` =
    /// `hunter2`. Defaults to sanitizing the value alone.
    fn sanitize_field<'a>(
        &self,
        name: &str,
        value: &'a str,
        state: &mut Redactions,
    ) -> Cow<'a, str> {
        let _ = name;
        self.sanitize(value, state)
    }
}

/// Computes failure signatures and groups failures into clusters.
pub trait Fingerprint: Send + Sync {
    /// The signature of a failing test case.
    fn fingerprint(&self, case: &TestCase) -> Signature;

    /// Groups failing cases (given as indices into `run.cases`, with their
    /// signatures) into clusters, largest first. The default groups exact
    /// fingerprint matches only.
    fn cluster(&self, run: &TestRun, signatures: Vec<(usize, Signature)>) -> Vec<Cluster> {
        crate::cluster::exact_clusters(run, signatures)
    }
}

/// Gathers context for a cluster.
#[async_trait]
pub trait Collect: Send + Sync {
    /// Short name, used as [`Provenance::collector`](crate::model::Provenance::collector).
    fn name(&self) -> &str;

    /// Collects evidence. A failed collection is returned as evidence whose
    /// provenance carries the error, so the run still completes.
    async fn collect(&self, cluster: &Cluster, run: &Sanitized<TestRun>) -> Vec<Evidence>;
}

/// Explains a cluster.
#[async_trait]
pub trait Analyze: Send + Sync {
    /// Short name for messages.
    fn name(&self) -> &str;

    /// Produces an analysis, `Ok(None)` when this analyzer has nothing to say.
    /// It sees only sanitized text; what it returns is sanitized again.
    async fn analyze(
        &self,
        cluster: &Cluster,
        run: &Sanitized<TestRun>,
        evidence: &[Evidence],
    ) -> Result<Option<Analysis>, AnalyzeError>;

    /// Called once with every cluster of a run, before they are analyzed
    /// one by one, when no collector will add evidence. An analyzer that
    /// needs no I/O may work on all of them here, on `threads` threads, and
    /// answer [`Analyze::analyze`] from that work (the clusters it is then
    /// asked about may still differ: check). Does nothing by default.
    fn prepare(&self, clusters: &[Cluster], run: &Sanitized<TestRun>, threads: usize) {
        let _ = (clusters, run, threads);
    }
}

/// An ingester that recognises nothing: for pipelines fed a [`TestRun`]
/// built in memory by a custom harness.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoInput;

impl Ingest for NoInput {
    fn name(&self) -> &str {
        "none"
    }

    fn sniff(&self, _head: &[u8]) -> Sniff {
        Sniff::No
    }

    fn ingest(&self, _input: &mut dyn Read) -> Ingested {
        Ingested {
            error: Some(IngestError::Unrecognized {
                looks_like: "input to a pipeline that reads no files".into(),
            }),
            ..Ingested::default()
        }
    }
}

/// A sanitizer that **redacts nothing**: an explicit opt-out for embedding
/// code whose text is known to hold no secrets (synthetic runs, tests).
///
/// **Unsafe for output**: with it, every secret in the test output reaches
/// `report.json`, the enriched JUnit, the terminal and anything sent to an
/// LLM. The default pipeline uses [`RuleSanitizer`](crate::sanitize::RuleSanitizer).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRedaction;

impl Sanitize for NoRedaction {
    fn sanitize<'a>(&self, text: &'a str, _state: &mut Redactions) -> Cow<'a, str> {
        Cow::Borrowed(text)
    }
}

/// The simplest honest fingerprint: **one cluster per distinct failure
/// message**. Kept as a baseline to compare the built-in
/// [`StructuredFingerprint`](crate::fingerprint::StructuredFingerprint) against. The signature is the failure kind, the failure type and the
/// whole message with runs of whitespace collapsed; no language-aware parsing
/// and no parameterisation of variable data (ports, paths, ids) yet, so two
/// failures that differ only in a port number land in different clusters.
#[derive(Clone, Copy, Debug, Default)]
pub struct MessageFingerprint;

impl Fingerprint for MessageFingerprint {
    fn fingerprint(&self, case: &TestCase) -> Signature {
        let mut components = Vec::new();
        if let Some(f) = case.primary_failure() {
            components.push(SignatureComponent::new("kind", f.kind.as_str()));
            if let Some(t) = f.r#type.as_deref().filter(|t| !t.trim().is_empty()) {
                components.push(SignatureComponent::new("type", t.trim()));
            }
            let message = f
                .full_text()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            components.push(SignatureComponent::new("message", message));
        } else {
            components.push(SignatureComponent::new("kind", "no-details"));
        }
        Signature::from_components(components)
    }
}

/// The built-in analyzer for now: **produces no analysis** for any cluster.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAnalysis;

#[async_trait]
impl Analyze for NoAnalysis {
    fn name(&self) -> &str {
        "none"
    }

    async fn analyze(
        &self,
        _cluster: &Cluster,
        _run: &Sanitized<TestRun>,
        _evidence: &[Evidence],
    ) -> Result<Option<Analysis>, AnalyzeError> {
        Ok(None)
    }
}

/// Every stage trait is implemented for `&T`, `Box<T>` and `Arc<T>` of an
/// implementation, so one stage can be shared by several pipelines or kept
/// by the caller while a pipeline uses it.
macro_rules! forward_stages {
    ($($ptr:ty),*) => {$(
        impl<T: Ingest + ?Sized> Ingest for $ptr {
            fn name(&self) -> &str {
                (**self).name()
            }
            fn sniff(&self, head: &[u8]) -> Sniff {
                (**self).sniff(head)
            }
            fn ingest(&self, input: &mut dyn Read) -> Ingested {
                (**self).ingest(input)
            }
            fn ingest_sized(&self, input: &mut dyn Read, size: Option<u64>) -> Ingested {
                (**self).ingest_sized(input, size)
            }
        }

        impl<T: Sanitize + ?Sized> Sanitize for $ptr {
            fn sanitize<'a>(&self, text: &'a str, state: &mut Redactions) -> Cow<'a, str> {
                (**self).sanitize(text, state)
            }
            fn sanitize_field<'a>(
                &self,
                name: &str,
                value: &'a str,
                state: &mut Redactions,
            ) -> Cow<'a, str> {
                (**self).sanitize_field(name, value, state)
            }
        }

        impl<T: Fingerprint + ?Sized> Fingerprint for $ptr {
            fn fingerprint(&self, case: &TestCase) -> Signature {
                (**self).fingerprint(case)
            }
            fn cluster(&self, run: &TestRun, signatures: Vec<(usize, Signature)>) -> Vec<Cluster> {
                (**self).cluster(run, signatures)
            }
        }

        #[async_trait]
        impl<T: Collect + ?Sized> Collect for $ptr {
            fn name(&self) -> &str {
                (**self).name()
            }
            async fn collect(&self, cluster: &Cluster, run: &Sanitized<TestRun>) -> Vec<Evidence> {
                (**self).collect(cluster, run).await
            }
        }

        #[async_trait]
        impl<T: Analyze + ?Sized> Analyze for $ptr {
            fn name(&self) -> &str {
                (**self).name()
            }
            async fn analyze(
                &self,
                cluster: &Cluster,
                run: &Sanitized<TestRun>,
                evidence: &[Evidence],
            ) -> Result<Option<Analysis>, AnalyzeError> {
                (**self).analyze(cluster, run, evidence).await
            }
            fn prepare(&self, clusters: &[Cluster], run: &Sanitized<TestRun>, threads: usize) {
                (**self).prepare(clusters, run, threads);
            }
        }
    )*};
}

forward_stages!(&T, Box<T>, std::sync::Arc<T>);

#[cfg(test)]
mod forwarding_tests {
    use super::*;
    use crate::model::{Attempt, Failure, FailureKind, TestId};
    use std::sync::Arc;

    #[test]
    fn a_shared_stage_works_through_every_pointer() {
        let fp = Arc::new(MessageFingerprint);
        let mut f = Failure::new(FailureKind::Failure);
        f.message = Some("boom".into());
        let case = TestCase::new(
            TestId {
                name: "t".into(),
                ..TestId::default()
            },
            vec![Attempt::with_failures(vec![f])],
        );
        let direct = MessageFingerprint.fingerprint(&case);
        let boxed: Box<dyn Fingerprint> = Box::new(fp.clone());
        assert_eq!(boxed.fingerprint(&case).hash, direct.hash);
        let by_ref: Box<dyn Fingerprint + '_> = Box::new(&*fp);
        assert_eq!(by_ref.fingerprint(&case).hash, direct.hash);
        // A pipeline can take a stage the caller keeps.
        let s = Arc::new(NoRedaction);
        let pipeline = crate::Pipeline::default().with_sanitizer(Box::new(s.clone()));
        let mut state = Redactions::new();
        assert_eq!(
            pipeline.sanitize_text("password=hunter2", &mut state).get(),
            "password=hunter2"
        );
    }
}
