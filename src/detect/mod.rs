//! Detection: adaptive baselines over each service's golden signals and its workload's and
//! nodes' condition, deviations that persist, and what changed before them. Pure: samples and
//! cluster changes come in, outcomes go out; the adapters read Prometheus and the cluster, the
//! console and `warroom watch` act on what it says.

pub mod baseline;
pub mod cause;
pub mod detector;
pub mod feed;
pub mod history;
pub mod measure;
pub mod mitigate;
pub mod report;
pub mod session;

#[cfg(test)]
mod tests;
