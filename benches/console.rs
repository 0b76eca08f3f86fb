//! Console benchmark. Prints:
//! - frame render time (median, p99) at 250×70 with 5,000 nodes, 150,000 pods and 5,000
//!   workloads in the model (1% of pods crashlooping, 50 nodes not ready);
//! - keypress-to-frame latency: `update` for a key plus the frame it causes;
//! - the cost of settling (recomputing signals and the attention list) after a burst;
//! - the pods list at 150,000 pods: opening it, sorting by each column, filtering, a frame of
//!   it and a keypress in it;
//! - the last picture at 150,000 pods: keeping it (rows to a compressed file), its size, and
//!   reading it back into a new console's model (what a console shows before its watches list);
//! - CPU used by an idle console over 30 s: a real `warroom live` in tmux, following a
//!   headless drill cluster (`warroom sim`) so that only the console's own process is measured;
//!   then three consoles following one open incident's journal, each measured.
//!
//! Run: `cargo bench --bench console` (targets: under 2 ms a frame, under 1% of a core idle);
//! `WARROOM_BENCH_ONLY=frames|lists|picture|idle` runs one part.

use std::process::Command;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::app::message::{DrillClock, Msg};
use warroom::app::state::{AppState, Mode};
use warroom::app::update::update;
use warroom::cluster::model::{Change, Resource, Update};
use warroom::cluster::rows::{NodeRow, Owner, OwnerKind, Phase, PodRow, Trouble, WarningRow, WorkloadRow};
use warroom::freshness::Freshness;
use warroom::text::CleanText;

#[path = "../tests/support/mod.rs"]
mod support;

const NOW: i64 = 1_795_615_200;

/// `update`, its effects dropped: the bench measures the state change and the frame, not the
/// executor.
fn apply(s: &mut AppState, msg: Msg) {
    let _effects = update(s, msg);
}

fn model() -> AppState {
    let mut s = AppState::new(
        Mode::Drill {
            title: CleanText::line("Synthetic 5000 nodes / 150000 pods"),
            clock: Some(DrillClock {
                now: NOW,
                start: NOW - 600,
                speed: 1.0,
                paused: false,
            }),
        },
        NOW,
    );
    for n in 0..5_000 {
        let row = NodeRow {
            ready: n % 100 != 7,
            unknown: n % 100 == 7,
            memory_pressure: n % 500 == 3,
            disk_pressure: false,
            pid_pressure: false,
            unschedulable: n % 250 == 1,
            pod_capacity: 110,
            zone: Some(CleanText::line(&format!("zone-{}", n % 3))),
        };
        apply(
            &mut s,
            Msg::Cluster(Update::Node(Change::Apply(
                ("".into(), CleanText::line(&format!("node-{n}"))),
                row,
            ))),
        );
    }
    for w in 0..5_000 {
        let ns = CleanText::line(&format!("team-{}", w % 50));
        let row = WorkloadRow {
            desired: 30,
            ready: if w % 100 == 0 { 27 } else { 30 },
            updated: 30,
            available: if w % 100 == 0 { 27 } else { 30 },
            paused: false,
            revision: Some("4".into()),
            image: Some(CleanText::line(&format!("registry.example.com/app-{w}:1.2.3"))),
            rolling: false,
            deadline_exceeded: w % 1000 == 5,
        };
        apply(
            &mut s,
            Msg::Cluster(Update::Workload(
                OwnerKind::Deployment,
                Change::Apply((ns, CleanText::line(&format!("app-{w}"))), row),
            )),
        );
    }
    for p in 0..150_000u32 {
        let w = p / 30;
        let crash = p % 100 == 0;
        let row = PodRow {
            phase: Phase::Running,
            ready: !crash,
            restarts: if crash { 7 } else { 0 },
            trouble: Trouble {
                waiting: crash.then(|| "CrashLoopBackOff".into()),
                last_termination: crash.then(|| "Error".into()),
                last_message: crash.then(|| "panic: connection refused".into()),
                reason: None,
            }
            .boxed(),
            node: Some(CleanText::line(&format!("node-{}", p % 5_000))),
            owner: Some(Owner {
                kind: OwnerKind::Deployment,
                name: CleanText::line(&format!("app-{w}")),
            }),
            created: NOW - 3_600,
            terminating: false,
        };
        let key = (
            CleanText::line(&format!("team-{}", w % 50)),
            CleanText::line(&format!("app-{w}-{p}")),
        );
        apply(&mut s, Msg::Cluster(Update::Pod(Change::Apply(key, row))));
    }
    for e in 0..2_000 {
        let row = WarningRow {
            reason: CleanText::line(["BackOff", "Unhealthy", "FailedScheduling"][e % 3]),
            object: CleanText::line(&format!("Pod/app-{}-{}", e, e * 30)),
            message: CleanText::line("Back-off restarting failed container"),
            count: 3,
            last_seen: NOW - e as i64,
        };
        apply(
            &mut s,
            Msg::Cluster(Update::Warning(Change::Apply(
                ("team-0".into(), CleanText::line(&format!("ev-{e}"))),
                row,
            ))),
        );
    }
    for source in Resource::ALL {
        apply(
            &mut s,
            Msg::Cluster(Update::Freshness(source, Freshness::Live { since: NOW })),
        );
    }
    apply(&mut s, Msg::Resize(250, 70));
    s
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{what}: median {:.3} ms, p99 {:.3} ms, max {:.3} ms over {}",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        times.len()
    );
}

