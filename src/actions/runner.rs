//! Performs the effects a flow asks for, against the cluster: the permission check, the dry
//! run, the run with progress (cancellable), each step journaled with the actor, the user the
//! cluster knows them as, parameters, the API's answer and the duration. Results come back as
//! flow inputs over a channel; the runner holds no flow state, only the cancel handles of runs
//! in progress.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::catalogue::{Action, Confirm};
use super::drain::{self, Pacing};
use super::flow::{Flow, Input, Stage, Step};
use super::kube::{self, ActionError, Permission};
use super::preview::{Done, Outcome, Preview, Progress};
use super::record::Recorder;
use super::silence;
use super::stamp::Stamp;
use crate::cluster::connect::{Cluster, ConnectError};
use crate::cluster::identity::WhoAmI;
use crate::incident::model::{self, Actor, ClusterIdentity, Draft, Event, Origin};
use crate::sink::Sink;

pub struct Runner {
    client: ::kube::Client,
    read_only: bool,
    recorder: Arc<dyn Recorder>,
    actor: Actor,
    /// Who the cluster says the actor is (asked once, on the first action).
    whoami: WhoAmI,
    pub pacing: Pacing,
    running: Mutex<HashMap<String, CancellationToken>>,
    /// Where silences go (None: no Alertmanager is followed, and silencing is refused).
    alertmanager: Option<crate::observe::alertmanager::Alertmanager>,
    /// When "now" is for a silence's start: the wall clock (`None`), or a drill's own clock,
    /// whose times go to the drill's Alertmanager marked as on its clock.
    drill_clock: Option<Clock>,
}

/// Why nothing is sent in read-only mode.
pub const READ_ONLY: &str = "warroom is read-only: no change can be sent";

/// Where the runner reads the time.
pub type Clock = Arc<dyn Fn() -> jiff::Timestamp + Send + Sync>;

impl Runner {
    /// A runner on `cluster` (its own client, without automatic retries of 429), journaling
    /// to `recorder` as `actor`.
    pub fn new(cluster: &Cluster, recorder: Arc<dyn Recorder>, actor: Actor) -> Result<Runner, ConnectError> {
        Ok(Runner {
            client: cluster.action_client()?,
            read_only: cluster.read_only,
            recorder,
            actor,
            whoami: cluster.whoami.clone(),
            pacing: Pacing::default(),
            running: Mutex::new(HashMap::new()),
            alertmanager: None,
            drill_clock: None,
        })
    }

    /// Silences start by this drill's clock instead of the wall clock.
    pub fn with_clock(mut self, clock: Clock) -> Runner {
        self.drill_clock = Some(clock);
        self
    }

    /// Silences and their expiry go to this Alertmanager (read-only too when the runner is).
    pub fn with_alertmanager(mut self, am: Option<crate::observe::alertmanager::Alertmanager>) -> Runner {
        self.alertmanager = am.map(|a| if self.read_only { a.read_only() } else { a });
        self
    }

    /// Who `action` runs as, as the cluster knows them; None for actions on Alertmanager,
    /// which knows no cluster user.
    pub async fn identity(&self, action: &Action) -> Option<ClusterIdentity> {
        if action.is_alerting() {
            return None;
        }
        Some(self.whoami.identity(&self.client).await)
    }

    /// What the changed objects will say about this action.
    fn stamp(&self, action: &Action) -> Stamp {
        let incident = self.recorder.incident().unwrap_or_else(|| "(none)".into());
        Stamp::new(&incident, &self.actor.name, action.verb())
    }

    fn alertmanager(&self) -> Result<&crate::observe::alertmanager::Alertmanager, ActionError> {
        self.alertmanager
            .as_ref()
            .ok_or_else(|| ActionError::ours("no Alertmanager is configured for this cluster"))
    }

    fn journal(
        &self,
        id: &str,
        action: &Action,
        identity: &Option<ClusterIdentity>,
        make: fn(model::ActionRecord) -> Event,
        response: Value,
        error: Option<String>,
    ) {
        let event = make(model::ActionRecord {
            action_id: id.to_string(),
            action: action.verb().to_string(),
            target: action.target(),
            parameters: action.parameters(),
            response,
            error,
            identity: identity.clone(),
        });
        // The actor carries the cluster's name for us too (the postmortem's "Kubernetes
        // identity" column); the event keeps the groups.
        let mut actor = self.actor.clone();
        if let Some(who) = identity
            .as_ref()
            .filter(|w| w.username != ClusterIdentity::unknown().username)
        {
            actor.k8s = Some(who.username.clone());
        }
        self.recorder.record(Draft::new(actor, Origin::Human, event));
    }

