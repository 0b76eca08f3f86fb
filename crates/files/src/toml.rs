//! Reading the TOML files users write (config, themes, keymaps): parsing whose errors carry the
//! file, line, column and key path, and finding where a key is written, for errors found after
//! parsing.

use std::path::Path;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::{FileError, FileErrors};

/// The 1-based line and column of byte `offset` in `text`.
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

/// Parses `text` (read from `file`) into `T`, reporting every syntax error, or every problem
/// in the file's shape, each with its line, column and key path.
pub fn parse<T: DeserializeOwned + JsonSchema>(file: &Path, text: &str) -> Result<T, FileErrors> {
    let shown = file.display().to_string();
    let (tree, syntax) = crate::shape::toml_tree(text);
    if !syntax.is_empty() {
        return Err(FileErrors(
            syntax
                .into_iter()
                .map(|(line, column, message)| FileError::new(shown.clone(), (line, column), "", message))
                .collect(),
        ));
    }
    let de = toml::Deserializer::parse(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        FileError::new(shown.clone(), (line, column), "", e.message())
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let (line, column) = inner.span().map_or((1, 1), |s| line_col(text, s.start));
        let path = if key == "." { String::new() } else { key };
        let first = FileError::new(shown.clone(), (line, column), path, inner.message());
        FileErrors(crate::shape::with_rest(
            first,
            crate::shape::problems::<T>(&shown, &tree),
        ))
    })
}
