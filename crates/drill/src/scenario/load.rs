//! Reading a scenario file: YAML parsing with the field path of any error, then the checks
//! serde cannot do (references between nodes, workloads and faults). Every error names the
//! file, line, column and field path; an invalid file never yields a scenario.

use std::collections::BTreeSet;
use std::path::Path;

use super::model::{self, At, Scenario, WorkloadKind};

/// A problem in a scenario file, and all of a file's problems.
use warroom_files::{FileError, FileErrors};

/// The built-in default drill (the bad deploy), shipped inside the binary.
pub const BUILTIN_NAME: &str = "drills/bad-deploy.yaml";
pub const BUILTIN: &str = include_str!("../../../../drills/bad-deploy.yaml");

/// Reads and checks a scenario file.
pub fn load_file(path: &Path) -> Result<Scenario, FileErrors> {
    let (name, text) = warroom_files::yaml::read(path)?;
    parse(&name, &text)
}

/// The built-in bad-deploy scenario.
pub fn builtin() -> Scenario {
    parse(BUILTIN_NAME, BUILTIN).expect("the built-in scenario is checked by tests")
}

/// Parses and checks scenario text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Scenario, FileErrors> {
    let scenario: Scenario = warroom_files::yaml::parse(file, text)?;
    let errors = check(file, &scenario);
    if errors.is_empty() {
        Ok(scenario)
    } else {
        Err(FileErrors(errors))
    }
}

struct Checker<'a> {
    file: &'a str,
    errors: Vec<FileError>,
}

impl Checker<'_> {
    /// A problem in a part of the file that keeps no position (top-level scalars, maps by key).
    fn unplaced(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FileError {
            file: self.file.to_string(),
            line: 0,
            column: 0,
            path: path.into(),
            message: message.into(),
        });
    }

    fn at<T>(&mut self, at: &At<T>, path: String, message: impl Into<String>) {
        let (line, column) = at.position();
        self.errors.push(FileError {
            file: self.file.to_string(),
            line,
            column,
            path,
            message: message.into(),
        });
    }
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// Every node name the scenario creates, in order.
pub fn node_names(s: &Scenario) -> Vec<String> {
    let mut names = Vec::new();
    for n in &s.nodes {
        let n = n.get();
        match n.count {
            Some(c) => names.extend((1..=c).map(|i| format!("{}-{i}", n.name))),
            None => names.push(n.name.clone()),
        }
    }
    names
}

/// The most metrics history a scenario may ask to be backfilled.
const MAX_HISTORY_MS: i64 = 15 * 86_400_000;

