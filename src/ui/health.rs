//! The cluster health pane: node and pod summary, workloads and nodes that need attention
//! (worst first, with a cursor to drill down), the cluster's symptoms, and Warning events by reason;
//! or, drilled down, one workload's or node's pods and events. Reads aggregates only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{clip, style};
use crate::app::state::{AppState, Detail, Level, Pane};
use crate::observe::http::Server;
use crate::theme::Theme;

fn level_style(t: &Theme, l: Option<Level>) -> ratatui::style::Style {
    match l {
        Some(Level::Failure) => t.get("health.failure"),
        Some(Level::Warning) => t.get("health.warning"),
        None => t.get("health.ok"),
    }
}

/// The pane's lines for an inner width of `width` columns.
pub fn lines(state: &AppState, width: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let s = &state.model.totals;
    let mut out = Vec::new();
    let node_style = if s.nodes_not_ready > 0 {
        t.get("health.failure")
    } else {
        t.get("health.ok")
    };
    out.push(Line::from(vec![
        Span::styled("Nodes ", t.get("ui.title")),
        Span::styled(format!("{} {} ready", style::GOOD, s.nodes_ready), t.get("health.ok")),
        Span::raw("  "),
        Span::styled(format!("{} {} not ready", style::BAD, s.nodes_not_ready), node_style),
        Span::styled(
            format!("  {} cordoned  {} pressure", s.nodes_cordoned, s.nodes_pressure),
            t.get("ui.text"),
        ),
    ]));
    out.push(Line::from(vec![
        Span::styled("Pods  ", t.get("ui.title")),
        Span::styled(
            format!(
                "{} total  {} ready  {} pending  {} failed  ",
                s.pods, s.pods_ready, s.pods_pending, s.pods_failed
            ),
            t.get("ui.text"),
        ),
        Span::styled(
            format!("{} crashlooping", s.pods_crashlooping),
            if s.pods_crashlooping > 0 {
                t.get("health.failure")
            } else {
                t.get("ui.muted")
            },
        ),
    ]));
    out.push(Line::raw(""));
    let visible = state.visible_attention();
    let heading = match state.filters.get(&Pane::Health) {
        Some(f) => format!("Needs attention (filter: {f})"),
        None => "Needs attention".to_string(),
    };
    out.push(Line::styled(heading, t.get("ui.title")));
    let unreadable = state.model.freshness.iter().find_map(|(source, f)| match f {
        crate::freshness::Freshness::Error { error } if !state.model.complete() => {
            Some(format!("cannot read {}: {error} (retrying)", source.name()))
        }
        _ => None,
    });
    if let (true, Some(why)) = (visible.is_empty(), unreadable) {
        let why = crate::text::CleanText::line(&why).to_string();
        out.extend(clip::hanging(
            vec![Span::raw("  ")],
            &why,
            t.get("health.failure"),
            width,
        ));
    } else if visible.is_empty() {
        let stray = s.pods_failed + s.pods_pending;
        let (text, style) = if !state.model.complete() && state.model.recorded.is_none() {
            ("  loading…".to_string(), t.get("ui.muted"))
        } else if state.attention.is_empty() && stray > 0 {
            // Workloads at their replicas, yet pods failed or wait (evicted, unschedulable):
            // not "healthy".
            let text = format!(
                "  no workload or node short of replicas, but {} failed and {} pending pods",
                s.pods_failed, s.pods_pending
            );
            (text, t.get("health.warning"))
        } else if state.attention.is_empty() {
            ("  all workloads and nodes healthy".to_string(), t.get("ui.muted"))
        } else {
            ("  nothing matches the filter".to_string(), t.get("ui.muted"))
        };
        out.push(Line::styled(text, style));
    }
    let focused = state.focus == Pane::Health;
    // Keep the cursor in view: show a window of rows around it.
    let window = 12;
    let first = state.cursor.saturating_sub(window - 1);
    for (i, item) in visible.iter().enumerate().skip(first).take(window) {
        let selected = focused && i == state.cursor;
        let marker = if selected { "›" } else { " " };
        let mut line = Line::from(vec![
            Span::styled(format!("{marker} {}  ", item.label), t.get("ui.text")),
            Span::styled(item.note.clone(), level_style(t, Some(item.level))),
        ]);
        if selected {
            line = line.patch_style(t.get("ui.selection"));
        }
        out.push(line);
        if let Some(m) = &item.last {
            out.push(Line::from(vec![
                Span::styled("      last error: ", t.get("ui.muted")),
                Span::styled(m.to_string(), t.get("ui.text")),
            ]));
        }
    }
    if visible.len() > first + window {
        out.push(Line::styled(
            format!("  … {} more", visible.len() - first - window),
            t.get("ui.muted"),
        ));
    }
    golden_signals(state, width, &mut out);
    alerts(state, &mut out);
    let no_metrics =
        state.observe.freshness.is_empty() && state.observe.services.is_empty() && state.observe.alerts.is_empty();
    if no_metrics && state.model.complete() {
        out.push(Line::raw(""));
        out.extend(clip::hanging(
            vec![Span::raw("")],
            "No Prometheus or Alertmanager is configured for this cluster or found in it: no \
             golden signals, SLO burn or alerts are shown (set them in [[clusters]] of the config \
             file).",
            t.get("ui.muted"),
            width,
        ));
    }
    detector(state, width, &mut out);
    if !state.symptoms.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled("Signals", t.get("ui.title")));
        for sig in state.symptoms.iter().take(8) {
            out.push(Line::from(vec![
                Span::styled(format!("  {} ", style::WARN), t.get("health.warning")),
                Span::styled(sig.message.clone(), t.get("ui.text")),
            ]));
        }
    }
    if !state.model.warnings_by_reason.is_empty() {
        out.push(Line::raw(""));
        let mut reasons: Vec<_> = state.model.warnings_by_reason.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1));
        let text: Vec<String> = reasons.iter().take(6).map(|(r, n)| format!("{r} {n}")).collect();
        out.push(Line::from(vec![
            Span::styled("Warnings ", t.get("ui.title")),
            Span::styled(text.join("  "), t.get("ui.text")),
        ]));
    }
    out
}

