//! Containment in the console: the selection an action targets, starting an action's flow
//! (only with an incident open, so it is journaled), the keys of the action overlay, the
//! runner's answers (a finished action's playbook step follows it). Pure: what must happen
//! outside leaves as effects. Following a playbook is in `playbook.rs`.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::effect::Effect;
use super::state::{AppState, InputKind, KeysChecked, Subject};
use crate::actions::flow::Input;
use crate::actions::{Action, Stage, Workload, WorkloadKind};
use crate::cluster::rows::OwnerKind;
use crate::playbook::Selection;

/// The open drill-down's subject, else the list row under the cursor, else the
/// needs-attention row under the cursor.
fn subject(state: &AppState) -> Option<Subject> {
    if let Some(d) = &state.detail {
        return Some(d.subject.clone());
    }
    if let Some(list) = &state.list {
        return Subject::of_target(&super::lists::selected(list, &state.model)?);
    }
    state.selected_subject()
}

/// What the health pane's cursor (or open drill-down) points at, as playbooks and actions
/// take it.
pub fn selection(state: &AppState) -> Selection {
    let subject = subject(state);
    let mut s = Selection::default();
    match subject {
        Some(Subject::Node(n)) => s.node = Some(n.to_string()),
        Some(Subject::Pod((ns, pod))) => {
            // A pod's rollout and scale keys act on its owner.
            if let Some(o) = state
                .model
                .pods
                .get(&(ns.clone(), pod.clone()))
                .and_then(|p| p.owner.as_ref())
            {
                owned_by(&mut s, o.kind, &o.name);
            }
            s.namespace = Some(ns.to_string());
            s.pod = Some(pod.to_string());
        }
        Some(Subject::Workload((ns, kind, name))) => {
            s.namespace = Some(ns.to_string());
            owned_by(&mut s, kind, &name);
            // The worst pod of the workload, for recycle.
            s.pod = state
                .model
                .worst_pod(&(ns.clone(), kind, name.clone()))
                .map(|pod| pod.to_string());
        }
        None => {}
    }
    // The pod under a drill-down's cursor is the one recycled.
    if let Some(pod) = state
        .detail
        .as_ref()
        .and_then(|d| d.pods.get(d.cursor))
        .and_then(|r| r.pod.clone())
    {
        s.namespace = Some(pod.0.to_string());
        s.pod = Some(pod.1.to_string());
    }
    s
}

/// The workload the selection belongs to, as rollout and scale actions take it (and as a
/// Deployment, for the playbooks that name one).
fn owned_by(s: &mut Selection, kind: OwnerKind, name: &str) {
    if kind == OwnerKind::Deployment {
        s.deployment = Some(name.to_string());
    }
    s.workload = action_workload(kind, name);
}

/// The workload a health row names, as rollout and scale actions take it.
fn action_workload(kind: OwnerKind, name: &str) -> Option<Workload> {
    let kind = match kind {
        OwnerKind::Deployment => WorkloadKind::Deployment,
        OwnerKind::StatefulSet => WorkloadKind::StatefulSet,
        OwnerKind::DaemonSet => WorkloadKind::DaemonSet,
        OwnerKind::Other => return None,
    };
    Some(Workload::new(kind, name))
}

/// The object `action` changes, as evidence is captured of it (none for silences, ConfigMap
/// edits and network isolation, which act on no one object that can be read here).
fn acted_on(action: &Action) -> Option<crate::cluster::inspect::Target> {
    use crate::actions::catalogue::ActedOn;
    use crate::cluster::inspect::{Kind, Target};
    use crate::text::CleanText;
    let (kind, namespace, name) = match action.acted_on()? {
        ActedOn::Node(name) => (Kind::Node, "", name),
        ActedOn::Pod { namespace, name } => (Kind::Pod, namespace, name),
        ActedOn::Workload { namespace, workload } => (
            match workload.kind {
                WorkloadKind::Deployment => Kind::Deployment,
                WorkloadKind::StatefulSet => Kind::StatefulSet,
                WorkloadKind::DaemonSet => Kind::DaemonSet,
            },
            namespace,
            workload.name.as_str(),
        ),
    };
    Some(Target {
        kind,
        namespace: CleanText::line(namespace),
        name: CleanText::line(name),
    })
}

