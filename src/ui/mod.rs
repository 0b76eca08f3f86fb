//! Drawing: a pure function of the state. Lays out the header, the four panes (side by side
//! on wide terminals, as tabs on small ones), the bottom line (the palette or filter input, a
//! notice, or the focused pane's keys), and the help overlay, all in the active theme.

pub mod action;
pub mod clip;
pub mod editor;
pub mod header;
pub mod health;
pub mod lists;
pub mod playbook;
pub mod sparkline;
pub mod status_preview;
pub mod style;
pub mod timeline;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Tabs, Wrap};

use crate::app::keymap::{Context, KeyAction};
use crate::app::palette::USAGE;
use crate::app::state::{AppState, InputKind, Overlay, Pane};
use crate::text::CleanText;

fn block(state: &AppState, pane: Pane) -> Block<'static> {
    let focused = state.focus == pane;
    let t = &state.theme;
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            t.get("ui.border.focused")
        } else {
            t.get("ui.border")
        })
        .title(Span::styled(format!(" {} ", pane.title()), t.get("ui.title")))
}

fn pane(state: &AppState, frame: &mut Frame, pane: Pane, area: Rect) {
    let b = block(state, pane);
    let t = &state.theme;
    match pane {
        Pane::Health => health::render(state, frame, area, b),
        Pane::Timeline => timeline::render(state, frame, area, b),
        Pane::Playbook => match &state.checklist {
            Some(c) => {
                let run = state
                    .keymap
                    .key_for(Context::Playbook, KeyAction::Open)
                    .unwrap_or_else(|| "enter".into());
                playbook::render(t, c, &run, frame, area, b)
            }
            None => frame.render_widget(Paragraph::new(suggestions(state)).block(b), area),
        },
        Pane::Editor => editor::render(state, frame, area, b),
    }
}

/// With no playbook followed: the choices, those that apply now first (with why), then the
/// rest on offer; the cursor marks the one the open key follows.
fn suggestions(state: &AppState) -> Vec<Line<'static>> {
    let t = &state.theme;
    let start = state
        .keymap
        .key_for(Context::Playbook, KeyAction::Open)
        .unwrap_or_else(|| "enter".into());
    let mut out = vec![Line::styled(
        format!("Choose a playbook ({start} follows the one under ›)"),
        t.get("ui.title"),
    )];
    if state.suggested.is_empty() {
        out.push(Line::styled(
            "None applies yet: none matches the firing alerts or signals.",
            t.get("ui.muted"),
        ));
    }
    let picked = crate::app::playbook::picked(state);
    for id in crate::app::playbook::choices(state) {
        let Some(p) = state.playbooks.iter().find(|p| p.id == id) else {
            continue;
        };
        let here = picked.as_deref() == Some(id);
        let why = state.suggested.iter().find(|s| s.id == id).map(|s| s.why.join(", "));
        let mut spans = vec![Span::styled(
            format!(
                "{} {}  {}",
                if here { "›" } else { " " },
                p.id,
                CleanText::line(&p.title)
            ),
            if here { t.get("ui.selection") } else { t.get("ui.text") },
        )];
        match why {
            Some(why) => spans.push(Span::styled(format!("  applies: {why}"), t.get("ui.title"))),
            None => spans.push(Span::styled("  on offer", t.get("ui.muted"))),
        }
        out.push(Line::from(spans));
    }
    out
}

