//! `cargo failtale test` (and `cargo failtale` alone): runs the workspace's
//! tests and analyses them in one go.
//!
//! The tests run under `cargo nextest run` or `cargo test`; their
//! machine-readable output is read as it streams (progress, and each new
//! failure's analysis starts at once, see [`early`]); at the end the same
//! pipeline as `analyze` writes the same outputs. The exit code is the test
//! run's.

mod doctest;
mod progress;

use std::ffi::{OsStr, OsString};
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::sync::mpsc;

use clap::{Args, Parser};
use failtale_core::error::error_chain;
use failtale_core::model::{InputStatus, Outcome, TestCase};
use failtale_core::pipeline::IngestReport;
use failtale_core::stage::Ingested;
use junit_ingest::libtest::LibtestStream;

use crate::analyze::{Setup, report_run};
use crate::cli::{AnalysisArgs, AnalyzeArgs, ColorWhen};
use crate::errors::CliError;

use doctest::HumanTests;
use failtale_core::live::{EarlyAnalyses, Live};
use progress::Progress;

pub use crate::runner::RUN_TEST_BINARY;
use crate::runner::{RUNNER_NAME, harness_manifest, is_harness};

/// The nextest profile failtale defines in its tool configuration.
const NEXTEST_PROFILE: &str = "failtale";

