//! The console loop: one `tokio::select!` over terminal input, cluster updates, the one channel
//! of answers and readings, the drill clock and signals. It feeds messages to `update`, hands
//! the effects `update` returns to the executor, and draws only when something changed, at most
//! 60 times a second, inside synchronized-update escapes so tmux never shows half a frame.
//! The terminal is restored on quit, panic, SIGTERM, SIGHUP, SIGINT and SIGQUIT.

pub mod executor;
pub mod facilitator;
pub mod joined;
pub mod journal_link;
pub mod observing;
pub mod options;
pub mod terminal_gone;
pub mod terminal_input;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use ratatui::crossterm::event::{DisableBracketedPaste, EnableBracketedPaste, Event, KeyEventKind};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use tokio::sync::mpsc;

use crate::app::message::{DrillClock, Msg};
use crate::app::state::{AppState, Mode};
use crate::app::update::update;
use crate::cluster::connect::Cluster;
use crate::cluster::follow::follow;
use crate::text::CleanText;
use executor::Executor;
use journal_link::{JournalLink, Op};
pub use options::ConsoleOptions;
use warroom_drill::Drill;

const FRAME: Duration = Duration::from_millis(16);

/// What the console watches.
pub enum Target {
    /// The in-process drill cluster (the console reaches it through its HTTP API); this console
    /// facilitates it unless the players run it and their facilitator joins (`--player`).
    Drill {
        drill: Drill,
        facilitator: bool,
        /// In a replay, the journal of the incident recorded.
        real_team: Option<std::sync::Arc<crate::debrief::RealTeam>>,
    },
    /// A drill another process runs; this console facilitates it only as `facilitator`.
    Joined {
        drill: joined::Joined,
        facilitator: bool,
    },
    Live(Cluster),
}

impl Target {
    /// What the drill's clock says, in a drill.
    fn reading(&self) -> Option<warroom_drill::ClockReading> {
        match self {
            Target::Drill { drill: running, .. } => Some(running.clock()),
            Target::Joined { drill, .. } => Some(drill.clock()),
            Target::Live(_) => None,
        }
    }

    /// The drill's clock as the header shows it, in a drill.
    fn drill_clock(&self) -> Option<DrillClock> {
        self.reading().map(|c| DrillClock {
            now: c.now.as_second(),
            start: c.start.as_second(),
            speed: c.speed,
            paused: c.paused,
        })
    }

    /// A function reading the drill's time, in a drill.
    fn virtual_now(&self) -> Option<Arc<dyn Fn() -> jiff::Timestamp + Send + Sync>> {
        match self {
            Target::Drill { drill: running, .. } => Some(Arc::new(running.virtual_now())),
            Target::Joined { drill, .. } => Some(Arc::new(drill.virtual_now())),
            Target::Live(_) => None,
        }
    }

    /// A function reading the scenario as it stands (faults injected among its faults), in a
    /// drill.
    fn scenario_now(&self) -> Option<Arc<dyn Fn() -> warroom_drill::scenario::Scenario + Send + Sync>> {
        match self {
            Target::Drill { drill: running, .. } => Some(Arc::new(running.scenario_now())),
            Target::Joined { drill, .. } => Some(Arc::new(drill.scenario_now())),
            Target::Live(_) => None,
        }
    }

    /// The scenario played, in a drill.
    fn scenario(&self) -> Option<warroom_drill::scenario::Scenario> {
        self.scenario_now().map(|now| now())
    }

    /// The drill log's file name, when the drill keeps one.
    fn log(&self) -> Option<String> {
        match self {
            Target::Drill { drill: running, .. } => running
                .log_path()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())),
            Target::Joined { drill, .. } => drill.log.clone(),
            Target::Live(_) => None,
        }
    }

    /// The drill's Kubernetes API (and its `/drill/v1` controls), in a drill.
    fn drill_url(&self) -> Option<String> {
        match self {
            Target::Drill { drill: running, .. } => Some(running.url()),
            Target::Joined { drill, .. } => Some(drill.url.clone()),
            Target::Live(_) => None,
        }
    }
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

