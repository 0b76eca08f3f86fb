//! Key notation as keymaps write it: `q`, `G`, `ctrl-c`, `alt-x`, `shift-tab`, `enter`, `f5`,
//! and sequences separated by spaces (`g g`). Parsed to key presses that compare equal to what
//! the terminal sends, however it reports shift on letters.

use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key press, normalized: shift is folded into upper-case characters, and shift-tab is
/// BackTab, so `G` matches however the terminal reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyPress {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeyPress {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> KeyPress {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_lowercase() => {
                KeyCode::Char(c.to_ascii_uppercase())
            }
            c => c,
        };
        if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods -= KeyModifiers::SHIFT;
        }
        KeyPress { code, mods }
    }

    /// A plain printable character (what typing into an editor needs).
    pub fn is_text(&self) -> bool {
        matches!(self.code, KeyCode::Char(_)) && (self.mods - KeyModifiers::SHIFT).is_empty()
    }
}

impl From<&KeyEvent> for KeyPress {
    fn from(k: &KeyEvent) -> KeyPress {
        KeyPress::new(k.code, k.modifiers)
    }
}

fn named(name: &str) -> Option<KeyCode> {
    Some(match name {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" | "pgup" => KeyCode::PageUp,
        "pagedown" | "pgdn" => KeyCode::PageDown,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "minus" => KeyCode::Char('-'),
        _ => {
            let n = name.strip_prefix('f')?.parse::<u8>().ok()?;
            if !(1..=12).contains(&n) {
                return None;
            }
            KeyCode::F(n)
        }
    })
}

/// Parses one key (`ctrl-c`, `G`, `shift-tab`).
pub fn parse_key(s: &str) -> Result<KeyPress, String> {
    if s.chars().count() == 1 {
        let c = s.chars().next().unwrap_or(' ');
        return Ok(KeyPress::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    let parts: Vec<&str> = s.split('-').collect();
    let (key, mod_names) = parts.split_last().ok_or_else(|| format!("{s:?} is empty"))?;
    let mut mods = KeyModifiers::NONE;
    for m in mod_names {
        mods |= match m.to_ascii_lowercase().as_str() {
            "ctrl" | "control" | "c" => KeyModifiers::CONTROL,
            "alt" | "meta" | "m" => KeyModifiers::ALT,
            "shift" | "s" => KeyModifiers::SHIFT,
            other => return Err(format!("{other:?} in {s:?} is not a modifier (ctrl, alt, shift)")),
        };
    }
    let code = if key.chars().count() == 1 {
        let c = key.chars().next().unwrap_or(' ');
        // `ctrl-C` means the same key as `ctrl-c`: terminals cannot tell them apart.
        KeyCode::Char(if mods.contains(KeyModifiers::CONTROL) {
            c.to_ascii_lowercase()
        } else {
            c
        })
    } else {
        named(&key.to_ascii_lowercase()).ok_or_else(|| format!("{key:?} in {s:?} is not a key name"))?
    };
    Ok(KeyPress::new(code, mods))
}

/// Parses a sequence of keys separated by spaces (`g g`).
pub fn parse_sequence(s: &str) -> Result<Vec<KeyPress>, String> {
    let keys: Vec<KeyPress> = s.split_whitespace().map(parse_key).collect::<Result<_, _>>()?;
    if keys.is_empty() {
        return Err("an empty key".into());
    }
    Ok(keys)
}

impl fmt::Display for KeyPress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pageup"),
            KeyCode::PageDown => f.write_str("pagedown"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A sequence written back in notation.
pub fn show(keys: &[KeyPress]) -> String {
    keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notation_round_trips_and_matches_what_terminals_send() {
        for s in [
            "q",
            "G",
            "ctrl-c",
            "alt-x",
            "shift-tab",
            "enter",
            "f5",
            "space",
            "?",
            ":",
            "/",
            "pageup",
        ] {
            assert_eq!(parse_key(s).unwrap().to_string(), s, "{s}");
        }
        assert_eq!(parse_key("C-c").unwrap(), parse_key("ctrl-c").unwrap());
        assert_eq!(parse_key("ctrl-C").unwrap(), parse_key("ctrl-c").unwrap());
        assert_eq!(parse_key("shift-g").unwrap(), parse_key("G").unwrap());
        // A terminal may or may not report shift with an upper-case letter.
        let g_shift = KeyPress::from(&KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT));
        let g_plain = KeyPress::from(&KeyEvent::new(KeyCode::Char('G'), KeyModifiers::NONE));
        assert_eq!(g_shift, parse_key("G").unwrap());
        assert_eq!(g_plain, parse_key("G").unwrap());
        let backtab = KeyPress::from(&KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
        assert_eq!(backtab, parse_key("shift-tab").unwrap());
        assert_eq!(show(&parse_sequence("g  g").unwrap()), "g g");
        assert!(parse_key("hyper-x").unwrap_err().contains("not a modifier"));
        assert!(parse_key("ctrl-banana").unwrap_err().contains("not a key name"));
        assert!(parse_sequence(" ").is_err());
    }
}
