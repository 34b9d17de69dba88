//! Near-duplicate clustering of signatures, and mass-failure detection.
//!
//! 1. **Mass failure.** When at least [`ClusterConfig::mass_failure_share`] of
//!    the failing tests (and at least [`ClusterConfig::mass_failure_min_tests`])
//!    share one environment signature (the same service refusing connections,
//!    a full disk, …), those tests become one cluster labelled as a mass
//!    failure, whatever their frames.
//! 2. **Exact groups.** The remaining failures are grouped by fingerprint.
//! 3. **Near-duplicates.** Each distinct signature becomes a set of shingles
//!    (the kind, the outer type, the location and each frame as whole values;
//!    the message and statement as token unigrams and bigrams). A 64-value
//!    MinHash of each set is cut into 16 bands of 4 rows; signatures that
//!    share a band are candidate neighbours, and a candidate is a neighbour
//!    when the exact Jaccard similarity of the sets reaches
//!    [`ClusterConfig::similarity`] (or [`ClusterConfig::cross_kind_similarity`]
//!    when the kinds differ, which keeps "same message, different exception"
//!    apart). DBSCAN then runs over the neighbour graph, each distinct
//!    signature weighted by its number of failures: a signature is a core
//!    point when it and its neighbours hold at least
//!    [`ClusterConfig::min_points`] failures; core points that are neighbours
//!    join one cluster, border points join a core neighbour's cluster, and the
//!    rest stay clusters of their own.
//!
//! The cost grows with the number of distinct signatures and their size, not
//! with its square: every signature is hashed once and compared only with the
//! signatures it shares a band with. In a band bucket holding more than
//! [`BUCKET_ALL_PAIRS`] signatures, each is compared with the bucket's first
//! and with its predecessor only, which keeps the work linear when thousands
//! of near-identical signatures collide (their connectivity is unchanged for
//! connected components, the default `min_points = 1`).

use std::collections::HashMap;

use crate::cluster::build_cluster;
use crate::model::{Cluster, Signature, SignatureComponent, TestRun};

/// Clustering options.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterConfig {
    /// Merge near-duplicate signatures at all (`false`: exact groups only).
    pub near_duplicates: bool,
    /// Jaccard similarity at which two signatures of the same kind are neighbours.
    pub similarity: f64,
    /// Jaccard similarity at which two signatures of different kinds are neighbours.
    pub cross_kind_similarity: f64,
    /// DBSCAN's minimum number of failures around a core point (1: every
    /// signature is a core point, clusters are connected components).
    pub min_points: usize,
    /// Share of failing tests that must share one environment signature for a mass failure.
    pub mass_failure_share: f64,
    /// Fewest failing tests that make a mass failure.
    pub mass_failure_min_tests: usize,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            near_duplicates: true,
            similarity: 0.9,
            cross_kind_similarity: 0.95,
            min_points: 1,
            mass_failure_share: 0.5,
            mass_failure_min_tests: 5,
        }
    }
}

const HASHES: usize = 64;
const BANDS: usize = 16;
const ROWS: usize = HASHES / BANDS;
/// Band buckets up to this size are compared pairwise.
pub const BUCKET_ALL_PAIRS: usize = 48;

