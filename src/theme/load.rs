//! Theme files: the shipped ones (embedded in the binary) and the user's own in
//! `$XDG_CONFIG_HOME/warroom/themes/`, which may add themes or replace shipped ones. A theme
//! may `inherits` another; errors name the file, line and key.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use ratatui::style::{Modifier, Style};
use serde::Deserialize;

use super::{ColorDepth, NAMES, Theme, color};
use crate::family::Family;
use warroom_files::{FileError, FileErrors, toml as tomlfile};

/// The themes that ship with warroom: name and text.
pub const SHIPPED: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    inherits: Option<String>,
    #[serde(default)]
    palette: BTreeMap<String, String>,
    #[serde(default)]
    styles: BTreeMap<String, StyleSpec>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    modifiers: Vec<String>,
}

fn modifier(name: &str) -> Option<Modifier> {
    Some(match name {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" | "underline" => Modifier::UNDERLINED,
        "reversed" | "reverse" => Modifier::REVERSED,
        "crossed_out" | "strikethrough" => Modifier::CROSSED_OUT,
        "slow_blink" | "blink" => Modifier::SLOW_BLINK,
        _ => return None,
    })
}

/// One file parsed and checked on its own: its parent's name and its styles, or every problem
/// in it.
fn parse(file: &Path, text: &str) -> Result<(Option<String>, HashMap<String, Style>), FileErrors> {
    let shown = file.display().to_string();
    let t: ThemeFile = tomlfile::parse(file, text)?;
    let mut problems = Vec::new();
    let err = |needle: &str, key: String, msg: String| FileError::at(&shown, text, needle, &key, msg);
    for (name, value) in &t.palette {
        if color::parse(value).is_none() {
            problems.push(FileError::at_key(
                &shown,
                text,
                name,
                &format!("palette.{name}"),
                format!("{value:?} is not a colour (#rrggbb, an ANSI name such as red, or ansi(N))"),
            ));
        }
    }
    let colour = |key: String, value: &str| {
        t.palette
            .get(value)
            .and_then(|v| color::parse(v))
            .or_else(|| color::parse(value))
            .ok_or_else(|| {
                err(
                    value,
                    key,
                    format!("{value:?} is neither a palette name nor a colour (#rrggbb, an ANSI name, ansi(N))"),
                )
            })
    };
    let mut styles = HashMap::new();
    for (name, spec) in &t.styles {
        if !NAMES.iter().any(|(n, _)| n == name) {
            let known: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
            problems.push(FileError::at_key(
                &shown,
                text,
                name,
                &format!("styles.{name}"),
                format!("unknown style name; known names: {}", known.join(", ")),
            ));
            continue;
        }
        let mut s = Style::new();
        if let Some(fg) = &spec.fg {
            match colour(format!("styles.{name}.fg"), fg) {
                Ok(c) => s = s.fg(c),
                Err(e) => problems.push(e),
            }
        }
        if let Some(bg) = &spec.bg {
            match colour(format!("styles.{name}.bg"), bg) {
                Ok(c) => s = s.bg(c),
                Err(e) => problems.push(e),
            }
        }
        for m in &spec.modifiers {
            match modifier(m) {
                Some(m) => s = s.add_modifier(m),
                None => problems.push(err(
                    m,
                    format!("styles.{name}.modifiers"),
                    format!("{m:?} is not a modifier (bold, dim, italic, underlined, reversed, crossed_out, blink)"),
                )),
            }
        }
        styles.insert(name.clone(), s);
    }
    if problems.is_empty() {
        Ok((t.inherits, styles))
    } else {
        problems.sort_by_key(|e| (e.line, e.column));
        Err(FileErrors(problems))
    }
}

const THEMES: Family = Family {
    what: "theme",
    folder: "themes",
    shipped: SHIPPED,
};

/// Follows `inherits` from a first file, child styles over parent ones.
fn chain(file: PathBuf, text: String, user_dir: Option<&Path>) -> Result<HashMap<String, Style>, FileErrors> {
    let mut set = HashMap::new();
    THEMES.walk(file, text, user_dir, |file, text, _| {
        let (inherits, styles) = parse(file, text)?;
        for (k, v) in styles {
            set.entry(k).or_insert(v);
        }
        Ok(inherits)
    })?;
    Ok(set)
}

/// Loads the theme called `name` for a terminal of `depth`.
pub fn load(name: &str, user_dir: Option<&Path>, depth: ColorDepth) -> Result<Theme, FileErrors> {
    let (file, text) = THEMES.open(name, user_dir)?;
    let set = chain(file, text, user_dir)?;
    Ok(Theme::resolve(name.to_string(), &set, depth))
}

/// A shipped theme (no user directory consulted).
pub fn shipped(name: &str, depth: ColorDepth) -> Result<Theme, FileErrors> {
    load(name, None, depth)
}

