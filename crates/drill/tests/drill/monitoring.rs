//! The running drill's Prometheus and Alertmanager listeners, checked end to end against the
//! real components: the drill served in-process, a real Prometheus (Debian `prometheus`)
//! scraping its `/metrics`, and a real Alertmanager (Debian `prometheus-alertmanager`)
//! answering the same silence and alert requests as the drill's, with the same shapes and
//! statuses. Both are started on loopback with temporary config and storage, and stopped.

use serde_json::{Value, json};
use warroom_testkit::drill::{Served, Setup};
use warroom_testkit::wait_for;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// An HTTP exchange: status and body (JSON when it parses, else the text as a string).
fn call(method: &str, url: &str, body: Option<(&str, String)>) -> (u16, Value) {
    rt().block_on(async {
        let client = warroom_testkit::http_client();
        let mut req = match method {
            "POST" => client.post(url),
            "DELETE" => client.delete(url),
            _ => client.get(url),
        };
        if let Some((content_type, b)) = body {
            req = req.header("Content-Type", content_type).body(b);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    })
}

fn get(url: &str) -> (u16, Value) {
    call("GET", url, None)
}

fn form(url: &str, pairs: &[(&str, &str)]) -> (u16, Value) {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    call("POST", url, Some(("application/x-www-form-urlencoded", body)))
}

fn query_url(base: &str, path: &str, pairs: &[(&str, &str)]) -> String {
    let q = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{base}{path}?{q}")
}

/// A JSON value's shape: object keys with their shapes, the first element of an array.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => json!([a.first().map(shape)]),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => Value::Null,
    }
}

fn sim() -> Served {
    let yaml = std::fs::read_to_string(warroom_testkit::repo("drills/bad-deploy.yaml")).expect("shipped drill");
    let sim = Served::start(
        Some(&yaml),
        Setup {
            speed: Some(15.0),
            ..Setup::default()
        },
    );
    assert!(sim.prometheus.starts_with("http://127.0.0.1:"), "{}", sim.prometheus);
    assert!(
        sim.alertmanager.starts_with("http://127.0.0.1:"),
        "{}",
        sim.alertmanager
    );
    sim
}