/// Groups fingerprinted failures (indices into `run.cases` with their
/// signatures) into clusters, largest first, numbered `c1`, `c2`, ….
pub fn cluster(
    run: &TestRun,
    signatures: Vec<(usize, Signature)>,
    cfg: &ClusterConfig,
) -> Vec<Cluster> {
    let total = signatures.len();
    let (mass, rest) = split_mass_failure(signatures, cfg);

    // Exact groups, in order of first appearance.
    let mut groups: Vec<(Signature, Vec<usize>)> = Vec::new();
    let mut by_hash: HashMap<String, usize> = HashMap::new();
    for (case, sig) in rest {
        match by_hash.get(&sig.hash) {
            Some(&g) => groups[g].1.push(case),
            None => {
                by_hash.insert(sig.hash.clone(), groups.len());
                groups.push((sig, vec![case]));
            }
        }
    }
    drop(by_hash);

    let labels = if cfg.near_duplicates && groups.len() > 1 {
        let weights: Vec<usize> = groups.iter().map(|(_, m)| m.len()).collect();
        let sigs: Vec<&Signature> = groups.iter().map(|(s, _)| s).collect();
        density_labels(&sigs, &weights, cfg)
    } else {
        (0..groups.len()).collect()
    };

    // Merge the groups of each label.
    let mut merged: Vec<Vec<usize>> = Vec::new();
    let mut slot: HashMap<usize, usize> = HashMap::new();
    for (g, &label) in labels.iter().enumerate() {
        let s = *slot.entry(label).or_insert_with(|| {
            merged.push(Vec::new());
            merged.len() - 1
        });
        merged[s].push(g);
    }
    let mut groups: Vec<Option<(Signature, Vec<usize>)>> = groups.into_iter().map(Some).collect();
    let mut out: Vec<Draft> = Vec::with_capacity(merged.len() + 1);
    for members in merged {
        let mut parts: Vec<(Signature, Vec<usize>)> = members
            .into_iter()
            .filter_map(|g| groups[g].take())
            .collect();
        // Largest exact group first (stable: ties keep first appearance).
        parts.sort_by_key(|(_, m)| std::cmp::Reverse(m.len()));
        let merged_from = parts.iter().map(|(s, _)| s.hash.clone()).collect();
        let representative = parts[0].1[0];
        let mut iter = parts.into_iter();
        let Some((fingerprint, mut cases)) = iter.next() else {
            continue;
        };
        for (_, m) in iter {
            cases.extend(m);
        }
        cases.sort_unstable();
        out.push(Draft {
            fingerprint,
            cases,
            representative,
            merged_from,
            mass: None,
        });
    }
    if let Some((env, members)) = mass {
        let n = members.len();
        let mut hashes: Vec<(String, usize)> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut cases = Vec::with_capacity(n);
        for (case, sig) in members {
            cases.push(case);
            let i = *seen.entry(sig.hash.clone()).or_insert_with(|| {
                hashes.push((sig.hash, 0));
                hashes.len() - 1
            });
            hashes[i].1 += 1;
        }
        hashes.sort_by_key(|(_, c)| std::cmp::Reverse(*c));
        cases.sort_unstable();
        let fingerprint = Signature::from_components(vec![
            SignatureComponent::new("kind", "mass failure"),
            SignatureComponent::new("environment", env.clone()),
            SignatureComponent::info("share", format!("{n} of {total} failing tests")),
        ]);
        out.push(Draft {
            fingerprint,
            representative: cases[0],
            cases,
            merged_from: hashes.into_iter().map(|(h, _)| h).collect(),
            mass: Some(format!(
                "mass failure: {env} ({n} of {total} failing tests)"
            )),
        });
    }
    // Largest first; ties by first member in run order.
    out.sort_by_key(|d| (std::cmp::Reverse(d.cases.len()), d.cases[0]));
    out.into_iter()
        .enumerate()
        .map(|(n, d)| {
            let mut c = build_cluster(run, n, d.fingerprint, d.cases);
            c.representative = d.representative;
            c.merged_from = d.merged_from;
            c.mass_failure = d.mass.is_some();
            c.label = d.mass;
            c
        })
        .collect()
}

struct Draft {
    fingerprint: Signature,
    cases: Vec<usize>,
    representative: usize,
    merged_from: Vec<String>,
    mass: Option<String>,
}

type Members = Vec<(usize, Signature)>;

