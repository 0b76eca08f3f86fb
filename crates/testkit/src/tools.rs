//! The tools the tests run that nobody here wrote (kubectl, prometheus, promtool,
//! prometheus-alertmanager, openssl, tmux): found on PATH, or the test fails loudly naming the
//! Debian package; and a free loopback port for a server a test starts.

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

/// The kubectl on PATH; the test fails loudly when there is none.
pub fn kubectl_path() -> PathBuf {
    which("kubectl")
        .expect("kubectl is not on PATH: the drill cluster is tested against the real kubectl (see scripts/test)")
}

/// Every kubectl minor version shipped beside the one on PATH (`kubectl.1.NN`), oldest first;
/// the test fails loudly when there are none.
pub fn every_kubectl() -> Vec<PathBuf> {
    let real = std::fs::canonicalize(kubectl_path()).expect("resolve kubectl");
    let dir = real.parent().expect("kubectl has a directory");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("list kubectl's directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("kubectl.1."))
        })
        .collect();
    versions.sort_by_key(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        name.trim_start_matches("kubectl.1.").parse::<u32>().unwrap_or(0)
    });
    assert!(
        !versions.is_empty(),
        "no kubectl minor versions (kubectl.1.NN) beside {}",
        real.display()
    );
    versions
}

/// Another kubectl minor version shipped beside the one on PATH (`kubectl.1.NN`), other than
/// 1.32; the test fails loudly when there is none.
pub fn other_kubectl() -> PathBuf {
    // Prefer an older minor: the widest gap from the server's 1.32.
    every_kubectl()
        .into_iter()
        .find(|p| p.file_name().and_then(|n| n.to_str()) != Some("kubectl.1.32"))
        .expect("a kubectl minor version other than 1.32 beside the one on PATH")
}
