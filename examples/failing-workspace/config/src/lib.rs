//! Reads a settings file that the failing tests expect but nobody created.

use std::path::Path;

/// Reads `key = value` lines.
pub fn load(path: &Path) -> std::io::Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path)?;
    Ok(parse(&text))
}

/// Parses `key = value` lines, skipping the others.
pub fn parse(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The port in the settings, which must be set.
pub fn port(settings: &[(String, String)]) -> u16 {
    let value = settings
        .iter()
        .find(|(k, _)| k == "port")
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("settings have no `port` entry"));
    value.parse().expect("port is a number")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passing_built_without_rustc_bootstrap() {
        assert_eq!(env!("CONFIG_BUILT_WITH_RUSTC_BOOTSTRAP"), "");
    }

    #[test]
    fn passing_parse() {
        assert_eq!(parse("a = 1\nnoise\nb=2").len(), 2);
    }

    #[test]
    fn port_is_required() {
        port(&parse("host = localhost"));
    }
}