/// Options of `test`.
#[derive(Debug, Args)]
#[command(after_help = "How the tests run:\n  \
    With cargo test, each test binary runs through cargo-failtale itself (cargo's \
    `target.\"cfg(all())\".runner`), which adds `-Z unstable-options --format json --report-time` \
    and sets RUSTC_BOOTSTRAP=1 for that test binary only: libtest accepts JSON output only with \
    it on a stable toolchain. It is never set for rustc or rustdoc, so nothing is rebuilt and \
    the code under test compiles exactly as with `cargo test`. A runner you configured for \
    your target is replaced for this run.\n  \
    Doctests run exactly as under `cargo test` (rustdoc runs them itself, and its harness would \
    need RUSTC_BOOTSTRAP=1 on rustdoc for JSON); their usual text output is read instead.\n  \
    With nextest, failtale adds a `failtale` profile (through a tool configuration file, on top \
    of your `default` profile) that writes the JUnit report it reads, and follows the run with \
    `--message-format libtest-json-plus`. nextest does not run doctests.\n  \
    The tests run with --no-fail-fast unless --fail-fast is given. Test targets with \
    `harness = false` get the same arguments, so they need to accept libtest's JSON options.\n  \
    Each failure with a new fingerprint starts its analysis as soon as it is seen, from that \
    failure alone; the report reuses it for the failure's cluster (with [collect] configured, \
    analysis waits for the end, when the evidence is there).\n\n\
    Exit status: the test run's (0 when every test passed, 101 when cargo test had failures, \
    100 for nextest, cargo's code when the build failed). A problem with the analysis is a \
    warning and never changes it.\n\n\
    Examples:\n  \
    cargo failtale                               # the tests of the current package or workspace\n  \
    cargo failtale test --workspace --offline\n  \
    cargo failtale test -p parser -- tokenizer   # only tests whose name contains `tokenizer`\n  \
    cargo failtale test --nextest -- -E 'kind(lib)'")]
pub struct TestArgs {
    /// What to test and how.
    #[command(flatten)]
    pub run: RunArgs,

    /// Where the report goes and how failures are analysed (as for `analyze`).
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

/// `cargo failtale` without a subcommand.
#[derive(Debug, Parser)]
#[command(name = "cargo failtale")]
struct Bare {
    #[command(flatten)]
    args: TestArgs,
}

impl TestArgs {
    /// The options of a bare `cargo failtale`: all defaults.
    pub fn bare() -> TestArgs {
        Bare::parse_from(["cargo failtale"]).args
    }

    /// The `analyze` options these stand for, and the runner's.
    fn analyze_args(self) -> (AnalyzeArgs, RunArgs) {
        let analyze = AnalyzeArgs {
            paths: Vec::new(),
            analysis: self.analysis,
            // The exit code of `test` is the test run's.
            fail_on_failures: false,
        };
        (analyze, self.run)
    }
}

/// The options that shape the runner's command line.
#[derive(Debug, Default, Clone, Args)]
pub struct RunArgs {
    /// Package to test (repeatable), as `cargo test -p`.
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    pub packages: Vec<String>,

    /// Test every package in the workspace.
    #[arg(long)]
    pub workspace: bool,

    /// Path to Cargo.toml.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,

    /// Features to activate (space- or comma-separated, repeatable).
    #[arg(short = 'F', long, value_name = "FEATURES")]
    pub features: Vec<String>,

    /// Activate every feature.
    #[arg(long)]
    pub all_features: bool,

    /// Do not activate the `default` feature.
    #[arg(long)]
    pub no_default_features: bool,

    /// Build in release mode.
    #[arg(short = 'r', long)]
    pub release: bool,

    /// Build for this target triple.
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,

    /// Run the tests with cargo-nextest (the default when it is installed and
    /// the workspace has a .config/nextest.toml).
    #[arg(long, conflicts_with = "no_nextest")]
    pub nextest: bool,

    /// Run the tests with cargo test even when nextest is set up.
    #[arg(long)]
    pub no_nextest: bool,

    /// Stop at the first failing test binary (cargo test) or test (nextest).
    #[arg(long)]
    pub fail_fast: bool,

    /// Arguments for the test harness (cargo test) or for nextest: a test
    /// name filter, `--ignored`, `-E 'filterset'`, …
    #[arg(last = true, value_name = "RUNNER ARGS")]
    pub runner_args: Vec<OsString>,
}

/// Which runner runs the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runner {
    CargoTest,
    Nextest,
}

/// Why the tests could not be run.
#[derive(Debug, thiserror::Error)]
enum TestError {
    #[error("--nextest was given but cargo-nextest is not installed")]
    NoNextest,
    #[error("`{0}` cannot be passed to the test harness: failtale reads the harness's JSON output")]
    FormatArg(String),
    #[error("cannot run `{program}`")]
    Spawn {
        program: String,
        #[source]
        source: io::Error,
    },
}

impl TestError {
    fn hint(&self) -> &'static str {
        match self {
            TestError::NoNextest => {
                "install it with `cargo install cargo-nextest --locked` (see https://nexte.st), or leave out --nextest to use cargo test"
            }
            TestError::FormatArg(_) => {
                "leave it out; report.json and junit.xml hold the results in machine-readable form"
            }
            TestError::Spawn { .. } => "check that cargo is on PATH, or set CARGO to its path",
        }
    }

    fn report(&self, err: &mut dyn Write) -> io::Result<()> {
        let (red, bold) = (report_templates::style::RED, report_templates::style::BOLD);
        writeln!(err, "{red}error{red:#}: {self}")?;
        if let Some(s) = std::error::Error::source(self) {
            writeln!(err, "  {bold}caused by{bold:#}: {s}")?;
        }
        writeln!(err, "  {bold}hint{bold:#}: {}", self.hint())
    }
}

/// Runs the tests, then the pipeline; returns the test run's exit code.
pub fn test(
    args: TestArgs,
    color: ColorWhen,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitCode, CliError> {
    let (analyze, run) = args.analyze_args();
    match test_inner(&analyze, &run, color, out, err) {
        Err(Failure::Test(e)) => {
            e.report(err)?;
            Ok(ExitCode::from(2))
        }
        Err(Failure::Cli(e)) => Err(e),
        Ok(code) => Ok(code),
    }
}

enum Failure {
    Test(TestError),
    Cli(CliError),
}

impl From<CliError> for Failure {
    fn from(e: CliError) -> Self {
        Failure::Cli(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Cli(CliError::Output(e))
    }
}

impl From<TestError> for Failure {
    fn from(e: TestError) -> Self {
        Failure::Test(e)
    }
}

fn test_inner(
    analyze: &AnalyzeArgs,
    run: &RunArgs,
    color: ColorWhen,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitCode, Failure> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    // The project is where the manifest is: its target/failtale/ gets the
    // report, its crates count as in-app, its failtale.toml is read.
    let project = match &run.manifest_path {
        Some(m) => absolute(&cwd, m)
            .parent()
            .map_or_else(|| cwd.clone(), Path::to_owned),
        None => cwd.clone(),
    };
    // Commit and branch (git calls) are looked up while the tests run.
    let vcs = {
        let (commit, branch) = (
            analyze.analysis.history.commit.clone(),
            analyze.analysis.history.branch.clone(),
        );
        let project = project.clone();
        std::thread::spawn(move || {
            crate::vcs::detect(
                commit.as_deref(),
                branch.as_deref(),
                &|k| std::env::var(k).ok(),
                &project,
            )
        })
    };
    // So are the built-in rules compiled and the embedded report templates
    // parsed: once the last test is done, analysing and rendering do not
    // wait for that (a user's `--templates` are read when rendering, as
    // before).
    crate::analyze::warm_up(analyze.analysis.templates.is_some());
    let runner = choose_runner(
        run,
        &|| nextest_installed(&|k| std::env::var_os(k)),
        &|| nextest_configured(&project),
    )?;
    check_runner_args(runner, &run.runner_args)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(CliError::Output)?;
    let handle = runtime.handle().clone();
    let early = EarlyAnalyses::new(Box::new(move |analysis| {
        handle.spawn(analysis);
    }));
    let make_setup = |err: &mut dyn Write| -> Result<Setup, CliError> {
        let mut setup = Setup::new(analyze, &project, &|a| early.wrap(a), err)?;
        setup.dir = absolute(&cwd, &setup.dir);
        Ok(setup)
    };
    // nextest's store goes in the output directory, so it is needed first;
    // cargo test starts at once and the setup (cargo metadata, the rules)
    // happens while it builds.
    let mut early_setup = match runner {
        Runner::Nextest => Some(make_setup(err)?),
        Runner::CargoTest => None,
    };

    let terminal = io::stderr().is_terminal();
    let cargo_color = terminal
        && color != ColorWhen::Never
        && std::env::var_os("CARGO_TERM_COLOR").is_none()
        && std::env::var_os("NO_COLOR").is_none();
    let exe = std::env::current_exe().map_err(CliError::Output)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&cargo);
    let junit = match runner {
        Runner::CargoTest => {
            command.args(cargo_test_args(run, &runner_command(&exe), cargo_color));
            None
        }
        Runner::Nextest => {
            let dir = early_setup
                .as_ref()
                .map_or_else(|| cwd.clone(), |s| s.dir.clone());
            let store = dir.join("nextest");
            let tool_config = write_nextest_config(&store)?;
            let own_profile = !has_profile_arg(&run.runner_args);
            command.args(nextest_args(run, &tool_config, own_profile, cargo_color));
            for (k, v) in NEXTEST_ENV {
                if std::env::var_os(k).is_none() {
                    command.env(k, v);
                }
            }
            let junit = store.join(NEXTEST_PROFILE).join("junit.xml");
            // A report left by an earlier run must not be read as this one's.
            let _ = std::fs::remove_file(&junit);
            own_profile.then_some(junit)
        }
    };
    let tests_started = std::time::Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| TestError::Spawn {
            program: cargo.to_string_lossy().into_owned(),
            source,
        })?;
    let setup = match early_setup.take().map_or_else(|| make_setup(err), Ok) {
        Ok(setup) => setup,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(e.into());
        }
    };
    // Collected evidence changes an analysis; early ones would not see it.
    let analyse_early = !setup.collects;
    let mut live = setup.pipeline.live();

    let (tx, rx) = mpsc::channel();
    let stdout = child
        .stdout
        .take()
        .map(|s| pipe_lines(s, Stream::Out, tx.clone()));
    let stderr = child.stderr.take().map(|s| pipe_lines(s, Stream::Err, tx));
    let mut progress = Progress::new(terminal, analyze.analysis.quiet);
    let mut stream = LibtestStream::default();
    let mut human = HumanTests::default();
    for (which, line) in rx {
        match which {
            Stream::Err => {
                let text = String::from_utf8_lossy(&line);
                if let Some(total) = nextest_total(&text) {
                    progress.set_total(total);
                }
                // rustdoc says this whenever a runner is configured; it is
                // about how it runs merged doctests, not about the tests.
                if text.starts_with("WARNING: No rustdoc doctest environment variable") {
                    continue;
                }
                progress.forward(&line, err)?;
            }
            Stream::Out => {
                let text = String::from_utf8_lossy(&line);
                let json = if runner == Runner::CargoTest
                    && (human.active() || text.starts_with("running "))
                {
                    human.line(&text)
                } else {
                    vec![text.into_owned()]
                };
                for line in json {
                    let done: Vec<TestCase> = stream.line(&line).to_vec();
                    for case in done {
                        let early = analyse_early.then_some(&*early);
                        finished(&mut live, early, &case, &mut progress, err)?;
                    }
                }
            }
        }
    }
    for t in [stdout, stderr].into_iter().flatten() {
        let _ = t.join();
    }
    let status = child.wait().map_err(CliError::Output)?;
    progress.finish();
    let code = exit_code(status);

    let streamed = stream.finish();
    if streamed.suites.is_empty() && !status.success() {
        writeln!(
            err,
            "failtale: no tests ran (see the errors above); nothing to analyse"
        )?;
        return Ok(code);
    }
    let ingested = match junit.filter(|p| p.is_file()) {
        Some(path) => read_junit(&setup, &path).unwrap_or_else(|| from_stream(runner, streamed)),
        None => from_stream(runner, streamed),
    };
    if early.started() > 0 && !analyze.analysis.quiet {
        writeln!(
            err,
            "failtale: {} failure group(s) were being analysed before the tests finished",
            early.started()
        )?;
    }
    let mut ingested = ingested;
    ingested.run.vcs = Some(vcs.join().unwrap_or_else(|_| {
        crate::vcs::detect(
            analyze.analysis.history.commit.as_deref(),
            analyze.analysis.history.branch.as_deref(),
            &|k| std::env::var(k).ok(),
            &project,
        )
    }));
    let mut before = failtale_core::pipeline::Timings::default();
    before.push("tests", tests_started.elapsed());
    if let Err(e) = report_run(analyze, &setup, ingested, Some(live), before, out, err) {
        if e.is_broken_pipe() {
            return Ok(code);
        }
        writeln!(
            err,
            "warning: the tests ran, but their analysis failed (the exit status is the test run's):"
        )?;
        e.report(err)?;
    }
    drop(runtime);
    Ok(code)
}

