//! `cargo failtale init`: writes a `failtale.toml` listing every option.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use failtale_collect::CollectConfig;
use failtale_core::history::stability::StabilityOptions;
use failtale_core::sanitize::SanitizeConfig;
use failtale_llm::provider::{LlmSettings, Provider};

use crate::errors::CliError;

/// Options of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,

    /// Where to write it: a file, or a directory to write `failtale.toml` into.
    #[arg(value_name = "PATH", default_value = "failtale.toml")]
    pub path: PathBuf,
}

/// Writes the file; refuses to overwrite one unless `--force`.
pub fn init(args: &InitArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let path = if args.path.is_dir() {
        args.path.join("failtale.toml")
    } else {
        args.path.clone()
    };
    let mut open = std::fs::OpenOptions::new();
    open.write(true);
    if args.force {
        open.create(true).truncate(true);
    } else {
        // Atomic: a file created between a check and the write is not overwritten either.
        open.create_new(true);
    }
    let fail = |source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::Exists(path.clone())
        } else {
            CliError::Write {
                path: path.clone(),
                source,
            }
        }
    };
    let mut file = open.open(&path).map_err(fail)?;
    file.write_all(template().as_bytes()).map_err(fail)?;
    file.flush().map_err(fail)?;
    writeln!(
        out,
        "wrote {}: every option with its default; uncomment and change what you need",
        path.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The file's text. The defaults are read from the types that apply them.
pub fn template() -> String {
    let collect = CollectConfig::default();
    let s = &collect.settings;
    let ssh = &collect.ssh;
    let sanitize = SanitizeConfig::default();
    let llm = LlmSettings::new(Provider::Custom, "", "");
    let window = StabilityOptions::default().window;
    let keep = crate::history_cmd::DEFAULT_KEEP;
    let secs = |d: std::time::Duration| d.as_secs_f64();
    format!(
        r#"# failtale.toml: the configuration of `cargo failtale`.
# Every option is listed with its default; a commented-out line is the default.
# Read from the current directory, or the file given with --config.
# Reference: docs/ in the failtale repository.

# ---- llm: explaining failures with a language model -------------------------
# Without a provider here, on the command line (--provider) or in the
# environment (OLLAMA_HOST, GROQ_API_KEY, OPENAI_API_KEY, ANTHROPIC_API_KEY),
# the offline rules explain each failure. API keys are read from the
# environment only, never from this file.
# [llm]
# provider = "ollama"              # openai, groq, ollama, anthropic or custom
# model = ""                       # default: a small model of the provider
# base_url = ""                    # an OpenAI-compatible API (implies provider = "custom")
# api_key_env = ""                 # the variable holding the key (default: the provider's own)
# concurrency = {concurrency}                  # clusters sent at once
# single_pass = {single_pass}              # one request per cluster instead of analyzer + critic
# timeout_secs = {timeout}               # per request
# deadline_secs = {deadline}             # for the whole analysis; later clusters fall back to the rules
# max_retries = {llm_retries}                  # on 429, 5xx and timeouts, with backoff
# prompt_budget_bytes = {budget}     # evidence sent per cluster
# offline = false                  # never use a model, whatever the environment offers

# ---- history: the store of earlier runs -------------------------------------
# [history]
# path = "history.db"              # default: history.db in the output directory
# keep_runs = {keep}                # runs kept per branch (0 keeps all)
# keep_days = 90                   # runs older than this are deleted (default: kept)
# window = {window}                     # recent runs judged per test by `flaky`

# ---- serve: `cargo failtale serve`, one server for many CI runners ----------
# [serve]
# listen = "127.0.0.1:5050"        # 0.0.0.0:5050 to serve other hosts (tokens needed)
# token_file = "tokens.sha256"     # SHA-256 digests of accepted tokens, one per line
#                                  # (FAILTALE_SERVE_TOKENS, when set, is used instead)
# body_limit = 268435456           # largest upload in bytes, after decompression
# pipelines = 2                    # uploads processed at once (default: cores)
# request_timeout = 600            # seconds one request may take

# ---- sanitize: what is redacted before anything is written or sent ----------
[sanitize]
# exact_values = []                # values redacted wherever they appear verbatim
# disable = []                     # built-in rules switched off, by name ("email", …)
# allow = []                       # never redacted: [{{ value = "…" }}, {{ regex = "…" }}]
env_secrets = {env_secrets}               # values of *_TOKEN, *_PASSWORD, … variables, verbatim
redact_emails = {redact_emails}
redact_ips = {redact_ips}               # IPv4 addresses are often what a failure is about
redact_card_numbers = {redact_card_numbers}

# A rule of the project's own (any number of these):
# [[sanitize.extra_rules]]
# name = "order_id"                # unique; also the placeholder kind unless `kind` is set
# pattern = 'ORD-\d{{4}}-[A-Z]{{2}}'   # Rust regex syntax
# secret_group = 1                 # capture group holding the secret (default: the whole match)
# kind = "order_id"
# anchors = ["ORD-"]               # literals of which one must occur for the rule to run

# ---- collect: what to look at, and where, when tests fail -------------------
# Commands come only from this file; values from result files reach a command
# only through a {{{{variable}}}} (test_name, test_key, suite, test_file,
# cluster_id, fingerprint, run_started), as one quoted word.
[collect]
max_bytes = {max_bytes}                # per output: head and tail kept, a marker in between
max_lines = {max_lines}                  # per output: the last lines kept
parallelism = {parallelism}                 # hosts (and local commands) collected at once
commands_per_host = {commands_per_host}            # commands at once on one host, over one connection
max_picked_hosts = {max_picked_hosts}             # hosts an LLM may add per cluster, by name only
command_timeout = {command_timeout}             # seconds, local commands

[ssh]                              # defaults; ~/.ssh/config and the agent still apply
# user = "failtale-ro"             # a read-only user (default: ~/.ssh/config or the local user)
# port = 22
# identity_file = "~/.ssh/id_ed25519"   # when set, only this key is offered
# known_hosts_file = "~/.ssh/known_hosts"   # always checked strictly
# config_file = "~/.ssh/config"
# control_directory = "/tmp"       # where control sockets live (default: the temporary directory)
connect_timeout = {connect_timeout}
command_timeout = {ssh_command_timeout}
retries = {retries}                        # only after "connection refused" or a timeout

# A component of the system under test, and what to collect about it:
# [components.database]
# description = "PostgreSQL primary"
# [[components.database.collectors]]
# kind = "ssh"                     # on every host playing the component
# description = "postgres journal"
# preset = "journal"               # journal, systemctl-status, docker-logs, kubectl-logs, disk, memory, listening
# unit = "postgresql"              # for journal and systemctl-status
# container = "db"                 # for docker-logs
# pod = "db-0"                     # for kubectl-logs
# namespace = "default"            # for kubectl-logs
# argv = ["uptime"]                # instead of a preset (each word quoted for the remote shell)
# shell = "uptime"                 # or a line for the remote shell
# timeout = 30                     # seconds (default: [ssh].command_timeout)
# tail = 200                       # keep the last N lines
# grep = "ERROR|FATAL"             # keep matching lines (POSIX extended)
# context = 0                      # lines around matches
# since = false                    # keep lines since the test run started
# [[components.database.collectors]]
# kind = "command"                 # a local command, no shell unless `shell`
# description = "local service status"
# argv = ["systemctl", "status", "postgresql"]
# shell = "systemctl status postgresql"
# timeout = 30
# env = ["PATH", "HOME", "LANG"]   # variables passed through
# cwd = "."                        # relative to this file
# tail = 100
# grep = "error"
# context = 0
# since = false
# [[components.database.collectors]]
# kind = "file"
# description = "app log"
# path = "target/app.log"          # relative to this file
# tail = 200
# grep = "(?i)error"
# context = 0
# since = false
# [[components.database.collectors]]
# kind = "env"
# description = "CI variables"
# vars = ["CI", "GITHUB_RUN_ID"]
# [[components.database.collectors]]
# kind = "git"
# description = "recent changes to the failing tests"
# commits = 5
# [[components.database.collectors]]
# kind = "cargo"
# description = "crate and target of failing Rust tests"

# A host to collect from over ssh:
# [[hosts]]
# name = "db1"                     # used in reports and by the host picker
# hostname = "db1.internal"        # default: name
# roles = ["database"]             # components it plays
# mandatory = false                # collected for every cluster
# user = "failtale-ro"             # overrides [ssh].user
# port = 22                        # overrides [ssh].port
# identity_file = "~/.ssh/id_ed25519"
# jump_hosts = []                  # ProxyJump, outermost first

# When every given pattern matches a failing test, collect these components
# (a rule with no pattern matches every failure):
# [[select]]
# components = ["database"]
# test = "^db_"                    # on the test key and the bare name
# suite = "integration"            # on any enclosing suite name
# file = "tests/db"                # on the test's or failure's source file
# message = "(?i)deadlock|connection refused"
# category = "database"            # on the fingerprint's category, else the failure kind
"#,
        concurrency = llm.concurrency,
        single_pass = llm.single_pass,
        timeout = llm.request_timeout.as_secs(),
        deadline = llm.deadline.as_secs(),
        budget = llm.budget,
        llm_retries = llm.max_retries,
        keep = keep,
        window = window,
        env_secrets = sanitize.env_secrets,
        redact_emails = sanitize.redact_emails,
        redact_ips = sanitize.redact_ips,
        redact_card_numbers = sanitize.redact_card_numbers,
        max_bytes = s.max_bytes,
        max_lines = s.max_lines,
        parallelism = s.parallelism,
        commands_per_host = s.commands_per_host,
        max_picked_hosts = s.max_picked_hosts,
        command_timeout = secs(s.command_timeout),
        connect_timeout = secs(ssh.connect_timeout),
        ssh_command_timeout = secs(ssh.command_timeout),
        retries = ssh.retries,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// The keys the loader accepts in a table, read from its own error for an
    /// unknown key (`expected one of `a`, `b``), so a key added to the
    /// configuration types and left out of the template fails this test.
    fn accepted_keys(snippet_with_probe: &str) -> BTreeSet<String> {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("probe.toml");
        std::fs::write(&f, snippet_with_probe).unwrap();
        let e = crate::config::load(Some(&f), dir.path())
            .expect_err("the probe key is unknown")
            .to_string();
        let expected = e
            .split("expected")
            .nth(1)
            .unwrap_or_else(|| panic!("no list of keys in: {e}"));
        expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    }

    /// Keys written (or commented out) under each table header of the template.
    fn template_keys(text: &str) -> BTreeMap<String, BTreeSet<String>> {
        let mut keys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut section = String::new();
        for line in text.lines() {
            let l = line.trim_start_matches('#').trim();
            if l.starts_with('[') {
                section = l
                    .trim_start_matches('[')
                    .split(']')
                    .next()
                    .unwrap()
                    .to_owned();
                keys.entry(section.clone()).or_default();
                // A sub-table is a key of its parent: `[[sanitize.extra_rules]]`.
                if let Some((parent, key)) = section.rsplit_once('.') {
                    keys.entry(parent.to_owned())
                        .or_default()
                        .insert(key.to_owned());
                }
            } else if let Some((k, _)) = l.split_once(" = ")
                && !k.contains(' ')
            {
                keys.entry(section.clone())
                    .or_default()
                    .insert(k.to_owned());
            }
        }
        keys
    }

    const PROBE: &str = "failtale_probe_key = 1\n";

    #[test]
    fn the_template_loads_and_lists_every_key_the_loader_accepts() {
        let text = template();
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("failtale.toml");
        std::fs::write(&f, &text).unwrap();
        let config = crate::config::load(Some(&f), dir.path()).expect("the template loads");
        assert_eq!(config.sanitize, SanitizeConfig::default());
        assert!(config.collect.is_none(), "no component is configured");

        let written = template_keys(&text);
        let top: BTreeSet<String> = written
            .keys()
            .map(|s| s.split('.').next().unwrap().to_owned())
            .collect();
        let loader_top = accepted_keys(PROBE);
        assert!(loader_top.len() >= 8, "{loader_top:?}");
        assert!(
            loader_top.is_subset(&top),
            "tables missing: {:?}",
            loader_top.difference(&top).collect::<Vec<_>>()
        );
        let collectors = "components.database.collectors";
        let probes: Vec<(&str, String)> = vec![
            ("collect", format!("[collect]\n{PROBE}")),
            ("ssh", format!("[ssh]\n{PROBE}")),
            ("sanitize", format!("[sanitize]\n{PROBE}")),
            ("llm", format!("[llm]\n{PROBE}")),
            (
                "sanitize.extra_rules",
                format!("[[sanitize.extra_rules]]\n{PROBE}"),
            ),
            ("hosts", format!("[[hosts]]\n{PROBE}")),
            ("select", format!("[[select]]\n{PROBE}")),
            ("components.database", format!("[components.database]\n{PROBE}")),
        ]
        .into_iter()
        .chain(
            ["command", "file", "env", "git", "cargo", "ssh"]
                .into_iter()
                .map(|kind| {
                    (
                        collectors,
                        format!(
                            "[components.database]\ndescription = \"d\"\n[[{collectors}]]\nkind = \"{kind}\"\n{PROBE}"
                        ),
                    )
                }),
        )
        .collect();
        for (section, probe) in probes {
            let accepted = accepted_keys(&probe);
            assert!(!accepted.is_empty(), "{probe}");
            let have = written.get(section).cloned().unwrap_or_default();
            // `kind` is the tag of a collector, written in the template too.
            let missing: Vec<_> = accepted.difference(&have).collect();
            assert!(missing.is_empty(), "[{section}] lacks {missing:?}");
        }
        // The keys `[history]` reads (config.rs rejects any other).
        for k in ["path", "keep_runs", "keep_days", "window"] {
            assert!(written["history"].contains(k), "[history] lacks {k}");
        }
        // The keys `[serve]` reads.
        for k in [
            "listen",
            "token_file",
            "body_limit",
            "pipelines",
            "request_timeout",
        ] {
            assert!(written["serve"].contains(k), "[serve] lacks {k}");
        }
        assert!(text.contains("# concurrency = 4 "), "{text}");
        assert!(text.contains("# single_pass = false "));
    }

    #[test]
    fn init_refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        let args = InitArgs {
            force: false,
            path: dir.path().to_owned(),
        };
        init(&args, &mut out).unwrap();
        let path = dir.path().join("failtale.toml");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), template());

        std::fs::write(&path, "# mine\n").unwrap();
        let e = init(&args, &mut out).unwrap_err();
        assert!(matches!(&e, CliError::Exists(p) if p == &path), "{e:?}");
        assert!(e.hint().unwrap().contains("--force"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");

        let forced = InitArgs {
            force: true,
            path: path.clone(),
        };
        init(&forced, &mut out).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), template());
        assert!(Path::new(&path).is_file());
    }
}
