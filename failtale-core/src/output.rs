//! Where a finished run goes: the [`Output`] sink.
//!
//! Every product of a run — report.json, report.html, summary.md, the
//! enriched junit.xml, the terminal summary, CI annotations, or whatever an
//! embedder sends somewhere else — is an [`Output`]. The
//! [`Pipeline`](crate::Pipeline) calls each output's hooks as the run goes:
//! [`Output::begin`] once the run is read and sanitized,
//! [`Output::cluster`] as each cluster is explained (in report order), and
//! [`Output::finish`] once history has been recorded and the [`Report`] is
//! built. Only `name` and `finish` are required.
//!
//! Outputs only ever see [`Sanitized`] text. One output failing does not stop
//! the others: [`Pipeline::finish`](crate::Pipeline::finish) runs them all
//! and returns every error beside what was written.
//!
//! [`ReportJson`] (the report schema, written as JSON) lives here with the
//! contract; the documents are in `report-templates`, the enriched JUnit in
//! `junit-ingest`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::model::TestRun;
use crate::pipeline::{ClusterReport, PipelineOutput};
use crate::report::Report;
use crate::sanitize::Sanitized;

/// What every output gets once the run is complete.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Finished<'a> {
    /// The report: summary, clusters with their analyses, history.
    pub report: &'a Sanitized<Report>,
    /// The whole run, with every test case, when there is one: `None` when
    /// a saved report.json is shown again.
    pub output: Option<&'a PipelineOutput>,
}