/// What the detector sees outside its bands now: each finding, how long it has been out, and
/// whether it has been filed or is still holding.
fn detector(state: &AppState, width: usize, out: &mut Vec<Line<'static>>) {
    let t = &state.theme;
    let Some(d) = state.detection.as_ref().map(|s| &s.detector) else {
        return;
    };
    let outside = d.outside_now();
    if outside.is_empty() {
        return;
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Detector", t.get("ui.title")));
    for (f, filed) in outside.iter().take(6) {
        let held = crate::cluster::describe::age(d.now() - f.since);
        let how = if *filed {
            format!("out {held}, filed")
        } else {
            format!(
                "out {held}, filed at {}",
                crate::cluster::describe::age(d.settings.hold)
            )
        };
        // Scopes come from Prometheus's labels: cleaned like every string from outside.
        let text = crate::text::CleanText::line(&format!("{}: {} ({how})", f.subject.scope(), f.explain()));
        let mark = if *filed { style::WARN } else { "◇" };
        out.extend(clip::hanging(
            vec![Span::styled(format!("  {mark} "), t.get("health.warning"))],
            text.as_str(),
            t.get("ui.text"),
            width,
        ));
    }
}

/// A column of the golden-signals table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Traffic,
    Errors,
    P99,
    Sat,
    /// The error ratio's sparkline, from zero to the error budget (or the 1% floor, or the
    /// peak when higher), with that top shown.
    Trend,
    /// The SLO burn: the 1h window's rate and its level.
    Burn,
}

const COLUMNS: [Col; 6] = [Col::Traffic, Col::Errors, Col::P99, Col::Sat, Col::Trend, Col::Burn];
/// On a narrow pane columns go in this order; the errors and the burn stay longest.
const DROPPED_FIRST: [Col; 5] = [Col::Trend, Col::Sat, Col::Traffic, Col::P99, Col::Errors];
/// The service name's column: at least this wide (else columns go), at most the other.
const NAME_MIN: usize = 20;
const NAME_MAX: usize = 32;

