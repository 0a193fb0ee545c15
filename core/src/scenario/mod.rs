//! Scenarios: the RON model, loading with Russian diagnostics, and `check`.

pub mod check;
pub mod diagnostic;
pub mod load;
pub mod model;
pub mod outline;

pub use check::{CheckReport, check_paths, check_sources};
pub use diagnostic::{Diagnostic, Severity};
pub use load::{ScenarioLibrary, SourceFile, parse_scenario};
pub use model::*;
