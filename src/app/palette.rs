//! The `:` command palette: what a typed line means. Pure parsing; errors are sentences a
//! responder can act on.

use crate::incident::model::{Role, Severity, Status};

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Declare {
        severity: Severity,
        title: String,
    },
    Sev(Severity),
    Status(Status),
    Role {
        role: Role,
        person: Option<String>,
    },
    Note(String),
    /// A facilitator's note, which players do not see.
    Aside(String),
    Decision(String),
    /// A follow-up for after the incident (an action item with its owner, due date and
    /// priority), or a change to one (`#N done`).
    FollowUp(crate::incident::follow_ups::Asked),
    /// Put forward an explanation to test.
    Hypothesis(String),
    /// Move hypothesis `#seq` to `state`, with why.
    MoveHypothesis {
        seq: u64,
        state: crate::incident::model::HypothesisState,
        reason: Option<String>,
    },
    Pin,
    /// Capture the selected object as evidence beside the journal.
    Capture,
    /// The incident is mitigated: at the action the console proposed, else now.
    Mitigated,
    /// Measure the open incident's impact in Prometheus (as resolving it does).
    Measure,
    /// Take command of the incident the detector opened.
    Accept,
    /// The detection that opened this incident was a false positive (with why).
    Dismiss(String),
    Theme(String),
    Keymap(String),
    /// A containment action, typed out (`drain node-7`, `scale shop/checkout 2`).
    Act(crate::actions::Action),
    /// Set a ConfigMap back to the version the flight recorder kept before its last change.
    ConfigBack {
        namespace: String,
        config_map: String,
    },
    /// Follow the playbook with this id.
    Playbook(String),
    /// The selected playbook step is skipped or failed, with why.
    Skip(String),
    Fail(String),
    /// The open log from this many seconds ago (`None`: its last lines).
    LogsSince(Option<u64>),
    /// Score the drill incident against its scenario's objectives and write the debrief.
    Debrief,
    /// The facilitator's word to the drill: its clock, its faults.
    Facilitate(super::facilitation::Facilitation),
    /// Open a full list in the health pane, filtered by the rest of the line.
    List {
        kind: super::lists::ListKind,
        filter: Option<String>,
    },
    Quit,
}