/// Splits off the failures that share the dominant environment signature, when it dominates.
fn split_mass_failure(
    signatures: Members,
    cfg: &ClusterConfig,
) -> (Option<(String, Members)>, Members) {
    let env_of = |s: &Signature| {
        s.components
            .iter()
            .find(|c| c.name == "environment")
            .map(|c| c.value.clone())
    };
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (_, s) in &signatures {
        if let Some(e) = env_of(s) {
            *counts.entry(e).or_insert(0) += 1;
        }
    }
    let Some((env, n)) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
    else {
        return (None, signatures);
    };
    if n < cfg.mass_failure_min_tests.max(1)
        || (n as f64) < cfg.mass_failure_share * signatures.len() as f64
    {
        return (None, signatures);
    }
    let (mass, rest): (Members, Members) = signatures
        .into_iter()
        .partition(|(_, s)| env_of(s).as_deref() == Some(env.as_str()));
    (Some((env, mass)), rest)
}

/// DBSCAN over the near-duplicate graph; returns a label per signature
/// (the index of a member of its cluster).
pub fn density_labels(sigs: &[&Signature], weights: &[usize], cfg: &ClusterConfig) -> Vec<usize> {
    let n = sigs.len();
    let sets: Vec<Vec<u64>> = sigs.iter().map(|s| shingles(s)).collect();
    let shapes: Vec<Shape<'_>> = sigs.iter().map(|s| Shape::of(s)).collect();
    let mut edges = neighbours(&sets, &shapes, cfg);
    edges.extend(template_edges(sigs, weights));
    edges.sort_unstable();
    edges.dedup();
    let mut adjacency: Vec<Vec<u32>> = vec![Vec::new(); n];
    for &(a, b) in &edges {
        adjacency[a as usize].push(b);
        adjacency[b as usize].push(a);
    }
    let core: Vec<bool> = (0..n)
        .map(|i| {
            weights[i]
                + adjacency[i]
                    .iter()
                    .map(|&j| weights[j as usize])
                    .sum::<usize>()
                >= cfg.min_points
        })
        .collect();
    let mut uf = UnionFind::new(n);
    for &(a, b) in &edges {
        if core[a as usize] && core[b as usize] {
            uf.union(a as usize, b as usize);
        }
    }
    for i in 0..n {
        if !core[i]
            && let Some(&j) = adjacency[i].iter().filter(|&&j| core[j as usize]).min()
        {
            uf.union(i, j as usize);
        }
    }
    // One check of a table-driven test (same parent, same file and line),
    // failing in several rows, is one story whatever its messages say.
    let mut by_site: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for (i, s) in sigs.iter().enumerate() {
        let site = component(s, "site");
        if site.is_empty() {
            continue;
        }
        let key = (component(s, "language"), component(s, "kind"), site);
        match by_site.get(&key) {
            Some(&first) => uf.union(first, i),
            None => {
                by_site.insert(key, i);
            }
        }
    }
    (0..n).map(|i| uf.find(i)).collect()
}

/// What must agree for two signatures to be near-duplicates: the kind, the
/// outer type, the location and the top in-app frame. The message and the
/// lower frames may differ.
#[derive(PartialEq, Eq)]
struct Shape<'a> {
    language: &'a str,
    kind: &'a str,
    outer: &'a str,
    location: &'a str,
    top_frame: &'a str,
}

impl<'a> Shape<'a> {
    fn of(s: &'a Signature) -> Self {
        Shape {
            language: component(s, "language"),
            kind: component(s, "kind"),
            outer: component(s, "outer"),
            location: component(s, "location"),
            top_frame: component(s, "frame"),
        }
    }
}

fn component<'a>(s: &'a Signature, name: &str) -> &'a str {
    s.components
        .iter()
        .find(|c| c.name == name)
        .map_or("", |c| c.value.as_str())
}

/// Message tokens for shingles and templates.
fn tokens(message: &str) -> impl Iterator<Item = &str> {
    message
        .split(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '<' || ch == '>'))
        .filter(|t| !t.is_empty())
}

