//! C and C++: googletest failures (`file:line: Failure` on the console,
//! `file:line` in its XML) with their expected/actual text, sanitizer reports
//! (ASan, UBSan, TSan, LSan) with their `#N` frames, uncaught exceptions
//! (`terminate called after throwing …`) and fatal signals.

use super::{Frame, Language, Parsed};

pub(super) const SIGNALS: &[(&str, &str)] = &[
    ("Segmentation fault", "SIGSEGV"),
    ("SIGSEGV", "SIGSEGV"),
    ("signal 11", "SIGSEGV"),
    ("SIGABRT", "SIGABRT"),
    ("Aborted (core dumped)", "SIGABRT"),
    ("signal 6", "SIGABRT"),
    ("SIGBUS", "SIGBUS"),
    ("Bus error", "SIGBUS"),
    ("SIGFPE", "SIGFPE"),
    ("Floating point exception", "SIGFPE"),
    ("SIGILL", "SIGILL"),
    ("Illegal instruction", "SIGILL"),
    ("SIGKILL", "SIGKILL"),
];

/// The fixed strings that mark a C or C++ failure text, found in one pass
/// with the other languages' markers (see `Seen`).
pub(super) const MARKERS: &[&str] = &[
    "Sanitizer",
    "error: in \"",
    "[----] ",
    "Check failed: ",
    "CHECK failed: ",
    "failed: running test case \"",
    "FAIL!  : ",
    "Assertion `",
    "' failed",
    ": runtime error: ",
    ": FAILED:",
    "\nwith expansion:\n",
    "<Expression success=\"false\"",
    "<Failure filename=",
    "\nexpression failed",
    "\nexplicit failure",
    "\nunexpected exception with message",
    "<Exception filename=",
    "is NOT correct!",
    "did NOT throw at all!",
    "threw a DIFFERENT exception",
    "The following tests FAILED:",
    "terminate called after throwing",
    "Expected equality of these values",
    "\nWhich is: ",
    "  Actual: ",
    // The fatal signals' spellings (see `SIGNALS`).
    "Segmentation fault",
    "SIGSEGV",
    "signal 11",
    "SIGABRT",
    "Aborted (core dumped)",
    "signal 6",
    "SIGBUS",
    "Bus error",
    "SIGFPE",
    "Floating point exception",
    "SIGILL",
    "Illegal instruction",
    "SIGKILL",
];

/// Whether `text` reads as a C or C++ failure, given which markers it holds.
pub(super) fn has_marker_seen(text: &str, seen: &super::Seen) -> bool {
    let has = |m: &str| {
        let i = MARKERS.iter().position(|x| *x == m);
        debug_assert!(i.is_some(), "{m:?} is not in native::MARKERS");
        i.is_some_and(|i| seen.native & (1 << i) != 0)
    };
    let only_assertion = (0..MARKERS.len())
        .filter(|&i| seen.native & (1 << i) != 0)
        .all(|i| MARKERS[i] == "Assertion `" || MARKERS[i] == "' failed");
    (seen.native != 0 && (!only_assertion || (has("Assertion `") && has("' failed"))))
        || text.starts_with("FAILED:")
        || (seen.has("not ok ")
            && text.lines().any(|l| {
                l.trim()
                    .strip_prefix("not ok ")
                    .and_then(|r| r.split_once(" - "))
                    .is_some_and(|(_, d)| is_catch2_tap(d))
            }))
        || ((seen.has("unknown file: Failure") || seen.any(SOURCE_EXT))
            && text.lines().any(|l| gtest_location(l).is_some()))
}

