//! The sanitize stage: rule-based redaction of secrets and personal data.
//!
//! [`RuleSanitizer`] is the built-in [`Sanitize`](crate::Sanitize)
//! implementation. It is driven by the rule table in [`rules::RULES`]
//! (private keys, cloud credentials, service tokens by prefix, HTTP
//! credentials, URL passwords, assignments to secret-named keys, random
//! strings in secret-like context, e-mail addresses, card numbers, and
//! opt-in IP addresses), plus the exact values of secret-named environment
//! variables and of the configuration ([`SanitizeConfig`]).
//!
//! # How it stays fast
//!
//! One Aho-Corasick pass over the text finds every rule's literal anchors
//! (token prefixes such as `ghp_`, key-name fragments such as `pass` or
//! `token`, `-----BEGIN`, `://`, `@`). Only the rules whose anchor hit run,
//! each once per line holding a hit. Card numbers are found by a byte scan
//! for digit runs, exact values by a second automaton. Text without a hit is
//! returned borrowed, without allocating.
//!
//! # Placeholders
//!
//! A line that *starts* with a secret-named key (`DB_PASSWORD=…` in an env
//! dump, `password: …` in YAML) has its whole unquoted rest redacted, since
//! such values may contain spaces; elsewhere an unquoted value ends at
//! whitespace or punctuation, and a quoted value at its closing quote.
//!
//! A secret is replaced by `[REDACTED:<kind>#<n>]`; [`Redactions`] numbers
//! values so that one value has one number across a whole report. The mapping
//! from number to value is never stored.
//!
//! ```
//! use failtale_core::sanitize::{Redactions, RuleSanitizer, SanitizeConfig};
//! use failtale_core::Sanitize;
//!
//! let s = RuleSanitizer::new(&SanitizeConfig::default()).unwrap();
//! let mut state = Redactions::new();
//! let token = concat!("ghp_", "16C7e42F292c6912E7710c838347Ae178B4a");
//! let text = format!("push failed: GITHUB_TOKEN={token} at commit 3f786850e387550fdab836ed7e6dc881de23001b");
//! let out = s.sanitize(&text, &mut state);
//! assert_eq!(out, "push failed: GITHUB_TOKEN=[REDACTED:github_token#1] at commit 3f786850e387550fdab836ed7e6dc881de23001b");
//! assert_eq!(state.counts()["github_token"], 1);
//! ```

mod checks;
mod config;
pub mod entropy;
mod redactions;
pub mod rules;
mod sanitized;

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexSet};

pub use checks::{key_words, secret_key_kind};
pub use config::{AllowRule, ExtraRule, SanitizeConfig, SanitizeConfigError};
pub use redactions::Redactions;
pub use rules::{Check, Gate, RULES, Rule, Scope, rule_names};
pub use sanitized::Sanitized;

use crate::model::{Suite, TestCase, TestRun};
use crate::stage::Sanitize;

/// How far a window reaches from an anchor hit on one very long line, and how
/// far a PEM block is followed.
const WINDOW: usize = 64 * 1024;

/// Priority of exact values: after every rule, so a rule's more telling kind wins.
const EXACT_PRIORITY: usize = usize::MAX;

struct CompiledRule {
    name: String,
    kind: String,
    /// The built-in rule's pattern, compiled on first use: most rules never
    /// run in a given process (the prefilter finds no anchor), and compiling
    /// all of them costs more than a small run's whole analysis. Rules from
    /// the configuration are compiled at once, so their errors come first.
    pattern: &'static str,
    regex: std::sync::OnceLock<RuleRegex>,
    check: Check,
    scope: Scope,
}

struct RuleRegex {
    regex: Regex,
    /// Capture groups that may hold the secret, first participating wins.
    secret_groups: Vec<usize>,
    /// The group that runs to the end of the line (trimmed), if any.
    rest_group: Option<usize>,
    key_group: Option<usize>,
}

impl RuleRegex {
    /// Reads the groups' roles from their names (`key`, `rest`, `s1`, `s2`, …).
    fn new(regex: Regex) -> RuleRegex {
        let mut secret_groups = Vec::new();
        let mut rest_group = None;
        let mut key_group = None;
        for (i, name) in regex.capture_names().enumerate() {
            match name {
                Some("key") => key_group = Some(i),
                Some("rest") => {
                    rest_group = Some(i);
                    secret_groups.push(i);
                }
                Some(n) if n.starts_with('s') && n[1..].parse::<u32>().is_ok() => {
                    secret_groups.push(i)
                }
                _ => {}
            }
        }
        RuleRegex {
            regex,
            secret_groups,
            rest_group,
            key_group,
        }
    }
}

impl CompiledRule {
    fn regex(&self) -> &RuleRegex {
        self.regex.get_or_init(|| {
            // Built-in patterns are compiled by the tests; failing here is a build defect.
            RuleRegex::new(compile(&self.name, self.pattern).expect("built-in patterns compile"))
        })
    }
}

struct AnchorMeta {
    text: Box<[u8]>,
    exact_case: bool,
    word_start: bool,
    rules: Vec<usize>,
    /// Anchors containing this one, with the offset at which they contain it.
    subs: Vec<(usize, AnchorMeta)>,
}

impl AnchorMeta {
    /// Whether the anchor occurs at `start` with its case and word-start conditions.
    fn holds_at(&self, bytes: &[u8], start: usize) -> bool {
        let Some(found) = bytes.get(start..start + self.text.len()) else {
            return false;
        };
        let same = if self.exact_case {
            found == &*self.text
        } else {
            found.eq_ignore_ascii_case(&self.text)
        };
        same && !(self.word_start && start > 0 && bytes[start - 1].is_ascii_alphanumeric())
    }
}

/// A secret found in a text: where, under which kind, by which rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding<'s> {
    /// Byte range of the secret.
    pub range: Range<usize>,
    /// Placeholder kind.
    pub kind: &'s str,
    /// Rule name (`exact_value` or `env:<NAME>` for exact values).
    pub rule: &'s str,
    priority: usize,
}