    fn failed(
        &self,
        id: &str,
        action: &Action,
        identity: &Option<ClusterIdentity>,
        stage: &str,
        e: &ActionError,
        started: Instant,
    ) -> Input {
        self.journal(
            id,
            action,
            identity,
            Event::ActionFailed,
            json!({"stage": stage, "api": e.api, "duration_ms": started.elapsed().as_millis() as u64}),
            Some(e.message.clone()),
        );
        Input::Failed(e.message.clone())
    }

    /// Whether the user may run `action`, without journaling anything: for greying out keys
    /// (with the reason) in the footer and the help before any is pressed.
    pub async fn may(&self, action: &Action) -> Result<(), String> {
        match self.decide(action).await {
            Ok(Permission::Granted) => Ok(()),
            Ok(Permission::Refused(why)) => Err(why),
            Err(e) if action.is_alerting() => Err(e.message),
            Err(e) => Err(format!("cannot check permission: {}", e.message)),
        }
    }

    /// The one decision behind `may` and `check`: refused when the action may not run (its
    /// target's kind cannot take it, read-only mode, or RBAC); Err when it cannot be decided.
    async fn decide(&self, action: &Action) -> Result<Permission, ActionError> {
        if let Some(why) = action.refusal() {
            // Not a permission question: the action cannot apply to this kind of target.
            Ok(Permission::Refused(why))
        } else if self.read_only {
            Ok(Permission::Refused(READ_ONLY.to_string()))
        } else if action.is_alerting() {
            // Alertmanager has no access review; it must at least be there.
            self.alertmanager().map(|_| Permission::Granted)
        } else {
            kube::permit(&self.client, action).await
        }
    }

    /// Journals the request, then asks the API whether the user may do it. A denial (or
    /// read-only mode, or an action its target's kind cannot take) is journaled as a failure
    /// and sends nothing that changes anything.
    pub async fn check(&self, id: &str, action: &Action) -> Input {
        let started = Instant::now();
        // A refused action sends nothing at all, not even the identity question.
        let identity = match action.refusal() {
            Some(_) => None,
            None => self.identity(action).await,
        };
        self.journal(id, action, &identity, Event::ActionRequested, Value::Null, None);
        match self.decide(action).await {
            Ok(Permission::Granted) => Input::Allowed,
            Ok(Permission::Refused(reason)) => {
                self.journal(
                    id,
                    action,
                    &identity,
                    Event::ActionRefused,
                    json!({"stage": "permission", "duration_ms": started.elapsed().as_millis() as u64}),
                    Some(reason.clone()),
                );
                Input::Denied(reason)
            }
            Err(e) => self.failed(id, action, &identity, "permission", &e, started),
        }
    }

    /// The server-side dry run, journaled with the preview it gave.
    pub async fn dry_run(&self, id: &str, action: &Action) -> Input {
        let started = Instant::now();
        let identity = self.identity(action).await;
        let previewed = if action.is_alerting() {
            match self.alertmanager() {
                Ok(am) => silence::preview(am, action).await,
                Err(e) => Err(e),
            }
        } else {
            kube::dry_run(&self.client, action, &self.stamp(action)).await
        };
        match previewed {
            Ok(preview) => {
                self.journal(
                    id,
                    action,
                    &identity,
                    Event::ActionDryRun,
                    json!({"preview": preview, "duration_ms": started.elapsed().as_millis() as u64}),
                    None,
                );
                Input::Previewed(preview)
            }
            Err(e) => self.failed(id, action, &identity, "dry run", &e, started),
        }
    }

    /// The real run, journaled with its result and undo.
    pub async fn run(&self, id: &str, action: &Action, progress: &Sink<Progress>, cancel: &CancellationToken) -> Input {
        let started = Instant::now();
        let identity = self.identity(action).await;
        let result = match action {
            Action::Drain { node } => {
                drain::run(&self.client, node, &self.stamp(action), self.pacing, progress, cancel)
                    .await
                    .and_then(|d| {
                        if !d.failed.is_empty() {
                            let list: Vec<String> = d.failed.iter().map(|(p, e)| format!("{p}: {e}")).collect();
                            return Err(ActionError {
                                message: format!(
                                    "node/{node} cordoned; {} pods not evicted: {}",
                                    d.failed.len(),
                                    list.join("; ")
                                ),
                                api: json!({"evicted": d.evicted}),
                                code: 0,
                            });
                        }
                        let cancelled = d.cancelled;
                        let mut done = Done::new(
                            d.summary(node),
                            json!({"evicted": d.evicted, "terminating": d.terminating, "cancelled": d.cancelled}),
                            Some(Action::Uncordon { node: node.clone() }),
                        );
                        done.cancelled = cancelled;
                        Ok(done)
                    })
            }
            a if a.is_alerting() => match self.alertmanager() {
                Ok(am) => {
                    let now = self.drill_clock.as_ref().map(|c| c());
                    silence::run(am, a, &self.stamp(action), now).await
                }
                Err(e) => Err(e),
            },
            _ => kube::run(&self.client, action, &self.stamp(action)).await,
        };
        match result {
            Ok(Done {
                summary,
                api,
                undo,
                cancelled,
            }) => {
                // Only an action that stopped early (a drain) was cancelled; one that finished
                // while Esc was pressed did all it set out to do.
                let outcome = Outcome {
                    summary,
                    undo,
                    cancelled,
                    api,
                    duration_ms: started.elapsed().as_millis() as u64,
                };
                // Stopped by the person: what was done before is in the record.
                let ended = if outcome.cancelled {
                    Event::ActionCancelled
                } else {
                    Event::ActionSucceeded
                };
                self.journal(
                    id,
                    action,
                    &identity,
                    ended,
                    json!({"summary": outcome.summary, "api": outcome.api, "undo": outcome.undo,
                           "cancelled": outcome.cancelled, "duration_ms": outcome.duration_ms}),
                    None,
                );
                Input::Finished(outcome)
            }
            Err(e) => self.failed(id, action, &identity, "run", &e, started),
        }
    }

