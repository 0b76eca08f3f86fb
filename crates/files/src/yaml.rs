//! Reading the YAML files users write (scenarios, playbooks): values that remember the line and
//! column they were written at, and parsing whose errors carry the file, line, column and field
//! path.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{FileError, FileErrors};

/// A value with the line and column where the file wrote it.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct At<T>(pub serde_saphyr::Spanned<T>);

impl<T> At<T> {
    /// A value no file wrote (made by the program): its position is unknown.
    pub fn new(value: T) -> At<T> {
        let nowhere = serde_saphyr::Location::UNKNOWN;
        At(serde_saphyr::Spanned::new(value, nowhere, nowhere))
    }
    pub fn get(&self) -> &T {
        &self.0.value
    }
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.0.value
    }
    /// (line, column), 1-based; (0, 0) when unknown.
    pub fn position(&self) -> (usize, usize) {
        let l = &self.0.referenced;
        (l.line() as usize, l.column() as usize)
    }
}

impl<T: Serialize> Serialize for At<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.value.serialize(s)
    }
}

impl<T: JsonSchema> JsonSchema for At<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// Parses `text` (the file `file`) as a `T`; a syntax error is one located error, a file of
/// the wrong shape gets every problem `T`'s schema finds, each at its own place.
pub fn parse<T: serde::de::DeserializeOwned + JsonSchema>(file: &str, text: &str) -> Result<T, FileErrors> {
    first_problem(file, text).map_err(|first| match crate::shape::yaml_tree(text) {
        Some(tree) => FileErrors(crate::shape::with_rest(first, crate::shape::problems::<T>(file, &tree))),
        None => first.into(),
    })
}

/// The deserializer's first problem, with the field path (Spanned values' own `value` steps
/// left out: no reader wrote them).
fn first_problem<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, FileError> {
    let mut path = String::new();
    let parsed = serde_saphyr::with_deserializer_from_str(text, |de| {
        serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
            path = e.path().to_string();
            e.into_inner()
        })
    });
    parsed.map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line() as usize, l.column() as usize))
            .unwrap_or((0, 0));
        let path = if path == "." {
            String::new()
        } else {
            path.split('.')
                .filter(|step| *step != "value")
                .collect::<Vec<_>>()
                .join(".")
        };
        FileError {
            file: file.to_string(),
            line,
            column,
            path,
            message: first_line(&e.to_string()),
        }
    })
}

/// serde-saphyr's Display is `error: line L column C: <path>: <message>` followed by a snippet.
fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    match line.find(": ") {
        Some(i) if line[..i].starts_with("line ") => line[i + 2..].to_string(),
        _ => line.to_string(),
    }
}

/// Reads a YAML file for `parse(name, text)`: its name as errors give it, and its text; a file
/// that cannot be read is one located error.
pub fn read(path: &std::path::Path) -> Result<(String, String), FileErrors> {
    let text = crate::read(path)?;
    Ok((path.display().to_string(), text))
}
