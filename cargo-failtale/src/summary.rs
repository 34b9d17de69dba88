//! The terminal summary.

use std::io::{self, Write};
use std::path::Path;

use anstyle::Style;
use failtale_core::analyze::{category_name, severity_name};
use failtale_core::model::Analysis;
use failtale_core::report::Report;
use failtale_core::{Sanitized, TestRun};

/// How much to print.
#[derive(Debug, Clone, Copy)]
pub struct SummaryOptions {
    /// Clusters to show before "+K more".
    pub max_clusters: usize,
    /// Only the counts and the report path.
    pub quiet: bool,
}

use crate::style::{BOLD, DIM, GREEN, RED, YELLOW};

/// Tests listed per cluster before "+K more".
const TESTS_SHOWN: usize = 3;
/// Message lines shown per cluster.
const MESSAGE_LINES: usize = 3;

/// Writes the summary. Colour codes are written unconditionally; the caller's
/// stream strips them when colour is off (NO_COLOR, not a terminal). Takes
/// sanitized data only, so no raw test output reaches the terminal.
pub fn write_summary(
    w: &mut dyn Write,
    report: &Sanitized<Report>,
    run: &Sanitized<TestRun>,
    report_path: &Path,
    opts: &SummaryOptions,
) -> io::Result<()> {
    let broken: Vec<_> = report.inputs.iter().filter(|i| i.error.is_some()).collect();
    let files = report.inputs.len();
    write!(
        w,
        "{BOLD}failtale{BOLD:#}: read {files} result file{}",
        plural(files)
    )?;
    if !broken.is_empty() {
        write!(w, " ({RED}{} could not be read fully{RED:#})", broken.len())?;
    }
    writeln!(w)?;
    write_redaction_notice(w, &report.redactions)?;
    for input in &broken {
        let error = input.error.as_deref().unwrap_or_default();
        let kept = if input.tests > 0 {
            format!(" ({} tests read before the error are kept)", input.tests)
        } else {
            String::new()
        };
        writeln!(w, "  {RED}error{RED:#} {}: {error}{kept}", input.path)?;
    }
    if !opts.quiet {
        for input in &report.inputs {
            for warning in &input.warnings {
                writeln!(w, "  {YELLOW}warning{YELLOW:#} {}: {warning}", input.path)?;
            }
        }
    }

    let s = &report.summary;
    write!(
        w,
        "{BOLD}{}{BOLD:#} test{}: {GREEN}{} passed{GREEN:#}",
        s.tests,
        plural(s.tests),
        s.passed
    )?;
    if s.flaky > 0 {
        write!(w, " ({YELLOW}{} flaky{YELLOW:#})", s.flaky)?;
    }
    let failed_style = if s.failed > 0 { RED } else { Style::new() };
    let error_style = if s.errors > 0 { RED } else { Style::new() };
    writeln!(
        w,
        ", {failed_style}{} failed{failed_style:#}, {error_style}{} error{}{error_style:#}, {} skipped",
        s.failed,
        s.errors,
        plural(s.errors),
        s.skipped
    )?;

    let failing = s.failed + s.errors;
    if failing == 0 {
        writeln!(w, "{GREEN}no failures{GREEN:#}")?;
    } else {
        let causes = report.clusters.len();
        writeln!(
            w,
            "{BOLD}{failing} failure{} → {causes} root cause{}{BOLD:#}",
            plural(failing),
            plural(causes)
        )?;
        if !opts.quiet {
            for cluster in report.clusters.iter().take(opts.max_clusters) {
                writeln!(w)?;
                let n = cluster.tests.len();
                let first = run.cases.get(
                    run.cases
                        .iter()
                        .position(|c| c.id.key() == cluster.tests[0])
                        .unwrap_or(usize::MAX),
                );
                let kind = first
                    .and_then(|c| c.primary_failure())
                    .map(|f| f.kind.as_str())
                    .unwrap_or("failure");
                writeln!(
                    w,
                    "{BOLD}{}{BOLD:#}  {RED}{kind}{RED:#} in {n} test{}",
                    cluster.id,
                    plural(n)
                )?;
                if let Some(label) = &cluster.label {
                    let style = if cluster.mass_failure { YELLOW } else { BOLD };
                    writeln!(w, "    {style}{label}{style:#}")?;
                }
                let message = first
                    .and_then(|c| c.primary_failure())
                    .map(|f| f.full_text())
                    .unwrap_or_default();
                let lines: Vec<&str> = message.lines().filter(|l| !l.trim().is_empty()).collect();
                let shown = &lines[..lines.len().min(MESSAGE_LINES)];
                // Strip the indentation the shown lines share, so nested frames keep their shape.
                let indent = shown
                    .iter()
                    .map(|l| l.len() - l.trim_start().len())
                    .min()
                    .unwrap_or(0);
                for line in shown {
                    writeln!(w, "    {}", truncate(line[indent..].trim_end(), 160))?;
                }
                if lines.len() > MESSAGE_LINES {
                    writeln!(
                        w,
                        "    {DIM}… {} more lines in report.json{DIM:#}",
                        lines.len() - MESSAGE_LINES
                    )?;
                }
                let shown: Vec<&str> = cluster
                    .tests
                    .iter()
                    .take(TESTS_SHOWN)
                    .map(String::as_str)
                    .collect();
                let more = n.saturating_sub(TESTS_SHOWN);
                write!(w, "    {DIM}tests:{DIM:#} {}", shown.join(", "))?;
                if more > 0 {
                    write!(w, " +{more} more")?;
                }
                writeln!(w)?;
                if let Some(a) = &cluster.analysis {
                    write_analysis(w, a)?;
                }
            }
            let hidden = report.clusters.len().saturating_sub(opts.max_clusters);
            if hidden > 0 {
                writeln!(
                    w,
                    "\n… and {hidden} more root cause{} in the report",
                    plural(hidden)
                )?;
            }
        }
    }
    writeln!(w, "\nreport: {}", report_path.display())?;
    Ok(())
}

/// One line saying what was redacted, when anything was:
/// `redacted 3 secrets (github_token ×2, password ×1) before writing anything`.
fn write_redaction_notice(
    w: &mut dyn Write,
    redactions: &std::collections::BTreeMap<String, usize>,
) -> io::Result<()> {
    let total: usize = redactions.values().sum();
    if total == 0 {
        return Ok(());
    }
    let mut kinds: Vec<(&String, &usize)> = redactions.iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
    writeln!(
        w,
        "{YELLOW}redacted{YELLOW:#} {total} secret{} ({}) before writing anything",
        plural(total),
        kinds.join(", ")
    )
}

/// Category, severity, confidence and who said so; then the cause and the fix.
fn write_analysis(w: &mut dyn Write, a: &Analysis) -> io::Result<()> {
    let grounded = if a.grounded {
        ""
    } else {
        ", not fully grounded"
    };
    writeln!(
        w,
        "    {YELLOW}{}{YELLOW:#} · {} · confidence {:.0}% {DIM}({}{grounded}){DIM:#}",
        category_name(a.category),
        severity_name(a.severity),
        a.confidence * 100.0,
        a.analyzer
    )?;
    writeln!(
        w,
        "    {BOLD}cause:{BOLD:#} {}",
        truncate(&a.root_cause, 240)
    )?;
    writeln!(
        w,
        "    {BOLD}fix:{BOLD:#}   {}",
        truncate(&a.fix_suggestion, 240)
    )?;
    if let Some(r) = &a.fallback_reason {
        writeln!(
            w,
            "    {DIM}LLM fell back to the rules: {}{DIM:#}",
            truncate(r, 200)
        )?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}
