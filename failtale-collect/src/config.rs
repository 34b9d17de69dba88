//! The collect tables of `failtale.toml`, and their one-time validation.
//!
//! [`RawConfig`] is what the file says (unknown keys are rejected by serde
//! with the line and column); [`CollectConfig::validate`] turns it into a
//! [`CollectConfig`] whose paths exist, whose patterns are compiled and whose
//! templates name only known variables, or reports every problem with the
//! key path (`hosts[2].identity_file: …`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;

use crate::filter::Filter;
use crate::template::Template;

/// The collect-related tables of `failtale.toml`, as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// `[collect]`: limits and parallelism.
    #[serde(default)]
    pub collect: RawSettings,
    /// `[ssh]`: defaults for every host.
    #[serde(default)]
    pub ssh: RawSsh,
    /// `[components.NAME]`: named roles with their collectors.
    #[serde(default)]
    pub components: BTreeMap<String, RawComponent>,
    /// `[[hosts]]`: the inventory.
    #[serde(default)]
    pub hosts: Vec<RawHost>,
    /// `[[select]]`: which components a failure concerns.
    #[serde(default)]
    pub select: Vec<RawSelect>,
}

/// `[collect]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    /// Bytes kept per output (head and tail, with a marker). Default 65536.
    pub max_bytes: Option<usize>,
    /// Lines kept per output (the last ones, with a marker). Default 500.
    pub max_lines: Option<usize>,
    /// Hosts (and local commands) collected at once. Default 16.
    pub parallelism: Option<usize>,
    /// Commands run at once on one host, over its one connection. Default 4
    /// (OpenSSH's server allows 10 sessions per connection by default).
    pub commands_per_host: Option<usize>,
    /// How many hosts a [`HostPicker`](crate::HostPicker) may add per cluster. Default 3.
    pub max_picked_hosts: Option<usize>,
    /// Default timeout of a local command, in seconds. Default 30.
    pub command_timeout: Option<f64>,
}

/// `[ssh]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSsh {
    /// Login user (else `~/.ssh/config` or the local user).
    pub user: Option<String>,
    /// Port (else `~/.ssh/config` or 22).
    pub port: Option<u16>,
    /// Identity file; when set, only this key is offered.
    pub identity_file: Option<String>,
    /// known_hosts file checked strictly (else the OpenSSH defaults).
    pub known_hosts_file: Option<String>,
    /// An ssh client config file used instead of `~/.ssh/config`.
    pub config_file: Option<String>,
    /// Where control sockets live (default: the system temporary directory).
    pub control_directory: Option<String>,
    /// Seconds to wait for a connection. Default 10.
    pub connect_timeout: Option<f64>,
    /// Seconds a remote command may run. Default 30.
    pub command_timeout: Option<f64>,
    /// Extra connection attempts after a transient failure. Default 2.
    pub retries: Option<u32>,
}

/// `[[hosts]]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHost {
    /// Name used in reports and by the host picker.
    pub name: String,
    /// Address or `~/.ssh/config` alias to connect to (default: `name`).
    pub hostname: Option<String>,
    /// Components this host plays.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Collected for every cluster.
    #[serde(default)]
    pub mandatory: bool,
    /// Overrides `[ssh].user`.
    pub user: Option<String>,
    /// Overrides `[ssh].port`.
    pub port: Option<u16>,
    /// Overrides `[ssh].identity_file`.
    pub identity_file: Option<String>,
    /// Jump hosts (`ProxyJump`), outermost first.
    #[serde(default)]
    pub jump_hosts: Vec<String>,
}

/// `[components.NAME]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComponent {
    /// What the component is.
    pub description: String,
    /// Its collectors.
    #[serde(default)]
    pub collectors: Vec<RawCollector>,
}

