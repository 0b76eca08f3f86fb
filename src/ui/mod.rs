//! Drawing: a pure function of the state. Lays out the header, the four panes (side by side
//! on wide terminals, as tabs on small ones), the footer with the focused pane's keys, and
//! overlays. It reads state and writes only to the frame.

pub mod action;
pub mod header;
pub mod health;
pub mod playbook;
pub mod style;
pub mod timeline;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Tabs};

use crate::app::keys::GLOBAL;
use crate::app::state::{AppState, Overlay, Pane};

fn block(state: &AppState, pane: Pane) -> Block<'static> {
    let focused = state.focus == pane;
    Block::default()
        .borders(Borders::ALL)
        .border_style(style::border(focused))
        .title(Span::styled(format!(" {} ", pane.title()), style::title()))
}

fn pane(state: &AppState, frame: &mut Frame, pane: Pane, area: Rect) {
    let b = block(state, pane);
    match pane {
        Pane::Health => health::render(state, frame, area, b),
        Pane::Timeline => timeline::render(state, frame, area, b),
        Pane::Playbook => frame.render_widget(
            Paragraph::new(vec![
                Line::styled("No playbook is active.", style::muted()),
                Line::styled(
                    "Playbooks and one-key containment actions arrive with their own issue.",
                    style::muted(),
                ),
            ])
            .block(b),
            area,
        ),
        Pane::Editor => {
            let mut editor = state.editor.clone();
            editor.set_block(b);
            frame.render_widget(&editor, area);
        }
    }
}

fn footer(state: &AppState) -> Line<'static> {
    let mut spans = Vec::new();
    for b in GLOBAL.iter().filter(|b| b.pane.is_none_or(|p| p == state.focus)) {
        spans.push(Span::styled(format!(" {} ", b.notation), style::title()));
        spans.push(Span::styled(format!("{} ", b.description), style::muted()));
    }
    Line::from(spans)
}

fn help(frame: &mut Frame, area: Rect) {
    let w = area.width.min(60);
    let h = (GLOBAL.len() as u16 + 4).min(area.height);
    let r = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
    let mut lines = vec![Line::styled("Keys", style::title())];
    for b in GLOBAL {
        lines.push(Line::from(vec![
            Span::styled(format!("{:>10}  ", b.notation), style::title()),
            Span::raw(b.description),
        ]));
    }
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Help (esc to close) ")),
        r,
    );
}

/// Draws the whole console.
pub fn render(state: &AppState, frame: &mut Frame) {
    let area = frame.area();
    let [head, body, foot] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(1)]).areas(area);
    header::render(state, frame, head);
    if state.zoom {
        pane(state, frame, state.focus, body);
    } else if state.tabbed() {
        let [tabs, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(body);
        let titles: Vec<&str> = Pane::ALL.iter().map(|p| p.title()).collect();
        let selected = Pane::ALL.iter().position(|p| *p == state.focus).unwrap_or(0);
        frame.render_widget(
            Tabs::new(titles).select(selected).highlight_style(style::border(true)),
            tabs,
        );
        pane(state, frame, state.focus, rest);
    } else {
        let [top, bottom] = Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body);
        let [health, timeline] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
        let [playbook, editor] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
        pane(state, frame, Pane::Health, health);
        pane(state, frame, Pane::Timeline, timeline);
        pane(state, frame, Pane::Playbook, playbook);
        pane(state, frame, Pane::Editor, editor);
    }
    frame.render_widget(Paragraph::new(footer(state)), foot);
    if state.overlay == Some(Overlay::Help) {
        help(frame, area);
    }
}
