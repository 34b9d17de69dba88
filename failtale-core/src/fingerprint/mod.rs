//! The language-aware fingerprint and the near-duplicate clustering.
//!
//! A failure's text is parsed by language ([`parse`]) into a structured
//! [`Parsed`] failure: its kind (exception type, panic, assertion, signal),
//! its message, its frames and, for chained exceptions, the root cause. The
//! variable parts are then parameterised ([`normalize`]) and the signature is
//! built from the kind, the normalised message and the top in-app frames —
//! never from the test's own name or file, and never from line numbers.
//!
//! [`StructuredFingerprint`] is the built-in [`Fingerprint`] stage. Its
//! [`cluster`](Fingerprint::cluster) groups exact fingerprints first, then
//! merges near-duplicates with density clustering over MinHash/LSH candidate
//! pairs ([`similar`]), and folds a mass failure (most failing tests share one
//! environment problem) into one labelled cluster.
//!
//! ```
//! use failtale_core::fingerprint::StructuredFingerprint;
//! use failtale_core::model::{Attempt, Failure, FailureKind, TestCase, TestId};
//! use failtale_core::Fingerprint;
//!
//! let case = |name: &str, port: u16| {
//!     let mut f = Failure::new(FailureKind::Error);
//!     f.body = Some(format!(
//!         "java.net.ConnectException: Connection refused: localhost/127.0.0.1:{port}\n\
//!          \tat com.acme.db.Pool.open(Pool.java:120)\n\
//!          \tat com.acme.orders.{name}Test.run({name}Test.java:12)"
//!     ).into());
//!     let id = TestId::new(Default::default(), None, name);
//!     TestCase::new(id, vec![Attempt::with_failures(vec![f])])
//! };
//! let fp = StructuredFingerprint::default();
//! let (a, b) = (fp.fingerprint(&case("Orders", 5432)), fp.fingerprint(&case("Refunds", 6543)));
//! assert_eq!(a.hash, b.hash, "same cause: the port and the test differ");
//! assert!(a.components.iter().any(|c| c.name == "frame" && c.value == "com.acme.db.Pool.open (Pool.java)"));
//! ```

use std::collections::BTreeSet;

use crate::model::{Cluster, Signature, SignatureComponent, TestCase, TestRun};
use crate::stage::Fingerprint;

mod go;
mod js;
mod jvm;
mod native;
pub mod normalize;
mod python;
pub mod rust;
pub mod similar;

pub use normalize::normalize;
pub use similar::ClusterConfig;

/// The language a failure text was recognised as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Language {
    /// Rust panics, assertions and backtraces.
    Rust,
    /// Java, Kotlin, Scala: JVM exceptions with `Caused by:` chains.
    Jvm,
    /// Python tracebacks and pytest output.
    Python,
    /// Go `testing` output and panics.
    Go,
    /// JavaScript and TypeScript: Node errors, jest/vitest/mocha output.
    JavaScript,
    /// C and C++: googletest, sanitizers, signals.
    Native,
    /// Anything else.
    Generic,
}

impl Language {
    /// The name shown in signatures.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Jvm => "jvm",
            Language::Python => "python",
            Language::Go => "go",
            Language::JavaScript => "javascript",
            Language::Native => "c/c++",
            Language::Generic => "generic",
        }
    }
}

/// One stack frame as a parser read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// Function or method, as written (hash suffixes already stripped).
    pub function: String,
    /// Source file as written (may be a full path); empty when unknown.
    pub file: String,
    /// Whether the frame is the project's own code (not the standard library,
    /// the test framework, a dependency, reflection or a proxy).
    pub in_app: bool,
}

/// What a language parser made of a failure text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The language recognised.
    pub language: Language,
    /// Exception type, `panic`, an assertion name or a signal; empty when unknown.
    pub kind: String,
    /// The message of the (root-cause) failure, raw.
    pub message: String,
    /// The outer exception type when the kind is a chained root cause.
    pub outer: Option<String>,
    /// The failing statement, when the output shows it (pytest's `>` line).
    pub statement: Option<String>,
    /// The file where the failure was raised, when the text names it.
    pub location: Option<String>,
    /// The `file:line` of the failed check in the test's own code, when the
    /// text names it (Go's `cart_test.go:42:`).
    pub site: Option<String>,
    /// Frames, innermost first.
    pub frames: Vec<Frame>,
}

impl Parsed {
    fn new(language: Language) -> Self {
        Parsed {
            language,
            kind: String::new(),
            message: String::new(),
            outer: None,
            statement: None,
            location: None,
            site: None,
            frames: Vec::new(),
        }
    }
}

/// Options of the fingerprint.
#[derive(Clone, Debug)]
pub struct FingerprintConfig {
    /// Crate names of the workspace (as written in paths, `my_crate`): Rust
    /// frames in these crates are in-app. Empty: a frame is in-app when it is
    /// outside the standard library, the test harness and `~/.cargo/registry`.
    pub in_app_crates: BTreeSet<String>,
    /// In-app frames that go into the signature.
    pub frames: usize,
    /// Longest normalised message kept in the signature, in bytes.
    pub max_message: usize,
    /// Near-duplicate and mass-failure clustering options.
    pub cluster: ClusterConfig,
}

