//! End-to-end tests of history: recording from `analyze`, `flaky`,
//! `history import`, and the store under concurrent and killed writers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use failtale_core::history::HistoryStore;
use failtale_history::SqliteStore;
use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cargo-failtale"));
    for v in [
        "CLICOLOR_FORCE",
        "NO_COLOR",
        "CLICOLOR",
        "GITHUB_SHA",
        "GITHUB_HEAD_REF",
        "GITHUB_REF_NAME",
        "GITHUB_RUN_ID",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "CI_COMMIT_SHA",
        "BUILDKITE_COMMIT",
        failtale_history::PAUSE_ENV,
    ] {
        c.env_remove(v);
    }
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run cargo-failtale")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A JUnit file with `n` tests named `t0…`; `outcome(i)` is `P`, `F` or `S`.
fn junit(n: usize, timestamp: Option<&str>, outcome: impl Fn(usize) -> char) -> String {
    let mut s = String::from("<?xml version=\"1.0\"?>\n<testsuite name=\"gen\"");
    if let Some(t) = timestamp {
        s.push_str(&format!(" timestamp=\"{t}\""));
    }
    s.push_str(">\n");
    for i in 0..n {
        s.push_str(&format!(
            "  <testcase classname=\"gen.Suite\" name=\"t{i}\" time=\"0.01\""
        ));
        match outcome(i) {
            'P' => s.push_str("/>\n"),
            'F' => s.push_str(&format!(
                "><failure message=\"boom {}\" type=\"AssertionError\">boom</failure></testcase>\n",
                i % 3
            )),
            'S' => s.push_str("><skipped/></testcase>\n"),
            c => panic!("bad outcome {c}"),
        }
    }
    s.push_str("</testsuite>\n");
    s
}

fn analyze(dir: &Path, file: &Path, db: &Path, commit: &str) -> Output {
    run(bin()
        .arg("analyze")
        .arg("--out")
        .arg(dir.join("out"))
        .arg("--history")
        .arg(db)
        .args(["--commit", commit, "--branch", "main"])
        .arg(file))
}

fn report(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("out/report.json")).unwrap()).unwrap()
}