/// Counts a finished test; a failure is sanitized and fingerprinted (once,
/// for the whole run), shown, and its analysis started.
fn finished(
    live: &mut Live<'_>,
    early: Option<&EarlyAnalyses>,
    case: &TestCase,
    progress: &mut Progress,
    err: &mut dyn Write,
) -> io::Result<()> {
    match case.outcome {
        Outcome::Passed | Outcome::Flaky => progress.finished(true, false, None, err),
        Outcome::Skipped => progress.finished(false, true, None, err),
        Outcome::Failed | Outcome::Error => {
            let Some(failure) = live.finished(case) else {
                return Ok(());
            };
            let key = failure.cluster.tests.first().cloned().unwrap_or_default();
            if let Some(early) = early
                && failure.new
            {
                early.start(failure);
            }
            progress.finished(false, false, Some(&key), err)
        }
    }
}

/// The run as read from the stream.
fn from_stream(runner: Runner, ingested: Ingested) -> IngestReport {
    let mut status = {
        let mut input_status = InputStatus::default();
        input_status.path = match runner {
            Runner::CargoTest => "cargo test (libtest JSON)".to_owned(),
            Runner::Nextest => "cargo nextest run (libtest JSON)".to_owned(),
        };
        input_status
    };
    status.format = ingested.format;
    status.producer = ingested.producer.clone();
    status.warnings = ingested.warnings.clone();
    status.error = ingested.error.as_ref().map(|e| error_chain(e));
    let mut report = IngestReport::default();
    report
        .run
        .push_input(status, ingested.cases, ingested.suites);
    report
}

