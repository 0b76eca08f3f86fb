//! Each served kind's Kubernetes type (k8s-openapi's), for what reads a kind through its type:
//! the validation of writes and the OpenAPI v3 schemas `kubectl explain` reads. The one table
//! of which type a kind is.

use k8s_openapi::api::{
    apps::v1 as apps, autoscaling::v1 as autoscaling_v1, autoscaling::v2 as autoscaling, core::v1 as core,
    discovery::v1 as discovery, networking::v1 as net, policy::v1 as policy,
};

use crate::kinds::ResourceKind;

/// Something done with a kind's type.
pub trait WithType {
    type Out;
    fn with<T: serde::de::DeserializeOwned + schemars::JsonSchema>(self) -> Self::Out;
}

/// `job` done with the type of `kind` (matched by group, version and kind); None for a kind
/// without one here.
pub fn with_type<W: WithType>(kind: &ResourceKind, job: W) -> Option<W::Out> {
    Some(match (kind.group, kind.version, kind.kind) {
        ("", "v1", "Namespace") => job.with::<core::Namespace>(),
        ("", "v1", "Node") => job.with::<core::Node>(),
        ("", "v1", "Pod") => job.with::<core::Pod>(),
        ("", "v1", "Event") => job.with::<core::Event>(),
        ("", "v1", "Service") => job.with::<core::Service>(),
        ("", "v1", "Endpoints") => job.with::<core::Endpoints>(),
        ("", "v1", "ConfigMap") => job.with::<core::ConfigMap>(),
        ("", "v1", "Secret") => job.with::<core::Secret>(),
        ("discovery.k8s.io", "v1", "EndpointSlice") => job.with::<discovery::EndpointSlice>(),
        ("apps", "v1", "Deployment") => job.with::<apps::Deployment>(),
        ("apps", "v1", "ReplicaSet") => job.with::<apps::ReplicaSet>(),
        ("apps", "v1", "DaemonSet") => job.with::<apps::DaemonSet>(),
        ("apps", "v1", "StatefulSet") => job.with::<apps::StatefulSet>(),
        ("apps", "v1", "ControllerRevision") => job.with::<apps::ControllerRevision>(),
        ("policy", "v1", "PodDisruptionBudget") => job.with::<policy::PodDisruptionBudget>(),
        ("policy", "v1", "Eviction") => job.with::<policy::Eviction>(),
        ("networking.k8s.io", "v1", "NetworkPolicy") => job.with::<net::NetworkPolicy>(),
        ("networking.k8s.io", "v1", "Ingress") => job.with::<net::Ingress>(),
        ("autoscaling", "v2", "HorizontalPodAutoscaler") => job.with::<autoscaling::HorizontalPodAutoscaler>(),
        ("autoscaling", "v1", "HorizontalPodAutoscaler") => job.with::<autoscaling_v1::HorizontalPodAutoscaler>(),
        ("autoscaling", "v1", "Scale") => job.with::<autoscaling_v1::Scale>(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds;

    struct Named;
    impl WithType for Named {
        type Out = String;
        fn with<T: serde::de::DeserializeOwned + schemars::JsonSchema>(self) -> String {
            T::schema_name().into_owned()
        }
    }

    #[test]
    fn every_served_kind_has_its_own_type() {
        for kind in kinds::ALL.iter().chain([&kinds::AUTOSCALERS_V1]) {
            let name = with_type(kind, Named).unwrap_or_else(|| panic!("{} has no type", kind.kind));
            let group = match kind.group {
                "" => "core".to_string(),
                g => g.split('.').next().unwrap_or(g).to_string(),
            };
            assert!(
                name.ends_with(&format!("{group}.{}.{}", kind.version, kind.kind)),
                "{name} for {}",
                kind.api_version()
            );
        }
    }
}
