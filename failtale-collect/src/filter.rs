//! Line filters (`since`, `grep` with context, `tail`) and output caps.
//!
//! The same filters run in Rust for local output and as a POSIX `sh`/`awk`/
//! `grep -E` pipeline on a remote host, so only the lines that matter cross
//! the network. Both produce the same lines (a test runs the shell version
//! locally and compares).

use std::collections::VecDeque;

use failtale_core::TestRun;
use failtale_core::capped::CappedBuf;
use regex::Regex;

use crate::template::quote;

/// Which lines of an output to keep. Applied in order: since, grep, tail.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Keep lines from the first one stamped at or after the run start.
    pub since: bool,
    /// Keep lines matching this pattern (and `context` lines around them).
    pub grep: Option<Regex>,
    /// Context lines around matches; groups are separated by `--` as `grep -C` does.
    pub context: usize,
    /// Keep only the last N lines.
    pub tail: Option<usize>,
}

impl Filter {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        !self.since && self.grep.is_none() && self.tail.is_none()
    }

    /// A readable suffix such as ` | grep -E -C 2 'x' | tail -n 50`, for provenance.
    pub fn describe(&self, since: Option<&str>) -> String {
        let mut s = String::new();
        if self.since {
            match since {
                Some(t) => s.push_str(&format!(" | since {t}")),
                None => s.push_str(" | since (run start unknown: not applied)"),
            }
        }
        if let Some(g) = &self.grep {
            s.push_str(" | grep -E");
            if self.context > 0 {
                s.push_str(&format!(" -C {}", self.context));
            }
            s.push_str(&format!(" {}", quote(g.as_str()).unwrap_or_default()));
        }
        if let Some(n) = self.tail {
            s.push_str(&format!(" | tail -n {n}"));
        }
        s
    }
}

/// The run start as `YYYY-MM-DDTHH:MM:SS`, from the run's timestamp.
///
/// Log lines are compared as text in this form, so the run start and the
/// logs must be written in the same time zone (the usual case on one CI
/// machine; journalctl, docker and kubectl do their own conversion).
pub fn run_start(run: &TestRun) -> Option<String> {
    run.started_at.as_deref().and_then(line_stamp)
}

/// The timestamp a line starts with (optionally after `[`), normalised.
fn line_stamp(line: &str) -> Option<String> {
    let t = line.strip_prefix('[').unwrap_or(line);
    let b = t.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let ok = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    ok.then(|| format!("{}T{}", &t[..10], &t[11..19]))
}

/// Applies a [`Filter`] to lines as they arrive, keeping memory bounded by
/// the context and tail sizes (and by `max_lines`).
#[derive(Debug)]
pub struct LineFilter {
    filter: Filter,
    since: Option<String>,
    keep_since: bool,
    before: VecDeque<(u64, String)>,
    after_left: usize,
    last_out: Option<u64>,
    index: u64,
    out: VecDeque<String>,
    limit: usize,
    dropped: u64,
}

impl LineFilter {
    /// A filter keeping at most `max_lines` output lines (the last ones).
    /// `since` is the run start; without one the since filter is skipped.
    pub fn new(filter: Filter, since: Option<String>, max_lines: usize) -> Self {
        let limit = filter.tail.map_or(max_lines, |t| t.min(max_lines)).max(1);
        LineFilter {
            filter,
            since,
            keep_since: false,
            before: VecDeque::new(),
            after_left: 0,
            last_out: None,
            index: 0,
            out: VecDeque::new(),
            limit,
            dropped: 0,
        }
    }

    /// Feeds one line (without its newline).
    pub fn push(&mut self, line: &str) {
        self.index += 1;
        if self.filter.since
            && let Some(since) = &self.since
        {
            if let Some(stamp) = line_stamp(line) {
                self.keep_since = stamp.as_str() >= since.as_str();
            }
            if !self.keep_since {
                return;
            }
        }
        let Some(matched) = self.filter.grep.as_ref().map(|re| re.is_match(line)) else {
            self.emit(line.to_owned());
            return;
        };
        let n = self.index;
        if matched {
            let before = std::mem::take(&mut self.before);
            for (i, l) in before {
                self.emit_numbered(i, l);
            }
            self.emit_numbered(n, line.to_owned());
            self.after_left = self.filter.context;
        } else if self.after_left > 0 {
            self.after_left -= 1;
            self.emit_numbered(n, line.to_owned());
        } else if self.filter.context > 0 {
            self.before.push_back((n, line.to_owned()));
            if self.before.len() > self.filter.context {
                self.before.pop_front();
            }
        }
    }

    fn emit_numbered(&mut self, n: u64, line: String) {
        if self.filter.context > 0
            && let Some(last) = self.last_out
            && n > last + 1
        {
            self.emit("--".to_owned());
        }
        self.last_out = Some(n);
        self.emit(line);
    }

    fn emit(&mut self, line: String) {
        self.out.push_back(line);
        if self.out.len() > self.limit {
            self.out.pop_front();
            self.dropped += 1;
        }
    }

