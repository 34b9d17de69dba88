//! A deterministic generator of labelled failure texts for evaluating the
//! fingerprint and clustering: Rust, JVM, Python, Go, JavaScript/TypeScript
//! and C++ failures, each produced by a known root cause.
//!
//! Every cause fixes what identifies it (exception type, message words,
//! functions, files, the service it talks to); every occurrence varies what
//! does not (the test name and its file, line numbers, ports of ephemeral
//! servers, temp paths, ids, UUIDs, timestamps, durations, addresses, build
//! hashes, framework frame depth, and for some causes quoted values that no
//! parameterisation can recognise). Many causes share an exception type with
//! another cause ("hard pairs"). Shared by `tests/fingerprint_eval.rs` and
//! `benches/cluster.rs`; written for this project, not copied from anywhere.

#![allow(dead_code, reason = "each user of this module needs a different part")]

use std::collections::HashMap;

use failtale_core::model::{Attempt, Failure, FailureKind, TestCase, TestId, TestRun};

/// SplitMix64: small, fast, deterministic.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16)]))
            .collect()
    }
    pub fn uuid(&mut self) -> String {
        format!(
            "{}-{}-4{}-a{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(3),
            self.hex(3),
            self.hex(12)
        )
    }
    pub fn word(&mut self) -> String {
        let a = [
            "al", "be", "ka", "mo", "ri", "to", "zu", "ne", "sa", "fi", "lo", "da",
        ];
        (0..self.range(2, 4)).map(|_| self.pick(&a)).collect()
    }
}

const DOMAINS: &[&str] = &[
    "order",
    "invoice",
    "cart",
    "payment",
    "account",
    "shipment",
    "inventory",
    "catalog",
    "coupon",
    "refund",
    "ledger",
    "report",
    "profile",
    "token",
    "webhook",
    "tenant",
    "billing",
    "search",
    "upload",
    "export",
    "schedule",
    "notification",
    "audit",
    "pricing",
    "review",
    "subscription",
    "warehouse",
    "checkout",
    "address",
    "currency",
    "discount",
    "supplier",
    "carrier",
    "basket",
    "voucher",
    "receipt",
    "quota",
    "region",
    "locale",
    "badge",
];
const FIELDS: &[&str] = &[
    "total", "status", "owner", "currency", "quantity", "weight", "deadline", "label", "version",
    "balance", "priority", "email", "country", "tax", "score", "limit", "count", "name", "rate",
    "sku",
];
const VERBS: &[&str] = &[
    "load", "save", "parse", "validate", "apply", "compute", "render", "fetch", "sync", "resolve",
    "merge", "publish", "encode", "decode", "build", "close", "open", "refresh", "reserve",
    "cancel", "ship", "price",
];
const STATES: &[&str] = &[
    "PENDING",
    "PAID",
    "CANCELLED",
    "SHIPPED",
    "DRAFT",
    "ARCHIVED",
    "LOCKED",
    "EXPIRED",
];
const SERVICES: &[(&str, u16)] = &[
    ("postgres", 5432),
    ("redis", 6379),
    ("kafka", 9092),
    ("elasticsearch", 9200),
    ("rabbitmq", 5672),
    ("mysql", 3306),
    ("minio", 9000),
    ("vault", 8200),
    ("mongodb", 27017),
    ("memcached", 11211),
];

fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn camel(parts: &[&str]) -> String {
    parts.iter().map(|p| cap(p)).collect()
}

/// The things a cause fixes.
#[derive(Clone, Debug)]
struct Params {
    family: usize,
    dom: &'static str,
    dom2: &'static str,
    field: &'static str,
    verb: &'static str,
    state: &'static str,
    svc: (&'static str, u16),
    variant: usize,
    frames: usize,
    backtrace: bool,
}

/// One occurrence: the text and how a result file would carry it.
struct Rendered {
    body: String,
    r#type: Option<String>,
    kind: FailureKind,
    classname: Option<String>,
    test: String,
    file: String,
}

const FAMILIES: usize = 26;

/// A generated failure with its root-cause label.
pub struct Labelled {
    pub case: TestCase,
    pub cause: usize,
}

/// `causes` root causes, each occurring 1–50 times (most rarely, a few often).
pub fn generate(seed: u64, causes: usize) -> Vec<Labelled> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for (id, p) in draw_causes(&mut rng, causes).into_iter().enumerate() {
        let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        let count = 1 + (49.0 * u * u * u).round() as usize;
        for _ in 0..count {
            out.push(occurrence(&p, id, &mut rng));
        }
    }
    shuffle(&mut out, &mut rng);
    out
}

/// Exactly `n` failures over as many causes as it takes (1–50 occurrences each).
pub fn generate_failures(seed: u64, n: usize) -> Vec<Labelled> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(n);
    let causes = draw_causes(&mut rng, n / 8 + 1);
    let mut id = 0;
    while out.len() < n && id < causes.len() {
        let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        let count = (1 + (49.0 * u * u * u).round() as usize).min(n - out.len());
        for _ in 0..count {
            out.push(occurrence(&causes[id], id, &mut rng));
        }
        id += 1;
    }
    shuffle(&mut out, &mut rng);
    out
}

