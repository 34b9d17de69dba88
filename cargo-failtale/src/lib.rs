//! # cargo-failtale
//!
//! The `cargo failtale` subcommand. It stays thin: argument parsing, output
//! location, progress display and exit codes. The work is done by
//! `failtale-core` and `junit-ingest`.
//!
//! Runs as `cargo failtale …` (cargo calls the binary as
//! `cargo-failtale failtale …`) and directly as `cargo-failtale …` from any
//! language's CI.
//!
//! MSRV: Rust 1.88.

mod analyze;
mod cli;
mod config;
mod errors;
mod history_cmd;
mod in_app;
mod init_cmd;
mod outdir;
mod report_cmd;
mod runner;
mod serve_cmd;
mod test_cmd;
mod vcs;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub use cli::{AnalysisArgs, AnalyzeArgs, Cli, Command};
pub use errors::{CliError, exit};
pub use test_cmd::{RunArgs, TestArgs};

/// Parses `args` (including the program name) and runs the command, writing
/// to the process's stdout and stderr. Returns the exit code.
pub fn main_with_args(args: Vec<OsString>) -> ExitCode {
    let args = strip_cargo_subcommand(args);
    if args.get(1).is_some_and(|a| a == test_cmd::RUN_TEST_BINARY) {
        return test_cmd::run_test_binary(&args[2..]);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout and errors to stderr, coloured as the terminal allows.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { 0 });
        }
    };
    let color = cli.color;
    let mut out = anstream::AutoStream::new(std::io::stdout(), color.choice());
    let mut err = anstream::AutoStream::new(std::io::stderr(), color.choice());
    match run(cli, &mut out, &mut err) {
        Ok(code) => code,
        Err(e) => {
            if e.is_broken_pipe() {
                return ExitCode::SUCCESS;
            }
            let _ = e.report(&mut err);
            let _ = err.flush();
            ExitCode::from(e.exit_code())
        }
    }
}

/// Runs a parsed command, writing its output to `out` and diagnostics to `err`.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitCode, CliError> {
    match cli.command {
        None => test_cmd::test(test_cmd::TestArgs::bare(), cli.color, out, err),
        Some(Command::Test(args)) => test_cmd::test(args, cli.color, out, err),
        Some(Command::Analyze(args)) => analyze::analyze(&args, out, err),
        Some(Command::Flaky(args)) => history_cmd::flaky(&args, out),
        Some(Command::History(cmd)) => history_cmd::history(&cmd, out, err),
        Some(Command::Report(args)) => report_cmd::report(&args, out),
        Some(Command::Init(args)) => init_cmd::init(&args, out),
        Some(Command::Serve(args)) => serve_cmd::serve(&args, err),
    }
}

/// Cargo runs `cargo failtale x` as `cargo-failtale failtale x`: drop the
/// injected `failtale` so both spellings parse the same.
fn strip_cargo_subcommand(mut args: Vec<OsString>) -> Vec<OsString> {
    if args.get(1).is_some_and(|a| a == "failtale") {
        args.remove(1);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_and_direct_invocations_parse_the_same() {
        let a = Cli::try_parse_from(strip_cargo_subcommand(
            ["cargo-failtale", "failtale", "analyze", "x.xml"]
                .map(OsString::from)
                .to_vec(),
        ))
        .unwrap();
        let b = Cli::try_parse_from(strip_cargo_subcommand(
            ["cargo-failtale", "analyze", "x.xml"]
                .map(OsString::from)
                .to_vec(),
        ))
        .unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
}