/// Variable data that parameterisation missed, found Drain-style from the
/// signatures themselves: signatures equal in everything but one slot of the
/// message are one cause when that slot takes many values that rarely
/// repeat. A slot is either all quoted segments of the message together
/// (`'tori'`, `['ab', 'cd']`: at least [`QUOTED_MIN_VALUES`] values) or one
/// unquoted token (at least [`TOKEN_MIN_VALUES`] values); either way the
/// values must average at most [`MAX_REPEAT`] failures each. A word that names
/// a different service or field repeats across the failures of its cause, so
/// it does not look variable.
fn template_edges(sigs: &[&Signature], weights: &[usize]) -> Vec<(u32, u32)> {
    // template hash -> [(signature, value hash)], for each slot kind
    let mut quoted: HashMap<u64, Vec<(u32, u64)>> = HashMap::new();
    let mut single: HashMap<u64, Vec<(u32, u64)>> = HashMap::new();
    for (i, s) in sigs.iter().enumerate() {
        let mut context = 0xcbf2_9ce4_8422_2325_u64;
        for c in s
            .components
            .iter()
            .filter(|c| c.hashed && c.name != "message")
        {
            context = fnv(fnv(context, c.name.as_bytes()), c.value.as_bytes());
        }
        let message = component(s, "message");
        let (template, values) = split_quoted(message);
        if values != 0 {
            quoted
                .entry(fnv(context, template.as_bytes()))
                .or_default()
                .push((i as u32, values));
        }
        let toks: Vec<u64> = tokens(message)
            .take(TEMPLATE_MAX_TOKENS)
            .map(|t| fnv(0x100, t.as_bytes()))
            .collect();
        let whole = toks.iter().fold(mix(context ^ toks.len() as u64), |h, &t| {
            mix(h.rotate_left(5) ^ t)
        });
        for (pos, &t) in toks.iter().enumerate() {
            // The whole signature with this position blanked (position-dependent).
            let key = mix(whole ^ mix(t.wrapping_add(pos as u64 + 1)));
            single.entry(key).or_default().push((i as u32, t));
        }
    }
    let mut edges = Vec::new();
    for (slots, min_values) in [(quoted, QUOTED_MIN_VALUES), (single, TOKEN_MIN_VALUES)] {
        for members in slots.values() {
            if members.len() < min_values {
                continue;
            }
            let mut values: Vec<u64> = members.iter().map(|&(_, v)| v).collect();
            values.sort_unstable();
            values.dedup();
            let failures: usize = members.iter().map(|&(i, _)| weights[i as usize]).sum();
            if values.len() >= min_values && failures as f64 <= MAX_REPEAT * values.len() as f64 {
                for w in members.windows(2) {
                    edges.push((w[0].0.min(w[1].0), w[0].0.max(w[1].0)));
                }
            }
        }
    }
    edges
}

/// The message with every quoted segment blanked, and a hash of the segments (0: none).
fn split_quoted(message: &str) -> (String, u64) {
    let mut template = String::with_capacity(message.len());
    let mut values = 0u64;
    let mut rest = message;
    while let Some(open) = rest.find(['\'', '"']) {
        let q = rest.as_bytes()[open];
        let Some(len) = rest[open + 1..].find(char::from(q)) else {
            break;
        };
        template.push_str(&rest[..open]);
        template.push('*');
        values =
            mix(values.rotate_left(7) ^ fnv(0x200, &rest.as_bytes()[open + 1..open + 1 + len]));
        rest = &rest[open + len + 2..];
    }
    template.push_str(rest);
    (template, values)
}

/// Fewest distinct quoted values that make the quoted slot variable.
pub const QUOTED_MIN_VALUES: usize = 3;
/// Fewest distinct values that make an unquoted token variable.
pub const TOKEN_MIN_VALUES: usize = 5;
/// Most failures per distinct value, on average, at a variable slot.
pub const MAX_REPEAT: f64 = 1.5;
/// Message tokens considered for single-token templates.
const TEMPLATE_MAX_TOKENS: usize = 48;

