//! Java, Kotlin and Scala: the exception class and message, the `Caused by:`
//! chain (the root cause decides the kind and message; the outermost type is
//! kept as `outer`), and in-app frames — not `java.*`, JUnit, reflection,
//! proxies or build tools.

use super::{Frame, Language, Parsed};

/// A `\tat pkg.Class.method(File.java:12)` line somewhere in the text.
pub(super) fn has_frame(text: &str) -> bool {
    text.lines().any(|l| frame_of(l).is_some())
}

/// A fully qualified JVM class name (`java.lang.IllegalStateException`, `org.opentest4j.AssertionFailedError`).
pub(super) fn is_class_name(s: &str) -> bool {
    let s = s.trim();
    let mut parts = s.split('.');
    let count = s.split('.').count();
    count >= 2
        && parts.all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        })
        && s.rsplit('.')
            .next()
            .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// Parses `at a.b.C.m(File.java:12)` (with an optional `java.base/` module prefix).
fn frame_of(line: &str) -> Option<Frame> {
    let t = line.trim_start();
    let rest = t.strip_prefix("at ")?;
    let open = rest.find('(')?;
    let (func, loc) = (&rest[..open], &rest[open + 1..]);
    if func.contains(' ') || !func.contains('.') || !rest.ends_with(')') {
        return None;
    }
    let loc = &loc[..loc.len() - 1];
    let file = loc.split(':').next().unwrap_or("");
    let jvm_file = file.ends_with(".java")
        || file.ends_with(".kt")
        || file.ends_with(".scala")
        || file.ends_with(".groovy")
        || file == "Native Method"
        || file == "Unknown Source"
        || file.is_empty();
    if !jvm_file {
        return None;
    }
    // `java.base/java.lang.Thread.run`, `app//com.acme.X.m`
    let func = func.rsplit('/').next().unwrap_or(func);
    let file = if file == "Native Method" || file == "Unknown Source" {
        ""
    } else {
        file
    };
    Some(Frame {
        in_app: in_app(func),
        function: func.to_owned(),
        file: file.to_owned(),
    })
}

const NOT_IN_APP: &[&str] = &[
    "java.",
    "javax.",
    "jdk.",
    "sun.",
    "com.sun.",
    "org.junit.",
    "junit.",
    "org.opentest4j.",
    "org.assertj.",
    "org.hamcrest.",
    "org.mockito.",
    "net.bytebuddy.",
    "kotlin.",
    "kotlinx.",
    "scala.",
    "org.scalatest.",
    "org.gradle.",
    "worker.org.gradle.",
    "org.apache.maven.",
    "org.testng.",
    "io.kotest.",
    "org.spockframework.",
    "groovy.",
    "org.codehaus.groovy.",
    "org.springframework.",
    "com.intellij.",
    "org.eclipse.jdt.",
    "io.micronaut.test.",
    "org.apache.catalina.",
    "io.netty.",
    "reactor.core.",
    "com.google.common.",
    "org.jetbrains.",
];

/// Generated classes: lambdas, proxies, reflection, CGLIB enhancements.
const GENERATED: &[&str] = &["$$Lambda", "$Proxy", ".reflect.", "$$EnhancerBy", "CGLIB$$"];

fn in_app(func: &str) -> bool {
    use std::sync::LazyLock;
    // Each frame of every trace asks, so the prefixes are grouped by first
    // byte (a handful to try instead of all) and the markers are looked for
    // only when the name has a `$` (all but one have one).
    static BY_FIRST: LazyLock<Vec<Vec<&'static str>>> = LazyLock::new(|| {
        let mut by = vec![Vec::new(); 256];
        for p in NOT_IN_APP {
            by[usize::from(p.as_bytes()[0])].push(*p);
        }
        by
    });
    static REFLECT: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(".reflect."));
    let bytes = func.as_bytes();
    let library = bytes
        .first()
        .is_some_and(|&b| BY_FIRST[usize::from(b)].iter().any(|p| func.starts_with(p)));
    let generated = REFLECT.find(bytes).is_some()
        || (memchr::memchr(b'$', bytes).is_some() && GENERATED.iter().any(|g| func.contains(g)));
    !library && !generated
}

/// One exception of a chain.
#[derive(Default)]
struct Link {
    kind: String,
    message: Vec<String>,
    frames: Vec<Frame>,
}

