//! The update cadence: how soon each audience is owed a status update, per severity, and when
//! the next one is due given the updates already published. Pure: the caller passes the clock.
//! Defaults follow PagerDuty's public guidance: a first post within 5 minutes of declaring, a
//! scoping post 5 minutes later, then at least every 20 minutes for SEV1 and SEV2.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use crate::incident::model::{Event, Severity, Status};
use crate::incident::state::Incident;

/// How often one audience hears about an incident of one severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// From the declaration to the first update.
    pub first: SignedDuration,
    /// From the first update to the second (the scoping post), if different from `every`.
    pub scoping: Option<SignedDuration>,
    /// Between later updates.
    pub every: SignedDuration,
}

/// The rules per (severity, audience). An audience without a rule for a severity is never due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadence {
    pub rules: BTreeMap<(Severity, String), Rule>,
}

fn minutes(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

impl Default for Cadence {
    fn default() -> Self {
        let pagerduty = Rule {
            first: minutes(5),
            scoping: Some(minutes(5)),
            every: minutes(20),
        };
        let mut rules = BTreeMap::new();
        for sev in [Severity::Sev1, Severity::Sev2] {
            rules.insert((sev, "internal".to_string()), pagerduty);
            rules.insert((sev, "public".to_string()), pagerduty);
        }
        rules.insert(
            (Severity::Sev1, "executive".into()),
            Rule {
                first: minutes(15),
                scoping: None,
                every: minutes(30),
            },
        );
        rules.insert(
            (Severity::Sev2, "executive".into()),
            Rule {
                first: minutes(30),
                scoping: None,
                every: minutes(60),
            },
        );
        // Minor incidents: the team hears within the quarter hour, then hourly; nobody outside.
        rules.insert(
            (Severity::Sev3, "internal".into()),
            Rule {
                first: minutes(15),
                scoping: None,
                every: minutes(60),
            },
        );
        rules.insert(
            (Severity::Sev4, "internal".into()),
            Rule {
                first: minutes(60),
                scoping: None,
                every: minutes(240),
            },
        );
        Cadence { rules }
    }
}

/// `[cadence.sev1.internal]` in the config file: `first`, `scoping`, `every` as durations
/// (`5m`, `1h`), or `every = "off"` for an audience that is not owed updates at that severity.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub first: Option<String>,
    pub scoping: Option<String>,
    pub every: String,
}

/// The `[cadence]` table: severity (`sev1`…) → audience → rule.
pub type CadenceConfig = BTreeMap<String, BTreeMap<String, RuleConfig>>;

/// A config problem: the key and what is wrong with it (the config names file and line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadKey {
    pub key: String,
    /// The text to find the line by.
    pub near: String,
    pub message: String,
}

fn duration(key: &str, s: &str) -> Result<SignedDuration, BadKey> {
    match s.trim().parse::<SignedDuration>() {
        Ok(d) if d.is_positive() => Ok(d),
        _ => Err(BadKey {
            key: key.to_string(),
            near: s.to_string(),
            message: format!("{s:?} is not a positive duration such as 5m or 1h"),
        }),
    }
}

impl Cadence {
    /// The defaults with the configured rules over them.
    pub fn from_config(config: &CadenceConfig) -> Result<Cadence, BadKey> {
        let mut cadence = Cadence::default();
        for (sev_name, audiences) in config {
            let sev: Severity = sev_name.parse().map_err(|_| BadKey {
                key: format!("cadence.{sev_name}"),
                near: sev_name.clone(),
                message: "unknown severity (use sev1, sev2, sev3 or sev4)".into(),
            })?;
            for (audience, rule) in audiences {
                let key = format!("cadence.{sev_name}.{audience}");
                let slot = (sev, audience.clone());
                if rule.every.trim() == "off" {
                    cadence.rules.remove(&slot);
                    continue;
                }
                let every = duration(&format!("{key}.every"), &rule.every)?;
                let first = match &rule.first {
                    Some(f) => duration(&format!("{key}.first"), f)?,
                    None => every,
                };
                let scoping = rule
                    .scoping
                    .as_deref()
                    .map(|s| duration(&format!("{key}.scoping"), s))
                    .transpose()?;
                cadence.rules.insert(slot, Rule { first, scoping, every });
            }
        }
        Ok(cadence)
    }
}

/// The next update owed to one audience.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub at: Timestamp,
    pub overdue: bool,
    pub audience: String,
    /// How many updates this audience has had.
    pub published: usize,
}

impl Due {
    /// Time left (negative when overdue).
    pub fn remaining(&self, now: Timestamp) -> SignedDuration {
        self.at.duration_since(now)
    }
}

/// Updates to one audience within this long of each other count as one (the same update sent
/// to several channels).
const SAME_UPDATE: SignedDuration = SignedDuration::from_secs(60);

/// The audience a published update counts for: its draft's, else `public` for an external
/// channel and `internal` for the rest.
fn audience_of(u: &crate::incident::state::PublishedUpdate) -> &str {
    u.audience
        .as_deref()
        .unwrap_or(if u.external { "public" } else { "internal" })
}

/// The next update owed to each audience at the incident's severity, soonest first. Nothing is
/// due once the incident is resolved.
pub fn all_due(incident: &Incident, cadence: &Cadence, now: Timestamp) -> Vec<Due> {
    if incident.status == Status::Resolved {
        return Vec::new();
    }
    let mut dues: Vec<Due> = cadence
        .rules
        .iter()
        .filter(|((sev, _), _)| *sev == incident.severity)
        .map(|((_, audience), rule)| {
            let mut times: Vec<Timestamp> = Vec::new();
            for u in incident.status_updates.iter().filter(|u| audience_of(u) == audience) {
                if times.last().is_none_or(|last| u.at.duration_since(*last) > SAME_UPDATE) {
                    times.push(u.at);
                }
            }
            let at = match (times.len(), times.last()) {
                (_, None) => incident.opened_at + rule.first,
                (1, Some(last)) => *last + rule.scoping.unwrap_or(rule.every),
                (_, Some(last)) => *last + rule.every,
            };
            Due {
                at,
                overdue: now > at,
                audience: audience.clone(),
                published: times.len(),
            }
        })
        .collect();
    dues.sort_by(|a, b| (a.at, &a.audience).cmp(&(b.at, &b.audience)));
    dues
}

