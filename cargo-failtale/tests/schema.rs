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

/// Whatever the input, report.json validates: every fixture of the readers,
/// mutated by flips, cuts and inserted fragments (broken markup, invalid
/// attribute names, control characters, secrets), goes through the whole
/// pipeline and its report is checked against the schema.
mod mutated {
    use super::*;
    use proptest::prelude::*;

    fn fixtures() -> Vec<Vec<u8>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../junit-ingest/tests/fixtures");
        let mut files = Vec::new();
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p
                    .extension()
                    .is_some_and(|x| x == "xml" || x == "json" || x == "jsonl")
                {
                    files.push(p);
                }
            }
        }
        files.sort();
        assert!(files.len() > 10, "{} fixtures", files.len());
        files.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }

    const FRAGMENTS: &[&[u8]] = &[
        b"<",
        b"</testcase>",
        b"<testcase name=\"n&#10;::error::x\"><failure message=\"DB_PASSWORD=hunter2secret\">",
        b" 0errors=\"1\" xsi:type=\"t\" a\"b=\"c\"",
        b"&#0;&bogus;&#x110000;",
        b"\xff\xfe\x00\x1b[31m",
        b"{\"type\":\"test\",\"event\":\"failed\",\"name\":\"x\",\"stdout\":\"panicked at src/a.rs:1:1:\\n",
    ];

    fn mutate(mut bytes: Vec<u8>, ops: &[(u8, usize, usize)]) -> Vec<u8> {
        for &(op, at, arg) in ops {
            let len = bytes.len();
            match op % 3 {
                0 if len > 0 => bytes[at % len] ^= (arg as u8) | 1,
                1 => bytes.truncate(len - (arg % 64).min(len)),
                _ => {
                    let at = at % (len + 1);
                    let f = FRAGMENTS[arg % FRAGMENTS.len()];
                    bytes.splice(at..at, f.iter().copied());
                }
            }
        }
        bytes
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn report_json_of_any_mutated_input_validates(
            index in any::<usize>(),
            ops in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..6),
        ) {
            let files = fixtures();
            let input = mutate(files[index % files.len()].clone(), &ops);
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("results.xml");
            std::fs::write(&path, &input).unwrap();
            let pipeline = failtale_core::Pipeline::new(Box::new(junit_ingest::AutoIngest::default()));
            let inputs = failtale_core::input::discover(&[path]).unwrap();
            let ingested = pipeline.ingest(&inputs);
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let output = rt.block_on(pipeline.process(ingested));
            let report = failtale_core::report::Report::from_output(&output);
            let value = serde_json::to_value(&*report).unwrap();
            let errs = errors(&validator(), &value);
            prop_assert!(errs.is_empty(), "{errs:?}");
            let text = serde_json::to_string(&value).unwrap();
            // A later bit flip can turn `DB_PASSWORD=` into another word, and
            // then nothing marks what follows as a secret; the planted
            // secret must go wherever it is still written as one.
            let planted = b"DB_PASSWORD=hunter2secret";
            let still_marked = input.windows(planted.len()).any(|w| w == planted);
            let mangled = input
                .windows(b"hunter2secret".len())
                .filter(|w| *w == b"hunter2secret")
                .count()
                > input.windows(planted.len()).filter(|w| *w == planted).count();
            if still_marked && !mangled {
                prop_assert!(!text.contains("hunter2secret"), "a secret reached report.json");
            }
        }
    }
}