/// A run holding the cases, and their labels in run order.
pub fn into_run(items: Vec<Labelled>) -> (TestRun, Vec<usize>) {
    let mut run = TestRun::default();
    let labels = items.iter().map(|l| l.cause).collect();
    run.cases = items.into_iter().map(|l| l.case).collect();
    (run, labels)
}

fn shuffle<T>(xs: &mut [T], rng: &mut Rng) {
    for i in (1..xs.len()).rev() {
        xs.swap(i, rng.below(i + 1));
    }
}

fn draw_causes(rng: &mut Rng, n: usize) -> Vec<Params> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(n);
    let mut tries = 0;
    while out.len() < n && tries < n * 50 {
        tries += 1;
        let p = Params {
            family: rng.below(FAMILIES),
            dom: rng.pick(DOMAINS),
            dom2: rng.pick(DOMAINS),
            field: rng.pick(FIELDS),
            verb: rng.pick(VERBS),
            state: rng.pick(STATES),
            svc: rng.pick(SERVICES),
            variant: rng.below(4),
            frames: 1 + rng.below(3),
            backtrace: rng.chance(0.4),
        };
        if p.dom == p.dom2 {
            continue;
        }
        // Two causes that would read the same are one cause.
        let key = render(&p, &mut Rng::new(7)).body;
        if seen.insert(key) {
            out.push(p);
        }
    }
    out
}

fn occurrence(p: &Params, cause: usize, rng: &mut Rng) -> Labelled {
    let r = render(p, rng);
    let mut f = Failure::new(r.kind);
    let first = r.body.lines().next().unwrap_or("").to_owned();
    if r.r#type.is_some() {
        // JUnit writers put the first line in `message` and the whole text in the body.
        f.message = Some(first);
    }
    f.r#type = r.r#type;
    f.body = Some(r.body.into());
    let id = TestId::new(Vec::new().into(), r.classname, r.test);
    let mut case = TestCase::new(id, vec![Attempt::with_failures(vec![f])]);
    case.file = Some(r.file);
    Labelled { case, cause }
}

fn test_name(rng: &mut Rng, style: &str) -> String {
    let what = format!("{}_{}", rng.pick(VERBS), rng.pick(DOMAINS));
    let n = rng.range(1, 400);
    match style {
        "camel" => format!(
            "{}{}{n}",
            rng.pick(&["test", "should", "it"]),
            camel(&what.split('_').collect::<Vec<_>>())
        ),
        "go" => format!("Test{}{n}", camel(&what.split('_').collect::<Vec<_>>())),
        "js" => format!(
            "{} {} #{n}",
            what.replace('_', " "),
            rng.pick(&["works", "fails fast", "retries", "is cached"])
        ),
        _ => format!("test_{what}_{n}"),
    }
}

/// The test file: each cause shows up in several.
fn test_file(rng: &mut Rng, dir: &str, stem_style: &str, ext: &str) -> (String, String) {
    let d = rng.pick(DOMAINS);
    let stem = match stem_style {
        "java" => format!(
            "{}Test",
            camel(&[d, rng.pick(&["service", "api", "flow", "repo"])])
        ),
        "py" => format!("test_{d}"),
        "go" => format!("{d}_test"),
        "js" => format!("{d}.{}", rng.pick(&["test", "spec"])),
        "cc" => format!("{d}_test"),
        _ => format!("{d}_{}", rng.pick(&["it", "api", "flow"])),
    };
    (format!("{dir}/{stem}.{ext}"), stem)
}

fn tmp(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!("/tmp/.tmp{}", rng.hex(6)),
        1 => format!(
            "/tmp/pytest-of-ci/pytest-{}/test_{}0",
            rng.range(1, 90),
            rng.pick(DOMAINS)
        ),
        _ => format!("/var/folders/{}/T/{}", rng.hex(2), rng.hex(10)),
    }
}

fn ts(rng: &mut Rng) -> String {
    format!(
        "2025-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        rng.range(1, 12),
        rng.range(1, 28),
        rng.range(0, 23),
        rng.range(0, 59),
        rng.range(0, 59),
        rng.range(0, 999)
    )
}

fn java_framework_tail(rng: &mut Rng, test_class: &str, test_method: &str, file: &str) -> String {
    let mut s = format!(
        "\tat com.acme.{test_class}.{test_method}({file}:{})\n",
        rng.range(20, 300)
    );
    let tail = [
        "\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)\n",
        "\tat java.base/java.lang.reflect.Method.invoke(Method.java:580)\n",
        "\tat org.junit.platform.commons.util.ReflectionUtils.invokeMethod(ReflectionUtils.java:728)\n",
        "\tat org.junit.jupiter.engine.execution.MethodInvocation.proceed(MethodInvocation.java:60)\n",
        "\tat org.junit.jupiter.engine.execution.InvocationInterceptorChain$ValidatingInvocation.proceed(InvocationInterceptorChain.java:131)\n",
        "\tat org.junit.jupiter.engine.extension.TimeoutExtension.intercept(TimeoutExtension.java:156)\n",
    ];
    for line in tail.iter().take(1 + rng.below(tail.len())) {
        s.push_str(line);
    }
    s
}

fn render(p: &Params, rng: &mut Rng) -> Rendered {
    match p.family {
        0..=4 => rust(p, rng),
        5..=9 => jvm(p, rng),
        10..=14 => python(p, rng),
        15..=18 => go(p, rng),
        19..=22 => js(p, rng),
        _ => cpp(p, rng),
    }
}

