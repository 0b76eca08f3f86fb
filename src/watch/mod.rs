//! `warroom watch`: the detector as a long-lived headless process (on a jump host, in a pod,
//! as a systemd unit). It follows the cluster and its Prometheus as the console does, learns
//! each service's baselines from Prometheus's history, and files what persists outside them
//! in the journal: a new incident, or the open one that covers the service. It says what it
//! does on stdout and in the log, says when it is blind, and stops cleanly on a signal.

pub mod ledger;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::message::Msg;
use crate::cluster::connect::Cluster;
use crate::cluster::model::ClusterModel;
use crate::cluster::symptoms::{Thresholds, symptoms};
use crate::config::Config;
use crate::detect::cause::ChangeLog;
use crate::detect::detector::{Detection, Detector, Outcome, Settings, Subject};
use crate::detect::measure::Measure;
use crate::detect::{feed, report};
use crate::freshness::Freshness;
use crate::incident::store::{self, Store};
use crate::observe::follow::{Followed, Plan};
use crate::observe::learn::{Learned, learn};
use crate::observe::model::Update as Observed;
use crate::observe::prometheus::Prometheus;
use crate::playbook::Playbook;
use crate::playbook::suggest::Situation;
use ledger::Filed;

#[derive(Debug, Clone, clap::Args)]
pub struct WatchArgs {
    /// Kubeconfig context (default: the current context).
    #[arg(long)]
    pub context: Option<String>,
    /// Kubeconfig file (default: KUBECONFIG or ~/.kube/config).
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Where incident journals are kept (default: WARROOM_DATA_DIR or the XDG data directory).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// How long a deviation must last before it is filed, e.g. `3m`.
    #[arg(long, value_parser = parse_duration, default_value = "3m")]
    pub hold: Duration,
    /// Robust standard deviations from the median that count as outside (lower: more sensitive).
    #[arg(long, default_value_t = 4.0)]
    pub sensitivity: f64,
    /// How often Prometheus is read (default: the config's poll interval, else 15s).
    #[arg(long, value_parser = parse_duration)]
    pub interval: Option<Duration>,
    /// Mark the incidents it opens as drills (kept out of metrics).
    #[arg(long)]
    pub drill: bool,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = warroom_files::duration::Duration::parse(s)?;
    Ok(Duration::from_millis(d.millis.max(0) as u64))
}

/// What the loop hears besides the poller and the console-shaped notices.
enum Heard {
    Learned(Vec<Learned>),
}

/// Everything the watch knows between messages.
struct Watch {
    detector: Detector,
    changes: ChangeLog,
    model: ClusterModel,
    store: Store,
    playbooks: Vec<Playbook>,
    drill: bool,
    /// Services followed, as (namespace, name).
    scopes: BTreeSet<(String, String)>,
    /// Services whose history has been asked for.
    learning: BTreeSet<(String, String)>,
    burn_1h: BTreeMap<String, f64>,
    alerts: Vec<(String, BTreeMap<String, String>)>,
    blind: bool,
}

/// Prints a line for whoever runs it and logs it.
fn say(line: &str) {
    println!("{line}");
    tracing::info!("{line}");
}

pub async fn run(args: WatchArgs) -> anyhow::Result<()> {
    let config = Config::load()?;
    let user_dir = crate::config::path()
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let playbooks =
        crate::playbook::load::available(&user_dir.join("playbooks")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let cluster = Cluster::from_kubeconfig(args.kubeconfig.as_deref(), args.context.as_deref()).await?;
    let store = Store::new(&store::data_dir(args.data_dir.as_deref()));
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let (cluster_tx, mut cluster_rx) = mpsc::channel(4096);
    let following = crate::cluster::follow::follow(&cluster, cluster_tx);
    let observing = crate::console::observing::live(&config, &cluster, true, args.interval, tx.clone()).await?;
    let Some(observing) = observing else {
        anyhow::bail!(
            "no Prometheus to watch: none is configured for {} and none was found in it",
            cluster.name
        );
    };
    let Some(prometheus) = observing.prometheus.clone() else {
        anyhow::bail!(
            "no Prometheus to watch in {}: only Alertmanager was found",
            cluster.name
        );
    };
    let (heard_tx, mut heard_rx) = mpsc::unbounded_channel::<Heard>();
    let settings = Settings {
        sensitivity: args.sensitivity,
        hold: args.hold.as_secs() as i64,
        ..Settings::default()
    };
    say(&format!(
        "watching {} (Prometheus {}), journals in {}; a deviation is filed after {}s",
        cluster.name,
        prometheus.http().base(),
        store.dir().display(),
        settings.hold
    ));
    let mut w = Watch {
        detector: Detector::new(settings),
        changes: ChangeLog::default(),
        model: ClusterModel::new(),
        store,
        playbooks,
        drill: args.drill,
        scopes: BTreeSet::new(),
        learning: BTreeSet::new(),
        burn_1h: BTreeMap::new(),
        alerts: Vec::new(),
        blind: false,
    };
    for s in &observing.plan.services {
        w.follow(s);
    }
    let shutdown = crate::stop::requested();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(u) = cluster_rx.recv() => {
                w.model.apply(u);
                while let Ok(u) = cluster_rx.try_recv() {
                    w.model.apply(u);
                }
            }
            Some(h) = heard_rx.recv() => match h {
                Heard::Learned(all) => w.learned(all),
            },
            Some(m) = rx.recv() => match m {
                Msg::Observe(u) => w.observed(u, &prometheus, &observing.plan, &heard_tx),
                Msg::Notice { text, .. } => say(&text),
                _ => {}
            },
            else => break,
        }
    }
    observing.following.stop();
    following.stop();
    say("stopped");
    Ok(())
}

