//! Host parallelism: 10 hosts × 5 commands of `sleep 1` each, over SSH to a
//! private sshd on loopback (the same harness as the sshd tests), against a
//! baseline of 1 host × 5 commands in the same run. Each iteration builds a
//! fresh collector, so connection setup is included and nothing is cached.
//!
//! Commands on one host run one after another over its one connection, so
//! the ideal is ≈5 s for both: 10 hosts cost what 1 host costs, not 50 s.
//!
//! Run: `cargo bench -p failtale-collect --bench collect` (as root, or as a
//! user that can run sshd; needs openssh-server and openssh-client).

#[allow(dead_code)]
#[path = "../tests/integration/common.rs"]
mod common;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use failtale_collect::ConfiguredCollector;

fn config(sshd: &common::Sshd, hosts: usize) -> String {
    let mut c = format!(
        "[collect]\nparallelism = 16\n{}\n",
        sshd.ssh_table("known_hosts", "client_key")
    );
    c.push_str("[components.svc]\ndescription = \"service\"\n");
    for i in 0..5 {
        // Distinct commands, so none is deduplicated.
        c.push_str(&format!(
            "[[components.svc.collectors]]\nkind = \"ssh\"\ndescription = \"c{i}\"\nshell = \"sleep 1; echo {i}\"\n"
        ));
    }
    for h in 0..hosts {
        c.push_str(&sshd.host(&format!("h{h}"), &["svc"]));
    }
    c.push_str("[[select]]\ncomponents = [\"svc\"]\n");
    c
}

fn bench(c: &mut Criterion) {
    let sshd = common::Sshd::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (run, clusters) = common::run_of(&[("t", "m")]);
    let run = common::sanitized(&run);
    let mut group = c.benchmark_group("collect_sleep1");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(60));
    for hosts in [1usize, 10] {
        let toml = config(&sshd, hosts);
        group.bench_function(format!("{hosts}_hosts_x_5_commands"), |b| {
            b.iter(|| {
                let collector: ConfiguredCollector = common::collector(&toml, sshd.dir.path());
                let evidence = rt.block_on(async {
                    let plan = collector.plan(&clusters[0], &run).await;
                    let e = collector.execute(&plan).await;
                    collector.close().await;
                    e
                });
                assert_eq!(evidence.len(), hosts * 5);
                assert!(
                    evidence.iter().all(|e| e.provenance.exit_status == Some(0)),
                    "{evidence:#?}"
                );
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