impl Col {
    fn header(self) -> &'static str {
        match self {
            Col::Traffic => "traffic",
            Col::Errors => "errors",
            Col::Trend => "errors, 0 to",
            Col::P99 => "p99",
            Col::Sat => "cpu/req",
            Col::Burn => "burn 1h",
        }
    }
    fn width(self) -> usize {
        match self {
            Col::Traffic | Col::Errors | Col::P99 => 8,
            Col::Sat => 7,
            Col::Trend => 14,
            Col::Burn => 14,
        }
    }
}

/// The columns that fit `width`, and the name column's width.
fn signal_columns(width: usize) -> (Vec<Col>, usize) {
    let mut cols = COLUMNS.to_vec();
    let mut drop = DROPPED_FIRST.iter();
    loop {
        let fixed: usize = cols.iter().map(|c| c.width() + 1).sum();
        let name = width.saturating_sub(2 + fixed);
        if name >= NAME_MIN {
            return (cols, name.min(NAME_MAX));
        }
        match drop.next() {
            Some(d) => cols.retain(|c| c != d),
            None => return (cols, NAME_MIN),
        }
    }
}

/// Golden signals per service: traffic, errors, p99 latency and saturation, the error
/// ratio's sparkline, and the SLO burn (worst first), as many columns as `width` holds.
fn golden_signals(state: &AppState, width: usize, out: &mut Vec<Line<'static>>) {
    let t = &state.theme;
    if state.observe.services.is_empty() {
        if state.observe.freshness.contains_key(&Server::Prometheus) {
            out.push(Line::raw(""));
            out.extend(clip::hanging(
                vec![Span::raw("")],
                "Golden signals: no services are followed (none is named under [[clusters]] \
                 services in the config file, and Prometheus shows none with traffic in \
                 http_requests_total).",
                t.get("ui.muted"),
                width,
            ));
        }
        return;
    }
    let (cols, name_width) = signal_columns(width);
    let cell = |col: Col, text: &str| match col {
        Col::Trend | Col::Burn => format!(" {}", clip::pad(text, col.width())),
        _ => format!(" {:>w$}", clip::clip(text, col.width()), w = col.width()),
    };
    out.push(Line::raw(""));
    let mut header = clip::pad("Golden signals", name_width + 2);
    for c in &cols {
        header.push_str(&cell(*c, c.header()));
    }
    out.push(Line::styled(header.trim_end().to_string(), t.get("ui.title")));
    let mut services: Vec<_> = state.observe.services.values().collect();
    services.sort_by_key(|s| std::cmp::Reverse(s.burn.as_ref().map(|b| b.level)));
    for s in services.into_iter().take(10) {
        let value = |panel: &str| {
            s.signal(panel)
                .map(|sig| match (&sig.error, sig.value) {
                    (Some(_), _) => "error".to_string(),
                    (None, Some(v)) => sig.unit.format(v),
                    (None, None) => "–".to_string(),
                })
                .unwrap_or_else(|| "–".into())
        };
        let mut spans = vec![Span::styled(
            format!("  {}", clip::pad(&format!("{}/{}", s.namespace, s.service), name_width)),
            t.get("ui.text"),
        )];
        for c in &cols {
            spans.push(match c {
                Col::Traffic => Span::styled(cell(*c, &value("traffic")), t.get("ui.text")),
                Col::Errors => Span::styled(cell(*c, &value("errors")), t.get("ui.text")),
                Col::P99 => Span::styled(cell(*c, &value("latency_p99")), t.get("ui.text")),
                Col::Sat => Span::styled(cell(*c, &value("saturation")), t.get("ui.text")),
                Col::Trend => Span::styled(cell(*c, &error_trend(s, c.width())), t.get("signal.sparkline")),
                Col::Burn => {
                    let (burn, level) = burn(s);
                    Span::styled(cell(*c, &burn), level_style(t, level))
                }
            });
        }
        out.push(Line::from(spans));
    }
}

