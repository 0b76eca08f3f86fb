//! The simulated control plane: each file is one controller acting on the store through
//! `Sim` (deployments, replica sets, daemon sets, stateful sets and their controller revisions,
//! disruption budgets, endpoints, autoscalers, the scheduler, the kubelet, node lifecycle), plus
//! scenario set-up, faults, the load traffic puts on pods, and Events.

pub mod autoscalers;
pub mod build;
pub mod configs;
pub mod controller_revisions;
pub mod daemonsets;
pub mod deployments;
pub mod endpoints;
pub mod events;
pub mod faults;
pub mod kubelet;
pub mod load;
pub mod nodes;
pub mod pdbs;
pub mod replicasets;
pub mod scheduler;
pub mod statefulsets;
