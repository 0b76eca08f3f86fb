//! The channel preview of a status draft: the text as the chosen channel will show it (Slack's
//! bold and escaping, the webhook's JSON envelope, the file record), with a header naming the
//! channel and its reach. A pure function of the draft and channel; it draws nothing itself.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};

use crate::comms::channel::{Channel, Target};
use crate::comms::publish;
use crate::text::CleanText;
use crate::theme::Theme;

/// Slack cuts messages longer than this.
const SLACK_LIMIT: usize = 40_000;

/// Splits one Slack line into spans, `*bold*` in bold and `_italic_` in italics.
fn slack_spans(line: &str) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut plain = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(['*', '_']) {
        let marker = rest[i..].chars().next().unwrap_or('*');
        let after = &rest[i + 1..];
        match after.find(marker) {
            Some(j) if j > 0 && !after[..j].starts_with(' ') => {
                plain.push_str(&rest[..i]);
                if !plain.is_empty() {
                    spans.push(Span::raw(std::mem::take(&mut plain)));
                }
                let modifier = if marker == '*' {
                    Modifier::BOLD
                } else {
                    Modifier::ITALIC
                };
                spans.push(Span::styled(
                    after[..j].to_string(),
                    Style::default().add_modifier(modifier),
                ));
                rest = &after[j + 1..];
            }
            _ => {
                plain.push_str(&rest[..=i]);
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    if !plain.is_empty() {
        spans.push(Span::raw(plain));
    }
    spans
}

fn body_lines(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines().map(|l| CleanText::line(l).to_string())
}

/// How `text` will look on `channel`.
pub fn preview(theme: &Theme, channel: &Channel, text: &str) -> Text<'static> {
    let reach = if channel.external {
        Span::styled("EXTERNAL", theme.get("health.warning").add_modifier(Modifier::BOLD))
    } else {
        Span::styled("internal", theme.get("ui.muted"))
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("→ {} ", CleanText::line(&channel.name)), theme.get("ui.title")),
        Span::styled(format!("({}) ", channel.target.kind()), theme.get("ui.muted")),
        reach,
    ])];
    match &channel.target {
        Target::Slack { .. } => {
            let escaped = publish::slack_escape(text);
            // Slack shows the entities as the characters they stand for.
            for line in body_lines(text) {
                lines.push(Line::from(slack_spans(&line)));
            }
            if escaped.chars().count() > SLACK_LIMIT {
                lines.push(Line::styled(
                    format!("Slack cuts this message at {SLACK_LIMIT} characters"),
                    theme.get("health.failure"),
                ));
            }
        }
        Target::Webhook { signing, .. } => {
            let signed = match signing {
                Some(s) => format!("signed, {}: sha256=…", s.header),
                None => "unsigned".to_string(),
            };
            lines.push(Line::styled(
                format!("POST application/json, {signed}"),
                theme.get("ui.muted"),
            ));
            lines.push(Line::styled("\"text\":", theme.get("ui.muted")));
            lines.extend(body_lines(text).map(|l| Line::from(format!("  {l}"))));
        }
        Target::File { path } => {
            lines.push(Line::styled(
                format!("appended to {}", CleanText::line(&path.display().to_string())),
                theme.get("ui.muted"),
            ));
            lines.extend(body_lines(text).map(Line::from));
        }
        Target::Stdout => lines.extend(body_lines(text).map(Line::from)),
    }
    lines.push(Line::styled(
        format!("{} characters", text.chars().count()),
        theme.get("ui.muted"),
    ));
    Text::from(lines)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::secret::SecretSource;

    fn channel(target: Target, external: bool) -> Channel {
        Channel {
            name: "ops".into(),
            external,
            target,
            timeout: Duration::from_secs(1),
            retries: 0,
            backoff: Duration::from_secs(1),
        }
    }

    fn plain(t: &Text<'_>) -> Vec<String> {
        t.lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn slack_bold_is_shown_bold_and_hostile_text_is_cleaned() {
        let c = channel(
            Target::Slack {
                url: SecretSource::Env("X".into()),
            },
            false,
        );
        let t = preview(&Theme::default(), &c, "*SEV1* checkout\n\u{1b}[31mred");
        let lines = plain(&t);
        assert_eq!(lines[0], "→ ops (slack) internal");
        assert_eq!(lines[1], "SEV1 checkout");
        assert!(t.lines[1].spans[0].style.add_modifier.contains(Modifier::BOLD));
        assert!(!lines[2].contains('\u{1b}'), "{:?}", lines[2]);
        assert_eq!(lines.last().map(String::as_str), Some("24 characters"));
    }

    #[test]
    fn external_webhooks_say_so() {
        let c = channel(
            Target::Webhook {
                url: SecretSource::Env("X".into()),
                signing: None,
            },
            true,
        );
        let lines = plain(&preview(&Theme::default(), &c, "Investigating"));
        assert_eq!(lines[0], "→ ops (webhook) EXTERNAL");
        assert_eq!(lines[1], "POST application/json, unsigned");
        assert_eq!(lines[3], "  Investigating");
    }
}
