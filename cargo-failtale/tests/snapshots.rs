//! Snapshots of what people read: the terminal summary (plain and coloured)
//! and the `--help` of the commands. Review changes with `cargo insta review`
//! (or set `INSTA_UPDATE=always` and read the diff).

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Three root causes: a refused connection (3 tests, one of which passed in
/// the previous run on the same commit), an assertion (2 tests), a timeout.
fn fixture(pay_refunds_fails: bool) -> String {
    let refused = r#"<error message="connection refused" type="ConnectionError">Traceback (most recent call last):
  File "app/pay.py", line 9, in charge
    sock.connect(addr)
ConnectionError: [Errno 111] connection refused</error>"#;
    let refunds = if pay_refunds_fails { refused } else { "" };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="tests.test_pay" timestamp="2024-03-01T10:00:00" time="3.2">
    <testcase classname="tests.test_pay" name="test_charges" time="0.5">{refused}</testcase>
    <testcase classname="tests.test_pay" name="test_captures" time="0.5">{refused}</testcase>
    <testcase classname="tests.test_pay" name="test_refunds" time="0.5">{refunds}</testcase>
    <testcase classname="tests.test_pay" name="test_lists" time="0.1"/>
  </testsuite>
  <testsuite name="tests.test_orders" timestamp="2024-03-01T10:00:04" time="1.1">
    <testcase classname="tests.test_orders" name="test_totals" time="0.2"><failure message="AssertionError: assert 107.0 == 107.5" type="AssertionError">def test_totals():
&gt;       assert total(order) == 107.5
E       AssertionError: assert 107.0 == 107.5
tests/test_orders.py:41: AssertionError</failure></testcase>
    <testcase classname="tests.test_orders" name="test_totals_rounded" time="0.2"><failure message="AssertionError: assert 108.0 == 107.5" type="AssertionError">def test_totals_rounded():
&gt;       assert total(order) == 107.5
E       AssertionError: assert 108.0 == 107.5
tests/test_orders.py:41: AssertionError</failure></testcase>
    <testcase classname="tests.test_orders" name="test_export" time="30.0"><failure message="Failed: Timeout &gt;30.0s" type="Failed">Failed: Timeout &gt;30.0s</failure></testcase>
    <testcase classname="tests.test_orders" name="test_later" time="0"><skipped message="needs a database"/></testcase>
  </testsuite>
</testsuites>
"#
    )
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cargo-failtale"));
    for k in [
        "CLICOLOR_FORCE",
        "NO_COLOR",
        "CLICOLOR",
        "GITHUB_ACTIONS",
        "OLLAMA_HOST",
        "GROQ_API_KEY",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "OPENAI_BASE_URL",
    ] {
        c.env_remove(k);
    }
    c.env("COLUMNS", "100").stdin(Stdio::null());
    c
}

fn output(cmd: &mut Command) -> Output {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run cargo-failtale")
}

/// Temporary paths and dates replaced, so the snapshot is the same on every machine and day.
fn stable(text: &str, tmp: &Path) -> String {
    let text = text.replace(&tmp.display().to_string(), "[TMP]");
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let is_date = b.len() - i >= 10
            && b[i..i + 10].iter().enumerate().all(|(k, c)| match k {
                4 | 7 => *c == b'-',
                _ => c.is_ascii_digit(),
            });
        if is_date {
            out.push_str("[DATE]");
            i += 10;
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Two runs on one commit; the second is the one shown.
fn analyze_twice(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let results = dir.join("results.xml");
    for (i, refunds_fails) in [false, true].into_iter().enumerate() {
        std::fs::write(&results, fixture(refunds_fails)).unwrap();
        let mut cmd = bin();
        cmd.current_dir(dir)
            .args([
                "analyze",
                "--offline",
                "--commit",
                "aaaa",
                "--branch",
                "main",
            ])
            .arg("--out")
            .arg(dir.join("out"))
            .arg(&results)
            .args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let o = output(&mut cmd);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        if i == 1 {
            return o;
        }
    }
    unreachable!()
}

#[test]
fn summary_plain() {
    let dir = tempfile::tempdir().unwrap();
    let o = analyze_twice(dir.path(), &[], &[("NO_COLOR", "1")]);
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(!stdout.contains('\x1b'));
    insta::assert_snapshot!("summary_plain", stable(&stdout, dir.path()));
    // The Markdown summary of the same run, as GitHub would show it.
    let md = std::fs::read_to_string(dir.path().join("out/summary.md")).unwrap();
    insta::assert_snapshot!("summary_markdown", stable(&md, dir.path()));

    // `report` shows the same summary from the saved report.json (without
    // the note about the run just recorded).
    let o = output(
        bin()
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .arg("report")
            .arg(dir.path().join("out/report.json")),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let again = String::from_utf8(o.stdout).unwrap();
    let analyzed: String = stdout
        .lines()
        .filter(|l| !l.starts_with("history: "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(again, analyzed);
}

#[test]
fn summary_coloured() {
    let dir = tempfile::tempdir().unwrap();
    let o = analyze_twice(
        dir.path(),
        &["--color", "always", "--max-clusters", "2"],
        &[],
    );
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(stdout.contains("\x1b["), "--color always colours a pipe");
    // Escape sequences shown as text, so the snapshot file stays readable.
    let visible = stable(&stdout, dir.path()).replace('\x1b', "\\e");
    insta::assert_snapshot!("summary_coloured", visible);
}

#[test]
fn help_of_each_command() {
    for (name, args) in [
        ("help_top", &["--help"][..]),
        ("help_test", &["test", "--help"][..]),
        ("help_analyze", &["analyze", "--help"][..]),
        ("help_report", &["report", "--help"][..]),
        ("help_init", &["init", "--help"][..]),
        ("help_flaky", &["flaky", "--help"][..]),
        ("help_history", &["history", "--help"][..]),
        ("help_serve", &["serve", "--help"][..]),
    ] {
        let o = output(bin().args(args));
        assert!(o.status.success(), "{name}");
        let text = String::from_utf8(o.stdout).unwrap();
        // The version changes with every release; the help around it does not.
        let text = text.replace(env!("CARGO_PKG_VERSION"), "[VERSION]");
        insta::assert_snapshot!(name, text);
    }
}
