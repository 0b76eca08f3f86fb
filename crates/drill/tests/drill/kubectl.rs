//! The drill cluster driven by the real kubectl on the machine (the 1.32 on PATH, and another
//! minor version shipped beside it). Every change is checked through a second kubectl call.

use std::path::Path;

use crate::jsonpath;
use warroom_testkit::drill::{Served, Setup};
use warroom_testkit::{every_kubectl, kubectl_path, other_kubectl, wait_for};

fn sim() -> Served {
    Served::start(
        Some(&warroom_testkit::scenario("shop")),
        Setup {
            speed: Some(10.0),
            ..Setup::default()
        },
    )
}

/// The name of the first pod in `shop`.
fn first_pod(s: &Served) -> String {
    let pods = s.ok(&["get", "pods", "-n", "shop", "-o", "name"]);
    let pod = pods.lines().next().expect("a pod in shop");
    pod.trim_start_matches("pod/").to_string()
}

fn header(out: &str) -> Vec<String> {
    out.lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn rows(out: &str) -> Vec<Vec<String>> {
    out.lines()
        .skip(1)
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

fn pods_of(s: &Served, app: &str) -> Vec<String> {
    s.ok(&["get", "pods", "-n", "shop", "-l", &format!("app={app}"), "-o", "name"])
        .lines()
        .map(|l| l.trim_start_matches("pod/").to_string())
        .collect()
}

fn check_gets(s: &Served, kubectl: &Path) {
    let nodes = s.ok_with(kubectl, &["get", "nodes"]);
    assert_eq!(header(&nodes), ["NAME", "STATUS", "ROLES", "AGE", "VERSION"], "{nodes}");
    let nodes = rows(&nodes);
    assert_eq!(nodes.len(), 3);
    assert!(nodes.iter().all(|r| r[1] == "Ready" && r[4] == "v1.32.4"), "{nodes:?}");

    let pods = s.ok_with(kubectl, &["get", "pods", "-A"]);
    assert_eq!(
        header(&pods),
        ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        "{pods}"
    );
    let pods = rows(&pods);
    // 2 web + 3 api + one agent per node.
    assert_eq!(pods.len(), 8, "{pods:?}");
    assert!(
        pods.iter().all(|r| r[2] == "1/1" && r[3] == "Running" && r[4] == "0"),
        "{pods:?}"
    );

    let deploys = s.ok_with(kubectl, &["get", "deploy", "-n", "shop"]);
    assert_eq!(header(&deploys), ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    let web = rows(&deploys)
        .into_iter()
        .find(|r| r[0] == "web")
        .expect("web deployment");
    assert_eq!(&web[1..4], ["2/2", "2", "2"]);

    let rs = s.ok_with(kubectl, &["get", "rs", "-n", "shop", "-l", "app=web"]);
    assert_eq!(header(&rs), ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
    let mut counts: Vec<String> = rows(&rs).iter().map(|r| r[1..4].join("/")).collect();
    counts.sort();
    assert_eq!(counts, ["0/0/0", "2/2/2"], "two revisions of web: {rs}");

    let events = s.ok_with(kubectl, &["get", "events", "-n", "shop"]);
    assert_eq!(
        header(&events),
        ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
        "{events}"
    );
    assert!(
        events.contains("ScalingReplicaSet") && events.contains("deployment/web"),
        "{events}"
    );
    assert!(events.contains("Started") && events.contains("Scheduled"), "{events}");

    let ds = s.ok_with(kubectl, &["get", "ds", "-n", "kube-system"]);
    assert_eq!(
        header(&ds)[..6],
        ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE"]
    );
    assert_eq!(&rows(&ds)[0][1..6], ["3", "3", "3", "3", "3"]);

    let pdb = s.ok_with(kubectl, &["get", "pdb", "-n", "shop"]);
    assert_eq!(&rows(&pdb)[0][..4], ["web", "2", "N/A", "0"], "{pdb}");
}

#[test]
fn get_shows_real_columns_in_both_kubectl_versions() {
    let s = sim();
    check_gets(&s, &kubectl_path());
    check_gets(&s, &other_kubectl());
    // Paging: kubectl follows continue tokens.
    let names = s.ok(&["get", "pods", "-A", "-o", "name", "--chunk-size=2"]);
    assert_eq!(names.lines().count(), 8, "{names}");
    // Selectors.
    let on_node = s.ok(&[
        "get",
        "pods",
        "-A",
        "--field-selector",
        "spec.nodeName=node-1",
        "-o",
        "name",
    ]);
    assert!(on_node.lines().count() >= 1 && on_node.contains("agent"), "{on_node}");
    let web = s.ok(&["get", "pods", "-n", "shop", "-l", "app in (web)", "-o", "name"]);
    assert_eq!(web.lines().count(), 2);
}

#[test]
fn describe_node_and_pod() {
    let s = sim();
    let node = s.ok(&["describe", "node", "node-1"]);
    for want in [
        "Name:               node-1",
        "Non-terminated Pods:",
        "Ready ",
        "KubeletReady",
        "Allocated resources:",
    ] {
        assert!(node.contains(want), "describe node lacks {want:?}:\n{node}");
    }
    let pod = pods_of(&s, "web").remove(0);
    let out = s.ok(&["describe", "pod", "-n", "shop", &pod]);
    for want in [
        "Status:           Running",
        "Image:          registry.example.com/web:1.1",
        "Controlled By:  ReplicaSet/web-",
        "Events:",
        "Scheduled",
        "Started",
    ] {
        assert!(out.contains(want), "describe pod lacks {want:?}:\n{out}");
    }
}

#[test]
fn cordon_uncordon_and_server_dry_run() {
    let s = sim();
    let unschedulable = |s: &Served| jsonpath(s, &["get", "node", "node-2"], "{.spec.unschedulable}");
    let out = s.ok(&["cordon", "node-2", "--dry-run=server"]);
    assert!(out.contains("cordoned (server dry run)"), "{out}");
    assert_eq!(unschedulable(&s), "", "a dry run changes nothing");
    s.ok(&["cordon", "node-2"]);
    assert_eq!(unschedulable(&s), "true");
    let nodes = s.ok(&["get", "node", "node-2"]);
    assert!(nodes.contains("Ready,SchedulingDisabled"), "{nodes}");
    let taints = jsonpath(&s, &["get", "node", "node-2"], "{.spec.taints[*].key}");
    assert!(taints.contains("node.kubernetes.io/unschedulable"), "{taints}");
    s.ok(&["uncordon", "node-2"]);
    assert_eq!(unschedulable(&s), "");
    assert!(s.ok(&["get", "node", "node-2"]).contains(" Ready "));
}

#[test]
fn delete_pod_with_dry_run_then_replaced() {
    let s = sim();
    let before = pods_of(&s, "api");
    let victim = before[0].clone();
    let out = s.ok(&["delete", "pod", "-n", "shop", &victim, "--dry-run=server"]);
    assert!(out.contains("(server dry run)"), "{out}");
    assert_eq!(pods_of(&s, "api"), before, "a dry-run delete changes nothing");
    s.ok(&["delete", "pod", "-n", "shop", &victim]);
    let gone = s.kubectl(&["get", "pod", "-n", "shop", &victim]);
    assert!(!gone.status.success());
    assert!(
        String::from_utf8_lossy(&gone.stderr).contains("NotFound"),
        "{}",
        String::from_utf8_lossy(&gone.stderr)
    );
    wait_for(30, "api back to 3 ready replicas", || {
        let ready = jsonpath(&s, &["get", "deploy", "api", "-n", "shop"], "{.status.readyReplicas}");
        let pods = pods_of(&s, "api");
        (ready == "3" && pods.len() == 3 && !pods.contains(&victim)).then_some(())
    });
}

#[test]
fn scale_with_dry_run() {
    let s = sim();
    let replicas = |s: &Served| jsonpath(s, &["get", "deploy", "api", "-n", "shop"], "{.spec.replicas}");
    let out = s.ok(&["scale", "deploy/api", "-n", "shop", "--replicas=5", "--dry-run=server"]);
    assert!(out.contains("scaled (server dry run)"), "{out}");
    assert_eq!(replicas(&s), "3");
    s.ok(&["scale", "deploy/api", "-n", "shop", "--replicas=5"]);
    assert_eq!(replicas(&s), "5");
    wait_for(30, "5 available api replicas", || {
        (jsonpath(
            &s,
            &["get", "deploy", "api", "-n", "shop"],
            "{.status.availableReplicas}",
        ) == "5")
            .then_some(())
    });
    s.ok(&["scale", "deploy/api", "-n", "shop", "--replicas=1"]);
    wait_for(30, "api scaled down to one pod", || {
        (pods_of(&s, "api").len() == 1).then_some(())
    });
}

#[test]
fn rollout_restart_pause_resume_undo_status_history() {
    let s = sim();
    let history = s.ok(&["rollout", "history", "deploy/web", "-n", "shop"]);
    assert!(
        history.contains("1         web 1.0") && history.contains("2         web 1.1"),
        "{history}"
    );

    let before = pods_of(&s, "web");
    s.ok(&["rollout", "restart", "deploy/web", "-n", "shop"]);
    let annotation = jsonpath(
        &s,
        &["get", "deploy", "web", "-n", "shop"],
        "{.spec.template.metadata.annotations}",
    );
    assert!(annotation.contains("kubectl.kubernetes.io/restartedAt"), "{annotation}");
    let status = s.ok(&["rollout", "status", "deploy/web", "-n", "shop", "--timeout=60s"]);
    assert!(status.contains("successfully rolled out"), "{status}");
    let after = wait_for(30, "old web pods gone", || {
        let now = pods_of(&s, "web");
        now.iter().all(|p| !before.contains(p)).then_some(now)
    });
    assert_eq!(after.len(), 2);

    s.ok(&["rollout", "pause", "deploy/web", "-n", "shop"]);
    assert_eq!(
        jsonpath(&s, &["get", "deploy", "web", "-n", "shop"], "{.spec.paused}"),
        "true"
    );
    let refused = s.kubectl(&["rollout", "undo", "deploy/web", "-n", "shop"]);
    assert!(!refused.status.success(), "kubectl refuses to undo a paused deployment");
    s.ok(&["rollout", "resume", "deploy/web", "-n", "shop"]);
    assert_eq!(
        jsonpath(&s, &["get", "deploy", "web", "-n", "shop"], "{.spec.paused}"),
        ""
    );

    // Undo goes back to the previous revision's template (web 1.1 without the restart annotation).
    let out = s.ok(&["rollout", "undo", "deploy/web", "-n", "shop", "--to-revision=1"]);
    assert!(out.contains("rolled back"), "{out}");
    let status = s.ok(&["rollout", "status", "deploy/web", "-n", "shop", "--timeout=60s"]);
    assert!(status.contains("successfully rolled out"), "{status}");
    let image = jsonpath(
        &s,
        &["get", "deploy", "web", "-n", "shop"],
        "{.spec.template.spec.containers[0].image}",
    );
    assert_eq!(image, "registry.example.com/web:1.0");
    let history = s.ok(&["rollout", "history", "deploy/web", "-n", "shop"]);
    let revisions: Vec<&str> = history
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(revisions, ["2", "3", "4"], "revision 1 came back as 4:\n{history}");
    let revision = jsonpath(
        &s,
        &["get", "deploy", "web", "-n", "shop"],
        "{.metadata.annotations.deployment\\.kubernetes\\.io/revision}",
    );
    assert_eq!(revision, "4");
}

#[test]
fn drain_waits_for_the_disruption_budget() {
    let s = sim();
    // Find a node that runs a web pod: web's budget (minAvailable 2 of 2) allows no eviction.
    let node = jsonpath(
        &s,
        &["get", "pods", "-n", "shop", "-l", "app=web"],
        "{.items[0].spec.nodeName}",
    );
    let kubeconfig = s.kubeconfig.clone();
    let cache = s.dir.path().join("drain-cache");
    let node_arg = node.clone();
    let drain = std::thread::spawn(move || {
        std::process::Command::new(kubectl_path())
            .args([
                "drain",
                &node_arg,
                "--ignore-daemonsets",
                "--delete-emptydir-data",
                "--timeout=120s",
            ])
            .arg("--cache-dir")
            .arg(cache)
            .env("KUBECONFIG", kubeconfig)
            .output()
            .expect("run kubectl drain")
    });
    wait_for(60, "an eviction refused with 429", || {
        let log = s.control("GET", "/drill/v1/requests");
        log.as_array()?
            .iter()
            .any(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/eviction")) && r["status"] == 429)
            .then_some(())
    });
    assert!(!drain.is_finished(), "drain must wait while the budget forbids");
    // More replicas let the budget allow one disruption.
    s.ok(&["scale", "deploy/web", "-n", "shop", "--replicas=3"]);
    let out = drain.join().expect("drain thread");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "drain failed: {stderr}\n{stdout}");
    assert!(stdout.contains("drained"), "{stdout}");
    assert!(
        stderr.contains("Cannot evict pod as it would violate the pod's disruption budget"),
        "{stderr}"
    );
    let left = s.ok(&[
        "get",
        "pods",
        "-A",
        "--field-selector",
        &format!("spec.nodeName={node}"),
        "-o",
        "name",
    ]);
    assert!(
        left.lines().all(|l| l.contains("agent")),
        "only the DaemonSet pod stays on {node}: {left}"
    );
    assert_eq!(jsonpath(&s, &["get", "node", &node], "{.spec.unschedulable}"), "true");
}

#[test]
fn auth_can_i_follows_the_scenario_rbac() {
    let s = sim();
    assert_eq!(s.ok(&["auth", "can-i", "patch", "nodes"]).trim(), "yes");
    assert_eq!(
        s.ok(&[
            "auth",
            "can-i",
            "create",
            "pods",
            "--subresource=eviction",
            "-n",
            "shop"
        ])
        .trim(),
        "yes"
    );
    let no = s.kubectl(&["auth", "can-i", "delete", "nodes"]);
    assert!(!no.status.success());
    let answer = String::from_utf8_lossy(&no.stdout);
    assert!(
        answer.starts_with("no - the drill scenario denies delete on nodes"),
        "{answer}"
    );
    let refused = s.kubectl(&["delete", "node", "node-3"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("Forbidden") && stderr.contains("cannot delete resource \"nodes\""),
        "{stderr}"
    );
    assert!(s.ok(&["get", "nodes", "-o", "name"]).contains("node/node-3"));
}

#[test]
fn an_older_kubectl_drives_the_same_flows() {
    let s = sim();
    let old = other_kubectl();
    s.ok_with(&old, &["cordon", "node-3"]);
    assert_eq!(
        jsonpath(&s, &["get", "node", "node-3"], "{.spec.unschedulable}"),
        "true"
    );
    s.ok_with(&old, &["scale", "deploy/api", "-n", "shop", "--replicas=4"]);
    assert_eq!(
        jsonpath(&s, &["get", "deploy", "api", "-n", "shop"], "{.spec.replicas}"),
        "4"
    );
    let out = s.ok_with(
        &old,
        &["rollout", "status", "deploy/api", "-n", "shop", "--timeout=60s"],
    );
    assert!(out.contains("successfully rolled out"), "{out}");
    let out = s.ok_with(
        &old,
        &[
            "delete",
            "pod",
            "-n",
            "shop",
            &pods_of(&s, "api")[0],
            "--dry-run=server",
        ],
    );
    assert!(out.contains("server dry run"), "{out}");
    assert_eq!(pods_of(&s, "api").len(), 4);
}

#[test]
fn get_watch_streams_table_rows() {
    let s = sim();
    let kubeconfig = s.kubeconfig.clone();
    let cache = s.dir.path().join("watch-cache");
    let watch = std::process::Command::new(kubectl_path())
        .args([
            "get",
            "pods",
            "-n",
            "shop",
            "-l",
            "app=api",
            "-w",
            "--request-timeout=8s",
        ])
        .arg("--cache-dir")
        .arg(cache)
        .env("KUBECONFIG", kubeconfig)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kubectl get -w");
    wait_for(30, "the watch to open", || {
        let log = s.control("GET", "/drill/v1/requests");
        log.as_array()?
            .iter()
            .any(|r| r["query"].as_str().is_some_and(|q| q.contains("watch=true")))
            .then_some(())
    });
    s.ok(&["scale", "deploy/api", "-n", "shop", "--replicas=4"]);
    let out = watch.wait_with_output().expect("watch output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        header(&stdout),
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        "{stdout}"
    );
    let names: std::collections::BTreeSet<&str> = stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names.len(), 4, "the fourth pod appears in the watch: {stdout}");
    let new_pod = names
        .iter()
        .find(|n| stdout.lines().skip(1).filter(|l| l.starts_with(**n)).count() > 1)
        .expect("a pod with several rows as it starts");
    assert!(stdout.contains(&format!("{new_pod} ")), "{stdout}");
}

#[test]
fn exec_attach_cp_debug_and_port_forward_are_refused_with_a_status_every_kubectl_reports() {
    let s = sim();
    let pod = first_pod(&s);
    let from = format!("{pod}:/etc/hosts");
    let to = s.dir.path().join("hosts");
    let to = to.to_str().expect("utf-8");
    let tries: [&[&str]; 5] = [
        &["exec", "-n", "shop", &pod, "--", "ls"],
        &["attach", "-n", "shop", &pod],
        &["cp", "-n", "shop", &from, to],
        &["debug", "-n", "shop", &pod, "--image=busybox"],
        &["port-forward", "-n", "shop", &pod, ":8080"],
    ];
    for kubectl in every_kubectl() {
        for args in tries {
            let out = s.kubectl_with(&kubectl, args);
            let said = format!(
                "{} {args:?}: {}{}",
                kubectl.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!out.status.success(), "{said}");
            assert!(said.contains("the drill cluster runs no containers"), "{said}");
            assert!(!said.contains("panic") && !said.contains("nil pointer"), "{said}");
        }
    }
}

#[test]
fn configmaps_and_secrets_are_served_as_kubernetes_serves_them() {
    let s = sim();
    // An older kubectl creates (in JSON), the one on PATH reads, applies and describes.
    let older = other_kubectl();
    let ok = |kubectl: &Path, args: &[&str]| {
        let out = s.kubectl_with(kubectl, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    ok(
        &older,
        &[
            "create",
            "configmap",
            "checkout-config",
            "-n",
            "shop",
            "--from-literal=CURRENCY=EUR",
            "--from-literal=REGION=eu",
        ],
    );
    ok(
        &older,
        &[
            "create",
            "secret",
            "generic",
            "db",
            "-n",
            "shop",
            "--from-literal=password=hunter2",
        ],
    );
    let table = s.ok(&["get", "cm,secret", "-n", "shop"]);
    assert_eq!(header(&table), ["NAME", "DATA", "AGE"], "{table}");
    let rows = rows(&table);
    assert!(
        rows.iter()
            .any(|r| r.first().map(String::as_str) == Some("configmap/checkout-config")
                && r.get(1).map(String::as_str) == Some("2")),
        "{table}"
    );
    assert!(
        rows.iter().any(|r| r.first().map(String::as_str) == Some("secret/db")
            && r.get(1).map(String::as_str) == Some("Opaque")
            && r.get(2).map(String::as_str) == Some("1")),
        "{table}"
    );
    // Secret data as Kubernetes serves it: base64.
    assert_eq!(
        jsonpath(&s, &["get", "secret", "db", "-n", "shop"], "{.data.password}"),
        "aHVudGVyMg=="
    );
    let described = s.ok(&["describe", "cm", "checkout-config", "-n", "shop"]);
    assert!(
        described.contains("CURRENCY:") && described.contains("EUR"),
        "{described}"
    );
    // Applied (JSON, as `apply -f` sends it) and changed.
    let path = s.dir.path().join("cm.yaml");
    std::fs::write(&path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: checkout-config\n  namespace: shop\ndata:\n  CURRENCY: USD\n").expect("write");
    s.ok(&["apply", "-f", path.to_str().expect("utf-8")]);
    assert_eq!(
        jsonpath(&s, &["get", "cm", "checkout-config", "-n", "shop"], "{.data.CURRENCY}"),
        "USD"
    );
    // Bad data is refused as the API server refuses it.
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bad\n  namespace: shop\ndata:\n  password: not-base64!\n",
    )
    .expect("write");
    let out = s.kubectl_with(&kubectl_path(), &["create", "-f", path.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Invalid"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn logs_tail_since_timestamps_and_follow_on_the_drill_clock() {
    use std::io::BufRead as _;
    let s = Served::start(
        Some(&warroom_testkit::scenario("shop")),
        Setup {
            paused: true,
            ..Setup::default()
        },
    );
    s.control("POST", "/drill/v1/clock?advance=10m");
    let pod = first_pod(&s);
    let all = s.ok(&["logs", "-n", "shop", &pod]);
    assert!(
        all.contains("INFO starting") && all.contains("INFO GET /healthz 200"),
        "{all}"
    );
    let tail = s.ok(&["logs", "-n", "shop", &pod, "--tail=2"]);
    assert_eq!(tail.lines().count(), 2, "{tail}");
    let since = s.ok(&["logs", "-n", "shop", &pod, "--since=65s"]);
    assert_eq!(since.lines().count(), 2, "two heartbeats in the last 65 s: {since}");
    let stamped = s.ok(&["logs", "-n", "shop", &pod, "--tail=1", "--timestamps"]);
    let first = stamped.split_whitespace().next().unwrap_or("");
    assert!(
        first.len() == 30 && first.ends_with('Z') && first.contains('.'),
        "{stamped}"
    );

    // Followed: new lines come as the drill clock passes them; the stream ends with the pod.
    let mut child = std::process::Command::new(kubectl_path())
        .arg("--kubeconfig")
        .arg(&s.kubeconfig)
        .args(["logs", "-f", "-n", "shop", &pod, "--tail=0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("kubectl logs -f");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert!(rx.try_recv().is_err(), "nothing new while the clock stands");
    s.control("POST", "/drill/v1/clock?advance=1m");
    let got: Vec<String> = (0..2)
        .map(|_| {
            rx.recv_timeout(std::time::Duration::from_secs(30))
                .expect("a followed line")
        })
        .collect();
    assert!(got.iter().all(|l| l.ends_with("INFO GET /healthz 200")), "{got:?}");
    s.ok(&["delete", "pod", &pod, "-n", "shop", "--wait=false"]);
    // Its grace period passes on the drill clock.
    s.control("POST", "/drill/v1/clock?advance=1m");
    let status = wait_for_exit(&mut child);
    assert!(status.is_some(), "kubectl logs -f ends when the pod is gone");
}

/// The child's exit status within a minute (None: still running, then killed).
fn wait_for_exit(child: &mut std::process::Child) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    None
}

#[test]
fn auth_whoami_answers_every_kubectl_from_1_27() {
    let s = sim();
    for kubectl in every_kubectl() {
        let out = s.kubectl_with(
            &kubectl,
            &["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"],
        );
        let said = format!(
            "{}: {}{}",
            kubectl.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{said}");
        assert!(!String::from_utf8_lossy(&out.stdout).trim().is_empty(), "{said}");
    }
}

#[test]
fn endpoints_follow_pod_readiness_and_go_with_their_service() {
    let s = Served::start(
        None,
        Setup {
            paused: true,
            ..Setup::default()
        },
    );
    let endpoints = |s: &Served| -> (usize, usize) {
        let ep: serde_json::Value =
            serde_json::from_str(&s.ok(&["get", "endpoints", "checkout", "-n", "shop", "-o", "json"])).expect("json");
        let count = |field: &str| {
            ep["subsets"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|sub| sub[field].as_array().map_or(0, Vec::len))
                .sum::<usize>()
        };
        (count("addresses"), count("notReadyAddresses"))
    };
    let ready_pods = |s: &Served| -> usize {
        let pods: serde_json::Value =
            serde_json::from_str(&s.ok(&["get", "pods", "-n", "shop", "-l", "app=checkout", "-o", "json"]))
                .expect("json");
        pods["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
            .filter(|p| {
                p["status"]["conditions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True")
            })
            .count()
    };
    let (ready, not_ready) = endpoints(&s);
    assert_eq!(
        (ready, not_ready),
        (ready_pods(&s), 0),
        "every checkout pod ready at the start"
    );
    // The bad rollout: crashlooping pods are listed, not ready.
    s.control("POST", "/drill/v1/clock?advance=4m");
    let (ready, not_ready) = endpoints(&s);
    assert_eq!(ready, ready_pods(&s));
    assert!(not_ready > 0, "the crashlooping pods are not ready endpoints");
    let slice = s.ok(&[
        "get",
        "endpointslices",
        "-n",
        "shop",
        "-l",
        "kubernetes.io/service-name=checkout",
        "-o",
        "json",
    ]);
    let slice: serde_json::Value = serde_json::from_str(&slice).expect("json");
    let conditions: Vec<bool> = slice["items"][0]["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .map(|e| e["conditions"]["ready"].as_bool().unwrap_or(false))
        .collect();
    assert_eq!(conditions.iter().filter(|r| !**r).count(), not_ready, "{slice}");
    // A Service whose selector matches nothing has no endpoints.
    let path = s.dir.path().join("svc.yaml");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: orphan\n  namespace: shop\nspec:\n  selector:\n    app: nothing-here\n  ports:\n  - port: 80\n    targetPort: 8080\n",
    )
    .expect("write");
    s.ok(&["apply", "-f", path.to_str().expect("utf-8")]);
    let described = s.ok(&["describe", "svc", "orphan", "-n", "shop"]);
    let line = described.lines().find(|l| l.starts_with("Endpoints:")).unwrap_or("");
    assert!(
        !line.is_empty() && !line.chars().any(|c| c.is_ascii_digit()),
        "no address: {described}"
    );
    // Deleted with its Service.
    s.ok(&["delete", "svc", "checkout", "-n", "shop"]);
    let gone = s.kubectl(&["get", "endpoints", "checkout", "-n", "shop"]);
    assert!(!gone.status.success());
    let slices = s.ok(&[
        "get",
        "endpointslices",
        "-n",
        "shop",
        "-l",
        "kubernetes.io/service-name=checkout",
        "-o",
        "name",
    ]);
    assert!(slices.trim().is_empty(), "{slices}");
}

/// kubectl 1.32 and later send typed creates, `auth can-i` and `auth whoami` in Kubernetes
/// protobuf; older ones in JSON. Every version's objects must come out the same.
#[test]
fn typed_creates_are_read_in_protobuf_and_json_from_every_kubectl() {
    let s = sim();
    let mut protobuf_seen = Vec::new();
    for kubectl in every_kubectl() {
        let version = kubectl
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("kubectl.1."))
            .expect("kubectl.1.NN")
            .to_string();
        let ns = format!("team-{version}");
        let run = |args: &[&str]| {
            let mut all = args.to_vec();
            all.push("-v=8");
            let out = s.kubectl_with(&kubectl, &all);
            let said = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(out.status.success(), "1.{version} {args:?}: {said}");
            (String::from_utf8_lossy(&out.stdout).into_owned(), said)
        };
        let (_, said) = run(&["create", "namespace", &ns]);
        if said.contains("Content-Type: application/vnd.kubernetes.protobuf") {
            protobuf_seen.push(version.clone());
        }
        run(&[
            "create",
            "deployment",
            "web",
            "-n",
            &ns,
            "--image=nginx:1.27",
            "--replicas=2",
            "--port=8080",
        ]);
        run(&["create", "configmap", "settings", "-n", &ns, "--from-literal=MODE=fast"]);
        run(&[
            "create",
            "secret",
            "generic",
            "db",
            "-n",
            &ns,
            "--from-literal=password=hunter2",
        ]);
        run(&["create", "service", "clusterip", "web", "-n", &ns, "--tcp=80:8080"]);
        run(&[
            "create",
            "poddisruptionbudget",
            "web",
            "-n",
            &ns,
            "--selector=app=web",
            "--min-available=1",
        ]);
        let (rules, _) = run(&["auth", "can-i", "--list", "-n", &ns]);
        assert!(
            rules.starts_with("Resources") && rules.lines().count() > 1,
            "1.{version} can-i --list: {rules}"
        );

        let get = |what: &str, path: &str| jsonpath(&s, &["get", what, "-n", &ns], path);
        assert_eq!(
            s.ok(&["get", "namespace", &ns, "-o", "name"]).trim(),
            format!("namespace/{ns}")
        );
        assert_eq!(
            get(
                "deploy/web",
                "{.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort} {.spec.selector.matchLabels.app}"
            ),
            "2 nginx:1.27 8080 web",
            "1.{version}"
        );
        assert_eq!(get("cm/settings", "{.data.MODE}"), "fast", "1.{version}");
        assert_eq!(get("secret/db", "{.data.password}"), "aHVudGVyMg==", "1.{version}");
        assert_eq!(
            get(
                "svc/web",
                "{.spec.ports[0].port} {.spec.ports[0].targetPort} {.spec.selector.app}"
            ),
            "80 8080 web",
            "1.{version}"
        );
        assert_eq!(get("pdb/web", "{.spec.minAvailable}"), "1", "1.{version}");
        wait_for(120, "the deployment's pods", || {
            let ready = get("deploy/web", "{.status.readyReplicas}");
            (ready == "2").then_some(())
        });
    }
    for version in ["32", "33"] {
        assert!(
            protobuf_seen.contains(&version.to_string()),
            "kubectl 1.{version} sends protobuf bodies (seen from {protobuf_seen:?})"
        );
    }
}

/// `kubectl top` reads the metrics.k8s.io API: pods' usage from the drill's model, and each
/// node's as its pods' plus what the system uses.
#[test]
fn kubectl_top_shows_pods_and_nodes_from_the_usage_model() {
    let s = sim();
    let millicores = |cell: &str| cell.trim_end_matches('m').parse::<i64>().expect("millicores");
    for kubectl in [kubectl_path(), other_kubectl()] {
        let pods = s.ok_with(&kubectl, &["top", "pods", "-A", "--no-headers"]);
        let by_pod: std::collections::HashMap<String, i64> = pods
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .map(|c| (c[1].to_string(), millicores(c[2])))
            .collect();
        assert!(!by_pod.is_empty() && by_pod.values().all(|m| *m > 0), "{pods}");
        let nodes = s.ok_with(&kubectl, &["top", "nodes", "--no-headers"]);
        for row in nodes.lines().map(|l| l.split_whitespace().collect::<Vec<_>>()) {
            let on_node = s.ok(&[
                "get",
                "pods",
                "-A",
                "--field-selector",
                &format!("spec.nodeName={},status.phase=Running", row[0]),
                "-o",
                "jsonpath={.items[*].metadata.name}",
            ]);
            let pods_cpu: i64 = on_node
                .split_whitespace()
                .map(|p| by_pod.get(p).copied().unwrap_or(0))
                .sum();
            assert_eq!(millicores(row[1]), pods_cpu + 150, "{}: {nodes}", kubectl.display());
        }
        let app = s.ok_with(
            &kubectl,
            &["top", "pods", "-n", "shop", "-l", "app=api", "--no-headers"],
        );
        assert_eq!(app.lines().count(), pods_of(&s, "api").len(), "{app}");
        let missing = s.kubectl_with(&kubectl, &["top", "pod", "nope", "-n", "shop"]);
        assert!(
            String::from_utf8_lossy(&missing.stderr).contains("podmetrics.metrics.k8s.io \"nope\" not found"),
            "{missing:?}"
        );
    }
}

/// A pod labeled out of its Service's (and ReplicaSet's) selector, as responders quarantine a
/// bad pod: its ReplicaSet lets it go and replaces it, its Service's endpoints drop it, and the
/// drill's metrics send it no more requests, while it keeps running for inspection.
#[test]
fn a_pod_labeled_out_of_service_is_released_replaced_and_gets_no_traffic() {
    // A drill whose only fault (a surge at 2m) leaves frontend's ReplicaSet alone.
    let s = crate::paused_drill("hpa-at-max");
    s.control("POST", "/drill/v1/clock?advance=1m");
    let pods = || {
        s.ok(&["get", "pods", "-n", "shop", "-l", "app=frontend", "-o", "name"])
            .lines()
            .map(|l| l.trim_start_matches("pod/").to_string())
            .collect::<Vec<_>>()
    };
    let before = pods();
    assert_eq!(before.len(), 3);
    let pod = before[0].clone();
    let ip = jsonpath(&s, &["get", "pod", &pod, "-n", "shop"], "{.status.podIP}");
    let hash = jsonpath(
        &s,
        &["get", "pod", &pod, "-n", "shop"],
        "{.metadata.labels.pod-template-hash}",
    );
    let of_its_replica_set = || {
        s.ok(&[
            "get",
            "pods",
            "-n",
            "shop",
            "-l",
            &format!("app=frontend,pod-template-hash={hash}"),
            "-o",
            "name",
        ])
        .lines()
        .map(|l| l.trim_start_matches("pod/").to_string())
        .collect::<Vec<_>>()
    };
    s.ok(&[
        "label",
        "pod",
        &pod,
        "-n",
        "shop",
        "app=frontend-quarantined",
        "--overwrite",
    ]);
    for _ in 0..3 {
        s.control("POST", "/drill/v1/clock?advance=15s");
    }
    assert_eq!(
        jsonpath(
            &s,
            &["get", "pod", &pod, "-n", "shop"],
            "{.metadata.ownerReferences} {.status.phase}"
        ),
        " Running",
        "released by its ReplicaSet, still running"
    );
    let after = of_its_replica_set();
    assert_eq!(
        after.len(),
        3,
        "replaced: {after:?} at {} {}",
        s.control("GET", "/drill/v1/clock"),
        s.ok(&["describe", "hpa", "-n", "shop"])
    );
    assert!(!after.contains(&pod));
    let endpoints = jsonpath(
        &s,
        &["get", "endpoints", "frontend", "-n", "shop"],
        "{.subsets[*].addresses[*].ip}",
    );
    assert!(!endpoints.split_whitespace().any(|e| e == ip), "{endpoints}");
    let now = s.control("GET", "/drill/v1/clock")["nowMs"].as_i64().expect("nowMs");
    let rate = warroom_testkit::drill::promql(
        &s.prometheus,
        &format!(r#"sum(rate(http_requests_total{{pod="{pod}"}}[30s]))"#),
        Some(now),
    );
    assert!(rate.is_none_or(|r| r == 0.0), "no requests reach it: {rate:?}");
    let served = warroom_testkit::drill::promql(
        &s.prometheus,
        r#"sum(rate(http_requests_total{service="frontend"}[1m]))"#,
        Some(now),
    )
    .expect("frontend still serves");
    assert!(served > 50.0, "its traffic went to the others: {served}");
}

/// A Service edited to a selector no pod carries (a scenario's `service:` fault): its endpoints
/// empty, its pods get no requests, the service that calls it fails them; the selector set back
/// with kubectl brings it all back.
#[test]
fn a_service_whose_selector_matches_nothing_loses_its_endpoints_and_fails_its_callers() {
    // The dependency drill (checkout charges every order through payments-api) with this fault
    // in place of its own.
    let shipped =
        std::fs::read_to_string(warroom_testkit::repo("drills/dependency-failure.yaml")).expect("shipped drill");
    let (calls, _) = shipped.split_once("\nfaults:").expect("the drill's faults");
    let yaml = format!(
        "{calls}\nfaults:\n  - at: 2m\n    service:\n      workload: payments/payments-api\n      selector: {{app: payments-api-v2}}\n"
    );
    let s = warroom_testkit::drill::Served::start(
        Some(&yaml),
        warroom_testkit::drill::Setup {
            paused: true,
            ..Default::default()
        },
    );
    s.control("POST", "/drill/v1/clock?advance=1m");
    let addresses = || {
        jsonpath(
            &s,
            &["get", "endpoints", "payments-api", "-n", "payments"],
            "{.subsets[*].addresses[*].ip}",
        )
    };
    assert_eq!(
        addresses().split_whitespace().count(),
        2,
        "both payments-api pods serve"
    );
    s.control("POST", "/drill/v1/clock?advance=2m");
    assert_eq!(
        jsonpath(
            &s,
            &["get", "svc", "payments-api", "-n", "payments"],
            "{.spec.selector}"
        ),
        r#"{"app":"payments-api-v2"}"#
    );
    assert_eq!(addresses(), "", "no pod matches: no endpoints");
    let at = |s: &warroom_testkit::drill::Served| s.control("GET", "/drill/v1/clock")["nowMs"].as_i64().expect("nowMs");
    let query =
        |s: &warroom_testkit::drill::Served, q: &str| warroom_testkit::drill::promql(&s.prometheus, q, Some(at(s)));
    let served = query(&s, r#"sum(rate(http_requests_total{service="payments-api"}[1m]))"#);
    assert!(served.is_none_or(|r| r == 0.0), "its pods get no requests: {served:?}");
    let checkout_errors = r#"sum(rate(http_requests_total{service="checkout",code="500"}[1m])) / sum(rate(http_requests_total{service="checkout"}[1m]))"#;
    let failing = query(&s, checkout_errors).expect("checkout serves");
    assert!(failing > 0.9, "checkout charges every order through it: {failing}");
    s.ok(&[
        "patch",
        "svc",
        "payments-api",
        "-n",
        "payments",
        "--type=merge",
        "-p",
        r#"{"spec":{"selector":{"app":"payments-api"}}}"#,
    ]);
    s.control("POST", "/drill/v1/clock?advance=2m");
    assert_eq!(addresses().split_whitespace().count(), 2, "the selector set back");
    let failing = query(&s, checkout_errors).expect("checkout serves");
    assert!(failing < 0.01, "checkout recovered: {failing}");
}

#[test]
fn ingresses_are_created_listed_and_described_by_kubectl() {
    let s = sim();
    // The kubectl on PATH creates in protobuf, an older one in JSON.
    for (kubectl, name) in [(kubectl_path(), "web"), (other_kubectl(), "web-older")] {
        let rule = format!("{name}.example.com/*=web:80,tls=shop-tls");
        let out = s.kubectl_with(
            &kubectl,
            &[
                "create",
                "ingress",
                name,
                "-n",
                "shop",
                "--class=nginx",
                "--rule",
                &rule,
            ],
        );
        assert!(
            out.status.success(),
            "{}: {}",
            kubectl.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let table = s.ok(&["get", "ingress", "-n", "shop"]);
    let lines: Vec<Vec<&str>> = table.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(
        lines[0],
        ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"],
        "{table}"
    );
    assert_eq!(
        lines[1][..5],
        ["web", "nginx", "web.example.com", "80,", "443"],
        "{table}"
    );
    assert_eq!(
        lines[2][..3],
        ["web-older", "nginx", "web-older.example.com"],
        "{table}"
    );
    let described = s.ok(&["describe", "ingress", "web", "-n", "shop"]);
    assert!(
        described.contains("web.example.com") && described.contains("web:80") && described.contains("shop-tls"),
        "{described}"
    );
    assert_eq!(
        jsonpath(
            &s,
            &["get", "ing", "web-older", "-n", "shop"],
            "{.spec.rules[0].http.paths[0].backend.service.name}"
        ),
        "web"
    );
}

/// `kubectl explain` reads the drill's OpenAPI v3 documents: every served kind is explained by
/// the kubectl on PATH, and a field at each depth by every kubectl 1.27 to 1.33, with the
/// descriptions and types Kubernetes gives them.
#[test]
fn explain_describes_every_served_kind_and_its_fields_on_every_kubectl() {
    let s = sim();
    let kinds = [
        ("namespaces", "", "Namespace"),
        ("nodes", "", "Node"),
        ("pods", "", "Pod"),
        ("events", "", "Event"),
        ("services", "", "Service"),
        ("endpoints", "", "Endpoints"),
        ("endpointslices", "discovery.k8s.io", "EndpointSlice"),
        ("configmaps", "", "ConfigMap"),
        ("secrets", "", "Secret"),
        ("deployments", "apps", "Deployment"),
        ("replicasets", "apps", "ReplicaSet"),
        ("daemonsets", "apps", "DaemonSet"),
        ("statefulsets", "apps", "StatefulSet"),
        ("controllerrevisions", "apps", "ControllerRevision"),
        ("poddisruptionbudgets", "policy", "PodDisruptionBudget"),
        ("networkpolicies", "networking.k8s.io", "NetworkPolicy"),
        ("ingresses", "networking.k8s.io", "Ingress"),
        ("horizontalpodautoscalers", "autoscaling", "HorizontalPodAutoscaler"),
    ];
    for (plural, group, kind) in kinds {
        let out = s.ok(&["explain", plural]);
        assert!(out.contains(&format!("KIND:       {kind}\n")), "{plural}: {out}");
        if !group.is_empty() {
            assert!(out.contains(&format!("GROUP:      {group}\n")), "{plural}: {out}");
        }
        assert!(
            out.contains("FIELDS:") && out.contains("metadata\t<ObjectMeta>"),
            "{plural}: {out}"
        );
    }
    let v1 = s.ok(&["explain", "hpa.spec", "--api-version=autoscaling/v1"]);
    assert!(v1.contains("targetCPUUtilizationPercentage\t<integer>"), "{v1}");
    let v2 = s.ok(&["explain", "hpa.spec"]);
    assert!(
        v2.contains("metrics\t<[]MetricSpec>") && v2.contains("VERSION:    v2"),
        "{v2}"
    );

    for kubectl in every_kubectl() {
        let explain = |args: &[&str]| s.ok_with(&kubectl, args);
        let said = |out: &str| format!("{}: {out}", kubectl.display());
        let replicas = explain(&["explain", "deployment.spec.replicas"]);
        assert!(replicas.contains("FIELD: replicas <integer>"), "{}", said(&replicas));
        assert!(replicas.contains("Number of desired pods"), "{}", said(&replicas));
        let resources = explain(&["explain", "pods.spec.containers.resources"]);
        assert!(
            resources.contains("FIELD: resources <ResourceRequirements>")
                && resources.contains("limits\t<map[string]Quantity>"),
            "{}",
            said(&resources)
        );
        let selector = explain(&["explain", "svc.spec.selector"]);
        assert!(
            selector.contains("FIELD: selector <map[string]string>"),
            "{}",
            said(&selector)
        );
        let recursive = explain(&["explain", "pdb.spec", "--recursive"]);
        assert!(
            recursive.contains("minAvailable\t<IntOrString>") && recursive.contains("matchLabels\t<map[string]string>"),
            "{}",
            said(&recursive)
        );
    }
}

/// kubectl computes ages from what it reads with its own clock (`describe`'s events, a pod's
/// start). In a drill two hours ahead of it and in one months behind it, the times it reads
/// are moved onto its clock: the events' ages are the drill's, neither `<invalid>` nor months,
/// and each served time is the drill's moved by exactly how far the drill is from the wall
/// clock (a client on the drill's clock reads them unmoved).
#[test]
fn describe_reads_ages_by_kubectls_clock_in_a_drill_ahead_of_it_or_behind() {
    // The fixture's start is pinned in the past; without it, the drill starts at the wall clock's now.
    let behind = warroom_testkit::scenario("shop");
    let now = behind.replacen("start: \"2026-11-24T14:00:00Z\"\n", "", 1);
    assert_ne!(behind, now, "the scenario's start line");
    for (what, scenario, advance) in [("ahead", &now, "2h"), ("behind", &behind, "10m")] {
        let s = Served::start(
            Some(scenario),
            Setup {
                paused: true,
                ..Setup::default()
            },
        );
        s.control("POST", &format!("/drill/v1/clock?advance={advance}"));
        let drill_now = s.now();

        let described = s.ok(&["describe", "pods", "-n", "shop"]);
        let ages: Vec<String> = described
            .lines()
            .filter(|l| l.trim_start().starts_with("Normal ") || l.trim_start().starts_with("Warning "))
            .filter_map(|l| {
                l.split("  ")
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .nth(2)
                    .map(str::to_string)
            })
            .collect();
        assert!(!ages.is_empty(), "{what}: events in\n{described}");
        // The oldest events came half an hour before the start, which the clock was advanced from.
        let oldest = ages.iter().map(|a| minutes(a)).max().expect("an age");
        let drill_minutes = if advance == "2h" { 120 } else { 10 };
        assert!(
            oldest.is_some_and(|m| m > drill_minutes && m <= drill_minutes + 60),
            "{what}: the oldest event is {oldest:?} minutes old by kubectl's clock in\n{described}"
        );

        // The same pod's start, read by kubectl and by a client on the drill's clock.
        let pod = first_pod(&s);
        let by_kubectl: jiff::Timestamp = s
            .ok(&[
                "get",
                "pod",
                &pod,
                "-n",
                "shop",
                "-o",
                "jsonpath={.metadata.creationTimestamp}",
            ])
            .trim()
            .parse()
            .expect("a time");
        let wall_now = jiff::Timestamp::now();
        let kept = warroom_testkit::runtime().block_on(async {
            warroom_testkit::http_client()
                .get(format!("{}/api/v1/namespaces/shop/pods/{pod}", s.url))
                .header(warroom_drill::CLOCK_HEADER, "drill")
                .send()
                .await
                .expect("GET the pod")
                .json::<serde_json::Value>()
                .await
                .expect("JSON")
        });
        let on_drill: jiff::Timestamp = kept["metadata"]["creationTimestamp"]
            .as_str()
            .expect("creationTimestamp")
            .parse()
            .expect("a time");
        let moved = on_drill.duration_since(by_kubectl);
        let lead = drill_now.duration_since(wall_now);
        assert!(
            (moved - lead).abs() < jiff::SignedDuration::from_secs(5),
            "{what}: moved by {moved:?}, the drill leads the wall clock by {lead:?}"
        );
        // A watch's events too, each as it is sent (the watch ends after a second).
        let watched = warroom_testkit::runtime().block_on(async {
            warroom_testkit::http_client()
                .get(format!(
                    "{}/api/v1/namespaces/shop/pods?watch=true&fieldSelector=metadata.name%3D{pod}&timeoutSeconds=1",
                    s.url
                ))
                .send()
                .await
                .expect("watch the pod")
                .text()
                .await
                .expect("the watch's events")
        });
        let event: serde_json::Value =
            serde_json::from_str(watched.lines().next().expect("an event")).expect("a JSON event");
        let in_watch: jiff::Timestamp = event["object"]["metadata"]["creationTimestamp"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("{what}: {event}"));
        // The paused drill's lead shrinks as the wall clock goes on between the two reads.
        assert!(
            in_watch.duration_since(by_kubectl).abs() < jiff::SignedDuration::from_secs(5),
            "{what}: {in_watch} in the watch, {by_kubectl} by kubectl"
        );
    }
}

/// kubectl's age (`150m`, `2h30m`, `45s`, `13d`) in whole minutes; None for `<invalid>`.
fn minutes(age: &str) -> Option<u64> {
    let (mut total, mut number) = (0u64, String::new());
    for c in age.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().ok()?;
        number.clear();
        total += match c {
            's' => 0,
            'm' => n,
            'h' => n * 60,
            'd' => n * 24 * 60,
            'y' => n * 365 * 24 * 60,
            _ => return None,
        };
    }
    number.is_empty().then_some(total)
}
