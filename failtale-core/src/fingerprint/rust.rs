//! Rust: `thread '…' panicked at file:line:col:` and its message (both the
//! current and the pre-1.73 quoted form), `assert_eq!`/`assert_ne!` blocks,
//! `unwrap()` on `Err`/`None`, and `RUST_BACKTRACE` frames with their
//! `::h<16 hex>` suffixes stripped.

use super::{Frame, Language, Parsed};

/// The changed lines of an insta snapshot diff (`    4       │-VAT: 2.00`), in order.
fn insta_changes<'a>(lines: &[&'a str]) -> Option<Vec<&'a str>> {
    lines
        .iter()
        .position(|l| l.starts_with("Snapshot: ") || l.starts_with("Snapshot file: "))?;
    let changes: Vec<&str> = lines
        .iter()
        .filter_map(|l| {
            let (_, rest) = l.split_once('│')?;
            (rest.starts_with('-') || rest.starts_with('+')).then_some(rest)
        })
        .take(12)
        .collect();
    (!changes.is_empty()).then_some(changes)
}

pub(super) fn parse(text: &str) -> Parsed {
    let mut p = Parsed::new(Language::Rust);
    let lines: Vec<&str> = text.lines().collect();
    // insta: the snapshot's name is the test's; what changed is the cause.
    if let Some(changes) = insta_changes(&lines) {
        p.kind = "snapshot mismatch".into();
        p.message = changes.join("\n");
        return p;
    }
    let Some(start) = lines.iter().position(|l| l.contains("panicked at")) else {
        // `called Result::unwrap()` without a panic header (a cut-off
        // capture), or a test that returned `Err` (`Error: …`), below
        // libtest's own lines.
        let first = lines
            .iter()
            .map(|l| l.trim())
            .find(|l| !l.is_empty() && !is_libtest_line(l))
            .unwrap_or("");
        if let Some(err) = first.strip_prefix("Error: ") {
            p.kind = "test returned Err".into();
            p.message = err.to_owned();
            p.frames = frames(&lines);
            return p;
        }
        p.message = first.to_owned();
        classify(&mut p);
        p.frames = frames(&lines);
        return p;
    };
    let header = panic_header_at(&lines, start);
    p.location = header.location.map(|l| strip_line_col(l).to_owned());
    let mut message = header.message;
    while message.last().is_some_and(|l| l.trim().is_empty()) {
        message.pop();
    }
    p.message = message.join("\n");
    // A test that returned `Err`: libtest prints `Error: …` before its own panic.
    if p.message
        .contains("the test returned a termination value with a non-zero status code")
        && let Some(err) = lines[..start]
            .iter()
            .rev()
            .find_map(|l| l.strip_prefix("Error: "))
    {
        p.kind = "test returned Err".into();
        p.message = err.to_owned();
        p.frames = frames(&lines);
        return p;
    }
    classify(&mut p);
    p.frames = frames(&lines);
    p
}

/// A Rust panic found in test output: where it was raised and its message.
/// The libtest reader and the Rust fingerprint both read panics through it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PanicHeader<'a> {
    /// Index of the line holding `panicked at`.
    pub line: usize,
    /// `file:line:col` as written.
    pub location: Option<&'a str>,
    /// The message's lines: in the form before Rust 1.73 (`panicked at
    /// 'message', src/lib.rs:3:5`) the quoted text, which may span lines; in
    /// the later form (`panicked at src/lib.rs:3:5:` then the message) the
    /// lines after the header, up to a note, a backtrace, another panic or a
    /// libtest separator.
    pub message: Vec<&'a str>,
}

/// The first panic in `lines`, if any.
pub fn panic_header<'a>(lines: &[&'a str]) -> Option<PanicHeader<'a>> {
    let start = lines.iter().position(|l| l.contains("panicked at"))?;
    Some(panic_header_at(lines, start))
}

fn panic_header_at<'a>(lines: &[&'a str], start: usize) -> PanicHeader<'a> {
    let header = lines[start];
    let after = header[header
        .find("panicked at")
        .map_or(0, |i| i + "panicked at".len())..]
        .trim_start();
    let mut out = PanicHeader {
        line: start,
        ..PanicHeader::default()
    };
    if let Some(quoted) = after.strip_prefix('\'') {
        // The message may span lines and hold `', `: the location ends a line.
        let mut body = vec![quoted];
        let mut i = start + 1;
        loop {
            let last = body.last().copied().unwrap_or("");
            let end = last.match_indices("', ").find_map(|(at, _)| {
                let loc = last[at + 3..].trim_end();
                is_file_line_col(loc).then_some((at, loc))
            });
            if let Some((at, loc)) = end {
                out.location = Some(loc);
                if let Some(l) = body.last_mut() {
                    *l = &l[..at];
                }
                break;
            }
            if i >= lines.len() {
                break;
            }
            body.push(lines[i]);
            i += 1;
        }
        out.message = body;
    } else {
        let loc = after.trim_end().trim_end_matches(':');
        if !loc.is_empty() {
            out.location = Some(loc);
        }
        for l in &lines[start + 1..] {
            let t = l.trim_start();
            if t.starts_with("note: ")
                || t.starts_with("stack backtrace:")
                || t.contains("panicked at")
                || t.starts_with("---- ")
            {
                break;
            }
            out.message.push(l);
        }
    }
    while out.message.last().is_some_and(|l| l.trim().is_empty()) {
        out.message.pop();
    }
    out
}

