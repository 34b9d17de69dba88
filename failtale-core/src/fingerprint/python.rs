//! Python: the final exception type and message of a traceback (plain or
//! pytest's long/short format), pytest's assertion rewriting (`E   …` lines
//! and the failing `>` statement), and frames.

use super::{Frame, Language, Parsed};

/// pytest's markers: `E   ` explanation lines next to a `file.py:NN: Type` line.
pub(super) fn has_pytest_marker(text: &str) -> bool {
    let mut e_line = false;
    let mut py_loc = false;
    for l in text.lines() {
        e_line |= l.starts_with("E   ") || l == "E";
        py_loc |= location(l).is_some() || l.trim_start().starts_with("File \"");
        if e_line && py_loc {
            return true;
        }
    }
    false
}

/// `path/to/x.py:42: rest` → (`path/to/x.py`, `rest`).
fn location(line: &str) -> Option<(&str, &str)> {
    let i = line.find(".py:")?;
    let rest = &line[i + 4..];
    let d = rest.bytes().take_while(u8::is_ascii_digit).count();
    if d == 0 {
        return None;
    }
    let after = rest[d..].strip_prefix(':')?;
    let path = line[..i + 3].trim();
    (!path.contains(' ')).then_some((path, after.trim()))
}

fn in_app(file: &str) -> bool {
    !(file.contains("site-packages")
        || file.contains("dist-packages")
        || file.contains("/lib/python")
        || file.starts_with('<')
        || file.contains("/_pytest/")
        || file.contains("/pluggy/")
        || file.contains("/unittest/")
        || file.contains("\\Lib\\")
        || file.contains("/asyncio/"))
}

/// pytest's short summary: `FAILED tests/x.py::test_y - ValueError: bad` → `ValueError: bad`.
pub(super) fn summary_line(text: &str) -> Option<&str> {
    text.lines().find_map(|l| {
        let rest = l
            .trim()
            .strip_prefix("FAILED ")
            .or_else(|| l.trim().strip_prefix("ERROR "))?;
        let (id, what) = rest.split_once(" - ")?;
        (id.contains(".py") || id.contains("::") || id == "<test>").then_some(what)
    })
}

/// pytest cuts the short-summary line to the terminal's width and ends it
/// with `...`, so one message is cut at a different place for every test
/// name. A cut message keeps only a prefix that every cut of it shares.
fn truncated_prefix(msg: &str) -> &str {
    const KEEP: usize = 32;
    match msg.strip_suffix("...") {
        Some(cut) if cut.len() > KEEP => {
            let end = (0..=KEEP)
                .rev()
                .find(|&i| cut.is_char_boundary(i))
                .unwrap_or(0);
            &cut[..end]
        }
        Some(cut) => cut,
        None => msg,
    }
}

