//! A drill cluster served in-process for a test, through the drill crate's public API: its own
//! thread and runtime (so sync and async tests alike can hold it), its kubeconfig in a temp
//! directory, and kubectl pointed at it. Stopped when dropped.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Output;
use std::sync::mpsc;
use std::thread::JoinHandle;

use warroom_drill::{Drill, Options, RequestRecord, scenario};

use crate::Kubectl;

/// How a test wants its drill.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    pub seed: Option<u64>,
    /// The clock's speed (1 when not given).
    pub speed: Option<f64>,
    pub paused: bool,
    /// Keep a drill log here.
    pub log: Option<PathBuf>,
}

/// How the drill comes to be.
enum Launch {
    Start(Box<scenario::Scenario>),
    Replay(PathBuf),
    Resume(PathBuf),
}

/// What the drill's thread is asked to do.
enum Ask {
    Requests(mpsc::Sender<Vec<RequestRecord>>),
    ClearRequests,
    Stop,
}

pub struct Served {
    /// The Kubernetes API.
    pub url: String,
    /// The drill's Prometheus API and `/metrics`.
    pub prometheus: String,
    /// The drill's Alertmanager API.
    pub alertmanager: String,
    pub kubeconfig: PathBuf,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    kubectl: Kubectl,
    asks: mpsc::Sender<Ask>,
    thread: Option<JoinHandle<()>>,
}

impl Served {
    /// Serves a scenario (YAML text; the built-in one when None) on 127.0.0.1.
    pub fn start(yaml: Option<&str>, setup: Setup) -> Served {
        let scenario = match yaml {
            Some(text) => scenario::parse("scenario.yaml", text).unwrap_or_else(|e| panic!("the scenario: {e}")),
            None => scenario::builtin(),
        };
        Served::launch(Launch::Start(Box::new(scenario)), setup)
    }

    /// Replays the flight recording at `recording`.
    pub fn replay(recording: &std::path::Path, setup: Setup) -> Served {
        Served::launch(Launch::Replay(recording.to_path_buf()), setup)
    }

    /// Resumes the drill logged at `log` (its pace from the log unless `setup.speed` says).
    pub fn resume(log: &std::path::Path, setup: Setup) -> Served {
        Served::launch(Launch::Resume(log.to_path_buf()), setup)
    }

    fn launch(launch: Launch, setup: Setup) -> Served {
        let options = Options {
            seed: setup.seed,
            speed: setup.speed.unwrap_or(1.0),
            paused: setup.paused,
            log: setup.log.clone(),
            ..Options::default()
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let (started, up) = mpsc::channel();
        let (asks, asked) = mpsc::channel::<Ask>();
        let thread = std::thread::Builder::new()
            .name("test-drill".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("runtime");
                let listen = "127.0.0.1:0".parse().expect("address");
                let drill = match launch {
                    Launch::Start(scenario) => rt.block_on(Drill::start(*scenario, listen, &options)),
                    Launch::Replay(recording) => rt.block_on(Drill::replay(&recording, None, listen, &options)),
                    Launch::Resume(log) => rt.block_on(Drill::resume(&log, listen, &options, setup.speed)),
                };
                let drill = match drill {
                    Ok(d) => d,
                    Err(e) => {
                        let _ = started.send(Err(e.to_string()));
                        return;
                    }
                };
                let _ = started.send(Ok((drill.addr(), drill.prometheus_url(), drill.alertmanager_url())));
                while let Ok(ask) = asked.recv() {
                    match ask {
                        Ask::Requests(answer) => {
                            let _ = answer.send(drill.requests());
                        }
                        Ask::ClearRequests => drill.clear_requests(),
                        Ask::Stop => break,
                    }
                }
                drill.stop();
                rt.shutdown_background();
            })
            .expect("a thread");
        let (addr, prometheus, alertmanager) = match up.recv() {
            Ok(Ok(up)) => up,
            Ok(Err(e)) => panic!("the drill did not start: {e}"),
            Err(_) => panic!("the drill's thread ended before it started"),
        };
        let url = format!("http://{addr}");
        let kubeconfig = dir.path().join("kubeconfig");
        warroom_drill::write_kubeconfig(&kubeconfig, &url, "warroom-drill").expect("write kubeconfig");
        let kubectl = Kubectl::new(kubeconfig.clone(), dir.path().join("kube-cache"));
        Served {
            url,
            prometheus,
            alertmanager,
            kubeconfig,
            addr,
            dir,
            kubectl,
            asks,
            thread: Some(thread),
        }
    }

