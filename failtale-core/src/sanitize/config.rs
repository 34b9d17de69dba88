//! Configuration of the rule sanitizer: the `[sanitize]` table of `failtale.toml`.

use serde::{Deserialize, Serialize};

/// What the rule sanitizer redacts beyond (or instead of) its built-in rules.
///
/// ```toml
/// [sanitize]
/// disable = ["email"]
/// redact_ips = true
/// exact_values = ["staging-db-password"]
/// allow = [{ value = "AKIAIOSFODNN7EXAMPLE" }, { regex = "test-token-[0-9]+" }]
/// extra_rules = [{ name = "acme_key", pattern = "acme_[a-z0-9]{32}", anchors = ["acme_"] }]
/// ```
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SanitizeConfig {
    /// Rules of the project's own, run like the built-in ones.
    pub extra_rules: Vec<ExtraRule>,
    /// Values that are never redacted, though a rule matches them.
    pub allow: Vec<AllowRule>,
    /// Built-in or extra rules switched off, by name.
    pub disable: Vec<String>,
    /// Values redacted wherever they appear verbatim (kind `exact_value`).
    pub exact_values: Vec<String>,
    /// Redact the values of the process's environment variables whose names
    /// look secret (`*_TOKEN`, `*_PASSWORD`, `*_SECRET`, `*_API_KEY`, …)
    /// wherever they appear verbatim, as CI systems mask their secrets. Default on.
    pub env_secrets: bool,
    /// Redact e-mail addresses. Default on.
    pub redact_emails: bool,
    /// Redact IPv4 addresses (not loopback). Default off: addresses are often what a failure is about.
    pub redact_ips: bool,
    /// Redact card numbers (Luhn-checked, with a card network's prefix and length). Default on.
    pub redact_card_numbers: bool,
}

impl Default for SanitizeConfig {
    fn default() -> Self {
        SanitizeConfig {
            extra_rules: Vec::new(),
            allow: Vec::new(),
            disable: Vec::new(),
            exact_values: Vec::new(),
            env_secrets: true,
            redact_emails: true,
            redact_ips: false,
            redact_card_numbers: true,
        }
    }
}

impl std::fmt::Debug for SanitizeConfig {
    // The exact values are secrets themselves: show how many, never which.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SanitizeConfig")
            .field("extra_rules", &self.extra_rules)
            .field("allow", &self.allow.len())
            .field("disable", &self.disable)
            .field("exact_values", &self.exact_values.len())
            .field("env_secrets", &self.env_secrets)
            .field("redact_emails", &self.redact_emails)
            .field("redact_ips", &self.redact_ips)
            .field("redact_card_numbers", &self.redact_card_numbers)
            .finish()
    }
}

/// A rule of the project's own.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ExtraRule {
    /// Unique name (also the placeholder kind unless `kind` is set).
    pub name: String,
    /// Regular expression (Rust `regex` syntax).
    pub pattern: String,
    /// Capture group holding the secret; the whole match when absent.
    #[serde(default)]
    pub secret_group: Option<usize>,
    /// Placeholder kind; defaults to `name`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Literals (any case) of which one must occur for the rule to run. With
    /// none, the rule runs over every text, which costs a full regex pass.
    #[serde(default)]
    pub anchors: Vec<String>,
}

/// A value a project knows is safe.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum AllowRule {
    /// This exact value.
    Value {
        /// The value.
        value: String,
    },
    /// Values the whole of which this regular expression matches.
    Regex {
        /// The expression.
        regex: String,
    },
}

impl std::fmt::Debug for AllowRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AllowRule::Value { .. } => f.write_str("Value(..)"),
            AllowRule::Regex { regex } => f.debug_tuple("Regex").field(regex).finish(),
        }
    }
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SanitizeConfigError {
    /// A pattern does not compile.
    #[error("invalid pattern in sanitize rule `{rule}`")]
    Pattern {
        /// Rule name, or `allow`.
        rule: String,
        /// The compile error.
        #[source]
        source: regex::Error,
    },
    /// `disable` names no rule.
    #[error("`disable` names unknown sanitize rule `{0}`")]
    UnknownRule(String),
    /// Two rules share a name.
    #[error("sanitize rule `{0}` is defined twice")]
    DuplicateRule(String),
    /// A secret group the pattern does not have.
    #[error("sanitize rule `{rule}` has no capture group {group}")]
    NoSuchGroup {
        /// Rule name.
        rule: String,
        /// The group asked for.
        group: usize,
    },
}
