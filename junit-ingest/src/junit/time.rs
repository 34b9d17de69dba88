//! `time` attributes: seconds, as every dialect writes them.

use std::time::Duration;

/// Parses a JUnit `time` value in seconds.
///
/// Accepts what real reporters write: `1.5`, a decimal comma (`0,03`, from a
/// locale-aware formatter), thousands separators (`2,120.532` or
/// `2.120,532`), surrounding blanks and a trailing `s`. Returns `Ok(None)` for
/// an empty value and `Err(())` for anything else (placeholders such as `*`
/// or `{duration}`, negative or non-finite numbers), which the caller reports.
pub(crate) fn parse_seconds(raw: &str) -> Result<Option<Duration>, ()> {
    if let Some(d) = plain_decimal(raw.as_bytes()) {
        return Ok(Some(d));
    }
    let s = raw.trim();
    let s = s.strip_suffix('s').map(str::trim_end).unwrap_or(s);
    if s.is_empty() {
        return Ok(None);
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b'+' | b'e' | b'E' | b'-'))
    {
        return Err(());
    }
    let normalized;
    let s = match (s.rfind('.'), s.rfind(',')) {
        (_, None) => s,
        // Both separators: the last one is the decimal point.
        (Some(dot), Some(comma)) if dot > comma => {
            normalized = s.replace(',', "");
            &normalized
        }
        (Some(_), Some(_)) => {
            normalized = s.replace('.', "").replace(',', ".");
            &normalized
        }
        (None, Some(comma)) => {
            // One comma alone: `2,120` is a thousands separator (a locale
            // formatter that drops trailing zeros never writes a fraction
            // ending in 0 … but `0,120` starts with 0, so it is a fraction).
            let int = &s[..comma];
            let frac = &s[comma + 1..];
            let grouping = s.matches(',').count() > 1
                || (frac.len() == 3 && !int.is_empty() && int != "0" && !int.starts_with('-'));
            normalized = if grouping {
                s.replace(',', "")
            } else {
                s.replacen(',', ".", 1)
            };
            &normalized
        }
    };
    let secs: f64 = s.parse().map_err(|_| ())?;
    if !secs.is_finite() || secs < 0.0 {
        return Err(());
    }
    Duration::try_from_secs_f64(secs).map(Some).map_err(|_| ())
}

/// The common case, `123` or `0.045`, read exactly without going through
/// `f64`: at most 18 integer and 9 fraction digits. Anything else is `None`.
fn plain_decimal(b: &[u8]) -> Option<Duration> {
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b[..0]),
    };
    if int.is_empty() || int.len() > 18 || frac.len() > 9 {
        return None;
    }
    let digits = |s: &[u8]| {
        s.iter().try_fold(0u64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u64::from(c - b'0'))
        })
    };
    let secs = digits(int)?;
    let mut nanos = digits(frac)?;
    for _ in frac.len()..9 {
        nanos *= 10;
    }
    Some(Duration::new(secs, u32::try_from(nanos).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> Option<f64> {
        parse_seconds(s).unwrap().map(|d| d.as_secs_f64())
    }

    #[test]
    fn plain_decimals_are_exact() {
        assert_eq!(parse_seconds("0.045"), Ok(Some(Duration::from_millis(45))));
        assert_eq!(parse_seconds("12"), Ok(Some(Duration::from_secs(12))));
        assert_eq!(parse_seconds("1.000000001"), Ok(Some(Duration::new(1, 1))));
        assert_eq!(parse_seconds("3."), Ok(Some(Duration::from_secs(3))));
        // Not plain: left to the general path.
        assert_eq!(plain_decimal(b".5"), None);
        assert_eq!(plain_decimal(b"1.0000000001"), None);
        assert_eq!(plain_decimal(b"1.2.3"), None);
        assert_eq!(parse_seconds(".5"), Ok(Some(Duration::from_millis(500))));
    }

    #[test]
    fn plain_and_localised_numbers() {
        assert_eq!(secs("1.5"), Some(1.5));
        assert_eq!(secs(" 0.001 "), Some(0.001));
        assert_eq!(secs("3"), Some(3.0));
        assert_eq!(secs("0,03"), Some(0.03));
        assert_eq!(secs("12,5"), Some(12.5));
        assert_eq!(secs("2,120.532"), Some(2120.532));
        assert_eq!(secs("2.120,532"), Some(2120.532));
        assert_eq!(secs("1,234,567"), Some(1_234_567.0));
        assert_eq!(secs("2,120"), Some(2120.0));
        assert_eq!(secs("0,120"), Some(0.12));
        assert_eq!(secs("1e-3"), Some(0.001));
        assert_eq!(secs("0.5s"), Some(0.5));
    }

    #[test]
    fn empty_is_none_and_garbage_is_an_error() {
        assert_eq!(parse_seconds("").unwrap(), None);
        assert_eq!(parse_seconds("  ").unwrap(), None);
        for bad in [
            "*",
            "{duration}",
            "@TEST_DURATION@",
            "-1",
            "NaN",
            "inf",
            "1.2.3x",
            "1e400",
        ] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }
}
