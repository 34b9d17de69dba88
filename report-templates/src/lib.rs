//! # report-templates
//!
//! failtale's human-readable reports, rendered from a sanitized
//! [`Report`] with [tera](https://keats.github.io/tera/) templates embedded
//! at compile time (the binary needs no files at run time):
//!
//! - [`render_html`]: `report.html`, one self-contained file (inline CSS and
//!   script, no external URL, a Content-Security-Policy that forbids
//!   loading anything) with a card per cluster, the cited evidence in
//!   context, filters, and the stability table;
//! - [`render_markdown`]: `summary.md`, GitHub-flavoured Markdown for
//!   `$GITHUB_STEP_SUMMARY` and pull-request comments, fitted into a byte
//!   budget by saying less (never by cutting a line or a table).
//!
//! ## Custom templates
//!
//! [`RenderOptions::template_dir`] names a directory that may hold
//! `report.html.tera` and `summary.md.tera`; each one found replaces the
//! embedded template of that name, a missing one falls back to it. Every
//! value is escaped for its format automatically: HTML escaping in
//! `*.html.tera`, Markdown escaping in `*.md.tera` (markup characters
//! backslash-escaped, `<`, `>`, `&` as entities, line breaks as spaces).
//! Mark a value `| safe` only when you made it safe yourself.
//!
//! The templates see a view of the report with the work already done:
//! excerpts, percentages, trend marks and filter choices are computed in
//! Rust. Start from the embedded templates ([`TEMPLATES`]) to see every field.
//!
//! MSRV: Rust 1.88.

pub mod annotations;
mod excerpt;
mod markdown;
pub mod sinks;
pub mod style;
pub mod terminal;
mod view;

pub use sinks::{GithubAnnotations, HtmlReport, MarkdownSummary, SharedWrite, TerminalSummary};

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use failtale_core::Sanitized;
use failtale_core::report::Report;

/// A named template and its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    /// File name, as a user's template directory would hold it.
    pub name: &'static str,
    /// Template source (tera syntax).
    pub source: &'static str,
}

/// File name of the HTML report's template.
pub const HTML_TEMPLATE: &str = "report.html.tera";
/// File name of the Markdown summary's template.
pub const MARKDOWN_TEMPLATE: &str = "summary.md.tera";

/// Every embedded template.
pub const TEMPLATES: &[Template] = &[
    Template {
        name: HTML_TEMPLATE,
        source: include_str!("../templates/report.html.tera"),
    },
    Template {
        name: MARKDOWN_TEMPLATE,
        source: include_str!("../templates/summary.md.tera"),
    },
];

/// Looks up an embedded template by file name.
pub fn get(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.name == name)
}

/// The limit GitHub puts on one step's `$GITHUB_STEP_SUMMARY`, in bytes.
pub const GITHUB_STEP_SUMMARY_MAX: usize = 65_535;

/// How to render.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// A directory whose `report.html.tera` / `summary.md.tera` replace the
    /// embedded templates of the same name. It must exist when given.
    pub template_dir: Option<PathBuf>,
    /// Where `report.html` is, for the Markdown summary to point at: a
    /// relative path becomes a link, an absolute one is mentioned as text.
    pub html_report_path: Option<String>,
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The template directory, or a template in it, cannot be read.
    #[error("cannot read template `{}`", path.display())]
    Read {
        /// The directory or file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A template does not parse.
    #[error("template `{file}` is invalid: {message}")]
    Syntax {
        /// The template's path, or `embedded <name>`.
        file: String,
        /// The template engine's error and its causes.
        message: String,
    },
    /// A template parsed but failed while rendering (an unknown field, a
    /// filter applied to the wrong type, …).
    #[error("cannot render template `{file}`: {message}")]
    Render {
        /// The template's path, or `embedded <name>`.
        file: String,
        /// The template engine's error and its causes.
        message: String,
    },
    /// Even the shortest summary is larger than the byte budget.
    #[error(
        "the Markdown summary needs at least {needed} bytes, more than the {max_bytes} allowed"
    )]
    TooLarge {
        /// The budget.
        max_bytes: usize,
        /// The size of the shortest summary (headline, counts, no clusters).
        needed: usize,
    },
}

