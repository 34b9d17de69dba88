//! The offline rule set: data in `rules.toml`, evaluated in full for every
//! failure; the best-scoring rule wins.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use regex::Regex;
use serde::Deserialize;

use super::{
    KnownFailures, RulesError, Sources, cite, cluster_sources, parse_category, parse_severity,
};
use crate::error::AnalyzeError;
use crate::model::{Analysis, Category, Citation, Cluster, Evidence, Severity, Signature, TestRun};
use crate::sanitize::Sanitized;
use crate::stage::Analyze;

use super::prefilter::{Prefilter, Present};

/// The rules shipped with failtale.
pub const BUILTIN_RULES: &str = include_str!("rules.toml");

/// Score removed when a pattern matched only in captured output or collected
/// evidence, not in the failure text: a lead there is worth less than a
/// generic match in the failure itself.
const WEAK_SOURCE_PENALTY: i64 = 2_500;

/// Rules scoring below this (priority under 35) name a mechanism, not a
/// cause (`rust-panic`, `uncaught-exception`, `illegal-state`,
/// `generic-expected-got`, …): what the signature's parser recognised wins over them.
const GENERIC_RULE_SCORE: i64 = 3_500;

/// Whether a cited line shows a compared value rather than what failed
/// (`left: …`, `Expected: …`, `Which is: …`, a diff line).
fn is_value_line(quote: &str) -> bool {
    const MARKS: &[&str] = &[
        "left:",
        "right:",
        "Left:",
        "Right:",
        "Expected",
        "Received",
        "expected:",
        "actual:",
        "Actual:",
        "Which is:",
        "got:",
        "want:",
        "Got:",
        "Want:",
        "values:",
        "with expansion",
        "+ ",
        "- ",
        "+\"",
        "-\"",
        "E     ",
        "Diff:",
        "diff:",
    ];
    let q = quote.trim_start();
    MARKS.iter().any(|m| q.starts_with(m)) || q.starts_with('"') || q.starts_with('\'')
}

/// What a signature's parser recognised: an assertion, an uncaught
/// exception, a crash, a race, a leak or a failed build.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Mechanism {
    /// The category the mechanism stands for.
    pub category: Category,
    /// The words that name it (`a failed assertion`, `an unhandled TypeError`).
    pub what: String,
    /// The failure's type is the language's untyped `Error`, which test
    /// libraries throw for failed checks too (supertest's `expected 200, got
    /// 500`): a generic assertion rule then says more than "an exception".
    pub untyped: bool,
}

impl Mechanism {
    fn new(category: Category, what: impl Into<String>) -> Option<Self> {
        Some(Mechanism {
            category,
            what: what.into(),
            untyped: false,
        })
    }
}

/// The mechanism a signature's parser recognised, if any.
pub fn mechanism(signature: &Signature) -> Option<Mechanism> {
    let get = |name: &str| {
        signature
            .components
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value.as_str())
    };
    let kind = get("kind")?;
    let last = kind.rsplit(['.', ':']).next().unwrap_or(kind);
    let assertion = matches!(
        kind,
        "assert_eq"
            | "assert_ne"
            | "assert"
            | "googletest failure"
            | "assertion"
            | "testify assertion"
            | "Check failed"
            | "doctest assertion"
    ) || kind.starts_with("expect.")
        || kind.starts_with("Catch2")
        || kind == "t.Error"
        || last.contains("Assert")
        || last == "ComparisonFailure"
        || last == "ExpectationNotMetError"
        || last == "MultipleFailuresError";
    if assertion {
        return Mechanism::new(Category::Assertion, "a failed assertion");
    }
    if kind == "crash" {
        return Mechanism::new(Category::Crash, "a crash");
    }
    if kind == "build failed" {
        return Mechanism::new(Category::Other, "a build that failed");
    }
    const SIGNALS: &[&str] = &["SIGSEGV", "SIGABRT", "SIGBUS", "SIGFPE", "SIGILL"];
    if SIGNALS.contains(&kind)
        || kind.starts_with("AddressSanitizer")
        || kind.starts_with("MemorySanitizer")
        || kind.starts_with("UndefinedBehaviorSanitizer")
    {
        return Mechanism::new(Category::Crash, format!("a crash ({kind})"));
    }
    if kind.starts_with("ThreadSanitizer") {
        return Mechanism::new(Category::Concurrency, format!("a race ({kind})"));
    }
    if kind.starts_with("LeakSanitizer") {
        return Mechanism::new(Category::Resource, "a memory leak");
    }
    let exception = matches!(
        kind,
        "panic"
            | "unwrap on Err"
            | "unwrap on None"
            | "uncaught exception"
            | "unexpected exception"
    ) || (crate::fingerprint::is_exception_name(kind) && !last.contains("Timeout"));
    if exception {
        return Some(Mechanism {
            untyped: kind == "Error",
            ..Mechanism::new(Category::Panic, format!("an unhandled {kind}"))?
        });
    }
    None
}

