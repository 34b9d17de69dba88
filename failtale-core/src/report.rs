//! `report.json`: the versioned, machine-readable contract.
//!
//! See `docs/report-json.md` for the schema and the counting rule. Later
//! versions only add fields; a change that removes or renames one bumps
//! [`SCHEMA_VERSION`].

use serde::{Deserialize, Serialize};

use crate::model::{Analysis, Evidence, Format, SignatureComponent, Summary};
use crate::pipeline::PipelineOutput;

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
    /// Evidence collected for the cluster.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// The analysis, or null.
    pub analysis: Option<Analysis>,
    /// Why analysis failed, or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis_error: Option<String>,
}

impl Report {
    /// Builds the report from a pipeline's output.
    pub fn from_output(out: &PipelineOutput) -> Self {
        let run = &out.run;
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
            history: None,
        }
    }
}
