//! report.html, summary.md and the GitHub step summary, written by the real
//! binary from `tests/fixtures/shop.xml`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const XSS: &str = "<script>alert(1)</script>";
/// `XSS` as the HTML report escapes it.
const XSS_IN_HTML: &str = "&lt;script&gt;alert(1)&lt;&#x2F;script&gt;";
/// `XSS` as the Markdown summary escapes it.
const XSS_IN_MARKDOWN: &str = r"&lt;script&gt;alert(1)&lt;/script&gt;";

/// A GitHub token, built here so none is committed: `ghp_` and 36 letters and digits.
fn secret() -> String {
    format!("ghp_{}", "Qx7Lm2".repeat(6))
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cargo-failtale"));
    // Hermetic: no colours, no LLM provider, no step summary of the CI job
    // running these tests.
    for k in [
        "CLICOLOR_FORCE",
        "NO_COLOR",
        "CLICOLOR",
        "OLLAMA_HOST",
        "GROQ_API_KEY",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "OPENAI_BASE_URL",
        "GITHUB_STEP_SUMMARY",
    ] {
        c.env_remove(k);
    }
    c.stdin(Stdio::null());
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A directory holding `results/shop.xml` with the planted secret.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("results")).unwrap();
    let xml = include_str!("fixtures/shop.xml").replace("@SECRET@", &secret());
    std::fs::write(dir.path().join("results/shop.xml"), xml).unwrap();
    dir
}

/// Runs `analyze --offline --out DIR/out DIR/results` with `extra` arguments.
fn analyze(dir: &Path, extra: &[&str], step_summary: Option<&Path>) -> Output {
    let mut cmd = bin();
    cmd.arg("analyze")
        .arg("--offline")
        .arg("--out")
        .arg(dir.join("out"))
        .args(extra)
        .arg(dir.join("results"))
        .current_dir(dir);
    if let Some(p) = step_summary {
        cmd.env("GITHUB_STEP_SUMMARY", p);
    }
    cmd.output().expect("run cargo-failtale")
}

fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_no_secret(name: &str, content: &str) {
    let secret = secret();
    assert!(!content.contains(&secret), "{name} holds the secret");
    // Not even a piece of it.
    assert!(
        !content.contains(&secret[4..20]),
        "{name} holds part of the secret"
    );
}

/// No secret, and the script-tag test name only escaped (report.json is
/// data, where it is a plain JSON string; these are markup).
fn assert_clean(name: &str, content: &str) {
    assert_no_secret(name, content);
    assert!(
        !content.contains(XSS),
        "{name} holds an unescaped script tag"
    );
}

#[test]
fn analyze_writes_html_and_markdown_beside_report_json_without_secrets() {
    let dir = fixture();
    let step = dir.path().join("step-summary.md");
    std::fs::write(&step, "## an earlier step\n").unwrap();
    let o = analyze(dir.path(), &[], Some(&step));
    assert!(o.status.success(), "stderr: {}", text(&o.stderr));
    let out = dir.path().join("out");
    let json = read(out.join("report.json"));
    let report: Value = serde_json::from_str(&json).unwrap();
    let clusters = report["clusters"].as_array().unwrap().len();
    assert!(
        clusters >= 3,
        "the fixture has several root causes: {clusters}"
    );
    assert!(
        report["redactions"]["github_token"].as_u64() >= Some(1),
        "{}",
        report["redactions"]
    );

    let html = read(out.join("report.html"));
    let md = read(out.join("summary.md"));
    let step_text = read(&step);
    assert_no_secret("report.json", &json);
    for (name, content) in [
        ("report.html", &html),
        ("summary.md", &md),
        ("the step summary", &step_text),
    ] {
        assert_clean(name, content);
    }

    // report.html: one card per cluster, the script tag only as text.
    assert_eq!(html.matches("<article class=\"cluster").count(), clusters);
    assert!(
        html.contains(XSS_IN_HTML),
        "the test name is shown, escaped"
    );
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only failtale's own script"
    );
    assert!(html.contains("[REDACTED:github_token#1]"));

    // summary.md: the headline, the counts and a link to report.html.
    let failing = report["summary"]["failed"].as_u64().unwrap()
        + report["summary"]["errors"].as_u64().unwrap();
    let headline = format!("## ❌ failtale: {failing} failing tests → {clusters} root causes\n");
    assert!(md.starts_with(&headline), "{md}");
    assert!(md.contains("| tests | passed | failed | errors | skipped | flaky |\n"));
    assert!(md.contains(XSS_IN_MARKDOWN), "{md}");
    assert!(md.contains("[report.html](report.html)"), "{md}");

    // The step summary: appended after what was there, naming report.html by its path.
    let appended = step_text
        .strip_prefix("## an earlier step\n\n")
        .unwrap_or_else(|| panic!("appended, not overwritten: {step_text}"));
    assert!(appended.starts_with(&headline), "{appended}");
    let html_path = std::path::absolute(out.join("report.html")).unwrap();
    assert!(
        appended.contains(&html_path.display().to_string().replace('_', r"\_")),
        "{appended}"
    );
    assert!(!appended.contains("](/"), "no link to a path on the runner");

    // Another run appends again.
    let o = analyze(dir.path(), &[], Some(&step));
    assert!(o.status.success(), "stderr: {}", text(&o.stderr));
    assert_eq!(read(&step).matches(&headline).count(), 2);
}

