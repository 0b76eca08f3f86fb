//! What `warroom record info` tells of a recording: its time range, size, frames and records,
//! the objects of each kind it saw (and holds at its end), the samples and alerts it holds, and
//! whether its seals verify.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::file::Reading;
use super::objects::Objects;
use super::record::{ObjectKey, Record};

#[derive(Debug, Default, PartialEq)]
pub struct Info {
    /// The first and last record's times (Unix milliseconds).
    pub span: Option<(i64, i64)>,
    pub records: usize,
    pub keyframes: usize,
    /// Per kind: how many objects it ever held, and how many at its end.
    pub kinds: BTreeMap<String, (usize, usize)>,
    /// Prometheus series and their samples.
    pub series: usize,
    pub samples: usize,
    /// The alerts Alertmanager held at some point, by name, and the silences (by id).
    pub alerts: BTreeSet<String>,
    pub silences: usize,
}

pub fn of(reading: &Reading) -> Info {
    let mut info = Info {
        records: reading.records.len(),
        ..Info::default()
    };
    let mut seen: BTreeSet<ObjectKey> = BTreeSet::new();
    let mut series = BTreeSet::new();
    let mut silences = BTreeSet::new();
    let mut objects = Objects::default();
    for r in &reading.records {
        let at = r.at();
        info.span = Some(info.span.map_or((at, at), |(a, b)| (a.min(at), b.max(at))));
        objects.apply(r);
        match r {
            Record::Keyframe { .. } => info.keyframes += 1,
            Record::Applied { object, .. } => seen.extend(ObjectKey::of(object)),
            Record::Deleted { key, .. } => {
                seen.insert(key.clone());
            }
            Record::Samples { series: s, .. } => {
                for one in s {
                    info.samples += one.values.len();
                    series.insert(&one.metric);
                }
            }
            Record::Alerts { alerts, .. } => {
                let names = alerts.iter().filter_map(|a| a["labels"]["alertname"].as_str());
                info.alerts.extend(names.map(str::to_string));
            }
            Record::Silences { silences: s, .. } => {
                silences.extend(s.iter().filter_map(|x| x["id"].as_str()));
            }
        }
    }
    info.series = series.len();
    info.silences = silences.len();
    for k in &seen {
        info.kinds.entry(k.kind.clone()).or_default().0 += 1;
    }
    for k in objects.keys() {
        info.kinds.entry(k.kind.clone()).or_default().1 += 1;
    }
    info
}

fn time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map_or_else(|_| ms.to_string(), |t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
}

/// The lines `warroom record info` prints.
pub fn describe(reading: &Reading, info: &Info) -> String {
    let mut out = String::new();
    match info.span {
        Some((a, b)) => {
            let minutes = (b - a) as f64 / 60_000.0;
            let _ = writeln!(out, "from {} to {} ({minutes:.1} min)", time(a), time(b));
        }
        None => out.push_str("no records\n"),
    }
    let _ = writeln!(
        out,
        "{} bytes, {} frames, {} records, {} keyframes",
        reading.size, reading.frames, info.records, info.keyframes
    );
    for (kind, (ever, end)) in &info.kinds {
        let _ = writeln!(out, "  {kind}: {ever} seen, {end} at the end");
    }
    match info.series {
        0 => out.push_str("  no Prometheus samples\n"),
        n => {
            let _ = writeln!(out, "  Prometheus: {n} series, {} samples", info.samples);
        }
    }
    if info.alerts.is_empty() {
        let _ = writeln!(out, "  no alerts, {} silences", info.silences);
    } else {
        let names: Vec<&str> = info.alerts.iter().map(String::as_str).collect();
        let _ = writeln!(out, "  alerts: {}; {} silences", names.join(", "), info.silences);
    }
    if reading.torn > 0 {
        let _ = writeln!(
            out,
            "a torn last frame ({} bytes) is left out: the recorder stopped while writing it",
            reading.torn
        );
    }
    out
}