/// [`has_marker_seen`] as it read before the markers were found in one pass.
#[cfg(test)]
pub(super) fn has_marker(text: &str) -> bool {
    text.contains("Sanitizer")
        || text.contains("error: in \"")
        || text.contains("[----] ")
        || text.contains("Check failed: ")
        || text.contains("CHECK failed: ")
        || text.contains("failed: running test case \"")
        || text.contains("FAIL!  : ")
        || (text.contains("Assertion `") && text.contains("' failed"))
        || text.contains(": runtime error: ")
        || text.contains(": FAILED:")
        || text.starts_with("FAILED:")
        || text.contains("\nwith expansion:\n")
        || text.contains("<Expression success=\"false\"")
        || text.contains("<Failure filename=")
        || text.contains("\nexpression failed")
        || text.contains("\nexplicit failure")
        || text.contains("\nunexpected exception with message")
        || text.contains("<Exception filename=")
        || text.lines().any(|l| {
            l.trim()
                .strip_prefix("not ok ")
                .and_then(|r| r.split_once(" - "))
                .is_some_and(|(_, d)| is_catch2_tap(d))
        })
        || text.contains("is NOT correct!")
        || text.contains("did NOT throw at all!")
        || text.contains("threw a DIFFERENT exception")
        || text.contains("The following tests FAILED:")
        || text.contains("terminate called after throwing")
        || text.contains("Expected equality of these values")
        || text.contains("\nWhich is: ")
        || text.contains("  Actual: ")
        || text.lines().any(|l| gtest_location(l).is_some())
        || SIGNALS.iter().any(|(m, _)| text.contains(m))
}

const SOURCE_EXT: &[&str] = &[".cc:", ".cpp:", ".cxx:", ".c:", ".h:", ".hpp:"];

/// `path/x_test.cc:42: Failure`, `path/x_test.cc:42` or MSVC `path\x.cpp(42): error: …`.
fn gtest_location(line: &str) -> Option<&str> {
    let t = line.trim();
    // googletest's own spelling when a failure has no source position
    // (mock expectations checked at destruction, failures in its event loop).
    if t == "unknown file: Failure" {
        return Some("unknown file");
    }
    // Every form below ends in a line number (or its `#`/`*` stand-in), in
    // `Failure`, or has `: error: `: most lines are none of these, and are
    // let go before a search per source extension.
    let ends_well = t
        .bytes()
        .last()
        .is_some_and(|b| b.is_ascii_digit() || b == b'#' || b == b'*')
        || t.ends_with("Failure");
    if !ends_well && !t.contains(": error: ") {
        return None;
    }
    let ext = SOURCE_EXT
        .iter()
        .find_map(|e| t.find(e).map(|i| i + e.len() - 1))?;
    let path = &t[..ext];
    let rest = &t[ext + 1..];
    // Digits, or the `#`/`*` that googletest's golden files write instead.
    let d = rest
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'#' || *b == b'*')
        .count();
    let tail = rest[d..].trim();
    (d > 0
        && !path.contains(' ')
        && (tail.is_empty()
            || tail == ": Failure"
            || tail == ":Failure"
            || tail.starts_with(": error: ")))
    .then_some(path)
}

/// `#3 0x55d4b2 in Buffer::read(unsigned long) /src/buffer.cc:88:12` (sanitizers)
/// or `#0  0x… in func (args) at file.cc:88` (gdb).
fn frame_of(line: &str) -> Option<Frame> {
    let t = line.trim_start().strip_prefix('#')?;
    let (num, rest) = t.split_once(' ')?;
    if !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = rest.trim_start();
    let rest = rest.split_once(" in ").map_or(rest, |(_, r)| r).trim();
    let (func, file) = if let Some((f, file)) = rest.rsplit_once(" at ") {
        (f, file)
    } else if let Some((f, file)) = rest
        .rsplit_once(' ')
        .filter(|(_, file)| file.contains('/') || file.starts_with('('))
    {
        (f, file.trim_matches(['(', ')']))
    } else {
        (rest, "")
    };
    let file = file.split(':').next().unwrap_or(file);
    let func = func.split('(').next().unwrap_or(func).trim();
    Some(Frame {
        in_app: in_app(func, file),
        function: func.to_owned(),
        file: file.to_owned(),
    })
}