/// Errors with no objective are drawn against this floor, so that 0.02% is not a spike.
const ERROR_FLOOR: f64 = 0.01;

/// The error ratio's sparkline and its top: the error budget (1 − objective), else the 1%
/// floor, or the peak when that is higher; e.g. `▁▁▂▁▁▁▇█ 0.1%`.
fn error_trend(s: &crate::observe::model::ServiceSignals, width: usize) -> String {
    let Some(sig) = s.signal("errors") else {
        return String::new();
    };
    let bars = width.saturating_sub(6);
    let budget = s.burn.as_ref().map_or(ERROR_FLOOR, |b| 1.0 - b.objective);
    let top = budget.max(super::sparkline::peak(sig.history.iter(), bars));
    let pct = top * 100.0;
    let label = if pct < 1.0 {
        format!("{pct:.1}%")
    } else {
        format!("{pct:.0}%")
    };
    format!("{} {label}", super::sparkline::sparkline(sig.history.iter(), bars, top))
}

/// The SLO burn as shown: the 1h window's rate and the level, with its style.
fn burn(s: &crate::observe::model::ServiceSignals) -> (String, Option<Level>) {
    match &s.burn {
        Some(b) => {
            let fast = b
                .rates
                .get("1h")
                .or_else(|| b.rates.values().next())
                .copied()
                .unwrap_or(0.0);
            let level = match b.level {
                crate::observe::panels::BurnLevel::Page => Some(Level::Failure),
                crate::observe::panels::BurnLevel::Ticket => Some(Level::Warning),
                crate::observe::panels::BurnLevel::Ok => None,
            };
            // Faster than the budget allows, though no alert's windows agree yet.
            let word = match b.level {
                crate::observe::panels::BurnLevel::Ok if fast >= 1.0 => "burning",
                other => other.name(),
            };
            (format!("{fast:.1}× {word}"), level)
        }
        None => ("–".into(), None),
    }
}

/// Firing and pending alerts, silenced ones marked.
fn alerts(state: &AppState, out: &mut Vec<Line<'static>>) {
    use crate::observe::model::AlertState;
    let t = &state.theme;
    if state.observe.alerts.is_empty() {
        return;
    }
    out.push(Line::raw(""));
    let firing = state.observe.loud_alerts().count();
    let paging = state.observe.loud_alerts().filter(|a| a.pages()).count();
    let pages = crate::observe::model::PAGING_SEVERITIES.join("|");
    out.push(Line::styled(
        format!("Alerts ({firing} firing, {paging} paging: severity={pages})"),
        t.get("ui.title"),
    ));
    for a in state.observe.alerts.iter().take(8) {
        let (sym, st, what) = if a.silenced() {
            (" ", t.get("alert.silenced"), "silenced")
        } else if a.state == AlertState::Firing {
            (style::BAD, t.get("alert.firing"), "firing")
        } else {
            (style::WARN, t.get("alert.pending"), "pending")
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {sym} {} {what}  ", a.name), st),
            Span::styled(a.labels_text(&["alertname"]), t.get("ui.muted")),
        ]));
    }
}

