//! `warroom watch`: the detector as a long-lived headless process (on a jump host, in a pod,
//! as a systemd unit). It follows the cluster and its Prometheus as the console does, learns
//! each service's baselines from Prometheus's history, and files what persists outside them
//! in the journal: a new incident, or the open one that covers the service. It says what it
//! does on stdout and in the log, sends the first notice of each incident it opens to the
//! internal status channels, says when it is blind, and stops cleanly on a signal.

pub mod notify;

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::message::Msg;
use crate::cluster::model::ClusterModel;
use crate::config::Config;
use crate::detect::session::{Said, Session};
use crate::freshness::Freshness;
use crate::incident::filing::{self, Filed};
use crate::observe::follow::Plan;
use crate::observe::http::Server;
use crate::observe::learn::{Learned, learn};
use crate::observe::model::Update as Observed;
use crate::observe::prometheus::Prometheus;
use crate::postgres::Journals;

#[derive(Debug, Clone, clap::Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub cluster: crate::cluster::connect::HeadlessArgs,
    /// How long a deviation must last before it is filed, e.g. `3m` (default: the config's
    /// `[detection] hold`, else 3m).
    #[arg(long, value_parser = parse_duration)]
    pub hold: Option<Duration>,
    /// Robust standard deviations from the median that count as outside; lower is more
    /// sensitive (default: the config's, else 4).
    #[arg(long)]
    pub sensitivity: Option<f64>,
    /// How often Prometheus is read (default: the config's poll interval, else 15s).
    #[arg(long, value_parser = parse_duration)]
    pub interval: Option<Duration>,
    /// Mark the incidents it opens as drills (kept out of metrics).
    #[arg(long)]
    pub drill: bool,
}

/// A duration option (`3m`, `500ms`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = warroom_files::duration::Duration::parse(s)?;
    Ok(Duration::from_millis(d.millis.max(0) as u64))
}

/// What the loop hears besides the poller and the console-shaped notices.
enum Heard {
    Learned(Vec<Learned>),
    /// What became of a first notice.
    Said(Vec<String>),
}

/// Prints a line for whoever runs it and logs it.
fn say(line: &str) {
    println!("{line}");
    tracing::info!("{line}");
}

pub async fn run(args: WatchArgs) -> anyhow::Result<()> {
    let config = Config::load()?;
    let mut settings = config.detection();
    if let Some(h) = args.hold {
        settings.hold = h.as_secs() as i64;
    }
    if let Some(k) = args.sensitivity {
        anyhow::ensure!(
            k.is_finite() && k > 0.0,
            "--sensitivity must be a positive number, not {k}"
        );
        settings.sensitivity = k;
    }
    let user_dir = crate::config::path()
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let playbooks =
        crate::playbook::load::available(&user_dir.join("playbooks")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let cluster = args.cluster.connect().await?;
    let store = args.cluster.store();
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let (cluster_tx, mut cluster_rx) = mpsc::channel(4096);
    let following = crate::cluster::follow::follow(&cluster, cluster_tx);
    // The flight recorder keeps what the cluster did for the incidents it opens (and any other
    // open here), unless another warroom records this cluster here already.
    let mut recorder = config.recorder();
    recorder.drill = args.drill;
    recorder.say = true;
    let team = config.journal_target(args.cluster.journal.as_deref())?;
    recorder.journal = team.clone();
    let mut journals = journals_of(&args.cluster, team.clone())?;
    let mut flight =
        match crate::flight::run::start(cluster.client.clone(), &cluster.name, store.clone(), recorder).await {
            Ok(f) => Some(f),
            Err(e) => {
                say(&format!("no flight recorder: {e}"));
                None
            }
        };
    let observing = crate::console::observing::live(&config, &cluster, true, true, args.interval, tx.clone()).await?;
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
    if let Some(f) = flight.as_mut() {
        f.observe(observing.monitored());
    }
    let (heard_tx, mut heard_rx) = mpsc::unbounded_channel::<Heard>();
    say(&format!(
        "watching {} (Prometheus {}), journals in {}; a deviation is filed after {}s",
        cluster.name,
        prometheus.http().base(),
        journals.shown(),
        settings.hold
    ));
    let mut session = Session::new(settings, playbooks).following(&observing.plan.services);
    let mut model = ClusterModel::new();
    // Whether Prometheus does not answer (None: not known yet).
    let mut blind: Option<bool> = None;
    let mut cluster_blind = false;
    // Prometheus's clock ahead of ours (a drill's runs fast), learned from each reading, so
    // that cluster changes are stamped on the clock the readings are.
    let mut ahead = 0;
    let shutdown = crate::stop::requested();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(u) = cluster_rx.recv() => {
                model.apply(u);
                while let Ok(u) = cluster_rx.try_recv() {
                    model.apply(u);
                }
                session.cluster_changed(&model, jiff::Timestamp::now().as_second() + ahead);
                let silent = model.server_silent.is_some();
                if silent != cluster_blind {
                    cluster_blind = silent;
                    match &model.server_silent {
                        Some((_, why)) => say(&format!(
                            "blind to the cluster: the API server does not answer ({why}); pods and nodes are as last seen"
                        )),
                        None => say("the API server answers again"),
                    }
                }
            }
            Some(h) = heard_rx.recv() => match h {
                Heard::Learned(all) => {
                    tracing::info!(series = all.len(), "history learned");
                    session.learned(all);
                }
                Heard::Said(lines) => lines.iter().for_each(|l| say(l)),
            },
            Some(m) = rx.recv() => match m {
                Msg::Observe(Observed::Freshness(Server::Prometheus, f)) => {
                    let now_blind = !matches!(f, Freshness::Live { .. });
                    if blind != Some(now_blind) {
                        blind = Some(now_blind);
                        if now_blind {
                            let why = f.error().map_or("no answer yet", |e| e.as_str());
                            say(&format!("blind: Prometheus does not answer ({why}); nothing is detected until it does"));
                        } else {
                            say("Prometheus answers: detecting");
                        }
                    }
                }
                Msg::Observe(u) => {
                    if let Observed::Readings(r) = &u
                        && let Some(t) = r.iter().map(|r| r.at).max()
                    {
                        ahead = t - jiff::Timestamp::now().as_second();
                    }
                    for said in session.observed(&u, &model) {
                        carry_out(said, &mut journals, &args.cluster, team.as_ref(), &config, args.drill, &heard_tx);
                    }
                    learn_new(&mut session, &prometheus, &observing.plan, &heard_tx);
                }
                Msg::Notice { text, .. } => say(&text),
                _ => {}
            },
            else => break,
        }
    }
    observing.following.stop();
    following.stop();
    if let Some(f) = flight {
        f.stop();
    }
    say("stopped");
    Ok(())
}