    /// The kept lines and how many lines the `max_lines` cap dropped.
    pub fn finish(self) -> (Vec<String>, u64) {
        let lines: Vec<String> = self.out.into();
        let limit = self.limit;
        // Lines a configured `tail` drops are filtered, not truncated.
        let dropped = match self.filter.tail {
            Some(t) if t <= limit => 0,
            _ => self.dropped,
        };
        (lines, dropped)
    }
}

/// Filters a whole text.
pub fn filter_text(
    text: &str,
    filter: &Filter,
    since: Option<&str>,
    max_lines: usize,
) -> (Vec<String>, u64) {
    let mut f = LineFilter::new(filter.clone(), since.map(str::to_owned), max_lines);
    for line in text.lines() {
        f.push(line);
    }
    f.finish()
}

/// Joins kept lines under the caps: a marker line where lines were dropped,
/// then the byte cap (head and tail with a marker). Returns the text and
/// whether anything was cut.
pub fn capped_output(lines: &[String], dropped_lines: u64, max_bytes: usize) -> (String, bool) {
    let mut buf = CappedBuf::new(max_bytes);
    if dropped_lines > 0 {
        buf.push_str(&omitted_lines_marker(dropped_lines));
        buf.push_str("\n");
    }
    for l in lines {
        buf.push_str(l);
        buf.push_str("\n");
    }
    match buf.finish() {
        Some(t) => {
            let cut = dropped_lines > 0 || !t.is_complete();
            (t.text, cut)
        }
        None => (String::new(), dropped_lines > 0),
    }
}

/// The line that replaces dropped lines.
pub fn omitted_lines_marker(n: u64) -> String {
    format!("[… {n} earlier lines omitted by failtale …]")
}

/// Marker lines the remote script writes to standard error.
pub(crate) const EXIT_MARKER: &str = "failtale-exit=";
pub(crate) const OMITTED_MARKER: &str = "failtale-omitted-lines=";

/// The shell variable that may hold a `timeout …` prefix for the command in a
/// [`remote_script`]; unset or empty, the command runs without a limit.
pub(crate) const LIMIT_VAR: &str = "FAILTALE_LIMIT";

/// A POSIX `sh` script that runs `command` (a shell line), merges its
/// standard error into its output, applies the filter and the line cap, and
/// reports the command's exit status and the lines the cap dropped on
/// standard error. Every configured value is quoted.
pub fn remote_script(
    command: &str,
    filter: &Filter,
    since: Option<&str>,
    max_lines: usize,
) -> String {
    // `$LIMIT_VAR` is empty, or the host's `timeout` command (set by the SSH
    // collector): word splitting of the unquoted expansion is intended.
    let mut s = format!(
        "{{ ( ${LIMIT_VAR} sh -c {}\n) 2>&1; echo \"{EXIT_MARKER}$?\" >&2; }}",
        quote_static(command)
    );
    if filter.since
        && let Some(since) = since
    {
        let d4 = "[0-9][0-9][0-9][0-9]";
        let d2 = "[0-9][0-9]";
        let prog = format!(
            "{{ t = $0; sub(/^\\[/, \"\", t); t = substr(t, 1, 19); \
             if (t ~ /^{d4}-{d2}-{d2}[T ]{d2}:{d2}:{d2}$/) {{ t = substr(t, 1, 10) \"T\" substr(t, 12); keep = (t >= s) }} \
             if (keep) print }}"
        );
        s.push_str(&format!(
            " | awk -v s={} {}",
            quote_static(since),
            quote_static(&prog)
        ));
    }
    if let Some(g) = &filter.grep {
        s.push_str(" | grep -E");
        if filter.context > 0 {
            s.push_str(&format!(" -C {}", filter.context));
        }
        s.push_str(&format!(" -e {}", quote_static(g.as_str())));
    }
    let limit = filter.tail.map_or(max_lines, |t| t.min(max_lines)).max(1);
    let tail_is_filter = filter.tail.is_some_and(|t| t <= max_lines);
    if tail_is_filter {
        s.push_str(&format!(" | tail -n {limit}"));
    } else {
        // A ring buffer of the last `n` lines that says how many it dropped.
        let prog = format!(
            "{{ b[NR % n] = $0 }} END {{ s = NR - n; if (s < 0) s = 0; \
             if (s > 0) print \"{OMITTED_MARKER}\" s > \"/dev/stderr\"; \
             for (i = s + 1; i <= NR; i++) print b[i % n] }}"
        );
        s.push_str(&format!(" | awk -v n={limit} {}", quote_static(&prog)));
    }
    s
}

