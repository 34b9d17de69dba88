//! Targeting: which components, hosts and commands a cluster concerns.
//!
//! The `select` rules pick components from the failures' names, suites,
//! files, messages and categories; mandatory hosts are always added; a
//! [`HostPicker`] (an LLM, later) may add up to K hosts *by name*, checked
//! against the inventory. Commands only ever come from the configuration.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use failtale_core::model::{Cluster, TestCase};
use failtale_core::{Sanitized, TestRun};

use crate::config::{CollectConfig, CollectorKind, CommandLine, Host, SelectRule};
use crate::filter::{Filter, remote_script, run_start};
use crate::template::{Vars, quote};

/// A host as shown to a [`HostPicker`]: name, roles and what the roles are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostInfo {
    /// Host name from the inventory.
    pub name: String,
    /// Components it plays, with their descriptions.
    pub roles: Vec<(String, String)>,
}

/// Proposes hosts to collect from for a cluster (an LLM reading the failure).
///
/// Only host *names* can be returned: the answer is filtered against the
/// inventory and cut to `collect.max_picked_hosts`, and the picked hosts run
/// only their configured collectors. A picker cannot add a host or a command.
///
/// It sees the sanitized run only (what it reads may go to an LLM). A picker
/// that fails returns nothing: picking can only add context, never stop a run.
#[async_trait]
pub trait HostPicker: Send + Sync + fmt::Debug {
    /// Names of at most `limit` hosts worth looking at, most relevant first.
    async fn pick(
        &self,
        cluster: &Cluster,
        run: &Sanitized<TestRun>,
        inventory: &[HostInfo],
        limit: usize,
    ) -> Vec<String>;
}

/// Where a job runs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// On this machine.
    Local,
    /// On the host with this index in [`CollectConfig::hosts`].
    Host(usize),
}

/// What a job does, fully rendered: no templates or config lookups remain.
#[derive(Clone, Debug)]
pub enum Action {
    /// Run a local program.
    Command {
        /// Program and arguments (`sh -c LINE` for a shell line).
        argv: Vec<String>,
        /// Environment variables passed through.
        env: Vec<String>,
        /// Working directory.
        cwd: PathBuf,
        /// Timeout.
        timeout: Duration,
        /// Output filter.
        filter: Filter,
    },
    /// Read a local file.
    File {
        /// Path.
        path: PathBuf,
        /// Filter.
        filter: Filter,
    },
    /// Read environment variables.
    Env {
        /// Names.
        vars: Vec<String>,
    },
    /// Git facts for files.
    Git {
        /// Repository directory.
        dir: PathBuf,
        /// Commits to show.
        commits: usize,
        /// The failing tests' files, as the result files named them.
        files: Vec<String>,
    },
    /// Cargo facts for the failing tests.
    Cargo {
        /// Workspace directory.
        dir: PathBuf,
        /// (test key, source file) of each failing test.
        tests: Vec<(String, Option<String>)>,
    },
    /// Run a script with `sh -c` on a host over SSH.
    Remote {
        /// The script (the command, its filters and caps), every value quoted.
        script: String,
        /// Timeout, when the collector overrides `[ssh].command_timeout`.
        timeout: Option<Duration>,
    },
}

/// One thing to collect.
#[derive(Clone, Debug)]
pub struct Job {
    /// Identity for deduplication across a run: the same key never runs twice.
    pub key: String,
    /// Collector kind (`command`, `file`, `env`, `git`, `cargo`, `ssh`).
    pub collector: &'static str,
    /// `component: description`.
    pub label: String,
    /// What to show as the command in provenance.
    pub display: String,
    /// Where it runs.
    pub target: Target,
    /// What it does.
    pub action: Action,
    /// The run start, for `since` filters of local output.
    pub since: Option<String>,
}

/// A job that could not be rendered (a template variable without a value).
#[derive(Clone, Debug)]
pub struct Unrendered {
    /// Collector kind.
    pub collector: &'static str,
    /// `component: description`.
    pub label: String,
    /// Host name for remote collectors.
    pub host: Option<String>,
    /// Why.
    pub reason: String,
}

/// What to collect for one cluster.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Components the select rules chose.
    pub components: BTreeSet<String>,
    /// Hosts collected from, by name.
    pub hosts: BTreeSet<String>,
    /// Jobs, deduplicated, in config order.
    pub jobs: Vec<Job>,
    /// Jobs that could not be rendered.
    pub unrendered: Vec<Unrendered>,
}