impl Default for FingerprintConfig {
    fn default() -> Self {
        FingerprintConfig {
            in_app_crates: BTreeSet::new(),
            frames: 3,
            max_message: 400,
            cluster: ClusterConfig::default(),
        }
    }
}

/// The built-in fingerprint: language-aware parsing, parameterised messages,
/// top in-app frames; near-duplicate clustering and mass-failure detection.
#[derive(Clone, Debug, Default)]
pub struct StructuredFingerprint {
    config: FingerprintConfig,
}

impl StructuredFingerprint {
    /// A fingerprint with the given options.
    pub fn new(config: FingerprintConfig) -> Self {
        StructuredFingerprint { config }
    }

    /// The options in use.
    pub fn config(&self) -> &FingerprintConfig {
        &self.config
    }

    /// The signature of one failure text (the body of [`Fingerprint::fingerprint`]).
    /// `type_hint` is the failure's declared type, `test` the test's name and
    /// file, whose frames are left out.
    pub fn signature_of(
        &self,
        text: &str,
        type_hint: Option<&str>,
        test: &TestRef<'_>,
    ) -> Signature {
        let text = strip_ansi(text);
        let text = teamcity_messages(&text).map_or(text, std::borrow::Cow::Owned);
        let text = mask_test_name(&text, test.name);
        let mut parsed = parse(&text, type_hint, test.file);
        if parsed.language == Language::Rust && !self.config.in_app_crates.is_empty() {
            rust::mark_in_app(&mut parsed.frames, &self.config.in_app_crates);
        }
        let mut components = Vec::with_capacity(8);
        // Two languages are two stories, even with the same words; a text no
        // parser recognised says nothing about its language either way.
        components.push(if parsed.language == Language::Generic {
            SignatureComponent::info("language", parsed.language.as_str())
        } else {
            SignatureComponent::new("language", parsed.language.as_str())
        });
        let kind = if parsed.kind.is_empty() {
            type_hint
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .unwrap_or("failure")
        } else {
            parsed.kind.as_str()
        };
        components.push(SignatureComponent::new("kind", normalize(kind)));
        if let Some(outer) = &parsed.outer {
            components.push(SignatureComponent::new("outer", normalize(outer)));
        }
        let mut message = normalize(&parsed.message);
        truncate_at_char(&mut message, self.config.max_message);
        components.push(SignatureComponent::new("message", message));
        if let Some(statement) = &parsed.statement {
            components.push(SignatureComponent::new("statement", normalize(statement)));
        }
        // A Rust unit test shares its module's file: the place of a failed
        // `assert!` there still tells one check from another, while an
        // `unwrap()` there only says which test reached the error.
        let check = matches!(parsed.kind.as_str(), "assert_eq" | "assert_ne" | "assert");
        if let Some(loc) = parsed
            .location
            .as_deref()
            .filter(|l| (check && is_unit_test_module_file(l, test.name)) || !is_test_file(l, test))
        {
            components.push(SignatureComponent::new("location", file_name(loc)));
        }
        if let (Some(site), Some(parent)) = (&parsed.site, table_parent(test.name)) {
            // Rows of one table-driven or parametrised test failing at one
            // line are one check fed different rows: their messages differ
            // by the row's values, so clustering also joins them by this
            // site (equal messages still join as everywhere else).
            components.push(SignatureComponent::info(
                "site",
                format!("{parent} at {site}"),
            ));
        }
        let frames = parsed
            .frames
            .iter()
            .filter(|f| f.in_app && !is_test_frame(f, test))
            .take(self.config.frames);
        for f in frames {
            let function = normalize(&f.function);
            let value = if f.file.is_empty() {
                function
            } else {
                format!("{function} ({})", file_name(&f.file))
            };
            components.push(SignatureComponent::new("frame", value));
        }
        // The environment problem is in the (root-cause) message; searching
        // only there keeps a long log tail from deciding, and is fast.
        let head = format!("{}: {}", parsed.kind, parsed.message);
        if let Some(env) = environment(&head) {
            components.push(SignatureComponent::info("environment", env));
        }
        let sig = Signature::from_components(components);
        if is_trivial_check(&sig) && compares_numbers(&parsed.message) {
            // The compared values are all such a check says; the same pair
            // of values in several tests (`expected:<06:26> but
            // was:<17:26>`) is evidence of one cause, so they are kept as
            // written. A lone literal (`assert 0`) is not.
            let mut values = parsed.message.trim().to_owned();
            truncate_at_char(&mut values, self.config.max_message);
            return with_component(sig, "values", values);
        }
        sig
    }
}

/// The test a row of a table-driven or parametrised test belongs to: Go's
/// `TestCart/empty` and pytest's `test_total[empty-0]` are rows of
/// `TestCart` and `test_total`.
fn table_parent(name: &str) -> Option<&str> {
    if let Some((parent, row)) = name.split_once('[') {
        return (!parent.is_empty() && row.ends_with(']')).then_some(parent);
    }
    name.rsplit_once('/').map(|(parent, _)| parent)
}

/// The test a failure belongs to, so its own frames can be left out.
#[derive(Clone, Copy, Debug, Default)]
pub struct TestRef<'a> {
    /// The test's name.
    pub name: &'a str,
    /// The test's class name, if any.
    pub classname: Option<&'a str>,
    /// The test's source file, if known.
    pub file: Option<&'a str>,
}

