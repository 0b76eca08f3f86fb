//! Colours as themes write them (`#rrggbb`, ANSI names, `ansi(N)`), the terminal's colour
//! depth (detected once; NO_COLOR honoured; a flag overrides), and fitting a colour to a depth.

use ratatui::style::{Color, Modifier, Style};

/// How many colours the terminal shows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, serde::Deserialize, schemars::JsonSchema,
)]
pub enum ColorDepth {
    /// No colour at all: meaning is carried by symbols and bold/reverse.
    #[value(name = "never")]
    #[serde(rename = "never")]
    Mono,
    #[value(name = "16")]
    #[serde(rename = "16")]
    Ansi16,
    #[value(name = "256")]
    #[serde(rename = "256")]
    Ansi256,
    #[value(name = "truecolor")]
    #[serde(rename = "truecolor")]
    Truecolor,
}

impl ColorDepth {
    /// The depth the environment asks for: NO_COLOR (any non-empty value) turns colour off;
    /// COLORTERM=truecolor|24bit gives truecolor; a TERM naming 256 colours gives 256; a dumb
    /// terminal gives none; anything else 16.
    pub fn detect(var: impl Fn(&str) -> Option<String>) -> ColorDepth {
        if var("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return ColorDepth::Mono;
        }
        let colorterm = var("COLORTERM").unwrap_or_default().to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" {
            return ColorDepth::Truecolor;
        }
        let term = var("TERM").unwrap_or_default();
        if term.is_empty() || term == "dumb" {
            ColorDepth::Mono
        } else if term.contains("256") || term.contains("direct") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }

    pub fn from_environment() -> ColorDepth {
        ColorDepth::detect(|k| std::env::var(k).ok())
    }
}

/// Parses a colour as written in a theme (palette names are resolved before this).
pub fn parse(s: &str) -> Option<Color> {
    let t = s.trim().to_ascii_lowercase();
    if let Some(hex) = t.strip_prefix('#') {
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let v = u32::from_str_radix(hex, 16).ok()?;
        return Some(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    if let Some(n) = t.strip_prefix("ansi(").and_then(|r| r.strip_suffix(')')) {
        return n.trim().parse::<u8>().ok().map(Color::Indexed);
    }
    Some(match t.replace(['_', '-', ' '], "").as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    })
}

/// The 16 ANSI colours with the RGB values xterm uses for them.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (x as i32 - y as i32).unsigned_abs();
    // Weighted towards green, as the eye is.
    2 * d(a.0, b.0).pow(2) + 4 * d(a.1, b.1).pow(2) + 3 * d(a.2, b.2).pow(2)
}

/// The RGB value of an xterm-256 index.
fn indexed_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[i as usize].1,
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        _ => {
            let g = 8 + (i - 232) * 10;
            (g, g, g)
        }
    }
}

/// The nearest xterm-256 index for an RGB colour (the 6×6×6 cube or the grey ramp).
fn nearest_256(rgb: (u8, u8, u8)) -> u8 {
    (16..=255u8)
        .min_by_key(|&i| distance(rgb, indexed_rgb(i)))
        .unwrap_or(16)
}

fn nearest_16(rgb: (u8, u8, u8)) -> Color {
    ANSI16
        .iter()
        .min_by_key(|(_, v)| distance(rgb, *v))
        .map_or(Color::Reset, |(c, _)| *c)
}

/// The colour as this depth can show it (None: no colour).
pub fn fit(c: Color, depth: ColorDepth) -> Option<Color> {
    match (depth, c) {
        (ColorDepth::Mono, _) => None,
        (_, Color::Reset) => Some(Color::Reset),
        (ColorDepth::Truecolor, c) => Some(c),
        (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => Some(Color::Indexed(nearest_256((r, g, b)))),
        (ColorDepth::Ansi256, c) => Some(c),
        (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => Some(nearest_16((r, g, b))),
        (ColorDepth::Ansi16, Color::Indexed(i)) => Some(nearest_16(indexed_rgb(i))),
        (ColorDepth::Ansi16, c) => Some(c),
    }
}

/// A style as this depth can show it. Without colour, a style that relied on a background
/// is shown reversed so that it still stands out.
pub fn fit_style(s: Style, depth: ColorDepth) -> Style {
    let mut out = Style::new()
        .add_modifier(s.add_modifier)
        .remove_modifier(s.sub_modifier);
    if depth == ColorDepth::Mono {
        if s.bg.is_some_and(|b| b != Color::Reset) {
            out = out.add_modifier(Modifier::REVERSED);
        }
        return out;
    }
    if let Some(fg) = s.fg.and_then(|c| fit(c, depth)) {
        out = out.fg(fg);
    }
    if let Some(bg) = s.bg.and_then(|c| fit(c, depth)) {
        out = out.bg(bg);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn depth_follows_the_environment() {
        assert_eq!(
            ColorDepth::detect(env(&[("TERM", "xterm-256color")])),
            ColorDepth::Ansi256
        );
        assert_eq!(
            ColorDepth::detect(env(&[("TERM", "tmux-256color")])),
            ColorDepth::Ansi256
        );
        assert_eq!(
            ColorDepth::detect(env(&[("TERM", "xterm"), ("COLORTERM", "truecolor")])),
            ColorDepth::Truecolor
        );
        assert_eq!(ColorDepth::detect(env(&[("TERM", "xterm")])), ColorDepth::Ansi16);
        assert_eq!(ColorDepth::detect(env(&[("TERM", "dumb")])), ColorDepth::Mono);
        assert_eq!(
            ColorDepth::detect(env(&[
                ("TERM", "xterm-256color"),
                ("COLORTERM", "truecolor"),
                ("NO_COLOR", "1")
            ])),
            ColorDepth::Mono
        );
        // An empty NO_COLOR does not count, as the convention says.
        assert_eq!(
            ColorDepth::detect(env(&[("TERM", "xterm-256color"), ("NO_COLOR", "")])),
            ColorDepth::Ansi256
        );
    }

    #[test]
    fn colours_parse_and_fit() {
        assert_eq!(parse("#ff0000"), Some(Color::Rgb(255, 0, 0)));
        assert_eq!(parse("Light-Red"), Some(Color::LightRed));
        assert_eq!(parse("ansi(208)"), Some(Color::Indexed(208)));
        assert_eq!(parse("#ff00"), None);
        assert_eq!(parse("redish"), None);
        assert_eq!(
            fit(Color::Rgb(255, 0, 0), ColorDepth::Ansi256),
            Some(Color::Indexed(196))
        );
        assert_eq!(fit(Color::Rgb(250, 0, 0), ColorDepth::Ansi16), Some(Color::LightRed));
        assert_eq!(fit(Color::Rgb(30, 30, 30), ColorDepth::Ansi16), Some(Color::Black));
        assert_eq!(fit(Color::Indexed(196), ColorDepth::Ansi16), Some(Color::LightRed));
        assert_eq!(fit(Color::Red, ColorDepth::Mono), None);
        let banner = Style::new().fg(Color::Black).bg(Color::Yellow);
        assert!(
            fit_style(banner, ColorDepth::Mono)
                .add_modifier
                .contains(Modifier::REVERSED)
        );
        assert_eq!(fit_style(banner, ColorDepth::Mono).fg, None);
    }
}
