//! `report.json`: the versioned, machine-readable contract.
//!
//! See `docs/report-json.md` for the schema and the counting rule. Later
//! versions only add fields; a change that removes or renames one bumps
//! [`SCHEMA_VERSION`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Analysis, Evidence, Failure, Format, SignatureComponent, Summary};
use crate::pipeline::PipelineOutput;
use crate::sanitize::{Redactions, Sanitized};
use crate::stage::Sanitize;

/// Version of the `report.json` schema written by this release.
pub const SCHEMA_VERSION: u32 = 2;

/// The top-level document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA_VERSION`] when written by this release.
    pub schema_version: u32,
    /// Counts, each test once by outcome precedence.
    pub summary: Summary,
    /// Per-input status.
    pub inputs: Vec<ReportInput>,
    /// Every distinct failure text, once: failures and representatives name
    /// theirs by index ([`Report::text`]), so a message shared by 400 tests
    /// is written once.
    #[serde(default)]
    pub texts: Vec<std::sync::Arc<str>>,
    /// Every failing test (failed or errored), in run order.
    pub failures: Vec<ReportFailure>,
    /// Clusters, largest first.
    pub clusters: Vec<ReportCluster>,
    /// Secrets and personal data redacted before anything was written, by
    /// kind (`github_token`, `password`, `email`, …); every occurrence counts.
    /// Empty when nothing was redacted. The values are never stored.
    #[serde(default)]
    pub redactions: BTreeMap<String, usize>,
    /// What the history store says about this run (absent when history is off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<crate::history::annotate::HistoryReport>,
}

impl ReportCluster {
    /// The failure's headline, as people read it: the exception or panic
    /// kind and the first line of its message (`ConnectionError: [Errno 111]
    /// connection refused`), parsed from the representative failure text, or
    /// from `failures`' entry for the cluster's first test. `None` when there
    /// is no text.
    pub fn failure_headline(&self, report: &Report) -> Option<String> {
        let text = report.cluster_text(self)?;
        let parsed = crate::fingerprint::parse(text, None, None);
        let first = parsed
            .message
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty());
        match first {
            Some(line) if parsed.kind.is_empty() || line.starts_with(parsed.kind.as_str()) => {
                Some(line.to_owned())
            }
            Some(line) => Some(format!("{}: {line}", parsed.kind)),
            None => text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(str::to_owned),
        }
    }
}

/// One input file's status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    /// Path as given.
    pub path: String,
    /// `junit`, `libtest-json`, or null when unrecognised.
    pub format: Option<Format>,
    /// Producing tool, best guess.
    pub producer: Option<String>,
    /// Test cases read from it.
    pub tests: usize,
    /// Why reading stopped, or null.
    pub error: Option<String>,
    /// Non-fatal problems, each with its position when known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One failing test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportFailure {
    /// Test key, as in `clusters[].tests`.
    pub test: String,
    /// Innermost suite name.
    pub suite: Option<String>,
    /// Source file, when known.
    pub file: Option<String>,
    /// Source line, when known.
    pub line: Option<u32>,
    /// `failure` or `error`.
    pub kind: String,
    /// Index into [`Report::texts`] of the whole failure text (message and
    /// body); [`Report::failure_text`] reads it.
    pub text: usize,
    /// Number of attempts (more than 1 when retried).
    pub attempts: usize,
}

/// One cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportCluster {
    /// `c1`, `c2`, … largest first.
    pub id: String,
    /// Fingerprint hash.
    pub fingerprint: String,
    /// What went into the fingerprint ("why grouped").
    pub signature: Vec<SignatureComponent>,
    /// Member test keys.
    pub tests: Vec<String>,
    /// Failing attempts across members.
    pub occurrences: usize,
    /// True when most failing tests share one environment problem and this cluster holds them.
    #[serde(default)]
    pub mass_failure: bool,
    /// A short label, such as the environment problem of a mass failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Every exact fingerprint merged into the cluster, largest group first.
    #[serde(default)]
    pub merged_from: Vec<String>,
    /// The member that represents the cluster, with its (sanitized) failure text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representative: Option<ReportRepresentative>,
    /// Evidence collected for the cluster.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// The analysis, or null.
    pub analysis: Option<Analysis>,
    /// Why analysis failed, or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis_error: Option<String>,
}

/// The failure that represents a cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportRepresentative {
    /// Test key, as in `clusters[].tests`.
    pub test: String,
    /// Index into [`Report::texts`] of its whole failure text, sanitized
    /// like every text in the report.
    pub text: usize,
}

