//! GitHub Actions annotations: one `::error` per root cause, at the line
//! that failed, so the pull request shows it next to the code.
//!
//! Written to stdout when `GITHUB_ACTIONS=true`. GitHub shows at most 10
//! error annotations per step (50 per job), so at most [`MAX_ERRORS`] are
//! written, largest cluster first, then one `::notice` for the rest.
//! Everything comes from the sanitized report.

use std::io::{self, Write};
use std::path::Path;

use failtale_core::Sanitized;
use failtale_core::analyze::{category_name, severity_name};
use failtale_core::fingerprint::parse;
use failtale_core::report::{Report, ReportCluster};

/// Error annotations GitHub shows per step.
pub const MAX_ERRORS: usize = 10;
/// Tests named in an annotation before "+K more".
const TESTS_NAMED: usize = 5;

/// True when running as a GitHub Actions step.
pub fn enabled(env: &dyn Fn(&str) -> Option<String>) -> bool {
    env("GITHUB_ACTIONS").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// Writes the annotations when `env` says this is a GitHub Actions step,
/// relative to its `GITHUB_WORKSPACE`.
pub fn write_for_github(
    w: &mut dyn Write,
    report: &Sanitized<Report>,
    html: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> io::Result<()> {
    if !enabled(env) {
        return Ok(());
    }
    let workspace = env("GITHUB_WORKSPACE").filter(|w| !w.is_empty());
    write_annotations(w, report, workspace.as_deref().map(Path::new), html)
}

/// Where an annotation points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Path, relative to the repository root when it was absolute under it.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
}

/// Writes the annotations for `report`. `workspace` is `GITHUB_WORKSPACE`
/// (absolute paths under it are made relative); `html` is named in the
/// notice about clusters beyond the limit.
pub fn write_annotations(
    w: &mut dyn Write,
    report: &Sanitized<Report>,
    workspace: Option<&Path>,
    html: &Path,
) -> io::Result<()> {
    for cluster in report.clusters.iter().take(MAX_ERRORS) {
        let mut props = Vec::new();
        if let Some(loc) = location(report, cluster, workspace) {
            props.push(format!("file={}", escape_property(&loc.file)));
            if let Some(line) = loc.line {
                props.push(format!("line={line}"));
            }
        }
        props.push(format!("title={}", escape_property(&title(cluster))));
        writeln!(
            w,
            "::error {}::{}",
            props.join(","),
            escape_data(&message(report, cluster))
        )?;
    }
    let rest = report.clusters.len().saturating_sub(MAX_ERRORS);
    if rest > 0 {
        let text = format!(
            "{rest} more root cause{}: see {} / the summary above",
            if rest == 1 { "" } else { "s" },
            html.display()
        );
        writeln!(w, "::notice::{}", escape_data(&text))?;
    }
    Ok(())
}

/// `failtale c1: network · high (3 tests)`.
fn title(c: &ReportCluster) -> String {
    let n = c.tests.len();
    let what = match &c.analysis {
        Some(a) => format!(
            "{} · {}",
            category_name(a.category),
            severity_name(a.severity)
        ),
        None => c.label.clone().unwrap_or_else(|| "failure".to_owned()),
    };
    format!(
        "failtale {}: {what} ({n} test{})",
        c.id,
        if n == 1 { "" } else { "s" }
    )
}

/// The cause, the fix and the tests; the failure text when not analyzed.
fn message(report: &Report, c: &ReportCluster) -> String {
    let mut m = match &c.analysis {
        Some(a) => format!(
            "{}\nFix: {}\nConfidence: {:.0}%",
            a.root_cause,
            a.fix_suggestion,
            a.confidence * 100.0
        ),
        None => c
            .representative
            .as_ref()
            .map(|r| {
                report
                    .text(r.text)
                    .lines()
                    .take(5)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default(),
    };
    let named: Vec<&str> = c
        .tests
        .iter()
        .take(TESTS_NAMED)
        .map(String::as_str)
        .collect();
    m.push_str("\nTests: ");
    m.push_str(&named.join(", "));
    let more = c.tests.len().saturating_sub(TESTS_NAMED);
    if more > 0 {
        m.push_str(&format!(" +{more} more"));
    }
    m
}

/// The best place for a cluster's annotation: a Rust panic's location; else
/// the file and line the results give for the representative test; else the
/// first frame of the project's own code in the failure text; else the
/// test's file without a line.
pub fn location(
    report: &Report,
    cluster: &ReportCluster,
    workspace: Option<&Path>,
) -> Option<Location> {
    let test = cluster
        .representative
        .as_ref()
        .map(|r| r.test.as_str())
        .or_else(|| cluster.tests.first().map(String::as_str))?;
    let failure = report.failures.iter().find(|f| f.test == test);
    let text = cluster
        .representative
        .as_ref()
        .map(|r| report.text(r.text))
        .or_else(|| failure.map(|f| report.failure_text(f)))
        .unwrap_or_default();
    let found = panic_location(text)
        .or_else(|| {
            let f = failure?;
            Some(Location {
                file: f.file.clone()?,
                line: Some(f.line?),
            })
        })
        .or_else(|| in_app_frame(text, failure.and_then(|f| f.file.as_deref())))
        .or_else(|| {
            Some(Location {
                file: failure?.file.clone()?,
                line: None,
            })
        })?;
    Some(Location {
        file: relative(&found.file, workspace),
        ..found
    })
}

/// `panicked at src/x.rs:12:5:` (Rust ≥ 1.73) or `panicked at 'msg', src/x.rs:12:5` (older).
fn panic_location(text: &str) -> Option<Location> {
    text.lines().find_map(|l| {
        let rest = &l[l.find("panicked at ")? + "panicked at ".len()..];
        // The old form quotes the message first; the location follows the last `', `.
        let rest = match rest.rfind("', ") {
            Some(i) if rest.starts_with('\'') => &rest[i + 3..],
            _ => rest,
        };
        let token = rest.split_whitespace().next()?.trim_end_matches([':', ',']);
        file_line(token)
    })
}

/// `path:line` or `path:line:col` → location, when the line is a number and the path looks like one.
fn file_line(token: &str) -> Option<Location> {
    let mut parts = token.rsplitn(3, ':');
    let last = parts.next()?;
    let middle = parts.next()?;
    let (file, line) = match parts.next() {
        Some(file) if middle.parse::<u32>().is_ok() && last.parse::<u32>().is_ok() => {
            (file, middle)
        }
        _ => (
            token.rsplit_once(':')?.0,
            last.trim_end_matches(|c: char| !c.is_ascii_digit()),
        ),
    };
    let line = line.parse().ok()?;
    (!file.is_empty() && file.contains('.')).then(|| Location {
        file: file.to_owned(),
        line: Some(line),
    })
}

/// The first frame of the project's own code, with its line read from the text.
fn in_app_frame(text: &str, test_file: Option<&str>) -> Option<Location> {
    let parsed = parse(text, None, test_file);
    let frame = parsed
        .frames
        .iter()
        .find(|f| f.in_app && !f.file.is_empty())?;
    let line = line_after(text, &frame.file);
    Some(Location {
        file: frame.file.clone(),
        line,
    })
}

/// The line number written right after the first mention of `file`:
/// `file:12`, `file", line 12` (Python), `file:12:5`.
fn line_after(text: &str, file: &str) -> Option<u32> {
    text.match_indices(file).find_map(|(i, _)| {
        let rest = &text[i + file.len()..];
        let rest = rest
            .strip_prefix(':')
            .or_else(|| rest.strip_prefix("\", line "))?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

/// `file` relative to `workspace` when it is absolute under it; `./` dropped.
fn relative(file: &str, workspace: Option<&Path>) -> String {
    if let Some(ws) = workspace
        && let Ok(rel) = Path::new(file).strip_prefix(ws)
        && !rel.as_os_str().is_empty()
    {
        return rel.to_string_lossy().into_owned();
    }
    file.strip_prefix("./").unwrap_or(file).to_owned()
}

/// Escapes a message (the part after `::`) as GitHub's toolkit does.
/// Also puts a space into other CI systems' in-band markers (`##vso[`,
/// `##[`, `##teamcity[`), so the line is a command to GitHub only.
pub fn escape_data(s: &str) -> String {
    let escaped = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    crate::terminal::defuse_markers(escaped)
}

/// Escapes a property value (`file=`, `title=`): also `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use failtale_core::report::{ReportFailure, ReportRepresentative};

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(
            escape_data("50% done\r\nnext: a,b"),
            "50%25 done%0D%0Anext: a,b"
        );
        assert_eq!(escape_data("x ##vso[y] ##[z]"), "x # #vso[y] # #[z]");
        assert_eq!(
            escape_property("a:b,c%\nd"),
            "a%3Ab%2Cc%25%0Ad",
            "properties also escape : and ,"
        );
    }

    thread_local! {
        /// The texts the helpers below name, for the next `report()`.
        static TEXTS: std::cell::RefCell<Vec<std::sync::Arc<str>>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    fn text(t: &str) -> usize {
        TEXTS.with_borrow_mut(|texts| {
            texts.push(t.into());
            texts.len() - 1
        })
    }

    fn failure(test: &str, file: Option<&str>, line: Option<u32>, message: &str) -> ReportFailure {
        ReportFailure {
            test: test.into(),
            suite: None,
            file: file.map(Into::into),
            line,
            kind: "failure".into(),
            text: text(message),
            attempts: 1,
        }
    }

    fn cluster(id: &str, tests: &[&str], text: &str) -> ReportCluster {
        ReportCluster {
            id: id.into(),
            fingerprint: format!("fp-{id}"),
            signature: Vec::new(),
            tests: tests.iter().map(|t| (*t).to_owned()).collect(),
            occurrences: tests.len(),
            mass_failure: false,
            label: None,
            merged_from: Vec::new(),
            representative: Some(ReportRepresentative {
                test: tests[0].into(),
                text: super::tests::text(text),
            }),
            evidence: Vec::new(),
            analysis: None,
            analysis_error: None,
        }
    }

    fn report(failures: Vec<ReportFailure>, clusters: Vec<ReportCluster>) -> Report {
        Report {
            schema_version: failtale_core::report::SCHEMA_VERSION,
            summary: Default::default(),
            inputs: Vec::new(),
            texts: TEXTS.with_borrow(Clone::clone),
            failures,
            clusters,
            redactions: Default::default(),
            history: None,
        }
    }

    fn loc(file: &str, line: Option<u32>) -> Option<Location> {
        Some(Location {
            file: file.into(),
            line,
        })
    }

    #[test]
    fn a_rust_panic_points_at_its_location_made_relative() {
        let text = "thread 'a::b' panicked at /home/runner/work/p/p/src/x.rs:12:5:\nboom";
        let c = cluster("c1", &["a::b"], text);
        // The results name the test's file; the panic location is better.
        let r = report(
            vec![failure("a::b", Some("tests/t.rs"), Some(3), text)],
            vec![c.clone()],
        );
        let ws = Path::new("/home/runner/work/p/p");
        assert_eq!(location(&r, &c, Some(ws)), loc("src/x.rs", Some(12)));
        // Not under the workspace: left as it is.
        assert_eq!(
            location(&r, &c, Some(Path::new("/elsewhere"))),
            loc("/home/runner/work/p/p/src/x.rs", Some(12))
        );
        // The pre-1.73 form.
        let old = "thread 'a' panicked at 'assertion failed: x', src/lib.rs:40:9";
        assert_eq!(panic_location(old), loc("src/lib.rs", Some(40)));
    }

    #[test]
    fn otherwise_the_results_file_and_line_then_the_first_in_app_frame() {
        let text = "AssertionError: expected 1\n  at totals (orders.test.js:41:3)";
        let c = cluster("c1", &["t"], text);
        let r = report(
            vec![failure("t", Some("./tests/orders.test.js"), Some(40), text)],
            vec![c.clone()],
        );
        assert_eq!(
            location(&r, &c, None),
            loc("tests/orders.test.js", Some(40))
        );

        let py = "Traceback (most recent call last):\n  File \"app/orders.py\", line 17, in total\n    raise ValueError(\"bad\")\nValueError: bad";
        let c = cluster("c1", &["t"], py);
        let r = report(vec![failure("t", None, None, py)], vec![c.clone()]);
        assert_eq!(location(&r, &c, None), loc("app/orders.py", Some(17)));

        // Nothing in the text: the test's file without a line.
        let c = cluster("c1", &["t"], "it broke");
        let r = report(
            vec![failure("t", Some("tests/a.py"), None, "it broke")],
            vec![c.clone()],
        );
        assert_eq!(location(&r, &c, None), loc("tests/a.py", None));
    }

    #[test]
    fn at_most_ten_errors_then_one_notice() {
        let clusters: Vec<_> = (1..=12)
            .map(|i| cluster(&format!("c{i}"), &["t"], "panicked at src/a.rs:1:1:\nx"))
            .collect();
        let report = sanitized(report(Vec::new(), clusters));
        let mut out = Vec::new();
        write_annotations(&mut out, &report, None, Path::new("out/report.html")).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), MAX_ERRORS + 1, "{out}");
        assert!(
            lines[..MAX_ERRORS]
                .iter()
                .all(|l| l.starts_with("::error file=src/a.rs,line=1,title=failtale c"))
        );
        assert!(
            lines[0].contains("title=failtale c1%3A failure (1 test)::"),
            "{}",
            lines[0]
        );
        assert_eq!(
            lines[MAX_ERRORS],
            "::notice::2 more root causes: see out/report.html / the summary above"
        );
        // The multi-line text is one line, escaped.
        assert!(
            lines[0].ends_with("::panicked at src/a.rs:1:1:%0Ax%0ATests: t"),
            "{}",
            lines[0]
        );
    }

    fn sanitized(r: Report) -> Sanitized<Report> {
        let text = serde_json::to_string(&r).unwrap();
        Report::load_sanitized(
            text.as_bytes(),
            &failtale_core::stage::NoRedaction,
            &mut failtale_core::Redactions::new(),
        )
        .unwrap()
    }
}