/// The inventory as a picker sees it.
pub fn inventory(config: &CollectConfig) -> Vec<HostInfo> {
    config
        .hosts
        .iter()
        .map(|h| HostInfo {
            name: h.name.clone(),
            roles: h
                .roles
                .iter()
                .map(|r| {
                    let d = config.components.get(r).map(|c| c.description.clone());
                    (r.clone(), d.unwrap_or_default())
                })
                .collect(),
        })
        .collect()
}

/// Keeps only picked names that are in the inventory, once each, at most `max`.
pub fn accept_picks(config: &CollectConfig, picked: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    picked
        .iter()
        .map(|p| p.trim())
        .filter(|p| config.host(p).is_some() && seen.insert(p.to_owned()))
        .take(config.settings.max_picked_hosts)
        .map(str::to_owned)
        .collect()
}

/// The test property naming the components a failure concerns
/// (comma-separated), as a harness's failure hook or a result file says.
pub const COMPONENTS_PROPERTY: &str = "failtale.components";

/// Components the select rules choose for a cluster, and the configured
/// components its tests name in their [`COMPONENTS_PROPERTY`] (names not
/// in the configuration are ignored: collection stays within it).
pub fn select_components(
    config: &CollectConfig,
    cluster: &Cluster,
    run: &TestRun,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for case in cluster
        .case_indices
        .iter()
        .filter_map(|&i| run.cases.get(i))
    {
        for p in case
            .properties()
            .iter()
            .filter(|p| p.name == COMPONENTS_PROPERTY)
        {
            out.extend(
                p.value
                    .split(',')
                    .map(str::trim)
                    .filter(|name| config.components.contains_key(*name))
                    .map(str::to_owned),
            );
        }
    }
    for rule in &config.select {
        let hit = cluster
            .case_indices
            .iter()
            .filter_map(|&i| run.cases.get(i))
            .any(|case| rule_matches(rule, cluster, case));
        if hit {
            out.extend(rule.components.iter().cloned());
        }
    }
    out
}

fn rule_matches(rule: &SelectRule, cluster: &Cluster, case: &TestCase) -> bool {
    let primary = case.primary_failure();
    let test = |re: &regex::Regex| re.is_match(&case.id.key()) || re.is_match(&case.id.name);
    let suite = |re: &regex::Regex| {
        case.id.suite.iter().any(|s| re.is_match(s))
            || case.id.classname.as_deref().is_some_and(|c| re.is_match(c))
    };
    let file = |re: &regex::Regex| {
        case.file.as_deref().is_some_and(|f| re.is_match(f))
            || primary
                .and_then(|p| p.file.as_deref())
                .is_some_and(|f| re.is_match(f))
    };
    let message = |re: &regex::Regex| primary.is_some_and(|p| re.is_match(&p.full_text()));
    let category = |re: &regex::Regex| {
        let named: Vec<&str> = cluster
            .fingerprint
            .components
            .iter()
            .filter(|c| c.name == "category")
            .map(|c| c.value.as_str())
            .collect();
        if !named.is_empty() {
            return named.iter().any(|v| re.is_match(v));
        }
        primary.is_some_and(|p| {
            re.is_match(p.kind.as_str()) || p.r#type.as_deref().is_some_and(|t| re.is_match(t))
        })
    };
    let check =
        |re: &Option<regex::Regex>, f: &dyn Fn(&regex::Regex) -> bool| re.as_ref().is_none_or(f);
    check(&rule.test, &test)
        && check(&rule.suite, &suite)
        && check(&rule.file, &file)
        && check(&rule.message, &message)
        && check(&rule.category, &category)
}

