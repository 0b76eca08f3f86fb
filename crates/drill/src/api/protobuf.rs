//! Request bodies in Kubernetes protobuf (`application/vnd.kubernetes.protobuf`), which kubectl's
//! typed clients send from 1.32 on: the `k8s\0` envelope names the kind, the Kubernetes schema
//! (`proto/`, compiled once with protox) decodes the object, and one walk turns it into the JSON
//! form every other request body has. Nothing here knows a kind.

use std::sync::OnceLock;

use base64::Engine as _;
use prost_reflect::{DescriptorPool, DynamicMessage, MapKey, MessageDescriptor, ReflectMessage as _, Value as Field};
use serde_json::{Map, Value, json};

/// The protobuf envelope's magic prefix.
const MAGIC: &[u8] = b"k8s\0";

macro_rules! schema_file {
    ($path:literal) => {
        ($path, include_str!(concat!("../../proto/", $path)))
    };
}

/// The schema files, by the path their imports name them with.
const SCHEMA: &[(&str, &str)] = &[
    schema_file!("k8s.io/apimachinery/pkg/api/resource/generated.proto"),
    schema_file!("k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto"),
    schema_file!("k8s.io/apimachinery/pkg/runtime/generated.proto"),
    schema_file!("k8s.io/apimachinery/pkg/runtime/schema/generated.proto"),
    schema_file!("k8s.io/apimachinery/pkg/util/intstr/generated.proto"),
    schema_file!("k8s.io/api/core/v1/generated.proto"),
    schema_file!("k8s.io/api/apps/v1/generated.proto"),
    schema_file!("k8s.io/api/policy/v1/generated.proto"),
    schema_file!("k8s.io/api/networking/v1/generated.proto"),
    schema_file!("k8s.io/api/discovery/v1/generated.proto"),
    schema_file!("k8s.io/api/authorization/v1/generated.proto"),
    schema_file!("k8s.io/api/authentication/v1/generated.proto"),
    schema_file!("k8s.io/api/authentication/v1beta1/generated.proto"),
    schema_file!("k8s.io/api/autoscaling/v1/generated.proto"),
    schema_file!("k8s.io/api/autoscaling/v2/generated.proto"),
];

/// Go structs embedded with `json:",inline"`: their fields are the parent's in JSON, while
/// protobuf nests them under one field. The schema does not say which; these are all of them in
/// the groups above (found by comparing each message with k8s-openapi's JSON fields).
const INLINE: &[&str] = &[
    "k8s.io.api.core.v1.Volume.volumeSource",
    "k8s.io.api.core.v1.PersistentVolumeSpec.persistentVolumeSource",
    "k8s.io.api.core.v1.Probe.handler",
    "k8s.io.api.core.v1.EphemeralContainer.ephemeralContainerCommon",
    "k8s.io.api.core.v1.ConfigMapEnvSource.localObjectReference",
    "k8s.io.api.core.v1.ConfigMapKeySelector.localObjectReference",
    "k8s.io.api.core.v1.ConfigMapProjection.localObjectReference",
    "k8s.io.api.core.v1.ConfigMapVolumeSource.localObjectReference",
    "k8s.io.api.core.v1.SecretEnvSource.localObjectReference",
    "k8s.io.api.core.v1.SecretKeySelector.localObjectReference",
    "k8s.io.api.core.v1.SecretProjection.localObjectReference",
    "k8s.io.api.networking.v1.IngressRule.ingressRuleValue",
];

const META: &str = "k8s.io.apimachinery.pkg.apis.meta.v1";

/// Serves the schema files from the binary to protox.
struct Embedded;

impl protox::file::FileResolver for Embedded {
    fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
        let (_, source) = SCHEMA
            .iter()
            .find(|(path, _)| *path == name)
            .ok_or_else(|| protox::Error::file_not_found(name))?;
        protox::file::File::from_source(name, source)
    }
}

/// The compiled schema; compiled on the first protobuf body, which takes a moment.
fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut compiler = protox::Compiler::with_file_resolver(Embedded);
        compiler
            .open_files(SCHEMA.iter().map(|(path, _)| *path))
            .expect("the Kubernetes schema shipped in proto/ compiles (checked by a test)");
        compiler.descriptor_pool()
    })
}

