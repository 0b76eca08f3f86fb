//! The user's configuration: a TOML file at `$WARROOM_CONFIG`, else
//! `$XDG_CONFIG_HOME/warroom/config.toml`. Who you are, severity definitions, and clusters with
//! their Prometheus and Alertmanager. A missing file means defaults; a broken one is an error
//! naming the file, line and key, and nothing starts on it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

use crate::incident::model::{Actor, Definitions, Severity};
use crate::observe::http::Endpoint;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
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
    /// Golden-signal panels: one named like a default (`traffic`, `errors`, `latency_p99`,
    /// `saturation`) replaces it, any other is added.
    #[serde(default, rename = "panels")]
    pub panel_configs: Vec<PanelConfig>,
    /// SLO defaults: objective and the error-ratio template with `$window`.
    pub slo: Option<SloConfig>,
    /// Where status updates go (`[[channels]]`).
    #[serde(default)]
    pub channels: Vec<crate::comms::channel::ChannelConfig>,
    /// How often each audience is owed an update, per severity (`[cadence.sev1.internal]`).
    #[serde(default)]
    pub cadence: crate::comms::cadence::CadenceConfig,
    /// The detector (`[detection]`).
    #[serde(default)]
    pub detection: DetectionConfig,
    /// The flight recorder (`[recorder]`).
    #[serde(default)]
    pub recorder: RecorderConfig,
    /// The team's journal in PostgreSQL (`[journal]`).
    #[serde(default)]
    pub journal: JournalConfig,
    /// Where follow-ups are filed as issues (`[tracker]`).
    pub tracker: Option<crate::tracker::TrackerConfig>,
}

/// Where incidents are kept when a war room spans several machines: `[journal] address =
/// "postgres://ic@db.example/warroom"`. This machine's files are then the local copies.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JournalConfig {
    /// A PostgreSQL connection string; `sslmode=require&sslrootcert=FILE` for TLS. Absent: the
    /// journals are files on this machine only.
    pub address: Option<String>,
    /// A file whose first line is the password, when the address has none (else
    /// `$WARROOM_JOURNAL_PASSWORD`).
    pub password_file: Option<PathBuf>,
}

/// The flight recorder: whether consoles keep one, how far back its window reaches, and the
/// names whose values it never records.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecorderConfig {
    /// Whether the console records the cluster it follows (`warroom record` and `warroom
    /// watch` always do).
    #[serde(default = "yes")]
    pub console: bool,
    /// How far back the window kept before an incident reaches, e.g. `2h`.
    pub window: Option<String>,
    /// Regular expressions over the names of annotations, labels, environment variables and
    /// ConfigMap keys whose values are recorded as `<redacted>` (default: names with password,
    /// secret, token, api key, credential or private key in them). Secrets are never recorded.
    pub redact: Option<Vec<String>>,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        RecorderConfig {
            console: true,
            window: None,
            redact: None,
        }
    }
}

/// The detector: whether consoles run it, how long a deviation must hold before it is filed,
/// and how far outside its band a value must be.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DetectionConfig {
    /// Whether the console runs the detector (turn it off where `warroom watch` runs for the team).
    #[serde(default = "yes")]
    pub console: bool,
    /// How long a deviation must last before it is filed, e.g. `3m`.
    pub hold: Option<String>,
    /// Robust standard deviations from the median that count as outside (default 4; lower is
    /// more sensitive).
    pub sensitivity: Option<f64>,
}

