//! A family of named TOML files (themes, keymaps): the shipped ones embedded in the binary and
//! the user's own in a directory, which add to them or replace them; `inherits` between them.

use std::path::{Path, PathBuf};

use warroom_files::{FileError, FileErrors};

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
    pub fn find(&self, name: &str, user_dir: Option<&Path>) -> Option<(PathBuf, String)> {
        if let Some(dir) = user_dir {
            let p = dir.join(format!("{name}.toml"));
            if let Ok(text) = std::fs::read_to_string(&p) {
                return Some((p, text));
            }
        }
        self.shipped
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, text)| (PathBuf::from(format!("{}/{n}.toml", self.folder)), text.to_string()))
    }

    fn unknown(&self, name: &str) -> String {
        let shipped: Vec<&str> = self.shipped.iter().map(|(n, _)| *n).collect();
        format!("no {} named {name:?} (shipped: {})", self.what, shipped.join(", "))
    }

    /// The file named `name`, or an error saying there is none.
    pub fn open(&self, name: &str, user_dir: Option<&Path>) -> Result<(PathBuf, String), FileError> {
        self.find(name, user_dir).ok_or_else(|| {
            let file = user_dir.map_or(self.folder.into(), |d| d.display().to_string());
            FileError::new(file, (0, 0), "", self.unknown(name))
        })
    }

    /// Follows `inherits` from a first file. `each(file, text, depth)` reads one file (the
    /// first at depth 0, its parent at 1...) and returns the name it inherits, if any; an
    /// unknown parent or a cycle is an error on the `inherits` line.
    pub fn walk(
        &self,
        mut file: PathBuf,
        mut text: String,
        user_dir: Option<&Path>,
        mut each: impl FnMut(&Path, &str, usize) -> Result<Option<String>, FileErrors>,
    ) -> Result<(), FileErrors> {
        let mut seen = Vec::new();
        loop {
            let inherits = each(&file, &text, seen.len())?;
            seen.push(file.clone());
            let Some(parent) = inherits else { return Ok(()) };
            let shown = file.display().to_string();
            let Some((f, t)) = self.find(&parent, user_dir) else {
                return Err(FileError::at(&shown, &text, "inherits", "inherits", self.unknown(&parent)).into());
            };
            if seen.contains(&f) {
                let message = format!("inheriting {parent:?} makes a cycle");
                return Err(FileError::at(&shown, &text, "inherits", "inherits", message).into());
            }
            (file, text) = (f, t);
        }
    }
}
