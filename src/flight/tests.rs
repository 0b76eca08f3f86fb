//! The flight recorder without a cluster: frames, seals and torn tails; the window's pieces;
//! recordings of open incidents, their seals in the journal, and what verifying finds.

use super::file::{self, Writer};
use super::objects::Objects;
use super::record::{ObjectKey, Record};
use super::recorder::{Change, FlightRecorder, Settings, recording_path, seals};
use crate::incident::journal::{self, Journal};
use crate::incident::model::{Actor, Declared, Draft, Event, Origin, Severity, Status};
use crate::incident::store::Store;
use serde_json::json;

fn pod(name: &str, phase: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": "shop", "managedFields": [{"manager": "x"}]},
           "status": {"phase": phase}})
}

/// A change as a watch hands it over (redacted with the defaults).
fn seen(object: serde_json::Value) -> Change {
    Change::applied(object, &super::redaction::Redaction::default()).expect("a pod with a name")
}

fn applied(at: i64, name: &str, phase: &str) -> Record {
    Record::Applied {
        at,
        object: pod(name, phase),
    }
}

#[test]
fn frames_are_sealed_and_chained_a_torn_tail_is_cut_and_a_change_is_caught() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("r.recording");
    let mut w = Writer::create(&path).expect("create");
    w.append(&[applied(1, "a", "Pending"), applied(1, "b", "Running")])
        .expect("append");
    let first = w.seal().expect("a seal");
    assert_eq!(w.seal(), None, "nothing new: no seal");
    w.append(&[applied(2, "a", "Running")]).expect("append");
    let second = w.seal().expect("a seal");
    assert_ne!(first.hash, second.hash);
    // Another writer cannot take the recording while this one has it.
    assert!(matches!(
        Writer::resume(&path, Some(second.clone())),
        Err(file::FlightError::Busy { .. })
    ));
    w.append(&[applied(3, "c", "Pending")]).expect("append");
    drop(w);

    let r = file::read(&path, &[first.clone(), second.clone()]).expect("read");
    assert_eq!(r.records.len(), 4);
    assert_eq!((r.sealed, r.broken.as_deref(), r.torn), (2, None, 0));
    assert!(r.unsealed > 0, "the last frame was written after the last seal");

    // A crash halfway through a frame: the reader leaves it out, a resumed writer cuts it off
    // and chains on from the journal's last seal.
    let mut bytes = std::fs::read(&path).expect("bytes");
    bytes.extend_from_slice(&[200, 0, 0, 0, 1, 2, 3]);
    std::fs::write(&path, &bytes).expect("tear");
    let r = file::read(&path, &[first.clone(), second.clone()]).expect("read");
    assert_eq!((r.records.len(), r.torn, r.sealed), (4, 7, 2));
    let mut w = Writer::resume(&path, Some(second.clone())).expect("resume");
    w.append(&[applied(4, "c", "Running")]).expect("append");
    let third = w.seal().expect("seal");
    drop(w);
    let r = file::read(&path, &[first.clone(), second.clone(), third.clone()]).expect("read");
    assert_eq!((r.records.len(), r.torn, r.sealed, r.unsealed), (5, 0, 3, 0));

    // One byte changed in the first segment: its seal no longer matches.
    let mut bytes = std::fs::read(&path).expect("bytes");
    let at = file::HEADER.len() + 10;
    bytes[at] ^= 1;
    std::fs::write(&path, &bytes).expect("change");
    let r = file::read(&path, &[first.clone(), second, third]);
    let broken = match r {
        Ok(r) => r.broken.expect("broken"),
        // The change may also break the frame's compression: damaged, with its offset.
        Err(e) => e.to_string(),
    };
    assert!(broken.contains("segment 1") || broken.contains("damaged"), "{broken}");

    // Not a recording at all.
    std::fs::write(&path, "{\"not\": \"a recording\"}\n").expect("write");
    let e = file::read(&path, &[]).unwrap_err().to_string();
    assert!(e.contains("r.recording: not a warroom recording"), "{e}");
}

#[test]
fn objects_give_a_keyframe_that_a_reader_starts_over_from() {
    let mut o = Objects::default();
    o.apply(&applied(1, "a", "Pending"));
    o.apply(&applied(1, "b", "Running"));
    o.apply(&applied(2, "a", "Running"));
    o.apply(&Record::Deleted {
        at: 3,
        key: ObjectKey::of(&pod("b", "")).expect("key"),
    });
    let mut frames: Vec<Vec<Record>> = Vec::new();
    o.keyframe(5, 1, |f| {
        frames.push(f.to_vec());
        Ok::<(), ()>(())
    })
    .expect("keyframe");
    assert_eq!(frames.len(), 2, "the marker, then one object a frame");
    assert_eq!(frames[0][0], Record::Keyframe { at: 5, objects: 1 });
    let mut again = Objects::default();
    again.apply(&applied(0, "gone", "Running"));
    for r in frames.iter().flatten() {
        again.apply(r);
    }
    let keys: Vec<String> = again.keys().iter().map(|k| k.to_string()).collect();
    assert_eq!(keys, ["Pod/shop/a"]);
    let a = again.get(again.keys()[0]).expect("a");
    assert_eq!(a["status"]["phase"], "Running");
}