/// Why a saved `report.json` cannot be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportLoadError {
    /// The file cannot be read.
    #[error("cannot read the report")]
    Read(#[source] std::io::Error),
    /// The text is not JSON.
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected (sanitized).
        message: String,
    },
    /// The JSON has no `schema_version`: not a failtale report.
    #[error("not a failtale report: it has no numeric `schema_version` at the top level")]
    NotAReport,
    /// Written by a newer failtale whose schema this release cannot read.
    #[error(
        "the report has schema version {found}, written by a newer failtale; this failtale ({reader}) reads schema versions up to {supported}: install a failtale release that writes schema {found} or later"
    )]
    NewerSchema {
        /// The report's `schema_version`.
        found: u64,
        /// [`SCHEMA_VERSION`].
        supported: u32,
        /// This crate's version.
        reader: &'static str,
    },
    /// A failure or representative names a text past the end of `texts`.
    #[error("not a valid report: {at} names text {index}, but `texts` has {len}")]
    Reference {
        /// Where (`failures[3].text`, `clusters[0].representative.text`).
        at: String,
        /// The index it names.
        index: usize,
        /// How many texts there are.
        len: usize,
    },
    /// The JSON does not have the shape of a report.
    #[error("not a valid report at line {line}, column {column}: {message}")]
    Shape {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong (sanitized).
        message: String,
    },
}