/// The keys worth showing for the focused pane, as many whole keys as `rows` lines of `width`
/// hold: the global essentials, then the pane's own (action keys only when they can act on the
/// selection; greyed with why when the user may not), then the rest; keys wrap to the next
/// line whole, and what does not fit is counted with the key that shows them all, never cut
/// mid-word. Before any incident, how to declare one comes first.
fn footer(state: &AppState, width: usize, rows: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let ctx = Context::of(state.focus);
    // Each group is one key (or one notice) and is shown whole or not at all.
    let mut groups: Vec<Vec<Span<'static>>> = Vec::new();
    let mut shown: Vec<KeyAction> = Vec::new();
    let applies = |a: KeyAction| crate::app::keys::applies(state, a);
    let mut add = |notation: &str, a: KeyAction, groups: &mut Vec<Vec<Span<'static>>>| {
        if shown.contains(&a) || !applies(a) {
            return;
        }
        shown.push(a);
        groups.push(match state.why_not(a) {
            // Keys the user may not use are greyed, with why.
            Some(why) => {
                let grey = t.get("ui.muted").add_modifier(ratatui::style::Modifier::CROSSED_OUT);
                vec![
                    Span::styled(format!(" {notation} "), grey),
                    Span::styled(format!("{} ", a.description()), grey),
                    Span::styled(format!("({}) ", CleanText::line(&why)), t.get("ui.muted")),
                ]
            }
            None => vec![
                Span::styled(format!(" {notation} "), t.get("ui.key")),
                Span::styled(format!("{} ", a.description()), t.get("ui.muted")),
            ],
        });
    };
    // The essentials first, then the pane's own keys.
    for a in [
        KeyAction::Help,
        KeyAction::Palette,
        KeyAction::FocusNext,
        KeyAction::Close,
    ] {
        if let Some(k) = state.keymap.key_for(ctx, a) {
            add(&k, a, &mut groups);
        }
    }
    for b in state.keymap.own(ctx) {
        add(&b.notation, b.action, &mut groups);
    }
    for a in [KeyAction::Zoom, KeyAction::Filter, KeyAction::Note, KeyAction::Quit] {
        if let Some(k) = state.keymap.key_for(ctx, a) {
            add(&k, a, &mut groups);
        }
    }
    let mut first: Vec<Vec<Span<'static>>> = Vec::new();
    if !state.pending.is_empty() {
        let typed = crate::app::keymap::notation::show(&state.pending);
        first.push(vec![Span::styled(format!(" {typed} … "), t.get("ui.input"))]);
    }
    if state.read_only {
        first.push(vec![Span::styled(
            " READ-ONLY: actions are refused ",
            t.get("health.warning"),
        )]);
    }
    let palette = state
        .keymap
        .key_for(ctx, KeyAction::Palette)
        .unwrap_or_else(|| ":".into());
    if state.incident.as_ref().is_some_and(|i| i.awaits_a_commander()) {
        first.push(vec![Span::styled(
            format!(" DETECTED: {palette}accept to take command · {palette}dismiss WHY if false "),
            t.get("health.warning"),
        )]);
    }
    if state.incident.is_none() && !state.read_only {
        first.push(vec![Span::styled(
            format!(" no incident: {palette}declare TITLE "),
            t.get("health.warning"),
        )]);
    }
    let help = state.keymap.key_for(ctx, KeyAction::Help).unwrap_or_else(|| "?".into());
    pack(first.into_iter().chain(groups).collect(), width, rows, &help, t)
}

/// How many lines the footer takes in `area`: two on a terminal tall enough (30 rows) when the
/// keys of the focused pane do not fit one, else one.
fn footer_rows(state: &AppState, area: Rect) -> u16 {
    if area.height < 30 {
        return 1;
    }
    footer(state, area.width as usize, 2).len().clamp(1, 2) as u16
}

/// As many whole groups as fit `rows` lines of `width`, in order: a group that does not fit
/// the line goes to the next; on the last line one that does not fit is left out and the next
/// tried. Then how many were left out, and the key that shows them.
fn pack(
    groups: Vec<Vec<Span<'static>>>,
    width: usize,
    rows: usize,
    help: &str,
    t: &crate::theme::Theme,
) -> Vec<Line<'static>> {
    let wide = |g: &[Span<'static>]| g.iter().map(Span::width).sum::<usize>();
    let count = |n: usize| format!(" +{n} more ({help} shows all)");
    let rows = rows.max(1);
    // The room on the `n`th line: the last keeps room for the count.
    let room = |n: usize| {
        if n + 1 >= rows {
            width.saturating_sub(count(99).len())
        } else {
            width
        }
    };
    let mut lines: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let (mut used, mut left_out) = (0, 0);
    for g in groups {
        let w = wide(&g);
        if used + w > room(lines.len() - 1) && lines.len() < rows && used > 0 {
            lines.push(Vec::new());
            used = 0;
        }
        if used + w > room(lines.len() - 1) {
            left_out += 1;
            continue;
        }
        used += w;
        lines.last_mut().expect("a line").extend(g);
    }
    if left_out > 0 {
        lines
            .last_mut()
            .expect("a line")
            .push(Span::styled(count(left_out), t.get("ui.muted")));
    }
    lines.into_iter().filter(|l| !l.is_empty()).map(Line::from).collect()
}

/// How long a notice stays on the bottom line, in seconds.
const NOTICE_FOR: i64 = 8;

fn bottom_line(state: &AppState, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    if let Some(input) = &state.input {
        let prompt = match input.kind {
            InputKind::Palette => ":".to_string(),
            InputKind::Filter(p) => format!("/{} ", p.title().to_lowercase()),
        };
        let [p, rest] =
            Layout::horizontal([Constraint::Length(prompt.chars().count() as u16), Constraint::Min(1)]).areas(area);
        frame.render_widget(Paragraph::new(Span::styled(prompt, t.get("ui.key"))), p);
        let mut line = input.line.clone();
        line.set_style(t.get("ui.input"));
        line.set_cursor_line_style(ratatui::style::Style::default());
        frame.render_widget(&line, rest);
        return;
    }
    // Keys being typed matter more than an old notice.
    if let Some(n) = state
        .notice
        .as_ref()
        .filter(|n| state.now - n.at < NOTICE_FOR && state.pending.is_empty())
    {
        let st = if n.error { t.get("ui.error") } else { t.get("health.ok") };
        frame.render_widget(Paragraph::new(Span::styled(format!(" {}", n.text), st)), area);
        return;
    }
    frame.render_widget(
        Paragraph::new(footer(state, area.width as usize, area.height as usize)),
        area,
    );
}

