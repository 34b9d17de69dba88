//! Records a run and gathers what history says about its failures: the
//! `history` section of `report.json`.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::flake::{FlakeEvidence, FlakeReason, flake_probability};
use super::stability::{StabilityOptions, TestStability, Verdict, assess, assess_all};
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
    /// Stability over the recent window: every test this run failed (or
    /// passed only on retry), worst first, then the other tests of this run
    /// whose verdict is flaky, broken or fixed, worst first; at most
    /// [`STABILITY_ROWS`] rows. Empty (and left out of `report.json`) when
    /// there is nothing to show.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stability: Vec<TestStability>,
}

/// Most rows [`HistoryReport::stability`] holds.
pub const STABILITY_ROWS: usize = 100;

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
    /// Runs older than this many days are pruned after recording. `None` keeps them.
    pub keep_days: Option<u32>,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions {
            stability: StabilityOptions::default(),
            keep_per_branch: 500,
            keep_days: None,
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
    let mut pruned = if opts.keep_per_branch > 0 {
        store.prune(opts.keep_per_branch)?
    } else {
        0
    };
    if let Some(days) = opts.keep_days {
        let day_ms = 24 * 60 * 60 * 1000;
        pruned += store.prune_before(record.at_ms.saturating_sub(i64::from(days) * day_ms))?;
    }

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
    let mut stability_rows = Vec::new();
    for (i, case, key) in targets {
        let hist = histories.get(key.as_str());
        let stability = hist.map(|h| assess(h, &slice.runs, &opts.stability));
        if let Some(s) = &stability {
            stability_rows.push(s.clone());
        }
        let failing_streak = hist.map_or(0, |h| h.failing_streak());
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

    let stability = stability_table(store, run, &seen, stability_rows, opts)?;

    Ok(HistoryReport {
        store: None,
        run_id,
        runs_stored: store.run_count()?,
        pruned,
        commit: record.commit.clone(),
        branch: record.branch.clone(),
        clusters: cluster_reports,
        failures,
        stability,
    })
}

/// The rows of [`HistoryReport::stability`]: `failing` (the tests this run
/// failed or passed only on retry, keys in `failing_keys`) worst first, then
/// the least stable other tests of `run`, up to [`STABILITY_ROWS`] in all.
fn stability_table(
    store: &dyn HistoryStore,
    run: &TestRun,
    failing_keys: &HashSet<String>,
    mut failing: Vec<TestStability>,
    opts: &HistoryOptions,
) -> Result<Vec<TestStability>, HistoryError> {
    failing.sort_by(TestStability::worst_first);
    failing.truncate(STABILITY_ROWS);
    if failing.len() == STABILITY_ROWS {
        return Ok(failing);
    }
    let in_run: HashSet<String> = run.cases.iter().map(|c| c.id.key()).collect();
    // The recent results of every test that may be unstable, in one read;
    // only this run's tests count, so a test deleted long ago does not
    // linger in the table.
    let all = store.unsettled_histories(opts.stability.window)?;
    let others = assess_all(&all, &opts.stability).into_iter().filter(|s| {
        !failing_keys.contains(&s.test)
            && in_run.contains(&s.test)
            && matches!(s.verdict, Verdict::Flaky | Verdict::Broken | Verdict::Fixed)
    });
    let room = STABILITY_ROWS - failing.len();
    failing.extend(others.take(room));
    Ok(failing)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};
    use std::sync::Mutex;

    use super::*;
    use crate::history::{
        AnalysisKey, CommitOutcomes, FingerprintHistory, HistoryEntry, HistorySlice, ResultRecord,
        RunInfo, TestHistory,
    };
    use crate::model::{Analysis, Attempt, Failure, FailureKind, InputStatus, TestCase, TestId};

    /// A history store in memory: just enough for `record_and_annotate`.
    #[derive(Debug, Default)]
    struct MemStore(Mutex<Vec<RunRecord>>);

    impl HistoryStore for MemStore {
        fn record_run(&self, run: &RunRecord) -> Result<RunId, HistoryError> {
            let mut runs = self.0.lock().unwrap();
            runs.push(run.clone());
            Ok(runs.len() as RunId)
        }

        fn test_histories(
            &self,
            tests: Option<&[String]>,
            window: usize,
        ) -> Result<HistorySlice, HistoryError> {
            let runs = self.0.lock().unwrap();
            let mut by_test: BTreeMap<String, Vec<HistoryEntry>> = BTreeMap::new();
            for (i, r) in runs.iter().enumerate() {
                for res in &r.results {
                    if tests.is_none_or(|t| t.contains(&res.test)) {
                        by_test
                            .entry(res.test.clone())
                            .or_default()
                            .push(HistoryEntry {
                                run: i as RunId + 1,
                                outcome: res.outcome,
                                duration_us: res.duration_us,
                                attempts: res.attempts,
                            });
                    }
                }
            }
            let mut slice = HistorySlice::default();
            for (test, mut entries) in by_test {
                entries.drain(..entries.len().saturating_sub(window));
                for e in &entries {
                    let r = &runs[e.run as usize - 1];
                    slice.runs.insert(
                        e.run,
                        RunInfo {
                            id: e.run,
                            at_ms: r.at_ms,
                            commit: r.commit.clone(),
                            branch: r.branch.clone(),
                        },
                    );
                }
                slice.tests.push(TestHistory { test, entries });
            }
            Ok(slice)
        }

        fn commit_outcomes(
            &self,
            _commit: &str,
            _tests: &[String],
            _exclude_run: Option<RunId>,
        ) -> Result<HashMap<String, CommitOutcomes>, HistoryError> {
            Ok(HashMap::new())
        }

        fn fingerprints(&self, _: &[String]) -> Result<Vec<FingerprintHistory>, HistoryError> {
            Ok(Vec::new())
        }

        fn prune(&self, _: usize) -> Result<usize, HistoryError> {
            Ok(0)
        }

        fn run_count(&self) -> Result<u64, HistoryError> {
            Ok(self.0.lock().unwrap().len() as u64)
        }

        fn cached_analysis(&self, _: &AnalysisKey) -> Result<Option<Analysis>, HistoryError> {
            Ok(None)
        }

        fn cache_analysis(&self, _: &AnalysisKey, _: &Analysis) -> Result<(), HistoryError> {
            Ok(())
        }
    }

    fn outcome(c: char) -> Outcome {
        match c {
            'P' => Outcome::Passed,
            'R' => Outcome::Flaky,
            'F' => Outcome::Failed,
            'S' => Outcome::Skipped,
            _ => panic!("bad outcome {c}"),
        }
    }

    /// Records one earlier run per column of the patterns (`test`, `PPF…`).
    fn record_past(store: &MemStore, tests: &[(&str, &str)]) {
        let len = tests.iter().map(|(_, p)| p.len()).max().unwrap_or(0);
        for i in 0..len {
            let results = tests
                .iter()
                .filter_map(|(t, p)| p.chars().nth(i).map(|c| (t, c)))
                .map(|(t, c)| ResultRecord {
                    test: (*t).to_owned(),
                    outcome: outcome(c),
                    duration_us: None,
                    attempts: if c == 'R' { 2 } else { 1 },
                    fingerprint: None,
                })
                .collect();
            store
                .record_run(&RunRecord {
                    at_ms: 1000 * (i as i64 + 1),
                    commit: Some(format!("commit{i}")),
                    results,
                    ..RunRecord::default()
                })
                .unwrap();
        }
    }

    /// Analyses a run in which each `(test, outcome)` happened.
    fn analyse(store: &MemStore, tests: &[(&str, char)]) -> HistoryReport {
        let cases = tests
            .iter()
            .map(|(name, c)| {
                let failed = Attempt::with_failures(vec![Failure::new(FailureKind::Failure)]);
                let attempts = match c {
                    'P' => vec![Attempt::default()],
                    'R' => vec![failed, Attempt::default()],
                    'F' => vec![failed],
                    _ => panic!("bad outcome {c}"),
                };
                let id = TestId {
                    name: (*name).to_owned(),
                    ..TestId::default()
                };
                TestCase::new(id, attempts)
            })
            .collect();
        let mut run = TestRun::default();
        run.push_input(InputStatus::default(), cases, Vec::new());
        let clusters = crate::Pipeline::default().cluster(&run);
        let sanitized = crate::Pipeline::default()
            .sanitize(run.clone(), &mut crate::sanitize::Redactions::new());
        let record = RunRecord::from_run(&sanitized, &clusters, 1_000_000);
        record_and_annotate(store, &run, &clusters, &record, &HistoryOptions::default()).unwrap()
    }

    #[test]
    fn stability_lists_this_runs_failures_then_the_least_stable_others() {
        let store = MemStore::default();
        record_past(
            &store,
            &[
                ("now_broken", "PPPPP"),
                ("flaky", "PFPFP"),
                ("fixed", "FFPPP"),
                ("steady", "PPPPP"),
                ("retried", "PPPPP"),
                ("deleted_flaky", "PFPFP"),
            ],
        );
        let h = analyse(
            &store,
            &[
                ("steady", 'P'),
                ("flaky", 'P'),
                ("now_broken", 'F'),
                ("fixed", 'P'),
                ("retried", 'R'),
                ("brand_new", 'P'),
            ],
        );
        let rows: Vec<(&str, Verdict)> = h
            .stability
            .iter()
            .map(|s| (s.test.as_str(), s.verdict))
            .collect();
        assert_eq!(
            rows,
            [
                // This run's failures (and passes on retry) first, worst first …
                ("now_broken", Verdict::Broken),
                ("retried", Verdict::Flaky),
                // … then the other tests that are not stable, worst first;
                // stable, new and no-longer-run tests are left out.
                ("flaky", Verdict::Flaky),
                ("fixed", Verdict::Fixed),
            ],
            "{:#?}",
            h.stability
        );
        // The history is oldest first and ends with this run.
        let broken = &h.stability[0];
        assert_eq!(broken.history.first(), Some(&Outcome::Passed));
        assert_eq!(broken.history.last(), Some(&Outcome::Failed));
        assert_eq!(broken.history.len(), 6);
        assert_eq!(h.stability[1].history.last(), Some(&Outcome::Flaky));
    }

    #[test]
    fn stability_is_capped_and_left_out_of_json_when_empty() {
        let store = MemStore::default();
        let names: Vec<String> = (0..STABILITY_ROWS + 30)
            .map(|i| format!("t{i:03}"))
            .collect();
        let tests: Vec<(&str, char)> = names.iter().map(|n| (n.as_str(), 'F')).collect();
        let h = analyse(&store, &tests);
        assert_eq!(h.stability.len(), STABILITY_ROWS);
        assert!(h.stability.iter().all(|s| s.verdict == Verdict::New));

        let quiet = analyse(&MemStore::default(), &[("ok", 'P')]);
        assert!(quiet.stability.is_empty());
        let json = serde_json::to_value(&quiet).unwrap();
        assert!(json.get("stability").is_none(), "{json}");
        // A report written before the field existed still reads.
        let back: HistoryReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, quiet);
        let json = serde_json::to_value(&h).unwrap();
        assert_eq!(json["stability"][0]["history"][0], "failed");
    }
}