impl Watch {
    fn follow(&mut self, s: &Followed) {
        let scope = (s.target.namespace.clone(), s.target.service.clone());
        if let Some(o) = s.objective {
            self.detector.set_objective(&format!("{}/{}", scope.0, scope.1), o);
        }
        self.scopes.insert(scope);
    }

    fn learned(&mut self, all: Vec<Learned>) {
        let n = all.len();
        for l in all {
            let Some(measure) = Measure::of_panel(&l.panel) else {
                continue;
            };
            let subject = Subject::service(&l.target.namespace, &l.target.service);
            self.detector.learn(subject, measure, &l.points, l.seasonal);
        }
        tracing::info!(series = n, "history learned");
    }

    /// Starts learning the history of services not learned yet.
    fn learn_new(&mut self, prometheus: &Prometheus, plan: &Plan, heard: &mpsc::UnboundedSender<Heard>) {
        let fresh: Vec<Followed> = self
            .scopes
            .iter()
            .filter(|s| !self.learning.contains(*s))
            .map(|(ns, name)| Followed {
                target: crate::observe::panels::Target {
                    namespace: ns.clone(),
                    service: name.clone(),
                },
                objective: None,
            })
            .collect();
        if fresh.is_empty() {
            return;
        }
        self.learning.extend(self.scopes.iter().cloned());
        let plan = Plan {
            services: fresh,
            ..plan.clone()
        };
        let (p, heard) = (prometheus.clone(), heard.clone());
        let trailing = Duration::from_secs(self.detector.settings.trailing as u64);
        let panels: Vec<&'static str> = Measure::ALL.iter().filter_map(|m| m.panel()).collect();
        tokio::spawn(async move {
            let learned = learn(&p, &plan, &panels, trailing).await;
            let _ = heard.send(Heard::Learned(learned));
        });
    }

    fn observed(&mut self, u: Observed, prometheus: &Prometheus, plan: &Plan, heard: &mpsc::UnboundedSender<Heard>) {
        match u {
            Observed::Readings(readings) => {
                for r in &readings {
                    self.scopes
                        .insert((r.target.namespace.clone(), r.target.service.clone()));
                }
                self.learn_new(prometheus, plan, heard);
                let Some(t) = readings.iter().map(|r| r.at).max() else {
                    return;
                };
                feed::changes(&mut self.changes, &self.model, t);
                let mut samples = feed::readings(&readings);
                samples.extend(feed::cluster(&self.model, &self.detector, &self.scopes, t));
                let outcomes = self.detector.observe(samples);
                for o in outcomes {
                    self.act(o);
                }
            }
            Observed::Burn { target, rates, .. } => {
                if let Some((_, r)) = rates.iter().find(|(w, _)| *w == "1h") {
                    self.burn_1h
                        .insert(format!("{}/{}", target.namespace, target.service), *r);
                }
            }
            Observed::PrometheusAlerts(alerts) => {
                self.alerts = alerts
                    .iter()
                    .filter(|a| a.state == crate::observe::prometheus::AlertState::Firing)
                    .map(|a| (a.name().to_string(), a.labels.clone()))
                    .collect();
            }
            Observed::Freshness(server, f) => {
                let blind = !matches!(f, Freshness::Live { .. });
                if blind != self.blind && server == crate::observe::http::Server::Prometheus {
                    self.blind = blind;
                    if blind {
                        say(&format!(
                            "blind: Prometheus does not answer ({f:?}); nothing is detected until it does"
                        ));
                    } else {
                        say("Prometheus answers again: detecting");
                    }
                }
            }
            _ => {}
        }
    }

    fn act(&mut self, o: Outcome) {
        match o {
            Outcome::Detected(d) | Outcome::Grew(d) => self.file(&d),
            Outcome::Ended { scope, .. } => say(&format!("{scope} is back within its baseline")),
        }
    }

    fn situation(&self) -> Situation {
        Situation {
            alerts: self.alerts.clone(),
            symptoms: symptoms(&self.model, self.detector.now(), Thresholds::default())
                .iter()
                .map(|s| s.kind)
                .collect(),
            faults: Vec::new(),
        }
    }

    fn file(&mut self, d: &Detection) {
        let signal = d
            .findings
            .first()
            .map_or("it".to_string(), |f| format!("the {}", f.measure.words()));
        let causes = self.changes.causes(&d.scope, d.onset, &signal);
        let deviating = self.detector.deviating();
        let also: Vec<String> = deviating.iter().filter(|s| **s != d.scope).cloned().collect();
        let mut record = report::record(d, &causes, also);
        let situation = self.situation();
        record.mitigations = crate::playbook::mitigate::mitigations(&self.playbooks, &d.scope, &causes, &situation);
        let title = report::title(d, &causes);
        let severity = report::severity(d, deviating.len(), self.burn_1h.get(&d.scope).copied());
        let now = jiff::Timestamp::from_second(d.at).unwrap_or_else(|_| jiff::Timestamp::now());
        match ledger::file(&self.store, record, &title, severity, self.drill, now) {
            Ok(Filed::Opened(id)) => say(&format!("opened {id} ({severity}): {title}")),
            Ok(Filed::Extended(id, None)) => say(&format!("added to {id}: {title}")),
            Ok(Filed::Extended(id, Some(raised))) => {
                say(&format!("added to {id}, severity raised to {raised}: {title}"))
            }
            Err(e) => {
                tracing::error!(error = %e, "filing a detection");
                eprintln!("warroom watch: could not file the detection of {}: {e:#}", d.scope);
            }
        }
    }
}
