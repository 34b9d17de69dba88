//! What the history store knows about a cluster *before* this run is
//! recorded, for the LLM prompt: how often its fingerprint failed before and
//! how likely its failures are flakes.

use std::collections::HashMap;

use super::flake::{FlakeEvidence, flake_probability};
use super::stability::{StabilityOptions, assess};
use super::{HistoryError, HistoryStore};
use crate::analyze::prompt::{HistoryFacts, HistoryLookup};
use crate::model::{Cluster, Outcome, TestRun};
use crate::sanitize::Sanitized;

/// Tests of a cluster whose flake probability is averaged (the rest of a
/// mass failure adds time, not information).
const SAMPLED_TESTS: usize = 20;

/// [`HistoryLookup`] over a [`HistoryStore`]. Store errors mean "no facts":
/// history may only add to a prompt, never fail an analysis.
#[derive(Debug)]
pub struct StoreHistory {
    store: std::sync::Arc<dyn HistoryStore>,
    stability: StabilityOptions,
}

impl StoreHistory {
    /// Looks facts up in `store`, assessing stability with `stability`.
    pub fn new(store: std::sync::Arc<dyn HistoryStore>, stability: StabilityOptions) -> Self {
        StoreHistory { store, stability }
    }

    fn try_facts(
        &self,
        cluster: &Cluster,
        run: &TestRun,
    ) -> Result<Option<HistoryFacts>, HistoryError> {
        let past = self
            .store
            .fingerprints(std::slice::from_ref(&cluster.fingerprint.hash))?
            .into_iter()
            .next();
        let cases: Vec<_> = cluster
            .case_indices
            .iter()
            .filter_map(|&i| run.cases.get(i))
            .take(SAMPLED_TESTS)
            .collect();
        let keys: Vec<String> = cases.iter().map(|c| c.id.key()).collect();
        let slice = self
            .store
            .test_histories(Some(&keys), self.stability.window)?;
        // An empty store knows nothing; one with runs knows this is new.
        if past.is_none() && slice.tests.is_empty() && self.store.run_count()? == 0 {
            return Ok(None);
        }
        let histories: HashMap<&str, _> =
            slice.tests.iter().map(|t| (t.test.as_str(), t)).collect();
        let commit = run.vcs.as_ref().and_then(|v| v.commit.clone());
        let same_commit = match &commit {
            Some(c) => self.store.commit_outcomes(c, &keys, None)?,
            None => HashMap::new(),
        };
        // Another copy of a sampled test that passed in this run. Only cases
        // named like a sampled one get their key built: this runs per cluster.
        let names: std::collections::HashSet<&str> =
            cases.iter().map(|c| c.id.name.as_str()).collect();
        let passed: std::collections::HashSet<String> = run
            .cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Passed | Outcome::Flaky))
            .filter(|c| names.contains(c.id.name.as_str()))
            .map(|c| c.id.key())
            .collect();
        let mut total = 0.0;
        for (case, key) in cases.iter().zip(&keys) {
            let hist = histories.get(key.as_str());
            let stability = hist.map(|h| assess(h, &slice.runs, &self.stability));
            // The stored streak plus this run's failure (not recorded yet).
            let streak =
                hist.map_or(0, |h| h.failing_streak()) + usize::from(case.outcome.is_failing());
            let evidence = FlakeEvidence {
                passed_in_this_run: case.outcome == Outcome::Flaky || passed.contains(key),
                attempts: case.attempt_count() as u32,
                failed_in_this_run: case.outcome.is_failing(),
                same_commit: commit.clone().zip(same_commit.get(key).copied()),
                cluster: past.clone(),
                flip_rate: stability
                    .as_ref()
                    .filter(|s| s.runs >= 3)
                    .map(|s| (s.flip_rate, s.runs)),
                failing_streak: streak,
            };
            total += flake_probability(&evidence).probability;
        }
        Ok(Some(HistoryFacts {
            seen_before: Some(past.as_ref().map_or(0, |p| p.runs_seen as u32)),
            first_seen: past
                .as_ref()
                .map(|p| super::time::format_ms(p.first_seen_ms)),
            flake_probability: (!cases.is_empty()).then(|| total / cases.len() as f64),
        }))
    }
}

impl HistoryLookup for StoreHistory {
    fn facts(&self, cluster: &Cluster, run: &Sanitized<TestRun>) -> Option<HistoryFacts> {
        self.try_facts(cluster, run.get()).ok().flatten()
    }
}
