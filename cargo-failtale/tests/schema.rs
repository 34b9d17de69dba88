//! report.json as the binary writes it validates against
//! docs/report.schema.json, which is strict: a field the schema does not
//! document fails this test, so the schema cannot fall behind the output.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/report.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema())
        .expect("the schema itself is valid")
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

const CONFIG: &str = r#"
[components.app]
description = "the application"
[[components.app.collectors]]
kind = "command"
description = "uname"
argv = ["uname", "-s"]
[[components.app.collectors]]
kind = "file"
description = "missing log"
path = "no-such.log"
tail = 10

[[select]]
components = ["app"]
"#;

fn analyze(dir: &Path) -> Value {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/results");
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-failtale"))
        .current_dir(dir)
        .args([
            "analyze",
            "--offline",
            "--out",
            "out",
            "--config",
            "failtale.toml",
        ])
        .args(["--commit", "0123456789abcdef", "--branch", "main"])
        .arg(&examples)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&std::fs::read(dir.join("out/report.json")).unwrap()).unwrap()
}

#[test]
fn real_reports_validate_against_the_strict_schema() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("failtale.toml"), CONFIG).unwrap();
    let v = validator();
    let first = analyze(dir.path());
    let second = analyze(dir.path());
    for (name, report) in [("first run", &first), ("second run", &second)] {
        let e = errors(&v, report);
        assert!(
            e.is_empty(),
            "{name}: report.json does not match the schema:\n{}",
            e.join("\n")
        );
    }
    // The reports exercise the optional parts the schema describes.
    let c = &second["clusters"][0];
    assert!(c["analysis"].is_object() && c["representative"].is_object());
    assert!(
        c["evidence"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["provenance"]["error"].is_string())),
        "a failed collector is in the report: {c:#}"
    );
    let h = &second["history"];
    assert_eq!(h["commit"], "0123456789abcdef");
    assert!(h["clusters"][0]["last_seen"].is_string(), "{h:#}");
    assert!(!second["failures"].as_array().unwrap().is_empty());
}

#[test]
fn the_schema_rejects_undocumented_fields_and_wrong_types() {
    let v = validator();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("failtale.toml"), "").unwrap();
    let report = analyze(dir.path());
    assert!(errors(&v, &report).is_empty());

    let mut extra = report.clone();
    extra["clusters"][0]["undocumented"] = json!(1);
    let e = errors(&v, &extra);
    assert!(
        e.iter()
            .any(|e| e.contains("/clusters/0") && e.contains("undocumented")),
        "{e:?}"
    );

    let mut wrong = report.clone();
    wrong["summary"]["tests"] = json!("many");
    assert!(
        errors(&v, &wrong)
            .iter()
            .any(|e| e.contains("/summary/tests"))
    );

    let mut category = report;
    category["clusters"][0]["analysis"]["category"] = json!("cosmic-rays");
    assert!(!errors(&v, &category).is_empty());
}
