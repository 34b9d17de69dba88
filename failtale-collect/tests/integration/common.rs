//! Helpers: runs built in memory, and an OpenSSH server on a loopback port.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use failtale_collect::{CollectConfig, ConfiguredCollector};
use failtale_core::Pipeline;
use failtale_core::model::{
    Attempt, Cluster, Evidence, Failure, FailureKind, InputStatus, TestCase, TestId, TestRun,
};

/// A run with one failing test per `(name, message)`, and its clusters.
pub fn run_of(tests: &[(&str, &str)]) -> (TestRun, Vec<Cluster>) {
    let cases = tests
        .iter()
        .map(|(name, message)| {
            let mut f = Failure::new(FailureKind::Failure);
            f.message = Some((*message).into());
            let id = TestId::new(vec!["integration".into()].into(), None, *name);
            TestCase::new(id, vec![Attempt::with_failures(vec![f])])
        })
        .collect();
    let mut run = TestRun::default();
    run.push_input(
        {
            let mut input_status = InputStatus::default();
            input_status.path = "mem".into();
            input_status
        },
        cases,
        Vec::new(),
    );
    let clusters = Pipeline::default().cluster(&run);
    (run, clusters)
}

pub fn collector(toml: &str, base: &Path) -> ConfiguredCollector {
    match CollectConfig::from_toml_str(toml, base) {
        Ok(c) => ConfiguredCollector::new(c),
        Err(e) => panic!("{e}\n--- config ---\n{toml}"),
    }
}

/// The one piece of evidence with this label.
pub fn by_label<'a>(evidence: &'a [Evidence], label: &str) -> &'a Evidence {
    let found: Vec<&Evidence> = evidence
        .iter()
        .filter(|e| e.provenance.label.as_deref() == Some(label))
        .collect();
    assert_eq!(found.len(), 1, "want one `{label}` in {evidence:#?}");
    found[0]
}

/// A private `sshd` on 127.0.0.1, with its own host key, a client key
/// authorised for an unprivileged user, and a known_hosts file for it.
#[derive(Debug)]
pub struct Sshd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub user: String,
    child: Child,
}

fn find(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

fn sh(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn keygen(path: &Path) {
    sh(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "failtale-test", "-f"])
        .arg(path));
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

/// The unprivileged login: `failtale-test` (created when running as root), else the current user.
fn login_user() -> String {
    if !is_root() {
        let out = Command::new("id").arg("-un").output().unwrap();
        return String::from_utf8(out.stdout).unwrap().trim().to_owned();
    }
    let user = "failtale-test";
    let exists = Command::new("id")
        .arg(user)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        // Created concurrently by several tests: tolerate "already exists".
        let _ = Command::new("useradd")
            .args(["-m", "-s", "/bin/sh", user])
            .output();
    }
    // A locked account ("!") cannot log in without PAM; "*" has no password but is not locked.
    sh(Command::new("usermod").args(["-p", "*", user]));
    user.to_owned()
}

impl Sshd {
    pub fn start() -> Sshd {
        let sshd = find(&["/usr/sbin/sshd", "/usr/bin/sshd", "/usr/local/sbin/sshd"])
            .unwrap_or_else(|| panic!("needs sshd: install openssh-server"));
        if find(&["/usr/bin/ssh", "/usr/local/bin/ssh"]).is_none()
            || find(&["/usr/bin/ssh-keygen", "/usr/local/bin/ssh-keygen"]).is_none()
        {
            panic!("needs sshd: install openssh-server and openssh-client");
        }
        let user = login_user();
        let dir = tempfile::Builder::new()
            .prefix("failtale-sshd")
            .tempdir()
            .unwrap();
        let d = dir.path();
        sh(Command::new("chmod").arg("755").arg(d));
        keygen(&d.join("host_key"));
        keygen(&d.join("other_host_key"));
        keygen(&d.join("client_key"));
        keygen(&d.join("stranger_key"));
        std::fs::copy(d.join("client_key.pub"), d.join("authorized_keys")).unwrap();
        sh(Command::new("chmod")
            .arg("644")
            .arg(d.join("authorized_keys")));
        if is_root() {
            std::fs::create_dir_all("/run/sshd").unwrap();
        }
        let port = free_port();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nAuthorizedKeysFile {d}/authorized_keys\n\
             PidFile {d}/sshd.pid\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nAllowUsers {user}\n\
             MaxStartups 200\nMaxSessions 100\nLogLevel ERROR\n",
            d = d.display()
        );
        std::fs::write(d.join("sshd_config"), config).unwrap();
        let log = std::fs::File::create(d.join("sshd.log")).unwrap();
        let mut child = Command::new(&sshd)
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("needs sshd: cannot start {}: {e}", sshd.display()));
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "sshd exited ({status}): {}",
                    std::fs::read_to_string(d.join("sshd.log")).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "sshd did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        // The known_hosts entries: the real key, a different key for the "changed key" case.
        for (name, key) in [
            ("known_hosts", "host_key.pub"),
            ("wrong_known_hosts", "other_host_key.pub"),
        ] {
            let public = std::fs::read_to_string(d.join(key)).unwrap();
            let mut parts = public.split_whitespace();
            let (kind, blob) = (parts.next().unwrap(), parts.next().unwrap());
            let mut f = std::fs::File::create(d.join(name)).unwrap();
            writeln!(f, "[127.0.0.1]:{port} {kind} {blob}").unwrap();
        }
        std::fs::write(d.join("empty_known_hosts"), "").unwrap();
        // A client config that ignores this machine's own ssh settings and agent.
        std::fs::write(
            d.join("ssh_config"),
            "Host *\n  GlobalKnownHostsFile /dev/null\n  IdentityAgent none\n  IdentitiesOnly yes\n",
        )
        .unwrap();
        Sshd {
            dir,
            port,
            user,
            child,
        }
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// `[ssh]` for this server; `known_hosts` and `key` name files in its directory.
    pub fn ssh_table(&self, known_hosts: &str, key: &str) -> String {
        format!(
            "[ssh]\nuser = \"{}\"\nidentity_file = \"{}\"\nknown_hosts_file = \"{}\"\nconfig_file = \"{}\"\n\
             connect_timeout = 3\ncommand_timeout = 10\nretries = 2\n",
            self.user,
            self.path(key),
            self.path(known_hosts),
            self.path("ssh_config"),
        )
    }

    /// A `[[hosts]]` entry named `name` for this server.
    pub fn host(&self, name: &str, roles: &[&str]) -> String {
        let roles: Vec<String> = roles.iter().map(|r| format!("\"{r}\"")).collect();
        format!(
            "[[hosts]]\nname = \"{name}\"\nhostname = \"127.0.0.1\"\nport = {}\nroles = [{}]\n",
            self.port,
            roles.join(", ")
        )
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The run as the pipeline hands it to collectors: sanitized.
pub fn sanitized(run: &TestRun) -> failtale_core::Sanitized<TestRun> {
    failtale_core::Pipeline::default()
        .sanitize(run.clone(), &mut failtale_core::sanitize::Redactions::new())
}
