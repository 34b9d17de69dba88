//! The enriched `junit.xml` as an [`Output`]: the input results written
//! back as JUnit, each failing test carrying its cluster, fingerprint,
//! analysis and flake probability, so the JUnit viewers CI systems already
//! have show them.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use failtale_core::analyze::{category_name, severity_name};
use failtale_core::output::{Finished, Output, OutputError, write_atomically};
use failtale_core::pipeline::PipelineOutput;
use failtale_core::report::Report;

use failtale_core::model::Property;

use crate::writer::{CaseEnrichment, Enrichment, keys, write_junit};

/// `junit.xml`, streamed a test case at a time into a file written
/// atomically. Writes nothing when there is no run (a saved report shown again).
#[derive(Debug, Clone)]
pub struct EnrichedJunit {
    path: PathBuf,
    dropped_attributes: Vec<String>,
}

impl EnrichedJunit {
    /// Writes `dir/junit.xml`.
    pub fn in_dir(dir: &Path) -> Self {
        EnrichedJunit {
            path: dir.join("junit.xml"),
            dropped_attributes: Vec::new(),
        }
    }

    /// Attribute names from the input left out of the last file written,
    /// because XML cannot carry them.
    pub fn dropped_attributes(&self) -> &[String] {
        &self.dropped_attributes
    }
}

impl Output for EnrichedJunit {
    fn name(&self) -> &str {
        "junit.xml"
    }

    fn concurrent(&mut self) -> Option<&mut (dyn Output + Send)> {
        Some(self)
    }

    fn finish(&mut self, done: &Finished<'_>) -> Result<Vec<PathBuf>, OutputError> {
        let Some(output) = done.output else {
            return Ok(Vec::new());
        };
        let enrich = enrichment(output, done.report);
        let mut dropped = Vec::new();
        write_atomically(&self.path, &mut |w| {
            let written = write_junit(&output.run, &enrich, w).map_err(std::io::Error::other)?;
            dropped = written.dropped_attributes;
            Ok(())
        })?;
        self.dropped_attributes = dropped;
        Ok(vec![self.path.clone()])
    }
}

/// What `junit.xml` adds to the input results: each failing test's cluster,
/// fingerprint, analysis and flake probability as `failtale.*` properties and
/// as a readable block at the end of its system-err. Text comes from the
/// sanitized run and report.
pub fn enrichment(output: &PipelineOutput, report: &Report) -> Enrichment {
    let mut enrich = Enrichment::default();
    let flake: HashMap<&str, f64> = report
        .history
        .iter()
        .flat_map(|h| &h.failures)
        .map(|f| (f.test.as_str(), f.flake_probability))
        .collect();
    for c in &output.clusters {
        let size = c.cluster.tests.len();
        // What every member shares is made, and held, once per cluster.
        let mut shared = CaseEnrichment::default();
        let mut add = |name: &str, value: &str| {
            shared.properties.push(Property::new(name, value));
        };
        add(keys::CLUSTER, c.cluster.id.as_str());
        let mut block = format!(
            "cluster {} ({size} test{}), fingerprint {}\n",
            c.cluster.id,
            if size == 1 { "" } else { "s" },
            c.cluster.fingerprint.hash
        );
        if let Some(a) = &c.analysis {
            add(keys::CATEGORY, category_name(a.category));
            add(keys::SEVERITY, severity_name(a.severity));
            add(keys::ROOT_CAUSE, a.root_cause.as_str());
            add(keys::FIX, a.fix_suggestion.as_str());
            add(keys::CONFIDENCE, &format!("{:.2}", a.confidence));
            let _ = write!(
                block,
                "{} · {} · confidence {:.0}% ({})\nroot cause: {}\nfix: {}\n",
                category_name(a.category),
                severity_name(a.severity),
                a.confidence * 100.0,
                a.analyzer,
                a.root_cause,
                a.fix_suggestion
            );
        }
        add(keys::FINGERPRINT, c.cluster.fingerprint.hash.as_str());
        shared.stderr_block = Some(block);
        let shared = Arc::new(shared);
        for &case in &c.cluster.case_indices {
            enrich.share(case, Arc::clone(&shared));
            if flake.is_empty() {
                continue;
            }
            let key = output.run.cases.get(case).map(|t| t.id.key());
            if let Some(p) = key.as_deref().and_then(|k| flake.get(k)) {
                let p = format!("{p:.2}");
                enrich.set_stderr_block(case, format!("flake probability: {p}\n"));
                enrich.add_property(case, keys::FLAKE_PROBABILITY, p);
            }
        }
    }
    enrich
}
