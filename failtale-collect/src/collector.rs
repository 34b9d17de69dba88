//! The collect stage: plans per cluster, runs hosts in parallel, never runs
//! the same command twice in one run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use failtale_core::model::{Cluster, CollectStatus, Evidence, Provenance};
use failtale_core::stage::Collect;
use failtale_core::{Sanitized, TestRun};
use tokio::sync::{OnceCell, Semaphore};

use crate::config::CollectConfig;
use crate::local::{self, Caps, Outcome};
use crate::plan::{Action, HostPicker, Job, Plan, Target, inventory, plan};
use crate::ssh::{SshPool, run_remote};

/// Collects evidence for clusters as a [`CollectConfig`] describes.
///
/// Holds one run's state: the SSH connections (one per host) and the
/// results of every job, so a later cluster that needs the same command on
/// the same host reuses the evidence instead of running it again.
#[derive(Debug, Clone)]
pub struct ConfiguredCollector {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: CollectConfig,
    picker: Option<Box<dyn HostPicker>>,
    cache: Mutex<HashMap<String, Arc<OnceCell<Evidence>>>>,
    pool: SshPool,
    permits: Arc<Semaphore>,
    executed: AtomicUsize,
}

impl ConfiguredCollector {
    /// A collector for a validated configuration.
    pub fn new(config: CollectConfig) -> Self {
        Self::with_picker(config, None)
    }

