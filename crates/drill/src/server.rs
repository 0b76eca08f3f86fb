//! Running a drill cluster: the shared handle (the simulation under its lock, the monitoring
//! stack under its own, the OpenAPI bytes, the drop-all switch), the HTTP servers on loopback
//! addresses (Kubernetes, Prometheus, Alertmanager), the clock task that moves the simulation
//! along, and the kubeconfig that points kubectl and kube-rs at it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::clock::Clock;
use super::metrics::monitoring::{HISTORY_MS, Monitoring};
use super::metrics::observe::Observation;
use super::metrics::replayed::{RecordedSamples, Replayed};
use super::scenario::Scenario;
use super::sim::{RequestRecord, Sim};
use super::synthetic::SyntheticSpec;
use super::{api, drill_log, kinds, openapi};

/// How the drill cluster runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub seed: Option<u64>,
    pub speed: f64,
    /// Start with the clock paused (tests step it with `/drill/v1/clock?advance=`).
    pub paused: bool,
    /// How many changes watches can resume from.
    pub log_capacity: usize,
    pub bookmark_interval: Duration,
    /// Answers streaming lists (a watch with `sendInitialEvents`, Kubernetes' WatchList, on by
    /// default since 1.32). Off, such a watch is refused as a server without it refuses it.
    pub watch_list: bool,
    /// Virtual start time, overriding the scenario's.
    pub start: Option<jiff::Timestamp>,
    /// How much metrics history is backfilled before the start (milliseconds; 3 days).
    pub metrics_history_ms: i64,
    /// Keep a drill log here (a new file): the writes that changed the drill, from which
    /// [`Drill::resume`] rebuilds it. A scenario's drill only.
    pub log: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: None,
            speed: 1.0,
            paused: false,
            log_capacity: 100_000,
            bookmark_interval: Duration::from_secs(15),
            watch_list: true,
            start: None,
            metrics_history_ms: HISTORY_MS,
            log: None,
        }
    }
}

/// The running drill cluster's shared state.
pub struct DrillCluster {
    sim: Mutex<Sim>,
    pub openapi: Bytes,
    pub disconnect: tokio::sync::watch::Sender<u64>,
    pub address: String,
    /// Where the drill's Prometheus and Alertmanager listen (for consoles that join the drill).
    pub prometheus_url: String,
    pub alertmanager_url: String,
    pub bookmark_interval: Duration,
    pub watch_list: bool,
    /// Writes made by `/drill/v1/churn`: (namespace, name, restart count, committed at, ns since the epoch).
    pub churn_log: Mutex<Vec<(String, String, i64, u64)>>,
    /// Samples, rules and alerts. Never locked while the simulation is: the sim's
    /// observations wait in `inbox` (locked under either) and are recorded in order.
    monitoring: Mutex<Monitoring>,
    inbox: Mutex<Vec<Observation>>,
    /// What a replay told the monitoring stack, waiting as observations do.
    replayed: Mutex<Vec<Replayed>>,
    /// The drill log, when the drill keeps one.
    log: Mutex<Option<Logging>>,
    /// Writes that change the drill take turns, so the log's order is the order they were
    /// applied in; the clock's changes wait their turn too.
    pub writing: tokio::sync::Mutex<()>,
}

/// The drill log being written, and the last place it was told the clock reached.
struct Logging {
    writer: drill_log::Writer,
    reached: Option<(jiff::Timestamp, f64, bool)>,
    told: std::time::Instant,
}

/// How often a running drill tells its log where the clock is (a crash loses at most this).
const REACHED_EVERY: Duration = Duration::from_secs(5);

/// The simulation held at the time a write is logged at, until dropped.
pub struct Held<'a> {
    cluster: &'a DrillCluster,
    pub at: jiff::Timestamp,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.cluster.lock().hold = None;
    }
}

impl DrillCluster {
    pub fn new(
        sim: Sim,
        monitoring: Monitoring,
        address: String,
        (prometheus_url, alertmanager_url): (String, String),
        bookmark_interval: Duration,
    ) -> Self {
        let (disconnect, _) = tokio::sync::watch::channel(0);
        DrillCluster {
            monitoring: Mutex::new(monitoring),
            inbox: Mutex::new(Vec::new()),
            replayed: Mutex::new(Vec::new()),
            log: Mutex::new(None),
            writing: tokio::sync::Mutex::new(()),
            sim: Mutex::new(sim),
            openapi: Bytes::from(openapi::v2_protobuf(kinds::ALL)),
            disconnect,
            address,
            prometheus_url,
            alertmanager_url,
            bookmark_interval,
            watch_list: true,
            churn_log: Mutex::new(Vec::new()),
        }
    }

