//! Sanitize speed: the rule sanitizer against a naïve one-regex-per-rule pass.
//!
//! Generates about 100 MB of failure text — Java, Python and Rust stack
//! traces, application logs, HTTP traces, env dumps, Debug-printed config
//! structs, build output — with about one planted secret per 10 KB, split
//! into chunks of 4–64 KB the way the pipeline sees it (one failure body or
//! captured output at a time). Measures, single-threaded, in the same run:
//! - `rule-sanitizer`: [`RuleSanitizer::redact`] over every chunk;
//! - `naive-regex-per-rule`: every default-on built-in rule's regex run over
//!   the text one after another (matches only: no checks, no replacement),
//!   on the first 10 MB, since a full pass of every rule over 100 MB takes
//!   minutes per sample.
//!
//! Throughput is in bytes, so both report MB/s. Run:
//! `cargo bench -p failtale-core --bench sanitize`.
#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports its figures on stdout"
)]
#![allow(missing_debug_implementations)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use failtale_core::sanitize::{Gate, RULES, Redactions, RuleSanitizer, SanitizeConfig};
use regex::Regex;

/// A small deterministic generator (xorshift), so every run measures the same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn token(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }
}

const B62: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";

fn noise(rng: &mut Rng, out: &mut String) {
    let n = rng.below(1000);
    let sha = rng.token(HEX, 40);
    let _ = match rng.below(9) {
        0 => writeln!(
            out,
            "java.lang.IllegalStateException: order {n} not found in repository\n\tat com.example.checkout.CartService.total(CartService.java:{n})\n\tat com.example.checkout.CartServiceTest.totals(CartServiceTest.java:41)\n\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)\n\tat org.junit.platform.engine.support.hierarchical.NodeTestTask.executeRecursively(NodeTestTask.java:151)\n\tat org.junit.platform.engine.support.hierarchical.ThrowableCollector.execute(ThrowableCollector.java:73)"
        ),
        1 => writeln!(
            out,
            "Traceback (most recent call last):\n  File \"/home/runner/work/app/tests/test_orders.py\", line {n}, in test_total\n    assert order.total() == Decimal(\"107.50\")\nAssertionError: assert Decimal('107.00') == Decimal('107.50')\n +  where Decimal('107.00') = <bound method Order.total of <Order id={n} items=3>>()"
        ),
        2 => writeln!(
            out,
            "thread 'orders::tests::totals_{n}' panicked at src/orders.rs:{n}:9:\nassertion `left == right` failed\n  left: 10700\n right: 10750\nstack backtrace:\n   0: rust_begin_unwind\n             at /rustc/129f3b9964af4d4a709d1383930ade12dfe7c081/library/std/src/panicking.rs:652:5\n   1: core::panicking::panic_fmt\n   2: orders::tests::totals_{n}\nnote: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace."
        ),
        3 => writeln!(
            out,
            "2024-05-01T12:{:02}:{:02}.{n:03}Z INFO  api::server: request completed method=GET path=/v1/orders/{n} status=200 latency_ms={} request_id={}",
            n % 60,
            (n * 7) % 60,
            n % 97,
            rng.token(HEX, 32)
        ),
        4 => writeln!(
            out,
            "> GET /v1/orders/{n} HTTP/1.1\n> Host: api.example.com\n> User-Agent: reqwest/0.12\n> Accept: application/json\n< HTTP/1.1 500 Internal Server Error\n< content-type: application/json\n< x-request-id: {}\n{{\"error\":\"database unavailable\",\"retry_after\":{}}}",
            rng.token(HEX, 32),
            n % 30
        ),
        5 => writeln!(
            out,
            "HOME=/home/runner\nPATH=/usr/local/bin:/usr/bin:/bin\nCI=true\nGITHUB_SHA={sha}\nGITHUB_REF=refs/heads/main\nRUNNER_OS=Linux\nLANG=C.UTF-8\nRUST_BACKTRACE=1"
        ),
        6 => writeln!(
            out,
            "Config {{\n    host: \"db.internal\",\n    port: 5432,\n    pool_size: {},\n    timeout: 30s,\n    keyspace: \"orders\",\n}}",
            n % 64
        ),
        7 => writeln!(
            out,
            "    Updating crates.io index\n   Compiling serde v1.0.{n}\n   Compiling tokio v1.38.0\n    Finished `test` profile [unoptimized + debuginfo] target(s) in 41.2s\n     Running unittests src/lib.rs (target/debug/deps/app-{})",
            rng.token(HEX, 16)
        ),
        _ => writeln!(
            out,
            "npm ERR! code E404\nnpm ERR! 404 Not Found - GET https://registry.npmjs.org/@acme%2fui - Not found\nnpm ERR! integrity sha512-{}==\ncommit {sha}",
            rng.token(B62, 86)
        ),
    };
}