/// Plans the collection for a cluster. `picked` is a picker's raw answer.
pub fn plan(config: &CollectConfig, cluster: &Cluster, run: &TestRun, picked: &[String]) -> Plan {
    let components = select_components(config, cluster, run);
    let vars = Vars::for_cluster(cluster, run);
    let since = run_start(run);
    let mut plan = Plan {
        components: components.clone(),
        ..Plan::default()
    };
    let mut keys = HashSet::new();
    let mut push = |plan: &mut Plan, r: Result<Job, Unrendered>| match r {
        Ok(job) => {
            if keys.insert(job.key.clone()) {
                plan.jobs.push(job);
            }
        }
        Err(u) => plan.unrendered.push(u),
    };

    // Local collectors of the selected components.
    for name in &components {
        let Some(component) = config.components.get(name) else {
            continue;
        };
        for spec in &component.collectors {
            if matches!(spec.kind, CollectorKind::Ssh { .. }) {
                continue;
            }
            let label = format!("{name}: {}", spec.description);
            push(
                &mut plan,
                local_job(&spec.kind, label, cluster, run, &vars, since.as_deref()),
            );
        }
    }

    // Hosts: by selected role, mandatory, picked. A host reached through a
    // selected role runs that role's collectors; a mandatory or picked host runs all of its roles'.
    let picked = accept_picks(config, picked);
    for (index, host) in config.hosts.iter().enumerate() {
        let all_roles = host.mandatory || picked.contains(&host.name);
        let roles: Vec<&String> = host
            .roles
            .iter()
            .filter(|r| all_roles || components.contains(*r))
            .collect();
        if roles.is_empty() && !all_roles {
            continue;
        }
        plan.hosts.insert(host.name.clone());
        for role in roles {
            let Some(component) = config.components.get(role) else {
                continue;
            };
            for spec in &component.collectors {
                if let CollectorKind::Ssh {
                    line,
                    timeout,
                    filter,
                    native_since,
                } = &spec.kind
                {
                    let label = format!("{role}: {}", spec.description);
                    let job = remote_job(
                        config,
                        index,
                        host,
                        line,
                        *timeout,
                        filter,
                        *native_since,
                        label,
                        &vars,
                        since.as_deref(),
                    );
                    push(&mut plan, job);
                }
            }
        }
    }
    plan
}

fn local_job(
    kind: &CollectorKind,
    label: String,
    cluster: &Cluster,
    run: &TestRun,
    vars: &Vars,
    since: Option<&str>,
) -> Result<Job, Unrendered> {
    let fail = |collector: &'static str, label: &str, reason: String| Unrendered {
        collector,
        label: label.to_owned(),
        host: None,
        reason,
    };
    let members = || {
        cluster
            .case_indices
            .iter()
            .filter_map(|&i| run.cases.get(i))
    };
    let job = |collector, key: String, display: String, action| Job {
        key,
        collector,
        label: label.clone(),
        display,
        target: Target::Local,
        action,
        since: since.map(str::to_owned),
    };
    Ok(match kind {
        CollectorKind::Command {
            line,
            timeout,
            env,
            cwd,
            filter,
        } => {
            let argv = match line {
                CommandLine::Argv(parts) => parts
                    .iter()
                    .map(|t| t.render_word(vars))
                    .collect::<Result<Vec<_>, _>>(),
                CommandLine::Shell(t) => t
                    .render_shell(vars)
                    .map(|l| vec!["sh".to_owned(), "-c".to_owned(), l]),
            }
            .map_err(|e| fail("command", &label, e))?;
            let display = match line {
                CommandLine::Shell(_) => argv[2].clone(),
                CommandLine::Argv(_) => join_quoted(&argv),
            } + &filter.describe(since);
            let key = format!("command\0{}\0{display}\0{}", cwd.display(), env.join(","));
            job(
                "command",
                key,
                display,
                Action::Command {
                    argv,
                    env: env.clone(),
                    cwd: cwd.clone(),
                    timeout: *timeout,
                    filter: filter.clone(),
                },
            )
        }
        CollectorKind::File { path, filter } => {
            let display = format!("{}{}", path.display(), filter.describe(since));
            job(
                "file",
                format!("file\0{display}"),
                display,
                Action::File {
                    path: path.clone(),
                    filter: filter.clone(),
                },
            )
        }
        CollectorKind::Env { vars } => job(
            "env",
            format!("env\0{}", vars.join(",")),
            format!("env {}", vars.join(" ")),
            Action::Env { vars: vars.clone() },
        ),
        CollectorKind::Git { commits, dir } => {
            let mut files: Vec<String> = members()
                .flat_map(|c| {
                    [
                        c.file.clone(),
                        c.primary_failure().and_then(|f| f.file.clone()),
                    ]
                })
                .flatten()
                .collect();
            files.sort();
            files.dedup();
            job(
                "git",
                format!("git\0{}\0{commits}\0{}", dir.display(), files.join("\0")),
                format!("git facts for {} file(s)", files.len()),
                Action::Git {
                    dir: dir.clone(),
                    commits: *commits,
                    files,
                },
            )
        }
        CollectorKind::Cargo { dir } => {
            let tests: Vec<(String, Option<String>)> = members()
                .map(|c| {
                    let file = c
                        .file
                        .clone()
                        .or_else(|| c.primary_failure().and_then(|f| f.file.clone()));
                    (c.id.key(), file)
                })
                .collect();
            let key = tests
                .iter()
                .map(|(k, f)| format!("{k}\0{}", f.as_deref().unwrap_or("")))
                .collect::<Vec<_>>()
                .join("\0");
            job(
                "cargo",
                format!("cargo\0{}\0{key}", dir.display()),
                "cargo metadata --no-deps".into(),
                Action::Cargo {
                    dir: dir.clone(),
                    tests,
                },
            )
        }
        CollectorKind::Ssh { .. } => {
            return Err(fail("ssh", &label, "not a local collector".into()));
        }
    })
}

