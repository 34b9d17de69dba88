//! Fingerprint + cluster speed at 1k, 10k and 100k failures from the labelled
//! generator (`tests/common/corpus.rs`), against the baseline (exception type
//! and first message line, exact grouping) in the same run. After timing, one
//! run per size prints its wall time, cluster count and ARI, so the growth
//! can be read directly. Run: `cargo bench -p failtale-core --bench cluster`.
#![allow(
    clippy::print_stdout,
    reason = "a benchmark reports its figures on stdout"
)]
#![allow(missing_debug_implementations)]

#[path = "../tests/common/corpus.rs"]
mod corpus;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use failtale_core::Pipeline;
use failtale_core::model::TestRun;

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

fn bench(c: &mut Criterion) {
    let pipeline = Pipeline::default();
    let runs: Vec<(TestRun, Vec<usize>)> = SIZES
        .iter()
        .map(|&n| corpus::into_run(corpus::generate_failures(42, n)))
        .collect();
    let mut group = c.benchmark_group("fingerprint+cluster");
    for (run, _) in &runs {
        let n = run.cases.len();
        if n >= 100_000 {
            group
                .sample_size(10)
                .measurement_time(Duration::from_secs(20));
        } else {
            group.sample_size(20);
        }
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("failtale", n), run, |b, run| {
            b.iter(|| black_box(pipeline.cluster(run)))
        });
        group.bench_with_input(BenchmarkId::new("baseline", n), run, |b, run| {
            b.iter(|| black_box(corpus::baseline(run)))
        });
    }
    group.finish();

    println!(
        "\nsize      causes  failtale: time   clusters  ARI     | baseline: time   groups  ARI"
    );
    for (run, truth) in &runs {
        let causes = truth.iter().collect::<std::collections::HashSet<_>>().len();
        let t = Instant::now();
        let clusters = pipeline.cluster(run);
        let ours = t.elapsed();
        let mut label = vec![0; run.cases.len()];
        for (k, c) in clusters.iter().enumerate() {
            for &i in &c.case_indices {
                label[i] = k;
            }
        }
        let t = Instant::now();
        let base = corpus::baseline(run);
        let base_time = t.elapsed();
        let groups = base.iter().collect::<std::collections::HashSet<_>>().len();
        println!(
            "{:<9} {:<7} {:>10.3} s {:>9} {:.4}  | {:>10.3} s {:>7} {:.4}",
            run.cases.len(),
            causes,
            ours.as_secs_f64(),
            clusters.len(),
            corpus::adjusted_rand_index(truth, &label),
            base_time.as_secs_f64(),
            groups,
            corpus::adjusted_rand_index(truth, &base),
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
