//! The command users run, end to end, beside the physical floor.
//!
//! For each generated input, in the same run:
//! - **floor**: read the input file and write as many bytes as the command
//!   wrote (its report.json, report.html, summary.md, junit.xml) with a plain
//!   copy loop — what any tool that reads the input and writes those outputs
//!   must pay;
//! - **parse**: the bare parser loop over the input (quick-xml events counting
//!   `<testcase>`, or serde_json over each libtest line), no model built;
//! - **command**: `cargo-failtale analyze --offline --no-history --out DIR
//!   INPUT` (the release binary: reading, sanitizing, clustering, analysis,
//!   every output written), its wall time and peak RSS (`/usr/bin/time`).
//!
//! Inputs (generated, deterministic): a 100 MB JUnit file (≈188k tests, 5 %
//! failing with stack traces and logs, ≈400 causes), a 100 MB libtest JSON
//! stream, and 100,000 failures of ≈1,000 causes. `FAILTALE_BENCH_BIG=1` adds
//! a 1 GB JUnit file (2M tests). `FAILTALE_BENCH_ONLY=junit,libtest,…` picks
//! cases; `FAILTALE_BENCH_DIR=DIR` keeps the generated inputs in DIR.
//!
//! `FAILTALE_BENCH_BASELINE=BINARY` also times an older `cargo-failtale`
//! on the same inputs (the last column). A second table shows, for each
//! input, one more run's `--timings`: how long reading, sanitize, cluster,
//! analyze and the outputs took.
//!
//! `cargo bench -p cargo-failtale --bench command`

#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports its figures on stdout"
)]

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-failtale");
const MIB: f64 = 1024.0 * 1024.0;

const WORDS: &[&str] = &[
    "ledger", "invoice", "session", "cache", "parser", "router", "quota", "tenant", "upload",
    "billing", "search", "schema", "token", "queue", "mailer", "render", "export", "import",
    "payment", "profile",
];

/// A root cause's name, made of words: numbers are masked by fingerprints,
/// so causes told apart only by a number would be one cause.
fn cause_name(cause: u64) -> String {
    let n = WORDS.len() as u64;
    format!(
        "{}_{}_{}",
        WORDS[(cause % n) as usize],
        WORDS[(cause / n % n) as usize],
        WORDS[(cause / n / n % n) as usize]
    )
}

/// A cheap deterministic hash for picking causes.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x
}

const EXCEPTIONS: &[&str] = &[
    "java.lang.IllegalStateException",
    "java.lang.NullPointerException",
    "org.opentest4j.AssertionFailedError",
    "java.net.ConnectException",
    "java.util.concurrent.TimeoutException",
    "java.io.FileNotFoundException",
];

