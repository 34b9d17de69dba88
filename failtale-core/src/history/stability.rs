//! Stability of a test over its recent runs: pass rate, flip rate, grade,
//! verdict, trend and slow-test detection.
//!
//! # The formula
//!
//! Over the last `window` results of a test (default 20), **skipped results
//! are left out**: a skip says nothing about the test's health. Of the `n`
//! results left, a *pass* is passed or flaky (passed on retry) and a *fail*
//! is failed or errored.
//!
//! - `pass_rate` = passes / n.
//! - `flip_rate` = changes between pass and fail from one result to the
//!   next / (n − 1).
//! - `retry_rate` = results that passed only on a retry / n.
//!
//! The verdict, checked in this order (each carries its reason):
//!
//! 1. **new**: n < `min_runs` (default 3).
//! 2. **stable**: no fail and no pass-on-retry.
//! 3. **broken**: the latest result is a fail and the test never passed after
//!    its first fail in the window (at most one flip). A test that fails
//!    every run is broken, not "mildly flaky".
//! 4. **fixed**: the latest result is a pass, the test failed earlier, it
//!    changed state at most twice (pass → fail → pass, or fail → pass), never
//!    passed only on a retry, and never both passed and failed on one commit.
//! 5. **flaky**: everything else — it went back and forth (two or more flips
//!    with a fail after a pass after a fail, or the reverse), passed on a retry,
//!    or passed and failed on the same commit.
//!
//! `flakiness` is 0 for stable, broken and fixed tests (their changes of
//! state are explained by a break or a fix), and max(flip_rate, retry_rate)
//! otherwise.
//!
//! The grade: broken is **F**; otherwise score = pass_rate × (1 − flakiness)
//! (for a fixed test, over the results since its last fail, at best **B**):
//! **A** ≥ 0.98, **B** ≥ 0.90, **C** ≥ 0.75, **D** ≥ 0.50, else **F**.
//!
//! The trend compares the pass rates of the older and newer halves of the
//! window (n ≥ 4): more than 0.15 better is *improving*, more than 0.15 worse
//! is *worsening*, else *steady*.
//!
//! A test is *slow* when its latest duration is more than `slow_factor`
//! (default 2) times the 95th percentile of its earlier durations (at least
//! 5 of them) and at least 50 ms over it.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{RunId, RunInfo, TestHistory};
use crate::model::Outcome;

/// Settings of the stability computation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StabilityOptions {
    /// How many recent results of each test are considered.
    pub window: usize,
    /// Fewer non-skipped results than this make a test `new`.
    pub min_runs: usize,
    /// Latest duration over this many times the usual p95 is slow.
    pub slow_factor: f64,
}

impl Default for StabilityOptions {
    fn default() -> Self {
        StabilityOptions {
            window: 20,
            min_runs: 3,
            slow_factor: 2.0,
        }
    }
}

/// The verdict on a test's recent history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Too few results to judge.
    New,
    /// Passes consistently.
    Stable,
    /// Goes back and forth without a code change explaining it.
    Flaky,
    /// Fails now and has not passed since it started failing.
    Broken,
    /// Failed, and passes now.
    Fixed,
}

impl Verdict {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::New => "new",
            Verdict::Stable => "stable",
            Verdict::Flaky => "flaky",
            Verdict::Broken => "broken",
            Verdict::Fixed => "fixed",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Direction of a test's pass rate over the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    /// Passes more often lately.
    Improving,
    /// Fails more often lately.
    Worsening,
    /// No clear change.
    Steady,
}

impl Trend {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Improving => "improving",
            Trend::Worsening => "worsening",
            Trend::Steady => "steady",
        }
    }
}

