//! The pipeline wires the stages and never lets one bad input or a failed
//! stage hide the rest.

use std::borrow::Cow;
use std::io::Read;

use async_trait::async_trait;
use failtale_core::input::Input;
use failtale_core::model::{
    Analysis, Attempt, Category, Cluster, Evidence, Failure, FailureKind, Provenance, Severity,
    TestCase, TestId, TestRun,
};
use failtale_core::stage::{Analyze, Collect, Ingest, Ingested, Sanitize, Sniff};
use failtale_core::{AnalyzeError, IngestError, Pipeline, Redactions, Sanitized};

/// A toy format: a first line `TOY`, then `name ok` or `name fail message…` per line.
#[derive(Debug)]
struct Toy;

impl Ingest for Toy {
    fn name(&self) -> &str {
        "toy"
    }
    fn sniff(&self, head: &[u8]) -> Sniff {
        if head.starts_with(b"TOY\n") {
            Sniff::Yes
        } else {
            Sniff::No
        }
    }
    fn ingest(&self, input: &mut dyn Read) -> Ingested {
        let mut text = String::new();
        if let Err(e) = input.read_to_string(&mut text) {
            return Ingested {
                error: Some(IngestError::Io(e)),
                ..Ingested::default()
            };
        }
        let mut out = Ingested::default();
        let mut lines = text.lines();
        if lines.next() != Some("TOY") {
            out.error = Some(IngestError::Unrecognized {
                looks_like: "not toy".into(),
            });
            return out;
        }
        for line in lines {
            let mut parts = line.splitn(3, ' ');
            let name = parts.next().unwrap_or_default();
            let attempt = match parts.next() {
                Some("fail") => {
                    let mut f = Failure::new(FailureKind::Failure);
                    f.message = parts.next().map(str::to_owned);
                    Attempt::with_failures(vec![f])
                }
                _ => Attempt::default(),
            };
            out.cases.push(TestCase::new(
                {
                    let mut test_id = TestId::default();
                    test_id.name = name.into();
                    test_id
                },
                vec![attempt],
            ));
        }
        out
    }
}

fn bytes(name: &str, data: &str) -> Input {
    Input::Bytes {
        name: name.into(),
        data: data.as_bytes().to_vec(),
    }
}

#[test]
fn inputs_keep_their_order_and_one_bad_input_hides_nothing() {
    let inputs: Vec<Input> = (0..20)
        .map(|i| {
            if i == 7 {
                bytes("bad", "garbage")
            } else {
                bytes(
                    &format!("f{i}"),
                    &format!("TOY\nt{i}a ok\nt{i}b fail boom {}\n", i % 3),
                )
            }
        })
        .collect();
    let report = Pipeline::new(Box::new(Toy)).with_threads(4).ingest(&inputs);
    let run = report.run;
    assert_eq!(run.inputs.len(), 20);
    assert!(run.inputs[7].error.as_deref().unwrap().contains("not toy"));
    assert_eq!(run.cases.len(), 38);
    // Cases follow input order and point at their input.
    for (i, pair) in run.cases.chunks(2).enumerate() {
        let input = if i < 7 { i } else { i + 1 };
        assert_eq!(pair[0].id.name, format!("t{input}a"));
        assert_eq!(pair[0].input, input);
        assert_eq!(run.inputs[input].tests, 2);
    }
}

#[test]
fn files_found_in_directories_that_are_not_results_are_ignored_but_named_files_are_reported() {
    let dir = std::env::temp_dir().join(format!("failtale-pipeline-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/a.xml"), "TOY\nx ok\n").unwrap();
    std::fs::write(dir.join("pom.xml"), "<project/>").unwrap();
    std::fs::write(dir.join("notes.txt"), "TOY\nnot picked: wrong extension\n").unwrap();
    let mut inputs = failtale_core::input::discover(std::slice::from_ref(&dir)).unwrap();
    inputs.push(Input::File {
        path: dir.join("pom.xml"),
        explicit: true,
    });
    let report = Pipeline::new(Box::new(Toy)).ingest(&inputs);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(report.ignored.len(), 1, "{:?}", report.ignored);
    assert!(report.ignored[0].ends_with("pom.xml"));
    assert_eq!(report.run.inputs.len(), 2);
    assert!(report.run.inputs[0].path.ends_with("a.xml"));
    assert!(
        report.run.inputs[1].error.is_some(),
        "a file the user named is reported, not dropped"
    );
}

#[derive(Debug)]
struct Mask;

impl Sanitize for Mask {
    fn sanitize<'a>(&self, text: &'a str, state: &mut Redactions) -> Cow<'a, str> {
        if !text.contains("hunter2") {
            return Cow::Borrowed(text);
        }
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find("hunter2") {
            out.push_str(&rest[..i]);
            out.push_str(&state.placeholder("password", "hunter2"));
            rest = &rest[i + "hunter2".len()..];
        }
        out.push_str(rest);
        Cow::Owned(out)
    }
}

