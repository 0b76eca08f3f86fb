//! The golden signals of every followed service over the last while, as evidence keeps them:
//! each panel's range query, its series as (Unix seconds, value) pairs, up to Prometheus's own
//! now (a drill's clock too). A panel whose query fails says why in its place.

use std::time::Duration;

use jiff::SignedDuration;
use serde_json::{Map, Value, json};

use super::budget::STEP;
use super::follow::Plan;
use super::learn::server_now;
use super::panels;
use super::prometheus::{Prometheus, QueryResult};

/// `{ "namespace/service": { "panel": [{labels, values: [[t, v], ...]}] } }` over the last
/// `span`, and the span's ends.
pub async fn signals(p: &Prometheus, plan: &Plan, span: Duration) -> Value {
    let end = server_now(p).await.unwrap_or_else(jiff::Timestamp::now);
    let start = end - SignedDuration::try_from(span).unwrap_or(SignedDuration::from_mins(30));
    let mut services = Map::new();
    for followed in &plan.services {
        let mut panels_read = Map::new();
        for panel in &plan.panels {
            let read = match panels::render(&panel.template, &followed.target, None) {
                Err(e) => json!({ "unreadable": e.to_string() }),
                Ok(query) => match p.query_range(&query, start, end, STEP).await {
                    Ok(QueryResult::Matrix(series)) => Value::Array(
                        series
                            .iter()
                            .map(|s| {
                                json!({
                                    "labels": s.metric,
                                    "values": s.values.iter().filter(|v| v.v.is_finite()).map(|v| json!([v.t, v.v])).collect::<Vec<_>>(),
                                })
                            })
                            .collect(),
                    ),
                    Ok(_) => json!({ "unreadable": "not a range of series" }),
                    Err(e) => json!({ "unreadable": e.to_string() }),
                },
            };
            panels_read.insert(panel.name.clone(), read);
        }
        services.insert(
            format!("{}/{}", followed.target.namespace, followed.target.service),
            Value::Object(panels_read),
        );
    }
    json!({ "from": start.to_string(), "to": end.to_string(), "services": services })
}