#[test]
fn prometheus_api_envelopes_and_errors() {
    let sim = sim();
    let p = sim.prometheus.as_str();
    let q = "sum by (service) (rate(http_requests_total[5m]))";
    for (status, body) in [
        get(&query_url(p, "/api/v1/query", &[("query", q)])),
        form(&format!("{p}/api/v1/query"), &[("query", q)]),
    ] {
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "success");
        assert_eq!(body["data"]["resultType"], "vector");
        let result = body["data"]["result"].as_array().expect("result");
        assert_eq!(result.len(), 4, "{body}");
        let rps: f64 = result[0]["value"][1]
            .as_str()
            .expect("value string")
            .parse()
            .expect("number");
        assert!(rps > 0.0);
    }
    let (status, body) = get(&query_url(p, "/api/v1/query", &[("query", "sum(rate(")]));
    assert_eq!((status, body["errorType"].as_str()), (400, Some("bad_data")), "{body}");
    assert!(
        body["error"]
            .as_str()
            .expect("error")
            .starts_with("invalid parameter \"query\": ")
    );
    let (status, body) = form(
        &format!("{p}/api/v1/query"),
        &[("query", "holt_winters(http_requests_total[5m], 0.5, 0.5)")],
    );
    assert_eq!((status, body["errorType"].as_str()), (422, Some("execution")), "{body}");
    assert!(body["error"].as_str().expect("error").contains("holt_winters"));
    let (status, body) = get(&query_url(p, "/api/v1/query", &[("query", "1"), ("time", "abc")]));
    assert_eq!(status, 400);
    assert_eq!(
        body["error"],
        "invalid parameter \"time\": Invalid time value for 'time': cannot parse \"abc\" to a valid timestamp"
    );
    let (status, body) = get(&query_url(p, "/api/v1/query", &[("query", "1"), ("timeout", "1ns")]));
    assert_eq!((status, body["errorType"].as_str()), (400, Some("bad_data")), "{body}");

    let now = jiff::Timestamp::now().as_second();
    let (start, end) = ((now - 3600).to_string(), now.to_string());
    let range = [
        ("query", "sum(rate(http_requests_total{service=\"cart\"}[5m]))"),
        ("start", start.as_str()),
        ("end", end.as_str()),
        ("step", "60s"),
    ];
    for (status, body) in [
        get(&query_url(p, "/api/v1/query_range", &range)),
        form(&format!("{p}/api/v1/query_range"), &range),
    ] {
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["resultType"], "matrix");
        assert_eq!(body["data"]["result"][0]["values"].as_array().map(Vec::len), Some(61));
    }
    let (status, body) = get(&query_url(
        p,
        "/api/v1/query_range",
        &[("query", "1"), ("start", "10"), ("end", "5"), ("step", "1")],
    ));
    assert_eq!(status, 400);
    assert_eq!(
        body["error"],
        "invalid parameter \"end\": end timestamp must not be before start time"
    );

    let (status, body) = get(&query_url(
        p,
        "/api/v1/series",
        &[("match[]", "kube_node_spec_unschedulable")],
    ));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(6));
    assert_eq!(body["data"][0]["__name__"], "kube_node_spec_unschedulable");
    let (status, body) = form(
        &format!("{p}/api/v1/series"),
        &[("match[]", "kube_deployment_spec_replicas")],
    );
    assert_eq!(
        (status, body["data"].as_array().map(Vec::len)),
        (200, Some(4)),
        "{body}"
    );
    let (status, body) = get(&format!("{p}/api/v1/series"));
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("no match[] parameter provided"))
    );

    let (status, body) = get(&format!("{p}/api/v1/labels"));
    assert_eq!(status, 200);
    let names: Vec<&str> = body["data"]
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for n in ["__name__", "code", "le", "namespace", "node", "pod", "service"] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    let (status, body) = get(&format!("{p}/api/v1/label/service/values"));
    assert_eq!(
        (status, body["data"].clone()),
        (200, json!(["cart", "checkout", "frontend", "payments-api"]))
    );
    let (status, body) = get(&format!("{p}/api/v1/label/bad-name/values"));
    assert_eq!((status, body["errorType"].as_str()), (400, Some("bad_data")));

    let (status, body) = get(&format!("{p}/api/v1/rules"));
    assert_eq!(status, 200);
    let rules = body["data"]["groups"][0]["rules"].as_array().expect("rules");
    assert!(
        rules
            .iter()
            .any(|r| r["name"] == "ErrorBudgetBurn" && r["type"] == "alerting")
    );
    assert!(rules.iter().all(|r| r["health"] != "err"), "{body}");
    let (status, body) = get(&format!("{p}/api/v1/rules?type=record"));
    assert_eq!((status, body["data"]["groups"][0]["rules"].clone()), (200, json!([])));
    let (status, body) = get(&format!("{p}/api/v1/alerts"));
    assert_eq!(status, 200);
    assert!(body["data"]["alerts"].is_array(), "{body}");

    let (status, text) = get(&format!("{p}/metrics"));
    let text = text.as_str().expect("text exposition").to_string();
    assert_eq!(status, 200);
    assert!(text.contains("# TYPE http_requests_total counter\n"), "{text}");
    assert!(text.contains("kube_node_status_condition{condition=\"Ready\",node=\"node-1\",status=\"true\"} 1\n"));
}

