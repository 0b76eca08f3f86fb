//! Secrets (webhook URLs, signing keys): where to read one (an environment variable or a
//! file), and the value, which never prints: `Debug` shows `<redacted>` and there is no
//! `Display`.

use std::fmt;
use std::path::PathBuf;

/// Where a secret is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Env(String),
    File(PathBuf),
    /// Written in the config file itself (only for values that are not secret, e.g. a
    /// webhook on loopback).
    Inline(Secret),
}

/// A secret value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Read from a config file as a plain string.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Why a secret could not be read. Names where it was looked for, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the environment variable {0} is not set or empty")]
    EnvMissing(String),
    #[error("cannot read the secret file {}: {why}", .path.display())]
    File { path: PathBuf, why: String },
    #[error("the secret file {} is empty", .0.display())]
    FileEmpty(PathBuf),
}

impl SecretSource {
    /// Reads the secret now (a rotated file or variable is picked up on the next publish).
    /// Surrounding whitespace, such as a file's final newline, is dropped.
    pub fn read(&self) -> Result<Secret, SecretError> {
        match self {
            SecretSource::Env(var) => std::env::var(var)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .map(Secret)
                .ok_or_else(|| SecretError::EnvMissing(var.clone())),
            SecretSource::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| SecretError::File {
                    path: path.clone(),
                    why: e.to_string(),
                })?;
                let value = text.trim();
                if value.is_empty() {
                    return Err(SecretError::FileEmpty(path.clone()));
                }
                Ok(Secret(value.to_string()))
            }
            SecretSource::Inline(s) => Ok(s.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = SecretSource::Inline(Secret::new("https://hooks.example/T000/B000/XXXX"));
        let shown = format!("{s:?} {:?}", s.read().expect("inline"));
        assert!(!shown.contains("hooks.example"), "{shown}");
        let e = SecretSource::Env("WARROOM_TEST_UNSET_SECRET_VAR".into())
            .read()
            .expect_err("unset");
        assert!(e.to_string().contains("WARROOM_TEST_UNSET_SECRET_VAR"));
    }
}
