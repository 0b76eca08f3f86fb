//! The facilitator's requests, sent to the drill's `/drill/v1` API (the console's own drill, or
//! one it joined), and what to tell the person of the answer.

use crate::app::facilitation::{Facilitation, Seek};

/// Sends `f` to the drill at `url`; the answer in words, or why it failed.
pub async fn ask(client: &reqwest::Client, url: &str, f: Facilitation) -> Result<String, String> {
    let fail = |e: reqwest::Error| format!("the drill did not answer: {}", crate::http::describe(e));
    let answer = match &f {
        Facilitation::Pace { paused, speed } => {
            let mut query: Vec<(&str, String)> = Vec::new();
            if let Some(p) = paused {
                query.push(("pause", p.to_string()));
            }
            if let Some(s) = speed {
                query.push(("speed", s.to_string()));
            }
            client.post(format!("{url}/drill/v1/clock")).query(&query).send().await
        }
        Facilitation::Seek(Seek::To(when)) => {
            client
                .post(format!("{url}/drill/v1/clock"))
                .query(&[("seek", when)])
                .send()
                .await
        }
        Facilitation::Seek(Seek::Entry(n)) => return Err(format!("#{n}: the real team's journal is not open here")),
        Facilitation::Faults => client.get(format!("{url}/drill/v1/faults")).send().await,
        Facilitation::Inject(body) => client.post(format!("{url}/drill/v1/faults")).json(body).send().await,
    }
    .map_err(fail)?;
    let status = answer.status();
    let text = answer.text().await.map_err(fail)?;
    if !status.is_success() {
        return Err(format!("the drill refused: {}", text.trim()));
    }
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("the drill answered {e}"))?;
    Ok(match f {
        Facilitation::Pace { .. } | Facilitation::Seek(_) => {
            let speed = v["speed"].as_f64().unwrap_or(1.0);
            if v["paused"].as_bool() == Some(true) {
                format!("drill paused at T+{}s (speed ×{speed})", v["elapsedSeconds"])
            } else {
                format!("drill running at ×{speed}, T+{}s", v["elapsedSeconds"])
            }
        }
        Facilitation::Faults => {
            let faults = v["faults"].as_array().cloned().unwrap_or_default();
            if faults.is_empty() {
                "the scenario scripts no fault: inject node|rollout|surge|oom".into()
            } else {
                let listed: Vec<String> = faults
                    .iter()
                    .map(|f| {
                        format!(
                            "{} at {}{}: {}",
                            f["fault"],
                            f["at"].as_str().unwrap_or("?"),
                            if f["played"].as_bool() == Some(true) {
                                " (played)"
                            } else {
                                ""
                            },
                            f["note"].as_str().unwrap_or("a fault")
                        )
                    })
                    .collect();
                format!("faults: {}", listed.join(" · "))
            }
        }
        Facilitation::Inject(_) => format!(
            "fault {} played now: {}",
            v["fault"],
            v["note"].as_str().unwrap_or("(no note)")
        ),
    })
}
