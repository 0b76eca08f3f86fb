//! What the facilitator of a drill asks from the console: pause, resume, the clock's speed, a
//! replay's seek (to a time, or to an entry of the real team's journal), the scenario's faults
//! listed, and a fault injected now (one of the scenario's, or an ad-hoc node
//! down, bad rollout, traffic surge or OOM kill). Parsed here; the executor sends it to the
//! drill's `/drill/v1` API.

use serde_json::{Value, json};

/// One request to the drill.
#[derive(Debug, Clone, PartialEq)]
pub enum Facilitation {
    /// Pause or resume the drill's clock, or set its speed.
    Pace { paused: Option<bool>, speed: Option<f64> },
    /// A replay only: the clock to another moment of the recording.
    Seek(Seek),
    /// List the scenario's faults (and whether each was played).
    Faults,
    /// Play a fault now: the body of `POST /drill/v1/faults`.
    Inject(Value),
}

/// Where a replay's clock goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Seek {
    /// A time (RFC 3339) or how far into the recording (`5m`), as the drill takes it.
    To(String),
    /// When the real team wrote this entry of their journal.
    Entry(u64),
}

/// `drill pause | resume | speed N | seek WHEN | faults`.
pub fn drill(args: &[&str]) -> Result<Facilitation, String> {
    const USAGE: &str = "drill needs pause, resume, speed N, seek WHEN (5m, an RFC 3339 time, or #N of \
                         the real team's journal) or faults";
    match args {
        ["pause"] => Ok(Facilitation::Pace {
            paused: Some(true),
            speed: None,
        }),
        ["resume"] => Ok(Facilitation::Pace {
            paused: Some(false),
            speed: None,
        }),
        ["speed", n] => {
            let speed = times(n).ok_or_else(|| format!("speed: {n:?} is not a positive number (1 is real time)"))?;
            Ok(Facilitation::Pace {
                paused: None,
                speed: Some(speed),
            })
        }
        ["seek", when] => seek(when).map(Facilitation::Seek),
        ["faults"] => Ok(Facilitation::Faults),
        _ => Err(USAGE.into()),
    }
}

/// `#N`, a duration into the recording (`5m`, `1h30m`), or an RFC 3339 time.
fn seek(when: &str) -> Result<Seek, String> {
    if let Some(n) = when.strip_prefix('#') {
        return n
            .parse::<u64>()
            .map(Seek::Entry)
            .map_err(|_| format!("seek: {when:?} is not #N, an entry of the real team's journal"));
    }
    // What the drill takes: a duration into the recording (its parser), or a time.
    let offset = warroom_files::duration::Duration::parse(when).is_ok();
    if offset || when.parse::<jiff::Timestamp>().is_ok() {
        Ok(Seek::To(when.to_string()))
    } else {
        Err(format!(
            "seek: {when:?} is not a time into the recording (5m, 1h30m), an RFC 3339 time, or #N"
        ))
    }
}

/// A positive factor, written `4`, `x4` or `×4`.
fn times(s: &str) -> Option<f64> {
    s.trim_start_matches(['x', '×'])
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && *f > 0.0)
}

