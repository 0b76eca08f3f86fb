//! Clean text: every string from a cluster, Prometheus, a scenario or a journal is cleaned
//! once, where it enters the program, into `CleanText`, a type that can only hold text that is
//! safe to put on a terminal. Escape sequences (CSI, OSC, DCS, SOS, PM, APC), C0 and C1
//! controls, bidi overrides and every invisible or joining character (format characters,
//! default-ignorable code points, emoji modifiers) are removed (kubectl's CVE-2021-25743 was
//! exactly this), so what remains has the width each character says it has. Command-line
//! output goes through the same cleaner (`printable`).

use std::fmt;
use std::sync::Arc;

/// Text for command-line output and files a person opens (standard output may be a terminal):
/// cleaned as the console cleans it, newlines kept.
pub fn printable(s: &str) -> String {
    clean(s, true)
}

/// Text with no terminal controls in it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct CleanText(Arc<str>);

impl CleanText {
    /// One line: newlines and tabs become spaces.
    pub fn line(raw: &str) -> CleanText {
        CleanText(Arc::from(clean(raw, false).as_str()))
    }

    /// Several lines: newlines are kept, tabs become spaces.
    pub fn block(raw: &str) -> CleanText {
        CleanText(Arc::from(clean(raw, true).as_str()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for CleanText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CleanText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::borrow::Borrow<str> for CleanText {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// Written as the string it holds; read back through the cleaner (a file may have been
/// edited), keeping newlines.
impl serde::Serialize for CleanText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for CleanText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw: std::borrow::Cow<'de, str> = serde::Deserialize::deserialize(d)?;
        Ok(CleanText::block(&raw))
    }
}

impl From<&str> for CleanText {
    fn from(s: &str) -> Self {
        CleanText::line(s)
    }
}

/// Characters that are invisible, reorder what is shown, or join their neighbours into a glyph
/// whose width the terminal and the layout may not agree on: Unicode's format characters (Cf),
/// its default-ignorable code points (zero-width space and (non-)joiners, bidi controls,
/// variation selectors, tags, fillers) and the emoji skin-tone modifiers.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{070F}'
        | '\u{0890}'..='\u{0891}' | '\u{08E2}' | '\u{115F}'..='\u{1160}' | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{FFF0}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}'
        | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{1F3FB}'..='\u{1F3FF}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// What to skip after an escape introducer.
enum Skip {
    /// CSI: parameters and intermediates, then one final byte (0x40..=0x7E).
    Csi,
    /// OSC: until BEL or a string terminator.
    Osc,
    /// DCS, SOS, PM, APC: until a string terminator.
    Str,
}

fn clean(raw: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        let skip = match c {
            '\u{1B}' => match chars.next() {
                Some('[') => Some(Skip::Csi),
                Some(']') => Some(Skip::Osc),
                Some('P' | 'X' | '^' | '_') => Some(Skip::Str),
                Some(c2) if ('\u{20}'..='\u{2F}').contains(&c2) => {
                    // nF sequence: intermediates then one final byte.
                    while chars.next_if(|x| ('\u{20}'..='\u{2F}').contains(x)).is_some() {}
                    chars.next();
                    None
                }
                _ => None, // two-character sequence (ESC c, ESC 7, ...): both dropped
            },
            '\u{9B}' => Some(Skip::Csi),
            '\u{9D}' => Some(Skip::Osc),
            '\u{90}' | '\u{98}' | '\u{9E}' | '\u{9F}' => Some(Skip::Str),
            '\n' | '\r' if keep_newlines => {
                if c == '\n' {
                    out.push('\n');
                }
                None
            }
            '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
                None
            }
            c if c.is_control() || invisible(c) => None,
            c => {
                out.push(c);
                None
            }
        };
        match skip {
            Some(Skip::Csi) => {
                for x in chars.by_ref() {
                    if ('\u{40}'..='\u{7E}').contains(&x) {
                        break;
                    }
                    if !('\u{20}'..='\u{3F}').contains(&x) {
                        break; // malformed: stop skipping at anything unexpected
                    }
                }
            }
            Some(Skip::Osc) | Some(Skip::Str) => {
                let osc = matches!(skip, Some(Skip::Osc));
                while let Some(x) = chars.next() {
                    if x == '\u{9C}' || (osc && x == '\u{07}') {
                        break;
                    }
                    if x == '\u{1B}' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn printable_cleans_as_the_console_does_and_keeps_lines() {
        assert_eq!(super::printable("a\u{1b}[31mb\u{7}"), "ab");
        assert_eq!(super::printable("x\u{1b}]52;c;SGFja2Vk\u{7}y"), "xy");
        assert_eq!(super::printable("two\nlines\tand a tab"), "two\nlines and a tab");
    }

    #[test]
    fn joiners_and_selectors_go_so_widths_add_up() {
        use unicode_width::UnicodeWidthStr;
        // A family (ZWJ sequence), a skin-toned thumb, a heart with VS16, a keycap, a flag,
        // tags, a soft hyphen and word joiners: what is left has the width of its characters.
        for hostile in [
            "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",
            "\u{1F44D}\u{1F3FD}",
            "\u{2764}\u{FE0F}",
            "1\u{FE0F}\u{20E3}",
            "\u{1F1EB}\u{1F1F7}",
            "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
            "soft\u{00AD}hy\u{2060}phen\u{200C}",
        ] {
            let clean = CleanText::line(hostile);
            let by_char: usize = clean
                .chars()
                .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
                .sum();
            assert_eq!(clean.width(), by_char, "{hostile:?} -> {clean:?}");
            assert!(!clean.contains('\u{200D}') && !clean.contains('\u{FE0F}'), "{clean:?}");
        }
        assert_eq!(
            CleanText::line("soft\u{00AD}hy\u{2060}phen\u{200C}").as_str(),
            "softhyphen"
        );
    }

    use super::*;

    #[test]
    fn escape_sequences_vanish_whole() {
        let hostile = "web-\u{1b}[31mred\u{1b}[0m-\u{1b}]0;pwned title\u{7}pod";
        assert_eq!(CleanText::line(hostile).as_str(), "web-red-pod");
        // OSC 52 (clipboard write) terminated by ST, and OSC 8 hyperlinks.
        let osc52 = "a\u{1b}]52;c;ZWNobyBwd25lZA==\u{1b}\\b";
        assert_eq!(CleanText::line(osc52).as_str(), "ab");
        let osc8 = "\u{1b}]8;;https://evil.example\u{1b}\\click\u{1b}]8;;\u{1b}\\";
        assert_eq!(CleanText::line(osc8).as_str(), "click");
        // DCS and APC strings, and 8-bit C1 introducers.
        assert_eq!(CleanText::line("x\u{1b}Pq#0;2;0;0;0\u{1b}\\y").as_str(), "xy");
        assert_eq!(CleanText::line("x\u{9b}2Jy\u{9d}0;t\u{9c}z\u{85}").as_str(), "xyz");
        // Cursor movement and screen clearing.
        assert_eq!(
            CleanText::line("\u{1b}[2J\u{1b}[H\u{1b}[10;10Hok\u{1b}c").as_str(),
            "ok"
        );
    }

    #[test]
    fn bidi_overrides_and_controls_are_dropped() {
        let spoof = "invoice\u{202E}fdp.exe\u{202C}";
        assert_eq!(CleanText::line(spoof).as_str(), "invoicefdp.exe");
        assert_eq!(CleanText::line("a\u{2066}b\u{2069}c\u{200F}d\u{feff}").as_str(), "abcd");
        assert_eq!(
            CleanText::line("bell\u{7}back\u{8}del\u{7f}nul\u{0}").as_str(),
            "bellbackdelnul"
        );
    }

    #[test]
    fn whitespace_and_unicode_survive() {
        assert_eq!(
            CleanText::line("line one\nline two\ttab").as_str(),
            "line one line two tab"
        );
        assert_eq!(CleanText::block("line one\r\nline two").as_str(), "line one\nline two");
        assert_eq!(
            CleanText::line("日本語 ✓ crème brûlée 🚒").as_str(),
            "日本語 ✓ crème brûlée 🚒"
        );
    }

    #[test]
    fn truncated_sequences_do_not_leak() {
        assert_eq!(CleanText::line("ok\u{1b}").as_str(), "ok");
        assert_eq!(CleanText::line("ok\u{1b}[").as_str(), "ok");
        assert_eq!(CleanText::line("ok\u{1b}]52;c;AAAA").as_str(), "ok");
    }
}