#[test]
fn analyze_records_runs_and_reports_seen_before_and_flake_probability() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h/history.db");
    let f = dir.path().join("r.xml");
    // Run 1 on commit A: t1 passes. Run 2 on commit A: t1 fails — a flake by definition.
    std::fs::write(&f, junit(3, None, |i| if i == 2 { 'F' } else { 'P' })).unwrap();
    let o = analyze(dir.path(), &f, &db, "aaaa");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = report(dir.path());
    assert_eq!(r["history"]["run_id"], 1);
    assert_eq!(r["history"]["clusters"][0]["new"], true);
    assert_eq!(r["history"]["clusters"][0]["first_commit"], "aaaa");
    assert!(
        text(&o.stdout).contains("new in this run"),
        "{}",
        text(&o.stdout)
    );

    std::fs::write(&f, junit(3, None, |i| if i >= 1 { 'F' } else { 'P' })).unwrap();
    let o = analyze(dir.path(), &f, &db, "aaaa");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = report(dir.path());
    let h = &r["history"];
    assert_eq!(h["run_id"], 2);
    assert_eq!(h["runs_stored"], 2);
    assert_eq!(h["branch"], "main");
    let t1 = h["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["test"] == "gen.Suite::t1")
        .unwrap();
    assert!(t1["flake_probability"].as_f64().unwrap() > 0.8, "{t1}");
    assert_eq!(t1["reasons"][0]["signal"], "same-commit");
    let t2 = h["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["test"] == "gen.Suite::t2")
        .unwrap();
    assert!(t2["flake_probability"].as_f64().unwrap() < 0.1, "{t2}");
    // t2's "boom 2" cluster was there in run 1 too.
    let seen = h["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["new"] == false)
        .expect("a cluster seen before");
    assert_eq!(seen["runs_seen"], 2);
    assert_eq!(seen["first_commit"], "aaaa");
    assert!(seen["last_seen"].is_string());
    let stdout = text(&o.stdout);
    assert!(stdout.contains("seen before: in 2 runs"), "{stdout}");
    assert!(stdout.contains("likely flaky (p=0."), "{stdout}");

    // --no-history records nothing and writes no history section.
    let o = run(bin()
        .arg("analyze")
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--no-history")
        .arg(&f));
    assert!(o.status.success());
    assert!(report(dir.path()).get("history").is_none());
    assert_eq!(SqliteStore::open(&db).unwrap().run_count().unwrap(), 2);
    // Without --history the store goes next to the report.
    let o = run(bin()
        .arg("analyze")
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg(&f));
    assert!(o.status.success());
    assert!(dir.path().join("out/history.db").is_file());
}

#[test]
fn flaky_prints_the_table_and_json_worst_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let f = dir.path().join("r.xml");
    // t0 stable, t1 alternates, t2 always fails, t3 skipped mostly.
    for run_no in 0..6 {
        std::fs::write(
            &f,
            junit(4, None, |i| match i {
                0 => 'P',
                1 if run_no % 2 == 0 => 'F',
                1 => 'P',
                2 => 'F',
                _ if run_no == 0 => 'P',
                _ => 'S',
            }),
        )
        .unwrap();
        let o = analyze(dir.path(), &f, &db, &format!("c{run_no}"));
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let o = run(bin().arg("flaky").arg("--history").arg(&db).arg("--json"));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 4);
    for key in [
        "test",
        "grade",
        "verdict",
        "flakiness",
        "pass_rate",
        "runs",
        "trend",
        "reason",
    ] {
        assert!(arr[0].get(key).is_some(), "missing {key}: {}", arr[0]);
    }
    assert_eq!(arr[0]["test"], "gen.Suite::t2");
    assert_eq!(arr[0]["verdict"], "broken");
    assert_eq!(arr[0]["grade"], "F");
    assert_eq!(arr[1]["test"], "gen.Suite::t1");
    assert_eq!(arr[1]["verdict"], "flaky");
    assert_eq!(arr[1]["flakiness"], 1.0);
    let t3 = arr.iter().find(|t| t["test"] == "gen.Suite::t3").unwrap();
    assert_eq!(t3["verdict"], "new", "one non-skipped run only: {t3}");
    assert_eq!(t3["skipped"], 5);
    let t0 = arr.iter().find(|t| t["test"] == "gen.Suite::t0").unwrap();
    assert_eq!(
        (t0["grade"].as_str(), t0["pass_rate"].as_f64()),
        (Some("A"), Some(1.0))
    );

    let o = run(bin().arg("flaky").arg("--history").arg(&db));
    assert!(o.status.success());
    let table = text(&o.stdout);
    let broken = table.find("gen.Suite::t2").unwrap();
    let flaky = table.find("gen.Suite::t1").unwrap();
    assert!(broken < flaky, "{table}");
    assert!(table.contains("always failing"), "{table}");
    assert!(
        !table.contains("gen.Suite::t0"),
        "stable tests are summarised: {table}"
    );
    assert!(
        table.contains("1 stable test graded A not listed"),
        "{table}"
    );

    let o = run(bin()
        .arg("flaky")
        .arg("--history")
        .arg(dir.path().join("none.db")));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("no history store"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn history_import_backfills_in_timestamp_order() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old");
    std::fs::create_dir_all(old.join("build-b")).unwrap();
    // Written in the wrong order on purpose: the timestamps decide.
    std::fs::write(
        old.join("z-first.xml"),
        junit(2, Some("2024-01-01T10:00:00"), |_| 'F'),
    )
    .unwrap();
    std::fs::write(
        old.join("a-third.xml"),
        junit(2, Some("2024-01-03T10:00:00"), |_| 'P'),
    )
    .unwrap();
    // A folder is one run, made of both its files.
    std::fs::write(
        old.join("build-b/part1.xml"),
        junit(1, Some("2024-01-02T10:00:00"), |_| 'P'),
    )
    .unwrap();
    std::fs::write(old.join("notes.txt"), "not results").unwrap();
    let db = dir.path().join("h.db");
    let o = run(bin()
        .args(["history", "import"])
        .arg(&old)
        .arg("--history")
        .arg(&db)
        .args(["--branch", "main"]));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("imported 3 runs (5 test results)"),
        "{}",
        text(&o.stdout)
    );
    let o = run(bin().arg("flaky").arg("--history").arg(&db).arg("--json"));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let t0 = v
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["test"] == "gen.Suite::t0")
        .unwrap();
    assert_eq!(
        t0["history"],
        serde_json::json!(["failed", "passed", "passed"])
    );
    assert_eq!(t0["verdict"], "fixed");
    let t1 = v
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["test"] == "gen.Suite::t1")
        .unwrap();
    assert_eq!(t1["history"], serde_json::json!(["failed", "passed"]));
}