impl Fingerprint for StructuredFingerprint {
    fn fingerprint(&self, case: &TestCase) -> Signature {
        let test = TestRef {
            name: &case.id.name,
            classname: case.id.classname.as_deref(),
            file: case.file.as_deref(),
        };
        let sig = match case.primary_failure() {
            Some(f) => self.signature_of(&f.full_text(), f.r#type.as_deref(), &test),
            None => Signature::from_components(vec![SignatureComponent::new("kind", "no-details")]),
        };
        if is_uninformative(&sig) {
            // Nothing in the text says what failed: claiming a cause shared
            // with other tests would be a guess, so the test stays alone
            // (unless its subtests explain it, see `cluster`).
            return with_component(sig, "test", case.id.key());
        }
        if is_bare_kind(&sig) {
            // Only an exception's type (`NullPointerException`, no message,
            // no in-app frame): the same type in unrelated test classes is
            // no evidence of one cause, so where it was seen is part of it.
            let seen = case
                .id
                .classname
                .as_deref()
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .or_else(|| case.file.clone())
                .or_else(|| case.id.suite_name().map(str::to_owned))
                .unwrap_or_else(|| case.id.key());
            return with_component(sig, "seen in", seen);
        }
        if is_bare_throw(&sig) {
            // The test's own code threw an error that carries no message
            // (`throw new Error()`, `raise ValueError`), and no function of
            // the application is on the stack: two tests doing that share
            // only the habit, so the throw is this test's.
            return with_component(sig, "thrown in", case.id.name.clone());
        }
        if is_trivial_check(&sig) {
            // A check whose text holds only literals and the checker's own
            // words (`REQUIRE( false )`, `assert 0`, `Expected: 1
            // Received: 2`): nothing in it names a cause another test could
            // share, so the failing check is this test's.
            return with_component(sig, "check in", case.id.name.clone());
        }
        sig
    }

    fn cluster(&self, run: &TestRun, mut signatures: Vec<(usize, Signature)>) -> Vec<Cluster> {
        adopt_subtest_causes(run, &mut signatures);
        similar::cluster(run, signatures, &self.config.cluster)
    }
}

/// Messages that say only that something failed.
const EMPTY_MESSAGES: &[&str] = &[
    "",
    "failed",
    "failure",
    "fail",
    "error",
    "test failed",
    "<test> failed",
    "not ok <num> - <test>",
];

/// The signature with one more hashed component.
fn with_component(sig: Signature, name: &str, value: String) -> Signature {
    let mut components = sig.components;
    components.push(SignatureComponent::new(name, value));
    Signature::from_components(components)
}

/// The kind and message of a signature that has nothing else to go on: no
/// location, statement, frame, cause chain or environment.
fn kind_and_message_only(sig: &Signature) -> Option<(&str, &str)> {
    let (mut kind, mut message) = ("", "");
    for c in &sig.components {
        match c.name.as_str() {
            "kind" => kind = c.value.as_str(),
            "message" => message = c.value.as_str(),
            "location" | "frame" | "statement" | "outer" | "environment" => return None,
            _ => {}
        }
    }
    Some((kind, message))
}

/// Whether a signature carries nothing about the cause: no message beyond
/// "failed", no location, no frame.
fn is_uninformative(sig: &Signature) -> bool {
    const GENERIC_KINDS: &[&str] = &[
        "failure",
        "t.Error",
        "error",
        "Error",
        "assertion",
        "no-details",
        "Failed",
    ];
    kind_and_message_only(sig).is_some_and(|(kind, message)| {
        let m = message
            .trim()
            .trim_end_matches(['.', '!', ':'])
            .to_ascii_lowercase();
        GENERIC_KINDS.contains(&kind) && EMPTY_MESSAGES.contains(&m.as_str())
    })
}

/// Whether a signature is a failed check whose message and statement hold
/// no word of their own: only literals (`<num>`, `true`, `false`, `null`),
/// placeholders and the checking framework's vocabulary. Such a check says
/// which assertion failed, not why, so two tests sharing it share nothing
/// else. An empty message is not a check: the rules for texts that say
/// nothing and for bare exception types decide those.
fn is_trivial_check(sig: &Signature) -> bool {
    /// Words every checking framework prints around the compared values.
    const CHECK_WORDS: &[&str] = &[
        "true",
        "false",
        "null",
        "nil",
        "none",
        "undefined",
        "nan",
        "expected",
        "expect",
        "received",
        "actual",
        "got",
        "want",
        "equal",
        "equality",
        "equals",
        "to",
        "be",
        "is",
        "of",
        "the",
        "these",
        "values",
        "value",
        "which",
        "assert",
        "assertion",
        "require",
        "check",
        "checks",
        "failed",
        "failure",
        "fail",
        "with",
        "expansion",
        "expression",
        "tobe",
        "toequal",
        "tostrictequal",
        "ok",
        "not",
        "and",
        "or",
        "that",
        "should",
        "but",
        "was",
        "test",
        "case",
        "num",
        "path",
        "dur",
        "hex",
        "uuid",
        "str",
        "obj",
        "object",
        "are",
        "in",
        "it",
        "if",
        "same",
        "as",
        "eq",
        "ne",
        "isequal",
        "assertequal",
        "assertequals",
        "asserttrue",
        "assertfalse",
        "require_eq",
        "check_eq",
        "expect_eq",
        "assert_eq",
        "expect_true",
        "expect_false",
        "assert_true",
        "assert_false",
        "require_false",
        "check_false",
        "require_true",
        "check_true",
    ];
    let mut trivial = false;
    for c in &sig.components {
        match c.name.as_str() {
            "language" if !c.hashed => return false,
            "message" | "statement" if !c.value.trim().is_empty() => {
                let words = c
                    .value
                    .split(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                    .filter(|w| w.len() > 1 && !w.chars().all(|ch| ch.is_ascii_digit()))
                    .map(str::to_ascii_lowercase);
                for w in words {
                    if !CHECK_WORDS.contains(&w.as_str()) {
                        return false;
                    }
                }
                trivial = true;
            }
            "location" | "frame" | "outer" | "environment" | "values" => return false,
            _ => {}
        }
    }
    trivial
}

/// Whether a message shows at least two different numbers: an expected and
/// an actual value.
fn compares_numbers(message: &str) -> bool {
    let mut numbers = message
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty());
    numbers
        .next()
        .is_some_and(|first| numbers.any(|n| n != first))
}

/// Whether a signature is an exception type and nothing else: no message,
/// location, statement, frame or cause chain.
fn is_bare_kind(sig: &Signature) -> bool {
    /// Types that name an environment problem by themselves (a class or
    /// native library missing, memory or stack exhausted): the same type in
    /// many test classes is one cause.
    const SELF_EXPLAINING: &[&str] = &[
        "NoClassDefFoundError",
        "UnsatisfiedLinkError",
        "ExceptionInInitializerError",
        "ClassNotFoundException",
        "OutOfMemoryError",
        "StackOverflowError",
        "NoSuchMethodError",
    ];
    kind_and_message_only(sig).is_some_and(|(kind, message)| {
        let m = message.trim();
        !SELF_EXPLAINING.contains(&kind) && (m.is_empty() || m == "null" || m == "<test>")
    })
}

/// Whether a signature is an error type thrown with no message by a
/// statement that only throws it (`throw new Error();`, `raise
/// ValueError()`), with no named function on the stack: what the test's own
/// code does when it gives up, which says nothing another test could share.
fn is_bare_throw(sig: &Signature) -> bool {
    let (mut kind, mut message, mut statement) = ("", "", None);
    for c in &sig.components {
        match c.name.as_str() {
            "kind" => kind = c.value.as_str(),
            "message" => message = c.value.trim(),
            "statement" => statement = Some(c.value.trim()),
            // A frame of a named function is a place in the application.
            "frame" if !c.value.starts_with(" (") => return false,
            "location" | "outer" | "environment" | "values" => return false,
            _ => {}
        }
    }
    let Some(statement) = statement else {
        return false;
    };
    let short = kind.rsplit(['.', ':']).next().unwrap_or(kind);
    if short.is_empty() || !is_type_name(short) && short != "Error" {
        return false;
    }
    let said_nothing =
        message.is_empty() || message.split_whitespace().all(|w| w == kind || w == short);
    let statement = statement.trim_end_matches(';').trim();
    let thrown = statement
        .strip_prefix("throw new ")
        .or_else(|| statement.strip_prefix("throw "))
        .or_else(|| statement.strip_prefix("raise "))
        .map(|t| t.trim_end_matches("()").trim());
    said_nothing && thrown.is_some_and(|t| t == kind || t == short)
}

/// A test that failed only because its subtests did (Go's `TestX` beside
/// `TestX/case`, with no message of its own) takes the signature of its
/// first failing subtest, so it joins that cause.
fn adopt_subtest_causes(run: &TestRun, signatures: &mut [(usize, Signature)]) {
    let lonely: Vec<usize> = (0..signatures.len())
        .filter(|&k| signatures[k].1.components.iter().any(|c| c.name == "test"))
        .collect();
    if lonely.is_empty() {
        return;
    }
    let mut by_name: std::collections::BTreeMap<(&str, Option<&str>), usize> =
        std::collections::BTreeMap::new();
    for (k, (i, _)) in signatures.iter().enumerate() {
        let id = &run.cases[*i].id;
        by_name
            .entry((id.name.as_str(), id.classname.as_deref()))
            .or_insert(k);
    }
    for k in lonely {
        let id = &run.cases[signatures[k].0].id;
        let prefix = format!("{}/", id.name);
        let child = by_name
            .range((prefix.as_str(), None)..)
            .take_while(|((n, _), _)| n.starts_with(&prefix))
            .map(|(_, &c)| c)
            .find(|&c| run.cases[signatures[c].0].id.classname == id.classname);
        if let Some(c) = child {
            signatures[k].1 = signatures[c].1.clone();
        }
    }
}

/// Recognises the language of a failure text and parses it.
pub fn parse(text: &str, type_hint: Option<&str>, test_file: Option<&str>) -> Parsed {
    let lang = detect(text, type_hint, test_file);
    let mut p = match lang {
        Language::Rust => rust::parse(text),
        Language::Jvm => jvm::parse(text, type_hint),
        Language::Python => python::parse(text),
        Language::Go => go::parse(text),
        Language::JavaScript => js::parse(text),
        Language::Native => native::parse(text),
        Language::Generic => generic(text),
    };
    if p.kind.is_empty() && p.message.is_empty() {
        let g = generic(text);
        p.kind = g.kind;
        p.message = g.message;
    }
    p
}

/// The fixed strings whose presence [`detect`] asks about, found together in
/// one pass over the text (a failure text is read once, not once per
/// marker). The line-by-line checks run only when a string every matching
/// line must hold is present.
const MARKERS: &[&str] = &[
    // Rust
    "panicked at",
    "called `Result::unwrap()`",
    "called `Option::unwrap()`",
    " stdout ----",
    // Go
    "panic: ",
    "goroutine ",
    "--- FAIL: ",
    "=== FAIL: ",
    "=== RUN ",
    "Error Trace:",
    "FAIL",
    "ok ",
    ".go:",
    // Python
    "Traceback (most recent call last)",
    ".py:",
    "File \"",
    "FAILED ",
    "ERROR ",
    // C and C++
    "not ok ",
    "unknown file: Failure",
    ".cc:",
    ".cpp:",
    ".cxx:",
    ".c:",
    ".h:",
    ".hpp:",
    // JVM
    "\nCaused by: ",
    "at ",
];

/// Which of [`MARKERS`] (and of the C/C++ markers) occur in a text.
struct Seen {
    markers: u64,
    native: u64,
}

impl Seen {
    fn of(text: &str) -> Seen {
        static AC: std::sync::LazyLock<aho_corasick::AhoCorasick> =
            std::sync::LazyLock::new(|| {
                aho_corasick::AhoCorasick::builder()
                    .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                    .build(MARKERS.iter().chain(native::MARKERS))
                    .expect("fixed marker strings build an automaton")
            });
        const {
            assert!(MARKERS.len() <= 64 && native::MARKERS.len() <= 64);
        }
        let mut seen = Seen {
            markers: 0,
            native: 0,
        };
        for m in AC.find_overlapping_iter(text) {
            let i = m.pattern().as_usize();
            match i.checked_sub(MARKERS.len()) {
                None => seen.markers |= 1 << i,
                Some(j) => seen.native |= 1 << j,
            }
        }
        seen
    }

