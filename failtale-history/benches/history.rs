//! History store speed against the targets of the history feature:
//!
//! - `import/1000-runs-x-1000-tests`: `history import` of a folder of 1,000
//!   JUnit files of 1,000 tests each (1M results; 2 % failing with one of a
//!   few messages, so fingerprints are recorded too) into a fresh store —
//!   reading, fingerprinting and recording, one transaction per run.
//!   Target: ≤ 20 s.
//! - `stability/10000-tests-last-20-runs`: the last 20 results of each of
//!   10,000 tests (in a store of 30 runs × 10,000 tests), graded — what
//!   `cargo failtale flaky` does. Target: ≤ 200 ms.
//! - `record/one-run-of-1000-tests`: one `analyze`'s write, for scale.
//!
//! Each import takes seconds, so that group runs 10 flat samples of one
//! iteration. The allocator is mimalloc, as in the binary.
//! Run: `cargo bench -p failtale-history --bench history`.
#![allow(missing_debug_implementations)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use failtale_core::Pipeline;
use failtale_core::history::import::{ImportOptions, import};
use failtale_core::history::stability::{StabilityOptions, assess_all};
use failtale_core::history::{HistoryStore, ResultRecord, RunRecord};
use failtale_core::model::Outcome;
use failtale_history::SqliteStore;
use junit_ingest::AutoIngest;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RUNS: usize = 1000;
const TESTS: usize = 1000;

fn write_results(dir: &Path) {
    let mut s = String::new();
    for run in 0..RUNS {
        s.clear();
        let _ = write!(
            s,
            "<?xml version=\"1.0\"?>\n<testsuite name=\"bench\" timestamp=\"2024-01-01T{:02}:{:02}:00\">\n",
            (run / 60) % 24,
            run % 60
        );
        for t in 0..TESTS {
            let _ = write!(
                s,
                "  <testcase classname=\"com.example.module{}.SomeServiceTest\" name=\"test_number_{t}\" time=\"0.{:03}\"",
                t % 40,
                (t * 7 + run) % 1000
            );
            if (t * 31 + run * 17).is_multiple_of(50) {
                let _ = writeln!(
                    s,
                    "><failure message=\"expected {} but was {}\" type=\"AssertionError\">at com.example.SomeServiceTest.test(SomeServiceTest.java:{})</failure></testcase>",
                    t % 3,
                    t % 3 + 1,
                    t % 5
                );
            } else {
                s.push_str("/>\n");
            }
        }
        s.push_str("</testsuite>\n");
        std::fs::write(dir.join(format!("run-{run:04}.xml")), &s).unwrap();
    }
}

fn bench_import(c: &mut Criterion) {
    let data = tempfile::tempdir().unwrap();
    write_results(data.path());
    let pipeline = Pipeline::new(Box::new(AutoIngest::default()));
    let mut group = c.benchmark_group("import");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    group.bench_function("1000-runs-x-1000-tests", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap();
                let store = SqliteStore::open(&dir.path().join("history.db")).unwrap();
                let start = Instant::now();
                let summary = import(
                    &store,
                    &pipeline,
                    &[data.path().to_owned()],
                    &ImportOptions::default(),
                    &|_, _| {},
                )
                .unwrap();
                total += start.elapsed();
                assert_eq!(summary.results, RUNS * TESTS);
                assert_eq!(store.result_count().unwrap(), (RUNS * TESTS) as u64);
            }
            total
        })
    });
    group.finish();
}

fn record(n_tests: usize, run: usize) -> RunRecord {
    RunRecord {
        at_ms: run as i64,
        commit: Some(format!("commit{}", run / 2)),
        branch: Some("main".into()),
        results: (0..n_tests)
            .map(|t| {
                let fail = (t * 31 + run * 17).is_multiple_of(23);
                ResultRecord {
                    test: format!(
                        "com.example.module{}.SomeServiceTest::test_number_{t}",
                        t % 40
                    ),
                    outcome: if fail {
                        Outcome::Failed
                    } else {
                        Outcome::Passed
                    },
                    duration_us: Some(((t * 7 + run) % 1000) as u64 * 1000),
                    attempts: 1,
                    fingerprint: fail.then(|| format!("{:016x}", t % 7)),
                }
            })
            .collect(),
        ..RunRecord::default()
    }
}

fn bench_stability(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("history.db")).unwrap();
    for run in 0..30 {
        store.record_run(&record(10_000, run)).unwrap();
    }
    let opts = StabilityOptions::default();
    let mut group = c.benchmark_group("stability");
    group.sample_size(20);
    group.bench_function("10000-tests-last-20-runs", |b| {
        b.iter(|| {
            let slice = store.test_histories(None, 20).unwrap();
            let graded = assess_all(&slice, &opts);
            assert_eq!(graded.len(), 10_000);
            black_box(graded)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("record");
    group.sample_size(20);
    let mut run = 100;
    group.bench_function("one-run-of-1000-tests", |b| {
        b.iter(|| {
            run += 1;
            store.record_run(&record(1000, run)).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_stability, bench_import);
criterion_main!(benches);
