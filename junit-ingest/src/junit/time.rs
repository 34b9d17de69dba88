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

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> Option<f64> {
        parse_seconds(s).unwrap().map(|d| d.as_secs_f64())
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