#[allow(clippy::too_many_arguments)]
fn remote_job(
    config: &CollectConfig,
    index: usize,
    host: &Host,
    line: &CommandLine,
    timeout: Option<Duration>,
    filter: &Filter,
    native_since: Option<crate::config::NativeSince>,
    label: String,
    vars: &Vars,
    since: Option<&str>,
) -> Result<Job, Unrendered> {
    let rendered = match line {
        CommandLine::Argv(parts) => parts
            .iter()
            .map(|t| t.render_word(vars).and_then(|w| quote(&w)))
            .collect::<Result<Vec<_>, _>>()
            .map(|words| words.join(" ")),
        CommandLine::Shell(t) => t.render_shell(vars),
    };
    let mut command = rendered.map_err(|reason| Unrendered {
        collector: "ssh",
        label: label.clone(),
        host: Some(host.name.clone()),
        reason,
    })?;
    if let (Some(native), Some(since)) = (native_since, since) {
        for a in crate::presets::since_args(native, since) {
            command.push(' ');
            command.push_str(&quote(&a).unwrap_or_default());
        }
    }
    let script = remote_script(&command, filter, since, config.settings.max_lines);
    let display = format!("{command}{}", filter.describe(since));
    Ok(Job {
        key: format!("ssh\0{}\0{script}", host.name),
        collector: "ssh",
        label,
        display,
        target: Target::Host(index),
        action: Action::Remote { script, timeout },
        since: since.map(str::to_owned),
    })
}

