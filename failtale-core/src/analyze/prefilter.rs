//! Which rule patterns could match a text, found in one pass.
//!
//! Most of the offline rules' patterns match almost no failure, yet each
//! one used to be run over every text of every cluster: hundreds of regex
//! scans per cluster. Most patterns hold a literal that every match must
//! contain (`ECONNREFUSED`, `out of memory`, `(?i)permission denied`), so
//! one Aho-Corasick pass over a text finds which of those literals occur,
//! and a pattern whose literals do not occur cannot match and is not run.
//!
//! The literals are read from the pattern's syntax tree and compared ASCII
//! case-insensitively, so the filter only ever lets more patterns through
//! than can match, never fewer: a pattern whose required text cannot be
//! told (an optional part, a class such as `(?i)k`, which also matches the
//! Kelvin sign) is always run.

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex_syntax::hir::{Class, Hir, HirKind};

/// Shortest literal worth filtering on: shorter ones occur in nearly every
/// text.
const MIN_LITERAL: usize = 3;

/// The literals of a set of patterns, and for each pattern the literals of
/// which one must occur for it to match.
#[derive(Clone, Debug)]
pub(crate) struct Prefilter {
    automaton: Option<AhoCorasick>,
    literals: usize,
    /// Per pattern: the ids of its literals (one must occur), or `None`
    /// when the pattern is always run.
    needs: Vec<Option<Vec<u32>>>,
}

/// The literals found in one text, as a bit per literal.
pub(crate) struct Present(Vec<u64>);

impl Prefilter {
    /// A prefilter for these patterns, as compiled (`regex` syntax).
    pub(crate) fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Prefilter {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut ids: std::collections::HashMap<Vec<u8>, u32> = std::collections::HashMap::new();
        let needs: Vec<Option<Vec<u32>>> = patterns
            .into_iter()
            .map(|p| {
                let set = required_literals(p)?;
                Some(
                    set.into_iter()
                        .map(|lit| {
                            *ids.entry(lit.clone()).or_insert_with(|| {
                                literals.push(lit);
                                u32::try_from(literals.len() - 1).unwrap_or(u32::MAX)
                            })
                        })
                        .collect(),
                )
            })
            .collect();
        let automaton = (!literals.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .build(&literals)
                    .ok()
            })
            .flatten();
        let needs = if automaton.is_some() {
            needs
        } else {
            // No automaton (nothing to filter on, or it could not be built):
            // every pattern runs.
            needs.iter().map(|_| None).collect()
        };
        Prefilter {
            automaton,
            literals: literals.len(),
            needs,
        }
    }

    /// The literals that occur in `text`.
    pub(crate) fn scan(&self, text: &str) -> Present {
        let mut bits = vec![0u64; self.literals.div_ceil(64)];
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(text) {
                let i = m.pattern().as_usize();
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        Present(bits)
    }

    /// Whether pattern `i` may match a text in which `present` was found.
    pub(crate) fn may_match(&self, i: usize, present: &Present) -> bool {
        match self.needs.get(i) {
            Some(Some(ids)) => ids.iter().any(|&id| {
                let id = id as usize;
                present
                    .0
                    .get(id / 64)
                    .is_some_and(|w| w & (1 << (id % 64)) != 0)
            }),
            _ => true,
        }
    }
}

/// Literals one of which every match of `pattern` contains (ASCII letters
/// lowercased), or `None` when no such set is known.
pub(crate) fn required_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let set = required(&hir)?;
    let mut set: Vec<Vec<u8>> = set
        .into_iter()
        .map(|mut l| {
            l.make_ascii_lowercase();
            l
        })
        .collect();
    set.sort();
    set.dedup();
    (set.iter().all(|l| l.len() >= MIN_LITERAL)).then_some(set)
}

/// The literal text a node matches exactly, when it matches one string
/// only (up to ASCII case).
fn exact(h: &Hir) -> Option<Vec<u8>> {
    match h.kind() {
        HirKind::Literal(l) => Some(l.0.to_vec()),
        HirKind::Class(c) => case_pair(c).map(|ch| vec![ch]),
        HirKind::Capture(c) => exact(&c.sub),
        HirKind::Concat(subs) => {
            let mut out = Vec::new();
            for s in subs {
                out.extend(exact(s)?);
            }
            Some(out)
        }
        _ => None,
    }
}