/// Writes a JUnit file of about `target` bytes: suites of 200 tests, one in
/// `fail_every` failing with one of `causes` root causes (a stack trace of
/// `frames` frames and `log_lines` lines of output), some passing tests with
/// output, each suite with a log.
fn junit(
    path: &Path,
    target: u64,
    max_tests: u64,
    fail_every: u64,
    causes: u64,
    frames: u32,
    log_lines: u32,
) -> u64 {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    let mut written = 0u64;
    let mut s = String::with_capacity(1 << 20);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"bench\">\n");
    let (mut n, mut suite, mut tests) = (0u64, 0u64, 0u64);
    while written < target && tests < max_tests {
        suite += 1;
        let _ = writeln!(
            s,
            "  <testsuite name=\"com.example.module{suite}.ServiceTest\" tests=\"200\" timestamp=\"2026-11-20T09:00:00\" hostname=\"ci\">"
        );
        s.push_str("    <properties><property name=\"java.version\" value=\"17\"/></properties>\n");
        for _ in 0..200 {
            n += 1;
            tests += 1;
            let _ = write!(
                s,
                "    <testcase classname=\"com.example.module{suite}.ServiceTest\" name=\"test_case_{n}\" time=\"0.{:03}\"",
                n % 1000
            );
            if n.is_multiple_of(fail_every) {
                let cause = mix(n) % causes;
                let ex = EXCEPTIONS[(cause % EXCEPTIONS.len() as u64) as usize];
                let what = cause_name(cause);
                let _ = writeln!(
                    s,
                    ">\n      <failure message=\"{what} rejected value {n}\" type=\"{ex}\">{ex}: {what} rejected value {n}"
                );
                for f in 0..frames {
                    let _ = writeln!(
                        s,
                        "\tat com.example.{what}.Component{}.step{f}(Component.java:{})",
                        f % 3,
                        100 + f
                    );
                }
                let _ = writeln!(
                    s,
                    "\tat com.example.module{suite}.ServiceTest.test_case_{n}(ServiceTest.java:42)"
                );
                s.push_str("      </failure>\n      <system-out><![CDATA[");
                for l in 0..log_lines {
                    let _ = writeln!(
                        s,
                        "2026-11-20 09:00:{:02} INFO request {l} handled in {}ms by worker-{}",
                        l % 60,
                        l * 3,
                        l % 8
                    );
                }
                s.push_str("]]></system-out>\n    </testcase>\n");
            } else if n.is_multiple_of(7) {
                s.push_str("><system-out>connecting to db; migrations applied; 3 rows inserted</system-out></testcase>\n");
            } else {
                s.push_str("/>\n");
            }
        }
        s.push_str("    <system-out><![CDATA[");
        for l in 0..600 {
            let _ = writeln!(
                s,
                "[suite {suite}] log line {l}: the quick brown fox jumps over the lazy dog while the build runs"
            );
        }
        s.push_str("]]></system-out>\n  </testsuite>\n");
        written += s.len() as u64;
        w.write_all(s.as_bytes()).unwrap();
        s.clear();
    }
    w.write_all(b"</testsuites>\n").unwrap();
    w.flush().unwrap();
    tests
}

/// Writes a libtest JSON stream (`--format json`) of about `target` bytes,
/// one test in 20 failing with one of 300 panics.
fn libtest(path: &Path, target: u64) -> u64 {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    let mut written = 0u64;
    let mut n = 0u64;
    let mut s = String::with_capacity(1 << 16);
    while written < target {
        let _ = writeln!(
            s,
            "{{ \"type\": \"suite\", \"event\": \"started\", \"test_count\": 500 }}"
        );
        let (mut passed, mut failed) = (0, 0);
        for _ in 0..500 {
            n += 1;
            let name = format!("module{}::tests::case_{n}", n % 97);
            let _ = writeln!(
                s,
                "{{ \"type\": \"test\", \"event\": \"started\", \"name\": \"{name}\" }}"
            );
            if n.is_multiple_of(20) {
                failed += 1;
                let cause = mix(n) % 300;
                let what = cause_name(cause);
                let _ = writeln!(
                    s,
                    "{{ \"type\": \"test\", \"name\": \"{name}\", \"event\": \"failed\", \"exec_time\": 0.004, \"stdout\": \"log: starting case {n}\\nlog: loaded fixture {}\\nthread '{name}' panicked at src/{what}.rs:{}:9:\\nassertion `left == right` failed: {what} total\\n  left: {n}\\n right: {}\\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\\n\" }}",
                    n % 13,
                    10 + cause % 50,
                    n + 1
                );
            } else {
                passed += 1;
                let _ = writeln!(
                    s,
                    "{{ \"type\": \"test\", \"name\": \"{name}\", \"event\": \"ok\", \"exec_time\": 0.001 }}"
                );
            }
        }
        let _ = writeln!(
            s,
            "{{ \"type\": \"suite\", \"event\": \"failed\", \"passed\": {passed}, \"failed\": {failed}, \"ignored\": 0, \"measured\": 0, \"filtered_out\": 0, \"exec_time\": 1.5 }}"
        );
        written += s.len() as u64;
        w.write_all(s.as_bytes()).unwrap();
        s.clear();
    }
    w.flush().unwrap();
    n
}