fn frames() {
    let built = Instant::now();
    let mut s = model();
    println!(
        "model: {} nodes, {} pods, {} workloads built in {:.1} s",
        s.model.totals.nodes,
        s.model.totals.pods,
        s.model.workloads.len(),
        built.elapsed().as_secs_f64()
    );
    let mut settle = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        apply(&mut s, Msg::Settled);
        settle.push(t.elapsed());
    }
    report("settle (signals + attention) after a burst", settle);
    let mut terminal = Terminal::new(TestBackend::new(250, 70)).expect("terminal");
    let mut times = Vec::new();
    for i in 0..600 {
        // A changing clock forces every frame to differ, as a live console's would.
        apply(&mut s, Msg::Tick(NOW + i));
        let t = Instant::now();
        terminal.draw(|f| warroom::ui::render(&s, f)).expect("draw");
        times.push(t.elapsed());
    }
    report("frame at 250x70 with 150,000 pods", times);
    let mut latency = Vec::new();
    let keys = [
        KeyCode::Char('j'),
        KeyCode::Char('k'),
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Char('z'),
        KeyCode::Esc,
    ];
    for i in 0..600 {
        let t = Instant::now();
        apply(
            &mut s,
            Msg::Key(KeyEvent::new(keys[i % keys.len()], KeyModifiers::NONE)),
        );
        terminal.draw(|f| warroom::ui::render(&s, f)).expect("draw");
        latency.push(t.elapsed());
    }
    report("keypress to frame", latency);
}

