//! The cluster adapter: connects to a Kubernetes cluster (a user's, or the drill cluster) with
//! kube-rs, follows it with watchers, and keeps a compact health model and the symptoms read
//! off it (crashloops, NotReady nodes...). It talks to the outside; it knows nothing of the
//! terminal.

pub mod connect;
pub mod describe;
pub mod evidence;
pub mod follow;
pub mod identity;
pub mod inspect;
pub mod intern;
pub mod logs;
pub mod model;
pub mod picture;
pub mod pod_view;
pub mod read_only;
pub mod rows;
pub mod symptoms;