/// The built-in sanitizer: a rule table run behind a literal prefilter.
/// See the [module documentation](self).
pub struct RuleSanitizer {
    rules: Vec<CompiledRule>,
    anchors: Option<AhoCorasick>,
    anchor_meta: Vec<AnchorMeta>,
    text_rules: Vec<usize>,
    digit_rules: Vec<usize>,
    exact: Option<AhoCorasick>,
    /// (kind, rule label) per exact value.
    exact_kinds: Vec<(String, String)>,
    allow_values: HashSet<String>,
    allow_regex: Option<RegexSet>,
}

impl std::fmt::Debug for RuleSanitizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSanitizer")
            .field(
                "rules",
                &self.rules.iter().map(|r| &r.name).collect::<Vec<_>>(),
            )
            .field("exact_values", &self.exact_kinds.len())
            .finish_non_exhaustive()
    }
}

impl RuleSanitizer {
    /// The built-in rules as configured, without environment values
    /// (`env_secrets` is honoured by [`RuleSanitizer::from_process_env`]).
    pub fn new(config: &SanitizeConfig) -> Result<Self, SanitizeConfigError> {
        Self::with_env(config, std::iter::empty())
    }

    /// The built-in rules as configured, plus, when `config.env_secrets` is
    /// set, the values of this process's secret-named environment variables.
    pub fn from_process_env(config: &SanitizeConfig) -> Result<Self, SanitizeConfigError> {
        let vars: Vec<(String, String)> = if config.env_secrets {
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect()
        } else {
            Vec::new()
        };
        Self::with_env(config, vars.into_iter())
    }

    /// The built-in defaults with this process's secret environment values:
    /// what [`Pipeline::new`](crate::Pipeline::new) uses.
    pub fn default_for_process() -> Self {
        Self::from_process_env(&SanitizeConfig::default())
            .expect("the built-in rule table compiles")
    }

    /// The built-in rules as configured, plus the values of the given
    /// environment variables whose names look secret.
    pub fn with_env(
        config: &SanitizeConfig,
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<Self, SanitizeConfigError> {
        let mut names: HashSet<&str> = rule_names().collect();
        for name in config.extra_rules.iter().map(|r| r.name.as_str()) {
            if !names.insert(name) {
                return Err(SanitizeConfigError::DuplicateRule(name.to_owned()));
            }
        }
        if let Some(unknown) = config.disable.iter().find(|d| !names.contains(d.as_str())) {
            return Err(SanitizeConfigError::UnknownRule(unknown.clone()));
        }
        let disabled = |name: &str| config.disable.iter().any(|d| d == name);
        let gate_on = |g: Gate| match g {
            Gate::Always => true,
            Gate::Emails => config.redact_emails,
            Gate::Ips => config.redact_ips,
            Gate::Cards => config.redact_card_numbers,
        };

        let mut rules = Vec::new();
        // (anchor text, exact case, word start) → rules
        let mut anchor_list: Vec<(String, bool, bool, Vec<usize>)> = Vec::new();
        let mut add_anchor = |text: &str, exact: bool, word: bool, rule: usize| match anchor_list
            .iter_mut()
            .find(|(t, e, w, _)| t == text && *e == exact && *w == word)
        {
            Some(a) => a.3.push(rule),
            None => anchor_list.push((text.to_owned(), exact, word, vec![rule])),
        };
        for r in RULES
            .iter()
            .filter(|r| gate_on(r.gate) && !disabled(r.name))
        {
            let idx = rules.len();
            for a in r.anchors {
                add_anchor(a.text, a.exact_case, a.word_start, idx);
            }
            rules.push(CompiledRule {
                name: r.name.to_owned(),
                kind: r.kind.to_owned(),
                pattern: r.pattern,
                regex: std::sync::OnceLock::new(),
                check: r.check,
                scope: if r.anchors.is_empty() && r.scope == Scope::Line {
                    Scope::Text
                } else {
                    r.scope
                },
            });
        }
        for x in config.extra_rules.iter().filter(|x| !disabled(&x.name)) {
            let regex = compile(&x.name, &x.pattern)?;
            if let Some(g) = x.secret_group
                && g >= regex.captures_len()
            {
                return Err(SanitizeConfigError::NoSuchGroup {
                    rule: x.name.clone(),
                    group: g,
                });
            }
            let idx = rules.len();
            for a in &x.anchors {
                add_anchor(a, false, false, idx);
            }
            rules.push(CompiledRule {
                name: x.name.clone(),
                kind: x.kind.clone().unwrap_or_else(|| x.name.clone()),
                pattern: "",
                regex: std::sync::OnceLock::from(RuleRegex {
                    regex,
                    secret_groups: x.secret_group.into_iter().collect(),
                    rest_group: None,
                    key_group: None,
                }),
                check: Check::Always,
                scope: if x.anchors.is_empty() {
                    Scope::Text
                } else {
                    Scope::Line
                },
            });
        }

        // An anchor that contains another one (`sk-ant-` holds `sk`,
        // `AccountKey=` holds `key`) is not searched for itself: it is
        // checked where the contained anchor hits. Then no searched anchor
        // contains another, and restarting each search one byte after the
        // previous hit finds every occurrence of every anchor.
        let lower: Vec<String> = anchor_list
            .iter()
            .map(|a| a.0.to_ascii_lowercase())
            .collect();
        let contains = |outer: usize, inner: usize| {
            outer != inner
                && lower[outer].contains(lower[inner].as_str())
                && (lower[outer].len() > lower[inner].len() || outer > inner)
        };
        let primary: Vec<bool> = (0..anchor_list.len())
            .map(|a| !(0..anchor_list.len()).any(|b| contains(a, b)))
            .collect();
        let meta =
            |(text, exact_case, word_start, rules): &(String, bool, bool, Vec<usize>)| AnchorMeta {
                text: text.as_bytes().into(),
                exact_case: *exact_case,
                word_start: *word_start,
                rules: rules.clone(),
                subs: Vec::new(),
            };
        let mut searched: Vec<usize> = Vec::new();
        let mut anchor_meta: Vec<AnchorMeta> = Vec::new();
        for a in (0..anchor_list.len()).filter(|&a| primary[a]) {
            searched.push(a);
            anchor_meta.push(meta(&anchor_list[a]));
        }
        for a in (0..anchor_list.len()).filter(|&a| !primary[a]) {
            let (slot, &b) = searched
                .iter()
                .enumerate()
                .find(|&(_, &b)| contains(a, b))
                .expect("a contained anchor that contains no other is searched");
            for (offset, _) in lower[a].match_indices(lower[b].as_str()) {
                anchor_meta[slot].subs.push((offset, meta(&anchor_list[a])));
            }
        }
        let anchors = if searched.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    // With ~100 case-insensitive anchors nearly every byte
                    // starts one: a start-byte prefilter only costs.
                    .prefilter(false)
                    .build(searched.iter().map(|&a| anchor_list[a].0.as_bytes()))
                    .expect("anchor automaton builds"),
            )
        };
        let text_rules = (0..rules.len())
            .filter(|&i| rules[i].scope == Scope::Text)
            .collect();
        let digit_rules = (0..rules.len())
            .filter(|&i| rules[i].scope == Scope::DigitRuns)
            .collect();

