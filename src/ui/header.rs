//! The header line: mode (DRILL with the virtual clock and speed, or LIVE with the context),
//! the incident (id, severity with its symbol, status, title, elapsed, your role), each data
//! source's freshness, and how long the console has been up.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::style;
use crate::app::state::{AppState, Mode};
use crate::cluster::model::{Freshness, Source};

fn clock(secs: i64) -> String {
    let s = secs.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

pub fn elapsed(secs: i64) -> String {
    let s = secs.max(0);
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s / 60) % 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

/// Freshness of the sources, worst first: `live`, `stale 2m (pods)`, `forbidden (pods)`.
pub fn freshness(state: &AppState) -> (String, bool) {
    let mut worst: Option<(Source, String)> = None;
    for (source, f) in &state.model.freshness {
        let text = match f {
            Freshness::Live { .. } => continue,
            Freshness::Connecting => "connecting".to_string(),
            Freshness::Reconnecting { since, .. } => format!("stale {}", elapsed(state.now - since)),
            Freshness::Forbidden { .. } if state.model.fallback.contains_key(source) => continue,
            Freshness::Forbidden { .. } => "forbidden".to_string(),
            Freshness::Error { .. } => "error".to_string(),
        };
        if worst.is_none() {
            worst = Some((*source, text));
        }
    }
    if worst.is_none() {
        for (source, f) in &state.observe.freshness {
            use crate::observe::model::Freshness as F;
            let text = match f {
                F::Live { .. } => continue,
                F::Connecting => "connecting".to_string(),
                F::Reconnecting { since, .. } => format!("stale {}", elapsed(state.now - since)),
                F::Unauthorized { .. } => "unauthorized".to_string(),
                F::Forbidden { .. } => "forbidden".to_string(),
                F::Error { .. } => "error".to_string(),
            };
            return (format!("{text} ({})", source.name()), false);
        }
    }
    match worst {
        None => ("data live".to_string(), true),
        Some((s, t)) => (format!("{t} ({})", s.name()), false),
    }
}

pub fn render(state: &AppState, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let mut spans = Vec::new();
    match &state.mode {
        Mode::Drill { title, clock: c } => {
            spans.push(Span::styled(" DRILL ", t.get("banner.drill")));
            spans.push(Span::raw(" "));
            if let Some(c) = c {
                let speed = if c.paused {
                    "paused".to_string()
                } else {
                    format!("x{}", c.speed)
                };
                spans.push(Span::styled(
                    format!("T+{} {} {speed}", elapsed(c.now - c.start), clock(c.now)),
                    t.get("ui.title"),
                ));
                spans.push(Span::raw("  "));
            }
            if state.incident.is_none() {
                spans.push(Span::styled(title.to_string(), t.get("ui.text")));
            }
        }
        Mode::Live { context } => {
            spans.push(Span::styled(" LIVE ", t.get("banner.live")));
            spans.push(Span::styled(format!(" {context} "), t.get("ui.title")));
        }
    }
    if let Some(i) = &state.incident {
        let n = i.severity.number();
        spans.push(Span::styled(
            format!(" {} {} ", style::severity_symbol(n), i.severity),
            t.severity(n),
        ));
        spans.push(Span::styled(format!(" {} {} ", i.id, i.status), t.get("ui.title")));
        // The update countdown before the title, so a narrow terminal still shows it.
        if let Some(mut due) = super::editor::countdown(state) {
            due.content = format!(" {} ", due.content.trim_start()).into();
            spans.push(due);
        }
        spans.push(Span::styled(
            crate::text::CleanText::line(&i.title).to_string(),
            t.get("ui.text"),
        ));
        spans.push(Span::styled(
            format!("  {}", elapsed(state.now - i.opened_at.as_second())),
            t.get("ui.muted"),
        ));
        let roles: Vec<String> = i
            .assignments
            .iter()
            .filter(|a| a.renounced_at.is_none() && a.person == state.you)
            .map(|a| a.role.to_string())
            .collect();
        if !roles.is_empty() {
            spans.push(Span::styled(format!("  you: {}", roles.join(", ")), t.get("ui.muted")));
        }
    }
    let (fresh, live) = freshness(state);
    spans.push(Span::raw("  "));
    spans.push(Span::styled(
        format!("{} {fresh}", if live { style::GOOD } else { style::WARN }),
        if live {
            t.get("health.ok")
        } else {
            t.get("health.stale")
        },
    ));
    spans.push(Span::styled(
        format!("  up {}", elapsed(state.now - state.started)),
        t.get("ui.muted"),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