/// `src/lib.rs:27:9` (a path, a line and a column).
fn is_file_line_col(s: &str) -> bool {
    let mut parts = s.rsplitn(3, ':');
    let (Some(col), Some(line), Some(file)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    // compiletest and miri write `LL:CC` for the numbers.
    let number = |s: &str, placeholder: &str| {
        s == placeholder || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
    };
    !file.is_empty() && number(col, "CC") && number(line, "LL")
}

/// A line libtest or nextest writes around a test's output.
pub(super) fn is_libtest_line(t: &str) -> bool {
    (t.starts_with("---- ") && t.ends_with(" ----"))
        || t.starts_with("running ")
        || (t.starts_with("test ") && (t.ends_with(" FAILED") || t.ends_with(" ok")))
        || t == "failures:"
        || t.starts_with("--- STDOUT:")
        || t.starts_with("--- STDERR:")
}

/// Sets the kind from the message's shape and trims the message to what identifies the cause.
fn classify(p: &mut Parsed) {
    // proptest: `Test failed: <the panic>; minimal failing input: x = 3` then its counters.
    if let Some(inner) = p.message.trim_start().strip_prefix("Test failed: ") {
        let inner = inner
            .rsplit_once("; minimal failing input:")
            .map_or(inner, |(m, _)| m);
        let inner = inner.split("\n\tsuccesses:").next().unwrap_or(inner);
        p.message = inner.to_owned();
    }
    let m = p.message.trim_start();
    let (kind, rest) = if let Some(r) = m.strip_prefix("assertion `left == right` failed") {
        ("assert_eq", r)
    } else if let Some(r) = m.strip_prefix("assertion `left != right` failed") {
        ("assert_ne", r)
    } else if let Some(r) = m.strip_prefix("assertion failed: `(left == right)`") {
        ("assert_eq", r)
    } else if let Some(r) = m.strip_prefix("assertion failed: `(left != right)`") {
        ("assert_ne", r)
    } else if let Some(r) = m.strip_prefix("assertion failed: ") {
        ("assert", r)
    } else if let Some(i) = m.find("called `Result::unwrap()` on an `Err` value: ") {
        (
            "unwrap on Err",
            &m[i + "called `Result::unwrap()` on an `Err` value: ".len()..],
        )
    } else if m.contains("called `Option::unwrap()` on a `None` value") {
        ("unwrap on None", "")
    } else {
        ("panic", m)
    };
    p.kind = kind.into();
    p.message = rest.trim_start_matches([':', ' ']).to_owned();
}

fn strip_line_col(loc: &str) -> &str {
    let mut s = loc.trim();
    for _ in 0..2 {
        // Digits, or the `LL`/`CC` placeholders of normalised compiler test output.
        if let Some((head, tail)) = s.rsplit_once(':')
            && !tail.is_empty()
            && (tail.bytes().all(|b| b.is_ascii_digit()) || tail == "LL" || tail == "CC")
        {
            s = head;
        }
    }
    s
}

/// `RUST_BACKTRACE=1` frames: `  12: crate::module::function::h0123…` then `at path:line:col`.
fn frames(lines: &[&str]) -> Vec<Frame> {
    let mut out = raw_frames(lines);
    mark_in_app(&mut out, &std::collections::BTreeSet::new());
    out
}

fn raw_frames(lines: &[&str]) -> Vec<Frame> {
    let mut out: Vec<Frame> = Vec::new();
    let Some(bt) = lines
        .iter()
        .position(|l| l.trim_start().starts_with("stack backtrace:"))
    else {
        return out;
    };
    for l in &lines[bt + 1..] {
        let t = l.trim();
        if let Some(file) = t.strip_prefix("at ") {
            if let Some(last) = out.last_mut()
                && last.file.is_empty()
            {
                last.file = strip_line_col(file).to_owned();
            }
            continue;
        }
        let Some((num, func)) = t.split_once(": ") else {
            if t.starts_with("note:") || t.is_empty() {
                break;
            }
            continue;
        };
        if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
            break;
        }
        out.push(Frame {
            function: strip_hash(func.trim()).to_owned(),
            file: String::new(),
            in_app: false,
        });
    }
    out
}