    /// Whether `marker` (one of [`MARKERS`]) occurs.
    fn has(&self, marker: &str) -> bool {
        let i = MARKERS.iter().position(|m| *m == marker);
        debug_assert!(i.is_some(), "{marker:?} is not in MARKERS");
        i.is_some_and(|i| self.markers & (1 << i) != 0)
    }

    fn any(&self, markers: &[&str]) -> bool {
        markers.iter().any(|m| self.has(m))
    }
}

/// Guesses the language from markers in the text, then from the declared type
/// and the test file's extension.
pub fn detect(text: &str, type_hint: Option<&str>, test_file: Option<&str>) -> Language {
    let seen = Seen::of(text);
    if seen.has("panicked at")
        || (seen.has(" stdout ----")
            && text.lines().any(|l| {
                let t = l.trim();
                t.starts_with("---- ") && t.ends_with(" stdout ----")
            }))
        || seen.has("called `Result::unwrap()`")
        || seen.has("called `Option::unwrap()`")
    {
        return Language::Rust;
    }
    if (seen.has("panic: ") && seen.has("goroutine "))
        || seen.any(&["--- FAIL: ", "=== FAIL: ", "=== RUN ", "Error Trace:"])
        || (seen.any(&["FAIL", "ok "]) && text.lines().any(go::is_package_line))
        || (text.starts_with("# ") && seen.has(".go:"))
        || (seen.has(".go:") && go::has_test_line(text))
    {
        return Language::Go;
    }
    if seen.has("Traceback (most recent call last)")
        || (seen.any(&[".py:", "File \""]) && python::has_pytest_marker(text))
        || (seen.any(&["FAILED ", "ERROR "]) && python::summary_line(text).is_some())
    {
        return Language::Python;
    }
    if native::has_marker_seen(text, &seen) {
        return Language::Native;
    }
    if (seen.has("at ") && jvm::has_frame(text))
        || jvm::has_surefire_summary(text)
        || (seen.has("\nCaused by: ") && !js::has_marker(text))
    {
        return Language::Jvm;
    }
    if js::has_marker(text) {
        return Language::JavaScript;
    }
    from_hints(type_hint, test_file)
}

/// The language a failure's declared type and test file suggest.
fn from_hints(type_hint: Option<&str>, test_file: Option<&str>) -> Language {
    let ext = test_file.and_then(|f| f.rsplit('.').next()).unwrap_or("");
    match ext {
        "rs" => return Language::Rust,
        "py" => return Language::Python,
        "java" | "kt" | "scala" | "groovy" => return Language::Jvm,
        "go" => return Language::Go,
        "js" | "ts" | "mjs" | "cjs" | "jsx" | "tsx" => return Language::JavaScript,
        "c" | "cc" | "cpp" | "cxx" => return Language::Native,
        _ => {}
    }
    if type_hint.is_some_and(jvm::is_class_name) {
        return Language::Jvm;
    }
    Language::Generic
}

/// The fallback: the declared type (or a leading `Type:`) and the first lines.
fn generic(text: &str) -> Parsed {
    let mut p = Parsed::new(Language::Generic);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(4)
        .collect();
    if let Some(first) = lines.first()
        && let Some((head, rest)) = first.split_once(": ")
        && is_type_name(head)
    {
        p.kind = head.to_owned();
        p.message = std::iter::once(rest)
            .chain(lines[1..].iter().copied())
            .collect::<Vec<_>>()
            .join("\n");
        return p;
    }
    p.message = lines.join("\n");
    p
}

/// A word that looks like an exception or error type name (`ValueError`, `std::io::Error`, `KeyError`).
pub(crate) fn is_type_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 120
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'$' | b':'))
        && s.bytes().any(|b| b.is_ascii_uppercase())
        && s.rsplit(['.', ':']).next().is_some_and(|last| {
            last.ends_with("Error")
                || last.ends_with("Exception")
                || last.ends_with("Failure")
                || last.ends_with("Exit")
                || last.ends_with("Interrupt")
                || last == "Throwable"
                || last.ends_with("Warning")
        })
}

