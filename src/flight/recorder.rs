//! The flight recorder: what the cluster's watches saw (and Prometheus's samples and
//! Alertmanager's alerts and silences, when it reads them), kept in the rolling window on disk and,
//! for every open incident of its kind (drill or real) in the store, in the incident's
//! recording beside its journal: the window before the incident first, then everything until
//! it is resolved. One frame a second (a crash loses at most that second); a seal every
//! `seal_every`, when it starts and when it ends, each journaled.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::file::{FlightError, Seal, Writer, frames_from};
use super::objects::Objects;
use super::record::{ObjectKey, Record, Series};
use super::redaction::Redaction;
use super::window::{KEYFRAME_FRAME, Window};
use crate::incident::journal;
use crate::incident::model::{Actor, Draft, Event, IncidentId, Origin, Status};
use crate::incident::state::Incident;
use crate::incident::store::Store;
use crate::postgres::Journals;

/// What the watches report.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// An object after a change: redacted, as JSON.
    Applied {
        key: ObjectKey,
        json: Vec<u8>,
    },
    Deleted(ObjectKey),
    /// The first list of a kind is complete.
    Listed(String),
    /// A kind is not recorded: the cluster does not serve it, or this user may not list it.
    LeftOut(String),
    /// Samples Prometheus stored since the last ones.
    Samples(Vec<Series>),
    /// Alertmanager's alerts, or its silences, as served, after a change.
    Alerts(Vec<serde_json::Value>),
    Silences(Vec<serde_json::Value>),
}

impl Change {
    /// An object as served, redacted and encoded where it was read (a watch's task), so that
    /// the recorder's thread never holds a parsed object; none without a kind or a name.
    pub fn applied(mut object: serde_json::Value, redaction: &Redaction) -> Option<Change> {
        redaction.apply(&mut object);
        let key = ObjectKey::of(&object)?;
        let json = serde_json::to_vec(&object).ok()?;
        Some(Change::Applied { key, json })
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// How far back the window reaches (milliseconds).
    pub window_ms: i64,
    pub seal_every_ms: i64,
    pub redaction: Redaction,
    /// Records drill incidents (a drill's console) or real ones.
    pub drill: bool,
    /// Says on stdout when a recording starts and ends (headless only: stdout is the console's
    /// screen).
    pub say: bool,
    /// The team's journal database, when the incidents are kept there: seals are journaled
    /// through it, so that this machine's copy never parts from it.
    pub journal: Option<crate::postgres::Target>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            window_ms: 2 * 3600 * 1000,
            seal_every_ms: 5 * 60 * 1000,
            redaction: Redaction::default(),
            drill: false,
            say: false,
            journal: None,
        }
    }
}

/// Who journals the seals.
pub fn actor() -> Actor {
    Actor::named("warroom flight recorder")
}

/// The recording of incident `id`: beside its journal.
pub fn recording_path(store: &Store, id: &IncidentId) -> PathBuf {
    beside(&store.path(id))
}

/// The recording beside the journal at `journal`.
pub fn beside(journal: &Path) -> PathBuf {
    journal.with_extension("recording")
}

/// The seals the journal at `path` holds for its recording, in order.
pub fn seals(entries: &[crate::incident::model::Entry]) -> Vec<Seal> {
    entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::RecordingSealed { offset, hash, .. } => Some(Seal {
                offset: *offset,
                hash: hash.clone(),
            }),
            _ => None,
        })
        .collect()
}

struct Recording {
    writer: Writer,
    sealed_at: i64,
    /// Seals not yet in the journal (it could not be written): journaled first next time, in
    /// order, since each seal's hash chains over the one before.
    unjournaled: Vec<Seal>,
}

