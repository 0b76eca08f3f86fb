//! `warroom sim` as a real process (the command users run), its addresses read from what it
//! prints, and kubectl pointed at it. Killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use warroom_testkit::Kubectl;

/// A `warroom sim` process, killed when dropped.
pub struct SimProcess {
    child: Child,
    pub url: String,
    /// The drill's Prometheus API and `/metrics`.
    pub prometheus: String,
    /// The drill's Alertmanager API.
    pub alertmanager: String,
    pub kubeconfig: PathBuf,
    pub dir: tempfile::TempDir,
    kubectl: Kubectl,
}

impl SimProcess {
    /// Starts `warroom sim` with a scenario file (or the built-in one) and extra arguments.
    pub fn start(scenario: Option<&str>, extra: &[&str]) -> SimProcess {
        SimProcess::start_on("127.0.0.1:0", scenario, extra)
    }

    /// `start`, listening on `listen` (to come back on a port a client already uses).
    pub fn start_on(listen: &str, scenario: Option<&str>, extra: &[&str]) -> SimProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_warroom"));
        cmd.arg("sim");
        if let Some(yaml) = scenario {
            let path = dir.path().join("scenario.yaml");
            std::fs::write(&path, yaml).expect("write scenario");
            cmd.arg(&path);
        }
        cmd.args(["--listen", listen, "--kubeconfig-out"])
            .arg(&kubeconfig)
            .args(extra)
            .env("WARROOM_STATE_DIR", dir.path())
            .env("WARROOM_DATA_DIR", dir.path().join("data"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start warroom sim");
        let stdout = child.stdout.take().expect("stdout");
        let mut url = None;
        let (mut prometheus, mut alertmanager) = (String::new(), String::new());
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("read sim stdout");
            if let Some(u) = line.strip_prefix("kubernetes-api: ") {
                url = Some(u.to_string());
            }
            if let Some(u) = line.strip_prefix("prometheus: ") {
                prometheus = u.to_string();
            }
            if let Some(u) = line.strip_prefix("alertmanager: ") {
                alertmanager = u.to_string();
            }
            if line.starts_with("drill-control: ") {
                break;
            }
        }
        let Some(url) = url else {
            let out = child.wait_with_output().expect("sim output");
            panic!("warroom sim did not start: {}", String::from_utf8_lossy(&out.stderr));
        };
        let kubectl = Kubectl::new(kubeconfig.clone(), dir.path().join("kube-cache"));
        SimProcess {
            child,
            url,
            prometheus,
            alertmanager,
            kubeconfig,
            dir,
            kubectl,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Runs the kubectl on PATH (the dispatcher picks the version matching the server).
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl.run(args)
    }

    pub fn kubectl_with(&self, kubectl: &Path, args: &[&str]) -> Output {
        self.kubectl.run_with(kubectl, args)
    }

    /// kubectl that must succeed; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.kubectl.ok(args)
    }

    pub fn ok_with(&self, kubectl: &Path, args: &[&str]) -> String {
        self.kubectl.ok_with(kubectl, args)
    }

    /// Calls a drill control path and returns the JSON.
    pub fn control(&self, method: &str, path: &str) -> serde_json::Value {
        warroom_testkit::drill::control(&self.url, method, path)
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