fn big_file(dir: &Path, name: &str, n: usize, seed: usize) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(
        &p,
        junit(n, None, |i| {
            if (i + seed).is_multiple_of(17) {
                'F'
            } else {
                'P'
            }
        }),
    )
    .unwrap();
    p
}

#[test]
fn concurrent_writers_both_succeed_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    const N: usize = 3000;
    record_at_once(&db, dir.path(), N);
    let store = SqliteStore::open(&db).unwrap();
    assert_eq!(store.run_count().unwrap(), 4);
    assert_eq!(store.result_count().unwrap(), 4 * N as u64);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let commits: Vec<_> = failtale_history::runs(&store)
        .unwrap()
        .into_values()
        .filter_map(|r| r.commit)
        .collect();
    let mut sorted = commits.clone();
    sorted.sort();
    assert_eq!(sorted, ["c0", "c1", "c2", "c3"]);
}

/// Four `analyze` processes of `n` tests each, recording into `history`
/// at once (commits c0 to c3, branch main): each succeeds with no warning.
fn record_at_once(history: &Path, dir: &Path, n: usize) {
    let children: Vec<_> = (0..4)
        .map(|k| {
            let file = big_file(dir, &format!("r{k}.xml"), n, k);
            bin()
                .arg("analyze")
                .arg("--out")
                .arg(dir.join(format!("out{k}")))
                .arg("--history")
                .arg(history)
                .args(["--commit", &format!("c{k}"), "--branch", "main", "-q"])
                .arg(file)
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(
            text(&o.stderr).is_empty(),
            "no warning: {}",
            text(&o.stderr)
        );
    }
}

/// Starts `analyze` of `file` into `history`, waits until it is half-way
/// through recording (inside its transaction: the test pause hook writes
/// `marker`), and kills it there.
fn kill_while_recording(history: &Path, out: &Path, file: &Path, marker: &Path) {
    let mut child = bin()
        .arg("analyze")
        .arg("--out")
        .arg(out)
        .arg("--history")
        .arg(history)
        .args(["--commit", "killed"])
        .arg(file)
        .env(failtale_history::PAUSE_ENV, marker)
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !marker.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "recorder never paused"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Every run in the store has all of its results: the `tests` count written
/// with the run equals the results stored for it.
fn assert_consistent(db: &Path) -> (u64, u64) {
    let store = SqliteStore::open(db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let partial: Vec<_> = store
        .results_per_run()
        .unwrap()
        .into_iter()
        .filter(|(_, recorded, stored)| recorded != stored)
        .collect();
    assert!(
        partial.is_empty(),
        "runs stored with only part of their results: {partial:?}"
    );
    (store.run_count().unwrap(), store.result_count().unwrap())
}

#[test]
fn a_writer_killed_inside_its_transaction_leaves_the_store_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let small = big_file(dir.path(), "small.xml", 10, 0);
    assert!(analyze(dir.path(), &small, &db, "c0").status.success());
    assert_eq!(assert_consistent(&db), (1, 10));

    // Deterministic: the recorder signals half-way through its results, then we kill it.
    let marker = dir.path().join("paused");
    let big = big_file(dir.path(), "big.xml", 4000, 1);
    kill_while_recording(&db, &dir.path().join("o2"), &big, &marker);
    assert_eq!(
        assert_consistent(&db),
        (1, 10),
        "the killed run is not there at all"
    );

    // Random moments: whatever the timing, each run is fully there or absent.
    for (i, delay) in [5u64, 40, 90, 150, 260].into_iter().enumerate() {
        let mut child = bin()
            .arg("analyze")
            .arg("--out")
            .arg(dir.path().join(format!("o{i}")))
            .arg("--history")
            .arg(&db)
            .args(["--commit", &format!("r{i}"), "-q"])
            .arg(&big)
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        child.wait().unwrap();
        let (runs, results) = assert_consistent(&db);
        assert_eq!(results, 10 + (runs - 1) * 4000);
    }
    // And the store still takes new runs.
    assert!(analyze(dir.path(), &small, &db, "c9").status.success());
}

/// `analyze` records into a PostgreSQL history and `flaky` reads it; the
/// report names the store without its password.
#[test]
#[ignore = "needs postgres: set FAILTALE_TEST_POSTGRES_URL"]
fn analyze_and_flaky_share_a_postgres_history() {
    let admin = std::env::var("FAILTALE_TEST_POSTGRES_URL")
        .expect("needs postgres: set FAILTALE_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB");
    let db = failtale_history::postgres::ScratchDatabase::create(&admin, "failtale_cli").unwrap();
    // A password in the URL (the test server trusts its users and ignores it).
    let url = match db.url().split_once('@') {
        Some((user, rest)) => format!("{user}:pw-s3cret@{rest}"),
        None => db.url().replacen("://", "://failtale:pw-s3cret@", 1),
    };
    let dir = tempfile::tempdir().unwrap();
    for i in 0..4 {
        let file = dir.path().join(format!("r{i}.xml"));
        std::fs::write(
            &file,
            junit(6, None, |t| if t == 0 && i % 2 == 0 { 'F' } else { 'P' }),
        )
        .unwrap();
        let o = run(bin()
            .args([
                "analyze",
                "--offline",
                "--quiet",
                "--history",
                &url,
                "--commit",
            ])
            .arg(format!("c{i}"))
            .arg("--out")
            .arg(dir.path().join("out"))
            .arg(&file));
        assert!(o.status.success(), "{}", text(&o.stderr));
        let report: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("out/report.json")).unwrap())
                .unwrap();
        assert_eq!(report["history"]["runs_stored"], i + 1);
        let store = report["history"]["store"].as_str().unwrap();
        assert!(store.starts_with("postgres://"), "{store}");
        assert!(!store.contains("pw-s3cret"), "{store}");
    }
    let o = run(bin().args(["flaky", "--json", "--history", &url]));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let table: Value = serde_json::from_slice(&o.stdout).unwrap();
    let t0 = table
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["test"] == "gen.Suite::t0")
        .expect("t0 graded");
    assert_eq!(t0["verdict"], "flaky");
    assert_eq!(t0["runs"], 4);
    drop(db);
}

