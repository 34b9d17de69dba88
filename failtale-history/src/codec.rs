//! One run's results as one compact value.
//!
//! A run of 188,000 tests is one row (`run_results`) holding every result,
//! sorted by test id: recording appends one value instead of touching a page
//! of a by-test index per test, and "the last 20 runs" is 20 reads. Each
//! result is the gap to the previous test id (LEB128), one byte of outcome
//! and flags, then the duration, attempts and fingerprint id when present —
//! about 5 bytes for a passing test with a duration.

/// One test's result in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) test_id: i64,
    pub(crate) outcome: u8,
    pub(crate) duration_us: Option<u64>,
    pub(crate) attempts: u32,
    pub(crate) fp_id: Option<i64>,
}

/// The format's version, the first byte of every value.
const VERSION: u8 = 1;
const HAS_DURATION: u8 = 0x08;
const HAS_ATTEMPTS: u8 = 0x10;
const HAS_FINGERPRINT: u8 = 0x20;

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get(data: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *data.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Encodes `rows`, which must be sorted by test id with no id twice.
pub(crate) fn encode(rows: &[Row]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + rows.len() * 5);
    out.push(VERSION);
    let mut prev = 0i64;
    for r in rows {
        put(&mut out, (r.test_id - prev) as u64);
        prev = r.test_id;
        let mut flags = r.outcome & 0x07;
        if r.duration_us.is_some() {
            flags |= HAS_DURATION;
        }
        if r.attempts != 1 {
            flags |= HAS_ATTEMPTS;
        }
        if r.fp_id.is_some() {
            flags |= HAS_FINGERPRINT;
        }
        out.push(flags);
        if let Some(d) = r.duration_us {
            put(&mut out, d);
        }
        if r.attempts != 1 {
            put(&mut out, u64::from(r.attempts));
        }
        if let Some(f) = r.fp_id {
            put(&mut out, f as u64);
        }
    }
    out
}

/// Decodes a value written by [`encode`]. A damaged or unknown value
/// yields the results read before the damage.
pub(crate) fn decode(data: &[u8]) -> Vec<Row> {
    Decoder::new(data).collect()
}

/// The results of a value written by [`encode`], one at a time, in test id
/// order (merging several runs needs no more memory than their values).
#[derive(Debug, Clone)]
pub(crate) struct Decoder<'a> {
    data: &'a [u8],
    at: usize,
    prev: i64,
}

impl<'a> Decoder<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        // An unknown version reads as empty.
        let at = if data.first() == Some(&VERSION) {
            1
        } else {
            data.len()
        };
        Decoder { data, at, prev: 0 }
    }
}

impl Iterator for Decoder<'_> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        let data = self.data;
        let mut at = self.at;
        let row = (|| {
            let gap = get(data, &mut at)?;
            let flags = *data.get(at)?;
            at += 1;
            let duration_us = if flags & HAS_DURATION != 0 {
                Some(get(data, &mut at)?)
            } else {
                None
            };
            let attempts = if flags & HAS_ATTEMPTS != 0 {
                u32::try_from(get(data, &mut at)?).unwrap_or(u32::MAX)
            } else {
                1
            };
            let fp_id = if flags & HAS_FINGERPRINT != 0 {
                Some(i64::try_from(get(data, &mut at)?).ok()?)
            } else {
                None
            };
            let test_id = self.prev.checked_add(i64::try_from(gap).ok()?)?;
            Some(Row {
                test_id,
                outcome: flags & 0x07,
                duration_us,
                attempts,
                fp_id,
            })
        })();
        match row {
            Some(r) => {
                self.at = at;
                self.prev = r.test_id;
                Some(r)
            }
            None => {
                // Damaged: stop here for good.
                self.at = data.len();
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_as_they_went_in() {
        let rows: Vec<Row> = (0..5000)
            .map(|i| Row {
                test_id: 1 + i * 3 + (i % 7) * 1000,
                outcome: (i % 5) as u8,
                duration_us: (i % 4 != 0).then_some((i as u64) * 977),
                attempts: if i % 9 == 0 { 3 } else { 1 },
                fp_id: (i % 11 == 0).then_some(i / 11 + 1),
            })
            .collect::<Vec<_>>();
        let mut rows = rows;
        rows.sort_by_key(|r| r.test_id);
        rows.dedup_by_key(|r| r.test_id);
        let data = encode(&rows);
        assert_eq!(decode(&data), rows);
        assert!(data.len() < rows.len() * 6, "{} bytes", data.len());
    }

    #[test]
    fn a_damaged_value_gives_what_was_read_before_the_damage() {
        let rows = vec![
            Row {
                test_id: 5,
                outcome: 0,
                duration_us: Some(300),
                attempts: 1,
                fp_id: None,
            },
            Row {
                test_id: 9,
                outcome: 2,
                duration_us: Some(1 << 40),
                attempts: 2,
                fp_id: Some(7),
            },
        ];
        let data = encode(&rows);
        assert_eq!(decode(&data[..data.len() - 1]), rows[..1]);
        assert!(decode(&[]).is_empty());
        assert!(decode(&[99, 1, 2]).is_empty(), "unknown version");
    }
}
