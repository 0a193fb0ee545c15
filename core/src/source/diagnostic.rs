//! Author diagnostics as data: where, what and what to do, in Russian. Front ends render them.

use std::fmt;
use std::path::PathBuf;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The scenario cannot be used as it is.
    Error,
    /// The scenario works, but something is likely a mistake.
    Warning,
}

/// One problem found in a scenario or rubric file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as the user named it.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in Russian.
    pub message: String,
    /// What to do about it, in Russian.
    pub help: String,
}

impl Diagnostic {
    /// An error about a file as a whole (it cannot be read, it is a folder…), at its start.
    pub fn whole_file(path: &std::path::Path, message: String, help: &str) -> Diagnostic {
        Diagnostic {
            file: path.to_owned(),
            line: 1,
            column: 1,
            severity: Severity::Error,
            message,
            help: help.to_owned(),
        }
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:col: error: message` and an indented hint line.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            formatter,
            "{}:{}:{}: {}: {}",
            self.file.display(),
            self.line,
            self.column,
            severity,
            self.message
        )?;
        if !self.help.is_empty() {
            write!(formatter, "\n  подсказка: {}", self.help)?;
        }
        Ok(())
    }
}
