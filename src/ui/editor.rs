//! The status editor pane: a line naming the template, channel and draft, then the draft being
//! written (ratatui-textarea) or its preview as the channel will show it, and a last line for
//! the publish confirmation or the publish in flight. Also the header's update countdown.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::keymap::{Context, KeyAction};
use crate::app::state::AppState;
use crate::app::status;
use crate::text::CleanText;

fn key(state: &AppState, a: KeyAction) -> String {
    state
        .keymap
        .key_for(Context::Editor, a)
        .unwrap_or_else(|| a.name().into())
}

/// What the draft is: template, channel, draft id.
fn about(state: &AppState) -> Line<'static> {
    let t = &state.theme;
    let s = &state.status;
    let template = match s.chosen_template() {
        Some(tpl) => format!("{} ({})", tpl.name, tpl.audience),
        None => format!("no template ({} picks one)", key(state, KeyAction::StatusTemplate)),
    };
    let channel = match s.chosen_channel() {
        Some(c) => format!(
            "{} ({}{})",
            c.name,
            c.target.kind(),
            if c.external { ", EXTERNAL" } else { "" }
        ),
        None => "no channel configured".into(),
    };
    let mut spans = vec![
        Span::styled(CleanText::line(&template).to_string(), t.get("ui.title")),
        Span::styled(" → ", t.get("ui.muted")),
        Span::styled(CleanText::line(&channel).to_string(), t.get("ui.title")),
    ];
    if let Some(d) = &s.draft_id {
        let saved = if s.saved_text == state.draft_text() {
            "saved"
        } else {
            "editing"
        };
        spans.push(Span::styled(format!("  {d} {saved}"), t.get("ui.muted")));
    }
    if s.preview {
        spans.push(Span::styled("  PREVIEW", t.get("ui.key")));
    }
    Line::from(spans)
}

/// The confirmation, the publish in flight, or the keys.
fn status_line(state: &AppState) -> Line<'static> {
    let t = &state.theme;
    let s = &state.status;
    if let Some(d) = &s.publishing {
        return Line::styled(format!("publishing draft {d}…"), t.get("health.warning"));
    }
    if s.confirming {
        let to = s
            .chosen_channel()
            .map_or(String::new(), |c| CleanText::line(&c.name).to_string());
        return Line::styled(
            format!(
                "Publish to {to}? {} again sends it, esc cancels",
                key(state, KeyAction::StatusPublish)
            ),
            t.get("health.warning"),
        );
    }
    Line::from(vec![
        Span::styled(format!("{} ", key(state, KeyAction::StatusTemplate)), t.get("ui.key")),
        Span::styled("template  ", t.get("ui.muted")),
        Span::styled(format!("{} ", key(state, KeyAction::StatusChannel)), t.get("ui.key")),
        Span::styled("channel  ", t.get("ui.muted")),
        Span::styled(format!("{} ", key(state, KeyAction::StatusPreview)), t.get("ui.key")),
        Span::styled("preview  ", t.get("ui.muted")),
        Span::styled(format!("{} ", key(state, KeyAction::StatusPublish)), t.get("ui.key")),
        Span::styled("publish", t.get("ui.muted")),
    ])
}

pub fn render(state: &AppState, frame: &mut Frame, area: Rect, block: Block<'static>) {
    let t = &state.theme;
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [head, body, foot] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(Paragraph::new(about(state)), head);
    if state.status.preview {
        let text = state.draft_text();
        let shown = match state.status.chosen_channel() {
            Some(c) => crate::ui::status_preview::preview(t, c, &text),
            None => ratatui::text::Text::styled(
                "No channels are configured: add [[channels]] to the config file.",
                t.get("ui.muted"),
            ),
        };
        frame.render_widget(Paragraph::new(shown).wrap(Wrap { trim: false }), body);
    } else {
        let mut editor = state.editor.clone();
        editor.set_style(t.get("ui.text"));
        editor.set_placeholder_style(t.get("ui.muted"));
        frame.render_widget(&editor, body);
    }
    frame.render_widget(Paragraph::new(status_line(state)), foot);
}

/// `next update 4m59s (internal)`, or `UPDATE OVERDUE 1m02s (internal)` in the failure style.
pub fn countdown(state: &AppState) -> Option<Span<'static>> {
    let due = status::next_due(state)?;
    let left = due.at.as_second() - state.now;
    let words = crate::ui::header::elapsed(left.abs());
    Some(if due.overdue {
        Span::styled(
            format!("  ✖ UPDATE OVERDUE {words} ({})", due.audience),
            state.theme.get("health.failure"),
        )
    } else {
        Span::styled(
            format!("  next update {words} ({})", due.audience),
            state.theme.get("ui.title"),
        )
    })
}
