//! # failtale
//!
//! failtale for embedders: one dependency with the contract
//! ([`failtale_core`]: the model, the stage and output traits, the
//! [`Pipeline`]) and every built-in implementation — the readers
//! ([`junit_ingest`]), the SQLite history store ([`failtale_history`]),
//! the configured collectors ([`failtale_collect`]), the LLM analyzer
//! ([`failtale_llm`]) and the documents and terminal outputs
//! ([`report_templates`]).
//!
//! [`pipeline`] builds the pipeline `cargo failtale analyze` runs, with the
//! built-in defaults, and [`outputs`] the files it writes.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::path::Path;
//! let dir = Path::new("target/failtale");
//! let pipeline = failtale::pipeline()
//!     .with_history(failtale::open_history(&dir.join("history.db"))?, Default::default(), None);
//! let inputs = failtale::core::input::discover(&["target/nextest".into()])?;
//! let mut files = failtale::outputs(dir);
//! let finish = pipeline.run_to(&inputs, &mut files.as_dyn()).await;
//! println!("{} root causes", finish.report.clusters.len());
//! # Ok(()) }
//! ```
//!
//! MSRV: Rust 1.88.

use std::path::Path;
use std::sync::Arc;

pub use failtale_collect as collect;
pub use failtale_core as core;
pub use failtale_core::output::{Finished, Output, OutputError, ReportJson};
pub use failtale_core::pipeline::{Finish, PipelineOutput};
pub use failtale_core::{Pipeline, Sanitized};
pub use failtale_history as history;
pub use failtale_llm as llm;
pub use junit_ingest;
pub use junit_ingest::{AutoIngest, EnrichedJunit};
pub use report_templates;
pub use report_templates::{
    GithubAnnotations, HtmlReport, MarkdownSummary, SharedWrite, TerminalSummary,
};

/// The pipeline with the built-in stages: every reader ([`AutoIngest`]),
/// the built-in redaction rules, structured fingerprints, the offline rules.
pub fn pipeline() -> Pipeline {
    Pipeline::new(Box::new(AutoIngest::default()))
}

/// Opens (creating it when missing) the SQLite history store at `path`.
pub fn open_history(
    path: &Path,
) -> Result<Arc<dyn failtale_core::history::HistoryStore>, failtale_core::history::HistoryError> {
    Ok(Arc::new(failtale_history::SqliteStore::open(path)?))
}

/// The files `cargo failtale analyze` writes into a directory.
#[derive(Debug)]
pub struct Files {
    /// report.json.
    pub json: ReportJson,
    /// report.html.
    pub html: HtmlReport,
    /// summary.md.
    pub markdown: MarkdownSummary,
    /// junit.xml, enriched.
    pub junit: EnrichedJunit,
}

impl Files {
    /// All four, as the pipeline takes them.
    pub fn as_dyn(&mut self) -> [&mut dyn Output; 4] {
        [
            &mut self.json,
            &mut self.html,
            &mut self.markdown,
            &mut self.junit,
        ]
    }
}

/// report.json, report.html, summary.md and junit.xml in `dir`, with the
/// embedded templates.
pub fn outputs(dir: &Path) -> Files {
    Files {
        json: ReportJson::in_dir(dir),
        html: HtmlReport::in_dir(dir, None),
        markdown: MarkdownSummary::in_dir(dir, None),
        junit: EnrichedJunit::in_dir(dir),
    }
}
