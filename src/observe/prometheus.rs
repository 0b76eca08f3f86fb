//! The Prometheus HTTP API client: instant and range queries with typed results, alerts
//! (pending and firing) and rules. Answers are decoded as the server sends them; errors keep
//! Prometheus's `errorType` and `error` verbatim (see `http::ObserveError::Api`).

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use reqwest::Method;
use serde::{Deserialize, Deserializer};

use super::http::Endpoint;
use super::http::{Http, ObserveError, Server};

/// One sample: seconds since the epoch and a value (`NaN` and `±Inf` included).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub t: f64,
    pub v: f64,
}

/// Sample values come as strings: `"1"`, `"NaN"`, `"+Inf"`.
fn parse_value(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

impl<'de> Deserialize<'de> for Point {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (t, v): (f64, String) = Deserialize::deserialize(d)?;
        let v = parse_value(&v).ok_or_else(|| serde::de::Error::custom(format!("{v:?} is not a sample value")))?;
        Ok(Point { t, v })
    }
}

pub type Labels = BTreeMap<String, String>;

/// One series at one instant.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Sample {
    #[serde(default)]
    pub metric: Labels,
    #[serde(rename = "value")]
    pub point: Point,
}

/// One series over a range.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Series {
    #[serde(default)]
    pub metric: Labels,
    #[serde(default)]
    pub values: Vec<Point>,
}

/// A query's result, by `resultType`.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryResult {
    Vector(Vec<Sample>),
    Matrix(Vec<Series>),
    Scalar(Point),
    String { t: f64, value: String },
}

impl QueryResult {
    /// The one number a panel shows: a scalar, or a vector's single sample (NaN-free sum of
    /// several would hide which is which, so more than one sample gives `None`).
    pub fn single_value(&self) -> Option<f64> {
        self.single_point().map(|p| p.v)
    }

    /// The single value with the time Prometheus evaluated it at.
    pub fn single_point(&self) -> Option<Point> {
        match self {
            QueryResult::Scalar(p) => Some(*p),
            QueryResult::Vector(v) if v.len() == 1 => Some(v[0].point),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            QueryResult::Vector(_) => "vector",
            QueryResult::Matrix(_) => "matrix",
            QueryResult::Scalar(_) => "scalar",
            QueryResult::String { .. } => "string",
        }
    }
}

#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum RawResult {
    Vector(Vec<Sample>),
    Matrix(Vec<Series>),
    Scalar(Point),
    String((f64, String)),
}

impl From<RawResult> for QueryResult {
    fn from(r: RawResult) -> Self {
        match r {
            RawResult::Vector(v) => QueryResult::Vector(v),
            RawResult::Matrix(m) => QueryResult::Matrix(m),
            RawResult::Scalar(p) => QueryResult::Scalar(p),
            RawResult::String((t, value)) => QueryResult::String { t, value },
        }
    }
}

/// An alert as Prometheus's rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Inactive,
    Pending,
    Firing,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Alert {
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    pub state: AlertState,
    #[serde(rename = "activeAt")]
    pub active_at: Option<Timestamp>,
    /// The expression's value when the alert was last evaluated, as Prometheus formats it.
    #[serde(default)]
    pub value: String,
}

impl Alert {
    pub fn name(&self) -> &str {
        self.labels.get("alertname").map_or("", String::as_str)
    }
}

#[derive(Deserialize)]
struct AlertsData {
    alerts: Vec<Alert>,
}

