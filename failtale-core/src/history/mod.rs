//! Memory of past runs: what a history store keeps, and what is computed from it.
//!
//! A [`HistoryStore`] records every analysed run ([`RunRecord`]: when, where
//! from, which commit and branch, and each test's outcome, duration, attempts
//! and failure fingerprint) and answers the questions later stages ask:
//!
//! - the last N results of each test ([`HistoryStore::test_histories`]), from
//!   which [`stability::assess`] computes pass rate, flip rate, grade, verdict
//!   and trend;
//! - which tests passed on a given commit ([`HistoryStore::commit_outcomes`])
//!   and what happened after earlier failures with a fingerprint
//!   ([`HistoryStore::fingerprints`]), from which [`flake::flake_probability`]
//!   computes how likely a failure is a flake, with reasons;
//! - when a fingerprint was first and last seen ("seen before");
//! - cached analyses keyed by fingerprint and analyzer settings.
//!
//! The embedded SQLite implementation is in the `failtale-history` crate;
//! this module holds only the contract and the computations, so a shared
//! server database can implement the same trait later.

pub mod annotate;
pub mod flake;
pub mod import;
pub mod lookup;
pub mod stability;
pub mod time;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::model::{Analysis, Cluster, Outcome, TestRun};
use crate::sanitize::Sanitized;

/// Identifier of a recorded run; larger means recorded later.
pub type RunId = i64;

/// One run as it is recorded: what happened to every test.
///
/// Build it with [`RunRecord::from_run`] from a run that has **already been
/// sanitized**: the store keeps test names, source paths and VCS facts
/// verbatim, and nothing else from the run (no messages, no output).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// When the run happened (Unix milliseconds): the time the result files
    /// declare, else the time it was recorded.
    pub at_ms: i64,
    /// When it was recorded (Unix milliseconds).
    pub recorded_ms: i64,
    /// The result files it was read from.
    pub sources: Vec<String>,
    /// VCS commit, when known.
    pub commit: Option<String>,
    /// VCS branch, when known.
    pub branch: Option<String>,
    /// CI job identifier, when known.
    pub ci_job: Option<String>,
    /// The runner (matrix or shard dimension) that produced it, when known.
    #[serde(default)]
    pub runner: Option<String>,
    /// One result per distinct test key.
    pub results: Vec<ResultRecord>,
}

/// One test's result in a recorded run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultRecord {
    /// The test key ([`TestId::key`](crate::model::TestId::key)).
    pub test: String,
    /// Final outcome.
    pub outcome: Outcome,
    /// Duration in microseconds, when the file gave one.
    pub duration_us: Option<u64>,
    /// Number of attempts (at least 1).
    pub attempts: u32,
    /// Fingerprint of the cluster the failure belongs to (failing tests only).
    pub fingerprint: Option<String>,
}

impl RunRecord {
    /// Builds the record of `run`, whose failing cases were grouped into
    /// `clusters` (each failing test gets its cluster's fingerprint).
    ///
    /// A test key that occurs more than once in the run (the same test in two
    /// result files, or two parameterised cases with one name) is recorded
    /// once: the worst outcome wins (error > failure > flaky > passed >
    /// skipped), attempts and durations add up.
    ///
    /// Only a sanitized run can be recorded: the store never sees raw text.
    pub fn from_run(run: &Sanitized<TestRun>, clusters: &[Cluster], now_ms: i64) -> Self {
        let run = run.get();
        let mut fingerprint_of: HashMap<usize, &str> = HashMap::new();
        for c in clusters {
            for &i in &c.case_indices {
                fingerprint_of.insert(i, c.fingerprint.hash.as_str());
            }
        }
        let mut results: Vec<ResultRecord> = Vec::with_capacity(run.cases.len());
        let mut index: HashMap<String, usize> = HashMap::with_capacity(run.cases.len());
        for (i, case) in run.cases.iter().enumerate() {
            let rec = ResultRecord {
                test: case.id.key(),
                outcome: case.outcome,
                duration_us: case
                    .duration
                    .map(|d| d.as_micros().min(u64::MAX as u128) as u64),
                attempts: case.attempt_count().min(u32::MAX as usize) as u32,
                fingerprint: fingerprint_of.get(&i).map(|s| (*s).to_owned()),
            };
            match index.get(&rec.test) {
                Some(&j) => merge_duplicate(&mut results[j], rec),
                None => {
                    index.insert(rec.test.clone(), results.len());
                    results.push(rec);
                }
            }
        }
        let vcs = run.vcs.clone().unwrap_or_default();
        RunRecord {
            at_ms: run
                .started_at
                .as_deref()
                .and_then(time::parse_ms)
                .unwrap_or(now_ms),
            recorded_ms: now_ms,
            sources: run.inputs.iter().map(|i| i.path.clone()).collect(),
            commit: vcs.commit,
            branch: vcs.branch,
            ci_job: vcs.ci_job,
            runner: vcs.runner,
            results,
        }
    }
}

