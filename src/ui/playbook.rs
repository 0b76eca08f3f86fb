//! Draws a checklist: one line per step with its state symbol (readable without colour), the
//! selected step's details (expected outcome, time box, bound action, who and when, why it was
//! skipped or failed), and the progress in the pane title. A pure function of the checklist.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme::Theme;
use crate::playbook::{Checklist, StepStatus};
use crate::text::CleanText;

fn status_style(t: &Theme, s: &StepStatus) -> Style {
    match s {
        StepStatus::Todo => Style::new(),
        StepStatus::InProgress => t.get("health.warning"),
        StepStatus::Done => t.get("health.ok"),
        StepStatus::Skipped { .. } => t.get("ui.muted"),
        StepStatus::Failed { .. } => t.get("health.failure"),
    }
}

/// The lines of a checklist (the selected step expanded; `run_key` runs its action).
pub fn lines(t: &Theme, checklist: &Checklist, run_key: &str) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (i, (step, record)) in checklist.playbook.steps.iter().zip(&checklist.steps).enumerate() {
        let step = step.get();
        let selected = i == checklist.selected;
        let marker = if selected { "›" } else { " " };
        let mut text_style = status_style(t, &record.status);
        if selected {
            text_style = text_style.add_modifier(Modifier::REVERSED);
        }
        out.push(Line::from(vec![
            Span::raw(format!("{marker}{} ", record.status.symbol())),
            Span::styled(format!("{:<8} ", step.kind.as_str()), t.get("ui.muted")),
            Span::styled(CleanText::line(&step.text).to_string(), text_style),
        ]));
        if !selected {
            continue;
        }
        let detail = |label: &str, value: String| {
            Line::from(vec![
                Span::styled(format!("      {label}: "), t.get("ui.muted")),
                Span::raw(CleanText::line(&value).to_string()),
            ])
        };
        if let Some(b) = &step.action {
            out.push(detail(
                "action",
                format!("{} ({run_key} runs it)", b.verb.replace('_', " ")),
            ));
        }
        if let Some(e) = &step.expect {
            out.push(detail("expect", e.clone()));
        }
        if let Some(t) = &step.time_box {
            out.push(detail("time box", t.clone()));
        }
        if let (Some(by), Some(at)) = (&record.by, record.at) {
            out.push(detail(
                record.status.word(),
                format!("by {by} at {}", at.strftime("%H:%M:%S")),
            ));
        }
        if let StepStatus::Skipped { reason } | StepStatus::Failed { reason } = &record.status {
            out.push(detail("why", reason.clone()));
        }
    }
    out
}

/// Draws the checklist inside `block`, with the playbook's title and progress as its title.
pub fn render(t: &Theme, checklist: &Checklist, run_key: &str, frame: &mut Frame, area: Rect, block: Block<'static>) {
    let title = format!(" {} ", CleanText::line(&checklist.title()));
    frame.render_widget(
        Paragraph::new(lines(t, checklist, run_key))
            .wrap(Wrap { trim: false })
            .block(block.title(Span::styled(title, t.get("ui.title")))),
        area,
    );
}
