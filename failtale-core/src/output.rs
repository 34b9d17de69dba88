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

/// The name of the manifest an [`OutputDir`] writes after every other file.
pub const MANIFEST: &str = "manifest.json";

/// A directory that receives a run's files as one set.
///
/// [`OutputDir::finish_all`] takes an exclusive lock on `DIR/.failtale.lock`
/// while the outputs write (another run into the same directory waits its
/// turn, so the sets never interleave: the last complete set wins), removes
/// the temporary files of runs that were killed before their rename, runs
/// every output, and writes [`MANIFEST`] last: the run's id and, for each
/// file written, its name, size and SHA-256. [`check_manifest`] tells a
/// complete set from a partial one (a run killed part way leaves the previous
/// manifest, which no longer matches the files it lists).
#[derive(Debug, Clone)]
pub struct OutputDir {
    dir: PathBuf,
}

/// What [`OutputDir`] writes as `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Format version of this file.
    pub version: u32,
    /// This run's id: time (ms since the epoch) and process id.
    pub run: String,
    /// The files of the set, in the order written.
    pub files: Vec<ManifestFile>,
    /// Outputs that failed in this run (their files are not in the set).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
}

/// One file of a [`Manifest`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ManifestFile {
    /// Name relative to the directory.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// What [`check_manifest`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestCheck {
    /// Every file the manifest lists is there, as written.
    Complete(Manifest),
    /// The files named differ from the manifest (or are missing): another
    /// run wrote part of its set, or was killed part way.
    Partial {
        /// The manifest found.
        manifest: Manifest,
        /// Files that are missing or differ.
        differ: Vec<String>,
    },
    /// No manifest: no set was completed in this directory.
    Missing,
}

impl OutputDir {
    /// Outputs into `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        OutputDir { dir: dir.into() }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Runs every output as [`finish_all`] does, as one set in the
    /// directory: locked, stale temporaries removed, manifest written last.
    /// A failure to lock or to write the manifest is returned among the
    /// outputs' errors (under `manifest.json`); the outputs still run.
    pub fn finish_all(
        &self,
        outputs: &mut [&mut dyn Output],
        done: &Finished<'_>,
    ) -> (Vec<PathBuf>, Vec<(String, OutputError)>) {
        let mut early = Vec::new();
        let lock = match self.lock() {
            Ok(lock) => Some(lock),
            Err(e) => {
                early.push((MANIFEST.to_owned(), e));
                None
            }
        };
        remove_stale_temporaries(&self.dir);
        // Files written atomically into this directory are hashed as they are
        // written; the manifest takes those digests instead of reading them back.
        let digests = Digesting::start(&self.dir);
        let (mut written, mut failed) = finish_all(outputs, done);
        let digests = digests.finish();
        if lock.is_some() {
            let names: Vec<String> = failed.iter().map(|(n, _)| n.clone()).collect();
            match self.write_manifest(&written, names, &digests) {
                Ok(path) => written.push(path),
                Err(e) => failed.push((MANIFEST.to_owned(), e)),
            }
        }
        early.append(&mut failed);
        (written, early)
    }