        let mut exact_values: Vec<(String, String, String)> = config
            .exact_values
            .iter()
            .filter(|v| !v.is_empty())
            .map(|v| {
                (
                    v.clone(),
                    "exact_value".to_owned(),
                    "exact_value".to_owned(),
                )
            })
            .collect();
        for (name, value) in env {
            if is_secret_env_name(&name) && is_maskable_env_value(&value) {
                exact_values.push((value, name.to_ascii_lowercase(), format!("env:{name}")));
            }
        }
        exact_values.sort_by(|a, b| a.0.cmp(&b.0));
        exact_values.dedup_by(|a, b| a.0 == b.0);
        let exact = if exact_values.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(exact_values.iter().map(|v| v.0.as_bytes()))
                    .expect("exact-value automaton builds"),
            )
        };
        let exact_kinds = exact_values.into_iter().map(|(_, k, r)| (k, r)).collect();

        let mut allow_values = HashSet::new();
        let mut allow_patterns = Vec::new();
        for a in &config.allow {
            match a {
                AllowRule::Value { value } => {
                    allow_values.insert(value.clone());
                }
                AllowRule::Regex { regex } => {
                    compile("allow", regex)?;
                    allow_patterns.push(format!("^(?:{regex})$"));
                }
            }
        }
        let allow_regex = if allow_patterns.is_empty() {
            None
        } else {
            Some(
                RegexSet::new(&allow_patterns).map_err(|source| SanitizeConfigError::Pattern {
                    rule: "allow".into(),
                    source,
                })?,
            )
        };

        Ok(RuleSanitizer {
            rules,
            anchors,
            anchor_meta,
            text_rules,
            digit_rules,
            exact,
            exact_kinds,
            allow_values,
            allow_regex,
        })
    }

    /// Names of the rules this sanitizer runs, in priority order.
    pub fn active_rules(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.name.as_str())
    }

    /// Every secret in `text`, overlapping findings merged (the union is
    /// redacted under the kind of the most specific rule), in text order.
    pub fn find<'s>(&'s self, text: &str) -> Vec<Finding<'s>> {
        merge(self.candidates(text))
    }

    /// Every rule's findings in `text` before overlapping ones are merged:
    /// which rules fired where (for diagnostics and the corpus test).
    pub fn candidates<'s>(&'s self, text: &str) -> Vec<Finding<'s>> {
        let mut found: Vec<Finding<'s>> = Vec::new();
        let bytes = text.as_bytes();
        let mut done_until: Vec<usize> = Vec::new();
        let mut run = |rule: usize, window: Range<usize>, found: &mut Vec<Finding<'s>>| {
            if done_until.is_empty() {
                done_until.resize(self.rules.len(), 0);
            }
            if done_until[rule] >= window.end {
                return;
            }
            let start = window.start.max(done_until[rule]);
            done_until[rule] = window.end;
            self.run_rule(rule, text, start..window.end, found);
        };
        if let Some(ac) = &self.anchors {
            let mut pos = 0;
            while let Some(m) = ac.find(aho_corasick::Input::new(bytes).range(pos..)) {
                pos = m.start() + 1;
                let meta = &self.anchor_meta[m.pattern().as_usize()];
                let mut fire = |anchor: &AnchorMeta, at: usize, found: &mut Vec<Finding<'s>>| {
                    for &r in &anchor.rules {
                        let window = match self.rules[r].scope {
                            Scope::Block => block_window(text, at),
                            _ => line_window(text, at),
                        };
                        run(r, window, found);
                    }
                };
                if meta.holds_at(bytes, m.start()) {
                    fire(meta, m.start(), &mut found);
                }
                for (offset, sub) in &meta.subs {
                    if let Some(start) = m.start().checked_sub(*offset)
                        && sub.holds_at(bytes, start)
                    {
                        fire(sub, start, &mut found);
                    }
                }
            }
        }
        if !self.digit_rules.is_empty() {
            for_each_digit_run_line(bytes, &mut |line| {
                for &r in &self.digit_rules {
                    run(r, line.clone(), &mut found);
                }
            });
        }
        for &r in &self.text_rules {
            self.run_rule(r, text, 0..text.len(), &mut found);
        }
        if let Some(ac) = &self.exact {
            for m in ac.find_iter(bytes) {
                let (kind, rule) = &self.exact_kinds[m.pattern().as_usize()];
                found.push(Finding {
                    range: m.range(),
                    kind,
                    rule,
                    priority: EXACT_PRIORITY,
                });
            }
        }
        if found.is_empty() {
            return found;
        }
        // Never redact inside a placeholder (sanitizing twice changes nothing),
        // nor a value the project allowed.
        let placeholders = placeholder_ranges(text);
        found.retain(|f| {
            !f.range.is_empty()
                && !placeholders
                    .iter()
                    .any(|p| p.start < f.range.end && f.range.start < p.end)
                && !self.allowed(&text[f.range.clone()])
        });
        found
    }

    fn allowed(&self, value: &str) -> bool {
        self.allow_values.contains(value)
            || self.allow_regex.as_ref().is_some_and(|s| s.is_match(value))
    }

    fn run_rule<'s>(
        &'s self,
        index: usize,
        text: &str,
        window: Range<usize>,
        found: &mut Vec<Finding<'s>>,
    ) {
        let rule = &self.rules[index];
        let compiled = rule.regex();
        let hay = &text[..window.end];
        let mut locs = compiled.regex.capture_locations();
        let mut pos = window.start;
        while pos <= hay.len() {
            let Some(m) = compiled.regex.captures_read_at(&mut locs, hay, pos) else {
                break;
            };
            pos = if m.end() > m.start() {
                m.end()
            } else {
                next_char(hay, m.end())
            };
            let (group, secret) = match compiled
                .secret_groups
                .iter()
                .find_map(|&g| locs.get(g).map(|(s, e)| (Some(g), s..e)))
            {
                Some(x) => x,
                None => (None, m.range()),
            };
            let mut kind: &'s str = &rule.kind;
            let mut spans: Vec<Range<usize>> = Vec::with_capacity(1);
            match rule.check {
                Check::Always => spans.push(secret),
                Check::LettersAndDigits => {
                    let v = &text[secret.clone()];
                    if v.bytes().any(|b| b.is_ascii_digit())
                        && v.bytes().any(|b| b.is_ascii_alphabetic())
                    {
                        spans.push(secret);
                    }
                }
                Check::KeyName => {
                    let Some((ks, ke)) = compiled.key_group.and_then(|g| locs.get(g)) else {
                        continue;
                    };
                    // `scheme://user:pass@` is the URL rule's.
                    if text[..ks].ends_with("//") {
                        continue;
                    }
                    let Some(k) = checks::secret_key_kind(&text[ks..ke]) else {
                        continue;
                    };
                    let secret = if group.is_some() && group == compiled.rest_group {
                        checks::trim_line_value(text, secret)
                    } else {
                        secret
                    };
                    if checks::is_non_secret_value(&text[secret.clone()], k)
                        || checks::is_working_directory(&text[ks..ke], &text[secret.clone()])
                    {
                        continue;
                    }
                    if rule.kind.is_empty() {
                        kind = k;
                    }
                    spans.push(secret);
                }
                Check::Entropy => {
                    if entropy::looks_random(&text[secret.clone()]) {
                        spans.push(secret);
                    }
                }
                Check::AuthValue => {
                    if let Some(r) = checks::auth_secret(&text[secret.clone()]) {
                        spans.push(secret.start + r.start..secret.start + r.end);
                    }
                }
                Check::CookiePairs => {
                    for r in checks::cookie_values(&text[secret.clone()]) {
                        spans.push(secret.start + r.start..secret.start + r.end);
                    }
                }
                Check::TruncatedKey => {
                    if !text[secret.clone()].contains("-----END") {
                        spans.push(secret);
                    }
                }
                Check::Email => {
                    let local = text[secret.clone()].split('@').next().unwrap_or_default();
                    if !checks::in_url_authority(text, secret.start) && local != "git" {
                        spans.push(secret);
                    }
                }
                Check::Luhn => {
                    let digits: Vec<u8> = text[secret.clone()]
                        .bytes()
                        .filter(u8::is_ascii_digit)
                        .collect();
                    let glued = |i: usize| {
                        text.as_bytes()
                            .get(i)
                            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.')
                    };
                    if checks::is_card_number(&digits)
                        && !(secret.start > 0 && glued(secret.start - 1))
                        && !glued(secret.end)
                    {
                        spans.push(secret);
                    }
                }
                Check::PublicIp => {
                    if checks::is_public_ipv4(&text[secret.clone()]) {
                        spans.push(secret);
                    }
                }
            }
            for range in spans {
                found.push(Finding {
                    range,
                    kind,
                    rule: &rule.name,
                    priority: index,
                });
            }
        }
    }

    /// Replaces every secret in `text` by its numbered placeholder. Returns
    /// the text borrowed when nothing was found.
    pub fn redact<'a>(&self, text: &'a str, state: &mut Redactions) -> Cow<'a, str> {
        let found = self.find(text);
        if found.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for f in found {
            out.push_str(&text[last..f.range.start]);
            out.push_str(&state.placeholder(f.kind, &text[f.range.clone()]));
            last = f.range.end;
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }
}

