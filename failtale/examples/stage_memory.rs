//! Live heap bytes after each stage of the pipeline over one input, for
//! finding where memory goes: `cargo run --release -p failtale
//! --example stage_memory -- FILE`.

#![allow(clippy::print_stdout, reason = "reports its figures on stdout")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

#[allow(unsafe_code, reason = "a counting wrapper around the system allocator")]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: forwarded as is.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let now = LIVE.fetch_add(new, Ordering::Relaxed) + new;
        PEAK.fetch_max(now, Ordering::Relaxed);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: forwarded as is.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn mib(n: usize) -> f64 {
    n as f64 / 1024.0 / 1024.0
}

static T0: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

fn show(what: &str) {
    let t = T0
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |k: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .map_or(0.0, |v| {
                v.trim()
                    .trim_end_matches(" kB")
                    .parse::<f64>()
                    .unwrap_or(0.0)
                    / 1024.0
            })
    };
    println!(
        "{t:>6.2} s {what:<20} live {:>7.1} MiB  peak {:>7.1} MiB  (allocated, untouched capacity included) | RSS {:>7.1} MiB, peak RSS {:>7.1} MiB",
        mib(LIVE.load(Ordering::Relaxed)),
        mib(PEAK.load(Ordering::Relaxed)),
        field("VmRSS:"),
        field("VmHWM:")
    );
}

fn main() {
    let path = std::env::args().nth(1).expect("FILE");
    let inputs = failtale::core::input::discover(&[path.into()]).unwrap();
    let pipeline = failtale::pipeline();
    println!(
        "size of TestCase {} B, Attempt {} B, TestId {} B, Failure {} B",
        size_of::<failtale::core::model::TestCase>(),
        size_of::<failtale::core::model::Attempt>(),
        size_of::<failtale::core::model::TestId>(),
        size_of::<failtale::core::model::Failure>()
    );
    show("start");
    let ingested = pipeline.ingest(&inputs);
    show("ingested");
    let cases = ingested.run.cases.len();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut state = failtale::core::Redactions::new();
    let run = pipeline.sanitize(ingested.run, &mut state);
    show("sanitized");
    let clusters = pipeline.cluster(&run);
    show("clustered");
    let mut explained = Vec::new();
    for c in clusters {
        explained.push(rt.block_on(pipeline.explain(&run, c, &mut state)));
    }
    show("explained");
    drop(explained);
    show("explanations dropped");
    let output = rt.block_on(pipeline.process(failtale::core::pipeline::IngestReport {
        run: run.into_inner(),
        ignored: Vec::new(),
    }));
    show("processed again");
    let dir = std::env::temp_dir().join("failtale-stage-memory");
    let mut files = failtale::outputs(&dir);
    let report = failtale::core::report::Report::from_output(&output);
    show("report built");
    let done = failtale::Finished::new(&report, Some(&output));
    for o in files.as_dyn() {
        o.finish(&done).unwrap();
        show(&format!("{} written", o.name()));
    }
    let finish = pipeline.finish(output, &mut []);
    println!(
        "{cases} cases, {} clusters, bytes per case after ingest: see above",
        finish.report.clusters.len()
    );
}
