//! The one executor: carries out every effect `update` returns, in order, and answers on the
//! console's one channel with messages that name the request they answer. Journal writes go to
//! the journal link (one thread, in order); action steps to the runner; publishes, access
//! checks and theme or keymap loads run here or in a task of their own.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::journal_link::{JournalLink, Op};
use crate::actions::{Input, Runner};
use crate::app::effect::Effect;
use crate::app::message::Msg;
use crate::incident::journal::JournalError;
use crate::incident::model::{Event, Origin};
use crate::theme::ColorDepth;

/// How far back evidence captured on declaring keeps the golden signals.
const SIGNALS_SPAN: std::time::Duration = std::time::Duration::from_secs(30 * 60);

pub struct Executor {
    pub journal: JournalLink,
    /// None when actions cannot run here (the cluster client could not be built).
    pub runner: Option<Arc<Runner>>,
    pub tx: mpsc::UnboundedSender<Msg>,
    /// The user's config directory (their own themes and keymaps).
    pub user_dir: PathBuf,
    pub depth: ColorDepth,
    /// The cluster's reading client, for logs.
    pub client: kube::Client,
    /// The open log stream, stopped when another opens or the view closes.
    pub logs: std::sync::Mutex<Option<tokio::task::AbortHandle>>,
    /// Where the detector's history is read (None: no Prometheus here).
    pub history: Option<(crate::observe::prometheus::Prometheus, crate::observe::follow::Plan)>,
    /// Where the cluster's picture is kept for the next console (None: none is kept here).
    pub picture: Option<PathBuf>,
    /// The flight recorder's window for this cluster, where earlier ConfigMaps are read.
    pub window: Option<PathBuf>,
    /// The drill's address, for the facilitator's requests (None: not a drill).
    pub drill: Option<String>,
    /// What evidence keeps out (the recorder's patterns).
    pub redaction: Arc<crate::flight::redaction::Redaction>,
}

impl Executor {
    pub fn carry_out(&self, effects: Vec<Effect>) {
        for effect in effects {
            self.one(effect);
        }
    }

    /// Stops the open log stream, if any, and keeps `next` as the open one.
    fn stop_logs(&self, next: Option<tokio::task::AbortHandle>) {
        let mut open = self.logs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(old) = std::mem::replace(&mut *open, next) {
            old.abort();
        }
    }

    /// Asks the journal link for the debrief, first reading from the drill's Prometheus how the
    /// services kept to their SLOs since `since` (the drill's start), to measure recovery.
    fn debrief(&self, id: crate::incident::model::IncidentId, since: Option<i64>) {
        let since = since.and_then(|s| jiff::Timestamp::from_second(s).ok());
        let (Some((prometheus, plan)), Some(since)) = (self.history.clone(), since) else {
            self.journal.send(Op::Debrief { id, worst: None });
            return;
        };
        let (journal, tx) = (self.journal.clone(), self.tx.clone());
        tokio::spawn(async move {
            let worst = match crate::observe::budget::worst_over_budget(&prometheus, &plan, since).await {
                Ok(w) => Some(w),
                Err(e) => {
                    let _ = tx.send(Msg::Notice {
                        text: format!("how soon the services recovered is not measured: {e}"),
                        error: true,
                    });
                    None
                }
            };
            journal.send(Op::Debrief { id, worst });
        });
    }

    fn answer(&self, msg: Msg) {
        // A closed channel means the console is ending: nobody is left to tell.
        let _ = self.tx.send(msg);
    }