fn in_app(func: &str, file: &str) -> bool {
    !(func.starts_with("__")
        || func == "_start"
        || func.starts_with("std::")
        || func.starts_with("testing::")
        || func.starts_with("operator new")
        || func.starts_with("operator delete")
        || func.starts_with("malloc")
        || func.starts_with("free")
        // What a failed check calls to stop the process.
        || matches!(func, "raise" | "gsignal" | "abort" | "SbSystemBreakIntoDebugger")
        || func.starts_with("logging::")
        || func.starts_with("base::debug::")
        || func.starts_with("google::LogMessage")
        || ["raise.c", "abort.c"]
            .iter()
            .any(|f| file.rsplit('/').next() == Some(f))
        || file.starts_with("/usr/")
        || file.contains("compiler-rt")
        || file.contains("libsanitizer")
        || file.contains("libc.so")
        || file.contains("libstdc++")
        || file.contains("googletest/")
        || file.contains("gtest")
        || file.is_empty() && !func.contains("::"))
}

pub(super) fn parse(text: &str) -> Parsed {
    let mut p = Parsed::new(Language::Native);
    let lines: Vec<&str> = text.lines().collect();
    // A runtime check that failed before anything else did.
    let check = lines
        .iter()
        .enumerate()
        .find_map(|(k, l)| runtime_check(l).map(|c| (k, c)));
    // Sanitizers; a signal a failed check raised on purpose (abort, trap) is
    // the check's, not the sanitizer's, story.
    if let Some(i) = lines.iter().position(|l| {
        l.contains("Sanitizer: ") && (l.contains("ERROR: ") || l.contains("WARNING: "))
    }) && !(check.as_ref().is_some_and(|(k, _)| *k < i) && is_deliberate_signal(lines[i]))
    {
        let after = lines[i]
            .split_once("ERROR: ")
            .or_else(|| lines[i].split_once("WARNING: "))
            .map_or(lines[i], |(_, r)| r);
        let (tool, what) = after.split_once(": ").unwrap_or((after, ""));
        let what = what
            .split(" on ")
            .next()
            .unwrap_or(what)
            .split(" (pid")
            .next()
            .unwrap_or(what);
        p.kind = format!("{tool}: {}", what.trim());
        p.message = without_thread_ids(lines.get(i + 1).map_or("", |l| l.trim()));
        p.frames = first_stack(&lines[i..]);
        return p;
    }
    if let Some(l) = lines.iter().find(|l| l.contains(": runtime error: ")) {
        // UBSan: path:line:col: runtime error: signed integer overflow: …
        let (loc, msg) = l.split_once(": runtime error: ").unwrap_or(("", l));
        p.kind = "UndefinedBehaviorSanitizer: runtime error".into();
        p.message = msg.trim().to_owned();
        p.location = Some(loc.split(':').next().unwrap_or(loc).trim().to_owned());
        return p;
    }
    if let Some(i) = lines
        .iter()
        .position(|l| l.contains("terminate called after throwing an instance of"))
    {
        let l = lines[i];
        p.kind = l
            .split('\'')
            .nth(1)
            .unwrap_or("uncaught exception")
            .to_owned();
        p.message = lines[i + 1..]
            .iter()
            .find_map(|l| l.trim().strip_prefix("what():"))
            .unwrap_or("")
            .trim()
            .to_owned();
        p.frames = lines.iter().filter_map(|l| frame_of(l)).collect();
        return p;
    }
    // glog/Chromium `Check failed: a == b (1 vs. 2)`, libc's and GLib's
    // `Assertion `x' failed`: the condition is the story.
    if let Some((_, (kind, message, location))) = check {
        p.kind = kind.into();
        p.message = message;
        p.location = location;
        p.frames = lines.iter().filter_map(|l| frame_of(l)).collect();
        return p;
    }
    // Boost.Test: `file(12): error: in "suite/test": check a == b has failed [1 != 2]`.
    if let Some((kind, message)) = boost_test(&lines) {
        p.kind = kind.into();
        p.message = message;
        return p;
    }
    // Criterion: `[----] file.c:12: Assertion Failed` then the message, `[FAIL] suite::test`.
    if let Some((kind, message)) = criterion(&lines) {
        p.kind = kind.into();
        p.message = message;
        return p;
    }
    // Catch2 (console, compact, JUnit, SonarQube, TeamCity, TAP, XML) and
    // doctest (console, JUnit): one canonical form per failed check, so
    // every reporter's text of one check gives one signature.
    if let Some((kind, message)) = cpp_check(&lines) {
        p.kind = kind.to_owned();
        p.message = message;
        return p;
    }
    // snitch: `failed: running test case "name"`, `at file:line`, `for type
    // int`, then the check (`CHECK(a == b), got: 1 != 2`) or the message.
    if let Some(h) = lines
        .iter()
        .position(|l| l.trim_start().starts_with("failed: running test case \""))
    {
        p.kind = "assertion".into();
        p.message = lines[h + 1..]
            .iter()
            .map(|l| l.trim())
            .find(|l| !l.is_empty() && !l.starts_with("at ") && !l.starts_with("for type "))
            .unwrap_or("")
            .to_owned();
        return p;
    }
    // QTest: `FAIL!  : tst_Cart::total() Compared values are not the same`,
    // then `Actual   (cart.total()): 3`, `Expected (4): 4`, `Loc: [file(12)]`.
    if let Some(h) = lines.iter().position(|l| l.starts_with("FAIL!  : ")) {
        let rest = &lines[h]["FAIL!  : ".len()..];
        // After the test function (`tst_Cart::total()` or `<test>`).
        let what = rest
            .split_once(") ")
            .or_else(|| rest.split_once("> "))
            .map_or(rest, |(_, w)| w);
        p.kind = if what.starts_with("Compared ") {
            "QCOMPARE"
        } else {
            "QVERIFY"
        }
        .into();
        let mut message = vec![what.trim().to_owned()];
        for l in &lines[h + 1..] {
            let t = l.trim();
            if let Some(loc) = t.strip_prefix("Loc: [") {
                p.location = source_file(loc.trim_end_matches(']'));
                break;
            }
            // The compared expressions say which check; their values vary.
            for side in ["Actual", "Expected"] {
                if let Some(expr) = t
                    .strip_prefix(side)
                    .and_then(|r| r.trim_start().strip_prefix('('))
                    .and_then(|r| r.rsplit_once(')'))
                    .map(|(e, _)| e)
                {
                    message.push(format!("{side} ({expr})"));
                }
            }
        }
        p.message = message.join("\n");
        return p;
    }
    // googletest: the first failure block.
    if let Some(i) = lines.iter().position(|l| gtest_location(l).is_some()) {
        p.kind = "googletest failure".into();
        p.location = gtest_location(lines[i]).map(str::to_owned);
        let inline = lines[i].split_once(": error: ").map(|(_, r)| r.trim());
        let block: Vec<&str> = inline
            .into_iter()
            .chain(lines[i + 1..].iter().copied())
            .map(|l| l.trim())
            .skip_while(|l| l.is_empty())
            .take_while(|l| {
                !l.is_empty() && !l.starts_with("[  FAILED") && gtest_location(l).is_none()
            })
            .take(12)
            .collect();
        p.message = block.join("\n");
        return p;
    }
    if let Some((_, sig)) = SIGNALS.iter().find(|(m, _)| text.contains(m)) {
        p.kind = (*sig).to_owned();
        p.frames = lines.iter().filter_map(|l| frame_of(l)).collect();
        // Without frames, the last line before the crash often says what was
        // being done (but not the runner's `[ RUN ]` banner, which names the test).
        if p.frames.iter().all(|f| !f.in_app) {
            p.message = lines
                .iter()
                .map(|l| l.trim())
                .rfind(|l| {
                    !l.is_empty()
                        && !l.starts_with('[')
                        && !l.starts_with('#')
                        && !SIGNALS.iter().any(|(m, _)| l.contains(m))
                })
                .unwrap_or("")
                .to_owned();
        }
        return p;
    }
    // ctest's wrapper names the tests (`  3 - cache_test (Failed)`,
    // `Test #3: cache_test ......***Failed`): keep only the outcome.
    if let Some(outcome) = lines.iter().find_map(|l| ctest_outcome(l)) {
        p.kind = "ctest".into();
        p.message = outcome.to_owned();
        return p;
    }
    p.message = lines
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty() && !is_banner(l))
        .unwrap_or("")
        .to_owned();
    p
}

