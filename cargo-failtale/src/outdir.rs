//! Where reports go.

use std::path::{Path, PathBuf};

/// The output directory: `--out` if given; else `target/failtale/` of the
/// cargo workspace containing `cwd` (its target directory as cargo_metadata
/// reports it, which honours `CARGO_TARGET_DIR` and `build.target-dir`);
/// else `.failtale/` in `cwd`.
pub fn output_dir(explicit: Option<&Path>, cwd: &Path) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_owned();
    }
    if let Some(target) = cargo_target_dir(cwd) {
        return target.join("failtale");
    }
    cwd.join(".failtale")
}

/// The crate names (as they appear in Rust paths, `-` as `_`) of the cargo
/// workspace containing `cwd`, so backtrace frames in them count as in-app;
/// empty outside a cargo workspace or when cargo cannot say.
pub fn workspace_crates(cwd: &Path) -> std::collections::BTreeSet<String> {
    let Some(metadata) = workspace_metadata(cwd) else {
        return Default::default();
    };
    metadata
        .workspace_packages()
        .iter()
        .flat_map(|p| {
            std::iter::once(p.name.to_string()).chain(p.targets.iter().map(|t| t.name.to_string()))
        })
        .map(|n| n.replace('-', "_"))
        .collect()
}

/// `cargo metadata --no-deps` of the workspace containing `cwd`, asked once
/// per directory and process (it costs tens of milliseconds; the output
/// directory and the in-app crates both need it). `None` outside a cargo
/// workspace (then cargo is not even started) or when cargo cannot say.
fn workspace_metadata(cwd: &Path) -> Option<std::sync::Arc<cargo_metadata::Metadata>> {
    type Answer =
        std::sync::Arc<std::sync::OnceLock<Option<std::sync::Arc<cargo_metadata::Metadata>>>>;
    static CACHE: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<PathBuf, Answer>>,
    > = std::sync::OnceLock::new();
    let manifest = cwd
        .ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|p| p.is_file())?;
    // One cell per manifest: a caller arriving while cargo runs for another
    // (the prefetch of `analyze`) waits for that answer instead of
    // starting cargo again.
    let cell: Answer = CACHE
        .get_or_init(Default::default)
        .lock()
        .ok()?
        .entry(manifest.clone())
        .or_default()
        .clone();
    cell.get_or_init(|| {
        cargo_metadata::MetadataCommand::new()
            .manifest_path(&manifest)
            .no_deps()
            .other_options(vec!["--offline".to_owned()])
            .exec()
            .ok()
            .map(std::sync::Arc::new)
    })
    .clone()
}

/// Asks cargo for the workspace's metadata on a thread now, so that the
/// first failure fingerprinted (or the output directory) finds the answer
/// ready. For `analyze`, which has nothing else for cargo to compete with.
pub(crate) fn prefetch_metadata(cwd: &Path) {
    let cwd = cwd.to_owned();
    std::thread::spawn(move || workspace_metadata(&cwd));
}

fn cargo_target_dir(cwd: &Path) -> Option<PathBuf> {
    workspace_metadata(cwd).map(|m| m.target_directory.clone().into_std_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_out_wins() {
        assert_eq!(
            output_dir(Some(Path::new("x")), Path::new("/")),
            PathBuf::from("x")
        );
    }

    #[test]
    fn outside_a_cargo_workspace_it_is_dot_failtale() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(output_dir(None, dir.path()), dir.path().join(".failtale"));
    }

    #[test]
    fn inside_a_cargo_workspace_it_is_target_failtale() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"probe\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[lib]\npath = \"lib.rs\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("lib.rs"), "").unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let got = output_dir(None, &sub);
        assert!(got.ends_with("target/failtale"), "{}", got.display());
        assert!(got.starts_with(dir.path().canonicalize().unwrap()) || got.starts_with(dir.path()));
    }
}