/// The bare parser loops: no model, no copies kept.
fn parse_floor(path: &Path, json: bool) -> (f64, u64) {
    let start = Instant::now();
    let mut count = 0u64;
    if json {
        use std::io::BufRead;
        let r = std::io::BufReader::with_capacity(1 << 20, File::open(path).unwrap());
        for line in r.lines() {
            let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            count += u64::from(v.get("type").and_then(|t| t.as_str()) == Some("test"));
        }
    } else {
        let mut r = quick_xml::Reader::from_reader(std::io::BufReader::with_capacity(
            1 << 20,
            File::open(path).unwrap(),
        ));
        let mut buf = Vec::new();
        loop {
            match r.read_event_into(&mut buf).unwrap() {
                quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)
                    if e.name().as_ref() == b"testcase" =>
                {
                    count += 1
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
    }
    (start.elapsed().as_secs_f64(), count)
}

/// Reading the input and writing `out_bytes` bytes with a plain copy loop.
fn io_floor(path: &Path, out_bytes: u64, dir: &Path) -> f64 {
    let start = Instant::now();
    let mut f = File::open(path).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut sum = 0u64;
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        sum = sum.wrapping_add(u64::from(buf[n / 2]));
    }
    std::hint::black_box(sum);
    let mut w = File::create(dir.join("floor.out")).unwrap();
    let mut left = out_bytes;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        w.write_all(&buf[..n]).unwrap();
        left -= n as u64;
    }
    w.sync_data().ok();
    drop(w);
    std::fs::remove_file(dir.join("floor.out")).unwrap();
    start.elapsed().as_secs_f64()
}

struct Measured {
    secs: f64,
    rss_mib: f64,
    out_bytes: u64,
    clusters: usize,
}

/// The command timed: `cargo-failtale failtale analyze`, offline, without
/// history, printing only the summary line (then `--out DIR INPUT`).
const ANALYZE: [&str; 5] = [
    "failtale",
    "analyze",
    "--offline",
    "--no-history",
    "--quiet",
];

/// Where the command's time goes: its `--timings` line (`read 0.25 s,
/// sanitize 0.15 s, …`), from one more run of the current binary.
fn stage_times(input: &Path, out: &Path) -> String {
    let _ = std::fs::remove_dir_all(out);
    let o = Command::new(BIN)
        .args(ANALYZE)
        .args(["--timings", "--out"])
        .arg(out)
        .arg(input)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "cargo-failtale analyze --timings {}",
        input.display()
    );
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("timings: "))
        .unwrap_or_else(|| panic!("no timings line in {}", String::from_utf8_lossy(&o.stderr)))
        .to_owned()
}

