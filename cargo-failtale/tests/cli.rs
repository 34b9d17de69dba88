//! End-to-end tests of the `cargo-failtale` binary.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const GOOD: &str = r#"<?xml version="1.0"?>
<testsuites>
  <testsuite name="api" tests="99" failures="0">
    <testcase classname="api.Orders" name="creates" time="0.1"/>
    <testcase classname="api.Orders" name="totals" time="0.2">
      <failure message="expected 107.5" type="AssertionError">AssertionError: expected 107.5
  got 107.0
    at totals (orders.test.js:41:3)</failure>
    </testcase>
    <testcase classname="api.Pay" name="charges" time="0.3">
      <error message="connection refused" type="IOError">IOError: connection refused
    at charge (pay.js:9:1)</error>
    </testcase>
    <testcase classname="api.Pay" name="refunds" time="0.3">
      <error message="connection refused" type="IOError">IOError: connection refused
    at charge (pay.js:9:1)</error>
    </testcase>
    <testcase classname="api.Pay" name="later"><skipped/></testcase>
  </testsuite>
</testsuites>
"#;

const TRUNCATED: &str = r#"<testsuite name="cut">
  <testcase name="kept_one"/>
  <testcase name="kept_two"><failure message="x"/></testcase>
  <testcase name="cut_off" time="1"#;

const NUNIT: &str = r#"<?xml version="1.0"?><test-run id="2" testcasecount="1"></test-run>"#;

const LIBTEST: &str = r#"{ "type": "suite", "event": "started", "test_count": 2 }
{ "type": "test", "event": "started", "name": "a::works" }
{ "type": "test", "name": "a::works", "event": "ok" }
{ "type": "test", "event": "started", "name": "a::breaks" }
{ "type": "test", "name": "a::breaks", "event": "failed", "stdout": "thread 'a::breaks' panicked at src/a.rs:3:5:\nboom\n" }
{ "type": "suite", "event": "failed", "passed": 1, "failed": 1, "ignored": 0, "measured": 0, "filtered_out": 0, "exec_time": 0.01 }
"#;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cargo-failtale"));
    c.env_remove("CLICOLOR_FORCE")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR");
    // Hermetic: no LLM provider from the developer's environment.
    for k in [
        "OLLAMA_HOST",
        "GROQ_API_KEY",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "OPENAI_BASE_URL",
        // Not GitHub Actions unless a test says so.
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
    ] {
        c.env_remove(k);
    }
    c
}

fn run(cmd: &mut Command, stdin: Option<&str>) -> Output {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn cargo-failtale");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn read_report(dir: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(dir.join("report.json")).expect("report.json written"),
    )
    .unwrap()
}

fn results_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let res = dir.path().join("results");
    std::fs::create_dir_all(res.join("nested")).unwrap();
    std::fs::write(res.join("good.xml"), GOOD).unwrap();
    std::fs::write(res.join("nested/truncated.xml"), TRUNCATED).unwrap();
    std::fs::write(res.join("notes.txt"), "not a result file").unwrap();
    std::fs::write(
        res.join("pom.xml"),
        "<project><modelVersion>4.0.0</modelVersion></project>",
    )
    .unwrap();
    dir
}