/// One `[[components.NAME.collectors]]` entry; `kind` picks the collector.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum RawCollector {
    /// A local command.
    Command {
        /// What it shows.
        description: String,
        /// The command as argv (no shell).
        argv: Option<Vec<String>>,
        /// A shell command line run with `sh -c` (only when asked for).
        shell: Option<String>,
        /// Seconds.
        timeout: Option<f64>,
        /// Environment variables passed through (default `PATH`, `HOME`, `LANG`).
        env: Option<Vec<String>>,
        /// Working directory (relative to the config file).
        cwd: Option<String>,
        /// Keep the last N lines.
        tail: Option<usize>,
        /// Keep lines matching this pattern.
        grep: Option<String>,
        /// Lines of context around matches.
        #[serde(default)]
        context: usize,
        /// Keep lines since the test run started.
        #[serde(default)]
        since: bool,
    },
    /// A local file.
    File {
        /// What it shows.
        description: String,
        /// Path (relative to the config file).
        path: String,
        /// Keep the last N lines.
        tail: Option<usize>,
        /// Keep lines matching this pattern.
        grep: Option<String>,
        /// Lines of context around matches.
        #[serde(default)]
        context: usize,
        /// Keep lines since the test run started.
        #[serde(default)]
        since: bool,
    },
    /// Allowlisted environment variables.
    Env {
        /// What it shows.
        description: String,
        /// Variable names.
        vars: Vec<String>,
    },
    /// Git facts about the failing tests' files.
    Git {
        /// What it shows.
        description: String,
        /// How many recent commits touching the files to show. Default 5.
        commits: Option<usize>,
    },
    /// Crate, target and features of failing Rust tests.
    Cargo {
        /// What it shows.
        description: String,
    },
    /// A command on every host playing the component.
    Ssh {
        /// What it shows.
        description: String,
        /// The command as argv (each word quoted for the remote shell).
        argv: Option<Vec<String>>,
        /// A shell command line for the remote shell.
        shell: Option<String>,
        /// A preset: `journal`, `systemctl-status`, `docker-logs`, `kubectl-logs`, `disk`, `memory`, `listening`.
        preset: Option<String>,
        /// Unit for `journal` and `systemctl-status`.
        unit: Option<String>,
        /// Container for `docker-logs`.
        container: Option<String>,
        /// Pod for `kubectl-logs`.
        pod: Option<String>,
        /// Namespace for `kubectl-logs`.
        namespace: Option<String>,
        /// Seconds (overrides `[ssh].command_timeout`).
        timeout: Option<f64>,
        /// Keep the last N lines (on the remote side).
        tail: Option<usize>,
        /// Keep lines matching this POSIX extended pattern (on the remote side).
        grep: Option<String>,
        /// Lines of context around matches.
        #[serde(default)]
        context: usize,
        /// Keep lines since the test run started (on the remote side).
        #[serde(default)]
        since: bool,
    },
}

/// `[[select]]`: when every given pattern matches a failing test of a
/// cluster, the cluster concerns `components`. A rule with no pattern matches
/// every failure.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSelect {
    /// Components selected.
    pub components: Vec<String>,
    /// Pattern on the test key (`class::name`) and the bare name.
    pub test: Option<String>,
    /// Pattern on any enclosing suite name.
    pub suite: Option<String>,
    /// Pattern on the test's or failure's source file.
    pub file: Option<String>,
    /// Pattern on the whole failure text.
    pub message: Option<String>,
    /// Pattern on the fingerprint's `category` component, else the failure kind and type.
    pub category: Option<String>,
}

/// One problem in the configuration, with the key it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Key path such as `hosts[2].identity_file`.
    pub key: String,
    /// What is wrong, as a lowercase fragment.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file is not valid TOML, or has unknown keys or wrong types.
    #[error("invalid configuration: {0}")]
    Parse(String),
    /// The file parses but some values are unusable.
    #[error("invalid configuration:\n{}", .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

/// Limits and parallelism, validated.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Bytes kept per output.
    pub max_bytes: usize,
    /// Lines kept per output.
    pub max_lines: usize,
    /// Hosts (and local commands) collected at once.
    pub parallelism: usize,
    /// Commands run at once on one host.
    pub commands_per_host: usize,
    /// Hosts a picker may add per cluster.
    pub max_picked_hosts: usize,
    /// Default timeout of local commands.
    pub command_timeout: Duration,
}

/// SSH defaults, validated.
#[derive(Clone, Debug)]
pub struct SshDefaults {
    /// Config file passed with `-F`.
    pub config_file: Option<PathBuf>,
    /// known_hosts file.
    pub known_hosts_file: Option<PathBuf>,
    /// Control socket directory.
    pub control_directory: PathBuf,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Remote command timeout.
    pub command_timeout: Duration,
    /// Extra attempts after a transient connection failure.
    pub retries: u32,
}

