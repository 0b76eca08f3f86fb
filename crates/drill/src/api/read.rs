//! Reads: get and list (with selectors, paging and continue tokens) in the representation the
//! client asked for: plain objects, a kubectl Table, or metadata only.

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use serde_json::{Value, json};

use super::request::{Query, Representation, Target};
use super::status::ApiError;
use crate::sim::Sim;
use crate::store::Stored;
use crate::table;

/// A continue token: the list's resourceVersion and the last key served.
pub fn encode_continue(rv: u64, ns: &str, name: &str) -> String {
    format!("{rv}/{ns}/{name}")
}

fn decode_continue(token: &str) -> Result<(u64, String, String), ApiError> {
    let bad = || ApiError::bad_request(format!("continue key is not valid: {token:?}"));
    let mut parts = token.splitn(3, '/');
    let rv = parts.next().and_then(|r| r.parse().ok()).ok_or_else(bad)?;
    let ns = parts.next().ok_or_else(bad)?.to_string();
    let name = parts.next().ok_or_else(bad)?.to_string();
    Ok((rv, ns, name))
}

/// Whether the request selects by labels or fields (not only by namespace).
pub fn selective(target: &Target, query: &Query) -> Result<bool, ApiError> {
    Ok(!query.labels()?.is_empty() || !query.fields(&target.kind)?.is_empty())
}

/// Whether an object passes the request's namespace and selectors.
pub fn filter(target: &Target, query: &Query) -> Result<impl Fn(&Stored) -> bool + use<>, ApiError> {
    let labels = query.labels()?;
    let fields = query.fields(&target.kind)?;
    let ns = target.namespace.clone();
    Ok(move |o: &Stored| {
        ns.as_deref().is_none_or(|n| &*o.namespace == n)
            && (labels.is_empty() || labels.matches(|k| o.label(k)))
            && (fields.is_empty() || fields.matches(|f| o.field(f)))
    })
}

fn metadata_of(o: &Stored) -> Value {
    let v = o.value();
    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": v.get("metadata").cloned().unwrap_or(json!({}))})
}

/// A Table row for one object.
pub fn table_row(o: &Stored, now: jiff::Timestamp, include: Option<&str>) -> Value {
    let v = o.value();
    let cells = table::row_cells(o.kind.kind, &v, now);
    let mut row = json!({"cells": cells});
    match include {
        Some("None") => {}
        Some("Object") => row["object"] = v,
        _ => {
            row["object"] = json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                   "metadata": v.get("metadata").cloned().unwrap_or(json!({}))})
        }
    }
    row
}

/// Serves one object.
pub fn get(sim: &Sim, target: &Target, name: &str, repr: Representation, query: &Query) -> Result<Bytes, ApiError> {
    let ns = target.namespace.as_deref().unwrap_or("");
    let o = sim
        .get(&target.kind, ns, name)
        .ok_or_else(|| ApiError::not_found(target.kind.plural, name))?;
    Ok(match repr {
        Representation::Object => o.json.clone(),
        Representation::Metadata => Bytes::from(metadata_of(&o).to_string()),
        Representation::Table => {
            let t = json!({
                "kind": "Table", "apiVersion": "meta.k8s.io/v1",
                "metadata": {"resourceVersion": o.resource_version.to_string()},
                "columnDefinitions": table::column_definitions(target.kind.kind),
                "rows": [table_row(&o, sim.now, query.get("includeObject"))],
            });
            Bytes::from(t.to_string())
        }
    })
}

/// Serves a page of a list.
pub fn list(sim: &Sim, target: &Target, repr: Representation, query: &Query) -> Result<Bytes, ApiError> {
    let keep = filter(target, query)?;
    let limit = query.limit()?;
    let mut list_rv = None;
    let after = match query.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => {
            let (rv, ns, name) = decode_continue(token)?;
            if sim.store.check_window(rv).is_err() {
                return Err(ApiError::new(
                    410,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
                ));
            }
            list_rv = Some(rv);
            Some((ns, name))
        }
        None => None,
    };
    let keep: &dyn Fn(&Stored) -> bool = &keep;
    let page = sim.store.list(
        &target.kind,
        target.namespace.as_deref(),
        after.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
        limit,
        selective(target, query)?.then_some(keep),
    );
    let rv = list_rv.unwrap_or(page.resource_version);
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if let Some((ns, name)) = &page.continue_after {
        meta["continue"] = json!(encode_continue(rv, ns, name));
        if let Some(remaining) = page.remaining {
            meta["remainingItemCount"] = json!(remaining);
        }
    }
    Ok(match repr {
        Representation::Object => {
            let mut out = BytesMut::with_capacity(64 + page.items.iter().map(|o| o.json.len() + 1).sum::<usize>());
            out.put_slice(
                format!(
                    "{{\"kind\":\"{}\",\"apiVersion\":\"{}\",\"metadata\":{},\"items\":[",
                    target.kind.list_kind(),
                    target.kind.api_version(),
                    meta
                )
                .as_bytes(),
            );
            for (i, o) in page.items.iter().enumerate() {
                if i > 0 {
                    out.put_u8(b',');
                }
                out.put_slice(&o.json);
            }
            out.put_slice(b"]}");
            out.freeze()
        }
        Representation::Metadata => {
            let items: Vec<Value> = page.items.iter().map(|o: &Arc<Stored>| metadata_of(o)).collect();
            Bytes::from(json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "items": items}).to_string())
        }
        Representation::Table => {
            let include = query.get("includeObject");
            let rows: Vec<Value> = page.items.iter().map(|o| table_row(o, sim.now, include)).collect();
            Bytes::from(
                json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                       "columnDefinitions": table::column_definitions(target.kind.kind), "rows": rows})
                .to_string(),
            )
        }
    })
}