/// Where incidents are kept: the files here, and the team's database when one is set (reached
/// when first needed, so the watch starts while it is away).
fn journals_of(
    headless: &crate::cluster::connect::HeadlessArgs,
    team: Option<crate::postgres::Target>,
) -> anyhow::Result<Journals> {
    Ok(match team {
        Some(target) => Journals::connecting(headless.store(), target)?,
        None => Journals::files(headless.store()),
    })
}

/// Asks Prometheus for the history of services not learned yet, in the background.
fn learn_new(session: &mut Session, prometheus: &Prometheus, plan: &Plan, heard: &mpsc::UnboundedSender<Heard>) {
    let targets = session.to_learn();
    if targets.is_empty() {
        return;
    }
    let (p, plan, heard, trailing) = (prometheus.clone(), plan.clone(), heard.clone(), session.trailing());
    tokio::spawn(async move {
        let learned = learn(&p, &plan, &targets, &Session::history_panels(), trailing).await;
        let _ = heard.send(Heard::Learned(learned));
    });
}

/// Files a detection in the journal (a new incident's first notice goes out in the
/// background), or says a scope is back to normal.
fn carry_out(
    said: Said,
    journals: &mut Journals,
    headless: &crate::cluster::connect::HeadlessArgs,
    team: Option<&crate::postgres::Target>,
    config: &Config,
    drill: bool,
    heard: &mpsc::UnboundedSender<Heard>,
) {
    match said {
        Said::Ended(scope) => say(&format!("{scope} is back within its baseline")),
        Said::File(f) => {
            let now = f.when();
            let scope = f.record.scope.clone();
            let record = f.record.clone();
            // The drill's scenario is not known here.
            let played = crate::incident::model::Played::unknown();
            match filing::file(journals, f.record, &f.title, f.severity, drill.then_some(&played), now) {
                Ok(Filed::Opened(id)) => {
                    say(&format!("opened {id} ({}): {}", f.severity, f.title));
                    // The notice goes out in the background, journaled where the incident is.
                    let (config, heard) = (config.clone(), heard.clone());
                    match journals_of(headless, team.cloned()) {
                        Ok(journals) => {
                            tokio::spawn(async move {
                                let said = notify::first(journals, &config, &id, &record).await;
                                let _ = heard.send(Heard::Said(said));
                            });
                        }
                        Err(e) => say(&format!("no first notice for {id}: {e:#}")),
                    }
                }
                Ok(Filed::Extended(id, None)) => say(&format!("added to {id}: {}", f.title)),
                Ok(Filed::Extended(id, Some(raised))) => {
                    say(&format!("added to {id}, severity raised to {raised}: {}", f.title))
                }
                Ok(Filed::Known(id)) => tracing::info!(incident = %id, "already filed: {}", f.title),
                Err(e) => {
                    tracing::error!(error = %e, "filing a detection");
                    eprintln!("warroom watch: could not file the detection of {scope}: {e:#}");
                }
            }
        }
    }
}
