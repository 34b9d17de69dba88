//! JavaScript and TypeScript: Jest, Vitest, Mocha, Jasmine, AVA, node:test,
//! Playwright and Cypress output, in JUnit bodies and console form.
//!
//! What a runner adds around an error is removed before anything is read:
//! the test-title headers (`● Suite › test`, `✕`/`×`/`✖` lines, ` FAIL path`,
//! mocha's numbered titles, Playwright's `1) [chromium] › file › title`),
//! code frames with their line-number gutters (`> 12 |`, `   | ^`), the
//! `Require stack:` list (it names the importing test file), snapshot names,
//! Playwright's `Call log:` and the `Test suite failed to run` wrapper. What
//! remains is read as `Type: message` (or a matcher header such as
//! `expect(received).toBe(expected)`), its continuation lines, and V8 (`at
//! fn (file:1:2)`), Vitest (`❯ file:1:2`) and TAP-stack frames. A `[cause]:`
//! chain is followed to its innermost error, the outer one kept as `outer`.

use super::{Frame, Language, Parsed};

pub(super) fn has_marker(text: &str) -> bool {
    text.contains("expect(received)")
        || text.contains("AssertionError [ERR_ASSERTION]")
        || text.contains("AssertionError: expected ")
        || text.contains("Test suite failed to run")
        || text.contains("Require stack:")
        || text.contains("failureType: '")
        || text.lines().any(|l| is_deno_header(l.trim()))
        || (text.contains("not ok ") && text.contains("stack: |") && is_js_location(text))
        || text.lines().any(|l| {
            let t = l.trim_start();
            t.starts_with('●') || frame_of(l).is_some()
        })
}

/// Deno's header of a failed test, `adds an item => ./cart_test.ts:12:6`, and
/// of an error no test caught, `./cart_test.ts (uncaught error)`.
fn is_deno_header(t: &str) -> bool {
    const EXT: &[&str] = &[".ts", ".js", ".mjs", ".cjs", ".mts", ".cts", ".tsx", ".jsx"];
    let file_like = |f: &str| {
        let f = f.split(':').next().unwrap_or(f);
        EXT.iter().any(|e| f.ends_with(e))
    };
    if let Some(file) = t.strip_suffix(" (uncaught error)") {
        return file_like(file);
    }
    t.rsplit_once(" => ")
        .is_some_and(|(name, file)| !name.is_empty() && !file.contains(' ') && file_like(file))
}

/// `at fn (file:1:2)`, `at async fn (file:1:2)`, `at file:1:2`, Vitest's
/// `❯ fn file:1:2` / `❯ file:1:2`.
fn frame_of(line: &str) -> Option<Frame> {
    let t = line.trim_start();
    if let Some(v) = t
        .strip_prefix("❯ ")
        .or_else(|| t.strip_prefix("→ "))
        .or_else(|| t.strip_prefix("› "))
    {
        let v = v.trim();
        let (func, loc) = match v.rsplit_once(' ') {
            Some((f, l)) => (f.trim(), l),
            None => ("", v),
        };
        let loc = loc.trim_matches(['(', ')']);
        return is_js_location(loc).then(|| frame(func, loc));
    }
    let t = t.strip_prefix("at ")?;
    let t = t.strip_prefix("async ").unwrap_or(t);
    let (func, loc) = match t.rsplit_once(" (") {
        Some((f, l)) => (f.trim(), l.strip_suffix(')')?),
        None => ("", t.trim()),
    };
    (is_js_location(loc) || loc == "<anonymous>" || loc.starts_with("node:"))
        .then(|| frame(func, loc))
}

fn is_js_location(loc: &str) -> bool {
    const MARKS: [&str; 12] = [
        ".js:",
        ".ts:",
        ".mjs:",
        ".cjs:",
        ".jsx:",
        ".tsx:",
        ".mts:",
        ".cts:",
        ".vue:",
        ".svelte:",
        "node:",
        "internal/",
    ];
    MARKS.iter().any(|m| loc.contains(m))
        // `app.tsx?v=3:1:2`: the query string sits between the extension and the line.
        || loc.split_once('?').is_some_and(|(path, rest)| {
            rest.contains(':')
                && MARKS
                    .iter()
                    .filter_map(|m| m.strip_suffix(':'))
                    .any(|ext| path.ends_with(ext))
        })
}