/// The help text, generated from the active keymap (and the palette's commands).
pub fn help_lines(state: &AppState) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut lines = vec![Line::styled(
        format!("Keys (keymap {})", state.keymap.name),
        t.get("ui.title"),
    )];
    let contexts = [
        (Context::Global, "Everywhere"),
        (Context::Health, "Cluster health"),
        (Context::Timeline, "Timeline"),
        (Context::Playbook, "Playbook"),
        (Context::Editor, "Status editor (other keys type)"),
        (Context::Input, "Palette and filter line"),
        (Context::Help, "This help"),
    ];
    for (c, title) in contexts {
        let own = state.keymap.own(c);
        if own.is_empty() {
            continue;
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(title.to_string(), t.get("ui.title")));
        for b in own {
            let line = match state.why_not(b.action) {
                Some(why) => Line::from(vec![
                    Span::styled(format!("{:>14}  ", b.notation), t.get("ui.muted")),
                    Span::styled(
                        format!(
                            "{} — not allowed here: {}",
                            b.action.description(),
                            CleanText::line(&why)
                        ),
                        t.get("ui.muted"),
                    ),
                ]),
                None => Line::from(vec![
                    Span::styled(format!("{:>14}  ", b.notation), t.get("ui.key")),
                    Span::styled(b.action.description().to_string(), t.get("ui.text")),
                ]),
            };
            lines.push(line);
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Palette commands", t.get("ui.title")));
    for (usage, what) in USAGE {
        lines.push(Line::from(vec![
            Span::styled(format!("{usage:>22}  "), t.get("ui.key")),
            Span::styled(what.to_string(), t.get("ui.text")),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Filter terms: source:NAME kind:NAME and words".to_string(),
        t.get("ui.muted"),
    ));
    lines
}

/// An overlay's box over the console: `lines` under `title`, scrolled by `overlay_scroll`. With
/// `wrap` (sentences) the box is as wide as its longest line where the screen allows, and wraps
/// what does not fit; else it is the help's 72 columns, cut at its edge.
fn overlay(state: &AppState, frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'static>>, wrap: bool) {
    let w = if wrap {
        let widest = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 2;
        let least = area.width.min(40);
        widest.clamp(least, area.width.saturating_sub(4).max(least))
    } else {
        area.width.min(72)
    };
    let h = area.height.saturating_sub(2).max(3);
    let r = Rect::new(area.x + (area.width - w) / 2, area.y + 1, w, h);
    let scroll = state.overlay_scroll.min(lines.len().saturating_sub(1)) as u16;
    let close = state
        .keymap
        .key_for(Context::Help, KeyAction::Close)
        .unwrap_or_else(|| "esc".into());
    let text = if wrap {
        Paragraph::new(lines).wrap(Wrap { trim: false })
    } else {
        Paragraph::new(lines)
    };
    frame.render_widget(Clear, r);
    frame.render_widget(
        text.scroll((scroll, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(state.theme.get("ui.border.focused"))
                .title(Span::styled(
                    format!(" {title} ({close} to close) "),
                    state.theme.get("ui.title"),
                )),
        ),
        r,
    );
}

/// The catch-me-up: the open incident as someone joining needs it, from its journal, and when
/// the next update is due (as the status editor counts it down).
fn catch_up_lines(state: &AppState) -> Vec<Line<'static>> {
    let Some(incident) = &state.incident else {
        return Vec::new();
    };
    let now = crate::app::status::timestamp(state.now);
    let mut lines: Vec<Line<'static>> = crate::incident::catch_up::lines(incident, &state.status.entries, now)
        .into_iter()
        .map(|l| Line::from(crate::text::CleanText::line(&l).to_string()))
        .collect();
    if let Some(due) = editor::countdown(state) {
        lines.push(Line::from(Span::styled(
            due.content.trim_start().to_string(),
            due.style,
        )));
    }
    lines
}

/// Draws the whole console.
pub fn render(state: &AppState, frame: &mut Frame) {
    let area = frame.area();
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(footer_rows(state, area)),
    ])
    .areas(area);
    header::render(state, frame, head);
    if state.zoom {
        pane(state, frame, state.focus, body);
    } else if state.tabbed() {
        let [tabs, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(body);
        let titles: Vec<&str> = Pane::ALL.iter().map(|p| p.title()).collect();
        let selected = Pane::ALL.iter().position(|p| *p == state.focus).unwrap_or(0);
        frame.render_widget(
            Tabs::new(titles)
                .select(selected)
                .style(state.theme.get("ui.tab"))
                .highlight_style(state.theme.get("ui.tab.active")),
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
    bottom_line(state, frame, foot);
    if let Some(flow) = state.action_shown.as_ref().and_then(|id| state.flows.get(id)) {
        let who = state.cluster_identity.as_ref().map(|w| w.as_str());
        action::render(&state.theme, flow, who, frame, body);
    }
    match state.overlay {
        Some(Overlay::Help) => overlay(state, frame, area, "Help", help_lines(state), false),
        Some(Overlay::CatchUp) => overlay(state, frame, area, "Catch me up", catch_up_lines(state), true),
        None => {}
    }
}