/// The soonest update due (what the console header counts down to).
pub fn next_due(incident: &Incident, cadence: &Cadence, now: Timestamp) -> Option<Due> {
    all_due(incident, cadence, now).into_iter().next()
}

/// When the update after one published to `audience` now would be due (for "next update by"
/// in the message itself); None when that audience is not owed updates.
pub fn next_after_publishing(
    incident: &Incident,
    cadence: &Cadence,
    audience: &str,
    now: Timestamp,
) -> Option<Timestamp> {
    if incident.status == Status::Resolved {
        return None;
    }
    let rule = cadence.rules.get(&(incident.severity, audience.to_string()))?;
    let published = all_due(incident, cadence, now)
        .into_iter()
        .find(|d| d.audience == audience)
        .map_or(0, |d| d.published);
    Some(
        now + if published == 0 {
            rule.scoping.unwrap_or(rule.every)
        } else {
            rule.every
        },
    )
}

/// Events noting each overdue update not noted yet; append them to the timeline.
pub fn overdue_events(incident: &Incident, cadence: &Cadence, now: Timestamp) -> Vec<Event> {
    all_due(incident, cadence, now)
        .into_iter()
        .filter(|d| d.overdue)
        .filter(|d| {
            !incident
                .overdue_noted
                .iter()
                .any(|(a, at)| *a == d.audience && *at == d.at)
        })
        .map(|d| Event::StatusUpdateOverdue {
            audience: d.audience,
            due_at: d.at,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::{Actor, Declared, Entry, Origin};

    fn at(minute: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + minute * 60).expect("time")
    }

    fn entry(seq: u64, minute: i64, event: Event) -> Entry {
        Entry {
            seq,
            time: at(minute),
            drill_time: None,
            actor: Actor::named("alice"),
            source: Origin::Human,
            pinned: false,
            event,
            prev: String::new(),
            hash: String::new(),
        }
    }

    fn incident(severity: Severity, published: &[(i64, &str, &str)]) -> Incident {
        let mut entries = vec![entry(
            1,
            0,
            Event::IncidentOpened(Declared::new(
                "INC-20261124-001".parse().expect("id"),
                "Checkout errors",
                severity,
            )),
        )];
        for (minute, channel, audience) in published {
            let seq = entries.len() as u64 + 1;
            entries.push(entry(
                seq,
                *minute,
                Event::StatusUpdatePublished {
                    channel: channel.to_string(),
                    external: false,
                    text: "update".into(),
                },
            ));
            entries.push(entry(
                seq + 1,
                *minute,
                Event::StatusDraftPublished {
                    draft_id: format!("d{seq}"),
                    audience: audience.to_string(),
                    channel: channel.to_string(),
                },
            ));
        }
        Incident::from_entries(&entries).expect("incident")
    }

    #[test]
    fn first_post_in_5_minutes_scoping_5_later_then_every_20() {
        let c = Cadence::default();
        let i = incident(Severity::Sev1, &[]);
        let d = next_due(&i, &c, at(1)).expect("due");
        assert_eq!((d.at, d.overdue, d.audience.as_str()), (at(5), false, "internal"));
        let i = incident(Severity::Sev1, &[(3, "slack", "internal"), (3, "status", "public")]);
        let dues = all_due(&i, &c, at(4));
        assert_eq!(dues[0].at, at(8), "{dues:?}");
        assert_eq!(
            dues.iter().find(|d| d.audience == "executive").map(|d| d.at),
            Some(at(15))
        );
        let i = incident(
            Severity::Sev1,
            &[
                (3, "slack", "internal"),
                (3, "email", "internal"),
                (9, "slack", "internal"),
            ],
        );
        let internal = all_due(&i, &c, at(10))
            .into_iter()
            .find(|d| d.audience == "internal")
            .expect("internal");
        assert_eq!((internal.at, internal.published), (at(29), 2));
        assert!(
            all_due(&i, &c, at(30))
                .iter()
                .any(|d| d.audience == "internal" && d.overdue)
        );
    }

    #[test]
    fn overdue_is_noted_once() {
        let c = Cadence::default();
        let mut i = incident(Severity::Sev2, &[]);
        let events = overdue_events(&i, &c, at(6));
        assert_eq!(events.len(), 2, "{events:?}");
        i.apply(&entry(9, 6, events[0].clone()));
        assert_eq!(overdue_events(&i, &c, at(6)).len(), 1);
    }

    #[test]
    fn config_overrides_and_turns_off() {
        let text = "[sev3.public]\nfirst = \"10m\"\nevery = \"30m\"\n[sev1.executive]\nevery = \"off\"\n";
        let config: CadenceConfig = toml::from_str(text).expect("toml");
        let c = Cadence::from_config(&config).expect("valid");
        assert_eq!(c.rules[&(Severity::Sev3, "public".to_string())].first, minutes(10));
        assert!(!c.rules.contains_key(&(Severity::Sev1, "executive".to_string())));
        let bad: CadenceConfig = toml::from_str("[sev2.internal]\nevery = \"soon\"\n").expect("toml");
        assert_eq!(
            Cadence::from_config(&bad).expect_err("bad").key,
            "cadence.sev2.internal.every"
        );
    }
}
