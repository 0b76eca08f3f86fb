//! The timeline pane: newest at the bottom, following unless scrolled; each line with its
//! time (UTC), source and a severity symbol.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::style;
use crate::app::state::AppState;

fn hhmmss(secs: i64) -> String {
    let s = secs.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

pub fn render(state: &AppState, frame: &mut Frame, area: Rect, block: Block<'static>) {
    let height = area.height.saturating_sub(2) as usize;
    let end = state.timeline.len().saturating_sub(state.timeline_scroll);
    let start = end.saturating_sub(height);
    let mut lines: Vec<Line> = state.timeline[start..end]
        .iter()
        .map(|e| {
            let (sym, st) = if e.severe {
                (style::WARN, style::warning())
            } else {
                (" ", style::muted())
            };
            Line::from(vec![
                Span::styled(format!("{} ", hhmmss(e.at)), style::muted()),
                Span::styled(format!("{sym} "), st),
                Span::styled(format!("{:<8} ", e.source), style::muted()),
                Span::raw(e.text.to_string()),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::styled("Nothing has happened yet.", style::muted()));
    }
    let block = if state.timeline_scroll > 0 {
        block.title_bottom(Line::styled(
            format!(" scrolled {} — G to follow ", state.timeline_scroll),
            style::warning(),
        ))
    } else {
        block
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
