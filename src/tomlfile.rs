//! Reading the console's TOML files (config, themes, keymaps): one parser, and one error that
//! names the file, line, column and key, so every broken file is reported the same way.

use std::path::Path;

use serde::de::DeserializeOwned;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{file}:{line}:{column}: {key}{message}")]
pub struct FileError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The key path (`clusters[0].prometheus.url`), with a trailing `: ` when present.
    pub key: String,
    pub message: String,
}

impl FileError {
    /// An error found after parsing, placed where `needle` is first written (else line 1).
    pub fn at(file: &str, text: &str, needle: &str, key: &str, message: impl Into<String>) -> FileError {
        let (line, column) = locate(text, needle);
        FileError {
            file: file.to_string(),
            line,
            column,
            key: if key.is_empty() {
                String::new()
            } else {
                format!("{key}: ")
            },
            message: message.into(),
        }
    }

    /// An error about a table key found after parsing, placed on the line that writes it
    /// (within the `[table]` that `key` begins with, when the file has that header).
    pub fn at_key(file: &str, text: &str, name: &str, key: &str, message: impl Into<String>) -> FileError {
        let table = key.split('.').next().unwrap_or_default();
        let (line, column) = locate_key_in(text, table, name);
        FileError {
            file: file.to_string(),
            line,
            column,
            key: format!("{key}: "),
            message: message.into(),
        }
    }

    /// A file that could not be read at all.
    pub fn unreadable(file: &Path, e: &std::io::Error) -> FileError {
        FileError {
            file: file.display().to_string(),
            line: 0,
            column: 0,
            key: String::new(),
            message: format!("cannot read the file: {e}"),
        }
    }
}

pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Finds the line where a table key is written (`name = …` or `"name" = …`), for errors about
/// a key found after parsing. Falls back to wherever `key` first appears.
pub fn locate_key(text: &str, key: &str) -> (usize, usize) {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        for written in [key.to_string(), format!("\"{key}\""), format!("'{key}'")] {
            if let Some(rest) = trimmed.strip_prefix(written.as_str())
                && rest.trim_start().starts_with('=')
            {
                return line_col(text, offset + indent);
            }
        }
        offset += line.len();
    }
    locate(text, key)
}

/// `locate_key`, looking only after the `[table]` header when there is one.
pub fn locate_key_in(text: &str, table: &str, key: &str) -> (usize, usize) {
    let header = format!("[{table}]");
    let start = text
        .match_indices(header.as_str())
        .find(|(i, _)| *i == 0 || text[..*i].ends_with('\n'))
        .map(|(i, _)| i);
    match start {
        Some(i) => {
            let (line, column) = locate_key(&text[i..], key);
            (line + text[..i].matches('\n').count(), column)
        }
        None => locate_key(text, key),
    }
}

/// Finds where `needle` is first written, for errors found after parsing. Falls back to 1:1.
pub fn locate(text: &str, needle: &str) -> (usize, usize) {
    match text.find(needle) {
        Some(i) => line_col(text, i),
        None => (1, 1),
    }
}

/// Parses `text` (read from `file`) into `T`, reporting the first syntax or type error with
/// its line, column and key path.
pub fn parse<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, FileError> {
    let shown = file.display().to_string();
    let de = toml::Deserializer::parse(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        FileError {
            file: shown.clone(),
            line,
            column,
            key: String::new(),
            message: e.message().to_string(),
        }
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let (line, column) = inner.span().map_or((1, 1), |s| line_col(text, s.start));
        FileError {
            file: shown,
            line,
            column,
            key: if key == "." { String::new() } else { format!("{key}: ") },
            message: inner.message().to_string(),
        }
    })
}

/// A family of named TOML files (themes, keymaps): shipped ones embedded in the binary, and
/// the user's own in a directory, which add to them or replace them. A file may `inherits`
/// another of its family by name.
pub struct Family {
    /// What one is called in messages: `theme`, `keymap`.
    pub what: &'static str,
    /// Where the shipped ones live in the repository: `themes`, `keymaps`.
    pub folder: &'static str,
    pub shipped: &'static [(&'static str, &'static str)],
}

impl Family {
    /// The file named `name`: the user's directory first, then the shipped set.
    pub fn find(&self, name: &str, user_dir: Option<&Path>) -> Option<(std::path::PathBuf, String)> {
        if let Some(dir) = user_dir {
            let p = dir.join(format!("{name}.toml"));
            if let Ok(text) = std::fs::read_to_string(&p) {
                return Some((p, text));
            }
        }
        self.shipped.iter().find(|(n, _)| *n == name).map(|(n, text)| {
            (
                std::path::PathBuf::from(format!("{}/{n}.toml", self.folder)),
                text.to_string(),
            )
        })
    }

    fn unknown(&self, name: &str) -> String {
        let shipped: Vec<&str> = self.shipped.iter().map(|(n, _)| *n).collect();
        format!("no {} named {name:?} (shipped: {})", self.what, shipped.join(", "))
    }

    /// The file named `name`, or an error saying there is none.
    pub fn open(&self, name: &str, user_dir: Option<&Path>) -> Result<(std::path::PathBuf, String), FileError> {
        self.find(name, user_dir).ok_or_else(|| FileError {
            file: user_dir.map_or(self.folder.into(), |d| d.display().to_string()),
            line: 0,
            column: 0,
            key: String::new(),
            message: self.unknown(name),
        })
    }

    /// Follows `inherits` from a first file. `each(file, text, depth)` reads one file (the
    /// first at depth 0, its parent at 1...) and returns the name it inherits, if any; an
    /// unknown parent or a cycle is an error on the `inherits` line.
    pub fn walk(
        &self,
        mut file: std::path::PathBuf,
        mut text: String,
        user_dir: Option<&Path>,
        mut each: impl FnMut(&Path, &str, usize) -> Result<Option<String>, FileError>,
    ) -> Result<(), FileError> {
        let mut seen = Vec::new();
        loop {
            let inherits = each(&file, &text, seen.len())?;
            seen.push(file.clone());
            let Some(parent) = inherits else { return Ok(()) };
            let shown = file.display().to_string();
            let Some((f, t)) = self.find(&parent, user_dir) else {
                return Err(FileError::at(
                    &shown,
                    &text,
                    "inherits",
                    "inherits",
                    self.unknown(&parent),
                ));
            };
            if seen.contains(&f) {
                return Err(FileError::at(
                    &shown,
                    &text,
                    "inherits",
                    "inherits",
                    format!("inheriting {parent:?} makes a cycle"),
                ));
            }
            (file, text) = (f, t);
        }
    }
}
