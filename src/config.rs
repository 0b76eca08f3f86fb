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
    #[serde(default)]
    pub console: ConsoleConfig,
}

/// How the console looks: `[console] theme = "light"`, `keymap = "vim"`, `color = "256"`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    pub theme: Option<String>,
    pub keymap: Option<String>,
    pub color: Option<crate::ui::theme::ColorDepth>,
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

pub use crate::tomlfile::FileError as ConfigError;

impl Config {
    /// Loads the config file; a missing file gives the defaults.
    pub fn load() -> Result<Config, ConfigError> {
        let p = path();
        match std::fs::read_to_string(&p) {
            Ok(text) => Config::parse(&p, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(ConfigError::unreadable(&p, &e)),
        }
    }

    pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
        let config: Config = crate::tomlfile::parse(file, text)?;
        config.check(&file.display().to_string(), text)?;
        Ok(config)
    }

    fn check(&self, file: &str, text: &str) -> Result<(), ConfigError> {
        let err = |needle: &str, key: String, message: String| ConfigError::at(file, text, needle, &key, message);
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
