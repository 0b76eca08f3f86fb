//! A drill another process runs, joined over HTTP (`warroom drill --join URL`): what the drill
//! says of itself (its Prometheus and Alertmanager, its drill log), and its clock and scenario
//! as played now (faults injected among its faults; a replay's branch, once the players left
//! the recording): the clock read every second, the scenario
//! again whenever a fault has played since, both kept for whoever stamps by them or debriefs
//! between readings.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::Value;
use warroom_drill::ClockReading;
use warroom_drill::scenario::Scenario;

/// How often the clock is read (and the scenario, when a fault has played since).
const READ_EVERY: Duration = Duration::from_secs(1);

/// The drill as last read, and when.
struct Read {
    scenario: Scenario,
    clock: ClockReading,
    /// Where the players' timeline left the replayed recording, once they have.
    branched: Option<warroom_drill::Branch>,
    at: Instant,
}

/// A joined drill: its addresses, and what was last read of it (kept fresh until dropped).
pub struct Joined {
    /// The drill's Kubernetes API (and its `/drill/v1` controls).
    pub url: String,
    pub prometheus: String,
    pub alertmanager: String,
    /// The drill log's file name, when the drill keeps one.
    pub log: Option<String>,
    read: Arc<Mutex<Read>>,
    reading: tokio::task::JoinHandle<()>,
}

impl Drop for Joined {
    fn drop(&mut self) {
        self.reading.abort();
    }
}

async fn get(client: &reqwest::Client, url: &str, path: &str) -> anyhow::Result<Value> {
    let answer = client
        .get(format!("{url}{path}"))
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("no drill answers at {url}: {}", crate::http::describe(e)))?;
    let status = answer.status();
    if !status.is_success() {
        anyhow::bail!("{url} is not a drill cluster: {path} answered {status}");
    }
    answer
        .json()
        .await
        .with_context(|| format!("{url}{path} did not answer as a drill does"))
}

fn scenario_of(url: &str, v: &Value) -> anyhow::Result<Scenario> {
    let yaml = v["yaml"]
        .as_str()
        .with_context(|| format!("{url}/drill/v1/scenario gives no scenario (an older warroom's drill?)"))?;
    warroom_drill::scenario::load::parse(&format!("{url}/drill/v1/scenario"), yaml).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The branch a replay's clock answer names, if the players have left the recording.
fn branched_of(v: &Value) -> Option<warroom_drill::Branch> {
    let b = &v["branched"];
    Some(warroom_drill::Branch {
        at: jiff::Timestamp::from_millisecond(b["atMs"].as_i64()?).ok()?,
        object: b["object"].as_str()?.to_string(),
    })
}

fn clock_of(v: &Value) -> Option<ClockReading> {
    Some(ClockReading {
        now: jiff::Timestamp::from_millisecond(v["nowMs"].as_i64()?).ok()?,
        start: jiff::Timestamp::from_millisecond(v["startMs"].as_i64()?).ok()?,
        speed: v["speed"].as_f64()?,
        paused: v["paused"].as_bool()?,
    })
}

impl Joined {
    /// Joins the drill whose Kubernetes API is at `url`; an error says plainly when nothing, or
    /// no drill, answers there.
    pub async fn join(url: &str) -> anyhow::Result<Joined> {
        let url = url.trim_end_matches('/').to_string();
        let client = crate::http::plain_client();
        // The clock first: the scenario read after it has every fault it counts as played.
        let answer = get(&client, &url, "/drill/v1/clock").await?;
        let clock =
            clock_of(&answer).with_context(|| format!("{url}/drill/v1/clock did not answer as a drill does"))?;
        let info = get(&client, &url, "/drill/v1/scenario").await?;
        let scenario = scenario_of(&url, &info)?;
        let text = |k: &str| info[k].as_str().map(str::to_string);
        let read = Arc::new(Mutex::new(Read {
            scenario,
            clock,
            branched: branched_of(&answer),
            at: Instant::now(),
        }));
        let played = answer["faultsPlayed"].as_u64();
        let reading = tokio::spawn(keep_reading(client, url.clone(), read.clone(), played));
        Ok(Joined {
            prometheus: text("prometheus").with_context(|| format!("{url} does not say where its Prometheus is"))?,
            alertmanager: text("alertmanager")
                .with_context(|| format!("{url} does not say where its Alertmanager is"))?,
            log: text("log"),
            url,
            read,
            reading,
        })
    }

    /// The drill's clock now: the last reading, moved on by the wall time since at its speed.
    pub fn clock(&self) -> ClockReading {
        now(&self.read)
    }

    /// The scenario as last read (faults injected since the start among its faults).
    pub fn scenario(&self) -> Scenario {
        self.read.lock().unwrap_or_else(|p| p.into_inner()).scenario.clone()
    }

    /// A function reading the drill's time, for whoever stamps things by it.
    pub fn virtual_now(&self) -> impl Fn() -> jiff::Timestamp + Send + Sync + 'static {
        let read = self.read.clone();
        move || now(&read).now
    }

    /// A function reading where the players' timeline left the replayed recording, as last
    /// read, for the debrief.
    pub fn branched_now(&self) -> impl Fn() -> Option<warroom_drill::Branch> + Send + Sync + 'static {
        let read = self.read.clone();
        move || read.lock().unwrap_or_else(|p| p.into_inner()).branched.clone()
    }

    /// A function reading the scenario as last read, for the debrief.
    pub fn scenario_now(&self) -> impl Fn() -> Scenario + Send + Sync + 'static {
        let read = self.read.clone();
        move || read.lock().unwrap_or_else(|p| p.into_inner()).scenario.clone()
    }
}

