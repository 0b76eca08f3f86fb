//! Secrets (webhook URLs, signing keys, bearer tokens, passwords): where one is read from (an
//! environment variable, a file, or the config itself) and the value, which never prints:
//! `Debug` shows `Secret(<redacted>)` and there is no `Display`. The one reader for comms and observe.

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

/// Written as a string.
impl schemars::JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Why a secret could not be read. Names what it is and where it was looked for, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the {what} environment variable {var} is not set")]
    EnvMissing { what: &'static str, var: String },
    #[error("the {what} environment variable {var} is empty")]
    EnvEmpty { what: &'static str, var: String },
    #[error("cannot read the {what} file {}: {why}", .path.display())]
    File {
        what: &'static str,
        path: PathBuf,
        why: String,
    },
    #[error("the {what} file {} is empty", .path.display())]
    FileEmpty { what: &'static str, path: PathBuf },
}

impl SecretSource {
    /// Reads the secret now (a rotated file or variable is picked up on the next use); `what`
    /// names it in errors ("webhook URL", "bearer token"). Surrounding whitespace, such as a
    /// file's final newline, is dropped; an empty value is an error.
    pub fn read(&self, what: &'static str) -> Result<Secret, SecretError> {
        match self {
            SecretSource::Env(var) => {
                let value = std::env::var(var).map_err(|_| SecretError::EnvMissing { what, var: var.clone() })?;
                let value = value.trim();
                if value.is_empty() {
                    return Err(SecretError::EnvEmpty { what, var: var.clone() });
                }
                Ok(Secret(value.to_string()))
            }
            SecretSource::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| SecretError::File {
                    what,
                    path: path.clone(),
                    why: e.to_string(),
                })?;
                let value = text.trim();
                if value.is_empty() {
                    return Err(SecretError::FileEmpty {
                        what,
                        path: path.clone(),
                    });
                }
                Ok(Secret(value.to_string()))
            }
            SecretSource::Inline(s) => Ok(s.clone()),
        }
    }

    /// The source a config names: its environment variable if set, else its file, else none.
    pub fn env_or_file(env: &Option<String>, file: &Option<PathBuf>) -> Option<SecretSource> {
        match (env, file) {
            (Some(var), _) => Some(SecretSource::Env(var.clone())),
            (None, Some(path)) => Some(SecretSource::File(path.clone())),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = SecretSource::Inline(Secret::new("https://hooks.example/T000/B000/XXXX"));
        let shown = format!("{s:?} {:?}", s.read("webhook URL").expect("inline"));
        assert!(!shown.contains("hooks.example"), "{shown}");
        let e = SecretSource::Env("WARROOM_TEST_UNSET_SECRET_VAR".into())
            .read("webhook URL")
            .expect_err("unset");
        assert_eq!(
            e.to_string(),
            "the webhook URL environment variable WARROOM_TEST_UNSET_SECRET_VAR is not set"
        );
    }

    #[test]
    fn a_file_is_trimmed_and_an_empty_one_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let key = dir.path().join("key");
        std::fs::write(&key, "  k3y\n").expect("write");
        let source = SecretSource::File(key.clone());
        assert_eq!(source.read("HMAC key").expect("read").expose(), "k3y");
        std::fs::write(&key, "\n").expect("write");
        assert_eq!(
            source.read("HMAC key").expect_err("empty").to_string(),
            format!("the HMAC key file {} is empty", key.display())
        );
        let missing = dir.path().join("missing");
        let e = SecretSource::File(missing.clone())
            .read("password")
            .expect_err("missing");
        assert!(
            e.to_string()
                .starts_with(&format!("cannot read the password file {}: ", missing.display())),
            "{e}"
        );
    }
}