pub struct FlightRecorder {
    settings: Settings,
    store: Store,
    /// Where seals are journaled: the files, or the team's database with them as copies.
    journals: Journals,
    objects: Objects,
    /// Alertmanager's alerts and silences as last read: said again after every keyframe, so
    /// that a reader starting there knows them.
    alerts: Option<Vec<serde_json::Value>>,
    silences: Option<Vec<serde_json::Value>>,
    window: Window,
    /// The JSON lines of the changes since the last flush, and what they do to the objects.
    pending: Vec<u8>,
    pending_objects: Vec<(ObjectKey, Option<Vec<u8>>)>,
    recordings: HashMap<IncidentId, Recording>,
    /// Each journal's length when last read, and whether its incident is one to record.
    known: HashMap<IncidentId, (u64, bool)>,
    /// Recordings another process holds: not tried again until their journal changes.
    busy: HashMap<IncidentId, u64>,
    /// Kinds whose first list is still to come: when the last is in, a keyframe holds the whole
    /// cluster, and a replay starts there rather than at the empty moment before the lists.
    unlisted: usize,
}

impl FlightRecorder {
    /// A recorder keeping its window in `window_dir` and recordings beside `store`'s journals.
    pub fn new(window_dir: &Path, store: Store, settings: Settings) -> Result<FlightRecorder, FlightError> {
        // The window first: a Journals (and its runtime) must not be dropped on the way out
        // of an async caller.
        let window = Window::open(window_dir, settings.window_ms, settings.drill)?;
        let journals = match settings.journal.clone() {
            None => Journals::files(store.clone()),
            Some(target) => Journals::connecting(store.clone(), target).map_err(|e| FlightError::Io {
                path: store.dir().to_path_buf(),
                doing: "reach the team's journal",
                source: std::io::Error::other(e.to_string()),
            })?,
        };
        Ok(FlightRecorder {
            window,
            settings,
            journals,
            store,
            objects: Objects::default(),
            alerts: None,
            silences: None,
            pending: Vec::new(),
            pending_objects: Vec::new(),
            recordings: HashMap::new(),
            known: HashMap::new(),
            busy: HashMap::new(),
            unlisted: super::follow::KINDS.len(),
        })
    }

    /// Notes a change seen at `now` (Unix milliseconds); written at the next `flush`.
    pub fn changed(&mut self, change: Change, now: i64) {
        match change {
            Change::Applied { key, json } => {
                self.pending
                    .extend_from_slice(format!("{{\"record\":\"applied\",\"at\":{now},\"object\":").as_bytes());
                self.pending.extend_from_slice(&json);
                self.pending.extend_from_slice(b"}\n");
                self.pending_objects.push((key, Some(json)));
            }
            Change::Deleted(key) => {
                let line = Record::Deleted {
                    at: now,
                    key: key.clone(),
                };
                serde_json::to_writer(&mut self.pending, &line).expect("a record serializes");
                self.pending.push(b'\n');
                self.pending_objects.push((key, None));
            }
            Change::Listed(kind) => {
                if let Err(e) = self.flush(now) {
                    tracing::error!(error = %e, "the flight recorder cannot write its window");
                }
                let n = self.objects.count(&kind);
                self.tell(&format!("{kind}: first list taken: {n}"));
                self.one_listed(now);
            }
            Change::LeftOut(kind) => {
                self.tell(&format!("{kind}: not recorded (not served, or not listable)"));
                self.one_listed(now);
            }
            Change::Samples(series) => self.note(&Record::Samples { at: now, series }),
            Change::Alerts(alerts) => {
                self.note(&Record::Alerts {
                    at: now,
                    alerts: alerts.clone(),
                });
                self.alerts = Some(alerts);
            }
            Change::Silences(silences) => {
                self.note(&Record::Silences {
                    at: now,
                    silences: silences.clone(),
                });
                self.silences = Some(silences);
            }
        }
    }