/// Quotes a value validated at load time (no NUL possible).
fn quote_static(s: &str) -> String {
    quote(s).unwrap_or_else(|_| "''".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(grep: Option<&str>, context: usize, tail: Option<usize>, since: bool) -> Filter {
        Filter {
            since,
            grep: grep.map(|g| Regex::new(g).unwrap()),
            context,
            tail,
        }
    }

    const LOG: &str = concat!(
        "booting\n",
        "2024-05-01T11:59:00 old ERROR before the run\n",
        "2024-05-01 12:00:01 start\n",
        "  continuation of start\n",
        "[2024-05-01T12:00:02] ERROR disk full\n",
        "2024-05-01T12:00:03 a\n",
        "2024-05-01T12:00:04 b\n",
        "2024-05-01T12:00:05 c\n",
        "2024-05-01T12:00:06 ERROR again\n",
        "2024-05-01T12:00:07 d\n",
    );

    #[test]
    fn since_keeps_lines_from_the_run_start_with_their_continuations() {
        let (lines, dropped) = filter_text(
            LOG,
            &f(None, 0, None, true),
            Some("2024-05-01T12:00:00"),
            100,
        );
        assert_eq!(dropped, 0);
        assert_eq!(lines[0], "2024-05-01 12:00:01 start");
        assert_eq!(lines[1], "  continuation of start");
        assert_eq!(lines.len(), 8);
    }

    #[test]
    fn grep_with_context_separates_groups_like_grep() {
        let (lines, _) = filter_text(
            LOG,
            &f(Some("ERROR"), 1, None, true),
            Some("2024-05-01T12:00:00"),
            100,
        );
        assert_eq!(
            lines,
            [
                "  continuation of start",
                "[2024-05-01T12:00:02] ERROR disk full",
                "2024-05-01T12:00:03 a",
                "--",
                "2024-05-01T12:00:05 c",
                "2024-05-01T12:00:06 ERROR again",
                "2024-05-01T12:00:07 d",
            ]
        );
    }

    #[test]
    fn the_line_cap_keeps_the_last_lines_and_counts_the_rest() {
        let text: String = (1..=1000).map(|i| format!("line {i}\n")).collect();
        let (lines, dropped) = filter_text(&text, &Filter::default(), None, 10);
        assert_eq!((lines.len(), dropped), (10, 990));
        let (out, cut) = capped_output(&lines, dropped, 1 << 20);
        assert!(cut);
        assert!(out.starts_with("[… 990 earlier lines omitted by failtale …]\nline 991\n"));
        // A configured tail is a filter: what it drops is not "truncated".
        let (lines, dropped) = filter_text(&text, &f(None, 0, Some(5), false), None, 10);
        assert_eq!(
            (lines.len(), dropped, lines[4].as_str()),
            (5, 0, "line 1000")
        );
        let (_, cut) = capped_output(&lines, dropped, 1 << 20);
        assert!(!cut);
    }

    #[test]
    fn the_byte_cap_cuts_with_a_marker() {
        let lines: Vec<String> = (0..100).map(|i| format!("{i:0100}")).collect();
        let (out, cut) = capped_output(&lines, 0, 1000);
        assert!(cut && out.contains("bytes omitted by failtale") && out.len() < 1200);
    }

    /// The remote pipeline, run by the local `sh`, keeps exactly the lines
    /// the Rust filter keeps.
    #[cfg(unix)]
    #[test]
    fn the_remote_script_filters_like_the_rust_filter() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        std::fs::write(&log, LOG).unwrap();
        let long = dir.path().join("long");
        std::fs::write(
            &long,
            (1..=50).map(|i| format!("{i}\n")).collect::<String>(),
        )
        .unwrap();
        let since = Some("2024-05-01T12:00:00");
        let cases = [
            (&log, f(Some("ERROR"), 1, None, true), 100),
            (&log, f(Some("ERROR|start"), 0, Some(2), false), 100),
            (&log, f(None, 0, None, true), 3),
            (&long, f(Some("^[0-9]*5$"), 2, None, false), 100),
            (&long, f(None, 0, Some(40), false), 7),
        ];
        for (path, filter, max_lines) in cases {
            let cmd = format!("cat {}; exit 3", quote(path.to_str().unwrap()).unwrap());
            let script = remote_script(&cmd, &filter, since, max_lines);
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(&script)
                .output()
                .unwrap();
            let stdout = String::from_utf8(out.stdout).unwrap();
            let stderr = String::from_utf8(out.stderr).unwrap();
            let text = std::fs::read_to_string(path).unwrap();
            let (want, dropped) = filter_text(&text, &filter, since, max_lines);
            let got: Vec<&str> = stdout.lines().collect();
            assert_eq!(got, want, "script: {script}");
            assert!(stderr.contains("failtale-exit=3"), "{stderr}");
            let remote_dropped = stderr
                .lines()
                .find_map(|l| l.strip_prefix(OMITTED_MARKER))
                .map_or(0, |n| n.parse::<u64>().unwrap());
            assert_eq!(remote_dropped, dropped, "script: {script}");
        }
    }

    #[test]
    fn a_limit_stops_the_command_and_keeps_what_it_wrote() {
        // What the SSH collector prepends when the host has `timeout`.
        let script = format!(
            "{LIMIT_VAR}='timeout -k 1 1'\n{}",
            remote_script(
                "echo started; echo oops >&2; sleep 30; echo never",
                &f(None, 0, None, false),
                None,
                100
            )
        );
        let started = std::time::Instant::now();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
            .unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the command was not stopped"
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stdout, "started\noops\n");
        assert!(stderr.contains("failtale-exit=124"), "{stderr}");
    }
}