/// Renders `report.html`.
pub fn render_html(
    report: &Sanitized<Report>,
    opts: &RenderOptions,
) -> Result<String, RenderError> {
    html(report.get(), opts)
}

/// Renders `summary.md` in at most `max_bytes` bytes (use
/// [`GITHUB_STEP_SUMMARY_MAX`] for a step summary).
///
/// A report too large for the budget is summarised, never cut: it is
/// rendered with fewer tests per cluster, then shorter texts, then only the
/// largest clusters and a line saying how many root causes were left out,
/// until it fits. The result always ends in a complete line.
pub fn render_markdown(
    report: &Sanitized<Report>,
    opts: &RenderOptions,
    max_bytes: usize,
) -> Result<String, RenderError> {
    markdown(report.get(), opts, max_bytes)
}

fn html(report: &Report, opts: &RenderOptions) -> Result<String, RenderError> {
    let engine = Engine::load(HTML_TEMPLATE, opts)?;
    engine.render(&view::build(report))
}

/// Writes `report.html` into `out` as it renders (see [`render_html`]).
/// An error writing is `Ok(Err(_))`; a problem with the template is `Err(_)`.
pub fn render_html_to(
    report: &Sanitized<Report>,
    opts: &RenderOptions,
    out: &mut dyn std::io::Write,
) -> Result<std::io::Result<()>, RenderError> {
    let engine = Engine::load(HTML_TEMPLATE, opts)?;
    engine.render_to(&view::build(report.get()), out)
}

fn markdown(
    report: &Report,
    opts: &RenderOptions,
    max_bytes: usize,
) -> Result<String, RenderError> {
    let engine = Engine::load(MARKDOWN_TEMPLATE, opts)?;
    let link = opts.html_report_path.as_deref();
    let all = report.clusters.len();
    let titles = markdown::Titles::new(report);
    let render = |detail, keep| -> Result<String, RenderError> {
        let mut text = engine.render(&markdown::build(report, &titles, link, detail, keep))?;
        // Exactly one line break at the end, so appending to a step summary
        // that others write to keeps blocks apart.
        text.truncate(text.trim_end().len());
        text.push('\n');
        Ok(text)
    };
    // More clusters only make the summary longer, so a few leading ones
    // that already overflow rule a level out without rendering them all.
    let mut probes = Vec::new();
    let mut keep = PROBE;
    while keep < all {
        probes.push(keep);
        keep *= 4;
    }
    probes.push(all);
    let least = markdown::LEVELS[markdown::LEVELS.len() - 1];
    // At the least detailed level: (clusters that fit, text) and the fewest that do not.
    let (mut lo, mut best, mut hi) = (0, None, all);
    for detail in markdown::LEVELS {
        for &keep in &probes {
            let text = render(detail, keep)?;
            if text.len() > max_bytes {
                if detail == least {
                    hi = keep;
                }
                break;
            }
            if keep == all {
                return Ok(text);
            }
            if detail == least {
                (lo, best) = (keep, Some(text));
            }
        }
    }
    // Only the largest clusters, as many as fit.
    let mut best = match best {
        Some(text) => text,
        None => {
            let shortest = render(least, 0)?;
            if shortest.len() > max_bytes {
                return Err(RenderError::TooLarge {
                    max_bytes,
                    needed: shortest.len(),
                });
            }
            shortest
        }
    };
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        let text = render(least, mid)?;
        if text.len() <= max_bytes {
            (lo, best) = (mid, text);
        } else {
            hi = mid;
        }
    }
    Ok(best)
}

/// Clusters rendered in the first probe of a detail level.
const PROBE: usize = 16;

/// Parses the embedded templates now, once per process, so that a later
/// render does not wait for it: `cargo failtale test` calls this on a thread
/// while the tests run (parsing report.html's template takes 10–20 ms, a few
/// per cent of a short test run). Rendering works the same without it.
pub fn prepare() {
    for name in [HTML_TEMPLATE, MARKDOWN_TEMPLATE] {
        let _ = embedded(name);
    }
}

