//! Deciding whether a string looks random.
//!
//! Not "32+ hex chars": a value is random-looking when its characters are
//! spread (Shannon entropy), it mixes character classes, and the classes
//! alternate often — a camelCase identifier mixes classes too, but switches
//! between them only at word boundaries.

/// Shannon entropy in bits per character.
pub fn shannon(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = f64::from(n);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Lower,
    Upper,
    Digit,
    Other,
}

fn class(b: u8) -> Class {
    match b {
        b'a'..=b'z' => Class::Lower,
        b'A'..=b'Z' => Class::Upper,
        b'0'..=b'9' => Class::Digit,
        _ => Class::Other,
    }
}

/// True when `s` is all hexadecimal digits.
pub fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// True when `s` looks like a random credential rather than a word, an
/// identifier, a path, a version, a hash of public data or a UUID.
pub fn looks_random(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.len() < 16 {
        return false;
    }
    // Public hashes and ids that debugging needs: git SHAs, sha256 digests, UUIDs, addresses.
    if (bytes.len() == 40 || bytes.len() == 64) && is_hex(s) {
        return false;
    }
    if looks_like_uuid(s) || s.starts_with("0x") || s.starts_with("sha") {
        return false;
    }
    // Paths, dotted names and versions: many separators, little randomness between them.
    let seps = bytes
        .iter()
        .filter(|&&b| matches!(b, b'/' | b'.' | b'-' | b'_'))
        .count();
    if seps * 5 > bytes.len() {
        return false;
    }
    let mut has = [false; 4];
    let mut switches = 0usize;
    let mut prev = class(bytes[0]);
    for &b in bytes {
        let c = class(b);
        has[c as usize] = true;
        if c != prev {
            switches += 1;
        }
        prev = c;
    }
    let classes = has[..3].iter().filter(|&&h| h).count();
    let has_digit = has[Class::Digit as usize];
    if classes < 2 || (!has_digit && classes < 3) {
        return false;
    }
    let switch_rate = switches as f64 / (bytes.len() - 1) as f64;
    let entropy = shannon(s);
    // Random base62/base64 of length 16..64 has 3.7–5.5 bits per char,
    // switches class on about half of the characters, and rarely has four
    // letters of one case in a row; identifiers are mostly such words.
    entropy >= 3.3 && switch_rate >= 0.15 && word_coverage(bytes) <= 0.5
}

/// Share of the bytes that sit in runs of four or more letters of one case
/// (a capital starting a lowercase run counts with it): how word-like `b` is.
fn word_coverage(b: &[u8]) -> f64 {
    let mut covered = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = class(b[i]);
        if c != Class::Lower && c != Class::Upper {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i + 1;
        // `Session`: one capital, then lowercase.
        let run_class = if c == Class::Upper && j < b.len() && class(b[j]) == Class::Lower {
            j += 1;
            Class::Lower
        } else {
            c
        };
        while j < b.len() && class(b[j]) == run_class {
            j += 1;
        }
        if j - start >= 4 {
            covered += j - start;
        }
        i = j;
    }
    covered as f64 / b.len() as f64
}

/// `8-4-4-4-12` hex digits.
pub fn looks_like_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_look_random() {
        for s in [
            "Zq3x9LmP0vT7bKw2RyU5",
            "aB9dE2fG7hJ4kL1mN8pQ3rS6",
            "tU8Ox1bKz0nM3qW7/R4yP2aS6dF9gH5jK1lZ3xC7",
            "5f4dcc3b5aa765d61d8327deb882cf99",
        ] {
            assert!(looks_random(s), "{s}");
        }
    }

    #[test]
    fn words_ids_and_hashes_do_not() {
        for s in [
            "AbstractSessionFactoryBean2",
            "getUserSessionToken",
            "password_reset_test_case",
            "3f786850e387550fdab836ed7e6dc881de23001b",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "123e4567-e89b-12d3-a456-426614174000",
            "/usr/local/lib/python3.11/site-packages",
            "com.example.checkout.CartService",
            "aaaaaaaaaaaaaaaaaaaaaaaa",
            "0x00007ffd5e8c1a20",
            "1.2.3-beta.4+build.567",
        ] {
            assert!(!looks_random(s), "{s}");
        }
    }

    #[test]
    fn entropy_of_uniform_and_constant() {
        assert!((shannon("abcd") - 2.0).abs() < 1e-9);
        assert_eq!(shannon("aaaa"), 0.0);
    }
}