    fn one(&self, effect: Effect) {
        match effect {
            Effect::Declare { title, severity, drill } => self.journal.send(Op::Declare { title, severity, drill }),
            Effect::Change(c) => self.journal.send(Op::Change(c)),
            Effect::Debrief { id, since } => self.debrief(id, since),
            Effect::Facilitate(f) => match &self.drill {
                None => self.answer(Msg::Notice {
                    text: "this console has no drill to facilitate".into(),
                    error: true,
                }),
                Some(url) => {
                    let (url, tx) = (url.clone(), self.tx.clone());
                    tokio::spawn(async move {
                        let client = crate::http::plain_client();
                        let (text, error) = match super::facilitator::ask(&client, &url, f).await {
                            Ok(said) => (said, false),
                            Err(why) => (why, true),
                        };
                        let _ = tx.send(Msg::Notice { text, error });
                    });
                }
            },
            Effect::SaveDraft(d) => self.journal.send(Op::Append {
                event: Event::StatusDraftSaved {
                    draft_id: d.draft_id,
                    template: d.template,
                    audience: d.audience,
                    channel: d.channel,
                    text: d.text,
                },
                source: Origin::Human,
            }),
            Effect::NoteOverdue(event) => self.journal.send(Op::Append {
                event,
                source: Origin::Automation,
            }),
            Effect::Publish { channel, message } => self.publish(*channel, *message),
            Effect::FollowLogs(request) => {
                let tx = self.tx.clone();
                let client = self.client.clone();
                let task = tokio::spawn(async move {
                    let sink = |event| {
                        tx.send(Msg::Logs {
                            request: request.clone(),
                            event,
                        })
                        .is_ok()
                    };
                    crate::cluster::logs::stream(client, &request, sink).await;
                });
                self.stop_logs(Some(task.abort_handle()));
            }
            Effect::StopLogs => self.stop_logs(None),
            Effect::Learn { targets, trailing } => {
                let Some((p, plan)) = self.history.clone() else { return };
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let panels = crate::detect::session::Session::history_panels();
                    let learned = crate::observe::learn::learn(&p, &plan, &targets, &panels, trailing).await;
                    let _ = tx.send(Msg::Learned(learned));
                });
            }
            Effect::File { filing, drill } => self.journal.send(Op::File { filing, drill }),
            Effect::KeepPicture(picture) => {
                let Some(path) = self.picture.clone() else { return };
                tokio::task::spawn_blocking(move || keep(&picture, &path));
            }
            Effect::Inspect { target, view, now } => {
                let tx = self.tx.clone();
                let client = self.client.clone();
                tokio::spawn(async move {
                    let result = crate::cluster::inspect::fetch(client, &target, view, now).await;
                    let _ = tx.send(Msg::Inspected { target, view, result });
                });
            }
            Effect::ReadEvidence {
                target,
                file,
                sha256,
                now,
            } => self.journal.send(Op::ReadEvidence {
                target,
                file,
                sha256,
                now,
            }),
            Effect::MeasureImpact { from, to } => {
                let Some((prometheus, plan)) = self.history.clone() else {
                    return self.answer(Msg::Notice {
                        text: "the impact cannot be measured: no Prometheus here".into(),
                        error: true,
                    });
                };
                let (journal, tx) = (self.journal.clone(), self.tx.clone());
                tokio::spawn(async move {
                    let (Ok(from), Ok(to)) = (jiff::Timestamp::from_second(from), jiff::Timestamp::from_second(to))
                    else {
                        return;
                    };
                    match crate::observe::impact::measure(&prometheus, &plan, from, to).await {
                        Ok(services) => journal.send(Op::Append {
                            event: Event::ImpactMeasured { from, to, services },
                            source: Origin::Prometheus,
                        }),
                        Err(e) => {
                            let _ = tx.send(Msg::Notice {
                                text: format!("the impact was not measured: {e}"),
                                error: true,
                            });
                        }
                    }
                });
            }
            Effect::Capture { target, why, signals } => {
                let (tx, client, journal) = (self.tx.clone(), self.client.clone(), self.journal.clone());
                let redaction = self.redaction.clone();
                let history = self.history.clone().filter(|_| signals);
                tokio::spawn(async move {
                    match crate::cluster::evidence::capture(client, &target).await {
                        Ok(mut c) => {
                            redaction.apply(&mut c.document["object"]);
                            if let Some((prometheus, plan)) = history {
                                c.document["signals"] =
                                    crate::observe::around::signals(&prometheus, &plan, SIGNALS_SPAN).await;
                                c.holds.push("golden signals of the last 30 minutes".into());
                            }
                            journal.send(Op::Evidence {
                                captured: Box::new(c),
                                why,
                            });
                        }
                        Err(e) => {
                            let _ = tx.send(Msg::Notice {
                                text: format!("cannot capture {target} as evidence: {e}"),
                                error: true,
                            });
                        }
                    }
                });
            }
            Effect::CheckKeys { subject, probes } => {
                let Some(runner) = self.runner.clone() else { return };
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let mut denied = Vec::new();
                    for (key, action) in probes {
                        if let Err(why) = runner.may(&action).await {
                            denied.push((key, why));
                        }
                    }
                    let _ = tx.send(Msg::KeysDenied { subject, denied });
                });
            }
            Effect::Action { id, action, step } => match &self.runner {
                Some(r) => {
                    let answer = {
                        let id = id.clone();
                        crate::sink::into_channel(self.tx.clone(), move |input| Msg::Action { id: id.clone(), input })
                    };
                    r.perform(&id, &action, step, answer);
                }
                None => self.answer(Msg::Action {
                    id,
                    input: Input::Failed("actions are not available in this console".into()),
                }),
            },
            Effect::ConfigVersions { namespace, config_map } => {
                let tx = self.tx.clone();
                let window = self.window.clone();
                tokio::task::spawn_blocking(move || {
                    let versions = match &window {
                        Some(dir) => crate::flight::versions::config_versions(dir, &namespace, &config_map)
                            .map_err(|e| e.to_string()),
                        None => Err("this console keeps no flight recorder ([recorder] console = false)".into()),
                    };
                    let _ = tx.send(Msg::ConfigVersions {
                        namespace,
                        config_map,
                        versions,
                    });
                });
            }
            Effect::LoadTheme(name) => self.answer(loaded(
                crate::theme::load(&name, Some(&self.user_dir.join("themes")), self.depth),
                |t| Msg::Theme(Box::new(t)),
            )),
            Effect::LoadKeymap(name) => self.answer(loaded(
                crate::app::keymap::load(&name, Some(&self.user_dir.join("keymaps"))),
                |k| Msg::Keymap(Box::new(k)),
            )),
        }
    }

    /// Delivers a status update in the background; every attempt is appended through the
    /// journal link, in order, and the end is answered as `Msg::Published` naming the draft.
    fn publish(&self, channel: crate::comms::channel::Channel, message: crate::comms::publish::Message) {
        let journal = self.journal.clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let result = crate::comms::publish::deliver(&channel, &message, |event| {
                // A closed link means the console is ending.
                let appended = journal.try_send(Op::Append {
                    event,
                    source: Origin::Human,
                });
                appended.then_some(()).ok_or_else(|| JournalError::Io {
                    path: "journal link".into(),
                    doing: "hand the attempt to the journal",
                    source: std::io::Error::other("the console is closing"),
                })
            })
            .await;
            let _ = tx.send(Msg::Published {
                draft_id: message.draft_id.clone(),
                channel: channel.name.clone(),
                result: result.map_err(|e| e.to_string()),
            });
        });
    }
}

/// A file loaded for the console, or why not: its first problem (file and line) and how many
/// more `warroom check` would list.
fn loaded<T>(result: Result<T, warroom_files::FileErrors>, ok: impl FnOnce(T) -> Msg) -> Msg {
    match result {
        Ok(t) => ok(t),
        Err(e) => {
            let first = e.0.first().map(ToString::to_string).unwrap_or_default();
            let text = match e.0.len() {
                0 | 1 => first,
                n => format!("{first} (and {} more: warroom check {})", n - 1, e.0[0].file),
            };
            Msg::Notice { text, error: true }
        }
    }
}

/// Keeps `picture` at `path`; a failure is logged (the next console starts blank, no worse).
pub fn keep(picture: &crate::cluster::picture::Picture, path: &std::path::Path) {
    if let Err(e) = picture.save(path) {
        tracing::warn!(error = %e, "the cluster's picture is not kept");
    }
}