/// A failed runtime check on one line: its kind, its condition and the file
/// it stands in, when the line says.
///
/// - glog/Chromium/V8: `F1204 … cache.cc:88] Check failed: a == b (1 vs. 2)`,
///   `[…:FATAL:x.cc(443)] Security DCHECK failed: cond`, `# Check failed: c.`
/// - libc: `prog: src/x.c:12: int f(): Assertion `n > 0' failed.`
/// - GLib: `CRITICAL: f: assertion 'p != NULL' failed`
/// - `assertion failed at path/x.cc:380 in Foo: cond`, Envoy's `x.cc:87]
///   assert failure: cond`, WebKit's `ASSERTION FAILED: cond`
fn runtime_check(l: &str) -> Option<(&'static str, String, Option<String>)> {
    for marker in ["Check failed: ", "CHECK failed: "] {
        if let Some((head, cond)) = l.split_once(marker) {
            let location = head
                .trim_end()
                .strip_suffix(" Security D")
                .unwrap_or(head.trim_end())
                .strip_suffix(']')
                .and_then(source_file);
            let cond = cond.trim().trim_end_matches('.').to_owned();
            return Some(("Check failed", cond, location));
        }
    }
    if let Some((head, rest)) = l.split_once("Assertion `") {
        let cond = rest.rsplit_once("' failed").map_or(rest, |(c, _)| c);
        return Some(("assert", cond.trim().to_owned(), source_file(head)));
    }
    if let Some((_, rest)) = l.split_once("assertion '") {
        let (cond, _) = rest.rsplit_once("' failed")?;
        return Some(("assert", cond.trim().to_owned(), None));
    }
    for marker in ["assert failure: ", "ASSERTION FAILED: "] {
        if let Some((head, cond)) = l.split_once(marker) {
            return Some(("assert", cond.trim().to_owned(), source_file(head)));
        }
    }
    if let Some((_, rest)) = l.split_once("assertion failed at ") {
        let (loc, cond) = rest.split_once(": ").unwrap_or((rest, ""));
        return Some(("assert", cond.trim().to_owned(), source_file(loc)));
    }
    None
}

