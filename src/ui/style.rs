//! Symbols that carry meaning without colour (every severity and health state has one, so the
//! console reads in mono and 16 colours too). Styles come from the active theme.

pub use crate::app::attention::{BAD, WARN};
pub const GOOD: &str = "●";
pub const PIN: &str = "▶";

/// The symbol for an incident severity.
pub fn severity_symbol(n: u8) -> &'static str {
    match n {
        1 => "‼",
        2 => "!",
        3 => "▲",
        _ => "·",
    }
}