/// Runs the command under `/usr/bin/time` (wall time and peak RSS).
fn command(bin: &Path, input: &Path, out: &Path) -> Measured {
    let _ = std::fs::remove_dir_all(out);
    let time_out = out.with_extension("time");
    assert!(
        Path::new("/usr/bin/time").exists(),
        "the command benchmark reads peak memory with /usr/bin/time: install it (Debian: apt-get install time)"
    );
    let start = Instant::now();
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%e %M")
        .arg("-o")
        .arg(&time_out)
        .arg(bin)
        .args(ANALYZE)
        .arg("--out")
        .arg(out)
        .arg(input)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert!(
        status.success(),
        "cargo-failtale analyze {}: {status}",
        input.display()
    );
    let t = std::fs::read_to_string(&time_out).unwrap();
    let rss_kib: f64 = t
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("cannot read /usr/bin/time's output: {t}"));
    let mut out_bytes = 0;
    for e in std::fs::read_dir(out).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            out_bytes += e.metadata().unwrap().len();
        }
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let clusters = report["clusters"].as_array().map_or(0, Vec::len);
    Measured {
        secs,
        rss_mib: rss_kib / 1024.0,
        out_bytes,
        clusters,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs it with no
    // argument to check it builds: generate nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let only = std::env::var("FAILTALE_BENCH_ONLY").ok();
    let wanted = |name: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|x| x == name))
    };
    // FAILTALE_BENCH_DIR keeps the generated inputs there (to profile them).
    let tmp = tempfile::tempdir().unwrap();
    let kept = std::env::var_os("FAILTALE_BENCH_DIR").map(PathBuf::from);
    let dir = kept.as_deref().unwrap_or(tmp.path());
    std::fs::create_dir_all(dir).unwrap();
    // FAILTALE_BENCH_BASELINE=BINARY runs an older cargo-failtale on the
    // same inputs in the same run, for before/after figures.
    let baseline = std::env::var_os("FAILTALE_BENCH_BASELINE").map(PathBuf::from);
    let mut cases: Vec<(&str, PathBuf, bool, u64)> = Vec::new();
    if wanted("junit") {
        let p = dir.join("junit-100mb.xml");
        let tests = junit(&p, 100 << 20, u64::MAX, 20, 400, 30, 40);
        cases.push(("100 MB JUnit", p, false, tests));
    }
    if wanted("libtest") {
        let p = dir.join("libtest-100mb.json");
        let tests = libtest(&p, 100 << 20);
        cases.push(("100 MB libtest JSON", p, true, tests));
    }
    if wanted("failures") {
        // Every test fails, ≈1,000 causes, short traces and no output.
        let p = dir.join("failures-100k.xml");
        let tests = junit(&p, u64::MAX, 100_000, 1, 1000, 5, 0);
        cases.push(("100,000 failures", p, false, tests));
    }
    if std::env::var_os("FAILTALE_BENCH_BIG").is_some() && wanted("big") {
        let p = dir.join("junit-1gb.xml");
        let tests = junit(&p, 1 << 30, u64::MAX, 20, 400, 30, 40);
        cases.push(("1 GB JUnit", p, false, tests));
    }
    println!(
        "| input | size | tests | floor: read + write outputs | bare parse | command | × floor | peak RSS | outputs | clusters | baseline command |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut stages = Vec::new();
    for (name, input, json, tests) in &cases {
        let size = std::fs::metadata(input).unwrap().len();
        let out = dir.join("out");
        // Warm the page cache once, then take the best of three.
        let best = |bin: &Path| {
            let _ = command(bin, input, &out);
            (0..3)
                .map(|_| command(bin, input, &out))
                .min_by(|a, b| a.secs.total_cmp(&b.secs))
                .unwrap()
        };
        let m = best(Path::new(BIN));
        let base = baseline.as_deref().map(best);
        let floor = (0..3)
            .map(|_| io_floor(input, m.out_bytes, dir))
            .fold(f64::MAX, f64::min);
        let (parse, counted) = parse_floor(input, *json);
        if !*json {
            assert_eq!(counted, *tests, "the bare parser counts every test");
        }
        let base = base.map_or_else(
            || "–".to_owned(),
            |b| format!("{:.2} s, {:.0} MiB", b.secs, b.rss_mib),
        );
        println!(
            "| {name} | {:.0} MB | {tests} | {floor:.2} s | {parse:.2} s | {:.2} s | {:.1} | {:.0} MiB | {:.0} MB | {} | {base} |",
            size as f64 / MIB,
            m.secs,
            m.secs / floor,
            m.rss_mib,
            m.out_bytes as f64 / MIB,
            m.clusters
        );
        stages.push((name, stage_times(input, &out)));
    }
    println!("\n| input | where the command's time goes (one more run, `--timings`) |");
    println!("|---|---|");
    for (name, line) in stages {
        println!("| {name} | {line} |");
    }
}
