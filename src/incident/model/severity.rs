//! Severities (SEV1 is the worst) and what each means here (the definitions a config gives).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How bad it is. SEV1 is the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    #[serde(rename = "SEV1")]
    Sev1,
    #[serde(rename = "SEV2")]
    Sev2,
    #[serde(rename = "SEV3")]
    Sev3,
    #[serde(rename = "SEV4")]
    Sev4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Sev1, Severity::Sev2, Severity::Sev3, Severity::Sev4];

    pub fn number(self) -> u8 {
        match self {
            Severity::Sev1 => 1,
            Severity::Sev2 => 2,
            Severity::Sev3 => 3,
            Severity::Sev4 => 4,
        }
    }

    /// The built-in definition, after PagerDuty's public severity levels. A configuration file
    /// may override these wordings (see `Definitions`).
    pub fn default_definition(self) -> &'static str {
        match self {
            Severity::Sev1 => {
                "Critical: the service is down or a core function is broken for many customers, \
                 or data is being lost or exposed. All hands; page whoever is needed."
            }
            Severity::Sev2 => {
                "Major: a core function is significantly degraded or broken for a subset of \
                 customers. Respond now, around the clock."
            }
            Severity::Sev3 => {
                "Minor: a non-core function is broken, or a core function is degraded with a \
                 workaround. Respond during working hours."
            }
            Severity::Sev4 => {
                "Low: a cosmetic problem or a risk that could become an incident. \
                 Track it; no page."
            }
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SEV{}", self.number())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_uppercase();
        let digits = t.strip_prefix("SEV").unwrap_or(&t);
        match digits.trim_start_matches('-') {
            "1" => Ok(Severity::Sev1),
            "2" => Ok(Severity::Sev2),
            "3" => Ok(Severity::Sev3),
            "4" => Ok(Severity::Sev4),
            _ => Err(format!("{s:?} is not a severity; use 1, 2, 3 or 4 (SEV1 is the worst)")),
        }
    }
}

/// The wording of each severity, as configured (the built-in ones by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definitions {
    pub severities: BTreeMap<Severity, String>,
}

impl Default for Definitions {
    fn default() -> Self {
        Definitions {
            severities: Severity::ALL
                .iter()
                .map(|s| (*s, s.default_definition().to_string()))
                .collect(),
        }
    }
}

impl Definitions {
    pub fn severity(&self, s: Severity) -> &str {
        self.severities
            .get(&s)
            .map(String::as_str)
            .unwrap_or(s.default_definition())
    }
}
