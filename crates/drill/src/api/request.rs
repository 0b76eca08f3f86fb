//! What one API request asks for: the resource and object from the path, the query
//! parameters, and the representation the client accepts (plain, Table, metadata only).

use std::collections::HashMap;

use axum::http::{HeaderMap, Method, header};

use super::status::ApiError;
use crate::kinds::{self, ResourceKind};
use crate::selector::{FieldSelector, LabelSelector};
use crate::store::selectable_fields;

/// A resource path: `/api/v1/namespaces/NS/pods/NAME/SUB`.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: ResourceKind,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// Where a request path points.
#[derive(Debug, Clone)]
pub enum Route {
    GroupVersion(String, String),
    Group(String),
    Resource(Target),
    AccessReview,
    RulesReview,
    /// `kubectl auth whoami`: who the server says the caller is.
    SelfReview,
    /// A Service's proxy subresource, with the path after `/proxy`.
    ServiceProxy(super::proxy::ServiceProxy),
    /// Node or pod metrics (`kubectl top`).
    ResourceMetrics(super::resource_metrics::MetricsTarget),
}

/// Parses a path under `/api` or `/apis`.
pub fn route(path: &str) -> Result<Route, ApiError> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let not_found = || ApiError::new(404, "NotFound", "the server could not find the requested resource");
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g] => return Ok(Route::Group(g.to_string())),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Err(not_found()),
    };
    if rest.is_empty() {
        return Ok(Route::GroupVersion(group.to_string(), version.to_string()));
    }
    if group == "authorization.k8s.io" && version == "v1" {
        return match rest {
            ["selfsubjectaccessreviews"] => Ok(Route::AccessReview),
            ["namespaces", _, "selfsubjectrulesreviews"] | ["selfsubjectrulesreviews"] => Ok(Route::RulesReview),
            _ => Err(not_found()),
        };
    }
    if group == "authentication.k8s.io" && matches!(version, "v1" | "v1beta1") {
        return match rest {
            ["selfsubjectreviews"] => Ok(Route::SelfReview),
            _ => Err(not_found()),
        };
    }
    if (group, version) == (super::resource_metrics::GROUP, super::resource_metrics::VERSION) {
        return super::resource_metrics::MetricsTarget::parse(rest)
            .map(Route::ResourceMetrics)
            .ok_or_else(not_found);
    }
    if let ("", "v1", ["namespaces", ns, "services", service, "proxy", tail @ ..]) = (group, version, rest) {
        return Ok(Route::ServiceProxy(super::proxy::ServiceProxy::parse(
            ns,
            service,
            tail,
            path.ends_with('/'),
        )));
    }
    let (namespace, plural, name, sub) = match rest {
        ["namespaces", ns, plural, tail @ ..] if *plural != "status" && *plural != "finalize" => {
            (Some(ns.to_string()), *plural, tail.first(), tail.get(1))
        }
        [plural, tail @ ..] => (None, *plural, tail.first(), tail.get(1)),
        [] => return Err(not_found()),
    };
    if rest.len() > 5 {
        return Err(not_found());
    }
    let kind = kinds::find(group, version, plural).ok_or_else(not_found)?;
    if namespace.is_some() && !kind.namespaced {
        return Err(not_found());
    }
    Ok(Route::Resource(Target {
        kind,
        namespace,
        name: name.map(|s| s.to_string()),
        subresource: sub.map(|s| s.to_string()),
    }))
}

/// The representation a client asked for in its Accept header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    Object,
    Table,
    Metadata,
}

pub fn representation(headers: &HeaderMap) -> Representation {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    // The first acceptable media type wins, as the apiserver negotiates.
    for part in accept.split(',') {
        let p = part.replace(' ', "");
        if p.contains("as=Table") {
            return Representation::Table;
        }
        if p.contains("as=PartialObjectMetadata") {
            return Representation::Metadata;
        }
        if p.starts_with("application/json") || p.starts_with("*/*") || p.is_empty() {
            return Representation::Object;
        }
    }
    Representation::Object
}

