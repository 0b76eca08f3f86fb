//! Drawing a full list (nodes, workloads, pods, Warning events) and the inspect view (an
//! object's describe, YAML or events) in the health pane. Only the rows in view are looked up
//! in the model, so a list of 150,000 pods costs a screenful per frame.

use ratatui::text::{Line, Span};

use super::clip;
use crate::app::inspect::InspectView;
use crate::app::keymap::{Context, KeyAction};
use crate::app::lists::{ListView, cells};
use crate::app::state::AppState;

/// Columns this wide or narrower are cut only when nothing else is left to cut or hide.
const SHORT: usize = 18;

/// Column widths for `width` columns (None: hidden). When the columns do not fit, the widest
/// are cut first down to two thirds of what they ask (short ones not at all); if that is not enough, the least needed
/// are hidden (and the rest cut afresh), and at the last the rest are cut down to their headings. The last column shown
/// takes what is left.
fn widths(asked: &[(&str, u16, u8)], width: usize) -> Vec<Option<usize>> {
    let need = |out: &[Option<usize>]| {
        let shown: Vec<usize> = out.iter().flatten().copied().collect();
        shown.iter().sum::<usize>() + shown.len().saturating_sub(1) * 2
    };
    let heading: Vec<usize> = asked.iter().map(|(h, _, _)| h.chars().count().max(4)).collect();
    let cut = |out: &mut Vec<Option<usize>>, least: &dyn Fn(usize) -> usize| {
        while need(out) > width {
            let widest = (0..out.len())
                .filter(|i| out[*i].is_some_and(|w| w > least(*i)))
                .max_by_key(|i| out[*i]);
            match widest {
                Some(i) => out[i] = out[i].map(|w| w - 1),
                None => break,
            }
        }
    };
    // Short columns (a status, a count) keep what they ask until the last pass.
    let two_thirds = |i: usize| {
        let w = usize::from(asked[i].1);
        if w <= SHORT { w } else { (w * 2 / 3).max(SHORT) }
    };
    let mut out: Vec<Option<usize>> = asked.iter().map(|(_, w, _)| Some(usize::from(*w))).collect();
    let mut rank = asked.iter().map(|c| c.2).max().unwrap_or(0);
    cut(&mut out, &two_thirds);
    while need(&out) > width && rank > 0 {
        // Hiding a column gives the others back what they asked before cutting again.
        for (o, c) in out.iter_mut().zip(asked) {
            *o = (c.2 < rank).then_some(usize::from(c.1));
        }
        rank -= 1;
        cut(&mut out, &two_thirds);
    }
    cut(&mut out, &|i| heading[i]);
    if let Some(last) = out.iter().rposition(Option::is_some) {
        let others = need(&out) - out[last].unwrap_or(0);
        out[last] = Some(width.saturating_sub(others).max(4));
    }
    out
}

/// `key: word` for each action the health keymap binds, in order (rebound keys shown as bound).
fn hint(state: &AppState, keys: &[(KeyAction, &str)]) -> String {
    let mut out = String::from(" ");
    for (a, word) in keys {
        if let Some(k) = state.keymap.key_for(Context::Health, *a) {
            out.push_str(&format!(" {k}: {word} "));
        }
    }
    out
}

fn row(texts: &[String], widths: &[Option<usize>]) -> String {
    texts
        .iter()
        .zip(widths)
        .filter_map(|(t, w)| Some(clip::pad(t, (*w)?)))
        .collect::<Vec<_>>()
        .join("  ")
        .trim_end()
        .to_string()
}

