//! The real kubectl pointed at one kubeconfig, with its own cache directory so tests never
//! share discovery caches.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::tools::kubectl_path;

#[derive(Debug, Clone)]
pub struct Kubectl {
    pub kubeconfig: PathBuf,
    pub cache: PathBuf,
}

impl Kubectl {
    pub fn new(kubeconfig: PathBuf, cache: PathBuf) -> Kubectl {
        Kubectl { kubeconfig, cache }
    }

    /// Runs the kubectl on PATH (the dispatcher picks the version matching the server).
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(&kubectl_path(), args)
    }

    pub fn run_with(&self, kubectl: &Path, args: &[&str]) -> Output {
        Command::new(kubectl)
            .args(args)
            .arg("--cache-dir")
            .arg(&self.cache)
            .env("KUBECONFIG", &self.kubeconfig)
            .env_remove("KUBECTL_EXTERNAL_DIFF")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", kubectl.display()))
    }

    /// kubectl that must succeed; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_with(&kubectl_path(), args)
    }

    pub fn ok_with(&self, kubectl: &Path, args: &[&str]) -> String {
        let out = self.run_with(kubectl, args);
        assert!(
            out.status.success(),
            "{} {args:?} failed: {}\n{}",
            kubectl.display(),
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}