/// Query parameters (the last of a repeated key wins, except dryRun which may repeat).
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub map: HashMap<String, String>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let mut map = HashMap::new();
        if let Some(q) = raw {
            for pair in q.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                map.insert(decode(k), decode(v));
            }
        }
        Query { map }
    }

    pub fn get(&self, k: &str) -> Option<&str> {
        self.map.get(k).map(String::as_str)
    }

    pub fn flag(&self, k: &str) -> bool {
        matches!(self.get(k), Some("true" | "1"))
    }

    pub fn dry_run(&self) -> bool {
        self.get("dryRun") == Some("All")
    }

    pub fn limit(&self) -> Result<Option<usize>, ApiError> {
        match self.get("limit") {
            None | Some("") => Ok(None),
            Some(l) => l
                .parse::<i64>()
                .map(|n| if n > 0 { Some(n as usize) } else { None })
                .map_err(|_| ApiError::bad_request(format!("invalid limit {l:?}: must be an integer"))),
        }
    }

    pub fn labels(&self) -> Result<LabelSelector, ApiError> {
        LabelSelector::parse(self.get("labelSelector").unwrap_or(""))
            .map_err(|e| ApiError::bad_request(format!("unable to parse requirement: {e}")))
    }

    pub fn fields(&self, kind: &ResourceKind) -> Result<FieldSelector, ApiError> {
        FieldSelector::parse(self.get("fieldSelector").unwrap_or(""), selectable_fields(kind))
            .map_err(|e| ApiError::bad_request(format!("{} \"{}\" is invalid: {e}", kind.plural, "fieldSelector")))
    }

    /// A resourceVersion parameter as a number; `None` for absent, empty or "0".
    pub fn resource_version(&self) -> Result<Option<u64>, ApiError> {
        match self.get("resourceVersion") {
            None | Some("") | Some("0") => Ok(None),
            Some(rv) => rv.parse().map(Some).map_err(|_| {
                ApiError::bad_request(format!("invalid resource version {rv:?}: must be a decimal integer"))
            }),
        }
    }
}

fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(h) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(h);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn verb(method: &Method, target: &Target, query: &Query) -> &'static str {
    match *method {
        Method::GET if query.flag("watch") => "watch",
        Method::GET if target.name.is_none() => "list",
        Method::GET => "get",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE if target.name.is_none() => "deletecollection",
        Method::DELETE => "delete",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_parse_paths() {
        let Route::Resource(t) = route("/api/v1/namespaces/shop/pods/web-1/eviction").unwrap() else {
            panic!("not a resource");
        };
        assert_eq!(t.kind.plural, "pods");
        assert_eq!(t.namespace.as_deref(), Some("shop"));
        assert_eq!(t.name.as_deref(), Some("web-1"));
        assert_eq!(t.subresource.as_deref(), Some("eviction"));
        let Route::Resource(t) = route("/api/v1/namespaces/shop").unwrap() else {
            panic!("not a resource");
        };
        assert_eq!(t.kind.plural, "namespaces");
        assert_eq!(t.name.as_deref(), Some("shop"));
        assert!(route("/api/v1/widgets").is_err());
        assert!(route("/api/v1/namespaces/x/nodes").is_err());
        assert!(matches!(route("/apis/apps/v1").unwrap(), Route::GroupVersion(..)));
    }

    #[test]
    fn query_decodes_selectors() {
        let q = Query::parse(Some(
            "fieldSelector=spec.nodeName%3Dnode-1&labelSelector=app+in+(a%2Cb)&limit=500",
        ));
        assert_eq!(q.get("fieldSelector"), Some("spec.nodeName=node-1"));
        assert_eq!(q.get("labelSelector"), Some("app in (a,b)"));
        assert_eq!(q.limit().unwrap(), Some(500));
    }
}