/// Starts the flow of `action` (nothing when the same action is already in flight, or when
/// it cannot apply to its kind of target: pause on a DaemonSet).
pub fn trigger(state: &mut AppState, fx: &mut Vec<Effect>, action: Action) {
    if let Some(why) = action.refusal().or_else(|| super::picture::held(state)) {
        state.tell(why, true);
        return;
    }
    if state.incident.is_none() {
        state.tell(
            "declare an incident first (:declare sev2 TITLE), so that the action is journaled".into(),
            true,
        );
        return;
    }
    match state.flows.trigger(action.clone()) {
        Some((id, step)) => {
            state.action_shown = Some(id.clone());
            // The object as it was before anything was changed.
            if let Some(target) = acted_on(&action) {
                fx.push(Effect::Capture {
                    target,
                    why: format!("before {}", action.title()),
                    signals: false,
                });
            }
            fx.push(Effect::Action { id, action, step });
        }
        None => state.tell(format!("{action} is already in flight"), false),
    }
}

/// The action a health-pane key means for the selection, or why there is none.
pub fn for_key(state: &AppState, key: super::keymap::KeyAction) -> Result<Action, String> {
    for_key_on(&selection(state), key)
}

/// The action a health-pane key means for selection `s`.
fn for_key_on(s: &Selection, key: super::keymap::KeyAction) -> Result<Action, String> {
    use super::keymap::KeyAction as K;
    let node = || s.node.clone().ok_or("select a node first");
    let workload = || match (&s.namespace, &s.workload) {
        (Some(namespace), Some(workload)) => Ok((namespace.clone(), workload.clone())),
        _ => Err("select a deployment, statefulset or daemonset first"),
    };
    Ok(match key {
        K::Cordon => Action::Cordon { node: node()? },
        K::Uncordon => Action::Uncordon { node: node()? },
        K::Drain => Action::Drain { node: node()? },
        // Pause on a StatefulSet or DaemonSet is built too: its refusal greys the key with why.
        K::Restart => {
            let (namespace, workload) = workload()?;
            Action::RolloutRestart { namespace, workload }
        }
        K::Undo => {
            let (namespace, workload) = workload()?;
            Action::RolloutUndo {
                namespace,
                workload,
                revision: None,
            }
        }
        K::Pause => {
            let (namespace, workload) = workload()?;
            Action::RolloutPause { namespace, workload }
        }
        K::Resume => {
            let (namespace, workload) = workload()?;
            Action::RolloutResume { namespace, workload }
        }
        K::Recycle => Action::DeletePod {
            namespace: s.namespace.clone().ok_or("select a workload first")?,
            pod: s.pod.clone().ok_or("the workload has no pod to recycle")?,
        },
        K::TakeOutOfService => Action::TakeOutOfService {
            namespace: s.namespace.clone().ok_or("select a workload or pod first")?,
            pod: s.pod.clone().ok_or("the workload has no pod to take out")?,
        },
        K::ReturnToService => Action::ReturnToService {
            namespace: s.namespace.clone().ok_or("select a pod first")?,
            pod: s.pod.clone().ok_or("select the pod to put back")?,
        },
        _ => return Err("not an action key".into()),
    })
}

/// The action keys of the health pane.
pub const KEYS: [super::keymap::KeyAction; 11] = [
    super::keymap::KeyAction::Cordon,
    super::keymap::KeyAction::Uncordon,
    super::keymap::KeyAction::Drain,
    super::keymap::KeyAction::Restart,
    super::keymap::KeyAction::Undo,
    super::keymap::KeyAction::Pause,
    super::keymap::KeyAction::Resume,
    super::keymap::KeyAction::Recycle,
    super::keymap::KeyAction::Silence,
    super::keymap::KeyAction::TakeOutOfService,
    super::keymap::KeyAction::ReturnToService,
];