/// The stability of one test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestStability {
    /// Test key.
    pub test: String,
    /// Grade A–F.
    pub grade: char,
    /// Verdict.
    pub verdict: Verdict,
    /// Why this verdict, in words.
    pub reason: String,
    /// 0 (never flips without explanation) to 1.
    pub flakiness: f64,
    /// Passes / non-skipped results.
    pub pass_rate: f64,
    /// Pass/fail changes / (non-skipped results − 1).
    pub flip_rate: f64,
    /// Non-skipped results in the window.
    pub runs: usize,
    /// Skipped results in the window (not counted anywhere else).
    pub skipped: usize,
    /// Direction of the pass rate.
    pub trend: Trend,
    /// Outcomes in the window, oldest first, skipped ones included.
    pub history: Vec<Outcome>,
    /// Why the test counts as slow, when it does.
    pub slow: Option<String>,
}

impl TestStability {
    /// Orders worst first: by grade (F first), then verdict (broken, flaky,
    /// fixed, new, stable), then flakiness, then pass rate, then name.
    pub fn worst_first(a: &TestStability, b: &TestStability) -> std::cmp::Ordering {
        let rank = |v: Verdict| match v {
            Verdict::Broken => 0,
            Verdict::Flaky => 1,
            Verdict::Fixed => 2,
            Verdict::New => 3,
            Verdict::Stable => 4,
        };
        b.grade
            .cmp(&a.grade)
            .then(rank(a.verdict).cmp(&rank(b.verdict)))
            .then(b.flakiness.total_cmp(&a.flakiness))
            .then(a.pass_rate.total_cmp(&b.pass_rate))
            .then_with(|| a.test.cmp(&b.test))
    }
}

fn is_pass(o: Outcome) -> bool {
    matches!(o, Outcome::Passed | Outcome::Flaky)
}

fn grade_of(score: f64) -> char {
    match score {
        s if s >= 0.98 => 'A',
        s if s >= 0.90 => 'B',
        s if s >= 0.75 => 'C',
        s if s >= 0.50 => 'D',
        _ => 'F',
    }
}

fn short(commit: &str) -> &str {
    commit.get(..commit.len().min(10)).unwrap_or(commit)
}

fn when(runs: &BTreeMap<RunId, RunInfo>, run: RunId) -> String {
    match runs.get(&run) {
        Some(RunInfo {
            commit: Some(c), ..
        }) => format!("commit {}", short(c)),
        Some(r) => super::time::format_ms(r.at_ms),
        None => format!("run {run}"),
    }
}