#[derive(Debug)]
struct FailingCollector;

#[async_trait]
impl Collect for FailingCollector {
    fn name(&self) -> &str {
        "broken"
    }
    async fn collect(&self, _cluster: &Cluster, _run: &Sanitized<TestRun>) -> Vec<Evidence> {
        vec![Evidence::new("log says hunter2", {
            let mut provenance = Provenance::default();
            provenance.collector = "broken".into();
            provenance.error = Some("ssh: password hunter2 rejected".into());
            provenance
        })]
    }
}

#[derive(Debug)]
struct Picky;

#[async_trait]
impl Analyze for Picky {
    fn name(&self) -> &str {
        "picky"
    }
    async fn analyze(
        &self,
        cluster: &Cluster,
        _run: &Sanitized<TestRun>,
        evidence: &[Evidence],
    ) -> Result<Option<Analysis>, AnalyzeError> {
        if cluster.tests.len() > 1 {
            return Err(AnalyzeError::Provider {
                analyzer: "picky".into(),
                message: "rate limited".into(),
            });
        }
        Ok(Some({
            let mut analysis = Analysis::new(
                format!("saw {} evidence", evidence.len()),
                Category::Other,
                Severity::Low,
                String::new(),
                0.5,
                "picky",
            );
            analysis.grounded = true;
            analysis
        }))
    }
}

#[tokio::test]
async fn every_stage_runs_text_is_sanitized_and_failures_are_recorded_not_fatal() {
    let pipeline = Pipeline::new(Box::new(Toy))
        .with_sanitizer(Box::new(Mask))
        .with_collector(Box::new(FailingCollector))
        .with_analyzer(Box::new(Picky));
    let out = pipeline
        .run(&[bytes(
            "hunter2.toy",
            "TOY\na ok\nb fail pw=hunter2 rejected\nc fail timeout\nd fail timeout\n",
        )])
        .await;
    // Path and message, then the collector's error and text for each of the two clusters.
    assert_eq!(out.redactions.get("password"), Some(&6));
    let json = format!("{out:?}");
    assert!(
        !json.contains("hunter2"),
        "no secret survives anywhere: {json}"
    );
    assert_eq!(out.clusters.len(), 2);
    let big = &out.clusters[0];
    assert_eq!(big.cluster.tests, vec!["c", "d"]);
    assert_eq!(big.analysis, None);
    assert!(
        big.analysis_error
            .as_deref()
            .unwrap()
            .contains("rate limited")
    );
    let small = &out.clusters[1];
    assert_eq!(
        small.analysis.as_ref().unwrap().root_cause,
        "saw 1 evidence"
    );
    assert_eq!(
        small.evidence[0].provenance.error.as_deref(),
        Some("ssh: password [REDACTED:password#1] rejected"),
        "one value, one number across the whole run"
    );
}

/// An analyzer that takes its time, so the analyze stage's share shows.
#[derive(Debug)]
struct Slow(std::time::Duration);

#[async_trait]
impl Analyze for Slow {
    fn name(&self) -> &str {
        "slow"
    }
    async fn analyze(
        &self,
        _cluster: &Cluster,
        _run: &Sanitized<TestRun>,
        _evidence: &[Evidence],
    ) -> Result<Option<Analysis>, AnalyzeError> {
        tokio::time::sleep(self.0).await;
        Ok(None)
    }
}

#[tokio::test]
async fn each_stage_says_how_long_it_took_and_the_slow_one_shows() {
    let slow = std::time::Duration::from_millis(60);
    let pipeline = Pipeline::new(Box::new(Toy)).with_analyzer(Box::new(Slow(slow)));
    let inputs = [bytes("t.toy", "TOY\na ok\nb fail boom\n")];
    let finish = pipeline.run_to(&inputs, &mut []).await;
    let t = &finish.timings;
    let names: Vec<&str> = t.stages.iter().map(|(s, _)| *s).collect();
    // No history store: no history stage.
    assert_eq!(names, ["sanitize", "cluster", "analyze", "outputs"]);
    assert_eq!(finish.output.timings.stages.len(), 3, "outputs come after");
    let analyze = t.get("analyze").unwrap();
    assert!(analyze >= slow, "{t}");
    assert!(t.total() >= analyze && t.get("history").is_none());
    let shown = t.to_string();
    assert!(
        shown.starts_with("sanitize ") && shown.contains(", analyze "),
        "{shown}"
    );
    assert!(
        shown.ends_with(&format!("total {}", {
            let total = t.total();
            if total < std::time::Duration::from_millis(100) {
                format!("{:.1} ms", total.as_secs_f64() * 1e3)
            } else {
                format!("{:.2} s", total.as_secs_f64())
            }
        })),
        "{shown}"
    );
}
