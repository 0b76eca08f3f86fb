//! The header line: mode (DRILL with the virtual clock and speed, or LIVE with the context),
//! the scenario or cluster, elapsed time and each data source's freshness.

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

fn elapsed(secs: i64) -> String {
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
    match worst {
        None => ("data live".to_string(), true),
        Some((s, t)) => (format!("{t} ({})", s.name()), false),
    }
}

pub fn render(state: &AppState, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    match &state.mode {
        Mode::Drill { title, clock: c } => {
            spans.push(Span::styled(" DRILL ", style::drill_banner()));
            spans.push(Span::raw(" "));
            if let Some(c) = c {
                let speed = if c.paused {
                    "paused".to_string()
                } else {
                    format!("x{}", c.speed)
                };
                spans.push(Span::styled(
                    format!("T+{} {} {speed}", elapsed(c.now - c.start), clock(c.now)),
                    style::title(),
                ));
                spans.push(Span::raw("  "));
            }
            spans.push(Span::raw(title.to_string()));
        }
        Mode::Live { context } => {
            spans.push(Span::styled(" LIVE ", style::live_banner()));
            spans.push(Span::raw(format!(" {context}")));
        }
    }
    let (fresh, live) = freshness(state);
    spans.push(Span::raw("  "));
    spans.push(Span::styled(
        format!("{} {fresh}", if live { style::GOOD } else { style::WARN }),
        if live { style::ok() } else { style::warning() },
    ));
    spans.push(Span::styled(
        format!("  up {}", elapsed(state.now - state.started)),
        style::muted(),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
