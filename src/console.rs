//! The console loop: one `tokio::select!` over terminal input, cluster updates, the drill clock
//! and signals. It feeds messages to `update`, and draws only when something changed, at most
//! 60 times a second, inside synchronized-update escapes so tmux never shows half a frame.
//! The terminal is restored on quit, panic, SIGTERM and SIGHUP.

use std::io::Write;
use std::time::Duration;

use futures::StreamExt;
use ratatui::crossterm::event::{DisableBracketedPaste, EnableBracketedPaste, Event, EventStream, KeyEventKind};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use tokio::sync::mpsc;

use crate::app::message::{DrillClock, Msg};
use crate::app::state::{AppState, Mode};
use crate::app::update::update;
use crate::cluster::connect::Cluster;
use crate::cluster::follow::follow;
use crate::drill::server::Running;
use crate::text::CleanText;

const FRAME: Duration = Duration::from_millis(16);

/// What the console watches.
pub enum Target {
    /// The in-process drill cluster (the console reaches it through its HTTP API).
    Drill(Running),
    Live(Cluster),
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn drill_clock(running: &Running) -> DrillClock {
    let sim = running.cluster.lock();
    DrillClock {
        now: sim.clock.now().as_second(),
        start: sim.start.as_second(),
        speed: sim.clock.speed(),
        paused: sim.clock.paused(),
    }
}

pub async fn run(target: Target) -> anyhow::Result<()> {
    let (cluster, mode) = match &target {
        Target::Drill(running) => {
            let title = running.cluster.lock().scenario.title.clone();
            (
                Cluster::drill(&running.url())?,
                Mode::Drill {
                    title: CleanText::line(&title),
                    clock: Some(drill_clock(running)),
                },
            )
        }
        Target::Live(c) => (
            c.clone(),
            Mode::Live {
                context: CleanText::line(&c.name),
            },
        ),
    };
    let (tx, mut rx) = mpsc::channel(4096);
    let following = follow(&cluster, tx);
    let mut state = AppState::new(mode, now());

    let mut terminal = ratatui::init();
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    if let Ok(size) = terminal.size() {
        state.size = (size.width, size.height);
    }
    let result = event_loop(&mut terminal, &mut state, &mut rx, &target).await;
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    following.stop();
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    state: &mut AppState,
    rx: &mut mpsc::Receiver<crate::cluster::model::Update>,
    target: &Target,
) -> anyhow::Result<()> {
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let (mut term, mut hup) = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::terminate())?, signal(SignalKind::hangup())?)
    };
    let mut last_draw = tokio::time::Instant::now() - FRAME;
    loop {
        let frame_due = last_draw + FRAME;
        tokio::select! {
            biased;
            _ = term.recv() => break,
            _ = hup.recv() => break,
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => update(state, Msg::Key(k)),
                Some(Ok(Event::Paste(text))) => update(state, Msg::Paste(text)),
                Some(Ok(Event::Resize(w, h))) => update(state, Msg::Resize(w, h)),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(anyhow::anyhow!("reading the terminal: {e}")),
                None => break,
            },
            // A closed channel disables this branch rather than spinning on it.
            Some(u) = rx.recv() => {
                update(state, Msg::Cluster(u));
                // Drain a burst before drawing.
                while let Ok(u) = rx.try_recv() {
                    update(state, Msg::Cluster(u));
                }
                update(state, Msg::Settled);
            }
            _ = tick.tick() => {
                if let Target::Drill(running) = target {
                    update(state, Msg::Clock(drill_clock(running)));
                }
                update(state, Msg::Tick(now()));
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