fn severity(o: Outcome) -> u8 {
    match o {
        Outcome::Skipped => 0,
        Outcome::Passed => 1,
        Outcome::Flaky => 2,
        Outcome::Failed => 3,
        Outcome::Error => 4,
    }
}

fn merge_duplicate(into: &mut ResultRecord, other: ResultRecord) {
    if severity(other.outcome) > severity(into.outcome) {
        into.outcome = other.outcome;
        into.fingerprint = other.fingerprint;
    }
    into.attempts = into.attempts.saturating_add(other.attempts);
    into.duration_us = match (into.duration_us, other.duration_us) {
        (Some(a), Some(b)) => Some(a.saturating_add(b)),
        (a, b) => a.or(b),
    };
}

/// A run's tests counted by final outcome, and its root causes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunSummary {
    /// Distinct tests.
    pub tests: u64,
    /// Passed (first time).
    pub passed: u64,
    /// Failed.
    pub failed: u64,
    /// Errored.
    pub errors: u64,
    /// Skipped.
    pub skipped: u64,
    /// Passed only on a retry.
    pub flaky: u64,
    /// Distinct failure fingerprints: the run's root causes.
    pub root_causes: u64,
}

impl RunSummary {
    /// Counts a recorded run's results.
    pub fn of(results: &[ResultRecord]) -> Self {
        let mut s = RunSummary {
            tests: results.len() as u64,
            ..RunSummary::default()
        };
        let mut causes = std::collections::HashSet::new();
        for r in results {
            match r.outcome {
                Outcome::Passed => s.passed += 1,
                Outcome::Failed => s.failed += 1,
                Outcome::Error => s.errors += 1,
                Outcome::Skipped => s.skipped += 1,
                Outcome::Flaky => s.flaky += 1,
            }
            if let Some(f) = &r.fingerprint {
                causes.insert(f.as_str());
            }
        }
        s.root_causes = causes.len() as u64;
        s
    }
}

/// A recorded run as [`RunArchive::list_runs`] lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoredRun {
    /// Its id.
    pub id: RunId,
    /// When it happened (Unix milliseconds).
    pub at_ms: i64,
    /// When it was recorded (Unix milliseconds).
    pub recorded_ms: i64,
    /// VCS commit.
    pub commit: Option<String>,
    /// VCS branch.
    pub branch: Option<String>,
    /// CI job.
    pub ci_job: Option<String>,
    /// Runner (matrix or shard dimension).
    pub runner: Option<String>,
    /// Its tests by outcome (runs recorded before summaries were kept
    /// give only the number of tests).
    pub summary: RunSummary,
}

/// Which runs [`RunArchive::list_runs`] lists: the newest `limit` of them,
/// of one branch when `branch` is set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunQuery {
    /// At most this many runs.
    pub limit: usize,
    /// Only runs of this branch.
    pub branch: Option<String>,
}