impl Report {
    /// Loads a saved `report.json`, passing **every string in it** (object
    /// keys too) through `sanitizer` before it becomes a [`Report`]: a report
    /// edited by hand, or written by a release with weaker rules, cannot bring
    /// a secret to the terminal or to the documents rendered from it. What is
    /// redacted now is added to the report's `redactions` counts and recorded
    /// in `redactions`.
    ///
    /// The `schema_version` is checked before the shape: a newer one is an
    /// error naming both versions. Errors carry the line and column in the
    /// input, and their messages are sanitized too.
    pub fn load_sanitized(
        mut reader: impl std::io::Read,
        sanitizer: &dyn Sanitize,
        redactions: &mut Redactions,
    ) -> Result<Sanitized<Report>, ReportLoadError> {
        let mut text = String::new();
        reader
            .read_to_string(&mut text)
            .map_err(ReportLoadError::Read)?;
        let clean_message = |e: &serde_json::Error, redactions: &mut Redactions| {
            // serde_json quotes offending values in its messages; drop its own
            // position suffix (we report line and column separately).
            let full = e.to_string();
            let message = match full.rfind(" at line ") {
                Some(i) => &full[..i],
                None => &full,
            };
            sanitizer.sanitize(message, redactions).into_owned()
        };
        let mut value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| ReportLoadError::Syntax {
                line: e.line(),
                column: e.column(),
                message: clean_message(&e, redactions),
            })?;
        let version = value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
            .ok_or(ReportLoadError::NotAReport)?;
        if version > u64::from(SCHEMA_VERSION) {
            return Err(ReportLoadError::NewerSchema {
                found: version,
                supported: SCHEMA_VERSION,
                reader: env!("CARGO_PKG_VERSION"),
            });
        }
        if version < 2 {
            upgrade_texts(&mut value);
        }
        let before = redactions.counts().clone();
        sanitize_json(&mut value, None, sanitizer, redactions);
        let mut report: Report = match serde_json::from_value(value) {
            Ok(r) => r,
            Err(e) if version < 2 => {
                // The upgraded value has no position in the text read.
                return Err(ReportLoadError::Shape {
                    line: 0,
                    column: 0,
                    message: clean_message(&e, redactions),
                });
            }
            Err(_) => {
                // Parse the original text again for the position of the problem.
                let e = serde_json::from_str::<Report>(&text)
                    .err()
                    .unwrap_or_else(|| serde_json::Error::io(std::io::Error::other("invalid")));
                return Err(ReportLoadError::Shape {
                    line: e.line(),
                    column: e.column(),
                    message: clean_message(&e, redactions),
                });
            }
        };
        report.check_texts()?;
        for (kind, n) in redactions.counts() {
            let new = n - before.get(kind).copied().unwrap_or(0);
            if new > 0 {
                *report.redactions.entry(kind.clone()).or_insert(0) += new;
            }
        }
        Ok(Sanitized::assume_sanitized(report))
    }

    /// Builds the report from a pipeline's output. The report is as sanitized
    /// as the output it is made from, and says so in its type.
    pub fn from_output(out: &PipelineOutput) -> Sanitized<Report> {
        out.run.map(|_| Self::build(out))
    }

    /// [`Report::from_output`] with what the history store said about the
    /// run. The history report holds only what was recorded from this and
    /// earlier sanitized runs (test keys, fingerprints, commits) and text
    /// failtale writes itself (grades, reasons).
    pub fn from_output_with_history(
        out: &PipelineOutput,
        history: Option<crate::history::annotate::HistoryReport>,
    ) -> Sanitized<Report> {
        out.run.map(|_| Report {
            history,
            ..Self::build(out)
        })
    }

    /// The text at `index` of [`Report::texts`]; empty when there is none.
    pub fn text(&self, index: usize) -> &str {
        self.texts.get(index).map_or("", |t| t)
    }

    /// A failure's whole text.
    pub fn failure_text(&self, failure: &ReportFailure) -> &str {
        self.text(failure.text)
    }

    /// The failure text that stands for a cluster: its representative's, or
    /// that of the cluster's first test in `failures`. `None` when there is
    /// neither.
    pub fn cluster_text(&self, cluster: &ReportCluster) -> Option<&str> {
        match &cluster.representative {
            Some(r) => Some(self.text(r.text)),
            None => {
                let first = cluster.tests.first()?;
                let f = self.failures.iter().find(|f| &f.test == first)?;
                Some(self.failure_text(f))
            }
        }
    }

    /// Checks that every index into [`Report::texts`] names a text.
    fn check_texts(&self) -> Result<(), ReportLoadError> {
        let len = self.texts.len();
        let bad = |at: String, index: usize| ReportLoadError::Reference { at, index, len };
        for (i, f) in self.failures.iter().enumerate() {
            if f.text >= len {
                return Err(bad(format!("failures[{i}].text"), f.text));
            }
        }
        for (i, c) in self.clusters.iter().enumerate() {
            if let Some(r) = c.representative.as_ref().filter(|r| r.text >= len) {
                return Err(bad(format!("clusters[{i}].representative.text"), r.text));
            }
        }
        Ok(())
    }

    fn build(out: &PipelineOutput) -> Self {
        let run = out.run.get();
        let mut texts = Texts::default();
        let inputs = run
            .inputs
            .iter()
            .map(|i| ReportInput {
                path: i.path.clone(),
                format: i.format,
                producer: i.producer.clone(),
                tests: i.tests,
                error: i.error.clone(),
                warnings: i.warnings.iter().map(ToString::to_string).collect(),
            })
            .collect();
        let failures = run
            .failing()
            .map(|c| {
                let primary = c.primary_failure();
                ReportFailure {
                    test: c.id.key(),
                    suite: c.id.suite_name().map(str::to_owned),
                    file: c
                        .file
                        .clone()
                        .or_else(|| primary.and_then(|f| f.file.clone())),
                    line: c.line.or_else(|| primary.and_then(|f| f.line)),
                    kind: if c.outcome == crate::model::Outcome::Error {
                        "error"
                    } else {
                        "failure"
                    }
                    .into(),
                    text: texts.add(primary.map_or_else(|| "".into(), Failure::full_text_shared)),
                    attempts: c.attempt_count(),
                }
            })
            .collect();
        let clusters = out
            .clusters
            .iter()
            .map(|c| ReportCluster {
                id: c.cluster.id.clone(),
                fingerprint: c.cluster.fingerprint.hash.clone(),
                signature: c.cluster.fingerprint.components.clone(),
                tests: c.cluster.tests.clone(),
                occurrences: c.cluster.occurrences,
                mass_failure: c.cluster.mass_failure,
                label: c.cluster.label.clone(),
                merged_from: c.cluster.merged_from.clone(),
                representative: run.cases.get(c.cluster.representative).map(|case| {
                    ReportRepresentative {
                        test: case.id.key(),
                        text: texts.add(
                            case.primary_failure()
                                .map_or_else(|| "".into(), Failure::full_text_shared),
                        ),
                    }
                }),
                evidence: c.evidence.clone(),
                analysis: c.analysis.clone(),
                analysis_error: c.analysis_error.clone(),
            })
            .collect();
        Report {
            schema_version: SCHEMA_VERSION,
            summary: run.summary(),
            inputs,
            texts: texts.texts,
            failures,
            clusters,
            redactions: out.redactions.clone(),
            history: None,
        }
    }
}

