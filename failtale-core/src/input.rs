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
        } else if (ty.is_file() || ty.is_symlink())
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
