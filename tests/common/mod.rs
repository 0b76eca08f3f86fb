//! Shared test helpers: running `warroom sim` as a real process, running the real kubectl
//! against it, and waiting for a condition with a generous deadline (a wait, not a timing
//! assertion).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

#[allow(unused_imports)]
pub use crate::tools::{free_port, require, which};

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
}

impl SimProcess {
    /// Starts `warroom sim` with a scenario file (or the built-in one) and extra arguments.
    pub fn start(scenario: Option<&str>, extra: &[&str]) -> SimProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_warroom"));
        cmd.arg("sim");
        if let Some(yaml) = scenario {
            let path = dir.path().join("scenario.yaml");
            std::fs::write(&path, yaml).expect("write scenario");
            cmd.arg(&path);
        }
        cmd.args(["--listen", "127.0.0.1:0", "--kubeconfig-out"])
            .arg(&kubeconfig)
            .args(extra)
            .env("WARROOM_STATE_DIR", dir.path())
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
        SimProcess {
            child,
            url,
            prometheus,
            alertmanager,
            kubeconfig,
            dir,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Runs the kubectl on PATH (the dispatcher picks the version matching the server).
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_with(&kubectl_path(), args)
    }

    pub fn kubectl_with(&self, kubectl: &Path, args: &[&str]) -> Output {
        Command::new(kubectl)
            .args(args)
            .arg("--cache-dir")
            .arg(self.dir.path().join("kube-cache"))
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
        let out = self.kubectl_with(kubectl, args);
        assert!(
            out.status.success(),
            "{} {args:?} failed: {}\n{}",
            kubectl.display(),
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// GETs a drill control path and returns the JSON.
    pub fn control(&self, method: &str, path: &str) -> serde_json::Value {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let client = warroom::http::plain_client();
            let url = format!("{}{path}", self.url);
            let req = match method {
                "POST" => client.post(&url),
                "DELETE" => client.delete(&url),
                _ => client.get(&url),
            };
            req.send()
                .await
                .expect("drill control request")
                .json()
                .await
                .expect("drill control JSON")
        })
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The kubectl on PATH; the test fails loudly when there is none.
pub fn kubectl_path() -> PathBuf {
    which("kubectl")
        .expect("kubectl is not on PATH: the drill cluster is tested against the real kubectl (see scripts/test)")
}

/// Another kubectl minor version shipped beside the one on PATH (`kubectl.1.NN`), other than
/// 1.32; the test fails loudly when there is none.
pub fn other_kubectl() -> PathBuf {
    let real = std::fs::canonicalize(kubectl_path()).expect("resolve kubectl");
    let dir = real.parent().expect("kubectl has a directory");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("list kubectl's directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("kubectl.1.") && n != "kubectl.1.32")
        })
        .collect();
    versions.sort();
    // Prefer an older minor: the widest gap from the server's 1.32.
    versions.into_iter().next().unwrap_or_else(|| {
        panic!(
            "no other kubectl minor version (kubectl.1.NN) beside {}",
            real.display()
        )
    })
}

/// Waits up to `secs` for `f` to return Some.
pub fn wait_for<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {secs}s waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A memory figure of a process from /proc (`VmHWM:` peak, `VmRSS:` now), in MiB.
pub fn rss_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// A tokio runtime for tests that drive async code from a plain `#[test]`.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A new drill incident's journal, `INC-20261124-001.jsonl` in `dir`, opened by "tester".
pub fn new_journal(dir: &Path, title: &str) -> PathBuf {
    use warroom::incident::journal::Journal;
    use warroom::incident::model::{Actor, Declared, Draft, Event, IncidentId, Severity, Source, Status};
    let path = dir.join("INC-20261124-001.jsonl");
    let declared = Declared {
        id: IncidentId::new(jiff::civil::date(2026, 11, 24), 1),
        title: title.into(),
        severity: Severity::Sev2,
        status: Status::Investigating,
        impact: String::new(),
        services: Vec::new(),
        components: Vec::new(),
        drill: true,
    };
    Journal::create(
        &path,
        Draft::new(Actor::named("tester"), Source::Human, Event::IncidentOpened(declared)),
    )
    .expect("journal");
    path
}
