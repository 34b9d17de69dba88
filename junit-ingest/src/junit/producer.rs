//! A best-effort guess at the tool that wrote a JUnit file, from marks each
//! tool leaves (root names, schema locations, attribute sets, properties).

/// Marks seen while reading; only the first few elements are looked at.
#[derive(Debug, Default)]
pub(crate) struct Hints {
    pub(crate) root: RootKind,
    pub(crate) root_name: Option<String>,
    pub(crate) root_has_id: bool,
    pub(crate) surefire_schema: bool,
    pub(crate) first_suite_name: Option<String>,
    pub(crate) suite_hostname: Option<String>,
    pub(crate) suite_timestamp: bool,
    pub(crate) suite_has_id: bool,
    pub(crate) suite_file_cypress: bool,
    pub(crate) go_version: bool,
    pub(crate) java_properties: bool,
    pub(crate) xunit_net: bool,
    pub(crate) gtest_status: bool,
    pub(crate) gtest_disabled_name: bool,
    pub(crate) bazel_duration: bool,
    pub(crate) phpunit_case: bool,
    pub(crate) lineno_attr: bool,
    pub(crate) gtest_result: bool,
    pub(crate) empty_properties: bool,
    pub(crate) retry_elements: bool,
    pub(crate) playwright_names: bool,
    pub(crate) cases_seen: usize,
}

/// The root element.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RootKind {
    #[default]
    None,
    Testsuites,
    Testsuite,
    Other,
}

impl Hints {
    /// The producer, or `None` when nothing identifies it.
    pub(crate) fn guess(&self) -> Option<&'static str> {
        let root_name = self.root_name.as_deref().unwrap_or("");
        let suite = self.first_suite_name.as_deref().unwrap_or("");
        let guess = if root_name == "nextest-run" {
            "nextest"
        } else if self.surefire_schema {
            "surefire"
        } else if root_name == "jest tests" {
            "jest"
        } else if root_name == "vitest tests" {
            "vitest"
        } else if root_name == "Mocha Tests" {
            if self.suite_file_cypress {
                "cypress"
            } else {
                "mocha"
            }
        } else if suite == "pytest" {
            "pytest"
        } else if self.go_version {
            if self.suite_has_id {
                "go-junit-report"
            } else {
                "gotestsum"
            }
        } else if self.xunit_net {
            "xunit.net"
        } else if self.bazel_duration {
            "bazel"
        } else if root_name == "AllTests"
            || (self.gtest_status && (self.gtest_result || self.gtest_disabled_name))
        {
            "googletest"
        } else if self.phpunit_case && !self.lineno_attr {
            "phpunit"
        } else if self.root_has_id
            && (self.playwright_names
                || matches!(
                    self.suite_hostname.as_deref(),
                    Some("chromium" | "firefox" | "webkit")
                ))
        {
            "playwright"
        } else if self.retry_elements || self.java_properties {
            "surefire"
        } else if self.root == RootKind::Testsuite
            && self.suite_timestamp
            && self.suite_hostname.is_some()
            && self.empty_properties
        {
            "gradle"
        } else {
            return None;
        };
        Some(guess)
    }
}