impl RunQuery {
    /// The newest `limit` runs, of `branch` when given.
    pub fn new(limit: usize, branch: Option<String>) -> Self {
        RunQuery { limit, branch }
    }
}

/// What [`RunArchive::claim_upload`] found for an upload's idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadClaim {
    /// The key is new (or its earlier claim went stale): this upload goes
    /// ahead, and must [`complete`](RunArchive::archive_run) or
    /// [`release`](RunArchive::release_upload) the key.
    Claimed,
    /// Another upload with this key is being processed now.
    InProgress,
    /// An upload with this key was recorded as this run, with this answer.
    Done {
        /// The run it was recorded as.
        run: RunId,
        /// The answer it was given (JSON).
        response: String,
    },
}

/// A file kept with a run (one of its outputs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunFile {
    /// File name (`report.json`, …).
    pub name: String,
    /// Content.
    pub data: Vec<u8>,
}

/// What a server keeps beside the history: each run's outputs, so any
/// server instance over the same store can serve them, and the answers to
/// uploads by idempotency key, so a retried upload is recorded once.
pub trait RunArchive: HistoryStore {
    /// The newest runs first, and how many runs match in all.
    fn list_runs(&self, query: &RunQuery) -> Result<(Vec<StoredRun>, u64), HistoryError>;

    /// Keeps `files` with `run` and, for an upload with an idempotency key,
    /// completes its claim with `response`: all in one transaction.
    fn archive_run(
        &self,
        run: RunId,
        files: &[RunFile],
        upload: Option<(&str, &str)>,
    ) -> Result<(), HistoryError>;

    /// One of the files kept with `run`.
    fn run_file(&self, run: RunId, name: &str) -> Result<Option<Vec<u8>>, HistoryError>;

    /// Claims `key` for an upload starting at `now_ms`. A claim older than
    /// `stale_after_ms` whose upload never completed (its server stopped)
    /// is taken over.
    fn claim_upload(
        &self,
        key: &str,
        now_ms: i64,
        stale_after_ms: i64,
    ) -> Result<UploadClaim, HistoryError>;

    /// Gives up a claim (the upload failed before it was recorded).
    fn release_upload(&self, key: &str) -> Result<(), HistoryError>;
}

/// Facts about a recorded run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Its id.
    pub id: RunId,
    /// When it happened (Unix milliseconds).
    pub at_ms: i64,
    /// VCS commit.
    pub commit: Option<String>,
    /// VCS branch.
    pub branch: Option<String>,
}

/// One past result of a test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The run it was recorded in.
    pub run: RunId,
    /// Final outcome.
    pub outcome: Outcome,
    /// Duration in microseconds.
    pub duration_us: Option<u64>,
    /// Attempts.
    pub attempts: u32,
}

/// The most recent results of one test, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestHistory {
    /// Test key.
    pub test: String,
    /// Results, oldest first.
    pub entries: Vec<HistoryEntry>,
}

impl TestHistory {
    /// How many of the newest results in a row (skips ignored) were failures.
    pub fn failing_streak(&self) -> usize {
        self.entries
            .iter()
            .rev()
            .filter(|e| e.outcome != Outcome::Skipped)
            .take_while(|e| e.outcome.is_failing())
            .count()
    }
}

/// What [`HistoryStore::test_histories`] returns: the tests' recent results
/// and the runs those results belong to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistorySlice {
    /// Every run referenced by an entry.
    pub runs: BTreeMap<RunId, RunInfo>,
    /// One history per test.
    pub tests: Vec<TestHistory>,
}

/// How a test fared on one commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitOutcomes {
    /// Runs in which it passed (also after retries).
    pub passed: usize,
    /// Runs in which it failed or errored.
    pub failed: usize,
}

