//! Tests that read a fixture file which does not exist.

use std::path::Path;

#[test]
fn loads_default_settings() {
    let s = config::load(Path::new("fixtures/default.conf")).unwrap();
    assert!(!s.is_empty());
}

#[test]
fn loads_production_settings() {
    let s = config::load(Path::new("fixtures/production.conf")).unwrap();
    assert_eq!(config::port(&s), 443);
}

#[test]
fn passing_parse_from_string() {
    assert_eq!(config::port(&config::parse("port = 8080")), 8080);
}
