//! Following a cluster: the kube-rs model against the drill cluster, and the Prometheus and
//! Alertmanager clients against the real Debian servers (values, errors, auth, TLS), and the
//! console's panels read against the drill's own Prometheus. One test target.

#[path = "../support/mod.rs"]
mod support;

mod alertmanager;
mod auth;
mod discover;
mod learn;
mod logs;
mod model;
mod panels;
mod prometheus;
mod record;
mod tls;
mod watch;
