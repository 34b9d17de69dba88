//! Local collectors: commands, files, environment, git and cargo.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use failtale_core::model::CollectStatus;

use crate::filter::{Filter, LineFilter, capped_output};

/// What running one job produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Output, filtered and capped.
    pub text: String,
    /// How it ended.
    pub status: CollectStatus,
    /// Exit status of a command.
    pub exit_status: Option<i32>,
    /// Error message, when it did not end `ok`.
    pub error: Option<String>,
    /// Whether the output was cut to a cap.
    pub truncated: bool,
}

impl Outcome {
    pub(crate) fn ok(text: String, truncated: bool) -> Self {
        Outcome {
            text,
            status: CollectStatus::Ok,
            exit_status: None,
            error: None,
            truncated,
        }
    }

    pub(crate) fn failed(status: CollectStatus, error: impl Into<String>) -> Self {
        Outcome {
            text: String::new(),
            status,
            exit_status: None,
            error: Some(error.into()),
            truncated: false,
        }
    }
}

/// Caps applied to every output.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    /// Bytes.
    pub max_bytes: usize,
    /// Lines.
    pub max_lines: usize,
}

fn feed(reader: impl Read, sink: &Mutex<LineFilter>) {
    let mut r = BufReader::new(reader);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                let line = line.trim_end_matches(['\n', '\r']);
                sink.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
        }
    }
}

fn take_filtered(
    sink: &Mutex<LineFilter>,
    filter: &Filter,
    since: Option<&str>,
    caps: Caps,
) -> (String, bool) {
    let fresh = LineFilter::new(filter.clone(), since.map(str::to_owned), caps.max_lines);
    let f = std::mem::replace(&mut *sink.lock().unwrap_or_else(|e| e.into_inner()), fresh);
    let (lines, dropped) = f.finish();
    capped_output(&lines, dropped, caps.max_bytes)
}

/// Runs a local program (never through a shell unless `argv` is `sh -c …`),
/// with only the allowlisted environment, its standard error merged into its
/// output, filtered as it streams. On timeout the whole process group is killed.
pub async fn run_command(
    argv: &[String],
    env: &[String],
    cwd: &Path,
    timeout: Duration,
    filter: &Filter,
    since: Option<&str>,
    caps: Caps,
) -> Outcome {
    let Some((program, args)) = argv.split_first() else {
        return Outcome::failed(CollectStatus::Failed, "empty command");
    };
    let (reader, writer) = match std::io::pipe() {
        Ok(p) => p,
        Err(e) => {
            return Outcome::failed(CollectStatus::Failed, format!("cannot create a pipe: {e}"));
        }
    };
    let mut child = {
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(args)
            .current_dir(cwd)
            .env_clear()
            .stdin(Stdio::null())
            .kill_on_drop(true);
        for name in env {
            if let Some(v) = std::env::var_os(name) {
                cmd.env(name, v);
            }
        }
        let w2 = match writer.try_clone() {
            Ok(w) => w,
            Err(e) => {
                return Outcome::failed(
                    CollectStatus::Failed,
                    format!("cannot create a pipe: {e}"),
                );
            }
        };
        cmd.stdout(w2).stderr(writer);
        #[cfg(unix)]
        cmd.process_group(0);
        match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                return Outcome::failed(
                    CollectStatus::Failed,
                    format!("cannot run `{program}`: {e}"),
                );
            }
        }
        // `cmd` (holding the pipe's write ends) is dropped here, so the reader sees EOF when the child exits.
    };
    let sink = Arc::new(Mutex::new(LineFilter::new(
        filter.clone(),
        since.map(str::to_owned),
        caps.max_lines,
    )));
    let reading = {
        let sink = Arc::clone(&sink);
        tokio::task::spawn_blocking(move || feed(reader, &sink))
    };
    match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) => {
            // Descendants may still hold the pipe; do not wait for them forever.
            let _ = tokio::time::timeout(Duration::from_secs(2), reading).await;
            let (text, truncated) = take_filtered(&sink, filter, since, caps);
            Outcome {
                text,
                status: CollectStatus::Ok,
                exit_status: status.code(),
                error: None,
                truncated,
            }
        }
        Ok(Err(e)) => Outcome::failed(
            CollectStatus::Failed,
            format!("waiting for `{program}` failed: {e}"),
        ),
        Err(_) => {
            kill_group(&mut child).await;
            let _ = tokio::time::timeout(Duration::from_secs(1), reading).await;
            let (text, truncated) = take_filtered(&sink, filter, since, caps);
            Outcome {
                text,
                truncated,
                ..Outcome::failed(
                    CollectStatus::TimedOut,
                    format!("timed out after {}", human(timeout)),
                )
            }
        }
    }
}