/// A host, with its SSH settings resolved from `[ssh]` and its overrides.
#[derive(Clone, Debug)]
pub struct Host {
    /// Name.
    pub name: String,
    /// What to connect to.
    pub hostname: String,
    /// Components it plays.
    pub roles: Vec<String>,
    /// Always collected.
    pub mandatory: bool,
    /// Login user.
    pub user: Option<String>,
    /// Port.
    pub port: Option<u16>,
    /// Identity file.
    pub identity_file: Option<PathBuf>,
    /// Jump hosts.
    pub jump_hosts: Vec<String>,
}

/// A component, validated.
#[derive(Clone, Debug)]
pub struct Component {
    /// What it is.
    pub description: String,
    /// Its collectors.
    pub collectors: Vec<CollectorSpec>,
}

/// A collector, validated.
#[derive(Clone, Debug)]
pub struct CollectorSpec {
    /// What it shows.
    pub description: String,
    /// What it does.
    pub kind: CollectorKind,
}

/// A command: argv (no shell) or a shell line, as templates.
#[derive(Clone, Debug)]
pub enum CommandLine {
    /// Run directly; a variable becomes (part of) one argument.
    Argv(Vec<Template>),
    /// Run with `sh -c`; a variable is shell-quoted.
    Shell(Template),
}

/// What a collector does.
#[derive(Clone, Debug)]
pub enum CollectorKind {
    /// A local command.
    Command {
        /// The command.
        line: CommandLine,
        /// Timeout.
        timeout: Duration,
        /// Variables passed through.
        env: Vec<String>,
        /// Working directory.
        cwd: PathBuf,
        /// Output filter.
        filter: Filter,
    },
    /// A local file.
    File {
        /// Path.
        path: PathBuf,
        /// Filter.
        filter: Filter,
    },
    /// Environment variables.
    Env {
        /// Names.
        vars: Vec<String>,
    },
    /// Git facts.
    Git {
        /// Commits to show.
        commits: usize,
        /// Repository directory (the config file's directory).
        dir: PathBuf,
    },
    /// Cargo facts.
    Cargo {
        /// Workspace directory (the config file's directory).
        dir: PathBuf,
    },
    /// A remote command.
    Ssh {
        /// The command.
        line: CommandLine,
        /// Timeout (else the `[ssh]` default).
        timeout: Option<Duration>,
        /// Filter applied on the remote side.
        filter: Filter,
        /// A preset that handles `since` itself (appends its own option).
        native_since: Option<NativeSince>,
    },
}

/// How a preset passes the run start to the remote tool instead of filtering lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NativeSince {
    /// `journalctl --since 'YYYY-MM-DD HH:MM:SS'`.
    Journal,
    /// `docker logs --since YYYY-MM-DDTHH:MM:SS`.
    Docker,
    /// `kubectl logs --since-time=YYYY-MM-DDTHH:MM:SSZ`.
    Kubectl,
}

/// A `[[select]]` rule, compiled.
#[derive(Clone, Debug)]
pub struct SelectRule {
    /// Components selected.
    pub components: Vec<String>,
    /// Test pattern.
    pub test: Option<Regex>,
    /// Suite pattern.
    pub suite: Option<Regex>,
    /// File pattern.
    pub file: Option<Regex>,
    /// Message pattern.
    pub message: Option<Regex>,
    /// Category pattern.
    pub category: Option<Regex>,
}

/// The validated collect configuration.
#[derive(Clone, Debug)]
pub struct CollectConfig {
    /// Limits.
    pub settings: Settings,
    /// SSH defaults.
    pub ssh: SshDefaults,
    /// Components by name.
    pub components: BTreeMap<String, Component>,
    /// The inventory.
    pub hosts: Vec<Host>,
    /// Select rules, in order.
    pub select: Vec<SelectRule>,
    /// Things that work but are not recommended (a `root` login, a missing log file).
    pub warnings: Vec<String>,
}

