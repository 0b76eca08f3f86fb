//! The mitigations a detection suggests: for its likeliest cause, the playbook step that undoes
//! it with the action filled in (roll back to the revision before the rollout, scale a canary
//! that changed beside the service to zero, cordon and drain the node that went bad, scale
//! back), then the other playbooks that fit what is firing and
//! what the cluster shows. Pure.

use super::cause::{Cause, ChangeKind};
use crate::cluster::rows::OwnerKind;
use crate::incident::model::MitigationRecord;
use crate::playbook::Playbook;
use crate::playbook::suggest::{Situation, suggest};

/// The first playbook with a step running `verb`.
fn with_verb<'a>(playbooks: &'a [Playbook], verb: &str) -> Option<&'a Playbook> {
    playbooks.iter().find(|p| {
        p.steps
            .iter()
            .any(|s| s.get().action.as_ref().is_some_and(|a| a.verb == verb))
    })
}

fn kind_word(kind: OwnerKind) -> &'static str {
    match kind {
        OwnerKind::Deployment => "deployment",
        OwnerKind::StatefulSet => "statefulset",
        OwnerKind::DaemonSet => "daemonset",
        OwnerKind::Other => "workload",
    }
}

/// `deployment/checkout -n shop` for the workload `shop/checkout`.
fn workload_target(scope: &str, kind: OwnerKind) -> String {
    match scope.split_once('/') {
        Some((ns, name)) => format!("{}/{name} -n {ns}", kind_word(kind)),
        None => scope.to_string(),
    }
}

/// The first playbook with a step that scales its target to zero (moving traffic off it).
fn to_zero(playbooks: &[Playbook]) -> Option<&Playbook> {
    playbooks.iter().find(|p| {
        p.steps.iter().any(|s| {
            s.get()
                .action
                .as_ref()
                .is_some_and(|a| a.verb == "scale" && a.replicas == Some(0))
        })
    })
}

/// A canary of a workload in `scope`'s namespace, by the name canaries go by (`checkout-canary`).
fn canary_beside(scope: &str, changed: &str) -> bool {
    let namespace = |s: &str| s.split_once('/').map(|(ns, _)| ns.to_string());
    let name = changed.rsplit('/').next().unwrap_or(changed);
    changed != scope && namespace(changed) == namespace(scope) && name.contains("canary")
}

/// What undoes one cause, if a playbook knows how.
fn undo(playbooks: &[Playbook], scope: &str, cause: &Cause) -> Option<MitigationRecord> {
    let c = &cause.change;
    match &c.kind {
        // A canary that changed beside the failing service: move its traffic away first.
        ChangeKind::Rollout { kind, .. } if canary_beside(scope, &c.scope) => {
            let p = to_zero(playbooks)?;
            Some(MitigationRecord {
                playbook: Some(p.id.clone()),
                text: format!(
                    "move the traffic off the canary {}: scale it to zero; {}",
                    c.scope, cause.why
                ),
                action: Some("scale".into()),
                target: Some(workload_target(&c.scope, *kind)),
                parameters: serde_json::json!({ "replicas": 0 }),
            })
        }
        ChangeKind::Rollout {
            kind,
            from_image,
            from_revision,
            ..
        } if c.scope == scope => {
            let p = with_verb(playbooks, "rollout_undo")?;
            let to = match (from_revision, from_image) {
                (Some(r), Some(i)) => format!(" to revision {r}, image {i}"),
                (Some(r), None) => format!(" to revision {r}"),
                (None, Some(i)) => format!(" to image {i}"),
                (None, None) => " to the previous revision".into(),
            };
            let revision = from_revision.as_deref().and_then(|r| r.parse::<i64>().ok());
            Some(MitigationRecord {
                playbook: Some(p.id.clone()),
                text: format!("roll back {scope}{to}; {}", cause.why),
                action: Some("rollout_undo".into()),
                target: Some(workload_target(scope, *kind)),
                parameters: revision.map_or(serde_json::Value::Null, |r| serde_json::json!({ "revision": r })),
            })
        }
        ChangeKind::Scaled { kind, from, to } if c.scope == scope && to < from => {
            let p = with_verb(playbooks, "scale")?;
            Some(MitigationRecord {
                playbook: Some(p.id.clone()),
                text: format!("scale {scope} back to {from} replicas; {}", cause.why),
                action: Some("scale".into()),
                target: Some(workload_target(scope, *kind)),
                parameters: serde_json::json!({ "replicas": from }),
            })
        }
        ChangeKind::NodeWentBad { .. } => {
            let p = with_verb(playbooks, "drain").or_else(|| with_verb(playbooks, "cordon"))?;
            Some(MitigationRecord {
                playbook: Some(p.id.clone()),
                text: format!("cordon and drain {}; {}", c.scope, cause.why),
                action: Some("cordon".into()),
                target: Some(c.scope.clone()),
                parameters: serde_json::Value::Null,
            })
        }
        _ => None,
    }
}