impl<'a> Finished<'a> {
    /// A finished run, with its report.
    pub fn new(report: &'a Sanitized<Report>, output: Option<&'a PipelineOutput>) -> Self {
        Finished { report, output }
    }
}

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// A file or stream could not be written.
    #[error("cannot write `{}`", path.display())]
    Write {
        /// What (`-` for a stream such as the terminal).
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A user-supplied template (or other configuration of the output) is unusable.
    #[error("`{}`: {message}", path.display())]
    Config {
        /// Which file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Anything else, said in words.
    #[error("{0}")]
    Other(String),
}

impl OutputError {
    /// A write error on the terminal or another stream.
    pub fn stream(source: io::Error) -> Self {
        OutputError::Write {
            path: PathBuf::from("-"),
            source,
        }
    }
}

/// A sink for a run's results. Object-safe: the pipeline takes
/// `&mut dyn Output`. The hooks with a default do nothing.
pub trait Output {
    /// Short name for messages (`report.json`, `terminal`, …).
    fn name(&self) -> &str;

    /// The run has been read and sanitized; clustering and analysis follow.
    fn begin(&mut self, run: &Sanitized<TestRun>) -> Result<(), OutputError> {
        let _ = run;
        Ok(())
    }

    /// One cluster has been explained (called in report order).
    fn cluster(&mut self, cluster: &Sanitized<ClusterReport>) -> Result<(), OutputError> {
        let _ = cluster;
        Ok(())
    }

    /// The run is complete: write the output. Returns the files written.
    fn finish(&mut self, done: &Finished<'_>) -> Result<Vec<PathBuf>, OutputError>;

    /// This output, when its `finish` may run on another thread at the same
    /// time as other outputs' (a file that depends on nothing else). Those
    /// that say so are finished together, before the others, which are
    /// finished in the order given (the terminal, after the files it names).
    fn concurrent(&mut self) -> Option<&mut (dyn Output + Send)> {
        None
    }
}

/// Calls every output's [`Output::finish`]: those that offer
/// [`Output::concurrent`] together on threads, then the others in the order
/// given. One failing does not stop the others. Returns the files written,
/// in the order the outputs were given, and the failures by output name.
pub fn finish_all(
    outputs: &mut [&mut dyn Output],
    done: &Finished<'_>,
) -> (Vec<PathBuf>, Vec<(String, OutputError)>) {
    let mut results: Vec<Option<Result<Vec<PathBuf>, OutputError>>> =
        outputs.iter().map(|_| None).collect();
    std::thread::scope(|s| {
        let running: Vec<_> = outputs
            .iter_mut()
            .enumerate()
            .filter_map(|(i, o)| {
                let o = o.concurrent()?;
                Some((i, s.spawn(move || o.finish(done))))
            })
            .collect();
        for (i, h) in running {
            results[i] = Some(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
    });
    let mut written = Vec::new();
    let mut failed = Vec::new();
    for (o, r) in outputs.iter_mut().zip(results) {
        match r.unwrap_or_else(|| o.finish(done)) {
            Ok(mut files) => written.append(&mut files),
            Err(e) => failed.push((o.name().to_owned(), e)),
        }
    }
    (written, failed)
}

/// An output behind a `&mut` or a `Box` is an output.
macro_rules! forward_output {
    ($($ptr:ty),*) => {$(
        impl<T: Output + ?Sized> Output for $ptr {
            fn name(&self) -> &str {
                (**self).name()
            }
            fn begin(&mut self, run: &Sanitized<TestRun>) -> Result<(), OutputError> {
                (**self).begin(run)
            }
            fn cluster(&mut self, cluster: &Sanitized<ClusterReport>) -> Result<(), OutputError> {
                (**self).cluster(cluster)
            }
            fn finish(&mut self, done: &Finished<'_>) -> Result<Vec<PathBuf>, OutputError> {
                (**self).finish(done)
            }
            fn concurrent(&mut self) -> Option<&mut (dyn Output + Send)> {
                (**self).concurrent()
            }
        }
    )*};
}

forward_output!(&mut T, Box<T>);

/// `report.json`: the [`Report`], pretty-printed, written atomically.
#[derive(Debug, Clone)]
pub struct ReportJson {
    path: PathBuf,
}

impl ReportJson {
    /// Writes `dir/report.json`.
    pub fn in_dir(dir: &Path) -> Self {
        ReportJson {
            path: dir.join("report.json"),
        }
    }

    /// Where it writes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Output for ReportJson {
    fn name(&self) -> &str {
        "report.json"
    }

    fn finish(&mut self, done: &Finished<'_>) -> Result<Vec<PathBuf>, OutputError> {
        write_atomically(&self.path, &mut |w| {
            serde_json::to_writer_pretty(&mut *w, done.report)?;
            w.write_all(b"\n")
        })?;
        Ok(vec![self.path.clone()])
    }

    fn concurrent(&mut self) -> Option<&mut (dyn Output + Send)> {
        Some(self)
    }
}

/// Writes `path` through a temporary file in the same directory, renamed
/// into place, so a reader never sees half a file; creates the directory
/// first. The temporary name is unique to this process and call, so two
/// runs writing the same directory never write into each other's file: the
/// last rename wins with a whole file.
pub fn write_atomically(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> Result<(), OutputError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let fail = |path: &Path| {
        let path = path.to_owned();
        move |source| OutputError::Write { path, source }
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail(dir))?;
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = io::BufWriter::with_capacity(
            256 * 1024,
            std::fs::File::create(&tmp).map_err(fail(&tmp))?,
        );
        write(&mut file).map_err(fail(path))?;
        // Flush explicitly: a BufWriter dropped with unwritten data hides the error.
        file.flush().map_err(fail(&tmp))?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(fail(path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_writers_of_one_file_each_leave_a_whole_file() {
        let dir = std::env::temp_dir().join(format!("failtale-atomic-{}", std::process::id()));
        let path = dir.join("report.json");
        std::thread::scope(|s| {
            for i in 0..8u8 {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..20 {
                        write_atomically(path, &mut |w| w.write_all(&vec![b'a' + i; 100_000]))
                            .unwrap();
                    }
                });
            }
        });
        let text = std::fs::read(&path).unwrap();
        assert_eq!(text.len(), 100_000);
        assert!(text.iter().all(|&b| b == text[0]), "two writers mixed");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .filter(|n| n != "report.json")
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file_and_keeps_the_old_one() {
        let dir = std::env::temp_dir().join(format!("failtale-atomic-fail-{}", std::process::id()));
        let path = dir.join("x.txt");
        write_atomically(&path, &mut |w| w.write_all(b"old")).unwrap();
        let e = write_atomically(&path, &mut |w| {
            w.write_all(b"new")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(matches!(e, OutputError::Write { .. }));
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
