//! The human-readable outputs as [`Output`] sinks: `report.html`,
//! `summary.md` (and the GitHub step summary), the terminal summary and
//! GitHub annotations.

use std::cell::RefCell;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use failtale_core::Sanitized;
use failtale_core::output::{Finished, Output, OutputError, write_atomically};
use failtale_core::report::Report;

use crate::terminal::{SummaryOptions, write_history_notes, write_summary};
use crate::{
    GITHUB_STEP_SUMMARY_MAX, HTML_TEMPLATE, MARKDOWN_TEMPLATE, RenderError, RenderOptions,
    render_html_to, render_markdown,
};

/// `report.html`, written atomically into a directory.
#[derive(Debug, Clone)]
pub struct HtmlReport {
    path: PathBuf,
    templates: Option<PathBuf>,
}

impl HtmlReport {
    /// Writes `dir/report.html`; `templates` may hold a `report.html.tera`
    /// that replaces the embedded one.
    pub fn in_dir(dir: &Path, templates: Option<&Path>) -> Self {
        HtmlReport {
            path: dir.join("report.html"),
            templates: templates.map(Path::to_owned),
        }
    }
}

impl Output for HtmlReport {
    fn name(&self) -> &str {
        "report.html"
    }

    fn concurrent(&mut self) -> Option<&mut (dyn Output + Send)> {
        Some(self)
    }

    fn finish(&mut self, done: &Finished<'_>) -> Result<Vec<PathBuf>, OutputError> {
        let opts = RenderOptions {
            template_dir: self.templates.clone(),
            html_report_path: None,
        };
        // Rendered straight into the file: a large report's page is never
        // held whole. A template problem leaves no file behind.
        let mut template = None;
        let written = write_atomically(&self.path, &mut |w| match render_html_to(
            done.report,
            &opts,
            w,
        ) {
            Ok(r) => r,
            Err(e) => {
                template = Some(e);
                Err(std::io::Error::other("the template could not be rendered"))
            }
        });
        if let Some(e) = template {
            return Err(template_error(e, self.templates.as_deref(), HTML_TEMPLATE));
        }
        written?;
        Ok(vec![self.path.clone()])
    }
}

/// `summary.md` next to report.html, and — when `GITHUB_STEP_SUMMARY` names
/// a file — the same summary appended to it, fitted into what is left of
/// GitHub's 65,535 bytes.
#[derive(Debug, Clone)]
pub struct MarkdownSummary {
    path: PathBuf,
    templates: Option<PathBuf>,
    step_summary: Option<PathBuf>,
}

impl MarkdownSummary {
    /// Writes `dir/summary.md`; `templates` may hold a `summary.md.tera`.
    pub fn in_dir(dir: &Path, templates: Option<&Path>) -> Self {
        MarkdownSummary {
            path: dir.join("summary.md"),
            templates: templates.map(Path::to_owned),
            step_summary: None,
        }
    }

    /// Also appends to the step summary file `env` names in
    /// `GITHUB_STEP_SUMMARY`, if any.
    pub fn with_step_summary_from(mut self, env: &dyn Fn(&str) -> Option<String>) -> Self {
        self.step_summary = env("GITHUB_STEP_SUMMARY")
            .filter(|p| !p.trim().is_empty())
            .map(PathBuf::from);
        self
    }

    fn append_step_summary(
        &self,
        step: &Path,
        report: &Sanitized<Report>,
    ) -> Result<bool, OutputError> {
        let write_error = |source| OutputError::Write {
            path: step.to_owned(),
            source,
        };
        let existing = match fs::metadata(step) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(write_error(e)),
        };
        // The step summary is read on GitHub, where a path on the runner
        // cannot be followed: name report.html by its absolute path, as text.
        let html = self.path.with_file_name("report.html");
        let html = std::path::absolute(&html).unwrap_or(html);
        let opts = RenderOptions {
            template_dir: self.templates.clone(),
            html_report_path: Some(html.display().to_string()),
        };
        // One blank line apart from what earlier steps' tools wrote.
        let separator = if existing > 0 { "\n" } else { "" };
        let room = GITHUB_STEP_SUMMARY_MAX
            .saturating_sub(usize::try_from(existing).unwrap_or(usize::MAX))
            .saturating_sub(separator.len());
        match render_markdown(report, &opts, room) {
            Ok(text) => {
                let mut file = fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(step)
                    .map_err(write_error)?;
                file.write_all(format!("{separator}{text}").as_bytes())
                    .map_err(write_error)?;
                Ok(true)
            }
            // Earlier steps used up the room: summary.md still has it all.
            Err(RenderError::TooLarge { .. }) => Ok(false),
            Err(e) => Err(template_error(
                e,
                self.templates.as_deref(),
                MARKDOWN_TEMPLATE,
            )),
        }
    }
}