/// The last C/C++ source file named in a line's words (`cache.cc:88`,
/// `x.cc(443)`, `src/x.c:12:`), without its line.
fn source_file(text: &str) -> Option<String> {
    text.split([' ', '[', ']'])
        .filter_map(|w| {
            let file = w.split([':', '(']).next()?;
            SOURCE_EXT
                .iter()
                .any(|e| file.ends_with(&e[..e.len() - 1]))
                .then_some(file)
        })
        .next_back()
        .map(|f| f.rsplit('/').next().unwrap_or(f).to_owned())
}

/// Whether a sanitizer's finding is a signal a failed check raises on
/// purpose (abort, trap, illegal instruction) rather than memory misuse.
fn is_deliberate_signal(line: &str) -> bool {
    ["ABRT", "ILL ", "TRAP", "deadly signal"]
        .iter()
        .any(|m| line.contains(m))
}

/// Lines a C++ runner prints around a test (googletest's `[ RUN      ]`,
/// separators, a bare `file.cpp(12):` location).
fn is_banner(l: &str) -> bool {
    l.starts_with("[ RUN")
        || l.starts_with("[       OK")
        || l.starts_with("[  FAILED")
        || l.starts_with("[==========")
        || l.starts_with("[----------")
        || l.starts_with("Running main()")
        || l.bytes().all(|b| b == b'=' || b == b'-' || b == b'.')
        || (l.ends_with("):") && SOURCE_EXT.iter().any(|e| l.contains(&e[..e.len() - 1])))
        || l.starts_with("TEST CASE:")
}

/// The frames of a sanitizer report's first stack (where the bad access
/// happened), of which only the two innermost in-app frames count: the
/// allocation and free stacks below it, and the callers further up, depend
/// on which test reached the bug.
fn first_stack(lines: &[&str]) -> Vec<Frame> {
    let mut out: Vec<Frame> = Vec::new();
    for l in lines {
        match frame_of(l) {
            Some(f) => out.push(f),
            None if !out.is_empty() => break,
            None => {}
        }
    }
    let mut kept = 0;
    for f in &mut out {
        if f.in_app {
            kept += 1;
            f.in_app = kept <= 2;
        }
    }
    out
}