#[test]
fn step_summary_stays_within_githubs_limit() {
    const LIMIT: usize = 65_535;
    let dir = fixture();
    let step = dir.path().join("step-summary.md");
    let earlier = format!("{}\n", "x".repeat(LIMIT - 1500));
    std::fs::write(&step, &earlier).unwrap();
    let o = analyze(dir.path(), &[], Some(&step));
    assert!(o.status.success(), "stderr: {}", text(&o.stderr));
    let after = read(&step);
    assert!(after.len() <= LIMIT, "{} bytes", after.len());
    assert!(after.starts_with(&earlier));
    let added = &after[earlier.len()..];
    assert!(
        added.contains("failing tests →"),
        "summarised, not dropped: {added}"
    );
    assert!(
        added.contains("|---:|---:|---:|---:|---:|---:|\n|"),
        "table whole: {added}"
    );
    assert!(added.ends_with('\n'));
    // summary.md has the room a step summary of its own would have.
    assert!(read(dir.path().join("out/summary.md")).len() > added.len());

    // No room at all: the step summary is left alone, the run succeeds.
    let full = "y".repeat(LIMIT - 10);
    std::fs::write(&step, &full).unwrap();
    let o = analyze(dir.path(), &[], Some(&step));
    assert!(o.status.success(), "stderr: {}", text(&o.stderr));
    assert_eq!(read(&step), full);
}

#[test]
fn templates_in_the_given_directory_replace_the_embedded_ones() {
    let dir = fixture();
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("summary.md.tera"),
        "Our CI: {{ headline }}\n{% for c in clusters %}* {{ c.title }}\n{% endfor %}",
    )
    .unwrap();
    let o = analyze(
        dir.path(),
        &["--templates", templates.to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "stderr: {}", text(&o.stderr));
    let md = read(dir.path().join("out/summary.md"));
    assert!(md.starts_with("Our CI: "), "{md}");
    assert!(
        md.contains("* ConnectException: Connection refused"),
        "{md}"
    );
    assert_clean("the custom summary.md", &md);
    // No report.html.tera there: the embedded one is used.
    let html = read(dir.path().join("out/report.html"));
    assert!(html.contains("Content-Security-Policy"));
}

#[test]
fn a_broken_template_is_a_clear_error_and_nothing_half_written() {
    let dir = fixture();
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    let broken = templates.join("report.html.tera");
    std::fs::write(&broken, "<h1>{{ headline }</h1>").unwrap();
    let o = analyze(
        dir.path(),
        &["--templates", templates.to_str().unwrap()],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "stderr: {}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains(&broken.display().to_string()), "{err}");
    assert!(err.contains("the template does not parse"), "{err}");
    assert!(
        err.contains("Failed to parse"),
        "the template engine's words: {err}"
    );
    let out = dir.path().join("out");
    assert!(out.join("report.json").exists(), "the findings are kept");
    assert!(!out.join("report.html").exists());
    // One output failing does not stop the others: summary.md, whose
    // template is fine, is written.
    assert!(out.join("summary.md").exists());

    let missing: PathBuf = dir.path().join("no-such-dir");
    let o = analyze(
        dir.path(),
        &["--templates", missing.to_str().unwrap()],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "stderr: {}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("cannot read the template"),
        "{}",
        text(&o.stderr)
    );
}
