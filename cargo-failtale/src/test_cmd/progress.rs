//! Progress while the tests run, on stderr.
//!
//! On a terminal: an indicatif bar (tests run of the total, when the runner
//! announced it) or a spinner, with the passed and failed counts, and the
//! runner's own output printed above it. Elsewhere (CI logs, pipes): plain
//! lines — one per failure as it happens and a count line every
//! [`PLAIN_EVERY`] — and no escape codes.

use report_templates::terminal::OneLine;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a count line is written when stderr is not a terminal.
pub(crate) const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// Counts of finished tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) run: u64,
    pub(crate) passed: u64,
    pub(crate) failed: u64,
    pub(crate) skipped: u64,
}

impl Counts {
    fn line(&self) -> String {
        let mut s = format!(
            "{} test{} run: {} passed, {} failed",
            self.run,
            if self.run == 1 { "" } else { "s" },
            self.passed,
            self.failed
        );
        if self.skipped > 0 {
            s.push_str(&format!(", {} skipped", self.skipped));
        }
        s
    }
}

/// The progress display.
#[derive(Debug)]
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    counts: Counts,
    total: Option<u64>,
    last_plain: Instant,
    quiet: bool,
}

impl Progress {
    /// A bar when `terminal`, plain lines otherwise (none but failures with `quiet`).
    pub(crate) fn new(terminal: bool, quiet: bool) -> Progress {
        let bar = terminal.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(spinner_style());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            counts: Counts::default(),
            total: None,
            last_plain: Instant::now(),
            quiet,
        }
    }

    /// The counts so far.
    #[cfg(test)]
    pub(crate) fn counts(&self) -> Counts {
        self.counts
    }

    /// The runner announced how many tests will run.
    pub(crate) fn set_total(&mut self, total: u64) {
        self.total = Some(total);
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_style(bar_style());
        }
    }

    /// A line the runner wrote to stderr (cargo's build output, nextest's
    /// status lines): shown above the bar.
    pub(crate) fn forward(&mut self, line: &[u8], err: &mut dyn Write) -> io::Result<()> {
        match &self.bar {
            Some(bar) => bar.suspend(|| err.write_all(line).and_then(|()| err.flush())),
            None => err.write_all(line),
        }
    }

    /// A test finished; `failed_key` is its (sanitized) name when it failed.
    pub(crate) fn finished(
        &mut self,
        passed: bool,
        skipped: bool,
        failed_key: Option<&str>,
        err: &mut dyn Write,
    ) -> io::Result<()> {
        let c = &mut self.counts;
        c.run += u64::from(!skipped);
        c.passed += u64::from(passed);
        c.skipped += u64::from(skipped);
        c.failed += u64::from(failed_key.is_some());
        match &self.bar {
            Some(bar) => {
                bar.set_position(self.counts.run + self.counts.skipped);
                bar.set_message(self.counts.line());
                if let Some(key) = failed_key {
                    bar.suspend(|| writeln!(err, "FAILED {}", OneLine(key)))?;
                }
            }
            None => {
                if let Some(key) = failed_key {
                    writeln!(err, "failtale: FAILED {}", OneLine(key))?;
                }
                if !self.quiet && self.last_plain.elapsed() >= PLAIN_EVERY {
                    self.last_plain = Instant::now();
                    writeln!(err, "failtale: {}", self.counts.line())?;
                }
            }
        }
        Ok(())
    }

    /// Removes the bar.
    pub(crate) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} testing: {msg} {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} testing {bar:30} {pos}/{len}: {msg} {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_progress_is_one_line_per_failure_without_escape_codes() {
        let mut p = Progress::new(false, false);
        let mut err = Vec::new();
        p.forward(b"   Compiling x v0.1.0\n", &mut err).unwrap();
        p.finished(true, false, None, &mut err).unwrap();
        p.finished(false, false, Some("x::tests::bad"), &mut err)
            .unwrap();
        p.finished(false, true, None, &mut err).unwrap();
        p.finish();
        let text = String::from_utf8(err).unwrap();
        assert_eq!(
            text,
            "   Compiling x v0.1.0\nfailtale: FAILED x::tests::bad\n"
        );
        assert_eq!(
            p.counts(),
            Counts {
                run: 2,
                passed: 1,
                failed: 1,
                skipped: 1
            }
        );
    }

    #[test]
    fn counts_read_naturally() {
        let c = Counts {
            run: 1,
            passed: 1,
            failed: 0,
            skipped: 2,
        };
        assert_eq!(c.line(), "1 test run: 1 passed, 0 failed, 2 skipped");
    }
}
