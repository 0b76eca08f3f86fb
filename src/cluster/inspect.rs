//! Reading one object in full for the console's inspect view: the object as the API server
//! serves it and the events about it, made into describe, YAML or events text
//! (`describe.rs`). The health model keeps compact rows only, so this asks the server each
//! time a view is opened.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use kube::api::{Api, ListParams};
use serde_json::Value;

use super::rows::OwnerKind;
use crate::text::CleanText;

/// The kinds an object can be inspected as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Node,
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Node => "Node",
            Kind::Pod => "Pod",
            Kind::Deployment => "Deployment",
            Kind::StatefulSet => "StatefulSet",
            Kind::DaemonSet => "DaemonSet",
        }
    }

    /// The workload kind a pod owner names (`Other` owners cannot be inspected here).
    pub fn of_owner(kind: OwnerKind) -> Option<Kind> {
        match kind {
            OwnerKind::Deployment => Some(Kind::Deployment),
            OwnerKind::StatefulSet => Some(Kind::StatefulSet),
            OwnerKind::DaemonSet => Some(Kind::DaemonSet),
            OwnerKind::Other => None,
        }
    }

    /// The kind an event's `involvedObject` names, written `pod`, `Pod` or `deployment`.
    pub fn of_event_object(kind: &str) -> Option<Kind> {
        Some(match kind.to_ascii_lowercase().as_str() {
            "node" => Kind::Node,
            "pod" => Kind::Pod,
            "deployment" => Kind::Deployment,
            "statefulset" => Kind::StatefulSet,
            "daemonset" => Kind::DaemonSet,
            _ => return None,
        })
    }
}

/// One object: its kind, namespace (empty for a node) and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub kind: Kind,
    pub namespace: CleanText,
    pub name: CleanText,
}

impl Target {
    /// The object a `Display`ed target names (`pod shop/web-1`, `node/n1`), as evidence
    /// entries write their subject.
    pub fn parse(text: &str) -> Option<Target> {
        let (kind, rest) = match text.split_once(' ') {
            Some((kind, rest)) => (kind, rest),
            None => text.split_once('/')?,
        };
        let kind = Kind::of_event_object(kind)?;
        let (namespace, name) = match (kind, rest.split_once('/')) {
            (Kind::Node, _) => ("", rest),
            (_, Some(split)) => split,
            (_, None) => return None,
        };
        (!name.is_empty()).then(|| Target {
            kind,
            namespace: CleanText::line(namespace),
            name: CleanText::line(name),
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = self.kind.name().to_lowercase();
        if self.namespace.is_empty() {
            write!(f, "{kind}/{}", self.name)
        } else {
            write!(f, "{kind} {}/{}", self.namespace, self.name)
        }
    }
}

/// What the inspect view shows of its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Describe,
    Yaml,
    Events,
    /// What evidence kept of it, read from beside the journal (not from the API server).
    Evidence,
}

impl View {
    pub fn name(self) -> &'static str {
        match self {
            View::Describe => "describe",
            View::Yaml => "yaml",
            View::Events => "events",
            View::Evidence => "evidence of",
        }
    }
}

async fn get<K>(api: Api<K>, name: &str) -> Result<Value, String>
where
    K: kube::Resource<DynamicType = ()> + Clone + serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug,
{
    let object = api.get(name).await.map_err(|e| crate::http::causes(&e))?;
    let mut v = serde_json::to_value(object).map_err(|e| e.to_string())?;
    // Typed objects lose their type on the way in; put it back as the server wrote it.
    if let Some(o) = v.as_object_mut() {
        o.insert("kind".into(), Value::String(K::kind(&()).to_string()));
        o.insert("apiVersion".into(), Value::String(K::api_version(&()).to_string()));
    }
    Ok(v)
}

pub(super) async fn object(client: kube::Client, t: &Target) -> Result<Value, String> {
    let (ns, name) = (t.namespace.as_str(), t.name.as_str());
    match t.kind {
        Kind::Node => get(Api::<Node>::all(client), name).await,
        Kind::Pod => get(Api::<Pod>::namespaced(client, ns), name).await,
        Kind::Deployment => get(Api::<Deployment>::namespaced(client, ns), name).await,
        Kind::StatefulSet => get(Api::<StatefulSet>::namespaced(client, ns), name).await,
        Kind::DaemonSet => get(Api::<DaemonSet>::namespaced(client, ns), name).await,
    }
}

/// The events whose `involvedObject` is the target (a node's are in any namespace).
pub(super) async fn events_about(client: kube::Client, t: &Target) -> Result<Vec<Value>, String> {
    let api: Api<Event> = if t.namespace.is_empty() {
        Api::all(client)
    } else {
        Api::namespaced(client, &t.namespace)
    };
    let selector = format!("involvedObject.kind={},involvedObject.name={}", t.kind.name(), t.name);
    let list = api
        .list(&ListParams::default().fields(&selector))
        .await
        .map_err(|e| crate::http::causes(&e))?;
    Ok(list.items.iter().filter_map(|e| serde_json::to_value(e).ok()).collect())
}

/// The lines of `view` for `target`; `now` is the clock the cluster's times are on (the
/// drill's virtual clock in a drill).
pub async fn fetch(client: kube::Client, target: &Target, view: View, now: i64) -> Result<Vec<CleanText>, CleanText> {
    let failed = |e: String| CleanText::line(&format!("cannot read {target}: {e}"));
    Ok(match view {
        View::Yaml => super::describe::yaml(&object(client, target).await.map_err(failed)?),
        View::Events => super::describe::events(&events_about(client, target).await.map_err(failed)?, now),
        View::Describe => {
            let o = object(client.clone(), target).await.map_err(failed)?;
            let events = events_about(client, target).await;
            super::describe::describe(&o, events.as_deref().map_err(String::as_str), now)
        }
        View::Evidence => return Err(CleanText::line("evidence is read from beside the journal")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_read_back_from_how_it_is_written() {
        for (kind, namespace, name) in [
            (Kind::Pod, "shop", "web-1"),
            (Kind::Node, "", "node-1"),
            (Kind::Deployment, "shop", "checkout"),
        ] {
            let t = Target {
                kind,
                namespace: CleanText::line(namespace),
                name: CleanText::line(name),
            };
            assert_eq!(Target::parse(&t.to_string()), Some(t.clone()), "{t}");
        }
        for bad in ["", "pod shop", "secret shop/x", "pod shop/"] {
            assert_eq!(Target::parse(bad), None, "{bad:?}");
        }
    }
}
