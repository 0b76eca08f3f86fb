//! Which Prometheus and Alertmanager the console follows, and starting the poller: in a drill,
//! the drill cluster's own (its services from the scenario); live, the configured cluster
//! whose context is the one in use, and what the config does not name is looked for in the
//! cluster (`observe::discover`), told to the console either way. Updates are forwarded to the
//! console as messages. In read-only mode the Alertmanager client itself refuses anything but
//! reads.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::message::Msg;
use crate::cluster::connect::Cluster;
use crate::config::Config;
use crate::flight::monitoring::Monitored;
use crate::observe::alertmanager::Alertmanager;
use crate::observe::discover::{Found, discover};
use crate::observe::follow::{self, Followed, Following, Plan};
use crate::observe::http::{DEFAULT_TIMEOUT, Endpoint, Server};
use crate::observe::panels::Target;
use crate::observe::prometheus::Prometheus;
use warroom_drill::Drill;

/// A running poller and the sources it follows.
pub struct Observing {
    pub following: Following,
    pub sources: Vec<Server>,
    pub prometheus: Option<Prometheus>,
    pub alertmanager: Option<Alertmanager>,
    /// What the poller was started with (its services may grow as busier ones are found).
    pub plan: Plan,
}

/// How often a drill is polled: every 15 s of drill time (one scrape), so a fast clock does
/// not make the panels lag minutes of the incident; between 0.5 s and 5 s of wall time.
fn drill_interval(speed: f64) -> Duration {
    let secs = if speed > 0.0 { 15.0 / speed } else { 5.0 };
    Duration::from_secs_f64(secs.clamp(0.5, 5.0))
}

/// The plan for a drill: every scenario service with traffic, polled at the drill's pace. A
/// replay's scenario names none: it follows the busiest services the recorded samples show,
/// with the configured objective (`objective`).
pub fn drill_plan(drill: &Drill, objective: Option<f64>) -> Plan {
    plan_for(drill.services(), drill.clock().speed, objective)
}

fn plan_for(services: Vec<warroom_drill::Service>, speed: f64, objective: Option<f64>) -> Plan {
    let services: Vec<Followed> = services
        .into_iter()
        .map(|s| Followed {
            target: Target {
                namespace: s.namespace,
                service: s.service,
            },
            objective: Some(s.objective),
        })
        .collect();
    Plan {
        find_services: services.is_empty(),
        objective,
        services,
        interval: drill_interval(speed),
        ..Plan::default()
    }
}

/// How long looking for Prometheus and Alertmanager in the cluster may hold up the start.
const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(8);

fn start(
    prometheus: Option<Prometheus>,
    alertmanager: Option<Alertmanager>,
    mut plan: Plan,
    read_only: bool,
    detection: bool,
    tx: mpsc::UnboundedSender<Msg>,
) -> Observing {
    if detection {
        let extra = crate::observe::panels::for_detection(&plan.panels);
        plan.panels.extend(extra);
    }
    let alertmanager = alertmanager.map(|a| a.with_read_only(read_only));
    let mut sources = Vec::new();
    if prometheus.is_some() {
        sources.push(Server::Prometheus);
    }
    if alertmanager.is_some() {
        sources.push(Server::Alertmanager);
    }
    let following = follow::follow(
        prometheus.clone(),
        alertmanager.clone(),
        plan.clone(),
        crate::sink::into_channel(tx, Msg::Observe),
    );
    Observing {
        following,
        sources,
        prometheus,
        alertmanager,
        plan,
    }
}

/// Follows the drill cluster's Prometheus and Alertmanager (read-only when `read_only`; with
/// the detector's panels too when `detection`); `objective` for services a replay finds.
pub fn drill(
    running: &Drill,
    objective: Option<f64>,
    read_only: bool,
    detection: bool,
    tx: mpsc::UnboundedSender<Msg>,
) -> Result<Observing, crate::observe::http::ObserveError> {
    let plan = drill_plan(running, objective);
    let urls = (running.prometheus_url(), running.alertmanager_url());
    of_drill(urls, plan, read_only, detection, tx)
}

/// Follows a joined drill's Prometheus and Alertmanager, as `drill` does the console's own.
pub fn joined(
    drill: &super::joined::Joined,
    objective: Option<f64>,
    read_only: bool,
    detection: bool,
    tx: mpsc::UnboundedSender<Msg>,
) -> Result<Observing, crate::observe::http::ObserveError> {
    let plan = plan_for(
        warroom_drill::services(&drill.scenario()),
        drill.clock().speed,
        objective,
    );
    let urls = (drill.prometheus.clone(), drill.alertmanager.clone());
    of_drill(urls, plan, read_only, detection, tx)
}