    /// One more kind's first list is in (or the kind is left out); after the last, the window
    /// and the open recordings start over from a keyframe of the whole cluster.
    fn one_listed(&mut self, now: i64) {
        if self.unlisted == 0 {
            return;
        }
        self.unlisted -= 1;
        if self.unlisted > 0 {
            return;
        }
        let (objects, alerts, silences) = (&self.objects, &self.alerts, &self.silences);
        let mut written = self
            .window
            .start_piece(now, |w| Self::keyframe(objects, alerts, silences, now, w));
        for rec in self.recordings.values_mut() {
            written = written.and_then(|()| Self::keyframe(objects, alerts, silences, now, &mut rec.writer));
        }
        match written {
            Ok(()) => self.tell("every kind listed: a keyframe of the whole cluster"),
            Err(e) => tracing::error!(error = %e, "the flight recorder cannot write the listed cluster's keyframe"),
        }
    }

    fn note(&mut self, record: &Record) {
        serde_json::to_writer(&mut self.pending, record).expect("a record serializes");
        self.pending.push(b'\n');
    }

    /// Writes a keyframe at `now` to `w`: every object, then the alerts and silences (a
    /// keyframe written before a frame may say alerts that frame says again: no matter).
    fn keyframe(
        objects: &Objects,
        alerts: &Option<Vec<serde_json::Value>>,
        silences: &Option<Vec<serde_json::Value>>,
        now: i64,
        w: &mut Writer,
    ) -> Result<(), FlightError> {
        objects.keyframe(now, KEYFRAME_FRAME, |frame| w.append(frame))?;
        let mut records = Vec::new();
        if let Some(alerts) = alerts {
            records.push(Record::Alerts {
                at: now,
                alerts: alerts.clone(),
            });
        }
        if let Some(silences) = silences {
            records.push(Record::Silences {
                at: now,
                silences: silences.clone(),
            });
        }
        if records.is_empty() {
            return Ok(());
        }
        w.append(&records)
    }