async fn kill_group(child: &mut tokio::process::Child) {
    #[cfg(unix)]
    if let Some(pid) = child.id() {
        // The child leads its own process group: end it and everything it started.
        let _ = tokio::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
    }
    let _ = child.start_kill();
    let _ = child.wait().await;
}

pub(crate) fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}s")
    } else {
        format!("{s:.1}s")
    }
}

/// Reads a file through a filter.
pub async fn read_file(path: &Path, filter: &Filter, since: Option<&str>, caps: Caps) -> Outcome {
    let path = path.to_owned();
    let filter = filter.clone();
    let since = since.map(str::to_owned);
    let task = tokio::task::spawn_blocking(move || -> std::io::Result<(String, bool)> {
        let file = std::fs::File::open(&path)?;
        let sink = Mutex::new(LineFilter::new(
            filter.clone(),
            since.clone(),
            caps.max_lines,
        ));
        feed(file, &sink);
        Ok(take_filtered(&sink, &filter, since.as_deref(), caps))
    });
    match task.await {
        Ok(Ok((text, truncated))) => Outcome::ok(text, truncated),
        Ok(Err(e)) => Outcome::failed(CollectStatus::Failed, format!("cannot read: {e}")),
        Err(e) => Outcome::failed(CollectStatus::Failed, format!("reading stopped: {e}")),
    }
}

/// The allowlisted variables, `NAME=value` or `NAME is not set`.
pub fn read_env(vars: &[String], caps: Caps) -> Outcome {
    let lines: Vec<String> = vars
        .iter()
        .map(|v| match std::env::var_os(v) {
            Some(val) => format!("{v}={}", val.to_string_lossy()),
            None => format!("{v} is not set"),
        })
        .collect();
    let (text, truncated) = capped_output(&lines, 0, caps.max_bytes);
    Outcome::ok(text, truncated)
}

async fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let run = tokio::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(Duration::from_secs(30), run).await {
        Ok(Ok(o)) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(Ok(o)) => Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Ok(Err(e)) => Err(format!("cannot run git: {e}")),
        Err(_) => Err(format!("`git {}` timed out", args.join(" "))),
    }
}

/// True when a path git printed (relative to the top level) is the file a
/// result file named (relative to somewhere, or absolute).
fn same_file(repo_path: &str, named: &str, top: &str) -> bool {
    let named = named.strip_prefix("./").unwrap_or(named);
    let named = named
        .strip_prefix(top)
        .map(|n| n.trim_start_matches('/'))
        .unwrap_or(named);
    repo_path == named
        || repo_path.ends_with(&format!("/{named}"))
        || named.ends_with(&format!("/{repo_path}"))
}

