//! Draws an action's overlay: checking, denied (with why), the dry-run preview (a rollback's
//! with its history to pick from) and its confirmation prompt (default No, or the name to
//! type), progress per pod, and the result with its undo. A pure function of the flow; every
//! cluster string is cleaned before it is drawn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::actions::preview::{History, PastRevision};
use crate::actions::{Confirm, Flow, PodState, Stage};
use crate::text::CleanText;
use crate::theme::Theme;

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
        PodState::Held { why, tries, for_secs } => (
            "⏸",
            format!(
                "held {} ({tries} tr{}): {}",
                crate::cluster::describe::age(*for_secs as i64),
                if *tries == 1 { "y" } else { "ies" },
                clean(why)
            ),
            t.get("health.warning"),
        ),
        PodState::Evicted => ("…", "evicted, terminating".to_string(), t.get("health.warning")),
        PodState::Terminating => (
            "⚠",
            "evicted; stays Terminating (node not Ready)".to_string(),
            t.get("health.warning"),
        ),
        PodState::Gone => ("✓", "gone".to_string(), t.get("health.ok")),
        PodState::Failed(e) => ("✗", format!("failed: {}", clean(e)), t.get("health.failure")),
    };
    Line::from(vec![
        Span::styled(format!(" {symbol} "), st),
        Span::raw(format!("{} ", clean(object))),
        Span::styled(word, st),
    ])
}

/// The first `most` names, comma-separated, and how many more there are.
fn list(names: &[String], most: usize) -> String {
    let mut s = names.iter().take(most).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > most {
        s.push_str(&format!(" and {} more", names.len() - most));
    }
    s
}

/// How many revisions of a history the overlay lists at most.
const HISTORY_SHOWN: usize = 6;

/// A rollback's history, newest first, around the revision it goes to: the one running now
/// and the chosen one marked, with each one's images and change cause.
fn history_lines(t: &Theme, h: &History, out: &mut Vec<Line<'static>>) {
    let newest_first: Vec<&PastRevision> = h.revisions.iter().rev().collect();
    if newest_first.len() < 2 {
        return;
    }
    out.push(muted(t, "  history (↑/↓ picks another revision):"));
    let at = newest_first.iter().position(|r| r.number == h.target).unwrap_or(0);
    let start = at
        .saturating_sub(HISTORY_SHOWN / 2)
        .min(newest_first.len().saturating_sub(HISTORY_SHOWN));
    for r in newest_first.iter().skip(start).take(HISTORY_SHOWN) {
        // One container: its image alone; several: name=image each.
        let images = match r.images.as_slice() {
            [one] => one.split_once('=').map_or(one.as_str(), |(_, image)| image).to_string(),
            many => many.join(", "),
        };
        let mut line = format!("{:>4}  {}", r.number, clean(&images));
        if let Some(cause) = &r.change_cause {
            line.push_str(&format!("  {}", clean(cause)));
        }
        let (mark, style) = if r.number == h.target {
            ("▸", t.get("ui.title"))
        } else {
            (" ", t.get("ui.text"))
        };
        let mut spans = vec![Span::styled(format!("  {mark}{line}"), style)];
        if r.number == h.current {
            spans.push(Span::styled("  (running)", t.get("ui.muted")));
        }
        out.push(Line::from(spans));
    }
    let hidden = newest_first.len().saturating_sub(start + HISTORY_SHOWN);
    if hidden > 0 {
        out.push(muted(t, format!("   … {hidden} older")));
    }
}