fn rust(p: &Params, rng: &mut Rng) -> Rendered {
    let krate = "shopkeep";
    let module = p.dom;
    let func = format!("{}_{}", p.verb, p.dom2);
    let test = test_name(rng, "snake");
    let in_src_tests = p.variant.is_multiple_of(2);
    let (file, thread) = if in_src_tests {
        (
            format!("src/{module}.rs"),
            format!("{module}::tests::{test}"),
        )
    } else {
        let (f, _) = test_file(rng, "tests", "rs", "rs");
        (f, test.clone())
    };
    let line = rng.range(10, 900);
    let col = rng.range(5, 40);
    let (loc, msg) = match p.family {
        0 => {
            let (l, r) = match p.variant {
                0 | 1 => (rng.range(0, 500).to_string(), rng.range(0, 500).to_string()),
                2 => (
                    format!("\"{}\"", p.state.to_lowercase()),
                    format!("\"{}\"", p.dom2),
                ),
                _ => (format!("Some({})", rng.range(1, 99)), "None".to_owned()),
            };
            (
                file.clone(),
                format!(
                    "assertion `left {} right` failed: {} {} mismatch after {}\n  left: {l}\n right: {r}",
                    if p.variant == 3 { "!=" } else { "==" },
                    p.dom,
                    p.field,
                    p.verb
                ),
            )
        }
        1 => {
            let err = match p.variant {
                0 => format!(
                    "Os {{ code: 2, kind: NotFound, message: \"No such file or directory\" }} (opening {}/{}.json)",
                    tmp(rng),
                    p.dom
                ),
                1 => format!(
                    "Error(\"missing field `{}`\", line: {}, column: {})",
                    p.field,
                    rng.range(1, 80),
                    rng.range(1, 120)
                ),
                2 => format!(
                    "reqwest::Error {{ kind: Request, url: \"http://127.0.0.1:{}/{}/{}\", source: hyper::Error(Connect, ConnectError(\"tcp connect error\", Os {{ code: 111, kind: ConnectionRefused, message: \"Connection refused\" }})) }}",
                    rng.range(30000, 60000),
                    p.dom,
                    rng.range(1, 99999)
                ),
                _ => format!(
                    "ParseIntError {{ kind: InvalidDigit }} ({} {})",
                    p.dom, p.field
                ),
            };
            (
                format!("src/{}.rs", p.dom2),
                format!("called `Result::unwrap()` on an `Err` value: {err}"),
            )
        }
        2 => {
            let msg = match p.variant {
                0 | 1 => format!(
                    "index out of bounds: the len is {} but the index is {}",
                    rng.range(0, 9),
                    rng.range(10, 99)
                ),
                2 => format!(
                    "{} {} cache poisoned while {}ing {}",
                    p.dom,
                    p.field,
                    p.verb,
                    rng.uuid()
                ),
                _ => format!(
                    "attempt to subtract with overflow in {}::{}",
                    p.dom2, p.field
                ),
            };
            (format!("src/{}/{}.rs", p.dom2, p.verb), msg)
        }
        3 => (
            format!("src/{}/{}.rs", p.dom2, p.verb),
            "called `Option::unwrap()` on a `None` value".to_owned(),
        ),
        _ => (
            format!("src/{}.rs", p.dom2),
            format!(
                "{} {} for {} took {}ms, budget is {}ms",
                p.verb,
                p.dom,
                p.field,
                rng.range(300, 9000),
                250
            ),
        ),
    };
    let mut body = String::new();
    if rng.chance(0.3) {
        body.push_str(&format!(
            "[{} INFO  {krate}] starting {} on {}\n",
            ts(rng),
            p.dom,
            rng.range(1000, 9999)
        ));
    }
    body.push_str(&format!(
        "thread '{thread}' panicked at {loc}:{line}:{col}:\n{msg}\n"
    ));
    if p.backtrace {
        body.push_str("stack backtrace:\n   0: rust_begin_unwind\n             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/panicking.rs:665:5\n   1: core::panicking::panic_fmt\n             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/panicking.rs:74:14\n");
        let mut n = 2;
        let app = [
            format!("{krate}::{}::{func}", p.dom2),
            format!("{krate}::{}::{}", p.dom, p.verb),
            format!(
                "<{krate}::{}::{} as {krate}::Service>::call",
                p.dom,
                cap(p.dom2)
            ),
        ];
        for f in app.iter().take(p.frames) {
            body.push_str(&format!(
                "  {n:>2}: {f}::h{}\n             at ./src/{}.rs:{}:{}\n",
                rng.hex(16),
                p.dom2,
                rng.range(1, 500),
                rng.range(1, 40)
            ));
            n += 1;
        }
        body.push_str(&format!("  {n:>2}: {krate}::{module}::tests::{test}::h{}\n             at ./{file}:{line}:{col}\n  {:>2}: core::ops::function::FnOnce::call_once\n", rng.hex(16), n + 1));
    } else {
        body.push_str(
            "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
        );
    }
    Rendered {
        body,
        r#type: None,
        kind: FailureKind::Failure,
        classname: None,
        test: thread,
        file,
    }
}

