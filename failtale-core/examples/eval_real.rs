//! Clustering and category figures on real failure texts written by others.
//!
//! The texts are third parties' (runner repositories' expected-output files,
//! CI logs from issue threads), so they are not in this repository: the
//! scripts in `failtale-core/eval/` extract them into a cache folder, one
//! JSON object per failure (`failtale-core/eval/README.md` gives the fields).
//! This program reads every `*.jsonl` there, splits the causes once into a
//! *tune* half and a *test* half (by a hash of the cause label, so the split
//! never depends on the code under test), runs each half through the
//! pipeline as one test run (sanitize, fingerprint, cluster) and the offline
//! rules, and prints per language: the adjusted Rand index, pairwise
//! precision and recall, clusters against causes; then category accuracy
//! with its confusion table.
//!
//! ```text
//! cargo run --release -p failtale-core --example eval_real -- DIR [--half tune|test|all] [--join-identical] [--ceiling] [--origin ci-log|runner-fixture] [--show-splits N] [--show-merges N] [--show-wrong N] [--dump FILE.tsv] [--per-run]
//! ```
//!
//! The figure that counts is `--half test`: tune on `tune` only.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the evaluation prints its figures and the lines it skips"
)]

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use failtale_core::Pipeline;
use failtale_core::analyze::{OfflineAnalyzer, Sources, category_name};
use failtale_core::model::{Attempt, Failure, FailureKind, TestCase, TestId, TestRun};
use failtale_core::sanitize::Redactions;

#[derive(serde::Deserialize)]
struct Item {
    id: String,
    lang: String,
    #[serde(default)]
    shape: String,
    cause: String,
    category: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    classname: Option<String>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    r#type: Option<String>,
    text: String,
}

struct Args {
    dir: PathBuf,
    half: String,
    show_splits: usize,
    show_merges: usize,
    show_wrong: usize,
    join_identical: bool,
    explain: Vec<String>,
    origin: Option<String>,
    dump: Option<PathBuf>,
    ceiling: bool,
    per_run: bool,
}

fn args() -> Args {
    let mut a = Args {
        dir: PathBuf::new(),
        half: "test".into(),
        show_splits: 0,
        show_merges: 0,
        show_wrong: 0,
        join_identical: false,
        explain: Vec::new(),
        origin: None,
        dump: None,
        ceiling: false,
        per_run: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        let mut num = || it.next().and_then(|v| v.parse().ok()).unwrap_or(20);
        match x.as_str() {
            "--half" => {
                a.half = std::env::args()
                    .skip_while(|v| v != "--half")
                    .nth(1)
                    .unwrap_or_default()
            }
            "--show-splits" => a.show_splits = num(),
            "--show-merges" => a.show_merges = num(),
            "--show-wrong" => a.show_wrong = num(),
            "--join-identical" => a.join_identical = true,
            "--ceiling" => a.ceiling = true,
            "--explain" => a.explain.extend(it.next()),
            "--origin" => a.origin = it.next(),
            "--dump" => a.dump = it.next().map(PathBuf::from),
            "--per-run" => a.per_run = true,
            _ if a.dir.as_os_str().is_empty() && !x.starts_with("--") => a.dir = x.into(),
            _ => {}
        }
    }
    if a.half.starts_with("--") || a.half.is_empty() {
        a.half = "test".into();
    }
    if a.dir.as_os_str().is_empty() {
        a.dir = std::env::var_os("FAILTALE_EVAL")
            .map(PathBuf::from)
            .unwrap_or_else(|| "../cache/failtale-eval".into());
    }
    a
}

/// Where a text comes from: a CI log pasted in an issue thread (its source
/// is the thread's address) or a runner's own expected-output fixture,
/// whose labels are per fixture test.
fn origin_of(i: &Item) -> &'static str {
    if i.source.starts_with("https://") {
        "ci-log"
    } else {
        "runner-fixture"
    }
}

/// The run a failure was seen in: its source, without the `#n` a source
/// gets when it repeats.
fn run_of(i: &Item) -> &str {
    i.source.split('#').next().unwrap_or(&i.source)
}