impl Default for CollectConfig {
    fn default() -> Self {
        CollectConfig::validate(RawConfig::default(), Path::new("."))
            .unwrap_or_else(|_| unreachable!("the empty configuration is valid"))
    }
}

impl CollectConfig {
    /// Parses and validates a file holding only the collect tables.
    /// Relative paths are resolved against `base_dir`.
    pub fn from_toml_str(text: &str, base_dir: &Path) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        Self::validate(raw, base_dir)
    }

    /// Validates what the file said, reporting every problem at once.
    pub fn validate(raw: RawConfig, base_dir: &Path) -> Result<Self, ConfigError> {
        let mut v = Validator {
            base: base_dir.to_owned(),
            problems: Vec::new(),
            warnings: Vec::new(),
        };
        let settings = Settings {
            max_bytes: v.positive("collect.max_bytes", raw.collect.max_bytes, 64 * 1024),
            max_lines: v.positive("collect.max_lines", raw.collect.max_lines, 500),
            parallelism: v.positive("collect.parallelism", raw.collect.parallelism, 16),
            commands_per_host: v.positive(
                "collect.commands_per_host",
                raw.collect.commands_per_host,
                4,
            ),
            max_picked_hosts: raw.collect.max_picked_hosts.unwrap_or(3),
            command_timeout: v.seconds(
                "collect.command_timeout",
                raw.collect.command_timeout,
                30.0,
            ),
        };
        let ssh_user = raw.ssh.user.clone();
        let ssh_identity = v.existing("ssh.identity_file", raw.ssh.identity_file.as_deref());
        let ssh = SshDefaults {
            config_file: v.existing("ssh.config_file", raw.ssh.config_file.as_deref()),
            known_hosts_file: v
                .existing("ssh.known_hosts_file", raw.ssh.known_hosts_file.as_deref()),
            control_directory: v
                .existing(
                    "ssh.control_directory",
                    raw.ssh.control_directory.as_deref(),
                )
                .unwrap_or_else(std::env::temp_dir),
            connect_timeout: v.seconds("ssh.connect_timeout", raw.ssh.connect_timeout, 10.0),
            command_timeout: v.seconds("ssh.command_timeout", raw.ssh.command_timeout, 30.0),
            retries: raw.ssh.retries.unwrap_or(2),
        };
        if ssh_user.as_deref() == Some("root") {
            v.warnings.push(ROOT_WARNING.replace("{key}", "ssh.user"));
        }

        let mut components = BTreeMap::new();
        for (name, c) in &raw.components {
            let key = format!("components.{name}");
            v.name(&key, name);
            if c.description.trim().is_empty() {
                v.problem(format!("{key}.description"), "must not be empty");
            }
            let collectors = c
                .collectors
                .iter()
                .enumerate()
                .filter_map(|(i, rc)| v.collector(&format!("{key}.collectors[{i}]"), rc, &settings))
                .collect();
            components.insert(
                name.clone(),
                Component {
                    description: c.description.clone(),
                    collectors,
                },
            );
        }

        let mut hosts = Vec::new();
        let mut names = BTreeSet::new();
        for (i, h) in raw.hosts.iter().enumerate() {
            let key = format!("hosts[{i}]");
            v.name(&format!("{key}.name"), &h.name);
            if !names.insert(h.name.clone()) {
                v.problem(
                    format!("{key}.name"),
                    format!("`{}` is listed twice", h.name),
                );
            }
            for (j, role) in h.roles.iter().enumerate() {
                if !raw.components.contains_key(role) {
                    v.problem(
                        format!("{key}.roles[{j}]"),
                        unknown_component(role, &raw.components),
                    );
                }
            }
            let hostname = h.hostname.clone().unwrap_or_else(|| h.name.clone());
            if hostname.starts_with('-') || hostname.trim().is_empty() {
                v.problem(format!("{key}.hostname"), "must be a host name or address");
            }
            for (j, jump) in h.jump_hosts.iter().enumerate() {
                if jump.starts_with('-') || jump.contains(',') || jump.trim().is_empty() {
                    v.problem(
                        format!("{key}.jump_hosts[{j}]"),
                        "must be one host ([user@]host[:port])",
                    );
                }
            }
            let user = h.user.clone().or_else(|| ssh_user.clone());
            if h.user.as_deref() == Some("root") {
                v.warnings
                    .push(ROOT_WARNING.replace("{key}", &format!("{key}.user")));
            }
            let identity_file = match &h.identity_file {
                Some(p) => v.existing(&format!("{key}.identity_file"), Some(p)),
                None => ssh_identity.clone(),
            };
            hosts.push(Host {
                name: h.name.clone(),
                hostname,
                roles: h.roles.clone(),
                mandatory: h.mandatory,
                user,
                port: h.port.or(raw.ssh.port),
                identity_file,
                jump_hosts: h.jump_hosts.clone(),
            });
        }

        let mut select = Vec::new();
        for (i, r) in raw.select.iter().enumerate() {
            let key = format!("select[{i}]");
            if r.components.is_empty() {
                v.problem(
                    format!("{key}.components"),
                    "must name at least one component",
                );
            }
            for (j, c) in r.components.iter().enumerate() {
                if !raw.components.contains_key(c) {
                    v.problem(
                        format!("{key}.components[{j}]"),
                        unknown_component(c, &raw.components),
                    );
                }
            }
            select.push(SelectRule {
                components: r.components.clone(),
                test: v.regex(&format!("{key}.test"), r.test.as_deref()),
                suite: v.regex(&format!("{key}.suite"), r.suite.as_deref()),
                file: v.regex(&format!("{key}.file"), r.file.as_deref()),
                message: v.regex(&format!("{key}.message"), r.message.as_deref()),
                category: v.regex(&format!("{key}.category"), r.category.as_deref()),
            });
        }

        if !v.problems.is_empty() {
            return Err(ConfigError::Invalid(v.problems));
        }
        Ok(CollectConfig {
            settings,
            ssh,
            components,
            hosts,
            select,
            warnings: v.warnings,
        })
    }

    /// The host with this name.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }
}