/// A list in `rows` rows of `width` columns: what it is, the keys, the headings (the sorted one
/// marked), then a window of rows around the cursor.
pub fn list_lines(state: &AppState, v: &ListView, width: usize, rows: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let columns = v.kind.columns();
    let total = match v.kind {
        crate::app::lists::ListKind::Nodes => state.model.nodes.len(),
        crate::app::lists::ListKind::Workloads => state.model.workloads.len(),
        crate::app::lists::ListKind::Pods => state.model.pods.len(),
        crate::app::lists::ListKind::Events => state.model.warnings.len(),
    };
    let arrow = if v.descending { "↓" } else { "↑" };
    let mut head = format!("{} ({total}", v.kind.title());
    if let Some(f) = &v.filter {
        head.push_str(&format!(", {} hold {f:?}", v.rows.len()));
    }
    head.push_str(&format!("; by {} {arrow})", columns.get(v.sort).map_or("", |c| c.0)));
    let keys = hint(
        state,
        &[
            (KeyAction::Open, "open"),
            (KeyAction::Describe, "describe"),
            (KeyAction::Logs, "log"),
            (KeyAction::Sort, "sort"),
            (KeyAction::SortReverse, "reverse"),
            (KeyAction::Filter, "filter"),
            (KeyAction::Lists, "next list"),
            (KeyAction::Close, "back"),
        ],
    );
    let mut out = vec![
        Line::styled(clip::clip(&head, width), t.get("ui.title")),
        Line::styled(clip::clip(&keys, width), t.get("ui.muted")),
    ];
    let widths = widths(columns, width.saturating_sub(2));
    let headings: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (name, _, _))| {
            if i == v.sort {
                format!("{name}{arrow}")
            } else {
                name.to_string()
            }
        })
        .collect();
    out.push(Line::styled(
        format!("  {}", row(&headings, &widths)),
        t.get("ui.muted"),
    ));
    if v.rows.is_empty() {
        let why = if !state.model.complete() && state.model.recorded.is_none() {
            "loading…"
        } else if v.filter.is_some() {
            "nothing matches the filter"
        } else {
            "none"
        };
        out.push(Line::styled(format!("  {why}"), t.get("ui.muted")));
        return out;
    }
    let room = rows.saturating_sub(out.len() + 1).max(1);
    let first = v.cursor.saturating_sub(room - 1);
    let now = state.event_time();
    for (i, key) in v.rows.iter().enumerate().skip(first).take(room) {
        let selected = i == v.cursor;
        let marker = if selected { "›" } else { " " };
        let text = match cells(&state.model, key, now) {
            Some(cells) => row(&cells.into_iter().map(|c| c.text).collect::<Vec<_>>(), &widths),
            None => "(gone since the list was made)".to_string(),
        };
        let mut line = Line::styled(format!("{marker} {text}"), t.get("ui.text"));
        if selected {
            line = line.patch_style(t.get("ui.selection"));
        }
        out.push(line);
    }
    let below = v.rows.len().saturating_sub(first + room);
    let mut status = format!("  {} of {}", v.cursor + 1, v.rows.len());
    if below > 0 {
        status.push_str(&format!(", {below} below"));
    }
    out.push(Line::styled(status, t.get("ui.muted")));
    out
}

/// An object's describe, YAML or events in `rows` rows, from its scroll position.
pub fn inspect_lines(state: &AppState, v: &InspectView, width: usize, rows: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut head = format!("{} {}", v.view.name(), v.target);
    if let Some(s) = &v.search {
        head.push_str(&format!("  search: {s}"));
    }
    let mut out = vec![
        Line::styled(clip::clip(&head, width), t.get("ui.title")),
        Line::styled(
            clip::clip(
                &hint(
                    state,
                    &[
                        (KeyAction::Describe, "describe"),
                        (KeyAction::Yaml, "yaml"),
                        (KeyAction::Events, "events"),
                        (KeyAction::Logs, "log"),
                        (KeyAction::Filter, "search"),
                        (KeyAction::Close, "back"),
                    ],
                ),
                width,
            ),
            t.get("ui.muted"),
        ),
    ];
    if let Some(e) = &v.error {
        out.extend(clip::hanging(vec![Span::raw("  ")], e, t.get("health.failure"), width));
        return out;
    }
    if v.lines.is_none() {
        let reading = match v.view {
            crate::cluster::inspect::View::Evidence => "  reading the evidence kept beside the journal…",
            _ => "  reading from the API server…",
        };
        out.push(Line::styled(reading, t.get("ui.muted")));
        return out;
    }
    let shown = crate::app::inspect::visible(v);
    let room = rows.saturating_sub(out.len() + 1);
    let scroll = v.scroll.min(shown.len().saturating_sub(1));
    for l in shown.iter().skip(scroll).take(room) {
        out.push(Line::styled(format!(" {l}"), t.get("ui.text")));
    }
    let below = shown.len().saturating_sub(scroll + room);
    let status = match (shown.is_empty(), below) {
        (true, _) if v.search.is_some() => "  — no line holds the search".to_string(),
        (true, _) => "  — nothing to show".to_string(),
        (false, 0) => format!("  — {} lines", shown.len()),
        (false, n) => format!("  — {} lines, {n} below", shown.len()),
    };
    out.push(Line::styled(status, t.get("ui.muted")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_the_width_hiding_the_least_needed_and_the_last_takes_the_rest() {
        let asked = [("A", 10, 0), ("B", 30, 1), ("C", 10, 0)];
        assert_eq!(widths(&asked, 100), [Some(10), Some(30), Some(56)]);
        // The widest is cut to two thirds (short ones kept), then the least needed goes, then
        // all are cut down to their headings.
        assert_eq!(widths(&asked, 48), [Some(10), Some(24), Some(10)]);
        assert_eq!(widths(&asked, 44), [Some(10), Some(20), Some(10)]);
        assert_eq!(widths(&asked, 40), [Some(10), None, Some(28)]);
        assert_eq!(widths(&asked, 20), [Some(9), None, Some(9)]);
        assert_eq!(widths(&asked, 10), [Some(4), None, Some(4)]);
        let narrow = widths(&asked, 8);
        assert!(narrow.iter().flatten().all(|w| *w >= 4), "{narrow:?}");
    }
}