impl Sanitize for RuleSanitizer {
    fn sanitize<'a>(&self, text: &'a str, state: &mut Redactions) -> Cow<'a, str> {
        self.redact(text, state)
    }

    /// A field whose name names a secret (`db.password`, `OPENAI_API_KEY`)
    /// has its whole value redacted, unless it is an obvious non-secret.
    fn sanitize_field<'a>(
        &self,
        name: &str,
        value: &'a str,
        state: &mut Redactions,
    ) -> Cow<'a, str> {
        if let Some(kind) = checks::secret_key_kind(name)
            && !checks::is_non_secret_value(value, kind)
            && !checks::is_working_directory(name, value)
            && !value.contains("[REDACTED:")
            && !self.allowed(value)
        {
            return Cow::Owned(state.placeholder(kind, value));
        }
        self.redact(value, state)
    }
}

/// Sanitizes every piece of text in `run` with `sanitizer`. The one way,
/// besides the [`Pipeline`](crate::Pipeline) methods that call it, to obtain
/// a [`Sanitized`] run; pass [`NoRedaction`](crate::stage::NoRedaction)
/// explicitly where a run is known to hold no secrets.
pub fn sanitize_run(
    sanitizer: &dyn Sanitize,
    run: TestRun,
    state: &mut Redactions,
) -> Sanitized<TestRun> {
    sanitize_run_except(sanitizer, run, state, &[])
}