fn frame(func: &str, loc: &str) -> Frame {
    let file = clean_path(strip_line_col(loc));
    let file = match file.split_once('?') {
        Some((path, _)) => path.to_owned(),
        None => file,
    };
    Frame {
        in_app: in_app(&file),
        function: func.to_owned(),
        file,
    }
}

/// A source path as bundlers and loaders write it, made comparable:
/// `file://`, `webpack:///./`, `webpack-internal:///`, `/@fs/` prefixes and
/// `?v=…`/`?t=…` query strings removed.
fn clean_path(loc: &str) -> String {
    let mut p = loc;
    for prefix in [
        "file://",
        "webpack-internal:///",
        "webpack:///",
        "webpack://",
        "/@fs",
    ] {
        if let Some(rest) = p.strip_prefix(prefix) {
            p = rest;
        }
    }
    let p = p.split('?').next().unwrap_or(p);
    let p = p.strip_prefix("./").unwrap_or(p);
    p.to_owned()
}

fn strip_line_col(loc: &str) -> &str {
    let mut s = loc;
    for _ in 0..2 {
        if let Some((head, tail)) = s.rsplit_once(':')
            && !tail.is_empty()
            && tail.bytes().all(|b| b.is_ascii_digit())
        {
            s = head;
        }
    }
    s
}

fn in_app(file: &str) -> bool {
    !(file.contains("node_modules")
        || file.starts_with("node:")
        || file.starts_with("internal/")
        || (file.starts_with('<') && file.ends_with('>'))
        || file.contains("/jest-circus/")
        || file.contains("/jest-jasmine")
        || file.contains("/vitest/")
        || file.contains("/@vitest/")
        || file.contains("/mocha/")
        || file.contains("/jasmine-core/")
        || file.contains("/ava/")
        || file.contains("/playwright")
        || file.contains("/cypress/")
        || file.contains("/.pnpm/")
        || file.contains("/.yarn/"))
}

/// A runner's header line naming the test: the line is dropped.
fn is_title_line(t: &str) -> bool {
    const MARKS: [char; 8] = ['●', '✕', '×', '✖', '✗', '✘', '⨯', '✓'];
    t.starts_with(MARKS)
        || t == "<test>"
        || t.starts_with("FAIL ")
        || t.starts_with("FAIL\t")
        || t.starts_with("PASS ")
        || t.starts_with("not ok ")
        || t.starts_with("Snapshot name:")
        || t.starts_with("⎯")
        || t.starts_with("───")
        || t.starts_with("Test suite failed to run")
        || t.starts_with("Uncaught exception in ")
        || karma_title(t)
        || mocha_title(t)
        || t.starts_with("Unhandled rejection in ")
        || playwright_title(t)
}

/// `1) [chromium] › example.spec.ts:3:5 › has title ───`.
fn playwright_title(t: &str) -> bool {
    let d = t.bytes().take_while(u8::is_ascii_digit).count();
    d > 0 && t[d..].starts_with(") ") && (t.contains(" › ") || t.contains(" > "))
}

/// A code-frame line: `  12 | code`, `> 12 | code`, `     | ^`, AVA's `3: code`,
/// or a bare `file.js:3` location line above one.
fn is_code_frame(t: &str) -> bool {
    let t = t.strip_prefix('>').unwrap_or(t).trim_start();
    let d = t.bytes().take_while(u8::is_ascii_digit).count();
    if d > 0 && (t[d..].starts_with(": ") || &t[d..] == ":") {
        return true;
    }
    if !t.contains(' ')
        && is_js_location(t)
        && t.rsplit(':')
            .next()
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        return true;
    }
    let rest = t[d..].trim_start();
    rest.starts_with('|') && (d > 0 || rest[1..].trim().chars().all(|c| matches!(c, '^' | '~')))
}

/// `     | ^` or `       |     ^`.
fn is_caret_line(t: &str) -> bool {
    t.strip_prefix('|')
        .is_some_and(|r| r.contains('^') && r.trim().chars().all(|c| matches!(c, '^' | '~')))
}

/// The code of a numbered code-frame line (`  4|   expect(x).toBe(true)`).
fn code_of(t: &str) -> Option<&str> {
    let t = t.trim_start();
    let d = t.bytes().take_while(u8::is_ascii_digit).count();
    let rest = t[d..].trim_start().strip_prefix('|')?;
    (d > 0).then(|| rest.trim()).filter(|s| !s.is_empty())
}

