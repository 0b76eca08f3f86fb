//! ConfigMaps as the kubelet reads them when it starts a container: a container with
//! `envFrom: configMapRef` gets the map's keys as its environment, read afresh at every start
//! (so a fixed map ends a crashloop at the next restart); a missing map stops the container
//! (CreateContainerConfigError), and a value the scenario says the app refuses crashes it. Also
//! the scenario's config pushes.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::control::build::{config_map_name, workload_kind};
use crate::kinds;
use crate::scenario::model::{ConfigFault, Crash};
use crate::scenario::quantity::Duration;
use crate::sim::Sim;

/// How long a container that dislikes its config runs before it exits.
const CONFIG_CRASH_AFTER_MS: i64 = 2000;

/// What a container finds when it reads its ConfigMaps.
#[derive(Debug, Clone)]
pub enum ConfigRead {
    /// Everything it needs is there.
    Fine,
    /// A map it names does not exist: the kubelet cannot create the container.
    Missing(String),
    /// A required key is missing or has another value: the app exits with this.
    Refused(Crash),
}

impl Sim {
    /// Reads the ConfigMaps the pod's first container takes its environment from, against
    /// what its workload's app requires.
    pub(crate) fn read_config(&self, ns: &str, pod: &Value, workload: Option<&str>) -> ConfigRead {
        let mut env: BTreeMap<String, String> = BTreeMap::new();
        let sources = pod
            .pointer("/spec/containers/0/envFrom")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for source in sources {
            let Some(name) = source.pointer("/configMapRef/name").and_then(Value::as_str) else {
                continue;
            };
            match self.get(&kinds::CONFIG_MAPS, ns, name) {
                Some(cm) => {
                    if let Some(data) = cm.value()["data"].as_object() {
                        for (k, v) in data {
                            env.insert(k.clone(), v.as_str().unwrap_or("").to_string());
                        }
                    }
                }
                None if source.pointer("/configMapRef/optional") == Some(&json!(true)) => {}
                None => return ConfigRead::Missing(name.to_string()),
            }
        }
        let Some(config) = workload
            .and_then(|w| self.workload_spec(w))
            .and_then(|s| s.config.as_ref())
        else {
            return ConfigRead::Fine;
        };
        for (key, wanted) in &config.requires {
            let found = env.get(key);
            if found != Some(wanted) {
                let said = match found {
                    Some(v) => format!("panic: config {key}={v:?} is not valid (want {wanted:?})"),
                    None => format!("panic: config key {key} not set"),
                };
                return ConfigRead::Refused(Crash {
                    after: Duration {
                        millis: CONFIG_CRASH_AFTER_MS,
                    },
                    exit_code: 2,
                    message: Some(config.message.clone().unwrap_or(said)),
                });
            }
        }
        ConfigRead::Fine
    }

    /// A scripted config push: the keys change, and the workload restarts if asked.
    pub(crate) fn push_config(&mut self, fault: &ConfigFault) {
        let Some(w) = self.workload_spec(&fault.workload).cloned() else {
            return;
        };
        self.modify(kinds::CONFIG_MAPS, &w.namespace, &config_map_name(&w), |cm| {
            if !cm["data"].is_object() {
                cm["data"] = json!({});
            }
            for (k, v) in &fault.set {
                match v {
                    Some(v) => cm["data"][k] = json!(v),
                    None => {
                        cm["data"].as_object_mut().map(|d| d.remove(k));
                    }
                }
            }
        });
        if fault.restart {
            let now = self.timestamp();
            self.modify(workload_kind(w.kind), &w.namespace, &w.name, |d| {
                d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] = json!(now);
            });
        }
    }
}