#[test]
fn a_real_prometheus_scrapes_the_drill() {
    let sim = sim();
    let target = sim.prometheus.trim_start_matches("http://");
    let prom = rt().block_on(warroom_testkit::prometheus(target, "groups: []\n"));
    let instant = |q: &str| -> Option<f64> {
        let (status, body) = get(&query_url(&prom.url, "/api/v1/query", &[("query", q)]));
        if status != 200 {
            return None;
        }
        body["data"]["result"][0]["value"][1].as_str()?.parse().ok()
    };
    // The first scrape may come while the drill is still backfilling its history.
    wait_for(60, "the real Prometheus to scrape the drill (up 1)", || {
        instant("up{job=\"app\"}").filter(|up| *up == 1.0)
    });
    // At speed 15 the drill takes a 15 s step every real second.
    let rps = wait_for(60, "a non-zero request rate in the real Prometheus", || {
        instant("sum(rate(http_requests_total{job=\"app\",service=\"frontend\"}[10s]))").filter(|v| *v > 0.0)
    });
    assert!(rps > 0.0);
    assert_eq!(
        instant("count(kube_node_status_condition{job=\"app\",condition=\"Ready\",status=\"true\"} == 1)"),
        Some(6.0)
    );
}

fn rfc3339(offset_s: i64) -> String {
    let t = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(offset_s);
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[test]
fn silences_and_alerts_answer_as_alertmanager_does() {
    let real = rt().block_on(warroom_testkit::alertmanager());
    let yaml = std::fs::read_to_string(warroom_testkit::repo("drills/bad-deploy.yaml")).expect("shipped drill");
    // Speed 1 without a pinned start: the drill's virtual time is the wall clock.
    let sim = Served::start(Some(&yaml), Setup::default());
    let ours = sim.alertmanager.clone();
    let matcher = json!([{"name": "alertname", "value": "Injected", "isRegex": false, "isEqual": true}]);
    let silence = |m: Value, starts: i64, ends: i64| json!({"matchers": m, "startsAt": rfc3339(starts), "endsAt": rfc3339(ends), "createdBy": "warroom", "comment": "drill"});
    let mut no_creator = silence(matcher.clone(), 0, 3600);
    no_creator.as_object_mut().expect("object").remove("createdBy");
    let mut no_matchers = silence(matcher.clone(), 0, 3600);
    no_matchers.as_object_mut().expect("object").remove("matchers");
    let cases: Vec<(&str, &str, String)> = vec![
        ("valid", "/api/v2/silences", silence(matcher.clone(), 0, 3600).to_string()),
        ("empty matchers", "/api/v2/silences", silence(json!([]), 0, 3600).to_string()),
        ("missing matchers", "/api/v2/silences", no_matchers.to_string()),
        ("missing createdBy", "/api/v2/silences", no_creator.to_string()),
        ("ends before it starts", "/api/v2/silences", silence(matcher.clone(), 3600, 60).to_string()),
        ("not JSON", "/api/v2/silences", "not json".to_string()),
        (
            "inject an alert",
            "/api/v2/alerts",
            json!([{"labels": {"alertname": "Injected", "severity": "page"}, "annotations": {"summary": "drill"}, "startsAt": rfc3339(0)}]).to_string(),
        ),
        ("alert without labels", "/api/v2/alerts", json!([{"labels": {}}]).to_string()),
    ];
    let mut ids = Vec::new();
    for (what, path, body) in &cases {
        let a = call(
            "POST",
            &format!("{}{path}", real.url),
            Some(("application/json", body.clone())),
        );
        let b = call(
            "POST",
            &format!("{ours}{path}"),
            Some(("application/json", body.clone())),
        );
        assert_eq!(a.0, b.0, "{what}: status (Alertmanager {} vs drill {})", a.1, b.1);
        assert_eq!(
            shape(&a.1),
            shape(&b.1),
            "{what}: shape (Alertmanager {} vs drill {})",
            a.1,
            b.1
        );
        if let (Some(ca), Some(cb)) = (a.1.get("code"), b.1.get("code")) {
            assert_eq!(ca, cb, "{what}: error code");
        }
        if let Some(id) = b.1.get("silenceID") {
            ids.push((a.1["silenceID"].clone(), id.clone()));
        }
    }
    assert_eq!(ids.len(), 1);
    // The injected alert is suppressed by the silence, in both.
    for (base, id) in [(&real.url, &ids[0].0), (&ours, &ids[0].1)] {
        let alert = wait_for(30, "the injected alert", || {
            let (status, body) = get(&query_url(
                base,
                "/api/v2/alerts",
                &[("filter", "alertname=\"Injected\"")],
            ));
            (status == 200 && body[0]["status"]["state"] == "suppressed").then(|| body[0].clone())
        });
        assert_eq!(alert["status"]["silencedBy"], json!([id]));
    }
    let (a, b) = (
        get(&format!("{}/api/v2/alerts", real.url)),
        get(&format!("{ours}/api/v2/alerts")),
    );
    assert_eq!(shape(&a.1), shape(&b.1));
    let fingerprint = |v: &Value| {
        v.as_array()
            .and_then(|a| a.iter().find(|x| x["labels"]["alertname"] == "Injected"))
            .map(|x| x["fingerprint"].clone())
    };
    assert_eq!(fingerprint(&a.1), fingerprint(&b.1));
    let (a, b) = (
        get(&format!("{}/api/v2/silences", real.url)),
        get(&format!("{ours}/api/v2/silences")),
    );
    assert_eq!((a.0, shape(&a.1)), (b.0, shape(&b.1)));
    assert_eq!(b.1[0]["status"]["state"], "active");
    // Deletes: unknown, malformed, then the real one (which expires it).
    for (what, id_real, id_ours) in [
        (
            "unknown id",
            json!("00000000-0000-0000-0000-000000000000"),
            json!("00000000-0000-0000-0000-000000000000"),
        ),
        ("malformed id", json!("nope"), json!("nope")),
        ("the silence", ids[0].0.clone(), ids[0].1.clone()),
    ] {
        let a = call(
            "DELETE",
            &format!("{}/api/v2/silence/{}", real.url, id_real.as_str().expect("id")),
            None,
        );
        let b = call(
            "DELETE",
            &format!("{ours}/api/v2/silence/{}", id_ours.as_str().expect("id")),
            None,
        );
        assert_eq!(
            (a.0, shape(&a.1)),
            (b.0, shape(&b.1)),
            "delete {what}: {} vs {}",
            a.1,
            b.1
        );
    }
    let (_, b) = get(&format!("{ours}/api/v2/silences"));
    assert_eq!(b[0]["status"]["state"], "expired");
    let (_, b) = get(&query_url(
        &ours,
        "/api/v2/alerts",
        &[("filter", "alertname=\"Injected\"")],
    ));
    assert_eq!(b[0]["status"]["state"], "active");
}

#[test]
fn rule_alerts_reach_the_drills_alertmanager() {
    let yaml = std::fs::read_to_string(warroom_testkit::repo("drills/bad-deploy.yaml")).expect("shipped drill");
    let sim = Served::start(
        Some(&yaml),
        Setup {
            paused: true,
            ..Setup::default()
        },
    );
    // Fifteen minutes into the drill: the bad deploy has burned error budget for 13.
    let clock = sim.control("POST", "/drill/v1/clock?advance=15m");
    assert!(clock.is_object(), "{clock}");
    let (_, body) = get(&format!("{}/api/v1/alerts", sim.prometheus));
    let firing: Vec<&str> = body["data"]["alerts"]
        .as_array()
        .expect("alerts")
        .iter()
        .filter(|a| a["state"] == "firing")
        .filter_map(|a| a["labels"]["alertname"].as_str())
        .collect();
    assert!(firing.contains(&"ErrorBudgetBurn"), "{body}");
    let (_, am) = get(&format!("{}/api/v2/alerts", sim.alertmanager));
    let page = am
        .as_array()
        .expect("alerts")
        .iter()
        .find(|a| a["labels"]["alertname"] == "ErrorBudgetBurn")
        .unwrap_or_else(|| panic!("no ErrorBudgetBurn in {am}"));
    assert_eq!(page["labels"]["service"], "checkout");
    assert_eq!(page["status"]["state"], "active");
}

#[test]
fn a_scenario_asks_for_as_much_history_as_a_detector_needs() {
    let yaml = std::fs::read_to_string(warroom_testkit::repo("drills/quiet-week.yaml")).expect("shipped drill");
    // The quiet week backfills eight days: last week's same hour is there.
    let week = Served::start(
        Some(&yaml),
        Setup {
            paused: true,
            ..Setup::default()
        },
    );
    let q = "count(http_requests_total offset 7d)";
    let (status, body) = get(&query_url(&week.prometheus, "/api/v1/query", &[("query", q)]));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["result"].as_array().map(Vec::len), Some(1), "{body}");
    // Without it, three days.
    let three_days = yaml.replace("history: 8d\n", "");
    assert_ne!(three_days, yaml);
    let short = Served::start(
        Some(&three_days),
        Setup {
            paused: true,
            ..Setup::default()
        },
    );
    let (_, body) = get(&query_url(&short.prometheus, "/api/v1/query", &[("query", q)]));
    assert_eq!(body["data"]["result"].as_array().map(Vec::len), Some(0), "{body}");
    let (_, body) = get(&query_url(
        &short.prometheus,
        "/api/v1/query",
        &[("query", "count(http_requests_total offset 2d)")],
    ));
    assert_eq!(body["data"]["result"].as_array().map(Vec::len), Some(1), "{body}");
}

