//! HorizontalPodAutoscalers in the drill, seen through kubectl and the drill's Prometheus: the
//! shipped `hpa-at-max` drill's surge scales frontend to its maximum and no further, requests
//! fail while each pod is overloaded, and raising the maximum brings them back.

use crate::jsonpath;
use warroom_testkit::drill::{Served, promql};

fn drill() -> Served {
    crate::paused_drill("hpa-at-max")
}

fn error_ratio(s: &Served) -> f64 {
    let now = s.control("GET", "/drill/v1/clock")["nowMs"].as_i64().expect("nowMs");
    promql(
        &s.prometheus,
        r#"sum(rate(http_requests_total{service="frontend",code=~"5.."}[1m])) / sum(rate(http_requests_total{service="frontend"}[1m]))"#,
        Some(now),
    )
    .expect("frontend's error ratio")
}

#[test]
fn a_surge_scales_to_the_autoscalers_max_and_raising_it_relieves_the_pods() {
    let s = drill();
    crate::advance(&s, 60, 15);
    let table = s.ok(&["get", "hpa", "-n", "shop"]);
    let lines: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split("  ").filter(|c| !c.is_empty()).map(str::trim).collect())
        .collect();
    assert_eq!(
        lines[0],
        ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"],
        "{table}"
    );
    assert_eq!(
        lines[1][..6],
        ["frontend", "Deployment/frontend", "cpu: 50%/60%", "3", "6", "3"],
        "{table}"
    );
    assert!(error_ratio(&s) < 0.01, "healthy before the surge");

    // The surge at 2m: the autoscaler doubles frontend at once, then stops at its max.
    crate::advance(&s, 180, 15);
    assert_eq!(
        jsonpath(&s, &["get", "deploy", "frontend", "-n", "shop"], "{.spec.replicas}"),
        "6"
    );
    let hpa = ["get", "hpa", "frontend", "-n", "shop"];
    assert_eq!(
        jsonpath(&s, &hpa, "{.status.currentReplicas}/{.status.desiredReplicas}"),
        "6/6"
    );
    assert_eq!(
        jsonpath(
            &s,
            &hpa,
            r#"{.status.conditions[?(@.type=="ScalingLimited")].status} {.status.conditions[?(@.type=="ScalingLimited")].reason}"#
        ),
        "True TooManyReplicas"
    );
    let utilization: i64 = jsonpath(
        &s,
        &hpa,
        "{.status.currentMetrics[0].resource.current.averageUtilization}",
    )
    .parse()
    .expect("a measured utilization");
    assert!(
        (110..=140).contains(&utilization),
        "2.5x the baseline load: {utilization}%"
    );
    let described = s.ok(&["describe", "hpa", "frontend", "-n", "shop"]);
    assert!(
        described.contains("SuccessfulRescale")
            && described.contains("New size: 6; reason: cpu resource utilization (percentage of request) above target"),
        "{described}"
    );
    assert!(
        described.contains("ScalingLimited") && described.contains("TooManyReplicas"),
        "{described}"
    );
    crate::advance(&s, 60, 15);
    let failing = error_ratio(&s);
    assert!(
        (0.02..0.1).contains(&failing),
        "overloaded pods fail requests: {failing}"
    );

    // The mitigation: a higher maximum. Pods start, the load spreads, the errors stop.
    s.ok(&[
        "patch",
        "hpa",
        "frontend",
        "-n",
        "shop",
        "--type=merge",
        "-p",
        r#"{"spec":{"maxReplicas":10}}"#,
    ]);
    crate::advance(&s, 180, 15);
    assert_eq!(
        jsonpath(
            &s,
            &["get", "deploy", "frontend", "-n", "shop"],
            "{.status.readyReplicas}"
        ),
        "10"
    );
    let recovered = error_ratio(&s);
    assert!(recovered < 0.005, "errors stop once the load is spread: {recovered}");
}

#[test]
fn kubectl_autoscale_creates_an_autoscaler_from_every_kubectl_version() {
    // kubectl up to 1.32 creates autoscaling/v1 objects; the drill keeps v2 and shows both.
    let s = crate::paused_drill("bad-deploy");
    for kubectl in warroom_testkit::every_kubectl() {
        let version = kubectl
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .replace("kubectl.1.", "");
        let name = format!("checkout-{version}");
        let out = s.kubectl_with(
            &kubectl,
            &[
                "autoscale",
                "deployment",
                "checkout",
                "-n",
                "shop",
                "--name",
                &name,
                "--min=2",
                "--max=5",
                "--cpu-percent=70",
            ],
        );
        assert!(
            out.status.success(),
            "{}: {}",
            kubectl.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let hpa = ["get", "hpa", name.as_str(), "-n", "shop"];
        assert_eq!(
            jsonpath(
                &s,
                &hpa,
                "{.apiVersion} {.spec.minReplicas} {.spec.maxReplicas} {.spec.metrics[0].resource.target.averageUtilization}"
            ),
            "autoscaling/v2 2 5 70",
            "{}",
            kubectl.display()
        );
        let v1 = format!("horizontalpodautoscalers.v1.autoscaling/{name}");
        assert_eq!(
            jsonpath(
                &s,
                &["get", &v1, "-n", "shop"],
                "{.apiVersion} {.spec.targetCPUUtilizationPercentage}"
            ),
            "autoscaling/v1 70"
        );
        let patched = s.kubectl(&[
            "patch",
            &v1,
            "-n",
            "shop",
            "--type=merge",
            "-p",
            r#"{"spec":{"maxReplicas":6}}"#,
        ]);
        let said = String::from_utf8_lossy(&patched.stderr);
        assert!(
            !patched.status.success() && said.contains("served at autoscaling/v2"),
            "a v1 patch is refused, naming the version that takes it: {said}"
        );
        s.ok(&["delete", &v1, "-n", "shop"]);
        let gone = s.kubectl_with(&kubectl, &hpa);
        assert!(!gone.status.success(), "{name} was deleted through v1");
    }
}