#[test]
fn analyze_directory_counts_every_file_and_keeps_tests_before_a_break() {
    let dir = results_dir();
    let out = dir.path().join("out");
    let o = run(
        bin()
            .arg("analyze")
            .arg("--out")
            .arg(&out)
            .arg(dir.path().join("results"))
            .current_dir(dir.path()),
        None,
    );
    assert!(o.status.success(), "stderr: {}", text(&o.stderr));
    let r = read_report(&out);
    assert_eq!(r["schema_version"], 2);
    // good.xml: 5 tests (header says 99: ignored); truncated.xml: the 2 complete tests before the cut.
    let s = &r["summary"];
    assert_eq!(s["tests"].as_u64().unwrap(), 5 + 2, "{s}");
    assert_eq!(s["passed"], 2);
    assert_eq!(s["failed"], 2);
    assert_eq!(s["errors"], 2);
    assert_eq!(s["skipped"], 1);
    assert_eq!(s["flaky"], 0);

    let inputs = r["inputs"].as_array().unwrap();
    assert_eq!(
        inputs.len(),
        2,
        "pom.xml found by walking is not a result file: {inputs:?}"
    );
    let truncated = inputs
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with("truncated.xml"))
        .unwrap();
    let error = truncated["error"]
        .as_str()
        .expect("truncated file has an error");
    assert!(error.contains("line 4"), "error names the line: {error}");
    assert!(
        error.contains("testsuite"),
        "error names the element path: {error}"
    );
    assert_eq!(truncated["tests"], 2);
    let good = inputs
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with("good.xml"))
        .unwrap();
    assert_eq!(good["error"], Value::Null);
    assert_eq!(good["format"], "junit");

    let failures = r["failures"].as_array().unwrap();
    let totals = failures
        .iter()
        .find(|f| f["test"] == "api.Orders::totals")
        .unwrap();
    assert_eq!(totals["kind"], "failure");
    let message = r["texts"][totals["text"].as_u64().unwrap() as usize]
        .as_str()
        .unwrap();
    assert!(
        message.contains("got 107.0") && message.contains("orders.test.js:41:3"),
        "whole message: {message}"
    );

    // The two identical connection-refused errors share a cluster; every failure is in exactly one cluster.
    let clusters = r["clusters"].as_array().unwrap();
    let biggest = &clusters[0];
    assert_eq!(
        biggest["tests"],
        serde_json::json!(["api.Pay::charges", "api.Pay::refunds"])
    );
    let mut in_clusters: Vec<&str> = clusters
        .iter()
        .flat_map(|c| c["tests"].as_array().unwrap())
        .map(|t| t.as_str().unwrap())
        .collect();
    let mut failing: Vec<&str> = failures
        .iter()
        .map(|f| f["test"].as_str().unwrap())
        .collect();
    in_clusters.sort();
    failing.sort();
    assert_eq!(in_clusters, failing);

    // junit.xml: the same results, read back to the same counts, with the clusters as properties.
    let junit = std::fs::read_to_string(out.join("junit.xml")).expect("junit.xml written");
    assert!(
        junit.contains(r#"name="failtale.cluster" value="c1""#),
        "{junit}"
    );
    assert!(junit.contains(&format!(
        r#"name="failtale.fingerprint" value="{}""#,
        biggest["fingerprint"].as_str().unwrap()
    )));
    let o2 = run(
        bin()
            .arg("analyze")
            .arg("--out")
            .arg(dir.path().join("again"))
            .arg(out.join("junit.xml")),
        None,
    );
    assert!(o2.status.success());
    assert_eq!(
        read_report(&dir.path().join("again"))["summary"],
        r["summary"]
    );

    let stdout = text(&o.stdout);
    assert!(stdout.contains("4 failures → 3 root causes"), "{stdout}");
    assert!(
        stdout.contains("truncated.xml"),
        "broken file listed: {stdout}"
    );
    assert!(
        !stdout.contains('\x1b'),
        "no colour codes when stdout is not a terminal"
    );
}

#[test]
fn cargo_subcommand_spelling_reads_stdin_and_colour_can_be_forced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let o = run(
        bin()
            .args(["failtale", "analyze", "--out"])
            .arg(&out)
            .arg("-")
            .env("CLICOLOR_FORCE", "1"),
        Some(LIBTEST),
    );
    assert!(o.status.success(), "stderr: {}", text(&o.stderr));
    let r = read_report(&out);
    assert_eq!(r["inputs"][0]["path"], "-");
    assert_eq!(r["inputs"][0]["format"], "libtest-json");
    assert_eq!(r["summary"]["tests"], 2);
    assert_eq!(r["summary"]["failed"], 1);
    assert!(
        r["texts"][r["failures"][0]["text"].as_u64().unwrap() as usize]
            .as_str()
            .unwrap()
            .contains("boom")
    );
    assert!(
        text(&o.stdout).contains('\x1b'),
        "CLICOLOR_FORCE forces colour"
    );

    let o = run(
        bin()
            .args(["analyze", "--out"])
            .arg(&out)
            .arg("-")
            .env("NO_COLOR", "1"),
        Some(LIBTEST),
    );
    assert!(o.status.success());
    assert!(
        !text(&o.stdout).contains('\x1b'),
        "NO_COLOR disables colour"
    );
}

