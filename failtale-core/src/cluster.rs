//! Grouping of fingerprinted failures.

use std::collections::HashMap;

use crate::model::{Cluster, Signature, TestRun};

/// Groups failures with identical fingerprints; clusters are ordered largest
/// first (ties by first appearance) and numbered `c1`, `c2`, ….
pub fn exact_clusters(run: &TestRun, signatures: Vec<(usize, Signature)>) -> Vec<Cluster> {
    let mut order: Vec<(Signature, Vec<usize>)> = Vec::new();
    let mut by_hash: HashMap<String, usize> = HashMap::new();
    for (case, sig) in signatures {
        match by_hash.get(&sig.hash) {
            Some(&i) => order[i].1.push(case),
            None => {
                by_hash.insert(sig.hash.clone(), order.len());
                order.push((sig, vec![case]));
            }
        }
    }
    order.sort_by_key(|(_, members)| std::cmp::Reverse(members.len()));
    order
        .into_iter()
        .enumerate()
        .map(|(n, (fingerprint, case_indices))| build_cluster(run, n, fingerprint, case_indices))
        .collect()
}

/// Builds the `n`-th cluster (0-based) from its member cases.
pub fn build_cluster(
    run: &TestRun,
    n: usize,
    fingerprint: Signature,
    case_indices: Vec<usize>,
) -> Cluster {
    let cases = case_indices.iter().map(|&i| &run.cases[i]);
    let tests = cases.clone().map(|c| c.id.key()).collect();
    let occurrences = cases
        .map(|c| {
            c.attempts
                .iter()
                .filter(|a| a.status().is_failing())
                .count()
                .max(1)
        })
        .sum();
    Cluster {
        id: format!("c{}", n + 1),
        merged_from: vec![fingerprint.hash.clone()],
        fingerprint,
        tests,
        representative: case_indices[0],
        case_indices,
        occurrences,
        mass_failure: false,
        label: None,
    }
}