fn of_drill(
    (prometheus, alertmanager): (String, String),
    plan: Plan,
    read_only: bool,
    detection: bool,
    tx: mpsc::UnboundedSender<Msg>,
) -> Result<Observing, crate::observe::http::ObserveError> {
    let prometheus = Prometheus::from_endpoint(&Endpoint::plain(prometheus))?;
    let alertmanager = Alertmanager::from_endpoint(&Endpoint::plain(alertmanager))?;
    Ok(start(
        Some(prometheus),
        Some(alertmanager),
        plan,
        read_only,
        detection,
        tx,
    ))
}

/// What the config names for the cluster whose context is the one in use, and what was found
/// in the cluster for what it does not name, with the plan (polled every `interval` when
/// given, else as configured); and what looking in the cluster found (or that nothing was),
/// when it looked.
pub async fn find(
    config: &Config,
    cluster: &Cluster,
    interval: Option<Duration>,
) -> Result<(Monitored, Option<String>), crate::observe::http::ObserveError> {
    let configured = config
        .clusters
        .iter()
        .find(|c| c.context.as_deref().unwrap_or(&c.name) == cluster.name);
    let mut plan = config.plan(configured);
    if let Some(every) = interval {
        plan.interval = every;
    }
    let mut prometheus = configured
        .and_then(|c| c.prometheus.as_ref())
        .map(Prometheus::from_endpoint)
        .transpose()?;
    let mut alertmanager = configured
        .and_then(|c| c.alertmanager.as_ref())
        .map(Alertmanager::from_endpoint)
        .transpose()?;
    let mut said = None;
    if prometheus.is_none() || alertmanager.is_none() {
        let found = tokio::time::timeout(DISCOVERY_TIMEOUT, discover(&cluster.client, &cluster.url())).await;
        said = Some(match found {
            Ok(d) => {
                let keep = |f: Found| f.http.with_timeout(DEFAULT_TIMEOUT);
                if prometheus.is_none() {
                    prometheus = d.prometheus.map(keep).map(Prometheus::new);
                }
                if alertmanager.is_none() {
                    alertmanager = d.alertmanager.map(keep).map(Alertmanager::new);
                }
                d.said.join("; ")
            }
            Err(_) => format!(
                "no Prometheus or Alertmanager found: the cluster did not answer within {}s",
                DISCOVERY_TIMEOUT.as_secs()
            ),
        });
    }
    let monitored = Monitored {
        prometheus,
        alertmanager,
        plan,
    };
    Ok((monitored, said))
}

/// Follows what `find` finds, telling what looking in the cluster found; read-only when
/// `read_only`; with the detector's panels too when `detection`. `None` when neither is
/// configured nor found.
pub async fn live(
    config: &Config,
    cluster: &Cluster,
    read_only: bool,
    detection: bool,
    interval: Option<Duration>,
    tx: mpsc::UnboundedSender<Msg>,
) -> Result<Option<Observing>, crate::observe::http::ObserveError> {
    let (found, said) = find(config, cluster, interval).await?;
    if let Some(text) = said {
        let _ = tx.send(Msg::Notice { text, error: false });
    }
    if found.prometheus.is_none() && found.alertmanager.is_none() {
        return Ok(None);
    }
    Ok(Some(start(
        found.prometheus,
        found.alertmanager,
        found.plan,
        read_only,
        detection,
        tx,
    )))
}

impl Observing {
    /// What a flight recorder reads of the same Prometheus and Alertmanager: the panels shown.
    pub fn monitored(&self) -> Monitored {
        Monitored {
            prometheus: self.prometheus.clone(),
            alertmanager: self.alertmanager.clone(),
            plan: self.plan.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fast_drill_is_polled_every_scrape_of_drill_time() {
        assert_eq!(drill_interval(1.0), Duration::from_secs(5));
        assert_eq!(drill_interval(10.0), Duration::from_millis(1500));
        assert_eq!(drill_interval(30.0), Duration::from_millis(500));
        assert_eq!(drill_interval(600.0), Duration::from_millis(500));
        assert_eq!(drill_interval(0.0), Duration::from_secs(5));
    }
}