#[test]
fn a_non_junit_file_is_named_as_what_it_looks_like() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("TestResult.xml");
    std::fs::write(&f, NUNIT).unwrap();
    let empty = dir.path().join("empty.xml");
    std::fs::write(&empty, "").unwrap();
    let out = dir.path().join("o");
    let o = run(
        bin()
            .arg("analyze")
            .arg("--out")
            .arg(&out)
            .arg(&f)
            .arg(&empty),
        None,
    );
    assert!(o.status.success(), "stderr: {}", text(&o.stderr));
    let r = read_report(&out);
    let e = r["inputs"][0]["error"].as_str().unwrap();
    assert!(e.contains("NUnit"), "{e}");
    assert_eq!(
        r["inputs"][1]["error"],
        Value::Null,
        "an empty file is a warning, not an error"
    );
    assert!(
        r["inputs"][1]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("empty")
    );
}

#[test]
fn a_missing_path_is_a_usage_error_with_a_hint() {
    let o = run(bin().args(["analyze", "/definitely/not/here.xml"]), None);
    assert_eq!(o.status.code(), Some(2));
    let e = text(&o.stderr);
    assert!(
        e.contains("error: cannot read `/definitely/not/here.xml`"),
        "{e}"
    );
    assert!(e.contains("hint:"), "{e}");
}

#[test]
fn help_explains_inputs_and_output() {
    let o = run(bin().args(["analyze", "--help"]), None);
    assert!(o.status.success());
    let h = text(&o.stdout);
    for needle in [
        "standard input",
        "report.json",
        "target/failtale",
        "--out",
        "pytest",
        "surefire",
    ] {
        assert!(h.contains(needle), "--help lacks {needle:?}:\n{h}");
    }
}

#[test]
fn offline_rules_explain_each_cluster_and_say_so_once() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        bin().args(["analyze", "-", "--out"]).arg(dir.path()),
        Some(LIBTEST),
    );
    assert!(o.status.success(), "stderr: {}", text(&o.stderr));
    let err = text(&o.stderr);
    assert_eq!(err.matches("no LLM provider found").count(), 1, "{err}");
    let out = text(&o.stdout);
    assert!(out.contains("panic · high"), "{out}");
    assert!(out.contains("src/a.rs:3"), "{out}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let a = &report["clusters"][0]["analysis"];
    assert_eq!(a["analyzer"], "rules");
    assert_eq!(a["category"], "panic");
    assert_eq!(a["grounded"], true);
    assert!(
        a["evidence"][0]["quote"]
            .as_str()
            .unwrap()
            .contains("panicked at src/a.rs:3:5")
    );

    let o = run(
        bin()
            .args(["analyze", "-", "--offline", "--out"])
            .arg(dir.path()),
        Some(LIBTEST),
    );
    assert!(
        !text(&o.stderr).contains("no LLM provider"),
        "--offline is a choice, not a notice"
    );
}

const ALL_PASS: &str = r#"<testsuite name="ok"><testcase classname="a" name="one"/><testcase classname="a" name="two"/></testsuite>"#;

#[test]
fn fail_on_failures_sets_the_exit_code_from_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let failing = dir.path().join("failing.xml");
    std::fs::write(&failing, GOOD).unwrap();
    let passing = dir.path().join("passing.xml");
    std::fs::write(&passing, ALL_PASS).unwrap();
    let code = |file: &Path, flag: bool| {
        let mut c = bin();
        c.args(["analyze", "--offline", "--no-history", "--out"])
            .arg(dir.path().join("o"))
            .arg(file);
        if flag {
            c.arg("--fail-on-failures");
        }
        run(&mut c, None).status.code()
    };
    assert_eq!(
        code(&failing, false),
        Some(0),
        "failures are findings by default"
    );
    assert_eq!(code(&failing, true), Some(1));
    assert_eq!(code(&passing, true), Some(0));
}

