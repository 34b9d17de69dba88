//! `failtale.toml`: the one place the configuration file is read.
//!
//! Each stage owns its tables; this file lists every top-level key so an
//! unknown one (a typo) is an error with its line, not silently ignored.
//! Tables of stages not built yet are accepted and left alone.

use std::path::{Path, PathBuf};

use failtale_collect::config::{RawComponent, RawHost, RawSelect, RawSettings, RawSsh};
use failtale_collect::{CollectConfig, RawConfig};
use failtale_core::sanitize::SanitizeConfig;
use failtale_llm::provider::LlmConfig;
use serde::Deserialize;

use crate::errors::CliError;

/// The file's top level.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    // The collect stage.
    #[serde(default)]
    collect: RawSettings,
    #[serde(default)]
    ssh: RawSsh,
    #[serde(default)]
    components: std::collections::BTreeMap<String, RawComponent>,
    #[serde(default)]
    hosts: Vec<RawHost>,
    #[serde(default)]
    select: Vec<RawSelect>,
    /// `[sanitize]`: extra rules, allowlist, rules switched off, exact values.
    #[serde(default)]
    sanitize: SanitizeConfig,
    /// `[llm]`: provider, model, limits; flags win over it.
    #[serde(default)]
    llm: LlmConfig,
    /// `[history]`: where the store is, how much it keeps; flags win over it.
    #[serde(default)]
    history: HistoryConfig,
    /// `[serve]`: the HTTP server's address, tokens and limits.
    #[serde(default)]
    serve: ServeConfig,
}

/// The `[serve]` table. Every key is optional; a flag wins over it.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    /// Address to listen on (`127.0.0.1:5050`).
    pub listen: Option<String>,
    /// A file of SHA-256 digests of the accepted tokens, one per line
    /// (relative to the configuration file's directory).
    pub token_file: Option<PathBuf>,
    /// Largest request body in bytes, after decompression.
    pub body_limit: Option<usize>,
    /// Pipelines running at once.
    pub pipelines: Option<usize>,
    /// Seconds one request may take.
    pub request_timeout: Option<u64>,
}

/// The `[history]` table. Every key is optional; a flag wins over it.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryConfig {
    /// The store (relative to the configuration file's directory).
    pub path: Option<PathBuf>,
    /// Runs kept per branch (0 keeps all).
    pub keep_runs: Option<usize>,
    /// Runs older than this many days are deleted.
    pub keep_days: Option<u32>,
    /// Recent runs judged per test by `flaky`.
    pub window: Option<usize>,
}

/// Everything read from the configuration file.
#[derive(Debug, Default)]
pub struct Config {
    /// Where it was read from (`None`: no file, built-in defaults).
    pub path: Option<PathBuf>,
    /// The collect stage's configuration, when any component is configured.
    pub collect: Option<CollectConfig>,
    /// The sanitize stage's configuration (defaults when the table is absent);
    /// its patterns are checked when `analyze` builds the sanitizer, before
    /// any input is read.
    pub sanitize: SanitizeConfig,
    /// The `[llm]` table (all keys optional), already range-checked.
    pub llm: LlmConfig,
    /// The `[history]` table, its path made absolute.
    pub history: HistoryConfig,
    /// The `[serve]` table, its token file made absolute.
    pub serve: ServeConfig,
}

