//! Draws an action's overlay: checking, denied (with why), the dry-run preview with its
//! confirmation prompt (default No, or the name to type), progress per pod, and the result with
//! its undo. A pure function of the flow; every cluster string is cleaned before it is drawn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::actions::{Confirm, Flow, PodState, Stage};
use crate::text::CleanText;

fn clean(s: &str) -> String {
    CleanText::line(s).to_string()
}

fn muted(t: &Theme, s: impl Into<String>) -> Line<'static> {
    Line::styled(s.into(), t.get("ui.muted"))
}

fn pod_line(t: &Theme, object: &str, state: &PodState) -> Line<'static> {
    let (symbol, word, st) = match state {
        PodState::Waiting => ("·", "waiting".to_string(), t.get("ui.muted")),
        PodState::Evicting => ("…", "evicting".to_string(), t.get("health.warning")),
        PodState::Held(why) => ("⏸", format!("held: {}", clean(why)), t.get("health.warning")),
        PodState::Evicted => ("…", "evicted, terminating".to_string(), t.get("health.warning")),
        PodState::Gone => ("✓", "gone".to_string(), t.get("health.ok")),
        PodState::Failed(e) => ("✗", format!("failed: {}", clean(e)), t.get("health.failure")),
    };
    Line::from(vec![
        Span::styled(format!(" {symbol} "), st),
        Span::raw(format!("{} ", clean(object))),
        Span::styled(word, st),
    ])
}

/// The overlay's lines for a flow; `identity` is who the cluster says we are, when known.
pub fn lines(t: &Theme, flow: &Flow, identity: Option<&str>) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    match &flow.stage {
        Stage::CheckingPermission => out.push(muted(t, "Checking permission (SelfSubjectAccessReview)…")),
        Stage::DryRunning => out.push(muted(t, "Server-side dry run…")),
        Stage::Denied { reason } => {
            out.push(Line::styled(
                "✗ Not allowed: nothing was sent.",
                t.get("health.failure"),
            ));
            out.push(Line::raw(clean(reason)));
        }
        Stage::Failed { error } => {
            out.push(Line::styled("✗ Failed", t.get("health.failure")));
            out.push(Line::raw(clean(error)));
        }
        Stage::Declined => out.push(muted(t, "Declined: nothing was changed.")),
        Stage::Confirming {
            preview,
            confirm,
            typed,
        } => {
            out.push(Line::styled(clean(&preview.summary), t.get("ui.title")));
            for c in &preview.changes {
                out.push(Line::raw(format!(
                    "  {} {}: {} → {}",
                    clean(&c.object),
                    clean(&c.field),
                    clean(&c.from),
                    clean(&c.to)
                )));
            }
            let held: Vec<_> = preview.pods.iter().filter(|p| p.held.is_some()).collect();
            for p in held.iter().take(5) {
                out.push(Line::styled(
                    format!(
                        "  ⏸ {}/{} held: {}",
                        clean(&p.namespace),
                        clean(&p.name),
                        clean(p.held.as_deref().unwrap_or(""))
                    ),
                    t.get("health.warning"),
                ));
            }
            if held.len() > 5 {
                out.push(muted(t, format!("  … {} more held", held.len() - 5)));
            }
            for w in &preview.warnings {
                out.push(Line::styled(format!("  ! {}", clean(w)), t.get("health.warning")));
            }
            if let Some(u) = &preview.undo {
                out.push(muted(t, format!("  undo: {}", clean(&u.to_string()))));
            }
            if let Some(who) = identity.filter(|_| !flow.action.is_alerting()) {
                out.push(muted(t, format!("  as {} in the cluster", clean(who))));
            }
            out.push(Line::raw(""));
            match confirm {
                Confirm::YesNo => out.push(Line::from(vec![
                    Span::styled("Go ahead? ", t.get("ui.title")),
                    Span::raw("[y/N]"),
                ])),
                Confirm::TypeName(word) => {
                    out.push(Line::from(vec![
                        Span::styled("Type ", t.get("ui.title")),
                        Span::styled(clean(word), t.get("health.warning")),
                        Span::styled(" and Enter to go ahead (Esc: no)", t.get("ui.title")),
                    ]));
                    out.push(Line::raw(format!("> {}▏", clean(typed))));
                }
            }
        }
        Stage::Running {
            preview,
            progress,
            cancelling,
        } => {
            out.push(Line::styled(
                format!("Running: {}", clean(&preview.summary)),
                t.get("ui.title"),
            ));
            let gone = progress.iter().filter(|p| p.state == PodState::Gone).count();
            if !progress.is_empty() {
                out.push(muted(t, format!("{gone}/{} pods gone", progress.len())));
            }
            for p in progress {
                out.push(pod_line(t, &p.object, &p.state));
            }
            out.push(muted(t, if *cancelling { "Cancelling…" } else { "Esc: cancel" }));
        }
        Stage::Succeeded { outcome, .. } => {
            let head = if outcome.cancelled { "⏹ Cancelled" } else { "✓ Done" };
            out.push(Line::styled(
                format!("{head}: {}", clean(&outcome.summary)),
                t.get("health.ok"),
            ));
            out.push(muted(t, format!("took {} ms; journaled", outcome.duration_ms)));
            match &outcome.undo {
                Some(u) => out.push(Line::raw(format!("Undo (u): {}", clean(&u.to_string())))),
                None => out.push(muted(t, "Nothing to undo.")),
            }
        }
    }
    out
}

/// Draws the overlay centred in `area`.
pub fn render(t: &Theme, flow: &Flow, identity: Option<&str>, frame: &mut Frame, area: Rect) {
    let w = area.width.saturating_sub(4).min(76);
    let body = Paragraph::new(lines(t, flow, identity)).wrap(Wrap { trim: false });
    let h = (body.line_count(w.saturating_sub(2)) as u16 + 2).min(area.height);
    let r = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
    let title = format!(" {} · {} ", clean(&flow.action.to_string()), flow.stage.name());
    frame.render_widget(Clear, r);
    frame.render_widget(
        body.block(
            Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(title, t.get("ui.title"))),
        ),
        r,
    );
}
