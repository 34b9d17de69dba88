//! What `/metrics` shows, in Prometheus' text format: requests by route and
//! status, request latencies, pipeline stage durations, analyses made, and
//! store errors.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (b, c) in BUCKETS.iter().zip(&mut self.counts) {
            if secs <= *b {
                *c += 1;
            }
        }
        self.count += 1;
        self.sum += secs;
    }
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    stages: BTreeMap<String, (u64, f64)>,
    analyses: BTreeMap<(String, &'static str), u64>,
    store_errors: BTreeMap<&'static str, u64>,
    runs_recorded: u64,
}

/// The server's counters.
#[derive(Default)]
pub(crate) struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A request to `route` (its pattern, not the path: ids do not make
    /// new series) answered `status` after `took`.
    pub(crate) fn request(&self, route: &str, status: u16, took: Duration) {
        let mut m = self.lock();
        *m.requests.entry((route.to_owned(), status)).or_default() += 1;
        m.latency
            .entry(route.to_owned())
            .or_default()
            .observe(took.as_secs_f64());
    }

    /// A pipeline stage took `took`.
    pub(crate) fn stage(&self, stage: &str, took: Duration) {
        let mut m = self.lock();
        let e = m.stages.entry(stage.to_owned()).or_default();
        e.0 += 1;
        e.1 += took.as_secs_f64();
    }

    /// An analysis by `analyzer` that succeeded or failed.
    pub(crate) fn analysis(&self, analyzer: &str, ok: bool) {
        let mut m = self.lock();
        *m.analyses
            .entry((analyzer.to_owned(), if ok { "ok" } else { "error" }))
            .or_default() += 1;
    }

    /// The store failed doing `what`.
    pub(crate) fn store_error(&self, what: &'static str) {
        *self.lock().store_errors.entry(what).or_default() += 1;
    }

    /// A run was recorded.
    pub(crate) fn run_recorded(&self) {
        self.lock().runs_recorded += 1;
    }

    /// The text `/metrics` answers.
    pub(crate) fn render(&self, pipelines_busy: usize) -> String {
        let m = self.lock();
        let mut o = String::new();
        let _ = writeln!(o, "# HELP failtale_requests_total HTTP requests answered.");
        let _ = writeln!(o, "# TYPE failtale_requests_total counter");
        for ((route, status), n) in &m.requests {
            let _ = writeln!(
                o,
                "failtale_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                label(route)
            );
        }
        let _ = writeln!(
            o,
            "# HELP failtale_request_duration_seconds Time to answer a request."
        );
        let _ = writeln!(o, "# TYPE failtale_request_duration_seconds histogram");
        for (route, h) in &m.latency {
            let route = label(route);
            for (b, c) in BUCKETS.iter().zip(&h.counts) {
                let _ = writeln!(
                    o,
                    "failtale_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {c}"
                );
            }
            let _ = writeln!(
                o,
                "failtale_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                o,
                "failtale_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                o,
                "failtale_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        let _ = writeln!(
            o,
            "# HELP failtale_pipeline_stage_seconds Time spent in each pipeline stage."
        );
        let _ = writeln!(o, "# TYPE failtale_pipeline_stage_seconds summary");
        for (stage, (count, sum)) in &m.stages {
            let stage = label(stage);
            let _ = writeln!(
                o,
                "failtale_pipeline_stage_seconds_sum{{stage=\"{stage}\"}} {sum}"
            );
            let _ = writeln!(
                o,
                "failtale_pipeline_stage_seconds_count{{stage=\"{stage}\"}} {count}"
            );
        }
        let _ = writeln!(
            o,
            "# HELP failtale_analyses_total Root causes analysed, by analyzer and result."
        );
        let _ = writeln!(o, "# TYPE failtale_analyses_total counter");
        for ((analyzer, result), n) in &m.analyses {
            let _ = writeln!(
                o,
                "failtale_analyses_total{{analyzer=\"{}\",result=\"{result}\"}} {n}",
                label(analyzer)
            );
        }
        let _ = writeln!(
            o,
            "# HELP failtale_store_errors_total History store operations that failed."
        );
        let _ = writeln!(o, "# TYPE failtale_store_errors_total counter");
        for (what, n) in &m.store_errors {
            let _ = writeln!(o, "failtale_store_errors_total{{operation=\"{what}\"}} {n}");
        }
        let _ = writeln!(o, "# HELP failtale_runs_recorded_total Runs recorded.");
        let _ = writeln!(o, "# TYPE failtale_runs_recorded_total counter");
        let _ = writeln!(o, "failtale_runs_recorded_total {}", m.runs_recorded);
        let _ = writeln!(o, "# HELP failtale_pipelines_busy Pipelines running now.");
        let _ = writeln!(o, "# TYPE failtale_pipelines_busy gauge");
        let _ = writeln!(o, "failtale_pipelines_busy {pipelines_busy}");
        o
    }
}

/// A label value escaped as the text format wants.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_labels_escaped() {
        let m = Metrics::default();
        m.request("/v1/runs", 201, Duration::from_millis(30));
        m.request("/v1/runs", 201, Duration::from_secs(3));
        m.request("/v1/runs", 400, Duration::from_millis(1));
        m.analysis("a\"b", true);
        let text = m.render(1);
        assert!(text.contains("failtale_requests_total{route=\"/v1/runs\",status=\"201\"} 2"));
        assert!(text.contains("failtale_requests_total{route=\"/v1/runs\",status=\"400\"} 1"));
        assert!(text.contains(
            "failtale_request_duration_seconds_bucket{route=\"/v1/runs\",le=\"0.05\"} 2"
        ));
        assert!(
            text.contains(
                "failtale_request_duration_seconds_bucket{route=\"/v1/runs\",le=\"5\"} 3"
            )
        );
        assert!(text.contains("analyzer=\"a\\\"b\""));
        assert!(text.contains("failtale_pipelines_busy 1"));
    }
}