    /// Journals that the person said no at the confirmation (nothing was sent).
    pub async fn declined(&self, id: &str, action: &Action) {
        let identity = self.identity(action).await;
        self.journal(id, action, &identity, Event::ActionDeclined, Value::Null, None);
    }

    /// Records that the dry run showed nothing to change.
    pub async fn unchanged(&self, id: &str, action: &Action) {
        let identity = self.identity(action).await;
        self.journal(id, action, &identity, Event::ActionUnchanged, Value::Null, None);
    }

    /// Performs `effect` for flow `id` in the background; every answer (progress included)
    /// goes to `answer`, in order.
    pub fn perform(self: &Arc<Self>, id: &str, action: &Action, effect: Step, answer: Sink<Input>) {
        if effect == Step::Cancel {
            if let Some(token) = self.lock_running().get(id) {
                token.cancel();
            }
            return;
        }
        let runner = Arc::clone(self);
        let (id, action) = (id.to_string(), action.clone());
        tokio::spawn(async move {
            let input = match effect {
                Step::Decline => {
                    runner.declined(&id, &action).await;
                    return;
                }
                Step::Unchanged => {
                    runner.unchanged(&id, &action).await;
                    return;
                }
                Step::CheckPermission => runner.check(&id, &action).await,
                Step::DryRun => runner.dry_run(&id, &action).await,
                Step::Run => {
                    let token = CancellationToken::new();
                    runner.lock_running().insert(id.clone(), token.clone());
                    let progress: Sink<Progress> = {
                        let answer = answer.clone();
                        Arc::new(move |p| answer(Input::Progress(p)))
                    };
                    let input = runner.run(&id, &action, &progress, &token).await;
                    runner.lock_running().remove(&id);
                    input
                }
                Step::Cancel => return,
            };
            answer(input);
        });
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        match self.running.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Runs a flow to its end in this task, answering the confirmation with `decide` (given
    /// the preview and what confirmation is asked, it returns the keys the user presses). Progress is applied as it comes.
    /// The same steps the console takes; used by scripts and tests.
    pub async fn drive(
        self: &Arc<Self>,
        id: &str,
        action: Action,
        mut decide: impl FnMut(&Preview, &Confirm) -> Vec<Input>,
    ) -> Flow {
        let (mut flow, first) = Flow::start(id, action);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let answer = crate::sink::into_channel(tx, |input| input);
        let mut pending = Some(first);
        loop {
            match pending.take() {
                // Recorded before the flow is handed back.
                Some(Step::Unchanged) => self.unchanged(id, &flow.action).await,
                Some(effect) => self.perform(id, &flow.action, effect, answer.clone()),
                None => {}
            }
            if let Stage::Confirming { preview, confirm, .. } = &flow.stage {
                let keys = decide(preview, confirm);
                for key in keys {
                    // A pick goes back to the dry run with the flow's action retargeted.
                    match flow.update(key) {
                        // Recorded before the flow is handed back.
                        Some(Step::Decline) => self.declined(id, &flow.action).await,
                        Some(e) => self.perform(id, &flow.action, e, answer.clone()),
                        None => {}
                    }
                }
                if !matches!(flow.stage, Stage::Confirming { .. }) {
                    continue;
                }
                // Nothing the user typed confirmed or declined: decline.
                flow.update(super::flow::Input::Escape);
                if flow.stage == Stage::Declined {
                    self.declined(id, &flow.action).await;
                }
            }
            if flow.stage.finished() {
                return flow;
            }
            let Some(input) = rx.recv().await else {
                return flow;
            };
            pending = flow.update(input);
        }
    }
}
