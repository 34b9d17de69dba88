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
//! `cargo bench -p cargo-failtale --bench overhead`

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
}

criterion_group!(benches, overhead);
criterion_main!(benches);