/// The commands, as help shows them.
pub const USAGE: &[(&str, &str)] = &[
    ("declare [sevN] TITLE", "open an incident (default SEV2)"),
    ("sev N", "change the severity"),
    ("status STATUS", "investigating, identified, monitoring, resolved"),
    (
        "role ROLE [NAME]",
        "take a role (commander, comms, ops, scribe, observer)",
    ),
    ("note TEXT", "add a note to the timeline"),
    ("decision TEXT", "record a decision"),
    ("hypothesis TEXT", "put forward an explanation to test"),
    (
        "followup TITLE [owner=NAME] [due=YYYY-MM-DD] [priority=high|medium|low] [ticket=ID]",
        "an action item for after the incident (the postmortem lists it)",
    ),
    (
        "followup #N done|dropped|open [owner=..] [due=..] [priority=..] [ticket=..]",
        "settle or change follow-up #N",
    ),
    (
        "hypothesis #N testing|confirmed|refuted|open [WHY]",
        "move hypothesis #N (testing takes it over)",
    ),
    ("pin", "pin the selected timeline entry"),
    (
        "measure",
        "measure the impact in Prometheus: peak errors, time over the SLO, failed requests (resolving does too)",
    ),
    (
        "mitigated",
        "mark the incident mitigated: at the action proposed when the SLO recovered, else now (status monitoring)",
    ),
    (
        "capture",
        "keep the selected object as evidence: as served, its events, a pod's logs (hashed in the journal)",
    ),
    ("accept", "take command of the incident the detector opened"),
    ("dismiss [WHY]", "the detection was a false positive: resolve it"),
    ("cordon | uncordon | drain NODE", "node actions"),
    (
        "restart | undo [REV] | pause | resume NS/[KIND/]NAME",
        "rollout actions (KIND: deploy, sts, ds)",
    ),
    ("scale NS/[KIND/]NAME N", "scale a deployment or statefulset"),
    (
        "image NS/[KIND/]NAME [CONTAINER=]IMAGE",
        "set a container's image (the only one if unnamed)",
    ),
    (
        "config NS/CONFIGMAP KEY=VALUE|KEY- ..",
        "set (or remove) keys, then restart what reads it",
    ),
    (
        "config NS/CONFIGMAP",
        "set it back as the flight recorder saw it before its last change",
    ),
    (
        "autoscale NS/[KIND/]NAME [MIN] MAX",
        "set the bounds of its HorizontalPodAutoscaler (MIN = MAX pins it)",
    ),
    ("recycle NS/POD", "delete a pod so it is replaced"),
    (
        "out NS/POD | in NS/POD",
        "take a pod out of its Services (it runs on, replaced) or put it back",
    ),
    (
        "isolate NS KEY=VALUE[,..] [[NS/]PEER=..]",
        "NetworkPolicy denying those pods all traffic but to and from the peers named",
    ),
    ("unisolate NS POLICY", "remove an isolation"),
    ("silence ALERT [K=V..] [2h]", "silence matching alerts in Alertmanager"),
    ("unsilence ID", "expire a silence"),
    (
        "nodes | workloads | pods | events [TEXT]",
        "every one, in a list (filtered by TEXT)",
    ),
    (
        "since DURATION | all",
        "the open log from that long ago (10m, 2h), or its last 500 lines",
    ),
    ("playbook ID", "follow a playbook (bad-deploy, node-failure, ...)"),
    ("skip | fail REASON", "the selected playbook step"),
    (
        "debrief",
        "score this drill against its objectives (written beside the journal)",
    ),
    (
        "drill pause | resume | speed N | seek WHEN | faults",
        "facilitate: the drill's clock (a replay seeks to 5m, a time, or #N of the real team's journal), the scenario's faults",
    ),
    (
        "inject N | node NODE | rollout NS/NAME IMAGE | surge NS/NAME X | oom NS/NAME",
        "facilitate: play a fault of the scenario now, or one of these",
    ),
    (
        "aside TEXT",
        "facilitate: a note for the journal and the debrief that players do not see",
    ),
    ("theme NAME", "default, light, high-contrast, mono"),
    ("keymap NAME", "default, vim, emacs"),
    ("quit", "leave warroom"),
];

/// The palette line that runs a mitigation the detector suggested (`undo shop/checkout 2`,
/// `scale shop/sts/db 3`, `cordon node-3`), for the commander to check and press Enter on; none
/// when it names no action the palette knows.
pub fn suggested_line(m: &crate::incident::model::MitigationRecord) -> Option<String> {
    let target = m.target.as_deref()?;
    let workload = || -> Option<String> {
        let (kind_name, ns) = target.split_once(" -n ")?;
        let (kind, name) = kind_name.split_once('/')?;
        Some(match crate::actions::WorkloadKind::parse(kind)? {
            crate::actions::WorkloadKind::Deployment => format!("{ns}/{name}"),
            k => format!("{ns}/{}/{name}", k.word()),
        })
    };
    let number = |key: &str| m.parameters.get(key).and_then(serde_json::Value::as_i64);
    let node = || target.strip_prefix("node/").unwrap_or(target).to_string();
    Some(match m.action.as_deref()? {
        "rollout_undo" => match number("revision") {
            Some(r) => format!("undo {} {r}", workload()?),
            None => format!("undo {}", workload()?),
        },
        "rollout_restart" => format!("restart {}", workload()?),
        "scale" => format!("scale {} {}", workload()?, number("replicas")?),
        "autoscale" => match number("min") {
            Some(min) => format!("autoscale {} {min} {}", workload()?, number("max")?),
            None => format!("autoscale {} {}", workload()?, number("max")?),
        },
        "set_image" => {
            let image = m.parameters.get("image").and_then(serde_json::Value::as_str)?;
            match m.parameters.get("container").and_then(serde_json::Value::as_str) {
                Some(c) => format!("image {} {c}={image}", workload()?),
                None => format!("image {} {image}", workload()?),
            }
        }
        "cordon" => format!("cordon {}", node()),
        "drain" => format!("drain {}", node()),
        _ => return None,
    })
}

