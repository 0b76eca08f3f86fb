//! The cluster health pane: node summary, workloads that need attention ranked by severity,
//! derived signals, and Warning events by reason. Reads aggregates only, never every pod.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::style;
use crate::app::state::AppState;
use crate::cluster::rows::WorkloadKind;

fn kind(k: WorkloadKind) -> &'static str {
    match k {
        WorkloadKind::Deployment => "deploy",
        WorkloadKind::DaemonSet => "ds",
        WorkloadKind::StatefulSet => "sts",
        WorkloadKind::Other => "other",
    }
}

pub fn lines(state: &AppState) -> Vec<Line<'static>> {
    let t = &state.model.totals;
    let mut out = Vec::new();
    let node_style = if t.nodes_not_ready > 0 {
        style::failure()
    } else {
        style::ok()
    };
    out.push(Line::from(vec![
        Span::styled("Nodes ", style::title()),
        Span::styled(format!("{} {} ready", style::GOOD, t.nodes_ready), style::ok()),
        Span::raw("  "),
        Span::styled(format!("{} {} not ready", style::BAD, t.nodes_not_ready), node_style),
        Span::raw(format!(
            "  {} cordoned  {} pressure",
            t.nodes_cordoned, t.nodes_pressure
        )),
    ]));
    out.push(Line::from(vec![
        Span::styled("Pods  ", style::title()),
        Span::raw(format!(
            "{} total  {} ready  {} pending  {} failed  ",
            t.pods, t.pods_ready, t.pods_pending, t.pods_failed
        )),
        Span::styled(
            format!("{} crashlooping", t.pods_crashlooping),
            if t.pods_crashlooping > 0 {
                style::failure()
            } else {
                style::muted()
            },
        ),
    ]));
    out.push(Line::raw(""));
    // Workloads that need attention, worst first.
    let mut attention: Vec<(u32, String, Span<'static>, Option<crate::text::CleanText>)> = Vec::new();
    for ((ns, k, name), w) in &state.model.workloads {
        let pods = state.model.pods_per_workload.get(&(ns.clone(), *k, name.clone()));
        let crash = pods.map_or(0, |p| p.crashlooping);
        let unavailable = w.desired.saturating_sub(w.available);
        let (rank, note, st) = if crash > 0 {
            (0, format!("{} {crash} crashlooping", style::BAD), style::failure())
        } else if w.deadline_exceeded {
            (1, format!("{} rollout stuck", style::BAD), style::failure())
        } else if unavailable > 0 {
            (
                2,
                format!("{} {unavailable} unavailable", style::WARN),
                style::warning(),
            )
        } else if w.rolling {
            (3, format!("{} rolling out", style::WARN), style::warning())
        } else {
            continue;
        };
        let label = format!(
            "{:<6} {}/{}  {}/{} ready, rev {} ",
            kind(*k),
            ns,
            name,
            w.ready,
            w.desired,
            w.revision.as_deref().unwrap_or("-")
        );
        let last = if crash > 0 {
            pods.and_then(|p| p.last_message.clone())
        } else {
            None
        };
        attention.push((rank, label, Span::styled(note, st), last));
    }
    attention.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    out.push(Line::styled("Needs attention", style::title()));
    if attention.is_empty() {
        out.push(Line::styled(
            if state.model.complete() {
                "  all workloads healthy"
            } else {
                "  loading…"
            },
            style::muted(),
        ));
    }
    for (_, label, note, last) in attention.into_iter().take(12) {
        out.push(Line::from(vec![Span::raw(format!("  {label}")), note]));
        if let Some(m) = last {
            out.push(Line::from(vec![
                Span::styled("      last error: ", style::muted()),
                Span::raw(m.to_string()),
            ]));
        }
    }
    if !state.signals.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled("Signals", style::title()));
        for s in state.signals.iter().take(8) {
            out.push(Line::from(vec![
                Span::styled(format!("  {} ", style::WARN), style::warning()),
                Span::raw(s.message.clone()),
            ]));
        }
    }
    if !state.model.warnings_by_reason.is_empty() {
        out.push(Line::raw(""));
        let mut reasons: Vec<_> = state.model.warnings_by_reason.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1));
        let text: Vec<String> = reasons.iter().take(6).map(|(r, n)| format!("{r} {n}")).collect();
        out.push(Line::from(vec![
            Span::styled("Warnings ", style::title()),
            Span::raw(text.join("  ")),
        ]));
    }
    out
}

pub fn render(state: &AppState, frame: &mut Frame, area: Rect, block: Block<'static>) {
    frame.render_widget(Paragraph::new(lines(state)).block(block), area);
}