/// Commit, branch, dirty state, and the recent commits and diff stat that
/// touch the failing tests' files. The file names from the result files are
/// only compared with git's output, never passed to git.
pub async fn git_facts(dir: &Path, commits: usize, files: &[String], caps: Caps) -> Outcome {
    let top = match git(dir, &["rev-parse", "--show-toplevel"]).await {
        Ok(t) => t.trim().to_owned(),
        Err(e) => return Outcome::failed(CollectStatus::Failed, e),
    };
    let mut lines = Vec::new();
    let head = git(dir, &["rev-parse", "HEAD"]).await;
    lines.push(format!(
        "commit: {}",
        head.as_deref().map(str::trim).unwrap_or("(none yet)")
    ));
    if let Ok(b) = git(dir, &["rev-parse", "--abbrev-ref", "HEAD"]).await {
        lines.push(format!("branch: {}", b.trim()));
    }
    if let Ok(s) = git(dir, &["status", "--porcelain=v1", "--untracked-files=no"]).await {
        let changed: Vec<&str> = s.lines().collect();
        if changed.is_empty() {
            lines.push("dirty: no".into());
        } else {
            lines.push(format!("dirty: yes, {} changed file(s)", changed.len()));
            lines.extend(changed.iter().take(20).map(|l| format!("  {l}")));
        }
    }
    if files.is_empty() {
        lines.push("the failing tests name no source files".into());
    } else if head.is_ok() {
        lines.push(format!("recent commits touching {}:", files.join(", ")));
        let log = git(
            dir,
            &[
                "log",
                "-n",
                "300",
                "--date=short",
                "--format=%x1e%h %ad %an: %s",
                "--name-only",
            ],
        )
        .await
        .unwrap_or_default();
        let mut shown = 0;
        for entry in log.split('\u{1e}').filter(|e| !e.trim().is_empty()) {
            let mut it = entry.lines();
            let subject = it.next().unwrap_or_default();
            let touched: Vec<&str> = it
                .filter(|p| !p.is_empty() && files.iter().any(|f| same_file(p, f, &top)))
                .collect();
            if !touched.is_empty() {
                lines.push(format!("  {subject}"));
                lines.extend(touched.iter().map(|p| format!("    {p}")));
                shown += 1;
                if shown == commits {
                    break;
                }
            }
        }
        if shown == 0 {
            lines.push("  (none in the last 300 commits)".into());
        }
        let stat = git(dir, &["diff", "--numstat", "HEAD"])
            .await
            .unwrap_or_default();
        let touched: Vec<String> = stat
            .lines()
            .filter_map(|l| {
                let mut p = l.splitn(3, '\t');
                let (add, del, path) = (p.next()?, p.next()?, p.next()?);
                files
                    .iter()
                    .any(|f| same_file(path, f, &top))
                    .then(|| format!("  +{add} -{del} {path}"))
            })
            .collect();
        lines.push(
            format!(
                "uncommitted changes to those files: {}",
                if touched.is_empty() { "none" } else { "" }
            )
            .trim_end()
            .to_owned(),
        );
        lines.extend(touched);
    }
    let (text, truncated) = capped_output(&lines, 0, caps.max_bytes);
    Outcome::ok(text, truncated)
}

