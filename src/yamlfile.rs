//! The error every YAML file the tool reads (scenarios, playbooks) reports: each problem with
//! its file, line, column and field path, and all of a file's problems together, so a person
//! fixes them in one pass.

use std::fmt;

/// A problem in a YAML file, located as precisely as the parser allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The field path, e.g. `faults[1].rollout.workload`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for LocatedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LocatedError {}

/// Errors found in one file, one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedErrors(pub Vec<LocatedError>);

impl fmt::Display for LocatedErrors {
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

impl std::error::Error for LocatedErrors {}