    /// The simulation, locked. A poisoned lock (a panic elsewhere) is recovered, not spread.
    pub fn lock(&self) -> MutexGuard<'_, Sim> {
        self.sim.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The drill log this drill writes, if it keeps one.
    pub fn log_path(&self) -> Option<PathBuf> {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.as_ref().map(|l| l.writer.path().to_path_buf())
    }

    /// Whether the drill keeps a log.
    pub fn logging(&self) -> bool {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// Brings the simulation to the clock's time and holds it there while a write is applied.
    pub fn hold(&self) -> Held<'_> {
        let mut sim = self.lock();
        sim.sync();
        let at = sim.now;
        sim.hold = Some(at);
        Held { cluster: self, at }
    }

    /// Appends to the drill log; a log that cannot be written is told in the log file, and the
    /// drill goes on (it can then not be resumed past this point).
    pub fn log(&self, line: &drill_log::Line) {
        if let Some(l) = self.log.lock().unwrap_or_else(|p| p.into_inner()).as_mut()
            && let Err(e) = l.writer.write(line)
        {
            tracing::error!(error = %e, log = %l.writer.path().display(), "the drill log cannot be written");
        }
    }

    /// Tells the drill log where the clock has reached and at what pace, when that changed
    /// (`now`: at once; else at most every few seconds).
    pub fn note_reached(&self, now: bool) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let Some(l) = log.as_mut() else {
            return;
        };
        if !now && l.told.elapsed() < REACHED_EVERY {
            return;
        }
        let reached = {
            let mut sim = self.lock();
            sim.sync();
            (sim.now, sim.clock.speed(), sim.clock.paused())
        };
        l.told = std::time::Instant::now();
        if l.reached == Some(reached) {
            return;
        }
        l.reached = Some(reached);
        let (at, speed, paused) = reached;
        if let Err(e) = l.writer.write(&drill_log::Line::Reached { at, speed, paused }) {
            tracing::error!(error = %e, log = %l.writer.path().display(), "the drill log cannot be written");
        }
    }

    /// Brings the simulation to the clock's time and queues what it observed; returns the
    /// virtual now in milliseconds.
    fn sync_observations(&self) -> i64 {
        let mut sim = self.lock();
        sim.sync();
        let observations = sim.take_observations();
        self.inbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(observations);
        let replayed = std::mem::take(&mut sim.replayed);
        self.replayed.lock().unwrap_or_else(|p| p.into_inner()).extend(replayed);
        sim.now.as_millisecond()
    }

    fn record_inbox(&self, m: &mut Monitoring, now: i64) {
        let replayed = std::mem::take(&mut *self.replayed.lock().unwrap_or_else(|p| p.into_inner()));
        m.replayed(replayed);
        let observations = std::mem::take(&mut *self.inbox.lock().unwrap_or_else(|p| p.into_inner()));
        m.record(observations);
        m.reveal(now);
    }

    /// The monitoring stack brought up to the virtual now, and that now in milliseconds. At
    /// start this waits for the history backfill.
    pub fn monitoring(&self) -> (MutexGuard<'_, Monitoring>, i64) {
        let now = self.sync_observations();
        let mut m = self.monitoring.lock().unwrap_or_else(|p| p.into_inner());
        self.record_inbox(&mut m, now);
        (m, now)
    }

    /// One clock tick: moves the simulation along and records samples and rules unless the
    /// monitoring stack is busy (backfilling or answering a query); they wait for the next.
    fn tick(&self) {
        let now = self.sync_observations();
        if let Ok(mut m) = self.monitoring.try_lock() {
            self.record_inbox(&mut m, now);
        }
        self.note_reached(false);
    }
}

/// The services of `scenario` that receive traffic, for golden-signal panels (once each, when
/// a canary shares its stable release's).
pub fn services(scenario: &Scenario) -> Vec<Service> {
    let mut seen = std::collections::BTreeSet::new();
    crate::metrics::signals::services(scenario)
        .into_iter()
        .filter(|s| seen.insert((s.namespace.clone(), s.service.clone())))
        .map(|s| Service {
            namespace: s.namespace,
            service: s.service,
            objective: s.objective,
        })
        .collect()
}