/// The statement a code frame points at (`> 12 |   expect(x).toBe(3);`).
fn pointed_statement(t: &str) -> Option<&str> {
    let t = t.strip_prefix('>')?.trim_start();
    let d = t.bytes().take_while(u8::is_ascii_digit).count();
    let rest = t[d..].trim_start().strip_prefix('|')?;
    (d > 0).then(|| rest.trim()).filter(|s| !s.is_empty())
}

/// The lines that carry the error, with the runner's decorations removed.
fn content(text: &str) -> (Vec<&str>, Option<&str>) {
    let mut out = Vec::new();
    let mut statement = None;
    let mut in_require_stack = false;
    let mut in_call_log = false;
    let mut call_log_kept = false;
    let mut last_code: Option<&str> = None;
    // Jasmine prints the message twice: under `Message:` and as the first line under `Stack:`.
    let mut in_jasmine_message = text.contains("\n  Stack:\n") || text.contains("\nStack:\n");
    in_jasmine_message &= text.contains("Message:");
    let mut lines = text.lines().peekable();
    // Mocha's numbered title: `  1) Suite` then indented title lines, the
    // last of them ending with `:`; the error follows (with or without a
    // blank line).
    if let Some(first) = lines.peek().map(|l| l.trim())
        && mocha_title(first)
    {
        while let Some(l) = lines.next() {
            let t = l.trim();
            if t.is_empty() || t.ends_with(':') {
                break;
            }
            if lines
                .peek()
                .is_some_and(|n| split_type(n.trim()).0.is_some())
            {
                break;
            }
        }
    }
    while let Some(l) = lines.next() {
        let t = l.trim();
        if in_require_stack {
            // Node writes `- /path`, Jest indented paths; the list ends at a blank line or a frame.
            if !t.is_empty() && !t.starts_with("at ") {
                continue;
            }
            in_require_stack = false;
        }
        if in_call_log {
            // Playwright's call log: what it waited for says which element
            // was missing; the retries below it vary with timing.
            if let Some(step) = t.strip_prefix("- ") {
                if !call_log_kept && step.starts_with("waiting for") {
                    out.push(step);
                    call_log_kept = true;
                }
                continue;
            }
            if t.is_empty() {
                continue;
            }
            in_call_log = false;
        }
        if in_jasmine_message && t == "Message:" {
            while lines.next_if(|l| l.trim() != "Stack:").is_some() {}
            continue;
        }
        if t == "Stack:" || t == "Failures:" || t == "Message:" {
            continue;
        }
        if t.starts_with("Require stack:") {
            in_require_stack = true;
            continue;
        }
        if t == "Call log:" {
            in_call_log = true;
            continue;
        }
        if is_code_frame(t) {
            if statement.is_none() {
                statement = pointed_statement(t);
                // Vitest marks the line with a caret line below it, not a `>`.
                if statement.is_none() && is_caret_line(t) {
                    statement = last_code.and_then(code_of);
                }
            }
            last_code = Some(t);
            continue;
        }
        // TAP: `not ok 4 - TypeError: x is not a function` carries the error itself.
        if let Some(desc) = t
            .strip_prefix("not ok ")
            .and_then(|r| r.split_once(" - ").map(|(_, d)| d))
            .filter(|d| split_type(d).0.is_some())
        {
            out.push(desc);
            continue;
        }
        if is_title_line(t) || is_deno_header(t) || DENO_NOTES.contains(&t) {
            continue;
        }
        // Deno's code frame: the statement, then a caret line under it.
        if is_bare_caret(t) {
            if statement.is_none()
                && let Some(code) = out.pop()
            {
                statement = Some(code.trim());
            }
            continue;
        }
        out.push(l);
    }
    (out, statement)
}

/// What Deno adds below an error no test caught.
const DENO_NOTES: &[&str] = &[
    "This error was not caught from a test and caused the test runner to fail on the referenced module.",
    "It most likely originated from a dangling promise, event/timeout handler or top-level code.",
];

/// A line holding only a caret (`        ^`).
fn is_bare_caret(t: &str) -> bool {
    t == "^"
}

/// Karma: `Chrome Headless 120.0.0.0 (Linux x86_64) Cart adds an item FAILED`.
fn karma_title(t: &str) -> bool {
    t.ends_with(" FAILED") && t.contains(") ") && t.contains(" (")
}