/// When the selection changed since the keys were last checked, asks which action keys the
/// user may use on it (a SelfSubjectAccessReview per action, answered as `KeysDenied`).
pub fn probe_keys(state: &mut AppState, fx: &mut Vec<Effect>) {
    let subject = subject(state);
    if state.keys_checked.as_ref().is_some_and(|c| c.subject == subject) {
        return;
    }
    let mut probes = Vec::new();
    // One selection for every key: finding the worst pod walks every pod.
    let selected = selection(state);
    for k in KEYS {
        let action = if k == super::keymap::KeyAction::Silence {
            state.observe.loud_alerts().next().map(|a| Action::Silence {
                matchers: [("alertname".to_string(), a.name.to_string())].into(),
                minutes: 60,
            })
        } else {
            for_key_on(&selected, k).ok()
        };
        if let Some(a) = action {
            probes.push((k, a));
        }
    }
    state.keys_checked = Some(KeysChecked {
        subject: subject.clone(),
        apply: probes.iter().map(|(k, _)| *k).collect(),
    });
    if !probes.is_empty() {
        fx.push(Effect::CheckKeys { subject, probes });
    }
}

/// Keys while an action's overlay is open. Returns false when the key is not the overlay's.
pub fn overlay_key(state: &mut AppState, fx: &mut Vec<Effect>, k: &KeyEvent) -> bool {
    let Some(id) = state.action_shown.clone() else {
        return false;
    };
    let Some(flow) = state.flows.get(&id) else {
        state.action_shown = None;
        return false;
    };
    let input = match (&flow.stage, k.code) {
        // A rollback's preview lists the history: the arrows pick another revision.
        (Stage::Confirming { preview, .. }, KeyCode::Up | KeyCode::Down) => preview
            .history
            .as_ref()
            .and_then(|h| h.neighbour(k.code == KeyCode::Up))
            .map(Input::Pick),
        (Stage::Confirming { .. }, KeyCode::Char(c)) => Some(Input::Typed(c)),
        (Stage::Confirming { .. }, KeyCode::Backspace) => Some(Input::Backspace),
        (Stage::Confirming { .. }, KeyCode::Enter) => Some(Input::Submit),
        (Stage::Confirming { .. } | Stage::Running { .. }, KeyCode::Esc) => Some(Input::Escape),
        (Stage::Succeeded { outcome, .. }, KeyCode::Char('u')) => {
            if let Some(undo) = outcome.undo.clone() {
                trigger(state, fx, undo);
            }
            return true;
        }
        (s, KeyCode::Esc | KeyCode::Enter) if s.finished() => {
            state.action_shown = None;
            state.flows.clear_finished();
            return true;
        }
        // Any other key closes a finished overlay and then does what it does anywhere.
        (s, _) if s.finished() => {
            state.action_shown = None;
            state.flows.clear_finished();
            return false;
        }
        // While checking or dry-running, keys wait; Esc hides the overlay (the flow goes on).
        (_, KeyCode::Esc) => {
            state.action_shown = None;
            return true;
        }
        _ => None,
    };
    if let Some(input) = input {
        answer(state, fx, &id, input);
    }
    // A declined confirmation closes at once, so the next key is not spent closing it.
    if state.flows.get(&id).is_some_and(|f| f.stage == Stage::Declined) {
        let what = state.flows.get(&id).map(|f| f.action.to_string()).unwrap_or_default();
        state.action_shown = None;
        state.flows.clear_finished();
        state.tell(format!("{what}: declined, nothing was changed"), false);
    }
    true
}

