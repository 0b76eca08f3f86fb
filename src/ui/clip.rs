//! Fitting text to a width in terminal columns (wide characters count two): cut short with
//! `…` so a responder sees that a name goes on, or wrapped under a lead (a hanging indent).

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// `text` if it fits in `width` columns; else as much as fits before a `…`.
pub fn clip(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.truncate(out.trim_end().len());
        out.push('…');
    }
    out
}

/// `text` clipped to `width` columns and padded with spaces to exactly `width`.
pub fn pad(text: &str, width: usize) -> String {
    let clipped = clip(text, width);
    let fill = width.saturating_sub(clipped.width());
    format!("{clipped}{}", " ".repeat(fill))
}

/// `lead` then `text` wrapped to `width` columns, each further line indented as far as the
/// lead reaches, so the text stays in its column.
pub fn hanging(lead: Vec<Span<'static>>, text: &str, style: Style, width: usize) -> Vec<Line<'static>> {
    let indent: usize = lead.iter().map(|s| s.width()).sum();
    let mut lead = Some(lead);
    textwrap::wrap(text, width.saturating_sub(indent).max(20))
        .into_iter()
        .map(|part| {
            let mut spans = lead.take().unwrap_or_else(|| vec![Span::raw(" ".repeat(indent))]);
            spans.push(Span::styled(part.into_owned(), style));
            Line::from(spans)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_by_columns_and_marks_the_cut() {
        assert_eq!(clip("payments/payments-api", 21), "payments/payments-api");
        assert_eq!(clip("payments/payments-api", 12), "payments/pa…");
        assert_eq!(clip("支払い/サービス", 7), "支払い…");
        assert_eq!(clip("abc", 0), "");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("支払い/サービス", 8).width(), 8);
    }

    #[test]
    fn wraps_under_the_lead() {
        let text = |l: &Line| l.spans.iter().map(|s| s.content.to_string()).collect::<String>();
        let lines = hanging(
            vec![Span::raw("  expect: ")],
            "only DaemonSet pods remain on the node and the workloads are back",
            Style::default(),
            40,
        );
        let got: Vec<String> = lines.iter().map(text).collect();
        assert_eq!(
            got,
            [
                "  expect: only DaemonSet pods remain",
                "          on the node and the workloads",
                "          are back"
            ]
        );
    }
}