/// `Write of size 8 at 0x7b04 by thread T12:` → `… by thread T:` (thread numbers vary run to run).
fn without_thread_ids(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find("thread T") {
        out.push_str(&rest[..i + 8]);
        rest = rest[i + 8..].trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

/// The outcome of a ctest summary line (`Failed`, `SEGFAULT`, `Timeout`, `Subprocess aborted`).
fn ctest_outcome(line: &str) -> Option<&str> {
    let t = line.trim();
    if let Some(i) = t.find("***") {
        let o = t[i + 3..].trim();
        let o = o.split("  ").next().unwrap_or(o);
        let o = o
            .split(|c: char| c.is_ascii_digit())
            .next()
            .unwrap_or(o)
            .trim();
        return (!o.is_empty()).then_some(o);
    }
    let (num, rest) = t.split_once(" - ")?;
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let open = rest.rfind(" (")?;
    rest[open + 2..].strip_suffix(')')
}

/// `CHECK( a == b ) is NOT correct!` → (`CHECK`, `a == b`, `is NOT correct!`).
fn macro_call(line: &str) -> Option<(&str, &str, &str)> {
    let t = line.trim();
    let open = t.find("( ")?;
    let name = &t[..open];
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
        return None;
    }
    let close = t.rfind(" )")?;
    (close > open).then(|| (name, t[open + 2..close].trim(), t[close + 2..].trim()))
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Strips the quotes Catch2's TeamCity and TAP reporters put around messages.
fn unquote(s: &str) -> String {
    let s = s.trim();
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return s[1..s.len() - 1].to_owned();
        }
    }
    s.to_owned()
}

