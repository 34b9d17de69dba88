//! A test name full of shell syntax goes through targeting and collection
//! and nothing in it is ever executed.

use failtale_core::Pipeline;
use failtale_core::model::CollectStatus;

use crate::common::{by_label, collector, run_of, sanitized};

#[tokio::test]
async fn a_hostile_test_name_is_never_executed() {
    let dir = tempfile::tempdir().unwrap();
    let canary = dir.path().join("canary");
    // `rm -rf ~/…` only ever names a directory this test creates and checks.
    let home_canary =
        std::path::PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/tmp".into()))
            .join(format!("failtale-injection-canary-{}", std::process::id()));
    std::fs::create_dir_all(&home_canary).unwrap();
    let name = format!(
        "it_works; rm -rf ~/{} $(touch {c}) `touch {c}` ' \" && touch {c} | touch {c}\ntouch {c}",
        home_canary.file_name().unwrap().to_str().unwrap(),
        c = canary.display()
    );
    let config = r#"
[components.app]
description = "the app under test"
[[components.app.collectors]]
kind = "command"
description = "argv with the name as one word"
argv = ["printf", "[%s]\n", "{{test_name}}"]
[[components.app.collectors]]
kind = "command"
description = "shell line with the name quoted"
shell = "printf '<%s>\n' {{test_name}} && echo done"
[[components.app.collectors]]
kind = "command"
description = "no variables"
argv = ["echo", "fixed"]
[[components.app.collectors]]
kind = "file"
description = "a file"
path = "no-such.log"

[[select]]
components = ["app"]
test = "rm -rf"
message = "\\$\\("
"#;
    let c = collector(config, dir.path());
    let (run, clusters) = run_of(&[(&name, "boom $(touch x)")]);
    let plan = c.plan(&clusters[0], &sanitized(&run)).await;
    assert_eq!(
        plan.components.iter().collect::<Vec<_>>(),
        ["app"],
        "the select rule matched the hostile name"
    );

    let out = Pipeline::default()
        .with_collector(Box::new(c))
        .process_run(run)
        .await;
    let evidence = &out.clusters[0].evidence;
    let argv = by_label(evidence, "app: argv with the name as one word");
    assert_eq!(argv.provenance.status, Some(CollectStatus::Ok));
    assert_eq!(argv.text, format!("[{name}]\n"));
    let shell = by_label(evidence, "app: shell line with the name quoted");
    assert_eq!(shell.provenance.exit_status, Some(0));
    assert_eq!(shell.text, format!("<{name}>\ndone\n"));
    assert_eq!(by_label(evidence, "app: no variables").text, "fixed\n");
    assert_eq!(
        by_label(evidence, "app: a file").provenance.status,
        Some(CollectStatus::Failed)
    );

    assert!(!canary.exists(), "something in the test name was executed");
    assert!(
        home_canary.exists(),
        "something in the test name was executed"
    );
    std::fs::remove_dir(&home_canary).unwrap();
}
