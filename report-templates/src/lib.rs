//! # report-templates
//!
//! The templates failtale renders its human-readable reports with, embedded
//! at compile time so the binary needs no files at run time. Users may point
//! failtale at their own template directory instead; these are the defaults.
//!
//! The HTML and Markdown reports are rendered from these in a later release;
//! today the crate ships the template set's manifest so the layout is fixed.
//!
//! MSRV: Rust 1.88.

/// A named template and its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    /// File name, as a user's template directory would hold it.
    pub name: &'static str,
    /// Template source (tera syntax).
    pub source: &'static str,
}

/// Every embedded template.
pub const TEMPLATES: &[Template] = &[Template {
    name: "summary.md.tera",
    source: include_str!("../templates/summary.md.tera"),
}];

/// Looks up an embedded template by file name.
pub fn get(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn summary_template_is_embedded() {
        let t = super::get("summary.md.tera").expect("embedded");
        assert!(t.source.contains("{{"), "template has tera expressions");
        assert!(super::get("missing.tera").is_none());
    }
}
