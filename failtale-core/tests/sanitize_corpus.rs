//! The labelled corpus of the sanitize stage (`tests/sanitize/corpus.txt`):
//! realistic true positives for every rule and near-miss negatives. Prints
//! recall and false-positive rate per rule, and requires 100 % recall and no
//! false positive.

#![allow(clippy::print_stderr)] // the per-rule table is the point of this test

use std::collections::BTreeMap;

use failtale_core::sanitize::{RULES, Redactions, RuleSanitizer, SanitizeConfig};

struct Case {
    rule: String,
    label: String,
    text: String,
    gone: Vec<String>,
    kept: Vec<String>,
}

fn parse(corpus: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    #[derive(PartialEq)]
    enum Part {
        Text,
        Gone,
        Kept,
    }
    let mut part = Part::Text;
    for line in corpus.lines() {
        if let Some(head) = line.strip_prefix("=== ") {
            let (rule, label) = head.split_once(" | ").expect("`=== rule | label`");
            cases.push(Case {
                rule: rule.trim().to_owned(),
                label: label.trim().to_owned(),
                text: String::new(),
                gone: Vec::new(),
                kept: Vec::new(),
            });
            part = Part::Text;
            continue;
        }
        let Some(case) = cases.last_mut() else {
            continue; // the header comment
        };
        match line {
            "--- gone" => part = Part::Gone,
            "--- kept" => part = Part::Kept,
            _ => match part {
                Part::Text => {
                    if !case.text.is_empty() {
                        case.text.push('\n');
                    }
                    case.text.push_str(line);
                }
                Part::Gone => case.gone.push(line.to_owned()),
                Part::Kept => case.kept.push(line.to_owned()),
            },
        }
    }
    cases
}

#[derive(Default)]
struct Score {
    positives: usize,
    caught: usize,
    false_positives: usize,
}

#[test]
fn every_rule_has_full_recall_and_no_false_positive_on_the_corpus() {
    let corpus = include_str!("sanitize/corpus.txt");
    let cases = parse(corpus);
    assert!(cases.len() > 100, "corpus parsed: {} cases", cases.len());
    let sanitizer = RuleSanitizer::new(&SanitizeConfig::default()).unwrap();

    let mut scores: BTreeMap<&str, Score> = RULES
        .iter()
        .filter(|r| r.name != "ipv4") // off by default; see `ip_addresses_only_when_asked`
        .map(|r| (r.name, Score::default()))
        .collect();
    let mut negatives = 0usize;
    let mut problems = Vec::new();

    for case in &cases {
        let mut state = Redactions::new();
        let out = sanitizer.redact(&case.text, &mut state);
        let candidates = sanitizer.candidates(&case.text);
        if case.rule != "none" {
            let score = scores.get_mut(case.rule.as_str()).unwrap_or_else(|| {
                panic!("case `{}` names unknown rule `{}`", case.label, case.rule)
            });
            score.positives += 1;
            let leaked: Vec<&String> = case
                .gone
                .iter()
                .filter(|g| out.contains(g.as_str()))
                .collect();
            let fired = candidates.iter().any(|c| {
                c.rule == case.rule
                    && case.gone.iter().any(|g| {
                        case.text
                            .match_indices(g.as_str())
                            .any(|(i, _)| c.range.start < i + g.len() && i < c.range.end)
                    })
            });
            if leaked.is_empty() && fired {
                score.caught += 1;
            } else {
                problems.push(format!(
                    "MISSED [{}] {}: leaked {leaked:?}, rule fired: {fired}\n  output: {out}",
                    case.rule, case.label
                ));
            }
        }
        for kept in &case.kept {
            negatives += 1;
            let spans: Vec<(usize, usize)> = case
                .text
                .match_indices(kept.as_str())
                .map(|(i, k)| (i, i + k.len()))
                .collect();
            assert!(
                !spans.is_empty(),
                "[{}] kept text not in input: {kept}",
                case.label
            );
            let mut hit_rules: Vec<&str> = candidates
                .iter()
                .filter(|c| {
                    spans
                        .iter()
                        .any(|&(s, e)| c.range.start < e && s < c.range.end)
                })
                .map(|c| c.rule)
                .collect();
            hit_rules.dedup();
            for r in &hit_rules {
                if let Some(s) = scores.get_mut(r) {
                    s.false_positives += 1;
                }
            }
            if !hit_rules.is_empty() || !out.contains(kept.as_str()) {
                problems.push(format!(
                    "DESTROYED [{}] {}: `{kept}` by {hit_rules:?}\n  output: {out}",
                    case.rule, case.label
                ));
            }
        }
    }

    eprintln!(
        "\n{:<28} {:>9} {:>7} {:>8} {:>5} {:>8}",
        "rule", "positives", "caught", "recall", "FP", "FP rate"
    );
    for (rule, s) in &scores {
        eprintln!(
            "{rule:<28} {:>9} {:>7} {:>7.1}% {:>5} {:>7.2}%",
            s.positives,
            s.caught,
            100.0 * s.caught as f64 / s.positives.max(1) as f64,
            s.false_positives,
            100.0 * s.false_positives as f64 / negatives.max(1) as f64
        );
    }
    eprintln!(
        "({negatives} must-survive items across {} cases)\n",
        cases.len()
    );

    let untested: Vec<&&str> = scores
        .iter()
        .filter(|(_, s)| s.positives == 0)
        .map(|(r, _)| r)
        .collect();
    assert!(
        untested.is_empty(),
        "rules without a positive case: {untested:?}"
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn ip_addresses_only_when_asked() {
    let text = "connect ECONNREFUSED 10.0.3.17:5432 from 127.0.0.1; version 1.2.3";
    let off = RuleSanitizer::new(&SanitizeConfig::default()).unwrap();
    assert_eq!(off.redact(text, &mut Redactions::new()), text);
    let on = RuleSanitizer::new(&SanitizeConfig {
        redact_ips: true,
        ..SanitizeConfig::default()
    })
    .unwrap();
    assert_eq!(
        on.redact(text, &mut Redactions::new()),
        "connect ECONNREFUSED [REDACTED:ip#1]:5432 from 127.0.0.1; version 1.2.3"
    );
}

#[test]
fn emails_and_cards_can_be_switched_off() {
    let text = "user jane@example.org paid with 4111 1111 1111 1111";
    let s = RuleSanitizer::new(&SanitizeConfig {
        redact_emails: false,
        redact_card_numbers: false,
        ..SanitizeConfig::default()
    })
    .unwrap();
    assert_eq!(s.redact(text, &mut Redactions::new()), text);
}