/// A GET that says it is on the drill's clock (as warroom's console does): times as the drill keeps them.
fn get_on_drill_clock(url: &str) -> Value {
    rt().block_on(async {
        let resp = warroom_testkit::http_client()
            .get(url)
            .header(warroom_drill::CLOCK_HEADER, "drill")
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        resp.json().await.expect("JSON")
    })
}

/// The real `amtool` (Debian `prometheus-alertmanager`) stamps what it writes with its own
/// clock and judges what it reads by it. In a drill two hours ahead of it (advanced) and in one
/// months behind it (a pinned start): an alert it adds keeps firing and a one-hour silence
/// lasts an hour of the drill, starting at the drill's now; what it reads back is on its own
/// clock, so the alert started just now and `silence query` lists the silence as active.
#[test]
fn amtool_writes_and_reads_by_its_clock_and_the_drill_keeps_them_by_its_own() {
    let amtool = warroom_testkit::tools::require("amtool", "prometheus-alertmanager");
    let yaml = std::fs::read_to_string(warroom_testkit::repo("drills/bad-deploy.yaml")).expect("shipped drill");
    let behind = yaml.replacen(
        "name: bad-deploy",
        "name: bad-deploy\nstart: \"2026-01-05T09:00:00Z\"",
        1,
    );
    assert_ne!(behind, yaml, "the scenario's name line");
    for (what, scenario, advance) in [("ahead", &yaml, Some("2h")), ("behind", &behind, None)] {
        let sim = Served::start(
            Some(scenario),
            Setup {
                paused: true,
                ..Setup::default()
            },
        );
        if let Some(by) = advance {
            sim.control("POST", &format!("/drill/v1/clock?advance={by}"));
        }
        let drill_now = sim.now();
        let run = |args: &[&str]| {
            let out = std::process::Command::new(&amtool)
                .arg(format!("--alertmanager.url={}", sim.alertmanager))
                .args(args)
                .output()
                .expect("run amtool");
            assert!(
                out.status.success(),
                "{what}: amtool {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let time = |v: &Value, k: &str| v[k].as_str().expect("a time").parse::<jiff::Timestamp>().expect("time");
        // amtool's own clock moves on while it runs: within a minute.
        let near =
            |a: jiff::Timestamp, b: jiff::Timestamp| a.duration_since(b).abs() < jiff::SignedDuration::from_mins(1);
        run(&[
            "alert",
            "add",
            "alertname=ByHand",
            "severity=page",
            "--annotation=summary=added by hand",
        ]);
        let alerts: Value =
            serde_json::from_str(&run(&["alert", "query", "alertname=ByHand", "-o", "json"])).expect("JSON");
        assert_eq!(
            alerts.as_array().map(Vec::len),
            Some(1),
            "{what}: the alert fires: {alerts}"
        );
        assert_eq!(alerts[0]["status"]["state"], "active", "{what}: {alerts}");
        assert!(
            near(time(&alerts[0], "startsAt"), jiff::Timestamp::now()),
            "{what}: amtool reads that it started just now by its clock: {alerts}"
        );
        let kept = get_on_drill_clock(&format!("{}/api/v2/alerts?filter=alertname%3DByHand", sim.alertmanager));
        assert_eq!(
            time(&kept[0], "startsAt"),
            drill_now,
            "{what}: it started at the drill's now (paused): {kept}"
        );

        let id = run(&[
            "silence",
            "add",
            "alertname=ByHand",
            "--duration=1h",
            "--comment=drill",
            "--author=ic",
        ]);
        let silences = get_on_drill_clock(&format!("{}/api/v2/silences", sim.alertmanager));
        let s = silences
            .as_array()
            .and_then(|all| all.iter().find(|s| s["id"] == id.trim()))
            .unwrap_or_else(|| panic!("{what}: silence {id} in {silences}"));
        assert_eq!(s["status"]["state"], "active", "{what}: {s}");
        assert!(near(time(s, "startsAt"), drill_now), "{what}: {s}");
        // An hour from when amtool stamped it; the start is the drill's now, as the Alertmanager
        // begins a silence whose start has passed: a few milliseconds short of the hour.
        let lasts = time(s, "endsAt").duration_since(time(s, "startsAt"));
        let short = jiff::SignedDuration::from_hours(1) - lasts;
        assert!(
            short >= jiff::SignedDuration::ZERO && short < jiff::SignedDuration::from_secs(5),
            "{what}: {s}"
        );
        // `silence query` hides what has expired by its clock: the silence is listed, ending in
        // an hour of amtool's.
        let listed: Value = serde_json::from_str(&run(&["silence", "query", "-o", "json"])).expect("JSON");
        let mine = listed
            .as_array()
            .and_then(|all| all.iter().find(|s| s["id"] == id.trim()))
            .unwrap_or_else(|| panic!("{what}: amtool silence query lists {id}: {listed}"));
        let left = time(mine, "endsAt").duration_since(jiff::Timestamp::now());
        assert!(
            left > jiff::SignedDuration::from_mins(58) && left <= jiff::SignedDuration::from_hours(1),
            "{what}: {mine}"
        );
        let suppressed: Value = serde_json::from_str(&run(&[
            "alert",
            "query",
            "--silenced",
            "alertname=ByHand",
            "-o",
            "json",
        ]))
        .expect("JSON");
        assert_eq!(suppressed[0]["status"]["state"], "suppressed", "{what}: {suppressed}");
    }
}

/// A client on the drill's clock (warroom's console) reaching the Alertmanager through the API
/// server's service proxy has its times kept: the proxy passes the clock header on.
#[test]
fn a_silence_on_the_drills_clock_made_through_the_service_proxy_is_kept_as_made() {
    let sim = Served::start(
        None,
        Setup {
            paused: true,
            ..Setup::default()
        },
    );
    sim.control("POST", "/drill/v1/clock?advance=2h");
    let drill_now = sim.now();
    let ends = drill_now + jiff::SignedDuration::from_hours(1);
    let proxied = format!(
        "{}/api/v1/namespaces/monitoring/services/alertmanager-main:web/proxy/api/v2/silences",
        sim.url
    );
    let made: Value = rt().block_on(async {
        warroom_testkit::drill_clock_client()
            .post(&proxied)
            .json(&json!({
                "matchers": [{"name": "alertname", "value": "ByHand", "isRegex": false}],
                "startsAt": drill_now.to_string(),
                "endsAt": ends.to_string(),
                "createdBy": "ic",
                "comment": "through the proxy"
            }))
            .send()
            .await
            .expect("POST through the proxy")
            .json()
            .await
            .expect("JSON")
    });
    let id = made["silenceID"].as_str().unwrap_or_else(|| panic!("{made}"));
    let kept = warroom_testkit::drill::control(&sim.alertmanager, "GET", &format!("/api/v2/silence/{id}"));
    let at = |k: &str| {
        kept[k]
            .as_str()
            .expect("a time")
            .parse::<jiff::Timestamp>()
            .expect("time")
    };
    assert_eq!(at("endsAt"), ends, "{kept}");
    assert_eq!(at("startsAt"), drill_now, "{kept}");
}