/// `1) Suite name` (mocha's and jasmine's numbered failure titles).
fn mocha_title(t: &str) -> bool {
    let d = t.bytes().take_while(u8::is_ascii_digit).count();
    d > 0 && t[d..].starts_with(") ") && !t.contains("Error")
}

pub(super) fn parse(text: &str) -> Parsed {
    let mut p = Parsed::new(Language::JavaScript);
    let (lines, statement) = content(text);
    p.statement = statement.map(str::to_owned);
    // TAP (node:test) YAML: `error: '…'`, `code: '…'`, `stack: |-` then frames without `at`.
    let mut head: Vec<&str> = Vec::new();
    let mut tap_error: Option<String> = None;
    let mut tap_code: Option<&str> = None;
    let mut tap_name: Option<&str> = None;
    let mut in_tap_stack = false;
    for l in &lines {
        let t = l.trim();
        if let Some(f) = frame_of(l) {
            p.frames.push(f);
            continue;
        }
        if in_tap_stack {
            if let Some(f) = tap_frame(t) {
                p.frames.push(f);
                continue;
            }
            in_tap_stack = false;
        }
        if let Some(e) = t.strip_prefix("error: ") {
            // node:test's YAML, Deno's `error: (in promise) TypeError: …`.
            let e = e.strip_prefix("(in promise) ").unwrap_or(e);
            tap_error = Some(unquote_yaml(e));
            continue;
        }
        if let Some(m) = t.strip_prefix("message: ") {
            // AVA's TAP YAML; its console form shows the same message.
            tap_error.get_or_insert_with(|| unquote_yaml(m));
            continue;
        }
        if let Some(n) = t.strip_prefix("name: ") {
            // The error's type in AVA's and node:test's YAML.
            let n = n.trim_matches(['\'', '"']);
            if is_js_type(n) {
                tap_name = Some(n);
            }
            continue;
        }
        if t.starts_with("assertion: ") || t.starts_with("at: ") {
            continue;
        }
        if let Some(c) = t.strip_prefix("code: ") {
            tap_code = Some(c.trim_matches(['\'', '"']));
            continue;
        }
        if t.starts_with("stack: |") {
            in_tap_stack = true;
            continue;
        }
        if tap_line(t) {
            continue;
        }
        if p.frames.is_empty() || is_cause_line(t) {
            head.push(l);
        }
    }
    if let Some(err) = &tap_error {
        let (mut kind, mut msg) = split_type(err);
        if kind.is_none() && text.lines().any(|l| is_deno_header(l.trim())) {
            // Deno's own error classes: `NotCapable: …`, `PermissionDenied: …`.
            if let Some((k, m)) = err.split_once(": ").filter(|(k, _)| {
                k.starts_with(|c: char| c.is_ascii_uppercase())
                    && k.bytes().all(|b| b.is_ascii_alphanumeric())
            }) {
                (kind, msg) = (Some(k), m);
            }
        }
        // node:test wraps what the test threw in ERR_TEST_FAILURE.
        let tap_code = tap_code.filter(|c| *c != "ERR_TEST_FAILURE");
        p.kind = kind
            .or(tap_name)
            .or(tap_code)
            .map(str::to_owned)
            .unwrap_or_else(|| "Error".to_owned());
        p.message = msg.to_owned();
        return finish(p);
    }
    while head.first().is_some_and(|l| l.trim().is_empty()) {
        head.remove(0);
    }
    // Follow `[cause]:` / `cause:` chains to the innermost error.
    if let Some(ci) = head.iter().rposition(|l| is_cause_line(l.trim())) {
        let first = head.first().map(|l| l.trim()).unwrap_or("");
        let (outer, _) = split_type(first);
        let cause = cause_text(head[ci].trim());
        let mut rest: Vec<&str> = vec![cause];
        rest.extend(head[ci + 1..].iter().copied());
        head = rest;
        p.outer = outer.map(str::to_owned);
    }
    let Some(first) = head.first().map(|l| l.trim()) else {
        return finish(p);
    };
    let (kind, msg) = split_type(first);
    // Jest/Vitest: `expect(received).toBe(expected) // Object.is equality` — the matcher is the kind.
    if let Some(m) = matcher(msg) {
        p.kind = m;
        let rest: Vec<&str> = head[1..]
            .iter()
            .map(|l| l.trim_end())
            .filter(|l| !l.trim().is_empty())
            .take(12)
            .collect();
        p.message = rest.join("\n");
        return finish(p);
    }
    // Jest prints a thrown error's message without its `Error:` prefix; with
    // a stack below it, it is an error nothing caught.
    p.kind = kind.unwrap_or("Error").to_owned();
    let mut msg_lines = vec![msg];
    msg_lines.extend(
        head[1..]
            .iter()
            .map(|l| l.trim_end())
            .filter(|l| !l.trim().is_empty())
            .take(12),
    );
    p.message = msg_lines.join("\n").trim().to_owned();
    finish(p)
}

