//! Following a cluster's Prometheus and Alertmanager: a background task polls the configured
//! panels for every service, the SLO burn-rate windows, and the alerts and silences on an
//! interval, and sends what it read to the model's owner over a channel. It never touches the
//! model itself.

use std::time::Duration;

use crate::sink::Sink;
use futures::StreamExt;
use jiff::Timestamp;
use tokio::task::JoinSet;

use super::alertmanager::Alertmanager;
use super::http::Server;
use super::model::{Reading, Update};
use super::panels::{self, Panel, SLO_WINDOWS, Target};
use super::prometheus::{Prometheus, QueryResult};
use crate::freshness::Freshness;
use crate::text::CleanText;

/// A service followed, with its SLO objective when it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Followed {
    pub target: Target,
    pub objective: Option<f64>,
}

/// What to poll and how often.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub services: Vec<Followed>,
    pub panels: Vec<Panel>,
    /// The error-ratio template with `$window`, for burn rates.
    pub slo_error_ratio: String,
    pub interval: Duration,
    /// At start, fill each sparkline from a range query over this long (`None`: don't).
    pub backfill: Option<Duration>,
    /// Queries in flight at once.
    pub concurrency: usize,
    /// With no services named: follow the busiest Prometheus sees (`panels::BUSIEST`), looked
    /// for again every [`FIND_EVERY`], with the default objective.
    pub find_services: bool,
    /// The SLO objective of services found that way.
    pub objective: Option<f64>,
}

/// How often the busiest services are looked for again.
pub const FIND_EVERY: Duration = Duration::from_secs(300);

impl Default for Plan {
    fn default() -> Self {
        Plan {
            services: Vec::new(),
            panels: panels::golden_signals(),
            slo_error_ratio: panels::SLO_ERROR_RATIO.into(),
            interval: Duration::from_secs(15),
            backfill: Some(Duration::from_secs(15 * 60)),
            concurrency: 8,
            find_services: false,
            objective: None,
        }
    }
}

/// The running poller; dropping it (or `stop`) ends it.
pub struct Following {
    tasks: JoinSet<()>,
    poke: tokio::sync::watch::Sender<u64>,
}

impl Following {
    pub fn stop(mut self) {
        self.tasks.abort_all();
    }

    /// Polls again now (say, right after a silence was created), not at the next tick.
    pub fn poke(&self) {
        self.poke.send_modify(|n| *n += 1);
    }
}

fn now() -> i64 {
    Timestamp::now().as_second()
}

/// Starts polling; either server may be absent.
pub fn follow(
    prometheus: Option<Prometheus>,
    alertmanager: Option<Alertmanager>,
    plan: Plan,
    tx: Sink<Update>,
) -> Following {
    let mut tasks = JoinSet::new();
    let (poke, poked) = tokio::sync::watch::channel(0);
    if let Some(p) = prometheus {
        let tx = tx.clone();
        let plan = plan.clone();
        let ticks = Ticks::new(plan.interval, poked.clone());
        tasks.spawn(async move { poll_prometheus(p, plan, ticks, tx).await });
    }
    if let Some(a) = alertmanager {
        tasks.spawn(async move { poll_alertmanager(a, Ticks::new(plan.interval, poked), tx).await });
    }
    Following { tasks, poke }
}

/// Tracks one source's freshness across polls and sends changes only.
struct Health {
    source: Server,
    state: Freshness,
    last_success: Option<i64>,
}

impl Health {
    fn new(source: Server) -> Health {
        Health {
            source,
            state: Freshness::Connecting,
            last_success: None,
        }
    }

    /// Records a poll's outcome; returns the new freshness when it changed.
    fn observe(&mut self, r: Result<(), &super::http::ObserveError>) -> Option<Update> {
        let next = match r {
            Ok(()) => {
                let t = now();
                self.last_success = Some(t);
                self.state.after_success(t)
            }
            Err(e) => {
                tracing::warn!(source = self.source.name(), error = %e, "poll failed");
                after_failure(e, self.last_success)
            }
        };
        if next == self.state {
            return None;
        }
        self.state = next.clone();
        Some(Update::Freshness(self.source, next))
    }
}

/// The freshness after a failed poll: data that was live becomes "reconnecting since" the last
/// time it was live; auth failures are named as such.
pub fn after_failure(error: &super::http::ObserveError, last_success: Option<i64>) -> Freshness {
    use super::http::ObserveError as E;
    let text = CleanText::block(&crate::redact::redact(&error.to_string()));
    match error {
        E::Unauthorized { .. } => Freshness::Unauthorized { error: text },
        E::Forbidden { .. } => Freshness::Forbidden { error: text },
        _ => Freshness::after_failure(text, last_success),
    }
}