fn strip_hash(f: &str) -> &str {
    match f.rsplit_once("::h") {
        Some((head, h)) if h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()) => head,
        _ => f,
    }
}

/// The crate a Rust function path belongs to (`<a::B as c::D>::f` → `a`).
pub(super) fn crate_of(function: &str) -> &str {
    let f = function
        .trim_start_matches('<')
        .trim_start_matches('&')
        .trim_start_matches("mut ")
        .trim_start_matches("dyn ");
    f.split("::").next().unwrap_or(f)
}

const NOT_IN_APP: &[&str] = &[
    "std",
    "core",
    "alloc",
    "test",
    "rust_begin_unwind",
    "__rust_begin_short_backtrace",
    "__rust_end_short_backtrace",
    "__rust_try",
    "__rust_start_panic",
    "backtrace",
    "tokio",
    "futures",
    "futures_util",
    "futures_core",
    "anyhow",
    "eyre",
    "color_eyre",
    "pretty_assertions",
    "panic_unwind",
    "libc",
    "__libc_start_main",
    "__libc_start_call_main",
    "_start",
    "clone",
    "start_thread",
    "proptest",
    "rstest",
    "insta",
    "serde",
    "serde_json",
    "hyper",
    "tower",
    "reqwest",
    "sqlx",
    "diesel",
    "rayon",
    "rayon_core",
    "crossbeam",
    "parking_lot",
    "thiserror",
    "once_cell",
];

/// Well-known dependencies, for frames whose backtrace line names no file.
const DEPENDENCIES: &[&str] = &[
    "h2",
    "http",
    "http_body",
    "hyper_util",
    "mio",
    "bytes",
    "tracing",
    "tracing_core",
    "tracing_subscriber",
    "tokio_util",
    "tokio_stream",
    "tower_http",
    "tower_service",
    "axum",
    "axum_core",
    "actix_rt",
    "actix_web",
    "async_std",
    "async_trait",
    "smol",
    "rustls",
    "tokio_rustls",
    "native_tls",
    "openssl",
    "sqlx_core",
    "sqlx_postgres",
    "sqlx_mysql",
    "sqlx_sqlite",
    "tokio_postgres",
    "postgres",
    "rusqlite",
    "redis",
    "mongodb",
    "serde_yaml",
    "toml",
    "regex",
    "regex_automata",
    "itertools",
    "clap",
    "clap_builder",
    "log",
    "env_logger",
    "criterion",
    "test_case",
    "tempfile",
    "similar_asserts",
    "assert_cmd",
    "predicates",
    "wasm_bindgen",
    "wasm_bindgen_test",
    "js_sys",
    "quickcheck",
    "arbitrary",
    "libfuzzer_sys",
    "nextest_runner",
    "cargo_nextest",
    "gimli",
    "addr2line",
    "miniz_oxide",
    "hashbrown",
    "indexmap",
    "dashmap",
    "tonic",
    "prost",
    "mockall",
    "wiremock",
    "httpmock",
    "url",
    "chrono",
    "time",
    "uuid",
    "rand",
    "rand_core",
    "getrandom",
];

/// Marks in-app frames: in one of `crates` when given. Without a crate
/// list (results analysed away from their workspace), a frame whose
/// backtrace names its file is in-app unless the file is the toolchain's or
/// a registry's; a frame without a file is in-app unless its crate is the
/// standard library, the harness or a well-known dependency.
pub(super) fn mark_in_app(frames: &mut [Frame], crates: &std::collections::BTreeSet<String>) {
    for f in frames {
        let krate = crate_of(&f.function);
        f.in_app = if !crates.is_empty() {
            crates.contains(krate)
        } else if std_function(&f.function) || NOT_IN_APP.contains(&krate) {
            false
        } else if !f.file.is_empty() {
            !(f.file.contains("/rustc/")
                || f.file.contains("/.cargo/registry/")
                || f.file.contains("/.cargo/git/")
                || f.file.contains("/cargo/registry/")
                || f.file.contains("/library/std/")
                || f.file.contains("/library/core/")
                || f.file.contains("/library/alloc/")
                || f.file.contains("/library/test/")
                || f.file.contains("/vendor/"))
        } else {
            !DEPENDENCIES.contains(&krate)
        };
    }
}

fn std_function(f: &str) -> bool {
    [
        "<alloc::",
        "<core::",
        "<std::",
        "<F as ",
        "<T as ",
        "__rust",
        "_Unwind",
        "rust_panic",
    ]
    .iter()
    .any(|p| f.starts_with(p))
}
