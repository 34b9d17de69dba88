//! The readers never panic, whatever the bytes: arbitrary input, and real
//! files mutated by flips, cuts, insertions and deletions. And whatever was
//! read, the enriched junit.xml written from it is well-formed XML 1.0 (a
//! strict parser with namespaces reads it).

use std::path::{Path, PathBuf};

use failtale_core::Ingest;
use junit_ingest::AutoIngest;
use proptest::prelude::*;

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "xml" || e == "jsonl" || e == "json" || e == "trx")
        {
            out.push(path);
        }
    }
}

fn fixtures() -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    files_under(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
        &mut paths,
    );
    paths.sort();
    assert!(!paths.is_empty(), "the fixtures folder is empty");
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// Checks invariants that must hold for any input.
fn check(bytes: &[u8]) {
    let read = AutoIngest::default().ingest(&mut &bytes[..]);
    for case in &read.cases {
        assert_eq!(
            case.outcome,
            failtale_core::model::Outcome::from_attempts(&case.attempts)
        );
        if let Some(s) = case.suite {
            assert!(s < read.suites.len(), "suite index in range");
        }
    }
    for suite in &read.suites {
        if let Some(p) = suite.parent {
            assert!(p < read.suites.len());
        }
    }
    written_junit_is_well_formed(read);
}

/// Writes what was read as enriched JUnit and parses it strictly.
fn written_junit_is_well_formed(read: failtale_core::stage::Ingested) {
    use failtale_core::model::{InputStatus, TestRun};
    use junit_ingest::writer::{Enrichment, keys, write_junit};
    let mut run = TestRun::default();
    run.push_input(InputStatus::default(), read.cases, read.suites);
    let run =
        failtale_core::Pipeline::default().sanitize(run, &mut failtale_core::Redactions::new());
    let mut enrich = Enrichment::default();
    for (i, case) in run.cases.iter().enumerate() {
        if case.outcome.is_failing() {
            enrich.add_property(i, keys::CLUSTER, "c1");
            enrich.set_note(i, "root cause: <b>&amp;</b> ]]> \u{1}");
            enrich.set_stderr_block(i, "cluster c1\n\u{0}\u{1b}[31m]]>");
        }
    }
    let mut xml = Vec::new();
    write_junit(&run, &enrich, &mut xml).unwrap();
    let text = std::str::from_utf8(&xml).expect("junit.xml is UTF-8");
    if let Err(e) = roxmltree::Document::parse(text) {
        panic!(
            "junit.xml is not well-formed XML ({e}):\n{}",
            &text[..text.len().min(4000)]
        );
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Cut(usize),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let fragment = prop_oneof![
        proptest::collection::vec(any::<u8>(), 1..16),
        Just(b"<".to_vec()),
        Just(b"</testcase>".to_vec()),
        Just(b"<testsuite name=\"x\">".to_vec()),
        Just(b"<failure message=\"".to_vec()),
        Just(b"<![CDATA[".to_vec()),
        Just(b"&#0;&bogus;&#x110000;".to_vec()),
        Just(vec![0xFF, 0xFE, 0x00]),
        Just(b"\x1b[31m\x00".to_vec()),
        Just(b"{\"type\":\"test\",\"event\":".to_vec()),
        // Attributes XML cannot carry as they are.
        Just(b" 0errors=\"1\" f!x=\"y\" xsi:type=\"t\"".to_vec()),
        Just(
            " a\u{fffd}b=\"c\" name=\"dup\" name=\"dup2\""
                .as_bytes()
                .to_vec()
        ),
        Just(b" xmlns:q=\"urn:q\" q:z=\"1\" xmlns=\"urn:d\" xml:lang=\"en\"".to_vec()),
        Just(b" a\"b=\"c\" 'x'=\"1\" =\"v\"".to_vec()),
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Cut),
        (any::<usize>(), fragment).prop_map(|(i, f)| Mutation::Insert(i, f)),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip(i, b) if !bytes.is_empty() => bytes[i % len] ^= b | 1,
            Mutation::Cut(i) => bytes.truncate(i % len),
            Mutation::Insert(i, f) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, f.iter().copied());
            }
            Mutation::Delete(i, n) if !bytes.is_empty() => {
                let at = i % bytes.len();
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes);
    }

    #[test]
    fn arbitrary_bytes_after_a_junit_or_libtest_start_never_panic(
        prefix in prop_oneof![
            Just(&b"<testsuites><testsuite name=\"s\"><testcase name=\"t\""[..]),
            Just(&b"\xEF\xBB\xBF<testsuite><testcase name=\"a\"><failure>"[..]),
            Just(&b"{ \"type\": \"suite\", \"event\": \"started\", \"test_count\": 1 }\n{ \"type\": \"test\""[..]),
        ],
        tail in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        let mut bytes = prefix.to_vec();
        bytes.extend(tail);
        check(&bytes);
    }

    #[test]
    fn mutated_fixtures_never_panic(index in any::<usize>(), mutations in proptest::collection::vec(mutation(), 1..6)) {
        let files = fixtures();
        let original = files[index % files.len()].clone();
        check(&apply(original, &mutations));
    }
}

/// The same over every file of the shared corpus (real files from ~70 producers).
#[test]
#[ignore = "needs FAILTALE_CORPUS (the shared result-file corpus)"]
fn mutated_corpus_files_never_panic() {
    let root =
        std::env::var_os("FAILTALE_CORPUS").expect("set FAILTALE_CORPUS to the corpus folder");
    let mut paths = Vec::new();
    files_under(Path::new(&root), &mut paths);
    assert!(
        paths.len() > 100,
        "expected the corpus at {root:?}, found {} files",
        paths.len()
    );
    let files: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 2000,
        ..ProptestConfig::default()
    });
    runner
        .run(
            &(any::<usize>(), proptest::collection::vec(mutation(), 1..6)),
            |(index, mutations)| {
                let i = index % files.len();
                let result =
                    std::panic::catch_unwind(|| check(&apply(files[i].clone(), &mutations)));
                prop_assert!(
                    result.is_ok(),
                    "panicked on a mutation of {}",
                    paths[i].display()
                );
                Ok(())
            },
        )
        .unwrap();
}
