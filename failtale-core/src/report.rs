//! `report.json`: the versioned, machine-readable contract.
//!
//! See `docs/report-json.md` for the schema and the counting rule. Later
//! versions only add fields; a change that removes or renames one bumps
//! [`SCHEMA_VERSION`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Analysis, Evidence, Format, SignatureComponent, Summary};
use crate::pipeline::PipelineOutput;
use crate::sanitize::Sanitized;

/// Version of the `report.json` schema written by this release.
pub const SCHEMA_VERSION: u32 = 1;

/// The top-level document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA_VERSION`] when written by this release.
    pub schema_version: u32,
    /// Counts, each test once by outcome precedence.
    pub summary: Summary,
    /// Per-input status.
    pub inputs: Vec<ReportInput>,
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
    /// The whole failure message (message and body).
    pub message: String,
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
    /// Its whole failure text, sanitized like every text in the report.
    pub text: String,
}

impl Report {
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

    fn build(out: &PipelineOutput) -> Self {
        let run = out.run.get();
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
                    message: primary.map(|f| f.full_text()).unwrap_or_default(),
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
                        text: case
                            .primary_failure()
                            .map(|f| f.full_text())
                            .unwrap_or_default(),
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
            failures,
            clusters,
            redactions: out.redactions.clone(),
            history: None,
        }
    }
}