/// The recorded past of one fingerprint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FingerprintHistory {
    /// Fingerprint hash.
    pub fingerprint: String,
    /// When first seen (Unix milliseconds).
    pub first_seen_ms: i64,
    /// When last seen (Unix milliseconds).
    pub last_seen_ms: i64,
    /// In how many runs it appeared (kept even when old runs are pruned).
    pub runs_seen: u64,
    /// The commit of the run where it first appeared, when known.
    pub first_commit: Option<String>,
    /// Past failures with this fingerprint for which the same test has a
    /// later (non-skipped) result in the store.
    pub followed: u64,
    /// Of those, how many were followed by a pass on the same commit: the
    /// failure went away with no code change.
    pub followed_by_pass_same_commit: u64,
}

/// Key of a cached analysis: the analyzers' [`CacheKey`](crate::analyze::CacheKey).
pub type AnalysisKey = crate::analyze::CacheKey;

/// Why a history store could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// The store's backend failed.
    #[error("history store `{location}` failed to {action}")]
    Backend {
        /// Where the store is (a path or a URL).
        location: String,
        /// What it was doing (`open`, `record a run`, …).
        action: &'static str,
        /// The backend's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The store was written by a newer failtale.
    #[error(
        "history store `{location}` has schema version {found}; this failtale knows up to {known}"
    )]
    TooNew {
        /// Where the store is.
        location: String,
        /// Version found.
        found: i64,
        /// Newest version this release knows.
        known: i64,
    },
    /// Reading a result file to import failed.
    #[error("cannot import `{path}`: {message}")]
    Import {
        /// The file or directory.
        path: String,
        /// Why.
        message: String,
    },
}

/// A place that remembers runs. Object-safe; implementations serialise
/// concurrent writers themselves (several processes may record at once).
pub trait HistoryStore: Send + Sync + std::fmt::Debug {
    /// Records one run atomically: after a crash it is either fully there or
    /// not at all. Returns its id.
    fn record_run(&self, run: &RunRecord) -> Result<RunId, HistoryError>;

    /// Records several runs; each is atomic, and a store may write them in
    /// one transaction (an import does this for speed). Returns their ids in order.
    fn record_runs(&self, runs: &[RunRecord]) -> Result<Vec<RunId>, HistoryError> {
        runs.iter().map(|r| self.record_run(r)).collect()
    }

    /// The last `window` results of each test (oldest first), for the given
    /// test keys or, with `None`, for every test that has a result.
    fn test_histories(
        &self,
        tests: Option<&[String]>,
        window: usize,
    ) -> Result<HistorySlice, HistoryError>;

    /// [`HistoryStore::test_histories`] of the tests whose last `window`
    /// results include a failure, an error or a pass on retry
    /// ([`stability::unsettled`]): the only ones a stability table lists,
    /// as the others are stable or too new to judge. A store can leave the
    /// others out as it reads; this default reads every test, then drops them.
    fn unsettled_histories(&self, window: usize) -> Result<HistorySlice, HistoryError> {
        let mut slice = self.test_histories(None, window)?;
        slice
            .tests
            .retain(|t| stability::unsettled(&t.entries, window));
        Ok(slice)
    }

    /// For each of `tests` that has results on `commit` (outside
    /// `exclude_run`), how often it passed and failed there.
    fn commit_outcomes(
        &self,
        commit: &str,
        tests: &[String],
        exclude_run: Option<RunId>,
    ) -> Result<HashMap<String, CommitOutcomes>, HistoryError>;

    /// The past of each known fingerprint among `hashes` (unknown ones are left out).
    fn fingerprints(&self, hashes: &[String]) -> Result<Vec<FingerprintHistory>, HistoryError>;

    /// Keeps the newest `keep_per_branch` runs of each branch (runs without a
    /// branch form one group) and deletes the rest. Returns how many runs were deleted.
    fn prune(&self, keep_per_branch: usize) -> Result<usize, HistoryError>;