fn jvm(p: &Params, rng: &mut Rng) -> Rendered {
    let kotlin = p.family == 9;
    let ext = if kotlin { "kt" } else { "java" };
    let pkg = p.dom;
    let class = camel(&[p.dom, "service"]);
    let class2 = camel(&[p.dom2, ["repository", "client"][p.field.len() % 2]]);
    let (tfile, tclass) = test_file(rng, "src/test", "java", ext);
    let tfile = tfile.rsplit('/').next().unwrap_or(&tfile).to_owned();
    let tmethod = test_name(rng, "camel");
    let app_frames = |rng: &mut Rng, n: usize| -> String {
        let frames = [
            format!(
                "\tat com.acme.{pkg}.{class2}.{}{}({class2}.{ext}:{})\n",
                p.verb,
                cap(p.field),
                rng.range(20, 400)
            ),
            format!(
                "\tat com.acme.{pkg}.{class}.{}({class}.{ext}:{})\n",
                p.verb,
                rng.range(20, 400)
            ),
            format!(
                "\tat com.acme.{pkg}.{class}$$Lambda/0x{}.apply(Unknown Source)\n\tat com.acme.{pkg}.{class}.handle({class}.{ext}:{})\n",
                rng.hex(12),
                rng.range(20, 400)
            ),
        ];
        frames.iter().take(n).cloned().collect()
    };
    let (r#type, head, kind) = match p.family {
        5 => (
            "java.lang.NullPointerException".to_owned(),
            format!(
                "Cannot invoke \"com.acme.{}.{}.get{}()\" because \"{}\" is null",
                p.dom2,
                cap(p.dom2),
                cap(p.field),
                p.dom2
            ),
            FailureKind::Error,
        ),
        6 => (
            "java.lang.IllegalStateException".to_owned(),
            match p.variant {
                0 | 1 => format!(
                    "Cannot {} {} {}: status is {}",
                    p.verb,
                    p.dom,
                    rng.uuid(),
                    p.state
                ),
                2 => format!(
                    "{} pool exhausted after {}ms (active={}, idle=0)",
                    cap(p.dom2),
                    rng.range(1000, 30000),
                    rng.range(8, 64)
                ),
                _ => format!(
                    "{} {} not initialised; call {}() first",
                    cap(p.dom),
                    p.field,
                    p.verb
                ),
            },
            FailureKind::Error,
        ),
        7 => (
            "org.opentest4j.AssertionFailedError".to_owned(),
            match p.variant {
                0 | 1 => format!(
                    "{} {} after {} ==> expected: <{}> but was: <{}>",
                    p.dom,
                    p.field,
                    p.verb,
                    p.state,
                    STATES[(p.state.len() + 1) % STATES.len()]
                ),
                2 => format!(
                    "{} count for {} ==> expected: <{}> but was: <{}>",
                    p.dom2,
                    p.dom,
                    rng.range(1, 20),
                    rng.range(21, 40)
                ),
                _ => format!(
                    "Expecting actual:\n  [\"{}-{}\", \"{}-{}\"]\nto contain:\n  [\"{}\"]\nbut could not find:\n  [\"{}\"]",
                    p.dom,
                    rng.range(1, 999),
                    p.dom,
                    rng.range(1, 999),
                    p.field,
                    p.field
                ),
            },
            FailureKind::Failure,
        ),
        8 => {
            let outer = [
                "org.springframework.dao.DataAccessResourceFailureException",
                "java.util.concurrent.CompletionException",
                "java.lang.RuntimeException",
            ][p.variant % 3];
            let (root, root_msg) = match p.variant {
                0 | 3 => (
                    "java.net.ConnectException".to_owned(),
                    format!("Connection refused: {}/{}:{}", p.svc.0, ip(rng), p.svc.1),
                ),
                1 => (
                    "org.postgresql.util.PSQLException".to_owned(),
                    format!(
                        "ERROR: relation \"{}_{}\" does not exist\n  Position: {}",
                        p.dom,
                        p.dom2,
                        rng.range(10, 300)
                    ),
                ),
                _ => (
                    "java.util.concurrent.TimeoutException".to_owned(),
                    format!(
                        "{} {} did not complete within {}ms",
                        p.dom2,
                        p.verb,
                        rng.range(1000, 5000)
                    ),
                ),
            };
            let mut body = format!(
                "{outer}: {}: {}\n",
                root,
                root_msg.lines().next().unwrap_or("")
            );
            body.push_str(&app_frames(rng, p.frames));
            body.push_str(&java_framework_tail(rng, &tclass, &tmethod, &tfile));
            body.push_str(&format!("Caused by: {root}: {root_msg}\n"));
            if root.contains("Connect") {
                body.push_str("\tat java.base/sun.nio.ch.Net.pollConnect(Native Method)\n\tat java.base/sun.nio.ch.NioSocketImpl.timedFinishConnect(NioSocketImpl.java:548)\n");
            }
            body.push_str(&format!(
                "\tat com.acme.{}.{}Client.connect({}Client.{ext}:{})\n\t... {} more\n",
                p.dom2,
                cap(p.svc.0),
                cap(p.svc.0),
                rng.range(30, 200),
                rng.range(8, 40)
            ));
            return Rendered {
                body,
                r#type: Some(outer.to_owned()),
                kind: FailureKind::Error,
                classname: Some(format!("com.acme.{tclass}")),
                test: tmethod,
                file: tfile,
            };
        }
        _ => (
            "kotlin.UninitializedPropertyAccessException".to_owned(),
            format!(
                "lateinit property {}{} has not been initialized",
                p.dom2,
                cap(p.field)
            ),
            FailureKind::Error,
        ),
    };
    let mut body = format!("{}: {head}\n", r#type);
    if p.family == 7 {
        body.push_str("\tat org.junit.jupiter.api.AssertionFailureBuilder.build(AssertionFailureBuilder.java:151)\n\tat org.junit.jupiter.api.AssertEquals.failNotEqual(AssertEquals.java:197)\n");
    } else {
        body.push_str(&app_frames(rng, p.frames));
    }
    body.push_str(&java_framework_tail(rng, &tclass, &tmethod, &tfile));
    Rendered {
        body,
        r#type: Some(r#type),
        kind,
        classname: Some(format!("com.acme.{tclass}")),
        test: tmethod,
        file: tfile,
    }
}

fn ip(rng: &mut Rng) -> String {
    format!(
        "10.{}.{}.{}",
        rng.range(0, 255),
        rng.range(0, 255),
        rng.range(1, 254)
    )
}

fn python(p: &Params, rng: &mut Rng) -> Rendered {
    let (tfile, stem) = test_file(rng, "tests", "py", "py");
    let test = test_name(rng, "snake");
    let classname = Some(format!("tests.{stem}"));
    let root = rng
        .pick(&["/home/ci/work/app", "/builds/acme/app", "/github/workspace"])
        .to_owned();
    let tb_frames = |rng: &mut Rng, n: usize, last_src: &str| -> String {
        let mut s = format!(
            "  File \"{root}/{tfile}\", line {}, in {test}\n    result = {}.{}()\n",
            rng.range(10, 300),
            p.dom,
            p.verb
        );
        let frames = [
            (format!("app/{}.py", p.dom), format!("{}_{}", p.verb, p.dom)),
            (
                format!("app/{}/service.py", p.dom2),
                format!("{}_{}", p.verb, p.field),
            ),
            (format!("app/{}/store.py", p.dom2), "get".to_owned()),
        ];
        for (f, func) in frames.iter().take(n) {
            s.push_str(&format!(
                "  File \"{root}/{f}\", line {}, in {func}\n    {last_src}\n",
                rng.range(5, 400)
            ));
        }
        s
    };
    let (r#type, body) = match p.family {
        10 => {
            // pytest assertion rewriting
            let (stmt, e) = match p.variant {
                0 | 1 => (
                    format!("assert {}.{} == {}", p.dom, p.field, rng.range(1, 500)),
                    format!(
                        "E       assert {} == {}\nE        +  where {} = <{} id={} {}={}>.{}",
                        rng.range(501, 999),
                        rng.range(1, 500),
                        rng.range(501, 999),
                        cap(p.dom),
                        rng.range(1, 99999),
                        p.field,
                        rng.range(1, 99),
                        p.field
                    ),
                ),
                2 => (
                    format!(
                        "assert resp.status_code == {}",
                        [200, 201, 204][p.state.len() % 3]
                    ),
                    format!(
                        "E       assert {} == 200\nE        +  where {} = <Response [{}]>.status_code",
                        [404, 500, 409, 503][p.dom.len() % 4],
                        [404, 500, 409, 503][p.dom.len() % 4],
                        [404, 500, 409, 503][p.dom.len() % 4]
                    ),
                ),
                _ => (
                    format!("assert \"{}\" in {}.{}", p.field, p.dom, p.dom2),
                    format!(
                        "E       AssertionError: assert '{}' in ['{}', '{}']\nE        +  where [...] = <{} at 0x{}>.{}",
                        p.field,
                        rng.word(),
                        rng.word(),
                        cap(p.dom),
                        rng.hex(12),
                        p.dom2
                    ),
                ),
            };
            let body = format!(
                "    def {test}({}_factory):\n        {} = {}_factory()\n>       {stmt}\n{e}\n\n{tfile}:{}: AssertionError",
                p.dom,
                p.dom,
                p.dom,
                rng.range(10, 300)
            );
            ("AssertionError", body)
        }
        11 => (
            "KeyError",
            format!(
                "Traceback (most recent call last):\n{}KeyError: '{}_{}'",
                tb_frames(
                    rng,
                    p.frames,
                    &format!("return self._data[\"{}_{}\"]", p.dom2, p.field)
                ),
                p.dom2,
                p.field
            ),
        ),
        12 => {
            let port = p.svc.1;
            (
                "requests.exceptions.ConnectionError",
                format!(
                    "Traceback (most recent call last):\n{}  File \"{root}/.venv/lib/python3.12/site-packages/requests/adapters.py\", line 700, in send\n    raise ConnectionError(e, request=request)\nrequests.exceptions.ConnectionError: HTTPConnectionPool(host='{}', port={port}): Max retries exceeded with url: /{}/{} (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x{}>: Failed to establish a new connection: [Errno 111] Connection refused'))",
                    tb_frames(rng, p.frames, "return self.session.get(url)"),
                    p.svc.0,
                    p.dom,
                    rng.range(1, 99999),
                    rng.hex(12)
                ),
            )
        }
        13 => {
            let (t, m) = match p.variant {
                0 | 1 => (
                    "ValueError",
                    format!("invalid literal for int() with base 10: '{}'", rng.word()),
                ),
                2 => (
                    "AttributeError",
                    format!("'NoneType' object has no attribute '{}'", p.field),
                ),
                _ => (
                    "TypeError",
                    format!(
                        "{}_{}() missing 1 required positional argument: '{}'",
                        p.verb, p.dom, p.field
                    ),
                ),
            };
            (
                t,
                format!(
                    "Traceback (most recent call last):\n{}{t}: {m}",
                    tb_frames(
                        rng,
                        p.frames,
                        &format!("value = parse({}.{})", p.dom, p.field)
                    )
                ),
            )
        }
        _ => (
            "TimeoutError",
            format!(
                "Traceback (most recent call last):\n{}TimeoutError: {} {} did not finish within {}s (job {})",
                tb_frames(rng, p.frames, "await asyncio.wait_for(task, timeout)"),
                p.dom2,
                p.verb,
                rng.range(5, 60),
                rng.uuid()
            ),
        ),
    };
    let kind = if r#type == "AssertionError" {
        FailureKind::Failure
    } else {
        FailureKind::Error
    };
    Rendered {
        body,
        r#type: Some(r#type.to_owned()),
        kind,
        classname,
        test,
        file: tfile,
    }
}

