//! The drill's tests that reach inside it: the monitoring stack driven in-process (signals,
//! alerts, the backfill), and the PromQL engine against the real Prometheus, under fuzzing, and
//! on what it refuses; the servers' workers kept free while the monitoring stack is busy. Tests through the public API are in `tests/drill/`.

mod promql_differential;
mod promql_fuzz;
mod promql_unsupported;
mod properties;
mod signals;
mod stepping;
mod workers;