/// The embedded template `name`, parsed on first use.
fn embedded(name: &'static str) -> Result<&'static tera::Tera, RenderError> {
    static HTML: OnceLock<Result<tera::Tera, String>> = OnceLock::new();
    static MARKDOWN: OnceLock<Result<tera::Tera, String>> = OnceLock::new();
    let cell = match name {
        HTML_TEMPLATE => &HTML,
        MARKDOWN_TEMPLATE => &MARKDOWN,
        _ => {
            return Err(RenderError::Syntax {
                file: format!("embedded {name}"),
                message: "no such embedded template".into(),
            });
        }
    };
    cell.get_or_init(|| {
        parse(name, get(name).map_or("", |t| t.source))
            .map_err(|e| failtale_core::error::error_chain(&e))
    })
    .as_ref()
    .map_err(|message| RenderError::Syntax {
        file: format!("embedded {name}"),
        message: message.clone(),
    })
}

/// A tera instance holding template `name` parsed from `source`, escaping
/// for its kind of document.
fn parse(name: &'static str, source: &str) -> Result<tera::Tera, tera::Error> {
    let mut tera = tera::Tera::default();
    if name.ends_with(".md.tera") {
        tera.autoescape_on(vec![".md.tera"]);
        tera.set_escape_fn(markdown::escape);
    } else {
        tera.autoescape_on(vec![".html.tera"]);
    }
    tera.add_raw_template(name, source)?;
    Ok(tera)
}

/// A tera instance holding one template, the user's or the embedded one.
struct Engine {
    tera: Cow<'static, tera::Tera>,
    name: &'static str,
    file: String,
}

impl Engine {
    fn load(name: &'static str, opts: &RenderOptions) -> Result<Self, RenderError> {
        let user = match &opts.template_dir {
            Some(dir) => user_template(dir, name)?,
            None => None,
        };
        let Some((path, source)) = user else {
            return Ok(Engine {
                tera: Cow::Borrowed(embedded(name)?),
                name,
                file: format!("embedded {name}"),
            });
        };
        let file = path.display().to_string();
        let tera = parse(name, &source).map_err(|e| RenderError::Syntax {
            file: file.clone(),
            message: failtale_core::error::error_chain(&e),
        })?;
        Ok(Engine {
            tera: Cow::Owned(tera),
            name,
            file,
        })
    }

    fn render(&self, view: &impl serde::Serialize) -> Result<String, RenderError> {
        let context = tera::Context::from_serialize(view).map_err(|e| self.fail(e))?;
        self.tera
            .render(self.name, &context)
            .map_err(|e| self.fail(e))
    }

    /// Renders straight into `out`, holding no copy of the page. An error
    /// writing is `Ok(Err(_))`; an error of the template is `Err(_)`.
    fn render_to(
        &self,
        view: &impl serde::Serialize,
        out: &mut dyn std::io::Write,
    ) -> Result<std::io::Result<()>, RenderError> {
        let context = tera::Context::from_serialize(view).map_err(|e| self.fail(e))?;
        match self.tera.render_to(self.name, &context, out) {
            Ok(()) => Ok(Ok(())),
            Err(e) => match io_cause(&e) {
                Some(io) => Ok(Err(std::io::Error::new(io.kind(), io.to_string()))),
                None => Err(self.fail(e)),
            },
        }
    }

    fn fail(&self, e: tera::Error) -> RenderError {
        RenderError::Render {
            file: self.file.clone(),
            message: failtale_core::error::error_chain(&e),
        }
    }
}

/// The I/O error behind a tera error, if writing failed.
fn io_cause(e: &tera::Error) -> Option<&std::io::Error> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cause = c.source();
    }
    None
}

/// The user's version of template `name` in `dir`, if there is one.
fn user_template(dir: &Path, name: &str) -> Result<Option<(PathBuf, String)>, RenderError> {
    let read_error = |path: &Path| {
        let path = path.to_owned();
        move |source| RenderError::Read { path, source }
    };
    let meta = std::fs::metadata(dir).map_err(read_error(dir))?;
    if !meta.is_dir() {
        return Err(RenderError::Read {
            path: dir.to_owned(),
            source: std::io::Error::other("not a directory"),
        });
    }
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(source) => Ok(Some((path, source))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(read_error(&path)(e)),
    }
}

#[cfg(test)]
mod tests;