fn check(file: &str, s: &Scenario) -> Vec<FileError> {
    let mut c = Checker {
        file,
        errors: Vec::new(),
    };
    if let Some(start) = &s.start
        && start.parse::<jiff::Timestamp>().is_err()
    {
        c.unplaced(
            "start",
            format!("{:?} is not an RFC 3339 time such as 2026-11-24T14:00:00Z", start),
        );
    }
    if let Some(h) = s.history
        && h.millis > MAX_HISTORY_MS
    {
        c.unplaced(
            "history",
            format!("{h} of history is too much: the drill holds it in memory (at most 15d)"),
        );
    }
    for (i, ns) in s.namespaces.iter().enumerate() {
        if !is_dns_label(ns) {
            c.unplaced(
                format!("namespaces[{i}]"),
                format!("{ns:?} is not a valid namespace name (lower-case letters, digits, '-')"),
            );
        }
    }
    if s.nodes.is_empty() {
        c.unplaced("nodes", "a scenario needs at least one node");
    }
    let mut seen = BTreeSet::new();
    for (i, n) in s.nodes.iter().enumerate() {
        let spec = n.get();
        if !is_dns_subdomain(&spec.name) {
            c.at(
                n,
                format!("nodes[{i}].name"),
                format!("{:?} is not a valid node name", spec.name),
            );
        }
        if spec.count == Some(0) {
            c.at(n, format!("nodes[{i}].count"), "count must be at least 1");
        }
        if spec.cpu.value <= 0.0 || spec.memory.value <= 0.0 || spec.max_pods == 0 {
            c.at(n, format!("nodes[{i}]"), "cpu, memory and maxPods must be above zero");
        }
        if let Some(kubelet) = &spec.kubelet_version {
            match model::parse_version(kubelet) {
                None => c.at(n, format!("nodes[{i}].kubeletVersion"), bad_version(kubelet)),
                // The version skew policy: a kubelet is never newer than its API server.
                Some((minor, _)) if minor > s.apiserver.minor_patch().0 => c.at(
                    n,
                    format!("nodes[{i}].kubeletVersion"),
                    format!(
                        "kubelet {kubelet} is newer than the API server ({}); a kubelet may not be",
                        s.apiserver.git_version()
                    ),
                ),
                Some(_) => {}
            }
        }
        let names = match spec.count {
            Some(k) => (1..=k).map(|j| format!("{}-{j}", spec.name)).collect(),
            None => vec![spec.name.clone()],
        };
        for name in names {
            if !seen.insert(name.clone()) {
                c.at(n, format!("nodes[{i}].name"), format!("node {name:?} is defined twice"));
            }
        }
    }
    let mut workloads = BTreeSet::new();
    for (i, w) in s.workloads.iter().enumerate() {
        let spec = w.get();
        if !is_dns_label(&spec.name) {
            c.at(
                w,
                format!("workloads[{i}].name"),
                format!("{:?} is not a valid workload name", spec.name),
            );
        }
        if !is_dns_label(&spec.namespace) {
            c.at(
                w,
                format!("workloads[{i}].namespace"),
                format!("{:?} is not a valid namespace name", spec.namespace),
            );
        }
        if !workloads.insert(format!("{}/{}", spec.namespace, spec.name)) {
            c.at(
                w,
                format!("workloads[{i}].name"),
                format!("workload {}/{} is defined twice", spec.namespace, spec.name),
            );
        }
        if spec.revisions.is_empty() {
            c.at(
                w,
                format!("workloads[{i}].revisions"),
                "list at least one revision (the image running at the start)",
            );
        }
        for (j, r) in spec.revisions.iter().enumerate() {
            if r.image.trim().is_empty() {
                c.at(
                    w,
                    format!("workloads[{i}].revisions[{j}].image"),
                    "image must not be empty",
                );
            }
        }
        if let Some(p) = &spec.pdb
            && p.min_available.is_some() == p.max_unavailable.is_some()
        {
            c.at(
                w,
                format!("workloads[{i}].pdb"),
                "set exactly one of minAvailable and maxUnavailable",
            );
        }
        if spec.kind == WorkloadKind::Deployment && spec.max_surge == Some(0) && spec.max_unavailable == Some(0) {
            c.at(
                w,
                format!("workloads[{i}].maxSurge"),
                "maxSurge and maxUnavailable cannot both be 0",
            );
        }
        if let Some(a) = &spec.autoscaler {
            let at = format!("workloads[{i}].autoscaler");
            if spec.kind == WorkloadKind::DaemonSet {
                c.at(
                    w,
                    at.clone(),
                    "a DaemonSet cannot be autoscaled (it runs one pod per node)",
                );
            }
            if a.min_replicas == 0 || a.min_replicas > a.max_replicas {
                c.at(
                    w,
                    format!("{at}.minReplicas"),
                    format!(
                        "minReplicas must be 1 to maxReplicas ({}), not {}",
                        a.max_replicas, a.min_replicas
                    ),
                );
            }
            if a.cpu_utilization == 0 {
                c.at(w, format!("{at}.cpuUtilization"), "cpuUtilization must be above 0");
            }
        }
        if spec.traffic < 0.0 || !spec.traffic.is_finite() {
            c.at(
                w,
                format!("workloads[{i}].traffic"),
                "traffic must be a non-negative number of requests per second",
            );
        }
        let sig = &spec.signals;
        if !(0.0..1.0).contains(&sig.error_ratio) {
            c.at(
                w,
                format!("workloads[{i}].signals.errorRatio"),
                "errorRatio must be a fraction from 0 up to (not including) 1",
            );
        }
        if !(sig.objective > 0.0 && sig.objective < 1.0) {
            c.at(
                w,
                format!("workloads[{i}].signals.objective"),
                "objective must be a fraction between 0 and 1, e.g. 0.999",
            );
        }
        if sig.latency.millis <= 0 {
            c.at(
                w,
                format!("workloads[{i}].signals.latency"),
                "latency must be above zero",
            );
        }
    }
    // Workloads behind one Service must not select each other's pods: each sets its own track.
    // (namespace, Service) → (workload index, track) of each workload behind it.
    type Behind = std::collections::BTreeMap<(String, String), Vec<(usize, Option<String>)>>;
    let mut behind = Behind::new();
    for (i, w) in s.workloads.iter().enumerate() {
        let spec = w.get();
        let service = spec.service.clone().unwrap_or_else(|| spec.name.clone());
        behind
            .entry((spec.namespace.clone(), service))
            .or_default()
            .push((i, spec.track.clone()));
    }
    for ((ns, service), sharing) in &behind {
        if sharing.len() < 2 {
            continue;
        }
        let mut tracks = BTreeSet::new();
        for (i, track) in sharing {
            let fine = track
                .as_ref()
                .is_some_and(|t| is_dns_label(t) && tracks.insert(t.clone()));
            if !fine {
                c.at(
                    &s.workloads[*i],
                    format!("workloads[{i}].track"),
                    format!(
                        "{} workloads share Service {ns}/{service}: each needs its own track (stable, canary)",
                        sharing.len()
                    ),
                );
            }
        }
    }
    for (image, b) in &s.images {
        if let Some(r) = b.error_ratio
            && !(0.0..=1.0).contains(&r)
        {
            c.unplaced(
                format!("images.{image}.errorRatio"),
                format!("errorRatio must be a fraction from 0 to 1, not {r}"),
            );
        }
    }
    let nodes: BTreeSet<String> = node_names(s).into_iter().collect();
    let with_traffic: BTreeSet<String> = s
        .workloads
        .iter()
        .map(|w| w.get())
        .filter(|w| w.traffic > 0.0)
        .map(|w| format!("{}/{}", w.namespace, w.name))
        .collect();
    // A workload calls services that receive traffic, never itself.
    for (i, w) in s.workloads.iter().enumerate() {
        let spec = w.get();
        let me = format!("{}/{}", spec.namespace, spec.name);
        for (j, call) in spec.calls.iter().enumerate() {
            let at = format!("workloads[{i}].calls[{j}]");
            if call.workload == me {
                c.at(w, format!("{at}.workload"), "a workload does not call itself");
            } else if !with_traffic.contains(&call.workload) {
                c.at(
                    w,
                    format!("{at}.workload"),
                    format!(
                        "{:?} is not a workload with traffic in this file (write namespace/name)",
                        call.workload
                    ),
                );
            }
            if !(call.share > 0.0 && call.share <= 1.0) {
                c.at(w, format!("{at}.share"), "share must be above 0 and at most 1");
            }
        }
    }
    let with_config: BTreeSet<String> = s
        .workloads
        .iter()
        .map(|w| w.get())
        .filter(|w| w.config.is_some())
        .map(|w| format!("{}/{}", w.namespace, w.name))
        .collect();
    for (i, f) in s.faults.iter().enumerate() {
        let spec = f.get();
        let set = [
            spec.rollout.is_some(),
            spec.node_condition.is_some(),
            spec.oom_kill.is_some(),
            spec.usage.is_some(),
            spec.scale.is_some(),
            spec.traffic.is_some(),
            spec.config.is_some(),
            spec.service.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if set != 1 {
            c.at(
                f,
                format!("faults[{i}]"),
                "a fault needs exactly one of rollout, nodeCondition, oomKill, usage, scale, traffic, config, service",
            );
        }
        let workload_ref = |field: &str, r: &str, c: &mut Checker| {
            if !workloads.contains(r) {
                c.at(
                    f,
                    format!("faults[{i}].{field}.workload"),
                    format!("no workload {r:?} (write namespace/name of a workload in this file)"),
                );
            }
        };
        if let Some(r) = &spec.rollout {
            workload_ref("rollout", &r.workload, &mut c);
        }
        if let Some(r) = &spec.oom_kill {
            workload_ref("oomKill", &r.workload, &mut c);
        }
        if let Some(r) = &spec.usage {
            workload_ref("usage", &r.workload, &mut c);
        }
        if let Some(r) = &spec.scale {
            workload_ref("scale", &r.workload, &mut c);
        }
        if let Some(cf) = &spec.config {
            workload_ref("config", &cf.workload, &mut c);
            if !with_config.contains(&cf.workload) && workloads.contains(&cf.workload) {
                c.at(
                    f,
                    format!("faults[{i}].config.workload"),
                    format!("{} has no ConfigMap to change (give it `config:`)", cf.workload),
                );
            }
        }
        if let Some(t) = &spec.traffic {
            workload_ref("traffic", &t.workload, &mut c);
            if !(t.factor.is_finite() && t.factor >= 0.0) {
                c.at(
                    f,
                    format!("faults[{i}].traffic.factor"),
                    format!("factor must be zero or more, not {}", t.factor),
                );
            }
            if !with_traffic.contains(&t.workload) && workloads.contains(&t.workload) {
                c.at(
                    f,
                    format!("faults[{i}].traffic.workload"),
                    format!("{} has no traffic to change (give it `traffic:`)", t.workload),
                );
            }
        }
        if let Some(sf) = &spec.service {
            workload_ref("service", &sf.workload, &mut c);
            if !with_traffic.contains(&sf.workload) && workloads.contains(&sf.workload) {
                c.at(
                    f,
                    format!("faults[{i}].service.workload"),
                    format!("{} has no Service to change (give it `traffic:`)", sf.workload),
                );
            }
        }
        if let Some(nc) = &spec.node_condition {
            if !nodes.contains(&nc.node) {
                c.at(
                    f,
                    format!("faults[{i}].nodeCondition.node"),
                    format!("no node {:?} in this scenario", nc.node),
                );
            }
            if ![
                "Ready",
                "MemoryPressure",
                "DiskPressure",
                "PIDPressure",
                "NetworkUnavailable",
            ]
            .contains(&nc.condition.as_str())
            {
                c.at(
                    f,
                    format!("faults[{i}].nodeCondition.condition"),
                    format!(
                        "unknown condition {:?} (Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable)",
                        nc.condition
                    ),
                );
            }
            if !["True", "False", "Unknown"].contains(&nc.status.as_str()) {
                c.at(
                    f,
                    format!("faults[{i}].nodeCondition.status"),
                    format!("status must be True, False or Unknown, not {:?}", nc.status),
                );
            }
        }
    }
    if !(s.dynamics.memory_pressure_ratio > 0.0 && s.dynamics.memory_pressure_ratio <= 1.0) {
        c.unplaced("dynamics.memoryPressureRatio", "must be above 0 and at most 1");
    }
    let mut alert_names = BTreeSet::new();
    for (i, a) in s.alerts.iter().flatten().enumerate() {
        let rule = a.get();
        if !crate::metrics::labels::is_valid_label_name(&rule.alert) {
            c.at(
                a,
                format!("alerts[{i}].alert"),
                format!("{:?} is not a valid alert name (letters, digits, '_')", rule.alert),
            );
        }
        if !alert_names.insert((rule.alert.clone(), rule.expr.clone())) {
            c.at(
                a,
                format!("alerts[{i}]"),
                format!("alert {:?} is defined twice", rule.alert),
            );
        }
        if let Err(e) = crate::metrics::promql::Query::parse(&rule.expr) {
            c.at(a, format!("alerts[{i}].expr"), e.to_string());
        }
        for name in rule.labels.keys().chain(rule.annotations.keys()) {
            if !crate::metrics::labels::is_valid_label_name(name) {
                c.at(a, format!("alerts[{i}]"), format!("{name:?} is not a valid label name"));
            }
        }
    }
    const VERBS: &[&str] = &[
        "get",
        "list",
        "watch",
        "create",
        "update",
        "patch",
        "delete",
        "deletecollection",
        "*",
    ];
    for (i, d) in s.rbac.deny.iter().enumerate() {
        if !VERBS.contains(&d.verb.as_str()) {
            c.unplaced(
                format!("rbac.deny[{i}].verb"),
                format!("unknown verb {:?} (one of {})", d.verb, VERBS.join(", ")),
            );
        }
    }
    check_apiserver(&mut c, &s.apiserver);
    if let Some(o) = &s.objectives {
        check_objectives(&mut c, o);
    }
    c.errors
}

fn bad_version(text: &str) -> String {
    format!(
        "{text:?} is not a Kubernetes version the drill plays: 1.N or 1.N.P with N from {} to {}",
        model::OLDEST_MINOR,
        model::NEWEST_MINOR
    )
}

/// The version must be one the drill plays, and what is set explicitly must exist in it.
fn check_objectives(c: &mut Checker, at: &At<model::Objectives>) {
    let o = at.get();
    let times = [
        ("declare", o.declare),
        ("contain", o.contain),
        ("mitigate", o.mitigate),
        ("resolve", o.resolve),
        ("updates", o.updates),
    ];
    for (name, d) in times {
        if d.is_some_and(|d| d.millis <= 0) {
            c.at(at, format!("objectives.{name}"), "must be longer than zero");
        }
    }
    if o.playbook.as_deref().is_some_and(|p| p.trim().is_empty()) {
        c.at(at, "objectives.playbook".into(), "names no playbook");
    }
    for (i, f) in o.forbidden.iter().enumerate() {
        let action = &f.get().action;
        if !model::ACTIONS.contains(&action.as_str()) {
            c.at(
                f,
                format!("objectives.forbidden[{i}].action"),
                format!(
                    "{action:?} is not an action warroom takes; use one of {}",
                    model::ACTIONS.join(", ")
                ),
            );
        }
    }
    for (i, r) in o.roles.iter().enumerate() {
        if !model::ROLES.contains(&r.as_str()) {
            c.at(
                at,
                format!("objectives.roles[{i}]"),
                format!("{r:?} is not a role; use one of {}", model::ROLES.join(", ")),
            );
        }
    }
}

fn check_apiserver(c: &mut Checker, server: &model::ApiServer) {
    if let Some(v) = &server.version
        && model::parse_version(v.get()).is_none()
    {
        c.at(v, "apiserver.version".into(), bad_version(v.get()));
    }
    let minor = server.minor_patch().0;
    if let Some(e) = &server.eviction
        && *e.get() == model::EvictionApi::V1
        && minor < 22
    {
        c.at(
            e,
            "apiserver.eviction".into(),
            format!("policy/v1 evictions arrived in 1.22; a 1.{minor} server offers policy/v1beta1"),
        );
    }
    if let Some(r) = &server.self_subject_review
        && *r.get()
        && minor < 28
    {
        c.at(
            r,
            "apiserver.selfSubjectReview".into(),
            format!("SelfSubjectReview (authentication.k8s.io/v1) arrived in 1.28; a 1.{minor} server has none"),
        );
    }
}

/// The JSON Schema of the scenario format, as published in `schemas/scenario.schema.json`.
pub fn json_schema() -> serde_json::Value {
    warroom_files::shape::schema::<Scenario>()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema that places every problem after the first must accept every valid file, or
    /// `warroom check` would add problems that are not there.
    #[test]
    fn the_schema_accepts_every_shipped_and_fixture_scenario() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files: Vec<_> = ["drills", "tests/fixtures/scenarios"]
            .iter()
            .flat_map(|d| {
                std::fs::read_dir(root.join(d))
                    .expect("dir")
                    .map(|e| e.expect("entry").path())
            })
            // Scenarios only: drills/recordings/ holds flight recordings.
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        assert!(files.len() >= 8, "{files:?}");
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read");
            let name = f.display().to_string();
            parse(&name, &text).unwrap_or_else(|e| panic!("{e}"));
            let problems = warroom_files::shape::yaml_problems::<Scenario>(&name, &text);
            assert!(problems.is_empty(), "{}", warroom_files::FileErrors(problems));
        }
    }

    #[test]
    fn every_shape_problem_in_a_scenario_is_reported_on_its_own_line() {
        // `name: n` is text to the deserializer, though YAML 1.1 reads a bare n as false.
        let text = "name: x\nnmae: y\nnodes:\n  - name: n\n    count: lots\nworkloads:\n  - name: w\n    namespace: shop\n    replicas: 1\n    colour: red\n    revisions: [{image: web:1}]\ntitle: X\n";
        let errors = parse("s.yaml", text).expect_err("three problems");
        let lines: Vec<usize> = errors.0.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 5, 10], "{errors}");
        assert_eq!(errors.0[2].path, "workloads[0].colour", "{errors}");
    }

    #[test]
    fn workloads_sharing_a_service_each_need_their_own_track_and_error_ratios_are_fractions() {
        let text = "name: x\ntitle: X\nnodes:\n  - name: n\nworkloads:\n  - name: web\n    namespace: shop\n    track: stable\n    revisions: [{image: web:1}]\n  - name: web-canary\n    namespace: shop\n    service: web\n    revisions: [{image: web:2}]\nimages:\n  web:2: {errorRatio: 1.5}\n";
        let errors = parse("s.yaml", text).expect_err("two problems");
        let found: Vec<(usize, &str)> = errors.0.iter().map(|e| (e.line, e.path.as_str())).collect();
        assert_eq!(
            found,
            [(10, "workloads[1].track"), (0, "images.web:2.errorRatio")],
            "{errors}"
        );
        assert!(errors.0[0].message.contains("share Service shop/web"), "{errors}");
        let fixed = text
            .replace("service: web\n", "service: web\n    track: canary\n")
            .replace("1.5", "0.3");
        parse("s.yaml", &fixed).expect("each has its track");
    }

    #[test]
    fn a_workload_calls_services_with_traffic_other_than_itself_on_a_share_of_its_requests() {
        let text = "name: x\ntitle: X\nnodes:\n  - name: n\nworkloads:\n  - name: web\n    namespace: shop\n    traffic: 10\n    revisions: [{image: web:1}]\n    calls:\n      - {workload: shop/web}\n      - {workload: shop/db, share: 0}\n      - {workload: shop/batch}\n  - name: db\n    namespace: shop\n    traffic: 5\n    revisions: [{image: db:1}]\n  - name: batch\n    namespace: shop\n    revisions: [{image: batch:1}]\n";
        let errors = parse("s.yaml", text).expect_err("three problems");
        let found: Vec<(usize, &str)> = errors.0.iter().map(|e| (e.line, e.path.as_str())).collect();
        assert_eq!(
            found,
            [
                (6, "workloads[0].calls[0].workload"),
                (6, "workloads[0].calls[1].share"),
                (6, "workloads[0].calls[2].workload")
            ],
            "{errors}"
        );
        assert!(errors.0[2].message.contains("not a workload with traffic"), "{errors}");
        let fixed = text
            .replace("      - {workload: shop/web}\n", "")
            .replace("share: 0}", "share: 0.5}")
            .replace("      - {workload: shop/batch}\n", "");
        let s = parse("s.yaml", &fixed).expect("fixed");
        assert_eq!(s.workloads[0].get().calls[0].share, 0.5);
    }

    #[test]
    fn a_scenario_may_not_ask_for_more_history_than_memory_holds() {
        let text = "name: x\ntitle: X\nhistory: 20d\nnodes:\n  - name: n\n";
        let errors = parse("s.yaml", text).expect_err("too much");
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(errors.0[0].path, "history");
        assert!(errors.0[0].message.contains("at most 15d"), "{errors}");
        let fine = parse("s.yaml", &text.replace("20d", "8d")).expect("8d is fine");
        assert_eq!(fine.history.map(|h| h.millis), Some(8 * 86_400_000));
    }

    #[test]
    fn objectives_name_actions_and_roles_the_console_has_and_times_longer_than_zero() {
        let text = "name: x\ntitle: X\nnodes:\n  - name: n\nobjectives:\n  declare: 0s\n  roles: [commander, captain]\n  forbidden:\n    - action: drain\n      why: the last node\n    - action: rollback\n      why: no\n";
        let errors = parse("s.yaml", text).expect_err("three problems");
        let found: Vec<(usize, &str)> = errors.0.iter().map(|e| (e.line, e.path.as_str())).collect();
        assert_eq!(
            found,
            [
                (6, "objectives.declare"),
                (11, "objectives.forbidden[1].action"),
                (6, "objectives.roles[1]")
            ],
            "{errors}"
        );
        assert!(errors.0[1].message.contains("rollout_undo"), "{errors}");
        let fixed = text
            .replace("0s", "5m")
            .replace("captain", "comms")
            .replace("rollback", "rollout_undo");
        let s = parse("s.yaml", &fixed).expect("fixed");
        assert_eq!(s.objectives.map(|o| o.get().forbidden.len()), Some(2));
    }
}