fn declare(store: &Store, drill: bool) -> crate::incident::model::IncidentId {
    let (id, _, _) = store
        .open_new(jiff::Timestamp::now(), |id| {
            let mut d = Declared::new(id, "checkout down", Severity::Sev2);
            d.drill = drill;
            Draft::new(Actor::named("alice"), Origin::Human, Event::IncidentOpened(d))
        })
        .expect("declare");
    id
}

#[test]
fn an_open_incident_is_recorded_from_the_window_before_it_until_it_is_resolved() {
    let data = tempfile::tempdir().expect("tempdir");
    let store = Store::new(data.path());
    let settings = Settings {
        window_ms: 12 * 60_000,
        seal_every_ms: 60_000,
        ..Settings::default()
    };
    let mut r = FlightRecorder::new(&data.path().join("flight/c"), store.clone(), settings).expect("recorder");
    let t0 = 1_000_000_000_000;
    // Twenty minutes before any incident, a frame a minute: the window keeps the last twelve
    // (with the piece that reaches back past them).
    for m in 0..20 {
        r.changed(seen(pod(&format!("p{m}"), "Running")), t0 + m * 60_000);
        r.flush(t0 + m * 60_000).expect("flush");
    }
    let pieces = std::fs::read_dir(data.path().join("flight/c"))
        .expect("window")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "recording"))
        })
        .count();
    assert_eq!(
        pieces, 13,
        "one piece a minute (a twelfth of the window), the oldest pruned"
    );

    let real = declare(&store, false);
    let drill = declare(&store, true);
    let now = t0 + 20 * 60_000;
    r.follow_incidents(now);
    assert_eq!(
        r.recording(),
        [&real],
        "a real recorder leaves the drill incident alone"
    );
    r.changed(
        Change::Deleted(ObjectKey::of(&pod("p19", "")).expect("key")),
        now + 1000,
    );
    r.flush(now + 1000).expect("flush");
    r.seal_due(now + 61_000);

    let journal_path = store.path(&real);
    let sealed = seals(&journal::read(&journal_path).expect("journal").entries);
    assert_eq!(sealed.len(), 2, "one when it began, one a minute later");
    let reading = file::read(&recording_path(&store, &real), &sealed).expect("read");
    assert_eq!(
        (reading.sealed, reading.broken.as_deref(), reading.unsealed),
        (2, None, 0)
    );
    let info = super::info::of(&reading);
    // From the window's oldest piece (minute 7) on, which starts with a keyframe of every pod
    // seen before it; p19 deleted at the end.
    assert_eq!(info.span.map(|(from, _)| from), Some(t0 + 7 * 60_000), "{info:?}");
    assert_eq!(info.kinds["Pod"], (20, 19), "{info:?}");
    assert!(
        reading.records.iter().all(|r| match r {
            Record::Applied { object, .. } => object["metadata"].get("managedFields").is_none(),
            _ => true,
        }),
        "managed fields are not recorded"
    );
    assert!(!recording_path(&store, &drill).exists());

    // Resolved: the recording is sealed a last time and ends.
    let mut j = Journal::open(&journal_path).expect("journal");
    j.append(Draft::new(
        Actor::named("alice"),
        Origin::Human,
        Event::StatusChanged {
            from: Status::Investigating,
            to: Status::Resolved,
            reason: None,
        },
    ))
    .expect("resolve");
    r.changed(seen(pod("late", "Running")), now + 70_000);
    r.flush(now + 70_000).expect("flush");
    r.follow_incidents(now + 71_000);
    assert!(r.recording().is_empty());
    let sealed = seals(&journal::read(&journal_path).expect("journal").entries);
    assert_eq!(sealed.len(), 3);
    let reading = file::read(&recording_path(&store, &real), &sealed).expect("read");
    assert_eq!((reading.sealed, reading.unsealed), (3, 0));
    // The recorder is gone and someone else picks up again: it goes on after the last seal,
    // from a keyframe.
    drop(r);
    let mut again =
        FlightRecorder::new(&data.path().join("flight/c"), store.clone(), Settings::default()).expect("recorder");
    let mut j = Journal::open(&journal_path).expect("journal");
    j.append(Draft::new(
        Actor::named("alice"),
        Origin::Human,
        Event::StatusChanged {
            from: Status::Resolved,
            to: Status::Monitoring,
            reason: Some("it came back".into()),
        },
    ))
    .expect("reopen");
    again.follow_incidents(now + 80_000);
    assert_eq!(again.recording(), [&real]);
    let sealed = seals(&journal::read(&journal_path).expect("journal").entries);
    let reading = file::read(&recording_path(&store, &real), &sealed).expect("read");
    assert_eq!((reading.sealed, reading.broken.as_deref()), (4, None));
    assert!(matches!(reading.records.last(), Some(Record::Keyframe { .. })));
}
