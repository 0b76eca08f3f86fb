//! The Alertmanager API v2 client: alerts with their silenced and inhibited state, silences
//! listed, created and expired. Errors keep Alertmanager's own message. A read-only client
//! (`--read-only`, the observer role) refuses to create or expire before anything is sent.

use std::collections::BTreeMap;

use jiff::Timestamp;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::http::Endpoint;
use super::http::{Http, ObserveError, Server};

pub type Labels = BTreeMap<String, String>;

/// `status.state` of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Unprocessed,
    Active,
    Suppressed,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AlertStatus {
    pub state: AlertState,
    #[serde(rename = "silencedBy", default)]
    pub silenced_by: Vec<String>,
    #[serde(rename = "inhibitedBy", default)]
    pub inhibited_by: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Receiver {
    pub name: String,
}

/// An alert as Alertmanager holds it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Alert {
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    #[serde(rename = "startsAt")]
    pub starts_at: Option<Timestamp>,
    #[serde(rename = "endsAt")]
    pub ends_at: Option<Timestamp>,
    #[serde(default)]
    pub fingerprint: String,
    #[serde(default)]
    pub receivers: Vec<Receiver>,
    pub status: AlertStatus,
}

impl Alert {
    pub fn name(&self) -> &str {
        self.labels.get("alertname").map_or("", String::as_str)
    }
    pub fn silenced(&self) -> bool {
        !self.status.silenced_by.is_empty()
    }
    pub fn inhibited(&self) -> bool {
        !self.status.inhibited_by.is_empty()
    }
}

