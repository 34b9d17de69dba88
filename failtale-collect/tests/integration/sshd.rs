//! Against a real OpenSSH server on a loopback port (`--ignored`; `.ci/run`
//! installs openssh-server). Without sshd these tests fail, never pass.

use failtale_core::Pipeline;
use failtale_core::model::{CollectStatus, Evidence};

use crate::common::{Sshd, by_label, collector, free_port, run_of};

/// Collects for one failing test with `[ssh]` + hosts + `svc` collectors.
async fn collect(
    sshd: &Sshd,
    ssh: &str,
    hosts: &str,
    collectors: &str,
    extra: &str,
) -> Vec<Evidence> {
    collect_for(sshd, ssh, hosts, collectors, extra, "it_fails").await
}

async fn collect_for(
    sshd: &Sshd,
    ssh: &str,
    hosts: &str,
    collectors: &str,
    extra: &str,
    test: &str,
) -> Vec<Evidence> {
    let config = format!(
        "{extra}\n{ssh}\n[components.svc]\ndescription = \"the service\"\n{collectors}\n{hosts}\n[[select]]\ncomponents = [\"svc\"]\n"
    );
    let c = collector(&config, sshd.dir.path());
    let (run, _) = run_of(&[(test, "connection refused")]);
    let out = Pipeline::default()
        .with_collector(Box::new(c))
        .process_run(run)
        .await;
    out.clusters
        .into_iter()
        .next()
        .unwrap()
        .into_inner()
        .evidence
}

/// Collects with the server's keys from its one host `svc1`.
async fn collect_on_svc1(sshd: &Sshd, collectors: &str) -> Vec<Evidence> {
    collect(
        sshd,
        &sshd.ssh_table("known_hosts", "client_key"),
        &sshd.host("svc1", &["svc"]),
        collectors,
        "",
    )
    .await
}

fn ssh_collector(description: &str, body: &str) -> String {
    format!(
        "[[components.svc.collectors]]\nkind = \"ssh\"\ndescription = \"{description}\"\n{body}\n"
    )
}

#[tokio::test]
#[ignore = "needs sshd"]
async fn commands_run_over_one_connection_as_the_unprivileged_user() {
    let sshd = Sshd::start();
    let collectors = [
        ssh_collector("who", "argv = [\"id\", \"-un\"]"),
        ssh_collector("conn1", "shell = \"echo $SSH_CONNECTION\""),
        ssh_collector("conn2", "shell = \"echo $SSH_CONNECTION >&2; exit 3\""),
    ]
    .concat();
    let e = collect_on_svc1(&sshd, &collectors).await;
    let who = by_label(&e, "svc: who");
    assert_eq!(who.provenance.status, Some(CollectStatus::Ok), "{who:#?}");
    assert_eq!(who.provenance.host.as_deref(), Some("svc1"));
    assert_eq!(who.provenance.exit_status, Some(0));
    assert_eq!(who.text.trim(), sshd.user);
    assert_ne!(sshd.user, "root");
    let c1 = by_label(&e, "svc: conn1");
    let c2 = by_label(&e, "svc: conn2");
    assert_eq!(
        c2.provenance.exit_status,
        Some(3),
        "a non-zero exit is ok with its status"
    );
    assert_eq!(c2.provenance.status, Some(CollectStatus::Ok));
    // Same client port in SSH_CONNECTION: both commands used the one multiplexed connection.
    assert!(!c1.text.trim().is_empty());
    assert_eq!(c1.text, c2.text, "stderr is merged into the output");
}

#[tokio::test]
#[ignore = "needs sshd"]
async fn filters_run_on_the_host() {
    let sshd = Sshd::start();
    let collectors = [
        ssh_collector(
            "grep",
            "shell = \"seq 1 5000 | sed 's/$/ entry/'\"\ngrep = \"^(1234|4000) \"\ncontext = 1",
        ),
        ssh_collector("tail", "argv = [\"seq\", \"1\", \"5000\"]\ntail = 3"),
        ssh_collector(
            "since",
            "shell = \"printf '2020-01-01T00:00:00 old\\\\n2999-01-01 00:00:00 new\\\\n  more\\\\n'\"\nsince = true",
        ),
    ]
    .concat();
    let e = collect_on_svc1(&sshd, &collectors).await;
    let g = by_label(&e, "svc: grep");
    assert_eq!(
        g.text, "1233 entry\n1234 entry\n1235 entry\n--\n3999 entry\n4000 entry\n4001 entry\n",
        "{g:#?}"
    );
    assert!(!g.provenance.truncated);
    assert!(
        g.provenance
            .command
            .as_deref()
            .unwrap()
            .ends_with("| grep -E -C 1 '^(1234|4000) '")
    );
    assert_eq!(by_label(&e, "svc: tail").text, "4998\n4999\n5000\n");
    // The run built in memory has no start time: `since` is not applied, and says so.
    let s = by_label(&e, "svc: since");
    assert!(s.text.starts_with("2020-01-01T00:00:00 old"), "{s:#?}");
    assert!(
        s.provenance
            .command
            .as_deref()
            .unwrap()
            .contains("run start unknown")
    );
}

