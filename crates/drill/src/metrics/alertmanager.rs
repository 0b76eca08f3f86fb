//! The drill's Alertmanager: alerts received from the rules (and injected by a facilitator),
//! silences with their active/pending/expired life, and which alerts a silence suppresses.
//! Times are the drill's virtual time. Validation follows Alertmanager 0.25's answers; the
//! HTTP shapes are in `api/alertmanager.rs`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::matcher::Matcher;

/// A silence matcher as the v2 API writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SilenceMatcher {
    pub name: String,
    pub value: String,
    pub is_regex: bool,
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl SilenceMatcher {
    fn matcher(&self) -> Option<Matcher> {
        match (self.is_regex, self.is_equal) {
            (false, true) => Some(Matcher::equal(&self.name, &self.value)),
            (false, false) => Some(Matcher::not_equal(&self.name, &self.value)),
            (true, true) => Matcher::regex(&self.name, &self.value).ok(),
            (true, false) => Matcher::not_regex(&self.name, &self.value).ok(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<SilenceMatcher>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub updated_at: Timestamp,
    pub created_by: String,
    pub comment: String,
}

impl Silence {
    /// `active`, `pending` or `expired` at `now`.
    pub fn state(&self, now: Timestamp) -> &'static str {
        if now >= self.ends_at {
            "expired"
        } else if now < self.starts_at {
            "pending"
        } else {
            "active"
        }
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matchers.iter().all(|m| {
            m.matcher()
                .is_some_and(|mm| mm.matches(labels.get(&m.name).map_or("", String::as_str)))
        })
    }
}

#[derive(Debug, Clone)]
pub struct AmAlert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub updated_at: Timestamp,
    pub generator_url: String,
}

/// An alert as a client posts it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableAlert {
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub starts_at: Option<Timestamp>,
    #[serde(default)]
    pub ends_at: Option<Timestamp>,
    #[serde(default, rename = "generatorURL")]
    pub generator_url: Option<String>,
}

/// A silence as a client posts it (`id` set to update one).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableSilence {
    #[serde(default)]
    pub id: Option<String>,
    pub matchers: Option<Vec<SilenceMatcher>>,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    pub created_by: Option<String>,
    pub comment: Option<String>,
}

/// Why a request was refused: Alertmanager's status and body.
#[derive(Debug, Clone, PartialEq)]
pub enum AmError {
    /// 422 `{"code":N,"message":...}` (OpenAPI validation).
    Validation(u16, String),
    /// 400 with a JSON string body.
    BadRequest(String),
    /// 404 / 500 with a JSON string body.
    NotFound(String),
}

/// How long an alert stays active after it was last sent without an end (resolve_timeout).
const RESOLVE_TIMEOUT_S: i64 = 300;

pub struct Alertmanager {
    pub alerts: BTreeMap<String, AmAlert>,
    pub silences: Vec<Silence>,
    rng: ChaCha8Rng,
}

/// Alertmanager's label-set fingerprint: FNV-1a 64 over sorted names and values, each
/// followed by 0xff, as 16 hex digits.
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut add = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    };
    for (n, v) in labels {
        n.bytes().for_each(&mut add);
        add(0xff);
        v.bytes().for_each(&mut add);
        add(0xff);
    }
    format!("{h:016x}")
}