/// Assesses one test. `runs` gives the commit of each run in `history`.
pub fn assess(
    history: &TestHistory,
    runs: &BTreeMap<RunId, RunInfo>,
    opts: &StabilityOptions,
) -> TestStability {
    let start = history.entries.len().saturating_sub(opts.window.max(1));
    let window = &history.entries[start..];
    let counted: Vec<_> = window
        .iter()
        .filter(|e| e.outcome != Outcome::Skipped)
        .collect();
    let n = counted.len();
    let skipped = window.len() - n;
    let passes = counted.iter().filter(|e| is_pass(e.outcome)).count();
    let fails = n - passes;
    let retried = counted
        .iter()
        .filter(|e| e.outcome == Outcome::Flaky)
        .count();
    let flips = counted
        .windows(2)
        .filter(|w| is_pass(w[0].outcome) != is_pass(w[1].outcome))
        .count();
    let pass_rate = if n == 0 {
        1.0
    } else {
        passes as f64 / n as f64
    };
    let flip_rate = if n < 2 {
        0.0
    } else {
        flips as f64 / (n - 1) as f64
    };
    let retry_rate = if n == 0 {
        0.0
    } else {
        retried as f64 / n as f64
    };
    // Commits on which the test both passed and failed (only possible when
    // it did both: most tests did not, and need no map).
    let mut by_commit: HashMap<&str, (bool, bool)> = HashMap::new();
    let both = if passes > 0 && fails > 0 {
        counted.as_slice()
    } else {
        &[]
    };
    for e in both {
        if let Some(c) = runs.get(&e.run).and_then(|r| r.commit.as_deref()) {
            let slot = by_commit.entry(c).or_default();
            if is_pass(e.outcome) {
                slot.0 = true;
            } else {
                slot.1 = true;
            }
        }
    }
    let mut mixed: Vec<&str> = by_commit
        .iter()
        .filter(|(_, (p, f))| *p && *f)
        .map(|(c, _)| *c)
        .collect();
    mixed.sort_unstable();
    let latest_pass = counted.last().map(|e| is_pass(e.outcome));
    let streak = match counted.last() {
        Some(last) => counted
            .iter()
            .rev()
            .take_while(|e| is_pass(e.outcome) == is_pass(last.outcome))
            .count(),
        None => 0,
    };
    let first_of_streak = (streak > 0).then(|| counted[n - streak].run);

    let flaky_reason = || {
        let mut parts = Vec::new();
        if flips > 0 {
            parts.push(format!(
                "flipped between pass and fail {flips} time{} in {n} runs (flip rate {flip_rate:.2})",
                if flips == 1 { "" } else { "s" }
            ));
        }
        if retried > 0 {
            parts.push(format!(
                "passed only on a retry in {retried} run{}",
                if retried == 1 { "" } else { "s" }
            ));
        }
        if !mixed.is_empty() {
            let shown: Vec<&str> = mixed.iter().take(3).map(|c| short(c)).collect();
            parts.push(format!(
                "passed and failed on the same commit ({})",
                shown.join(", ")
            ));
        }
        parts.join("; ")
    };

    let (verdict, reason, flakiness) = if n < opts.min_runs.max(1) {
        let mut reason = format!(
            "only {n} run{} with a result; {} needed to judge",
            if n == 1 { "" } else { "s" },
            opts.min_runs
        );
        if skipped > 0 {
            reason.push_str(&format!(" (skipped runs do not count: {skipped})"));
        }
        (Verdict::New, reason, flip_rate.max(retry_rate))
    } else if fails == 0 && retried == 0 {
        (Verdict::Stable, format!("passed all {n} runs"), 0.0)
    } else if latest_pass == Some(false) && flips <= 1 {
        let reason = if passes == 0 {
            format!("failed all {n} runs: always failing, so broken, not flaky")
        } else {
            format!(
                "failing since {}: the last {streak} run{} failed with no pass since (passed {passes} of the {} before)",
                first_of_streak.map_or_else(String::new, |r| when(runs, r)),
                if streak == 1 { "" } else { "s" },
                n - streak
            )
        };
        (Verdict::Broken, reason, 0.0)
    } else if latest_pass == Some(true) && flips <= 2 && retried == 0 && mixed.is_empty() {
        let reason = format!(
            "fixed: passed the last {streak} run{} since {}, after failing {fails} of the {} runs before",
            if streak == 1 { "" } else { "s" },
            first_of_streak.map_or_else(String::new, |r| when(runs, r)),
            n - streak
        );
        (Verdict::Fixed, reason, 0.0)
    } else {
        (Verdict::Flaky, flaky_reason(), flip_rate.max(retry_rate))
    };

    let grade = match verdict {
        Verdict::Broken => 'F',
        Verdict::Fixed => grade_of(1.0 - flakiness).max('B'),
        _ => grade_of(pass_rate * (1.0 - flakiness)),
    };

    let trend = if n >= 4 {
        let half = n / 2;
        let rate = |s: &[&super::HistoryEntry]| {
            s.iter().filter(|e| is_pass(e.outcome)).count() as f64 / s.len() as f64
        };
        let (older, newer) = (rate(&counted[..half]), rate(&counted[n - half..]));
        if newer - older > 0.15 {
            Trend::Improving
        } else if older - newer > 0.15 {
            Trend::Worsening
        } else {
            Trend::Steady
        }
    } else {
        Trend::Steady
    };

    TestStability {
        test: history.test.clone(),
        grade,
        verdict,
        reason,
        flakiness,
        pass_rate,
        flip_rate,
        runs: n,
        skipped,
        trend,
        history: window.iter().map(|e| e.outcome).collect(),
        slow: slow_reason(&counted, opts.slow_factor),
    }
}