/// The half a cause belongs to: FNV-1a of its label, fixed once.
fn half_of(cause: &str) -> &'static str {
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for b in cause.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    if (h >> 7).is_multiple_of(2) {
        "tune"
    } else {
        "test"
    }
}

fn load(dir: &PathBuf) -> Vec<Item> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e} (run failtale-core/eval/fetch.sh)",
                dir.display()
            )
        })
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable");
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Item>(line) {
                Ok(i) => out.push(i),
                Err(e) => eprintln!("{}:{}: skipped: {e}", f.display(), n + 1),
            }
        }
    }
    out
}

fn case_of(i: &Item) -> TestCase {
    let mut f = Failure::new(FailureKind::Failure);
    f.r#type = i.r#type.clone();
    f.body = Some(i.text.as_str().into());
    let id = TestId::new(Vec::new().into(), i.classname.clone(), i.name.clone());
    let mut case = TestCase::new(id, vec![Attempt::with_failures(vec![f])]);
    case.file = i.file.clone();
    case
}

/// Language groups reported: TypeScript apart from JavaScript, JVM languages together.
fn group(lang: &str) -> &str {
    match lang {
        "java" | "kotlin" | "scala" | "groovy" => "jvm",
        "c" | "cpp" | "c++" => "cpp",
        other => other,
    }
}

fn comb2(n: usize) -> f64 {
    (n as f64) * (n as f64 - 1.0) / 2.0
}

struct Pairs {
    ari: f64,
    precision: f64,
    recall: f64,
    clusters: usize,
    causes: usize,
}

fn pair_scores(truth: &[usize], pred: &[usize]) -> Pairs {
    let mut both: HashMap<(usize, usize), usize> = HashMap::new();
    let mut t: HashMap<usize, usize> = HashMap::new();
    let mut p: HashMap<usize, usize> = HashMap::new();
    for (&a, &b) in truth.iter().zip(pred) {
        *both.entry((a, b)).or_default() += 1;
        *t.entry(a).or_default() += 1;
        *p.entry(b).or_default() += 1;
    }
    let sum_both: f64 = both.values().map(|&n| comb2(n)).sum();
    let sum_t: f64 = t.values().map(|&n| comb2(n)).sum();
    let sum_p: f64 = p.values().map(|&n| comb2(n)).sum();
    let total = comb2(truth.len());
    let expected = if total > 0.0 {
        sum_t * sum_p / total
    } else {
        0.0
    };
    let max = (sum_t + sum_p) / 2.0;
    let ari = if (max - expected).abs() < f64::EPSILON {
        1.0
    } else {
        (sum_both - expected) / (max - expected)
    };
    Pairs {
        ari,
        precision: if sum_p > 0.0 { sum_both / sum_p } else { 1.0 },
        recall: if sum_t > 0.0 { sum_both / sum_t } else { 1.0 },
        clusters: p.len(),
        causes: t.len(),
    }
}