impl Alertmanager {
    pub fn new(seed: u64) -> Alertmanager {
        Alertmanager {
            alerts: BTreeMap::new(),
            silences: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x616c_6572_7473),
        }
    }

    fn uuid(&mut self) -> String {
        let b: [u8; 16] = self.rng.random();
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }

    /// Receives alerts (from the rules or a client), as `POST /api/v2/alerts`.
    pub fn receive(&mut self, alerts: Vec<PostableAlert>, now: Timestamp) -> Result<(), AmError> {
        // Go clients (amtool) send the zero time for a time not given.
        let given = |t: Option<Timestamp>| t.filter(|t| !crate::api::client_clock::is_go_zero(*t));
        for a in &alerts {
            if a.labels.is_empty() {
                return Err(AmError::BadRequest("at least one label pair required".into()));
            }
            if let (Some(s), Some(e)) = (given(a.starts_at), given(a.ends_at))
                && e < s
            {
                return Err(AmError::BadRequest("start time must be before end time".into()));
            }
        }
        for a in alerts {
            let fp = fingerprint(&a.labels);
            let (starts_at, ends_at) = (given(a.starts_at), given(a.ends_at));
            // As the Alertmanager: with no start, the end when one is given, else now.
            let starts = starts_at.or(ends_at).unwrap_or(now);
            let ends = ends_at.unwrap_or_else(|| {
                now.checked_add(jiff::SignedDuration::from_secs(RESOLVE_TIMEOUT_S))
                    .unwrap_or(now)
            });
            let starts = match self.alerts.get(&fp) {
                // A still-active alert keeps its start.
                Some(old) if old.ends_at > now => old.starts_at.min(starts),
                _ => starts,
            };
            self.alerts.insert(
                fp,
                AmAlert {
                    labels: a.labels,
                    annotations: a.annotations,
                    starts_at: starts,
                    ends_at: ends,
                    updated_at: now,
                    generator_url: a.generator_url.unwrap_or_default(),
                },
            );
        }
        Ok(())
    }

    /// Alerts not yet resolved at `now`, with the ids of the silences muting each.
    pub fn current(&self, now: Timestamp) -> Vec<(&str, &AmAlert, Vec<&str>)> {
        self.alerts
            .iter()
            .filter(|(_, a)| a.ends_at > now)
            .map(|(fp, a)| {
                let by = self
                    .silences
                    .iter()
                    .filter(|s| s.state(now) == "active" && s.matches(&a.labels))
                    .map(|s| s.id.as_str())
                    .collect();
                (fp.as_str(), a, by)
            })
            .collect()
    }

    /// Creates or updates a silence, as `POST /api/v2/silences`; returns its id.
    pub fn silence(&mut self, s: PostableSilence, now: Timestamp) -> Result<String, AmError> {
        let required = |field: &str| AmError::Validation(602, format!("{field} in body is required"));
        let matchers = s.matchers.ok_or_else(|| required("matchers"))?;
        let starts_at = s.starts_at.ok_or_else(|| required("startsAt"))?;
        let ends_at = s.ends_at.ok_or_else(|| required("endsAt"))?;
        let created_by = s.created_by.ok_or_else(|| required("createdBy"))?;
        let comment = s.comment.ok_or_else(|| required("comment"))?;
        if matchers.is_empty() {
            return Err(AmError::Validation(
                612,
                "matchers in body should have at least 1 items".into(),
            ));
        }
        let bad = |m: String| AmError::BadRequest(format!("Failed to create silence: {m}"));
        if ends_at <= starts_at {
            return Err(bad("start time must be before end time".into()));
        }
        if ends_at < now {
            return Err(bad("end time can't be in the past".into()));
        }
        for m in &matchers {
            if !super::labels::is_valid_label_name(&m.name) {
                return Err(bad(format!("invalid label name {:?}", m.name)));
            }
            if m.matcher().is_none() {
                return Err(bad(format!("invalid regular expression {:?}", m.value)));
            }
        }
        if matchers.iter().all(|m| m.matcher().is_some_and(|mm| mm.matches(""))) {
            return Err(bad("at least one matcher must not match the empty string".into()));
        }
        let id = match s.id {
            Some(id) => {
                let Some(i) = self.silences.iter().position(|x| x.id == id) else {
                    return Err(AmError::NotFound("silence not found".into()));
                };
                // An expired silence cannot change; a new one replaces it.
                if self.silences[i].state(now) == "expired" {
                    self.uuid()
                } else {
                    self.silences.remove(i);
                    id
                }
            }
            None => self.uuid(),
        };
        self.silences.push(Silence {
            id: id.clone(),
            matchers,
            // A start in the past begins now, as Alertmanager does.
            starts_at: starts_at.max(now),
            ends_at,
            updated_at: now,
            created_by,
            comment,
        });
        Ok(id)
    }

    /// Expires a silence, as `DELETE /api/v2/silence/{id}`.
    pub fn expire(&mut self, id: &str, now: Timestamp) -> Result<(), AmError> {
        let s = self
            .silences
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or_else(|| AmError::NotFound("silence not found".into()))?;
        if s.state(now) != "expired" {
            if s.starts_at > now {
                s.starts_at = now;
            }
            s.ends_at = now;
            s.updated_at = now;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().expect("time")
    }

    #[test]
    fn fingerprint_is_alertmanagers() {
        // Measured on Alertmanager 0.25 for {alertname="Inj", severity="page"}.
        let l = BTreeMap::from([
            ("alertname".to_string(), "Inj".to_string()),
            ("severity".into(), "page".into()),
        ]);
        assert_eq!(fingerprint(&l), "e2d8d33accaf53eb");
    }

    #[test]
    fn silences_mute_matching_alerts_until_expired() {
        let now = t("2026-11-24T12:00:00Z");
        let mut am = Alertmanager::new(1);
        let labels = BTreeMap::from([("alertname".to_string(), "X".to_string())]);
        am.receive(
            vec![PostableAlert {
                labels,
                annotations: BTreeMap::new(),
                starts_at: None,
                ends_at: None,
                generator_url: None,
            }],
            now,
        )
        .expect("receive");
        let id = am
            .silence(
                PostableSilence {
                    id: None,
                    matchers: Some(vec![SilenceMatcher {
                        name: "alertname".into(),
                        value: "X".into(),
                        is_regex: false,
                        is_equal: true,
                    }]),
                    starts_at: Some(now),
                    ends_at: Some(t("2026-11-24T13:00:00Z")),
                    created_by: Some("ic".into()),
                    comment: Some("drill".into()),
                },
                now,
            )
            .expect("silence");
        assert_eq!(am.current(now)[0].2, vec![id.as_str()]);
        am.expire(&id, now).expect("expire");
        assert!(am.current(now)[0].2.is_empty());
        assert!(matches!(am.expire("nope", now), Err(AmError::NotFound(_))));
    }
}