    fn lock(&self) -> Result<std::fs::File, OutputError> {
        let path = self.dir.join(".failtale.lock");
        let fail = |source| OutputError::Write {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(fail)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(fail)?;
        // Released when the file is closed, also when the process is killed.
        file.lock().map_err(fail)?;
        Ok(file)
    }

    fn write_manifest(
        &self,
        written: &[PathBuf],
        failed: Vec<String>,
        digests: &[(PathBuf, FileDigest)],
    ) -> Result<PathBuf, OutputError> {
        // Only this directory's files: a step summary elsewhere is not part of the set.
        let ours: Vec<(&PathBuf, String)> = written
            .iter()
            .filter_map(|p| {
                let rel = p.strip_prefix(&self.dir).ok()?;
                Some((p, rel.to_string_lossy().into_owned()))
            })
            .collect();
        // A file hashed as it was written keeps that digest while it is the
        // file written (same size, modification time and inode); any other is
        // read back, each on its own thread.
        let hashed: Vec<io::Result<(u64, String)>> = std::thread::scope(|s| {
            let running: Vec<_> = ours
                .iter()
                .map(|(path, _)| {
                    let known = digests
                        .iter()
                        .rev()
                        .find(|(p, d)| p == *path && d.still_describes(path));
                    match known {
                        // Known: no thread. Else the thread reading it back.
                        Some((_, d)) => Ok(Ok((d.bytes, d.sha256.clone()))),
                        None => Err(s.spawn(move || hash_file(path))),
                    }
                })
                .collect();
            running
                .into_iter()
                .map(|r| {
                    r.unwrap_or_else(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                })
                .collect()
        });
        let mut files = Vec::with_capacity(ours.len());
        for ((path, name), hashed) in ours.into_iter().zip(hashed) {
            let (bytes, sha256) = hashed.map_err(|source| OutputError::Write {
                path: path.clone(),
                source,
            })?;
            files.push(ManifestFile {
                name,
                bytes,
                sha256,
            });
        }
        let manifest = Manifest {
            version: 1,
            run: format!("{}-{}", crate::history::time::now_ms(), std::process::id()),
            files,
            failed,
        };
        let path = self.dir.join(MANIFEST);
        write_atomically(&path, &mut |w| {
            serde_json::to_writer_pretty(&mut *w, &manifest).map_err(io::Error::from)?;
            w.write_all(b"\n")
        })?;
        Ok(path)
    }
}

/// A file's size and SHA-256 taken while [`write_atomically`] wrote it, with
/// what identifies that very file afterwards.
#[derive(Debug, Clone)]
pub(crate) struct FileDigest {
    bytes: u64,
    sha256: String,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: u64,
}

impl FileDigest {
    fn of(file: &std::fs::File, bytes: u64, sha256: String) -> io::Result<Self> {
        let meta = file.metadata()?;
        Ok(FileDigest {
            bytes,
            sha256,
            modified: meta.modified().ok(),
            #[cfg(unix)]
            inode: std::os::unix::fs::MetadataExt::ino(&meta),
        })
    }

    /// Whether `path` is still the file this digest was taken of.
    fn still_describes(&self, path: &Path) -> bool {
        let Ok(meta) = std::fs::metadata(path) else {
            return false;
        };
        #[cfg(unix)]
        if std::os::unix::fs::MetadataExt::ino(&meta) != self.inode {
            return false;
        }
        meta.len() == self.bytes && self.modified.is_some() && meta.modified().ok() == self.modified
    }
}

/// Directories whose atomically written files are being hashed as they are
/// written, each with the digests taken so far (one [`OutputDir`] per
/// directory at a time: its lock sees to that).
static DIGESTING: std::sync::Mutex<Vec<DirDigests>> = std::sync::Mutex::new(Vec::new());

/// A directory and the digests of the files written into it so far.
type DirDigests = (PathBuf, Vec<(PathBuf, FileDigest)>);

fn digesting() -> std::sync::MutexGuard<'static, Vec<DirDigests>> {
    DIGESTING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Hashing of the files written into one directory, from `start` to
/// `finish` (or drop, which forgets them).
struct Digesting {
    dir: PathBuf,
    done: bool,
}

impl Digesting {
    fn start(dir: &Path) -> Self {
        digesting().push((dir.to_owned(), Vec::new()));
        Digesting {
            dir: dir.to_owned(),
            done: false,
        }
    }

    fn take(&mut self) -> Vec<(PathBuf, FileDigest)> {
        self.done = true;
        let mut all = digesting();
        match all.iter().rposition(|(d, _)| *d == self.dir) {
            Some(i) => all.remove(i).1,
            None => Vec::new(),
        }
    }

    fn finish(mut self) -> Vec<(PathBuf, FileDigest)> {
        self.take()
    }
}

impl Drop for Digesting {
    fn drop(&mut self) {
        if !self.done {
            self.take();
        }
    }
}

/// Whether files written into `dir` are being hashed.
fn digesting_dir(dir: &Path) -> bool {
    digesting().iter().any(|(d, _)| d == dir)
}

fn record_digest(dir: &Path, path: &Path, digest: FileDigest) {
    if let Some((_, found)) = digesting().iter_mut().rev().find(|(d, _)| d == dir) {
        found.push((path.to_owned(), digest));
    }
}

/// Passes writes on, hashing and counting the bytes that went through.
struct Hashing<W> {
    w: W,
    hasher: sha2::Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.w.write(buf)?;
        sha2::Digest::update(&mut self.hasher, &buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

fn hex(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut hex = String::with_capacity(digest.len() * 2);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// Reads `dir/manifest.json` and checks every file it lists.
pub fn check_manifest(dir: &Path) -> io::Result<ManifestCheck> {
    let text = match std::fs::read(dir.join(MANIFEST)) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(ManifestCheck::Missing),
        Err(e) => return Err(e),
    };
    let manifest: Manifest = serde_json::from_slice(&text).map_err(io::Error::other)?;
    let differ: Vec<String> = manifest
        .files
        .iter()
        .filter(|f| {
            hash_file(&dir.join(&f.name))
                .map_or(true, |(bytes, sha)| bytes != f.bytes || sha != f.sha256)
        })
        .map(|f| f.name.clone())
        .collect();
    Ok(if differ.is_empty() {
        ManifestCheck::Complete(manifest)
    } else {
        ManifestCheck::Partial { manifest, differ }
    })
}

fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    use sha2::Digest as _;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let bytes = io::copy(&mut file, &mut hasher)?;
    Ok((bytes, hex(&hasher.finalize())))
}

/// Removes temporaries [`write_atomically`] left behind in `dir` when its
/// process was killed before the rename: `.NAME.PID.N.tmp` whose process is
/// gone (where that can be known; elsewhere, a day old). Returns how many.
pub fn remove_stale_temporaries(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(pid) = temporary_pid(name) else {
            continue;
        };
        if process_alive(pid, &entry) {
            continue;
        }
        if std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The process id in a temporary's name `.NAME.PID.N.tmp`.
fn temporary_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let mut parts = rest.rsplitn(3, '.');
    let serial = parts.next()?;
    let pid = parts.next()?;
    let _file = parts.next().filter(|f| !f.is_empty())?;
    serial.parse::<u64>().ok()?;
    pid.parse().ok()
}

fn process_alive(pid: u32, entry: &std::fs::DirEntry) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    // No /proc: a temporary younger than a day may belong to a running process.
    entry
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_none_or(|age| age < std::time::Duration::from_secs(24 * 3600))
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
        let file = std::fs::File::create(&tmp).map_err(fail(&tmp))?;
        if !digesting_dir(dir) {
            let mut file = io::BufWriter::with_capacity(256 * 1024, file);
            write(&mut file).map_err(fail(path))?;
            // Flush explicitly: a BufWriter dropped with unwritten data hides the error.
            file.flush().map_err(fail(&tmp))?;
            drop(file);
            return std::fs::rename(&tmp, path).map_err(fail(path));
        }
        let mut hashing = io::BufWriter::with_capacity(
            256 * 1024,
            Hashing {
                w: file,
                hasher: sha2::Digest::new(),
                bytes: 0,
            },
        );
        write(&mut hashing).map_err(fail(path))?;
        hashing.flush().map_err(fail(&tmp))?;
        let Hashing {
            w: file,
            hasher,
            bytes,
        } = hashing
            .into_inner()
            .map_err(|e| fail(&tmp)(e.into_error()))?;
        let digest = FileDigest::of(&file, bytes, hex(&sha2::Digest::finalize(hasher)));
        drop(file);
        std::fs::rename(&tmp, path).map_err(fail(path))?;
        if let Ok(digest) = digest {
            record_digest(dir, path, digest);
        }
        Ok(())
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

    /// Writes `a.txt` then `b.txt`, both saying which writer it is, with a
    /// pause between: two runs into one directory would interleave.
    struct Pair {
        dir: PathBuf,
        id: String,
    }

    impl Output for Pair {
        fn name(&self) -> &str {
            "pair"
        }
        fn finish(&mut self, _: &Finished<'_>) -> Result<Vec<PathBuf>, OutputError> {
            let mut written = Vec::new();
            for name in ["a.txt", "b.txt"] {
                let path = self.dir.join(name);
                write_atomically(&path, &mut |w| w.write_all(self.id.as_bytes()))?;
                written.push(path);
                std::thread::sleep(std::time::Duration::from_millis(3));
            }
            // While this set was written, no other run wrote into it.
            for path in &written {
                let now = std::fs::read_to_string(path).unwrap_or_default();
                assert_eq!(
                    now,
                    self.id,
                    "another run wrote {} during this set",
                    path.display()
                );
            }
            Ok(written)
        }
    }

    fn empty_report() -> Sanitized<Report> {
        let output = PipelineOutput {
            run: Sanitized::assume_sanitized(TestRun::default()),
            ignored: Vec::new(),
            redactions: Default::default(),
            clusters: Vec::new(),
            timings: Default::default(),
        };
        Report::from_output(&output)
    }

    #[test]
    fn a_set_is_written_whole_with_a_manifest_and_runs_into_one_directory_never_mix() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let report = empty_report();
        let done = Finished::new(&report, None);
        std::thread::scope(|s| {
            for i in 0..8 {
                let (dir, done) = (&dir, &done);
                s.spawn(move || {
                    for round in 0..5 {
                        let mut pair = Pair {
                            dir: dir.clone(),
                            id: format!("writer {i} round {round}"),
                        };
                        let (written, failed) =
                            OutputDir::new(dir).finish_all(&mut [&mut pair], done);
                        assert!(failed.is_empty(), "{failed:?}");
                        assert_eq!(written.last().unwrap(), &dir.join(MANIFEST));
                    }
                });
            }
        });
        let a = std::fs::read_to_string(dir.join("a.txt")).unwrap();
        let b = std::fs::read_to_string(dir.join("b.txt")).unwrap();
        assert_eq!(a, b, "the last set is one run's");
        let ManifestCheck::Complete(m) = check_manifest(&dir).unwrap() else {
            panic!("incomplete set");
        };
        let names: Vec<_> = m.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a.txt", "b.txt"]);
        assert_eq!(m.files[0].bytes, a.len() as u64);
        // SHA-256 of the text, as `sha256sum` prints it.
        use sha2::Digest as _;
        let expect: String = sha2::Sha256::digest(a.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(m.files[0].sha256, expect);

        // A run killed after its first file leaves a set a reader can tell is partial.
        std::fs::write(dir.join("a.txt"), "a killed run's first file").unwrap();
        match check_manifest(&dir).unwrap() {
            ManifestCheck::Partial { differ, .. } => assert_eq!(differ, ["a.txt"]),
            other => panic!("{other:?}"),
        }
        std::fs::remove_file(dir.join(MANIFEST)).unwrap();
        assert_eq!(check_manifest(&dir).unwrap(), ManifestCheck::Missing);
    }

    /// Writes `kept.txt` atomically, `changed.txt` atomically and then
    /// appends to it, and `plain.txt` without `write_atomically`.
    struct Mixed {
        dir: PathBuf,
    }

    impl Output for Mixed {
        fn name(&self) -> &str {
            "mixed"
        }
        fn finish(&mut self, _: &Finished<'_>) -> Result<Vec<PathBuf>, OutputError> {
            let [kept, changed, plain] =
                ["kept.txt", "changed.txt", "plain.txt"].map(|n| self.dir.join(n));
            write_atomically(&kept, &mut |w| w.write_all(&[b'k'; 300_000]))?;
            write_atomically(&changed, &mut |w| w.write_all(b"first"))?;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&changed)
                .unwrap();
            f.write_all(b" and more").unwrap();
            std::fs::write(&plain, "written some other way").unwrap();
            Ok(vec![kept, changed, plain])
        }
    }

    #[test]
    fn the_manifest_holds_each_file_as_it_ends_up_however_it_was_written() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let report = empty_report();
        let done = Finished::new(&report, None);
        let (_, failed) =
            OutputDir::new(&dir).finish_all(&mut [&mut Mixed { dir: dir.clone() }], &done);
        assert!(failed.is_empty(), "{failed:?}");
        let ManifestCheck::Complete(m) = check_manifest(&dir).unwrap() else {
            panic!("the manifest does not match the files");
        };
        for f in &m.files {
            let (bytes, sha) = hash_file(&dir.join(&f.name)).unwrap();
            assert_eq!((f.bytes, &f.sha256), (bytes, &sha), "{}", f.name);
        }
        assert_eq!(m.files[1].bytes, "first and more".len() as u64);
        // Nothing is kept for the directory once its set is written, and
        // files written elsewhere are not hashed.
        assert!(!digesting_dir(&dir));
        assert!(digesting().iter().all(|(d, _)| d != &dir));
    }

    #[test]
    fn temporaries_of_killed_runs_are_removed_and_live_ones_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        // pid_max is at most 2^22 on Linux: this process cannot exist.
        let dead = ".junit.xml.4194305.3.tmp";
        let mine = format!(".report.json.{}.0.tmp", std::process::id());
        for name in [
            dead,
            mine.as_str(),
            ".hidden.tmp",
            "notes.tmp",
            ".x.12.tmp",
            "report.json",
        ] {
            std::fs::write(dir.join(name), "x").unwrap();
        }
        let removed = remove_stale_temporaries(dir);
        let mut left: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        if Path::new("/proc/self").exists() {
            assert_eq!(removed, 1);
            let mut expect = vec![
                ".hidden.tmp",
                ".x.12.tmp",
                mine.as_str(),
                "notes.tmp",
                "report.json",
            ];
            expect.sort_unstable();
            assert_eq!(left, expect);
        }
        assert_eq!(temporary_pid(dead), Some(4_194_305));
        assert_eq!(temporary_pid(".a.b.c.77.1.tmp"), Some(77));
        assert_eq!(temporary_pid(".x.12.tmp"), None);
    }
}