/// Sanitizes one test case: its named values, then every text.
pub(crate) fn sanitize_case(sanitizer: &dyn Sanitize, case: &mut TestCase, state: &mut Redactions) {
    let mut found = false;
    visit_case_fields(sanitizer, case, state, &mut found, true);
    case.for_each_text_mut(&mut |text: &mut String| {
        if let Cow::Owned(t) = sanitizer.sanitize(text, state) {
            *text = t;
        }
    });
}

/// [`sanitize_run`], leaving alone the cases `done` marks (already sanitized
/// with `state`, see [`crate::live`]).
pub(crate) fn sanitize_run_except(
    sanitizer: &dyn Sanitize,
    mut run: TestRun,
    state: &mut Redactions,
    done: &[bool],
) -> Sanitized<TestRun> {
    let is_done = |i: usize| done.get(i).copied().unwrap_or(false);
    // Most text holds no secret. Which test cases and suites hold one is
    // found first on every core (with throwaway numbering); the numbered
    // pass below then visits only those, in run order, so the numbers are
    // the same as if every text had been visited.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let check = |case: &mut TestCase, (scratch, class): &mut (Redactions, LastClass)| {
        let mut found = false;
        visit_case_fields(sanitizer, case, scratch, &mut found, false);
        // The tests of a class share one copy of its name, usually one
        // after another: checked once per run of them.
        if let Some(name) = &case.id.classname {
            let at = std::sync::Arc::as_ptr(name).cast::<u8>() as usize;
            found |= match *class {
                Some((last, has)) if last == at => has,
                _ => {
                    let mut has = false;
                    text_changes(sanitizer, name, scratch, &mut has);
                    *class = Some((at, has));
                    has
                }
            };
        }
        case.for_each_own_text_mut(&mut |text| text_changes(sanitizer, text, scratch, &mut found));
        found
    };
    let case_has = if done.iter().any(|d| *d) {
        let mut cases: Vec<(&mut TestCase, bool)> = run
            .cases
            .iter_mut()
            .enumerate()
            .map(|(i, case)| (case, is_done(i)))
            .collect();
        flags(&mut cases, threads, &|(case, done), scratch| {
            !*done && check(case, scratch)
        })
    } else {
        // Nothing done before (no live run): no list of references, which
        // for 1.6M tests would be 26 MB.
        flags(&mut run.cases, threads, &check)
    };
    let suite_has = flags(&mut run.suites, threads, &|suite, (scratch, _)| {
        let mut found = false;
        visit_suite(sanitizer, suite, scratch, &mut found);
        found
    });
    // Suite paths are shared by the tests of a suite, and nested suites'
    // paths share their parents' links: each name is checked once.
    let mut path_has = std::collections::HashMap::new();
    let mut scratch = Redactions::new();
    for (_, case) in run.cases.iter().enumerate().filter(|(i, _)| !is_done(*i)) {
        crate::model::SuitePath::fold(
            &case.id.suite,
            &mut path_has,
            &false,
            &mut |parent_has, name, _| {
                let mut found = false;
                text_changes(sanitizer, name, &mut scratch, &mut found);
                *parent_has || found
            },
        );
    }
    let mut found = false;
    for (case, has) in run.cases.iter_mut().zip(&case_has) {
        if *has {
            visit_case_fields(sanitizer, case, state, &mut found, true);
        }
    }
    for (suite, has) in run.suites.iter_mut().zip(&suite_has) {
        if *has {
            visit_suite_fields(sanitizer, suite, state, &mut found, true);
        }
    }
    // Named values first (above), while their names are still there to say
    // what they hold; then every text.
    let mut clean = |text: &mut String| {
        if let Cow::Owned(t) = sanitizer.sanitize(text, state) {
            *text = t;
        }
    };
    run.for_each_text_mut_outside_cases_and_suites(&mut clean);
    let mut paths = crate::model::SharedPaths::default();
    for (i, (case, has)) in run.cases.iter_mut().zip(&case_has).enumerate() {
        if !is_done(i)
            && path_has
                .get(&case.id.suite.id())
                .is_some_and(|(_, has)| *has)
        {
            paths.visit(&mut case.id.suite, &mut clean);
        }
        if *has {
            case.for_each_text_mut_but_suite_path(&mut clean);
        }
    }
    for (suite, has) in run.suites.iter_mut().zip(&suite_has) {
        if *has {
            suite.for_each_text_mut(&mut clean);
        }
    }
    Sanitized::assume_sanitized(run)
}

/// The last shared class name a thread checked (its address) and whether
/// it would change. The address is only compared while the run, which
/// owns the name, is borrowed: it cannot be freed and reused meanwhile.
type LastClass = Option<(usize, bool)>;

/// `check` on every item, on up to `threads` threads, each with its own
/// throwaway [`Redactions`].
fn flags<T: Send>(
    items: &mut [T],
    threads: usize,
    check: &(dyn Fn(&mut T, &mut (Redactions, LastClass)) -> bool + Sync),
) -> Vec<bool> {
    crate::par::map_mut(items, threads, 64, &|| (Redactions::new(), None), check)
}

/// Sanitizes the named values (properties, kept attributes) of a case
/// (only notes whether one would change unless `write`).
fn visit_case_fields(
    sanitizer: &dyn Sanitize,
    case: &mut TestCase,
    state: &mut Redactions,
    found: &mut bool,
    write: bool,
) {
    let (properties, _, extra) = case.details_parts_mut();
    for p in properties {
        field(sanitizer, &p.name, &mut p.value, state, found, write);
    }
    for (k, v) in extra.into_iter().flat_map(|e| e.iter_mut()) {
        field(sanitizer, k, v, state, found, write);
    }
}

fn visit_suite_fields(
    sanitizer: &dyn Sanitize,
    suite: &mut Suite,
    state: &mut Redactions,
    found: &mut bool,
    write: bool,
) {
    for p in &mut suite.properties {
        field(sanitizer, &p.name, &mut p.value, state, found, write);
    }
    for (k, v) in suite.extra.iter_mut() {
        field(sanitizer, k, v, state, found, write);
    }
}

