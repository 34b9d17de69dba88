//! `cargo failtale test` run for real on examples/failing-workspace.
//!
//! Each test copies the example to its own temporary directory, with its
//! own target directory, so tests never race on a build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-failtale");

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/failing-workspace");
        copy_dir(&example, &dir.path().join("ws"));
        Project { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.current_dir(self.root())
            .env("CARGO_TARGET_DIR", self.dir.path().join("target"))
            .env_remove("RUSTC_BOOTSTRAP")
            .env_remove("CARGO_TERM_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("RUST_BACKTRACE");
        c
    }

    /// Runs `cargo-failtale test --offline --no-history --out OUT ARGS…`.
    fn failtale(&self, args: &[&str]) -> Output {
        let mut c = self.command(BIN);
        c.args(["test", "--offline", "--no-history", "--out"])
            .arg(self.out())
            .args(args);
        c.output().unwrap()
    }

    fn report(&self) -> Value {
        let text = std::fs::read_to_string(self.out().join("report.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn summary(report: &Value) -> [u64; 4] {
    let s = &report["summary"];
    ["tests", "passed", "failed", "skipped"].map(|k| s[k].as_u64().unwrap())
}

/// Each cluster's tests, sorted, clusters sorted.
fn clusters(report: &Value) -> Vec<Vec<String>> {
    let mut all: Vec<Vec<String>> = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut t: Vec<String> = c["tests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_owned())
                .collect();
            t.sort();
            t
        })
        .collect();
    all.sort();
    all
}

#[test]
fn failing_tests_exit_101_with_exact_counts_and_one_cluster_per_root_cause() {
    let p = Project::new();
    let o = p.failtale(&["--workspace", "--no-nextest"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(101), "{err}");
    let report = p.report();
    // arith: 6 unit tests (1 ignored) + 2 doctests; config: 3 unit + 3 integration.
    assert_eq!(summary(&report), [14, 7, 6, 1], "{err}");
    assert_eq!(
        clusters(&report),
        [
            vec!["arith::tests::average_of_nothing_panics"],
            vec![
                "arith::tests::average_of_three",
                "arith::tests::average_of_two"
            ],
            vec!["config::tests::port_is_required"],
            vec![
                "fixtures::loads_default_settings",
                "fixtures::loads_production_settings"
            ],
        ]
    );
    assert!(p.out().join("junit.xml").is_file());
    // The doctests ran and were read from rustdoc's text output.
    let failures = report["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 6);
    // Analyses started while the tests ran: one per distinct fingerprint.
    assert!(
        err.contains("failtale: 4 failure group(s) were being analysed before the tests finished"),
        "{err}"
    );
}

#[test]
fn a_name_filter_after_dashes_reaches_the_harness_and_a_passing_run_exits_0() {
    let p = Project::new();
    let o = p.failtale(&["--workspace", "--no-nextest", "--", "passing_"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // passing_add, passing_checked_div, passing_exhaustive_add (ignored),
    // passing_built_without_rustc_bootstrap, passing_parse, passing_parse_from_string.
    assert_eq!(summary(&p.report()), [6, 5, 0, 1]);
    assert!(p.report()["clusters"].as_array().unwrap().is_empty());
}

#[test]
fn package_selection_is_passed_to_cargo() {
    let p = Project::new();
    let o = p.failtale(&["-p", "config", "--no-nextest"]);
    assert_eq!(o.status.code(), Some(101), "{}", stderr(&o));
    let report = p.report();
    assert_eq!(summary(&report), [6, 3, 3, 0]);
    let tests: Vec<String> = clusters(&report).concat();
    assert!(tests.iter().all(|t| !t.starts_with("arith")), "{tests:?}");
}

#[test]
fn outside_a_terminal_progress_is_plain_lines() {
    let p = Project::new();
    let o = p.failtale(&["--workspace", "--no-nextest"]);
    let err = stderr(&o);
    assert!(!err.contains('\x1b'), "escape codes in {err:?}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains('\x1b'));
    let failed: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("failtale: FAILED "))
        .collect();
    assert_eq!(failed.len(), 6, "{err}");
    assert!(
        failed.contains(&"fixtures::loads_default_settings"),
        "{err}"
    );
    // cargo's own output still reaches stderr.
    assert!(err.contains("Running"), "{err}");
}

#[test]
fn rustc_bootstrap_never_reaches_the_build() {
    let p = Project::new();
    // Build as plain `cargo test` would; failtale must then build nothing.
    let built = p
        .command("cargo")
        .args(["test", "--workspace", "--no-run"])
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    let o = p.failtale(&["--workspace", "--no-nextest"]);
    let err = stderr(&o);
    assert!(!err.contains("Compiling"), "failtale rebuilt:\n{err}");
    // The example's build script reruns whenever RUSTC_BOOTSTRAP changes,
    // and one of its tests checks that it was not set.
    let again = p
        .command("cargo")
        .args(["test", "--workspace", "--no-run"])
        .output()
        .unwrap();
    assert!(!stderr(&again).contains("Compiling"), "{}", stderr(&again));
    let report = p.report();
    let ran_check = report["failures"].as_array().unwrap().iter().all(|f| {
        !f.to_string()
            .contains("passing_built_without_rustc_bootstrap")
    });
    assert!(ran_check);
}

#[test]
fn a_build_failure_shows_cargos_errors_and_writes_no_report() {
    let p = Project::new();
    let lib = p.root().join("arith/src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, text.replace("a + b", "a + undefined_name")).unwrap();
    let o = p.failtale(&["--workspace", "--no-nextest"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(101), "{err}");
    assert!(err.contains("undefined_name"), "{err}");
    assert!(err.contains("no tests ran"), "{err}");
    assert!(!p.out().join("report.json").exists());
}

#[test]
fn nextest_runs_when_forced_and_its_results_are_read() {
    let p = Project::new();
    let probe = Command::new("cargo")
        .args(["nextest", "--version"])
        .output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "cargo-nextest is not installed; this test needs it: cargo install cargo-nextest --locked"
    );
    let o = p.failtale(&["--workspace", "--nextest"]);
    let err = stderr(&o);
    // nextest's exit code for failing tests.
    assert_eq!(o.status.code(), Some(100), "{err}");
    let report = p.report();
    let [tests, passed, failed, skipped] = summary(&report);
    assert_eq!((passed, failed), (5, 6), "{err}");
    assert_eq!(tests, passed + failed + skipped);
    assert_eq!(clusters(&report).len(), 4, "{report}");
    // The JUnit report of failtale's nextest profile was read.
    let input = report["inputs"][0]["path"].as_str().unwrap();
    assert!(input.ends_with("junit.xml"), "{input}");
}

#[test]
fn forcing_nextest_without_it_installed_says_how_to_install_it() {
    let p = Project::new();
    let empty = p.dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let cargo = String::from_utf8(
        Command::new("rustup")
            .args(["which", "cargo"])
            .output()
            .map(|o| o.stdout)
            .unwrap_or_default(),
    )
    .unwrap();
    let mut c = p.command(BIN);
    c.args(["test", "--nextest", "--offline", "--no-history"])
        .env("PATH", &empty)
        .env("CARGO_HOME", &empty)
        .env("HOME", &empty);
    if !cargo.trim().is_empty() {
        c.env("CARGO", cargo.trim());
    }
    let o = c.output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("cargo-nextest is not installed"), "{err}");
    assert!(err.contains("cargo install cargo-nextest"), "{err}");
}

/// A one-package project: a libtest unit test, and a `harness = false`
/// test target that fails when given libtest's JSON options.
fn custom_harness_project(dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"own-main\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [workspace]\n\n[[test]]\nname = \"custom\"\nharness = false\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "#[test]\nfn plain() {\n    assert_eq!(1 + 1, 2);\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("tests/custom.rs"),
        "fn main() {\n    if std::env::args().any(|a| a == \"--format\") {\n        \
         eprintln!(\"custom main got libtest's JSON options\");\n        \
         std::process::exit(3);\n    }\n    \
         println!(\"running 1 test\\ntest own_check ... ok\\n\\n\
         test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\\n\");\n}\n",
    )
    .unwrap();
}

#[test]
fn harness_false_targets_run_as_written_with_the_small_runner_and_without_it() {
    let runner = Path::new(env!("CARGO_BIN_EXE_failtale-test-runner"));
    assert_eq!(runner.parent(), Path::new(BIN).parent());
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    custom_harness_project(&ws);
    // The same executable alone in a directory: it is its own runner.
    let alone = tmp.path().join("alone");
    std::fs::create_dir(&alone).unwrap();
    let copy = alone.join(Path::new(BIN).file_name().unwrap());
    std::fs::copy(BIN, &copy).unwrap();
    for (program, out) in [(Path::new(BIN), "out-small"), (copy.as_path(), "out-self")] {
        let out = tmp.path().join(out);
        let o = Command::new(program)
            .current_dir(&ws)
            .env("CARGO_TARGET_DIR", tmp.path().join("target"))
            .env_remove("RUSTC_BOOTSTRAP")
            .args(["test", "--offline", "--no-history", "--no-nextest", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}: {}",
            program.display(),
            stderr(&o)
        );
        let text = std::fs::read_to_string(out.join("report.json")).unwrap();
        let report: Value = serde_json::from_str(&text).unwrap();
        let tests = report["summary"]["tests"].as_u64().unwrap();
        let passed = report["summary"]["passed"].as_u64().unwrap();
        assert_eq!(
            (tests, passed),
            (2, 2),
            "{}: {}",
            program.display(),
            stderr(&o)
        );
    }
}
