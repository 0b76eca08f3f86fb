//! Detection benchmark: runs every shipped drill scenario through the detector as the console
//! and `warroom watch` run it (the drill's Prometheus read with the golden-signal panels, its
//! cluster followed with kube-rs watches, baselines learned from the drill's backfilled
//! history), stepping the drill's clock in scrape-sized steps so a simulated week takes
//! minutes. Prints, per fault scenario, the time from each fault's onset to the first
//! detection, to the first firing alert and to the first paging alert; for the quiet
//! scenario, the incidents it would have opened per simulated week.
//!
//! Run: `cargo bench --bench detection` (WARROOM_BENCH_WEEK_DAYS=1 shortens the quiet week).
//! It prints figures; it asserts nothing.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use warroom::cluster::connect::Cluster;
use warroom::cluster::model::ClusterModel;
use warroom::detect::detector::Settings;
use warroom::detect::session::{Said, Session};
use warroom::incident::filing::{self, Filed};
use warroom::incident::store::Store;
use warroom::observe::follow::{Plan, refresh};
use warroom::observe::http::Endpoint;
use warroom::observe::learn::learn;
use warroom::observe::model::Update as Observed;
use warroom::observe::prometheus::{AlertState, Prometheus};
use warroom_drill::{Drill, Options, scenario};

/// What one run saw, in seconds of drill time since the start.
#[derive(Default)]
struct Seen {
    /// (time, scope, title, likeliest cause) of each incident it opened.
    incidents: Vec<(i64, String, String, String)>,
    /// Detections filed into incidents already open (grown, joined, come back).
    added: usize,
    first_alert: Option<(i64, String)>,
    first_page: Option<(i64, String)>,
}

fn clock_of(d: &Drill) -> i64 {
    d.clock().now.as_second()
}

/// Runs a scenario for `span` seconds of drill time in `step`-second steps.
async fn run(file: &Path, span: i64, step: i64) -> (Seen, Vec<i64>, Duration) {
    let scenario = scenario::load_file(file).unwrap_or_else(|e| panic!("{e}"));
    let onsets: Vec<i64> = scenario.faults.iter().map(|f| f.get().at.millis / 1000).collect();
    let played = warroom::incident::model::Played {
        scenario: scenario.name.clone(),
        start: None,
        log: None,
    };
    let listen: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let drill = Drill::start(
        scenario,
        listen,
        &Options {
            paused: true,
            ..Options::default()
        },
    )
    .await
    .expect("drill");
    let start = clock_of(&drill);
    let cluster = Cluster::drill(&drill.url()).expect("cluster");
    let (tx, mut rx) = mpsc::channel(4096);
    let following = warroom::cluster::follow::follow(&cluster, tx);
    let prometheus = Prometheus::from_endpoint(&Endpoint::plain(drill.prometheus_url())).expect("prometheus");
    let mut plan: Plan = warroom::console::observing::drill_plan(&drill, None);
    let extra = warroom::observe::panels::for_detection(&plan.panels);
    plan.panels.extend(extra);
    let playbooks = warroom::playbook::load::available(Path::new("/nonexistent")).expect("playbooks");
    let mut session = Session::new(Settings::default(), playbooks).following(&plan.services);
    let targets = session.to_learn();
    let learned = learn(
        &prometheus,
        &plan,
        &targets,
        &Session::history_panels(),
        session.trailing(),
    )
    .await;
    session.learned(learned);
    let mut model = ClusterModel::new();
    while !model.complete() {
        if let Some(u) = rx.recv().await {
            model.apply(u);
        }
    }
    session.cluster_changed(&model, start);
    let http = reqwest::Client::new();
    let advance = format!("{}/drill/v1/clock?advance={step}s", drill.url());
    let mut seen = Seen::default();
    // Filed as the console and `warroom watch` file: incidents in a journal directory.
    let journals = tempfile::tempdir().expect("tempdir");
    let store = Store::new(journals.path());
    let began = Instant::now();
    let mut t = start;
    while t - start < span {
        http.post(&advance).send().await.expect("advance");
        t += step;
        // Let the watches deliver what the step changed.
        tokio::time::sleep(Duration::from_millis(3)).await;
        while let Ok(u) = rx.try_recv() {
            model.apply(u);
        }
        session.cluster_changed(&model, t);
        if let Ok(alerts) = prometheus.alerts().await {
            for a in alerts.iter().filter(|a| a.state == AlertState::Firing) {
                let page = matches!(a.labels.get("severity").map(String::as_str), Some("critical" | "page"));
                if seen.first_alert.is_none() {
                    seen.first_alert = Some((t - start, a.name().to_string()));
                }
                if page && seen.first_page.is_none() {
                    seen.first_page = Some((t - start, a.name().to_string()));
                }
            }
        }
        let readings = refresh(&prometheus, &plan).await;
        for said in session.observed(&Observed::Readings(readings), &model) {
            let Said::File(f) = said else { continue };
            let cause = f.record.causes.first().map_or("–".to_string(), |c| c.why.clone());
            let (scope, at) = (f.record.scope.clone(), f.when());
            match filing::file(&mut store.clone(), f.record, &f.title, f.severity, Some(&played), at).expect("filed") {
                Filed::Opened(_) => seen.incidents.push((f.at - start, scope, f.title, cause)),
                Filed::Extended(..) => seen.added += 1,
                Filed::Known(_) => {}
            }
        }
    }
    following.stop();
    drill.stop();
    (seen, onsets, began.elapsed())
}