fn key(s: &mut AppState, code: KeyCode) {
    apply(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn timed(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

fn lists() {
    let mut s = model();
    apply(&mut s, Msg::Settled);
    key(&mut s, KeyCode::Char('1'));
    key(&mut s, KeyCode::Char('z'));
    let mut open = Vec::new();
    for _ in 0..5 {
        apply(&mut s, Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
        key(&mut s, KeyCode::Char('1'));
        key(&mut s, KeyCode::Char('v'));
        key(&mut s, KeyCode::Char('v'));
        open.push(timed(|| key(&mut s, KeyCode::Char('v'))));
    }
    let rows = s.list.as_ref().map_or(0, |v| v.rows.len());
    report(&format!("open the pods list ({rows} rows)"), open);
    let columns = s.list.as_ref().map_or(0, |v| v.kind.columns().len());
    let sort = (0..columns * 2)
        .map(|_| timed(|| key(&mut s, KeyCode::Char('s'))))
        .collect();
    report("sort the pods list by the next column", sort);
    let mut filter = Vec::new();
    for word in ["CrashLoop", "node-42", "zzz-nothing"] {
        key(&mut s, KeyCode::Char('/'));
        for c in word.chars() {
            key(&mut s, KeyCode::Char(c));
        }
        filter.push(timed(|| key(&mut s, KeyCode::Enter)));
        let held = s.list.as_ref().map_or(0, |v| v.rows.len());
        println!("  filter {word:?}: {held} rows hold it");
        key(&mut s, KeyCode::Esc);
    }
    report("filter the pods list (enter)", filter);
    let mut terminal = Terminal::new(TestBackend::new(250, 70)).expect("terminal");
    let mut frames = Vec::new();
    let mut latency = Vec::new();
    for i in 0..300 {
        apply(&mut s, Msg::Tick(NOW + i));
        frames.push(timed(|| {
            terminal.draw(|f| warroom::ui::render(&s, f)).expect("draw");
        }));
        let code = if i % 50 < 25 {
            KeyCode::Char('j')
        } else {
            KeyCode::Char('k')
        };
        latency.push(timed(|| {
            key(&mut s, code);
            terminal.draw(|f| warroom::ui::render(&s, f)).expect("draw");
        }));
    }
    report("frame of the pods list at 250x70", frames);
    report("keypress to frame in the pods list", latency);
}

fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Consoles started in one tmux server, each in its own window, all following one headless drill.
struct Consoles {
    socket: String,
    dir: tempfile::TempDir,
}

impl Consoles {
    fn new() -> Consoles {
        let dir = tempfile::tempdir().expect("tmp");
        let socket = dir.path().join("tmux.sock").display().to_string();
        Consoles { socket, dir }
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-S", &self.socket])
            .args(args)
            .output()
            .expect("tmux is required for the idle measurement")
    }

    fn warroom(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_warroom"));
        c.env("WARROOM_STATE_DIR", self.dir.path())
            .env("WARROOM_DATA_DIR", self.dir.path())
            .env("WARROOM_CONFIG", self.dir.path().join("none.toml"));
        c
    }

    /// Starts `warroom live ARGS` in a new window named `name`; returns its pid.
    fn start(&self, name: &str, args: &str) -> u32 {
        let cmd = format!(
            "WARROOM_STATE_DIR={d} WARROOM_DATA_DIR={d} WARROOM_CONFIG={d}/none.toml exec {} live {args}",
            env!("CARGO_BIN_EXE_warroom"),
            d = self.dir.path().display()
        );
        let first = self.tmux(&["has-session", "-t", "b"]).status.success();
        if first {
            self.tmux(&["new-window", "-d", "-t", "b", "-n", name, &cmd]);
        } else {
            let session = ["-f", "/dev/null", "new-session", "-d", "-s", "b", "-n", name];
            self.tmux(&[&session[..], &["-x", "200", "-y", "50", &cmd]].concat());
        }
        let target = format!("b:{name}");
        loop {
            let out = self.tmux(&["display-message", "-p", "-t", &target, "#{pane_pid}"]);
            if let Ok(p) = String::from_utf8_lossy(&out.stdout).trim().parse() {
                return p;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Consoles {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// CPU used by each process over `window`, in % of a core.
fn cpu_over(pids: &[u32], window: Duration) -> Vec<f64> {
    let hz = 100.0; // USER_HZ on Linux
    let before: Vec<u64> = pids.iter().map(|p| cpu_ticks(*p).expect("the console runs")).collect();
    let t = Instant::now();
    std::thread::sleep(window);
    let secs = t.elapsed().as_secs_f64();
    pids.iter()
        .zip(before)
        .map(|(p, b)| (cpu_ticks(*p).expect("the console still runs") - b) as f64 / hz / secs * 100.0)
        .collect()
}

fn idle_cpu() {
    let sim = support::SimProcess::start(None, &[]);
    let kubeconfig = sim.kubeconfig.display().to_string();
    let window = Duration::from_secs(30);
    let settle = Duration::from_secs(10);

    let alone = Consoles::new();
    let pid = alone.start("alone", &format!("--kubeconfig {kubeconfig}"));
    std::thread::sleep(settle);
    let used = cpu_over(&[pid], window)[0];
    println!("idle console, no incident (live, following a drill, no keys) over {window:?}: {used:.2}% of a core");
    drop(alone);

    let following = Consoles::new();
    let out = following
        .warroom()
        .args(["incident", "new", "--title", "idle bench", "--sev", "2"])
        .output()
        .expect("warroom incident new");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let consoles = 3;
    let pids: Vec<u32> = (0..consoles)
        .map(|i| following.start(&format!("c{i}"), &format!("--kubeconfig {kubeconfig} --incident {id}")))
        .collect();
    std::thread::sleep(settle);
    let used = cpu_over(&pids, window);
    let each: Vec<String> = used.iter().map(|u| format!("{u:.2}%")).collect();
    println!(
        "{consoles} idle consoles following incident {id} over {window:?}: {} of a core each, {:.2}% in all",
        each.join(", "),
        used.iter().sum::<f64>()
    );
}

fn picture() {
    use warroom::cluster::picture::Picture;
    let s = model();
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("picture.json.zst");
    let mut taken = None;
    let take = timed(|| taken = Some(Picture::of(&s.model, NOW)));
    let taken = taken.expect("a picture");
    let keep = timed(|| taken.save(&path).expect("kept"));
    let size = std::fs::metadata(&path).expect("kept").len();
    let mut fresh = AppState::new(s.mode.clone(), NOW);
    let show = timed(|| {
        let p = Picture::load(&path).expect("read").expect("a picture");
        p.into_model(&mut fresh.model);
        apply(&mut fresh, Msg::Settled);
    });
    assert_eq!(fresh.model.pods.len(), s.model.pods.len());
    println!(
        "last picture of {} pods: taken in {:.0} ms (in the loop), kept in {:.0} ms ({:.1} MB), shown by a new console in {:.0} ms",
        s.model.pods.len(),
        take.as_secs_f64() * 1000.0,
        keep.as_secs_f64() * 1000.0,
        size as f64 / 1e6,
        show.as_secs_f64() * 1000.0
    );
}

fn main() {
    // WARROOM_BENCH_ONLY=frames|lists|picture|idle runs one part.
    let only = std::env::var("WARROOM_BENCH_ONLY").unwrap_or_default();
    let run = |part: &str| only.is_empty() || only == part;
    if run("frames") {
        frames();
    }
    if run("lists") {
        lists();
    }
    if run("picture") {
        picture();
    }
    if run("idle") {
        idle_cpu();
    }
}
