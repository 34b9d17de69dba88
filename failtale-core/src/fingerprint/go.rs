//! Go: `file_test.go:NN: message` lines of `t.Error`/`t.Fatal` (testify's
//! `Error:`/`Messages:` blocks), and `panic:` with the goroutine stack.

use super::{Frame, Language, Parsed};

/// An indented `name.go:NN: …` line, as `testing` prints them.
pub(super) fn has_test_line(text: &str) -> bool {
    text.lines().any(|l| test_line(l).is_some())
}

/// `    cart_test.go:42: message` → (`cart_test.go`, `message`); also the
/// older parallel-test form `    TestName: cart_test.go:42: message`.
fn test_line(line: &str) -> Option<(&str, &str)> {
    let t = line.trim_start();
    let t = match t.split_once(": ") {
        Some((name, rest))
            if (line.starts_with(' ') || line.starts_with('\t'))
                && !name.contains(' ')
                && !name.contains(".go")
                && rest.contains(".go:") =>
        {
            rest
        }
        _ => t,
    };
    let i = t.find(".go:")?;
    let file = &t[..i + 3];
    if file.contains(' ') || file.contains('/') && !line.starts_with(' ') && !line.starts_with('\t')
    {
        return None;
    }
    let rest = &t[i + 4..];
    let d = rest.bytes().take_while(u8::is_ascii_digit).count();
    let after = rest.get(d..)?.strip_prefix(':')?;
    (d > 0).then_some((file, after.strip_prefix(' ').unwrap_or(after)))
}

fn in_app(func: &str, file: &str) -> bool {
    !(func.starts_with("runtime.")
        || func.starts_with("testing.")
        || func == "panic"
        || func.starts_with("reflect.")
        || func.starts_with("sync.")
        || func.starts_with("github.com/stretchr/testify")
        || file.contains("/usr/local/go/src/")
        || file.contains("/go/src/runtime/")
        || file.contains("/pkg/mod/")
        || file.contains("/libexec/src/"))
}

/// `FAIL\tpkg\t0.01s`, `FAIL  pkg  0.01s`, `ok  \tpkg\t0.3s`, `FAIL pkg [build failed]`.
pub(super) fn is_package_line(l: &str) -> bool {
    let Some(rest) = l.strip_prefix("FAIL").or_else(|| l.strip_prefix("ok ")) else {
        return false;
    };
    let mut words = rest.split_whitespace();
    let (Some(pkg), Some(last)) = (words.next(), words.next_back()) else {
        return false;
    };
    rest.starts_with(char::is_whitespace)
        && !pkg.contains(':')
        && (last.ends_with('s') && last[..last.len() - 1].parse::<f64>().is_ok()
            || last == "failed]"
            || last == "(cached)")
}

/// A compile error of the test binary: `# pkg [pkg.test]` then `./x_test.go:3:10: undefined: foo`.
fn build_error(lines: &[&str]) -> Option<(String, String)> {
    let header = lines.iter().position(|l| l.starts_with("# "))?;
    lines[header + 1..].iter().find_map(|l| {
        let t = l.trim();
        let i = t.find(".go:")?;
        let file = &t[..i + 3];
        let rest = &t[i + 4..];
        let mut parts = rest.splitn(3, ':');
        let line = parts.next()?;
        let second = parts.next()?;
        let msg = if second.bytes().all(|b| b.is_ascii_digit()) && !second.is_empty() {
            parts.next()?
        } else {
            &rest[line.len() + 1..]
        };
        (!line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()))
            .then(|| (super::file_name(file).to_owned(), msg.trim().to_owned()))
    })
}

