//! JavaScript and TypeScript: `Error:`/`TypeError:`/`AssertionError` headers,
//! jest/vitest `expect(…)` matcher failures with their Expected/Received
//! diff, and V8 `at …` frames.

use super::{Frame, Language, Parsed};

pub(super) fn has_marker(text: &str) -> bool {
    text.contains("expect(received)")
        || text.contains("AssertionError [ERR_ASSERTION]")
        || text.contains("AssertionError: expected ")
        || text.lines().any(|l| frame_of(l).is_some())
}

/// `at fn (file:1:2)`, `at async fn (file:1:2)`, `at file:1:2`.
fn frame_of(line: &str) -> Option<Frame> {
    let t = line.trim_start().strip_prefix("at ")?;
    let t = t.strip_prefix("async ").unwrap_or(t);
    let (func, loc) = match t.rsplit_once(" (") {
        Some((f, l)) => (f.trim(), l.strip_suffix(')')?),
        None => ("", t.trim()),
    };
    let js_file = [
        ".js:",
        ".ts:",
        ".mjs:",
        ".cjs:",
        ".jsx:",
        ".tsx:",
        ".vue:",
        "node:",
        "<anonymous>",
        "internal/",
    ]
    .iter()
    .any(|m| loc.contains(m));
    if !js_file {
        return None;
    }
    let file = strip_line_col(loc.strip_prefix("file://").unwrap_or(loc));
    Some(Frame {
        in_app: in_app(file),
        function: func.to_owned(),
        file: file.to_owned(),
    })
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
        || file == "<anonymous>"
        || file.contains("/jest-circus/")
        || file.contains("/vitest/")
        || file.contains("/mocha/"))
}

pub(super) fn parse(text: &str) -> Parsed {
    let mut p = Parsed::new(Language::JavaScript);
    let mut head: Vec<&str> = Vec::new();
    for l in text.lines() {
        if let Some(f) = frame_of(l) {
            p.frames.push(f);
        } else if p.frames.is_empty() {
            head.push(l);
        }
    }
    while head.first().is_some_and(|l| l.trim().is_empty()) {
        head.remove(0);
    }
    let Some(first) = head.first().map(|l| l.trim()) else {
        return p;
    };
    let (kind, msg) = match first.split_once(": ") {
        Some((k, m)) if is_js_type(k) => (k.split(" [").next().unwrap_or(k), m),
        _ => ("", first),
    };
    // jest/vitest: `expect(received).toBe(expected) // Object.is equality` — the matcher is the kind.
    if let Some(i) = msg.find("expect(") {
        let call = &msg[i..];
        let matcher = call
            .split_once(").")
            .map(|(_, m)| m.split('(').next().unwrap_or(m));
        let negated = call.contains(").not.");
        if let Some(m) = matcher {
            p.kind = format!(
                "expect.{}{}",
                if negated { "not." } else { "" },
                m.trim_start_matches("not.")
            );
            let rest: Vec<&str> = head[1..]
                .iter()
                .map(|l| l.trim_end())
                .filter(|l| !l.trim().is_empty())
                .take(12)
                .collect();
            p.message = rest.join("\n");
            return p;
        }
    }
    p.kind = kind.to_owned();
    let mut msg_lines = vec![msg];
    msg_lines.extend(
        head[1..]
            .iter()
            .map(|l| l.trim_end())
            .filter(|l| !l.trim().is_empty())
            .take(12),
    );
    p.message = msg_lines.join("\n").trim().to_owned();
    p
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