/// Whether a kind is an exception or error type name (`ValueError`,
/// `java.lang.IllegalStateException`, `TypeError`).
pub fn is_exception_name(kind: &str) -> bool {
    is_type_name(kind) && !kind.ends_with("Warning")
}

/// The last component of a path.
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Whether a file is a test file: the test's own, or named/placed like one.
pub fn is_test_file(path: &str, test: &TestRef<'_>) -> bool {
    let name = file_name(path);
    if let Some(own) = test.file
        && !own.is_empty()
        && file_name(own) == name
    {
        return true;
    }
    let stem = name.split('.').next().unwrap_or(name);
    if is_unit_test_module_file(path, test.name) {
        return true;
    }
    let p = path.replace('\\', "/");
    stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem.ends_with("_unittest")
        || stem.ends_with("Test")
        || stem.ends_with("Tests")
        || stem.ends_with("IT")
        || stem.ends_with("Spec")
        || stem == "tests"
        || stem == "conftest"
        || name.contains(".test.")
        || name.contains(".tests.")
        || name.contains(".spec.")
        || p.starts_with("tests/")
        || p.starts_with("test/")
        || p.contains("/tests/")
        || p.contains("/test/")
        || p.contains("/__tests__/")
        || p.contains("/spec/")
        || p.contains("/src/test/")
}