fn mechanism_analysis(category: Category, what: &str, sources: &Sources) -> Analysis {
    let cite_first = || {
        sources
            .sources
            .first()
            .and_then(|s| {
                s.text
                    .find(|c: char| !c.is_whitespace())
                    .and_then(|at| cite(s, at))
            })
            .into_iter()
            .collect()
    };
    let (cause, fix, severity) = match category {
        Category::Assertion => (
            "An assertion in the test did not hold: the code under test returned something other than what the test expects.".to_owned(),
            "Compare the expected and actual values in the failure; fix the code, or the expectation if the new behaviour is intended.",
            Severity::Medium,
        ),
        Category::Crash => (
            format!("The test process ended in {what}."),
            "Run the test under a debugger or with sanitizers to find the faulting access; the first in-app frame is the place to start.",
            Severity::High,
        ),
        Category::Concurrency => (
            format!("The test hit {what}."),
            "Find the two accesses in the report and guard them with one lock or make them ordered.",
            Severity::High,
        ),
        Category::Resource => (
            format!("The test process reported {what}."),
            "Free what the allocation stack shows was allocated, or release it in the test's teardown.",
            Severity::Medium,
        ),
        _ => (
            format!("The test failed with {what} that nothing caught."),
            "Read the message and the first in-app frame: handle the error case or fix the value that triggered it.",
            Severity::High,
        ),
    };
    Analysis {
        root_cause: cause,
        category,
        severity,
        fix_suggestion: fix.into(),
        confidence: 0.5,
        evidence: cite_first(),
        analyzer: "rules".into(),
        critic_override: false,
        grounded: true,
        fallback_reason: None,
    }
}

/// Most citations one rule match produces.
const MAX_CITATIONS: usize = 4;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Vec<RuleDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    category: String,
    severity: String,
    confidence: f32,
    #[serde(default)]
    priority: i64,
    patterns: Vec<String>,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    captures: Vec<String>,
    #[serde(default)]
    all: bool,
    cause: String,
    fix: String,
}

/// (pattern index, source index, byte offset) of a pattern's first match.
type Hit = (usize, usize, usize);

/// One rule, compiled.
#[derive(Debug)]
pub struct Rule {
    /// Identifier (`connection-refused`, …).
    pub id: String,
    /// Category it assigns.
    pub category: Category,
    /// Severity it assigns.
    pub severity: Severity,
    /// Base confidence.
    pub confidence: f32,
    /// Higher wins.
    pub priority: i64,
    patterns: Vec<Regex>,
    types: Vec<Regex>,
    captures: Vec<Regex>,
    /// Applies only when every pattern matches.
    all: bool,
    cause: String,
    fix: String,
}

/// A compiled rule set.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// Which of the rules' patterns (in rule order, then pattern order)
    /// could match a text; built once the set has classified
    /// [`PREFILTER_AFTER`] failures (a few milliseconds a small run need
    /// not spend).
    prefilter: OnceLock<Prefilter>,
    classified: std::sync::atomic::AtomicUsize,
}

/// Failures classified before the rule set builds its prefilter.
const PREFILTER_AFTER: usize = 16;

/// What the best rule concluded about one failure.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleMatch {
    /// The winning rule.
    pub rule: String,
    /// Its category.
    pub category: Category,
    /// Its severity.
    pub severity: Severity,
    /// Confidence, 0–1.
    pub confidence: f32,
    /// The root cause, with matched values filled in.
    pub root_cause: String,
    /// The fix, with matched values filled in.
    pub fix: String,
    /// Lines that matched, with their source.
    pub citations: Vec<Citation>,
    /// Named values pulled from the text (`port`, `path`, `var`, …).
    pub captured: BTreeMap<String, String>,
    /// The score that won.
    pub score: i64,
}