fn now(read: &Mutex<Read>) -> ClockReading {
    let r = read.lock().unwrap_or_else(|p| p.into_inner());
    let mut c = r.clock;
    if !c.paused {
        let ran = r.at.elapsed().as_secs_f64() * c.speed;
        c.now += jiff::SignedDuration::from_millis((ran * 1000.0) as i64);
    }
    c
}

/// Reads the clock every second, and the scenario again when the number of faults played has
/// changed since it was read (an injection changes the scenario); a drill that stops answering
/// keeps its last reading (the header's freshness says the cluster went quiet).
async fn keep_reading(client: reqwest::Client, url: String, read: Arc<Mutex<Read>>, mut played: Option<u64>) {
    let mut every = tokio::time::interval(READ_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        every.tick().await;
        let Ok(answer) = get(&client, &url, "/drill/v1/clock").await else {
            continue;
        };
        if let Some(clock) = clock_of(&answer) {
            let mut r = read.lock().unwrap_or_else(|p| p.into_inner());
            r.clock = clock;
            r.branched = branched_of(&answer);
            r.at = Instant::now();
        }
        let now_played = answer["faultsPlayed"].as_u64();
        if now_played == played {
            continue;
        }
        match get(&client, &url, "/drill/v1/scenario")
            .await
            .and_then(|v| scenario_of(&url, &v))
        {
            Ok(s) => {
                read.lock().unwrap_or_else(|p| p.into_inner()).scenario = s;
                played = now_played;
            }
            Err(e) => tracing::warn!(error = %e, "the joined drill's scenario was not read"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replays_branch_is_read_from_its_clock() {
        let clock = serde_json::json!({"nowMs": 2_000, "startMs": 0, "speed": 1.0, "paused": true,
            "branched": {"atMs": 1_500, "object": "Deployment shop/checkout"}});
        let b = branched_of(&clock).expect("branched");
        assert_eq!(
            (b.at.as_millisecond(), b.object.as_str()),
            (1_500, "Deployment shop/checkout")
        );
        assert_eq!(
            branched_of(&serde_json::json!({"nowMs": 2_000, "branched": null})),
            None
        );
    }
}