/// Sanitizes everything in a case, noting whether anything changed.
fn visit_suite(
    sanitizer: &dyn Sanitize,
    suite: &mut Suite,
    state: &mut Redactions,
    found: &mut bool,
) {
    visit_suite_fields(sanitizer, suite, state, found, false);
    suite.for_each_text_mut(&mut |text| text_changes(sanitizer, text, state, found));
}

/// Notes whether `text` would change; leaves it as it is.
fn text_changes(sanitizer: &dyn Sanitize, text: &str, state: &mut Redactions, found: &mut bool) {
    if !*found && matches!(sanitizer.sanitize(text, state), Cow::Owned(_)) {
        *found = true;
    }
}

/// Sanitizes a named value in place when `write`, noting whether it changes.
fn field(
    sanitizer: &dyn Sanitize,
    name: &str,
    value: &mut String,
    state: &mut Redactions,
    found: &mut bool,
    write: bool,
) {
    if let Cow::Owned(v) = sanitizer.sanitize_field(name, value, state) {
        if write {
            *value = v;
        }
        *found = true;
    }
}

fn compile(rule: &str, pattern: &str) -> Result<Regex, SanitizeConfigError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(50 << 20)
        .build()
        .map_err(|source| SanitizeConfigError::Pattern {
            rule: rule.to_owned(),
            source,
        })
}

/// Unions overlapping findings; the kind of the union is the most specific
/// (lowest priority number) among them.
fn merge(mut found: Vec<Finding<'_>>) -> Vec<Finding<'_>> {
    found.sort_by(|a, b| {
        a.range
            .start
            .cmp(&b.range.start)
            .then(a.priority.cmp(&b.priority))
    });
    let mut out: Vec<Finding<'_>> = Vec::with_capacity(found.len());
    for f in found {
        match out.last_mut() {
            Some(last) if f.range.start < last.range.end => {
                last.range.end = last.range.end.max(f.range.end);
                if f.priority < last.priority {
                    last.priority = f.priority;
                    last.kind = f.kind;
                    last.rule = f.rule;
                }
            }
            _ => out.push(f),
        }
    }
    out
}

fn placeholder_ranges(text: &str) -> Vec<Range<usize>> {
    const OPEN: &str = "[REDACTED:";
    let mut out = Vec::new();
    if !text.contains(OPEN) {
        return out;
    }
    let mut from = 0;
    while let Some(i) = text[from..].find(OPEN) {
        let s = from + i;
        let e = text[s..].find(']').map_or(text.len(), |j| s + j + 1);
        out.push(s..e);
        from = e;
    }
    out
}

fn next_char(s: &str, i: usize) -> usize {
    let mut j = i + 1;
    while j < s.len() && !s.is_char_boundary(j) {
        j += 1;
    }
    j
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The line holding byte `at`, at most [`WINDOW`] bytes on either side.
fn line_window(text: &str, at: usize) -> Range<usize> {
    let b = text.as_bytes();
    let lo = at.saturating_sub(WINDOW);
    let start = memchr::memrchr(b'\n', &b[lo..at]).map_or(lo, |i| lo + i + 1);
    let hi = (at + WINDOW).min(b.len());
    let end = memchr::memchr(b'\n', &b[at..hi]).map_or(hi, |i| at + i);
    floor_boundary(text, start)..floor_boundary(text, end)
}

/// From the line holding byte `at` over the following [`WINDOW`] bytes.
fn block_window(text: &str, at: usize) -> Range<usize> {
    let line = line_window(text, at);
    line.start..floor_boundary(text, (at + WINDOW).min(text.len()))
}

/// Byte classes for the digit-run scan: 1 digit, 2 separator, 0 other.
static DIGIT_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = b'0';
    while i <= b'9' {
        t[i as usize] = 1;
        i += 1;
    }
    t[b' ' as usize] = 2;
    t[b'-' as usize] = 2;
    t
};

/// Digits a stretch of digits, spaces and dashes must hold for
/// [`for_each_digit_run_line`] to report its line.
const DIGIT_RUN: usize = 13;

/// Calls `f` with each line holding 13 or more digits in one stretch of
/// digits, spaces and dashes, once per line: the card rule's pattern then
/// decides on the line.
///
/// Such a stretch is at least 13 bytes long, so the scan looks at every
/// 13th byte: when that byte is outside the class, no stretch can hold it or
/// lie before it, and the scan moves on 13 bytes. Text with few digits is
/// passed over a dozen bytes at a time.
fn for_each_digit_run_line(b: &[u8], f: &mut dyn FnMut(Range<usize>)) {
    let class = |i: usize| DIGIT_CLASS[usize::from(b[i])];
    // Invariant: the byte before `i` is outside the class (or `i` is 0).
    let mut i = 0;
    while i + DIGIT_RUN <= b.len() {
        let probe = i + DIGIT_RUN - 1;
        if class(probe) == 0 {
            i = probe + 1;
            continue;
        }
        // The stretch holding the probe starts at `start`.
        let mut start = probe;
        while start > i && class(start - 1) != 0 {
            start -= 1;
        }
        let mut digits = 0usize;
        let mut j = start;
        let mut hit = None;
        while j < b.len() {
            let c = class(j);
            if c == 0 {
                break;
            }
            digits += usize::from(c & 1);
            if digits >= DIGIT_RUN {
                hit = Some(j);
                break;
            }
            j += 1;
        }
        match hit {
            Some(at) => {
                let line = memchr::memrchr(b'\n', &b[..at]).map_or(0, |k| k + 1);
                let end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |k| at + k);
                f(line..end);
                i = end + 1;
            }
            None => i = j + 1,
        }
    }
}

/// The byte-by-byte definition of [`for_each_digit_run_line`].
#[cfg(test)]
fn for_each_digit_run_line_bytewise(b: &[u8], f: &mut dyn FnMut(Range<usize>)) {
    let mut i = 0;
    let mut run = 0usize;
    while i < b.len() {
        let c = DIGIT_CLASS[usize::from(b[i])];
        run = (run + usize::from(c & 1)) * usize::from(c != 0);
        if run >= DIGIT_RUN {
            let start = memchr::memrchr(b'\n', &b[..i]).map_or(0, |j| j + 1);
            let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |j| i + j);
            f(start..end);
            i = end;
            run = 0;
        }
        i += 1;
    }
}