/// A drill cluster serving on loopback addresses until dropped or stopped: the handle the
/// console and tests hold.
pub struct Drill {
    cluster: Arc<DrillCluster>,
    addr: SocketAddr,
    prometheus_addr: SocketAddr,
    alertmanager_addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

/// What the drill's virtual clock says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClockReading {
    pub now: jiff::Timestamp,
    /// When the drill started, in virtual time.
    pub start: jiff::Timestamp,
    pub speed: f64,
    pub paused: bool,
}

/// A service of the scenario that receives traffic, as its golden signals name it.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub namespace: String,
    pub service: String,
    /// The SLO's objective, e.g. 0.999.
    pub objective: f64,
}

impl Drill {
    /// Builds the scenario's cluster and serves it on `listen` (port 0 picks a free port),
    /// with Prometheus and Alertmanager beside it on the same address.
    pub async fn start(scenario: Scenario, listen: SocketAddr, options: &Options) -> std::io::Result<Drill> {
        start(scenario, listen, options).await
    }

    /// Builds a large synthetic cluster (scale tests) and serves it on `listen`. It gets live
    /// metrics only: no backfilled history.
    pub async fn synthetic(spec: SyntheticSpec, listen: SocketAddr, options: &Options) -> std::io::Result<Drill> {
        let listener = TcpListener::bind(listen).await?;
        let seed = options.seed.unwrap_or(1);
        let sim = tokio::task::spawn_blocking(move || spec.build(seed))
            .await
            .map_err(std::io::Error::other)?;
        let options = Options {
            metrics_history_ms: 0,
            ..options.clone()
        };
        serve(sim, listener, &options).await
    }

    /// Replays the flight recording at `path` on `listen`: its objects as they were at each
    /// virtual moment, from the recording's first. A recording that cannot be read is an
    /// error naming the file and the place. With [`Options::log`] the replay keeps a drill
    /// log (naming the recording, and the real team's `journal` shown beside it), so that it
    /// can be resumed where it was.
    pub async fn replay(
        path: &std::path::Path,
        journal: Option<&std::path::Path>,
        listen: SocketAddr,
        options: &Options,
    ) -> std::io::Result<Drill> {
        let listener = TcpListener::bind(listen).await?;
        let recording = drill_log::Recording::of(path, journal)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        let sim = replayed(&recording.path, options.log_capacity).await?;
        let writer = match &options.log {
            Some(log) => Some(
                drill_log::Writer::create_with(log, &sim.scenario, options.seed.unwrap_or(1), sim.now, Some(recording))
                    .map_err(drill_log::naming(log))?,
            ),
            None => None,
        };
        serve_logged(sim, listener, &replay_options(options), writer, None).await
    }

    /// Rebuilds the drill whose log is at `path` (kept with [`Options::log`]) and serves it
    /// on `listen`: its scenario played again from its start with its seed, each logged write
    /// applied at its virtual time, then served from where the log stopped, at the pace it
    /// had then (or at `speed`). The same log is written on. Faults already played are not
    /// played again; a log that cannot be read, or a write refused now that was accepted then,
    /// is an error naming the file and line.
    pub async fn resume(
        path: &std::path::Path,
        listen: SocketAddr,
        options: &Options,
        speed: Option<f64>,
    ) -> std::io::Result<Drill> {
        super::resume::resume(path, listen, options, speed).await
    }

    /// The drill log this drill writes, if it keeps one.
    pub fn log_path(&self) -> Option<PathBuf> {
        self.cluster.log_path()
    }

    /// The address the Kubernetes API listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the virtual clock says now.
    pub fn clock(&self) -> ClockReading {
        let sim = self.cluster.lock();
        ClockReading {
            now: sim.clock.now(),
            start: sim.start,
            speed: sim.clock.speed(),
            paused: sim.clock.paused(),
        }
    }

