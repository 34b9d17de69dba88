//! The Markdown summary: its view, its escaping, and fitting it into a byte
//! budget by saying less rather than by cutting.

use failtale_core::history::annotate::ClusterHistory;
use failtale_core::report::Report;
use serde::Serialize;

use crate::excerpt::cut;
use crate::view::{category_of, cluster_title, headline, percent, severity_of};

/// How much each cluster says, from most to least. The summary is rendered
/// at each level in turn until it fits; if even the last does not, only the
/// largest clusters are kept.
pub(crate) const LEVELS: [Detail; 6] = [
    Detail {
        tests: 10,
        text: 1000,
    },
    Detail {
        tests: 5,
        text: 600,
    },
    Detail {
        tests: 3,
        text: 600,
    },
    Detail {
        tests: 1,
        text: 300,
    },
    Detail {
        tests: 1,
        text: 160,
    },
    Detail {
        tests: 0,
        text: 100,
    },
];

/// How much detail one rendering has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Detail {
    /// Affected tests named per cluster.
    pub tests: usize,
    /// Characters of the root cause, the fix and the title.
    pub text: usize,
}

/// What `summary.md.tera` is rendered from.
#[derive(Debug, Serialize)]
pub(crate) struct MdView<'a> {
    /// `failed`, `passed` or `empty`.
    pub status: &'static str,
    /// `12 failing tests → 3 root causes`.
    pub headline: String,
    pub summary: &'a failtale_core::model::Summary,
    pub failing: usize,
    /// Every cluster in the report.
    pub clusters_total: usize,
    /// The clusters shown, largest first.
    pub clusters: Vec<MdCluster<'a>>,
    /// Clusters left out to fit.
    pub omitted: usize,
    /// Inputs that could not be read fully.
    pub input_errors: Vec<InputError<'a>>,
    /// Inputs with an error not listed.
    pub input_errors_more: usize,
    /// Redactions, e.g. `github_token ×2, password ×1`.
    pub redactions: String,
    pub redaction_total: usize,
    /// The first 12 characters of the commit.
    pub commit: Option<&'a str>,
    pub branch: Option<&'a str>,
    /// Where the HTML report is.
    pub html_report: Option<HtmlLink>,
}

/// An input that could not be read fully.
#[derive(Debug, Serialize)]
pub(crate) struct InputError<'a> {
    pub path: &'a str,
    pub error: String,
}

/// A mention of report.html: a link when it is a relative path.
#[derive(Debug, Serialize)]
pub(crate) struct HtmlLink {
    /// The path as given.
    pub text: String,
    /// A link target, for a relative path; null for an absolute one (no
    /// reader of the summary could follow it).
    pub href: Option<String>,
}

/// One cluster in the summary.
#[derive(Debug, Serialize)]
pub(crate) struct MdCluster<'a> {
    /// 1-based position.
    pub rank: usize,
    pub id: &'a str,
    pub title: String,
    pub severity: &'static str,
    /// A coloured circle for the severity (empty without analysis).
    pub icon: &'static str,
    pub category: &'static str,
    pub tests_count: usize,
    pub root_cause: Option<String>,
    pub fix: Option<String>,
    /// `80%`.
    pub confidence: Option<String>,
    pub analyzer: Option<&'a str>,
    /// Not seen in an earlier run (null without history).
    pub new: Option<bool>,
    /// Affected tests named …
    pub tests_shown: Vec<&'a str>,
    /// … and how many are not.
    pub tests_more: usize,
}

const INPUT_ERRORS_SHOWN: usize = 5;

/// Each cluster's title (one line, uncut), worked out on first use: the
/// summary is rendered several times at different levels of detail while
/// its size is fitted, and a title parses the cluster's failure text.
pub(crate) struct Titles<'a> {
    report: &'a Report,
    done: Vec<std::cell::OnceCell<String>>,
}

impl<'a> Titles<'a> {
    pub(crate) fn new(report: &'a Report) -> Self {
        Titles {
            report,
            done: (0..report.clusters.len())
                .map(|_| Default::default())
                .collect(),
        }
    }

    fn get(&self, i: usize) -> &str {
        self.done[i].get_or_init(|| one_line(&cluster_title(&self.report.clusters[i], self.report)))
    }
}

