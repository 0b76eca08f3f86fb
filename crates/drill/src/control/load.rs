//! How busy each workload with traffic is: its traffic (times a surge) shared by its ready
//! pods, against the scenario's baseline of that traffic over its replicas. A pod's CPU use
//! follows it (so scaling out relieves pods and a surge heats them), and so do the service's
//! latency and, past twice the baseline, its errors.

use std::collections::HashMap;

use crate::sim::Sim;

/// Load at which a service starts failing requests (pods past their CPU request).
pub const OVERLOAD: f64 = 2.0;

/// The extra share of failed requests at a load (0 up to [`OVERLOAD`], then 10% more per unit
/// of load, at most half).
pub fn overload_errors(load: f64) -> f64 {
    (0.1 * (load - OVERLOAD)).clamp(0.0, 0.5)
}

impl Sim {
    /// A workload's traffic relative to the scenario's (a surge fault sets it).
    pub fn surge(&self, workload: &str) -> f64 {
        self.surges.get(workload).copied().unwrap_or(1.0)
    }

    /// Recomputes each traffic workload's per-pod load (1 = as the scenario began): its surge
    /// times its baseline replicas over its ready pods.
    pub(crate) fn refresh_loads(&mut self) {
        let baseline: HashMap<String, f64> = self
            .scenario
            .workloads
            .iter()
            .map(|w| w.get())
            .filter(|w| w.traffic > 0.0)
            .map(|w| (format!("{}/{}", w.namespace, w.name), f64::from(w.replicas.max(1))))
            .collect();
        let mut ready: HashMap<&str, f64> = HashMap::new();
        for rt in self.pods.values() {
            if let Some(w) = rt.workload.as_deref()
                && baseline.contains_key(w)
                && rt.ready
                && !rt.terminating
            {
                *ready.entry(w).or_default() += 1.0;
            }
        }
        let loads = baseline
            .iter()
            .map(|(w, base)| {
                let serving = ready.get(w.as_str()).copied().unwrap_or(0.0).max(1.0);
                (w.clone(), self.surge(w) * base / serving)
            })
            .collect();
        self.loads = loads;
    }

    /// The per-pod load of a workload (1 for workloads without traffic).
    pub fn load(&self, workload: &str) -> f64 {
        self.loads.get(workload).copied().unwrap_or(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_start_past_twice_the_baseline_and_are_bounded() {
        assert_eq!(overload_errors(1.0), 0.0);
        assert_eq!(overload_errors(OVERLOAD), 0.0);
        assert!((overload_errors(3.0) - 0.1).abs() < 1e-9);
        assert_eq!(overload_errors(50.0), 0.5);
    }
}
