//! Compiles PromQL regular expressions (Go RE2 syntax, fully anchored) with the `regex` crate,
//! translating the few spots where the two differ: Go's `\d \w \s \b` are ASCII-only, a `[`
//! or `&&`/`~~` inside a class is literal in Go, and Go takes `x{abc}` as literal braces.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use regex::Regex;

/// Patterns compiled so far. A rule or a console's panel sends the same few patterns every
/// evaluation, and building a regex's automaton costs far more than the match: without this
/// a drill's rules alone kept a core busy. Emptied when it grows past `REMEMBERED`, so a
/// stream of distinct patterns costs memory only up to that.
static COMPILED: LazyLock<Mutex<HashMap<String, Result<Regex, String>>>> = LazyLock::new(Default::default);
const REMEMBERED: usize = 4096;

/// Compiles `pattern` anchored as Prometheus does (`^(?:pattern)$`), once per pattern.
pub fn compile_anchored(pattern: &str) -> Result<Regex, String> {
    if let Some(known) = COMPILED.lock().unwrap_or_else(|p| p.into_inner()).get(pattern) {
        return known.clone();
    }
    let compiled = compile(pattern);
    let mut remembered = COMPILED.lock().unwrap_or_else(|p| p.into_inner());
    if remembered.len() >= REMEMBERED {
        remembered.clear();
    }
    remembered.insert(pattern.to_string(), compiled.clone());
    compiled
}

fn compile(pattern: &str) -> Result<Regex, String> {
    let translated = translate(pattern);
    let anchored = format!("^(?:{translated})$");
    match Regex::new(&anchored) {
        Ok(re) => Ok(re),
        Err(first) => Regex::new(&escape_literal_braces(&anchored))
            .map_err(|_| format!("error parsing regexp {pattern:?}: {first}")),
    }
}

/// Rewrites Perl classes to Go's ASCII meaning and escapes class characters that the regex
/// crate would read as nested classes or set operators.
fn translate(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    // Inside a bracket class: true while between `[` and its closing `]`.
    let mut in_class = false;
    // Index of the first character of the current class body (for a leading literal `]`).
    let mut class_start = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let n = chars[i + 1];
            let rep = match (n, in_class) {
                ('d', false) => Some("[0-9]"),
                ('D', false) => Some("[^0-9]"),
                ('w', false) => Some("[0-9A-Za-z_]"),
                ('W', false) => Some("[^0-9A-Za-z_]"),
                ('s', false) => Some("[\\t\\n\\f\\r ]"),
                ('S', false) => Some("[^\\t\\n\\f\\r ]"),
                ('b', false) => Some("(?-u:\\b)"),
                ('B', false) => Some("(?-u:\\B)"),
                ('d', true) => Some("0-9"),
                ('w', true) => Some("0-9A-Za-z_"),
                ('s', true) => Some("\\t\\n\\f\\r "),
                _ => None,
            };
            match rep {
                Some(r) => out.push_str(r),
                None => {
                    out.push(c);
                    out.push(n);
                }
            }
            i += 2;
            continue;
        }
        if in_class {
            match c {
                ']' if i > class_start => {
                    in_class = false;
                    out.push(c);
                }
                '[' => {
                    // `[:alpha:]` is a POSIX class in both dialects; any other `[` is literal.
                    if chars.get(i + 1) == Some(&':')
                        && let Some(end) = find_posix_end(&chars, i + 2)
                    {
                        out.extend(&chars[i..=end]);
                        i = end + 1;
                        continue;
                    }
                    out.push_str("\\[");
                }
                '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                '-' if chars.get(i + 1) == Some(&'-') => out.push_str("\\-"),
                _ => out.push(c),
            }
            i += 1;
            continue;
        }
        if c == '[' {
            in_class = true;
            out.push(c);
            i += 1;
            if chars.get(i) == Some(&'^') {
                out.push('^');
                i += 1;
            }
            class_start = i;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn find_posix_end(chars: &[char], from: usize) -> Option<usize> {
    let mut j = from;
    while j + 1 < chars.len() {
        if chars[j] == ':' && chars[j + 1] == ']' {
            return Some(j + 1);
        }
        if !chars[j].is_ascii_alphabetic() {
            return None;
        }
        j += 1;
    }
    None
}

/// Escapes each `{` that does not start a valid repetition (`{n}`, `{n,}`, `{n,m}`), which Go
/// reads as a literal brace.
fn escape_literal_braces(re: &str) -> String {
    let chars: Vec<char> = re.chars().collect();
    let mut out = String::with_capacity(re.len() + 4);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            out.push(c);
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == '{' && !is_repetition(&chars[i + 1..]) {
            out.push_str("\\{");
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

fn is_repetition(rest: &[char]) -> bool {
    let Some(close) = rest.iter().position(|&c| c == '}') else {
        return false;
    };
    let body: String = rest[..close].iter().collect();
    let mut parts = body.splitn(2, ',');
    let first = parts.next().unwrap_or("");
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    match parts.next() {
        None => digits(first),
        Some(second) => digits(first) && (second.is_empty() || digits(second)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchored() {
        let re = compile_anchored("a|b").expect("re");
        assert!(re.is_match("a"));
        assert!(!re.is_match("ab"));
    }

    #[test]
    fn perl_classes_are_ascii_like_go() {
        let re = compile_anchored(r"\d+").expect("re");
        assert!(re.is_match("123"));
        assert!(!re.is_match("١٢٣")); // Arabic-Indic digits: Unicode \d, not Go's.
        let re = compile_anchored(r"[\w.]+").expect("re");
        assert!(re.is_match("a_b.c"));
        assert!(!re.is_match("é"));
    }

    #[test]
    fn go_literals() {
        let re = compile_anchored("a{bc}").expect("re");
        assert!(re.is_match("a{bc}"));
        let re = compile_anchored("[[]+").expect("re");
        assert!(re.is_match("[["));
        let re = compile_anchored("[a&&b]+").expect("re");
        assert!(re.is_match("a&b"));
        let re = compile_anchored("[[:alpha:]]+").expect("re");
        assert!(re.is_match("abc"));
    }

    #[test]
    fn invalid() {
        assert!(compile_anchored("(").is_err());
    }
}
