//! The simulation does not depend on how often it is brought up to date: a drill moved on in
//! small steps and one moved on at once are the same drill (a resumed drill relies on it).

use jiff::{SignedDuration, Timestamp};

use crate::clock::Clock;
use crate::kinds;
use crate::sim::Sim;

fn objects(sim: &Sim) -> Vec<serde_json::Value> {
    kinds::ALL
        .iter()
        .flat_map(|k| sim.store.iter(k, None).map(|o| o.value()).collect::<Vec<_>>())
        .collect()
}

fn sim(name: &str) -> Sim {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../drills/").to_string() + name + ".yaml";
    let scenario = crate::scenario::load_file(std::path::Path::new(&path)).expect("a shipped drill");
    let start: Timestamp = "2026-11-24T03:10:46Z".parse().expect("time");
    let mut sim = Sim::new(scenario, 7, Clock::new(start, 0.0, true), 10_000);
    sim.start_scraping();
    sim
}

#[test]
fn moving_on_in_steps_or_at_once_gives_the_same_drill() {
    for name in [
        "bad-deploy",
        "node-failure",
        "noisy-neighbour",
        "hpa-at-max",
        "zone-outage",
        "pdb-blocked-drain",
        "bad-config",
        "bad-canary",
        "quiet-week",
    ] {
        let (mut stepped, mut jumped) = (sim(name), sim(name));
        let start = stepped.now;
        let end = start + SignedDuration::from_secs(600);
        let mut t = start;
        while t < end {
            t += SignedDuration::from_millis(2_300);
            stepped.advance_to(t.min(end));
        }
        jumped.advance_to(end);
        let (a, b) = (objects(&stepped), objects(&jumped));
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x, y, "{name}");
        }
        assert_eq!(a.len(), b.len(), "{name}");
    }
}