    /// Runs the kubectl on PATH against the drill.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl.run(args)
    }

    pub fn kubectl_with(&self, kubectl: &std::path::Path, args: &[&str]) -> Output {
        self.kubectl.run_with(kubectl, args)
    }

    /// kubectl that must succeed; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.kubectl.ok(args)
    }

    pub fn ok_with(&self, kubectl: &std::path::Path, args: &[&str]) -> String {
        self.kubectl.ok_with(kubectl, args)
    }

    /// The drill's now, by its clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.control("GET", "/drill/v1/clock")["now"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .expect("the drill's now")
    }

    /// The objects of each list (API paths such as `/api/v1/pods`), on the drill's clock: for
    /// comparing two drills, since what kubectl reads is moved onto the wall clock, which goes
    /// on between them.
    pub fn lists_on_drill_clock(&self, paths: &[&str]) -> serde_json::Value {
        serde_json::Value::Array(
            paths
                .iter()
                .map(|path| control(&self.url, "GET", path)["items"].clone())
                .collect(),
        )
    }

    /// Calls a drill control path (`/drill/v1/...`) and returns the JSON.
    pub fn control(&self, method: &str, path: &str) -> serde_json::Value {
        control(&self.url, method, path)
    }

    /// POSTs `body` to a drill control path: the status and the answer's text.
    pub fn post(&self, path: &str, body: &serde_json::Value) -> (u16, String) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let answer = crate::http_client()
                .post(format!("{}{path}", self.url))
                .json(body)
                .send()
                .await
                .expect("drill control request");
            let status = answer.status().as_u16();
            (status, answer.text().await.expect("drill control answer"))
        })
    }

    /// The requests the drill served so far.
    pub fn requests(&self) -> Vec<RequestRecord> {
        let (answer, answered) = mpsc::channel();
        self.asks.send(Ask::Requests(answer)).expect("the drill runs");
        answered.recv().expect("the drill answers")
    }

    pub fn clear_requests(&self) {
        self.asks.send(Ask::ClearRequests).expect("the drill runs");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.asks.send(Ask::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Calls a drill control path on the drill at `url` (or any of its APIs, on its clock) and
/// returns the JSON.
pub fn control(url: &str, method: &str, path: &str) -> serde_json::Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = crate::drill_clock_client();
        let url = format!("{url}{path}");
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

/// The value of the instant query `query` on the Prometheus API at `prometheus`, at `time`
/// (Unix milliseconds; its own now when None); None when the result holds no single sample.
pub fn promql(prometheus: &str, query: &str, time: Option<i64>) -> Option<f64> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let answer: serde_json::Value = rt.block_on(async {
        let mut params = vec![("query", query.to_string())];
        if let Some(ms) = time {
            params.push(("time", format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000))));
        }
        crate::http_client()
            .get(format!("{prometheus}/api/v1/query"))
            .query(&params)
            .send()
            .await
            .expect("a Prometheus query")
            .json()
            .await
            .expect("Prometheus's JSON")
    });
    assert_eq!(answer["status"], "success", "{query}: {answer}");
    let result = answer["data"]["result"].as_array()?;
    match result.as_slice() {
        [one] => one["value"][1].as_str()?.parse().ok(),
        _ => None,
    }
}
