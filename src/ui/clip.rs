//! Cutting text to a width in terminal columns (wide characters count two), ending in `…`
//! when something was cut, so a responder sees that a name goes on.

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
}