/// Message clean-ups that hold for every shape.
fn finish(mut p: Parsed) -> Parsed {
    // `Cannot find module 'x' from 'src/a.test.js'`: the importing file is the test.
    if let Some(i) = p.message.find("Cannot find module ")
        && let Some(from) = p.message[i..].find("' from '")
    {
        let end = p.message[i + from + 8..]
            .find('\'')
            .map_or(p.message.len(), |e| i + from + 8 + e + 1);
        p.message.replace_range(i + from + 1..end, "");
    }
    p
}

/// `AssertionError: expected 1` → (`AssertionError`, `expected 1`); also
/// `AssertionError [ERR_ASSERTION]: …` and `Uncaught TypeError: …`.
fn split_type(line: &str) -> (Option<&str>, &str) {
    let line = line.strip_prefix("Uncaught ").unwrap_or(line);
    match line.split_once(": ") {
        Some((k, m)) if is_js_type(k) => (Some(k.split(" [").next().unwrap_or(k)), m),
        _ => (None, line),
    }
}

fn matcher(msg: &str) -> Option<String> {
    // Jest's rendering of node's assert: `assert(received)`, `assert.equal(received, expected)`.
    if let Some(rest) = msg.trim().strip_prefix("assert") {
        let name = rest.split('(').next().unwrap_or("");
        if rest.contains("(received") && name.bytes().all(|b| b == b'.' || b.is_ascii_alphabetic())
        {
            return Some(format!("assert{name}"));
        }
    }
    let i = msg.find("expect(")?;
    let call = &msg[i..];
    let (_, m) = call.split_once(").")?;
    let negated = m.starts_with("not.");
    let m = m.trim_start_matches("not.");
    let name = m.split('(').next().unwrap_or(m);
    let name = name
        .trim_start_matches("resolves.")
        .trim_start_matches("rejects.");
    Some(format!(
        "expect.{}{}",
        if negated { "not." } else { "" },
        name
    ))
}

fn is_cause_line(t: &str) -> bool {
    t.starts_with("[cause]: ") || t.starts_with("cause: ") || t.starts_with("Caused by: ")
}

fn cause_text(t: &str) -> &str {
    let t = t
        .trim_start_matches("[cause]: ")
        .trim_start_matches("cause: ")
        .trim_start_matches("Caused by: ");
    t.trim_start_matches('{').trim()
}

/// TAP protocol lines (`ok 3 - x`, `# pass 2`, `---`, `...`, YAML keys without meaning for the cause).
fn tap_line(t: &str) -> bool {
    t == "---"
        || t == "..."
        || t.starts_with("TAP version")
        || t.starts_with("# Subtest:")
        || t.starts_with("ok ")
        || t.starts_with("1..")
        || t.starts_with("duration_ms:")
        || t.starts_with("failureType:")
        || t.starts_with("location:")
        || t.starts_with("type: 'test'")
        || t.starts_with("type: 'suite'")
}

/// A frame of a TAP `stack: |-` block: `TestContext.<anonymous> (file:///x.js:5:10)` or `file:///x.js:5:10`.
fn tap_frame(t: &str) -> Option<Frame> {
    let (func, loc) = match t.rsplit_once(" (") {
        Some((f, l)) => (f.trim(), l.strip_suffix(')')?),
        None => ("", t),
    };
    (is_js_location(loc) || loc.starts_with("node:")).then(|| frame(func, loc))
}

fn unquote_yaml(v: &str) -> String {
    let v = v.trim();
    if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
        v[1..v.len() - 1].replace("''", "'")
    } else if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        v[1..v.len() - 1].replace("\\n", "\n").replace("\\\"", "\"")
    } else {
        v.to_owned()
    }
}

