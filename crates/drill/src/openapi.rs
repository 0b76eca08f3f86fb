//! The drill cluster's paths and operations, and its OpenAPI v2 document (gnostic protobuf) for
//! `GET /openapi/v2`: kubectl downloads and parses it before `apply`/`create -f`, and kubectl
//! 1.20 checks each kind's PATCH operation for `dryRun` before `--dry-run=server`. The v3
//! documents, with the kinds' schemas, are `v3`'s.

pub mod v3;

use crate::kinds::ResourceKind;

/// Vendor extension kubectl matches operations to kinds by.
const GVK_EXTENSION: &str = "x-kubernetes-group-version-kind";
const ACTION_EXTENSION: &str = "x-kubernetes-action";

/// A subresource with its own operations and response kind.
struct Subresource {
    parent_group: &'static str,
    parent_plural: &'static str,
    name: &'static str,
    gvk: Gvk,
    verbs: &'static [&'static str],
}

const SUBRESOURCES: &[Subresource] = &[
    Subresource {
        parent_group: "apps",
        parent_plural: "deployments",
        name: "scale",
        gvk: Gvk {
            group: "autoscaling",
            version: "v1",
            kind: "Scale",
        },
        verbs: &["get", "patch", "update"],
    },
    Subresource {
        parent_group: "",
        parent_plural: "pods",
        name: "eviction",
        gvk: Gvk {
            group: "policy",
            version: "v1",
            kind: "Eviction",
        },
        verbs: &["create"],
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Gvk {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
}

impl Gvk {
    fn of(kind: &ResourceKind) -> Gvk {
        Gvk {
            group: kind.group,
            version: kind.version,
            kind: kind.kind,
        }
    }

    /// The extension value in a JSON document.
    fn json(&self) -> serde_json::Value {
        serde_json::json!({"group": self.group, "version": self.version, "kind": self.kind})
    }

    /// The extension value as the real apiserver writes it in protobuf: a YAML mapping.
    fn yaml(&self) -> String {
        let group = if self.group.is_empty() {
            "\"\"".to_string()
        } else {
            self.group.to_string()
        };
        format!("group: {group}\nkind: {}\nversion: {}\n", self.kind, self.version)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Put,
    Post,
    Delete,
    Patch,
}

impl Method {
    /// Field number of this operation in gnostic `PathItem`.
    fn path_item_field(self) -> u32 {
        match self {
            Method::Get => 2,
            Method::Put => 3,
            Method::Post => 4,
            Method::Delete => 5,
            Method::Patch => 8,
        }
    }
}

/// A query parameter: name and primitive type.
type Param = (&'static str, &'static str);

const CREATE_PARAMS: &[Param] = &[
    ("dryRun", "string"),
    ("fieldManager", "string"),
    ("fieldValidation", "string"),
];
const PATCH_PARAMS: &[Param] = &[
    ("dryRun", "string"),
    ("fieldManager", "string"),
    ("fieldValidation", "string"),
    ("force", "boolean"),
];
const DELETE_PARAMS: &[Param] = &[
    ("dryRun", "string"),
    ("gracePeriodSeconds", "integer"),
    ("propagationPolicy", "string"),
];
const DELETE_COLLECTION_PARAMS: &[Param] = &[
    ("dryRun", "string"),
    ("fieldSelector", "string"),
    ("labelSelector", "string"),
    ("gracePeriodSeconds", "integer"),
    ("propagationPolicy", "string"),
];
const LIST_PARAMS: &[Param] = &[
    ("fieldSelector", "string"),
    ("labelSelector", "string"),
    ("limit", "integer"),
    ("continue", "string"),
    ("resourceVersion", "string"),
    ("watch", "boolean"),
];
const READ_PARAMS: &[Param] = &[];

struct Operation {
    method: Method,
    /// `x-kubernetes-action`: get, list, post, put, patch, delete, deletecollection.
    action: &'static str,
    id: String,
    gvk: Gvk,
    query: &'static [Param],
}

struct PathEntry {
    path: String,
    path_params: Vec<&'static str>,
    ops: Vec<Operation>,
}

/// `apps` -> `Apps`, `networking.k8s.io` -> `Networking`, core -> `Core`.
fn group_word(group: &str) -> String {
    let first = group.split('.').next().unwrap_or_default();
    if first.is_empty() {
        return "Core".to_string();
    }
    capitalize(first)
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Every path of every kind with its operations, in the kinds' order.
fn path_entries(kinds: &[ResourceKind]) -> Vec<PathEntry> {
    let mut out = Vec::new();
    for k in kinds {
        let gvk = Gvk::of(k);
        let has = |verb: &str| k.verbs.contains(&verb);
        let gv = format!("{}{}", group_word(k.group), capitalize(k.version));
        let ns_word = if k.namespaced { "Namespaced" } else { "" };
        let op = |method, action, verb: &str, query, infix: &str, suffix: &str| Operation {
            method,
            action,
            id: format!("{verb}{gv}{infix}{ns_word}{}{suffix}", k.kind),
            gvk,
            query,
        };
        let base = if k.namespaced {
            format!("{}/namespaces/{{namespace}}/{}", k.group_version_path(), k.plural)
        } else {
            format!("{}/{}", k.group_version_path(), k.plural)
        };
        let ns_params: Vec<&'static str> = if k.namespaced { vec!["namespace"] } else { Vec::new() };

        let mut collection = Vec::new();
        if has("list") {
            collection.push(op(Method::Get, "list", "list", LIST_PARAMS, "", ""));
        }
        if has("create") {
            collection.push(op(Method::Post, "post", "create", CREATE_PARAMS, "", ""));
        }
        if has("deletecollection") {
            collection.push(op(
                Method::Delete,
                "deletecollection",
                "delete",
                DELETE_COLLECTION_PARAMS,
                "Collection",
                "",
            ));
        }
        if !collection.is_empty() {
            out.push(PathEntry {
                path: base.clone(),
                path_params: ns_params.clone(),
                ops: collection,
            });
        }

        let mut item = Vec::new();
        if has("get") {
            item.push(op(Method::Get, "get", "read", READ_PARAMS, "", ""));
        }
        if has("update") {
            item.push(op(Method::Put, "put", "replace", CREATE_PARAMS, "", ""));
        }
        if has("patch") {
            item.push(op(Method::Patch, "patch", "patch", PATCH_PARAMS, "", ""));
        }
        if has("delete") {
            item.push(op(Method::Delete, "delete", "delete", DELETE_PARAMS, "", ""));
        }
        let mut item_params = ns_params.clone();
        item_params.insert(0, "name");
        if !item.is_empty() {
            out.push(PathEntry {
                path: format!("{base}/{{name}}"),
                path_params: item_params.clone(),
                ops: item,
            });
        }

        for sub in SUBRESOURCES
            .iter()
            .filter(|s| s.parent_group == k.group && s.parent_plural == k.plural)
        {
            let suffix = capitalize(sub.name);
            let sub_op = |method, action, verb: &str, query| Operation {
                gvk: sub.gvk,
                ..op(method, action, verb, query, "", &suffix)
            };
            let mut ops = Vec::new();
            for verb in sub.verbs {
                match *verb {
                    "get" => ops.push(sub_op(Method::Get, "get", "read", READ_PARAMS)),
                    "update" => ops.push(sub_op(Method::Put, "put", "replace", CREATE_PARAMS)),
                    "patch" => ops.push(sub_op(Method::Patch, "patch", "patch", PATCH_PARAMS)),
                    "create" => ops.push(sub_op(Method::Post, "post", "create", CREATE_PARAMS)),
                    _ => {}
                }
            }
            out.push(PathEntry {
                path: format!("{base}/{{name}}/{}", sub.name),
                path_params: item_params.clone(),
                ops,
            });
        }

        // Cross-namespace list, as `kubectl drain` and `get -A` use.
        if k.namespaced && has("list") {
            out.push(PathEntry {
                path: format!("{}/{}", k.group_version_path(), k.plural),
                path_params: Vec::new(),
                ops: vec![Operation {
                    method: Method::Get,
                    action: "list",
                    id: format!("list{gv}{}ForAllNamespaces", k.kind),
                    gvk,
                    query: LIST_PARAMS,
                }],
            });
        }
    }
    out
}

/// The gnostic `openapi.v2.Document` for `kinds`: paths, operations, query parameters and
/// GVK extensions, no schemas. Serve it at `GET /openapi/v2` (and `/swagger-2.0.0.pb-v1`)
/// with `Content-Type: application/octet-stream`, whatever the `Accept`.
pub fn v2_protobuf(kinds: &[ResourceKind]) -> Vec<u8> {
    let mut paths = Msg::default();
    for entry in path_entries(kinds) {
        paths.msg(
            2,
            Msg::default().string(1, &entry.path).msg_val(2, v2_path_item(&entry)),
        );
    }
    Msg::default()
        .string(1, "2.0")
        .msg_val(2, Msg::default().string(1, "warroom drill cluster").string(2, "v1"))
        .msg_val(8, paths)
        .into_bytes()
}

/// gnostic `PathItem`.
fn v2_path_item(entry: &PathEntry) -> Msg {
    let mut item = Msg::default();
    for op in &entry.ops {
        item.msg(op.method.path_item_field(), v2_operation(op));
    }
    for name in &entry.path_params {
        // ParametersItem.parameter -> Parameter.non_body_parameter -> path_parameter_sub_schema
        let sub = Msg::default()
            .varint(1, 1)
            .string(2, "path")
            .string(4, name)
            .string(5, "string");
        item.msg(9, parameters_item(4, sub));
    }
    item
}

/// gnostic `Operation`.
fn v2_operation(op: &Operation) -> Msg {
    let mut m = Msg::default().string(5, &op.id);
    for (name, ty) in op.query {
        let sub = Msg::default().string(2, "query").string(4, name).string(6, ty);
        m.msg(8, parameters_item(3, sub));
    }
    let (code, description) = match op.method {
        Method::Post => ("201", "Created"),
        _ => ("200", "OK"),
    };
    // Responses.response_code -> NamedResponseValue -> ResponseValue.response -> Response
    let response = Msg::default().msg_val(1, Msg::default().string(1, description));
    m.msg(
        9,
        Msg::default().msg_val(1, Msg::default().string(1, code).msg_val(2, response)),
    );
    m.msg(13, named_any(ACTION_EXTENSION, &format!("{}\n", op.action)));
    m.msg(13, named_any(GVK_EXTENSION, &op.gvk.yaml()));
    m
}

/// `ParametersItem{parameter: Parameter{non_body_parameter: NonBodyParameter{<field>: sub}}}`.
fn parameters_item(non_body_field: u32, sub: Msg) -> Msg {
    let non_body = Msg::default().msg_val(non_body_field, sub);
    let parameter = Msg::default().msg_val(2, non_body);
    Msg::default().msg_val(1, parameter)
}

/// `NamedAny{name, value: Any{yaml}}`.
fn named_any(name: &str, yaml: &str) -> Msg {
    Msg::default()
        .string(1, name)
        .msg_val(2, Msg::default().string(2, yaml))
}

/// A protobuf message being encoded: just the concatenated fields.
#[derive(Default)]
struct Msg(Vec<u8>);

impl Msg {
    fn tag(&mut self, field: u32, wire_type: u8) {
        put_varint(&mut self.0, (u64::from(field) << 3) | u64::from(wire_type));
    }

    fn bytes(&mut self, field: u32, data: &[u8]) {
        self.tag(field, 2);
        put_varint(&mut self.0, data.len() as u64);
        self.0.extend_from_slice(data);
    }

    fn msg(&mut self, field: u32, m: Msg) {
        self.bytes(field, &m.0);
    }

    fn string(mut self, field: u32, s: &str) -> Self {
        self.bytes(field, s.as_bytes());
        self
    }

    fn msg_val(mut self, field: u32, m: Msg) -> Self {
        self.msg(field, m);
        self
    }

    fn varint(mut self, field: u32, v: u64) -> Self {
        self.tag(field, 0);
        put_varint(&mut self.0, v);
        self
    }

    fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds;

    #[derive(Debug, Clone, Copy)]
    enum Value<'a> {
        Varint(u64),
        Bytes(&'a [u8]),
    }

    fn read_varint(buf: &[u8], pos: &mut usize) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = buf[*pos];
            *pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return v;
            }
            shift += 7;
        }
    }

    /// Decodes one message into (field, value) pairs; panics on malformed input.
    fn decode(buf: &[u8]) -> Vec<(u32, Value<'_>)> {
        let mut pos = 0;
        let mut out = Vec::new();
        while pos < buf.len() {
            let key = read_varint(buf, &mut pos);
            let field = u32::try_from(key >> 3).expect("field number");
            match key & 7 {
                0 => out.push((field, Value::Varint(read_varint(buf, &mut pos)))),
                2 => {
                    let len = usize::try_from(read_varint(buf, &mut pos)).expect("len");
                    out.push((field, Value::Bytes(&buf[pos..pos + len])));
                    pos += len;
                }
                w => panic!("unexpected wire type {w}"),
            }
        }
        assert_eq!(pos, buf.len());
        out
    }

    fn all(buf: &[u8], field: u32) -> Vec<&[u8]> {
        decode(buf)
            .into_iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, v)| match v {
                Value::Bytes(b) => b,
                Value::Varint(_) => panic!("field {field} is a varint"),
            })
            .collect()
    }

    fn one(buf: &[u8], field: u32) -> &[u8] {
        let v = all(buf, field);
        assert_eq!(v.len(), 1, "field {field}");
        v[0]
    }

    fn text(b: &[u8]) -> &str {
        std::str::from_utf8(b).expect("utf8")
    }

    /// Path name -> PathItem bytes.
    fn paths(doc: &[u8]) -> Vec<(String, &[u8])> {
        all(one(doc, 8), 2)
            .into_iter()
            .map(|p| (text(one(p, 1)).to_string(), one(p, 2)))
            .collect()
    }

    fn path<'a>(doc: &'a [u8], name: &str) -> &'a [u8] {
        paths(doc)
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p)
            .unwrap_or_else(|| panic!("no path {name}"))
    }

    /// Vendor extension of an operation: name -> YAML.
    fn extension(op: &[u8], name: &str) -> String {
        all(op, 13)
            .into_iter()
            .find(|e| text(one(e, 1)) == name)
            .map(|e| text(one(one(e, 2), 2)).to_string())
            .unwrap_or_else(|| panic!("no extension {name}"))
    }

    /// Query parameter names and types of an operation.
    fn query_params(op: &[u8]) -> Vec<(String, String)> {
        all(op, 8)
            .into_iter()
            .map(|item| {
                let sub = one(one(one(item, 1), 2), 3);
                assert_eq!(text(one(sub, 2)), "query");
                (text(one(sub, 4)).to_string(), text(one(sub, 6)).to_string())
            })
            .collect()
    }

    fn has_param(op: &[u8], name: &str) -> bool {
        query_params(op).iter().any(|(n, _)| n == name)
    }

    #[test]
    fn varints_encode_like_protobuf() {
        let mut out = Vec::new();
        put_varint(&mut out, 300);
        assert_eq!(out, [0xac, 0x02]);
        let mut pos = 0;
        assert_eq!(read_varint(&out, &mut pos), 300);
    }

    #[test]
    fn document_header() {
        let doc = v2_protobuf(kinds::ALL);
        assert_eq!(text(one(&doc, 1)), "2.0");
        assert_eq!(text(one(one(&doc, 2), 1)), "warroom drill cluster");
        assert!(v2_protobuf(&[]).len() < 64);
    }

    #[test]
    fn node_patch_carries_gvk_and_dry_run() {
        let doc = v2_protobuf(kinds::ALL);
        let item = path(&doc, "/api/v1/nodes/{name}");
        let patch = one(item, 8);
        assert_eq!(text(one(patch, 5)), "patchCoreV1Node");
        assert_eq!(
            extension(patch, GVK_EXTENSION),
            "group: \"\"\nkind: Node\nversion: v1\n"
        );
        assert_eq!(extension(patch, ACTION_EXTENSION), "patch\n");
        assert!(has_param(patch, "dryRun"));
        assert!(has_param(patch, "fieldValidation"));
        for field in [2, 3, 5] {
            let op = one(item, field);
            assert_eq!(extension(op, GVK_EXTENSION), "group: \"\"\nkind: Node\nversion: v1\n");
        }
        assert!(has_param(one(item, 3), "dryRun"));
        assert!(has_param(one(item, 5), "dryRun"));
        // Path parameter `name`, required.
        let p = one(one(one(one(item, 9), 1), 2), 4);
        assert_eq!(text(one(p, 4)), "name");
        assert_eq!(text(one(p, 2)), "path");
        assert!(matches!(decode(p)[0], (1, Value::Varint(1))));
    }

    #[test]
    fn namespaced_and_grouped_paths() {
        let doc = v2_protobuf(kinds::ALL);
        let names: Vec<String> = paths(&doc).into_iter().map(|(n, _)| n).collect();
        for want in [
            "/api/v1/namespaces/{namespace}/pods",
            "/api/v1/namespaces/{namespace}/pods/{name}",
            "/api/v1/namespaces/{namespace}/pods/{name}/eviction",
            "/api/v1/pods",
            "/api/v1/namespaces",
            "/api/v1/namespaces/{name}",
            "/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
            "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale",
            "/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies/{name}",
        ] {
            assert!(names.iter().any(|n| n == want), "missing {want}");
        }
        let unique: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "duplicate paths");

        let deploy = path(&doc, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}");
        let patch = one(deploy, 8);
        assert_eq!(text(one(patch, 5)), "patchAppsV1NamespacedDeployment");
        assert_eq!(
            extension(patch, GVK_EXTENSION),
            "group: apps\nkind: Deployment\nversion: v1\n"
        );
        let netpol = one(
            path(
                &doc,
                "/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies/{name}",
            ),
            8,
        );
        assert_eq!(
            extension(netpol, GVK_EXTENSION),
            "group: networking.k8s.io\nkind: NetworkPolicy\nversion: v1\n"
        );

        let pods = path(&doc, "/api/v1/namespaces/{namespace}/pods");
        let create = one(pods, 4);
        assert_eq!(text(one(create, 5)), "createCoreV1NamespacedPod");
        assert!(has_param(create, "dryRun"));
        assert_eq!(extension(create, ACTION_EXTENSION), "post\n");
        let delete_collection = one(pods, 5);
        assert_eq!(text(one(delete_collection, 5)), "deleteCoreV1CollectionNamespacedPod");
        assert!(all(pods, 8).is_empty(), "no PATCH on a collection");
        assert_eq!(
            text(one(one(path(&doc, "/api/v1/pods"), 2), 5)),
            "listCoreV1PodForAllNamespaces"
        );
    }

    #[test]
    fn subresources_have_their_own_kinds() {
        let doc = v2_protobuf(kinds::ALL);
        let scale = path(&doc, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale");
        let patch = one(scale, 8);
        assert_eq!(text(one(patch, 5)), "patchAppsV1NamespacedDeploymentScale");
        assert_eq!(
            extension(patch, GVK_EXTENSION),
            "group: autoscaling\nkind: Scale\nversion: v1\n"
        );
        assert!(has_param(patch, "dryRun"));
        let eviction = path(&doc, "/api/v1/namespaces/{namespace}/pods/{name}/eviction");
        let post = one(eviction, 4);
        assert_eq!(text(one(post, 5)), "createCoreV1NamespacedPodEviction");
        assert_eq!(
            extension(post, GVK_EXTENSION),
            "group: policy\nkind: Eviction\nversion: v1\n"
        );
        assert!(all(eviction, 8).is_empty());
        // Only the first PATCH per GVK matters to kubectl: one per kind.
        let deployment_patches = paths(&doc)
            .into_iter()
            .flat_map(|(_, p)| all(p, 8))
            .filter(|op| extension(op, GVK_EXTENSION).contains("kind: Deployment\n"))
            .count();
        assert_eq!(deployment_patches, 1);
    }

    #[test]
    fn verbs_limit_operations() {
        let doc = v2_protobuf(&[kinds::NAMESPACES]);
        let collection = path(&doc, "/api/v1/namespaces");
        assert!(all(collection, 5).is_empty(), "no deletecollection verb");
        assert_eq!(all(collection, 4).len(), 1);
        assert!(paths(&doc).iter().all(|(n, _)| !n.contains("eviction")));
    }
}
