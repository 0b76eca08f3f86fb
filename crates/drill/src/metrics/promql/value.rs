//! Query results in the shapes of the Prometheus HTTP API (`vector`, `matrix`, `scalar`,
//! `string`), serialized exactly as Prometheus renders them: sample values as strings in Go's
//! shortest `'f'` format (`"NaN"`, `"+Inf"`, `"-Inf"`), timestamps as JSON numbers of seconds
//! with millisecond precision.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, SerializeTuple, Serializer};
use serde_json::value::RawValue;

use crate::metrics::labels::Labels;

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct InstantSample {
    pub labels: Labels,
    pub t_ms: i64,
    pub v: f64,
}

/// One series of a range vector (or of a range query's result).
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub labels: Labels,
    pub points: Vec<(i64, f64)>,
}

/// The result of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryValue {
    Scalar { t_ms: i64, v: f64 },
    String { t_ms: i64, s: String },
    Vector(Vec<InstantSample>),
    Matrix(Vec<RangeSeries>),
}

impl QueryValue {
    /// `vector`, `matrix`, `scalar` or `string`.
    pub fn result_type(&self) -> &'static str {
        match self {
            QueryValue::Scalar { .. } => "scalar",
            QueryValue::String { .. } => "string",
            QueryValue::Vector(_) => "vector",
            QueryValue::Matrix(_) => "matrix",
        }
    }
}

/// Formats a sample value as Go's `strconv.FormatFloat(v, 'f', -1, 64)`.
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        // Rust's Display is the shortest round-tripping decimal without an exponent, as Go's.
        format!("{v}")
    }
}

/// Formats a millisecond timestamp as Prometheus writes it: whole seconds, then `.` and three
/// digits when there is a fraction (`1700000000`, `1700000000.250`).
pub fn format_timestamp(t_ms: i64) -> String {
    let sign = if t_ms < 0 { "-" } else { "" };
    let abs = t_ms.unsigned_abs();
    let (secs, frac) = (abs / 1000, abs % 1000);
    if frac == 0 {
        format!("{sign}{secs}")
    } else {
        format!("{sign}{secs}.{frac:03}")
    }
}

struct Timestamp(i64);

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(format_timestamp(self.0)).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

struct Point(i64, f64);

impl Serialize for Point {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut t = serializer.serialize_tuple(2)?;
        t.serialize_element(&Timestamp(self.0))?;
        t.serialize_element(&format_value(self.1))?;
        t.end()
    }
}

struct Points<'a>(&'a [(i64, f64)]);

impl Serialize for Points<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for &(t, v) in self.0 {
            seq.serialize_element(&Point(t, v))?;
        }
        seq.end()
    }
}

impl Serialize for InstantSample {
    /// `{"metric":{...},"value":[t,"v"]}`
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(2))?;
        m.serialize_entry("metric", &self.labels)?;
        m.serialize_entry("value", &Point(self.t_ms, self.v))?;
        m.end()
    }
}

impl Serialize for RangeSeries {
    /// `{"metric":{...},"values":[[t,"v"],...]}`
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(2))?;
        m.serialize_entry("metric", &self.labels)?;
        m.serialize_entry("values", &Points(&self.points))?;
        m.end()
    }
}

impl Serialize for QueryValue {
    /// The API's `data` object: `{"resultType":"...","result":...}`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(2))?;
        m.serialize_entry("resultType", self.result_type())?;
        match self {
            QueryValue::Scalar { t_ms, v } => m.serialize_entry("result", &Point(*t_ms, *v))?,
            QueryValue::String { t_ms, s } => m.serialize_entry("result", &(Timestamp(*t_ms), s.as_str()))?,
            QueryValue::Vector(samples) => m.serialize_entry("result", samples)?,
            QueryValue::Matrix(series) => m.serialize_entry("result", series)?,
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_format_like_go() {
        assert_eq!(format_value(1.0), "1");
        assert_eq!(format_value(0.1), "0.1");
        assert_eq!(format_value(-2.5e-7), "-0.00000025");
        assert_eq!(format_value(1e21), "1000000000000000000000");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_value(-0.0), "-0");
    }

    #[test]
    fn timestamps_format_like_prometheus() {
        assert_eq!(format_timestamp(1_795_553_904_228), "1795553904.228");
        assert_eq!(format_timestamp(1_000), "1");
        assert_eq!(format_timestamp(1_500), "1.500");
        assert_eq!(format_timestamp(1_005), "1.005");
        assert_eq!(format_timestamp(-1_500), "-1.500");
    }

    #[test]
    fn api_shapes() {
        let labels = Labels::from_pairs(&[("__name__", "up"), ("job", "a")]);
        let v = QueryValue::Vector(vec![InstantSample {
            labels: labels.clone(),
            t_ms: 1_500,
            v: f64::INFINITY,
        }]);
        assert_eq!(
            serde_json::to_string(&v).expect("json"),
            r#"{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a"},"value":[1.500,"+Inf"]}]}"#
        );
        let m = QueryValue::Matrix(vec![RangeSeries {
            labels,
            points: vec![(1_000, 1.0), (2_000, f64::NAN)],
        }]);
        assert_eq!(
            serde_json::to_string(&m).expect("json"),
            r#"{"resultType":"matrix","result":[{"metric":{"__name__":"up","job":"a"},"values":[[1,"1"],[2,"NaN"]]}]}"#
        );
        let s = QueryValue::Scalar { t_ms: 3_000, v: 0.5 };
        assert_eq!(
            serde_json::to_string(&s).expect("json"),
            r#"{"resultType":"scalar","result":[3,"0.5"]}"#
        );
        let s = QueryValue::String {
            t_ms: 3_000,
            s: "hi".into(),
        };
        assert_eq!(
            serde_json::to_string(&s).expect("json"),
            r#"{"resultType":"string","result":[3,"hi"]}"#
        );
    }
}
