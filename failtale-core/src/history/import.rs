//! Backfilling history from a folder of old result files.
//!
//! Each path given is split into runs: a result file directly inside a
//! given directory is one run; each subdirectory of a given directory is one
//! run (all result files under it together — the usual shape of downloaded
//! CI artifacts, one folder per build); a file given directly is one run.
//! Runs are recorded oldest first: by the earliest timestamp their files
//! declare, else by the newest modification time of their files.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::time::now_ms;
use super::{HistoryError, HistoryStore, RunRecord};
use crate::Pipeline;
use crate::input::{Input, discover};

/// Runs written per call to [`HistoryStore::record_runs`]: fewer, larger
/// transactions make a backfill several times faster, and a killed import
/// still leaves whole runs only.
const IMPORT_BATCH: usize = 50;

/// Settings of an import.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Branch recorded for every imported run.
    pub branch: Option<String>,
    /// Commit recorded for every imported run (rarely right for many runs).
    pub commit: Option<String>,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Runs recorded.
    pub runs: usize,
    /// Test results recorded.
    pub results: usize,
    /// Runs in which no result file could be read (not recorded), by path.
    pub empty: Vec<String>,
    /// Files that could be read only in part, with why.
    pub errors: Vec<String>,
}

/// The result files of one future run.
#[derive(Debug)]
struct Unit {
    name: String,
    files: Vec<PathBuf>,
}

fn units(roots: &[PathBuf]) -> Result<Vec<Unit>, HistoryError> {
    let fail = |path: &Path, e: std::io::Error| HistoryError::Import {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let files_of = |inputs: Vec<Input>| -> Vec<PathBuf> {
        inputs
            .into_iter()
            .filter_map(|i| match i {
                Input::File { path, .. } => Some(path),
                _ => None,
            })
            .collect()
    };
    let mut out = Vec::new();
    for root in roots {
        let meta = fs::metadata(root).map_err(|e| fail(root, e))?;
        if !meta.is_dir() {
            out.push(Unit {
                name: root.display().to_string(),
                files: vec![root.clone()],
            });
            continue;
        }
        let mut entries: Vec<_> = fs::read_dir(root)
            .map_err(|e| fail(root, e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            let found = discover(std::slice::from_ref(&path)).map_err(|e| fail(&path, e.source))?;
            let files = files_of(found);
            let is_dir = path.is_dir();
            // A file directly inside the directory only counts when it has a result-file extension.
            if files.is_empty()
                || (!is_dir
                    && !path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        crate::input::RESULT_EXTENSIONS
                            .iter()
                            .any(|x| x.eq_ignore_ascii_case(e))
                    }))
            {
                continue;
            }
            out.push(Unit {
                name: path.display().to_string(),
                files,
            });
        }
    }
    Ok(out)
}

/// Reads every run under `roots` with `pipeline` and records them in `store`,
/// oldest first, one transaction per run. `progress` is called with
/// (runs read, runs in total) while reading.
pub fn import(
    store: &dyn HistoryStore,
    pipeline: &Pipeline,
    roots: &[PathBuf],
    opts: &ImportOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ImportSummary, HistoryError> {
    let units = units(roots)?;
    let total = units.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    type Slot = Option<(Option<RunRecord>, Vec<String>)>;
    let slots: Mutex<Vec<Slot>> = Mutex::new((0..total).map(|_| None).collect());
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(total)
        .max(1);
    let read_unit = |unit: &Unit| {
        let inputs: Vec<Input> = unit
            .files
            .iter()
            .map(|p| Input::File {
                path: p.clone(),
                explicit: false,
            })
            .collect();
        let run = pipeline.ingest(&inputs).run;
        let errors = run
            .inputs
            .iter()
            .filter_map(|i| i.error.as_ref().map(|e| format!("{}: {e}", i.path)))
            .collect();
        if run.cases.is_empty() {
            return (None, errors);
        }
        let run = pipeline.sanitize(run, &mut crate::sanitize::Redactions::new());
        let clusters = pipeline.cluster(&run);
        // The earliest declared timestamp, else the newest file modification time.
        let declared = run
            .inputs
            .iter()
            .filter_map(|i| i.timestamp.as_deref().and_then(super::time::parse_ms))
            .min();
        let modified = unit
            .files
            .iter()
            .filter_map(|f| fs::metadata(f).and_then(|m| m.modified()).ok())
            .filter_map(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as i64)
            .max();
        let now = now_ms();
        let mut record = RunRecord::from_run(&run, &clusters, now);
        record.at_ms = declared.or(modified).unwrap_or(now);
        record.branch = opts.branch.clone();
        record.commit = opts.commit.clone();
        (Some(record), errors)
    };
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(unit) = units.get(i) else { break };
                    let r = read_unit(unit);
                    slots.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                }
            });
        }
    });
    let mut summary = ImportSummary::default();
    let mut records = Vec::new();
    let slots = slots.into_inner().unwrap_or_else(|e| e.into_inner());
    for (unit, slot) in units.iter().zip(slots) {
        let (record, errors) = slot.unwrap_or((None, Vec::new()));
        summary.errors.extend(errors);
        match record {
            Some(r) => records.push(r),
            None => summary.empty.push(unit.name.clone()),
        }
    }
    // Stable: runs with equal times keep path order.
    records.sort_by_key(|r| r.at_ms);
    for batch in records.chunks(IMPORT_BATCH) {
        store.record_runs(batch)?;
        summary.runs += batch.len();
        summary.results += batch.iter().map(|r| r.results.len()).sum::<usize>();
    }
    Ok(summary)
}
