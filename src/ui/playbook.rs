//! Draws a checklist: one line per step with its state symbol (readable without colour), the
//! selected step's details (expected outcome, time box, bound action, who and when, why it was
//! skipped or failed), and the progress in the pane title. A pure function of the checklist.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::clip;
use crate::playbook::{Checklist, StepStatus};
use crate::text::CleanText;
use crate::theme::Theme;

fn status_style(t: &Theme, s: &StepStatus) -> Style {
    match s {
        StepStatus::Todo => Style::new(),
        StepStatus::InProgress => t.get("health.warning"),
        StepStatus::Done => t.get("health.ok"),
        StepStatus::Skipped { .. } => t.get("ui.muted"),
        StepStatus::Failed { .. } => t.get("health.failure"),
    }
}

/// The lines of a checklist `width` columns wide (the selected step expanded; `run_key` runs
/// its action). A long step wraps under its own text, not under the status.
pub fn lines(t: &Theme, checklist: &Checklist, run_key: &str, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (i, (step, record)) in checklist.playbook.steps.iter().zip(&checklist.steps).enumerate() {
        let step = step.get();
        let selected = i == checklist.selected;
        let marker = if selected { "›" } else { " " };
        let mut text_style = status_style(t, &record.status);
        if selected {
            text_style = text_style.add_modifier(Modifier::REVERSED);
        }
        let lead = vec![
            Span::raw(format!("{marker}{} ", record.status.symbol())),
            Span::styled(format!("{:<8} ", step.kind.as_str()), t.get("ui.muted")),
        ];
        out.extend(clip::hanging(
            lead,
            &CleanText::line(&step.text).to_string(),
            text_style,
            width,
        ));
        if !selected {
            continue;
        }
        let detail = |label: &str, value: String| {
            let lead = vec![Span::styled(format!("      {label}: "), t.get("ui.muted"))];
            clip::hanging(lead, &CleanText::line(&value).to_string(), Style::default(), width)
        };
        if let Some(b) = &step.action {
            out.extend(detail(
                "action",
                format!("{} ({run_key} runs it)", b.verb.replace('_', " ")),
            ));
        }
        if let Some(e) = &step.expect {
            out.extend(detail("expect", e.clone()));
        }
        if let Some(t) = &step.time_box {
            out.extend(detail("time box", t.clone()));
        }
        if let (Some(by), Some(at)) = (&record.by, record.at) {
            out.extend(detail(
                record.status.word(),
                format!("by {by} at {}", at.strftime("%H:%M:%S")),
            ));
        }
        if let StepStatus::Skipped { reason } | StepStatus::Failed { reason } = &record.status {
            out.extend(detail("why", reason.clone()));
        }
    }
    out
}

/// Draws the checklist inside `block`, with the playbook's title and progress as its title.
pub fn render(t: &Theme, checklist: &Checklist, run_key: &str, frame: &mut Frame, area: Rect, block: Block<'static>) {
    let title = format!(" {} ", CleanText::line(&checklist.title()));
    frame.render_widget(
        Paragraph::new(lines(t, checklist, run_key, usize::from(area.width.saturating_sub(2))))
            .wrap(Wrap { trim: false })
            .block(block.title(Span::styled(title, t.get("ui.title")))),
        area,
    );
}
