//! What a recording holds, one JSON line each: the objects the cluster served as they changed,
//! keyframes (every object at one moment) that a reader can start from, the samples Prometheus
//! stored for the queries warroom follows, and Alertmanager's alerts and silences whenever they
//! changed. Times are Unix milliseconds on the cluster's clock (a drill's is virtual).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The identity of one recorded object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectKey {
    pub api_version: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    /// The key of an object as the API server serves it; none without a kind or a name.
    pub fn of(object: &Value) -> Option<ObjectKey> {
        let text = |v: &Value| v.as_str().map(str::to_string);
        let meta = object.get("metadata")?;
        Some(ObjectKey {
            api_version: text(object.get("apiVersion")?)?,
            kind: text(object.get("kind")?)?,
            namespace: meta.get("namespace").and_then(text).unwrap_or_default(),
            name: text(meta.get("name")?)?,
        })
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.namespace.as_str() {
            "" => write!(f, "{}/{}", self.kind, self.name),
            ns => write!(f, "{}/{}/{}", self.kind, ns, self.name),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// Every object at `at` follows, in the next `objects` `Applied` records: a reader that
    /// starts here, or meets one, starts over from it.
    Keyframe { at: i64, objects: u64 },
    /// An object as the cluster served it after a change (or in a keyframe).
    Applied { at: i64, object: Value },
    Deleted {
        at: i64,
        #[serde(flatten)]
        key: ObjectKey,
    },
    /// Samples Prometheus had stored by `at` that the recording did not hold yet.
    Samples { at: i64, series: Vec<Series> },
    /// Every alert Alertmanager held at `at`, as `GET /api/v2/alerts` served them.
    Alerts { at: i64, alerts: Vec<Value> },
    /// Every silence Alertmanager held at `at`, as `GET /api/v2/silences` served them.
    Silences { at: i64, silences: Vec<Value> },
}

impl Record {
    pub fn at(&self) -> i64 {
        match self {
            Record::Keyframe { at, .. }
            | Record::Applied { at, .. }
            | Record::Deleted { at, .. }
            | Record::Samples { at, .. }
            | Record::Alerts { at, .. }
            | Record::Silences { at, .. } => *at,
        }
    }
}

/// One series' samples as Prometheus stored them: its labels (the metric's name under
/// `__name__`) and (Unix milliseconds, value) pairs, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub metric: BTreeMap<String, String>,
    #[serde(with = "values")]
    pub values: Vec<(i64, f64)>,
}

/// Sample values are written as Prometheus writes them (`"0.25"`, `"NaN"`, `"+Inf"`), since
/// JSON numbers cannot say NaN or infinity.
mod values {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(values: &[(i64, f64)], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(values.iter().map(|(t, v)| (t, text(*v))))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(i64, f64)>, D::Error> {
        let pairs: Vec<(i64, String)> = Deserialize::deserialize(d)?;
        pairs
            .into_iter()
            .map(|(t, v)| {
                parse(&v)
                    .map(|v| (t, v))
                    .ok_or_else(|| D::Error::custom(format!("{v:?} is not a sample value")))
            })
            .collect()
    }

    fn text(v: f64) -> String {
        if v.is_nan() {
            "NaN".into()
        } else if v == f64::INFINITY {
            "+Inf".into()
        } else if v == f64::NEG_INFINITY {
            "-Inf".into()
        } else {
            v.to_string()
        }
    }

    fn parse(s: &str) -> Option<f64> {
        match s {
            "NaN" => Some(f64::NAN),
            "+Inf" | "Inf" => Some(f64::INFINITY),
            "-Inf" => Some(f64::NEG_INFINITY),
            _ => s.parse().ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_keep_nan_and_infinities_through_json() {
        let r = Record::Samples {
            at: 5,
            series: vec![Series {
                metric: [("__name__".to_string(), "up".to_string())].into(),
                values: vec![(1, 0.25), (2, f64::INFINITY), (3, f64::NEG_INFINITY), (4, f64::NAN)],
            }],
        };
        let line = serde_json::to_string(&r).expect("serializes");
        assert!(line.contains(r#"[1,"0.25"],[2,"+Inf"],[3,"-Inf"],[4,"NaN"]"#), "{line}");
        let Record::Samples { series, .. } = serde_json::from_str(&line).expect("parses") else {
            panic!("not samples: {line}");
        };
        assert_eq!(
            &series[0].values[..3],
            &[(1, 0.25), (2, f64::INFINITY), (3, f64::NEG_INFINITY)]
        );
        assert!(series[0].values[3].1.is_nan());
        let bad = r#"{"record":"samples","at":1,"series":[{"metric":{},"values":[[1,"lots"]]}]}"#;
        let e = serde_json::from_str::<Record>(bad).unwrap_err().to_string();
        assert!(e.contains("\"lots\" is not a sample value"), "{e}");
    }
}