/// The distinct texts of a report, in order of first use.
#[derive(Default)]
struct Texts {
    texts: Vec<std::sync::Arc<str>>,
    /// Indices of the texts by hash (a text is stored once, here and in `texts`).
    by_hash: std::collections::HashMap<u64, Vec<usize>>,
}

impl Texts {
    fn add(&mut self, text: impl Into<std::sync::Arc<str>>) -> usize {
        let text = text.into();
        let hash = text_hash(&text);
        let slot = self.by_hash.entry(hash).or_default();
        if let Some(&i) = slot.iter().find(|&&i| self.texts[i] == text) {
            return i;
        }
        slot.push(self.texts.len());
        self.texts.push(text);
        self.texts.len() - 1
    }
}

fn text_hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// Moves a schema-1 report's inline texts (`failures[].message`,
/// `clusters[].representative.text`) into a `texts` table, as schema 2 has them.
fn upgrade_texts(value: &mut serde_json::Value) {
    use serde_json::Value;
    let mut texts = Texts::default();
    let mut index = |v: Option<Value>| match v {
        Some(Value::String(s)) => Value::from(texts.add(s)),
        Some(other) => other,
        None => Value::from(texts.add(String::new())),
    };
    if let Some(Value::Array(failures)) = value.get_mut("failures") {
        for f in failures.iter_mut().filter_map(Value::as_object_mut) {
            let text = index(f.remove("message"));
            f.insert("text".into(), text);
        }
    }
    if let Some(Value::Array(clusters)) = value.get_mut("clusters") {
        for c in clusters.iter_mut() {
            if let Some(r) = c.get_mut("representative").and_then(Value::as_object_mut) {
                let text = index(r.remove("text"));
                r.insert("text".into(), text);
            }
        }
    }
    if let Some(top) = value.as_object_mut() {
        top.insert(
            "texts".into(),
            Value::from(
                texts
                    .texts
                    .iter()
                    .map(|t| Value::from(&**t))
                    .collect::<Vec<_>>(),
            ),
        );
        top.insert("schema_version".into(), Value::from(SCHEMA_VERSION));
    }
}

