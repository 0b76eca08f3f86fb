//! A replay's monitoring: the samples a flight recording holds, revealed to the sample store
//! as the drill clock passes them (so no query sees the recording's future, and seeking back
//! hides what came after), and Alertmanager's recorded alerts and silences, applied at the
//! moment they were recorded.

use jiff::Timestamp;
use serde_json::Value;
use warroom_recording::record::{Record, Series};

use super::alertmanager::{Alertmanager, PostableAlert, Silence, SilenceMatcher};
use super::series::{SeriesId, SeriesStore};

/// What the replay tells the monitoring stack, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Replayed {
    Alerts {
        at: i64,
        alerts: Vec<Value>,
    },
    Silences {
        at: i64,
        silences: Vec<Value>,
    },
    /// The clock went back or forward to `to`: what the store shows starts over.
    Seek {
        to: i64,
    },
    /// A player took `workload` (`namespace/name`, with its `pods` then) over at `at`: its
    /// signals are the drill's models' from then on.
    Branched {
        workload: String,
        pods: Vec<String>,
        at: i64,
    },
}

impl Replayed {
    /// What a recorded alerts or silences record tells, as of `at`; nothing for other records.
    pub fn of(record: Record, at: i64) -> Option<Replayed> {
        match record {
            Record::Alerts { alerts, .. } => Some(Replayed::Alerts { at, alerts }),
            Record::Silences { silences, .. } => Some(Replayed::Silences { at, silences }),
            _ => None,
        }
    }
}

/// The recorded samples, and how many of them the store has been shown.
#[derive(Debug, Default)]
pub struct RecordedSamples {
    labels: Vec<Vec<(String, String)>>,
    /// (time, series, value), by time.
    samples: Vec<(i64, u32, f64)>,
    ids: Vec<Option<SeriesId>>,
    /// Each series' last time shown: a branched workload's end where it branched.
    until: Vec<i64>,
    shown: usize,
}