/// Applies an input (the runner's answer or a key) to a flow, and asks for its next step. The
/// checklist step the flow runs follows it (`playbook::follow_flow`).
pub fn answer(state: &mut AppState, fx: &mut Vec<Effect>, id: &str, input: Input) {
    if let Some(step) = state.flows.update(id, input)
        && let Some(flow) = state.flows.get(id)
    {
        let action = flow.action.clone();
        fx.push(Effect::Action {
            id: id.to_string(),
            action,
            step,
        });
    }
}

/// The keys of actions that ask for more than the selection: the palette, prefilled with the
/// selected workload and what it has now (scale: its count; image: its image), for the rest to
/// be typed. Scale on a DaemonSet is refused with why.
pub fn prompt(state: &mut AppState, key: super::keymap::KeyAction) {
    use super::keymap::KeyAction as K;
    let s = selection(state);
    let (Some(ns), Some(w)) = (s.namespace, s.workload) else {
        state.tell("select a deployment, statefulset or daemonset first".into(), true);
        return;
    };
    let probe = Action::Scale {
        namespace: ns.clone(),
        workload: w.clone(),
        replicas: 0,
    };
    if key == K::Scale
        && let Some(why) = probe.refusal()
    {
        state.tell(why, true);
        return;
    }
    let (row, word) = match w.kind {
        WorkloadKind::Deployment => (OwnerKind::Deployment, ""),
        WorkloadKind::StatefulSet => (OwnerKind::StatefulSet, "sts/"),
        WorkloadKind::DaemonSet => (OwnerKind::DaemonSet, "ds/"),
    };
    let shown = state
        .model
        .workloads
        .iter()
        .find(|((wns, k, name), _)| wns.as_str() == ns && *k == row && name.as_str() == w.name)
        .map(|(_, r)| r);
    let target = format!("{ns}/{word}{}", w.name);
    let line = match key {
        K::Scale => format!("scale {target} {}", shown.map_or(0, |r| r.desired)),
        K::SetImage => format!(
            "image {target} {}",
            shown.and_then(|r| r.image.as_ref()).map_or("", |i| i.as_str())
        ),
        K::Autoscale => format!("autoscale {target} "),
        // Which map the workload reads is in its pod template, which the model does not keep.
        _ => format!("config {ns}/"),
    };
    state.open_input(InputKind::Palette, &line);
}

/// The versions of a ConfigMap the flight recorder kept arrived (`config NS/MAP` with no keys):
/// the one before the last change becomes an edit setting it back, through the usual preview
/// and confirmation; or why there is none.
pub fn config_back(
    state: &mut AppState,
    fx: &mut Vec<Effect>,
    namespace: &str,
    config_map: &str,
    versions: Result<Vec<crate::flight::versions::ConfigVersion>, String>,
) {
    let when = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .map_or_else(|_| ms.to_string(), |t| t.strftime("%H:%M:%S UTC").to_string())
    };
    let map = format!("configmap/{config_map} -n {namespace}");
    let versions = match versions {
        Ok(v) => v,
        Err(e) => return state.tell(format!("cannot read the recorded versions of {map}: {e}"), true),
    };
    let [.., earlier, latest] = versions.as_slice() else {
        let since = versions
            .first()
            .map_or(String::new(), |v| format!(" (it is unchanged since {})", when(v.at)));
        return state.tell(
            format!("the flight recorder holds no earlier version of {map}{since}"),
            true,
        );
    };
    let (set, unrecorded) = crate::flight::versions::back_to(&earlier.data, &latest.data);
    let mut text = format!(
        "{map}: back to the version recorded before its change at {}",
        when(latest.at)
    );
    if !unrecorded.is_empty() {
        text.push_str(&format!(
            "; {} left as they are (redacted: their values were never recorded)",
            unrecorded.join(", ")
        ));
    }
    if set.is_empty() {
        return state.tell(text, true);
    }
    state.tell(text, false);
    trigger(
        state,
        fx,
        Action::EditConfig {
            namespace: namespace.to_string(),
            config_map: config_map.to_string(),
            set,
        },
    );
}