/// The view with `detail`, keeping the first `keep` clusters.
pub(crate) fn build<'a>(
    report: &'a Report,
    titles: &Titles<'a>,
    html_report: Option<&str>,
    detail: Detail,
    keep: usize,
) -> MdView<'a> {
    let (status, headline) = headline(report);
    let s = &report.summary;
    let history = report.history.as_ref();
    let seen = |id: &str| -> Option<&ClusterHistory> {
        history.and_then(|h| h.clusters.iter().find(|c| c.id == id))
    };
    let clusters: Vec<MdCluster<'a>> = report
        .clusters
        .iter()
        .take(keep)
        .enumerate()
        .map(|(i, c)| {
            let a = c.analysis.as_ref();
            let shown = c.tests.len().min(detail.tests);
            MdCluster {
                rank: i + 1,
                id: &c.id,
                title: cut(titles.get(i), detail.text.min(160)),
                severity: severity_of(a),
                icon: match severity_of(a) {
                    "critical" => "🔴",
                    "high" => "🟠",
                    "medium" => "🟡",
                    "low" => "🔵",
                    _ => "",
                },
                category: category_of(a),
                tests_count: c.tests.len(),
                root_cause: a.map(|a| cut(&one_line(&a.root_cause), detail.text)),
                fix: a.map(|a| cut(&one_line(&a.fix_suggestion), detail.text)),
                confidence: a.map(|a| percent(f64::from(a.confidence))),
                analyzer: a.map(|a| a.analyzer.as_str()),
                new: seen(&c.id).map(|h| h.new),
                tests_shown: c.tests[..shown].iter().map(|t| t.as_str()).collect(),
                tests_more: c.tests.len() - shown,
            }
        })
        .collect();
    let errors: Vec<_> = report
        .inputs
        .iter()
        .filter_map(|i| i.error.as_deref().map(|e| (i.path.as_str(), e)))
        .collect();
    let mut kinds: Vec<(&String, &usize)> = report.redactions.iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    MdView {
        status,
        headline,
        summary: s,
        failing: s.failed + s.errors,
        clusters_total: report.clusters.len(),
        omitted: report.clusters.len() - clusters.len(),
        clusters,
        input_errors: errors
            .iter()
            .take(INPUT_ERRORS_SHOWN)
            .map(|(path, e)| InputError {
                path,
                error: cut(&one_line(e), detail.text.min(300)),
            })
            .collect(),
        input_errors_more: errors.len().saturating_sub(INPUT_ERRORS_SHOWN),
        redactions: kinds
            .iter()
            .map(|(k, n)| format!("{k} ×{n}"))
            .collect::<Vec<_>>()
            .join(", "),
        redaction_total: report.redactions.values().sum(),
        commit: history
            .and_then(|h| h.commit.as_deref())
            .map(|c| c.get(..12).unwrap_or(c)),
        branch: history.and_then(|h| h.branch.as_deref()),
        html_report: html_report.map(link),
    }
}

fn link(path: &str) -> HtmlLink {
    let absolute = path.starts_with('/')
        || path.starts_with('\\')
        || path.as_bytes().get(1) == Some(&b':')
        || path.contains("://");
    HtmlLink {
        text: path.to_owned(),
        href: (!absolute).then(|| {
            path.chars()
                .map(|c| match c {
                    ' ' => "%20".to_owned(),
                    '(' => "%28".to_owned(),
                    ')' => "%29".to_owned(),
                    '\\' => "/".to_owned(),
                    c => c.to_string(),
                })
                .collect()
        }),
    }
}

/// `s` on one line: every run of whitespace becomes one space.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes text for GitHub-flavoured Markdown: the template engine applies
/// it to every value of `*.md.tera` templates, as HTML templates get HTML
/// escaping. Markup characters are backslash-escaped (valid before any
/// ASCII punctuation; with `[` and `]` escaped no link or image can form),
/// `<`, `>` and `&` become entities (so no HTML reaches the page), `|`
/// cannot end a table cell, `#` and `@` cannot reference an issue or
/// mention a person, and line breaks become spaces (a value never starts a
/// new block).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut space = false;
    for c in s.chars() {
        if c == '\n' || c == '\r' || c == '\t' {
            if !space {
                out.push(' ');
            }
            space = true;
            continue;
        }
        space = c == ' ';
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '@' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup_and_one_line() {
        assert_eq!(
            escape("<script>alert(1)</script> | *x* _y_\n# [a](b) `c` & \\ @team"),
            "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*x\\* \\_y\\_ \\# \\[a\\](b) \\`c\\` &amp; \\\\ \\@team"
        );
        assert_eq!(escape("a\r\n\n b"), "a  b");
        assert_eq!(
            escape("12 failing tests → 3 root causes"),
            "12 failing tests → 3 root causes"
        );
    }

    #[test]
    fn relative_paths_are_links_and_absolute_ones_mentions() {
        let l = link("report.html");
        assert_eq!(l.href.as_deref(), Some("report.html"));
        let l = link("out dir/report (1).html");
        assert_eq!(l.href.as_deref(), Some("out%20dir/report%20%281%29.html"));
        assert_eq!(link("/tmp/x/report.html").href, None);
        assert_eq!(link("C:\\x\\report.html").href, None);
    }
}
