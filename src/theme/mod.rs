//! Themes: semantic style names (`severity.sev1`, `ui.border.focused`) resolved from a theme
//! file's palette and styles, with fallback to the parent name (`ui.border.focused` →
//! `ui.border` → `ui` → `ui.text`), fitted once to the terminal's colour depth.

pub mod color;
pub mod load;

use std::collections::HashMap;

use ratatui::style::Style;

pub use color::ColorDepth;
pub use load::{SHIPPED, check_file, load};

/// Every style name a theme may set, with what it is for. A name not listed here is a load
/// error (a typo would otherwise be silently ignored).
pub const NAMES: &[(&str, &str)] = &[
    ("ui", "base of the interface"),
    ("ui.text", "ordinary text; the last fallback"),
    ("ui.muted", "secondary text"),
    ("ui.title", "pane titles and headings"),
    ("ui.border", "pane borders"),
    ("ui.border.focused", "the focused pane's border"),
    ("ui.tab", "tab titles on small terminals"),
    ("ui.tab.active", "the selected tab"),
    ("ui.key", "key names in the footer and help"),
    ("ui.selection", "the selected row"),
    ("ui.new", "entries that just arrived"),
    ("ui.input", "the palette and filter line"),
    ("ui.error", "an error message"),
    ("banner", "mode banners"),
    ("banner.drill", "the DRILL banner"),
    ("banner.live", "the LIVE banner"),
    ("health", "health states"),
    ("health.ok", "healthy"),
    ("health.warning", "degraded"),
    ("health.failure", "failing"),
    ("health.stale", "data that is not live"),
    ("severity", "incident severities"),
    ("severity.sev1", "SEV1"),
    ("severity.sev2", "SEV2"),
    ("severity.sev3", "SEV3"),
    ("severity.sev4", "SEV4"),
    ("timeline", "timeline entries"),
    ("timeline.time", "entry times"),
    ("timeline.source", "entry sources"),
    ("timeline.pinned", "pinned entries"),
    ("alert", "alerts"),
    ("alert.firing", "a firing alert"),
    ("alert.pending", "a pending alert"),
    ("alert.silenced", "a silenced alert"),
    ("signal", "golden signals"),
    ("signal.sparkline", "sparklines"),
];

/// The parent of a style name, for fallback: `ui.border.focused` → `ui.border`.
pub fn parent(name: &str) -> Option<&str> {
    name.rfind('.').map(|i| &name[..i])
}

/// A loaded theme: every known name resolved to a style fitted to the colour depth.
#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    pub depth: ColorDepth,
    styles: HashMap<&'static str, Style>,
}

impl Theme {
    /// Resolves `set` (the styles a theme and its ancestors define, child over parent) for
    /// every known name, then fits them to `depth`.
    pub(crate) fn resolve(name: String, set: &HashMap<String, Style>, depth: ColorDepth) -> Theme {
        let text = set.get("ui.text").copied().unwrap_or_default();
        let styles = NAMES
            .iter()
            .map(|(n, _)| {
                let mut at = Some(*n);
                let mut found = None;
                while let Some(k) = at {
                    if let Some(s) = set.get(k) {
                        found = Some(*s);
                        break;
                    }
                    at = parent(k);
                }
                (*n, color::fit_style(found.unwrap_or(text), depth))
            })
            .collect();
        Theme { name, depth, styles }
    }

    /// The style for a semantic name (unknown names get the plain text style).
    pub fn get(&self, name: &str) -> Style {
        self.styles
            .get(name)
            .or_else(|| self.styles.get("ui.text"))
            .copied()
            .unwrap_or_default()
    }

    /// The style for an incident severity (1–4).
    pub fn severity(&self, n: u8) -> Style {
        match n {
            1 => self.get("severity.sev1"),
            2 => self.get("severity.sev2"),
            3 => self.get("severity.sev3"),
            _ => self.get("severity.sev4"),
        }
    }
}

impl Default for Theme {
    /// The shipped default theme at the environment's depth (it is embedded, so it loads).
    fn default() -> Self {
        load::shipped("default", ColorDepth::Truecolor).expect("the shipped default theme loads")
    }
}