fn rest(words: &[&str]) -> String {
    words.join(" ")
}

pub fn parse(line: &str) -> Result<Command, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((verb, args)) = words.split_first() else {
        return Err("type a command: declare, sev, status, role, note, decision, pin, theme, keymap, quit".into());
    };
    let need = |what: &str| -> Result<String, String> {
        if args.is_empty() {
            Err(format!("{verb} needs {what}"))
        } else {
            Ok(rest(args))
        }
    };
    if let Some(kind) = super::lists::ListKind::named(verb) {
        let filter = (!args.is_empty()).then(|| rest(args));
        return Ok(Command::List { kind, filter });
    }
    match *verb {
        "declare" => {
            let (severity, title) = match args.first().map(|a| a.parse::<Severity>()) {
                Some(Ok(s)) => (s, rest(&args[1..])),
                _ => (Severity::Sev2, rest(args)),
            };
            if title.trim().is_empty() {
                return Err("declare needs a title: declare sev1 Checkout is failing".into());
            }
            Ok(Command::Declare { severity, title })
        }
        "sev" | "severity" => {
            let s = need("a severity (1-4)")?;
            let s = if s.chars().all(|c| c.is_ascii_digit()) {
                format!("sev{s}")
            } else {
                s
            };
            s.parse::<Severity>().map(Command::Sev).map_err(|e| e.to_string())
        }
        "status" => need("a status")?
            .parse::<Status>()
            .map(Command::Status)
            .map_err(|e| e.to_string()),
        "role" => {
            let role = args
                .first()
                .ok_or("role needs a role: commander, comms, ops, scribe or observer")?
                .parse::<Role>()
                .map_err(|e| e.to_string())?;
            let person = (args.len() > 1).then(|| rest(&args[1..]));
            Ok(Command::Role { role, person })
        }
        "note" => need("some text").map(Command::Note),
        "aside" => need("some text").map(Command::Aside),
        "decision" | "decide" => need("what was decided").map(Command::Decision),
        "followup" | "follow-up" | "todo" => crate::incident::follow_ups::asked(args).map(Command::FollowUp),
        "hypothesis" | "hyp" => hypothesis(args).ok_or_else(|| {
            format!("{verb} needs an explanation to test, or #N and testing, confirmed, refuted or open")
        }),
        "pin" => Ok(Command::Pin),
        "capture" => Ok(Command::Capture),
        "mitigated" => Ok(Command::Mitigated),
        "measure" => Ok(Command::Measure),
        "accept" => Ok(Command::Accept),
        "debrief" => Ok(Command::Debrief),
        "drill" => super::facilitation::drill(args).map(Command::Facilitate),
        "inject" => super::facilitation::inject(args).map(Command::Facilitate),
        "dismiss" => Ok(Command::Dismiss(rest(args))),
        "theme" => need("a theme name").map(Command::Theme),
        "keymap" => need("a keymap name").map(Command::Keymap),
        "playbook" | "follow" => need("a playbook id").map(Command::Playbook),
        // With no keys: back to the version before the last change.
        "config" if args.len() == 1 => {
            let (namespace, config_map) = namespaced(verb, args.first())?;
            Ok(Command::ConfigBack { namespace, config_map })
        }
        "skip" => need("a reason").map(Command::Skip),
        "fail" | "failed" => need("a reason").map(Command::Fail),
        "cordon" | "uncordon" | "drain" | "restart" | "undo" | "pause" | "resume" | "scale" | "image" | "autoscale"
        | "config" | "out" | "in" | "recycle" | "isolate" | "unisolate" | "silence" | "unsilence" => {
            action(verb, args).map(Command::Act)
        }
        "since" => since(&need("a time such as 10m or 2h, or all")?).map(Command::LogsSince),
        "quit" | "q" => Ok(Command::Quit),
        other => Err(format!(
            "{other:?} is not a command; try declare, sev, status, role, note, decision, pin, theme, keymap, quit"
        )),
    }
}

