//! Ingest speed and memory against a bare quick-xml loop over the same bytes.
//!
//! Generates JUnit files of about 10 MB and 200 MB (5% failing tests with
//! multi-line stack traces, large suite-level and test-level output) and
//! measures, in the same run:
//! - `junit-ingest`: the full reader (`JunitReader::ingest`);
//! - `bare-quick-xml`: a quick-xml event loop that only counts `<testcase>`;
//! - `pipeline`: four 10 MB files read with 1 thread and with 2 threads.
//!
//! - `floor`: the bare loop plus what any reader that keeps per-test records
//!   must do — decode the `name`, `classname` and `time` attributes and keep
//!   the two strings — to show how much of the gap is inherent;
//! - `retain-floor`: `floor` plus copying every failure text and captured
//!   output into a string of its own — the least a reader that returns the
//!   text the model keeps must do (the "retained failure text").
//!
//! After the criterion groups it prints, per size, the best of five runs of
//! each loop and the ratios between them, so the claims in the docs are
//! checked on every run.
//!
//! Times exclude dropping the result (the baseline has nothing to drop); the
//! allocator is mimalloc, as in the `cargo-failtale` binary.
//!
//! After timing, it prints the peak heap of one ingest per size (a counting
//! global allocator), next to the heap the returned `TestRun` retains, so the
//! claim "peak memory is bounded by the retained text, not the file size" is
//! checked on every run. Run: `cargo bench -p junit-ingest --bench ingest`.
#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports its figures on stdout"
)]
#![allow(missing_debug_implementations)]
#![allow(
    unsafe_code,
    reason = "a counting global allocator needs unsafe; it only delegates to mimalloc"
)]

