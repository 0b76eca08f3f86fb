//! The drill cluster's metrics: an in-memory sample store of the sim's history, a PromQL
//! engine over it with Prometheus 2.x semantics, and OpenMetrics / text exposition writers.
//! It owns samples, query evaluation, the golden-signal models fed by the sim's observations,
//! alert rules and the Alertmanager's alerts and silences; it knows nothing of HTTP.

pub mod alertmanager;
mod branch;
mod facts;
pub mod labels;
pub mod matcher;
pub mod monitoring;
pub mod observe;
pub mod openmetrics;
pub mod promql;
mod regex_go;
mod remembered;
pub mod replayed;
pub mod rules;
pub mod samples;
pub mod series;
pub mod signals;

pub use labels::Labels;
pub use matcher::Matcher;
#[cfg(test)]
pub use openmetrics::write_openmetrics;
pub use openmetrics::{ExpositionOptions, write_openmetrics_of, write_text_exposition};
#[cfg(feature = "internals")]
pub use promql::Query;
#[cfg(test)]
pub use promql::{QueryError, instant_query, range_query};
#[cfg(any(test, feature = "internals"))]
pub use promql::{QueryOptions, QueryValue};
#[cfg(any(test, feature = "internals"))]
pub use series::SeriesStore;