/// `inject N` (the scenario's fault N, as `drill faults` numbers them), or an ad-hoc fault:
/// `inject node NODE`, `inject rollout NS/NAME IMAGE`, `inject surge NS/NAME FACTOR`,
/// `inject oom NS/NAME [PODS]`, `inject unselect NS/NAME` (its Service selects no pod).
pub fn inject(args: &[&str]) -> Result<Facilitation, String> {
    const USAGE: &str = "inject needs N (a fault of the scenario), node NODE, rollout NS/NAME IMAGE, \
                         surge NS/NAME FACTOR, oom NS/NAME [PODS] or unselect NS/NAME";
    let workload = |w: &str| -> Result<String, String> {
        match w.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() => Ok(w.to_string()),
            _ => Err(format!("inject: {w:?} is not NAMESPACE/NAME")),
        }
    };
    let ad_hoc = |note: String, fault: Value| {
        let mut f = fault;
        f["note"] = json!(note);
        Facilitation::Inject(json!({ "adHoc": f }))
    };
    Ok(match args {
        [n] if n.parse::<usize>().is_ok_and(|n| n >= 1) => {
            Facilitation::Inject(json!({ "fault": n.parse::<usize>().unwrap_or(1) }))
        }
        ["node", node] => ad_hoc(
            format!("{node} goes NotReady (injected)"),
            json!({"nodeCondition": {"node": node, "condition": "Ready", "status": "False",
                "reason": "KubeletNotReady", "message": "Kubelet stopped posting node status."}}),
        ),
        ["rollout", w, image] => ad_hoc(
            format!("{w} rolled out to {image} (injected)"),
            json!({"rollout": {"workload": workload(w)?, "image": image}}),
        ),
        ["surge", w, factor] => {
            let factor = times(factor).ok_or_else(|| format!("surge: {factor:?} is not a positive factor"))?;
            ad_hoc(
                format!("{w}'s traffic ×{factor} (injected)"),
                json!({"traffic": {"workload": workload(w)?, "factor": factor}}),
            )
        }
        ["oom", w, rest @ ..] => {
            let pods = match rest {
                [] => 1,
                [n] => n
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("oom: {n:?} is not a number of pods"))?,
                _ => return Err(USAGE.into()),
            };
            ad_hoc(
                format!("{pods} pod(s) of {w} OOMKilled (injected)"),
                json!({"oomKill": {"workload": workload(w)?, "pods": pods}}),
            )
        }
        ["unselect", w] => ad_hoc(
            format!("{w}'s Service selects no pod (injected)"),
            json!({"service": {"workload": workload(w)?, "selector": {}}}),
        ),
        _ => return Err(USAGE.into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_facilitators_commands_parse_into_what_the_drill_takes() {
        assert_eq!(
            drill(&["speed", "x4"]),
            Ok(Facilitation::Pace {
                paused: None,
                speed: Some(4.0)
            })
        );
        assert!(drill(&["speed", "0"]).is_err());
        assert!(drill(&["rewind"]).is_err());
        assert_eq!(
            drill(&["seek", "1h30m"]),
            Ok(Facilitation::Seek(Seek::To("1h30m".into())))
        );
        assert_eq!(
            drill(&["seek", "2026-12-01T10:04:00Z"]),
            Ok(Facilitation::Seek(Seek::To("2026-12-01T10:04:00Z".into())))
        );
        assert_eq!(drill(&["seek", "#12"]), Ok(Facilitation::Seek(Seek::Entry(12))));
        for bad in ["m", "5x", "#", "#a", "yesterday", "-5m"] {
            assert!(drill(&["seek", bad]).is_err(), "{bad}");
        }
        assert_eq!(inject(&["2"]), Ok(Facilitation::Inject(json!({"fault": 2}))));
        let Ok(Facilitation::Inject(body)) = inject(&["node", "node-3"]) else {
            panic!("node")
        };
        assert_eq!(body["adHoc"]["nodeCondition"]["node"], "node-3");
        assert_eq!(body["adHoc"]["note"], "node-3 goes NotReady (injected)");
        assert!(inject(&["rollout", "checkout", "x:2"]).is_err(), "no namespace");
        assert!(inject(&["0"]).is_err());
        let Ok(Facilitation::Inject(body)) = inject(&["oom", "shop/checkout", "2"]) else {
            panic!("oom")
        };
        assert_eq!(
            body["adHoc"]["oomKill"],
            json!({"workload": "shop/checkout", "pods": 2})
        );
        let Ok(Facilitation::Inject(body)) = inject(&["unselect", "payments/payments-api"]) else {
            panic!("unselect")
        };
        assert_eq!(
            body["adHoc"]["service"],
            json!({"workload": "payments/payments-api", "selector": {}})
        );
    }
}
