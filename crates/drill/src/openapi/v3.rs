//! The drill cluster's OpenAPI v3 documents, as `kubectl explain` and kubectl's field
//! validation read them: `GET /openapi/v3` lists one document per group-version, and each holds
//! the paths and operations of the v2 document (with their group-version-kind) and the schemas
//! of its kinds, from k8s-openapi's types, each kind's marked with its group-version-kind as a
//! real API server marks them. Built once, the first time asked.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{ACTION_EXTENSION, GVK_EXTENSION, Gvk, Method, PathEntry, SUBRESOURCES, path_entries};
use crate::kind_types::{WithType, with_type};
use crate::kinds::{self, ResourceKind};

/// The index and the documents, by the path the index gives them (`apis/apps/v1`).
pub struct Documents {
    pub index: Vec<u8>,
    pub by_group_version: BTreeMap<String, Vec<u8>>,
}

/// The drill's documents.
pub fn documents() -> &'static Documents {
    static DOCUMENTS: OnceLock<Documents> = OnceLock::new();
    DOCUMENTS.get_or_init(|| {
        let served: Vec<ResourceKind> = kinds::ALL.iter().chain([&kinds::AUTOSCALERS_V1]).copied().collect();
        build(&served)
    })
}

fn build(served: &[ResourceKind]) -> Documents {
    let mut groups: BTreeMap<String, Vec<ResourceKind>> = BTreeMap::new();
    for kind in served {
        let path = kind.group_version_path().trim_start_matches('/').to_string();
        groups.entry(path).or_default().push(*kind);
    }
    let mut index = Map::new();
    let mut by_group_version = BTreeMap::new();
    for (path, kinds) in groups {
        let document = serde_json::to_vec(&document(&kinds)).expect("a JSON value serializes");
        let hash = hex::encode_upper(Sha256::digest(&document));
        index.insert(
            path.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={hash}")}),
        );
        by_group_version.insert(path, document);
    }
    Documents {
        index: serde_json::to_vec(&json!({"paths": index})).expect("a JSON value serializes"),
        by_group_version,
    }
}

/// Registers a kind's type with the generator; its schema's name.
struct Register<'a>(&'a mut SchemaGenerator);

impl WithType for Register<'_> {
    type Out = String;
    fn with<T: serde::de::DeserializeOwned + schemars::JsonSchema>(self) -> String {
        self.0.subschema_for::<T>();
        T::schema_name().into_owned()
    }
}

/// One group-version's document: its kinds' paths, and their schemas with what they use.
fn document(kinds: &[ResourceKind]) -> Value {
    // References under `#/components/schemas/`; a reference with a description beside it is
    // wrapped in `allOf`, as Kubernetes writes them.
    let mut generator = SchemaSettings::openapi3().into_generator();
    let mut named: Vec<(String, Gvk)> = Vec::new();
    let mut add = |kind: &ResourceKind, gvk: Gvk| {
        if let Some(name) = with_type(kind, Register(&mut generator)) {
            named.push((name, gvk));
        }
    };
    for kind in kinds {
        add(kind, Gvk::of(kind));
        // A subresource's kind (a Deployment's Scale, a Pod's Eviction) is described where it
        // is served.
        for sub in SUBRESOURCES
            .iter()
            .filter(|s| s.parent_group == kind.group && s.parent_plural == kind.plural)
        {
            let of = ResourceKind {
                group: sub.gvk.group,
                version: sub.gvk.version,
                kind: sub.gvk.kind,
                ..*kind
            };
            add(&of, sub.gvk);
        }
    }
    let mut schemas = generator.take_definitions(true);
    for (name, gvk) in named {
        if let Some(Value::Object(schema)) = schemas.get_mut(&name) {
            schema.insert(GVK_EXTENSION.into(), json!([gvk.json()]));
        }
    }
    let paths: Map<String, Value> = path_entries(kinds).iter().map(path_item).collect();
    json!({
        "openapi": "3.0.0",
        "info": {"title": "warroom drill cluster", "version": "v1"},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

/// One path with its operations.
fn path_item(entry: &PathEntry) -> (String, Value) {
    let mut item = Map::new();
    let parameters: Vec<Value> = entry
        .path_params
        .iter()
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "uniqueItems": true}}))
        .collect();
    item.insert("parameters".into(), parameters.into());
    for op in &entry.ops {
        let method = match op.method {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Patch => "patch",
        };
        let (code, description) = match op.method {
            Method::Post => ("201", "Created"),
            _ => ("200", "OK"),
        };
        let query: Vec<Value> = op
            .query
            .iter()
            .map(|(name, ty)| json!({"name": name, "in": "query", "schema": {"type": ty, "uniqueItems": true}}))
            .collect();
        item.insert(
            method.into(),
            json!({
                "operationId": op.id,
                "parameters": query,
                "responses": {code: {"description": description}},
                ACTION_EXTENSION: op.action,
                GVK_EXTENSION: op.gvk.json(),
            }),
        );
    }
    (entry.path.clone(), Value::Object(item))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document_of(path: &str) -> Value {
        serde_json::from_slice(&documents().by_group_version[path]).expect("JSON")
    }

    #[test]
    fn the_index_names_a_document_for_every_group_version_served() {
        let index: Value = serde_json::from_slice(&documents().index).expect("JSON");
        for kind in kinds::ALL.iter().chain([&kinds::AUTOSCALERS_V1]) {
            let path = kind.group_version_path().trim_start_matches('/').to_string();
            let url = index["paths"][&path]["serverRelativeURL"].as_str().unwrap_or_default();
            assert!(url.starts_with(&format!("/openapi/v3/{path}?hash=")), "{path}: {url}");
            let schemas = &document_of(&path)["components"]["schemas"];
            let marked = schemas.as_object().expect("schemas").values().any(|s| {
                s[GVK_EXTENSION].as_array().is_some_and(|gvks| {
                    gvks.iter()
                        .any(|g| g["kind"] == kind.kind && g["version"] == kind.version)
                })
            });
            assert!(marked, "no schema in {path} is marked as {}", kind.kind);
        }
    }

    #[test]
    fn a_kinds_schema_reaches_its_fields_through_references_with_their_descriptions() {
        let apps = document_of("apis/apps/v1");
        let schemas = &apps["components"]["schemas"];
        let deployment = &schemas["io.k8s.api.apps.v1.Deployment"];
        assert_eq!(
            deployment[GVK_EXTENSION],
            json!([{"group": "apps", "version": "v1", "kind": "Deployment"}])
        );
        let spec = &deployment["properties"]["spec"];
        assert_eq!(
            spec["allOf"][0]["$ref"], "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec",
            "{spec}"
        );
        assert!(
            spec["description"]
                .as_str()
                .is_some_and(|d| d.contains("desired behavior"))
        );
        let replicas = &schemas["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["replicas"];
        assert_eq!(
            (&replicas["type"], &replicas["format"]),
            (&json!("integer"), &json!("int32"))
        );
        assert!(
            schemas.get("io.k8s.api.autoscaling.v1.Scale").is_some(),
            "the scale subresource's kind"
        );
        let patch = &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(patch[GVK_EXTENSION]["kind"], "Deployment");
        assert!(
            patch["parameters"]
                .as_array()
                .expect("parameters")
                .iter()
                .any(|p| p["name"] == "fieldValidation"),
            "kubectl validates on the server when the PATCH says it can"
        );
    }
}
