//! Durations as people write them in files and on the command line (`90s`, `2m`, `1h30m`, `1d`,
//! or a number of seconds): parsing, validation and display. Pure functions.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// A non-negative duration written as `90s`, `2m`, `1h30m`, `1d` or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(into = "String")]
pub struct Duration {
    pub millis: i64,
}

impl Duration {
    pub fn from_secs(s: i64) -> Self {
        Duration { millis: s * 1000 }
    }

    pub fn as_secs_f64(&self) -> f64 {
        self.millis as f64 / 1000.0
    }

    pub fn signed(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_millis(self.millis)
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty duration".into());
        }
        if let Ok(n) = s.parse::<f64>() {
            if !(n.is_finite() && n >= 0.0) {
                return Err(format!(
                    "invalid duration {s:?}: must be a non-negative number of seconds"
                ));
            }
            return Ok(Duration {
                millis: (n * 1000.0).round() as i64,
            });
        }
        let mut total = 0f64;
        let mut num = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
                continue;
            }
            let mut unit = c.to_string();
            if c == 'm' && chars.peek() == Some(&'s') {
                chars.next();
                unit = "ms".into();
            }
            let value: f64 = num
                .parse()
                .map_err(|_| format!("invalid duration {s:?}: expected a number before {unit:?}"))?;
            num.clear();
            let factor = match unit.as_str() {
                "ms" => 0.001,
                "s" => 1.0,
                "m" => 60.0,
                "h" => 3600.0,
                "d" => 86400.0,
                _ => {
                    return Err(format!(
                        "invalid duration {s:?}: unknown unit {unit:?} (use ms, s, m, h or d)"
                    ));
                }
            };
            total += value * factor;
        }
        if !num.is_empty() {
            return Err(format!("invalid duration {s:?}: number {num:?} has no unit"));
        }
        Ok(Duration {
            millis: (total * 1000.0).round() as i64,
        })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.millis / 1000;
        if self.millis % 1000 != 0 {
            return write!(f, "{}ms", self.millis);
        }
        let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
        let mut out = String::new();
        if h > 0 {
            out += &format!("{h}h");
        }
        if m > 0 {
            out += &format!("{m}m");
        }
        if s > 0 || out.is_empty() {
            out += &format!("{s}s");
        }
        f.write_str(&out)
    }
}

impl From<Duration> for String {
    fn from(d: Duration) -> String {
        d.to_string()
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(f64),
            Text(String),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Secs(n) => n.to_string(),
            Raw::Text(t) => t,
        };
        Duration::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration such as 90s, 2m, 1h30m, 1d, or a number of seconds.",
            "anyOf": [
                {"type": "string", "pattern": "^([0-9.]+(ms|s|m|h|d))+$"},
                {"type": "number", "minimum": 0}
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(Duration::parse("90s").unwrap().millis, 90_000);
        assert_eq!(Duration::parse("1h30m").unwrap().millis, 5_400_000);
        assert_eq!(Duration::parse("250ms").unwrap().millis, 250);
        assert_eq!(Duration::parse("45").unwrap().millis, 45_000);
        assert_eq!(Duration::parse("1h30m").unwrap().to_string(), "1h30m");
        assert!(Duration::parse("5 minutes").unwrap_err().contains("unknown unit"));
        assert!(Duration::parse("10").is_ok());
        assert!(Duration::parse("m").is_err());
    }
}