/// The JSON Schema of a theme file (`warroom schema theme`, `schemas/theme.schema.json`).
pub fn json_schema() -> serde_json::Value {
    warroom_files::shape::schema::<ThemeFile>()
}

/// `warroom check` for a theme file: parses it and its ancestors (looked up beside it, then
/// among the shipped themes).
pub fn check_file(path: &Path) -> Result<(), FileErrors> {
    let text = warroom_files::read(path)?;
    chain(path.to_path_buf(), text, path.parent()).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Color;

    /// The schema that places every problem after the first accepts every shipped file.
    #[test]
    fn the_schema_accepts_every_shipped_file() {
        for (name, text) in SHIPPED {
            let problems = warroom_files::shape::toml_problems::<ThemeFile>(name, text);
            assert!(problems.is_empty(), "{}", FileErrors(problems));
        }
    }

    #[test]
    fn every_shipped_theme_loads_at_every_depth() {
        for (name, _) in SHIPPED {
            for depth in [
                ColorDepth::Truecolor,
                ColorDepth::Ansi256,
                ColorDepth::Ansi16,
                ColorDepth::Mono,
            ] {
                let t = shipped(name, depth).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(t.depth, depth);
            }
        }
    }

    #[test]
    fn severities_stay_distinguishable_in_16_colours() {
        for (name, _) in SHIPPED.iter().filter(|(n, _)| *n != "mono") {
            let t = shipped(name, ColorDepth::Ansi16).unwrap();
            let styles: Vec<Style> = (1..=4).map(|n| t.severity(n)).collect();
            for i in 0..4 {
                for j in i + 1..4 {
                    assert_ne!(styles[i], styles[j], "{name}: sev{} and sev{} look alike", i + 1, j + 1);
                }
            }
        }
    }

    #[test]
    fn fallback_walks_up_the_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "inherits = \"default\"\n[palette]\npink = \"#ff00ff\"\n[styles]\n\"ui.border\" = { fg = \"pink\" }\n",
        )
        .unwrap();
        let t = load("mine", Some(dir.path()), ColorDepth::Truecolor).unwrap();
        assert_eq!(t.get("ui.border").fg, Some(Color::Rgb(255, 0, 255)));
        // The default theme's own focused border still wins over the child's parent name.
        let d = shipped("default", ColorDepth::Truecolor).unwrap();
        assert_eq!(t.get("ui.border.focused"), d.get("ui.border.focused"));
    }

    #[test]
    fn broken_themes_name_file_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                "[styles]\n\"ui.bordr\" = { fg = \"red\" }\n",
                "bad.toml:2:1: styles.ui.bordr: unknown style name",
            ),
            (
                "[styles]\n\"ui.border\" = { fg = \"reddish\" }\n",
                "bad.toml:2:23: styles.ui.border.fg: \"reddish\" is neither",
            ),
            (
                "[palette]\nx = \"#12\"\n",
                "bad.toml:2:1: palette.x: \"#12\" is not a colour",
            ),
            (
                "[styles]\n\"ui.text\" = { modifiers = [\"shiny\"] }\n",
                "styles.ui.text.modifiers: \"shiny\" is not a modifier",
            ),
            (
                "inherits = \"nope\"\n",
                "bad.toml:1:1: inherits: no theme named \"nope\"",
            ),
            ("inherits = \"bad\"\n", "inherits: inheriting \"bad\" makes a cycle"),
            (
                "[styles]\n\"ui.text\" = { colour = \"red\" }\n",
                "bad.toml:2:15: styles.ui.text.colour: unknown field `colour`",
            ),
        ];
        for (text, want) in cases {
            let p = dir.path().join("bad.toml");
            std::fs::write(&p, text).unwrap();
            let e = check_file(&p).unwrap_err().to_string();
            let e = e.replace(&format!("{}/", dir.path().display()), "");
            assert!(e.contains(want), "{text:?}\n got: {e}\nwant: {want}");
        }
    }

    #[test]
    fn every_problem_in_a_theme_is_reported_on_its_own_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("mine.toml");
        let text = "[palette]\npink = \"#ff00zz\"\n[styles]\n\"ui.text\" = { fg = \"mauve\" }\n\"ui.nope\" = { fg = \"red\" }\n\"ui.border\" = { modifiers = [\"wobbly\"] }\n";
        std::fs::write(&p, text).unwrap();
        let errors = check_file(&p).unwrap_err();
        let at: Vec<(usize, &str)> = errors.0.iter().map(|e| (e.line, e.path.as_str())).collect();
        assert_eq!(
            at,
            [
                (2, "palette.pink"),
                (4, "styles.ui.text.fg"),
                (5, "styles.ui.nope"),
                (6, "styles.ui.border.modifiers")
            ],
            "{errors}"
        );
    }
}
