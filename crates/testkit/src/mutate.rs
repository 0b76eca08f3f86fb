//! Inputs for property tests of parsers: a valid file damaged the ways files get damaged
//! (cut short, a run deleted, a hostile or odd string inserted, a byte flipped), so the cases
//! stay near the grammar and reach deep into it.

use proptest::prelude::*;

/// What gets inserted: escape sequences, bidi and zero-width characters, YAML/TOML/Jinja
/// syntax, huge numbers, quotes and brackets.
const SNIPPETS: &[&str] = &[
    "\u{1b}[31m",
    "\u{1b}]52;c;SGFja2Vk\u{7}",
    "\u{202E}",
    "\u{200D}",
    "\u{1F468}\u{200D}\u{1F469}",
    "\n",
    "\t",
    ": ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    "#",
    "=",
    "{{",
    "}}",
    "{%",
    "%}",
    "&anchor ",
    "*anchor",
    "!!binary ",
    "99999999999999999999",
    "-1",
    "nan",
    "1e309",
    "null",
    "~",
    "\u{0}",
    "\\",
];

#[derive(Debug, Clone)]
enum Damage {
    Cut(usize),
    Delete(usize, usize),
    Insert(usize, usize),
    Flip(usize, u8),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::Cut),
        (any::<usize>(), 1usize..40).prop_map(|(a, n)| Damage::Delete(a, n)),
        (any::<usize>(), 0..SNIPPETS.len()).prop_map(|(a, i)| Damage::Insert(a, i)),
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Damage::Flip(a, b)),
    ]
}

/// The nearest char boundary at or before `at % (len + 1)`.
fn boundary(s: &str, at: usize) -> usize {
    let mut i = at % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(mut s: String, d: &Damage) -> String {
    match *d {
        Damage::Cut(at) => {
            let i = boundary(&s, at);
            s.truncate(i);
        }
        Damage::Delete(at, n) => {
            let a = boundary(&s, at);
            let b = boundary(&s, a.saturating_add(n).min(s.len()));
            s.replace_range(a..b.max(a), "");
        }
        Damage::Insert(at, i) => {
            let a = boundary(&s, at);
            s.insert_str(a, SNIPPETS[i]);
        }
        Damage::Flip(at, byte) => {
            let a = boundary(&s, at);
            if a < s.len() {
                let c = char::from(byte.max(1) & 0x7F);
                let end = boundary(&s, a + s[a..].chars().next().map_or(0, char::len_utf8));
                s.replace_range(a..end, &c.to_string());
            }
        }
    }
    s
}

/// `base` with one to four kinds of damage.
pub fn damaged(base: &'static str) -> impl Strategy<Value = String> {
    proptest::collection::vec(damage(), 1..5).prop_map(move |ds| ds.iter().fold(base.to_string(), apply))
}

/// The line count of `text`, for checking that an error's line is inside the file.
pub fn lines(text: &str) -> usize {
    text.lines().count() + 1
}

/// How many cases a parser's property test runs: bounded, so the whole run stays quick, and no
/// regression files written into the source tree.
pub fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}