    /// A collector whose clusters may also get hosts a picker names.
    pub fn with_picker(config: CollectConfig, picker: Option<Box<dyn HostPicker>>) -> Self {
        let permits = Arc::new(Semaphore::new(config.settings.parallelism));
        ConfiguredCollector {
            inner: Arc::new(Inner {
                config,
                picker,
                cache: Mutex::new(HashMap::new()),
                pool: SshPool::default(),
                permits,
                executed: AtomicUsize::new(0),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &CollectConfig {
        &self.inner.config
    }

    /// How many jobs actually ran so far (cache hits do not count).
    pub fn executed(&self) -> usize {
        self.inner.executed.load(Ordering::Relaxed)
    }

    /// The plan for a cluster, asking the picker (if any).
    pub async fn plan(&self, cluster: &Cluster, run: &Sanitized<TestRun>) -> Plan {
        let config = &self.inner.config;
        let limit = config.settings.max_picked_hosts;
        let picked = match &self.inner.picker {
            Some(p) if limit > 0 && !config.hosts.is_empty() => {
                p.pick(cluster, run, &inventory(config), limit).await
            }
            _ => Vec::new(),
        };
        plan(config, cluster, run.get(), &picked)
    }

    /// Runs a plan: hosts (and local jobs) in parallel up to
    /// `collect.parallelism`, each host's commands over its one connection,
    /// up to `collect.commands_per_host` at a time. Results come back in plan order.
    pub async fn execute(&self, plan: &Plan) -> Vec<Evidence> {
        let mut groups: Vec<(Target, Vec<(usize, Job)>)> = Vec::new();
        for (i, job) in plan.jobs.iter().enumerate() {
            match &job.target {
                Target::Host(_) => match groups.iter_mut().find(|(t, _)| *t == job.target) {
                    Some((_, g)) => g.push((i, job.clone())),
                    None => groups.push((job.target.clone(), vec![(i, job.clone())])),
                },
                // Local jobs share no connection: each is its own group.
                Target::Local => groups.push((Target::Local, vec![(i, job.clone())])),
            }
        }
        let mut set = tokio::task::JoinSet::new();
        for (_, group) in groups {
            let inner = Arc::clone(&self.inner);
            set.spawn(async move {
                // One permit of `collect.parallelism` per host, taken only
                // when something is left to run (cached results are free).
                let mut permit = None;
                let mut cells = Vec::with_capacity(group.len());
                for (i, job) in group {
                    let cell = {
                        let mut cache = inner.cache.lock().unwrap_or_else(|e| e.into_inner());
                        Arc::clone(cache.entry(job.key.clone()).or_default())
                    };
                    if cell.get().is_none() && permit.is_none() {
                        permit = Arc::clone(&inner.permits).acquire_owned().await.ok();
                    }
                    cells.push((i, job, cell));
                }
                // The host's commands share its one connection and run up to
                // `collect.commands_per_host` at a time.
                let per_host = Arc::new(Semaphore::new(inner.config.settings.commands_per_host));
                let mut jobs = tokio::task::JoinSet::new();
                for (i, job, cell) in cells {
                    let inner = Arc::clone(&inner);
                    let per_host = Arc::clone(&per_host);
                    jobs.spawn(async move {
                        let _slot = per_host.acquire_owned().await.ok();
                        (i, cell.get_or_init(|| inner.run(&job)).await.clone())
                    });
                }
                let mut out = Vec::new();
                while let Some(done) = jobs.join_next().await {
                    match done {
                        Ok(item) => out.push(item),
                        // Recorded by the caller as "did not finish".
                        Err(_) => continue,
                    }
                }
                drop(permit);
                out
            });
        }
        let mut results: Vec<Option<Evidence>> = vec![None; plan.jobs.len()];
        while let Some(done) = set.join_next().await {
            match done {
                Ok(items) => {
                    for (i, e) in items {
                        results[i] = Some(e);
                    }
                }
                Err(e) => {
                    // A panicking job must not take the run down: record it where its evidence would be.
                    let msg = format!("collector task failed: {e}");
                    if let Some(slot) = results.iter_mut().find(|r| r.is_none()) {
                        *slot = Some(failed_evidence("collect", None, None, msg));
                    }
                }
            }
        }
        let mut evidence: Vec<Evidence> = results
            .into_iter()
            .zip(&plan.jobs)
            .map(|(r, job)| {
                r.unwrap_or_else(|| {
                    failed_evidence(
                        job.collector,
                        Some(job.label.clone()),
                        None,
                        "collector task did not finish".into(),
                    )
                })
            })
            .collect();
        for u in &plan.unrendered {
            evidence.push(failed_evidence(
                u.collector,
                Some(u.label.clone()),
                u.host.clone(),
                format!("not run: {}", u.reason),
            ));
        }
        evidence
    }

    /// Closes the SSH connections (they also close when the collector is dropped).
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }
}

fn failed_evidence(
    collector: &str,
    label: Option<String>,
    host: Option<String>,
    error: String,
) -> Evidence {
    Evidence::new(String::new(), {
        let mut provenance = Provenance::default();
        provenance.collector = collector.to_owned();
        provenance.host = host;
        provenance.label = label;
        provenance.error = Some(error);
        provenance.status = Some(CollectStatus::Failed);
        provenance
    })
}

impl Inner {
    async fn run(&self, job: &Job) -> Evidence {
        self.executed.fetch_add(1, Ordering::Relaxed);
        let start = Instant::now();
        let caps = Caps {
            max_bytes: self.config.settings.max_bytes,
            max_lines: self.config.settings.max_lines,
        };
        let since = job.since.as_deref();
        let mut host_name = None;
        let outcome: Outcome = match &job.action {
            Action::Command {
                argv,
                env,
                cwd,
                timeout,
                filter,
            } => local::run_command(argv, env, cwd, *timeout, filter, since, caps).await,
            Action::File { path, filter } => local::read_file(path, filter, since, caps).await,
            Action::Env { vars } => local::read_env(vars, caps),
            Action::Git {
                dir,
                commits,
                files,
            } => local::git_facts(dir, *commits, files, caps).await,
            Action::Cargo { dir, tests } => local::cargo_facts(dir, tests, caps).await,
            Action::Remote { script, timeout } => {
                let Target::Host(index) = job.target else {
                    unreachable!("remote jobs are planned with a host")
                };
                let host = &self.config.hosts[index];
                host_name = Some(host.name.clone());
                match self.pool.session(host, &self.config.ssh).await {
                    Ok(session) => {
                        let timeout = timeout.unwrap_or(self.config.ssh.command_timeout);
                        run_remote(&session, script, timeout, caps.max_bytes).await
                    }
                    Err(f) => Outcome::failed(f.status, f.message),
                }
            }
        };
        Evidence::new(outcome.text, {
            let mut provenance = Provenance::default();
            provenance.collector = job.collector.to_owned();
            provenance.host = host_name;
            provenance.command = Some(job.display.clone());
            provenance.exit_status = outcome.exit_status;
            provenance.duration_ms = Some(start.elapsed().as_millis() as u64);
            provenance.truncated = outcome.truncated;
            provenance.error = outcome.error;
            provenance.label = Some(job.label.clone());
            provenance.status = Some(outcome.status);
            provenance
        })
    }
}

#[async_trait]
impl Collect for ConfiguredCollector {
    fn name(&self) -> &str {
        "configured"
    }

    async fn collect(&self, cluster: &Cluster, run: &Sanitized<TestRun>) -> Vec<Evidence> {
        let plan = self.plan(cluster, run).await;
        self.execute(&plan).await
    }
}