const ROOT_WARNING: &str =
    "{key}: logging in as root; a read-only, minimally privileged user is recommended";

fn unknown_component(name: &str, known: &BTreeMap<String, RawComponent>) -> String {
    let known: Vec<&str> = known.keys().map(String::as_str).collect();
    if known.is_empty() {
        format!("unknown component `{name}` (no [components] are defined)")
    } else {
        format!("unknown component `{name}` (defined: {})", known.join(", "))
    }
}

struct Validator {
    base: PathBuf,
    problems: Vec<Problem>,
    warnings: Vec<String>,
}

impl Validator {
    fn problem(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.into(),
            message: message.into(),
        });
    }

    fn name(&mut self, key: &str, name: &str) {
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            self.problem(
                key,
                format!("`{name}` must be letters, digits, `-`, `_` or `.`"),
            );
        }
    }

    fn positive(&mut self, key: &str, value: Option<usize>, default: usize) -> usize {
        match value {
            Some(0) => {
                self.problem(key, "must be at least 1");
                default
            }
            Some(n) => n,
            None => default,
        }
    }

    fn seconds(&mut self, key: &str, value: Option<f64>, default: f64) -> Duration {
        let s = value.unwrap_or(default);
        if !(s.is_finite() && s > 0.0 && s < 86_400.0) {
            self.problem(
                key,
                format!("{s} is not a number of seconds between 0 and 86400"),
            );
            return Duration::from_secs_f64(default);
        }
        Duration::from_secs_f64(s)
    }

    fn path(&self, p: &str) -> PathBuf {
        let expanded = match p.strip_prefix("~/") {
            Some(rest) => std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(rest))
                .unwrap_or_else(|| PathBuf::from(p)),
            None => PathBuf::from(p),
        };
        self.base.join(expanded)
    }

    fn existing(&mut self, key: &str, p: Option<&str>) -> Option<PathBuf> {
        let path = self.path(p?);
        if !path.exists() {
            self.problem(key, format!("{} does not exist", path.display()));
        }
        Some(path)
    }

    fn regex(&mut self, key: &str, pattern: Option<&str>) -> Option<Regex> {
        match Regex::new(pattern?) {
            Ok(r) => Some(r),
            Err(e) => {
                let first = e.to_string();
                let last = first.lines().last().unwrap_or("").trim().to_owned();
                self.problem(key, format!("bad pattern: {last}"));
                None
            }
        }
    }

    fn template(&mut self, key: &str, text: &str) -> Option<Template> {
        match Template::parse(text) {
            Ok(t) => Some(t),
            Err(e) => {
                self.problem(key, e);
                None
            }
        }
    }

    fn command_line(
        &mut self,
        key: &str,
        argv: Option<&[String]>,
        shell: Option<&str>,
    ) -> Option<CommandLine> {
        match (argv, shell) {
            (Some(_), Some(_)) => {
                self.problem(key, "give either `argv` or `shell`, not both");
                None
            }
            (None, None) => {
                self.problem(
                    key,
                    "needs `argv` (a list of words) or `shell` (a shell command line)",
                );
                None
            }
            (Some([]), None) => {
                self.problem(format!("{key}.argv"), "must not be empty");
                None
            }
            (Some(argv), None) => {
                let parts: Vec<Option<Template>> = argv
                    .iter()
                    .enumerate()
                    .map(|(i, a)| self.template(&format!("{key}.argv[{i}]"), a))
                    .collect();
                if let Some(Some(first)) = parts.first()
                    && first.has_variables()
                {
                    self.problem(
                        format!("{key}.argv[0]"),
                        "the program name cannot be a variable",
                    );
                    return None;
                }
                parts
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(CommandLine::Argv)
            }
            (None, Some(s)) => self
                .template(&format!("{key}.shell"), s)
                .map(CommandLine::Shell),
        }
    }

    fn filter(
        &mut self,
        key: &str,
        tail: Option<usize>,
        grep: Option<&str>,
        context: usize,
        since: bool,
    ) -> Filter {
        if tail == Some(0) {
            self.problem(format!("{key}.tail"), "must be at least 1");
        }
        let grep = grep.and_then(|g| {
            if g.contains('\n') {
                self.problem(format!("{key}.grep"), "must be one line");
                return None;
            }
            self.regex(&format!("{key}.grep"), Some(g))
        });
        if context > 0 && grep.is_none() {
            self.problem(format!("{key}.context"), "only applies with `grep`");
        }
        Filter {
            since,
            grep,
            context,
            tail,
        }
    }

    fn description(&mut self, key: &str, d: &str) {
        if d.trim().is_empty() {
            self.problem(format!("{key}.description"), "must not be empty");
        }
    }

    fn collector(
        &mut self,
        key: &str,
        rc: &RawCollector,
        settings: &Settings,
    ) -> Option<CollectorSpec> {
        let (description, kind) = match rc {
            RawCollector::Command {
                description,
                argv,
                shell,
                timeout,
                env,
                cwd,
                tail,
                grep,
                context,
                since,
            } => {
                self.description(key, description);
                let line = self.command_line(key, argv.as_deref(), shell.as_deref());
                let timeout = match timeout {
                    Some(t) => self.seconds(&format!("{key}.timeout"), Some(*t), 30.0),
                    None => settings.command_timeout,
                };
                let cwd = match cwd {
                    Some(c) => self
                        .existing(&format!("{key}.cwd"), Some(c))
                        .unwrap_or_default(),
                    None => self.base.clone(),
                };
                let env = env
                    .clone()
                    .unwrap_or_else(|| ["PATH", "HOME", "LANG"].map(String::from).to_vec());
                self.env_names(&format!("{key}.env"), &env);
                let filter = self.filter(key, *tail, grep.as_deref(), *context, *since);
                (
                    description,
                    CollectorKind::Command {
                        line: line?,
                        timeout,
                        env,
                        cwd,
                        filter,
                    },
                )
            }
            RawCollector::File {
                description,
                path,
                tail,
                grep,
                context,
                since,
            } => {
                self.description(key, description);
                let full = self.path(path);
                if !full.exists() {
                    self.warnings.push(format!(
                        "{key}.path: {} does not exist (yet); it will be reported as missing",
                        full.display()
                    ));
                }
                let filter = self.filter(key, *tail, grep.as_deref(), *context, *since);
                (description, CollectorKind::File { path: full, filter })
            }
            RawCollector::Env { description, vars } => {
                self.description(key, description);
                self.env_names(&format!("{key}.vars"), vars);
                (description, CollectorKind::Env { vars: vars.clone() })
            }
            RawCollector::Git {
                description,
                commits,
            } => {
                self.description(key, description);
                (
                    description,
                    CollectorKind::Git {
                        commits: commits.unwrap_or(5),
                        dir: self.base.clone(),
                    },
                )
            }
            RawCollector::Cargo { description } => {
                self.description(key, description);
                (
                    description,
                    CollectorKind::Cargo {
                        dir: self.base.clone(),
                    },
                )
            }
            RawCollector::Ssh {
                description,
                argv,
                shell,
                preset,
                unit,
                container,
                pod,
                namespace,
                timeout,
                tail,
                grep,
                context,
                since,
            } => {
                self.description(key, description);
                let mut filter = self.filter(key, *tail, grep.as_deref(), *context, *since);
                let timeout =
                    timeout.map(|t| self.seconds(&format!("{key}.timeout"), Some(t), 30.0));
                let given = |o: &Option<String>| o.is_some();
                let (line, native_since) = match preset.as_deref() {
                    None => {
                        for (field, set) in [
                            ("unit", given(unit)),
                            ("container", given(container)),
                            ("pod", given(pod)),
                            ("namespace", given(namespace)),
                        ] {
                            if set {
                                self.problem(
                                    format!("{key}.{field}"),
                                    "only applies with a `preset`",
                                );
                            }
                        }
                        (
                            self.command_line(key, argv.as_deref(), shell.as_deref()),
                            None,
                        )
                    }
                    Some(p) => {
                        if argv.is_some() || shell.is_some() {
                            self.problem(key, "give either `preset` or `argv`/`shell`, not both");
                        }
                        match crate::presets::preset(
                            p,
                            unit.as_deref(),
                            container.as_deref(),
                            pod.as_deref(),
                            namespace.as_deref(),
                        ) {
                            Ok((argv, native)) => {
                                let native = native.filter(|_| filter.since);
                                if native.is_some() {
                                    // The tool filters by time itself, on its own clock.
                                    filter.since = false;
                                }
                                let argv = argv.into_iter().map(Template::literal).collect();
                                (Some(CommandLine::Argv(argv)), native)
                            }
                            Err(e) => {
                                self.problem(format!("{key}.preset"), e);
                                (None, None)
                            }
                        }
                    }
                };
                (
                    description,
                    CollectorKind::Ssh {
                        line: line?,
                        timeout,
                        filter,
                        native_since,
                    },
                )
            }
        };
        Some(CollectorSpec {
            description: description.clone(),
            kind,
        })
    }

    fn env_names(&mut self, key: &str, names: &[String]) {
        for (i, n) in names.iter().enumerate() {
            let ok = !n.is_empty()
                && !n.starts_with(|c: char| c.is_ascii_digit())
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                self.problem(
                    format!("{key}[{i}]"),
                    format!("`{n}` is not a variable name"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<CollectConfig, ConfigError> {
        CollectConfig::from_toml_str(text, Path::new("/"))
    }

    fn problems(text: &str) -> Vec<String> {
        match load(text) {
            Err(ConfigError::Invalid(p)) => p.iter().map(ToString::to_string).collect(),
            Err(e) => panic!("expected validation problems, got {e}"),
            Ok(_) => panic!("expected validation problems, got a valid config"),
        }
    }

    const GOOD: &str = r#"
[collect]
max_lines = 100

[ssh]
user = "failtale"
connect_timeout = 3
retries = 1

[components.database]
description = "PostgreSQL"
[[components.database.collectors]]
kind = "ssh"
description = "postgres journal"
preset = "journal"
unit = "postgresql"
since = true
grep = "ERROR|FATAL"
context = 2

[components.ci]
description = "the CI machine"
[[components.ci.collectors]]
kind = "command"
description = "disk"
argv = ["df", "-h"]
[[components.ci.collectors]]
kind = "env"
description = "ci vars"
vars = ["CI", "GITHUB_RUN_ID"]

[[hosts]]
name = "db1"
hostname = "10.0.0.5"
roles = ["database"]
port = 2222

[[hosts]]
name = "db2"
roles = ["database"]
mandatory = true
user = "root"

[[select]]
components = ["database"]
message = "(?i)connection refused|deadlock"
"#;

    #[test]
    fn a_good_config_is_resolved() {
        let c = load(GOOD).unwrap();
        assert_eq!(c.settings.max_lines, 100);
        assert_eq!(c.settings.max_bytes, 64 * 1024);
        assert_eq!(c.ssh.connect_timeout, Duration::from_secs(3));
        assert_eq!(c.ssh.retries, 1);
        let db1 = c.host("db1").unwrap();
        assert_eq!(
            (db1.hostname.as_str(), db1.port, db1.user.as_deref()),
            ("10.0.0.5", Some(2222), Some("failtale"))
        );
        let db2 = c.host("db2").unwrap();
        assert_eq!(
            (db2.hostname.as_str(), db2.mandatory, db2.user.as_deref()),
            ("db2", true, Some("root"))
        );
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        assert!(c.warnings[0].starts_with("hosts[1].user: logging in as root"));
        let journal = &c.components["database"].collectors[0];
        match &journal.kind {
            CollectorKind::Ssh {
                native_since,
                filter,
                ..
            } => {
                assert_eq!(*native_since, Some(NativeSince::Journal));
                assert!(!filter.since, "journalctl filters by time itself");
                assert_eq!(filter.context, 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            c.select[0]
                .message
                .as_ref()
                .unwrap()
                .is_match("Connection Refused")
        );
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_position() {
        let e = load("[ssh]\nuser = \"x\"\nretry = 3\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `retry`"), "{e}");
        assert!(e.contains("line 3"), "{e}");
        let e = load("[components.a]\ndescription = \"a\"\n[[components.a.collectors]]\nkind = \"file\"\ndescription = \"x\"\npath = \"/\"\nlines = 3\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("lines"), "{e}");
        let e = load("[components.a]\ndescription = \"a\"\n[[components.a.collectors]]\nkind = \"telnet\"\ndescription = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("telnet"), "{e}");
    }

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let p = problems(
            r#"
[ssh]
identity_file = "/nonexistent/key"
command_timeout = -1
[components.api]
description = "api"
[[components.api.collectors]]
kind = "command"
description = "both"
argv = ["a"]
shell = "b"
[[components.api.collectors]]
kind = "ssh"
description = "bad var"
shell = "grep {{password}} /etc/x"
[[components.api.collectors]]
kind = "ssh"
description = "bad grep"
argv = ["cat", "x"]
grep = "("
[[hosts]]
name = "a"
roles = ["api", "cache"]
[[hosts]]
name = "a"
[[select]]
components = ["web"]
test = "[unclosed"
"#,
        );
        let keys: Vec<&str> = p.iter().map(|s| s.split(": ").next().unwrap()).collect();
        for want in [
            "ssh.identity_file",
            "ssh.command_timeout",
            "components.api.collectors[0]",
            "components.api.collectors[1].shell",
            "components.api.collectors[2].grep",
            "hosts[0].roles[1]",
            "hosts[1].name",
            "select[0].components[0]",
            "select[0].test",
        ] {
            assert!(keys.contains(&want), "missing {want} in {p:#?}");
        }
        assert!(
            p.iter()
                .any(|s| s.contains("/nonexistent/key does not exist"))
        );
        assert!(
            p.iter().any(|s| s.contains("unknown variable `password`")),
            "{p:#?}"
        );
    }

    #[test]
    fn the_example_config_is_valid() {
        // The collect stage's tables; the other stages' tables that follow
        // are read by the CLI's loader (its own test reads the whole file).
        let whole = include_str!("../../examples/failtale.toml");
        let text = whole.split("\n# ---- sanitize").next().unwrap();
        let c = CollectConfig::from_toml_str(text, Path::new("/nonexistent-base")).unwrap();
        assert_eq!(c.hosts.len(), 2);
        assert_eq!(c.host("api1").unwrap().jump_hosts, ["bastion.example.com"]);
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains("target/app.log does not exist")),
            "{:?}",
            c.warnings
        );
    }

    #[test]
    fn an_empty_file_is_a_valid_empty_config() {
        let c = load("").unwrap();
        assert!(c.hosts.is_empty() && c.components.is_empty() && c.select.is_empty());
    }
}