    /// Writes what changed since the last flush as one frame, to the window and to every
    /// recording.
    pub fn flush(&mut self, now: i64) -> Result<(), FlightError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let frame = super::file::frame(&std::mem::take(&mut self.pending));
        let (objects, alerts, silences) = (&self.objects, &self.alerts, &self.silences);
        self.window
            .append(&frame, now, |w| Self::keyframe(objects, alerts, silences, now, w))?;
        for (key, json) in std::mem::take(&mut self.pending_objects) {
            match json {
                Some(json) => self.objects.put(key, &json),
                None => self.objects.remove(&key),
            }
        }
        let mut failed = Vec::new();
        for (id, rec) in &mut self.recordings {
            if let Err(e) = rec.writer.append_frames(&frame) {
                tracing::error!(incident = %id, error = %e, "the flight recorder cannot write a recording");
                failed.push(id.clone());
            }
        }
        for id in failed {
            self.recordings.remove(&id);
        }
        Ok(())
    }

    /// Starts recording every open incident of its kind that has no recorder, and ends the
    /// recordings of incidents resolved since.
    pub fn follow_incidents(&mut self, now: i64) {
        let ids = match self.store.list() {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "the flight recorder cannot list incidents");
                return;
            }
        };
        for id in ids {
            let path = self.store.path(&id);
            let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            let record = match self.known.get(&id) {
                Some((known, record)) if *known == len => *record,
                _ => {
                    let record = journal::read(&path)
                        .ok()
                        .and_then(|r| Incident::from_entries(&r.entries).ok())
                        .is_some_and(|i| i.status != Status::Resolved && i.drill == self.settings.drill);
                    self.known.insert(id.clone(), (len, record));
                    record
                }
            };
            match (record, self.recordings.contains_key(&id)) {
                (true, false) if self.busy.get(&id) != Some(&len) => {
                    if let Err(e) = self.start(&id, now) {
                        if matches!(e, FlightError::Busy { .. }) {
                            self.busy.insert(id.clone(), len);
                        } else {
                            tracing::error!(incident = %id, error = %e, "the flight recorder cannot record");
                        }
                    }
                }
                (false, true) => self.end(&id, now),
                _ => {}
            }
        }
    }

    fn start(&mut self, id: &IncidentId, now: i64) -> Result<(), FlightError> {
        self.flush(now)?;
        let path = recording_path(&self.store, id);
        let journal = self.store.path(id);
        let writer = if path.exists() {
            // Recorded before (by a process since gone): go on after its last seal, from a
            // keyframe, since what happened in between was not seen.
            let last = journal::read(&journal).ok().and_then(|r| seals(&r.entries).pop());
            let mut w = Writer::resume(&path, last)?;
            Self::keyframe(&self.objects, &self.alerts, &self.silences, now, &mut w)?;
            w
        } else {
            let mut w = Writer::create(&path)?;
            for (_, piece) in self.window.pieces() {
                w.append_frames(&frames_from(piece, 0)?)?;
            }
            w
        };
        self.tell(&format!("recording {id} in {}", path.display()));
        let mut rec = Recording {
            writer,
            sealed_at: now,
            unjournaled: Vec::new(),
        };
        let drill_time = self.drill_time(now);
        seal(&mut self.journals, &mut rec, id, drill_time);
        self.recordings.insert(id.clone(), rec);
        Ok(())
    }

    /// In a drill, `now` (the cluster's clock) as the drill's time its journal entries carry.
    fn drill_time(&self, now: i64) -> Option<jiff::Timestamp> {
        self.settings
            .drill
            .then(|| jiff::Timestamp::from_millisecond(now).ok())
            .flatten()
    }

    fn end(&mut self, id: &IncidentId, now: i64) {
        if let Some(mut rec) = self.recordings.remove(id) {
            let drill_time = self.drill_time(now);
            seal(&mut self.journals, &mut rec, id, drill_time);
            let line = format!("{id} is resolved: its recording is sealed ({} bytes)", rec.writer.len());
            self.tell(&line);
        }
    }

    fn tell(&self, line: &str) {
        tracing::info!("flight recorder: {line}");
        if self.settings.say {
            // Whoever reads stdout may be gone; the log has it.
            let _ = writeln!(std::io::stdout(), "{line}");
        }
    }

    /// Seals every recording due.
    pub fn seal_due(&mut self, now: i64) {
        let drill_time = self.drill_time(now);
        for (id, rec) in &mut self.recordings {
            if now - rec.sealed_at >= self.settings.seal_every_ms {
                rec.sealed_at = now;
                seal(&mut self.journals, rec, id, drill_time);
            }
        }
    }

    /// Flushes and seals everything: the recorder is stopping.
    pub fn stop(&mut self, now: i64) {
        if let Err(e) = self.flush(now) {
            tracing::error!(error = %e, "the flight recorder cannot write its last frame");
        }
        let ids: Vec<IncidentId> = self.recordings.keys().cloned().collect();
        for id in ids {
            self.end(&id, now);
        }
    }

    /// The incidents being recorded here.
    pub fn recording(&self) -> Vec<&IncidentId> {
        let mut ids: Vec<_> = self.recordings.keys().collect();
        ids.sort();
        ids
    }
}

/// Seals a recording and journals the seal (and any earlier one the journal missed), in a
/// drill at the drill's time.
fn seal(journals: &mut Journals, rec: &mut Recording, id: &IncidentId, drill_time: Option<jiff::Timestamp>) {
    rec.unjournaled.extend(rec.writer.seal());
    if rec.unjournaled.is_empty() {
        return;
    }
    let file = rec
        .writer
        .path()
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut journal = match journals.open(id) {
        Ok(j) => j,
        Err(e) => {
            tracing::error!(incident = %id, error = %e, "the flight recorder cannot journal a seal");
            return;
        }
    };
    while let Some(Seal { offset, hash }) = rec.unjournaled.first().cloned() {
        let event = Event::RecordingSealed {
            file: file.clone(),
            offset,
            hash,
        };
        let draft = Draft {
            drill_time,
            ..Draft::new(actor(), Origin::Automation, event)
        };
        if let Err(e) = journals.append(id, &mut journal, draft) {
            tracing::error!(incident = %id, error = %e, "the flight recorder cannot journal a seal");
            return;
        }
        rec.unjournaled.remove(0);
    }
}