/// Verified neighbour pairs `(a, b)` with `a < b`.
fn neighbours(sets: &[Vec<u64>], shapes: &[Shape<'_>], cfg: &ClusterConfig) -> Vec<(u32, u32)> {
    let lo = cfg.similarity.min(cfg.cross_kind_similarity);
    let mut buckets: HashMap<u64, Vec<u32>> = HashMap::with_capacity(sets.len() * BANDS);
    for (i, set) in sets.iter().enumerate() {
        if set.is_empty() {
            continue;
        }
        let sig = minhash(set);
        for band in 0..BANDS {
            let mut h = 0x9e37_79b9_7f4a_7c15_u64 ^ band as u64;
            for v in &sig[band * ROWS..(band + 1) * ROWS] {
                h = mix(h ^ v);
            }
            buckets.entry(h).or_default().push(i as u32);
        }
    }
    let mut candidates: Vec<(u32, u32)> = Vec::new();
    for members in buckets.values() {
        if members.len() <= BUCKET_ALL_PAIRS {
            for (k, &a) in members.iter().enumerate() {
                for &b in &members[k + 1..] {
                    candidates.push((a, b));
                }
            }
        } else {
            for k in 1..members.len() {
                candidates.push((members[0], members[k]));
                if k > 1 {
                    candidates.push((members[k - 1], members[k]));
                }
            }
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    candidates
        .into_iter()
        .filter(|&(a, b)| {
            let (a, b) = (a as usize, b as usize);
            let j = jaccard(&sets[a], &sets[b]);
            let (x, y) = (&shapes[a], &shapes[b]);
            let same_but_kind = x.language == y.language
                && x.outer == y.outer
                && x.location == y.location
                && x.top_frame == y.top_frame;
            j >= lo
                && same_but_kind
                && j >= if x.kind == y.kind {
                    cfg.similarity
                } else {
                    cfg.cross_kind_similarity
                }
        })
        .collect()
}

/// The shingles of a signature's hashed components, sorted and deduplicated.
pub fn shingles(s: &Signature) -> Vec<u64> {
    let mut out = Vec::with_capacity(32);
    for c in s.components.iter().filter(|c| c.hashed) {
        let name = fnv(0xcbf2_9ce4_8422_2325, c.name.as_bytes());
        match c.name.as_str() {
            "message" | "statement" => {
                let mut prev: Option<u64> = None;
                for tok in c
                    .value
                    .split(|ch: char| {
                        !(ch.is_alphanumeric() || ch == '_' || ch == '<' || ch == '>')
                    })
                    .filter(|t| !t.is_empty())
                {
                    let t = fnv(name, tok.as_bytes());
                    out.push(t);
                    if let Some(p) = prev {
                        out.push(mix(p.rotate_left(17) ^ t));
                    }
                    prev = Some(t);
                }
            }
            _ => out.push(fnv(name, c.value.as_bytes())),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Jaccard similarity of two sorted, deduplicated sets.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both as f64 / (a.len() + b.len() - both) as f64
}

fn minhash(set: &[u64]) -> [u64; HASHES] {
    let mut sig = [u64::MAX; HASHES];
    for &x in set {
        let h = mix(x);
        for (k, slot) in sig.iter_mut().enumerate() {
            // A cheap family of permutations: mix of the shingle's hash with a per-row seed.
            let v = mix(h ^ SEEDS[k]);
            if v < *slot {
                *slot = v;
            }
        }
    }
    sig
}

const SEEDS: [u64; HASHES] = {
    let mut s = [0u64; HASHES];
    let mut x = 0x853c_49e6_748f_ea9b_u64;
    let mut i = 0;
    while i < HASHES {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        s[i] = z ^ (z >> 31);
        i += 1;
    }
    s
};

/// The SplitMix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins two sets; the smaller index becomes the root, so labels are deterministic.
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi] = lo;
        }
    }
}