/// A signature as `name=value | …`, each value cut to `width` characters.
fn describe(sig: &failtale_core::model::Signature, width: usize) -> String {
    sig.components
        .iter()
        .map(|c| {
            format!(
                "{}={}",
                c.name,
                c.value.chars().take(width).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn first_line(s: &str) -> String {
    let l = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    l.chars().take(110).collect()
}

/// The labels with the causes of failures whose texts cannot be told apart
/// joined (union-find over the labels): texts identical once the test's
/// own name is taken out, and with `numbers` also once every run of digits
/// is (line numbers, compared values, counters). With `per_run` only texts
/// of one run are compared.
fn join_identical(items: &[&Item], labels: &[usize], per_run: bool, numbers: bool) -> Vec<usize> {
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let mut parent: Vec<usize> = (0..labels.iter().max().map_or(0, |m| m + 1)).collect();
    let mut first: HashMap<(String, &str, &str), usize> = HashMap::new();
    for (k, i) in items.iter().enumerate() {
        let mut text = i.text.clone();
        if i.name.trim().len() >= 6 {
            text = text.replace(i.name.trim(), "<test>");
        }
        let mut key: String = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        if numbers {
            let mut out = String::with_capacity(key.len());
            for ch in key.chars() {
                if !ch.is_ascii_digit() {
                    out.push(ch);
                } else if !out.ends_with('#') {
                    out.push('#');
                }
            }
            key = out;
        }
        let run = if per_run { run_of(i) } else { "" };
        let key = (key, group(&i.lang), run);
        match first.get(&key) {
            Some(&other) => {
                let (x, y) = (
                    find(&mut parent, labels[k]),
                    find(&mut parent, labels[other]),
                );
                parent[x.max(y)] = x.min(y);
            }
            None => {
                first.insert(key, k);
            }
        }
    }
    labels.iter().map(|&t| find(&mut parent, t)).collect()
}

fn main() {
    let a = args();
    let all = load(&a.dir);
    let items: Vec<&Item> = all
        .iter()
        .filter(|i| a.half == "all" || half_of(&i.cause) == a.half)
        .filter(|i| a.origin.as_deref().is_none_or(|o| origin_of(i) == o))
        .collect();
    assert!(!items.is_empty(), "no items in {}", a.dir.display());

    if !a.explain.is_empty() {
        let fp = failtale_core::fingerprint::StructuredFingerprint::default();
        for i in all
            .iter()
            .filter(|i| a.explain.iter().any(|e| i.id.starts_with(e.as_str())))
        {
            let sig = failtale_core::Fingerprint::fingerprint(&fp, &case_of(i));
            println!("{}", i.id);
            for c in &sig.components {
                println!("  {} = {:?}", c.name, c.value);
            }
            let an = OfflineAnalyzer::new()
                .analyze_failure(&sig, &Sources::from_failure(i.r#type.as_deref(), &i.text));
            println!(
                "  => {} ({}) label {}",
                category_name(an.category),
                an.root_cause,
                i.category
            );
            let m = failtale_core::analyze::RuleSet::builtin()
                .classify(&Sources::from_failure(i.r#type.as_deref(), &i.text));
            if let Some(m) = m {
                println!(
                    "  rule {} score {} cites {:?}",
                    m.rule,
                    m.score,
                    m.citations
                        .iter()
                        .map(|c| c.quote.clone())
                        .collect::<Vec<_>>()
                );
            }
        }
        return;
    }
    // One run holding every failure of the half, as a CI job would hand it over.
    let run = {
        let mut test_run = TestRun::default();
        test_run.cases = items.iter().map(|i| case_of(i)).collect();
        test_run
    };
    let pipeline = Pipeline::default();
    let mut redactions = Redactions::default();
    let run = pipeline.sanitize(run, &mut redactions).into_inner();
    let t = std::time::Instant::now();
    let mut clusters = pipeline.cluster(&run);
    let elapsed = t.elapsed();
    let mut pred = vec![usize::MAX; items.len()];
    for (k, c) in clusters.iter().enumerate() {
        for &i in &c.case_indices {
            pred[i] = k;
        }
    }
    if a.per_run {
        // What one CI job hands over: the failures of one source (a log, an
        // expected-output file) are one run, clustered on their own.
        let mut runs: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (k, i) in items.iter().enumerate() {
            runs.entry(run_of(i)).or_default().push(k);
        }
        // The clusters shown below are then these runs' clusters, with
        // their members numbered as in the half.
        let mut per_run = Vec::new();
        for members in runs.values() {
            let mut one = TestRun::default();
            one.cases = members.iter().map(|&k| run.cases[k].clone()).collect();
            for mut c in pipeline.cluster(&one) {
                for i in &mut c.case_indices {
                    *i = members[*i];
                    pred[*i] = per_run.len();
                }
                per_run.push(c);
            }
        }
        clusters = per_run;
    }
    let mut cause_ids: HashMap<&str, usize> = HashMap::new();
    let mut truth: Vec<usize> = items
        .iter()
        .map(|i| {
            let n = cause_ids.len();
            *cause_ids.entry(i.cause.as_str()).or_insert(n)
        })
        .collect();
    if a.per_run {
        // A cause is counted per run: failures of one cause in two runs
        // are never in one cluster, and that is not a split.
        let mut refined: HashMap<(&str, usize), usize> = HashMap::new();
        for (k, i) in items.iter().enumerate() {
            let n = refined.len();
            truth[k] = *refined.entry((run_of(i), truth[k])).or_insert(n);
        }
        println!("runs: each source clustered on its own, causes counted per run");
    }
    if a.join_identical {
        // Failures whose texts are identical once the test's own name is
        // taken out cannot be told apart by anyone reading them: their
        // causes are joined (union-find over the labels).
        // (With --per-run the labels are per run, and only texts of one run
        // are compared: failures of two runs never share a cluster.)
        let labels = truth.iter().max().map_or(0, |m| m + 1);
        truth = join_identical(&items, &truth, a.per_run, false);
        let joined: std::collections::HashSet<usize> = truth.iter().copied().collect();
        println!(
            "labels: identical texts joined ({} causes become {})",
            labels,
            joined.len()
        );
    } else {
        println!("labels: as given");
    }

    println!(
        "half {}: {} failures, {} causes, {} clusters (clustered in {:.0?})\n",
        a.half,
        items.len(),
        truth.iter().collect::<std::collections::HashSet<_>>().len(),
        clusters.len(),
        elapsed
    );
    println!(
        "| language | failures | causes | clusters | ARI | pairwise precision | pairwise recall |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut langs: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (k, i) in items.iter().enumerate() {
        langs.entry(group(&i.lang)).or_default().push(k);
    }
    let row = |name: &str, idx: &[usize]| {
        let tr: Vec<usize> = idx.iter().map(|&k| truth[k]).collect();
        let pr: Vec<usize> = idx.iter().map(|&k| pred[k]).collect();
        let s = pair_scores(&tr, &pr);
        println!(
            "| {name} | {} | {} | {} | {:.3} | {:.4} | {:.3} |",
            idx.len(),
            s.causes,
            s.clusters,
            s.ari,
            s.precision,
            s.recall
        );
    };
    for (l, idx) in &langs {
        row(l, idx);
    }
    let every: Vec<usize> = (0..items.len()).collect();
    row("**all**", &every);

    if a.ceiling {
        // What a method that reads only the text can reach at best: it
        // follows the labels except that texts it cannot tell apart fall
        // into one cluster.
        println!("\n| ceiling: texts identical … | ARI | pairwise precision | pairwise recall |");
        println!("|---|---:|---:|---:|");
        for (what, numbers) in [
            ("but for the test name", false),
            ("but for the test name and numbers", true),
        ] {
            let oracle = join_identical(&items, &truth, a.per_run, numbers);
            let s = pair_scores(&truth, &oracle);
            println!(
                "| {what} | {:.3} | {:.4} | {:.3} |",
                s.ari, s.precision, s.recall
            );
        }
    }

    // Per output shape: how many causes are split, how many clusters mix causes.
    let mut shapes: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (k, i) in items.iter().enumerate() {
        shapes.entry(i.shape.as_str()).or_default().push(k);
    }
    println!("\n| shape | failures | causes | clusters | ARI | precision | recall |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (s, idx) in &shapes {
        let tr: Vec<usize> = idx.iter().map(|&k| truth[k]).collect();
        let pr: Vec<usize> = idx.iter().map(|&k| pred[k]).collect();
        let p = pair_scores(&tr, &pr);
        println!(
            "| {s} | {} | {} | {} | {:.3} | {:.3} | {:.3} |",
            idx.len(),
            p.causes,
            p.clusters,
            p.ari,
            p.precision,
            p.recall
        );
    }

    if a.show_splits > 0 {
        println!("\n## causes split over several clusters");
        // By the labels in use: with --per-run a cause seen in two runs is
        // two causes, and clusters never span runs.
        let mut by_cause: BTreeMap<(&str, usize), Vec<usize>> = BTreeMap::new();
        for (k, i) in items.iter().enumerate() {
            by_cause
                .entry((i.cause.as_str(), truth[k]))
                .or_default()
                .push(k);
        }
        let mut shown = 0;
        for ((cause, _), ks) in by_cause {
            let mut cs: Vec<usize> = ks.iter().map(|&k| pred[k]).collect();
            cs.sort_unstable();
            cs.dedup();
            if cs.len() < 2 {
                continue;
            }
            shown += 1;
            if shown > a.show_splits {
                continue;
            }
            println!(
                "\n### {cause}: {} failures in {} clusters",
                ks.len(),
                cs.len()
            );
            for c in cs.iter().take(4) {
                let k = ks.iter().find(|&&k| pred[k] == *c).copied().unwrap_or(0);
                println!(
                    "- [{}] {}\n    {}",
                    items[k].id,
                    first_line(&items[k].text),
                    describe(&clusters[*c].fingerprint, 90)
                );
            }
        }
        println!("\n{shown} causes split");
    }
    if a.show_merges > 0 {
        println!("\n## clusters holding several causes");
        let mut shown = 0;
        for (ci, c) in clusters.iter().enumerate() {
            let mut cs: Vec<&str> = c
                .case_indices
                .iter()
                .map(|&k| items[k].cause.as_str())
                .collect();
            cs.sort_unstable();
            cs.dedup();
            if cs.len() < 2 {
                continue;
            }
            shown += 1;
            if shown > a.show_merges {
                continue;
            }
            println!(
                "\n### cluster {ci}: {} failures, causes {:?}",
                c.case_indices.len(),
                cs.iter().take(6).collect::<Vec<_>>()
            );
            println!("    {}", describe(&c.fingerprint, 120));
            for &k in c.case_indices.iter().take(4) {
                println!("- [{}] {}", items[k].id, first_line(&items[k].text));
            }
        }
        println!("\n{shown} mixed clusters");
    }

    // Categories: the offline rules on each text.
    let analyzer = OfflineAnalyzer::new();
    let fp = failtale_core::fingerprint::StructuredFingerprint::default();
    let mut confusion: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut right = 0usize;
    let mut by_lang: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut wrong = Vec::new();
    let mut dump = String::from("id\tlang\tshape\tcause\tcluster\tlabel\tgot\n");
    for (k, i) in items.iter().enumerate() {
        let text = run.cases[k]
            .primary_failure()
            .map(Failure::full_text)
            .unwrap_or_default();
        let sig = failtale_core::Fingerprint::fingerprint(&fp, &run.cases[k]);
        let got = category_name(
            analyzer
                .analyze_failure(&sig, &Sources::from_failure(i.r#type.as_deref(), &text))
                .category,
        )
        .to_owned();
        dump.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            i.id,
            group(&i.lang),
            i.shape,
            i.cause,
            pred[k],
            i.category,
            got
        ));
        let e = by_lang.entry(group(&i.lang)).or_default();
        e.0 += 1;
        if got == i.category {
            right += 1;
            e.1 += 1;
        } else {
            wrong.push((
                i.category.clone(),
                got.clone(),
                i.id.clone(),
                first_line(&i.text),
            ));
        }
        *confusion.entry((i.category.clone(), got)).or_default() += 1;
    }
    if let Some(path) = &a.dump {
        std::fs::write(path, dump).expect("dump written");
    }
    println!(
        "\ncategory accuracy: {right}/{} = {:.1} %",
        items.len(),
        100.0 * right as f64 / items.len() as f64
    );
    for (l, (n, r)) in &by_lang {
        println!("  {l}: {r}/{n} = {:.1} %", 100.0 * *r as f64 / *n as f64);
    }
    let cats: Vec<String> = {
        let mut c: Vec<String> = confusion
            .keys()
            .flat_map(|(a, b)| [a.clone(), b.clone()])
            .collect();
        c.sort();
        c.dedup();
        c
    };
    let short = |c: &str| -> String { c.chars().take(6).collect() };
    println!("\nconfusion (rows: label, columns: rules)");
    print!("| label \\ rules |");
    for c in &cats {
        print!(" {} |", short(c));
    }
    println!();
    print!("|---|");
    for _ in &cats {
        print!("---:|");
    }
    println!();
    for r in &cats {
        print!("| {r} |");
        for c in &cats {
            let n = confusion.get(&(r.clone(), c.clone())).copied().unwrap_or(0);
            if n == 0 {
                print!(" · |");
            } else {
                print!(" {n} |");
            }
        }
        println!();
    }
    if a.show_wrong > 0 {
        println!("\n## wrong categories");
        for (want, got, id, line) in wrong.iter().take(a.show_wrong) {
            println!("- {want} -> {got} [{id}] {line}");
        }
    }
}