    /// A function reading the virtual time, for whoever must stamp things by the drill's clock
    /// (silences started in a paused or fast drill).
    pub fn virtual_now(&self) -> impl Fn() -> jiff::Timestamp + Send + Sync + 'static {
        let cluster = self.cluster.clone();
        move || cluster.lock().clock.now()
    }

    /// The scenario the drill plays (its name, title, faults...). Injected faults are among
    /// its faults, at the time they were played.
    pub fn scenario(&self) -> Scenario {
        self.cluster.lock().scenario.clone()
    }

    /// A function reading the scenario as it stands, for whoever outlives a borrow of the
    /// drill (the debrief, after faults were injected).
    pub fn scenario_now(&self) -> impl Fn() -> Scenario + Send + Sync + 'static {
        let cluster = self.cluster.clone();
        move || cluster.lock().scenario.clone()
    }

    /// A function reading where the players' timeline left the replayed recording, if it has
    /// (their first change, from any client); `None` outside a replay.
    pub fn branched_now(&self) -> impl Fn() -> Option<crate::replay::Branch> + Send + Sync + 'static {
        let cluster = self.cluster.clone();
        move || cluster.lock().replay.as_ref().and_then(|r| r.branched.clone())
    }

    /// The scenario's services that receive traffic, for golden-signal panels (once each, when a
    /// canary shares its stable release's).
    pub fn services(&self) -> Vec<Service> {
        services(&self.cluster.lock().scenario)
    }

    /// The requests served so far (also at `GET /drill/v1/requests`).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.cluster.lock().requests.clone()
    }

    /// Forgets the requests served so far.
    pub fn clear_requests(&self) {
        self.cluster.lock().requests.clear();
    }

    /// The Kubernetes API.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The Prometheus HTTP API and `/metrics`.
    pub fn prometheus_url(&self) -> String {
        format!("http://{}", self.prometheus_addr)
    }

    /// The Alertmanager v2 API.
    pub fn alertmanager_url(&self) -> String {
        format!("http://{}", self.alertmanager_addr)
    }

    #[cfg(test)]
    /// The shared state behind the servers.
    pub(crate) fn shared(&self) -> &Arc<DrillCluster> {
        &self.cluster
    }

    pub fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Drop for Drill {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        // Where the drill stopped, so that it resumes there.
        self.cluster.note_reached(true);
    }
}

fn spawn_server(listener: TcpListener, app: axum::Router, what: &'static str) -> JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "drill {what} server stopped");
        }
    })
}

/// Builds the scenario's cluster and serves it on `listen` (port 0 picks a free port).
async fn start(scenario: Scenario, listen: SocketAddr, options: &Options) -> std::io::Result<Drill> {
    let listener = TcpListener::bind(listen).await?;
    let seed = options.seed.unwrap_or(scenario.seed);
    let start = start_time(&scenario, options);
    let writer = match &options.log {
        Some(path) => Some(drill_log::Writer::create(path, &scenario, seed, start).map_err(drill_log::naming(path))?),
        None => None,
    };
    // Stopped while the cluster is built, so that the drill starts exactly at `start` (the
    // start its log records, and consoles joining it compare); `serve` sets it going.
    let clock = Clock::new(start, 0.0, true);
    let sim = tokio::task::spawn_blocking({
        let capacity = options.log_capacity;
        move || Sim::new(scenario, seed, clock, capacity)
    })
    .await
    .map_err(std::io::Error::other)?;
    serve_logged(sim, listener, options, writer, None).await
}

/// When the drill starts: the option, else the scenario's pinned start, else now (to the second).
fn start_time(scenario: &Scenario, options: &Options) -> jiff::Timestamp {
    options
        .start
        .or_else(|| scenario.start.as_deref().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| {
            let now = jiff::Timestamp::now();
            jiff::Timestamp::from_second(now.as_second()).unwrap_or(now)
        })
}

/// The simulation of the recording at `path`, from its first moment that shows the whole
/// cluster; a recording that cannot be read is an error naming the file and the place.
pub(crate) async fn replayed(path: &std::path::Path, log_capacity: usize) -> std::io::Result<Sim> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let reading = warroom_recording::file::read(&path, &[]).map_err(std::io::Error::other)?;
        let name = path
            .file_name()
            .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        Sim::replaying(reading.records, &format!("Replay of {name}"), log_capacity)
            .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))
    })
    .await
    .map_err(std::io::Error::other)?
}

/// A replay's options: no backfilled history (its samples are the recording's), and its
/// clock starts where the recording does.
pub(crate) fn replay_options(options: &Options) -> Options {
    Options {
        metrics_history_ms: 0,
        start: None,
        ..options.clone()
    }
}

/// Serves an already built simulation on a bound listener.
pub(crate) async fn serve(sim: Sim, listener: TcpListener, options: &Options) -> std::io::Result<Drill> {
    serve_logged(sim, listener, options, None, None).await
}