fn slow_reason(counted: &[&super::HistoryEntry], factor: f64) -> Option<String> {
    let (last, earlier) = counted.split_last()?;
    let latest = last.duration_us?;
    let mut durations: Vec<u64> = earlier.iter().filter_map(|e| e.duration_us).collect();
    if durations.len() < 5 {
        return None;
    }
    durations.sort_unstable();
    // Nearest-rank 95th percentile.
    let rank = ((durations.len() as f64) * 0.95).ceil() as usize;
    let p95 = durations[rank.clamp(1, durations.len()) - 1];
    let over = latest as f64 > factor * p95 as f64 && latest.saturating_sub(p95) >= 50_000;
    over.then(|| {
        format!(
            "latest run took {:.2} s, over {factor}× its usual p95 of {:.2} s",
            latest as f64 / 1e6,
            p95 as f64 / 1e6
        )
    })
}

/// Whether the last `window` of `entries` (oldest first) hold a failure,
/// an error or a pass on retry. A test without one is
/// [`Verdict::Stable`], or [`Verdict::New`] when it has too few results.
pub fn unsettled(entries: &[super::HistoryEntry], window: usize) -> bool {
    let start = entries.len().saturating_sub(window.max(1));
    entries[start..]
        .iter()
        .any(|e| matches!(e.outcome, Outcome::Failed | Outcome::Error | Outcome::Flaky))
}