/// A rule's health after its last evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleHealth {
    Ok,
    Err,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    Alerting,
    Recording,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Rule {
    pub name: String,
    pub query: String,
    #[serde(rename = "type")]
    pub kind: RuleKind,
    pub health: RuleHealth,
    #[serde(rename = "lastError", default)]
    pub last_error: Option<String>,
    /// Alerting rules only: inactive, pending or firing.
    #[serde(default)]
    pub state: Option<AlertState>,
    /// Alerting rules only: the `for` duration in seconds.
    #[serde(default)]
    pub duration: Option<f64>,
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    #[serde(default)]
    pub alerts: Vec<Alert>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RuleGroup {
    pub name: String,
    pub file: String,
    pub rules: Vec<Rule>,
    /// Evaluation interval in seconds.
    #[serde(default)]
    pub interval: f64,
}

#[derive(Deserialize)]
struct RulesData {
    groups: Vec<RuleGroup>,
}

/// A Prometheus server.
#[derive(Debug, Clone)]
pub struct Prometheus {
    http: Http,
}

fn unix(t: Timestamp) -> String {
    let ns = t.as_nanosecond();
    format!(
        "{}.{:03}",
        ns.div_euclid(1_000_000_000),
        ns.rem_euclid(1_000_000_000) / 1_000_000
    )
}

/// A step: float seconds, as the API takes.
fn seconds(d: Duration) -> String {
    format!("{}", d.as_secs_f64())
}

/// A timeout: a Prometheus duration (`1500ms`; fractions such as `1.5s` are not one).
fn duration(d: Duration) -> String {
    format!("{}ms", d.as_millis().max(1))
}

impl Prometheus {
    pub fn new(http: Http) -> Prometheus {
        Prometheus { http }
    }

    pub fn from_endpoint(e: &Endpoint) -> Result<Prometheus, ObserveError> {
        Http::from_endpoint(Server::Prometheus, e).map(Prometheus::new)
    }

    pub fn http(&self) -> &Http {
        &self.http
    }

    /// `GET /api/v1/query`: the expression at `at` (default: now). The client's timeout is
    /// also sent as the server-side evaluation timeout.
    pub async fn query(&self, query: &str, at: Option<Timestamp>) -> Result<QueryResult, ObserveError> {
        let mut params = vec![("query", query.to_string()), ("timeout", duration(self.http.timeout()))];
        if let Some(t) = at {
            params.push(("time", unix(t)));
        }
        let req = self
            .http
            .request(Method::GET, self.http.url(&["api", "v1", "query"]))
            .query(&params);
        self.http.prometheus::<RawResult>(req).await.map(Into::into)
    }

    /// `GET /api/v1/query_range` from `start` to `end` every `step`.
    pub async fn query_range(
        &self,
        query: &str,
        start: Timestamp,
        end: Timestamp,
        step: Duration,
    ) -> Result<QueryResult, ObserveError> {
        let params = [
            ("query", query.to_string()),
            ("start", unix(start)),
            ("end", unix(end)),
            ("step", seconds(step)),
            ("timeout", duration(self.http.timeout())),
        ];
        let req = self
            .http
            .request(Method::GET, self.http.url(&["api", "v1", "query_range"]))
            .query(&params);
        self.http.prometheus::<RawResult>(req).await.map(Into::into)
    }

    /// `GET /api/v1/alerts`: every pending and firing alert.
    pub async fn alerts(&self) -> Result<Vec<Alert>, ObserveError> {
        let req = self.http.request(Method::GET, self.http.url(&["api", "v1", "alerts"]));
        self.http.prometheus::<AlertsData>(req).await.map(|d| d.alerts)
    }

    /// `GET /api/v1/rules`: alerting and recording rules by group.
    pub async fn rules(&self) -> Result<Vec<RuleGroup>, ObserveError> {
        let req = self.http.request(Method::GET, self.http.url(&["api", "v1", "rules"]));
        self.http.prometheus::<RulesData>(req).await.map(|d| d.groups)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_decode_by_type() {
        let v: RawResult = serde_json::from_str(
            r#"{"resultType":"vector","result":[{"metric":{"job":"x"},"value":[1795553904.228,"NaN"]}]}"#,
        )
        .expect("vector");
        let QueryResult::Vector(v) = v.into() else {
            panic!("vector")
        };
        assert!(v[0].point.v.is_nan());
        assert_eq!(v[0].point.t, 1795553904.228);
        let s: RawResult = serde_json::from_str(r#"{"resultType":"scalar","result":[1,"+Inf"]}"#).expect("scalar");
        assert_eq!(QueryResult::from(s).single_value(), Some(f64::INFINITY));
        let s: RawResult = serde_json::from_str(r#"{"resultType":"string","result":[1,"hi"]}"#).expect("string");
        assert_eq!(
            QueryResult::from(s),
            QueryResult::String {
                t: 1.0,
                value: "hi".into()
            }
        );
        let m: RawResult =
            serde_json::from_str(r#"{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"-Inf"]]}]}"#)
                .expect("matrix");
        let QueryResult::Matrix(m) = m.into() else {
            panic!("matrix")
        };
        assert_eq!(m[0].values[1].v, f64::NEG_INFINITY);
        assert!(serde_json::from_str::<RawResult>(r#"{"resultType":"scalar","result":[1,"x"]}"#).is_err());
    }

    #[test]
    fn times_are_unix_seconds() {
        let t: Timestamp = "2026-11-24T20:58:24.5Z".parse().expect("ts");
        assert_eq!(unix(t), "1795553904.500");
    }
}
