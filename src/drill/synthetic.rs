//! The synthetic scale generator: a cluster at the documented Kubernetes limits (e.g. 5,000
//! nodes and 150,000 pods) with realistic object sizes, built directly in its steady state
//! (no warm-up) for benchmarks of list, watch and model throughput.

use std::str::FromStr;

use crate::drill::sim::Sim;

/// `nodes=5000,pods=150000[,namespaces=N]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticSpec {
    pub nodes: usize,
    pub pods: usize,
    pub namespaces: usize,
}

impl FromStr for SyntheticSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut spec = SyntheticSpec {
            nodes: 0,
            pods: 0,
            namespaces: 0,
        };
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| {
                format!("expected key=value in {part:?} (e.g. nodes=5000,pods=150000)")
            })?;
            let n: usize = v
                .trim()
                .parse()
                .map_err(|_| format!("{k}: {v:?} is not a whole number"))?;
            match k.trim() {
                "nodes" => spec.nodes = n,
                "pods" => spec.pods = n,
                "namespaces" => spec.namespaces = n,
                other => {
                    return Err(format!(
                        "unknown key {other:?} (use nodes, pods, namespaces)"
                    ));
                }
            }
        }
        if spec.nodes == 0 {
            return Err("nodes must be at least 1".into());
        }
        if spec.namespaces == 0 {
            spec.namespaces = (spec.pods / 1500).clamp(1, 100);
        }
        Ok(spec)
    }
}

impl SyntheticSpec {
    pub fn build(&self, _seed: u64) -> Sim {
        unimplemented!("the synthetic generator is not written yet")
    }
}
