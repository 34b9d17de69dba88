//! Scenario tests: feed sequences of runs into a real SQLite store and check
//! grades, verdicts, flake probabilities and "seen before".

use failtale_core::Pipeline;
use failtale_core::history::annotate::{HistoryOptions, HistoryReport, record_and_annotate};
use failtale_core::history::stability::{StabilityOptions, Verdict, assess_all};
use failtale_core::history::{AnalysisKey, HistoryError, HistoryStore, RunRecord};
use failtale_core::model::{
    Analysis, Attempt, Category, Failure, FailureKind, InputStatus, Outcome, Severity, TestCase,
    TestId, TestRun, VcsInfo,
};
use failtale_history::{SCHEMA_VERSION, SqliteStore};

/// One test in a run: `P` passed, `R` passed on retry, `F` failed with
/// `message`, `S` skipped.
fn case(name: &str, code: char, message: &str) -> TestCase {
    let fail = || {
        let mut attempt = Attempt::default();
        attempt.failures = vec![{
            let mut failure = Failure::new(FailureKind::Failure);
            failure.message = Some(message.into());
            failure
        }];
        attempt
    };
    let attempts = match code {
        'P' => vec![Attempt::default()],
        'R' => vec![fail(), Attempt::default()],
        'F' => vec![fail()],
        'S' => vec![{
            let mut attempt = Attempt::default();
            attempt.skipped = Some(Box::default());
            attempt
        }],
        _ => panic!("bad code {code}"),
    };
    let mut c = TestCase::new(
        {
            let mut test_id = TestId::default();
            test_id.classname = Some("suite".into());
            test_id.name = name.into();
            test_id
        },
        attempts,
    );
    c.duration = Some(std::time::Duration::from_millis(10));
    c
}

fn run(tests: &[(&str, char, &str)], commit: &str, at: i64) -> TestRun {
    let mut run = TestRun::default();
    run.push_input(
        {
            let mut input_status = InputStatus::default();
            input_status.path = format!("run-{at}.xml");
            input_status
        },
        tests.iter().map(|(n, c, m)| case(n, *c, m)).collect(),
        Vec::new(),
    );
    run.vcs = Some({
        let mut vcs_info = VcsInfo::default();
        vcs_info.commit = Some(commit.into());
        vcs_info.branch = Some("main".into());
        vcs_info
    });
    run.started_at = Some(failtale_core::history::time::format_ms(at));
    run
}

/// The run as the pipeline hands it on: only sanitized runs can be recorded.
fn sanitized(run: &TestRun) -> failtale_core::Sanitized<TestRun> {
    Pipeline::default().sanitize(run.clone(), &mut failtale_core::sanitize::Redactions::new())
}

fn analyse(store: &dyn HistoryStore, run: &TestRun) -> HistoryReport {
    let clusters = Pipeline::default().cluster(run);
    let record = RunRecord::from_run(&sanitized(run), &clusters, 0);
    record_and_annotate(store, run, &clusters, &record, &HistoryOptions::default()).unwrap()
}

fn fresh_store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("sub/history.db")).unwrap();
    (dir, store)
}

/// A store of one backend, with what keeps it alive (its directory, or
/// its database, dropped after the store).
struct Handle {
    store: std::sync::Arc<dyn HistoryStore>,
    _keep: Box<dyn std::any::Any>,
}

/// Makes a fresh, empty store.
type Fresh = dyn Fn() -> Handle;

fn sqlite_store() -> Handle {
    let (dir, store) = fresh_store();
    Handle {
        store: std::sync::Arc::new(store),
        _keep: Box::new(dir),
    }
}

/// A database of its own on the server `FAILTALE_TEST_POSTGRES_URL` names
/// (a database the user may create databases from), dropped afterwards.
fn pg_store() -> Handle {
    let admin = std::env::var("FAILTALE_TEST_POSTGRES_URL").expect(
        "needs postgres: set FAILTALE_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB (a database USER may create databases from)",
    );
    let db = failtale_history::postgres::ScratchDatabase::create(&admin, "failtale_scenario")
        .expect("create a scratch database");
    Handle {
        store: std::sync::Arc::new(failtale_history::PgStore::connect(db.url(), 2).unwrap()),
        _keep: Box::new(db),
    }
}