/// The mitigations for a deviation of `scope` with these causes (likeliest first) in this
/// situation, best first; each playbook once.
pub fn mitigations(playbooks: &[Playbook], scope: &str, causes: &[Cause], now: &Situation) -> Vec<MitigationRecord> {
    let mut out: Vec<MitigationRecord> = causes.iter().filter_map(|c| undo(playbooks, scope, c)).collect();
    let mut seen: Vec<String> = Vec::new();
    out.retain(|m| {
        let fresh = m.playbook.as_ref().is_none_or(|p| !seen.contains(p));
        if let Some(p) = &m.playbook {
            seen.push(p.clone());
        }
        fresh
    });
    for s in suggest(playbooks, now) {
        if seen.contains(&s.id) {
            continue;
        }
        let title = playbooks
            .iter()
            .find(|p| p.id == s.id)
            .map_or(s.id.as_str(), |p| p.title.as_str());
        out.push(MitigationRecord {
            playbook: Some(s.id.clone()),
            text: format!("follow the {title} playbook ({})", s.why.join(", ")),
            action: None,
            target: None,
            parameters: serde_json::Value::Null,
        });
        seen.push(s.id);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::symptoms::SymptomKind;
    use crate::detect::cause::ChangeLog;

    #[test]
    fn a_bad_rollout_suggests_rolling_back_to_the_revision_before_it() {
        let mut log = ChangeLog::default();
        let d = OwnerKind::Deployment;
        log.workload(0, "shop", "checkout", d, Some("2"), Some("checkout:1.9.3"), 4);
        log.workload(820, "shop", "checkout", d, Some("3"), Some("checkout:2.0.0"), 4);
        let causes = log.causes("shop/checkout", 1000, "the error ratio");
        let now = Situation {
            symptoms: vec![SymptomKind::CrashLooping],
            ..Situation::default()
        };
        let m = mitigations(&crate::playbook::load::shipped(), "shop/checkout", &causes, &now);
        assert_eq!(m[0].playbook.as_deref(), Some("bad-deploy"));
        assert_eq!(m[0].action.as_deref(), Some("rollout_undo"));
        assert_eq!(m[0].target.as_deref(), Some("deployment/checkout -n shop"));
        assert_eq!(m[0].parameters, serde_json::json!({ "revision": 2 }));
        assert_eq!(
            m[0].text,
            "roll back shop/checkout to revision 2, image checkout:1.9.3; the rollout to checkout:2.0.0 (revision 3) \
             began 3 min before the error ratio left its band"
        );
        let rest: Vec<&str> = m[1..].iter().filter_map(|m| m.playbook.as_deref()).collect();
        assert!(rest.contains(&"crashloop"), "{m:?}");
        assert!(!rest.contains(&"bad-deploy"), "each playbook once: {m:?}");
    }

    #[test]
    fn a_canary_rolled_out_beside_the_failing_service_is_scaled_to_zero() {
        let mut log = ChangeLog::default();
        let d = OwnerKind::Deployment;
        log.workload(0, "shop", "checkout", d, Some("1"), Some("checkout:1.9.3"), 4);
        log.workload(0, "shop", "checkout-canary", d, Some("1"), Some("checkout:1.9.3"), 1);
        log.workload(
            700,
            "shop",
            "checkout-canary",
            d,
            Some("2"),
            Some("checkout:2.0.0-rc1"),
            1,
        );
        let causes = log.causes("shop/checkout", 1000, "the error ratio");
        assert_eq!(causes[0].change.scope, "shop/checkout-canary", "{causes:?}");
        let m = mitigations(
            &crate::playbook::load::shipped(),
            "shop/checkout",
            &causes,
            &Situation::default(),
        );
        assert_eq!(m[0].playbook.as_deref(), Some("bad-canary"), "{m:?}");
        assert_eq!(m[0].action.as_deref(), Some("scale"));
        assert_eq!(m[0].target.as_deref(), Some("deployment/checkout-canary -n shop"));
        assert_eq!(m[0].parameters, serde_json::json!({ "replicas": 0 }));
        assert!(
            m[0].text
                .starts_with("move the traffic off the canary shop/checkout-canary"),
            "{}",
            m[0].text
        );
        // Another workload's rollout that is no canary suggests nothing of its own.
        assert!(!canary_beside("shop/checkout", "shop/cart"));
        assert!(!canary_beside("shop/checkout", "payments/checkout-canary"));
    }
}