/// The first failed check of a Catch2 or doctest report, in any of their
/// reporters' forms, as one canonical text: the message of what was thrown
/// or explicitly failed when there is one, else the checked expression.
/// Reporters disagree on the macro's name, the expansion and the order of
/// captured `INFO`s, so none of those is kept.
pub(super) fn cpp_check(lines: &[&str]) -> Option<(&'static str, String)> {
    let trimmed: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
    // Catch2 XML reporter.
    for (i, t) in trimmed.iter().enumerate() {
        if t.starts_with("<Expression success=\"false\"") {
            let end = trimmed[i..]
                .iter()
                .position(|l| *l == "</Expression>")
                .map_or(trimmed.len(), |e| i + e);
            let block = &trimmed[i..end];
            let inner = |open: &str, close: &str| -> Option<String> {
                let o = block.iter().position(|l| l.starts_with(open))?;
                let body: Vec<&str> = block[o + 1..]
                    .iter()
                    .take_while(|l| **l != close)
                    .copied()
                    .collect();
                Some(xml_unescape(&body.join(" ")))
            };
            if let Some(m) = inner("<Exception", "</Exception>") {
                return Some(("assertion", m));
            }
            return Some(("assertion", inner("<Original>", "</Original>")?));
        }
        if t.starts_with("<Message type=\"") && t.contains("ERROR") {
            // doctest's XML: a FAIL/MESSAGE text, `<Text/>` when empty.
            let body: Vec<&str> = trimmed[i + 1..]
                .iter()
                .take_while(|l| **l != "</Message>")
                .filter(|l| **l != "<Text/>" && **l != "<Text>" && **l != "</Text>")
                .copied()
                .collect();
            return Some(("assertion", xml_unescape(&body.join(" "))));
        }
        for (tag, close) in [("<Exception", "</Exception>"), ("<Failure", "</Failure>")] {
            if t.starts_with(tag) && (t.contains("filename=") || t.contains("crash=")) {
                let body: Vec<&str> = trimmed[i + 1..]
                    .iter()
                    .take_while(|l| **l != close)
                    .copied()
                    .collect();
                return Some(("assertion", xml_unescape(&body.join(" "))));
            }
        }
    }
    // Catch2 TAP reporter: `not ok {n} - expr for: expansion`.
    if let Some(rest) = trimmed.iter().find_map(|t| {
        t.strip_prefix("not ok ")
            .and_then(|r| r.split_once(" - ").map(|(_, d)| d))
            .filter(|d| is_catch2_tap(d))
    }) {
        if let Some(m) = rest.strip_prefix("unexpected exception with message: ") {
            let m = m.split("; expression was:").next().unwrap_or(m);
            return Some(("assertion", unquote(m)));
        }
        if let Some(m) = rest.strip_prefix("explicitly") {
            let m = m.split_once("message: ").map_or("", |(_, m)| m);
            let m = m.split("'; ").next().unwrap_or(m);
            return Some(("assertion", unquote(m)));
        }
        let expr = rest.split(" for: ").next().unwrap_or(rest);
        let expr = expr.split(" with ").next().unwrap_or(expr);
        return Some(("assertion", expr.trim().to_owned()));
    }
    // doctest: `x.cpp(15): ERROR: CHECK( a ) is NOT correct!` or JUnit `x.cpp(15):`
    // then the check: the expression, or what it threw (as the XML reporter shows it).
    for t in &trimmed {
        let t = t.split_once("ERROR: ").map_or(*t, |(_, r)| r);
        if let Some(thrown) = t.strip_prefix("test case THREW exception:") {
            return Some(("assertion", unquote(thrown)));
        }
        if let Some((name, expr, verdict)) = macro_call(t) {
            // `CHECK_THROWS_AS( expr, type )`: the XML reporter shows the expression alone.
            let expr = if name.contains("THROWS") {
                first_argument(expr)
            } else {
                expr
            };
            if let Some(thrown) = verdict.strip_prefix("THREW exception:") {
                return Some(("assertion", unquote(thrown)));
            }
            if verdict.starts_with("is NOT correct")
                || verdict.starts_with("did NOT throw")
                || verdict.starts_with("threw a DIFFERENT exception")
                || verdict.starts_with("THREW exception")
            {
                return Some(("assertion", expr.to_owned()));
            }
        }
    }
    // Catch2 console, compact, JUnit, SonarQube, TeamCity: `FAILED:` (or
    // TeamCity's `expression failed` / `explicit failure` / `unexpected exception`).
    let start = trimmed.iter().position(|t| {
        t.ends_with(": FAILED:")
            || *t == "FAILED:"
            || t.starts_with("expression failed")
            || t.starts_with("explicit failure")
            || t.starts_with("unexpected exception with message")
    })?;
    let head = trimmed[start];
    let rest: Vec<&str> = trimmed[start + 1..]
        .iter()
        .copied()
        .filter(|l| {
            !l.is_empty()
                && !l.starts_with("at ")
                && !l.starts_with("----")
                && !l.starts_with("....")
        })
        .collect();
    if head.starts_with("explicit failure") || head.starts_with("unexpected exception with message")
    {
        return Some((
            "assertion",
            rest.first().map(|m| unquote(m)).unwrap_or_default(),
        ));
    }
    let mut k = 0;
    let mut expr = None;
    let mut throws_check = false;
    if head.starts_with("expression failed") {
        // TeamCity: captured messages (quoted) come before the check.
        k = rest
            .iter()
            .position(|l| macro_call(l).is_some())
            .unwrap_or(0);
    }
    if let Some((name, e, _)) = rest.get(k).and_then(|l| macro_call(l)) {
        expr = Some(e);
        throws_check = name.contains("NOTHROW");
        k += 1;
    }
    match rest.get(k) {
        Some(l) if l.starts_with("due to unexpected exception with messages") => {
            // Console: captured INFOs first, the exception's message last.
            let msgs: Vec<&str> = rest[k + 1..]
                .iter()
                .copied()
                .take_while(|l| !l.ends_with(": FAILED:"))
                .collect();
            Some((
                "assertion",
                msgs.last().map(|m| unquote(m)).unwrap_or_default(),
            ))
        }
        Some(l)
            if l.starts_with("due to unexpected exception with message")
                || l.starts_with("explicitly with message") =>
        {
            Some((
                "assertion",
                rest.get(k + 1).map(|m| unquote(m)).unwrap_or_default(),
            ))
        }
        Some(l)
            if l.starts_with("with expansion")
                || l.starts_with("with message")
                || l.ends_with(": FAILED:") =>
        {
            Some(("assertion", expr.unwrap_or_default().to_owned()))
        }
        Some(l) if *l == "explicitly" => Some(("assertion", String::new())),
        // JUnit/SonarQube: after a NOTHROW check (or with no check) the
        // message of what was thrown or failed; after any other check the
        // captured INFO messages, and the check is what failed.
        Some(l) if expr.is_none() || throws_check => Some(("assertion", unquote(l))),
        Some(_) => Some(("assertion", expr.unwrap_or_default().to_owned())),
        None => Some(("assertion", expr.unwrap_or_default().to_owned())),
    }
}

