//! Which Prometheus and Alertmanager the console follows, and starting the poller: in a drill,
//! the drill cluster's own (its services from the scenario); live, the configured cluster
//! whose context is the one in use. Updates are forwarded to the console as messages. In
//! read-only mode the Alertmanager client itself refuses anything but reads.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::message::Msg;
use crate::config::Config;
use crate::observe::alertmanager::Alertmanager;
use crate::observe::follow::{self, Followed, Following, Plan};
use crate::observe::http::Endpoint;
use crate::observe::http::Server;
use crate::observe::panels::Target;
use crate::observe::prometheus::Prometheus;
use warroom_drill::Drill;

/// A running poller and the sources it follows.
pub struct Observing {
    pub following: Following,
    pub sources: Vec<Server>,
    pub alertmanager: Option<Alertmanager>,
}

/// How often a drill is polled: every 15 s of drill time (one scrape), so a fast clock does
/// not make the panels lag minutes of the incident; between 0.5 s and 5 s of wall time.
fn drill_interval(speed: f64) -> Duration {
    let secs = if speed > 0.0 { 15.0 / speed } else { 5.0 };
    Duration::from_secs_f64(secs.clamp(0.5, 5.0))
}

/// The plan for a drill: every scenario service with traffic, polled at the drill's pace.
pub fn drill_plan(drill: &Drill) -> Plan {
    let services = drill
        .services()
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
        services,
        interval: drill_interval(drill.clock().speed),
        ..Plan::default()
    }
}

fn start(
    prometheus: Option<&Endpoint>,
    alertmanager: Option<&Endpoint>,
    plan: Plan,
    read_only: bool,
    tx: mpsc::UnboundedSender<Msg>,
) -> Result<Observing, crate::observe::http::ObserveError> {
    let prometheus = prometheus.map(Prometheus::from_endpoint).transpose()?;
    let alertmanager = alertmanager
        .map(|e| Alertmanager::from_endpoint(e).map(|a| a.with_read_only(read_only)))
        .transpose()?;
    let mut sources = Vec::new();
    if prometheus.is_some() {
        sources.push(Server::Prometheus);
    }
    if alertmanager.is_some() {
        sources.push(Server::Alertmanager);
    }
    let following = follow::follow(
        prometheus,
        alertmanager.clone(),
        plan,
        crate::sink::into_channel(tx, Msg::Observe),
    );
    Ok(Observing {
        following,
        sources,
        alertmanager,
    })
}

/// Follows the drill cluster's Prometheus and Alertmanager (read-only when `read_only`).
pub fn drill(
    running: &Drill,
    read_only: bool,
    tx: mpsc::UnboundedSender<Msg>,
) -> Result<Observing, crate::observe::http::ObserveError> {
    let plan = drill_plan(running);
    start(
        Some(&Endpoint::plain(running.prometheus_url())),
        Some(&Endpoint::plain(running.alertmanager_url())),
        plan,
        read_only,
        tx,
    )
}

/// Follows what the config names for the cluster whose context is `context` (nothing when the
/// config names no Prometheus or Alertmanager for it); read-only when `read_only`.
pub fn live(
    config: &Config,
    context: &str,
    read_only: bool,
    tx: mpsc::UnboundedSender<Msg>,
) -> Result<Option<Observing>, crate::observe::http::ObserveError> {
    let Some(c) = config
        .clusters
        .iter()
        .find(|c| c.context.as_deref().unwrap_or(&c.name) == context)
    else {
        return Ok(None);
    };
    if c.prometheus.is_none() && c.alertmanager.is_none() {
        return Ok(None);
    }
    let plan = config.plan(c);
    start(c.prometheus.as_ref(), c.alertmanager.as_ref(), plan, read_only, tx).map(Some)
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