/// Rust unit tests live in the file of the module they test: a panic of
/// `db::tests::connects` at `src/db.rs` (or `src/db/mod.rs`), or of
/// `tests::parses` at `src/lib.rs`/`src/main.rs`, is in the test's own code.
fn is_unit_test_module_file(path: &str, test: &str) -> bool {
    let Some(at) = test
        .find("tests::")
        .filter(|&i| i == 0 || test[..i].ends_with("::"))
    else {
        return false;
    };
    let module = test[..at].trim_end_matches("::");
    let file = file_name(path);
    let stem = file.strip_suffix(".rs").unwrap_or(file);
    match module.rsplit("::").next().filter(|m| !m.is_empty()) {
        None => stem == "lib" || stem == "main",
        Some(m) => {
            stem == m
                || (stem == "mod"
                    && path
                        .replace('\\', "/")
                        .rsplit('/')
                        .nth(1)
                        .is_some_and(|dir| dir == m))
        }
    }
}

/// Whether a frame is the test itself (its file, its function, its class).
pub fn is_test_frame(f: &Frame, test: &TestRef<'_>) -> bool {
    if !f.file.is_empty() && is_test_file(&f.file, test) {
        return true;
    }
    let func = f.function.as_str();
    if func.contains("::tests::") || func.starts_with("tests::") || func.contains("<test>") {
        return true;
    }
    let last = func
        .rsplit(['.', ':', ' '])
        .find(|s| !s.is_empty())
        .unwrap_or(func);
    if last.starts_with("Test") && last.len() > 4 && last.as_bytes()[4].is_ascii_uppercase() {
        return true;
    }
    // The test function itself (`test_total`, `shouldPay`, `TestCart`), not
    // every function whose name happens to start like the test's.
    let name = test
        .name
        .split(['(', '['])
        .next()
        .unwrap_or(test.name)
        .trim();
    if !name.is_empty() && (last == name || func == name) {
        return true;
    }
    if let Some(class) = test.classname.filter(|c| c.len() >= 4)
        && func.starts_with(class)
    {
        return true;
    }
    false
}