/// Words that, anywhere in an environment variable's name, make its value secret.
const ENV_SECRET_WORDS: &[&str] = &[
    "token",
    "secret",
    "secrets",
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "key",
    "apikey",
    "credential",
    "credentials",
    "creds",
    "auth",
    "private",
    "privatekey",
    "jwt",
    "cookie",
    "signature",
    "pat",
];

/// Last words that make a secret-looking name hold something else: a path, an address, a switch.
const ENV_NOT_SECRET_LAST: &[&str] = &[
    "sock", "socket", "path", "file", "dir", "url", "uri", "host", "port", "user", "username",
    "id", "name", "type", "region", "endpoint", "enabled", "disabled", "len", "length", "count",
    "size", "timeout", "ttl", "version", "mode", "format", "helper", "command", "cmd", "program",
];

/// True when an environment variable's name says it holds a secret
/// (`GITHUB_TOKEN`, `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`, `NPM_AUTH`), and
/// not a path, address or switch about one (`SSH_AUTH_SOCK`, `TOKEN_URL`).
pub fn is_secret_env_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if matches!(upper.as_str(), "PWD" | "OLDPWD" | "XAUTHORITY") {
        return false;
    }
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    if ENV_NOT_SECRET_LAST.contains(&last.as_str()) {
        return false;
    }
    words.iter().any(|w| ENV_SECRET_WORDS.contains(&w.as_str()))
}

/// Values of secret-named variables worth masking everywhere: long enough
/// not to wreck ordinary words, and not switches, numbers or paths.
fn is_maskable_env_value(v: &str) -> bool {
    let t = v.trim();
    t.len() >= 6
        && t.len() == v.len()
        && !t.bytes().all(|b| b.is_ascii_digit())
        && !matches!(
            t.to_ascii_lowercase().as_str(),
            "true" | "false" | "enabled" | "disabled" | "secret" | "password"
        )
        && !t.starts_with('/')
        && !t.starts_with("~/")
        && !(t.len() > 2 && t.as_bytes()[1] == b':' && t.as_bytes()[2] == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_run_lines_are_found_as_byte_by_byte() {
        type Scan = fn(&[u8], &mut dyn FnMut(Range<usize>));
        let lines = |text: &[u8], f: Scan| {
            let mut out = Vec::new();
            f(text, &mut |r| out.push(r));
            out
        };
        let mut texts: Vec<Vec<u8>> = crate::analyze::own_eval_texts()
            .into_iter()
            .map(String::into_bytes)
            .collect();
        // Texts made mostly of the class, with stretches just under, at and
        // over 13 digits, at the start, the end and across lines.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for n in 0..20_000 {
            let len = (n % 97) + 1;
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    match state % 16 {
                        0..=9 => b'0' + (state >> 8) as u8 % 10,
                        10 => b' ',
                        11 => b'-',
                        12 => b'\n',
                        _ => b"ax:\t"[(state >> 8) as usize % 4],
                    }
                })
                .collect();
            texts.push(text);
        }
        texts.push(b"4111 1111 1111 1111".to_vec());
        texts.push(b"123456789012".to_vec());
        texts.push(b"x1234567890123".to_vec());
        let mut hits = 0;
        for t in &texts {
            let fast = lines(t, for_each_digit_run_line);
            assert_eq!(
                fast,
                lines(t, for_each_digit_run_line_bytewise),
                "{:?}",
                String::from_utf8_lossy(t)
            );
            hits += fast.len();
        }
        assert!(hits > 1000, "{hits} lines found");
    }

    #[test]
    fn every_built_in_pattern_compiles_and_names_its_secret() {
        // They are compiled on first use at run time; a broken one must fail here.
        for r in RULES {
            let compiled = RuleRegex::new(compile(r.name, r.pattern).unwrap());
            assert!(
                !compiled.secret_groups.is_empty()
                    || r.kind.is_empty()
                    || compiled.regex.captures_len() == 1,
                "{}: no secret group",
                r.name
            );
        }
    }

    fn s() -> RuleSanitizer {
        RuleSanitizer::new(&SanitizeConfig::default()).unwrap()
    }

    #[test]
    fn clean_text_is_borrowed() {
        let mut st = Redactions::new();
        let t = "thread 'main' panicked at src/lib.rs:3:5: keyboard layout missing";
        assert!(matches!(s().sanitize(t, &mut st), Cow::Borrowed(_)));
        assert_eq!(st.total(), 0);
    }

    #[test]
    fn same_value_same_number() {
        let mut st = Redactions::new();
        let a = s().redact(
            "DB_PASSWORD=hunter2x\npassword: \"hunter2x\"\npwd=other99",
            &mut st,
        );
        assert_eq!(
            a,
            "DB_PASSWORD=[REDACTED:password#1]\npassword: \"[REDACTED:password#1]\"\npwd=[REDACTED:password#2]"
        );
    }

    #[test]
    fn sanitizing_twice_changes_nothing() {
        let mut st = Redactions::new();
        let once = s()
            .redact(
                "Authorization: Bearer abcdef123456\npassword: hunter2",
                &mut st,
            )
            .into_owned();
        let twice = s().redact(&once, &mut st);
        assert_eq!(once, twice);
    }

    #[test]
    fn env_names() {
        for n in [
            "GITHUB_TOKEN",
            "DB_PASSWORD",
            "AWS_SECRET_ACCESS_KEY",
            "MY_SERVICE_TOKEN",
            "NPM_AUTH",
            "GPG_PRIVATE_KEY",
        ] {
            assert!(is_secret_env_name(n), "{n}");
        }
        for n in [
            "PWD",
            "SSH_AUTH_SOCK",
            "CARGO_PKG_AUTHORS",
            "PATH",
            "HOME",
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "KEYTIMEOUT",
        ] {
            assert!(!is_secret_env_name(n), "{n}");
        }
    }

    #[test]
    fn exact_env_values_are_masked() {
        let s = RuleSanitizer::with_env(
            &SanitizeConfig::default(),
            [(
                "MY_SERVICE_TOKEN".to_owned(),
                "plain-looking-value".to_owned(),
            )]
            .into_iter(),
        )
        .unwrap();
        let mut st = Redactions::new();
        assert_eq!(
            s.redact("connecting with plain-looking-value now", &mut st),
            "connecting with [REDACTED:my_service_token#1] now"
        );
    }

    #[test]
    fn config_extra_allow_disable() {
        let cfg: SanitizeConfig = serde_json::from_str(
            r#"{"extra_rules":[{"name":"acme","pattern":"acme_([a-z0-9]{12})","secret_group":1,"anchors":["acme_"]}],
                "allow":[{"value":"hunter2safe"},{"regex":"test-[0-9]+"}],
                "disable":["email"]}"#,
        )
        .unwrap();
        let s = RuleSanitizer::new(&cfg).unwrap();
        let mut st = Redactions::new();
        assert_eq!(
            s.redact(
                "key acme_abcdef123456 password=hunter2safe token=test-123 bob@example.com",
                &mut st
            ),
            "key acme_[REDACTED:acme#1] password=hunter2safe token=test-123 bob@example.com"
        );
        let bad = SanitizeConfig {
            disable: vec!["nope".into()],
            ..SanitizeConfig::default()
        };
        assert!(matches!(
            RuleSanitizer::new(&bad),
            Err(SanitizeConfigError::UnknownRule(_))
        ));
    }
}

