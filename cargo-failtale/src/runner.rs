//! What runs each test binary, shared by the small `failtale-test-runner`
//! executable and `cargo-failtale __failtale-run-test-binary` (std only: the
//! small runner starts in a fraction of the time the whole tool does, and
//! cargo starts it once per test binary).

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::Path;
use std::process::{Command, ExitCode};

/// The hidden first argument that makes `cargo-failtale` the runner.
pub const RUN_TEST_BINARY: &str = "__failtale-run-test-binary";

/// The small runner's name, next to `cargo-failtale`.
pub const RUNNER_NAME: &str = "failtale-test-runner";

/// The arguments that make a libtest harness write JSON events.
pub const LIBTEST_JSON: [&str; 5] = [
    "-Z",
    "unstable-options",
    "--format",
    "json",
    "--report-time",
];

/// Test harnesses cargo built live in `…/deps/`; rustdoc's doctest programs do not.
pub fn is_harness(binary: &Path) -> bool {
    binary
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|d| d == "deps")
}

/// The text of the manifest in `manifest_dir` (cargo sets it for every
/// test process) when it says `harness` at all: most never do, and then no
/// target of theirs has its own `main`.
pub fn harness_manifest(manifest_dir: Option<&Path>) -> Option<String> {
    manifest_dir
        .and_then(|d| std::fs::read_to_string(d.join("Cargo.toml")).ok())
        .filter(|text| text.contains("harness"))
}

/// Runs `binary` with `args` in place of this process: with the JSON
/// arguments and `RUSTC_BOOTSTRAP=1`, after a `Running BINARY` line naming it
/// on stdout, when `json`; else unchanged.
pub fn run(binary: &Path, args: &[OsString], json: bool) -> ExitCode {
    let mut command = Command::new(binary);
    command.args(args);
    if json {
        command.args(LIBTEST_JSON).env("RUSTC_BOOTSTRAP", "1");
        let mut out = io::stdout().lock();
        let _ = writeln!(out, "Running {}", binary.display());
        let _ = out.flush();
    }
    exec(command, binary)
}

/// Replaces this process with `command` (on Unix; elsewhere runs it and
/// exits with its status).
pub fn exec(mut command: Command, program: &Path) -> ExitCode {
    let fail = |e: io::Error| {
        let _ = writeln!(
            io::stderr(),
            "error: cannot run `{}`: {e}",
            program.display()
        );
        ExitCode::from(101)
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        fail(command.exec())
    }
    #[cfg(not(unix))]
    match command.status() {
        Ok(status) => match status.code() {
            Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            None => ExitCode::FAILURE,
        },
        Err(e) => fail(e),
    }
}

/// The message when the runner is started without a test binary.
pub fn missing_binary(who: &str) -> ExitCode {
    let _ = writeln!(io::stderr(), "error: {who} needs the test binary to run");
    ExitCode::from(2)
}
