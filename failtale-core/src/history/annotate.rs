//! Records a run and gathers what history says about its failures: the
//! `history` section of `report.json`.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::flake::{FlakeEvidence, FlakeReason, flake_probability};
use super::stability::{StabilityOptions, Verdict, assess};
use super::time::format_ms;
use super::{HistoryError, HistoryStore, RunId, RunRecord};
use crate::model::{Cluster, Outcome, TestRun};

/// What history says about one analysed run (`report.json` → `history`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HistoryReport {
    /// Where the store is, when the caller says.
    pub store: Option<String>,
    /// Id of the run just recorded.
    pub run_id: RunId,
    /// Runs in the store after recording and pruning.
    pub runs_stored: u64,
    /// Runs deleted by retention just now.
    pub pruned: usize,
    /// The commit recorded for this run.
    pub commit: Option<String>,
    /// The branch recorded for this run.
    pub branch: Option<String>,
    /// One entry per cluster, in report order.
    pub clusters: Vec<ClusterHistory>,
    /// One entry per test that failed or passed only on retry, in run order.
    pub failures: Vec<FailureHistory>,
}

/// "Seen before" for one cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterHistory {
    /// Cluster id (`c1`, …).
    pub id: String,
    /// Fingerprint hash.
    pub fingerprint: String,
    /// True when no earlier run had this fingerprint.
    pub new: bool,
    /// When first seen (RFC 3339; this run when new).
    pub first_seen: String,
    /// When last seen before this run (RFC 3339), or null when new.
    pub last_seen: Option<String>,
    /// Runs it appeared in, this one included.
    pub runs_seen: u64,
    /// Commit of the run where it first appeared, when known.
    pub first_commit: Option<String>,
    /// Earlier failures with this fingerprint followed by a pass with no
    /// code change / earlier failures followed by any result; null when none were followed.
    pub pass_without_change_share: Option<f64>,
}

/// Flake probability and stability of one failing (or retried) test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailureHistory {
    /// Test key.
    pub test: String,
    /// Outcome in this run (`failed`, `error`, or `flaky` for a pass on retry).
    pub outcome: Outcome,
    /// Cluster id, for failing tests.
    pub cluster: Option<String>,
    /// Probability 0–1 that this failure is a flake.
    pub flake_probability: f64,
    /// Why, strongest signal first.
    pub reasons: Vec<FlakeReason>,
    /// Grade A–F over the recent window, this run included.
    pub grade: char,
    /// Verdict over the recent window.
    pub verdict: Verdict,
    /// Why that verdict.
    pub verdict_reason: String,
}

/// Settings of [`record_and_annotate`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryOptions {
    /// Stability settings (window, …).
    pub stability: StabilityOptions,
    /// Runs kept per branch; older ones are pruned after recording. 0 keeps all.
    pub keep_per_branch: usize,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions {
            stability: StabilityOptions::default(),
            keep_per_branch: 500,
        }
    }
}