impl Output for MarkdownSummary {
    fn name(&self) -> &str {
        "summary.md"
    }

    fn concurrent(&mut self) -> Option<&mut (dyn Output + Send)> {
        Some(self)
    }

    fn finish(&mut self, done: &Finished<'_>) -> Result<Vec<PathBuf>, OutputError> {
        let opts = RenderOptions {
            template_dir: self.templates.clone(),
            // summary.md sits next to report.html: a relative link works.
            html_report_path: Some("report.html".into()),
        };
        let text = render_markdown(done.report, &opts, GITHUB_STEP_SUMMARY_MAX)
            .map_err(|e| template_error(e, self.templates.as_deref(), MARKDOWN_TEMPLATE))?;
        write_atomically(&self.path, &mut |w| w.write_all(text.as_bytes()))?;
        let mut written = vec![self.path.clone()];
        if let Some(step) = &self.step_summary
            && self.append_step_summary(step, done.report)?
        {
            written.push(step.clone());
        }
        Ok(written)
    }
}

/// A template problem, reported as a problem with the user's template (the
/// embedded ones are tested; only a user's can fail).
fn template_error(e: RenderError, template_dir: Option<&Path>, name: &str) -> OutputError {
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
    OutputError::Config { path, message }
}

/// One stream shared by several outputs that write to it in turn (the
/// terminal summary and the annotations both go to stdout).
pub struct SharedWrite<'a>(RefCell<&'a mut dyn Write>);

impl std::fmt::Debug for SharedWrite<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedWrite")
    }
}

impl<'a> SharedWrite<'a> {
    /// Shares `w`.
    pub fn new(w: &'a mut dyn Write) -> Self {
        SharedWrite(RefCell::new(w))
    }
}

impl Write for &SharedWrite<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.borrow_mut().write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// The terminal summary: counts, one block per root cause, where the
/// documents are, then what history said about a run just recorded. Colour codes are written always;
/// the stream given strips them where colour is off.
#[derive(Debug)]
pub struct TerminalSummary<W> {
    out: W,
    report_path: PathBuf,
    options: SummaryOptions,
}

impl<W: Write> TerminalSummary<W> {
    /// Writes to `out`, naming `report_path` (report.json; report.html is
    /// named next to it).
    pub fn new(out: W, report_path: &Path, options: SummaryOptions) -> Self {
        TerminalSummary {
            out,
            report_path: report_path.to_owned(),
            options,
        }
    }
}

impl<W: Write> Output for TerminalSummary<W> {
    fn name(&self) -> &str {
        "terminal"
    }

    fn finish(&mut self, done: &Finished<'_>) -> Result<Vec<PathBuf>, OutputError> {
        (|| {
            write_summary(&mut self.out, done.report, &self.report_path, &self.options)?;
            // "Recorded" is news only for a run just processed, not for a
            // saved report shown again.
            if let (Some(h), Some(_)) = (&done.report.history, done.output) {
                write_history_notes(&mut self.out, h, self.options.quiet)?;
            }
            self.out.flush()
        })()
        .map_err(OutputError::stream)?;
        Ok(Vec::new())
    }
}

/// GitHub Actions annotations (`::error file=…,line=…::…`), one per root
/// cause, written only when the environment says this is a GitHub Actions
/// step. See [`crate::annotations`].
#[derive(Debug)]
pub struct GithubAnnotations<W> {
    out: W,
    enabled: bool,
    workspace: Option<PathBuf>,
    html: PathBuf,
}

impl<W: Write> GithubAnnotations<W> {
    /// Annotations to `out` when `env` has `GITHUB_ACTIONS=true`, with
    /// paths relative to its `GITHUB_WORKSPACE`; `html` is named for the
    /// root causes beyond GitHub's limit.
    pub fn from_env(out: W, html: &Path, env: &dyn Fn(&str) -> Option<String>) -> Self {
        GithubAnnotations {
            out,
            enabled: crate::annotations::enabled(env),
            workspace: env("GITHUB_WORKSPACE")
                .filter(|w| !w.is_empty())
                .map(PathBuf::from),
            html: html.to_owned(),
        }
    }
}

impl<W: Write> Output for GithubAnnotations<W> {
    fn name(&self) -> &str {
        "github annotations"
    }