fn mmss(s: i64) -> String {
    format!("{}m{:02}s", s / 60, s % 60)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("drills");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .expect("drills/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    // WARROOM_BENCH_ONLY=zone-outage,node-failure runs those scenarios only.
    if let Ok(only) = std::env::var("WARROOM_BENCH_ONLY") {
        let names: Vec<&str> = only.split(',').map(str::trim).collect();
        files.retain(|f| {
            f.file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| names.contains(&s))
        });
    }
    let week_days: i64 = std::env::var("WARROOM_BENCH_WEEK_DAYS")
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(7);
    println!("detection: every shipped scenario, the drill's clock stepped 15 s (30 s for a quiet week)");
    for file in files {
        let name = file.file_stem().and_then(|s| s.to_str()).unwrap_or("?").to_string();
        let quiet = name.starts_with("quiet");
        let (span, step) = if quiet { (week_days * 86_400, 30) } else { (40 * 60, 15) };
        let (seen, onsets, took) = rt.block_on(run(&file, span, step));
        if quiet {
            let per_week = seen.incidents.len() as f64 * 7.0 / week_days as f64;
            println!(
                "  {name}: {} false incidents over {week_days} simulated days ({per_week:.1} per week), {} more \
                 detections filed into them; {:.0} s wall",
                seen.incidents.len(),
                seen.added,
                took.as_secs_f64()
            );
        } else {
            let onset = onsets.iter().copied().min().unwrap_or(0);
            let after = |t: Option<i64>| t.map_or("never".to_string(), |t| mmss(t - onset));
            println!(
                "  {name}: fault at {}; detected after {}, first alert after {} ({}), first page after {} ({}); \
                 {} incidents, {} more detections filed into them; {:.0} s wall",
                mmss(onset),
                after(seen.incidents.first().map(|i| i.0)),
                after(seen.first_alert.as_ref().map(|a| a.0)),
                seen.first_alert.as_ref().map_or("–", |a| a.1.as_str()),
                after(seen.first_page.as_ref().map(|a| a.0)),
                seen.first_page.as_ref().map_or("–", |a| a.1.as_str()),
                seen.incidents.len(),
                seen.added,
                took.as_secs_f64()
            );
        }
        for (t, scope, title, cause) in &seen.incidents {
            println!("      {} {scope}: {title}; likely: {cause}", mmss(*t));
        }
    }
}
