//! # failtale-collect
//!
//! The collect stage of failtale: for each failure cluster, gather exactly
//! the context that matters — local commands, log files, allowlisted
//! environment variables, git and cargo facts, and commands on remote hosts
//! over SSH — as the `failtale.toml` tables `[collect]`, `[ssh]`,
//! `[components]`, `[[hosts]]` and `[[select]]` describe.
//!
//! Commands come only from the configuration. Values from result files
//! (test names, messages, paths) reach a command only where a collector's
//! template names a variable (`{{test_name}}`), and then as one quoted word.
//! A [`HostPicker`] (an LLM) can add hosts by name only, checked against the
//! inventory. Every output is filtered (remote filters run on the host),
//! capped in lines and bytes with a marker, and carried as
//! [`Evidence`](failtale_core::model::Evidence) with its provenance.
//!
//! ```
//! use std::path::Path;
//! use failtale_collect::{CollectConfig, ConfiguredCollector};
//!
//! let config = CollectConfig::from_toml_str(r#"
//!     [components.ci]
//!     description = "the CI machine"
//!     [[components.ci.collectors]]
//!     kind = "env"
//!     description = "CI variables"
//!     vars = ["CI", "GITHUB_RUN_ID"]
//!
//!     [[select]]
//!     components = ["ci"]       # no pattern: every failure
//! "#, Path::new(".")).unwrap();
//! let collector = ConfiguredCollector::new(config);
//! // failtale_core::Pipeline::default().with_collector(Box::new(collector));
//! # drop(collector);
//! ```
//!
//! MSRV: Rust 1.88.

pub mod collector;
pub mod config;
pub mod filter;
pub mod local;
pub mod plan;
mod presets;
pub mod ssh;
pub mod template;

pub use collector::ConfiguredCollector;
pub use config::{CollectConfig, ConfigError, Problem, RawConfig};
pub use plan::{HostInfo, HostPicker};
