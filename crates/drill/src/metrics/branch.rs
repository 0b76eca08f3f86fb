//! A replay's signals once its timeline branched: for each workload a player took over, which
//! recorded series are its (withheld from the branch on) and the service model, read from what
//! the recording showed before the branch, that makes them from the drill's cluster instead.
//! Reads the sample store; writes nothing.

use std::collections::HashSet;

use super::observe::Observation;
use super::promql::{Query, QueryOptions, QueryValue};
use super::series::SeriesStore;
use super::signals::{SIGMA, ServiceModel, traffic_cycle};

/// A workload the drill's models took over from the recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Branched {
    /// `namespace/name`.
    pub workload: String,
    pub namespace: String,
    pub name: String,
    /// When the timeline branched for it (ms).
    pub since: i64,
    /// Its pods when it branched.
    pub pods: HashSet<String>,
    /// The Service its request series name, when the recording has any.
    pub service: Option<String>,
}

/// The objective a branched service's rules assume: the recording does not say.
const OBJECTIVE: f64 = 0.999;
/// The window the recorded rates are read over, as the panels read them.
const WINDOW: &str = "5m";
const WINDOW_MS: i64 = 5 * 60 * 1000;
/// How often the recording before the branch is read for its healthiest moment.
const STEP_MS: i64 = 60 * 1000;

impl Branched {
    /// `workload` (`namespace/name`) branched at `since` with `pods`; its Service is the one
    /// the recorded request series of those pods name.
    pub fn new(workload: &str, pods: Vec<String>, since: i64, store: &SeriesStore) -> Branched {
        let (namespace, name) = workload.split_once('/').unwrap_or(("", workload));
        let mut b = Branched {
            workload: workload.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
            since,
            pods: pods.into_iter().collect(),
            service: None,
        };
        let requests = [
            super::Matcher::equal("__name__", "http_requests_total"),
            super::Matcher::equal("namespace", namespace),
        ];
        b.service = store.matching(&requests).into_iter().find_map(|id| {
            let labels = &store.get(id)?.labels;
            let pod = labels.get("pod")?;
            b.is_its_pod(pod).then(|| labels.get("service").map(str::to_string))?
        });
        b
    }

    /// Whether `pod` is this workload's: one of its pods when it branched, or named as its
    /// controller names pods (`NAME-HASH-ID` of a Deployment, `NAME-ID` of a DaemonSet or
    /// StatefulSet), for the pods the recording made after.
    fn is_its_pod(&self, pod: &str) -> bool {
        if self.pods.contains(pod) {
            return true;
        }
        pod.strip_prefix(self.name.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|rest| !rest.is_empty() && rest.matches('-').count() <= 1)
    }