/// The overlay's lines for a flow, as (body, prompt): the prompt (what to type, how to cancel)
/// stays in view when the body is too tall for the screen. `identity` is who the cluster says
/// we are, when known.
pub fn lines(t: &Theme, flow: &Flow, identity: Option<&str>) -> (Vec<Line<'static>>, Vec<Line<'static>>) {
    let mut out = Vec::new();
    let mut prompt = Vec::new();
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
        Stage::Unchanged { preview } => {
            out.push(Line::styled(
                "Nothing to change: nothing was asked or sent.",
                t.get("ui.title"),
            ));
            out.push(Line::raw(clean(&preview.summary)));
        }
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
            let free: Vec<String> = preview
                .pods
                .iter()
                .filter(|p| p.held.is_none())
                .map(|p| format!("{}/{}", clean(&p.namespace), clean(&p.name)))
                .collect();
            if !free.is_empty() {
                out.push(Line::raw(format!("  evicts: {}", list(&free, 8))));
            }
            if !preview.skipped.is_empty() {
                let skipped: Vec<String> = preview.skipped.iter().map(|s| clean(s)).collect();
                out.push(muted(t, format!("  leaves: {}", list(&skipped, 4))));
            }
            for w in &preview.warnings {
                out.push(Line::styled(format!("  ! {}", clean(w)), t.get("health.warning")));
            }
            if let Some(h) = &preview.history {
                history_lines(t, h, &mut out);
            }
            if let Some(u) = &preview.undo {
                out.push(muted(t, format!("  undo: {}", clean(&u.to_string()))));
            }
            if let Some(who) = identity.filter(|_| !flow.action.is_alerting()) {
                out.push(muted(t, format!("  as {} in the cluster", clean(who))));
            }
            prompt.push(Line::raw(""));
            match confirm {
                Confirm::YesNo => prompt.push(Line::from(vec![
                    Span::styled("Go ahead? ", t.get("ui.title")),
                    Span::raw("[y/N]"),
                ])),
                Confirm::TypeName(word) => {
                    prompt.push(Line::from(vec![
                        Span::styled("Type ", t.get("ui.title")),
                        Span::styled(clean(word), t.get("health.warning")),
                        Span::styled(" and Enter to go ahead (Esc: no)", t.get("ui.title")),
                    ]));
                    prompt.push(Line::raw(format!("> {}▏", clean(typed))));
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
            let count = |state: PodState| progress.iter().filter(|p| p.state == state).count();
            if !progress.is_empty() {
                let mut line = format!("{}/{} pods gone", count(PodState::Gone), progress.len());
                let stuck = count(PodState::Terminating);
                if stuck > 0 {
                    line.push_str(&format!(", {stuck} left Terminating"));
                }
                out.push(muted(t, line));
            }
            // What needs eyes first (failed, held), pods already gone last: a long list is
            // cut from the bottom.
            let mut shown: Vec<_> = progress.iter().collect();
            shown.sort_by_key(|p| match p.state {
                PodState::Failed(_) => 0,
                PodState::Held { .. } => 1,
                PodState::Evicting | PodState::Evicted => 2,
                PodState::Waiting => 3,
                PodState::Terminating | PodState::Gone => 4,
            });
            for p in shown {
                out.push(pod_line(t, &p.object, &p.state));
            }
            prompt.push(muted(t, if *cancelling { "Cancelling…" } else { "Esc: cancel" }));
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
    (out, prompt)
}

/// The widest an overlay grows on a wide terminal: beyond this, lines wrap.
const WIDEST: u16 = 160;

/// Rows `lines` take when wrapped to `width`.
fn rows(lines: &[Line<'static>], width: u16) -> u16 {
    Paragraph::new(lines.to_vec())
        .wrap(Wrap { trim: false })
        .line_count(width) as u16
}

/// `body` cut to `room` rows, its last row saying how much was left out.
fn cut(t: &Theme, body: Vec<Line<'static>>, width: u16, room: u16) -> Vec<Line<'static>> {
    if rows(&body, width) <= room {
        return body;
    }
    let mut kept = Vec::new();
    let mut used = 0;
    for line in &body {
        let h = rows(std::slice::from_ref(line), width);
        if used + h + 1 > room {
            break;
        }
        used += h;
        kept.push(line.clone());
    }
    let left = body.len() - kept.len();
    kept.push(muted(t, format!("… {left} more lines (a taller window shows them)")));
    kept
}

/// Draws the overlay centred in `area`; when it is too tall, the body is cut so that the
/// prompt stays in view.
pub fn render(t: &Theme, flow: &Flow, identity: Option<&str>, frame: &mut Frame, area: Rect) {
    let (body, prompt) = lines(t, flow, identity);
    // As wide as its longest line needs (an image diff, a long pod name), at least 76 columns
    // and at most `WIDEST` or what the terminal has.
    let longest = body.iter().chain(&prompt).map(Line::width).max().unwrap_or(0) as u16;
    let w = (longest + 4).clamp(76, WIDEST).min(area.width.saturating_sub(4));
    let inner = w.saturating_sub(2);
    let room = area.height.saturating_sub(2).saturating_sub(rows(&prompt, inner));
    let mut all = cut(t, body, inner, room);
    all.extend(prompt);
    let body = Paragraph::new(all).wrap(Wrap { trim: false });
    let h = (body.line_count(inner) as u16 + 2).min(area.height);
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
