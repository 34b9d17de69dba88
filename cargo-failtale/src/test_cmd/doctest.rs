//! rustdoc's human test output, turned into libtest JSON events.
//!
//! Doctests are run by rustdoc, whose test harness runs inside the rustdoc
//! process: on a stable toolchain it accepts `--format json` only with
//! `RUSTC_BOOTSTRAP=1` on rustdoc itself, which would also change how the
//! doctests compile. So doctests run exactly as `cargo test` runs them, and
//! their human output (`test src/lib.rs - f (line 3) ... ok`, the `----
//! NAME stdout ----` sections) is converted here into the events the libtest
//! reader reads.

/// Converts rustdoc's human output, line by line, into libtest JSON lines.
#[derive(Debug, Default)]
pub(crate) struct HumanTests {
    /// Inside a `running N tests` block.
    active: bool,
    /// Failed tests waiting for their output, in order.
    failed: Vec<(String, String)>,
    /// The test whose `---- NAME stdout ----` section is being read.
    capturing: Option<usize>,
}

impl HumanTests {
    /// True while a block of human test output is being read.
    pub(crate) fn active(&self) -> bool {
        self.active
    }

    /// Reads one line of human output; returns the JSON lines it completes.
    /// Lines that are not human test output return nothing.
    pub(crate) fn line(&mut self, line: &str) -> Vec<String> {
        let trimmed = line.trim_end();
        if !self.active {
            return match running_count(trimmed) {
                Some(n) => {
                    self.active = true;
                    vec![format!(
                        r#"{{ "type": "suite", "event": "started", "test_count": {n} }}"#
                    )]
                }
                None => Vec::new(),
            };
        }
        if let Some(rest) = trimmed.strip_prefix("test result: ") {
            let mut out = Vec::new();
            for (name, stdout) in self.failed.drain(..) {
                out.push(event(&name, "failed", Some(&stdout)));
            }
            let ok = rest.starts_with("ok");
            let count = |what: &str| {
                rest.split(';')
                    .find_map(|p| {
                        p.trim()
                            .trim_start_matches("ok. ")
                            .trim_start_matches("FAILED. ")
                            .strip_suffix(what)?
                            .trim()
                            .parse::<u64>()
                            .ok()
                    })
                    .unwrap_or(0)
            };
            out.push(format!(
                r#"{{ "type": "suite", "event": "{}", "passed": {}, "failed": {}, "ignored": {} }}"#,
                if ok { "ok" } else { "failed" },
                count("passed"),
                count("failed"),
                count("ignored"),
            ));
            *self = HumanTests::default();
            return out;
        }
        if let Some(header) = trimmed
            .strip_prefix("---- ")
            .and_then(|r| r.strip_suffix(" stdout ----"))
        {
            self.capturing = self.failed.iter().position(|(n, _)| n == header);
            return Vec::new();
        }
        if trimmed == "failures:" {
            self.capturing = None;
            return Vec::new();
        }
        if let Some(i) = self.capturing {
            let out = &mut self.failed[i].1;
            out.push_str(line.trim_end_matches(['\n', '\r']));
            out.push('\n');
            return Vec::new();
        }
        if let Some((name, result)) = trimmed
            .strip_prefix("test ")
            .and_then(|r| r.rsplit_once(" ... "))
        {
            return match result {
                "ok" => vec![event(name, "ok", None)],
                "FAILED" => {
                    self.failed.push((name.to_owned(), String::new()));
                    Vec::new()
                }
                r if r.starts_with("ignored") => vec![event(name, "ignored", None)],
                _ => Vec::new(),
            };
        }
        Vec::new()
    }
}

fn running_count(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("running ")?;
    let n = rest
        .strip_suffix(" tests")
        .or_else(|| rest.strip_suffix(" test"))?;
    n.parse().ok()
}

fn event(name: &str, result: &str, stdout: Option<&str>) -> String {
    let mut v = serde_json::json!({ "type": "test", "event": result, "name": name });
    if let Some(s) = stdout {
        v["stdout"] = s.into();
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use failtale_core::Ingest;
    use failtale_core::model::Outcome;

    const OUTPUT: &str = "
running 3 tests
test src/lib.rs - add (line 5) ... ok
test src/lib.rs - average (line 14) ... FAILED
test src/lib.rs - slow (line 20) ... ignored

failures:

---- src/lib.rs - average (line 14) stdout ----
Test executable failed (exit status: 101).

stderr:
thread 'main' panicked at src/lib.rs:6:1:
assertion `left == right` failed


failures:
    src/lib.rs - average (line 14)

test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.21s

";

    #[test]
    fn human_doctest_output_reads_as_libtest_json() {
        let mut h = HumanTests::default();
        let json: Vec<String> = OUTPUT.lines().flat_map(|l| h.line(l)).collect();
        let text = json.join("\n");
        let read = junit_ingest::libtest::LibtestReader::default().ingest(&mut text.as_bytes());
        assert!(read.warnings.is_empty(), "{:?}", read.warnings);
        let outcomes: Vec<_> = read
            .cases
            .iter()
            .map(|c| (c.id.name.as_str(), c.outcome))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("src/lib.rs - add (line 5)", Outcome::Passed),
                ("src/lib.rs - slow (line 20)", Outcome::Skipped),
                ("src/lib.rs - average (line 14)", Outcome::Failed),
            ]
        );
        let body = read.cases[2]
            .primary_failure()
            .unwrap()
            .body
            .clone()
            .unwrap();
        assert!(body.contains("assertion `left == right` failed"), "{body}");
        assert!(!body.contains("test result"), "{body}");
        assert!(!h.active());
    }

    #[test]
    fn other_lines_are_left_alone() {
        let mut h = HumanTests::default();
        assert!(h.line("test foo ... ok").is_empty(), "outside a block");
        assert!(h.line("running later").is_empty());
        assert!(!h.active());
    }
}
