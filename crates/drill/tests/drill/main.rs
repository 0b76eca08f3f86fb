//! The drill cluster through its public API and the clients nobody here wrote: the real kubectl
//! (1.32 and another minor version), kube-rs, a real Prometheus scraping it and a real
//! Alertmanager answering as it does; hostile requests; determinism; the shipped drills'
//! stories. One test target, so the crate is linked once.

mod autoscaling;
mod bad_input;
mod canary;
mod configs;
mod determinism;
mod facilitation;
mod kube_client;
mod kubectl;
mod monitoring;
mod resume;
mod shipped;

use warroom_testkit::drill::{Served, Setup};

/// A shipped drill (`drills/NAME.yaml`) served with its clock paused.
fn paused_drill(name: &str) -> Served {
    let yaml = std::fs::read_to_string(warroom_testkit::repo(&format!("drills/{name}.yaml"))).expect("shipped drill");
    Served::start(
        Some(&yaml),
        Setup {
            paused: true,
            ..Setup::default()
        },
    )
}

/// Moves the paused drill clock on by `seconds`, `step` seconds at a time (each step runs the
/// controllers, as a running clock would).
fn advance(s: &Served, seconds: u32, step: u32) {
    for _ in 0..seconds.div_ceil(step) {
        s.control("POST", &format!("/drill/v1/clock?advance={step}s"));
    }
}

/// kubectl ARGS -o jsonpath=PATH, which must succeed.
fn jsonpath(s: &Served, args: &[&str], path: &str) -> String {
    let jp = format!("jsonpath={path}");
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-o", &jp]);
    s.ok(&all)
}
