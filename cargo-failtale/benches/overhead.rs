//! What `cargo failtale test` adds to a test run that passes.
//!
//! On examples/passing-workspace (410 tests, some sleeping like tests that
//! wait on I/O), built once in setup and warm, the same run twice: `cargo
//! test` directly, and `cargo-failtale test --offline --no-history` (JSON
//! through its runner, the stream read live, the pipeline, report.json and
//! junit.xml written). The difference is failtale's overhead: cargo
//! metadata calls, the runner hop per test binary, reading and sanitizing
//! every result, writing the outputs. Target: under 5%.
//!
//! After criterion's two groups it times both commands again, taken in
//! turns, and prints the means, medians and the percentage added.
//!
//! `cargo bench -p cargo-failtale --bench overhead`

#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports its figures on stdout"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-failtale");

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == "target" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

fn run(mut c: Command, expect: i32) {
    let o = c.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(expect),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn overhead(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/passing-workspace"),
        &ws,
    );
    let target: PathBuf = tmp.path().join("target");
    let out = tmp.path().join("out");
    let command = |program: &str| {
        let mut c = Command::new(program);
        c.current_dir(&ws)
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTC_BOOTSTRAP");
        c
    };
    let cargo_test = || {
        let mut c = command("cargo");
        c.args(["test", "--no-fail-fast", "-q"]);
        c
    };
    let failtale = || {
        let mut c = command(BIN);
        c.args(["test", "--offline", "--no-history", "-q", "--out"])
            .arg(&out);
        c
    };
    // Build once and warm both paths.
    run(cargo_test(), 0);
    run(failtale(), 0);

    let mut group = c.benchmark_group("overhead");
    group.sample_size(10);
    group.bench_function("cargo test", |b| b.iter(|| run(cargo_test(), 0)));
    group.bench_function("cargo-failtale test", |b| b.iter(|| run(failtale(), 0)));
    group.finish();

    // Criterion takes all samples of one command, then all of the other:
    // on a shared 2-core machine the load drifts between the two. Taking
    // them in turns compares like with like.
    let rounds = 30;
    let (mut plain, mut ours) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let time = |c: Command| {
            let start = std::time::Instant::now();
            run(c, 0);
            start.elapsed().as_secs_f64() * 1e3
        };
        if round % 2 == 0 {
            plain.push(time(cargo_test()));
            ours.push(time(failtale()));
        } else {
            ours.push(time(failtale()));
            plain.push(time(cargo_test()));
        }
    }
    let (pm, om) = (mean(&plain), mean(&ours));
    let (pd, od) = (median(&mut plain), median(&mut ours));
    println!(
        "\n{rounds} rounds taken in turns: cargo test mean {pm:.1} ms, median {pd:.1} ms; \
         cargo-failtale test mean {om:.1} ms (+{:.1}%), median {od:.1} ms (+{:.1}%)",
        (om / pm - 1.0) * 100.0,
        (od / pd - 1.0) * 100.0
    );
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

criterion_group!(benches, overhead);
criterion_main!(benches);