    /// Deletes the runs made before `before_ms` (milliseconds since the
    /// epoch, the runs' own time). Returns how many were deleted. The
    /// default deletes nothing: a store that cannot tell runs' ages keeps them.
    fn prune_before(&self, before_ms: i64) -> Result<usize, HistoryError> {
        let _ = before_ms;
        Ok(0)
    }

    /// Number of runs stored.
    fn run_count(&self) -> Result<u64, HistoryError>;

    /// A cached analysis, if one was stored under `key`.
    fn cached_analysis(&self, key: &AnalysisKey) -> Result<Option<Analysis>, HistoryError>;

    /// Stores (or replaces) the analysis for `key`.
    fn cache_analysis(&self, key: &AnalysisKey, analysis: &Analysis) -> Result<(), HistoryError>;
}

/// The analysis cache kept in a history store, so an analysis made in one
/// run is reused by the next (an LLM is not asked twice about one
/// fingerprint with the same settings). Store errors count as a miss: the
/// cache may only save work, never fail a run.
pub struct StoreCache(pub std::sync::Arc<dyn HistoryStore>);

impl std::fmt::Debug for StoreCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreCache")
    }
}

impl crate::analyze::AnalysisCache for StoreCache {
    fn get(&self, key: &AnalysisKey) -> Option<Analysis> {
        self.0.cached_analysis(key).ok().flatten()
    }

    fn put(&self, key: &AnalysisKey, analysis: &Analysis) {
        let _ = self.0.cache_analysis(key, analysis);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attempt, Failure, FailureKind, InputStatus, TestCase, TestId};

    fn case(name: &str, fail: bool) -> TestCase {
        let attempt = if fail {
            Attempt::with_failures(vec![Failure::new(FailureKind::Failure)])
        } else {
            Attempt::default()
        };
        TestCase::new(
            TestId {
                name: name.into(),
                ..TestId::default()
            },
            vec![attempt],
        )
    }

    #[test]
    fn record_gives_failures_their_cluster_fingerprint_and_merges_duplicate_keys() {
        let mut run = TestRun::default();
        let mut slow = case("a", false);
        slow.duration = Some(std::time::Duration::from_millis(3));
        run.push_input(
            InputStatus {
                path: "x.xml".into(),
                ..InputStatus::default()
            },
            vec![slow, case("b", true), case("a", true)],
            Vec::new(),
        );
        run.started_at = Some("2024-05-01T10:00:00Z".into());
        let clusters = crate::Pipeline::default().cluster(&run);
        let run = crate::Pipeline::default().sanitize(run, &mut crate::sanitize::Redactions::new());
        let rec = RunRecord::from_run(&run, &clusters, 42);
        assert_eq!(rec.at_ms, 1_714_557_600_000);
        assert_eq!(rec.recorded_ms, 42);
        assert_eq!(rec.sources, vec!["x.xml".to_owned()]);
        assert_eq!(rec.results.len(), 2, "{rec:?}");
        let a = &rec.results[0];
        assert_eq!(a.test, "a");
        assert_eq!(a.outcome, Outcome::Failed, "worst outcome wins");
        assert_eq!(a.attempts, 2);
        assert_eq!(a.duration_us, Some(3000));
        // Failures without any text stay apart, one cluster per test.
        assert_eq!(clusters.len(), 2);
        let of_a = clusters
            .iter()
            .find(|c| c.case_indices.contains(&2))
            .expect("a's cluster");
        assert_eq!(
            a.fingerprint.as_deref(),
            Some(of_a.fingerprint.hash.as_str())
        );
        assert!(rec.results[1].fingerprint.is_some());
    }

    #[test]
    fn analysis_key_depends_on_settings() {
        let a = AnalysisKey::new("f", &("openai", "gpt", 1));
        let b = AnalysisKey::new("f", &("openai", "gpt", 2));
        assert_ne!(a.settings, b.settings);
        assert_eq!(a, AnalysisKey::new("f", &("openai", "gpt", 1)));
    }
}
