//! Whole runs without SSH: deduplication across clusters and parallel local jobs.

use failtale_core::Pipeline;
use failtale_core::model::CollectStatus;

use crate::common::{by_label, collector, run_of, sanitized};

#[tokio::test]
async fn the_same_command_runs_once_per_run_and_every_cluster_gets_its_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let config = r#"
[components.db]
description = "database"
[[components.db.collectors]]
kind = "command"
description = "count calls"
shell = "echo call >> calls.txt; wc -l < calls.txt"
[[components.db.collectors]]
kind = "command"
description = "per cluster"
argv = ["echo", "{{cluster_id}}"]

[[select]]
components = ["db"]
message = "deadlock"
"#;
    let c = collector(config, dir.path());
    let probe = c.clone();
    let (run, clusters) = run_of(&[("a", "deadlock one"), ("b", "deadlock two"), ("c", "other")]);
    assert_eq!(clusters.len(), 3);
    let out = Pipeline::default()
        .with_collector(Box::new(c))
        .process_run(run)
        .await;
    let calls = std::fs::read_to_string(dir.path().join("calls.txt")).unwrap();
    assert_eq!(calls.lines().count(), 1, "the shared command ran once");
    let mut with_evidence = 0;
    for cl in &out.clusters {
        if cl.evidence.is_empty() {
            continue;
        }
        with_evidence += 1;
        assert_eq!(by_label(&cl.evidence, "db: count calls").text.trim(), "1");
        assert_eq!(
            by_label(&cl.evidence, "db: per cluster").text.trim(),
            cl.cluster.id
        );
    }
    assert_eq!(with_evidence, 2, "the `other` cluster selects nothing");
    assert_eq!(
        probe.executed(),
        3,
        "one shared command and one per-cluster command for each of two clusters"
    );
}

#[tokio::test]
async fn a_failing_collector_is_recorded_and_the_others_still_run() {
    let dir = tempfile::tempdir().unwrap();
    let config = r#"
[collect]
command_timeout = 0.5
[components.x]
description = "x"
[[components.x.collectors]]
kind = "command"
description = "slow"
argv = ["sleep", "5"]
[[components.x.collectors]]
kind = "command"
description = "missing"
argv = ["/nonexistent/tool"]
[[components.x.collectors]]
kind = "command"
description = "suite var without a suite"
argv = ["echo", "{{test_file}}"]
[[components.x.collectors]]
kind = "env"
description = "env"
vars = ["PATH"]
[[select]]
components = ["x"]
"#;
    let c = collector(config, dir.path());
    let (run, clusters) = run_of(&[("t", "m")]);
    let evidence = c.plan(&clusters[0], &sanitized(&run)).await;
    assert_eq!(evidence.jobs.len(), 3);
    let out = Pipeline::default()
        .with_collector(Box::new(c))
        .process_run(run)
        .await;
    let e = &out.clusters[0].evidence;
    assert_eq!(
        by_label(e, "x: slow").provenance.status,
        Some(CollectStatus::TimedOut)
    );
    assert_eq!(
        by_label(e, "x: missing").provenance.status,
        Some(CollectStatus::Failed)
    );
    let unrendered = by_label(e, "x: suite var without a suite");
    assert!(
        unrendered
            .provenance
            .error
            .as_deref()
            .unwrap()
            .contains("`test_file` has no value")
    );
    assert_eq!(
        by_label(e, "x: env").provenance.status,
        Some(CollectStatus::Ok)
    );
}