/// Each scenario, on SQLite and on PostgreSQL: the same answers from both.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    super::$name(&super::sqlite_store);
                }

                #[test]
                #[ignore = "needs postgres: set FAILTALE_TEST_POSTGRES_URL"]
                fn postgres() {
                    super::$name(&super::pg_store);
                }
            }
        )*
    };
}

on_both_backends!(
    a_sequence_of_runs_grades_each_kind_of_test,
    flake_probability_follows_the_evidence,
    a_fingerprint_that_usually_goes_away_without_a_code_change_counts_as_flaky,
    retention_keeps_the_newest_runs_per_branch_and_seen_before_survives,
    analysis_cache_is_keyed_by_fingerprint_and_settings,
    histories_are_oldest_first_and_limited_to_the_window,
    the_prompt_facts_come_from_the_runs_before_this_one,
    runs_older_than_keep_days_are_pruned_with_their_results_and_orphan_tests,
);

const HOUR: i64 = 3_600_000;
const T0: i64 = 1_700_000_000_000;

#[test]
fn schema_is_versioned_in_wal_mode_and_a_newer_schema_is_refused() {
    let (dir, store) = fresh_store();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.journal_mode().unwrap(), "wal");
    drop(store);
    // Reopening is a no-op.
    let path = dir.path().join("sub/history.db");
    assert_eq!(
        SqliteStore::open(&path).unwrap().schema_version().unwrap(),
        SCHEMA_VERSION
    );
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    match SqliteStore::open(&path) {
        Err(HistoryError::TooNew { found, .. }) => assert_eq!(found, SCHEMA_VERSION + 1),
        other => panic!("expected TooNew, got {other:?}"),
    }
}

