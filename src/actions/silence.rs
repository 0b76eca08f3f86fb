//! Silencing alerts as a containment action: the preview lists the alerts a silence would
//! match (Alertmanager has no dry run, so this reads its alerts), the run creates the silence
//! and offers its expiry as the undo; expiring a silence is an action too.

use serde_json::json;

use super::catalogue::Action;
use super::kube::ActionError;
use super::preview::{Change, Done, Preview};
use super::stamp::Stamp;
use crate::observe::alertmanager::{Alertmanager, NewSilence};

/// `2h`, `45m`, `1h30m`.
pub fn duration_words(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    }
}

fn failed(what: &str, e: impl std::fmt::Display) -> ActionError {
    ActionError::ours(format!("{what}: {e}"))
}

/// What the action will do, from Alertmanager's current alerts.
pub async fn preview(am: &Alertmanager, action: &Action) -> Result<Preview, ActionError> {
    match action {
        Action::Silence { matchers, minutes } => {
            let alerts = am
                .alerts()
                .await
                .map_err(|e| failed("reading Alertmanager's alerts", e))?;
            let matched: Vec<String> = alerts
                .iter()
                .filter(|a| matchers.iter().all(|(k, v)| a.labels.get(k) == Some(v)))
                .map(|a| {
                    let rest: Vec<String> = a
                        .labels
                        .iter()
                        .filter(|(k, _)| k.as_str() != "alertname")
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    format!("{} {}", a.name(), rest.join(" "))
                })
                .collect();
            let mut warnings = Vec::new();
            if matched.is_empty() {
                warnings.push("no active alert matches now; the silence still applies to any that fire".into());
            }
            let summary = format!(
                "silence {} for {}: {} alert(s) match now",
                action.target(),
                duration_words(*minutes),
                matched.len()
            );
            let changes = matched
                .iter()
                .map(|m| Change::new(m, "state", "active", "suppressed"))
                .collect();
            // One silence is created however many alerts it matches.
            Ok(Preview {
                warnings,
                ..Preview::of(summary, changes, 1, None)
            })
        }
        Action::ExpireSilence { id } => Ok(Preview::of(
            format!("expire silence {id}: the alerts it matches notify again"),
            vec![Change::new(&format!("silence/{id}"), "state", "active", "expired")],
            1,
            None,
        )),
        other => Err(ActionError::ours(format!("{other} does not act on Alertmanager"))),
    }
}

/// Creates (starting now: by the drill's clock when `drill_now` is given, else the wall
/// clock's) or expires the silence; returns the summary, Alertmanager's answer and the undo.
pub async fn run(
    am: &Alertmanager,
    action: &Action,
    stamp: &Stamp,
    drill_now: Option<jiff::Timestamp>,
) -> Result<Done, ActionError> {
    match action {
        Action::Silence { matchers, minutes } => {
            let silence = NewSilence::for_alert(
                matchers,
                drill_now.unwrap_or_else(jiff::Timestamp::now),
                jiff::SignedDuration::from_mins(i64::from(*minutes)),
                &stamp.actor,
                &stamp.comment("silenced from warroom"),
            );
            let id = am
                .create_silence(&silence, drill_now.is_some())
                .await
                .map_err(|e| failed("creating the silence", e))?;
            Ok(Done::new(
                format!("silence {id} created for {}", duration_words(*minutes)),
                json!({"silenceID": id, "endsAt": silence.ends_at}),
                Some(Action::ExpireSilence { id }),
            ))
        }
        Action::ExpireSilence { id } => {
            am.expire_silence(id)
                .await
                .map_err(|e| failed("expiring the silence", e))?;
            Ok(Done::new(
                format!("silence {id} expired"),
                json!({"silenceID": id}),
                None,
            ))
        }
        other => Err(ActionError::ours(format!("{other} does not act on Alertmanager"))),
    }
}
