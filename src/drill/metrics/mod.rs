//! The drill cluster's metrics: an in-memory sample store of the sim's history, a PromQL
//! engine over it with Prometheus 2.x semantics, and OpenMetrics / text exposition writers.
//! It owns samples and query evaluation; it knows nothing of HTTP or of the signal models.

pub mod labels;
pub mod matcher;
pub mod openmetrics;
pub mod promql;
mod regex_go;
pub mod samples;
pub mod series;

pub use labels::{Labels, METRIC_NAME};
pub use matcher::{MatchOp, Matcher};
pub use openmetrics::{ExpositionOptions, write_openmetrics, write_text_exposition};
pub use promql::{InstantSample, Query, QueryError, QueryOptions, QueryValue, RangeSeries, instant_query, range_query};
pub use series::{MetricMeta, MetricType, SeriesId, SeriesStore, StoreError};
