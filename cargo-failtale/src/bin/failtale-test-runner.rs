//! The runner `cargo failtale test` makes cargo start each test binary
//! through: `failtale-test-runner CARGO_FAILTALE BINARY ARGS…`.
//!
//! A small executable (std only, the system allocator) because cargo starts
//! it once per test binary, before the tests: the whole tool takes a few
//! milliseconds just to start. A libtest harness gets the JSON arguments
//! (see [`runner::run`]); a binary whose manifest mentions `harness` is
//! handed to `CARGO_FAILTALE __failtale-run-test-binary`, which reads the
//! manifest to see whether that target has its own `main`.

#[path = "../runner.rs"]
mod runner;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let [tool, binary, rest @ ..] = &args[..] else {
        return runner::missing_binary(runner::RUNNER_NAME);
    };
    let binary = Path::new(binary);
    let harness = runner::is_harness(binary);
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    if harness && runner::harness_manifest(manifest_dir.as_deref()).is_some() {
        let mut command = Command::new(tool);
        command.arg(runner::RUN_TEST_BINARY).arg(binary).args(rest);
        return runner::exec(command, Path::new(tool));
    }
    runner::run(binary, rest, harness)
}
