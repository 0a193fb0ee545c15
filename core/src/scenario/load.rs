//! Reading scenario files: a scenario parsed from its source, and the library of all scenarios
//! in a folder.

use std::path::{Path, PathBuf};

use super::model::Scenario;
use crate::source::{Diagnostic, SourceFile, content_hash, ron_diagnostic, ron_options};

/// Parses one scenario file; syntax and shape errors become a diagnostic with line and column.
pub fn parse_scenario(source: &SourceFile) -> Result<Scenario, Diagnostic> {
    let mut scenario: Scenario = ron_options()
        .from_str(&source.text)
        .map_err(|error| ron_diagnostic(&source.path, &error))?;
    scenario.source_hash = content_hash(&source.text);
    Ok(scenario)
}

/// Every scenario in a folder, with the diagnostics of the files that could not be used.
#[derive(Clone, Debug, Default)]
pub struct ScenarioLibrary {
    /// Scenarios that loaded and passed `check` without errors, by file.
    pub scenarios: Vec<(PathBuf, Scenario)>,
    /// Problems found, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl ScenarioLibrary {
    /// The scenario with this id, or loaded from this path.
    pub fn find(&self, id_or_path: &str) -> Option<&Scenario> {
        self.scenarios
            .iter()
            .find(|(path, scenario)| scenario.id == id_or_path || path == Path::new(id_or_path))
            .map(|(_, scenario)| scenario)
    }

    /// All scenario ids, for "did you mean" messages.
    pub fn ids(&self) -> Vec<&str> {
        self.scenarios
            .iter()
            .map(|(_, scenario)| scenario.id.as_str())
            .collect()
    }
}
