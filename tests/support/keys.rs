//! Typing into the console's `update` the way a person types, helix-style: `keys(&mut s,
//! ":declare sev1 Checkout<enter>")` sends each character as a key and each `<name>` as that
//! key: `<enter>`, `<esc>`, `<tab>`, `<backtab>`, `<bs>`, `<del>`, `<up>`, `<down>`, `<left>`,
//! `<right>`, `<pageup>`, `<pagedown>`, `<home>`, `<end>`, `<space>`, `<lt>` (a `<`), and with
//! modifiers `<C-x>`, `<A-x>`, `<S-x>` (`<C-A-x>` for both).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::app::message::Msg;

use super::console::{Console, update};

/// Sends every key `typed` names to `update`, in order.
pub fn keys(console: &mut Console, typed: &str) {
    for key in parse(typed) {
        update(console, Msg::Key(key));
    }
}

/// The keys `typed` names, in order.
pub fn parse(typed: &str) -> Vec<KeyEvent> {
    let mut out = Vec::new();
    let mut rest = typed;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
            && end > 1
        {
            out.push(named(&rest[1..end]));
            rest = &rest[end + 1..];
            continue;
        }
        out.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// One `<...>` key, e.g. `enter`, `C-c`, `A-S-x`.
fn named(name: &str) -> KeyEvent {
    let mut mods = KeyModifiers::NONE;
    let mut key = name;
    while key.len() > 2 && key.as_bytes()[1] == b'-' {
        mods |= match &key[..1] {
            "C" => KeyModifiers::CONTROL,
            "A" => KeyModifiers::ALT,
            "S" => KeyModifiers::SHIFT,
            other => panic!("unknown modifier {other:?} in <{name}>"),
        };
        key = &key[2..];
    }
    let code = match key {
        "enter" | "ret" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "bs" | "backspace" => KeyCode::Backspace,
        "del" => KeyCode::Delete,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "space" => KeyCode::Char(' '),
        "lt" => KeyCode::Char('<'),
        one if one.chars().count() == 1 => KeyCode::Char(one.chars().next().unwrap_or(' ')),
        other => panic!("unknown key <{other}>"),
    };
    KeyEvent::new(code, mods)
}