/// When to poll: every interval, or at once when poked.
struct Ticks {
    interval: tokio::time::Interval,
    poked: tokio::sync::watch::Receiver<u64>,
}

impl Ticks {
    fn new(every: Duration, poked: tokio::sync::watch::Receiver<u64>) -> Ticks {
        let mut interval = tokio::time::interval(every.max(Duration::from_millis(100)));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Ticks { interval, poked }
    }

    async fn next(&mut self) {
        tokio::select! {
            _ = self.interval.tick() => {}
            Ok(()) = self.poked.changed() => {}
        }
    }
}

/// The busiest services Prometheus sees (`None`: it could not say), each with `objective`.
pub async fn busiest(p: &Prometheus, objective: Option<f64>) -> Option<Vec<Followed>> {
    let QueryResult::Vector(samples) = p.query(panels::BUSIEST, None).await.ok()? else {
        return None;
    };
    let mut found: Vec<Followed> = samples
        .into_iter()
        .filter_map(|s| {
            Some(Followed {
                target: Target {
                    namespace: s.metric.get("namespace")?.clone(),
                    service: s.metric.get("service")?.clone(),
                },
                objective,
            })
        })
        .collect();
    found.sort_by(|a, b| a.target.cmp(&b.target));
    Some(found)
}

async fn poll_prometheus(p: Prometheus, mut plan: Plan, mut ticks: Ticks, tx: Sink<Update>) {
    let mut health = Health::new(Server::Prometheus);
    let mut backfilled = plan.backfill.is_none();
    let mut found_at: Option<tokio::time::Instant> = None;
    loop {
        ticks.next().await;
        if plan.find_services
            && found_at.is_none_or(|t| t.elapsed() >= FIND_EVERY)
            && let Some(services) = busiest(&p, plan.objective).await
        {
            found_at = Some(tokio::time::Instant::now());
            if services != plan.services {
                plan.services = services;
                // The new services' sparklines are filled from history too.
                backfilled = plan.backfill.is_none();
            }
        }
        // The alerts call doubles as the health probe: a server that answers, even with an
        // error (say it serves no alerts), is live, and its panels are still polled.
        let alerts = p.alerts().await;
        let reached = match &alerts {
            Err(e) if e.is_unreachable() => Err(e),
            _ => Ok(()),
        };
        if let Some(u) = health.observe(reached)
            && !tx(u)
        {
            return;
        }
        match alerts {
            Ok(alerts) => {
                if !tx(Update::PrometheusAlerts(alerts)) {
                    return;
                }
            }
            Err(e) if e.is_unreachable() => continue,
            Err(e) => tracing::warn!(error = %e, "prometheus alerts"),
        }
        if !backfilled {
            backfilled = true;
            for u in backfill(&p, &plan).await {
                if !tx(u) {
                    return;
                }
            }
        }
        let readings = refresh(&p, &plan).await;
        if !readings.is_empty() && !tx(Update::Readings(readings)) {
            return;
        }
        for u in burn_rates(&p, &plan).await {
            if !tx(u) {
                return;
            }
        }
    }
}

async fn poll_alertmanager(a: Alertmanager, mut ticks: Ticks, tx: Sink<Update>) {
    let mut health = Health::new(Server::Alertmanager);
    loop {
        ticks.next().await;
        let both = match a.alerts().await {
            Ok(alerts) => a.silences().await.map(|s| (alerts, s)),
            Err(e) => Err(e),
        };
        let changed = health.observe(both.as_ref().map(|_| ()));
        if let Some(u) = changed
            && !tx(u)
        {
            return;
        }
        if let Ok((alerts, silences)) = both
            && !tx(Update::Alertmanager { alerts, silences })
        {
            return;
        }
    }
}

/// Every (service, panel) pair, owned (the futures that query them outlive no borrow).
fn jobs(plan: &Plan) -> Vec<(Target, Panel)> {
    plan.services
        .iter()
        .flat_map(|s| plan.panels.iter().map(move |panel| (s.target.clone(), panel.clone())))
        .collect()
}

