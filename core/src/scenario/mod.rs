//! Scenarios: the RON model, loading with Russian diagnostics, and `check`.

pub mod check;
pub mod load;
pub mod model;

pub use crate::source::{Diagnostic, Severity, SourceFile};
pub use check::{CheckReport, check_paths, check_sources};
pub use load::{ScenarioLibrary, parse_scenario};
pub use model::*;