pub async fn run(target: Target, options: ConsoleOptions) -> anyhow::Result<()> {
    // A broken theme or keymap stops here, before the screen is taken, with its file and line.
    let setup = options.resolve()?;
    // The console draws on a terminal and reads keys from it; without one, say so plainly.
    {
        use std::io::IsTerminal;
        if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "the console needs a terminal (stdin and stdout are not one here); \
                 for a headless drill cluster run `warroom sim`"
            );
        }
    }
    let (cluster, mode) = match &target {
        Target::Drill { .. } | Target::Joined { .. } => {
            let title = target.scenario().map(|s| s.title).unwrap_or_default();
            let url = target.drill_url().unwrap_or_default();
            (
                Cluster::drill(&url)?.with_read_only(options.access.read_only())?,
                Mode::Drill {
                    title: CleanText::line(&title),
                    clock: target.drill_clock(),
                },
            )
        }
        Target::Live(c) => (
            c.clone().with_read_only(options.access.read_only())?,
            Mode::Live {
                context: CleanText::line(&c.name),
            },
        ),
    };
    // Where this cluster's flight recorder keeps its window (earlier ConfigMaps are read there).
    let window = setup
        .config
        .recorder
        .console
        .then(|| crate::flight::run::window_dir(&setup.store, &cluster.name));
    // A live cluster's last picture, kept by the console before, is shown at once (marked with
    // its age, actions held) while the watches list the cluster; a drill starts fresh.
    let picture_path = match &target {
        Target::Live(_) => Some(crate::flight::run::window_dir(&setup.store, &cluster.name).join("picture.json.zst")),
        Target::Drill { .. } | Target::Joined { .. } => None,
    };
    let picture = picture_path
        .as_deref()
        .and_then(|p| match crate::cluster::picture::Picture::load(p) {
            Ok(picture) => picture,
            Err(e) => {
                tracing::warn!(error = %e, "the cluster's last picture is not shown");
                None
            }
        });
    let (tx, mut rx) = mpsc::channel(4096);
    let following = follow(&cluster, tx);
    let mut state = AppState::new(mode, now());
    state.theme = setup.theme;
    state.keymap = setup.keymap;
    state.you = setup.actor.name.clone();
    state.status = crate::app::status::StatusEditor::new(setup.status);
    if let Target::Drill {
        real_team: Some(real), ..
    } = &target
    {
        state.original = Some(crate::app::original::Original::new(&real.incident, &real.entries));
    }
    if picture_path.is_some() {
        state.picture = Some(crate::app::picture::Kept {
            at: state.now,
            applied: 0,
        });
    }
    let mut first_effects = Vec::new();
    if let Some(p) = picture {
        p.into_model(&mut state.model);
        first_effects = update(&mut state, Msg::Settled);
    }
    // A terminal that hangs up without a SIGHUP ends the console as a SIGHUP would. It is
    // heard before the terminal's events, which a dead tty may deliver without end.
    let gone = std::sync::Arc::new(tokio::sync::Notify::new());
    match terminal_gone::console_tty() {
        Ok(tty) => {
            let gone = gone.clone();
            terminal_gone::watch(tty, move || gone.notify_one());
        }
        Err(e) => tracing::warn!(error = %e, "the terminal is not watched for a hang-up"),
    }
    let mut terminal = ratatui::try_init().map_err(|e| anyhow::anyhow!("cannot take over the terminal: {e}"))?;
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    if let Ok(size) = terminal.size() {
        state.size = (size.width, size.height);
    }
    // The first frame (the recorded picture, or "connecting") before Prometheus and
    // Alertmanager are looked for, which may take seconds.
    let _ = terminal.draw(|f| crate::ui::render(&state, f));

    // Every answer, reading and journal entry comes back on this one channel.
    let (msg_tx, mut msgs) = mpsc::unbounded_channel();
    // The flight recorder (`[recorder] console`) keeps the cluster's changes for the incidents
    // of this data directory; one recorder per cluster there (another may have it already).
    let mut flight = if setup.config.recorder.console {
        let mut settings = setup.config.recorder();
        settings.drill = !matches!(target, Target::Live(_));
        settings.journal = setup.journal.clone();
        match crate::flight::run::start(cluster.client.clone(), &cluster.name, setup.store.clone(), settings).await {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::warn!(error = %e, "the console keeps no flight recorder");
                None
            }
        }
    } else {
        None
    };
    let drill_run = match (target.scenario_now(), target.virtual_now(), target.reading()) {
        (Some(scenario), Some(now), Some(reading)) => Some(journal_link::DrillRun {
            played: crate::incident::model::Played {
                scenario: scenario().name,
                start: Some(reading.start),
                log: target.log(),
            },
            clock: crate::incident::journal::DrillClock(now),
            scenario,
            real_team: match &target {
                Target::Drill { real_team, .. } => real_team.clone(),
                _ => None,
            },
            branched: match &target {
                Target::Drill { drill, .. } => Arc::new(drill.branched_now()),
                Target::Joined { drill, .. } => Arc::new(drill.branched_now()),
                Target::Live(_) => Arc::new(|| None),
            },
        }),
        _ => None,
    };
    let journal = JournalLink::start(
        setup.store,
        setup.journal,
        setup.actor.clone(),
        drill_run,
        msg_tx.clone(),
    );
    if let Some(id) = options.incident.clone() {
        journal.send(Op::Open(id));
    }
    // Metrics and alerts: a source that cannot even be set up is told, and the console runs on.
    let observing = match &target {
        Target::Drill { drill: running, .. } => observing::drill(
            running,
            setup.config.plan(None).objective,
            options.access.read_only(),
            setup.config.detection.console,
            msg_tx.clone(),
        )
        .map(Some),
        Target::Joined { drill, .. } => observing::joined(
            drill,
            setup.config.plan(None).objective,
            options.access.read_only(),
            setup.config.detection.console,
            msg_tx.clone(),
        )
        .map(Some),
        Target::Live(_) => {
            observing::live(
                &setup.config,
                &cluster,
                options.access.read_only(),
                setup.config.detection.console,
                None,
                msg_tx.clone(),
            )
            .await
        }
    };
    let observing = match observing {
        Ok(o) => o,
        Err(e) => {
            let _ = msg_tx.send(Msg::Notice {
                text: format!("metrics and alerts are not followed: {e}"),
                error: true,
            });
            None
        }
    };
    if let Some(o) = &observing {
        state.observe = crate::observe::model::ObserveModel::new(&o.sources);
        if let Some(f) = flight.as_mut() {
            f.observe(o.monitored());
        }
    }
    // Containment actions: the runner records into the journal through the link.
    let runner = match crate::actions::Runner::new(&cluster, Arc::new(journal.clone()), setup.actor.clone()) {
        Ok(r) => {
            let r = r.with_alertmanager(observing.as_ref().and_then(|o| o.alertmanager.clone()));
            // A drill's silences start by the drill's clock, which may be paused or replaying.
            Some(Arc::new(match target.virtual_now() {
                Some(clock) => r.with_clock(clock),
                None => r,
            }))
        }
        Err(e) => {
            let _ = msg_tx.send(Msg::Notice {
                text: format!("containment actions are unavailable: {e}"),
                error: true,
            });
            None
        }
    };
    {
        // Who the cluster says we are, for the action overlay (the journal records it per action).
        let (tx, cluster) = (msg_tx.clone(), cluster.clone());
        tokio::spawn(async move {
            let _ = tx.send(Msg::Identity(cluster.identity().await.to_string()));
        });
    }
    state.read_only = options.access.read_only();
    state.facilitating = match &target {
        Target::Drill { facilitator, .. } | Target::Joined { facilitator, .. } => *facilitator,
        Target::Live(_) => false,
    };
    if let Some(o) = observing
        .as_ref()
        .filter(|o| o.prometheus.is_some() && setup.config.detection.console)
    {
        let session = crate::detect::session::Session::new(setup.config.detection(), setup.playbooks.clone())
            .following(&o.plan.services);
        state.detection = Some(session);
    }
    state.playbooks = setup.playbooks;
    let executor = Executor {
        journal,
        runner,
        tx: msg_tx,
        user_dir: setup.user_dir,
        depth: setup.depth,
        client: cluster.client.clone(),
        logs: Default::default(),
        history: observing
            .as_ref()
            .and_then(|o| o.prometheus.clone().map(|p| (p, o.plan.clone()))),
        picture: picture_path,
        window,
        drill: target.drill_url(),
        redaction: Arc::new(setup.config.recorder().redaction),
    };
    executor.carry_out(first_effects);

    // A panic in the loop is caught here long enough to save the draft (ratatui's panic hook has
    // already restored the terminal), then goes on.
    let result = std::panic::AssertUnwindSafe(event_loop(
        &mut terminal,
        &mut state,
        &mut rx,
        &mut msgs,
        &executor,
        &target,
        &gone,
    ))
    .catch_unwind()
    .await;
    // Whatever ended the loop (quit, a signal, a panic), the draft's last words reach the journal.
    executor.carry_out(crate::app::status::before_quit(&mut state));
    if let (Some(p), Some(path)) = (crate::app::picture::before_quit(&mut state), &executor.picture) {
        executor::keep(&p, path);
    }
    executor.journal.flush(Duration::from_secs(2));
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    following.stop();
    if let Some(o) = observing {
        o.following.stop();
    }
    if let Some(f) = flight {
        f.stop();
    }
    match result {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    state: &mut AppState,
    rx: &mut mpsc::Receiver<crate::cluster::model::Update>,
    msgs: &mut mpsc::UnboundedReceiver<Msg>,
    executor: &Executor,
    target: &Target,
    gone: &tokio::sync::Notify,
) -> anyhow::Result<()> {
    let mut events = terminal_input::read().map_err(|e| anyhow::anyhow!("cannot read the terminal: {e}"))?;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // Every signal that would end the process ends the loop instead, so the terminal is restored
    // and the draft saved (in raw mode ctrl-c is a key; SIGINT and SIGQUIT come from `kill`).
    let (mut term, mut hup, mut int, mut quit) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate())?,
            signal(SignalKind::hangup())?,
            signal(SignalKind::interrupt())?,
            signal(SignalKind::quit())?,
        )
    };
    let mut last_draw = tokio::time::Instant::now() - FRAME;
    loop {
        let frame_due = last_draw + FRAME;
        tokio::select! {
            biased;
            _ = term.recv() => break,
            _ = hup.recv() => break,
            _ = int.recv() => break,
            _ = quit.recv() => break,
            () = gone.notified() => break,
            ev = events.recv() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    executor.carry_out(update(state, Msg::Key(k)));
                }
                Some(Ok(Event::Paste(text))) => executor.carry_out(update(state, Msg::Paste(text))),
                Some(Ok(Event::Resize(w, h))) => executor.carry_out(update(state, Msg::Resize(w, h))),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(anyhow::anyhow!("reading the terminal: {e}")),
                None => break,
            },
            // A closed channel disables this branch rather than spinning on it.
            Some(u) = rx.recv() => {
                executor.carry_out(update(state, Msg::Cluster(u)));
                // Drain a burst before drawing.
                while let Ok(u) = rx.try_recv() {
                    executor.carry_out(update(state, Msg::Cluster(u)));
                }
                executor.carry_out(update(state, Msg::Settled));
            }
            Some(m) = msgs.recv() => executor.carry_out(update(state, m)),
            _ = tick.tick() => {
                if let Some(clock) = target.drill_clock() {
                    executor.carry_out(update(state, Msg::Clock(clock)));
                }
                executor.carry_out(update(state, Msg::Tick(now())));
            }
            _ = tokio::time::sleep_until(frame_due), if state.dirty => {}
        }
        if state.quit {
            break;
        }
        if state.dirty && tokio::time::Instant::now() >= last_draw + FRAME {
            let mut out = std::io::stdout();
            let _ = execute!(out, BeginSynchronizedUpdate);
            terminal.draw(|f| crate::ui::render(state, f))?;
            let _ = execute!(out, EndSynchronizedUpdate);
            let _ = out.flush();
            state.dirty = false;
            last_draw = tokio::time::Instant::now();
        }
    }
    Ok(())
}