/// The package, target and features of each failing Rust test, from `cargo metadata`.
pub async fn cargo_facts(dir: &Path, tests: &[(String, Option<String>)], caps: Caps) -> Outcome {
    let dir = dir.to_owned();
    let meta = tokio::task::spawn_blocking(move || {
        cargo_metadata::MetadataCommand::new()
            .current_dir(&dir)
            .no_deps()
            .exec()
    })
    .await;
    let meta = match meta {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => {
            return Outcome::failed(CollectStatus::Failed, format!("cargo metadata failed: {e}"));
        }
        Err(e) => {
            return Outcome::failed(
                CollectStatus::Failed,
                format!("cargo metadata stopped: {e}"),
            );
        }
    };
    let root = PathBuf::from(meta.workspace_root.as_std_path());
    let mut lines = Vec::new();
    for (key, file) in tests {
        let file_path = file.as_deref().map(|f| {
            let p = PathBuf::from(f);
            if p.is_absolute() { p } else { root.join(p) }
        });
        let crate_prefix = key.split("::").next().unwrap_or("").replace('-', "_");
        let mut found = None;
        for pkg in meta.workspace_packages() {
            let pkg_dir = pkg
                .manifest_path
                .parent()
                .map(|p| p.as_std_path().to_owned());
            for t in &pkg.targets {
                let src = t.src_path.as_std_path();
                let by_file = file_path.as_deref().is_some_and(|f| {
                    f == src
                        || (src.parent().is_some_and(|d| f.starts_with(d))
                            && pkg_dir.as_deref().is_some_and(|p| f.starts_with(p)))
                });
                let by_name = file_path.is_none() && t.name.replace('-', "_") == crate_prefix;
                if by_file || by_name {
                    let better = match &found {
                        None => true,
                        Some((_, prev, _)) => file_path.as_deref() == Some(src) && prev != &src,
                    };
                    if better {
                        found = Some((pkg, src, t));
                    }
                }
            }
        }
        match found {
            Some((pkg, _, t)) => {
                let kinds: Vec<String> = t.kind.iter().map(|k| k.to_string()).collect();
                let features: Vec<&String> = pkg.features.keys().collect();
                lines.push(format!("{key}:"));
                lines.push(format!(
                    "  crate: {} {} ({})",
                    pkg.name, pkg.version, pkg.manifest_path
                ));
                lines.push(format!("  target: {} ({})", t.name, kinds.join(", ")));
                if !t.required_features.is_empty() {
                    lines.push(format!(
                        "  required features: {}",
                        t.required_features.join(", ")
                    ));
                }
                lines.push(format!(
                    "  features declared: {}",
                    if features.is_empty() {
                        "none".to_owned()
                    } else {
                        features
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ));
            }
            None => lines.push(format!("{key}: no target of this workspace matches")),
        }
    }
    lines.dedup();
    let (text, truncated) = capped_output(&lines, 0, caps.max_bytes);
    Outcome::ok(text, truncated)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    const CAPS: Caps = Caps {
        max_bytes: 1 << 16,
        max_lines: 100,
    };

    fn argv(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[tokio::test]
    async fn a_command_gets_only_allowlisted_env_and_merged_output() {
        // SAFETY-free: set_var is unsafe in edition 2024, so use a variable the test process already has.
        let o = run_command(
            &argv(&[
                "sh",
                "-c",
                "echo out; echo err >&2; echo \"path=${PATH:+set} home=${HOME:-unset}\"; exit 4",
            ]),
            &["PATH".to_owned()],
            Path::new("/"),
            Duration::from_secs(10),
            &Filter::default(),
            None,
            CAPS,
        )
        .await;
        assert_eq!(o.status, CollectStatus::Ok);
        assert_eq!(o.exit_status, Some(4));
        assert_eq!(o.text, "out\nerr\npath=set home=unset\n");
    }

    #[tokio::test]
    async fn a_command_over_its_timeout_is_killed_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        let script = format!(
            "echo started; (sleep 2; touch {}) & sleep 30",
            marker.display()
        );
        let start = std::time::Instant::now();
        let o = run_command(
            &argv(&["sh", "-c", &script]),
            &["PATH".into()],
            dir.path(),
            Duration::from_millis(300),
            &Filter::default(),
            None,
            CAPS,
        )
        .await;
        assert_eq!(o.status, CollectStatus::TimedOut);
        assert_eq!(o.error.as_deref(), Some("timed out after 0.3s"));
        assert_eq!(o.text, "started\n", "output before the timeout is kept");
        assert!(start.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert!(
            !marker.exists(),
            "the background child was killed with the group"
        );
    }

    #[tokio::test]
    async fn a_missing_program_or_file_is_recorded() {
        let o = run_command(
            &argv(&["/nonexistent/prog"]),
            &[],
            Path::new("/"),
            Duration::from_secs(5),
            &Filter::default(),
            None,
            CAPS,
        )
        .await;
        assert_eq!(o.status, CollectStatus::Failed);
        assert!(o.error.unwrap().contains("cannot run `/nonexistent/prog`"));
        let o = read_file(
            Path::new("/nonexistent/log"),
            &Filter::default(),
            None,
            CAPS,
        )
        .await;
        assert_eq!(o.status, CollectStatus::Failed);
    }

    #[tokio::test]
    async fn a_file_is_filtered_and_capped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("app.log");
        std::fs::write(
            &p,
            (1..=300)
                .map(|i| format!("{i} {}\n", if i % 50 == 0 { "ERROR" } else { "ok" }))
                .collect::<String>(),
        )
        .unwrap();
        let filter = Filter {
            grep: Some(regex::Regex::new("ERROR").unwrap()),
            ..Filter::default()
        };
        let o = read_file(&p, &filter, None, CAPS).await;
        assert_eq!(
            o.text,
            "50 ERROR\n100 ERROR\n150 ERROR\n200 ERROR\n250 ERROR\n300 ERROR\n"
        );
        assert!(!o.truncated);
        let o = read_file(
            &p,
            &Filter::default(),
            None,
            Caps {
                max_bytes: 1 << 16,
                max_lines: 10,
            },
        )
        .await;
        assert!(o.truncated);
        assert!(
            o.text
                .starts_with("[… 290 earlier lines omitted by failtale …]\n291 ok\n")
        );
    }

    #[test]
    fn env_shows_only_the_allowlist() {
        let o = read_env(&["PATH".into(), "FAILTALE_SURELY_UNSET".into()], CAPS);
        assert!(o.text.starts_with("PATH=/"));
        assert!(o.text.ends_with("FAILTALE_SURELY_UNSET is not set\n"));
        assert_eq!(o.text.lines().count(), 2);
    }

    #[test]
    fn result_file_paths_are_matched_against_git_paths() {
        assert!(same_file("tests/api.rs", "tests/api.rs", "/repo"));
        assert!(same_file("crates/x/tests/api.rs", "tests/api.rs", "/repo"));
        assert!(same_file("tests/api.rs", "/repo/tests/api.rs", "/repo"));
        assert!(!same_file("tests/api.rs", "tests/db.rs", "/repo"));
    }

    #[tokio::test]
    async fn git_reports_commits_touching_the_failing_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let sh = |s: &str| {
            let ok = std::process::Command::new("sh")
                .arg("-c")
                .arg(s)
                .current_dir(d)
                .status()
                .unwrap()
                .success();
            assert!(ok, "{s}");
        };
        sh("git init -q -b main . && git config user.email t@e && git config user.name T");
        sh(
            "mkdir tests && echo a > tests/api.rs && echo b > other.rs && git add . && git commit -qm 'add api test'",
        );
        sh("echo c >> other.rs && git commit -qam 'touch other'");
        sh("echo d >> tests/api.rs");
        let o = git_facts(d, 5, &["tests/api.rs".into()], CAPS).await;
        assert_eq!(o.status, CollectStatus::Ok, "{:?}", o.error);
        assert!(o.text.contains("branch: main"), "{}", o.text);
        assert!(
            o.text.contains("dirty: yes, 1 changed file(s)"),
            "{}",
            o.text
        );
        assert!(
            o.text.contains(": add api test\n    tests/api.rs"),
            "{}",
            o.text
        );
        assert!(!o.text.contains("touch other"), "{}", o.text);
        assert!(o.text.contains("+1 -0 tests/api.rs"), "{}", o.text);
    }

    #[tokio::test]
    async fn cargo_finds_the_crate_and_target_of_a_failing_test() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let tests = [
            (
                "config::tests::x".to_owned(),
                Some(root.join("src/config.rs").display().to_string()),
            ),
            ("nowhere::t".to_owned(), None),
        ];
        let o = cargo_facts(root, &tests, CAPS).await;
        assert_eq!(o.status, CollectStatus::Ok, "{:?}", o.error);
        assert!(o.text.contains("crate: failtale-collect"), "{}", o.text);
        assert!(
            o.text.contains("target: failtale_collect (lib)"),
            "{}",
            o.text
        );
        assert!(
            o.text
                .contains("nowhere::t: no target of this workspace matches"),
            "{}",
            o.text
        );
    }
}