/// Serves a simulation, keeping its drill log if it has one, after bringing it to where a
/// resumed drill was.
pub(crate) async fn serve_logged(
    mut sim: Sim,
    listener: TcpListener,
    options: &Options,
    writer: Option<drill_log::Writer>,
    resumption: Option<super::resume::Resumption>,
) -> std::io::Result<Drill> {
    let addr = listener.local_addr()?;
    // Prometheus and Alertmanager listen beside the Kubernetes API, on the same address.
    let prometheus = TcpListener::bind(SocketAddr::new(addr.ip(), 0)).await?;
    let alertmanager = TcpListener::bind(SocketAddr::new(addr.ip(), 0)).await?;
    let (prometheus_addr, alertmanager_addr) = (prometheus.local_addr()?, alertmanager.local_addr()?);
    // The clock starts when the server does, not when the build began.
    let start = sim.now;
    sim.clock = Clock::new(start, options.speed, options.paused);
    let base = sim.start_scraping();
    let seed = options.seed.unwrap_or(sim.scenario.seed);
    let recorded = sim.replay.as_mut().map(|r| std::mem::take(&mut r.samples));
    let monitoring =
        Monitoring::empty(&sim.scenario, seed).replaying(RecordedSamples::new(recorded.unwrap_or_default()));
    let mut cluster = DrillCluster::new(
        sim,
        monitoring,
        addr.to_string(),
        (
            format!("http://{prometheus_addr}"),
            format!("http://{alertmanager_addr}"),
        ),
        options.bookmark_interval,
    );
    cluster.watch_list = options.watch_list;
    let cluster = Arc::new(cluster);
    // The history is backfilled in the background; metrics requests wait for it, the
    // Kubernetes API does not.
    let (locked, backfilling) = tokio::sync::oneshot::channel();
    tokio::task::spawn_blocking({
        let cluster = cluster.clone();
        // The scenario's own history, unless the caller wants none (a synthetic cluster).
        let history = match cluster.lock().scenario.history {
            Some(h) if options.metrics_history_ms > 0 => h.millis,
            _ => options.metrics_history_ms,
        };
        move || {
            let mut m = cluster.monitoring.lock().unwrap_or_else(|p| p.into_inner());
            let _ = locked.send(());
            m.backfill(&base, history);
        }
    });
    backfilling.await.map_err(std::io::Error::other)?;
    if let Some(r) = resumption {
        let path = writer.as_ref().map(|w| w.path().to_path_buf()).unwrap_or_default();
        super::resume::replay_writes(&cluster, &path, &r.writes).await?;
        let mut sim = cluster.lock();
        sim.clock = Clock::new(r.at, 0.0, true);
        sim.sync();
        sim.clock = Clock::new(r.at, r.speed, r.paused);
    }
    if let Some(writer) = writer {
        *cluster.log.lock().unwrap_or_else(|p| p.into_inner()) = Some(Logging {
            writer,
            reached: None,
            told: std::time::Instant::now(),
        });
        cluster.note_reached(true);
    }
    let mut tasks = vec![
        spawn_server(listener, api::router(cluster.clone()), "Kubernetes API"),
        spawn_server(prometheus, api::prometheus::router(cluster.clone()), "Prometheus API"),
        spawn_server(
            alertmanager,
            api::alertmanager::router(cluster.clone()),
            "Alertmanager API",
        ),
    ];
    let ticking = cluster.clone();
    tasks.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            // Off the runtime's workers: a large cluster's tick takes long enough to starve
            // the requests they serve.
            let cluster = ticking.clone();
            if tokio::task::spawn_blocking(move || cluster.tick()).await.is_err() {
                tracing::error!("the drill clock's tick panicked");
            }
        }
    }));
    Ok(Drill {
        cluster,
        addr,
        prometheus_addr,
        alertmanager_addr,
        tasks,
    })
}

/// A kubeconfig for a plain-http drill cluster with no authentication.
pub fn kubeconfig(url: &str, context: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {context}\n  cluster:\n    server: {url}\ncontexts:\n- name: {context}\n  context:\n    cluster: {context}\n    user: {context}\n    namespace: default\ncurrent-context: {context}\nusers:\n- name: {context}\n  user: {{}}\npreferences: {{}}\n"
    )
}

pub fn write_kubeconfig(path: &Path, url: &str, context: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, kubeconfig(url, context))
}