/// On PostgreSQL too: four CI runners recording at once all succeed and
/// lose nothing, and a writer killed inside its transaction leaves no part
/// of its run.
#[test]
#[ignore = "needs postgres: set FAILTALE_TEST_POSTGRES_URL"]
fn postgres_takes_concurrent_writers_and_a_killed_one_leaves_nothing() {
    let admin = std::env::var("FAILTALE_TEST_POSTGRES_URL")
        .expect("needs postgres: set FAILTALE_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB");
    let db =
        failtale_history::postgres::ScratchDatabase::create(&admin, "failtale_writers").unwrap();
    let url = Path::new(db.url());
    let dir = tempfile::tempdir().unwrap();
    const N: usize = 3000;
    record_at_once(url, dir.path(), N);
    let consistent = || {
        let store = failtale_history::PgStore::connect(db.url(), 1).unwrap();
        let per_run = store.results_per_run().unwrap();
        assert!(
            per_run
                .iter()
                .all(|(_, recorded, stored)| recorded == stored),
            "runs stored in part: {per_run:?}"
        );
        (per_run.len(), per_run.iter().map(|r| r.2).sum::<u64>())
    };
    assert_eq!(consistent(), (4, 4 * N as u64));

    let marker = dir.path().join("paused");
    let big = big_file(dir.path(), "big.xml", 4000, 1);
    kill_while_recording(url, &dir.path().join("killed"), &big, &marker);
    assert_eq!(
        consistent(),
        (4, 4 * N as u64),
        "the killed run is not there at all"
    );
    drop(db);
}
