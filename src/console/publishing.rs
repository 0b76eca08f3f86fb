//! Carrying out the status editor's effects: draft saves and overdue notes go to the journal
//! link in order; a publish runs as a background task whose every attempt is appended through
//! the link, and whose result comes back to `update` as a message.

use tokio::sync::mpsc;

use super::journal_link::{JournalLink, Op};
use crate::app::message::Msg;
use crate::app::status::{StatusEffect, StatusMsg};
use crate::incident::model::{Event, Source};

pub fn carry_out(link: &JournalLink, tx: &mpsc::Sender<Msg>, effect: StatusEffect) {
    match effect {
        StatusEffect::SaveDraft(d) => link.send(Op::Append {
            event: Event::StatusDraftSaved {
                draft_id: d.draft_id,
                template: d.template,
                audience: d.audience,
                channel: d.channel,
                text: d.text,
            },
            source: Source::Human,
        }),
        StatusEffect::NoteOverdue(event) => link.send(Op::Append {
            event,
            source: Source::Automation,
        }),
        StatusEffect::Publish { channel, message } => {
            let ops = link.sender();
            let tx = tx.clone();
            tokio::spawn(async move {
                let result = crate::comms::publish::deliver(&channel, &message, |event| {
                    // The link appends in order; a closed link means the console is ending.
                    ops.send(Op::Append {
                        event,
                        source: Source::Human,
                    })
                    .map_err(|_| crate::incident::journal::JournalError::Io {
                        path: "journal link".into(),
                        doing: "hand the attempt to the journal",
                        source: std::io::Error::other("the console is closing"),
                    })
                })
                .await;
                let _ = tx
                    .send(Msg::Status(StatusMsg::Published {
                        draft_id: message.draft_id.clone(),
                        channel: channel.name.clone(),
                        result: result.map_err(|e| e.to_string()),
                    }))
                    .await;
            });
        }
    }
}
