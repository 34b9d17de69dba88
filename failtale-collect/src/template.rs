//! Command templates: literal text with `{{name}}` variables.
//!
//! Values from result files (test names, messages, paths) never reach a
//! command line unless a collector's template names a variable. Then the
//! value is one argv word (no shell involved) or, in a shell line, one
//! shell-quoted word, so nothing in it is ever interpreted.

use std::fmt;

use failtale_core::TestRun;
use failtale_core::model::Cluster;

/// A variable a template may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Var {
    /// The representative test's bare name.
    TestName,
    /// The representative test's key (`class::name`).
    TestKey,
    /// The representative test's innermost suite.
    Suite,
    /// The representative test's source file.
    TestFile,
    /// The cluster id (`c1`).
    ClusterId,
    /// The cluster's fingerprint hash.
    Fingerprint,
    /// When the run started, `YYYY-MM-DDTHH:MM:SS`.
    RunStarted,
}

impl Var {
    const ALL: [(&'static str, Var); 7] = [
        ("test_name", Var::TestName),
        ("test_key", Var::TestKey),
        ("suite", Var::Suite),
        ("test_file", Var::TestFile),
        ("cluster_id", Var::ClusterId),
        ("fingerprint", Var::Fingerprint),
        ("run_started", Var::RunStarted),
    ];

    fn name(self) -> &'static str {
        Var::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("", |(n, _)| n)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Lit(String),
    Var(Var),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.parts {
            match p {
                Part::Lit(s) => f.write_str(s)?,
                Part::Var(v) => write!(f, "{{{{{}}}}}", v.name())?,
            }
        }
        Ok(())
    }
}

/// The values of the variables for one cluster.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    values: Vec<(Var, Option<String>)>,
}

impl Vars {
    /// The values for a cluster of a run (from its representative test).
    pub fn for_cluster(cluster: &Cluster, run: &TestRun) -> Self {
        let case = run.cases.get(cluster.representative);
        let file = case.and_then(|c| {
            c.file
                .clone()
                .or_else(|| c.primary_failure().and_then(|f| f.file.clone()))
        });
        Vars {
            values: vec![
                (Var::TestName, case.map(|c| c.id.name.clone())),
                (Var::TestKey, case.map(|c| c.id.key())),
                (
                    Var::Suite,
                    case.and_then(|c| c.id.suite_name().map(str::to_owned)),
                ),
                (Var::TestFile, file),
                (Var::ClusterId, Some(cluster.id.clone())),
                (Var::Fingerprint, Some(cluster.fingerprint.hash.clone())),
                (Var::RunStarted, crate::filter::run_start(run)),
            ],
        }
    }

    fn get(&self, var: Var) -> Result<&str, String> {
        self.values
            .iter()
            .find(|(v, _)| *v == var)
            .and_then(|(_, s)| s.as_deref())
            .ok_or_else(|| format!("variable `{}` has no value for this cluster", var.name()))
    }
}

impl Template {
    /// Parses `text`; `{{name}}` must name a known variable.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start + 2..].find("}}") else {
                return Err("unclosed `{{`".into());
            };
            let name = rest[start + 2..start + 2 + len].trim();
            let Some(&(_, var)) = Var::ALL.iter().find(|(n, _)| *n == name) else {
                let known: Vec<&str> = Var::ALL.iter().map(|(n, _)| *n).collect();
                return Err(format!(
                    "unknown variable `{name}` (known: {})",
                    known.join(", ")
                ));
            };
            if start > 0 {
                parts.push(Part::Lit(rest[..start].to_owned()));
            }
            parts.push(Part::Var(var));
            rest = &rest[start + 2 + len + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Lit(rest.to_owned()));
        }
        Ok(Template { parts })
    }

    /// A template of literal text only.
    pub fn literal(text: String) -> Self {
        Template {
            parts: vec![Part::Lit(text)],
        }
    }

    /// True when the template names a variable.
    pub fn has_variables(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Var(_)))
    }

    /// The text with each variable's raw value: for one argv word, where no shell sees it.
    pub fn render_word(&self, vars: &Vars) -> Result<String, String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Var(v) => out.push_str(vars.get(*v)?),
            }
        }
        if out.contains('\0') {
            return Err("a value contains a NUL byte".into());
        }
        Ok(out)
    }

    /// The text with each variable's value shell-quoted: for a shell line.
    pub fn render_shell(&self, vars: &Vars) -> Result<String, String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Var(v) => out.push_str(&quote(vars.get(*v)?)?),
            }
        }
        Ok(out)
    }
}

/// Quotes one word for a POSIX shell.
pub fn quote(word: &str) -> Result<String, String> {
    shlex::try_quote(word)
        .map(|q| q.into_owned())
        .map_err(|_| "a value contains a NUL byte".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Vars {
        Vars {
            values: vec![(Var::TestName, Some(name.into())), (Var::Suite, None)],
        }
    }

    #[test]
    fn variables_are_parsed_and_unknown_ones_rejected() {
        let t = Template::parse("echo {{ test_name }} done").unwrap();
        assert!(t.has_variables());
        assert_eq!(t.to_string(), "echo {{test_name}} done");
        assert!(!Template::parse("awk '{print $1}'").unwrap().has_variables());
        assert!(
            Template::parse("x {{secret}}")
                .unwrap_err()
                .contains("unknown variable `secret`")
        );
        assert!(
            Template::parse("x {{test_name")
                .unwrap_err()
                .contains("unclosed")
        );
    }

    #[test]
    fn shell_rendering_quotes_hostile_values_into_one_word() {
        let hostile = "a'; rm -rf ~ $(touch x) `id` \"q\"";
        let t = Template::parse("printf %s {{test_name}}").unwrap();
        let line = t.render_shell(&vars(hostile)).unwrap();
        let words = shlex::split(&line).unwrap();
        assert_eq!(words, ["printf", "%s", hostile]);
        assert_eq!(
            Template::parse("--name={{test_name}}")
                .unwrap()
                .render_word(&vars(hostile))
                .unwrap(),
            format!("--name={hostile}")
        );
    }

    #[test]
    fn a_missing_value_is_an_error_not_an_empty_word() {
        let t = Template::parse("x {{suite}}").unwrap();
        assert!(t.render_shell(&vars("n")).unwrap_err().contains("`suite`"));
    }
}
