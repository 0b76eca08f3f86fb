//! Crash test: a real `warroom` child appends continuously and is SIGKILLed at random moments,
//! 200 rounds. After every kill: every append the child reported as returned is in the journal,
//! nothing before the last line is damaged, and a torn last line is cut off (alternately by
//! this test through the library and by the next child, which reports it) and the chain
//! verifies.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use warroom::incident::journal::{self, Journal, Repair};
use warroom::incident::model::Event;

const ROUNDS: usize = 200;

fn warroom(data: &Path) -> Command {
    let mut cmd = crate::support::warroom(data);
    cmd.env("WARROOM_ACTOR", "crash-test");
    cmd
}

fn new_incident(data: &Path) -> String {
    let out = warroom(data)
        .args(["incident", "new", "--title", "Crash test", "--sev", "3"])
        .output()
        .expect("run warroom incident new");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// "ok SEQ TEXT" lines the child printed after each append returned.
fn parse_acks(text: &str, acked: &mut BTreeMap<u64, String>) {
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("ok ") else {
            continue;
        };
        let Some((seq, note)) = rest.split_once(' ') else {
            continue;
        };
        let seq: u64 = seq.parse().expect("seq in ack");
        let previous = acked.insert(seq, note.to_string());
        assert!(
            previous.is_none(),
            "seq {seq} acknowledged twice: {previous:?} and {note:?}"
        );
    }
}

fn note_texts(path: &Path) -> BTreeMap<u64, String> {
    let record = journal::read(path).expect("read journal");
    assert!(
        record.problems.is_empty(),
        "damage after a crash: {:?}",
        record.problems
    );
    record
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Note { text } => Some((e.seq, text.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn every_returned_append_survives_sigkill_and_torn_tails_are_repaired() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    let id = new_incident(data);
    let path = data.join("incidents").join(format!("{id}.jsonl"));
    let seed: u64 = std::env::var("WARROOM_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    println!("crash test seed {seed} (set WARROOM_CRASH_SEED to replay)");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);

    let mut acked: BTreeMap<u64, String> = BTreeMap::new();
    let mut torn_tails = 0;
    let mut completed_lines = 0;
    let mut torn_left_for_child = false;
    for round in 0..ROUNDS {
        let mut child = warroom(data)
            .args(["journal", "append-loop", &id, "--split-writes", "--text"])
            .arg(format!("round {round}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the appending child");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        // Let it get going (0-4 returned appends), then kill it at a random moment.
        // A child that must repair the torn line left for it gets to append at least once, so
        // it has opened the journal (and reported the repair) before it dies.
        let wait_for = rng.random_range(usize::from(torn_left_for_child)..=4);
        let mut seen = String::new();
        for _ in 0..wait_for {
            let mut line = String::new();
            if stdout.read_line(&mut line).expect("read child") == 0 {
                let mut err = String::new();
                let _ = child.stderr.take().map(|mut e| e.read_to_string(&mut err));
                panic!("round {round}: the child stopped early: {err}");
            }
            seen.push_str(&line);
        }
        std::thread::sleep(Duration::from_micros(rng.random_range(0..3000)));
        child.kill().expect("SIGKILL the child");
        let status = child.wait().expect("reap the child");
        assert!(!status.success(), "round {round}: the child was not killed");
        stdout.read_to_string(&mut seen).expect("rest of stdout");
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .map(|mut e| e.read_to_string(&mut stderr))
            .transpose()
            .expect("stderr");
        if torn_left_for_child {
            assert!(
                stderr.contains("was incomplete") || stderr.contains("lacked its newline"),
                "round {round}: the child did not report the torn line it repaired: {stderr:?}"
            );
        }
        // Only whole lines count as acknowledged (the kill may cut the last one short).
        let complete = match seen.rfind('\n') {
            Some(i) => &seen[..=i],
            None => "",
        };
        parse_acks(complete, &mut acked);

        let bytes = std::fs::read(&path).expect("read journal bytes");
        let torn = !bytes.ends_with(b"\n");
        let notes = note_texts(&path);
        for (seq, text) in &acked {
            assert_eq!(
                notes.get(seq),
                Some(text),
                "round {round}: acknowledged append #{seq} {text:?} is missing"
            );
        }
        torn_left_for_child = false;
        if torn {
            torn_tails += 1;
            if round % 2 == 0 {
                let journal = Journal::open(&path).expect("open for repair");
                match journal.repairs() {
                    [Repair::Cut { .. }] => {}
                    [Repair::Completed { .. }] => completed_lines += 1,
                    other => panic!("round {round}: expected one repair, got {other:?}"),
                }
                assert!(
                    std::fs::read(&path).expect("read").ends_with(b"\n"),
                    "round {round}: still torn after repair"
                );
                let record = journal::read(&path).expect("read");
                assert!(record.is_intact(), "round {round}: {:?}", record.problems);
            } else {
                torn_left_for_child = true;
            }
        } else {
            assert!(journal::read(&path).expect("read").is_intact(), "round {round}");
        }
    }

    // Whatever the last kill left, one more open repairs it and the chain verifies end to end.
    drop(Journal::open(&path).expect("final open"));
    let record = journal::read(&path).expect("read");
    assert!(record.is_intact(), "{:?}", record.problems);
    let seqs: Vec<u64> = record.entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    let notes = note_texts(&path);
    for (seq, text) in &acked {
        assert_eq!(notes.get(seq), Some(text), "append #{seq} lost");
    }
    println!(
        "{ROUNDS} kills: {} appends acknowledged, {} entries in the journal, {torn_tails} torn \
         tails repaired ({completed_lines} of them whole lines missing only the newline)",
        acked.len(),
        record.entries.len()
    );
    // Each line is written in two halves 1 ms apart, so kills land mid-line in a large share of
    // rounds: with none at all, the repair path was not exercised and the test proves less.
    assert!(torn_tails > 0, "no kill tore a line in {ROUNDS} rounds");
}