fn truncate_at_char(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

/// TeamCity service messages (`##teamcity[testFailed name='…' message='…' details='…']`)
/// carry the failure in escaped attributes: their unescaped message and details.
fn teamcity_messages(text: &str) -> Option<String> {
    // snitch writes `##teamCity[`.
    if !text.contains("##teamcity[test") && !text.contains("##teamCity[test") {
        return None;
    }
    let mut out = String::new();
    for line in text
        .lines()
        .filter(|l| l.contains("##teamcity[testFailed") || l.contains("##teamCity[testFailed"))
    {
        for attr in ["message='", "details='"] {
            let Some(i) = line.find(attr) else { continue };
            let mut chars = line[i + attr.len()..].chars();
            while let Some(c) = chars.next() {
                match c {
                    '|' => match chars.next() {
                        Some('n') => out.push('\n'),
                        Some('r') => {}
                        Some(other) => out.push(other),
                        None => break,
                    },
                    '\'' => break,
                    c => out.push(c),
                }
            }
            out.push('\n');
        }
    }
    (!out.trim().is_empty()).then_some(out)
}

/// Replaces the test's own name in its failure text with `<test>`: runners
/// repeat it in headers (`--- FAIL: TestX`, `● Suite › test`, `thread
/// 'tests::x' panicked`) and it must never decide the cause. Names shorter
/// than 6 bytes are left alone (they are common words).
fn mask_test_name<'a>(text: &'a str, name: &str) -> std::borrow::Cow<'a, str> {
    let name = name.trim();
    if name.len() < 6 || is_source_path(name) {
        return std::borrow::Cow::Borrowed(text);
    }
    // One searcher for the name, built once (every failure asks).
    let mut found = memchr::memmem::find_iter(text.as_bytes(), name.as_bytes()).peekable();
    if found.peek().is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    // Only where the name stands on its own: not inside a path, a file
    // name or a longer identifier (`pkg` in `/tmp/go-build1/pkg/_test/pkg.test`).
    let glued = |c: Option<char>| {
        c.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '/' | '\\' | '.' | '-'))
    };
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for at in found {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        if at < last || glued(before) || (glued(after) && after != Some('.')) {
            continue;
        }
        // A trailing `.` is punctuation only when no word follows it.
        if after == Some('.') && glued(text[at + name.len() + 1..].chars().next()) {
            continue;
        }
        out.push_str(&text[last..at]);
        out.push_str("<test>");
        last = at + name.len();
    }
    if last == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[last..]);
    std::borrow::Cow::Owned(out)
}

/// A test named by its source file (`tests/ui/panic.rs`): the name is the
/// location and must stay one.
fn is_source_path(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, ext)| {
        ["rs", "py", "js", "ts", "go", "java", "cc", "cpp", "c", "rb"].contains(&ext)
    })
}