impl Default for DetectionConfig {
    fn default() -> Self {
        DetectionConfig {
            console: true,
            hold: None,
            sensitivity: None,
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PanelConfig {
    pub name: String,
    /// PromQL with `$service` and `$namespace` inside quoted label values.
    pub query: String,
    #[serde(default)]
    pub unit: crate::observe::panels::Unit,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SloConfig {
    /// e.g. 0.999.
    pub objective: Option<f64>,
    /// The error ratio over `$window` (default: 5xx over all of `http_requests_total`).
    pub error_ratio: Option<String>,
}

/// A service whose golden signals are followed.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    pub name: String,
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Its SLO objective (over `[slo].objective`), e.g. 0.999.
    pub slo: Option<f64>,
}

fn default_namespace() -> String {
    "default".into()
}

/// How the console looks: `[console] theme = "light"`, `keymap = "vim"`, `color = "256"`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    pub theme: Option<String>,
    pub keymap: Option<String>,
    pub color: Option<crate::theme::ColorDepth>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct You {
    /// The name written on everything you do (else user@host).
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityConfig {
    pub definition: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    pub name: String,
    /// Kubeconfig context (default: the cluster's name).
    pub context: Option<String>,
    pub kubeconfig: Option<PathBuf>,
    pub prometheus: Option<Endpoint>,
    pub alertmanager: Option<Endpoint>,
    /// Services whose golden signals the console follows.
    #[serde(default)]
    pub services: Vec<ServiceConfig>,
    /// How often Prometheus and Alertmanager are polled, e.g. `15s`.
    pub poll_interval: Option<String>,
}

impl ClusterConfig {
    /// The poll interval (default 15s).
    pub fn poll_interval(&self) -> std::time::Duration {
        self.poll_interval
            .as_deref()
            .and_then(|t| warroom_files::Duration::parse(t).ok())
            .filter(|d| d.millis > 0)
            .map_or(std::time::Duration::from_secs(15), |d| {
                std::time::Duration::from_millis(d.millis as u64)
            })
    }
}

/// Where the config file is looked for.
/// The JSON Schema of the config file (`warroom schema config`, `schemas/config.schema.json`).
pub fn json_schema() -> serde_json::Value {
    warroom_files::shape::schema::<Config>()
}

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

use warroom_files::FileError;
pub use warroom_files::FileErrors as ConfigError;

/// Where a string value is written: as is, as a TOML basic string (escaped), else where
/// `fallback` is.
fn locate_value(text: &str, value: &str, fallback: &str) -> (usize, usize) {
    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
    for needle in [value, escaped.as_str(), fallback] {
        if let Some(i) = text.find(needle) {
            return warroom_files::toml::line_col(text, i);
        }
    }
    (1, 1)
}

impl Config {
    /// Loads the config file; a missing file gives the defaults.
    pub fn load() -> Result<Config, ConfigError> {
        let p = path();
        if !p.exists() {
            return Ok(Config::default());
        }
        Config::parse(&p, &warroom_files::read(&p)?)
    }

    pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
        let config: Config = warroom_files::toml::parse(file, text)?;
        let problems = config.check(&file.display().to_string(), text);
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(warroom_files::FileErrors(problems))
        }
    }

    /// Every problem parsing cannot see, each at its own place.
    fn check(&self, file: &str, text: &str) -> Vec<FileError> {
        let mut problems = Vec::new();
        let err = |needle: &str, key: String, message: String| FileError::at(file, text, needle, &key, message);
        for (name, s) in &self.severities {
            if name.parse::<Severity>().is_err() {
                problems.push(err(
                    name,
                    format!("severities.{name}"),
                    "unknown severity (use sev1, sev2, sev3 or sev4)".into(),
                ));
            }
            if s.definition.trim().is_empty() {
                problems.push(err(
                    name,
                    format!("severities.{name}.definition"),
                    "must not be empty".into(),
                ));
            }
        }
        if let Some(address) = &self.journal.address
            && let Err(e) = crate::postgres::Target::parse(address, None)
        {
            problems.push(err(address, "journal.address".into(), e.to_string()));
        }
        for (i, c) in self.clusters.iter().enumerate() {
            for (what, e) in [("prometheus", &c.prometheus), ("alertmanager", &c.alertmanager)] {
                let Some(e) = e else { continue };
                if crate::http::http_url(&e.url).is_none() {
                    problems.push(err(
                        &e.url,
                        format!("clusters[{i}].{what}.url"),
                        format!("{:?} is not an http(s) URL", e.url),
                    ));
                }
                if let Some(t) = &e.timeout
                    && warroom_files::Duration::parse(t).is_err()
                {
                    problems.push(err(
                        t,
                        format!("clusters[{i}].{what}.timeout"),
                        format!("{t:?} is not a duration such as 10s"),
                    ));
                }
                let bearer = e.bearer_token_env.is_some() || e.bearer_token_file.is_some();
                let user = e.username.is_some() || e.username_env.is_some();
                let password = e.password_env.is_some() || e.password_file.is_some();
                let problem = if bearer && (user || password) {
                    Some(("bearer_token_env", "use either a bearer token or basic auth, not both"))
                } else if password && !user {
                    Some(("password_env", "a password needs a username (username or username_env)"))
                } else if user && !password {
                    Some((
                        "username",
                        "basic auth needs a password (password_env or password_file)",
                    ))
                } else {
                    None
                };
                if let Some((key, message)) = problem {
                    problems.push(err(&e.url, format!("clusters[{i}].{what}.{key}"), message.into()));
                }
            }
            if let Some(t) = &c.poll_interval
                && !warroom_files::Duration::parse(t).is_ok_and(|d| d.millis > 0)
            {
                problems.push(err(
                    t,
                    format!("clusters[{i}].poll_interval"),
                    format!("{t:?} is not a duration such as 15s"),
                ));
            }
            for (j, s) in c.services.iter().enumerate() {
                if s.name.trim().is_empty() {
                    problems.push(err(
                        "services",
                        format!("clusters[{i}].services[{j}].name"),
                        "must not be empty".into(),
                    ));
                }
                if let Some(o) = s.slo
                    && !(o > 0.0 && o < 1.0)
                {
                    problems.push(err(
                        &s.name,
                        format!("clusters[{i}].services[{j}].slo"),
                        format!("{o} is not an objective between 0 and 1, such as 0.999"),
                    ));
                }
            }
        }
        for (i, p) in self.panel_configs.iter().enumerate() {
            if let Err(e) = crate::observe::panels::check(&p.query, false) {
                let (line, column) = locate_value(text, &p.query, &p.name);
                problems.push(FileError {
                    file: file.to_string(),
                    line,
                    column,
                    path: format!("panels[{i}].query"),
                    message: e.message,
                });
            }
        }
        if let Some(slo) = &self.slo {
            if let Some(o) = slo.objective
                && !(o > 0.0 && o < 1.0)
            {
                problems.push(err(
                    "objective",
                    "slo.objective".into(),
                    format!("{o} is not an objective between 0 and 1, such as 0.999"),
                ));
            }
            if let Some(q) = &slo.error_ratio
                && let Err(e) = crate::observe::panels::check(q, true)
            {
                let (line, column) = locate_value(text, q, "error_ratio");
                problems.push(FileError {
                    file: file.to_string(),
                    line,
                    column,
                    path: "slo.error_ratio".into(),
                    message: e.message,
                });
            }
        }
        if let Err(b) = crate::comms::channel::channels(&self.channels) {
            problems.push(err(&b.near, b.key, b.message));
        }
        if let Err(b) = crate::comms::cadence::Cadence::from_config(&self.cadence) {
            problems.push(err(&b.near, b.key, b.message));
        }
        let d = &self.detection;
        if let Some(h) = &d.hold
            && !warroom_files::Duration::parse(h).is_ok_and(|d| d.millis > 0)
        {
            problems.push(err(
                h,
                "detection.hold".into(),
                format!("{h:?} is not a duration such as 3m"),
            ));
        }
        if let Some(k) = d.sensitivity
            && !(k.is_finite() && k > 0.0)
        {
            problems.push(err(
                "sensitivity",
                "detection.sensitivity".into(),
                format!("{k} is not a positive number of deviations, such as 4"),
            ));
        }
        let r = &self.recorder;
        if let Some(w) = &r.window
            && !warroom_files::Duration::parse(w).is_ok_and(|d| d.millis >= 60_000)
        {
            problems.push(err(
                w,
                "recorder.window".into(),
                format!("{w:?} is not a duration of a minute or more, such as 2h"),
            ));
        }
        for (i, p) in r.redact.iter().flatten().enumerate() {
            if let Err(e) = crate::flight::redaction::Redaction::new(&[p]) {
                problems.push(err(p, format!("recorder.redact[{i}]"), e));
            }
        }
        if let Some(t) = &self.tracker {
            if crate::http::http_url(&t.url).is_none() {
                problems.push(err(
                    &t.url,
                    "tracker.url".into(),
                    format!("{:?} is not an http(s) URL", t.url),
                ));
            }
            if t.kind == crate::tracker::TrackerKind::Jira && t.project.as_deref().is_none_or(|p| p.trim().is_empty()) {
                problems.push(err(
                    "[tracker]",
                    "tracker.project".into(),
                    "a Jira tracker needs the project key its issues go to, e.g. project = \"OPS\"".into(),
                ));
            }
            if t.token_env.is_some() && t.token_file.is_some() {
                problems.push(err(
                    "token_file",
                    "tracker.token_file".into(),
                    "give the token once: token_env or token_file".into(),
                ));
            }
        }
        problems.sort_by_key(|e| (e.line, e.column));
        problems
    }

    /// The flight recorder's settings: the config's over the defaults.
    pub fn recorder(&self) -> crate::flight::recorder::Settings {
        let mut s = crate::flight::recorder::Settings::default();
        if let Some(w) = self
            .recorder
            .window
            .as_deref()
            .and_then(|w| warroom_files::Duration::parse(w).ok())
        {
            s.window_ms = w.millis;
        }
        if let Some(r) = self
            .recorder
            .redact
            .as_deref()
            .and_then(|p| crate::flight::redaction::Redaction::new(p).ok())
        {
            s.redaction = r;
        }
        s
    }

    /// The team's journal database: `flag` (`--journal`), else `$WARROOM_JOURNAL`, else
    /// `[journal] address`; none means files on this machine only.
    pub fn journal_target(
        &self,
        flag: Option<&str>,
    ) -> Result<Option<crate::postgres::Target>, crate::postgres::DbError> {
        let from_env = std::env::var("WARROOM_JOURNAL").ok().filter(|a| !a.is_empty());
        flag.or(from_env.as_deref())
            .or(self.journal.address.as_deref())
            .map(|address| crate::postgres::Target::parse(address, self.journal.password_file.as_deref()))
            .transpose()
    }

    /// The detector's settings: the config's over the defaults.
    pub fn detection(&self) -> crate::detect::detector::Settings {
        let mut s = crate::detect::detector::Settings::default();
        if let Some(h) = self
            .detection
            .hold
            .as_deref()
            .and_then(|h| warroom_files::Duration::parse(h).ok())
        {
            s.hold = h.millis / 1000;
        }
        if let Some(k) = self.detection.sensitivity {
            s.sensitivity = k;
        }
        s
    }

    /// The configured panels.
    pub fn panels(&self) -> Vec<crate::observe::panels::Panel> {
        self.panel_configs
            .iter()
            .map(|p| crate::observe::panels::Panel::new(&p.name, &p.query, p.unit))
            .collect()
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

    /// The configured channels (a config that loaded has valid ones).
    pub fn status_channels(&self) -> Vec<crate::comms::channel::Channel> {
        crate::comms::channel::channels(&self.channels).unwrap_or_default()
    }

    /// The configured cadence over the defaults.
    pub fn status_cadence(&self) -> crate::comms::cadence::Cadence {
        crate::comms::cadence::Cadence::from_config(&self.cadence).unwrap_or_default()
    }

    /// What to poll for one configured cluster: its services, the golden signals with the
    /// configured panels over them.
    /// What to poll for `cluster` (none: a cluster the config does not name, whose busiest
    /// services are followed; so are they when it names none).
    pub fn plan(&self, cluster: Option<&ClusterConfig>) -> crate::observe::follow::Plan {
        use crate::observe::follow::{Followed, Plan};
        use crate::observe::panels::{self, Target};
        let slo = self.slo.clone().unwrap_or_default();
        let services: Vec<Followed> = cluster
            .into_iter()
            .flat_map(|c| &c.services)
            .map(|s| Followed {
                target: Target {
                    namespace: s.namespace.clone(),
                    service: s.name.clone(),
                },
                objective: s.slo.or(slo.objective),
            })
            .collect();
        Plan {
            find_services: services.is_empty(),
            services,
            objective: slo.objective,
            panels: panels::with_overrides(&self.panels()),
            slo_error_ratio: slo.error_ratio.unwrap_or_else(|| panels::SLO_ERROR_RATIO.into()),
            interval: cluster.map_or(std::time::Duration::from_secs(15), ClusterConfig::poll_interval),
            ..Plan::default()
        }
    }
}

/// Who is acting: `$WARROOM_ACTOR`, else the config's `[you] name`, else user@host.
pub fn actor() -> Actor {
    if let Ok(name) = std::env::var("WARROOM_ACTOR")
        && !name.trim().is_empty()
    {
        return Actor::named(name.trim());
    }
    // Commands load (and so check) the config before they act; here it only supplies a name.
    if let Some(name) = Config::load().ok().and_then(|c| c.you.name)
        && !name.trim().is_empty()
    {
        return Actor::named(name.trim());
    }
    // Containers and tmux started by a service often have no USER: the account name then.
    let user = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.name)
        })
        .unwrap_or_else(|| format!("uid{}", nix::unistd::getuid()));
    let host = hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    Actor::named(format!("{user}@{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_plan_takes_services_panels_and_slo_from_config() {
        let c = Config::parse(
            std::path::Path::new("config.toml"),
            "[slo]\nobjective = 0.99\n\n[[clusters]]\nname = \"prod\"\npoll_interval = \"30s\"\nservices = [{ name = \"checkout\", namespace = \"shop\", slo = 0.999 }, { name = \"cart\", namespace = \"shop\" }]\n\n[[panels]]\nname = \"latency_p99\"\nquery = 'histogram_quantile(0.99, sum by (le) (rate(rpc_seconds_bucket{service=\"$service\"}[1m])))'\nunit = \"seconds\"\n",
        )
        .expect("config");
        let plan = c.plan(Some(&c.clusters[0]));
        assert_eq!(plan.interval, std::time::Duration::from_secs(30));
        assert!(!plan.find_services);
        assert_eq!(
            plan.services
                .iter()
                .map(|s| (s.target.service.as_str(), s.objective))
                .collect::<Vec<_>>(),
            [("checkout", Some(0.999)), ("cart", Some(0.99))]
        );
        assert_eq!(plan.panels.len(), 4);
        assert!(plan.panels[2].template.contains("rpc_seconds_bucket"));
        assert_eq!(plan.slo_error_ratio, crate::observe::panels::SLO_ERROR_RATIO);
        // A cluster the config does not name: its busiest services, with the default objective.
        let unnamed = c.plan(None);
        assert!(unnamed.services.is_empty() && unnamed.find_services);
        assert_eq!(unnamed.objective, Some(0.99));
        assert_eq!(unnamed.interval, std::time::Duration::from_secs(15));
    }

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
    fn a_journal_address_that_is_no_connection_string_is_named_where_it_is() {
        let e = parse("[you]\nname = \"Alice\"\n\n[journal]\naddress = \"postgres://ic:pw@db/war?sslmode=require\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("config.toml:5:"), "{e}");
        assert!(e.contains("journal.address"), "{e}");
        assert!(e.contains("sslmode=require needs sslrootcert=FILE"), "{e}");
        assert!(!e.contains(":pw@"), "the password is never shown: {e}");
        let c = parse("[journal]\naddress = \"postgres://ic@db:5433/war\"\n").expect("config");
        let target = c.journal_target(None).expect("target").expect("set");
        assert_eq!(target.shown(), "postgres://ic@db:5433/war");
        let flag = c
            .journal_target(Some("postgres://other@db2/x"))
            .expect("target")
            .expect("set");
        assert_eq!(flag.shown(), "postgres://other@db2:5432/x");
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

    /// The schema that places every problem after the first accepts the full example config.
    #[test]
    fn the_schema_accepts_the_full_config() {
        let text = include_str!("../tests/fixtures/config/full.toml");
        parse(text).expect("valid");
        let problems = warroom_files::shape::toml_problems::<Config>("full.toml", text);
        assert!(problems.is_empty(), "{}", warroom_files::FileErrors(problems));
    }

    #[test]
    fn every_problem_in_a_config_is_reported_on_its_own_line() {
        // Two shape problems (serde alone stops at the first) and two found after parsing.
        let text = "[you]\nnmae = \"x\"\n[console]\ntheme = 3\n[severities.sev9]\ndefinition = \"x\"\n[severities.sev1]\ndefinition = \" \"\n";
        let shape = parse(text).unwrap_err();
        let at: Vec<(usize, &str)> = shape.0.iter().map(|e| (e.line, e.path.as_str())).collect();
        assert_eq!(at, [(2, "you.nmae"), (4, "console.theme")], "{shape}");
        let text =
            "[severities.sev9]\ndefinition = \"x\"\n[severities.sev1]\ndefinition = \" \"\n[slo]\nobjective = 2.0\n";
        let after = parse(text).unwrap_err();
        let at: Vec<&str> = after.0.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            at,
            ["severities.sev9", "severities.sev1.definition", "slo.objective"],
            "{after}"
        );
        assert!(after.0.windows(2).all(|w| w[0].line <= w[1].line), "{after}");
    }

    #[test]
    fn the_detector_is_set_from_the_config_and_bad_values_are_placed() {
        let c = parse("[detection]\nconsole = false\nhold = \"5m\"\nsensitivity = 3.5\n").unwrap();
        assert!(!c.detection.console);
        let s = c.detection();
        assert_eq!((s.hold, s.sensitivity), (300, 3.5));
        let defaults = parse("").unwrap();
        assert!(defaults.detection.console);
        assert_eq!(defaults.detection(), crate::detect::detector::Settings::default());
        let r = parse("[recorder]\nwindow = \"30m\"\nredact = [\"^internal-\"]\n")
            .unwrap()
            .recorder();
        assert_eq!(r.window_ms, 30 * 60 * 1000);
        assert_eq!(Config::default().recorder().window_ms, 2 * 3600 * 1000);
        let bad = parse("[recorder]\nwindow = \"5s\"\nredact = [\"ok\", \"(open\"]\n").unwrap_err();
        let at: Vec<(usize, &str)> = bad.0.iter().map(|e| (e.line, e.path.as_str())).collect();
        assert_eq!(at, [(2, "recorder.window"), (3, "recorder.redact[1]")], "{bad}");
        let bad = parse("[detection]\nhold = \"soon\"\nsensitivity = -1\n").unwrap_err();
        let at: Vec<(usize, &str)> = bad.0.iter().map(|e| (e.line, e.path.as_str())).collect();
        assert_eq!(at, [(2, "detection.hold"), (3, "detection.sensitivity")], "{bad}");
    }

    #[test]
    fn panels_services_and_auth_load() {
        let c = parse(
            "[[clusters]]\nname = \"prod\"\npoll_interval = \"5s\"\nservices = [{ name = \"checkout\", namespace = \"shop\", slo = 0.999 }, { name = \"cart\" }]\nprometheus = { url = \"https://prom:9090\", username = \"alice\", password_env = \"PROM_PASSWORD\" }\n\n[[panels]]\nname = \"errors\"\nquery = 'sum(rate(errors_total{service=\"$service\"}[5m]))'\nunit = \"ratio\"\n\n[slo]\nobjective = 0.995\n",
        )
        .unwrap();
        let cluster = &c.clusters[0];
        assert_eq!(cluster.poll_interval(), std::time::Duration::from_secs(5));
        assert_eq!(cluster.services[1].namespace, "default");
        assert_eq!(cluster.services[0].slo, Some(0.999));
        assert_eq!(c.panels()[0].unit, crate::observe::panels::Unit::Ratio);
        assert_eq!(c.slo.as_ref().and_then(|s| s.objective), Some(0.995));
    }

    #[test]
    fn bad_panels_services_and_auth_name_the_key() {
        let e = parse("[[panels]]\nname = \"x\"\nquery = 'up{service=$service}'\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("config.toml:3:")
                && e.contains("panels[0].query: $service must be inside a quoted label value"),
            "{e}"
        );
        let e = parse("[[panels]]\nname = \"x\"\nquery = \"sum(rate(up{service=\\\"$service\\\"}[5m]\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("config.toml:3:10: panels[0].query: not valid PromQL"),
            "{e}"
        );
        let e = parse("[[panels]]\nname = \"x\"\nquery = \"up\"\nunit = \"parsecs\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("config.toml:4:8: panels[0].unit: unknown variant `parsecs`"),
            "{e}"
        );
        let e = parse("[[clusters]]\nname = \"p\"\nservices = [{ name = \"checkout\", slo = 99.9 }]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("config.toml:3:") && e.contains("clusters[0].services[0].slo: 99.9 is not an objective"),
            "{e}"
        );
        let e = parse("[[clusters]]\nname = \"p\"\n\n[clusters.alertmanager]\nurl = \"http://am:9093\"\npassword_file = \"/run/pw\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("config.toml:5:")
                && e.contains("clusters[0].alertmanager.password_env: a password needs a username"),
            "{e}"
        );
        let e = parse("[[clusters]]\nname = \"p\"\nprometheus = { url = \"http://p\", bearer_token_env = \"T\", username = \"u\", password_env = \"P\" }\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("clusters[0].prometheus.bearer_token_env: use either a bearer token or basic auth"),
            "{e}"
        );
        let e = parse("[[clusters]]\nname = \"p\"\npoll_interval = \"soon\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("config.toml:3:") && e.contains("clusters[0].poll_interval"),
            "{e}"
        );
        let e = parse("[slo]\nobjective = 0.999\nerror_ratio = 'rate(x{service=\"$service\",w=\"$window\"}[5m])'\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("config.toml:3:")
                && e.contains("slo.error_ratio: $window is a duration and must not be quoted"),
            "{e}"
        );
    }
}