/// Reads `explicit`, else `failtale.toml` in `cwd` when present.
pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<Config, CliError> {
    let path = match explicit {
        Some(p) => p.to_owned(),
        None => {
            let p = cwd.join("failtale.toml");
            if !p.is_file() {
                return Ok(Config::default());
            }
            p
        }
    };
    let fail = |message: String| CliError::Config {
        path: path.clone(),
        message,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let file: ConfigFile = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| cwd.to_owned(), Path::to_owned);
    let raw = RawConfig {
        collect: file.collect,
        ssh: file.ssh,
        components: file.components,
        hosts: file.hosts,
        select: file.select,
    };
    let wants_collect = !raw.components.is_empty() || !raw.hosts.is_empty();
    let collect = CollectConfig::validate(raw, &base).map_err(|e| fail(e.to_string()))?;
    file.llm.validate().map_err(|e| fail(e.to_string()))?;
    if file.history.window == Some(0) {
        return Err(fail("[history] window must be at least 1".into()));
    }
    let mut history = file.history;
    history.path = history.path.map(|p| base.join(p));
    let mut serve = file.serve;
    serve.token_file = serve.token_file.map(|p| base.join(p));
    Ok(Config {
        path: Some(path),
        collect: wants_collect.then_some(collect),
        sanitize: file.sanitize,
        llm: file.llm,
        history,
        serve,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_configures_every_stage_it_mentions() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/failtale.toml");
        let cwd = tempfile::tempdir().unwrap();
        let config = load(Some(&example), cwd.path()).unwrap();
        let collect = config.collect.expect("the example configures collectors");
        assert_eq!(collect.hosts.len(), 2);
        assert!(config.sanitize.redact_card_numbers && !config.sanitize.redact_ips);
        assert_eq!(
            (config.llm.concurrency, config.llm.provider),
            (Some(4), None)
        );

        // A typo in a stage's table is an error with its place, not ignored.
        let typo = cwd.path().join("typo.toml");
        std::fs::write(
            &typo,
            "[sanitize]
redact_ip = true
",
        )
        .unwrap();
        let e = load(Some(&typo), cwd.path()).unwrap_err().to_string();
        assert!(e.contains("redact_ip") && e.contains("typo.toml"), "{e}");
    }

    #[test]
    fn the_history_table_is_read_relative_to_the_file_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("ci/failtale.toml");
        std::fs::create_dir_all(conf.parent().unwrap()).unwrap();
        std::fs::write(
            &conf,
            "[history]\npath = \"h/runs.db\"\nkeep_runs = 7\nwindow = 3\n",
        )
        .unwrap();
        let c = load(Some(&conf), dir.path()).unwrap();
        assert_eq!(c.history.path, Some(dir.path().join("ci/h/runs.db")));
        assert_eq!((c.history.keep_runs, c.history.window), (Some(7), Some(3)));
        std::fs::write(&conf, "[history]\nkeep = 7\n").unwrap();
        let e = load(Some(&conf), dir.path()).unwrap_err().to_string();
        assert!(e.contains("keep"), "{e}");
        std::fs::write(&conf, "[history]\nwindow = 0\n").unwrap();
        let e = load(Some(&conf), dir.path()).unwrap_err().to_string();
        assert!(e.contains("window"), "{e}");
    }

    #[test]
    fn the_llm_table_is_read_and_checked() {
        let cwd = tempfile::tempdir().unwrap();
        let good = cwd.path().join("good.toml");
        std::fs::write(
            &good,
            "[llm]\nprovider = \"ollama\"\nmodel = \"qwen2.5\"\nconcurrency = 2\ntimeout_secs = 30\n",
        )
        .unwrap();
        let llm = load(Some(&good), cwd.path()).unwrap().llm;
        assert_eq!(
            (
                llm.provider.as_deref(),
                llm.model.as_deref(),
                llm.concurrency
            ),
            (Some("ollama"), Some("qwen2.5"), Some(2))
        );
        let bad = cwd.path().join("bad.toml");
        std::fs::write(&bad, "[llm]\nconcurrency = 0\n").unwrap();
        let e = load(Some(&bad), cwd.path()).unwrap_err().to_string();
        assert!(e.contains("bad.toml") && e.contains("concurrency"), "{e}");
        // A key in the file would end up in version control: refused by name.
        std::fs::write(&bad, "[llm]\napi_key = \"sk-123\"\n").unwrap();
        let e = load(Some(&bad), cwd.path()).unwrap_err().to_string();
        assert!(e.contains("api_key"), "{e}");
    }
}
