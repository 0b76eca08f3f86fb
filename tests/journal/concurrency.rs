//! Concurrency test: 4 real `warroom` processes append 500 notes each to one incident at the
//! same time. The journal ends with 2,000 notes after the declaration, unique consecutive
//! sequence numbers, each writer's notes in its own order, and a chain that verifies.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use warroom::incident::journal;
use warroom::incident::model::Event;

const WRITERS: usize = 4;
const APPENDS: usize = 500;

fn warroom(data: &Path) -> Command {
    crate::support::warroom(data)
}

#[test]
fn four_processes_append_500_each_to_one_incident() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    let out = warroom(data)
        .args(["incident", "new", "--title", "Busy war room", "--sev", "2"])
        .output()
        .expect("incident new");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();

    let acked = acknowledged((0..WRITERS).map(|_| warroom(data)).collect(), &id, APPENDS);

    let path = data.join("incidents").join(format!("{id}.jsonl"));
    let record = journal::read(&path).expect("read");
    assert!(record.is_intact(), "{:?}", record.problems);
    assert_eq!(record.entries.len(), 1 + WRITERS * APPENDS);
    let seqs: Vec<u64> = record.entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=(1 + WRITERS * APPENDS) as u64).collect::<Vec<_>>());
    for pair in record.entries.windows(2) {
        assert_eq!(pair[1].prev, pair[0].hash);
    }

    let switches = record.entries[1..]
        .windows(2)
        .filter(|p| p[0].actor != p[1].actor)
        .count();
    println!("the writers took turns {switches} times");
    let mut next = [0usize; WRITERS];
    for e in &record.entries[1..] {
        let Event::Note { text } = &e.event else {
            panic!("#{} is not a note", e.seq)
        };
        assert_eq!(acked.get(&e.seq), Some(text), "#{} was not acknowledged as such", e.seq);
        let (writer, n) = text
            .strip_prefix("writer ")
            .and_then(|r| r.split_once(' '))
            .expect("writer W N");
        let w: usize = writer.parse().expect("writer");
        assert_eq!(e.actor.name, format!("writer-{w}"));
        assert_eq!(n.parse::<usize>().expect("n"), next[w], "writer {w} out of order");
        next[w] += 1;
    }
    assert_eq!(next, [APPENDS; WRITERS]);

    let verify = warroom(data).args(["journal", "verify", &id]).output().expect("verify");
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}

/// Starts one `journal append-loop` of `appends` notes to `id` per command (writer W acts as
/// `writer-W` and writes "writer W N"), all at once, and waits for them: the notes each was
/// told were appended, by the seq it was told, with no seq told twice.
pub(crate) fn acknowledged(writers: Vec<Command>, id: &str, appends: usize) -> BTreeMap<u64, String> {
    let children: Vec<_> = writers
        .into_iter()
        .enumerate()
        .map(|(w, mut cmd)| {
            cmd.env("WARROOM_ACTOR", format!("writer-{w}"))
                .args(["journal", "append-loop", id, "--count"])
                .arg(appends.to_string())
                .arg("--text")
                .arg(format!("writer {w}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start a writer")
        })
        .collect();
    let mut acked: BTreeMap<u64, String> = BTreeMap::new();
    for (w, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().expect("writer output");
        assert!(
            out.status.success(),
            "writer {w} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.lines().count(), appends, "writer {w} acknowledgements");
        for line in stdout.lines() {
            let (seq, text) = line
                .strip_prefix("ok ")
                .and_then(|r| r.split_once(' '))
                .expect("ok SEQ TEXT");
            let seq: u64 = seq.parse().expect("seq");
            assert!(
                acked.insert(seq, text.to_string()).is_none(),
                "seq {seq} given to two appends"
            );
        }
    }
    acked
}
