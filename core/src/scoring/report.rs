//! The score report: the JSON contract of DESIGN.md (the debrief's text is the front end's).

use std::collections::BTreeMap;

use serde::Serialize;

use super::rubric::Category;

/// How much a finding weighs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Breaks the standard: costs points and fails the category.
    Error,
    /// A recommendation: costs points, the category can still pass.
    Warning,
}

/// Something the agent did against the standard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule id: `wording.obligation`.
    pub rule: String,
    /// The category it counts in.
    pub category: Category,
    /// Index into the transcript's turns; `null` only when the call has no turn to point at.
    pub turn: Option<usize>,
    /// `[start, end)` in characters of that turn's text; a missing element spans the whole turn.
    pub span: Option<(usize, usize)>,
    /// Error or warning.
    pub severity: Severity,
    /// Why it matters, in Russian.
    pub message: String,
    /// The better wording, ready to show.
    pub suggestion: String,
}

/// Something the agent did well, so the debrief can praise it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Praise {
    /// The rule that noticed it: `hold.thanks`.
    pub rule: String,
    /// The category it belongs to.
    pub category: Category,
    /// Index into the transcript's turns.
    pub turn: usize,
    /// `[start, end)` in characters of the words that earned it.
    pub span: (usize, usize),
    /// What was good, in Russian.
    pub message: String,
}

/// One category's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CategoryReport {
    /// Points earned.
    pub score: u32,
    /// The category's weight.
    pub max: u32,
    /// No error in it (and, for de-escalation, at least one technique used).
    pub passed: bool,
    /// Whether the category applies to this call (no hold: hold does not).
    pub applicable: bool,
    /// Whether a pass requires this category.
    pub mandatory: bool,
    /// Its findings in turn order.
    pub findings: Vec<Finding>,
    /// What was done well.
    pub praise: Vec<Praise>,
}

/// The whole result of scoring a call.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScoreReport {
    /// Sum of category scores.
    pub total: u32,
    /// Sum of category weights.
    pub max: u32,
    /// The rubric's pass threshold.
    pub threshold: u32,
    /// Total at or above the threshold and every mandatory category passed.
    pub passed: bool,
    /// Per category, keyed by id.
    pub categories: BTreeMap<Category, CategoryReport>,
    /// Every finding, in turn order.
    pub findings: Vec<Finding>,
    /// Everything praised, in turn order.
    pub praise: Vec<Praise>,
}

impl ScoreReport {
    /// The report in the JSON contract.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| String::from("{}"))
    }
}