#[cfg(test)]
mod run_tests {
    use super::*;
    use crate::model::{
        Attempt, Failure, FailureKind, InputStatus, Property, Suite, SuitePath, TestCase, TestId,
    };

    /// A run of 500 cases and 100 suites, a few holding secrets (some the
    /// same value twice), so the check runs on several threads.
    fn run() -> TestRun {
        let suite_name = |i: usize| {
            if i == 42 {
                "suite api_key=AKIAIOSFODNN7EXAMPLE".to_owned()
            } else {
                format!("suite{i}")
            }
        };
        // The tests of a suite share its path, as the readers build them.
        let paths: Vec<SuitePath> = (0..100)
            .map(|i| vec!["all".to_owned(), suite_name(i)].into())
            .collect();
        // The tests of a class share its name: in runs of 20 (one class
        // holding a secret), then, from test 300, three classes in turn.
        let class = |k: usize| -> std::sync::Arc<str> {
            match k {
                13 => "com.acme.Client password=hunter7".into(),
                101 => "com.acme.Vault token=ghp_16C7e42F292c6912E7710c838347Ae178B4a".into(),
                _ => format!("com.acme.Class{k}").into(),
            }
        };
        let classes: Vec<std::sync::Arc<str>> = (0..103).map(class).collect();
        let mut cases = Vec::new();
        for i in 0..500 {
            let mut f = Failure::new(FailureKind::Failure);
            f.message = Some(match i % 97 {
                3 => format!("login failed password=hunter{}", i % 2),
                50 => "token ghp_16C7e42F292c6912E7710c838347Ae178B4a rejected".to_owned(),
                _ => format!("assertion {i} failed"),
            });
            let mut case = TestCase::new(
                TestId {
                    name: format!("t{i}"),
                    ..TestId::default()
                },
                vec![Attempt::with_failures(vec![f])],
            );
            if i % 131 == 7 {
                case.properties_mut().push(Property {
                    name: "db.password".into(),
                    value: format!("s3cret{i}"),
                });
            }
            case.suite = Some(i % 100);
            case.id.suite = paths[i % 100].clone();
            let k = if i < 300 { i / 20 } else { 100 + i % 3 };
            case.id.classname = Some(classes[k].clone());
            cases.push(case);
        }
        let suites = (0..100)
            .map(|i| Suite {
                name: suite_name(i),
                ..Suite::default()
            })
            .collect();
        let mut run = TestRun::default();
        run.push_input(InputStatus::default(), cases, suites);
        run
    }

    #[test]
    fn checking_on_every_core_first_numbers_exactly_as_visiting_every_text_in_order() {
        let s = RuleSanitizer::default_for_process();
        let mut state = Redactions::new();
        let fast = sanitize_run(&s, run(), &mut state);

        // The plain way: every named value, then every text, in run order.
        let mut plain_state = Redactions::new();
        let mut plain = run();
        for case in &mut plain.cases {
            for p in case.details_parts_mut().0 {
                if let Cow::Owned(v) = s.sanitize_field(&p.name, &p.value, &mut plain_state) {
                    p.value = v;
                }
            }
        }
        plain.for_each_text_mut(&mut |t: &mut String| {
            if let Cow::Owned(v) = s.sanitize(t, &mut plain_state) {
                *t = v;
            }
        });
        assert!(state.total() >= 12, "{:?}", state.counts());
        assert_eq!(state.counts(), plain_state.counts());
        for (a, b) in fast.cases.iter().zip(&plain.cases) {
            assert_eq!(a, b);
        }
        assert_eq!(fast.suites, plain.suites);
        // The secret in a shared suite path is redacted once, and the path
        // stays shared by its tests.
        let (a, b) = (&fast.cases[42].id.suite, &fast.cases[142].id.suite);
        assert!(a.to_vec()[1].contains("[REDACTED"), "{a:?}");
        assert!(a.shares(b), "the redacted path is still one path");
        let text = serde_json::to_string(&fast.cases).unwrap();
        assert!(
            !text.contains("hunter") && !text.contains("ghp_16C7"),
            "{text}"
        );
        let redacted_classes = fast
            .cases
            .iter()
            .filter(|c| {
                c.id.classname
                    .as_deref()
                    .is_some_and(|n| n.contains("[REDACTED"))
            })
            .count();
        assert_eq!(redacted_classes, 20 + 67, "every test of both classes");
    }
}