/// Removes ANSI colour sequences (jest and cargo colour their output).
fn strip_ansi(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\x1b') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                while let Some(&n) = chars.peek() {
                    chars.next();
                    if n.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Environment problems that, when most tests share them, are one mass failure.
const ENVIRONMENT: &[(&str, &[&str])] = &[
    (
        "connection refused",
        &[
            "connection refused",
            "econnrefused",
            "actively refused",
            "connectexception: connection refused",
        ],
    ),
    (
        "connection reset",
        &["connection reset", "econnreset", "broken pipe"],
    ),
    (
        "dns failure",
        &[
            "name or service not known",
            "enotfound",
            "no such host",
            "temporary failure in name resolution",
            "nodename nor servname",
            "unknownhostexception",
            "could not resolve host",
        ],
    ),
    (
        "disk full",
        &["no space left on device", "enospc", "disk quota exceeded"],
    ),
    (
        "out of memory",
        &[
            "out of memory",
            "outofmemoryerror",
            "cannot allocate memory",
            "enomem",
            "memory allocation of",
            "memoryerror",
        ],
    ),
    ("too many open files", &["too many open files", "emfile"]),
    (
        "timeout",
        &["timed out", "timeout", "deadline exceeded", "etimedout"],
    ),
];

/// The environment signature of a failure text: the problem and, when the
/// text names one, the host and port it concerns (`connection refused localhost:5432`).
pub fn environment(text: &str) -> Option<String> {
    // Only the head of a text decides; a long log tail mentions everything.
    let head = &text[..floor_char(text, 4096)];
    let lower = head.to_ascii_lowercase();
    let (problem, at) = first_environment_word(&lower)?;
    let line_start = lower[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = lower[at..].find('\n').map_or(lower.len(), |i| at + i);
    let endpoint = endpoint_in(&head[line_start..line_end]).or_else(|| endpoint_in(head));
    Some(match endpoint {
        Some(e) => format!("{problem} {e}"),
        None => problem.to_owned(),
    })
}

/// The first problem of [`ENVIRONMENT`] (in its order) one of whose needles
/// occurs as a word in `lower`, and where its earliest such needle is: one
/// automaton pass over the text for every needle.
fn first_environment_word(lower: &str) -> Option<(&'static str, usize)> {
    use std::sync::LazyLock;
    static NEEDLES: LazyLock<(aho_corasick::AhoCorasick, Vec<usize>)> = LazyLock::new(|| {
        let problem_of = ENVIRONMENT
            .iter()
            .enumerate()
            .flat_map(|(p, (_, needles))| needles.iter().map(move |_| p))
            .collect();
        let ac = aho_corasick::AhoCorasick::new(ENVIRONMENT.iter().flat_map(|(_, n)| n.iter()))
            .expect("fixed needles build an automaton");
        (ac, problem_of)
    });
    let (ac, problem_of) = &*NEEDLES;
    let mut best: [Option<usize>; ENVIRONMENT.len()] = [None; ENVIRONMENT.len()];
    for m in ac.find_overlapping_iter(lower) {
        let p = problem_of[m.pattern().as_usize()];
        if best[p].is_none_or(|b| m.start() < b) && is_word_at(lower, m.start(), m.end()) {
            best[p] = Some(m.start());
        }
    }
    best.iter()
        .zip(ENVIRONMENT)
        .find_map(|(at, (problem, _))| at.map(|at| (*problem, at)))
}

/// Whether `hay[start..end]` is a word (an `Error`/`Exception` suffix
/// allowed), so `TimeoutExtension` is not a timeout.
fn is_word_at(hay: &str, start: usize, end: usize) -> bool {
    let bytes = hay.as_bytes();
    let before = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
    let rest = &hay[end..];
    let rest = rest
        .strip_prefix("error")
        .or_else(|| rest.strip_prefix("exception"))
        .unwrap_or(rest);
    before && !rest.starts_with(|c: char| c.is_ascii_alphanumeric())
}

/// The first occurrence of `needle` as a word (see [`is_word_at`]).
#[cfg(test)]
fn find_word(hay: &str, needle: &str) -> Option<usize> {
    hay.match_indices(needle)
        .map(|(i, _)| i)
        .find(|&i| is_word_at(hay, i, i + needle.len()))
}

fn floor_char(s: &str, max: usize) -> usize {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// The first `host:port` in a text (`127.0.0.1:5432`, `localhost:6379`,
/// `db.internal:5432`, Python's `host='x', port=N`); loopback spellings become `localhost`.
fn endpoint_in(text: &str) -> Option<String> {
    let canonical = |host: &str| match host {
        "127.0.0.1" | "::1" | "[::1]" | "0.0.0.0" | "localhost" => "localhost".to_owned(),
        h => h.to_ascii_lowercase(),
    };
    if let Some(i) = text.find("host='") {
        let rest = &text[i + 6..];
        let host = rest.split('\'').next().unwrap_or("");
        if let Some(p) = rest.find("port=") {
            let port: String = rest[p + 5..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if !port.is_empty() {
                return Some(format!("{}:{port}", canonical(host)));
            }
        }
    }
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices(':') {
        let port_len = bytes[i + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if !(2..=5).contains(&port_len)
            || bytes
                .get(i + 1 + port_len)
                .is_some_and(|b| b.is_ascii_alphanumeric())
        {
            continue;
        }
        let start = text[..i]
            .rfind(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
            })
            .map_or(0, |s| s + 1);
        let mut host = &text[start..i];
        // `localhost/127.0.0.1:5432` (Java) names the host twice.
        if let Some(slash) = text[..i].rfind('/').filter(|&s| s + 1 == start) {
            let before = text[..slash]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-')))
                .map_or(0, |s| s + 1);
            if before < slash {
                host = &text[before..slash];
            }
        }
        let looks_like_host = host == "localhost"
            || host.starts_with('[')
            || (host.contains('.')
                && !host.rsplit('.').next().is_some_and(|ext| {
                    [
                        "rs", "py", "java", "go", "js", "ts", "cc", "cpp", "kt", "scala", "c", "h",
                    ]
                    .contains(&ext)
                }));
        if looks_like_host && !host.is_empty() {
            return Some(format!(
                "{}:{}",
                canonical(host),
                &text[i + 1..i + 1 + port_len]
            ));
        }
    }
    None
}

/// [`detect`] as it read before its markers were found in one pass: the
/// equivalence tests compare the two.
#[cfg(test)]
pub(crate) fn detect_reference(
    text: &str,
    type_hint: Option<&str>,
    test_file: Option<&str>,
) -> Language {
    if text.contains("panicked at")
        || text.lines().any(|l| {
            let t = l.trim();
            t.starts_with("---- ") && t.ends_with(" stdout ----")
        })
        || text.contains("called `Result::unwrap()`")
        || text.contains("called `Option::unwrap()`")
    {
        return Language::Rust;
    }
    if (text.contains("panic: ") && text.contains("goroutine "))
        || text.contains("--- FAIL: ")
        || text.contains("=== FAIL: ")
        || text.contains("=== RUN ")
        || text.contains("Error Trace:")
        || text.lines().any(go::is_package_line)
        || (text.starts_with("# ") && text.contains(".go:"))
        || go::has_test_line(text)
    {
        return Language::Go;
    }
    if text.contains("Traceback (most recent call last)")
        || python::has_pytest_marker(text)
        || python::summary_line(text).is_some()
    {
        return Language::Python;
    }
    if native::has_marker(text) {
        return Language::Native;
    }
    if jvm::has_frame(text)
        || jvm::has_surefire_summary(text)
        || (text.contains("\nCaused by: ") && !js::has_marker(text))
    {
        return Language::Jvm;
    }
    if js::has_marker(text) {
        return Language::JavaScript;
    }
    let ext = test_file.and_then(|f| f.rsplit('.').next()).unwrap_or("");
    match ext {
        "rs" => return Language::Rust,
        "py" => return Language::Python,
        "java" | "kt" | "scala" | "groovy" => return Language::Jvm,
        "go" => return Language::Go,
        "js" | "ts" | "mjs" | "cjs" | "jsx" | "tsx" => return Language::JavaScript,
        "c" | "cc" | "cpp" | "cxx" => return Language::Native,
        _ => {}
    }
    if type_hint.is_some_and(jvm::is_class_name) {
        return Language::Jvm;
    }
    Language::Generic
}

#[cfg(test)]
mod tests;