    fn finish(&mut self, done: &Finished<'_>) -> Result<Vec<PathBuf>, OutputError> {
        if self.enabled {
            crate::annotations::write_annotations(
                &mut self.out,
                done.report,
                self.workspace.as_deref(),
                &self.html,
            )
            .and_then(|()| self.out.flush())
            .map_err(OutputError::stream)?;
        }
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use failtale_core::model::{
        Attempt, Failure, FailureKind, InputStatus, TestCase, TestId, TestRun,
    };

    fn finished_run() -> failtale_core::pipeline::Finish {
        let mut run = TestRun::default();
        let mut f = Failure::new(FailureKind::Failure);
        f.message = Some("connection refused to 10.0.0.1 password=hunter2".into());
        let case = TestCase::new(
            {
                let mut test_id = TestId::default();
                test_id.name = "it_connects".into();
                test_id
            },
            vec![Attempt::with_failures(vec![f])],
        );
        run.push_input(
            {
                let mut input_status = InputStatus::default();
                input_status.path = "x.xml".into();
                input_status
            },
            vec![case],
            Vec::new(),
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let pipeline = failtale_core::Pipeline::default();
        let output = rt.block_on(pipeline.process_run(run));
        pipeline.finish(output, &mut [])
    }

    #[test]
    fn terminal_and_annotations_share_one_stream_in_order() {
        let finish = finished_run();
        let mut buf = Vec::new();
        {
            let shared = SharedWrite::new(&mut buf);
            let env = |k: &str| (k == "GITHUB_ACTIONS").then(|| "true".to_owned());
            let mut term = TerminalSummary::new(
                &shared,
                Path::new("out/report.json"),
                SummaryOptions {
                    max_clusters: 10,
                    quiet: false,
                },
            );
            let mut ann = GithubAnnotations::from_env(&shared, Path::new("out/report.html"), &env);
            let done = Finished::new(&finish.report, Some(&finish.output));
            term.finish(&done).unwrap();
            ann.finish(&done).unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        let summary = text.find("1 failure → 1 root cause").expect(&text);
        let error = text.find("::error ").expect(&text);
        assert!(summary < error, "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    /// Writes report.html with a user template of `source`: the error, and
    /// what the output directory holds afterwards.
    fn html_with_template(source: &str) -> (PathBuf, String, Vec<PathBuf>) {
        let finish = finished_run();
        let dir = tempfile::tempdir().unwrap();
        let templates = dir.path().join("t");
        fs::create_dir_all(&templates).unwrap();
        fs::write(templates.join(HTML_TEMPLATE), source).unwrap();
        let out = dir.path().join("out");
        fs::create_dir_all(&out).unwrap();
        let mut html = HtmlReport::in_dir(&out, Some(&templates));
        let e = html
            .finish(&Finished::new(&finish.report, Some(&finish.output)))
            .unwrap_err();
        let OutputError::Config { path, message } = e else {
            panic!("{e:?}")
        };
        let left = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        (path, message, left)
    }

    #[test]
    fn a_template_failing_while_it_renders_leaves_no_page_and_says_where() {
        // Parses, then fails half way through the page.
        let (path, message, left) =
            html_with_template("<html>{{ summary.tests }} {{ no_such_value }}");
        assert!(path.ends_with(HTML_TEMPLATE), "{}", path.display());
        assert!(message.contains("no_such_value"), "{message}");
        assert!(left.is_empty(), "no page and no temporary: {left:?}");
    }

    #[test]
    fn a_broken_user_template_is_a_config_error_naming_it_and_writes_nothing() {
        let (path, message, left) = html_with_template("{% if %}");
        assert!(path.ends_with(HTML_TEMPLATE), "{}", path.display());
        assert!(message.contains("does not parse"), "{message}");
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn the_step_summary_is_appended_after_what_earlier_steps_wrote() {
        let finish = finished_run();
        let dir = tempfile::tempdir().unwrap();
        let step = dir.path().join("step.md");
        fs::write(&step, "earlier step\n").unwrap();
        let step_s = step.display().to_string();
        let env = move |k: &str| (k == "GITHUB_STEP_SUMMARY").then(|| step_s.clone());
        let mut md =
            MarkdownSummary::in_dir(&dir.path().join("out"), None).with_step_summary_from(&env);
        let written = md
            .finish(&Finished::new(&finish.report, Some(&finish.output)))
            .unwrap();
        assert_eq!(written.len(), 2);
        let text = fs::read_to_string(&step).unwrap();
        assert!(text.starts_with("earlier step\n\n"), "{text}");
        assert!(text.contains("1 root cause"), "{text}");
    }
}