fn go(p: &Params, rng: &mut Rng) -> Rendered {
    let (tfile, _) = test_file(rng, "internal", "go", "go");
    let base = tfile.rsplit('/').next().unwrap_or(&tfile).to_owned();
    let test = test_name(rng, "go");
    let line = rng.range(10, 400);
    let body = match p.family {
        15 => match p.variant {
            0 | 1 => format!(
                "=== RUN   {test}\n    {base}:{line}: {}{}({:?}) = {}, want {}\n--- FAIL: {test} ({}.{:02}s)",
                cap(p.verb),
                cap(p.dom),
                format!("{}-{}", p.field, rng.range(1, 999)),
                rng.range(0, 99),
                rng.range(100, 199),
                rng.range(0, 3),
                rng.range(0, 99)
            ),
            _ => format!(
                "=== RUN   {test}\n    {base}:{line}: {} {}: unexpected error: {} {} is {}\n--- FAIL: {test} ({}.{:02}s)",
                p.verb,
                p.dom,
                p.dom2,
                p.field,
                p.state.to_lowercase(),
                rng.range(0, 3),
                rng.range(0, 99)
            ),
        },
        16 => format!(
            "=== RUN   {test}\n    {base}:{line}: \n        \tError Trace:\t/home/ci/go/src/github.com/acme/shop/{tfile}:{line}\n        \tError:      \tNot equal: \n        \t            \texpected: {}\n        \t            \tactual  : {}\n        \tTest:       \t{test}\n        \tMessages:   \t{} {} after {}\n--- FAIL: {test} ({}.{:02}s)",
            rng.range(0, 50),
            rng.range(51, 99),
            p.dom,
            p.field,
            p.verb,
            rng.range(0, 3),
            rng.range(0, 99)
        ),
        17 => {
            let mut s = format!(
                "=== RUN   {test}\n--- FAIL: {test} ({}.{:02}s)\npanic: runtime error: invalid memory address or nil pointer dereference [recovered]\n\tpanic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x{:x} pc=0x{}]\n\ngoroutine {} [running]:\ntesting.tRunner.func1.2({{0x{}, 0x{}}})\n\t/usr/local/go/src/testing/testing.go:1545 +0x238\npanic({{0x{}?, 0x{}?}})\n\t/usr/local/go/src/runtime/panic.go:914 +0x21f\n",
                rng.range(0, 3),
                rng.range(0, 99),
                rng.range(0, 0x40),
                rng.hex(6),
                rng.range(5, 90),
                rng.hex(6),
                rng.hex(6),
                rng.hex(6),
                rng.hex(6)
            );
            let frames = [
                format!(
                    "github.com/acme/shop/internal/{}.(*{}).{}(0x0)\n\t/home/ci/shop/internal/{}/{}.go:{} +0x{}\n",
                    p.dom,
                    cap(p.dom),
                    cap(p.verb),
                    p.dom,
                    p.dom,
                    rng.range(10, 300),
                    rng.hex(2)
                ),
                format!(
                    "github.com/acme/shop/internal/{}.{}{}(...)\n\t/home/ci/shop/internal/{}/{}.go:{}\n",
                    p.dom2,
                    cap(p.verb),
                    cap(p.field),
                    p.dom2,
                    p.field,
                    rng.range(10, 300)
                ),
            ];
            for f in frames.iter().take(p.frames.min(2)) {
                s.push_str(f);
            }
            s.push_str(&format!("github.com/acme/shop/{}.{test}(0xc000{})\n\t/home/ci/shop/{tfile}:{line} +0x{}\ntesting.tRunner(0xc000{}, 0x{})\n\t/usr/local/go/src/testing/testing.go:1595 +0xff", tfile.rsplit_once('/').map_or("", |(d, _)| d).rsplit('/').next().unwrap_or(""), rng.hex(6), rng.hex(2), rng.hex(6), rng.hex(6)));
            s
        }
        _ => format!(
            "=== RUN   {test}\n    {base}:{line}: {} unavailable: dial tcp 127.0.0.1:{}: connect: connection refused\n--- FAIL: {test} ({}.{:02}s)",
            p.svc.0,
            p.svc.1,
            rng.range(0, 3),
            rng.range(0, 99)
        ),
    };
    Rendered {
        body,
        r#type: None,
        kind: FailureKind::Failure,
        classname: Some(format!("github.com/acme/shop/internal/{}", p.dom)),
        test,
        file: tfile,
    }
}

