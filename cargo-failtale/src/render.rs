//! `report.html`, `summary.md` and the GitHub step summary.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use failtale_core::Sanitized;
use failtale_core::report::Report;
use report_templates::{
    GITHUB_STEP_SUMMARY_MAX, HTML_TEMPLATE, MARKDOWN_TEMPLATE, RenderError, RenderOptions,
    render_html, render_markdown,
};

use crate::errors::CliError;

/// Renders `report.html` and `summary.md` into `dir` (each written
/// atomically), and appends the summary to the file `GITHUB_STEP_SUMMARY`
/// names, when `env` has it, fitted into what is left of GitHub's 65,535
/// bytes. Templates in `template_dir` replace the embedded ones by name.
/// Both documents are rendered before either is written, so a broken
/// template leaves no half-updated pair. Returns the paths written.
pub fn write_documents(
    dir: &Path,
    report: &Sanitized<Report>,
    template_dir: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<PathBuf>, CliError> {
    render_documents(report, template_dir)?.write(dir, report, env)
}

/// `report.html` and `summary.md`, rendered and not yet written.
#[derive(Debug)]
pub struct Documents<'a> {
    html: String,
    markdown: String,
    template_dir: Option<&'a Path>,
}

fn options(template_dir: Option<&Path>) -> RenderOptions {
    RenderOptions {
        template_dir: template_dir.map(Path::to_owned),
        // summary.md sits next to report.html: a relative link works.
        html_report_path: Some("report.html".into()),
    }
}

/// Renders both documents; report.html on a second thread, as it is the
/// slow one (parsing its template alone takes about 10 ms), while
/// summary.md renders on this one.
pub fn render_documents<'a>(
    report: &Sanitized<Report>,
    template_dir: Option<&'a Path>,
) -> Result<Documents<'a>, CliError> {
    let opts = options(template_dir);
    let failed = |name: &str| {
        let name = name.to_owned();
        move |e| render_error(e, template_dir, &name)
    };
    let (html, markdown) = std::thread::scope(|s| {
        let html = s.spawn(|| render_html(report, &opts));
        let markdown = render_markdown(report, &opts, GITHUB_STEP_SUMMARY_MAX);
        let html = html.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (html, markdown)
    });
    Ok(Documents {
        html: html.map_err(failed(HTML_TEMPLATE))?,
        markdown: markdown.map_err(failed(MARKDOWN_TEMPLATE))?,
        template_dir,
    })
}

impl Documents<'_> {
    /// Writes the documents into `dir`, and the step summary (see
    /// [`write_documents`]). Returns the paths written.
    pub fn write(
        self,
        dir: &Path,
        report: &Sanitized<Report>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<PathBuf>, CliError> {
        let Documents {
            html,
            markdown,
            template_dir,
        } = self;
        let opts = options(template_dir);
        let mut written = vec![
            crate::analyze::write_atomically(dir, "report.html", &mut |w| {
                w.write_all(html.as_bytes())
            })?,
            crate::analyze::write_atomically(dir, "summary.md", &mut |w| {
                w.write_all(markdown.as_bytes())
            })?,
        ];
        append_step_summary(dir, report, template_dir, opts, env, &mut written)?;
        Ok(written)
    }
}

/// Appends the summary to `GITHUB_STEP_SUMMARY`, when `env` has it.
fn append_step_summary(
    dir: &Path,
    report: &Sanitized<Report>,
    template_dir: Option<&Path>,
    opts: RenderOptions,
    env: &dyn Fn(&str) -> Option<String>,
    written: &mut Vec<PathBuf>,
) -> Result<(), CliError> {
    if let Some(step) = env("GITHUB_STEP_SUMMARY").filter(|p| !p.trim().is_empty()) {
        let step = PathBuf::from(step);
        let write_error = |source| CliError::Write {
            path: step.clone(),
            source,
        };
        let existing = match fs::metadata(&step) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(write_error(e)),
        };
        // The step summary is read on GitHub, where a path on the runner
        // cannot be followed: name report.html by its absolute path, as text.
        let html_path = std::path::absolute(dir.join("report.html"))
            .unwrap_or_else(|_| dir.join("report.html"));
        let step_opts = RenderOptions {
            html_report_path: Some(html_path.display().to_string()),
            ..opts
        };
        // One blank line apart from what earlier steps' tools wrote.
        let separator = if existing > 0 { "\n" } else { "" };
        let room = GITHUB_STEP_SUMMARY_MAX
            .saturating_sub(usize::try_from(existing).unwrap_or(usize::MAX))
            .saturating_sub(separator.len());
        match render_markdown(report, &step_opts, room) {
            Ok(text) => {
                let mut file = fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(&step)
                    .map_err(write_error)?;
                file.write_all(format!("{separator}{text}").as_bytes())
                    .map_err(write_error)?;
                written.push(step);
            }
            // Earlier steps used up the room: summary.md still has it all.
            Err(RenderError::TooLarge { .. }) => {}
            Err(e) => return Err(render_error(e, template_dir, MARKDOWN_TEMPLATE)),
        }
    }
    Ok(())
}

/// A template problem, reported as a problem with the user's template (the
/// embedded ones are tested; only a user's can fail).
fn render_error(e: RenderError, template_dir: Option<&Path>, name: &str) -> CliError {
    let (path, message) = match e {
        RenderError::Read { path, source } => (path, format!("cannot read the template: {source}")),
        RenderError::Syntax { file, message } => (
            PathBuf::from(file),
            format!("the template does not parse: {message}"),
        ),
        RenderError::Render { file, message } => (
            PathBuf::from(file),
            format!("the template failed to render: {message}"),
        ),
        e => (
            template_dir.map_or_else(|| PathBuf::from(name), |d| d.join(name)),
            failtale_core::error::error_chain(&e),
        ),
    };
    CliError::Config { path, message }
}
