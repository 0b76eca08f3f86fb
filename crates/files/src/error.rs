//! The one error every reader of a user's file reports: where (file, line, column, the field
//! path) and what, in words a person can act on; and all of a file's problems together, so a
//! person fixes them in one pass.

use std::fmt;
use std::path::Path;

/// A problem in a file, located as precisely as its parser allows (line and column 0 when the
/// file as a whole is at fault, e.g. it cannot be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The field path, e.g. `faults[1].rollout.workload` or `clusters[0].prometheus.url`;
    /// empty when the problem is not in one field.
    pub path: String,
    pub message: String,
}

impl FileError {
    pub fn new(
        file: impl Into<String>,
        (line, column): (usize, usize),
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> FileError {
        FileError {
            file: file.into(),
            line,
            column,
            path: path.into(),
            message: message.into(),
        }
    }

    /// A file that could not be read at all.
    pub fn unreadable(file: &Path, e: &std::io::Error) -> FileError {
        FileError::new(
            file.display().to_string(),
            (0, 0),
            "",
            format!("cannot read the file: {e}"),
        )
    }

    /// An error found after parsing, placed where `needle` is first written (else 1:1).
    pub fn at(file: &str, text: &str, needle: &str, path: &str, message: impl Into<String>) -> FileError {
        FileError::new(file, crate::toml::locate(text, needle), path, message)
    }

    /// An error about a TOML table key found after parsing, placed on the line that writes
    /// `name` (within the `[table]` that `path` begins with, when the file has that header).
    pub fn at_key(file: &str, text: &str, name: &str, path: &str, message: impl Into<String>) -> FileError {
        let table = path.split('.').next().unwrap_or_default();
        FileError::new(file, crate::toml::locate_key_in(text, table, name), path, message)
    }
}

/// Reads a user's file as text; a file that is not UTF-8 is an error at the line and column of
/// its first bad byte, one that cannot be read an error about the whole file.
pub fn read(path: &Path) -> Result<String, FileError> {
    let bytes = std::fs::read(path).map_err(|e| FileError::unreadable(path, &e))?;
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = String::from_utf8_lossy(&bytes[..good]);
        let (line, column) = crate::toml::line_col(&before, before.len());
        FileError::new(
            path.display().to_string(),
            (line, column),
            "",
            format!("not UTF-8 text (byte 0x{:02X})", bytes[good]),
        )
    })
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for FileError {}

/// The problems found in one file, one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileErrors(pub Vec<FileError>);

impl fmt::Display for FileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FileErrors {}

impl From<FileError> for FileErrors {
    fn from(e: FileError) -> FileErrors {
        FileErrors(vec![e])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_utf8_is_blamed_where_it_stops_being_text() {
        let dir = std::env::temp_dir().join(format!("warroom-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("bad.yaml");
        std::fs::write(&path, b"name: x\ntitle: \xC3\x28oops\n").expect("write");
        let e = read(&path).expect_err("not UTF-8");
        assert_eq!((e.line, e.column), (2, 8), "{e}");
        assert!(e.message.contains("not UTF-8 text (byte 0xC3)"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_error_reads_file_line_column_path_message() {
        let e = FileError::new("config.toml", (3, 1), "you.nmae", "unknown field");
        assert_eq!(e.to_string(), "config.toml:3:1: you.nmae: unknown field");
        let whole = FileError::new("x.yaml", (0, 0), "", "cannot read the file: gone");
        assert_eq!(whole.to_string(), "x.yaml:0:0: cannot read the file: gone");
        let both = FileErrors(vec![e, whole]);
        assert_eq!(both.to_string().lines().count(), 2);
    }
}
