//! A draft saved as it is edited survives SIGKILL of the process saving it: a real `warroom`
//! child saves a draft over and over and is killed at random moments; every save it reported
//! as returned is there, `latest_unpublished_draft` offers the last one, and publishing it
//! prints exactly that text and stops it being offered.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use warroom::comms::drafts::latest_unpublished_draft;
use warroom::incident::journal;

const ROUNDS: usize = 15;

fn warroom(data: &Path) -> Command {
    let mut cmd = crate::support::warroom(data);
    cmd.env("WARROOM_ACTOR", "draft-test");
    cmd
}

#[test]
fn a_draft_survives_sigkill_and_is_offered_again() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path();
    let out = warroom(data)
        .args(["incident", "new", "--title", "Draft crash test", "--sev", "2"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let path = data.join("incidents").join(format!("{id}.jsonl"));
    let seed: u64 = rand::rng().random();
    println!("draft crash seed {seed}");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);

    for round in 0..ROUNDS {
        let mut child = warroom(data)
            .args(["status", "draft", &id, "--template", "internal-update", "--text"])
            .arg(format!("round {round} edit"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the saving child");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut seen = String::new();
        for _ in 0..rng.random_range(1..=5) {
            assert!(
                stdout.read_line(&mut seen).expect("read") > 0,
                "round {round}: the child stopped early"
            );
        }
        std::thread::sleep(Duration::from_micros(rng.random_range(0..3000)));
        child.kill().expect("SIGKILL");
        assert!(!child.wait().expect("reap").success());
        stdout.read_to_string(&mut seen).expect("the rest of stdout");
        // "saved ID SEQ TEXT N", printed after each save returned: the last one printed.
        let acked_n: u64 = seen
            .lines()
            .filter(|l| l.starts_with("saved "))
            .filter_map(|l| l.rsplit(' ').next().and_then(|n| n.parse().ok()))
            .max()
            .expect("a save was acknowledged");

        let record = journal::read(&path).expect("read");
        assert!(record.problems.is_empty(), "round {round}: {:?}", record.problems);
        // A save cut mid-line is an incomplete last line: opening the journal cuts it off.
        drop(journal::Journal::open(&path).expect("open repairs a torn tail"));
        let record = journal::read(&path).expect("read");
        assert!(record.is_intact(), "round {round}");
        let offered = latest_unpublished_draft(&record.entries).expect("a draft is offered");
        // The last acknowledged save, or one the child wrote before it could say so.
        let offered_n: u64 = offered
            .text
            .strip_prefix(&format!("round {round} edit "))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("round {round}: offered {:?}", offered.text));
        assert!(
            offered_n == acked_n || offered_n == acked_n + 1,
            "round {round}: acked up to {acked_n}, offered {:?}",
            offered.text
        );
        assert_eq!(offered.template, "internal-update");
        assert_eq!(offered.audience, "internal");
    }

    // The restarted "console" offers the last draft; publishing it sends exactly that text.
    let record = journal::read(&path).expect("read");
    let offered = latest_unpublished_draft(&record.entries).expect("offered");
    let out = warroom(data)
        .args(["status", "publish", &id, "--draft", "latest", "--channel", "stdout"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{}\n", offered.text));
    let record = journal::read(&path).expect("read");
    let next = latest_unpublished_draft(&record.entries);
    assert_ne!(next.map(|d| d.draft_id), Some(offered.draft_id.clone()));
}
