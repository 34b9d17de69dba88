//! How likely a failure is a flake, and why.
//!
//! # The model
//!
//! A logistic combination of the evidence: start from a prior log-odds and
//! add one weight per signal, then `p = 1 / (1 + e^(−z))`. Every signal that
//! contributes is listed as a [`FlakeReason`] with its weight, so a reader
//! sees why.
//!
//! | signal | weight | why |
//! |---|---|---|
//! | prior | ln(0.05/0.95) ≈ −2.94 | with no evidence, a failure is taken as real (5 %) |
//! | `passed-on-retry` | +6.0 | passed on a retry in this run (nextest, Surefire `flakyFailure`, a repeated testcase) or passed in another copy of the test in this run |
//! | `same-commit` | +5.0 | passed on the same commit in another run: the industry definition of a flake |
//! | `cluster-history` | 6 × (share − 0.4) × min(1, followed / 3) | share of earlier failures with this fingerprint that were followed by a pass of the same test on the same commit (no code change); above 0.4 (the threshold of Cockpit's learner) it raises the probability, below it lowers it; few observations count less |
//! | `flip-rate` | +6 × flip rate | the test's own flip rate over its recent results |
//! | `failing-streak` | −2.5 | failed its last 3 or more results in a row with no pass: it looks broken |
//! | `retries-failed` | −0.75 per extra attempt, at most −2 | it was retried and failed every attempt |
//!
//! So a failure that passed on the same commit elsewhere is about 89 % a
//! flake; one that also passed on retry, over 99 %; a failure of a test that
//! has failed its last five runs, about 0.4 %.

use serde::{Deserialize, Serialize};

use super::{CommitOutcomes, FingerprintHistory};

/// Everything known about one failure that bears on whether it is a flake.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlakeEvidence {
    /// Passed on a retry, or another copy of the same test passed, in this run.
    pub passed_in_this_run: bool,
    /// Attempts in this run (more than 1 when retried).
    pub attempts: u32,
    /// The failure's final outcome in this run was a fail.
    pub failed_in_this_run: bool,
    /// The commit of this run and how the test fared on it in *other* runs.
    pub same_commit: Option<(String, CommitOutcomes)>,
    /// The past of the failure's fingerprint.
    pub cluster: Option<FingerprintHistory>,
    /// The test's flip rate and how many results it is computed over.
    pub flip_rate: Option<(f64, usize)>,
    /// How many results in a row, ending with this run, the test failed.
    pub failing_streak: usize,
}

/// One contribution to a flake probability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlakeReason {
    /// Which signal (`passed-on-retry`, `same-commit`, `cluster-history`,
    /// `flip-rate`, `failing-streak`, `retries-failed`).
    pub signal: String,
    /// Its weight in log-odds (positive: more likely a flake).
    pub weight: f64,
    /// What was observed, in words.
    pub detail: String,
}

/// A flake probability with its reasons.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlakeAssessment {
    /// Probability, 0–1, that the failure is a flake.
    pub probability: f64,
    /// The signals that moved it, strongest first.
    pub reasons: Vec<FlakeReason>,
}

/// Prior probability that a failure is a flake with no evidence either way.
pub const PRIOR: f64 = 0.05;
/// Share of a fingerprint's failures followed by a pass with no code change
/// above which the fingerprint counts as a likely flake.
pub const CLUSTER_THRESHOLD: f64 = 0.4;

fn short(commit: &str) -> &str {
    commit.get(..commit.len().min(10)).unwrap_or(commit)
}

