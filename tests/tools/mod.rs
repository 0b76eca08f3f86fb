//! The tools the tests run that nobody here wrote (kubectl, prometheus, promtool,
//! prometheus-alertmanager, openssl, tmux): found on PATH, or the test fails loudly naming the
//! Debian package; and a free loopback port for a server a test starts.
#![allow(dead_code)]

use std::path::PathBuf;

/// `name` on PATH, if it is there.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// `name` on PATH; the test fails loudly when it is missing, naming the package to install.
pub fn require(name: &str, package: &str) -> PathBuf {
    which(name).unwrap_or_else(|| {
        panic!(
            "`{name}` is required and was not found on PATH: install the Debian package `{package}` (scripts/test does)"
        )
    })
}

/// A free port on 127.0.0.1 (bound, then released for the server to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