impl RecordedSamples {
    pub fn new(series: Vec<Series>) -> RecordedSamples {
        let mut labels: Vec<Vec<(String, String)>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut samples = Vec::new();
        for s in series {
            let i = *index.entry(s.metric.clone()).or_insert_with(|| {
                labels.push(s.metric.into_iter().collect());
                (labels.len() - 1) as u32
            });
            samples.extend(s.values.into_iter().map(|(t, v)| (t, i, v)));
        }
        // Stable: a series' samples keep their order.
        samples.sort_by_key(|(t, _, _)| *t);
        RecordedSamples {
            ids: vec![None; labels.len()],
            until: vec![i64::MAX; labels.len()],
            labels,
            samples,
            shown: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The time of the first sample.
    pub fn first_ms(&self) -> Option<i64> {
        self.samples.first().map(|(t, _, _)| *t)
    }

    /// Shows none of the samples after `since` of the series `owned` says are a branched
    /// workload's.
    pub fn withhold(&mut self, since: i64, owned: impl Fn(&[(String, String)]) -> bool) {
        for (labels, until) in self.labels.iter().zip(self.until.iter_mut()) {
            if owned(labels) {
                *until = (*until).min(since);
            }
        }
    }

    /// Shows `store` every sample up to `now` not shown yet. A sample the store refuses (a
    /// series' time going back, where a recorder restarted) is left out.
    pub fn reveal(&mut self, store: &mut SeriesStore, now: i64) {
        while let Some(&(t, s, v)) = self.samples.get(self.shown) {
            if t > now {
                break;
            }
            self.shown += 1;
            if t > self.until[s as usize] {
                continue;
            }
            let id = match self.ids[s as usize] {
                Some(id) => id,
                None => match store.series_id(&self.labels[s as usize]) {
                    Ok(id) => *self.ids[s as usize].insert(id),
                    Err(e) => {
                        tracing::debug!(error = %e, "a recorded series cannot be replayed");
                        continue;
                    }
                },
            };
            let _ = store.append_to(id, t, v);
        }
    }

    /// Starts over, for an emptied store, with nothing withheld (after a seek).
    pub fn rewind(&mut self) {
        self.ids.iter_mut().for_each(|id| *id = None);
        self.until.iter_mut().for_each(|u| *u = i64::MAX);
        self.shown = 0;
    }
}

fn time(v: &Value) -> Option<Timestamp> {
    v.as_str()?.parse().ok()
}

fn labels(v: &Value) -> std::collections::BTreeMap<String, String> {
    serde_json::from_value(v.clone()).unwrap_or_default()
}

/// Alertmanager holds what was recorded at `at`: the recorded alerts (a firing one until the
/// recording says otherwise, whatever end it had then), and none of the others. The alerts
/// `withheld` says are a branch's are neither taken from the recording nor ended by it.
pub fn apply_alerts(
    am: &mut Alertmanager,
    recorded: &[Value],
    at: i64,
    withheld: impl Fn(&std::collections::BTreeMap<String, String>) -> bool,
) {
    let now = Timestamp::from_millisecond(at).unwrap_or(Timestamp::UNIX_EPOCH);
    // "Until the recording says otherwise": a week is longer than any recording's window.
    let forever = now.checked_add(jiff::SignedDuration::from_hours(7 * 24)).unwrap_or(now);
    let alerts: Vec<PostableAlert> = recorded
        .iter()
        .filter(|a| a["labels"].is_object() && !withheld(&labels(&a["labels"])))
        .map(|a| {
            let ends = time(&a["endsAt"]).filter(|e| *e <= now).unwrap_or(forever);
            PostableAlert {
                labels: labels(&a["labels"]),
                annotations: labels(&a["annotations"]),
                starts_at: time(&a["startsAt"]),
                ends_at: Some(ends),
                generator_url: a["generatorURL"].as_str().map(str::to_string),
            }
        })
        .collect();
    let keep: std::collections::HashSet<String> = alerts
        .iter()
        .map(|a| super::alertmanager::fingerprint(&a.labels))
        .collect();
    for (fp, a) in am.alerts.iter_mut() {
        if !keep.contains(fp) && a.ends_at > now && !withheld(&a.labels) {
            a.ends_at = now;
            a.updated_at = now;
        }
    }
    am.alerts
        .retain(|fp, a| keep.contains(fp) || a.starts_at <= now || withheld(&a.labels));
    for a in alerts {
        let fp = super::alertmanager::fingerprint(&a.labels);
        // The recording says when it started: a seek back must not keep a later start.
        am.alerts.remove(&fp);
        if let Err(e) = am.receive(vec![a], now) {
            tracing::debug!(error = ?e, "a recorded alert cannot be replayed");
        }
    }
}

/// Alertmanager holds the recorded silences as they were at `at` (a player's own are kept).
pub fn apply_silences(am: &mut Alertmanager, recorded: &[Value], at: i64) {
    let now = Timestamp::from_millisecond(at).unwrap_or(Timestamp::UNIX_EPOCH);
    for s in recorded {
        let (Some(id), Some(starts_at), Some(ends_at)) = (s["id"].as_str(), time(&s["startsAt"]), time(&s["endsAt"]))
        else {
            continue;
        };
        let matchers: Vec<SilenceMatcher> = serde_json::from_value(s["matchers"].clone()).unwrap_or_default();
        am.silences.retain(|x| x.id != id);
        am.silences.push(Silence {
            id: id.to_string(),
            matchers,
            starts_at,
            ends_at,
            updated_at: time(&s["updatedAt"]).unwrap_or(now),
            created_by: s["createdBy"].as_str().unwrap_or("").to_string(),
            comment: s["comment"].as_str().unwrap_or("").to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn samples_show_as_the_clock_passes_them_and_a_seek_back_hides_the_rest() {
        let series = |name: &str, values: &[(i64, f64)]| Series {
            metric: [("__name__".to_string(), name.to_string())].into(),
            values: values.to_vec(),
        };
        let mut r = RecordedSamples::new(vec![
            series("a", &[(1000, 1.0), (16_000, 2.0)]),
            series("b", &[(5000, 7.0)]),
            series("a", &[(31_000, 3.0)]),
        ]);
        let mut store = SeriesStore::new();
        r.reveal(&mut store, 15_000);
        assert_eq!((store.series_count(), store.sample_count()), (2, 2));
        r.reveal(&mut store, 40_000);
        assert_eq!(store.sample_count(), 4);
        store = SeriesStore::new();
        r.rewind();
        r.reveal(&mut store, 2000);
        assert_eq!((store.series_count(), store.sample_count()), (1, 1));
    }

    #[test]
    fn recorded_alerts_stand_until_the_recording_drops_them() {
        let mut am = Alertmanager::new(1);
        let t0 = 1_700_000_000_000;
        let fire = json!({"labels": {"alertname": "HighErrorRate", "service": "checkout"},
                          "annotations": {"summary": "errors"},
                          "startsAt": "2023-11-14T22:10:00Z", "endsAt": "2023-11-14T22:17:00Z"});
        apply_alerts(&mut am, &[fire], t0, |_| false);
        let later = Timestamp::from_millisecond(t0 + 3_600_000).unwrap();
        let current = am.current(later);
        assert_eq!(
            current.len(),
            1,
            "still firing an hour on: the recording said nothing since"
        );
        assert_eq!(current[0].1.starts_at.to_string(), "2023-11-14T22:10:00Z");
        apply_alerts(&mut am, &[], t0 + 60_000, |_| false);
        assert!(am.current(later).is_empty(), "resolved when a snapshot leaves it out");

        apply_silences(
            &mut am,
            &[
                json!({"id": "s-1", "matchers": [{"name": "service", "value": "checkout", "isRegex": false, "isEqual": true}],
                     "startsAt": "2023-11-14T22:00:00Z", "endsAt": "2023-11-15T22:00:00Z",
                     "updatedAt": "2023-11-14T22:00:00Z", "createdBy": "ic", "comment": "known"}),
            ],
            t0,
        );
        assert_eq!(am.silences.len(), 1);
        assert_eq!(am.silences[0].state(later), "active");
    }
}
