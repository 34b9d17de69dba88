//! No input makes failtale use more than about 20 times its size in memory,
//! plus a fixed base: hostile shapes (suites nested thousands deep, huge
//! attribute values, endless distinct element names, a test name of
//! megabytes) are read with bounded amplification. Each case runs the
//! binary end to end and reads its peak RSS from the kernel (`wait4`), so
//! the figure is the one users get.
//!
//! Linux counts a spawned child's peak from the moment it was spawned, when
//! it still shared this test process's memory: the inputs are kept small
//! and made one at a time, so this process stays well under the fixed base
//! and cannot inflate a figure past its budget.

#![cfg(target_os = "linux")]
#![allow(
    unsafe_code,
    reason = "wait4 reads the child's peak memory from the kernel"
)]
#![allow(clippy::print_stderr, reason = "each case prints its figure")]

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

/// The fixed part of the budget: the binary, its allocator, the compiled
/// rules. A four-test run peaks at ~27 MiB.
const BASE: u64 = 48 << 20;
/// Bytes of memory allowed per byte of input.
const PER_BYTE: u64 = 20;

/// Runs `analyze` on `input` and returns its peak RSS in bytes.
#[allow(clippy::zombie_processes, reason = "the child is reaped by wait4")]
fn peak_rss(input: &Path, out: &Path) -> u64 {
    let child = Command::new(env!("CARGO_BIN_EXE_cargo-failtale"))
        .args(["analyze", "--offline", "--no-history", "--out"])
        .arg(out)
        .arg(input)
        .env_remove("GITHUB_ACTIONS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cargo-failtale");
    let mut status = 0;
    // SAFETY: rusage is plain data the kernel fills in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, with valid pointers to locals.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "cargo-failtale failed on {} (status {status})",
        input.display()
    );
    // ru_maxrss is in KiB on Linux.
    usage.ru_maxrss as u64 * 1024
}

/// One case at a time (see the module comment).
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn check(name: &str, content: &[u8]) {
    assert!(
        content.len() <= 16 << 20,
        "keep inputs small: this process's size counts"
    );
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(name);
    std::fs::write(&input, content).unwrap();
    let rss = peak_rss(&input, &dir.path().join("out"));
    let budget = BASE + PER_BYTE * content.len() as u64;
    eprintln!(
        "{name}: {} KiB in, peak {} MiB, budget {} MiB",
        content.len() / 1024,
        rss >> 20,
        budget >> 20
    );
    assert!(
        rss <= budget,
        "{name} ({} bytes) took {} MiB, over its budget of {} MiB",
        content.len(),
        rss >> 20,
        budget >> 20
    );
}

#[test]
fn suites_nested_a_thousand_deep_with_long_names_over_thousands_of_tests() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut xml = String::from("<testsuites>\n");
    for i in 0..1000 {
        let _ = write!(xml, "<testsuite name=\"s{i:04}{}\">", "x".repeat(95));
    }
    for j in 0..8000 {
        let _ = write!(xml, "<testcase name=\"t{j}\" classname=\"c\"/>");
    }
    xml += "<testcase name=\"f\"><failure message=\"boom\"/></testcase>";
    xml += &"</testsuite>".repeat(1000);
    xml += "</testsuites>\n";
    check("nested.xml", xml.as_bytes());
}

#[test]
fn suites_nested_fifty_thousand_deep() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let n = 50_000;
    let mut xml = String::from("<testsuites>");
    xml += &"<testsuite name=\"a\">".repeat(n);
    xml += "<testcase name=\"t\"><failure message=\"x\"/></testcase>";
    xml += &"</testsuite>".repeat(n);
    xml += "</testsuites>";
    check("deep.xml", xml.as_bytes());
}

#[test]
fn megabyte_names_classnames_files_and_messages() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let big = |c: char| c.to_string().repeat(1 << 20);
    let xml = format!(
        "<testsuite name=\"{}\"><testcase name=\"{}\" classname=\"{}\" file=\"{}\"><failure message=\"{}\" type=\"{}\">{}</failure></testcase></testsuite>",
        big('s'),
        big('n'),
        big('c'),
        big('f'),
        big('m'),
        big('t'),
        big('b')
    );
    check("wide.xml", xml.as_bytes());
}

#[test]
fn endless_distinct_element_names_nested_deep() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let n = 100_000;
    let mut xml = String::from(
        "<testsuite name=\"s\"><testcase name=\"t\"><failure message=\"x\"/></testcase>",
    );
    for i in 0..n {
        let _ = write!(xml, "<x{i}>");
    }
    for i in (0..n).rev() {
        let _ = write!(xml, "</x{i}>");
    }
    xml += "</testsuite>";
    check("names.xml", xml.as_bytes());
}

#[test]
fn a_libtest_stream_with_a_test_name_of_megabytes() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let name = "n".repeat(1 << 20);
    let json = format!(
        "{{ \"type\": \"suite\", \"event\": \"started\", \"test_count\": 1 }}\n{{ \"type\": \"test\", \"event\": \"started\", \"name\": \"{name}\" }}\n{{ \"type\": \"test\", \"name\": \"{name}\", \"event\": \"failed\", \"stdout\": \"thread '{name}' panicked at src/a.rs:1:1:\\nboom\\n\" }}\n"
    );
    check("big-name.json", json.as_bytes());
}

#[test]
fn a_hundred_thousand_properties_on_a_suite_and_a_test() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut xml = String::from("<testsuite name=\"s\"><properties>");
    for i in 0..50_000 {
        let _ = write!(xml, "<property name=\"p{i}\" value=\"v{i}\"/>");
    }
    xml += "</properties><testcase name=\"t\"><properties>";
    for i in 0..50_000 {
        let _ = write!(xml, "<property name=\"q{i}\" value=\"w{i}\"/>");
    }
    xml += "</properties><failure message=\"x\"/></testcase></testsuite>";
    check("properties.xml", xml.as_bytes());
}