#[tokio::test]
#[ignore = "needs sshd"]
async fn a_command_over_its_timeout_is_recorded() {
    let sshd = Sshd::start();
    let collectors = [
        ssh_collector(
            "slow",
            "shell = \"echo started; sleep 31.7; echo never\"\ntimeout = 1",
        ),
        ssh_collector("after", "argv = [\"echo\", \"still here\"]"),
    ]
    .concat();
    let e = collect_on_svc1(&sshd, &collectors).await;
    let slow = by_label(&e, "svc: slow");
    assert_eq!(
        slow.provenance.status,
        Some(CollectStatus::TimedOut),
        "{slow:#?}"
    );
    assert_eq!(slow.provenance.error.as_deref(), Some("timed out after 1s"));
    // What it wrote before the limit is kept, and it is not left running on the host.
    assert!(slow.text.starts_with("started\n"), "{slow:#?}");
    assert!(!slow.text.contains("never"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while still_running("31.7") {
        assert!(
            std::time::Instant::now() < deadline,
            "the timed-out remote command is still running"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        by_label(&e, "svc: after").text,
        "still here\n",
        "the connection survives a timed-out command"
    );
}

#[tokio::test]
#[ignore = "needs sshd"]
async fn an_unreachable_host_is_retried_then_recorded() {
    let sshd = Sshd::start();
    let closed = free_port();
    let host = format!(
        "[[hosts]]\nname = \"gone\"\nhostname = \"127.0.0.1\"\nport = {closed}\nroles = [\"svc\"]\n"
    );
    let collectors = [
        ssh_collector("a", "argv = [\"true\"]"),
        ssh_collector("b", "argv = [\"echo\", \"b\"]"),
    ]
    .concat();
    let e = collect(
        &sshd,
        &sshd.ssh_table("known_hosts", "client_key"),
        &host,
        &collectors,
        "",
    )
    .await;
    for label in ["svc: a", "svc: b"] {
        let ev = by_label(&e, label);
        assert_eq!(
            ev.provenance.status,
            Some(CollectStatus::Unreachable),
            "{ev:#?}"
        );
        let err = ev.provenance.error.as_deref().unwrap();
        assert!(
            err.contains("Connection refused") && err.contains("after 3 attempts"),
            "{err}"
        );
    }
}

#[tokio::test]
#[ignore = "needs sshd"]
async fn a_changed_or_unknown_host_key_is_refused() {
    let sshd = Sshd::start();
    let collectors = ssh_collector(
        "a",
        "argv = [\"touch\", \"/tmp/failtale-should-not-exist\"]",
    );
    for known_hosts in ["wrong_known_hosts", "empty_known_hosts"] {
        let e = collect(
            &sshd,
            &sshd.ssh_table(known_hosts, "client_key"),
            &sshd.host("svc1", &["svc"]),
            &collectors,
            "",
        )
        .await;
        let ev = by_label(&e, "svc: a");
        assert_eq!(
            ev.provenance.status,
            Some(CollectStatus::HostKeyRejected),
            "{known_hosts}: {ev:#?}"
        );
        assert!(
            !ev.provenance.error.as_deref().unwrap().contains("attempts"),
            "no retry on a host key error"
        );
        let known = std::fs::read_to_string(sshd.path(known_hosts)).unwrap();
        assert!(
            !known.contains(
                &std::fs::read_to_string(sshd.path("host_key.pub"))
                    .unwrap()
                    .split_whitespace()
                    .nth(1)
                    .unwrap()
                    .to_owned()
            ),
            "the key was not accepted into known_hosts"
        );
    }
    assert!(!std::path::Path::new("/tmp/failtale-should-not-exist").exists());
}

#[tokio::test]
#[ignore = "needs sshd"]
async fn a_refused_login_is_auth_failed_without_retries() {
    let sshd = Sshd::start();
    let e = collect(
        &sshd,
        &sshd.ssh_table("known_hosts", "stranger_key"),
        &sshd.host("svc1", &["svc"]),
        &ssh_collector("a", "argv = [\"true\"]"),
        "",
    )
    .await;
    let ev = by_label(&e, "svc: a");
    assert_eq!(
        ev.provenance.status,
        Some(CollectStatus::AuthFailed),
        "{ev:#?}"
    );
    assert!(!ev.provenance.error.as_deref().unwrap().contains("attempts"));
}

#[tokio::test]
#[ignore = "needs sshd"]
async fn output_over_the_caps_is_cut_with_a_marker() {
    let sshd = Sshd::start();
    let collectors = [
        ssh_collector("lines", "argv = [\"seq\", \"1\", \"100000\"]"),
        ssh_collector("bytes", "shell = \"seq 1 50 | sed 's/$/ xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx/'\""),
    ]
    .concat();
    let extra = "[collect]\nmax_lines = 100\nmax_bytes = 1000\n";
    let e = collect(
        &sshd,
        &sshd.ssh_table("known_hosts", "client_key"),
        &sshd.host("svc1", &["svc"]),
        &collectors,
        extra,
    )
    .await;
    let lines = by_label(&e, "svc: lines");
    assert!(lines.provenance.truncated);
    assert!(
        lines
            .text
            .starts_with("[… 99900 earlier lines omitted by failtale …]\n"),
        "{}",
        &lines.text[..80]
    );
    assert!(lines.text.ends_with("\n100000\n"));
    let bytes = by_label(&e, "svc: bytes");
    assert!(bytes.provenance.truncated);
    assert!(bytes.text.contains("bytes omitted by failtale"));
    assert!(bytes.text.len() < 1100, "{}", bytes.text.len());
    assert!(
        bytes.text.starts_with("1 xxx")
            && bytes.text.ends_with(
                "50 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
            )
    );
}

#[tokio::test]
#[ignore = "needs sshd"]
async fn two_hosts_are_collected_at_the_same_time() {
    let sshd = Sshd::start();
    let hosts = format!(
        "{}{}",
        sshd.host("one", &["svc"]),
        sshd.host("two", &["svc"])
    );
    let collectors = ssh_collector("clock", "shell = \"date +%s.%N; sleep 1; date +%s.%N\"");
    let e = collect(
        &sshd,
        &sshd.ssh_table("known_hosts", "client_key"),
        &hosts,
        &collectors,
        "",
    )
    .await;
    let window = |host: &str| {
        let ev = e
            .iter()
            .find(|e| e.provenance.host.as_deref() == Some(host))
            .unwrap();
        let t: Vec<f64> = ev.text.lines().map(|l| l.parse().unwrap()).collect();
        assert_eq!(t.len(), 2, "{ev:#?}");
        (t[0], t[1])
    };
    let (a0, a1) = window("one");
    let (b0, b1) = window("two");
    assert!(
        a0 < b1 && b0 < a1,
        "the two hosts' commands overlapped: one {a0}..{a1}, two {b0}..{b1}"
    );
}

#[tokio::test]
#[ignore = "needs sshd"]
async fn one_hosts_commands_share_its_connection_at_the_same_time() {
    let sshd = Sshd::start();
    // Three different commands (the same one would run once), each printing
    // its connection and the time before and after sleeping.
    let collectors: String = (1..=3)
        .map(|n| {
            ssh_collector(
                &format!("clock{n}"),
                &format!(
                    "shell = \"echo $SSH_CONNECTION; date +%s.%N; sleep 1; date +%s.%N; echo {n}\""
                ),
            )
        })
        .collect();
    let e = collect(
        &sshd,
        &sshd.ssh_table("known_hosts", "client_key"),
        &sshd.host("one", &["svc"]),
        &collectors,
        "",
    )
    .await;
    assert_eq!(e.len(), 3, "{e:#?}");
    let mut connections = std::collections::HashSet::new();
    let windows: Vec<(f64, f64)> = e
        .iter()
        .map(|ev| {
            let lines: Vec<&str> = ev.text.lines().collect();
            assert_eq!(lines.len(), 4, "{ev:#?}");
            connections.insert(lines[0].to_owned());
            (lines[1].parse().unwrap(), lines[2].parse().unwrap())
        })
        .collect();
    assert_eq!(
        connections.len(),
        1,
        "one connection for the host: {connections:?}"
    );
    let latest_start = windows.iter().map(|w| w.0).fold(f64::MIN, f64::max);
    let earliest_end = windows.iter().map(|w| w.1).fold(f64::MAX, f64::min);
    assert!(
        latest_start < earliest_end,
        "the host's three commands overlapped: {windows:?}"
    );
}

#[tokio::test]
#[ignore = "needs sshd"]
async fn a_hostile_test_name_reaches_the_host_only_as_one_quoted_word() {
    let sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let canary = dir.path().join("canary");
    let name = format!(
        "t; rm -rf ~/failtale-none $(touch {c}) `touch {c}` '\"; touch {c}",
        c = canary.display()
    );
    let collectors = [
        ssh_collector(
            "argv",
            "argv = [\"printf\", \"[%s]\\n\", \"{{test_name}}\"]",
        ),
        ssh_collector("shell", "shell = \"printf '<%s>' {{test_name}}\""),
    ]
    .concat();
    let e = collect_for(
        &sshd,
        &sshd.ssh_table("known_hosts", "client_key"),
        &sshd.host("svc1", &["svc"]),
        &collectors,
        "",
        &name,
    )
    .await;
    assert_eq!(by_label(&e, "svc: argv").text, format!("[{name}]\n"));
    assert_eq!(
        by_label(&e, "svc: shell").text,
        format!("<{name}>\n"),
        "the line filter ends the last line"
    );
    assert!(!canary.exists());
}

/// Whether a `sleep` with this argument runs on this machine (the test's sshd is local).
fn still_running(arg: &str) -> bool {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .any(|c| {
            let args: Vec<&[u8]> = c.split(|&b| b == 0).collect();
            args.first().is_some_and(|a| a.ends_with(b"sleep"))
                && args.get(1).is_some_and(|a| *a == arg.as_bytes())
        })
}
