//! Kubernetes quantities (`500m`, `32Gi`) as scenario files write them: parsing, validation and
//! display. Pure functions. Durations are the files crate's (`warroom_files::Duration`).

pub use warroom_files::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// A Kubernetes resource quantity (`500m`, `2`, `512Mi`, `32Gi`), kept as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(into = "String")]
pub struct Quantity {
    pub text: String,
    /// The value in base units (cores, bytes).
    pub value: f64,
}

impl Quantity {
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
        let (num, suffix) = t.split_at(split);
        let n: f64 = num
            .parse()
            .map_err(|_| format!("invalid quantity {s:?}: expected a number like 500m, 2 or 512Mi"))?;
        let factor = match suffix {
            "" => 1.0,
            "m" => 0.001,
            "k" => 1e3,
            "M" => 1e6,
            "G" => 1e9,
            "T" => 1e12,
            "Ki" => 1024.0,
            "Mi" => 1024.0 * 1024.0,
            "Gi" => 1024.0 * 1024.0 * 1024.0,
            "Ti" => 1024.0f64.powi(4),
            _ => {
                return Err(format!(
                    "invalid quantity {s:?}: unknown suffix {suffix:?} (use m, k, M, G, Ki, Mi, Gi, Ti)"
                ));
            }
        };
        Ok(Quantity {
            text: t.to_string(),
            value: n * factor,
        })
    }
}

impl From<Quantity> for String {
    fn from(q: Quantity) -> String {
        q.text
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(f64),
            Text(String),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Num(n) => n.to_string(),
            Raw::Text(t) => t,
        };
        Quantity::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Quantity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Quantity".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A Kubernetes quantity such as 500m, 2, 512Mi or 32Gi.",
            "anyOf": [
                {"type": "string", "pattern": "^[0-9.]+(m|k|M|G|T|Ki|Mi|Gi|Ti)?$"},
                {"type": "number", "minimum": 0}
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse() {
        assert_eq!(Quantity::parse("500m").unwrap().value, 0.5);
        assert_eq!(Quantity::parse("2Gi").unwrap().value, 2.0 * 1024.0 * 1024.0 * 1024.0);
        assert!(Quantity::parse("2Gb").unwrap_err().contains("unknown suffix"));
    }
}