    /// Whether a recorded series with `labels` is this workload's: its Service's requests, its
    /// pods' containers, its own replica counts.
    pub fn owns<'a>(&self, mut labels: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
        let (mut namespace, mut service, mut pod, mut workload) = (None, None, None, None);
        for (n, v) in labels.by_ref() {
            match n {
                "namespace" => namespace = Some(v),
                "service" => service = Some(v),
                "pod" => pod = Some(v),
                "deployment" | "statefulset" | "daemonset" => workload = Some(v),
                _ => {}
            }
        }
        namespace == Some(self.namespace.as_str())
            && (self.service.is_some() && service == self.service.as_deref()
                || workload == Some(self.name.as_str())
                || pod.is_some_and(|p| self.is_its_pod(p)))
    }

    /// Its service as the drill's models make one: the traffic, error ratio, latency and
    /// serving pods the recording showed at its healthiest moment before the branch (the
    /// lowest error ratio, read every minute from `from`). None without recorded requests.
    pub fn model(&self, store: &SeriesStore, from: i64) -> Option<ServiceModel> {
        let service = self.service.clone()?;
        let sel = format!("namespace=\"{}\",service=\"{service}\"", self.namespace);
        let requests = format!("sum(rate(http_requests_total{{{sel}}}[{WINDOW}]))");
        let errors =
            format!("(sum(rate(http_requests_total{{{sel},code=~\"5..\"}}[{WINDOW}])) or vector(0)) / {requests}");
        let first = (from + WINDOW_MS).min(self.since);
        let healthiest = (0..)
            .map(|k| first + k * STEP_MS)
            .take_while(|t| *t <= self.since)
            .filter_map(|t| Some((t, value(store, &errors, t)?)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let (at, error_ratio) = healthiest?;
        let rps = value(store, &requests, at)? / traffic_cycle(at);
        let mean = value(
            store,
            &format!(
                "sum(rate(http_request_duration_seconds_sum{{{sel}}}[{WINDOW}])) / sum(rate(http_request_duration_seconds_count{{{sel}}}[{WINDOW}]))"
            ),
            at,
        );
        let serving = value(
            store,
            &format!("count(sum by (pod) (rate(http_requests_total{{{sel}}}[{WINDOW}])) > 0)"),
            at,
        );
        Some(ServiceModel {
            namespace: self.namespace.clone(),
            workload: self.workload.clone(),
            service,
            rps,
            replicas: serving.unwrap_or(1.0).max(1.0),
            error_ratio: error_ratio.clamp(0.0, 1.0),
            // The models' latency is log-normal: its median is the mean over e^(σ²/2).
            latency_s: mean.map_or(0.05, |m| m / (SIGMA * SIGMA / 2.0).exp()),
            objective: OBJECTIVE,
            calls: Vec::new(),
        })
    }
}

/// The one value `query` gives at `t_ms`, if it gives a finite one.
fn value(store: &SeriesStore, query: &str, t_ms: i64) -> Option<f64> {
    let q = Query::parse(query).ok()?;
    let v = match q.instant(store, t_ms, &QueryOptions::default()).ok()? {
        QueryValue::Scalar { v, .. } => v,
        QueryValue::Vector(samples) => samples.first()?.v,
        _ => return None,
    };
    v.is_finite().then_some(v)
}

/// What of `obs` the branched workloads' models read: their pods and Deployments, from the
/// moment each branched, and every node (its load slows the pods on it; its series stay the
/// recording's).
pub fn observed(branched: &[Branched], obs: &Observation) -> Observation {
    let modelled = |workload: &str| branched.iter().any(|b| b.workload == workload && obs.t_ms > b.since);
    Observation {
        t_ms: obs.t_ms,
        pods: obs
            .pods
            .iter()
            .filter(|p| p.workload.as_deref().is_some_and(modelled))
            .cloned()
            .collect(),
        deployments: obs
            .deployments
            .iter()
            .filter(|d| modelled(&format!("{}/{}", d.namespace, d.name)))
            .cloned()
            .collect(),
        nodes: obs.nodes.clone(),
        surges: obs.surges.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branched(pods: &[&str]) -> Branched {
        Branched {
            workload: "shop/checkout".into(),
            namespace: "shop".into(),
            name: "checkout".into(),
            since: 0,
            pods: pods.iter().map(|p| p.to_string()).collect(),
            service: Some("checkout".into()),
        }
    }

    fn owns(b: &Branched, labels: &[(&str, &str)]) -> bool {
        b.owns(labels.iter().copied())
    }

    #[test]
    fn a_branched_service_is_modelled_as_the_recording_showed_it_at_its_healthiest() {
        // Two pods at 10 rps each: 0.1% failing for ten minutes, then half (a bad rollout).
        let mut store = SeriesStore::new();
        let (mut ok, mut failed) = (0.0, 0.0);
        for step in 0..=80 {
            let t = step * 15_000;
            let failing = if t <= 600_000 { 0.001 } else { 0.5 };
            ok += 10.0 * 15.0 * (1.0 - failing);
            failed += 10.0 * 15.0 * failing;
            for pod in ["checkout-5d8-aaaaa", "checkout-5d8-bbbbb"] {
                for (code, v) in [("200", ok), ("500", failed)] {
                    let labels = [
                        ("__name__", "http_requests_total"),
                        ("namespace", "shop"),
                        ("service", "checkout-svc"),
                        ("pod", pod),
                        ("code", code),
                    ];
                    store.append(&labels, t, v).expect("appended");
                }
            }
        }
        let b = Branched::new("shop/checkout", vec!["checkout-5d8-aaaaa".into()], 1_200_000, &store);
        assert_eq!(
            b.service.as_deref(),
            Some("checkout-svc"),
            "the Service its pods' requests name"
        );
        let model = b.model(&store, 0).expect("a model");
        assert!((model.error_ratio - 0.001).abs() < 1e-6, "{model:?}");
        assert_eq!(model.replicas, 2.0);
        let measured = model.rps * traffic_cycle(300_000);
        assert!((measured - 20.0).abs() < 0.5, "{model:?}");
        // No requests recorded for a workload: nothing to model.
        let quiet = Branched::new("shop/cart", vec!["cart-1-aaaaa".into()], 1_200_000, &store);
        assert!(quiet.model(&store, 0).is_none());
    }

    #[test]
    fn a_workloads_series_are_its_services_its_pods_and_its_replica_counts() {
        let b = branched(&["checkout-legacy"]);
        assert!(owns(
            &b,
            &[("namespace", "shop"), ("service", "checkout"), ("pod", "x")]
        ));
        assert!(owns(&b, &[("namespace", "shop"), ("deployment", "checkout")]));
        assert!(owns(&b, &[("namespace", "shop"), ("pod", "checkout-7d9f-abcde")]));
        assert!(owns(&b, &[("namespace", "shop"), ("pod", "checkout-legacy")]));
        // Another workload whose name starts the same, another namespace, a node.
        assert!(!owns(
            &b,
            &[("namespace", "shop"), ("pod", "checkout-worker-7d9f-abcde")]
        ));
        assert!(!owns(&b, &[("namespace", "shop"), ("service", "cart")]));
        assert!(!owns(&b, &[("namespace", "web"), ("service", "checkout")]));
        assert!(!owns(&b, &[("node", "node-1")]));
    }
}
