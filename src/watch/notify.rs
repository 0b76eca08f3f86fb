//! The first word out when the detector opens an incident: the internal update template,
//! rendered for the new incident with what was detected, its likely cause and the suggested
//! mitigation as the conditions, sent to every configured internal channel (never to an
//! external one: a public page waits for a person). Each attempt is journaled, as every
//! publish is.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::comms::publish::{self, Message};
use crate::comms::template::Templates;
use crate::comms::vars::{self, GoldenSignals};
use crate::comms::{cadence, drafts};
use crate::config::Config;
use crate::incident::filing::detector;
use crate::incident::journal::Journal;
use crate::incident::model::{DetectionRecord, IncidentId};
use crate::incident::state::Incident;
use crate::postgres::Journals;

/// The template the first notice is written from.
pub const TEMPLATE: &str = "internal-update";

/// What the conditions input says about a detection.
fn conditions(record: &DetectionRecord) -> String {
    let mut s = format!(
        "detected by warroom: {}",
        record
            .findings
            .iter()
            .map(|f| f.text.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );
    if let Some(c) = record.causes.first() {
        s.push_str(&format!(". Likely cause: {}", c.why));
    }
    if let Some(m) = record.mitigations.first() {
        s.push_str(&format!(". Suggested: {}", m.text));
    }
    s
}

/// Sends the first notice of `id` to each internal channel; says what became of each.
pub async fn first(mut journals: Journals, config: &Config, id: &IncidentId, record: &DetectionRecord) -> Vec<String> {
    let channels: Vec<_> = config.status_channels().into_iter().filter(|c| !c.external).collect();
    if channels.is_empty() {
        return Vec::new();
    }
    let made = (|| -> anyhow::Result<(Journal, Message)> {
        let templates = Templates::in_use(None)?;
        let t = templates
            .all
            .iter()
            .find(|t| t.name == TEMPLATE)
            .ok_or_else(|| anyhow::anyhow!("no template {TEMPLATE}"))?;
        let entries = journals.read(id)?.entries;
        let incident = Incident::from_entries(&entries).map_err(|e| anyhow::anyhow!("{id}: {e}"))?;
        let now = Timestamp::now();
        let next = cadence::next_after_publishing(&incident, &config.status_cadence(), &t.audience, now);
        let v = vars::build(
            &incident,
            &entries,
            &config.definitions(),
            &GoldenSignals::default(),
            next,
            now,
        );
        let inputs: BTreeMap<String, String> = [
            ("conditions".to_string(), conditions(record)),
            (
                "needs".to_string(),
                "a commander: accept it in warroom (:accept) or dismiss it (:dismiss WHY)".to_string(),
            ),
        ]
        .into_iter()
        .filter(|(k, _)| t.inputs.contains(k))
        .collect();
        let text = t.render(&v, &inputs)?;
        Ok((
            journals.open(id)?,
            Message {
                incident: id.clone(),
                draft_id: drafts::new_draft_id(),
                template: t.name.clone(),
                audience: t.audience.clone(),
                external: false,
                text,
            },
        ))
    })();
    let (mut journal, message) = match made {
        Ok(m) => m,
        Err(e) => return vec![format!("no first notice for {id}: {e:#}")],
    };
    let mut said = Vec::new();
    for channel in channels {
        match publish::publish(
            |d| journals.append(id, &mut journal, d),
            &detector(),
            &channel,
            &message,
        )
        .await
        {
            Ok(_) => said.push(format!("{id}: first notice sent to {}", channel.name)),
            Err(e) => said.push(format!("{id}: the first notice to {} failed: {e}", channel.name)),
        }
    }
    said
}
