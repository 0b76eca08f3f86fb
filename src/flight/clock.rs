//! The clock the flight recorder stamps records by: the wall clock for a real cluster; for a
//! drill, its virtual clock (read from `/drill/v1/clock` every few seconds and run on at its
//! speed between readings), so that a fast drill's objects, samples and alerts line up and a
//! replay plays them on the drill's time.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const READ_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy)]
struct Reading {
    at: Instant,
    now_ms: i64,
    speed: f64,
    paused: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ClusterClock {
    /// A drill's latest reading, and the last time told (never told earlier again).
    drill: Option<Arc<Mutex<(Reading, i64)>>>,
}

impl ClusterClock {
    /// The wall clock.
    pub fn wall() -> ClusterClock {
        ClusterClock::default()
    }

    /// Unix milliseconds on the cluster's clock; never earlier than the time told before.
    pub fn now_ms(&self) -> i64 {
        let Some(drill) = &self.drill else {
            return jiff::Timestamp::now().as_millisecond();
        };
        let mut guard = drill.lock().unwrap_or_else(|p| p.into_inner());
        let (r, told) = &mut *guard;
        let ran = if r.paused {
            0
        } else {
            (r.at.elapsed().as_secs_f64() * 1000.0 * r.speed) as i64
        };
        *told = (r.now_ms + ran).max(*told);
        *told
    }

    /// A drill's clock, read through `client` now, and every few seconds while the future
    /// returned runs. An error when the cluster has no drill clock.
    pub async fn drill(
        client: &kube::Client,
    ) -> Result<(ClusterClock, impl Future<Output = ()> + Send + 'static), String> {
        let first = read(client).await?;
        let shared = Arc::new(Mutex::new((first, first.now_ms)));
        let clock = ClusterClock {
            drill: Some(shared.clone()),
        };
        let client = client.clone();
        let reading = async move {
            loop {
                tokio::time::sleep(READ_EVERY).await;
                match read(&client).await {
                    Ok(r) => shared.lock().unwrap_or_else(|p| p.into_inner()).0 = r,
                    Err(e) => tracing::debug!(error = %e, "the drill's clock was not read"),
                }
            }
        };
        Ok((clock, reading))
    }
}

async fn read(client: &kube::Client) -> Result<Reading, String> {
    let request = http::Request::get("/drill/v1/clock")
        .body(Vec::new())
        .map_err(|e| e.to_string())?;
    let at = Instant::now();
    let v: serde_json::Value = client
        .request(request)
        .await
        .map_err(|e| format!("the drill's clock cannot be read: {}", crate::http::causes(&e)))?;
    let now_ms = v["nowMs"]
        .as_i64()
        .ok_or_else(|| format!("the drill's clock says no time: {v}"))?;
    Ok(Reading {
        at,
        now_ms,
        speed: v["speed"].as_f64().unwrap_or(1.0),
        paused: v["paused"].as_bool().unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drill_clock_runs_at_its_speed_between_readings_and_never_goes_back() {
        let at = Instant::now() - Duration::from_millis(100);
        let shared = Arc::new(Mutex::new((
            Reading {
                at,
                now_ms: 1_000_000,
                speed: 60.0,
                paused: false,
            },
            0,
        )));
        let clock = ClusterClock {
            drill: Some(shared.clone()),
        };
        // 100 ms of wall time at 60x: at least 6 s of drill time.
        let t = clock.now_ms();
        assert!(t >= 1_006_000, "{t}");
        // A reading a little behind what was told (it was taken before): time holds.
        shared.lock().unwrap().0 = Reading {
            at: Instant::now(),
            now_ms: 1_001_000,
            speed: 1.0,
            paused: true,
        };
        assert_eq!(clock.now_ms(), t);
        let wall = ClusterClock::wall().now_ms();
        assert!((wall - jiff::Timestamp::now().as_millisecond()).abs() < 5_000);
    }
}
