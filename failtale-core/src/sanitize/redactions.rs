//! Numbering state for one report.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};

/// What was redacted during one run, and the numbering of the values.
///
/// One `Redactions` is passed through every [`Sanitize`](crate::Sanitize)
/// call of a run, so the same secret value gets the same placeholder
/// (`[REDACTED:github_token#1]`) everywhere in the report, and a reader can
/// still see that two lines use one credential.
///
/// Values are never kept: each is identified by a 128-bit keyed hash whose
/// keys are random per `Redactions`, so neither the map nor a leaked hash
/// says anything about the value. Nothing here is serialisable except
/// [`Redactions::counts`], and `Debug` shows only the counts.
pub struct Redactions {
    keys: (RandomState, RandomState),
    numbers: HashMap<u128, (String, u32)>,
    next: HashMap<String, u32>,
    counts: BTreeMap<String, usize>,
}

impl Default for Redactions {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Redactions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactions")
            .field("counts", &self.counts)
            .finish_non_exhaustive()
    }
}

impl Redactions {
    /// Empty state with fresh random hash keys.
    pub fn new() -> Self {
        Redactions {
            keys: (RandomState::new(), RandomState::new()),
            numbers: HashMap::new(),
            next: HashMap::new(),
            counts: BTreeMap::new(),
        }
    }

    fn id(&self, value: &str) -> u128 {
        let a = self.keys.0.hash_one(value);
        let b = self.keys.1.hash_one(value);
        (u128::from(a) << 64) | u128::from(b)
    }

    /// Records one redaction of `value` and returns its placeholder,
    /// `[REDACTED:<kind>#<n>]`. A value seen before keeps the kind and number
    /// it got first, whichever rule finds it again.
    pub fn placeholder(&mut self, kind: &str, value: &str) -> String {
        let id = self.id(value);
        let (kind, n) = match self.numbers.get(&id) {
            Some((k, n)) => (k.clone(), *n),
            None => {
                let next = self.next.entry(kind.to_owned()).or_insert(0);
                *next += 1;
                let n = *next;
                self.numbers.insert(id, (kind.to_owned(), n));
                (kind.to_owned(), n)
            }
        };
        *self.counts.entry(kind.clone()).or_insert(0) += 1;
        format!("[REDACTED:{kind}#{n}]")
    }

    /// Redactions made so far, by kind (every occurrence counts).
    pub fn counts(&self) -> &BTreeMap<String, usize> {
        &self.counts
    }

    /// Number of distinct values redacted so far.
    pub fn distinct_values(&self) -> usize {
        self.numbers.len()
    }

    /// Total redactions made so far.
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }

    /// Adds counts recorded elsewhere (a sanitizer that does its own numbering).
    pub fn add_count(&mut self, kind: &str, n: usize) {
        if n > 0 {
            *self.counts.entry(kind.to_owned()).or_insert(0) += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_same_number_across_kinds_and_calls() {
        let mut r = Redactions::new();
        assert_eq!(
            r.placeholder("github_token", "ghp_a"),
            "[REDACTED:github_token#1]"
        );
        assert_eq!(
            r.placeholder("github_token", "ghp_b"),
            "[REDACTED:github_token#2]"
        );
        assert_eq!(r.placeholder("password", "pw"), "[REDACTED:password#1]");
        assert_eq!(
            r.placeholder("secret", "ghp_a"),
            "[REDACTED:github_token#1]"
        );
        assert_eq!(r.counts()["github_token"], 3);
        assert_eq!(r.distinct_values(), 3);
        assert_eq!(r.total(), 4);
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("ghp_a"), "{dbg}");
    }
}
