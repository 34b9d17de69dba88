//! Inputs: files, directories searched for result files, and standard input.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// One input to ingest.
#[derive(Debug)]
pub enum Input {
    /// A file on disk. `explicit` is false for files found by walking a
    /// directory: those are dropped quietly when they turn out not to be result files.
    File {
        /// Its path.
        path: PathBuf,
        /// Named by the user rather than found in a directory.
        explicit: bool,
    },
    /// Standard input (`-`).
    Stdin,
    /// Bytes already in memory, with a display name.
    Bytes {
        /// Display name.
        name: String,
        /// Content.
        data: Vec<u8>,
    },
}

impl Input {
    /// Display name used in reports.
    pub fn display_name(&self) -> String {
        match self {
            Input::File { path, .. } => path.display().to_string(),
            Input::Stdin => "-".to_owned(),
            Input::Bytes { name, .. } => name.clone(),
        }
    }

    /// Whether the user named this input directly.
    pub fn is_explicit(&self) -> bool {
        !matches!(
            self,
            Input::File {
                explicit: false,
                ..
            }
        )
    }

    /// The input's size in bytes, when known without reading it.
    pub fn size(&self) -> Option<u64> {
        match self {
            Input::File { path, .. } => fs::metadata(path).ok().map(|m| m.len()),
            Input::Stdin => None,
            Input::Bytes { data, .. } => Some(data.len() as u64),
        }
    }

    /// Opens the input for reading.
    pub fn open(&self) -> io::Result<Box<dyn Read + Send + '_>> {
        Ok(match self {
            Input::File { path, .. } => Box::new(fs::File::open(path)?),
            Input::Stdin => Box::new(io::stdin()),
            Input::Bytes { data, .. } => Box::new(data.as_slice()),
        })
    }
}

/// File name endings searched for when a directory is given.
pub const RESULT_EXTENSIONS: &[&str] = &["xml", "json", "jsonl", "ndjson", "junit"];

/// Directory names never descended into (VCS data, dependencies, build caches).
const SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "__pycache__",
    "incremental",
    ".fingerprint",
];

/// Expands the paths a user gave into inputs: `-` is standard input, a file is
/// itself, a directory is searched recursively for files whose name ends in
/// one of [`RESULT_EXTENSIONS`] (sorted, so output is stable). A path that
/// does not exist is an error naming it.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Input>, DiscoverError> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let meta = fs::metadata(path).map_err(|source| DiscoverError {
            path: path.clone(),
            source,
        })?;
        if !(meta.is_dir() || meta.is_file() || is_anonymous_pipe(path)) {
            return Err(DiscoverError {
                path: path.clone(),
                source: io::Error::new(io::ErrorKind::InvalidInput, NotAFile(kind_of(&meta))),
            });
        }
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found).map_err(|source| DiscoverError {
                path: path.clone(),
                source,
            })?;
            found.sort();
            inputs.extend(found.into_iter().map(|path| Input::File {
                path,
                explicit: false,
            }));
        } else {
            inputs.push(Input::File {
                path: path.clone(),
                explicit: true,
            });
        }
    }
    Ok(inputs)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let ty = entry.file_type()?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if ty.is_dir() {
            if !SKIP_DIRS.contains(&name.as_ref()) {
                walk(&path, found)?;
            }
        } else if (ty.is_file()
            || ty.is_symlink() && fs::metadata(&path).is_ok_and(|m| m.is_file()))
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| RESULT_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
        {
            found.push(path);
        }
    }
    Ok(())
}

/// A path named on the command line is neither a file nor a directory: a
/// named pipe no one may ever write to (reading it would wait forever), a
/// device (`/dev/zero` never ends) or a socket.
#[derive(Debug, thiserror::Error)]
#[error(
    "it is {0}, not a result file; to read a stream, give `-` and send it to standard input (`… analyze - < PIPE`)"
)]
pub struct NotAFile(pub &'static str);

fn kind_of(meta: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let ty = meta.file_type();
        if ty.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if ty.is_socket() {
            return "a socket";
        }
        if ty.is_char_device() || ty.is_block_device() {
            return "a device";
        }
    }
    let _ = meta;
    "not a regular file"
}

/// True for the pipe a shell's process substitution names (`<(cargo test …)`,
/// `/dev/fd/63` → `pipe:[…]`): its writer exists, so reading it ends.
fn is_anonymous_pipe(path: &Path) -> bool {
    // `/dev/stdin` → `/proc/self/fd/0` → `pipe:[…]`: follow a few links.
    let mut at = path.to_path_buf();
    for _ in 0..8 {
        let Ok(target) = fs::read_link(&at) else {
            return false;
        };
        if target.to_string_lossy().starts_with("pipe:[") {
            return true;
        }
        at = match at.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
    }
    false
}

/// A path given on the command line could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read `{}`", path.display())]
pub struct DiscoverError {
    /// The path.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: io::Error,
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_named_pipe_or_a_device_is_refused_at_once_with_what_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("results.xml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // No writer: opening it to read would block forever.
        let e = discover(std::slice::from_ref(&fifo)).unwrap_err();
        assert_eq!(e.path, fifo);
        assert_eq!(e.source.kind(), io::ErrorKind::InvalidInput);
        assert!(e.source.to_string().contains("named pipe"), "{}", e.source);
        assert!(e.source.to_string().contains("give `-`"), "{}", e.source);

        let e = discover(&[PathBuf::from("/dev/zero")]).unwrap_err();
        assert!(e.source.to_string().contains("a device"), "{}", e.source);

        // In a directory, a pipe named like a result file is passed over.
        std::fs::write(dir.path().join("real.xml"), "<testsuite/>").unwrap();
        let found = discover(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
