//! The header line: mode (DRILL with the virtual clock and speed, or LIVE with the context),
//! the incident (id, severity with its symbol, status, title, elapsed, your role), each data
//! source's freshness, and how long the console has been up.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::style;
use crate::app::state::{AppState, Mode};
use crate::freshness::Freshness;

fn clock(secs: i64) -> String {
    let s = secs.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

pub fn elapsed(secs: i64) -> String {
    let s = secs.max(0);
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s / 60) % 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

/// What a source's freshness says in the header (nothing when it is live).
fn words(f: &Freshness, now: i64) -> Option<String> {
    Some(match f {
        Freshness::Live { .. } => return None,
        Freshness::Connecting => "connecting".to_string(),
        Freshness::Reconnecting { since, .. } => format!("stale {}", elapsed(now - since)),
        Freshness::Unauthorized { .. } => "unauthorized".to_string(),
        Freshness::Forbidden { .. } => "forbidden".to_string(),
        Freshness::Error { .. } => "error".to_string(),
    })
}

/// Freshness of the sources, worst first: `live`, `stale 2m (pods)`, `forbidden (pods)`; the
/// recorded picture's age while the watches catch up.
pub fn freshness(state: &AppState) -> (String, bool) {
    if let Some(at) = state.model.recorded {
        return (format!("recorded {} ago, catching up", elapsed(state.now - at)), false);
    }
    let cluster = crate::cluster::model::Resource::ALL
        .iter()
        .map(|source| (source, state.model.shown(*source)))
        // A list forbidden cluster-wide that falls back to namespaces is not news.
        .filter(|(source, f)| !(matches!(f, Freshness::Forbidden { .. }) && state.model.fallback.contains_key(source)))
        .find_map(|(source, f)| Some((source.name(), words(&f, state.now)?)));
    let metrics = || {
        state
            .observe
            .freshness
            .iter()
            .find_map(|(source, f)| Some((source.name(), words(f, state.now)?)))
    };
    match cluster.or_else(metrics) {
        None => ("data live".to_string(), true),
        Some((source, text)) => (format!("{text} ({source})"), false),
    }
}

/// How much a header part matters: on a narrow terminal the least important go first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Keep {
    /// The console's uptime.
    Last,
    /// Your roles, the incident's age, the drill's title.
    Later,
    /// The incident's title, the drill's time of day.
    Soon,
    /// Mode, severity, status, the update countdown, freshness: always shown.
    Always,
}