/// `Error`, `TypeError`, `AssertionError [ERR_ASSERTION]`, `FetchError`.
fn is_js_type(s: &str) -> bool {
    let name = s.split(" [").next().unwrap_or(s);
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        && (name.ends_with("Error") || name.ends_with("Exception") || name == "Error")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jest_console_block_loses_title_and_code_frame() {
        let text = "  ● Cart › adds an item\n\n    expect(received).toBe(expected) // Object.is equality\n\n    Expected: 3\n    Received: 4\n\n      10 |   cart.add(item);\n    > 12 |   expect(cart.total).toBe(3);\n         |                      ^\n\n      at Object.<anonymous> (src/cart.test.js:12:22)";
        let p = parse(text);
        assert_eq!(p.kind, "expect.toBe");
        assert_eq!(p.message, "    Expected: 3\n    Received: 4");
        assert_eq!(p.statement.as_deref(), Some("expect(cart.total).toBe(3);"));
        assert_eq!(p.frames.len(), 1);
        assert_eq!(p.frames[0].file, "src/cart.test.js");
    }

    #[test]
    fn deno_blocks_lose_their_header_and_keep_type_message_and_statement() {
        let failed = "adds an item => ./cart_test.ts:12:6\nerror: Error: cart is closed\n  throw new Error(\"cart is closed\");\n        ^\n    at addItem (file:///src/cart.ts:40:9)\n    at file:///src/cart_test.ts:14:3";
        assert!(has_marker(failed));
        let p = parse(failed);
        assert_eq!(
            (p.kind.as_str(), p.message.as_str()),
            ("Error", "cart is closed")
        );
        let uncaught = "./cart_test.ts (uncaught error)\nerror: (in promise) TypeError: cart.total is not a function\nThis error was not caught from a test and caused the test runner to fail on the referenced module.\nIt most likely originated from a dangling promise, event/timeout handler or top-level code.";
        let p = parse(uncaught);
        assert_eq!(
            (p.kind.as_str(), p.message.as_str()),
            ("TypeError", "cart.total is not a function")
        );
        let denied = "reads config => ./config_test.ts:3:6\nerror: NotCapable: Requires read access to \"./app.toml\", run again with the --allow-read flag";
        assert_eq!(parse(denied).kind, "NotCapable");
    }

    #[test]
    fn tap_yaml_names_the_error_type() {
        let text = "not ok 1 - parse › rejects junk\n  ---\n    name: SyntaxError\n    message: Unexpected token 'do'\n  ...";
        let p = parse(text);
        assert_eq!(
            (p.kind.as_str(), p.message.as_str()),
            ("SyntaxError", "Unexpected token 'do'")
        );
    }

    #[test]
    fn module_not_found_drops_importer_and_require_stack() {
        let a = "  ● Test suite failed to run\n\n    Cannot find module 'left-pad' from 'src/a.test.js'\n\n    Require stack:\n      src/a.test.js\n\n      at Resolver._throwModNotFoundError (node_modules/jest-resolve/build/resolver.js:427:11)";
        let b = a.replace("src/a.test.js", "src/b.test.js");
        assert_eq!(parse(a).message, parse(&b).message);
        assert_eq!(parse(a).message, "Cannot find module 'left-pad'");
    }

    #[test]
    fn vitest_frames_and_cause_chain() {
        let t = "Error: request failed\n ❯ fetchUser src/api.ts:10:11\n[cause]: Error: connect ECONNREFUSED 127.0.0.1:5432";
        let p = parse(t);
        assert_eq!(p.outer.as_deref(), Some("Error"));
        assert!(p.message.contains("ECONNREFUSED"), "{}", p.message);
        assert_eq!(p.frames[0].file, "src/api.ts");
        assert_eq!(p.frames[0].function, "fetchUser");
    }

    #[test]
    fn vitest_caret_line_names_the_statement() {
        let t = " FAIL  a.test.ts > works\nAssertionError: expected false to be true // Object.is equality\n ❯ a.test.ts:4:19\n      3| test('works', () => {\n      4|   expect(isLinux).toBe(true)\n       |                   ^\n      5| })";
        assert_eq!(
            parse(t).statement.as_deref(),
            Some("expect(isLinux).toBe(true)")
        );
    }

    #[test]
    fn bundler_paths_are_comparable() {
        let f = frame_of("    at render (webpack:///./src/app.tsx?abc:3:9)").unwrap();
        assert_eq!(f.file, "src/app.tsx");
        let f = frame_of("    at http (file:///home/ci/app/src/http.mjs:1:2)").unwrap();
        assert_eq!(f.file, "/home/ci/app/src/http.mjs");
    }
}
