//! Timestamps as Unix milliseconds, the unit the history store keeps.

use chrono::{DateTime, NaiveDateTime, Utc};

/// Parses an RFC 3339 timestamp, or one without a zone (as JUnit writes
/// them, taken as UTC), into Unix milliseconds.
pub fn parse_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    None
}

/// Formats Unix milliseconds as RFC 3339 in UTC (`2024-05-01T10:00:00Z`).
pub fn format_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The current time in Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoned_and_zoneless_timestamps_parse() {
        assert_eq!(parse_ms("2024-05-01T10:00:00Z"), Some(1_714_557_600_000));
        assert_eq!(
            parse_ms("2024-05-01T12:00:00+02:00"),
            Some(1_714_557_600_000)
        );
        assert_eq!(parse_ms("2024-05-01T10:00:00.250"), Some(1_714_557_600_250));
        assert_eq!(parse_ms("yesterday"), None);
        assert_eq!(format_ms(1_714_557_600_000), "2024-05-01T10:00:00Z");
    }
}
