//! Scenarios: the RON model and its loading with Russian diagnostics (validating a library is
//! [`crate::check`], which plays them).

pub mod load;
pub mod model;

pub use crate::source::{Diagnostic, Severity, SourceFile};
pub use load::{ScenarioLibrary, parse_scenario};
pub use model::*;