/// Combines the evidence into a probability with reasons.
pub fn flake_probability(e: &FlakeEvidence) -> FlakeAssessment {
    let mut reasons = Vec::new();
    let mut add = |signal: &str, weight: f64, detail: String| {
        reasons.push(FlakeReason {
            signal: signal.to_owned(),
            weight,
            detail,
        })
    };
    if e.passed_in_this_run {
        add(
            "passed-on-retry",
            6.0,
            "passed on a retry (or in another copy of the test) in this run".into(),
        );
    }
    if let Some((commit, o)) = &e.same_commit
        && o.passed > 0
    {
        add(
            "same-commit",
            5.0,
            format!(
                "passed on the same commit {} in {} other run{}",
                short(commit),
                o.passed,
                if o.passed == 1 { "" } else { "s" }
            ),
        );
    }
    if let Some(c) = &e.cluster
        && c.followed > 0
    {
        let share = c.followed_by_pass_same_commit as f64 / c.followed as f64;
        let confidence = (c.followed as f64 / 3.0).min(1.0);
        let weight = 6.0 * (share - CLUSTER_THRESHOLD) * confidence;
        add(
            "cluster-history",
            weight,
            format!(
                "earlier failures with this fingerprint were followed by a pass with no code change {} of {} times ({share:.2}, {} the {CLUSTER_THRESHOLD} flake threshold)",
                c.followed_by_pass_same_commit,
                c.followed,
                if share > CLUSTER_THRESHOLD {
                    "above"
                } else {
                    "not above"
                }
            ),
        );
    }
    if let Some((rate, n)) = e.flip_rate
        && rate > 0.0
    {
        add(
            "flip-rate",
            6.0 * rate,
            format!("the test flipped between pass and fail in {rate:.2} of its last {n} results"),
        );
    }
    if e.failed_in_this_run && e.failing_streak >= 3 {
        add(
            "failing-streak",
            -2.5,
            format!(
                "failed its last {} results in a row with no pass: it looks broken",
                e.failing_streak
            ),
        );
    }
    if e.failed_in_this_run && e.attempts > 1 {
        add(
            "retries-failed",
            (-0.75 * f64::from(e.attempts - 1)).max(-2.0),
            format!("failed all {} attempts", e.attempts),
        );
    }
    let prior = (PRIOR / (1.0 - PRIOR)).ln();
    let z: f64 = prior + reasons.iter().map(|r| r.weight).sum::<f64>();
    reasons.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
    FlakeAssessment {
        probability: 1.0 / (1.0 + (-z).exp()),
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed() -> FlakeEvidence {
        FlakeEvidence {
            failed_in_this_run: true,
            attempts: 1,
            failing_streak: 1,
            ..FlakeEvidence::default()
        }
    }

    #[test]
    fn no_evidence_is_the_prior() {
        let a = flake_probability(&failed());
        assert!((a.probability - PRIOR).abs() < 1e-9);
        assert!(a.reasons.is_empty());
    }

    #[test]
    fn same_commit_pass_makes_a_likely_flake_and_says_so() {
        let mut e = failed();
        e.same_commit = Some((
            "0123456789abcdef".into(),
            CommitOutcomes {
                passed: 2,
                failed: 0,
            },
        ));
        let a = flake_probability(&e);
        assert!(a.probability > 0.85 && a.probability < 0.95, "{a:?}");
        assert_eq!(a.reasons[0].signal, "same-commit");
        assert!(a.reasons[0].detail.contains("0123456789 in 2 other runs"));
        // Failing elsewhere on the same commit is no flake evidence.
        e.same_commit = Some((
            "c".into(),
            CommitOutcomes {
                passed: 0,
                failed: 3,
            },
        ));
        assert!((flake_probability(&e).probability - PRIOR).abs() < 1e-9);
    }

    #[test]
    fn cluster_share_above_threshold_raises_below_lowers() {
        let with = |pass, followed| {
            let mut e = failed();
            e.cluster = Some(FingerprintHistory {
                followed,
                followed_by_pass_same_commit: pass,
                ..FingerprintHistory::default()
            });
            flake_probability(&e).probability
        };
        assert!(with(4, 5) > 0.3, "{}", with(4, 5));
        assert!(with(0, 5) < PRIOR);
        // One observation counts for less than five with the same share.
        assert!(with(1, 1) < with(5, 5));
    }

    #[test]
    fn broken_streak_and_failed_retries_lower_it() {
        let mut e = failed();
        e.failing_streak = 5;
        e.attempts = 3;
        let a = flake_probability(&e);
        assert!(a.probability < 0.005, "{a:?}");
        assert_eq!(a.reasons.len(), 2);
        assert!(a.reasons.iter().all(|r| r.weight < 0.0));
    }

    #[test]
    fn passed_on_retry_with_a_flip_rate_is_nearly_certain() {
        let e = FlakeEvidence {
            passed_in_this_run: true,
            attempts: 2,
            flip_rate: Some((0.5, 20)),
            ..FlakeEvidence::default()
        };
        let a = flake_probability(&e);
        assert!(a.probability > 0.99, "{a:?}");
        assert_eq!(a.reasons[0].signal, "passed-on-retry");
        assert_eq!(a.reasons[1].signal, "flip-rate");
    }
}