/// `10m`, `2h`, `90s` in seconds (at least one), or `all` for none.
fn since(s: &str) -> Result<Option<u64>, String> {
    if s == "all" {
        return Ok(None);
    }
    warroom_files::Duration::parse(s)
        .ok()
        .and_then(|d| u64::try_from(d.millis).ok())
        .map(|millis| millis.div_ceil(1000))
        .filter(|secs| *secs > 0)
        .map(Some)
        .ok_or_else(|| format!("{s:?} is not a time such as 10m, 2h or 90s (or all)"))
}

/// `2h`, `30m`, `1h30m` in minutes (at least one, at most a week).
/// `hypothesis #N STATE [WHY]` moves one; any other words put themselves forward.
fn hypothesis(args: &[&str]) -> Option<Command> {
    use crate::incident::hypotheses::{Asked, asked};
    Some(match asked(args)? {
        Asked::PutForward(text) => Command::Hypothesis(text),
        Asked::Move { seq, state, reason } => Command::MoveHypothesis { seq, state, reason },
    })
}

fn parse_minutes(s: &str) -> Option<u32> {
    let mut total = 0u32;
    let mut number = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u32 = number.parse().ok()?;
        number.clear();
        total += match c {
            'h' => n.checked_mul(60)?,
            'm' => n,
            'd' => n.checked_mul(24 * 60)?,
            _ => return None,
        };
    }
    (number.is_empty() && (1..=7 * 24 * 60).contains(&total)).then_some(total)
}

/// `NS/NAME`.
fn namespaced(verb: &str, arg: Option<&&str>) -> Result<(String, String), String> {
    let arg = arg.ok_or_else(|| format!("{verb} needs NAMESPACE/NAME"))?;
    match arg.split_once('/') {
        Some((ns, name)) if !ns.is_empty() && !name.is_empty() => Ok((ns.to_string(), name.to_string())),
        _ => Err(format!("{verb}: {arg:?} is not NAMESPACE/NAME")),
    }
}

/// `NS/NAME` (a Deployment) or `NS/KIND/NAME` with KIND as kubectl spells it (`sts`, `ds`...).
fn workload(verb: &str, arg: Option<&&str>) -> Result<(String, crate::actions::Workload), String> {
    use crate::actions::{Workload, WorkloadKind};
    let (namespace, rest) = namespaced(verb, arg)?;
    match rest.split_once('/') {
        None => Ok((namespace, Workload::deployment(rest))),
        Some((kind, name)) if !name.is_empty() => match WorkloadKind::parse(kind) {
            Some(kind) => Ok((namespace, Workload::new(kind, name))),
            None => Err(format!(
                "{verb}: {kind:?} is not a deployment, statefulset or daemonset (deploy, sts, ds)"
            )),
        },
        Some(_) => Err(format!("{verb}: {rest:?} is not KIND/NAME")),
    }
}