fn js(p: &Params, rng: &mut Rng) -> Rendered {
    let (tfile, _) = test_file(
        rng,
        "src/__tests__",
        "js",
        if p.variant.is_multiple_of(2) {
            "ts"
        } else {
            "js"
        },
    );
    let test = test_name(rng, "js");
    let root = rng
        .pick(&["/home/runner/work/shop/shop", "/builds/acme/shop", "/app"])
        .to_owned();
    let app = |rng: &mut Rng, n: usize| -> String {
        let frames = [
            format!(
                "    at {}{} ({root}/src/{}/{}.ts:{}:{})\n",
                p.verb,
                cap(p.dom),
                p.dom,
                p.verb,
                rng.range(1, 300),
                rng.range(1, 60)
            ),
            format!(
                "    at {}.{} ({root}/src/{}/index.ts:{}:{})\n",
                cap(p.dom2),
                p.field,
                p.dom2,
                rng.range(1, 300),
                rng.range(1, 60)
            ),
            format!(
                "    at async {}Handler ({root}/src/handlers/{}.ts:{}:{})\n",
                p.dom,
                p.dom2,
                rng.range(1, 300),
                rng.range(1, 60)
            ),
        ];
        frames.iter().take(n).cloned().collect()
    };
    let test_frame = format!(
        "    at Object.<anonymous> ({root}/{tfile}:{}:{})\n",
        rng.range(5, 200),
        rng.range(3, 40)
    );
    let runner = "    at Promise.then.completed (/app/node_modules/jest-circus/build/utils.js:298:28)\n    at new Promise (<anonymous>)\n    at callAsyncCircusFn (/app/node_modules/jest-circus/build/utils.js:231:10)\n";
    let (r#type, body) = match p.family {
        19 => {
            let (matcher, diff) = match p.variant {
                0 | 1 => (
                    "toBe(expected) // Object.is equality",
                    format!(
                        "Expected: {}\nReceived: {}",
                        rng.range(1, 500),
                        rng.range(501, 999)
                    ),
                ),
                2 => (
                    "toEqual(expected) // deep equality",
                    format!(
                        "- Expected  - 1\n+ Received  + 1\n\n  Object {{\n-   \"{}\": \"{}\",\n+   \"{}\": \"{}\",\n    \"id\": \"{}\",\n  }}",
                        p.field,
                        p.state.to_lowercase(),
                        p.field,
                        STATES[(p.dom.len()) % STATES.len()].to_lowercase(),
                        rng.uuid()
                    ),
                ),
                _ => (
                    "toHaveBeenCalledTimes(expected)",
                    format!(
                        "Expected number of calls: {}\nReceived number of calls: {}",
                        1,
                        rng.range(2, 9)
                    ),
                ),
            };
            (
                "Error",
                format!(
                    "Error: expect(received).{matcher}\n\n{diff}\n\n{}{test_frame}{runner}",
                    app(rng, p.frames.min(1))
                ),
            )
        }
        20 => (
            "TypeError",
            format!(
                "TypeError: Cannot read properties of undefined (reading '{}')\n{}{test_frame}{runner}",
                p.field,
                app(rng, p.frames)
            ),
        ),
        21 => (
            "Error",
            format!(
                "Error: connect ECONNREFUSED 127.0.0.1:{}\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1595:16)\n{}{test_frame}",
                p.svc.1,
                app(rng, p.frames)
            ),
        ),
        _ => (
            "AssertionError",
            format!(
                "AssertionError [ERR_ASSERTION]: {} {} should be {} after {}\n\n{} !== {}\n\n{}{}    at process.processImmediate (node:internal/timers:476:21)\n",
                p.dom,
                p.field,
                p.state.to_lowercase(),
                p.verb,
                rng.range(1, 99),
                rng.range(100, 199),
                app(rng, p.frames.min(1)),
                test_frame.replace("Object.<anonymous>", "Context.<anonymous>")
            ),
        ),
    };
    Rendered {
        body,
        r#type: Some(r#type.to_owned()),
        kind: FailureKind::Failure,
        classname: Some(tfile.clone()),
        test,
        file: tfile,
    }
}