fn a_sequence_of_runs_grades_each_kind_of_test(fresh: &Fresh) {
    let handle = fresh();
    let store = handle.store.as_ref();
    // 12 runs on 6 commits (two runs per commit, like a CI retry of the whole job).
    for i in 0..12 {
        let commit = format!("commit{}", i / 2);
        let flaky = if i % 2 == 0 { 'F' } else { 'P' };
        let fixed = if i < 6 { 'F' } else { 'P' };
        let skippy = if i % 3 == 0 { 'P' } else { 'S' };
        let retried = if i == 7 { 'R' } else { 'P' };
        let broken_late = if i >= 9 { 'F' } else { 'P' };
        let r = run(
            &[
                ("steady", 'P', ""),
                ("always_fails", 'F', "database is down"),
                ("flaky", flaky, "timeout after 5s"),
                ("fixed", fixed, "expected 3 got 4"),
                ("skippy", skippy, ""),
                ("retried", retried, "socket closed"),
                ("broken_late", broken_late, "null pointer"),
            ],
            &commit,
            T0 + i * HOUR,
        );
        analyse(store, &r);
    }
    let slice = store.test_histories(None, 20).unwrap();
    let all = assess_all(&slice, &StabilityOptions::default());
    let get = |name: &str| {
        all.iter()
            .find(|s| s.test == format!("suite::{name}"))
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    let s = get("steady");
    assert_eq!(
        (s.verdict, s.grade, s.pass_rate, s.runs),
        (Verdict::Stable, 'A', 1.0, 12)
    );
    let s = get("always_fails");
    assert_eq!(
        (s.verdict, s.grade, s.flakiness),
        (Verdict::Broken, 'F', 0.0)
    );
    assert!(s.reason.contains("always failing"), "{}", s.reason);
    let s = get("flaky");
    assert_eq!((s.verdict, s.grade), (Verdict::Flaky, 'F'));
    assert_eq!(s.flip_rate, 1.0);
    assert!(s.reason.contains("same commit"), "{}", s.reason);
    let s = get("fixed");
    assert_eq!((s.verdict, s.grade), (Verdict::Fixed, 'B'));
    assert!(s.reason.contains("since commit commit3"), "{}", s.reason);
    let s = get("skippy");
    assert_eq!((s.verdict, s.runs, s.skipped), (Verdict::Stable, 4, 8));
    let s = get("retried");
    assert_eq!(s.verdict, Verdict::Flaky);
    assert!(s.reason.contains("retry"), "{}", s.reason);
    let s = get("broken_late");
    assert_eq!(s.verdict, Verdict::Broken);
    assert!(
        s.reason.contains("failing since commit commit4"),
        "{}",
        s.reason
    );
    // Worst first: F grades lead, the stable ones close the table.
    assert_eq!(all[0].grade, 'F');
    assert_eq!(all.last().unwrap().grade, 'A');
    // A window of 4 only sees the last four runs: `fixed` has passed them all.
    let short = assess_all(
        &store.test_histories(None, 4).unwrap(),
        &StabilityOptions {
            window: 4,
            ..StabilityOptions::default()
        },
    );
    let fixed = short.iter().find(|s| s.test == "suite::fixed").unwrap();
    assert_eq!(fixed.verdict, Verdict::Stable);

    // The stability table reads only the tests that may be unstable, with
    // the same histories as the full read.
    for window in [20, 4] {
        let full = store.test_histories(None, window).unwrap();
        let unsettled = store.unsettled_histories(window).unwrap();
        let names: Vec<&str> = unsettled.tests.iter().map(|t| t.test.as_str()).collect();
        let expected: &[&str] = if window == 20 {
            &["always_fails", "flaky", "fixed", "retried", "broken_late"]
        } else {
            &["always_fails", "flaky", "broken_late"]
        };
        let mut want: Vec<String> = expected.iter().map(|n| format!("suite::{n}")).collect();
        want.sort();
        let mut got: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        got.sort();
        assert_eq!(got, want, "window {window}");
        for t in &unsettled.tests {
            let same = full.tests.iter().find(|f| f.test == t.test).unwrap();
            assert_eq!(t.entries, same.entries, "{}", t.test);
        }
        // The trait's default (read all, then drop the settled) agrees.
        let mut filtered = full.clone();
        filtered
            .tests
            .retain(|t| failtale_core::history::stability::unsettled(&t.entries, window));
        assert_eq!(filtered.tests, unsettled.tests, "window {window}");
    }
}

fn flake_probability_follows_the_evidence(fresh: &Fresh) {
    let handle = fresh();
    let store = handle.store.as_ref();
    // Run 1 on commit A: `wobbly` passes, `solid` fails.
    analyse(
        store,
        &run(
            &[("wobbly", 'P', ""), ("solid", 'F', "assert failed")],
            "A",
            T0,
        ),
    );
    analyse(
        store,
        &run(
            &[("wobbly", 'P', ""), ("solid", 'F', "assert failed")],
            "B",
            T0 + HOUR,
        ),
    );
    // Run 3, same commit B: `wobbly` fails now — it passed on B before.
    let r = analyse(
        store,
        &run(
            &[
                ("wobbly", 'F', "connection reset"),
                ("solid", 'F', "assert failed"),
                ("retry", 'R', "port in use"),
            ],
            "B",
            T0 + 2 * HOUR,
        ),
    );
    let get = |name: &str| {
        r.failures
            .iter()
            .find(|f| f.test == format!("suite::{name}"))
            .unwrap()
    };
    let wobbly = get("wobbly");
    assert!(wobbly.flake_probability > 0.85, "{wobbly:?}");
    assert!(wobbly.reasons.iter().any(|r| r.signal == "same-commit"));
    let solid = get("solid");
    assert!(solid.flake_probability < 0.01, "{solid:?}");
    assert!(solid.reasons.iter().any(|r| r.signal == "failing-streak"));
    assert_eq!(solid.verdict, Verdict::Broken);
    let retry = get("retry");
    assert_eq!(retry.outcome, Outcome::Flaky);
    assert!(retry.flake_probability > 0.95, "{retry:?}");
    assert_eq!(r.runs_stored, 3);
    assert_eq!(r.commit.as_deref(), Some("B"));
}

fn a_fingerprint_that_usually_goes_away_without_a_code_change_counts_as_flaky(fresh: &Fresh) {
    let handle = fresh();
    let store = handle.store.as_ref();
    let msg = "io error: resource temporarily unavailable";
    // Three times: fails with the fingerprint, then passes on the same commit.
    for i in 0..3 {
        let commit = format!("c{i}");
        let at = T0 + i * 10 * HOUR;
        analyse(store, &run(&[("net", 'F', msg)], &commit, at));
        analyse(store, &run(&[("net", 'P', "")], &commit, at + HOUR));
    }
    // A different test hits the same failure on a fresh commit.
    let r = analyse(store, &run(&[("other", 'F', msg)], "c9", T0 + 100 * HOUR));
    let f = &r.failures[0];
    let cluster = f
        .reasons
        .iter()
        .find(|r| r.signal == "cluster-history")
        .unwrap_or_else(|| panic!("{f:?}"));
    assert!(cluster.weight > 3.0, "{cluster:?}");
    assert!(cluster.detail.contains("3 of 3"), "{}", cluster.detail);
    assert!(f.flake_probability > 0.5, "{f:?}");

    // Seen before: first seen at the first failure, on commit c0, in 4 runs now.
    let c = &r.clusters[0];
    assert!(!c.new);
    assert_eq!(c.runs_seen, 4);
    assert_eq!(c.first_commit.as_deref(), Some("c0"));
    assert_eq!(c.first_seen, failtale_core::history::time::format_ms(T0));
    assert_eq!(
        c.last_seen.as_deref(),
        Some(failtale_core::history::time::format_ms(T0 + 20 * HOUR).as_str())
    );
    assert_eq!(c.pass_without_change_share, Some(1.0));

    // A fingerprint that stays after every failure lowers the probability.
    let handle2 = fresh();
    let store2 = handle2.store.as_ref();
    for i in 0..3 {
        analyse(
            store2,
            &run(
                &[("real", 'F', "expected 1 got 2")],
                &format!("c{i}"),
                T0 + i * HOUR,
            ),
        );
    }
    let r = analyse(
        store2,
        &run(
            &[("new_test", 'F', "expected 1 got 2")],
            "c9",
            T0 + 9 * HOUR,
        ),
    );
    assert!(
        r.failures[0].flake_probability < 0.05,
        "{:?}",
        r.failures[0]
    );
    assert!(r.clusters[0].runs_seen == 4 && !r.clusters[0].new);

    // A brand-new fingerprint is new.
    let r = analyse(
        store2,
        &run(&[("x", 'F', "never seen")], "c10", T0 + 10 * HOUR),
    );
    let c = r.clusters.iter().find(|c| c.new).unwrap();
    assert_eq!((c.runs_seen, c.last_seen.as_deref()), (1, None));
    assert_eq!(c.first_commit.as_deref(), Some("c10"));
}

fn retention_keeps_the_newest_runs_per_branch_and_seen_before_survives(fresh: &Fresh) {
    let handle = fresh();
    let store = handle.store.as_ref();
    for i in 0..6 {
        let mut r = run(
            &[("t", 'F', "boom"), (&format!("only{i}"), 'P', "")],
            "x",
            T0 + i,
        );
        r.vcs.as_mut().unwrap().branch = Some(if i % 2 == 0 { "main" } else { "dev" }.into());
        let clusters = Pipeline::default().cluster(&r);
        store
            .record_run(&RunRecord::from_run(&sanitized(&r), &clusters, 0))
            .unwrap();
    }
    assert_eq!(store.run_count().unwrap(), 6);
    assert_eq!(store.prune(2).unwrap(), 2);
    // The newest two of each branch: runs 3 to 6 (ids count from 1).
    let kept: Vec<i64> = store
        .test_histories(None, 20)
        .unwrap()
        .runs
        .keys()
        .copied()
        .collect();
    assert_eq!(kept, vec![3, 4, 5, 6]);
    let results: usize = store
        .test_histories(None, 20)
        .unwrap()
        .tests
        .iter()
        .map(|t| t.entries.len())
        .sum();
    assert_eq!(results, 8);
    // Tests whose only results were pruned are gone; the fingerprint remembers all 6 runs.
    let slice = store.test_histories(None, 20).unwrap();
    assert!(!slice.tests.iter().any(|t| t.test == "suite::only0"));
    let fp = Pipeline::default().cluster(&run(&[("t", 'F', "boom")], "x", 0))[0]
        .fingerprint
        .hash
        .clone();
    let past = store.fingerprints(&[fp]).unwrap();
    assert_eq!(past[0].runs_seen, 6);
}

#[test]
fn retention_leaves_a_sound_sqlite_file() {
    let (_dir, store) = fresh_store();
    retention_keeps_the_newest_runs_per_branch_and_seen_before_survives(&|| Handle {
        store: std::sync::Arc::new(SqliteStore::open_in_memory().unwrap()),
        _keep: Box::new(()),
    });
    for i in 0..3 {
        analyse(&store, &run(&[("t", 'F', "boom")], "x", T0 + i));
    }
    assert_eq!(store.prune(1).unwrap(), 2);
    assert_eq!(failtale_history::runs(&store).unwrap().len(), 1);
    assert_eq!(store.result_count().unwrap(), 1);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

fn analysis_cache_is_keyed_by_fingerprint_and_settings(fresh: &Fresh) {
    let handle = fresh();
    let store = handle.store.as_ref();
    let analysis = {
        let mut analysis = Analysis::new(
            "the database was down",
            Category::Database,
            Severity::High,
            "start it",
            0.8,
            "rules",
        );
        analysis.grounded = true;
        analysis
    };
    let key = AnalysisKey::new("abc", &("rules", 1));
    assert_eq!(store.cached_analysis(&key).unwrap(), None);
    store.cache_analysis(&key, &analysis).unwrap();
    assert_eq!(store.cached_analysis(&key).unwrap(), Some(analysis.clone()));
    assert_eq!(
        store
            .cached_analysis(&AnalysisKey::new("abc", &("rules", 2)))
            .unwrap(),
        None,
        "other settings miss"
    );
    let mut newer = analysis;
    newer.confidence = 0.9;
    store.cache_analysis(&key, &newer).unwrap();
    assert_eq!(
        store.cached_analysis(&key).unwrap().unwrap().confidence,
        0.9
    );
}

fn histories_are_oldest_first_and_limited_to_the_window(fresh: &Fresh) {
    let handle = fresh();
    let store = handle.store.as_ref();
    for i in 0..30 {
        let code = if i % 5 == 0 { 'F' } else { 'P' };
        let r = run(&[("t", code, "x")], &format!("c{i}"), T0 + i);
        store
            .record_run(&RunRecord::from_run(&sanitized(&r), &[], 0))
            .unwrap();
    }
    let slice = store
        .test_histories(
            Some(&["suite::t".to_owned(), "suite::absent".to_owned()]),
            7,
        )
        .unwrap();
    assert_eq!(slice.tests.len(), 1);
    let runs: Vec<_> = slice.tests[0].entries.iter().map(|e| e.run).collect();
    assert_eq!(runs, (24..=30).collect::<Vec<_>>());
    assert_eq!(
        slice.tests[0].entries[2].outcome,
        Outcome::Failed,
        "run 26 is i = 25"
    );
    assert_eq!(slice.tests[0].entries[1].outcome, Outcome::Passed);
    assert_eq!(slice.runs[&30].commit.as_deref(), Some("c29"));
    assert_eq!(slice.tests[0].entries[0].duration_us, Some(10_000));
}

#[test]
fn an_analysis_cached_in_one_run_is_found_by_the_next_process() {
    use failtale_core::analyze::{AnalysisCache, CacheKey};
    use failtale_core::history::StoreCache;
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    let key = |settings: &str| CacheKey {
        fingerprint: "f00d".into(),
        settings: settings.into(),
    };
    let analysis = {
        let mut analysis = Analysis::new(
            "the cache warm-up races the first request",
            Category::Concurrency,
            Severity::Medium,
            "await warm-up",
            0.7,
            "llm:custom/m",
        );
        analysis.critic_override = true;
        analysis.grounded = true;
        analysis
    };
    {
        let first = StoreCache(Arc::new(SqliteStore::open(&path).unwrap()));
        assert_eq!(first.get(&key("s1")), None);
        first.put(&key("s1"), &analysis);
    }
    // A new store on the same file, as the next `analyze` opens it.
    let next = StoreCache(Arc::new(SqliteStore::open(&path).unwrap()));
    assert_eq!(next.get(&key("s1")), Some(analysis));
    assert_eq!(next.get(&key("other settings")), None);
}

fn the_prompt_facts_come_from_the_runs_before_this_one(fresh: &Fresh) {
    use failtale_core::analyze::prompt::{HistoryLookup, evidence_document};
    use failtale_core::history::lookup::StoreHistory;
    let handle = fresh();
    let store = handle.store.clone();
    let lookup = StoreHistory::new(store.clone(), StabilityOptions::default());
    let msg = "io error: resource temporarily unavailable";

    // Nothing stored yet: no facts, and the prompt says history is unavailable.
    let first = run(&[("net", 'F', msg)], "c0", T0);
    let clusters = Pipeline::default().cluster(&first);
    assert_eq!(lookup.facts(&clusters[0], &sanitized(&first)), None);

    // The failure comes and goes on the same commits three times.
    for i in 0..3 {
        let commit = format!("c{i}");
        let at = T0 + i * 10 * HOUR;
        analyse(store.as_ref(), &run(&[("net", 'F', msg)], &commit, at));
        analyse(
            store.as_ref(),
            &run(&[("net", 'P', "")], &commit, at + HOUR),
        );
    }
    let now = run(&[("net", 'F', msg)], "c9", T0 + 100 * HOUR);
    let clusters = Pipeline::default().cluster(&now);
    let facts = lookup
        .facts(&clusters[0], &sanitized(&now))
        .expect("history knows this fingerprint");
    assert_eq!(facts.seen_before, Some(3));
    assert_eq!(
        facts.first_seen.as_deref(),
        Some(failtale_core::history::time::format_ms(T0).as_str())
    );
    let p = facts.flake_probability.unwrap();
    assert!(
        p > 0.5,
        "a failure that always went away is likely a flake: {p}"
    );
    let doc = evidence_document(&clusters[0], &sanitized(&now), &[], Some(&facts), 4000);
    assert!(doc.contains("seen in 3 earlier run(s)"), "{doc}");
    assert!(doc.contains("likely a flake"), "{doc}");

    // A failure that never goes away is not a flake; a new one was never seen.
    let handle2 = fresh();
    let store2 = handle2.store.clone();
    for i in 0..4 {
        analyse(
            store2.as_ref(),
            &run(
                &[("real", 'F', "expected 1 got 2")],
                &format!("c{i}"),
                T0 + i * HOUR,
            ),
        );
    }
    let lookup2 = StoreHistory::new(store2, StabilityOptions::default());
    let now = run(
        &[
            ("real", 'F', "expected 1 got 2"),
            ("fresh", 'F', "brand new failure"),
        ],
        "c9",
        T0 + 9 * HOUR,
    );
    let clusters = Pipeline::default().cluster(&now);
    let by_test = |t: &str| {
        let c = clusters
            .iter()
            .find(|c| c.tests.iter().any(|n| n.contains(t)))
            .unwrap();
        lookup2.facts(c, &sanitized(&now))
    };
    let real = by_test("real").unwrap();
    assert_eq!(real.seen_before, Some(4));
    assert!(real.flake_probability.unwrap() < 0.05, "{real:?}");
    // The test has no past and its fingerprint is new: the store says so.
    let fresh = by_test("fresh").unwrap();
    assert_eq!(
        (fresh.seen_before, fresh.first_seen.as_deref()),
        (Some(0), None)
    );
    assert!(fresh.flake_probability.unwrap() < 0.2, "{fresh:?}");
}

fn runs_older_than_keep_days_are_pruned_with_their_results_and_orphan_tests(fresh: &Fresh) {
    let handle = fresh();
    let store = handle.store.as_ref();
    const DAY: i64 = 24 * HOUR;
    // Three runs 40, 20 and 1 days before the last; the oldest holds a test
    // no later run has.
    for (i, (age, extra)) in [(40, true), (20, false), (1, false)]
        .into_iter()
        .enumerate()
    {
        let mut tests = vec![("a::one", 'P', ""), ("a::two", 'F', "boom")];
        if extra {
            tests.push(("a::gone", 'P', ""));
        }
        let r = run(&tests, &format!("c{i}"), T0 - age * DAY);
        store
            .record_run(&RunRecord::from_run(&sanitized(&r), &[], 0))
            .unwrap();
    }
    assert_eq!(store.run_count().unwrap(), 3);
    let before = store.test_histories(None, 10).unwrap();
    assert!(before.tests.iter().any(|h| h.test.ends_with("gone")));
    // Keep 30 days, counted back from the newest run's time, as `analyze` does.
    let opts = HistoryOptions {
        keep_days: Some(30),
        ..HistoryOptions::default()
    };
    let newest = run(&[("a::one", 'P', "")], "c3", T0);
    let clusters = Pipeline::default().cluster(&newest);
    let record = RunRecord::from_run(&sanitized(&newest), &clusters, T0);
    let report = record_and_annotate(store, &newest, &clusters, &record, &opts).unwrap();
    assert_eq!(store.run_count().unwrap(), 3, "the 40-day-old run is gone");
    assert_eq!(report.runs_stored, 3);
    let histories = store.test_histories(None, 10).unwrap();
    assert!(
        histories.tests.iter().all(|h| !h.test.ends_with("gone")),
        "a test only the pruned run had is forgotten"
    );
    assert_eq!(store.prune_before(T0 + 1).unwrap(), 3);
    assert_eq!(store.run_count().unwrap(), 0);
}

#[test]
fn a_recorded_run_is_folded_into_the_database_file_by_the_checkpoint() {
    let (dir, store) = fresh_store();
    let path = dir.path().join("sub/history.db");
    let runs: Vec<TestRun> = (0..3)
        .map(|i| {
            let tests: Vec<(String, char, &str)> = (0..2_000)
                .map(|t| (format!("t{t}"), if t % 7 == i { 'F' } else { 'P' }, "boom"))
                .collect();
            let tests: Vec<(&str, char, &str)> =
                tests.iter().map(|(n, c, m)| (n.as_str(), *c, *m)).collect();
            run(&tests, &format!("c{i}"), T0 + i64::from(i) * HOUR)
        })
        .collect();
    // The database file alone (as a copy without its log would see it).
    let file_alone = |name: &str| {
        let copy = dir.path().join(name);
        std::fs::copy(&path, &copy).unwrap();
        rusqlite::Connection::open(&copy)
            .unwrap()
            .query_row("SELECT count(*) FROM runs", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    for (i, r) in runs.iter().enumerate() {
        analyse(&store, r);
        // Readers see the run at once, from the log.
        assert_eq!(store.run_count().unwrap(), i as u64 + 1);
        store.wait_for_checkpoint().unwrap();
        assert_eq!(file_alone(&format!("copy{i}.db")), i as i64 + 1);
    }
    // Waiting twice is harmless, and closing leaves the file complete.
    store.wait_for_checkpoint().unwrap();
    drop(store);
    assert_eq!(file_alone("closed.db"), 3);
    assert_eq!(
        std::fs::metadata(dir.path().join("sub/history.db-wal")).map_or(0, |m| m.len()),
        0,
        "the log is folded in and removed when the store closes"
    );
}