/// Sanitizes every string of a JSON value in place: object keys, and values
/// with the key they are under as context (`"password": "…"`).
fn sanitize_json(
    value: &mut serde_json::Value,
    key: Option<&str>,
    sanitizer: &dyn Sanitize,
    redactions: &mut Redactions,
) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            let clean = match key {
                Some(k) => sanitizer.sanitize_field(k, s, redactions),
                None => sanitizer.sanitize(s, redactions),
            };
            if let std::borrow::Cow::Owned(c) = clean {
                *s = c;
            }
        }
        Value::Array(items) => {
            for item in items {
                sanitize_json(item, None, sanitizer, redactions);
            }
        }
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (k, mut v) in entries {
                let k = sanitizer.sanitize(&k, redactions).into_owned();
                sanitize_json(&mut v, Some(&k), sanitizer, redactions);
                map.insert(k, v);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Severity};
    use crate::sanitize::{RuleSanitizer, SanitizeConfig};

    const TOKEN: &str = concat!("ghp_", "16C7e42F292c6912E7710c838347Ae178B4a");

    fn sample() -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            summary: Summary::default(),
            inputs: vec![ReportInput {
                path: "results.xml".into(),
                format: Some(Format::Junit),
                producer: None,
                tests: 1,
                error: None,
                warnings: Vec::new(),
            }],
            texts: vec!["boom".into()],
            failures: vec![ReportFailure {
                test: "a::b".into(),
                suite: None,
                file: Some("src/a.rs".into()),
                line: Some(3),
                kind: "failure".into(),
                text: 0,
                attempts: 1,
            }],
            clusters: vec![ReportCluster {
                id: "c1".into(),
                fingerprint: "abc".into(),
                signature: vec![SignatureComponent::new("kind", "panic")],
                tests: vec!["a::b".into()],
                occurrences: 1,
                mass_failure: false,
                label: None,
                merged_from: Vec::new(),
                representative: None,
                evidence: Vec::new(),
                analysis: Some(Analysis {
                    root_cause: "the cause".into(),
                    category: Category::Panic,
                    severity: Severity::High,
                    fix_suggestion: "the fix".into(),
                    confidence: 0.5,
                    evidence: Vec::new(),
                    analyzer: "rules".into(),
                    critic_override: false,
                    grounded: true,
                    fallback_reason: None,
                }),
                analysis_error: None,
            }],
            redactions: BTreeMap::new(),
            history: None,
        }
    }

    fn load(text: &str) -> Result<Sanitized<Report>, ReportLoadError> {
        let sanitizer = RuleSanitizer::with_env(&SanitizeConfig::default(), std::iter::empty())
            .expect("default rules compile");
        Report::load_sanitized(text.as_bytes(), &sanitizer, &mut Redactions::new())
    }

    #[test]
    fn a_saved_report_loads_back_unchanged() {
        let r = sample();
        let text = serde_json::to_string_pretty(&r).unwrap();
        assert_eq!(load(&text).unwrap().get(), &r);
    }

    #[test]
    fn a_secret_edited_into_any_string_is_redacted_and_counted() {
        let mut r = sample();
        r.clusters[0].analysis.as_mut().unwrap().root_cause = format!("token {TOKEN} leaked");
        r.texts[0] = format!("Authorization: Bearer {TOKEN}").into();
        r.redactions.insert(TOKEN.to_owned(), 1);
        let text = serde_json::to_string(&r).unwrap();
        let loaded = load(&text).unwrap();
        let json = serde_json::to_string(loaded.get()).unwrap();
        assert!(!json.contains(TOKEN), "{json}");
        assert!(json.contains("[REDACTED:"), "{json}");
        let counted: usize = loaded.redactions.values().sum();
        assert!(counted >= 3, "{:?}", loaded.redactions);
    }

    #[test]
    fn newer_schema_says_which_versions() {
        let mut v = serde_json::to_value(sample()).unwrap();
        v["schema_version"] = 7.into();
        // A newer schema may have another shape: the version is checked first.
        v["clusters"] = "renamed".into();
        let e = load(&v.to_string()).unwrap_err();
        assert!(matches!(e, ReportLoadError::NewerSchema { found: 7, .. }));
        let m = e.to_string();
        assert!(
            m.contains("schema version 7") && m.contains("up to 2"),
            "{m}"
        );
    }

    #[test]
    fn a_schema_1_report_loads_with_its_texts_in_the_table() {
        let mut v = serde_json::to_value(sample()).unwrap();
        v["schema_version"] = 1.into();
        v.as_object_mut().unwrap().remove("texts");
        let failure = v["failures"][0].as_object_mut().unwrap();
        failure.remove("text");
        failure.insert("message".into(), "boom".into());
        v["clusters"][0]["representative"] =
            serde_json::json!({"test": "a::b", "text": "other text"});
        let loaded = load(&v.to_string()).unwrap();
        let r = loaded.get();
        assert_eq!(r.schema_version, SCHEMA_VERSION);
        assert_eq!(r.failure_text(&r.failures[0]), "boom");
        assert_eq!(r.cluster_text(&r.clusters[0]), Some("other text"));
        assert_eq!(r.texts.len(), 2);
    }

    #[test]
    fn a_failure_text_is_stored_once_and_a_bad_index_is_refused() {
        let mut t = Texts::default();
        let a = t.add("same");
        let b = t.add("other");
        assert_eq!((t.add("same"), a), (0, 0));
        assert_eq!((b, t.texts.len()), (1, 2));
        let mut v = serde_json::to_value(sample()).unwrap();
        v["failures"][0]["text"] = 5.into();
        let e = load(&v.to_string()).unwrap_err();
        assert!(
            matches!(
                e,
                ReportLoadError::Reference {
                    index: 5,
                    len: 1,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("failures[0].text"), "{e}");
    }

    #[test]
    fn garbage_is_an_error_with_line_and_column_and_no_secret() {
        let e = load("{\n  \"schema_version\": 1,\n  oops\n}").unwrap_err();
        assert!(
            matches!(
                e,
                ReportLoadError::Syntax {
                    line: 3,
                    column: 3,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(matches!(
            load("[1, 2]").unwrap_err(),
            ReportLoadError::NotAReport
        ));
        // A wrong type quoting a secret: position kept, secret gone.
        let mut v = serde_json::to_value(sample()).unwrap();
        v["failures"][0]["line"] = TOKEN.into();
        let text = serde_json::to_string_pretty(&v).unwrap();
        let e = load(&text).unwrap_err();
        let ReportLoadError::Shape { line, .. } = &e else {
            panic!("{e:?}")
        };
        let expected = text.lines().position(|l| l.contains(TOKEN)).unwrap() + 1;
        assert_eq!(*line, expected);
        assert!(!e.to_string().contains(TOKEN), "{e}");
    }
}
