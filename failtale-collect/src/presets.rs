//! Ready-made remote commands for the usual suspects.

use crate::config::NativeSince;

/// The argv of a preset, and how it filters by time itself (if it does).
pub(crate) fn preset(
    name: &str,
    unit: Option<&str>,
    container: Option<&str>,
    pod: Option<&str>,
    namespace: Option<&str>,
) -> Result<(Vec<String>, Option<NativeSince>), String> {
    let need = |v: Option<&str>, what: &str| {
        v.map(str::to_owned)
            .ok_or_else(|| format!("preset `{name}` needs `{what}`"))
    };
    let words = |w: &[&str]| w.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    Ok(match name {
        "journal" => {
            let mut argv = words(&["journalctl", "--no-pager", "-o", "short-iso", "-u"]);
            argv.push(need(unit, "unit")?);
            (argv, Some(NativeSince::Journal))
        }
        "systemctl-status" => {
            let mut argv = words(&["systemctl", "status", "--no-pager", "--full"]);
            argv.push(need(unit, "unit")?);
            (argv, None)
        }
        "docker-logs" => {
            let mut argv = words(&["docker", "logs", "--timestamps"]);
            argv.push(need(container, "container")?);
            (argv, Some(NativeSince::Docker))
        }
        "kubectl-logs" => {
            let mut argv = words(&["kubectl", "logs", "--timestamps"]);
            if let Some(ns) = namespace {
                argv.push("-n".into());
                argv.push(ns.to_owned());
            }
            argv.push(need(pod, "pod")?);
            (argv, Some(NativeSince::Kubectl))
        }
        "disk" => (words(&["df", "-h"]), None),
        "memory" => (words(&["free", "-m"]), None),
        "listening" => (words(&["ss", "-tlpn"]), None),
        other => {
            return Err(format!(
                "unknown preset `{other}` (known: journal, systemctl-status, docker-logs, kubectl-logs, disk, memory, listening)"
            ));
        }
    })
}

/// The option that makes a preset's tool start at `since` (`YYYY-MM-DDTHH:MM:SS`).
pub(crate) fn since_args(native: NativeSince, since: &str) -> Vec<String> {
    match native {
        NativeSince::Journal => vec!["--since".into(), since.replacen('T', " ", 1)],
        NativeSince::Docker => vec!["--since".into(), since.to_owned()],
        NativeSince::Kubectl => vec![format!("--since-time={since}Z")],
    }
}
