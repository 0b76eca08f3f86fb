//! Which playbook fits: scored from firing alert names (with labels), the cluster's symptoms
//! and the drill's faults. Pure.

use std::collections::BTreeMap;

use super::model::Playbook;
use crate::cluster::symptoms::SymptomKind;

/// What is going on, as far as choosing a playbook goes.
#[derive(Debug, Clone, Default)]
pub struct Situation {
    /// Firing alerts: name and labels.
    pub alerts: Vec<(String, BTreeMap<String, String>)>,
    pub symptoms: Vec<SymptomKind>,
    /// Fault kinds of the drill scenario (empty live).
    pub faults: Vec<String>,
}

pub fn signal_name(k: SymptomKind) -> &'static str {
    match k {
        SymptomKind::NodeNotReady => "node_not_ready",
        SymptomKind::CrashLooping => "crash_looping",
        SymptomKind::StuckRollout => "stuck_rollout",
        SymptomKind::PendingTooLong => "pending_too_long",
        SymptomKind::NodePressure => "node_pressure",
        SymptomKind::WarningEvents => "warning_events",
    }
}

/// The fault kinds a drill scenario scripts (`rollout`, `nodeCondition`, ...), for `Situation`.
pub fn fault_kinds(scenario: &warroom_drill::scenario::Scenario) -> Vec<String> {
    let mut kinds = Vec::new();
    for f in &scenario.faults {
        let f = f.get();
        let present = [
            ("rollout", f.rollout.is_some()),
            ("nodeCondition", f.node_condition.is_some()),
            ("oomKill", f.oom_kill.is_some()),
            ("usage", f.usage.is_some()),
            ("scale", f.scale.is_some()),
            ("traffic", f.traffic.is_some()),
            ("config", f.config.is_some()),
            ("service", f.service.is_some()),
        ];
        for (name, yes) in present {
            if yes && !kinds.iter().any(|k| k == name) {
                kinds.push(name.to_string());
            }
        }
    }
    kinds
}

/// A suggested playbook with why.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub id: String,
    pub score: u32,
    pub why: Vec<String>,
}

/// Playbooks that apply, best first (alerts weigh most, then signals, then faults).
pub fn suggest(playbooks: &[Playbook], now: &Situation) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = playbooks
        .iter()
        .filter_map(|p| {
            let w = &p.applies_when;
            let mut score = 0;
            let mut why = Vec::new();
            for (name, labels) in &now.alerts {
                let labels_ok = w.labels.iter().all(|(k, v)| labels.get(k) == Some(v));
                let reason = format!("alert {name} firing");
                // One alert name counts once, however many pods or nodes it fires for.
                if w.alerts.iter().any(|a| a == name) && labels_ok && !why.contains(&reason) {
                    score += 10;
                    why.push(reason);
                }
            }
            for s in &now.symptoms {
                let n = signal_name(*s);
                if w.signals.iter().any(|x| x.get() == n) && !why.iter().any(|y| y.ends_with(n)) {
                    score += 5;
                    why.push(format!("signal {n}"));
                }
            }
            for f in &now.faults {
                if w.faults.iter().any(|x| x.get() == f) && !why.iter().any(|y| y == &format!("drill fault {f}")) {
                    score += 2;
                    why.push(format!("drill fault {f}"));
                }
            }
            (score > 0).then(|| Suggestion {
                id: p.id.clone(),
                score,
                why,
            })
        })
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.id.cmp(&b.id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_firing_for_many_pods_counts_once() {
        let pod = |p: &str| {
            (
                "KubePodCrashLooping".to_string(),
                [("pod".to_string(), p.to_string())].into(),
            )
        };
        let now = Situation {
            alerts: vec![
                pod("a"),
                pod("b"),
                pod("c"),
                ("ErrorBudgetBurn".into(), BTreeMap::new()),
            ],
            symptoms: vec![SymptomKind::CrashLooping],
            faults: Vec::new(),
        };
        let got = suggest(&crate::playbook::load::shipped(), &now);
        let crashloop = got.iter().find(|s| s.id == "crashloop").expect("crashloop applies");
        assert_eq!(crashloop.score, 15, "{crashloop:?}");
        assert_eq!(
            crashloop.why,
            ["alert KubePodCrashLooping firing", "signal crash_looping"]
        );
        let bad_deploy = got.iter().find(|s| s.id == "bad-deploy").expect("bad-deploy applies");
        assert_eq!(bad_deploy.why, ["alert ErrorBudgetBurn firing", "signal crash_looping"]);
    }
}