/// The message for a kind: `apps/v1` `Deployment` is `k8s.io.api.apps.v1.Deployment`
/// (a group's first label names its package); meta kinds such as DeleteOptions are found too.
fn message(api_version: &str, kind: &str) -> Option<MessageDescriptor> {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("core", api_version));
    let package = group.split('.').next().unwrap_or(group);
    let pool = pool();
    pool.get_message_by_name(&format!("k8s.io.api.{package}.{version}.{kind}"))
        .or_else(|| pool.get_message_by_name(&format!("{META}.{kind}")))
}

/// Decodes a protobuf request body into the object's JSON form, its apiVersion and kind set
/// from the envelope. The error says what could not be read.
pub fn decode(body: &[u8]) -> Result<Value, String> {
    let envelope = body
        .strip_prefix(MAGIC)
        .ok_or("not a Kubernetes protobuf body (it does not start with k8s\\0)")?;
    let unknown = pool()
        .get_message_by_name("k8s.io.apimachinery.pkg.runtime.Unknown")
        .expect("runtime.Unknown is in the schema");
    let unknown = DynamicMessage::decode(unknown, envelope).map_err(|e| format!("the envelope: {e}"))?;
    let text = |m: &DynamicMessage, name: &str| {
        m.get_field_by_name(name)
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let type_meta = match unknown.get_field_by_name("typeMeta").as_deref() {
        Some(Field::Message(m)) => m.clone(),
        _ => return Err("the envelope names no kind".into()),
    };
    let (api_version, kind) = (text(&type_meta, "apiVersion"), text(&type_meta, "kind"));
    let encoding = text(&unknown, "contentEncoding");
    if !encoding.is_empty() {
        return Err(format!("content encoding {encoding:?} is not supported"));
    }
    let raw = unknown
        .get_field_by_name("raw")
        .and_then(|v| v.as_bytes().cloned())
        .unwrap_or_default();
    let content_type = text(&unknown, "contentType");
    let mut object = if content_type.contains("json") {
        serde_json::from_slice(&raw).map_err(|e| format!("the raw JSON object: {e}"))?
    } else {
        let descriptor = message(&api_version, &kind).ok_or_else(|| {
            format!("the drill cluster cannot read {api_version} {kind} in protobuf; send it as JSON")
        })?;
        let m = DynamicMessage::decode(descriptor, raw.as_ref()).map_err(|e| format!("{kind}: {e}"))?;
        to_json(&m)?
    };
    let Some(fields) = object.as_object_mut() else {
        return Err(format!("{kind}: the object is not a JSON object"));
    };
    fields.insert("apiVersion".into(), json!(api_version));
    fields.insert("kind".into(), json!(kind));
    Ok(object)
}

/// A message in its Kubernetes JSON form: fields under their names (the schema's names are the
/// JSON names), unset fields left out, and the apimachinery types written as their JSON is.
fn to_json(m: &DynamicMessage) -> Result<Value, String> {
    let descriptor = m.descriptor();
    let field = |name: &str| m.get_field_by_name(name).map(|v| v.into_owned());
    match descriptor.full_name() {
        "k8s.io.apimachinery.pkg.apis.meta.v1.Time" => return Ok(json!(time(m, false))),
        "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime" => return Ok(json!(time(m, true))),
        "k8s.io.apimachinery.pkg.apis.meta.v1.Duration" => {
            let ns = field("duration").and_then(|v| v.as_i64()).unwrap_or(0);
            return Ok(json!(go_duration(ns)));
        }
        "k8s.io.apimachinery.pkg.api.resource.Quantity" => {
            return Ok(json!(field("string").and_then(|v| v.as_str().map(str::to_string))));
        }
        "k8s.io.apimachinery.pkg.util.intstr.IntOrString" => {
            let is_text = field("type").and_then(|v| v.as_i64()) == Some(1);
            return Ok(if is_text {
                json!(
                    field("strVal")
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                )
            } else {
                json!(field("intVal").and_then(|v| v.as_i32()).unwrap_or(0))
            });
        }
        "k8s.io.apimachinery.pkg.runtime.RawExtension" | "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1" => {
            let name = if descriptor.name() == "FieldsV1" { "Raw" } else { "raw" };
            let raw = field(name).and_then(|v| v.as_bytes().cloned()).unwrap_or_default();
            if raw.is_empty() {
                return Ok(json!({}));
            }
            return serde_json::from_slice(&raw).map_err(|e| format!("{}: {e}", descriptor.name()));
        }
        _ => {}
    }
    // A Go slice type (ExtraValue, Verbs) is a message holding only `repeated string items`.
    let fields: Vec<_> = descriptor.fields().collect();
    if let [only] = fields.as_slice()
        && only.name() == "items"
        && only.is_list()
        && only.kind() == prost_reflect::Kind::String
    {
        return value(&m.get_field(only));
    }
    let mut out = Map::new();
    for f in fields {
        if !m.has_field(&f) {
            continue;
        }
        let v = value(&m.get_field(&f))?;
        match v {
            Value::Object(inlined) if INLINE.contains(&f.full_name()) => out.extend(inlined),
            v => {
                out.insert(f.name().to_string(), v);
            }
        }
    }
    Ok(Value::Object(out))
}

fn value(v: &Field) -> Result<Value, String> {
    Ok(match v {
        Field::Bool(b) => json!(b),
        Field::I32(n) => json!(n),
        Field::I64(n) => json!(n),
        Field::U32(n) => json!(n),
        Field::U64(n) => json!(n),
        Field::F32(n) => json!(n),
        Field::F64(n) => json!(n),
        Field::EnumNumber(n) => json!(n),
        Field::String(s) => json!(s),
        Field::Bytes(b) => json!(base64::engine::general_purpose::STANDARD.encode(b)),
        Field::Message(m) => to_json(m)?,
        Field::List(items) => Value::Array(items.iter().map(value).collect::<Result<_, _>>()?),
        Field::Map(entries) => {
            let mut out = Map::new();
            for (k, v) in entries {
                let key = match k {
                    MapKey::String(s) => s.clone(),
                    MapKey::Bool(b) => b.to_string(),
                    MapKey::I32(n) => n.to_string(),
                    MapKey::I64(n) => n.to_string(),
                    MapKey::U32(n) => n.to_string(),
                    MapKey::U64(n) => n.to_string(),
                };
                out.insert(key, value(v)?);
            }
            Value::Object(out)
        }
    })
}

/// metav1.Time (`2006-01-02T15:04:05Z`) or MicroTime (six decimals).
fn time(m: &DynamicMessage, micro: bool) -> String {
    let seconds = m.get_field_by_name("seconds").and_then(|v| v.as_i64()).unwrap_or(0);
    let nanos = m.get_field_by_name("nanos").and_then(|v| v.as_i32()).unwrap_or(0);
    let Ok(t) = jiff::Timestamp::new(seconds, nanos.clamp(0, 999_999_999)) else {
        return String::new();
    };
    if micro {
        t.strftime("%Y-%m-%dT%H:%M:%S.%6fZ").to_string()
    } else {
        crate::sim::format_time(t)
    }
}

/// A duration as Go writes it (`1h2m3s`, `1.5s`, `0s`).
fn go_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let sign = if ns < 0 { "-" } else { "" };
    let ns = ns.unsigned_abs();
    let (h, rest) = (ns / 3_600_000_000_000, ns % 3_600_000_000_000);
    let (m, rest) = (rest / 60_000_000_000, rest % 60_000_000_000);
    let (s, frac) = (rest / 1_000_000_000, rest % 1_000_000_000);
    let mut out = sign.to_string();
    if h > 0 {
        out += &format!("{h}h");
    }
    if h > 0 || m > 0 {
        out += &format!("{m}m");
    }
    if frac == 0 {
        out += &format!("{s}s");
    } else {
        let digits = format!("{frac:09}");
        out += &format!("{s}.{}s", digits.trim_end_matches('0'));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message as _;

    /// Encodes a JSON-shaped object with the same schema, as a client would send it.
    fn envelope(api_version: &str, kind: &str, object: DynamicMessage) -> Vec<u8> {
        let mut unknown = DynamicMessage::new(
            pool()
                .get_message_by_name("k8s.io.apimachinery.pkg.runtime.Unknown")
                .unwrap(),
        );
        let mut type_meta = DynamicMessage::new(
            pool()
                .get_message_by_name("k8s.io.apimachinery.pkg.runtime.TypeMeta")
                .unwrap(),
        );
        type_meta.set_field_by_name("apiVersion", Field::String(api_version.into()));
        type_meta.set_field_by_name("kind", Field::String(kind.into()));
        unknown.set_field_by_name("typeMeta", Field::Message(type_meta));
        unknown.set_field_by_name("raw", Field::Bytes(object.encode_to_vec().into()));
        [MAGIC.to_vec(), unknown.encode_to_vec()].concat()
    }

    fn new(name: &str) -> DynamicMessage {
        DynamicMessage::new(pool().get_message_by_name(name).unwrap_or_else(|| panic!("{name}")))
    }

    fn message_field(m: &mut DynamicMessage, name: &str, value: DynamicMessage) {
        m.set_field_by_name(name, Field::Message(value));
    }

    #[test]
    fn the_shipped_schema_compiles_and_holds_every_kind_the_drill_serves() {
        for (api_version, kind) in [
            ("v1", "Pod"),
            ("v1", "Namespace"),
            ("v1", "ConfigMap"),
            ("v1", "Secret"),
            ("v1", "Service"),
            ("apps/v1", "Deployment"),
            ("apps/v1", "StatefulSet"),
            ("policy/v1", "Eviction"),
            ("policy/v1", "PodDisruptionBudget"),
            ("networking.k8s.io/v1", "NetworkPolicy"),
            ("networking.k8s.io/v1", "Ingress"),
            ("discovery.k8s.io/v1", "EndpointSlice"),
            ("authorization.k8s.io/v1", "SelfSubjectRulesReview"),
            ("authentication.k8s.io/v1beta1", "SelfSubjectReview"),
            ("autoscaling/v2", "HorizontalPodAutoscaler"),
            ("autoscaling/v1", "HorizontalPodAutoscaler"),
            ("v1", "DeleteOptions"),
        ] {
            assert!(message(api_version, kind).is_some(), "{api_version} {kind}");
        }
        assert!(message("batch/v1", "Job").is_none());
    }

    #[test]
    fn decodes_a_deployment_into_its_json_form() {
        let mut meta = new("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        meta.set_field_by_name("name", Field::String("web".into()));
        meta.set_field_by_name(
            "labels",
            Field::Map([(MapKey::String("app".into()), Field::String("web".into()))].into()),
        );
        let mut created = new("k8s.io.apimachinery.pkg.apis.meta.v1.Time");
        created.set_field_by_name("seconds", Field::I64(1_700_000_000));
        message_field(&mut meta, "creationTimestamp", created);
        let mut container = new("k8s.io.api.core.v1.Container");
        container.set_field_by_name("name", Field::String("web".into()));
        container.set_field_by_name("image", Field::String("nginx:1.27".into()));
        let mut cpu = new("k8s.io.apimachinery.pkg.api.resource.Quantity");
        cpu.set_field_by_name("string", Field::String("250m".into()));
        let mut resources = new("k8s.io.api.core.v1.ResourceRequirements");
        resources.set_field_by_name(
            "limits",
            Field::Map([(MapKey::String("cpu".into()), Field::Message(cpu))].into()),
        );
        message_field(&mut container, "resources", resources);
        let mut pod_spec = new("k8s.io.api.core.v1.PodSpec");
        pod_spec.set_field_by_name("containers", Field::List(vec![Field::Message(container)]));
        let mut volume = new("k8s.io.api.core.v1.Volume");
        volume.set_field_by_name("name", Field::String("scratch".into()));
        let mut volume_source = new("k8s.io.api.core.v1.VolumeSource");
        message_field(
            &mut volume_source,
            "emptyDir",
            new("k8s.io.api.core.v1.EmptyDirVolumeSource"),
        );
        message_field(&mut volume, "volumeSource", volume_source);
        pod_spec.set_field_by_name("volumes", Field::List(vec![Field::Message(volume)]));
        let mut template = new("k8s.io.api.core.v1.PodTemplateSpec");
        message_field(&mut template, "spec", pod_spec);
        let mut spec = new("k8s.io.api.apps.v1.DeploymentSpec");
        spec.set_field_by_name("replicas", Field::I32(0));
        message_field(&mut spec, "template", template);
        let mut deployment = new("k8s.io.api.apps.v1.Deployment");
        message_field(&mut deployment, "metadata", meta);
        message_field(&mut deployment, "spec", spec);

        let v = decode(&envelope("apps/v1", "Deployment", deployment)).unwrap();
        assert_eq!(v["apiVersion"], "apps/v1");
        assert_eq!(v["kind"], "Deployment");
        assert_eq!(v["metadata"]["name"], "web");
        assert_eq!(v["metadata"]["labels"], json!({"app": "web"}));
        assert_eq!(v["metadata"]["creationTimestamp"], "2023-11-14T22:13:20Z");
        assert_eq!(v["spec"]["replicas"], 0, "a zero that was set is kept");
        let c = &v["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["image"], "nginx:1.27");
        assert_eq!(c["resources"]["limits"]["cpu"], "250m");
        assert!(v["spec"].get("paused").is_none(), "unset fields are left out");
        assert!(v.get("status").is_none());
        assert_eq!(
            v["spec"]["template"]["spec"]["volumes"][0]["emptyDir"],
            json!({}),
            "inlined as in Go"
        );
        let typed: k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(v).unwrap();
        let volume = &typed.spec.template.spec.unwrap().volumes.unwrap()[0];
        assert!(volume.empty_dir.is_some(), "k8s-openapi reads the volume's source");
    }

    #[test]
    fn writes_the_apimachinery_types_as_kubernetes_json_does() {
        let mut port = new("k8s.io.api.core.v1.ServicePort");
        port.set_field_by_name("port", Field::I32(80));
        let mut target = new("k8s.io.apimachinery.pkg.util.intstr.IntOrString");
        target.set_field_by_name("type", Field::I64(1));
        target.set_field_by_name("strVal", Field::String("http".into()));
        message_field(&mut port, "targetPort", target);
        let mut numbered = new("k8s.io.api.core.v1.ServicePort");
        let mut target = new("k8s.io.apimachinery.pkg.util.intstr.IntOrString");
        target.set_field_by_name("type", Field::I64(0));
        target.set_field_by_name("intVal", Field::I32(8080));
        message_field(&mut numbered, "targetPort", target);
        let mut spec = new("k8s.io.api.core.v1.ServiceSpec");
        spec.set_field_by_name(
            "ports",
            Field::List(vec![Field::Message(port), Field::Message(numbered)]),
        );
        let mut service = new("k8s.io.api.core.v1.Service");
        message_field(&mut service, "spec", spec);
        let v = decode(&envelope("v1", "Service", service)).unwrap();
        assert_eq!(v["spec"]["ports"][0]["targetPort"], "http");
        assert_eq!(v["spec"]["ports"][1]["targetPort"], 8080);

        let mut secret = new("k8s.io.api.core.v1.Secret");
        secret.set_field_by_name(
            "data",
            Field::Map([(MapKey::String("token".into()), Field::Bytes(b"s3cr\0t".to_vec().into()))].into()),
        );
        let v = decode(&envelope("v1", "Secret", secret)).unwrap();
        assert_eq!(v["data"]["token"], "czNjcgB0", "bytes are base64 as in JSON");

        let mut spec = new("k8s.io.api.authorization.v1.SubjectAccessReviewSpec");
        let mut groups = new("k8s.io.api.authorization.v1.ExtraValue");
        groups.set_field_by_name("items", Field::List(vec![Field::String("a".into())]));
        spec.set_field_by_name(
            "extra",
            Field::Map([(MapKey::String("scopes".into()), Field::Message(groups))].into()),
        );
        let mut review = new("k8s.io.api.authorization.v1.SubjectAccessReview");
        message_field(&mut review, "spec", spec);
        let v = decode(&envelope("authorization.k8s.io/v1", "SubjectAccessReview", review)).unwrap();
        assert_eq!(
            v["spec"]["extra"]["scopes"],
            json!(["a"]),
            "a Go slice type is an array"
        );

        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(90_000_000_000), "1m30s");
        assert_eq!(go_duration(3_600_000_000_000 + 1_500_000_000), "1h0m1.5s");
    }

    #[test]
    fn says_what_it_cannot_read() {
        assert!(decode(b"{}").unwrap_err().contains("k8s\\0"));
        assert!(
            decode(&[MAGIC, &[0x0a, 0xff]].concat())
                .unwrap_err()
                .contains("envelope")
        );
        let job = envelope("batch/v1", "Job", new("k8s.io.api.core.v1.Pod"));
        assert!(decode(&job).unwrap_err().contains("batch/v1 Job"));
        let mut broken = envelope("v1", "Pod", new("k8s.io.api.core.v1.Pod"));
        broken.extend_from_slice(&[0x12, 0x05, 0x0a]);
        assert!(
            decode(&broken).is_err(),
            "a truncated field is an error, not a half object"
        );
    }
}