fn join_quoted(argv: &[String]) -> String {
    argv.iter()
        .map(|a| quote(a).unwrap_or_else(|_| a.clone()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use failtale_core::model::{
        Attempt, Failure, FailureKind, InputStatus, Signature, SignatureComponent, TestId,
    };

    use super::*;

    const CONFIG: &str = r#"
[collect]
max_picked_hosts = 1
[components.database]
description = "PostgreSQL"
[[components.database.collectors]]
kind = "ssh"
description = "journal"
preset = "journal"
unit = "postgresql"
[[components.database.collectors]]
kind = "env"
description = "db env"
vars = ["PGHOST"]
[components.api]
description = "HTTP API"
[[components.api.collectors]]
kind = "ssh"
description = "api log"
argv = ["tail", "-n", "50", "/var/log/api.log"]
[components.proxy]
description = "nginx"
[[components.proxy.collectors]]
kind = "ssh"
description = "status"
preset = "systemctl-status"
unit = "nginx"

[[hosts]]
name = "db1"
roles = ["database"]
[[hosts]]
name = "api1"
roles = ["api"]
[[hosts]]
name = "edge"
roles = ["proxy"]
mandatory = true
[[hosts]]
name = "spare"
roles = ["api", "database"]

[[select]]
components = ["database"]
message = "(?i)deadlock|connection refused"
[[select]]
components = ["api"]
suite = "^http_"
category = "error"
"#;

    pub(crate) fn run_with(tests: &[(&str, &str, &str, FailureKind)]) -> (TestRun, Vec<Cluster>) {
        let cases = tests
            .iter()
            .map(|(suite, name, message, kind)| {
                let mut f = Failure::new(*kind);
                f.message = Some((*message).into());
                let id = TestId::new(vec![(*suite).into()].into(), None, *name);
                failtale_core::model::TestCase::new(id, vec![Attempt::with_failures(vec![f])])
            })
            .collect();
        let mut run = TestRun::default();
        run.push_input(InputStatus::default(), cases, Vec::new());
        let clusters = failtale_core::Pipeline::default().cluster(&run);
        (run, clusters)
    }

    fn config() -> CollectConfig {
        CollectConfig::from_toml_str(CONFIG, Path::new("/")).unwrap()
    }

    #[test]
    fn rules_pick_components_and_their_hosts_plus_mandatory_ones() {
        let c = config();
        let (run, clusters) = run_with(&[(
            "db_tests",
            "t1",
            "ERROR: deadlock detected",
            FailureKind::Failure,
        )]);
        let p = plan(&c, &clusters[0], &run, &[]);
        assert_eq!(p.components.iter().collect::<Vec<_>>(), ["database"]);
        assert_eq!(p.hosts.iter().collect::<Vec<_>>(), ["db1", "edge", "spare"]);
        let what: Vec<(String, &str)> = p
            .jobs
            .iter()
            .map(|j| (j.label.clone(), j.collector))
            .collect();
        assert_eq!(what.len(), 4, "{what:?}");
        assert!(p.jobs.iter().any(|j| j.collector == "env"));
        // spare plays api too, but api was not selected: only its database collector runs.
        let spare = c.hosts.iter().position(|h| h.name == "spare").unwrap();
        let on_spare: Vec<&str> = p
            .jobs
            .iter()
            .filter(|j| j.target == Target::Host(spare))
            .map(|j| j.label.as_str())
            .collect();
        assert_eq!(on_spare, ["database: journal"]);
    }

    #[test]
    fn a_failure_naming_its_components_gets_the_configured_ones_only() {
        let c = config();
        let (mut run, clusters) =
            run_with(&[("misc", "t1", "something odd", FailureKind::Failure)]);
        assert!(
            select_components(&c, &clusters[0], &run).is_empty(),
            "no rule matches"
        );
        run.cases[0]
            .properties_mut()
            .push(failtale_core::model::Property::new(
                COMPONENTS_PROPERTY,
                " proxy, nonexistent ,api",
            ));
        assert_eq!(
            select_components(&c, &clusters[0], &run)
                .iter()
                .collect::<Vec<_>>(),
            ["api", "proxy"]
        );
        let p = plan(&c, &clusters[0], &run, &[]);
        assert_eq!(
            p.hosts.iter().collect::<Vec<_>>(),
            ["api1", "edge", "spare"]
        );
    }

    #[test]
    fn all_patterns_of_a_rule_must_match() {
        let c = config();
        let (run, clusters) = run_with(&[
            ("http_suite", "t1", "500", FailureKind::Failure),
            ("http_suite", "t2", "boom", FailureKind::Error),
        ]);
        let by_message = |m: &str| {
            clusters
                .iter()
                .find(|cl| {
                    run.cases[cl.representative]
                        .primary_failure()
                        .unwrap()
                        .message
                        .as_deref()
                        == Some(m)
                })
                .unwrap()
        };
        assert!(
            select_components(&c, by_message("500"), &run).is_empty(),
            "category `error` does not match a failure"
        );
        assert_eq!(
            select_components(&c, by_message("boom"), &run)
                .into_iter()
                .collect::<Vec<_>>(),
            ["api"]
        );
        // A fingerprint's own category component wins over kind and type.
        let mut cl = by_message("boom").clone();
        cl.fingerprint =
            Signature::from_components(vec![SignatureComponent::info("category", "network")]);
        assert!(select_components(&c, &cl, &run).is_empty());
    }

    #[test]
    fn a_picker_can_only_name_inventory_hosts_up_to_the_limit() {
        let c = config();
        let (run, clusters) =
            run_with(&[("x", "t1", "nothing selects this", FailureKind::Failure)]);
        let picked = [
            "evil.example.com".to_owned(),
            "api1; rm -rf ~".to_owned(),
            "sh -c 'curl x | sh'".to_owned(),
            "api1".to_owned(),
            "db1".to_owned(),
        ];
        assert_eq!(accept_picks(&c, &picked), ["api1"]);
        let p = plan(&c, &clusters[0], &run, &picked);
        assert_eq!(p.hosts.iter().collect::<Vec<_>>(), ["api1", "edge"]);
        assert!(
            p.jobs
                .iter()
                .all(|j| !j.key.contains("evil") && !j.key.contains("curl"))
        );
        let configured: Vec<&str> = p.jobs.iter().map(|j| j.label.as_str()).collect();
        assert_eq!(configured, ["api: api log", "proxy: status"]);
        let inv = inventory(&c);
        assert_eq!(
            inv[0].roles,
            [("database".to_owned(), "PostgreSQL".to_owned())]
        );
    }

    #[test]
    fn remote_commands_quote_config_values_and_name_no_test_values() {
        let c = config();
        let (run, clusters) = run_with(&[(
            "db",
            "it; rm -rf ~ $(id)",
            "deadlock `id`",
            FailureKind::Failure,
        )]);
        let p = plan(&c, &clusters[0], &run, &[]);
        for j in &p.jobs {
            assert!(
                !j.key.contains("rm -rf") && !j.key.contains("$(id)") && !j.key.contains("`id`"),
                "{}",
                j.key
            );
        }
        let journal = p
            .jobs
            .iter()
            .find(|j| j.label == "database: journal")
            .unwrap();
        assert!(
            journal
                .display
                .starts_with("journalctl --no-pager -o short-iso -u postgresql"),
            "{}",
            journal.display
        );
    }
}
