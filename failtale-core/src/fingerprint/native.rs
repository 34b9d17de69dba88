//! C and C++: googletest failures (`file:line: Failure` on the console,
//! `file:line` in its XML) with their expected/actual text, sanitizer reports
//! (ASan, UBSan, TSan, LSan) with their `#N` frames, uncaught exceptions
//! (`terminate called after throwing …`) and fatal signals.

use super::{Frame, Language, Parsed};

const SIGNALS: &[(&str, &str)] = &[
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

pub(super) fn has_marker(text: &str) -> bool {
    text.contains("Sanitizer")
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
    let ext = SOURCE_EXT
        .iter()
        .find_map(|e| t.find(e).map(|i| i + e.len() - 1))?;
    let path = &t[..ext];
    let rest = &t[ext + 1..];
    let d = rest.bytes().take_while(u8::is_ascii_digit).count();
    let tail = rest[d..].trim();
    (d > 0 && !path.contains(' ') && (tail.is_empty() || tail == ": Failure" || tail == ":Failure"))
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
    // Sanitizers.
    if let Some(i) = lines.iter().position(|l| {
        l.contains("Sanitizer: ") && (l.contains("ERROR: ") || l.contains("WARNING: "))
    }) {
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
        p.message = lines.get(i + 1).map_or("", |l| l.trim()).to_owned();
        p.frames = lines[i..].iter().filter_map(|l| frame_of(l)).collect();
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
    // googletest: the first failure block.
    if let Some(i) = lines.iter().position(|l| gtest_location(l).is_some()) {
        p.kind = "googletest failure".into();
        p.location = gtest_location(lines[i]).map(str::to_owned);
        let block: Vec<&str> = lines[i + 1..]
            .iter()
            .map(|l| l.trim())
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
    p.message = lines
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_owned();
    p
}
