//! The timeline pane: the hypotheses still open or being tested and the pinned entries kept
//! visible at the top, then the (filtered) entries, newest at the bottom, following unless
//! scrolled; each line with its time (UTC), source and a symbol. Entries that just arrived
//! are highlighted for a few seconds. When the selected entry (the bottom one) records an
//! action with an undo, the pane's foot names the key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::style;
use crate::app::state::{AppState, Pane, TimelineEntry};
use crate::text::CleanText;

/// How long a new entry stays highlighted, in seconds.
const NEW_FOR: i64 = 5;
/// At most this many pinned entries are kept on top.
const PINNED_SHOWN: usize = 3;
/// At most this many unsettled hypotheses are kept on top (the latest).
const HYPOTHESES_SHOWN: usize = 3;

fn hhmmss(secs: i64) -> String {
    let s = secs.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

fn line(state: &AppState, e: &TimelineEntry, selected: bool) -> Line<'static> {
    let t = &state.theme;
    let (sym, st) = if e.pinned {
        (style::PIN, t.get("timeline.pinned"))
    } else if e.severe {
        (style::WARN, t.get("health.warning"))
    } else {
        (" ", t.get("ui.muted"))
    };
    let text_style = if state.now - e.arrived < NEW_FOR {
        t.get("ui.new")
    } else {
        t.get("ui.text")
    };
    let mut l = Line::from(vec![
        Span::styled(format!("{} ", hhmmss(e.at)), t.get("timeline.time")),
        Span::styled(format!("{sym} "), st),
        Span::styled(format!("{:<8.8} ", e.source.as_str()), t.get("timeline.source")),
        Span::styled(e.text.to_string(), text_style),
    ]);
    if selected {
        l = l.patch_style(t.get("ui.selection"));
    }
    l
}

/// The board of hypotheses not yet settled, `? #N testing owner  text`, when the pane has the
/// room; the settled ones are in the timeline and the postmortem.
fn hypotheses(state: &AppState, height: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let Some(incident) = &state.incident else {
        return Vec::new();
    };
    let live: Vec<_> = incident.hypotheses.iter().filter(|h| !h.state.is_settled()).collect();
    if live.is_empty() || height <= 8 {
        return Vec::new();
    }
    live.iter()
        .rev()
        .take(HYPOTHESES_SHOWN)
        .rev()
        .map(|h| {
            Line::from(vec![
                Span::styled("? ", t.get("timeline.pinned")),
                Span::styled(format!("#{} {:<8} ", h.seq, h.state.as_str()), t.get("timeline.source")),
                Span::styled(format!("{} ", CleanText::line(&h.owner)), t.get("timeline.time")),
                Span::styled(CleanText::line(&h.text).to_string(), t.get("ui.text")),
            ])
        })
        .collect()
}

pub fn render(state: &AppState, frame: &mut Frame, area: Rect, block: Block<'static>) {
    let t = &state.theme;
    let height = area.height.saturating_sub(2) as usize;
    let visible = state.visible_timeline();
    let pinned: Vec<&TimelineEntry> = state.timeline.iter().filter(|e| e.pinned).collect();
    let mut lines: Vec<Line> = hypotheses(state, height);
    if !pinned.is_empty() && height > 6 {
        for e in pinned.iter().rev().take(PINNED_SHOWN).rev() {
            lines.push(line(state, e, false));
        }
    }
    if !lines.is_empty() {
        lines.push(Line::styled(
            "─".repeat(area.width.saturating_sub(2) as usize),
            t.get("ui.border"),
        ));
    }
    let room = height.saturating_sub(lines.len());
    let end = visible.len().saturating_sub(state.timeline_scroll);
    let start = end.saturating_sub(room);
    let focused = state.focus == Pane::Timeline;
    for (i, e) in visible[start..end].iter().enumerate() {
        let selected = focused && state.timeline_scroll > 0 && start + i + 1 == end;
        lines.push(line(state, e, selected));
    }
    if visible.is_empty() {
        lines.push(Line::styled(
            if state.timeline.is_empty() {
                "Nothing has happened yet."
            } else {
                "Nothing matches the filter."
            },
            t.get("ui.muted"),
        ));
    }
    let mut block = block;
    if let Some(f) = state.filters.get(&Pane::Timeline) {
        block = block.title(Span::styled(format!(" filter: {f} "), t.get("health.warning")));
    }
    let undo_key = state.keymap.key_for(
        crate::app::keymap::Context::Timeline,
        crate::app::keymap::KeyAction::UndoEntry,
    );
    // The selected entry is the bottom one drawn (what `selected_entry` finds, without
    // filtering the timeline again).
    let selected = end.checked_sub(1).map(|i| visible[i]);
    if let (true, Some(k), Some(undo)) = (focused, undo_key, selected.and_then(|e| e.undo.as_ref())) {
        block = block.title_bottom(Line::styled(format!(" {k}: {undo} "), t.get("ui.title")).right_aligned());
    }
    if state.timeline_scroll > 0 {
        let follow = state
            .keymap
            .key_for(
                crate::app::keymap::Context::Timeline,
                crate::app::keymap::KeyAction::Bottom,
            )
            .unwrap_or_default();
        block = block.title_bottom(Line::styled(
            format!(" scrolled {} — {follow} to follow ", state.timeline_scroll),
            t.get("health.warning"),
        ));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