/// Splits `pkg.Type: message` (the message may be empty).
fn header(line: &str) -> Option<(String, String)> {
    let t = line.trim();
    let t = match t.strip_prefix("Exception in thread \"") {
        Some(rest) => rest.split_once("\" ").map_or(rest, |(_, r)| r),
        None => t,
    };
    if let Some(kind) = gradle_short(t) {
        return Some((kind.to_owned(), String::new()));
    }
    let (kind, msg) = match t.split_once(": ") {
        Some((k, m)) => (k, m),
        None => (t.trim_end_matches(':'), ""),
    };
    // `com.acme.OrderTest: Could not initialize class …`: a test class, not an exception.
    let simple = kind.rsplit('.').next().unwrap_or(kind);
    let test_class = ["Test", "Tests", "IT", "Spec", "TestCase"]
        .iter()
        .any(|s| simple.ends_with(s));
    (!test_class && (is_class_name(kind) || super::is_type_name(kind)))
        .then(|| (kind.to_owned(), msg.to_owned()))
}

/// Gradle's short form of an exception: `java.lang.NoClassDefFoundError at TargetTest.java:23`.
fn gradle_short(t: &str) -> Option<&str> {
    let (kind, at) = t.trim().split_once(" at ")?;
    (is_class_name(kind)
        && !at.contains(' ')
        && [".java:", ".kt:", ".groovy:", ".scala:"]
            .iter()
            .any(|e| at.contains(e)))
    .then_some(kind)
}

/// A line only a JVM build tool writes: Surefire's results summary
/// (`Test.m:12 » NullPointer`, `testM(pkg.Test): msg`) or Gradle's short
/// exception (`java.lang.X at Test.java:12`).
pub(super) fn has_surefire_summary(text: &str) -> bool {
    text.lines().any(|l| {
        let t = strip_build_prefix(l).trim();
        let t = t
            .strip_prefix("Failed tests:")
            .or_else(|| t.strip_prefix("Tests in error:"))
            .map_or(t, str::trim);
        surefire_summary(t).is_some_and(|(kind, msg)| {
            kind != "AssertionError" || (msg.contains("expected:<") && msg.contains("but was:<"))
        }) || old_surefire_summary(t).is_some()
            || gradle_short(t).is_some()
    })
}

/// A type's simple name (`java.lang.NullPointerException` → `NullPointerException`):
/// Surefire's summaries and some reporters write only that.
fn simple_name(kind: &str) -> &str {
    if is_class_name(kind) {
        kind.rsplit('.').next().unwrap_or(kind)
    } else {
        kind
    }
}

/// Surefire's results summary: `OrderTest.places:42 » NullPointer boom` (an
/// error, the exception's name without `Exception`) or `OrderTest.places:42
/// expected:<1> but was:<2>` (a failure); the test's own location is dropped.
fn surefire_summary(t: &str) -> Option<(String, &str)> {
    let (head, rest) = t.split_once(char::is_whitespace)?;
    let test = head.split("->").next().unwrap_or(head);
    let (name, line) = test.rsplit_once(':').unwrap_or((test, "0"));
    // The test's own name may already be masked as `<test>`.
    let (class, method) = name
        .rsplit_once('.')
        .or_else(|| (name == "<test>" || name.ends_with(".<test>")).then_some(("Test", "test")))?;
    let looks_like_test = !class.is_empty()
        && !line.is_empty()
        && method.starts_with(|c: char| c.is_ascii_lowercase())
        && class
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'$')
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        && line.bytes().all(|b| b.is_ascii_digit());
    if !looks_like_test {
        return None;
    }
    let rest = rest.trim();
    // `» NullPointer msg`; a console that lost its encoding writes `?`,
    // `▒` or `�` for `»`; older Surefire writes the short name alone.
    let arrow = rest
        .chars()
        .next()
        .filter(|c| !c.is_alphanumeric() && !"<([{\"'`-".contains(*c))
        .map(|c| rest[c.len_utf8()..].trim_start())
        .filter(|r| r.starts_with(|c: char| c.is_ascii_uppercase()));
    let bare = rest
        .split_whitespace()
        .next()
        .filter(|w| is_short_exception(w))
        .map(|_| rest);
    if let Some(err) = arrow.or(bare) {
        let err = err.trim();
        let (short, msg) = err.split_once(char::is_whitespace).unwrap_or((err, ""));
        let kind =
            if short.ends_with("Error") || short.ends_with("Exception") || short == "Throwable" {
                short.to_owned()
            } else {
                format!("{short}Exception")
            };
        return Some((kind, msg.trim().trim_end_matches("...").trim()));
    }
    rest.contains("expected")
        .then(|| ("AssertionError".to_owned(), rest))
}

