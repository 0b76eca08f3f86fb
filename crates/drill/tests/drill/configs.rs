//! ConfigMaps the drill's pods read at start, seen through kubectl: the shipped `bad-config`
//! drill's push crashloops checkout's new pods, setting the key back and restarting ends it, and
//! a pod whose ConfigMap is gone cannot start.

use crate::jsonpath;
use warroom_testkit::drill::Served;

fn drill() -> Served {
    crate::paused_drill("bad-config")
}

/// `reason` of each checkout pod's container: `running`, or the waiting or terminated reason.
fn states(s: &Served) -> Vec<String> {
    jsonpath(
        s,
        &["get", "pods", "-n", "shop", "-l", "app=checkout"],
        "{range .items[*]}{.status.containerStatuses[0].state.waiting.reason}{.status.containerStatuses[0].state.terminated.reason}{.status.containerStatuses[0].state.running.startedAt}{'\\n'}{end}",
    )
    .lines()
    .map(|l| if l.contains('T') && l.ends_with('Z') { "running".to_string() } else { l.to_string() })
    .collect()
}

#[test]
fn a_config_push_crashloops_new_pods_and_setting_it_back_ends_it() {
    let s = drill();
    crate::advance(&s, 60, 10);
    let env = jsonpath(
        &s,
        &["get", "deploy", "checkout", "-n", "shop"],
        "{.spec.template.spec.containers[0].envFrom[0].configMapRef.name}",
    );
    assert_eq!(env, "checkout-config");
    assert_eq!(
        jsonpath(
            &s,
            &["get", "cm", "checkout-config", "-n", "shop"],
            "{.data.CURRENCY_TABLE}"
        ),
        "eur-v3"
    );
    assert!(states(&s).iter().all(|r| r == "running"), "{:?}", states(&s));

    crate::advance(&s, 120, 10);
    assert_eq!(
        jsonpath(
            &s,
            &["get", "cm", "checkout-config", "-n", "shop"],
            "{.data.CURRENCY_TABLE}"
        ),
        "eur-v4"
    );
    let crashing = states(&s);
    assert!(
        crashing.iter().any(|r| r == "CrashLoopBackOff" || r == "Error"),
        "{crashing:?}"
    );
    let said = jsonpath(
        &s,
        &["get", "pods", "-n", "shop", "-l", "app=checkout"],
        "{.items[*].status.containerStatuses[0].lastState.terminated.message}",
    );
    assert!(said.contains("panic: config CURRENCY_TABLE=eur-v4"), "{said}");

    s.ok(&[
        "patch",
        "cm",
        "checkout-config",
        "-n",
        "shop",
        "-p",
        r#"{"data":{"CURRENCY_TABLE":"eur-v3"}}"#,
    ]);
    s.ok(&["rollout", "restart", "deploy/checkout", "-n", "shop"]);
    crate::advance(&s, 240, 10);
    let healed = states(&s);
    assert_eq!(healed.len(), 4, "{healed:?}");
    assert!(healed.iter().all(|r| r == "running"), "{healed:?}");
    assert_eq!(
        jsonpath(
            &s,
            &["get", "deploy", "checkout", "-n", "shop"],
            "{.status.readyReplicas}"
        ),
        "4"
    );
}

#[test]
fn a_pod_whose_config_map_is_gone_cannot_start() {
    let s = drill();
    crate::advance(&s, 30, 10);
    s.ok(&["delete", "cm", "checkout-config", "-n", "shop"]);
    let pod = jsonpath(
        &s,
        &["get", "pods", "-n", "shop", "-l", "app=checkout"],
        "{.items[0].metadata.name}",
    );
    s.ok(&["delete", "pod", &pod, "-n", "shop", "--wait=false"]);
    crate::advance(&s, 60, 10);
    let waiting = jsonpath(
        &s,
        &["get", "pods", "-n", "shop", "-l", "app=checkout"],
        "{range .items[*]}{.status.containerStatuses[0].state.waiting.reason}:{.status.containerStatuses[0].state.waiting.message}{'\\n'}{end}",
    );
    assert!(
        waiting.contains("CreateContainerConfigError:configmap \"checkout-config\" not found"),
        "{waiting}"
    );
    let events = s.ok(&["get", "events", "-n", "shop", "--field-selector", "reason=Failed"]);
    assert!(
        events.contains("Error: configmap \"checkout-config\" not found"),
        "{events}"
    );
}