#[test]
fn passing_output_reaches_the_enriched_junit_only_when_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("results.xml");
    std::fs::write(
        &input,
        r#"<testsuites>
  <testsuite name="green"><testcase classname="a" name="ok"><system-out>case log of a pass</system-out></testcase>
    <system-out>suite log of a green suite</system-out></testsuite>
  <testsuite name="red"><testcase classname="b" name="bad"><failure message="boom"/><system-out>case log of a failure</system-out></testcase>
    <system-out>suite log of a red suite</system-out></testsuite>
</testsuites>"#,
    )
    .unwrap();
    let enriched = |keep: bool| {
        let out = dir.path().join(if keep { "kept" } else { "default" });
        let mut c = bin();
        c.args(["analyze", "--offline", "--no-history", "--quiet", "--out"])
            .arg(&out)
            .arg(&input);
        if keep {
            c.arg("--keep-passing-output");
        }
        let o = run(&mut c, None);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        std::fs::read_to_string(out.join("junit.xml")).unwrap()
    };
    let default = enriched(false);
    for failing in ["case log of a failure", "suite log of a red suite"] {
        assert!(default.contains(failing), "{failing}: {default}");
    }
    for passing in ["case log of a pass", "suite log of a green suite"] {
        assert!(!default.contains(passing), "{passing} dropped by default");
    }
    let kept = enriched(true);
    for all in [
        "case log of a failure",
        "suite log of a red suite",
        "case log of a pass",
        "suite log of a green suite",
    ] {
        assert!(kept.contains(all), "{all}: {kept}");
    }
}

#[test]
fn failtale_failing_at_its_job_is_exit_3_not_the_tests_code_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let failing = dir.path().join("failing.xml");
    std::fs::write(&failing, GOOD).unwrap();
    // The output directory cannot be made: a file is in the way.
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, "").unwrap();
    let o = run(
        bin()
            .args([
                "analyze",
                "--offline",
                "--no-history",
                "--fail-on-failures",
                "--out",
            ])
            .arg(blocker.join("out"))
            .arg(&failing),
        None,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("cannot write") && err.contains("blocker"),
        "{err}"
    );
    assert!(err.contains("--out DIR"), "the hint: {err}");
    // The terminal summary was still shown: the run completed.
    assert!(String::from_utf8_lossy(&o.stdout).contains("root cause"));
}

