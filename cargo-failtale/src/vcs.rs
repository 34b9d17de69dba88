//! Which commit, branch and CI job a run belongs to.

use std::path::Path;
use std::process::Command;

use failtale_core::model::VcsInfo;

/// CI variables holding the commit, in the order they are tried.
const COMMIT_VARS: &[&str] = &[
    "GITHUB_SHA",          // GitHub Actions
    "CI_COMMIT_SHA",       // GitLab CI
    "BUILDKITE_COMMIT",    // Buildkite
    "CIRCLE_SHA1",         // CircleCI
    "TRAVIS_COMMIT",       // Travis CI
    "BITBUCKET_COMMIT",    // Bitbucket Pipelines
    "BUILD_SOURCEVERSION", // Azure Pipelines
    "GIT_COMMIT",          // Jenkins
];

/// CI variables holding the branch. GitHub's `GITHUB_HEAD_REF` (the source
/// branch of a pull request) comes before `GITHUB_REF_NAME` (which is
/// `123/merge` for pull requests).
const BRANCH_VARS: &[&str] = &[
    "GITHUB_HEAD_REF",
    "GITHUB_REF_NAME",
    "CI_COMMIT_REF_NAME",
    "BUILDKITE_BRANCH",
    "CIRCLE_BRANCH",
    "TRAVIS_BRANCH",
    "BITBUCKET_BRANCH",
    "BUILD_SOURCEBRANCHNAME",
    "GIT_BRANCH",
];

/// CI variables identifying the job.
const JOB_VARS: &[&str] = &[
    "GITHUB_RUN_ID",
    "CI_JOB_ID",
    "BUILDKITE_JOB_ID",
    "CIRCLE_WORKFLOW_JOB_ID",
    "TRAVIS_JOB_ID",
    "BITBUCKET_BUILD_NUMBER",
    "BUILD_BUILDID",
    "BUILD_TAG",
];

/// Works out the run's VCS facts: the flags first, then the usual CI
/// variables (read through `env`), then `git` in `cwd`.
pub fn detect(
    commit: Option<&str>,
    branch: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
) -> VcsInfo {
    let first = |vars: &[&str]| {
        vars.iter().find_map(|v| {
            env(v)
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        })
    };
    let mut info = {
        let mut vcs_info = VcsInfo::default();
        vcs_info.commit = commit.map(str::to_owned).or_else(|| first(COMMIT_VARS));
        vcs_info.branch = branch.map(str::to_owned).or_else(|| first(BRANCH_VARS));
        vcs_info.ci_job = first(JOB_VARS);
        vcs_info
    };
    // A re-run of a GitHub job keeps its run id; the attempt tells them apart.
    if let (Some(job), Some(attempt)) = (&mut info.ci_job, env("GITHUB_RUN_ATTEMPT")) {
        job.push('.');
        job.push_str(attempt.trim());
    }
    let detached = |b: &String| b != "HEAD";
    match (info.commit.is_none(), info.branch.is_none()) {
        // One git process for both: `HEAD`'s hash, then its branch.
        (true, true) => {
            let both = git(cwd, &["rev-parse", "HEAD", "--abbrev-ref", "HEAD"]);
            let mut lines = both.as_deref().unwrap_or_default().lines().map(str::trim);
            info.commit = lines.next().filter(|s| !s.is_empty()).map(str::to_owned);
            info.branch = lines
                .next()
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .filter(detached);
        }
        (true, false) => info.commit = git(cwd, &["rev-parse", "HEAD"]),
        (false, true) => {
            info.branch = git(cwd, &["rev-parse", "--abbrev-ref", "HEAD"]).filter(detached);
        }
        (false, false) => {}
    }
    // Jenkins writes `origin/main`.
    if let Some(b) = &mut info.branch
        && let Some(rest) = b.strip_prefix("origin/")
    {
        *b = rest.to_owned();
    }
    info
}

fn git(cwd: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(cwd)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn flags_beat_ci_variables() {
        let dir = tempfile::tempdir().unwrap();
        let e = env(&[("GITHUB_SHA", "aaa"), ("GITHUB_REF_NAME", "main")]);
        let v = detect(Some("bbb"), None, &e, dir.path());
        assert_eq!(v.commit.as_deref(), Some("bbb"));
        assert_eq!(v.branch.as_deref(), Some("main"));
    }

    #[test]
    fn ci_variables_in_order_and_pull_request_branch_first() {
        let dir = tempfile::tempdir().unwrap();
        let e = env(&[
            ("GITHUB_SHA", "gh"),
            ("CI_COMMIT_SHA", "gl"),
            ("GITHUB_HEAD_REF", "feature"),
            ("GITHUB_REF_NAME", "12/merge"),
            ("GITHUB_RUN_ID", "77"),
            ("GITHUB_RUN_ATTEMPT", "2"),
        ]);
        let v = detect(None, None, &e, dir.path());
        assert_eq!(v.commit.as_deref(), Some("gh"));
        assert_eq!(v.branch.as_deref(), Some("feature"));
        assert_eq!(v.ci_job.as_deref(), Some("77.2"));
        let e = env(&[("BUILDKITE_COMMIT", "bk"), ("GIT_BRANCH", "origin/main")]);
        let v = detect(None, None, &e, dir.path());
        assert_eq!(v.commit.as_deref(), Some("bk"));
        assert_eq!(v.branch.as_deref(), Some("main"));
    }

    #[test]
    fn commit_and_branch_from_git_in_one_call_and_none_for_a_detached_head() {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            let o = Command::new("git")
                .args([
                    "-c",
                    "user.name=t",
                    "-c",
                    "user.email=t@t",
                    "-c",
                    "commit.gpgsign=false",
                ])
                .args(args)
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8(o.stdout).unwrap().trim().to_owned()
        };
        run(&["init", "-q", "-b", "work"]);
        run(&["commit", "-q", "--allow-empty", "-m", "one"]);
        let head = run(&["rev-parse", "HEAD"]);
        let v = detect(None, None, &env(&[]), dir.path());
        assert_eq!(v.commit.as_deref(), Some(head.as_str()));
        assert_eq!(v.branch.as_deref(), Some("work"));
        // Only what is not known already is asked.
        let v = detect(Some("given"), None, &env(&[]), dir.path());
        assert_eq!(v.commit.as_deref(), Some("given"));
        assert_eq!(v.branch.as_deref(), Some("work"));
        let v = detect(None, Some("b"), &env(&[]), dir.path());
        assert_eq!(v.commit.as_deref(), Some(head.as_str()));
        run(&["checkout", "-q", "--detach"]);
        let v = detect(None, None, &env(&[]), dir.path());
        assert_eq!(v.commit.as_deref(), Some(head.as_str()));
        assert_eq!(v.branch, None);
    }

    #[test]
    fn nothing_known_outside_a_repository() {
        let dir = tempfile::tempdir().unwrap();
        let v = detect(None, None, &env(&[]), dir.path());
        // A temp dir may sit inside a repository on some machines; then git answers.
        if v.commit.is_none() {
            assert_eq!(v, VcsInfo::default());
        }
    }
}