fn action(verb: &str, args: &[&str]) -> Result<crate::actions::Action, String> {
    use crate::actions::Action as A;
    let node = || {
        args.first()
            .map(|n| n.to_string())
            .ok_or_else(|| format!("{verb} needs a node name"))
    };
    Ok(match verb {
        "cordon" => A::Cordon { node: node()? },
        "uncordon" => A::Uncordon { node: node()? },
        "drain" => A::Drain { node: node()? },
        "restart" => {
            let (namespace, workload) = workload(verb, args.first())?;
            A::RolloutRestart { namespace, workload }
        }
        "undo" => {
            let (namespace, workload) = workload(verb, args.first())?;
            let revision = match args.get(1) {
                Some(r) => Some(
                    r.parse::<i64>()
                        .map_err(|_| format!("undo: {r:?} is not a revision number"))?,
                ),
                None => None,
            };
            A::RolloutUndo {
                namespace,
                workload,
                revision,
            }
        }
        "pause" => {
            let (namespace, workload) = workload(verb, args.first())?;
            A::RolloutPause { namespace, workload }
        }
        "resume" => {
            let (namespace, workload) = workload(verb, args.first())?;
            A::RolloutResume { namespace, workload }
        }
        "scale" => {
            let (namespace, workload) = workload(verb, args.first())?;
            let replicas = args
                .get(1)
                .and_then(|n| n.parse::<i32>().ok())
                .filter(|n| *n >= 0)
                .ok_or("scale needs a replica count: scale shop/checkout 3")?;
            A::Scale {
                namespace,
                workload,
                replicas,
            }
        }
        "image" => {
            let (namespace, workload) = workload(verb, args.first())?;
            let spec = args
                .get(1)
                .ok_or("image needs an image: image shop/checkout checkout=registry/checkout:1.9.3")?;
            let (container, image) = match spec.split_once('=') {
                Some((c, i)) if !c.is_empty() => (Some(c.to_string()), i.to_string()),
                _ => (None, spec.to_string()),
            };
            A::SetImage {
                namespace,
                workload,
                container,
                image,
            }
        }
        "autoscale" => {
            let (namespace, workload) = workload(verb, args.first())?;
            let bounds: Vec<i32> = args[1..]
                .iter()
                .map(|n| n.parse::<i32>().ok().filter(|n| *n >= 1))
                .collect::<Option<_>>()
                .ok_or("autoscale needs [MIN] MAX replicas, each 1 or more: autoscale shop/frontend 3 10")?;
            let (min, max) = match bounds.as_slice() {
                [max] => (None, *max),
                [min, max] => (Some(*min), *max),
                _ => return Err("autoscale needs [MIN] MAX replicas: autoscale shop/frontend 10".into()),
            };
            A::Autoscale {
                namespace,
                workload,
                min,
                max,
            }
        }
        "config" => {
            let (namespace, config_map) = namespaced(verb, args.first())?;
            let mut set = std::collections::BTreeMap::new();
            for word in &args[1..] {
                match word.split_once('=') {
                    Some((k, v)) if !k.is_empty() => set.insert(k.to_string(), Some(v.to_string())),
                    _ => match word.strip_suffix('-').filter(|k| !k.is_empty()) {
                        Some(k) => set.insert(k.to_string(), None),
                        None => return Err(format!("config: {word:?} is neither KEY=VALUE nor KEY- (to remove it)")),
                    },
                };
            }
            if set.is_empty() {
                return Err("config needs KEY=VALUE: config shop/checkout-config CURRENCY_TABLE=eur-v3".into());
            }
            A::EditConfig {
                namespace,
                config_map,
                set,
            }
        }
        "out" => {
            let (namespace, pod) = namespaced(verb, args.first())?;
            A::TakeOutOfService { namespace, pod }
        }
        "in" => {
            let (namespace, pod) = namespaced(verb, args.first())?;
            A::ReturnToService { namespace, pod }
        }
        "recycle" => {
            let (namespace, pod) = namespaced(verb, args.first())?;
            A::DeletePod { namespace, pod }
        }
        "isolate" => {
            let namespace = args
                .first()
                .ok_or("isolate needs a namespace and a selector")?
                .to_string();
            let mut selector = std::collections::BTreeMap::new();
            for pair in args
                .get(1)
                .ok_or("isolate needs a selector: isolate shop app=api")?
                .split(',')
            {
                let (k, v) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("isolate: {pair:?} is not KEY=VALUE"))?;
                selector.insert(k.to_string(), v.to_string());
            }
            // Peers still allowed: `isolate shop app=api app=frontend monitoring/app=prometheus`.
            let allow = args[2..]
                .iter()
                .map(|p| crate::actions::catalogue::Peer::parse(p).map_err(|e| format!("isolate: {e}")))
                .collect::<Result<_, _>>()?;
            A::Isolate {
                namespace,
                selector,
                allow,
            }
        }
        "silence" => {
            let name = args
                .first()
                .ok_or("silence needs an alert name: silence ErrorBudgetBurn service=checkout 2h")?;
            let mut matchers = std::collections::BTreeMap::new();
            matchers.insert("alertname".to_string(), name.to_string());
            let mut minutes = 120;
            for a in &args[1..] {
                if let Some((k, v)) = a.split_once('=') {
                    matchers.insert(k.to_string(), v.to_string());
                } else {
                    minutes = parse_minutes(a).ok_or_else(|| {
                        format!("silence: {a:?} is neither KEY=VALUE nor a duration such as 2h or 30m")
                    })?;
                }
            }
            A::Silence { matchers, minutes }
        }
        "unsilence" => A::ExpireSilence {
            id: args.first().ok_or("unsilence needs the silence's id")?.to_string(),
        },
        _ => {
            let namespace = args
                .first()
                .ok_or("unisolate needs a namespace and a policy")?
                .to_string();
            let policy = args.get(1).ok_or("unisolate needs the policy name")?.to_string();
            A::RemoveIsolation { namespace, policy }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_follow_up_takes_its_owner_due_date_and_ticket_from_key_value_words() {
        use crate::incident::follow_ups::{Asked, Changes};
        use crate::incident::model::{FollowUpState, Priority};
        assert_eq!(
            parse("followup Add a canary owner=@bob due=2026-12-08 stage ticket=OPS-12 priority=high"),
            Ok(Command::FollowUp(Asked::Record {
                title: "Add a canary stage".into(),
                owner: Some("bob".into()),
                due: Some(jiff::civil::date(2026, 12, 8)),
                priority: Some(Priority::High),
                ticket: Some("OPS-12".into()),
            }))
        );
        assert_eq!(
            parse("followup #14 done ticket=OPS-12"),
            Ok(Command::FollowUp(Asked::Change {
                seq: 14,
                changes: Changes {
                    state: Some(FollowUpState::Done),
                    ticket: Some("OPS-12".into()),
                    ..Changes::default()
                },
            }))
        );
        assert!(parse("followup #14").expect_err("no change").contains("needs a change"));
        assert!(
            parse("followup #14 finished soon")
                .expect_err("two words")
                .contains("done, dropped or open")
        );
        assert!(
            parse("followup #14 later")
                .expect_err("not a state")
                .contains("not a follow-up state")
        );
        assert!(
            parse("followup Fix it priority=asap")
                .expect_err("bad priority")
                .contains("high, medium or low")
        );
        assert!(
            parse("followup Add a canary due=next-week")
                .expect_err("bad date")
                .contains("due=next-week")
        );
        assert!(
            parse("followup owner=bob")
                .expect_err("no title")
                .contains("needs a title")
        );
    }

    #[test]
    fn a_hypothesis_is_put_forward_or_moved_by_its_number() {
        use crate::incident::model::HypothesisState;
        assert_eq!(
            parse("hypothesis checkout 2.0.0 fails its config check"),
            Ok(Command::Hypothesis("checkout 2.0.0 fails its config check".into()))
        );
        assert_eq!(
            parse("hyp #12 confirmed the rollback brought errors down"),
            Ok(Command::MoveHypothesis {
                seq: 12,
                state: HypothesisState::Confirmed,
                reason: Some("the rollback brought errors down".into()),
            })
        );
        assert_eq!(
            parse("hypothesis 7 testing"),
            Ok(Command::MoveHypothesis {
                seq: 7,
                state: HypothesisState::Testing,
                reason: None,
            })
        );
        // A number not followed by a state is part of the explanation.
        assert_eq!(
            parse("hypothesis 3 pods lost their volume"),
            Ok(Command::Hypothesis("3 pods lost their volume".into()))
        );
        assert!(parse("hypothesis").expect_err("empty").contains("needs an explanation"));
    }

    #[test]
    fn isolate_takes_the_peers_it_still_lets_through() {
        match parse("isolate shop app=api app=web kube-system/k8s-app=kube-dns") {
            Ok(Command::Act(crate::actions::Action::Isolate { selector, allow, .. })) => {
                assert_eq!(selector.get("app").map(String::as_str), Some("api"));
                let peers: Vec<String> = allow.iter().map(ToString::to_string).collect();
                assert_eq!(peers, ["app=web", "kube-system/k8s-app=kube-dns"]);
            }
            other => panic!("{other:?}"),
        }
        let Err(e) = parse("isolate shop app=api web") else {
            panic!("a peer without a label is refused")
        };
        assert!(e.contains("is not a peer"), "{e}");
    }

    #[test]
    fn a_suggested_mitigation_becomes_the_palette_line_that_runs_it() {
        use crate::actions::{Action, Workload, WorkloadKind};
        use crate::incident::model::MitigationRecord;
        let m = |action: &str, target: &str, parameters: serde_json::Value| MitigationRecord {
            playbook: None,
            text: String::new(),
            action: Some(action.into()),
            target: Some(target.into()),
            parameters,
        };
        let act = |m: &MitigationRecord| {
            let line = suggested_line(m).expect("a line");
            match parse(&line) {
                Ok(Command::Act(a)) => a,
                other => panic!("{line}: {other:?}"),
            }
        };
        let undo = m(
            "rollout_undo",
            "deployment/checkout -n shop",
            serde_json::json!({ "revision": 2 }),
        );
        assert_eq!(suggested_line(&undo).as_deref(), Some("undo shop/checkout 2"));
        assert_eq!(
            act(&undo),
            Action::RolloutUndo {
                namespace: "shop".into(),
                workload: Workload::deployment("checkout"),
                revision: Some(2)
            }
        );
        let scale = m("scale", "statefulset/db -n data", serde_json::json!({ "replicas": 3 }));
        assert_eq!(
            act(&scale),
            Action::Scale {
                namespace: "data".into(),
                workload: Workload::new(WorkloadKind::StatefulSet, "db"),
                replicas: 3
            }
        );
        // The parameters are the journal's: an action's own, round-tripped.
        let raise = Action::Autoscale {
            namespace: "shop".into(),
            workload: Workload::deployment("frontend"),
            min: None,
            max: 10,
        };
        assert_eq!(act(&m("autoscale", &raise.target(), raise.parameters())), raise);
        let image = Action::SetImage {
            namespace: "shop".into(),
            workload: Workload::deployment("checkout"),
            container: Some("checkout".into()),
            image: "registry/checkout:1.9.3".into(),
        };
        assert_eq!(act(&m("set_image", &image.target(), image.parameters())), image);
        let previous = m("rollout_undo", "daemonset/agent -n ops", serde_json::Value::Null);
        assert_eq!(suggested_line(&previous).as_deref(), Some("undo ops/daemonset/agent"));
        assert_eq!(
            act(&m("cordon", "node/node-3", serde_json::Value::Null)),
            Action::Cordon { node: "node-3".into() }
        );
        // Nothing to run: a playbook to follow, a scale without its count, a verb unknown here.
        let follow = MitigationRecord {
            action: None,
            target: None,
            ..undo.clone()
        };
        assert_eq!(suggested_line(&follow), None);
        assert_eq!(
            suggested_line(&m("scale", "deployment/x -n y", serde_json::Value::Null)),
            None
        );
        assert_eq!(
            suggested_line(&m("isolate", "deployment/x -n y", serde_json::Value::Null)),
            None
        );
    }

    #[test]
    fn image_autoscale_and_config_parse_as_kubectl_spells_them() {
        use crate::actions::{Action, Workload, WorkloadKind};
        assert_eq!(
            parse("image shop/checkout checkout=registry/checkout:1.9.3").unwrap(),
            Command::Act(Action::SetImage {
                namespace: "shop".into(),
                workload: Workload::deployment("checkout"),
                container: Some("checkout".into()),
                image: "registry/checkout:1.9.3".into(),
            })
        );
        assert_eq!(
            parse("image data/sts/db postgres:16").unwrap(),
            Command::Act(Action::SetImage {
                namespace: "data".into(),
                workload: Workload::new(WorkloadKind::StatefulSet, "db"),
                container: None,
                image: "postgres:16".into(),
            })
        );
        assert!(parse("image shop/checkout").unwrap_err().contains("needs an image"));
        assert_eq!(
            parse("autoscale shop/frontend 10").unwrap(),
            Command::Act(Action::Autoscale {
                namespace: "shop".into(),
                workload: Workload::deployment("frontend"),
                min: None,
                max: 10,
            })
        );
        assert_eq!(
            parse("autoscale shop/frontend 4 4").unwrap(),
            Command::Act(Action::Autoscale {
                namespace: "shop".into(),
                workload: Workload::deployment("frontend"),
                min: Some(4),
                max: 4,
            })
        );
        for bad in [
            "autoscale shop/frontend",
            "autoscale shop/frontend 0",
            "autoscale shop/frontend 1 2 3",
            "autoscale shop/frontend x",
        ] {
            assert!(parse(bad).unwrap_err().contains("MAX"), "{bad}");
        }
    }

    #[test]
    fn commands_parse() {
        assert_eq!(
            parse("declare sev1 Checkout is failing").unwrap(),
            Command::Declare {
                severity: Severity::Sev1,
                title: "Checkout is failing".into()
            }
        );
        assert_eq!(
            parse("declare Payments slow").unwrap(),
            Command::Declare {
                severity: Severity::Sev2,
                title: "Payments slow".into()
            }
        );
        assert_eq!(parse("sev 1").unwrap(), Command::Sev(Severity::Sev1));
        assert_eq!(parse("sev sev3").unwrap(), Command::Sev(Severity::Sev3));
        assert_eq!(
            parse("note  rolled back  ").unwrap(),
            Command::Note("rolled back".into())
        );
        assert_eq!(
            parse("role commander alice").unwrap(),
            Command::Role {
                role: Role::Commander,
                person: Some("alice".into())
            }
        );
        assert!(parse("declare").unwrap_err().contains("needs a title"));
        assert!(parse("sev 9").is_err());
        assert!(parse("note").unwrap_err().contains("note needs some text"));
        assert!(parse("launch").unwrap_err().contains("not a command"));
        assert_eq!(
            parse("scale shop/checkout 2").unwrap(),
            Command::Act(crate::actions::Action::Scale {
                namespace: "shop".into(),
                workload: crate::actions::Workload::deployment("checkout"),
                replicas: 2
            })
        );
        assert_eq!(
            parse("undo data/sts/db 3").unwrap(),
            Command::Act(crate::actions::Action::RolloutUndo {
                namespace: "data".into(),
                workload: crate::actions::Workload::new(crate::actions::WorkloadKind::StatefulSet, "db"),
                revision: Some(3)
            })
        );
        assert!(parse("restart data/pod/db").unwrap_err().contains("not a deployment"));
        assert_eq!(
            parse("drain node-7").unwrap(),
            Command::Act(crate::actions::Action::Drain { node: "node-7".into() })
        );
        assert!(parse("scale shop/checkout").unwrap_err().contains("replica count"));
        match parse("silence ErrorBudgetBurn service=checkout 1h30m").unwrap() {
            Command::Act(crate::actions::Action::Silence { matchers, minutes }) => {
                assert_eq!(minutes, 90);
                assert_eq!(matchers.get("alertname").map(String::as_str), Some("ErrorBudgetBurn"));
                assert_eq!(matchers.get("service").map(String::as_str), Some("checkout"));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            parse("silence X forever")
                .unwrap_err()
                .contains("neither KEY=VALUE nor a duration")
        );
        assert!(parse("silence X 0m").is_err());
        assert!(parse("restart checkout").unwrap_err().contains("not NAMESPACE/NAME"));
        assert!(parse("").is_err());
    }
}