fn secret(rng: &mut Rng, out: &mut String) {
    let _ = match rng.below(8) {
        0 => writeln!(out, "GITHUB_TOKEN=ghp_{}", rng.token(B62, 36)),
        1 => writeln!(out, "> Authorization: Bearer {}", rng.token(B62, 40)),
        2 => writeln!(
            out,
            "sqlalchemy.exc.OperationalError: could not connect to postgres://app:{}@db:5432/orders",
            rng.token(B62, 12)
        ),
        3 => writeln!(
            out,
            "  password: \"{} {}\",",
            rng.token(B62, 6),
            rng.token(B62, 6)
        ),
        4 => writeln!(
            out,
            "aws_access_key_id = AKIA{}",
            rng.token(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        ),
        5 => writeln!(out, "{{\"api_key\": \"sk-proj-{}\"}}", rng.token(B62, 48)),
        6 => writeln!(out, "contact: jane.doe{}@example.com", rng.below(1000)),
        _ => writeln!(
            out,
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n{}\n-----END OPENSSH PRIVATE KEY-----",
            rng.token(B62, 70),
            rng.token(B62, 70)
        ),
    };
}

/// About `total` bytes in chunks of 4–64 KB, one secret per ~10 KB.
fn corpus(total: usize) -> (Vec<String>, usize) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut chunks = Vec::new();
    let mut size = 0;
    let mut secrets = 0;
    while size < total {
        let target = 4096 + rng.below(60 * 1024);
        let mut chunk = String::with_capacity(target + 1024);
        let mut next_secret = rng.below(20 * 1024);
        while chunk.len() < target {
            noise(&mut rng, &mut chunk);
            if chunk.len() >= next_secret {
                secret(&mut rng, &mut chunk);
                secrets += 1;
                next_secret = chunk.len() + 5 * 1024 + rng.below(10 * 1024);
            }
        }
        size += chunk.len();
        chunks.push(chunk);
    }
    (chunks, secrets)
}

fn bench(c: &mut Criterion) {
    let (chunks, planted) = corpus(100 << 20);
    let total: usize = chunks.iter().map(String::len).sum();
    let sanitizer = RuleSanitizer::new(&SanitizeConfig::default()).unwrap();

    // One untimed pass: what was found, so the figures are about a sanitizer that works.
    let mut state = Redactions::new();
    let start = Instant::now();
    for chunk in &chunks {
        black_box(sanitizer.redact(chunk, &mut state));
    }
    let once = start.elapsed();
    println!(
        "corpus: {:.1} MB in {} chunks, {planted} planted secrets; one pass made {} redactions ({} distinct values) in {:.2?} = {:.0} MB/s",
        total as f64 / 1e6,
        chunks.len(),
        state.total(),
        state.distinct_values(),
        once,
        total as f64 / 1e6 / once.as_secs_f64()
    );

    let mut group = c.benchmark_group("sanitize");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("rule-sanitizer", |b| {
        b.iter(|| {
            let mut state = Redactions::new();
            for chunk in &chunks {
                black_box(sanitizer.redact(chunk, &mut state));
            }
            state.total()
        })
    });

    // The naïve way: every rule's regex over all of the text, one after another.
    let naive: Vec<Regex> = RULES
        .iter()
        .filter(|r| matches!(r.gate, Gate::Always | Gate::Emails | Gate::Cards))
        .map(|r| Regex::new(r.pattern).unwrap())
        .collect();
    let mut slice = String::new();
    for chunk in &chunks {
        if slice.len() >= 10 << 20 {
            break;
        }
        slice.push_str(chunk);
    }
    group.throughput(Throughput::Bytes(slice.len() as u64));
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("naive-regex-per-rule", |b| {
        b.iter(|| {
            naive
                .iter()
                .map(|re| re.find_iter(&slice).count())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