/// One refresh of every panel for every service (instant queries, `concurrency` at once).
pub async fn refresh(p: &Prometheus, plan: &Plan) -> Vec<Reading> {
    let jobs = jobs(plan);
    futures::stream::iter(jobs)
        .map(|(target, panel)| async move {
            // Stamped with the time Prometheus evaluated it at (a drill's own clock), else now.
            let (at, result) = match panels::render(&panel.template, &target, None) {
                Ok(q) => match p.query(&q, None).await {
                    Ok(r) => {
                        let point = r.single_point();
                        (point.map_or_else(now, |pt| pt.t as i64), Ok(point.map(|pt| pt.v)))
                    }
                    Err(e) => (now(), Err(e.to_string())),
                },
                Err(e) => (now(), Err(e.to_string())),
            };
            Reading {
                target,
                panel: panel.name.clone(),
                unit: panel.unit,
                at,
                result,
            }
        })
        .buffer_unordered(plan.concurrency.max(1))
        .collect()
        .await
}

/// Sparkline history from range queries over `plan.backfill`, one point per interval.
async fn backfill(p: &Prometheus, plan: &Plan) -> Vec<Update> {
    let Some(span) = plan.backfill else { return Vec::new() };
    let end = Timestamp::now();
    let start = end - jiff::SignedDuration::try_from(span).unwrap_or_default();
    let step = plan.interval.max(Duration::from_secs(1));
    let jobs = jobs(plan);
    futures::stream::iter(jobs)
        .map(|(target, panel)| async move {
            let q = panels::render(&panel.template, &target, None).ok()?;
            let QueryResult::Matrix(m) = p.query_range(&q, start, end, step).await.ok()? else {
                return None;
            };
            // One series is a panel's value; several (or none) leave the sparkline empty.
            let [series] = m.as_slice() else { return None };
            Some(Update::History {
                target,
                panel: panel.name.clone(),
                unit: panel.unit,
                points: series.values.iter().map(|pt| pt.v).collect(),
            })
        })
        .buffer_unordered(plan.concurrency.max(1))
        .filter_map(|u| async move { u })
        .collect()
        .await
}

/// Burn rate per SLO window for every service with an objective.
async fn burn_rates(p: &Prometheus, plan: &Plan) -> Vec<Update> {
    let jobs: Vec<(Target, f64, usize)> = plan
        .services
        .iter()
        .filter_map(|s| s.objective.map(|o| (s.target.clone(), o)))
        .flat_map(|(t, o)| (0..SLO_WINDOWS.len()).map(move |w| (t.clone(), o, w)))
        .collect();
    let rates: Vec<(Target, f64, &'static str, Option<f64>)> = futures::stream::iter(jobs)
        .map(|(target, objective, window)| async move {
            let window = SLO_WINDOWS[window];
            let rate = match panels::render(&plan.slo_error_ratio, &target, Some(window)) {
                Ok(q) => p.query(&q, None).await.ok().and_then(|r| r.single_value()),
                Err(_) => None,
            };
            (target, objective, window, rate.map(|r| panels::burn_rate(r, objective)))
        })
        .buffer_unordered(plan.concurrency.max(1))
        .collect()
        .await;
    let mut out: Vec<Update> = Vec::new();
    for s in plan.services.iter().filter(|s| s.objective.is_some()) {
        let mine: Vec<(&'static str, f64)> = rates
            .iter()
            .filter(|(t, ..)| *t == s.target)
            .filter_map(|(_, _, w, r)| r.map(|r| (*w, r)))
            .collect();
        out.push(Update::Burn {
            target: s.target.clone(),
            objective: s.objective.unwrap_or_default(),
            rates: mine,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_moves_like_the_cluster_sources() {
        use crate::observe::http::ObserveError;
        let f = Freshness::Connecting.after_success(10);
        assert_eq!(f, Freshness::Live { since: 10 });
        assert_eq!(f.after_success(20), Freshness::Live { since: 10 });
        let timeout = ObserveError::Timeout {
            url: "http://p/".into(),
            after: std::time::Duration::from_secs(1),
        };
        assert!(matches!(
            after_failure(&timeout, Some(20)),
            Freshness::Reconnecting { since: 20, .. }
        ));
        assert!(matches!(after_failure(&timeout, None), Freshness::Error { .. }));
        let denied = ObserveError::Unauthorized {
            url: "u".into(),
            body: "no".into(),
        };
        assert!(matches!(
            after_failure(&denied, Some(20)),
            Freshness::Unauthorized { .. }
        ));
        let api = ObserveError::Api {
            status: 400,
            error_type: "bad_data".into(),
            error: "parse error".into(),
        };
        assert_eq!(
            after_failure(&api, None),
            Freshness::Error {
                error: CleanText::line("bad_data: parse error")
            }
        );
    }
}