/// Assesses every test in `slice`, worst first.
pub fn assess_all(slice: &super::HistorySlice, opts: &StabilityOptions) -> Vec<TestStability> {
    // Each test is judged on its own: the cores share the work.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut all = crate::par::map(&slice.tests, threads, 4096, &|t| {
        assess(t, &slice.runs, opts)
    });
    all.sort_by(TestStability::worst_first);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::HistoryEntry;

    /// Builds a history from a pattern: `P` passed, `R` passed on retry,
    /// `F` failed, `E` error, `S` skipped; one run per letter, all on their own commit.
    fn hist(pattern: &str) -> (TestHistory, BTreeMap<RunId, RunInfo>) {
        hist_on(pattern, |i| format!("c{i}"))
    }

    fn hist_on(
        pattern: &str,
        commit: impl Fn(usize) -> String,
    ) -> (TestHistory, BTreeMap<RunId, RunInfo>) {
        let mut runs = BTreeMap::new();
        let entries = pattern
            .chars()
            .enumerate()
            .map(|(i, c)| {
                let id = i as RunId + 1;
                runs.insert(
                    id,
                    RunInfo {
                        id,
                        at_ms: id * 1000,
                        commit: Some(commit(i)),
                        branch: None,
                    },
                );
                HistoryEntry {
                    run: id,
                    outcome: match c {
                        'P' => Outcome::Passed,
                        'R' => Outcome::Flaky,
                        'F' => Outcome::Failed,
                        'E' => Outcome::Error,
                        'S' => Outcome::Skipped,
                        _ => panic!("bad pattern {c}"),
                    },
                    duration_us: Some(100_000),
                    attempts: if c == 'R' { 2 } else { 1 },
                }
            })
            .collect();
        (
            TestHistory {
                test: "t".into(),
                entries,
            },
            runs,
        )
    }

    fn of(pattern: &str) -> TestStability {
        let (h, r) = hist(pattern);
        assess(&h, &r, &StabilityOptions::default())
    }

    #[test]
    fn skipped_results_are_not_failures() {
        let s = of("PSPSSPPS");
        assert_eq!(s.verdict, Verdict::Stable);
        assert_eq!(s.grade, 'A');
        assert_eq!(s.pass_rate, 1.0);
        assert_eq!(s.runs, 4);
        assert_eq!(s.skipped, 4);
        assert_eq!(s.flip_rate, 0.0);
    }

    #[test]
    fn always_failing_is_broken_not_mildly_flaky() {
        let s = of("FFFFFFFFFF");
        assert_eq!(s.verdict, Verdict::Broken);
        assert_eq!(s.grade, 'F');
        assert_eq!(s.flakiness, 0.0);
        assert!(s.reason.contains("always failing"), "{}", s.reason);
    }

    #[test]
    fn newly_failing_is_broken_since_its_commit() {
        let s = of("PPPPPPFFF");
        assert_eq!(s.verdict, Verdict::Broken);
        assert!(s.reason.contains("failing since commit c6"), "{}", s.reason);
        assert!(s.reason.contains("last 3 runs failed"), "{}", s.reason);
        assert_eq!(s.trend, Trend::Worsening);
    }

    #[test]
    fn alternating_is_flaky_with_its_flip_rate() {
        let s = of("PFPFPFPFPF");
        assert_eq!(s.verdict, Verdict::Flaky);
        assert_eq!(s.flip_rate, 1.0);
        assert_eq!(s.flakiness, 1.0);
        assert_eq!(s.grade, 'F');
        let s = of("PPPPPPPPPFPPPPPPPPPF");
        assert_eq!(s.verdict, Verdict::Flaky);
        assert!((s.flip_rate - 3.0 / 19.0).abs() < 1e-9);
        assert!(s.reason.contains("flipped between pass and fail 3 times"));
        assert_eq!(s.grade, 'C', "0.9 × (1 − 0.158) = 0.76: {s:?}");
    }

    #[test]
    fn fail_then_pass_is_fixed_and_graded_on_the_present() {
        let s = of("PPPFFFPPP");
        assert_eq!(s.verdict, Verdict::Fixed);
        assert_eq!(s.grade, 'B');
        assert!(s.reason.contains("passed the last 3 runs since commit c6"));
        assert_eq!(s.trend, Trend::Steady);
        let s = of("FFFFPPPP");
        assert_eq!(s.verdict, Verdict::Fixed);
        assert_eq!(s.trend, Trend::Improving);
    }

    #[test]
    fn pass_on_retry_and_same_commit_results_make_it_flaky() {
        let s = of("PPPRPPPP");
        assert_eq!(s.verdict, Verdict::Flaky);
        assert!(s.reason.contains("passed only on a retry in 1 run"));
        assert_eq!(s.grade, 'C', "1 × (1 − 1/8) = 0.875");
        // One blip then passes would be "fixed" — unless it passed on the same commit.
        let (h, r) = hist_on(
            "PPFPP",
            |i| if i < 3 { "same".into() } else { "later".into() },
        );
        let s = assess(&h, &r, &StabilityOptions::default());
        assert_eq!(s.verdict, Verdict::Flaky);
        assert!(s.reason.contains("same commit (same)"), "{}", s.reason);
        assert_eq!(of("PPFPP").verdict, Verdict::Fixed);
    }

    #[test]
    fn few_results_are_new_and_the_window_limits_history() {
        assert_eq!(of("PF").verdict, Verdict::New);
        assert_eq!(of("SSSSP").verdict, Verdict::New);
        // 30 failures long ago, then 20 passes: the window sees only the passes.
        let s = of(&format!("{}{}", "F".repeat(30), "P".repeat(20)));
        assert_eq!(s.verdict, Verdict::Stable);
        assert_eq!(s.history.len(), 20);
    }

    #[test]
    fn a_run_far_over_its_usual_duration_is_slow() {
        let (mut h, r) = hist("PPPPPPP");
        h.entries.last_mut().unwrap().duration_us = Some(900_000);
        let s = assess(&h, &r, &StabilityOptions::default());
        assert!(
            s.slow.as_deref().unwrap().contains("0.90 s"),
            "{:?}",
            s.slow
        );
        let (h, r) = hist("PPPPPPP");
        assert_eq!(assess(&h, &r, &StabilityOptions::default()).slow, None);
    }

    #[test]
    fn worst_first_puts_broken_and_flaky_before_stable() {
        let mut all = [of("PPPPP"), of("PFPFP"), of("FFFFF"), of("PPPPRPPPPPPP")];
        all.sort_by(TestStability::worst_first);
        let got: Vec<_> = all.iter().map(|s| (s.grade, s.verdict)).collect();
        assert_eq!(
            got,
            [
                ('F', Verdict::Broken),
                ('F', Verdict::Flaky),
                ('B', Verdict::Flaky),
                ('A', Verdict::Stable)
            ]
        );
    }
}