pub(super) fn parse(text: &str) -> Parsed {
    let mut p = Parsed::new(Language::Python);
    if !text.contains("Traceback (most recent call last)")
        && !has_pytest_marker(text)
        && let Some(what) = summary_line(text)
    {
        let (kind, msg) = match what.split_once(": ") {
            Some((k, m)) if super::is_type_name(k) || is_plain_type(k) => (k, m),
            _ => match what.strip_suffix("...") {
                // Cut inside the exception's name (`subprocess.CalledProc...`):
                // every cut of it shares its first characters.
                Some(cut)
                    if cut.contains('.')
                        && cut
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_') =>
                {
                    let end = cut.len().min(16);
                    p.kind = format!("{}…", &cut[..end]);
                    return p;
                }
                _ => ("", what),
            },
        };
        p.kind = kind.to_owned();
        p.message = truncated_prefix(msg.trim()).to_owned();
        return p;
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut e_lines: Vec<&str> = Vec::new();
    let mut statement: Option<&str> = None;
    let mut final_type: Option<&str> = None;
    for l in &lines {
        if let Some(rest) = l.strip_prefix("E ") {
            e_lines.push(rest.trim_start());
        } else if *l == "E" {
            e_lines.push("");
        } else if let Some(stmt) = l.strip_prefix(">") {
            statement = Some(stmt.trim());
        } else if let Some(file) = l.trim_start().strip_prefix("File \"") {
            // Plain traceback frame: File "path", line N, in func
            let (path, rest) = file.split_once('"').unwrap_or((file, ""));
            let func = rest.rsplit_once(", in ").map_or("", |(_, f)| f.trim());
            p.frames.push(Frame {
                function: func.to_owned(),
                file: path.to_owned(),
                in_app: in_app(path),
            });
        } else if let Some((path, rest)) = location(l) {
            if let Some(func) = rest.strip_prefix("in ") {
                p.frames.push(Frame {
                    function: func.trim().to_owned(),
                    file: path.to_owned(),
                    in_app: in_app(path),
                });
            } else if super::is_type_name(rest) || is_plain_type(rest) {
                // The closing `path:NN: ExcType` of pytest's long format.
                final_type = Some(rest);
                let line = l[l.find(".py:").map_or(0, |k| k + 4)..]
                    .split(':')
                    .next()
                    .unwrap_or("");
                let file = path.rsplit('/').next().unwrap_or(path);
                p.site = Some(format!("{file}:{line}"));
                p.frames.push(Frame {
                    function: String::new(),
                    file: path.to_owned(),
                    in_app: in_app(path),
                });
            }
        }
    }
    // Python prints the outermost frame first; frames are innermost first here.
    p.frames.reverse();
    p.statement = statement.map(str::to_owned);
    if !e_lines.is_empty() {
        // pytest: the first E line is `Type: message` or, for rewritten asserts, `assert …`.
        let first = e_lines[0];
        let (kind, msg_first) = match first.split_once(": ") {
            Some((k, m)) if super::is_type_name(k) || is_plain_type(k) => (Some(k), m),
            _ => (None, first),
        };
        p.kind = kind.or(final_type).unwrap_or("AssertionError").to_owned();
        let mut msg = vec![msg_first];
        msg.extend(e_lines[1..].iter().copied().take(12));
        p.message = msg.join("\n").trim().to_owned();
        return p;
    }
    // Plain traceback: the last `Type: message` line that is not indented.
    if let Some(tb) = lines
        .iter()
        .rposition(|l| l.starts_with("Traceback (most recent call last)"))
    {
        let tail = &lines[tb + 1..];
        if let Some(end) = tail
            .iter()
            .rposition(|l| !l.starts_with(' ') && !l.trim().is_empty())
        {
            // The exception line may be followed by continuation lines of its message.
            let start = tail[..=end]
                .iter()
                .rposition(|l| !l.starts_with(' ') && header(l).is_some())
                .unwrap_or(end);
            let (kind, first) = header(tail[start]).unwrap_or(("", tail[start]));
            p.kind = kind.to_owned();
            let mut msg = vec![first];
            msg.extend(tail[start + 1..=end].iter().copied().take(8));
            p.message = msg.join("\n").trim().to_owned();
            return p;
        }
    }
    if let Some(t) = final_type {
        p.kind = t.to_owned();
    }
    p.message = lines
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_owned();
    if let Some((k, m)) = header(&p.message.clone()) {
        p.kind = k.to_owned();
        p.message = m.to_owned();
    }
    p
}

/// `module.Type: message` or a bare `Type`.
fn header(line: &str) -> Option<(&str, &str)> {
    let t = line.trim();
    let (k, m) = t.split_once(": ").unwrap_or((t.trim_end_matches(':'), ""));
    (super::is_type_name(k) || is_plain_type(k)).then_some((k, m))
}

/// Exception names that do not end in Error (`StopIteration`, `KeyboardInterrupt`, `Failed`).
fn is_plain_type(s: &str) -> bool {
    matches!(
        s,
        "StopIteration"
            | "Failed"
            | "SystemExit"
            | "KeyboardInterrupt"
            | "GeneratorExit"
            | "Exception"
            | "BaseException"
    ) || s.strip_prefix("_pytest.outcomes.").is_some()
}
