//! `callcoach check`: every problem in scenario files, with positions.

use std::path::PathBuf;

use super::diagnostic::Diagnostic;
use super::load::SourceFile;
use super::model::Scenario;

/// The result of checking files.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Every problem found, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Scenarios without errors.
    pub scenarios: Vec<(PathBuf, Scenario)>,
}

/// Checks scenario sources.
pub fn check_sources(_sources: &[SourceFile]) -> CheckReport {
    CheckReport::default()
}

/// Reads and checks files and folders.
pub fn check_paths(_paths: &[PathBuf]) -> CheckReport {
    CheckReport::default()
}
