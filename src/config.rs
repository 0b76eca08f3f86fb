//! The user's configuration: a TOML file at `$WARROOM_CONFIG`, else
//! `$XDG_CONFIG_HOME/warroom/config.toml`. Who you are, severity definitions, and clusters with
//! their Prometheus and Alertmanager. A missing file means defaults; a broken one is an error
//! naming the file, line and key, and nothing starts on it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::incident::model::{Definitions, Severity};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub you: You,
    /// `sev1` … `sev4`: what each severity means here.
    #[serde(default)]
    pub severities: BTreeMap<String, SeverityConfig>,
    #[serde(default)]
    pub clusters: Vec<ClusterConfig>,
    /// Where status updates go (`[[channels]]`).
    #[serde(default)]
    pub channels: Vec<crate::comms::channel::ChannelConfig>,
    /// How often each audience is owed an update, per severity (`[cadence.sev1.internal]`).
    #[serde(default)]
    pub cadence: crate::comms::cadence::CadenceConfig,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct You {
    /// The name written on everything you do (else user@host).
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityConfig {
    pub definition: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    pub name: String,
    /// Kubeconfig context (default: the cluster's name).
    pub context: Option<String>,
    pub kubeconfig: Option<PathBuf>,
    pub prometheus: Option<Endpoint>,
    pub alertmanager: Option<Endpoint>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub url: String,
    /// Request timeout, e.g. `10s`.
    pub timeout: Option<String>,
    /// Read a bearer token from this environment variable.
    pub bearer_token_env: Option<String>,
    /// Or from this file.
    pub bearer_token_file: Option<PathBuf>,
}

/// Where the config file is looked for.
pub fn path() -> PathBuf {
    if let Some(p) = std::env::var_os("WARROOM_CONFIG") {
        return PathBuf::from(p);
    }
    use etcetera::BaseStrategy;
    etcetera::base_strategy::Xdg::new()
        .map(|b| b.config_dir().join("warroom"))
        .unwrap_or_else(|_| PathBuf::from(".warroom"))
        .join("config.toml")
}

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {key}{message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The key path (`clusters[0].prometheus.url`), with a trailing `: ` when present.
    pub key: String,
    pub message: String,
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Finds the line where a key is written (`name = ...` under its table), for errors found after
/// parsing. Falls back to line 1.
fn locate(text: &str, needle: &str) -> (usize, usize) {
    match text.find(needle) {
        Some(i) => line_col(text, i),
        None => (1, 1),
    }
}

impl Config {
    /// Loads the config file; a missing file gives the defaults.
    pub fn load() -> Result<Config, ConfigError> {
        let p = path();
        match std::fs::read_to_string(&p) {
            Ok(text) => Config::parse(&p, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(ConfigError {
                file: p.display().to_string(),
                line: 0,
                column: 0,
                key: String::new(),
                message: format!("cannot read the file: {e}"),
            }),
        }
    }

    pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
        let shown = file.display().to_string();
        let de = toml::Deserializer::parse(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            ConfigError {
                file: shown.clone(),
                line,
                column,
                key: String::new(),
                message: e.message().to_string(),
            }
        })?;
        let config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner();
            let (line, column) = inner.span().map_or((1, 1), |s| line_col(text, s.start));
            ConfigError {
                file: shown.clone(),
                line,
                column,
                key: if key == "." { String::new() } else { format!("{key}: ") },
                message: inner.message().to_string(),
            }
        })?;
        config.check(&shown, text)?;
        Ok(config)
    }

    fn check(&self, file: &str, text: &str) -> Result<(), ConfigError> {
        let err = |needle: &str, key: String, message: String| {
            let (line, column) = locate(text, needle);
            ConfigError {
                file: file.to_string(),
                line,
                column,
                key: format!("{key}: "),
                message,
            }
        };
        for (name, s) in &self.severities {
            if name.parse::<Severity>().is_err() {
                return Err(err(
                    name,
                    format!("severities.{name}"),
                    "unknown severity (use sev1, sev2, sev3 or sev4)".into(),
                ));
            }
            if s.definition.trim().is_empty() {
                return Err(err(
                    name,
                    format!("severities.{name}.definition"),
                    "must not be empty".into(),
                ));
            }
        }
        for (i, c) in self.clusters.iter().enumerate() {
            for (what, e) in [("prometheus", &c.prometheus), ("alertmanager", &c.alertmanager)] {
                let Some(e) = e else { continue };
                let ok = e
                    .url
                    .parse::<axum::http::Uri>()
                    .ok()
                    .is_some_and(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some());
                if !ok {
                    return Err(err(
                        &e.url,
                        format!("clusters[{i}].{what}.url"),
                        format!("{:?} is not an http(s) URL", e.url),
                    ));
                }
                if let Some(t) = &e.timeout
                    && crate::drill::scenario::quantity::Duration::parse(t).is_err()
                {
                    return Err(err(
                        t,
                        format!("clusters[{i}].{what}.timeout"),
                        format!("{t:?} is not a duration such as 10s"),
                    ));
                }
            }
        }
        crate::comms::channel::channels(&self.channels)
            .map(|_| ())
            .and_then(|()| crate::comms::cadence::Cadence::from_config(&self.cadence).map(|_| ()))
            .map_err(|b| err(&b.near, b.key, b.message))?;
        Ok(())
    }

    /// The severity definitions, with the configured wordings over the defaults.
    pub fn definitions(&self) -> Definitions {
        let mut d = Definitions::default();
        for (name, s) in &self.severities {
            if let Ok(sev) = name.parse::<Severity>() {
                d.severities.insert(sev, s.definition.trim().to_string());
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("config.toml"), text)
    }

    #[test]
    fn a_good_config_loads() {
        let c = parse(
            "[you]\nname = \"Alice\"\n\n[severities.sev1]\ndefinition = \"Checkout is down\"\n\n[[clusters]]\nname = \"prod\"\nprometheus = { url = \"https://prom.example:9090\", timeout = \"10s\" }\n",
        )
        .unwrap();
        assert_eq!(c.you.name.as_deref(), Some("Alice"));
        assert_eq!(c.definitions().severity(Severity::Sev1), "Checkout is down");
        assert_ne!(c.definitions().severity(Severity::Sev2), "Checkout is down");
        assert_eq!(c.clusters[0].name, "prod");
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = parse("[you]\nname = \"Alice\"\nnmae = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("config.toml:3:1: you.nmae: unknown field `nmae`, expected `name`"),
            "{e}"
        );
        let e = parse("[[clusters]]\nname = \"prod\"\nprometheus = { url = \"ftp://x\" }\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("config.toml:3:") && e.contains("clusters[0].prometheus.url"),
            "{e}"
        );
        let e = parse("[severities.sev9]\ndefinition = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("severities.sev9: unknown severity"), "{e}");
        let e = parse("[you\nname = 1\n").unwrap_err().to_string();
        assert!(e.starts_with("config.toml:1:"), "{e}");
        let e = parse("[you]\nname = 42\n").unwrap_err().to_string();
        assert!(e.starts_with("config.toml:2:8: you.name: invalid type"), "{e}");
    }
}