/// A drill-down: the subject's pods, then its warning events.
pub fn detail_lines(t: &Theme, d: &Detail) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled(
        format!("{}  (enter: the pod's log, esc: back)", d.title),
        t.get("ui.title"),
    )];
    out.push(Line::styled(format!("Pods ({})", d.pods.len()), t.get("ui.title")));
    if d.pods.is_empty() {
        out.push(Line::styled("  none", t.get("ui.muted")));
    }
    for (i, p) in d.pods.iter().enumerate() {
        let sym = match p.level {
            Some(Level::Failure) => style::BAD,
            Some(Level::Warning) => style::WARN,
            None => style::GOOD,
        };
        let marker = if i == d.cursor { "›" } else { " " };
        let mut line = Line::from(vec![
            Span::styled(format!("{marker} {sym} "), level_style(t, p.level)),
            Span::styled(format!("{}  ", p.name), t.get("ui.text")),
            Span::styled(p.status.clone(), level_style(t, p.level)),
        ]);
        if i == d.cursor {
            line = line.patch_style(t.get("ui.selection"));
        }
        out.push(line);
        if let Some(m) = &p.message {
            out.push(Line::from(vec![
                Span::styled("      ", t.get("ui.muted")),
                Span::styled(m.to_string(), t.get("ui.muted")),
            ]));
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        format!("Warning events ({})", d.events.len()),
        t.get("ui.title"),
    ));
    if d.events.is_empty() {
        out.push(Line::styled("  none", t.get("ui.muted")));
    }
    for e in &d.events {
        out.push(Line::from(vec![
            Span::styled(format!("  {} {}  ", style::WARN, e.status), t.get("health.warning")),
            Span::styled(e.name.to_string(), t.get("ui.text")),
        ]));
        if let Some(m) = &e.message {
            out.push(Line::styled(format!("      {m}"), t.get("ui.muted")));
        }
    }
    out
}

pub fn render(state: &AppState, frame: &mut Frame, area: Rect, block: Block<'static>) {
    let (width, rows) = (
        usize::from(area.width.saturating_sub(2)),
        usize::from(area.height.saturating_sub(2)),
    );
    // What is open on top is drawn: a log, an inspect view, a drill-down, a list.
    let lines = if let Some(v) = &state.logs {
        log_lines(state, v, rows)
    } else if let Some(v) = &state.inspect {
        super::lists::inspect_lines(state, v, width, rows)
    } else if let Some(d) = &state.detail {
        detail_lines(&state.theme, d)
    } else if let Some(v) = &state.list {
        super::lists::list_lines(state, v, width, rows)
    } else {
        lines(state, width)
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// A pod's log in `rows` rows: what it is and the keys, then the lines that end `from_bottom`
/// lines above the newest (only those holding the search, when there is one).
pub fn log_lines(state: &AppState, v: &crate::app::logs::LogView, rows: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let search = v.search.as_ref();
    let run = if v.previous {
        "previous container"
    } else {
        "current container, following"
    };
    let window = match v.since {
        Some(s) => format!(", since {} ago", crate::cluster::describe::age(s as i64)),
        None => String::new(),
    };
    let mut head = format!("log {}/{} ({run}{window})", v.pod.0, v.pod.1);
    if let Some(s) = search {
        head.push_str(&format!("  search: {s}"));
    }
    let other = if v.previous { "current" } else { "previous" };
    let mut out = vec![
        Line::styled(head, t.get("ui.title")),
        Line::styled(
            format!("  enter: the {other} container  /: search  :since 10m  ↑↓ pgup pgdn: scroll  esc: back"),
            t.get("ui.muted"),
        ),
    ];
    let shown = crate::app::logs::visible(v);
    let room = rows.saturating_sub(out.len() + 1);
    // A search that leaves fewer lines than the view was scrolled up by shows its oldest.
    let from_bottom = v.from_bottom.min(shown.len().saturating_sub(1));
    let end = shown.len().saturating_sub(from_bottom);
    let start = end.saturating_sub(room);
    for l in &shown[start..end] {
        out.push(Line::styled(l.to_string(), t.get("ui.text")));
    }
    let status = match (&v.ended, shown.is_empty(), v.dropped) {
        (Some(why), _, _) => format!("  — {why}"),
        (None, true, _) if v.lines.is_empty() => "  — waiting for the log…".to_string(),
        (None, true, _) => "  — no line holds the search".to_string(),
        (None, false, 0) => format!("  — {} lines", v.lines.len()),
        (None, false, dropped) => format!("  — the last {} lines ({dropped} older dropped)", v.lines.len()),
    };
    let status = if from_bottom > 0 {
        format!("{status}, {from_bottom} below")
    } else {
        status
    };
    out.push(Line::styled(status, t.get("ui.muted")));
    out
}