/// nextest's JUnit report, when it reads without error.
fn read_junit(setup: &Setup, path: &Path) -> Option<IngestReport> {
    let inputs = failtale_core::input::discover(&[path.to_owned()]).ok()?;
    let report = setup.pipeline.ingest(&inputs);
    let ok = report.run.inputs.iter().all(|i| i.error.is_none()) && !report.run.cases.is_empty();
    ok.then_some(report)
}

/// The runner: `--nextest`/`--no-nextest`, else nextest when it is installed
/// and the project has a nextest configuration.
fn choose_runner(
    run: &RunArgs,
    installed: &dyn Fn() -> bool,
    configured: &dyn Fn() -> bool,
) -> Result<Runner, TestError> {
    if run.no_nextest {
        return Ok(Runner::CargoTest);
    }
    if run.nextest {
        return if installed() {
            Ok(Runner::Nextest)
        } else {
            Err(TestError::NoNextest)
        };
    }
    Ok(if configured() && installed() {
        Runner::Nextest
    } else {
        Runner::CargoTest
    })
}

/// True when `cargo-nextest` is on PATH or in cargo's bin directory.
fn nextest_installed(env: &dyn Fn(&str) -> Option<OsString>) -> bool {
    let exe = format!("cargo-nextest{}", std::env::consts::EXE_SUFFIX);
    let mut dirs: Vec<PathBuf> = env("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = env("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    } else if let Some(home) = env("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.iter().any(|d| d.join(&exe).is_file())
}

/// True when the project (or a workspace above it) has `.config/nextest.toml`.
fn nextest_configured(project: &Path) -> bool {
    project
        .ancestors()
        .any(|d| d.join(".config/nextest.toml").is_file() && d.join("Cargo.toml").is_file())
}

/// Rejects runner arguments that would break the output failtale reads.
fn check_runner_args(runner: Runner, args: &[OsString]) -> Result<(), TestError> {
    let bad = |a: &OsStr| {
        let a = a.to_string_lossy();
        let flag = a.split('=').next().unwrap_or_default();
        match runner {
            Runner::CargoTest => matches!(flag, "--format" | "-Zunstable-options"),
            Runner::Nextest => flag == "--message-format",
        }
        .then(|| a.into_owned())
    };
    match args.iter().find_map(|a| bad(a)) {
        Some(a) => Err(TestError::FormatArg(a)),
        None => Ok(()),
    }
}

/// The cargo options both runners take, as cargo takes them.
fn selection_args(run: &RunArgs, color: bool) -> Vec<OsString> {
    let mut a: Vec<OsString> = Vec::new();
    if color {
        a.extend(["--color".into(), "always".into()]);
    }
    if !run.fail_fast {
        a.push("--no-fail-fast".into());
    }
    if let Some(m) = &run.manifest_path {
        a.push("--manifest-path".into());
        a.push(m.into());
    }
    for p in &run.packages {
        a.push("--package".into());
        a.push(p.into());
    }
    if run.workspace {
        a.push("--workspace".into());
    }
    for f in &run.features {
        a.push("--features".into());
        a.push(f.into());
    }
    if run.all_features {
        a.push("--all-features".into());
    }
    if run.no_default_features {
        a.push("--no-default-features".into());
    }
    if run.release {
        a.push("--release".into());
    }
    if let Some(t) = &run.target {
        a.push("--target".into());
        a.push(t.into());
    }
    a
}

/// `cargo test …`: every test binary runs through `runner` (see
/// [`runner_command`] and [`run_test_binary`]).
fn cargo_test_args(run: &RunArgs, runner: &[String], color: bool) -> Vec<OsString> {
    let mut a: Vec<OsString> = vec!["test".into()];
    a.extend(selection_args(run, color));
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    a.push("--config".into());
    a.push(
        format!(
            "target.\"cfg(all())\".runner=[{}]",
            runner
                .iter()
                .map(|s| quote(s))
                .collect::<Vec<_>>()
                .join(", ")
        )
        .into(),
    );
    if !run.runner_args.is_empty() {
        a.push("--".into());
        a.extend(run.runner_args.iter().cloned());
    }
    a
}

/// `cargo nextest run …` with failtale's profile (unless the arguments name
/// one) and the libtest JSON stream on stdout.
fn nextest_args(
    run: &RunArgs,
    tool_config: &Path,
    own_profile: bool,
    color: bool,
) -> Vec<OsString> {
    let mut a: Vec<OsString> = vec!["nextest".into(), "run".into()];
    a.extend(selection_args(run, color));
    if own_profile {
        let mut spec = OsString::from("failtale:");
        spec.push(tool_config);
        a.extend(["--tool-config-file".into(), spec]);
        a.extend(["--profile".into(), NEXTEST_PROFILE.into()]);
    }
    a.extend(["--message-format".into(), "libtest-json-plus".into()]);
    a.extend(run.runner_args.iter().cloned());
    a
}

/// Environment for nextest, each unless the user set it: the JSON stream
/// (still marked experimental), and no human status output: failtale shows
/// progress and the summary.
const NEXTEST_ENV: [(&str, &str); 6] = [
    ("NEXTEST_EXPERIMENTAL_LIBTEST_JSON", "1"),
    ("NEXTEST_HIDE_PROGRESS_BAR", "1"),
    ("NEXTEST_STATUS_LEVEL", "none"),
    ("NEXTEST_FINAL_STATUS_LEVEL", "none"),
    ("NEXTEST_FAILURE_OUTPUT", "never"),
    ("NEXTEST_SUCCESS_OUTPUT", "never"),
];

fn has_profile_arg(args: &[OsString]) -> bool {
    args.iter().any(|a| {
        let a = a.to_string_lossy();
        a == "-P" || a == "--profile" || a.starts_with("--profile=") || a.starts_with("-P")
    })
}

/// Writes the tool configuration that defines failtale's nextest profile;
/// its store (and JUnit report) is under `store`.
fn write_nextest_config(store: &Path) -> Result<PathBuf, CliError> {
    let fail = |source| CliError::Write {
        path: store.to_owned(),
        source,
    };
    std::fs::create_dir_all(store).map_err(fail)?;
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    let text = format!(
        "# Written by cargo failtale test: the profile it runs nextest with.\n\
         [store]\ndir = {}\n\n[profile.{NEXTEST_PROFILE}.junit]\npath = \"junit.xml\"\n",
        quote(&store.to_string_lossy())
    );
    let path = store.join("failtale-tool-config.toml");
    std::fs::write(&path, text).map_err(fail)?;
    Ok(path)
}

/// The total nextest announces: `Starting 10 tests across 3 binaries`.
fn nextest_total(line: &str) -> Option<u64> {
    let rest = line.trim_start().strip_prefix("Starting ")?;
    let (n, rest) = rest.split_once(' ')?;
    rest.starts_with("test").then(|| n.parse().ok())?
}

fn exit_code(status: ExitStatus) -> ExitCode {
    if let Some(code) = status.code() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return ExitCode::from(u8::try_from(128 + sig).unwrap_or(1));
        }
    }
    ExitCode::FAILURE
}

fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_owned()
    } else {
        cwd.join(p)
    }
}

#[derive(Debug, Clone, Copy)]
enum Stream {
    Out,
    Err,
}

/// Reads `r` line by line on a thread, sending each line (with its newline).
fn pipe_lines(
    r: impl Read + Send + 'static,
    which: Stream,
    tx: mpsc::Sender<(Stream, Vec<u8>)>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut r = BufReader::with_capacity(64 * 1024, r);
        loop {
            let mut line = Vec::new();
            match r.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if tx.send((which, line)).is_err() {
                        break;
                    }
                }
            }
        }
    })
}

/// The runner cargo starts each test binary through when the small
/// `failtale-test-runner` is not installed next to this executable, and the
/// one that runner hands a binary to when its manifest mentions `harness`:
/// `cargo-failtale __failtale-run-test-binary BINARY ARGS…`. A libtest
/// harness (a binary in a `deps` directory) gets the JSON arguments and
/// `RUSTC_BOOTSTRAP=1`, after a `Running BINARY` line naming it on stdout;
/// anything else (a doctest rustdoc runs, a `harness = false` target) runs
/// unchanged.
pub fn run_test_binary(args: &[OsString]) -> ExitCode {
    let Some(binary) = args.first() else {
        return crate::runner::missing_binary(RUN_TEST_BINARY);
    };
    let binary = Path::new(binary);
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let json = is_harness(binary)
        && !harness_manifest(manifest_dir.as_deref())
            .is_some_and(|text| custom_harness(binary, &text));
    crate::runner::run(binary, &args[1..], json)
}