/// A label matcher of a silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matcher {
    pub name: String,
    pub value: String,
    #[serde(rename = "isRegex", default)]
    pub is_regex: bool,
    /// `false` for `!=` / `!~` (defaults to `true`, as in the API).
    #[serde(rename = "isEqual", default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl Matcher {
    /// `name="value"`.
    pub fn equal(name: &str, value: &str) -> Matcher {
        Matcher {
            name: name.into(),
            value: value.into(),
            is_regex: false,
            is_equal: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SilenceState {
    Active,
    Pending,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SilenceStatus {
    pub state: SilenceState,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Silence {
    pub id: String,
    pub status: SilenceStatus,
    pub matchers: Vec<Matcher>,
    #[serde(rename = "startsAt")]
    pub starts_at: Timestamp,
    #[serde(rename = "endsAt")]
    pub ends_at: Timestamp,
    #[serde(rename = "createdBy", default)]
    pub created_by: String,
    #[serde(default)]
    pub comment: String,
    #[serde(rename = "updatedAt")]
    pub updated_at: Option<Timestamp>,
}

/// A silence to create (or, with `id`, to update).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewSilence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub matchers: Vec<Matcher>,
    #[serde(rename = "startsAt")]
    pub starts_at: Timestamp,
    #[serde(rename = "endsAt")]
    pub ends_at: Timestamp,
    #[serde(rename = "createdBy")]
    pub created_by: String,
    pub comment: String,
}

impl NewSilence {
    /// A silence of exactly this alert (every label matched with `=`), from `starts_at` for
    /// `duration`.
    pub fn for_alert(
        labels: &Labels,
        starts_at: Timestamp,
        duration: jiff::SignedDuration,
        created_by: &str,
        comment: &str,
    ) -> NewSilence {
        NewSilence {
            id: None,
            matchers: labels.iter().map(|(k, v)| Matcher::equal(k, v)).collect(),
            starts_at,
            ends_at: starts_at + duration,
            created_by: created_by.into(),
            comment: comment.into(),
        }
    }
}

#[derive(Deserialize)]
struct Created {
    #[serde(rename = "silenceID")]
    silence_id: String,
}

/// An Alertmanager server.
#[derive(Debug, Clone)]
pub struct Alertmanager {
    http: Http,
}

impl Alertmanager {
    pub fn new(http: Http) -> Alertmanager {
        Alertmanager { http }
    }

    pub fn from_endpoint(e: &Endpoint) -> Result<Alertmanager, ObserveError> {
        Http::from_endpoint(Server::Alertmanager, e).map(Alertmanager::new)
    }

    pub fn http(&self) -> &Http {
        &self.http
    }

    /// The same server, read-only: creating and expiring silences fail with
    /// `ObserveError::ReadOnly` and send nothing.
    pub fn read_only(self) -> Alertmanager {
        Alertmanager {
            http: self.http.read_only(),
        }
    }

    /// Read-only when `read_only` is set (as `--read-only` and the observer role ask).
    pub fn with_read_only(self, read_only: bool) -> Alertmanager {
        if read_only { self.read_only() } else { self }
    }

    /// `GET /api/v2/alerts`: every alert, active, silenced and inhibited alike.
    pub async fn alerts(&self) -> Result<Vec<Alert>, ObserveError> {
        self.alerts_as().await
    }

    /// The alerts as `T` (`serde_json::Value`: as served, for a recording).
    pub async fn alerts_as<T: serde::de::DeserializeOwned>(&self) -> Result<Vec<T>, ObserveError> {
        let req = self
            .http
            .request(Method::GET, self.http.url(&["api", "v2", "alerts"]))
            .query(&[
                ("active", "true"),
                ("silenced", "true"),
                ("inhibited", "true"),
                ("unprocessed", "true"),
            ]);
        self.http.json(req).await
    }

    /// `GET /api/v2/silences`: active, pending and (recently) expired silences.
    pub async fn silences(&self) -> Result<Vec<Silence>, ObserveError> {
        self.silences_as().await
    }

    /// The silences as `T` (`serde_json::Value`: as served, for a recording).
    pub async fn silences_as<T: serde::de::DeserializeOwned>(&self) -> Result<Vec<T>, ObserveError> {
        let req = self
            .http
            .request(Method::GET, self.http.url(&["api", "v2", "silences"]));
        self.http.json(req).await
    }

    /// `POST /api/v2/silences`; returns the new silence's id. `on_drill_clock`: its times are
    /// a drill's, which the drill's Alertmanager is told so it keeps them as they are.
    pub async fn create_silence(&self, s: &NewSilence, on_drill_clock: bool) -> Result<String, ObserveError> {
        let mut req = self
            .http
            .request(Method::POST, self.http.url(&["api", "v2", "silences"]))
            .json(s);
        if on_drill_clock {
            req = req.header(warroom_drill::CLOCK_HEADER, "drill");
        }
        self.http.json::<Created>(req).await.map(|c| c.silence_id)
    }

    /// `DELETE /api/v2/silence/{id}`: expires the silence now.
    pub async fn expire_silence(&self, id: &str) -> Result<(), ObserveError> {
        let req = self
            .http
            .request(Method::DELETE, self.http.url(&["api", "v2", "silence", id]));
        self.http.no_content(req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_and_silences_decode() {
        let a: Vec<Alert> = serde_json::from_str(
            r#"[{"annotations":{"summary":"x"},"endsAt":"2026-11-24T21:00:00Z","fingerprint":"fa36cb0a727d9c62","receivers":[{"name":"null-recv"}],"startsAt":"2026-11-24T20:00:00Z","status":{"inhibitedBy":[],"silencedBy":["s1"],"state":"suppressed"},"updatedAt":"2026-11-24T20:00:00Z","labels":{"alertname":"DrillInjected","severity":"warning"}}]"#,
        )
        .expect("alerts");
        assert!(a[0].silenced() && !a[0].inhibited());
        assert_eq!(a[0].name(), "DrillInjected");
        let s: Vec<Silence> = serde_json::from_str(
            r#"[{"id":"1455","status":{"state":"active"},"updatedAt":"2026-11-24T20:58:24Z","comment":"drill","createdBy":"warroom","endsAt":"2026-11-24T21:58:24Z","matchers":[{"isEqual":true,"isRegex":false,"name":"alertname","value":"AlwaysFiring"}],"startsAt":"2026-11-24T20:58:24Z"}]"#,
        )
        .expect("silences");
        assert_eq!(s[0].status.state, SilenceState::Active);
        assert_eq!(s[0].matchers[0], Matcher::equal("alertname", "AlwaysFiring"));
        let body = serde_json::to_value(NewSilence {
            id: None,
            matchers: vec![Matcher::equal("a", "b")],
            starts_at: "2026-11-24T20:58:24Z".parse().expect("ts"),
            ends_at: "2026-11-24T21:58:24Z".parse().expect("ts"),
            created_by: "warroom".into(),
            comment: "drill".into(),
        })
        .expect("json");
        assert_eq!(body["startsAt"], "2026-11-24T20:58:24Z");
        assert_eq!(body["matchers"][0]["isEqual"], true);
        assert!(body.get("id").is_none());
        let labels: Labels = [("alertname", "X"), ("service", "a\"b")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let s = NewSilence::for_alert(
            &labels,
            "2026-11-24T20:00:00Z".parse().expect("ts"),
            jiff::SignedDuration::from_hours(2),
            "alice",
            "mitigated",
        );
        assert_eq!(s.ends_at.to_string(), "2026-11-24T22:00:00Z");
        assert_eq!(s.matchers[1], Matcher::equal("service", "a\"b"));
    }
}