/// Shortens or drops the least important parts (the latest of equals first) until the line
/// fits `width`: a long part (a title) is cut short with `…`, a short one dropped.
fn fit(mut parts: Vec<(Keep, Span<'static>)>, width: usize) -> Vec<Span<'static>> {
    let wide = |parts: &[(Keep, Span<'static>)]| parts.iter().map(|(_, s)| s.width()).sum::<usize>();
    while wide(&parts) > width {
        let Some(least) = parts
            .iter()
            .enumerate()
            .filter(|(_, (k, _))| *k != Keep::Always)
            .min_by_key(|(i, (k, _))| (*k, std::cmp::Reverse(*i)))
            .map(|(i, _)| i)
        else {
            break;
        };
        let over = wide(&parts) - width;
        let span = &mut parts[least].1;
        if span.width() < over + 12 {
            parts.remove(least);
            continue;
        }
        span.content = super::clip::clip(span.content.trim_end(), span.width() - over).into();
    }
    parts.into_iter().map(|(_, s)| s).collect()
}

pub fn render(state: &AppState, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let mut parts: Vec<(Keep, Span<'static>)> = Vec::new();
    let mut add = |keep, span| parts.push((keep, span));
    match &state.mode {
        Mode::Drill { title, clock: c } => {
            add(Keep::Always, Span::styled(" DRILL ", t.get("banner.drill")));
            if let Some(c) = c {
                let speed = if c.paused {
                    "paused".to_string()
                } else {
                    format!("x{}", c.speed)
                };
                add(
                    Keep::Always,
                    Span::styled(format!(" T+{}", elapsed(c.now - c.start)), t.get("ui.title")),
                );
                add(
                    Keep::Soon,
                    Span::styled(format!(" {}", clock(c.now)), t.get("ui.title")),
                );
                add(Keep::Always, Span::styled(format!(" {speed} "), t.get("ui.title")));
            }
            if state.incident.is_none() {
                add(Keep::Later, Span::styled(format!(" {title}"), t.get("ui.text")));
            }
        }
        Mode::Live { context } => {
            add(Keep::Always, Span::styled(" LIVE ", t.get("banner.live")));
            add(Keep::Always, Span::styled(format!(" {context} "), t.get("ui.title")));
        }
    }
    if state.read_only {
        add(Keep::Always, Span::styled(" READ-ONLY ", t.get("health.warning")));
    }
    if state.team_journal_away {
        add(Keep::Always, Span::styled(" JOURNAL OFFLINE ", t.get("health.warning")));
    }
    if let Some(i) = &state.incident {
        let n = i.severity.number();
        add(
            Keep::Always,
            Span::styled(format!(" {} {} ", style::severity_symbol(n), i.severity), t.severity(n)),
        );
        add(Keep::Always, Span::styled(format!(" {}", i.id), t.get("ui.title")));
        add(Keep::Always, Span::styled(format!(" {} ", i.status), t.get("ui.title")));
        if let Some(mut due) = super::editor::countdown(state) {
            due.content = format!(" {} ", due.content.trim_start()).into();
            add(Keep::Always, due);
        }
        add(
            Keep::Soon,
            Span::styled(format!(" {}", crate::text::CleanText::line(&i.title)), t.get("ui.text")),
        );
        add(
            Keep::Later,
            Span::styled(
                format!("  {}", elapsed(state.now - i.opened_at.as_second())),
                t.get("ui.muted"),
            ),
        );
        let roles: Vec<String> = i
            .assignments
            .iter()
            .filter(|a| a.renounced_at.is_none() && a.person == state.you)
            .map(|a| a.role.to_string())
            .collect();
        if !roles.is_empty() {
            add(
                Keep::Later,
                Span::styled(format!("  you: {}", roles.join(", ")), t.get("ui.muted")),
            );
        }
    }
    let (fresh, live) = freshness(state);
    add(
        Keep::Always,
        Span::styled(
            format!("  {} {fresh}", if live { style::GOOD } else { style::WARN }),
            if live {
                t.get("health.ok")
            } else {
                t.get("health.stale")
            },
        ),
    );
    add(
        Keep::Last,
        Span::styled(
            format!("  up {}", elapsed(state.now - state.started)),
            t.get("ui.muted"),
        ),
    );
    let spans = fit(parts, area.width as usize);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(spans: &[Span<'static>]) -> String {
        spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_narrow_header_drops_the_least_important_parts_first() {
        let parts = || {
            vec![
                (Keep::Always, Span::raw(" SEV1 ")),
                (Keep::Soon, Span::raw(" INC-20261124-001")),
                (Keep::Always, Span::raw(" next update 4m51s ")),
                (Keep::Soon, Span::raw(" Checkout failing in eu-west-1")),
                (Keep::Later, Span::raw("  12m")),
                (Keep::Always, Span::raw("  ● live")),
                (Keep::Last, Span::raw("  up 3m")),
            ]
        };
        let fitted = |w: usize| {
            let t = text(&fit(parts(), w));
            assert!(Span::raw(t.clone()).width() <= w.max(33), "{t:?} is wider than {w}");
            t
        };
        assert_eq!(
            fitted(200),
            " SEV1  INC-20261124-001 next update 4m51s  Checkout failing in eu-west-1  12m  ● live  up 3m"
        );
        // Uptime, then the incident's age go first; then the title (the latest of equals) is
        // cut short while enough is left to read, else dropped; then the incident id.
        assert_eq!(
            fitted(80),
            " SEV1  INC-20261124-001 next update 4m51s  Checkout failing in eu-west-1  ● live"
        );
        assert_eq!(
            fitted(70),
            " SEV1  INC-20261124-001 next update 4m51s  Checkout failing i…  ● live"
        );
        assert_eq!(fitted(55), " SEV1  INC-20261124-001 next update 4m51s   ● live");
        assert_eq!(fitted(40), " SEV1  next update 4m51s   ● live");
        assert_eq!(fitted(10), " SEV1  next update 4m51s   ● live");
    }
}
