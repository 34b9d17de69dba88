//! Format detection from content.

use std::borrow::Cow;
use std::io::Read;

use failtale_core::IngestError;
use failtale_core::model::Diagnostic;
use failtale_core::stage::{Ingest, Ingested, Sniff};

use crate::junit::JunitReader;
use crate::libtest::LibtestReader;

/// Picks the reader for an input from its first bytes (never its name) and
/// reads it. An input that is neither JUnit XML nor libtest JSON gets an
/// [`IngestError::Unrecognized`] saying what it looks like; an empty input is
/// a warning, not an error.
#[derive(Clone, Debug, Default)]
pub struct AutoIngest {
    junit: JunitReader,
    libtest: LibtestReader,
}

impl AutoIngest {
    /// Uses the given readers (to change their limits).
    pub fn new(junit: JunitReader, libtest: LibtestReader) -> Self {
        AutoIngest { junit, libtest }
    }
}

impl Ingest for AutoIngest {
    fn name(&self) -> &str {
        "auto"
    }

    fn sniff(&self, head: &[u8]) -> Sniff {
        self.junit.sniff(head).max(self.libtest.sniff(head))
    }

    fn ingest(&self, input: &mut dyn Read) -> Ingested {
        self.ingest_sized(input, None)
    }

    fn ingest_sized(&self, input: &mut dyn Read, size: Option<u64>) -> Ingested {
        let mut head = Vec::with_capacity(failtale_core::pipeline::SNIFF_LEN);
        if let Err(e) = input
            .take(failtale_core::pipeline::SNIFF_LEN as u64)
            .read_to_end(&mut head)
        {
            return Ingested {
                error: Some(IngestError::Io(e)),
                ..Ingested::default()
            };
        }
        if head.iter().all(u8::is_ascii_whitespace) {
            return Ingested {
                warnings: vec![Diagnostic::new("the file is empty: no test results in it")],
                ..Ingested::default()
            };
        }
        let junit = self.junit.sniff(&head);
        let libtest = self.libtest.sniff(&head);
        let mut rest = head.as_slice().chain(input);
        if junit == Sniff::No && libtest == Sniff::No {
            return Ingested {
                error: Some(IngestError::Unrecognized {
                    looks_like: looks_like(&head),
                }),
                ..Ingested::default()
            };
        }
        if libtest > junit {
            self.libtest.ingest_sized(&mut rest, size)
        } else {
            self.junit.ingest_sized(&mut rest, size)
        }
    }
}

/// Decodes the first bytes of an input for sniffing: strips a UTF-8 BOM,
/// decodes UTF-16 (with or without BOM) lossily, and replaces invalid UTF-8.
pub(crate) fn head_text(head: &[u8]) -> Cow<'_, str> {
    let utf16 = |bytes: &[u8], le: bool| -> Cow<'_, str> {
        let units = bytes.chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        Cow::Owned(
            char::decode_utf16(units)
                .map(|r| r.unwrap_or('\u{FFFD}'))
                .collect(),
        )
    };
    match head {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        [b'<', 0, ..] => utf16(head, true),
        [0, b'<', ..] => utf16(head, false),
        _ => String::from_utf8_lossy(head),
    }
}

/// The name of the first element of an XML text (namespace prefix removed),
/// skipping the declaration, comments, processing instructions and DOCTYPE.
pub(crate) fn root_element(text: &str) -> Option<&str> {
    let mut rest = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    loop {
        if let Some(r) = rest.strip_prefix("<?") {
            rest = r.split_once("?>")?.1;
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.split_once("-->")?.1;
        } else if let Some(r) = rest.strip_prefix("<!") {
            rest = skip_doctype(r)?;
        } else if let Some(r) = rest.strip_prefix('<') {
            let end = r
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .unwrap_or(r.len());
            let name = &r[..end];
            let local = name.rsplit(':').next().unwrap_or(name);
            return (!local.is_empty()).then_some(local);
        } else {
            return None;
        }
        rest = rest.trim_start();
    }
}

/// Skips a `<!DOCTYPE …>` (after `<!`), including an internal subset in brackets.
fn skip_doctype(r: &str) -> Option<&str> {
    let mut depth = 0usize;
    for (i, c) in r.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '>' if depth == 0 => return Some(&r[i + 1..]),
            _ => {}
        }
    }
    None
}

/// Says what a file that is not a test result file looks like, for the error message.
pub fn looks_like(head: &[u8]) -> String {
    let text = head_text(head);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return "an empty file".into();
    }
    let binary = head
        .iter()
        .take(512)
        .filter(|&&b| b == 0 || (b < 0x20 && !b"\t\r\n\x1b".contains(&b)))
        .count();
    if binary > 8 {
        return "binary data".into();
    }
    if let Some(root) = root_element(trimmed) {
        let what = match root {
            "test-run" => "an NUnit 3 result file (<test-run>)".to_owned(),
            "test-results" => "an NUnit 2 result file (<test-results>)".to_owned(),
            "TestRun" => "a Visual Studio TRX file (<TestRun>)".to_owned(),
            "assemblies" | "assembly" => "an xUnit.net v2 result file (<assemblies>)".to_owned(),
            "robot" => "a Robot Framework output file (<robot>)".to_owned(),
            "Site" => "a CTest dashboard file (<Site>); run ctest with --output-junit instead".to_owned(),
            "testng-results" => "a TestNG results file (<testng-results>); use the JUnit reports TestNG writes beside it".to_owned(),
            "test-suite" => "an Allure 1 result file (<test-suite>)".to_owned(),
            "failsafe-summary" => "a Maven Failsafe summary (<failsafe-summary>); use the TEST-*.xml reports beside it".to_owned(),
            "project" => "a Maven POM or build file (<project>)".to_owned(),
            "html" | "HTML" => "an HTML page".to_owned(),
            "checkstyle" => "a Checkstyle report (<checkstyle>)".to_owned(),
            "coverage" => "a coverage report (<coverage>)".to_owned(),
            other => format!("XML with root element <{other}>, not <testsuites> or <testsuite>"),
        };
        return what;
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return "JSON without libtest test events (no {\"type\": \"test\" | \"suite\", …} lines)"
            .into();
    }
    let first_line: String = trimmed
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(60)
        .collect();
    format!("plain text (starts with {first_line:?})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_skips_prolog_comments_and_doctype() {
        let t = "\u{FEFF}<?xml version='1.0'?>\n<!-- hi -->\n<!DOCTYPE x [<!ENTITY a 'b'>]>\n<ns:testsuites>";
        assert_eq!(root_element(t), Some("testsuites"));
        assert_eq!(root_element("bacon"), None);
    }

    #[test]
    fn utf16_heads_are_decoded() {
        let s: Vec<u8> = "\u{FEFF}<testsuite/>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(root_element(&head_text(&s)), Some("testsuite"));
    }

    #[test]
    fn looks_like_names_other_formats() {
        assert!(looks_like(b"<?xml version='1.0'?><test-run id='2'>").contains("NUnit 3"));
        assert!(looks_like(b"<TestRun xmlns='x'>").contains("TRX"));
        assert!(looks_like(b"bacon").contains("plain text"));
        assert!(looks_like(b"<suites><suite/></suites>").contains("<suites>"));
    }
}