/// How cargo is to start each test binary: the small runner next to `exe`
/// (given `exe`, for the binaries it hands back), else `exe` itself.
fn runner_command(exe: &Path) -> Vec<String> {
    let small = exe.with_file_name(format!("{RUNNER_NAME}{}", std::env::consts::EXE_SUFFIX));
    let exe = exe.to_string_lossy().into_owned();
    if small.is_file() {
        vec![small.to_string_lossy().into_owned(), exe]
    } else {
        vec![exe, RUN_TEST_BINARY.to_owned()]
    }
}

/// Whether `binary` is a target its manifest (`text`, from the directory
/// cargo sets for every test process) builds with `harness = false`: its own
/// `main` (datatest, libtest-mimic, a hand-written runner) may not take
/// libtest's JSON arguments, so it runs as the user wrote it. Its output is
/// read like a doctest's when it prints libtest's text format.
fn custom_harness(binary: &Path, text: &str) -> bool {
    let Some(stem) = binary.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    // `name-0123456789abcdef`: the target name, then cargo's metadata hash.
    let target = match stem.rsplit_once('-') {
        Some((name, hash)) if hash.bytes().all(|b| b.is_ascii_hexdigit()) => name,
        _ => stem,
    };
    let Ok(manifest) = text.parse::<toml::Table>() else {
        return false;
    };
    let rust_name =
        |v: Option<&toml::Value>| v.and_then(|n| n.as_str()).map(|n| n.replace('-', "_"));
    let no_harness =
        |t: &toml::Table| t.get("harness").and_then(toml::Value::as_bool) == Some(false);
    if let Some(lib) = manifest.get("lib").and_then(toml::Value::as_table)
        && no_harness(lib)
    {
        let package = manifest.get("package").and_then(|p| p.get("name"));
        if rust_name(lib.get("name"))
            .or_else(|| rust_name(package))
            .as_deref()
            == Some(target)
        {
            return true;
        }
    }
    ["test", "bin", "bench", "example"].iter().any(|kind| {
        manifest
            .get(*kind)
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_table)
            .any(|t| no_harness(t) && rust_name(t.get("name")).as_deref() == Some(target))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[OsString]) -> Vec<String> {
        v.iter().map(|s| s.to_string_lossy().into_owned()).collect()
    }

    fn parse(args: &[&str]) -> RunArgs {
        let mut full = vec!["cargo failtale"];
        full.extend(args);
        Bare::try_parse_from(full).unwrap().args.analyze_args().1
    }

    #[test]
    fn cargo_test_gets_the_selection_the_runner_and_the_harness_args() {
        let run = parse(&[
            "-p",
            "a",
            "-p",
            "b",
            "--features",
            "x,y",
            "--release",
            "--target",
            "x86_64-unknown-linux-gnu",
            "--manifest-path",
            "w/Cargo.toml",
            "--",
            "passing_",
            "--ignored",
        ]);
        let a = strings(&cargo_test_args(
            &run,
            &["/bin/ft\"x".into(), RUN_TEST_BINARY.into()],
            false,
        ));
        assert_eq!(
            a,
            [
                "test",
                "--no-fail-fast",
                "--manifest-path",
                "w/Cargo.toml",
                "--package",
                "a",
                "--package",
                "b",
                "--features",
                "x,y",
                "--release",
                "--target",
                "x86_64-unknown-linux-gnu",
                "--config",
                r#"target."cfg(all())".runner=["/bin/ft\"x", "__failtale-run-test-binary"]"#,
                "--",
                "passing_",
                "--ignored",
            ]
        );
    }

    #[test]
    fn json_arguments_go_to_harnesses_only_not_to_cargo_or_rustdoc() {
        let a = strings(&cargo_test_args(
            &parse(&["--workspace"]),
            &runner_command(Path::new("ft")),
            true,
        ));
        assert_eq!(a[..4], ["test", "--color", "always", "--no-fail-fast"]);
        assert!(a.contains(&"--workspace".to_owned()));
        assert!(!a.iter().any(|s| s == "--" || s == "json"), "{a:?}");
        assert!(is_harness(Path::new("/t/debug/deps/arith-0123")));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"my-crate\"\n[lib]\nharness = false\n\
             [[test]]\nname = \"data-driven\"\nharness = false\n\
             [[test]]\nname = \"plain\"\n",
        )
        .unwrap();
        let text = harness_manifest(Some(dir.path())).unwrap();
        let custom = |b: &str| custom_harness(Path::new(b), &text);
        assert!(custom("/t/debug/deps/data_driven-0123456789abcdef"));
        assert!(custom("/t/debug/deps/my_crate-0123456789abcdef"), "the lib");
        assert!(!custom("/t/debug/deps/plain-0123456789abcdef"));
        assert!(!custom("/t/debug/deps/other-0123456789abcdef"));
        assert!(harness_manifest(None).is_none());
        // A manifest that never says `harness` is not even parsed.
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        assert!(harness_manifest(Some(dir.path())).is_none());
        assert!(!is_harness(Path::new("/tmp/rustdoctestX/rust_out")));
    }

    #[test]
    fn the_small_runner_next_to_the_executable_is_used_when_there() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("cargo-failtale");
        let exe_s = exe.to_string_lossy().into_owned();
        assert_eq!(
            runner_command(&exe),
            [exe_s.clone(), RUN_TEST_BINARY.to_owned()]
        );
        let small = dir
            .path()
            .join(format!("{RUNNER_NAME}{}", std::env::consts::EXE_SUFFIX));
        std::fs::write(&small, "").unwrap();
        assert_eq!(
            runner_command(&exe),
            [small.to_string_lossy().into_owned(), exe_s]
        );
    }

    #[test]
    fn fail_fast_is_passed_through() {
        let a = strings(&cargo_test_args(
            &parse(&["--fail-fast"]),
            &runner_command(Path::new("ft")),
            false,
        ));
        assert!(!a.contains(&"--no-fail-fast".to_owned()));
    }

    #[test]
    fn nextest_gets_its_profile_json_stream_and_filters() {
        let run = parse(&["--all-features", "--", "-E", "kind(lib)"]);
        let a = strings(&nextest_args(&run, Path::new("/o/cfg.toml"), true, false));
        assert_eq!(
            a,
            [
                "nextest",
                "run",
                "--no-fail-fast",
                "--all-features",
                "--tool-config-file",
                "failtale:/o/cfg.toml",
                "--profile",
                "failtale",
                "--message-format",
                "libtest-json-plus",
                "-E",
                "kind(lib)",
            ]
        );
        let mine = parse(&["--", "--profile", "ci"]);
        assert!(has_profile_arg(&mine.runner_args));
        let a = strings(&nextest_args(&mine, Path::new("c"), false, false));
        assert!(!a.contains(&"failtale".to_owned()), "{a:?}");
    }

    #[test]
    fn runner_choice() {
        let yes = || true;
        let no = || false;
        let default = RunArgs::default();
        let forced = RunArgs {
            nextest: true,
            ..RunArgs::default()
        };
        let refused = RunArgs {
            no_nextest: true,
            ..RunArgs::default()
        };
        assert_eq!(
            choose_runner(&default, &yes, &yes).unwrap(),
            Runner::Nextest
        );
        assert_eq!(
            choose_runner(&default, &yes, &no).unwrap(),
            Runner::CargoTest
        );
        assert_eq!(
            choose_runner(&default, &no, &yes).unwrap(),
            Runner::CargoTest
        );
        assert_eq!(choose_runner(&forced, &yes, &no).unwrap(), Runner::Nextest);
        assert!(matches!(
            choose_runner(&forced, &no, &yes),
            Err(TestError::NoNextest)
        ));
        assert_eq!(
            choose_runner(&refused, &yes, &yes).unwrap(),
            Runner::CargoTest
        );
        assert!(
            TestError::NoNextest
                .hint()
                .contains("cargo install cargo-nextest")
        );
    }

    #[test]
    fn nextest_is_found_on_path_or_in_cargo_home() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let env = |path: &Path| {
            let path = path.to_owned();
            move |k: &str| (k == "PATH").then(|| path.clone().into_os_string())
        };
        assert!(!nextest_installed(&env(&bin)));
        std::fs::write(bin.join("cargo-nextest"), "").unwrap();
        assert!(nextest_installed(&env(&bin)));
        let home = |k: &str| (k == "CARGO_HOME").then(|| dir.path().as_os_str().to_owned());
        assert!(nextest_installed(&home));
    }

    #[test]
    fn format_arguments_are_refused() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(check_runner_args(Runner::CargoTest, &args(&["--format=pretty"])).is_err());
        assert!(check_runner_args(Runner::CargoTest, &args(&["passing_", "--ignored"])).is_ok());
        assert!(check_runner_args(Runner::Nextest, &args(&["--message-format", "x"])).is_err());
    }

    #[test]
    fn nextest_announces_its_total() {
        assert_eq!(
            nextest_total("    Starting 10 tests across 3 binaries (1 test skipped)\n"),
            Some(10)
        );
        assert_eq!(
            nextest_total("    Starting 1 test across 1 binary"),
            Some(1)
        );
        assert_eq!(nextest_total("Starting soon"), None);
    }

    #[test]
    fn bare_invocation_means_test_with_defaults() {
        let args = TestArgs::bare();
        assert!(
            args.run.packages.is_empty() && !args.run.nextest && args.run.runner_args.is_empty()
        );
        assert_eq!(args.analysis.max_clusters, 10);
    }
}