/// The ASCII letter a class stands for when it holds only that letter and
/// its other case (`(?i)a` is `[Aa]`); a class with anything else (`(?i)k`
/// also holds the Kelvin sign) stands for no literal.
fn case_pair(c: &Class) -> Option<u8> {
    let ranges: Vec<(u32, u32)> = match c {
        Class::Unicode(u) => u
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
        Class::Bytes(b) => b
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
    };
    let mut chars = Vec::with_capacity(2);
    for (start, end) in ranges {
        for ch in start..=end {
            chars.push(ch);
            if chars.len() > 2 {
                return None;
            }
        }
    }
    let ascii = |ch: u32| u8::try_from(ch).ok().filter(u8::is_ascii);
    match chars.as_slice() {
        [one] => ascii(*one),
        [a, b] => {
            let (a, b) = (ascii(*a)?, ascii(*b)?);
            (a != b && a.eq_ignore_ascii_case(&b)).then_some(a)
        }
        _ => None,
    }
}

/// A set of literals one of which every match of `h` contains.
fn required(h: &Hir) -> Option<Vec<Vec<u8>>> {
    if let Some(l) = exact(h) {
        return (!l.is_empty()).then(|| vec![l]);
    }
    match h.kind() {
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Alternation(subs) => {
            let mut all = Vec::new();
            for s in subs {
                all.extend(required(s)?);
            }
            Some(all)
        }
        HirKind::Concat(subs) => {
            // Runs of children that match one string each join into one
            // literal; any child's own required set also serves. The best
            // is the set whose shortest literal is longest.
            let mut best: Option<Vec<Vec<u8>>> = None;
            let mut consider = |set: Vec<Vec<u8>>| {
                let score = |s: &Vec<Vec<u8>>| s.iter().map(Vec::len).min().unwrap_or(0);
                if set.iter().all(|l| !l.is_empty())
                    && best.as_ref().is_none_or(|b| score(&set) > score(b))
                {
                    best = Some(set);
                }
            };
            let mut run: Vec<u8> = Vec::new();
            for s in subs {
                match exact(s) {
                    Some(l) => run.extend(l),
                    None => {
                        if !run.is_empty() {
                            consider(vec![std::mem::take(&mut run)]);
                        }
                        if let Some(set) = required(s) {
                            consider(set);
                        }
                    }
                }
            }
            if !run.is_empty() {
                consider(vec![run]);
            }
            best
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(p: &str) -> Option<Vec<String>> {
        required_literals(p).map(|s| {
            s.into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect()
        })
    }

    #[test]
    fn literals_every_match_must_contain() {
        assert_eq!(lits("ECONNREFUSED"), Some(vec!["econnrefused".into()]));
        assert_eq!(
            lits(r"connection (refused|reset) by \w+"),
            Some(vec!["connection ".into()])
        );
        assert_eq!(
            lits("(?i)out of memory|heap full"),
            Some(vec!["heap full".into(), "out of memory".into()])
        );
        // A case-insensitive `k` or `s` also matches the Kelvin and long s
        // signs: the literal stops there.
        assert_eq!(lits("(?i)stack overflow"), Some(vec![" overflow".into()]));
        assert_eq!(lits("(?i)kill"), Some(vec!["ill".into()]));
        // Nothing required: optional, too short, or a class.
        assert_eq!(lits("(foo)?bar?"), None);
        assert_eq!(lits(r"\d+ms"), None);
        assert_eq!(lits("[a-z]+"), None);
        assert_eq!(lits("a|bcd"), None);
        // Repeated at least once: the repeated part is required.
        assert_eq!(lits("(timeout)+"), Some(vec!["timeout".into()]));
        assert_eq!(lits("x(?:timeout)*"), None);
    }

    #[test]
    fn a_pattern_runs_when_one_of_its_literals_occurs_in_any_case() {
        let f = Prefilter::new(["ECONNREFUSED", "(?i)permission denied|EACCES", r"\d+"]);
        let p = f.scan("Error: connect econnrefused 127.0.0.1:5432");
        assert!(f.may_match(0, &p));
        assert!(!f.may_match(1, &p));
        assert!(f.may_match(2, &p), "a pattern without literals always runs");
        let p = f.scan("open /x: Permission Denied");
        assert!(!f.may_match(0, &p));
        assert!(f.may_match(1, &p));
        let p = f.scan("EACCES");
        assert!(f.may_match(1, &p));
    }
}