/// The helpers a Surefire summary line names after its test
/// (`OrderTest.places:42->Checks.sameTotal:17 expected:…`), innermost first:
/// where the check that failed stands.
fn summary_helper_frames(t: &str) -> Vec<Frame> {
    let head = t.split(char::is_whitespace).next().unwrap_or("");
    let mut frames: Vec<Frame> = head
        .split("->")
        .skip(1)
        .filter_map(|step| {
            let (func, _) = step.rsplit_once(':').unwrap_or((step, ""));
            let (class, _) = func.rsplit_once('.')?;
            let simple = class.rsplit('.').next().unwrap_or(class);
            Some(Frame {
                in_app: in_app(func),
                function: func.to_owned(),
                file: format!("{simple}.java"),
            })
        })
        .collect();
    frames.reverse();
    frames
}

/// A short exception name as Surefire's summary writes it (`NullPointer`,
/// `IllegalState`, `IO`, `Timeout`): known ones, or any name ending like a type.
fn is_short_exception(w: &str) -> bool {
    const SHORT: &[&str] = &[
        "NullPointer",
        "IllegalState",
        "IllegalArgument",
        "Runtime",
        "IO",
        "ClassCast",
        "IndexOutOfBounds",
        "ArrayIndexOutOfBounds",
        "UnsupportedOperation",
        "Timeout",
        "ConcurrentModification",
        "NoSuchElement",
        "NumberFormat",
        "Arithmetic",
        "Interrupted",
        "Execution",
        "UncheckedIO",
        "Connect",
        "UnknownHost",
        "Socket",
        "SQL",
        "DataAccess",
    ];
    SHORT.contains(&w)
        || ((w.ends_with("Exception") || w.ends_with("Error"))
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'$'))
}

/// `[ERROR] `, `[INFO] `, `[junit] ` and similar prefixes build tools put before test output.
fn strip_build_prefix(line: &str) -> &str {
    let t = line.trim_start();
    for p in [
        "[ERROR] ",
        "[INFO] ",
        "[WARNING] ",
        "[WARN] ",
        "[junit] ",
        "[java] ",
        "Error: ",
        "Error:  ",
    ] {
        if let Some(rest) = t.strip_prefix(p) {
            return rest;
        }
    }
    line
}

/// Lines Maven Surefire, Ant and Gradle print around a failing test.
fn is_runner_line(t: &str) -> bool {
    t.starts_with("Running ")
        || t.starts_with("Tests run:")
        || t.starts_with("Testcase:")
        || t.starts_with("Testsuite:")
        || t.starts_with("-------")
        || t.starts_with("T E S T S")
        || t.starts_with("Results")
        || t.starts_with("Failed tests:")
        || t.starts_with("Tests in error:")
        || (t.contains("Time elapsed:") && (t.contains("<<<") || t.contains('(')))
        || t.ends_with("FAILED")
}

