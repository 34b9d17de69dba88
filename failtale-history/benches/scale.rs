//! The history store at the scale of a large CI run, against its targets:
//!
//! - recording one run of 188,000 tests (5 % failing, 400 fingerprints):
//!   target ≤ 0.3 s;
//! - with 100 such runs stored, the stability table of `cargo failtale
//!   flaky` (every test's last 20 results, graded): target ≤ 0.5 s;
//! - bytes stored per run (the database file's size over the runs in it).
//!
//! Each record is timed as it happens (runs 1, 10, 50 and 100 are printed)
//! beside the floor of writing the same rows' bytes to a file. The
//! allocator is mimalloc, as in the binary.
//! The same is measured on PostgreSQL when `FAILTALE_TEST_POSTGRES_URL`
//! names a server (in a scratch database).
//! Run: `cargo bench -p failtale-history --bench scale`
//! (`FAILTALE_BENCH_RUNS=N` stores N runs instead of 100).

#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports its figures on stdout"
)]

use std::io::Write;
use std::time::Instant;

use failtale_core::history::stability::{StabilityOptions, assess_all};
use failtale_core::history::{HistoryStore, ResultRecord, RunRecord};
use failtale_core::model::Outcome;
use failtale_history::SqliteStore;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TESTS: usize = 188_000;

fn record(run: usize) -> RunRecord {
    RunRecord {
        at_ms: 1_700_000_000_000 + run as i64 * 3_600_000,
        recorded_ms: 1_700_000_000_000 + run as i64 * 3_600_000,
        commit: Some(format!("{:040x}", run / 2)),
        branch: Some("main".into()),
        results: (0..TESTS)
            .map(|t| {
                // 5 % failing; a few tests flip from run to run.
                let fail = (t * 31 + run * (t % 3)).is_multiple_of(20);
                ResultRecord {
                    test: format!("com.example.module{}.ServiceTest::test_case_{t}", t / 200),
                    outcome: if fail {
                        Outcome::Failed
                    } else {
                        Outcome::Passed
                    },
                    duration_us: Some(((t * 7 + run) % 1000) as u64 * 1000),
                    attempts: 1,
                    fingerprint: fail.then(|| format!("{:016x}", t % 400)),
                }
            })
            .collect(),
        ..RunRecord::default()
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runs: usize = std::env::var("FAILTALE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    println!(
        "| store | what | time | … and the log folded into the database | floor (same bytes to a file) |"
    );
    println!("|---|---|---:|---:|---:|");
    {
        let store = SqliteStore::open(&path).unwrap();
        // The log is folded into the database on a thread while the caller
        // goes on (the command writes its outputs meanwhile).
        measure("SQLite", &store, runs, dir.path(), &|| {
            store.wait_for_checkpoint().unwrap()
        });
    }
    let bytes: u64 = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("history.db"))
        .map(|e| e.metadata().unwrap().len())
        .sum();
    let per_run = |bytes: u64| {
        format!(
            "{:.1} MiB for {runs} runs = {:.1} MiB per run ({:.1} bytes per test result)",
            bytes as f64 / 1048576.0,
            bytes as f64 / 1048576.0 / runs as f64,
            bytes as f64 / (runs * TESTS) as f64
        )
    };
    let mut sizes = vec![format!("SQLite: {}", per_run(bytes))];
    // The same on PostgreSQL, when a server is named (a scratch database).
    if let Ok(admin) = std::env::var("FAILTALE_TEST_POSTGRES_URL") {
        let db = failtale_history::postgres::ScratchDatabase::create(&admin, "failtale_scale")
            .expect("create a scratch database");
        let store = failtale_history::PgStore::connect(db.url(), 2).unwrap();
        measure("PostgreSQL", &store, runs, dir.path(), &|| {});
        sizes.push(format!(
            "PostgreSQL: {}",
            per_run(store.database_bytes().unwrap())
        ));
    } else {
        println!("| PostgreSQL | not measured: set FAILTALE_TEST_POSTGRES_URL | | | |");
    }
    println!();
    for s in sizes {
        println!("store: {s}");
    }
}

/// Records `runs` runs into `store` (then `fold`, the store's own
/// after-commit work), and reads the stability table, printing the rows.
fn measure(
    label: &str,
    store: &dyn HistoryStore,
    runs: usize,
    scratch: &std::path::Path,
    fold: &dyn Fn(),
) {
    for run in 1..=runs {
        let r = record(run);
        let start = Instant::now();
        store.record_run(&r).unwrap();
        let secs = start.elapsed().as_secs_f64();
        fold();
        let folded = start.elapsed().as_secs_f64();
        if [1, 10, 50, 100, runs].contains(&run) {
            let floor = {
                let start = Instant::now();
                let mut f =
                    std::io::BufWriter::new(std::fs::File::create(scratch.join("floor")).unwrap());
                for x in &r.results {
                    f.write_all(x.test.as_bytes()).unwrap();
                    f.write_all(&x.duration_us.unwrap_or(0).to_le_bytes())
                        .unwrap();
                }
                f.into_inner().unwrap().sync_data().unwrap();
                start.elapsed().as_secs_f64()
            };
            println!(
                "| {label} | record run {run} of {TESTS} tests | {secs:.3} s | {folded:.3} s | {floor:.3} s |"
            );
        }
    }
    let start = Instant::now();
    let opts = StabilityOptions {
        window: 20,
        ..StabilityOptions::default()
    };
    let histories = store.test_histories(None, opts.window).unwrap();
    let read = start.elapsed().as_secs_f64();
    let graded = assess_all(&histories, &opts);
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(graded.len(), TESTS);
    println!(
        "| {label} | every test graded, {runs} runs stored, last 20 of each test (reading {read:.3} s, grading {:.3} s) | {secs:.3} s | – | – |",
        secs - read
    );
    // What the stability table reads: the tests that failed, errored or
    // passed on retry in their last 20 results (the others are stable).
    let start = Instant::now();
    let unsettled = store.unsettled_histories(opts.window).unwrap();
    let read = start.elapsed().as_secs_f64();
    let table = assess_all(&unsettled, &opts);
    let secs = start.elapsed().as_secs_f64();
    let listed = |g: &[failtale_core::history::stability::TestStability]| {
        g.iter()
            .filter(|s| s.verdict != failtale_core::history::stability::Verdict::Stable)
            .filter(|s| s.verdict != failtale_core::history::stability::Verdict::New)
            .map(|s| s.test.clone())
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(
        listed(&table),
        listed(&graded),
        "the same tests can be listed"
    );
    println!(
        "| {label} | stability table, {runs} runs stored: the {} of {TESTS} tests not stable in their last 20 (reading {read:.3} s, grading {:.3} s) | {secs:.3} s | – | – |",
        unsettled.tests.len(),
        secs - read
    );
}