fn cpp(p: &Params, rng: &mut Rng) -> Rendered {
    let (tfile, _) = test_file(rng, "tests", "cc", "cc");
    let suite = camel(&[p.dom, "test"]);
    let test = test_name(rng, "camel");
    let class = camel(&[p.dom]);
    let (body, r#type) = match p.family {
        23 => (
            match p.variant {
                0 | 1 => format!(
                    "/home/ci/src/{tfile}:{}: Failure\nExpected equality of these values:\n  {}.{}()\n    Which is: {}\n  {}\n",
                    rng.range(10, 400),
                    p.dom,
                    p.field,
                    rng.range(1, 999),
                    rng.range(1000, 1999)
                ),
                _ => format!(
                    "{tfile}:{}\nValue of: {}.is_{}()\n  Actual: false\nExpected: true\n",
                    rng.range(10, 400),
                    p.dom2,
                    p.state.to_lowercase()
                ),
            },
            "",
        ),
        24 => {
            let what = [
                "heap-use-after-free",
                "heap-buffer-overflow",
                "stack-use-after-return",
                "heap-use-after-free",
            ][p.variant];
            let mut s = format!(
                "=================================================================\n=={}==ERROR: AddressSanitizer: {what} on address 0x{} at pc 0x{} bp 0x{} sp 0x{}\n{} of size {} at 0x{} thread T0\n",
                rng.range(1000, 99999),
                rng.hex(12),
                rng.hex(12),
                rng.hex(12),
                rng.hex(12),
                if p.variant.is_multiple_of(2) {
                    "READ"
                } else {
                    "WRITE"
                },
                [1, 4, 8][p.state.len() % 3],
                rng.hex(12)
            );
            let frames = [
                format!("{class}::{}(unsigned long)", p.verb),
                format!("{}::{}()", camel(&[p.dom2]), p.field),
                format!("{}Pool::release()", camel(&[p.dom2])),
            ];
            for (n, f) in frames.iter().take(p.frames).enumerate() {
                s.push_str(&format!(
                    "    #{n} 0x{} in {f} /home/ci/src/{}/{}.cc:{}:{}\n",
                    rng.hex(12),
                    p.dom,
                    p.dom,
                    rng.range(1, 500),
                    rng.range(1, 40)
                ));
            }
            s.push_str(&format!("    #{} 0x{} in {suite}_{test}_Test::TestBody() /home/ci/src/{tfile}:{}:{}\n    #{} 0x{} in __libc_start_main /build/glibc-{}/csu/libc-start.c:308:16\n", p.frames, rng.hex(12), rng.range(1, 300), rng.range(1, 30), p.frames + 1, rng.hex(12), rng.hex(6)));
            (s, "")
        }
        _ => match p.variant {
            0 | 1 => (
                format!(
                    "[ RUN      ] {suite}.{test}\nterminate called after throwing an instance of 'std::runtime_error'\n  what():  {} {} failed: {} not found (request {})\n",
                    p.dom,
                    p.verb,
                    p.dom2,
                    rng.range(1, 99999)
                ),
                "",
            ),
            _ => {
                let mut s = format!(
                    "[ RUN      ] {suite}.{test}\nProgram received signal SIGSEGV, Segmentation fault.\n"
                );
                s.push_str(&format!(
                    "#0  0x{} in {class}::{} (this=0x0) at /home/ci/src/{}/{}.cc:{}\n",
                    rng.hex(12),
                    p.verb,
                    p.dom,
                    p.dom,
                    rng.range(1, 500)
                ));
                if p.frames > 1 {
                    s.push_str(&format!(
                        "#1  0x{} in {}::{} (this=0x{}) at /home/ci/src/{}/{}.cc:{}\n",
                        rng.hex(12),
                        camel(&[p.dom2]),
                        p.field,
                        rng.hex(12),
                        p.dom2,
                        p.dom2,
                        rng.range(1, 500)
                    ));
                }
                (s, "")
            }
        },
    };
    let _ = r#type;
    Rendered {
        body,
        r#type: None,
        kind: FailureKind::Failure,
        classname: Some(suite),
        test,
        file: tfile,
    }
}