pub(super) fn parse(text: &str, type_hint: Option<&str>) -> Parsed {
    let mut p = Parsed::new(Language::Jvm);
    let mut chain: Vec<Link> = Vec::new();
    let mut in_suppressed = false;
    let mut seen_frame = false;
    for line in text.lines() {
        let line = strip_build_prefix(line);
        let mut t = line.trim();
        // Surefire's old summary puts the first failure on the header's line.
        for p in ["Failed tests:", "Tests in error:"] {
            if let Some(rest) = t.strip_prefix(p) {
                t = rest.trim();
            }
        }
        if chain.is_empty() && (t.is_empty() || is_runner_line(t)) {
            continue;
        }
        if let Some(f) = frame_of(line) {
            seen_frame = true;
            if !in_suppressed && let Some(link) = chain.last_mut() {
                link.frames.push(f);
            }
            continue;
        }
        if t.starts_with("... ") && t.ends_with(" more") {
            continue;
        }
        if let Some(rest) = t.strip_prefix("Caused by: ") {
            in_suppressed = false;
            let (kind, msg) = header(rest).unwrap_or_else(|| (String::new(), rest.to_owned()));
            chain.push(Link {
                kind,
                message: vec![msg],
                frames: Vec::new(),
            });
            seen_frame = false;
            continue;
        }
        if t.starts_with("Suppressed: ") {
            in_suppressed = true;
            continue;
        }
        if in_suppressed {
            continue;
        }
        match chain.last_mut() {
            None => {
                if t.is_empty() {
                    continue;
                }
                if let Some((kind, msg)) = surefire_summary(t).or_else(|| old_surefire_summary(t)) {
                    // A failed check stands in the helper the line names;
                    // an exception came from deeper than the test's helpers.
                    let frames = if kind == "AssertionError" {
                        summary_helper_frames(t)
                    } else {
                        Vec::new()
                    };
                    chain.push(Link {
                        kind,
                        message: vec![msg.to_owned()],
                        frames,
                    });
                    continue;
                }
                let (kind, msg) = header(t)
                    .or_else(|| type_hint.map(|h| (h.trim().to_owned(), t.to_owned())))
                    .unwrap_or_else(|| (String::new(), t.to_owned()));
                chain.push(Link {
                    kind,
                    message: vec![msg],
                    frames: Vec::new(),
                });
            }
            // Message lines continue until the first frame.
            Some(link) if !seen_frame => link.message.push(line.to_owned()),
            Some(_) => {}
        }
    }
    let Some(root) = chain.last() else {
        return p;
    };
    p.kind = simple_name(&root.kind).to_owned();
    p.message = root
        .message
        .iter()
        .map(|s| s.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned();
    if chain.len() > 1 && chain[0].kind != root.kind {
        p.outer = Some(simple_name(&chain[0].kind).to_owned());
    }
    // The root cause's own frames first; `... N more` means the rest are the
    // enclosing exception's, so fill from the chain outwards.
    p.frames = chain
        .iter()
        .rev()
        .flat_map(|l| l.frames.iter().cloned())
        .collect();
    p
}

/// Surefire 2's summary: `testPays(com.acme.PayTest): expected:<1> but was:<2>`.
fn old_surefire_summary(t: &str) -> Option<(String, &str)> {
    let (head, rest) = t.split_once("): ")?;
    let (method, class) = head.split_once('(')?;
    let ok = !method.is_empty()
        && (method == "<test>"
            || method
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$'))
        && is_class_name(class);
    if !ok {
        return None;
    }
    let rest = rest.trim();
    let kind = if rest.contains("expected") {
        "AssertionError"
    } else {
        "failure"
    };
    Some((kind.to_owned(), rest))
}

#[cfg(test)]
mod tests {
    /// What `in_app` means, said plainly.
    fn in_app_plainly(func: &str) -> bool {
        !super::NOT_IN_APP.iter().any(|p| func.starts_with(p))
            && !super::GENERATED.iter().any(|g| func.contains(g))
    }

    #[test]
    fn in_app_is_the_plain_prefix_and_marker_test() {
        let mut names = vec![
            String::new(),
            "com.acme.Order.total".into(),
            "comsun.x".into(),
            "java".into(),
            "Java.lang.X".into(),
            "com.acme.Foo$$Lambda$12/0x1.apply".into(),
            "com.acme.$Proxy12.call".into(),
            "com.acme.reflectx.Y".into(),
            "ünïcode.Ärger.f".into(),
        ];
        for p in super::NOT_IN_APP {
            names.push(format!("{p}Thing.run"));
            names.push(format!("x{p}Thing.run"));
            names.push(p.trim_end_matches('.').to_owned());
            names.push(format!("com.acme.{p}"));
        }
        for g in super::GENERATED {
            names.push(format!("com.acme.Foo{g}1.run"));
            names.push((*g).to_owned());
            names.push(g[1..].to_owned());
        }
        let mut checked = 0;
        for name in &names {
            assert_eq!(super::in_app(name), in_app_plainly(name), "{name:?}");
            checked += usize::from(!in_app_plainly(name));
        }
        assert!(
            checked > super::NOT_IN_APP.len(),
            "both answers are covered"
        );
    }
}
