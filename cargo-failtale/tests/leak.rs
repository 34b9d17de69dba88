//! End-to-end leak test: secrets planted in every place a result file can
//! hold text — failure messages and bodies, system-out, system-err,
//! properties, test, class and suite names, attributes — and in the
//! environment of the process, must not appear in any byte of any output
//! file, of stdout or of stderr. Keep this test growing as outputs are added.

use std::path::Path;
use std::process::{Command, Stdio};

/// (where, secret). Each one is distinct, so a leak names its place.
fn planted() -> Vec<(&'static str, String)> {
    // Built at run time so no scanner mistakes this file for a leak.
    let t = |prefix: &str, body: &str| format!("{prefix}{body}");
    vec![
        ("message", t("ghp_", "Xk9mQ2vL7pR4tW8yZ1aB3cD5eF6gH0jK2lN4")),
        ("body", t("AKIA", "QWERTY234567ABCD")),
        (
            "body-pem",
            "MIIEowIBAAKCAQEA7v9Xq2LmN4pR8sT1uW3yZ5aB7cD9eF1gH3jK5lM7nP9qR1".into(),
        ),
        ("system-out", "s3cr3t-Pa55w0rd".into()),
        (
            "system-err",
            t(
                "xoxb-",
                "2212345678901-4412345678901-AbCdEfGhIjKlMnOpQrStUvWx",
            ),
        ),
        (
            "property",
            t(
                "sk-proj-",
                "Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8L9z0X1c2V3b4",
            ),
        ),
        ("suite-property", "Zq8!mK2#vL9".into()),
        ("test-name", t("glpat-", "Ab12Cd34Ef56Gh78Ij90")),
        ("classname-url", "Urlp4ss-w0rd".into()),
        ("hostname", "ci-admin@corp.example.com".into()),
        ("auth-header", "dGVzdHVzZXI6dGVzdHBhc3N3b3Jk".into()),
        (
            "jwt",
            t(
                "eyJhbGciOiJIUzI1NiJ9.",
                "eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            ),
        ),
        ("env-exact", "plain-looking-value-9137".into()),
    ]
}

fn junit(secrets: &[(&str, String)]) -> String {
    let s = |name: &str| {
        secrets
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="api" tests="3" failures="2" errors="1" hostname="{hostname}">
    <properties>
      <property name="db.password" value="{suite_property}"/>
    </properties>
    <testcase classname="api.Orders" name="uses_token_{test_name}" time="0.1">
      <properties><property name="OPENAI_API_KEY" value="{property}"/></properties>
      <failure message="push rejected for GITHUB_TOKEN={message}" type="AssertionError">AssertionError: push rejected
aws_access_key_id = {body}
-----BEGIN RSA PRIVATE KEY-----
{pem}
-----END RSA PRIVATE KEY-----
    at push (git.js:41:3)</failure>
      <system-out>connecting with password: "{system_out}"
using {env_exact} as the service credential</system-out>
      <system-err>slack error: token {system_err} rejected</system-err>
    </testcase>
    <testcase classname="db.Conn(postgres://app:{classname}@db:5432/orders)" name="connects" time="0.2">
      <error message="connection refused" type="IOError">IOError: connection refused
&gt; Authorization: Basic {auth}
&gt; Cookie: session={jwt}</error>
    </testcase>
    <testcase classname="api.Orders" name="totals" time="0.1">
      <failure message="expected 107.5 at commit 3f786850e387550fdab836ed7e6dc881de23001b" type="AssertionError"/>
    </testcase>
  </testsuite>
</testsuites>
"#,
        hostname = s("hostname"),
        suite_property = s("suite-property"),
        test_name = s("test-name"),
        property = s("property"),
        message = s("message"),
        body = s("body"),
        pem = s("body-pem"),
        system_out = s("system-out"),
        env_exact = s("env-exact"),
        system_err = s("system-err"),
        classname = s("classname-url"),
        auth = s("auth-header"),
        jwt = s("jwt"),
    )
}

fn assert_no_secret(place: &str, bytes: &[u8], secrets: &[(&str, String)]) {
    let text = String::from_utf8_lossy(bytes);
    for (name, secret) in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "secret planted in {name} leaked into {place}:\n{text}"
        );
    }
}