#[test]
fn under_github_actions_each_root_cause_is_an_annotation_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("repo");
    std::fs::create_dir_all(&ws).unwrap();
    let panic = format!(
        "{{ \"type\": \"test\", \"event\": \"started\", \"name\": \"a::breaks\" }}\n{{ \"type\": \"test\", \"name\": \"a::breaks\", \"event\": \"failed\", \"stdout\": \"thread 'a::breaks' panicked at {}/src/a.rs:3:5:\\nboom, 100%\\n\" }}\n",
        ws.display()
    );
    let o = run(
        bin()
            .args(["analyze", "--offline", "--no-history", "-", "--out"])
            .arg(dir.path().join("o"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", &ws),
        Some(&panic),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("::error ")).collect();
    assert_eq!(errors.len(), 1, "{out}");
    assert!(
        errors[0].starts_with(
            "::error file=src/a.rs,line=3,title=failtale c1%3A panic · high (1 test)::"
        ),
        "{}",
        errors[0]
    );
    assert!(!errors[0].contains('\r'));

    // Not on GitHub: no workflow commands.
    let o = run(
        bin()
            .args(["analyze", "--offline", "--no-history", "-", "--out"])
            .arg(dir.path().join("o")),
        Some(&panic),
    );
    assert!(!text(&o.stdout).contains("::error"));
}

/// Lines a CI runner would execute as a command: GitHub workflow commands
/// (a line starting with `::`, after indentation), Azure and TeamCity markers.
fn ci_commands(out: &str) -> Vec<String> {
    out.split(['\n', '\r'])
        .filter(|l| {
            let t = l.trim_start();
            t.starts_with("::")
                || l.contains("##vso[")
                || l.contains("##[")
                || l.contains("##teamcity[")
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn text_from_results_cannot_forge_a_ci_command_on_any_line() {
    let dir = tempfile::tempdir().unwrap();
    // Line breaks in a test name, a file attribute, a message and a body, as
    // XML character references; Azure and TeamCity markers mid-line.
    let xml = r#"<testsuite name="s&#10;::warning::suite" tests="2">
<testcase classname="c" name="n&#10;::error::forged&#13;##vso[task.setvariable variable=x]1" file="a&#10;::warning::f"><failure message="boom&#10;::error::m ##teamcity[buildStatus text='x']">trace&#10;::error::body</failure></testcase>
<testcase classname="c" name="m&#8232;::notice::ls" file="b.py"><failure message="x">&#27;]0;title&#7;y</failure></testcase>
</testsuite>"#;
    let results = dir.path().join("forge.xml");
    std::fs::write(&results, xml).unwrap();
    let libtest = "{ \"type\": \"test\", \"event\": \"started\", \"name\": \"t\\n::error::lt\" }\n{ \"type\": \"test\", \"name\": \"t\\n::error::lt\", \"event\": \"failed\", \"stdout\": \"thread 't' panicked at src/a.rs:1:1:\\n::add-mask::x\\n\" }\n";
    let lt = dir.path().join("lt.json");
    std::fs::write(&lt, libtest).unwrap();
    let out_dir = dir.path().join("o");
    let o = run(
        bin()
            .args(["analyze", "--offline", "--no-history", "--out"])
            .arg(&out_dir)
            .arg(&results)
            .arg(&lt)
            .env("GITHUB_ACTIONS", "true"),
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    // The genuine annotations are the only commands, and escape their text.
    let commands = ci_commands(&out);
    assert!(!commands.is_empty(), "{out}");
    for c in &commands {
        assert!(
            c.starts_with("::error file=")
                || c.starts_with("::error title=")
                || c.starts_with("::notice"),
            "forged command on stdout: {c:?}\n{out}"
        );
        assert!(!c.contains("##vso[") && !c.contains("##teamcity["), "{c}");
    }
    assert!(ci_commands(&err).is_empty(), "{err}");
    // The names are still shown, on their line, with the break visible.
    assert!(out.contains(r"n\n::error::forged"), "{out}");
    assert!(!out.contains('\u{1b}'), "{out}");

    // `report` prints the saved report the same way.
    let o = run(
        bin()
            .args(["report"])
            .arg(out_dir.join("report.json"))
            .env("GITHUB_ACTIONS", "true"),
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for c in ci_commands(&out) {
        assert!(
            c.starts_with("::error ") || c.starts_with("::notice"),
            "forged command from report: {c:?}\n{out}"
        );
    }
}

#[test]
fn a_named_pipe_is_refused_at_once_and_a_shell_pipe_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("results.xml");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut child = bin()
        .args(["analyze", "--offline", "--no-history", "--out"])
        .arg(dir.path().join("o"))
        .arg(&fifo)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Nobody writes to the pipe: failtale must not wait for a writer.
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            panic!("cargo-failtale blocked on a named pipe with no writer");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("results.xml") && err.contains("named pipe"),
        "{err}"
    );
    assert!(err.contains("give `-`"), "{err}");

    // `analyze <(cargo test …)` names a pipe with a writer: it is read.
    let xml = r#"<testsuite name="s" tests="1"><testcase name="t" classname="c"><failure message="boom"/></testcase></testsuite>"#;
    let o = run(
        bin()
            .args(["analyze", "--offline", "--no-history", "--out"])
            .arg(dir.path().join("o"))
            .arg("/dev/stdin"),
        Some(xml),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("1 failed"), "{}", text(&o.stdout));
}

#[test]
fn the_outputs_are_one_set_with_a_manifest_and_killed_runs_leave_no_temporaries() {
    use failtale_core::output::{ManifestCheck, check_manifest};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    std::fs::create_dir_all(&out).unwrap();
    // What a run killed before its renames leaves (its process is gone).
    std::fs::write(out.join(".junit.xml.4194305.2.tmp"), "half a file").unwrap();
    let xml = r#"<testsuite name="s" tests="1"><testcase name="t" classname="c"><failure message="boom"/></testcase></testsuite>"#;
    let o = run(
        bin()
            .args(["analyze", "--offline", "--no-history", "-", "--out"])
            .arg(&out),
        Some(xml),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let ManifestCheck::Complete(m) = check_manifest(&out).unwrap() else {
        panic!("no complete set in {}", out.display());
    };
    let mut names: Vec<&str> = m.files.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["junit.xml", "report.html", "report.json", "summary.md"]
    );
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // Re-rendering beside the saved report changes report.html: the set says so.
    let o = run(bin().arg("report").arg(out.join("report.json")), None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    match check_manifest(&out).unwrap() {
        ManifestCheck::Partial { differ, .. } => assert!(
            differ
                .iter()
                .all(|d| d == "report.html" || d == "summary.md"),
            "{differ:?}"
        ),
        ManifestCheck::Complete(_) => {} // rendered byte for byte the same
        ManifestCheck::Missing => panic!("manifest gone"),
    }
}

#[test]
fn runs_killed_at_any_moment_leave_a_set_the_next_run_completes() {
    use failtale_core::output::{ManifestCheck, check_manifest};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    // Big enough that the outputs take a while to write.
    let mut xml = String::from("<testsuite name=\"s\">");
    for i in 0..20_000 {
        xml += &format!(
            "<testcase name=\"t{i}\" classname=\"c{}\"><failure message=\"cause {} failed at step {i}\">trace line\n  at x.y(Z.java:{i})</failure><system-out>{}</system-out></testcase>",
            i % 50,
            i % 40,
            "log ".repeat(50)
        );
    }
    xml += "</testsuite>";
    let input = dir.path().join("big.xml");
    std::fs::write(&input, xml).unwrap();
    let analyze = || {
        let mut c = bin();
        c.args(["analyze", "--offline", "--no-history", "--out"])
            .arg(&out)
            .arg(&input)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    for delay_ms in [30u64, 120, 250, 400, 600] {
        let mut child = analyze().spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Whatever was left, a reader can tell: a set is complete or not, and
        // a complete set is exactly what its manifest lists.
        match check_manifest(&out).unwrap() {
            ManifestCheck::Complete(m) => assert!(!m.files.is_empty()),
            ManifestCheck::Partial { differ, .. } => assert!(!differ.is_empty()),
            ManifestCheck::Missing => {}
        }
    }
    let o = analyze().output().unwrap();
    assert!(o.status.success());
    assert!(matches!(
        check_manifest(&out).unwrap(),
        ManifestCheck::Complete(_)
    ));
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporaries of killed runs left: {left:?}");
}

#[test]
fn report_re_renders_a_saved_report_and_re_sanitizes_it() {
    let dir = results_dir();
    let out = dir.path().join("out");
    let o = run(
        bin()
            .args(["analyze", "--offline", "--no-history", "--out"])
            .arg(&out)
            .arg(dir.path().join("results"))
            .current_dir(dir.path()),
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    // Someone pastes a token into the saved report.
    let token = concat!("ghp_", "16C7e42F292c6912E7710c838347Ae178B4a");
    let mut r = read_report(&out);
    r["clusters"][0]["analysis"]["root_cause"] = format!("token {token} expired").into();
    let edited = dir.path().join("edited.json");
    std::fs::write(&edited, serde_json::to_string_pretty(&r).unwrap()).unwrap();
    let again = dir.path().join("again");
    let o = run(
        bin()
            .arg("report")
            .arg(&edited)
            .arg("--out")
            .arg(&again)
            .current_dir(dir.path()),
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("4 failures → 3 root causes"), "{stdout}");
    assert!(
        stdout.contains("[REDACTED:github_token#1] expired"),
        "{stdout}"
    );
    assert!(!stdout.contains(token));
    let written = std::fs::read_to_string(again.join("report.json")).unwrap();
    assert!(!written.contains(token));
    assert_eq!(read_report(&again)["redactions"]["github_token"], 1);
    // The documents are re-rendered from the re-sanitized report.
    let html = std::fs::read_to_string(again.join("report.html")).unwrap();
    let md = std::fs::read_to_string(again.join("summary.md")).unwrap();
    for doc in [&html, &md] {
        assert!(!doc.contains(token));
        assert!(doc.contains("expired"), "the edited root cause is shown");
    }
    let o = run(
        bin().arg("report").arg(&edited).arg("--fail-on-failures"),
        None,
    );
    assert_eq!(o.status.code(), Some(1));

    // A report from a newer failtale: a usage error naming both versions.
    r["schema_version"] = 99.into();
    std::fs::write(&edited, r.to_string()).unwrap();
    let o = run(bin().arg("report").arg(&edited), None);
    assert_eq!(o.status.code(), Some(2));
    let e = text(&o.stderr);
    assert!(
        e.contains("schema version 99") && e.contains("hint:"),
        "{e}"
    );
    // Not JSON: the line and column.
    std::fs::write(&edited, "{\n  \"schema_version\": 1,\n  nope").unwrap();
    let e = text(&run(bin().arg("report").arg(&edited), None).stderr);
    assert!(e.contains("line 3, column 3"), "{e}");
}

#[test]
fn report_json_writes_each_failure_text_once_and_a_schema_1_report_still_renders() {
    let dir = tempfile::tempdir().unwrap();
    let shared = "IOError: connection refused to db.internal:5432\n    at connect (db.js:9:1)";
    let mut xml = String::from("<testsuite name=\"s\">");
    for i in 0..40 {
        xml.push_str(&format!(
            "<testcase classname=\"api.T{i}\" name=\"t\"><error type=\"IOError\">{shared}</error></testcase>"
        ));
    }
    xml.push_str("<testcase classname=\"api.U\" name=\"u\"><failure>AssertionError: other text</failure></testcase></testsuite>");
    let f = dir.path().join("r.xml");
    std::fs::write(&f, &xml).unwrap();
    let out = dir.path().join("o");
    let o = run(
        bin()
            .args(["analyze", "--offline", "--no-history", "--out"])
            .arg(&out)
            .arg(&f),
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let raw = std::fs::read_to_string(out.join("report.json")).unwrap();
    // The whole text once (its first line is also quoted by the analysis).
    assert_eq!(raw.matches("at connect (db.js:9:1)").count(), 1, "{raw}");
    let r: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(r["schema_version"], 2);
    let texts = r["texts"].as_array().unwrap();
    assert_eq!(texts.len(), 2, "{texts:?}");
    let failures = r["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 41);
    let db = texts
        .iter()
        .position(|t| t.as_str().unwrap().contains("db.internal"))
        .unwrap();
    assert_eq!(
        failures.iter().filter(|f| f["text"] == db).count(),
        40,
        "every member names the one text"
    );
    assert_eq!(r["clusters"][0]["representative"]["text"], db);

    // The same report as schema 1 wrote it (texts inline) renders the same.
    let mut v1 = r.clone();
    for f in v1["failures"].as_array_mut().unwrap() {
        let t = texts[f["text"].as_u64().unwrap() as usize].clone();
        let f = f.as_object_mut().unwrap();
        f.remove("text");
        f.insert("message".into(), t);
    }
    for c in v1["clusters"].as_array_mut().unwrap() {
        let rep = &mut c["representative"];
        rep["text"] = texts[rep["text"].as_u64().unwrap() as usize].clone();
    }
    v1.as_object_mut().unwrap().remove("texts");
    v1["schema_version"] = 1.into();
    let old = dir.path().join("v1.json");
    std::fs::write(&old, v1.to_string()).unwrap();
    let again = dir.path().join("again");
    let o = run(bin().arg("report").arg(&old).arg("--out").arg(&again), None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let back = read_report(&again);
    assert_eq!(back["schema_version"], 2);
    assert_eq!(back["texts"], r["texts"]);
    assert_eq!(back["failures"], r["failures"]);
    let md = std::fs::read_to_string(again.join("summary.md")).unwrap();
    assert!(md.contains("connection refused"), "{md}");
}

#[test]
fn analyze_junit_xml_carries_the_analysis_for_viewers() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("r.xml");
    std::fs::write(&f, GOOD).unwrap();
    let out = dir.path().join("o");
    let o = run(
        bin()
            .args(["analyze", "--offline", "--no-history", "--out"])
            .arg(&out)
            .arg(&f),
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let xml = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    for key in [
        "failtale.cluster",
        "failtale.category",
        "failtale.severity",
        "failtale.root_cause",
        "failtale.fix",
        "failtale.confidence",
        "failtale.fingerprint",
    ] {
        assert_eq!(
            xml.matches(&format!("name=\"{key}\"")).count(),
            3,
            "{key}: {xml}"
        );
    }
    assert!(
        !xml.contains("failtale.flake_probability"),
        "no history, no probability"
    );
    assert_eq!(xml.matches("--- failtale ---").count(), 3, "{xml}");
    assert!(xml.contains("cluster c1 (2 tests)"), "{xml}");
}

#[test]
fn init_writes_a_loadable_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(bin().arg("init").current_dir(dir.path()), None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let written = dir.path().join("failtale.toml");
    assert!(written.is_file());
    // The file is picked up by analyze from the current directory.
    let f = dir.path().join("r.xml");
    std::fs::write(&f, ALL_PASS).unwrap();
    let o = run(
        bin()
            .args(["analyze", "--offline", "--no-history", "r.xml"])
            .current_dir(dir.path()),
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = run(bin().arg("init").current_dir(dir.path()), None);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--force"), "{}", text(&o.stderr));
    let o = run(
        bin().args(["init", "--force"]).current_dir(dir.path()),
        None,
    );
    assert!(o.status.success());
}

#[test]
fn quiet_prints_the_counts_and_the_paths_only() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("r.xml");
    std::fs::write(&f, GOOD).unwrap();
    let out = dir.path().join("o");
    let o = run(
        bin()
            .args(["analyze", "--offline", "--no-history", "--quiet", "--out"])
            .arg(&out)
            .arg(&f),
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("3 failures → 2 root causes"), "{stdout}");
    assert!(!stdout.contains("c1 "), "no cluster blocks: {stdout}");
    assert!(!stdout.contains("cause:"), "{stdout}");
    assert!(
        stdout.contains(&format!("report: {}", out.join("report.html").display())),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("json:   {}", out.join("report.json").display())));
}

#[test]
fn the_history_table_of_failtale_toml_places_and_prunes_the_store_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.xml"), GOOD).unwrap();
    std::fs::write(
        dir.path().join("failtale.toml"),
        "[history]\npath = \"store/runs.db\"\nkeep_runs = 1\n",
    )
    .unwrap();
    let analyze = |extra: &[&str]| {
        let o = run(
            bin()
                .current_dir(dir.path())
                .args(["analyze", "--offline", "--out", "o", "r.xml"])
                .args(extra),
            None,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    analyze(&[]);
    let second = analyze(&[]);
    assert!(dir.path().join("store/runs.db").is_file());
    assert!(!dir.path().join("o/history.db").exists());
    assert!(second.contains("(1 run stored)"), "keep_runs = 1: {second}");
    let third = analyze(&["--keep-runs", "0"]);
    assert!(third.contains("(2 runs stored)"), "the flag wins: {third}");
}

#[test]
fn timings_name_every_stage_only_when_asked_for() {
    let dir = results_dir();
    let analyze = |timings: bool| {
        let out = dir.path().join(if timings { "timed" } else { "plain" });
        let mut c = bin();
        c.args(["analyze", "--offline", "--quiet", "--out"])
            .arg(&out)
            .arg(dir.path().join("results/good.xml"));
        if timings {
            c.arg("--timings");
        }
        let o = run(&mut c, None);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        text(&o.stderr)
    };
    let stderr = analyze(true);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("timings: "))
        .unwrap_or_else(|| panic!("no timings line: {stderr}"));
    let stages: Vec<&str> = line["timings: ".len()..]
        .split(", ")
        .map(|s| s.split(' ').next().unwrap_or_default())
        .collect();
    assert_eq!(
        stages,
        [
            "read", "sanitize", "cluster", "analyze", "history", "outputs", "total"
        ],
        "{line}"
    );
    assert!(!analyze(false).contains("timings:"));
}