/// Rewrites `\\w`, `\\d` and `\\b` (and their negations) to their ASCII
/// forms. The Unicode classes made each built-in pattern a ~40 KiB automaton
/// (28 MiB and 60 ms to compile the rule set, on every run); the built-in
/// rules match English diagnostics, paths and identifiers, where the ASCII
/// classes say the same. Rule files given by users keep Unicode classes.
fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = 0usize;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push(c);
                    break;
                };
                let ascii = match (next, in_class > 0) {
                    ('w', false) => "[[:word:]]",
                    ('W', false) => "[^[:word:]]",
                    ('d', false) => "[[:digit:]]",
                    ('D', false) => "[^[:digit:]]",
                    ('w', true) => "[:word:]",
                    ('W', true) => "[:^word:]",
                    ('d', true) => "[:digit:]",
                    ('D', true) => "[:^digit:]",
                    ('b', false) => "(?-u:\\b)",
                    ('B', false) => "(?-u:\\B)",
                    _ => {
                        out.push(c);
                        out.push(next);
                        continue;
                    }
                };
                out.push_str(ascii);
            }
            '[' => {
                out.push(c);
                // `[:alpha:]` inside a class is one item, not a nested class.
                if in_class > 0 && chars.peek() == Some(&':') {
                    for d in chars.by_ref() {
                        out.push(d);
                        if d == ']' {
                            break;
                        }
                    }
                    continue;
                }
                in_class += 1;
                // A `]` or `^]` right after the opening bracket is literal.
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().unwrap_or('^'));
                }
                if chars.peek() == Some(&']') {
                    out.push(chars.next().unwrap_or(']'));
                }
            }
            ']' if in_class > 0 => {
                in_class -= 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Which classes `\\w`, `\\d` and `\\b` stand for in a rule file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Classes {
    Unicode,
    Ascii,
}

fn compile(id: &str, patterns: &[String], classes: Classes) -> Result<Vec<Regex>, RulesError> {
    patterns
        .iter()
        .map(|p| {
            let built = match classes {
                Classes::Unicode => Regex::new(p),
                Classes::Ascii => Regex::new(&ascii_classes(p)),
            };
            built.map_err(|source| RulesError::Regex {
                id: id.to_owned(),
                pattern: p.clone(),
                source,
            })
        })
        .collect()
}

impl RuleSet {
    /// The built-in rules, compiled once.
    pub fn builtin() -> Arc<RuleSet> {
        static RULES: OnceLock<Arc<RuleSet>> = OnceLock::new();
        RULES
            .get_or_init(|| {
                // The embedded file is tested; failing here is a build defect.
                Arc::new(
                    RuleSet::parse(BUILTIN_RULES, "built-in rules", Classes::Ascii)
                        .expect("built-in rules are valid"),
                )
            })
            .clone()
    }

    /// Parses and compiles a rule file.
    pub fn from_toml(text: &str, origin: &str) -> Result<RuleSet, RulesError> {
        RuleSet::parse(text, origin, Classes::Unicode)
    }

    fn parse(text: &str, origin: &str, classes: Classes) -> Result<RuleSet, RulesError> {
        let file: RuleFile = toml::from_str(text).map_err(|source| RulesError::Toml {
            origin: origin.to_owned(),
            source,
        })?;
        let mut rules = Vec::with_capacity(file.rule.len());
        for d in file.rule {
            let category = parse_category(&d.category).ok_or_else(|| {
                RulesError::Invalid(format!(
                    "rule `{}`: unknown category `{}`",
                    d.id, d.category
                ))
            })?;
            let severity = parse_severity(&d.severity).ok_or_else(|| {
                RulesError::Invalid(format!(
                    "rule `{}`: unknown severity `{}`",
                    d.id, d.severity
                ))
            })?;
            if d.patterns.is_empty() && d.types.is_empty() {
                return Err(RulesError::Invalid(format!(
                    "rule `{}` has no patterns",
                    d.id
                )));
            }
            rules.push(Rule {
                patterns: compile(&d.id, &d.patterns, classes)?,
                types: compile(&d.id, &d.types, classes)?,
                captures: compile(&d.id, &d.captures, classes)?,
                id: d.id,
                category,
                severity,
                confidence: d.confidence.clamp(0.0, 1.0),
                priority: d.priority,
                all: d.all,
                cause: d.cause,
                fix: d.fix,
            });
        }
        Ok(RuleSet {
            rules,
            prefilter: OnceLock::new(),
            classified: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// Builds now what the set would otherwise build when a run first
    /// needs it (the prefilter of its patterns): a harness calls this on a
    /// spare thread while it reads results, so that analysing does not wait.
    pub fn warm(&self) {
        let _ = self.prefilter();
    }

    /// The prefilter of the rules' patterns.
    fn prefilter(&self) -> &Prefilter {
        self.prefilter.get_or_init(|| {
            Prefilter::new(
                self.rules
                    .iter()
                    .flat_map(|r| r.patterns.iter().map(Regex::as_str)),
            )
        })
    }

    /// The rules, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Evaluates every rule and returns the best match, if any rule applies.
    pub fn classify(&self, sources: &Sources) -> Option<RuleMatch> {
        let n = self
            .classified
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.classify_with(sources, n >= PREFILTER_AFTER)
    }

    /// [`RuleSet::classify`], with or without the prefilter.
    fn classify_with(&self, sources: &Sources, filter: bool) -> Option<RuleMatch> {
        let mut best: Option<(i64, usize, Vec<Hit>)> = None;
        // The literals in each text, found once: a pattern none of whose
        // literals occur in a text is not run on it.
        let prefilter = filter.then(|| self.prefilter());
        let present: Vec<Option<Present>> = sources
            .sources
            .iter()
            .map(|s| prefilter.map(|f| f.scan(&s.text)))
            .collect();
        let mut g = 0;
        for (ri, rule) in self.rules.iter().enumerate() {
            // (pattern, source, offset) of each pattern's first match.
            let mut hits = Vec::new();
            let mut weak = true;
            for (pi, re) in rule.patterns.iter().enumerate() {
                let at = g + pi;
                for (si, s) in sources.sources.iter().enumerate() {
                    if let (Some(f), Some(p)) = (prefilter, &present[si])
                        && !f.may_match(at, p)
                    {
                        continue;
                    }
                    if let Some(m) = re.find(&s.text) {
                        hits.push((pi, si, m.start()));
                        weak &= !s.primary;
                        break;
                    }
                }
            }
            g += rule.patterns.len();
            let type_hit = sources
                .failure_type
                .as_deref()
                .is_some_and(|t| rule.types.iter().any(|re| re.is_match(t)));
            if (hits.is_empty() && !type_hit) || (rule.all && hits.len() < rule.patterns.len()) {
                continue;
            }
            let mut score = rule.priority * 100 + 10 * hits.len() as i64;
            if type_hit {
                score += 5;
            }
            if hits.is_empty() || weak {
                score -= WEAK_SOURCE_PENALTY;
            }
            if best.as_ref().is_none_or(|(b, _, _)| score > *b) {
                best = Some((score, ri, hits));
            }
        }
        let (score, ri, hits) = best?;
        let rule = &self.rules[ri];
        let mut captured = BTreeMap::new();
        let mut take = |re: &Regex, text: &str| {
            if let Some(c) = re.captures(text) {
                for name in re.capture_names().flatten() {
                    if let Some(m) = c.name(name) {
                        let v = m.as_str().trim();
                        if !v.is_empty() {
                            captured
                                .entry(name.to_owned())
                                .or_insert_with(|| v.chars().take(120).collect::<String>());
                        }
                    }
                }
            }
        };
        for &(pi, si, _) in &hits {
            take(&rule.patterns[pi], &sources.sources[si].text);
        }
        for re in &rule.captures {
            for s in &sources.sources {
                take(re, &s.text);
            }
        }
        let mut citations: Vec<Citation> = Vec::new();
        for &(_, si, at) in &hits {
            if let Some(c) = cite(&sources.sources[si], at)
                && !citations.contains(&c)
                && citations.len() < MAX_CITATIONS
            {
                citations.push(c);
            }
        }
        let confidence = (rule.confidence + 0.03 * hits.len().saturating_sub(1) as f32).min(0.95);
        Some(RuleMatch {
            rule: rule.id.clone(),
            category: rule.category,
            severity: rule.severity,
            confidence,
            root_cause: render(&rule.cause, &captured),
            fix: render(&rule.fix, &captured),
            citations,
            captured,
            score,
        })
    }
}

/// Fills a template: `{name}` is a captured value, `{name|fallback}` uses the
/// fallback when the value is absent, and `[ … ]` is kept only when every
/// placeholder inside it has a value.
pub fn render(template: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('[') {
        out.push_str(&render_placeholders(&rest[..open], values).0);
        let Some(close) = rest[open..].find(']') else {
            rest = &rest[open..];
            break;
        };
        let (inner, complete) = render_placeholders(&rest[open + 1..open + close], values);
        if complete {
            out.push_str(&inner);
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(&render_placeholders(rest, values).0);
    out
}

/// Returns the rendered text and whether every placeholder without a fallback had a value.
fn render_placeholders(template: &str, values: &BTreeMap<String, String>) -> (String, bool) {
    let mut out = String::new();
    let mut complete = true;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return (out, complete);
        };
        let spec = &rest[open + 1..open + close];
        let (name, fallback) = match spec.split_once('|') {
            Some((n, f)) => (n, Some(f)),
            None => (spec, None),
        };
        match (values.get(name), fallback) {
            (Some(v), _) => out.push_str(v),
            (None, Some(f)) => out.push_str(f),
            (None, None) => complete = false,
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    (out, complete)
}

/// An analysis made ahead by [`Analyze::prepare`] and what it was made from.
#[derive(Debug)]
struct Prepared {
    signature: Signature,
    sources: Sources,
    analysis: Analysis,
}

/// The offline analyzer: known failures first, then the rule set. Always
/// produces an analysis (category `other` when nothing matched).
#[derive(Debug, Clone)]
pub struct OfflineAnalyzer {
    /// `None`: the built-in rules, compiled when first needed (a run
    /// without failures never pays for compiling them).
    rules: Option<Arc<RuleSet>>,
    known: Arc<KnownFailures>,
    /// Analyses worked out by [`Analyze::prepare`], by representative case,
    /// with the signature and texts they were made from: an analysis is
    /// used only for a cluster with the very same inputs.
    prepared: Arc<Mutex<HashMap<usize, Prepared>>>,
}

impl Default for OfflineAnalyzer {
    fn default() -> Self {
        OfflineAnalyzer {
            rules: None,
            known: Arc::new(KnownFailures::default()),
            prepared: Arc::default(),
        }
    }
}

impl OfflineAnalyzer {
    /// The built-in rules and no known failures.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses these known failures (they win over the rules).
    pub fn with_known(mut self, known: KnownFailures) -> Self {
        self.known = Arc::new(known);
        self
    }

    /// Uses another rule set.
    pub fn with_rules(mut self, rules: Arc<RuleSet>) -> Self {
        self.rules = Some(rules);
        self
    }

    /// The known failures in use.
    pub fn known(&self) -> &KnownFailures {
        &self.known
    }

    /// Analyzes one cluster without I/O.
    pub fn analyze_now(&self, cluster: &Cluster, run: &TestRun, evidence: &[Evidence]) -> Analysis {
        self.analyze_with(cluster, &cluster_sources(cluster, run, evidence))
    }

    fn analyze_with(&self, cluster: &Cluster, sources: &Sources) -> Analysis {
        if let Some(a) = self.known.find(&cluster.fingerprint.hash, sources) {
            return a;
        }
        self.analyze_failure(&cluster.fingerprint, sources)
    }

    /// Analyzes texts with the rules only (no known failures, no signature).
    pub fn analyze_sources(&self, sources: &Sources) -> Analysis {
        self.decide(sources, None)
    }

    /// Analyzes the texts of one failure whose signature is known: the rules
    /// first, then what the signature's parser recognised (an assertion, an
    /// uncaught exception, a crash) where no specific rule applies. A failed
    /// assertion stays an assertion when a rule matched only inside its
    /// compared values (`left: "timeout"` is not a timeout).
    pub fn analyze_failure(&self, signature: &Signature, sources: &Sources) -> Analysis {
        self.decide(sources, mechanism(signature))
    }

    fn decide(&self, sources: &Sources, mechanism: Option<Mechanism>) -> Analysis {
        let builtin;
        let rules = match &self.rules {
            Some(r) => r,
            None => {
                builtin = RuleSet::builtin();
                &builtin
            }
        };
        let matched = rules.classify(sources);
        let use_mechanism = match (&matched, &mechanism) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(m), Some(mech)) => {
                m.category != mech.category
                    && !(mech.untyped && m.category == Category::Assertion)
                    && (m.score < GENERIC_RULE_SCORE
                        || (mech.category == Category::Assertion
                            && !m.citations.is_empty()
                            && m.citations.iter().all(|c| is_value_line(&c.quote))))
            }
        };
        if use_mechanism && let Some(mech) = mechanism {
            return mechanism_analysis(mech.category, &mech.what, sources);
        }
        match matched {
            Some(m) => Analysis {
                root_cause: m.root_cause,
                category: m.category,
                severity: m.severity,
                fix_suggestion: m.fix,
                confidence: m.confidence,
                evidence: m.citations,
                analyzer: "rules".into(),
                critic_override: false,
                grounded: true,
                fallback_reason: None,
            },
            None => Analysis {
                root_cause: "No known failure pattern matched the failure text.".into(),
                category: Category::Other,
                severity: Severity::Medium,
                fix_suggestion:
                    "Read the failure message and stack trace; add a rule or a known-failure entry once the cause is understood."
                        .into(),
                confidence: 0.2,
                evidence: sources
                    .sources
                    .first()
                    .and_then(|s| s.text.find(|c: char| !c.is_whitespace()).and_then(|at| cite(s, at)))
                    .into_iter()
                    .collect(),
                analyzer: "rules".into(),
                critic_override: false,
                grounded: true,
                fallback_reason: None,
            },
        }
    }
}

#[async_trait]
impl Analyze for OfflineAnalyzer {
    fn name(&self) -> &str {
        "rules"
    }

    async fn analyze(
        &self,
        cluster: &Cluster,
        run: &Sanitized<TestRun>,
        evidence: &[Evidence],
    ) -> Result<Option<Analysis>, AnalyzeError> {
        let sources = cluster_sources(cluster, run, evidence);
        if evidence.is_empty() {
            let ready = self
                .prepared
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&cluster.representative);
            if let Some(p) = ready
                && p.signature == cluster.fingerprint
                && p.sources == sources
            {
                return Ok(Some(p.analysis));
            }
        }
        Ok(Some(self.analyze_with(cluster, &sources)))
    }

    /// Analyzes every cluster on `threads` threads: the rules need no I/O,
    /// and one run's clusters would otherwise be analyzed on one core.
    fn prepare(&self, clusters: &[Cluster], run: &Sanitized<TestRun>, threads: usize) {
        let run = run.get();
        let done = crate::par::map(clusters, threads, 8, &|c: &Cluster| {
            let sources = cluster_sources(c, run, &[]);
            let analysis = self.analyze_with(c, &sources);
            let prepared = Prepared {
                signature: c.fingerprint.clone(),
                sources,
                analysis,
            };
            (c.representative, prepared)
        });
        let mut prepared = self.prepared.lock().unwrap_or_else(|e| e.into_inner());
        prepared.clear();
        prepared.extend(done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(t: Option<&str>, text: &str) -> RuleMatch {
        RuleSet::builtin()
            .classify(&Sources::from_failure(t, text))
            .unwrap_or_else(|| panic!("no rule for {text}"))
    }

    #[test]
    fn ascii_classes_rewrite_word_digit_and_boundary_outside_and_inside_classes() {
        assert_eq!(ascii_classes(r"\w+ (\d+)"), "[[:word:]]+ ([[:digit:]]+)");
        assert_eq!(ascii_classes(r"[\w.-]+"), "[[:word:].-]+");
        assert_eq!(ascii_classes(r"[^\d\s]"), r"[^[:digit:]\s]");
        assert_eq!(ascii_classes(r"\bEXPECT_\W"), r"(?-u:\b)EXPECT_[^[:word:]]");
        // Escapes, literal brackets and POSIX classes pass through.
        assert_eq!(
            ascii_classes(r"\\w \[\w\] []\w] [[:alpha:]\w]"),
            r"\\w \[[[:word:]]\] [][:word:]] [[:alpha:][:word:]]"
        );
        for p in [r"\w+", r"[\w$.]+\(", r"[]\d]", r"\b(EXPECT|ASSERT)_\w*\("] {
            Regex::new(&ascii_classes(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
        }
    }

    #[test]
    fn builtin_rules_decide_ascii_text_as_with_unicode_classes() {
        let ascii = RuleSet::builtin();
        let unicode = RuleSet::from_toml(BUILTIN_RULES, "unicode").unwrap();
        let texts = crate::analyze::own_eval_texts();
        assert!(texts.len() >= 300);
        for t in &texts {
            let a = ascii
                .classify(&Sources::from_failure(None, t))
                .map(|m| (m.rule, m.root_cause, m.fix));
            let u = unicode
                .classify(&Sources::from_failure(None, t))
                .map(|m| (m.rule, m.root_cause, m.fix));
            assert_eq!(a, u, "{t}");
        }
    }

    #[test]
    fn the_prefilter_changes_no_decision() {
        let rules = RuleSet::builtin();
        let unicode = RuleSet::from_toml(BUILTIN_RULES, "unicode").unwrap();
        let mut texts = crate::analyze::own_eval_texts();
        // The same texts shouting and whispering, and with the Kelvin and
        // long s signs a case-insensitive pattern also matches.
        let n = texts.len();
        for i in 0..n {
            texts.push(texts[i].to_uppercase());
            texts.push(texts[i].to_lowercase());
            texts.push(texts[i].replace('k', "\u{212a}").replace('s', "\u{17f}"));
        }
        let mut filtered_out = 0usize;
        for t in &texts {
            // One source, and the text split over two (which source holds a
            // match decides the citation and the weak-source penalty).
            let cut = t
                .char_indices()
                .nth(t.chars().count() / 2)
                .map_or(0, |(i, _)| i);
            let two = Sources {
                failure_type: Some("java.lang.AssertionError".into()),
                sources: vec![
                    crate::analyze::Source {
                        label: "message".into(),
                        text: t[..cut].to_owned(),
                        primary: true,
                    },
                    crate::analyze::Source {
                        label: "output".into(),
                        text: t[cut..].to_owned(),
                        primary: false,
                    },
                ],
            };
            for sources in [Sources::from_failure(None, t), two] {
                for set in [&*rules, &unicode] {
                    assert_eq!(
                        set.classify_with(&sources, true),
                        set.classify_with(&sources, false),
                        "{t}"
                    );
                }
                let present = rules.prefilter().scan(&sources.sources[0].text);
                filtered_out += (0..rules.rules.iter().map(|r| r.patterns.len()).sum())
                    .filter(|&i| !rules.prefilter().may_match(i, &present))
                    .count();
            }
        }
        // The filter does its job: most patterns are not run on most texts.
        let patterns: usize = rules.rules.iter().map(|r| r.patterns.len()).sum();
        let share = filtered_out as f64 / (2 * texts.len() * patterns) as f64;
        assert!(
            share > 0.5,
            "only {:.0} % of pattern runs skipped",
            share * 100.0
        );
    }

    #[test]
    fn the_prefilter_is_built_for_many_failures_or_when_warmed_not_for_a_few() {
        let text = "java.net.ConnectException: Connection refused";
        let few = RuleSet::from_toml(BUILTIN_RULES, "few").unwrap();
        let first = few.classify(&Sources::from_failure(None, text));
        for _ in 1..PREFILTER_AFTER {
            few.classify(&Sources::from_failure(None, text));
        }
        assert!(few.prefilter.get().is_none(), "a small run pays nothing");
        assert_eq!(few.classify(&Sources::from_failure(None, text)), first);
        assert!(few.prefilter.get().is_some(), "built once the run is large");
        let warmed = RuleSet::from_toml(BUILTIN_RULES, "warmed").unwrap();
        warmed.warm();
        assert!(warmed.prefilter.get().is_some());
        assert_eq!(warmed.classify(&Sources::from_failure(None, text)), first);
    }

    #[test]
    fn builtin_rules_compile_and_ids_are_unique() {
        let rules = RuleSet::builtin();
        let mut ids: Vec<_> = rules.rules().iter().map(|r| r.id.as_str()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
        assert!(n >= 40, "{n} rules");
    }

    #[test]
    fn fix_uses_the_captured_port_and_cites_the_matching_line() {
        let text = "thread 'db::connects' panicked at src/db.rs:12:5:\ncalled `Result::unwrap()` on an `Err` value: Os { code: 111, kind: ConnectionRefused }\nconnecting to localhost:5433";
        let m = classify(None, text);
        assert_eq!(m.category, Category::Network);
        assert_eq!(m.rule, "connection-refused");
        assert!(m.fix.contains("port 5433"), "{}", m.fix);
        assert!(m.citations.iter().all(|c| text.contains(&c.quote)));
        assert!(m.citations[0].quote.contains("ConnectionRefused"));
    }

    #[test]
    fn a_rust_equality_assertion_is_explained_by_its_values_not_as_a_runtime_check() {
        let m = classify(
            None,
            "thread 'inventory::tests::reserve' panicked at src/inventory.rs:88:5:\nassertion `left == right` failed: reservation must be refused\n  left: Ok(7)\n right: Err(OutOfStock)",
        );
        assert_eq!(m.rule, "rust-assert-eq");
        assert!(m.root_cause.contains("Err(OutOfStock)"), "{}", m.root_cause);
        let c = classify(
            None,
            "F1204 10:00:00.1 42 index.cc:88] Check failed: shard < n (9 vs. 8)",
        );
        assert_eq!(c.rule, "runtime-check");
        assert_eq!(c.category, Category::Assertion);
    }

    #[test]
    fn best_rule_wins_not_first_hit() {
        // A generic panic line comes first, the specific cause later.
        let m = classify(
            None,
            "thread 'x' panicked at src/a.rs:1:1:\nNo space left on device (os error 28)",
        );
        assert_eq!(m.category, Category::Resource);
        assert_eq!(m.rule, "disk-full");
    }

    #[test]
    fn missing_variable_is_named_in_the_fix() {
        let m = classify(
            None,
            "Error: environment variable `DATABASE_URL` is not set",
        );
        assert_eq!(m.category, Category::MissingFileOrConfig);
        assert!(m.fix.contains("DATABASE_URL"), "{}", m.fix);
    }

    #[test]
    fn optional_sections_vanish_without_values() {
        let mut v = BTreeMap::new();
        assert_eq!(render("limit[ ({d})].", &v), "limit.");
        v.insert("d".into(), "30s".into());
        assert_eq!(render("limit[ ({d})], {x|none}.", &v), "limit (30s), none.");
    }

    #[test]
    fn output_only_match_is_weaker_than_failure_text() {
        let mut s = Sources::from_failure(None, "assertion failed: ok");
        s.sources.push(super::super::Source {
            label: "stdout:t".into(),
            text: "warning: connection refused to localhost:1".into(),
            primary: false,
        });
        assert_eq!(
            RuleSet::builtin().classify(&s).unwrap().category,
            Category::Assertion
        );
    }

    #[test]
    fn a_bad_pattern_is_reported_with_its_rule() {
        let bad = "[[rule]]\nid='x'\ncategory='panic'\nseverity='low'\nconfidence=0.5\npatterns=['(']\ncause='c'\nfix='f'\n";
        let e = RuleSet::from_toml(bad, "t").unwrap_err();
        assert!(e.to_string().contains("rule `x`"), "{e}");
    }

    #[test]
    fn a_check_that_aborts_is_an_assertion_and_a_plain_sanitizer_report_a_crash() {
        let check = "F1203 10:00:00.000000  4242 cache.cc:88] Check failed: size_ <= capacity_ (9 vs. 8)\n==4242==ERROR: AddressSanitizer: ABRT on unknown address 0x000000001092 (pc 0x7f00 bp 0x7ffd sp 0x7ffd T0)\n    #0 0x7f00 in raise";
        let m = classify(None, check);
        assert_eq!(
            (m.rule.as_str(), m.category),
            ("check-then-abort", Category::Assertion)
        );
        let overflow = "==4242==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011\nREAD of size 1 at 0x602000000011 thread T0\n    #0 0x4f in Cache::get cache.cc:91";
        assert_eq!(classify(None, overflow).category, Category::Crash);
        // Only every pattern together makes the rule apply.
        let abort_only = "==4242==ERROR: AddressSanitizer: ABRT on unknown address 0x000000001092";
        assert_ne!(classify(None, abort_only).rule, "check-then-abort");
    }

    #[tokio::test]
    async fn prepared_analyses_answer_only_clusters_with_the_same_inputs() {
        use crate::model::{Attempt, Failure, FailureKind, TestCase, TestId};
        let case = |name: &str, text: &str| {
            let mut f = Failure::new(FailureKind::Failure);
            f.body = Some(text.into());
            TestCase::new(
                TestId::new(Vec::new().into(), None, name.to_owned()),
                vec![Attempt::with_failures(vec![f])],
            )
        };
        let run = TestRun {
            cases: vec![
                case(
                    "a",
                    "java.net.ConnectException: Connection refused (localhost:5432)",
                ),
                case(
                    "b",
                    "thread 'b' panicked at src/lib.rs:3:5:\nassertion failed: ok",
                ),
            ],
            ..TestRun::default()
        };
        let run = Sanitized::assume_sanitized(run);
        let pipeline = crate::Pipeline::default();
        let clusters = pipeline.cluster(&run);
        assert_eq!(clusters.len(), 2);
        let analyzer = OfflineAnalyzer::new();
        analyzer.prepare(&clusters, &run, 2);
        for c in &clusters {
            let got = analyzer.analyze(c, &run, &[]).await.unwrap().unwrap();
            assert_eq!(got, analyzer.analyze_now(c, &run, &[]));
        }
        // Another run whose cluster has the same representative and
        // signature but other text is analyzed afresh, not answered from
        // the first run's work.
        analyzer.prepare(&clusters, &run, 2);
        let mut other = run.get().clone();
        if let Some(f) = other.cases[0].attempts[0].failures.first_mut() {
            f.body =
                Some("java.net.ConnectException: Connection refused (db.internal:6543)".into());
        }
        let other = Sanitized::assume_sanitized(other);
        let c = &clusters[0];
        let got = analyzer.analyze(c, &other, &[]).await.unwrap().unwrap();
        assert_eq!(got, analyzer.analyze_now(c, &other, &[]));
        assert_ne!(got, analyzer.analyze_now(c, &run, &[]));
        // Evidence is never answered from prepared work.
        let e = Evidence::new("disk full", crate::model::Provenance::new("extra"));
        let with = analyzer
            .analyze(&clusters[1], &run, std::slice::from_ref(&e))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(with, analyzer.analyze_now(&clusters[1], &run, &[e]));
    }

    #[test]
    fn test_framework_misuse_is_not_an_uncaught_error() {
        for text in [
            "  ● Test suite failed to run\n\n    Invalid: afterAll() may not be used in a describe block containing no tests.",
            "  ● Test suite failed to run\n\n    Skip must be called with only a description.",
            "  ● adds\n\n    Not enough arguments supplied for given headings:\n    a | b | expected",
            // node:test, Deno, tap, QUnit and cucumber telling the test it broke their rules.
            "not ok 3 - saves twice\n  ---\n  failureType: 'multipleCallbackInvocations'\n  error: 'callback invoked multiple times'\n  code: 'ERR_TEST_FAILURE'",
            "not ok 4 - late child\n  ---\n  error: 'test could not be started because its parent finished'",
            "login ... step 2 => ./login_test.ts:9:11\nerror: Error: Didn't complete before parent. Await step with `await t.step(...)`.",
            "shuts down => ./app_test.ts:3:6\nerror: Error: Test case attempted to exit with exit code: 2\n  Deno.exit(2);",
            "not ok 2 - counts # time=1.2ms\n  ---\n  message: test assertion count exceeds plan",
            "not ok 1 totals\n  ---\n  message: Expected 3 assertions, but 2 were run\n  severity: failed",
            "not ok 1 global failure\n  ---\n  message: \"Error: No tests were run.\"",
            "  Scenario: pay\n   ✘  Given a card\n      Step failed:\n      Step match is ambiguous: Possible matches:",
        ] {
            let m = classify(None, text);
            assert_eq!(
                (m.rule.as_str(), m.category),
                ("test-framework-misuse", Category::Other),
                "{text}"
            );
        }
    }

    #[test]
    fn a_timeout_handler_in_a_note_is_not_a_timeout() {
        let text = "error: Error: afterAll failed\nThis error was not caught from a test and caused the test runner to fail on the referenced module.\nIt most likely originated from a dangling promise, event/timeout handler or top-level code.";
        assert!(classify_opt(text).is_none_or(|m| m.category != Category::Timeout));
        for t in [
            "Timeout: 5000ms exceeded",
            "connection timeout",
            "read timed out",
            "Timeout\n",
        ] {
            assert_eq!(classify(None, t).category, Category::Timeout, "{t}");
        }
    }

    fn classify_opt(text: &str) -> Option<RuleMatch> {
        RuleSet::builtin().classify(&Sources::from_failure(None, text))
    }

    #[test]
    fn assertion_libraries_of_every_language_read_as_assertions() {
        for text in [
            "FAIL!  : tst_Cart::total() Compared values are not the same\n   Actual   (cart.total()): 3\n   Expected (4)            : 4",
            "error:\n  values are not equal\ngot:\n  3\nwant:\n  4",
            "failed: running test case \"cart total\"\n          CHECK(total == 4), got: 3 != 4",
            "cart.total == 4\n|    |     |\n|    3     false\nCart",
            "Collection should be empty but contained [1]",
            "Expected 'a' to equal 'b'.",
            "cart.c:12:test_total:FAIL: Expected 4 Was 3",
        ] {
            assert_eq!(classify(None, text).category, Category::Assertion, "{text}");
        }
    }
}