/// The adjusted Rand index of two labelings of the same items.
pub fn adjusted_rand_index(truth: &[usize], predicted: &[usize]) -> f64 {
    assert_eq!(truth.len(), predicted.len());
    let n = truth.len() as f64;
    let c2 = |x: f64| x * (x - 1.0) / 2.0;
    let mut cells: HashMap<(usize, usize), f64> = HashMap::new();
    let mut rows: HashMap<usize, f64> = HashMap::new();
    let mut cols: HashMap<usize, f64> = HashMap::new();
    for (&t, &p) in truth.iter().zip(predicted) {
        *cells.entry((t, p)).or_default() += 1.0;
        *rows.entry(t).or_default() += 1.0;
        *cols.entry(p).or_default() += 1.0;
    }
    let index: f64 = cells.values().map(|&v| c2(v)).sum();
    let a: f64 = rows.values().map(|&v| c2(v)).sum();
    let b: f64 = cols.values().map(|&v| c2(v)).sum();
    let expected = a * b / c2(n);
    let max = (a + b) / 2.0;
    if (max - expected).abs() < f64::EPSILON {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

/// The baseline the evaluation and the benchmark compare with: exception
/// type (else the text before the first `:`) plus the first line of the
/// message, verbatim, grouped exactly.
pub fn baseline(run: &TestRun) -> Vec<usize> {
    let mut keys: HashMap<String, usize> = HashMap::new();
    run.cases
        .iter()
        .map(|c| {
            let f = c.primary_failure().expect("generated cases fail");
            let text = f.message.clone().unwrap_or_else(|| f.full_text());
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim();
            let ty = f
                .r#type
                .clone()
                .unwrap_or_else(|| first.split(':').next().unwrap_or("").to_owned());
            let n = keys.len();
            *keys.entry(format!("{ty}\u{0}{first}")).or_insert(n)
        })
        .collect()
}