pub(super) fn parse(text: &str) -> Parsed {
    let mut p = Parsed::new(Language::Go);
    let lines: Vec<&str> = text.lines().collect();
    if let Some((file, msg)) = build_error(&lines) {
        p.kind = "build failed".into();
        p.location = Some(file);
        p.message = msg;
        return p;
    }
    if let Some(i) = lines.iter().position(|l| l.starts_with("panic: ")) {
        p.kind = "panic".into();
        let msg = lines[i]["panic: ".len()..]
            .trim_end_matches(" [recovered]")
            .trim();
        let mut message = vec![msg.to_owned()];
        if let Some(sig) = lines[i + 1..].iter().find(|l| l.starts_with("[signal ")) {
            // `[signal SIGSEGV: segmentation violation code=… addr=0x0 pc=…]`: the signal name matters.
            message.push(
                sig.split(':')
                    .next()
                    .unwrap_or(sig)
                    .trim_start_matches('[')
                    .to_owned(),
            );
        }
        p.message = message.join("\n");
        p.frames = goroutine_frames(&lines[i..]);
        return p;
    }
    // Older testify blocks without a `file_test.go:N:` line above them.
    if !lines.iter().any(|l| test_line(l).is_some())
        && lines
            .iter()
            .any(|l| l.trim_start().starts_with("Error Trace:"))
    {
        let fields: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
        p.kind = "testify assertion".into();
        p.message = testify_fields(&fields).join("\n").trim().to_owned();
        return p;
    }
    // `testing` failures: the first message and its continuation lines.
    let mut message: Vec<String> = Vec::new();
    let mut testify = false;
    let mut i = 0;
    while i < lines.len() {
        let Some((file, first)) = test_line(lines[i]) else {
            i += 1;
            continue;
        };
        let indent = lines[i].len() - lines[i].trim_start().len();
        if file.ends_with("_test.go") {
            let line = lines[i][lines[i].find(".go:").map_or(0, |k| k + 4)..]
                .split(':')
                .next()
                .unwrap_or("");
            p.site = Some(format!("{file}:{line}"));
        } else {
            p.location = Some(file.to_owned());
        }
        let mut block: Vec<&str> = vec![first];
        let mut j = i + 1;
        while j < lines.len() {
            let l = lines[j];
            let ind = l.len() - l.trim_start().len();
            if l.trim().is_empty() || ind <= indent || l.trim_start().starts_with("--- ") {
                break;
            }
            block.push(l.trim());
            j += 1;
        }
        if block.iter().any(|l| l.starts_with("Error Trace:")) {
            testify = true;
            message.extend(testify_fields(&block));
        } else {
            message.extend(block.iter().map(|s| (*s).to_owned()));
        }
        // The first failure decides; later ones usually follow from it.
        break;
    }
    p.kind = if testify {
        "testify assertion"
    } else {
        "t.Error"
    }
    .into();
    p.message = message.join("\n").trim().to_owned();
    if p.message.is_empty() {
        // No `t.Error` line: what the test binary itself printed, without
        // the lines `go test` and gotestsum write around it.
        if let Some(l) = lines
            .iter()
            .map(|l| l.trim())
            .find(|l| !l.is_empty() && !is_runner_line(l))
        {
            // `FAIL pkg [setup failed]`: the test binary could not be made.
            p.kind = if lines
                .iter()
                .any(|l| l.trim_end().ends_with("[setup failed]"))
            {
                "setup failed"
            } else if lines
                .iter()
                .any(|l| l.trim_end().ends_with("[build failed]"))
            {
                "build failed"
            } else {
                "failure"
            }
            .into();
            p.message = l.to_owned();
        }
    }
    p
}

/// A line `go test` or gotestsum writes around a test's own output.
fn is_runner_line(t: &str) -> bool {
    [
        "=== RUN",
        "=== PAUSE",
        "=== CONT",
        "=== NAME",
        "=== FAIL",
        "--- FAIL",
        "--- PASS",
        "--- SKIP",
        "FAIL",
        "PASS",
        "ok  ",
        "SEED:",
        "exit status",
        // `# example.com/pkg`: the package a build or setup failure is in.
        "# ",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

/// The `Error:` and `Messages:` fields of a testify block (not `Error Trace:` or `Test:`).
fn testify_fields(block: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut keep = false;
    for l in block {
        if let Some((field, value)) = l
            .split_once(':')
            .filter(|(f, _)| matches!(*f, "Error Trace" | "Error" | "Test" | "Messages"))
        {
            keep = matches!(field, "Error" | "Messages");
            if keep {
                out.push(value.trim().to_owned());
            }
        } else if keep {
            out.push(l.trim().to_owned());
        }
    }
    out
}

/// `pkg.Func(args)` followed by `\t/path/file.go:NN +0x1c`.
fn goroutine_frames(lines: &[&str]) -> Vec<Frame> {
    let mut out = Vec::new();
    let Some(start) = lines.iter().position(|l| l.starts_with("goroutine ")) else {
        return out;
    };
    let mut k = start + 1;
    while k + 1 < lines.len() {
        let func_line = lines[k];
        if func_line.trim().is_empty() || func_line.starts_with("goroutine ") {
            break;
        }
        if func_line.starts_with("created by ") {
            k += 2;
            continue;
        }
        let loc = lines[k + 1].trim();
        let func = func_line
            .rsplit_once('(')
            .map_or(func_line, |(f, _)| f)
            .trim();
        // `github.com/acme/shop/internal/cart.(*Cart).Total` → `cart.(*Cart).Total`
        let short = func.rsplit('/').next().unwrap_or(func);
        let file = loc.split(':').next().unwrap_or(loc).trim();
        out.push(Frame {
            in_app: in_app(func, file),
            function: short.to_owned(),
            file: file.to_owned(),
        });
        k += 2;
    }
    out
}