#[test]
fn no_planted_secret_reaches_any_output() {
    let secrets = planted();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("results.xml");
    std::fs::write(&input, junit(&secrets)).unwrap();
    let out_dir = dir.path().join("out");
    let env_secret = &secrets.iter().find(|(n, _)| *n == "env-exact").unwrap().1;
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-failtale"))
        .arg("analyze")
        .arg("--out")
        .arg(&out_dir)
        .arg(&input)
        .env("MY_SERVICE_TOKEN", env_secret)
        .env("NO_COLOR", "1")
        // Every output GitHub would show: annotations on stdout, the step summary.
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", out_dir.join("step-summary.md"))
        .stdin(Stdio::null())
        .output()
        .expect("run cargo-failtale");
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    assert_no_secret("stdout", &output.stdout, &secrets);
    assert_no_secret("stderr", &output.stderr, &secrets);
    let mut files = 0;
    walk(&out_dir, &mut |path| {
        files += 1;
        assert_no_secret(
            &path.display().to_string(),
            &std::fs::read(path).unwrap(),
            &secrets,
        );
    });
    // report.json, junit.xml, report.html, summary.md, the step summary, history.db.
    assert!(files >= 6, "every output written and checked: {files}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("::error"),
        "annotations were written: {stdout}"
    );

    // What debugging needs stays, and the run says what it redacted.
    let report = std::fs::read_to_string(out_dir.join("report.json")).unwrap();
    assert!(
        report.contains("3f786850e387550fdab836ed7e6dc881de23001b"),
        "git SHA kept"
    );
    assert!(
        report.contains("postgres://app:[REDACTED:url_password#1]@db:5432/orders"),
        "{report}"
    );
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    let redactions = json["redactions"].as_object().expect("redactions object");
    assert!(
        redactions
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>()
            >= secrets.len() as u64
    );
    assert!(
        redactions.contains_key("my_service_token"),
        "exact env value masked: {redactions:?}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let notice = stdout
        .lines()
        .find(|l| l.starts_with("redacted "))
        .unwrap_or_else(|| panic!("one-line notice: {stdout}"));
    assert!(notice.ends_with("before writing anything"), "{notice}");
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, f);
        } else {
            f(&path);
        }
    }
}

/// `[sanitize]` in failtale.toml: a project's own rule, exact values, an
/// allowlist and a rule switched off all reach the CLI's sanitizer.
#[test]
fn the_sanitize_table_of_failtale_toml_configures_redaction() {
    let dir = tempfile::tempdir().unwrap();
    let text = "order ORD-7781-XK failed for ci-bot@example.com; \
                vault unsealed with chip-rebar-9911; \
                token=tok_known_public_fixture; api_token=Zq8rT2mX9vLp4sNw7Hb3";
    std::fs::write(
        dir.path().join("results.xml"),
        format!(
            "<testsuite name='s'><testcase classname='c' name='t'>\
             <failure message='boom'>{text}</failure></testcase></testsuite>"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("failtale.toml"),
        r#"
[sanitize]
exact_values = ["chip-rebar-9911"]
disable = ["email"]
allow = [{ value = "tok_known_public_fixture" }]

[[sanitize.extra_rules]]
name = "order_id"
pattern = 'ORD-\d{4}-[A-Z]{2}'
anchors = ["ORD-"]
"#,
    )
    .unwrap();
    let run = |config: Option<&str>| {
        let out = dir.path().join(config.map_or("plain", |_| "configured"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-failtale"));
        cmd.current_dir(dir.path())
            .args(["analyze", "--offline", "--no-history", "--out"])
            .arg(&out)
            .arg("results.xml")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        if let Some(c) = config {
            cmd.args(["--config", c]);
        } else {
            // Without a config file the built-in defaults apply.
            std::fs::rename(
                dir.path().join("failtale.toml"),
                dir.path().join("off.toml"),
            )
            .unwrap();
        }
        let output = cmd.output().unwrap();
        if config.is_none() {
            std::fs::rename(
                dir.path().join("off.toml"),
                dir.path().join("failtale.toml"),
            )
            .unwrap();
        }
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read_to_string(out.join("report.json")).unwrap()
    };
    let configured = run(Some("failtale.toml"));
    assert!(
        !configured.contains("ORD-7781-XK"),
        "extra rule: {configured}"
    );
    assert!(configured.contains("[REDACTED:order_id#1]"), "{configured}");
    assert!(!configured.contains("chip-rebar-9911"), "exact value");
    assert!(
        configured.contains("[REDACTED:exact_value#1]"),
        "{configured}"
    );
    assert!(
        configured.contains("ci-bot@example.com"),
        "email rule switched off"
    );
    assert!(
        configured.contains("tok_known_public_fixture"),
        "allowed value kept"
    );
    assert!(
        !configured.contains("Zq8rT2mX9vLp4sNw7Hb3"),
        "built-in rules still on"
    );

    // The same input with no configuration: the defaults differ on each point.
    let plain = run(None);
    assert!(plain.contains("ORD-7781-XK"));
    assert!(plain.contains("chip-rebar-9911"));
    assert!(!plain.contains("ci-bot@example.com"));
    assert!(!plain.contains("Zq8rT2mX9vLp4sNw7Hb3"));

    // A bad pattern is a configuration error that names the file.
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[sanitize.extra_rules]]\nname = \"x\"\npattern = \"(unclosed\"\n",
    )
    .unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_cargo-failtale"))
        .current_dir(dir.path())
        .args([
            "analyze",
            "--offline",
            "--no-history",
            "--config",
            "bad.toml",
            "results.xml",
        ])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("bad.toml") && stderr.contains("[sanitize]"),
        "{stderr}"
    );
}