use std::alloc::{GlobalAlloc, Layout};
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use failtale_core::Pipeline;
use failtale_core::input::Input;
use failtale_core::stage::Ingest;
use junit_ingest::AutoIngest;
use junit_ingest::junit::JunitReader;
use quick_xml::events::Event;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// Delegates to the system allocator and only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            let old = layout.size();
            if p == ptr {
                // Resized in place: only the difference.
                if new_size > old {
                    let now = CURRENT.fetch_add(new_size - old, Ordering::Relaxed) + new_size - old;
                    PEAK.fetch_max(now, Ordering::Relaxed);
                } else {
                    CURRENT.fetch_sub(old - new_size, Ordering::Relaxed);
                }
            } else {
                // Moved: old and new blocks were both alive while it was copied.
                let now = CURRENT.fetch_add(new_size, Ordering::Relaxed) + new_size;
                PEAK.fetch_max(now, Ordering::Relaxed);
                CURRENT.fetch_sub(old, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A deterministic JUnit file of about `target` bytes.
fn generate(target: usize) -> Vec<u8> {
    let mut s = String::with_capacity(target + 64 * 1024);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"bench\">\n");
    let mut n = 0u64;
    let mut suite = 0u64;
    while s.len() < target {
        suite += 1;
        let _ = writeln!(
            s,
            "  <testsuite name=\"com.example.module{suite}.ServiceTest\" tests=\"200\" timestamp=\"2026-11-20T09:00:00\" hostname=\"ci\">"
        );
        s.push_str("    <properties><property name=\"java.version\" value=\"17\"/><property name=\"os\" value=\"linux\"/></properties>\n");
        for _ in 0..200 {
            n += 1;
            let _ = write!(
                s,
                "    <testcase classname=\"com.example.module{suite}.ServiceTest\" name=\"test_case_{n}\" time=\"0.{:03}\"",
                n % 1000
            );
            if n.is_multiple_of(20) {
                let _ = writeln!(
                    s,
                    ">\n      <failure message=\"expected: &lt;{n}&gt; but was: &lt;{}&gt;\" type=\"org.opentest4j.AssertionFailedError\">org.opentest4j.AssertionFailedError: expected: &lt;{n}&gt; but was: &lt;{}&gt;",
                    n + 1,
                    n + 1
                );
                for f in 0..30 {
                    let _ = writeln!(
                        s,
                        "\tat com.example.module{suite}.Service.step{f}(Service.java:{})",
                        100 + f
                    );
                }
                s.push_str("      </failure>\n      <system-out><![CDATA[");
                for l in 0..40 {
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
                s.push_str("><system-out>connecting to db; migrations applied; fixture loaded; 3 rows inserted</system-out></testcase>\n");
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
    }
    s.push_str("</testsuites>\n");
    s.into_bytes()
}

/// The baseline: the cheapest loop that still finds every testcase.
fn bare_count(bytes: &[u8]) -> usize {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::with_capacity(4096);
    let mut count = 0;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"testcase" => {
                count += 1
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    count
}

/// The floor for a reader that keeps a record per test: the bare loop plus
/// decoding `name`, `classname` and `time`, keeping both strings.
fn floor(bytes: &[u8]) -> Vec<(String, String, f64)> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::with_capacity(4096);
    let mut cases = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"testcase" => {
                cases.push(case_record(&e));
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    cases
}

/// The floor for a reader that returns what the model keeps: `floor`, plus
/// every text and CDATA run inside `failure`/`error`, `system-out` and
/// `system-err` copied into a string of its own, the way any reader that
/// hands back owned failure text and captured output must copy it. Nothing
/// is capped, unescaped or checked: less work than the real reader does.
fn retain_floor(bytes: &[u8]) -> (Vec<(String, String, f64)>, Vec<String>) {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::with_capacity(4096);
    let mut cases = Vec::new();
    let mut texts = Vec::new();
    let mut keep = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                b"testcase" => cases.push(case_record(&e)),
                b"failure" | b"error" | b"system-out" | b"system-err" => keep = true,
                _ => {}
            },
            Ok(Event::Empty(e)) if e.local_name().as_ref() == b"testcase" => {
                cases.push(case_record(&e));
            }
            Ok(Event::End(_)) => keep = false,
            Ok(Event::Text(t)) if keep => texts.push(owned(&t)),
            Ok(Event::CData(t)) if keep => texts.push(owned(&t)),
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    (cases, texts)
}

/// A string of the bytes, validated the fast way (the lossy path only on error).
fn owned(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn case_record(e: &quick_xml::events::BytesStart<'_>) -> (String, String, f64) {
    let (mut name, mut class, mut time) = (String::new(), String::new(), 0.0);
    for a in e.attributes().with_checks(false).flatten() {
        let value = || owned(&a.value);
        match a.key.as_ref() {
            b"name" => name = value(),
            b"classname" => class = value(),
            b"time" => time = value().parse().unwrap_or(0.0),
            _ => {}
        }
    }
    (name, class, time)
}

fn ingest(bytes: &[u8]) -> failtale_core::stage::Ingested {
    let read = JunitReader::default().ingest(&mut &bytes[..]);
    assert!(read.error.is_none(), "{:?}", read.error);
    read
}

fn sizes() -> Vec<(&'static str, Vec<u8>)> {
    vec![("10MB", generate(10 << 20)), ("200MB", generate(200 << 20))]
}

fn bench_ingest(c: &mut Criterion) {
    let files = sizes();
    let mut group = c.benchmark_group("junit");
    group.sample_size(10);
    for (label, bytes) in &files {
        assert_eq!(
            bare_count(bytes),
            ingest(bytes).cases.len(),
            "both loops see every testcase"
        );
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("bare-quick-xml", label),
            bytes,
            |b, bytes| b.iter(|| bare_count(black_box(bytes))),
        );
        group.bench_with_input(BenchmarkId::new("floor", label), bytes, |b, bytes| {
            b.iter_with_large_drop(|| floor(black_box(bytes)))
        });
        group.bench_with_input(
            BenchmarkId::new("retain-floor", label),
            bytes,
            |b, bytes| b.iter_with_large_drop(|| retain_floor(black_box(bytes))),
        );
        group.bench_with_input(
            BenchmarkId::new("junit-ingest", label),
            bytes,
            |b, bytes| b.iter_with_large_drop(|| ingest(black_box(bytes))),
        );
    }
    group.finish();

    println!("\nbest of 5 runs, same process (ratios against the bare loop):");
    for (label, bytes) in &files {
        let bare = best_of(5, || bare_count(black_box(bytes)));
        let floor_t = best_of(5, || floor(black_box(bytes)));
        let retain = best_of(5, || retain_floor(black_box(bytes)));
        let ours = best_of(5, || ingest(black_box(bytes)));
        println!(
            "  {label}: bare {:.1} ms, floor {:.1} ms ({:.2}x), retain-floor {:.1} ms ({:.2}x), \
             junit-ingest {:.1} ms ({:.2}x; {:.2}x the retain floor)",
            bare * 1e3,
            floor_t * 1e3,
            floor_t / bare,
            retain * 1e3,
            retain / bare,
            ours * 1e3,
            ours / bare,
            ours / retain
        );
    }

    println!(
        "\npeak heap during one ingest (input bytes are not counted: they were allocated before):"
    );
    for (label, bytes) in &files {
        let before = CURRENT.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let read = JunitReader::default().ingest(&mut &bytes[..]);
        let peak = PEAK.load(Ordering::Relaxed) - before;
        let retained = CURRENT.load(Ordering::Relaxed) - before;
        let cases = read.cases.len();
        drop(read);
        println!(
            "  {label}: file {:.1} MiB, {cases} tests, peak {:.1} MiB, retained by the result {:.1} MiB, peak/file {:.3}",
            mib(bytes.len()),
            mib(peak),
            mib(retained),
            peak as f64 / bytes.len() as f64
        );
    }
}

fn bench_parallel(c: &mut Criterion) {
    let one = generate(10 << 20);
    let inputs: Vec<Input> = (0..4)
        .map(|i| Input::Bytes {
            name: format!("f{i}.xml"),
            data: one.clone(),
        })
        .collect();
    let mut group = c.benchmark_group("pipeline-4x10MB");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(one.len() as u64 * 4));
    for threads in [1, 2] {
        let pipeline = Pipeline::new(Box::new(AutoIngest::default())).with_threads(threads);
        group.bench_function(BenchmarkId::new("threads", threads), |b| {
            b.iter(|| pipeline.ingest(black_box(&inputs)).run.cases.len())
        });
    }
    group.finish();
}

/// The shortest of `n` runs of `f`, in seconds; the result is dropped untimed.
fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..n)
        .map(|_| {
            let start = std::time::Instant::now();
            let out = f();
            let took = start.elapsed().as_secs_f64();
            drop(out);
            took
        })
        .fold(f64::INFINITY, f64::min)
}

fn mib(n: usize) -> f64 {
    n as f64 / (1024.0 * 1024.0)
}

criterion_group!(benches, bench_ingest, bench_parallel);
criterion_main!(benches);