/// Records `record` (built from `run` and `clusters`), prunes, and returns
/// what history says about the run's failures and clusters.
pub fn record_and_annotate(
    store: &dyn HistoryStore,
    run: &TestRun,
    clusters: &[Cluster],
    record: &RunRecord,
    opts: &HistoryOptions,
) -> Result<HistoryReport, HistoryError> {
    let hashes: Vec<String> = {
        let mut seen = HashSet::new();
        clusters
            .iter()
            .map(|c| c.fingerprint.hash.clone())
            .filter(|h| seen.insert(h.clone()))
            .collect()
    };
    // The fingerprints' past *before* this run, so "last seen" means before now.
    let before: HashMap<String, _> = store
        .fingerprints(&hashes)?
        .into_iter()
        .map(|f| (f.fingerprint.clone(), f))
        .collect();
    let run_id = store.record_run(record)?;
    let pruned = if opts.keep_per_branch > 0 {
        store.prune(opts.keep_per_branch)?
    } else {
        0
    };

    let cluster_reports = clusters
        .iter()
        .map(|c| {
            let past = before.get(&c.fingerprint.hash);
            ClusterHistory {
                id: c.id.clone(),
                fingerprint: c.fingerprint.hash.clone(),
                new: past.is_none(),
                first_seen: format_ms(
                    past.map_or(record.at_ms, |p| p.first_seen_ms.min(record.at_ms)),
                ),
                last_seen: past.map(|p| format_ms(p.last_seen_ms)),
                runs_seen: past.map_or(0, |p| p.runs_seen) + 1,
                first_commit: match past {
                    Some(p) => p.first_commit.clone(),
                    None => record.commit.clone(),
                },
                pass_without_change_share: past
                    .filter(|p| p.followed > 0)
                    .map(|p| p.followed_by_pass_same_commit as f64 / p.followed as f64),
            }
        })
        .collect();

    // Tests this run failed or passed only on retry.
    let mut cluster_of: HashMap<usize, &Cluster> = HashMap::new();
    for c in clusters {
        for &i in &c.case_indices {
            cluster_of.insert(i, c);
        }
    }
    let passed_keys: HashSet<String> = run
        .cases
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Passed | Outcome::Flaky))
        .map(|c| c.id.key())
        .collect();
    let mut targets = Vec::new();
    let mut seen = HashSet::new();
    for (i, case) in run.cases.iter().enumerate() {
        if case.outcome.is_failing() || case.outcome == Outcome::Flaky {
            let key = case.id.key();
            if seen.insert(key.clone()) {
                targets.push((i, case, key));
            }
        }
    }
    let keys: Vec<String> = targets.iter().map(|(_, _, k)| k.clone()).collect();
    let slice = store.test_histories(Some(&keys), opts.stability.window)?;
    let histories: HashMap<&str, _> = slice.tests.iter().map(|t| (t.test.as_str(), t)).collect();
    let same_commit = match &record.commit {
        Some(commit) => store.commit_outcomes(commit, &keys, Some(run_id))?,
        None => HashMap::new(),
    };

    let mut failures = Vec::new();
    for (i, case, key) in targets {
        let hist = histories.get(key.as_str());
        let stability = hist.map(|h| assess(h, &slice.runs, &opts.stability));
        let failing_streak = hist.map_or(0, |h| {
            h.entries
                .iter()
                .rev()
                .filter(|e| e.outcome != Outcome::Skipped)
                .take_while(|e| e.outcome.is_failing())
                .count()
        });
        let cluster = cluster_of.get(&i).copied();
        let evidence = FlakeEvidence {
            passed_in_this_run: case.outcome == Outcome::Flaky || passed_keys.contains(&key),
            attempts: case.attempt_count() as u32,
            failed_in_this_run: case.outcome.is_failing(),
            same_commit: record.commit.clone().zip(same_commit.get(&key).copied()),
            cluster: cluster.and_then(|c| before.get(&c.fingerprint.hash).cloned()),
            flip_rate: stability
                .as_ref()
                .filter(|s| s.runs >= 3)
                .map(|s| (s.flip_rate, s.runs)),
            failing_streak,
        };
        let flake = flake_probability(&evidence);
        let (grade, verdict, verdict_reason) = match stability {
            Some(s) => (s.grade, s.verdict, s.reason),
            None => ('F', Verdict::New, "no recorded results".into()),
        };
        failures.push(FailureHistory {
            test: key,
            outcome: case.outcome,
            cluster: cluster.map(|c| c.id.clone()),
            flake_probability: flake.probability,
            reasons: flake.reasons,
            grade,
            verdict,
            verdict_reason,
        });
    }

    Ok(HistoryReport {
        store: None,
        run_id,
        runs_stored: store.run_count()?,
        pruned,
        commit: record.commit.clone(),
        branch: record.branch.clone(),
        clusters: cluster_reports,
        failures,
    })
}