/// The first top-level argument of a macro's argument list (`f(a, b), int` → `f(a, b)`).
fn first_argument(args: &str) -> &str {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in args.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{' | '<') => depth += 1,
            (None, ')' | ']' | '}' | '>') => depth -= 1,
            (None, ',') if depth == 0 => return args[..i].trim(),
            _ => {}
        }
    }
    args.trim()
}

/// A Catch2 TAP description (`expr for: value`, `explicitly …`, `unexpected exception …`).
pub(super) fn is_catch2_tap(d: &str) -> bool {
    d.contains(" for: ")
        || d.starts_with("explicitly")
        || d.starts_with("unexpected exception with message")
}

/// The first error of a Boost.Test log, without the test's name: a failed
/// check is its expression, anything else (an exception, a signal, an
/// explicit error) its message.
fn boost_test(lines: &[&str]) -> Option<(&'static str, String)> {
    lines.iter().find_map(|l| {
        let at = l.find("error: in \"")?;
        let rest = &l[at + "error: in \"".len()..];
        let (_, msg) = rest.split_once("\": ")?;
        let msg = msg.trim();
        let check = msg
            .strip_prefix("critical check ")
            .or_else(|| msg.strip_prefix("check "))
            .and_then(|c| c.split_once(" has failed").map(|(e, _)| e));
        Some(match check {
            Some(expr) => ("assertion", expr.trim().to_owned()),
            None => (boost_kind(msg), msg.to_owned()),
        })
    })
}

/// What kind of error a Boost.Test message that is not a check reports.
fn boost_kind(msg: &str) -> &'static str {
    let m = msg.to_ascii_lowercase();
    if m.contains("memory access violation") || m.contains("signal") || m.contains("segmentation") {
        "crash"
    } else if m.starts_with("class ")
        || m.starts_with("std::")
        || m.starts_with("c string:")
        || m.starts_with("unknown type")
        || m.contains("unexpected exception")
    {
        "unexpected exception"
    } else {
        "assertion"
    }
}

/// A Criterion report: what the first failed assertion says, or how the test
/// ended (a crash, a timeout, an exception caught by the runner).
fn criterion(lines: &[&str]) -> Option<(&'static str, String)> {
    let body: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.trim_start().strip_prefix("[----]").map(str::trim))
        .collect();
    let verdict = lines
        .iter()
        .find_map(|l| l.trim_start().strip_prefix("[FAIL]").map(str::trim));
    if body.is_empty() && verdict.is_none() {
        return None;
    }
    if let Some(v) = verdict
        && (v.ends_with("CRASH!") || v.contains("Timed out"))
    {
        let what = if v.ends_with("CRASH!") {
            "crash"
        } else {
            "timed out"
        };
        return Some(("Criterion test ended", what.to_owned()));
    }
    if let Some(i) = body.iter().position(|l| l.ends_with(": Assertion Failed")) {
        let msg: Vec<&str> = body[i + 1..]
            .iter()
            .copied()
            .take_while(|l| !l.ends_with(": Assertion Failed"))
            .filter(|l| !l.is_empty())
            .take(6)
            .collect();
        return Some(("assertion", msg.join("\n")));
    }
    let first = body.iter().find(|l| !l.is_empty())?;
    // `suite::test: Caught an unexpected exception…`: the test's name goes.
    let first = first
        .split_once(": ")
        .filter(|(n, _)| n.contains("::") || *n == "<test>")
        .map_or(*first, |(_, m)| m);
    let kind = if first.contains("exception") {
        "unexpected exception"
    } else {
        "Criterion error"
    };
    Some((kind, first.to_owned()))
}
