//! The score report: the JSON contract of DESIGN.md and the debrief a trainer reads.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::rubric::Category;
use crate::transcript::Transcript;

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

    /// The debrief a trainer or trainee reads: per category the score and verdict, then each
    /// finding with its turn quoted and the span marked, the reason and the suggestion.
    pub fn to_text(&self, transcript: &Transcript) -> String {
        let mut out = String::new();
        let verdict = if self.passed {
            "СДАНО"
        } else {
            "НЕ СДАНО"
        };
        let _ = writeln!(
            out,
            "Итог: {} из {} — {verdict} (порог {})",
            self.total, self.max, self.threshold
        );
        for (category, report) in &self.categories {
            let status = match (report.applicable, report.passed) {
                (false, _) => "не применимо".to_owned(),
                (true, true) => "сдано".to_owned(),
                (true, false) if report.mandatory => "не сдано (обязательная категория)".to_owned(),
                (true, false) => "не сдано".to_owned(),
            };
            let _ = writeln!(
                out,
                "\n{}: {} из {} — {status}",
                category.title(),
                report.score,
                report.max
            );
            for praise in &report.praise {
                let text = turn_text(transcript, praise.turn);
                let _ = if text.is_empty() {
                    writeln!(out, "  + {} (реплика {})", praise.message, praise.turn + 1)
                } else {
                    writeln!(
                        out,
                        "  + {} (реплика {}: «{}»)",
                        praise.message,
                        praise.turn + 1,
                        mark(text, praise.span)
                    )
                };
            }
            for finding in &report.findings {
                let label = match finding.severity {
                    Severity::Error => "ошибка",
                    Severity::Warning => "совет",
                };
                let _ = writeln!(out, "  - {label} [{}]", finding.rule);
                match (finding.turn, finding.span) {
                    (Some(turn), Some(span)) if !turn_text(transcript, turn).is_empty() => {
                        let _ = writeln!(
                            out,
                            "    реплика {}: «{}»",
                            turn + 1,
                            mark(turn_text(transcript, turn), span)
                        );
                    }
                    (Some(turn), _) => {
                        let _ = writeln!(out, "    реплика {}", turn + 1);
                    }
                    (None, _) => {}
                }
                let _ = writeln!(out, "    почему: {}", finding.message);
                let _ = writeln!(out, "    лучше: {}", finding.suggestion);
            }
        }
        out
    }
}

/// The text of a turn, or "" for a hold or an index out of range.
fn turn_text(transcript: &Transcript, turn: usize) -> &str {
    transcript
        .turns
        .get(turn)
        .and_then(|turn| turn.text.as_deref())
        .unwrap_or("")
}

/// The text with the span wrapped in ⟦ ⟧; a span covering everything is left unmarked.
fn mark(text: &str, (start, end): (usize, usize)) -> String {
    let length = text.chars().count();
    if start == 0 && end >= length {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 6);
    for (index, c) in text.chars().enumerate() {
        if index == start {
            out.push('⟦');
        }
        out.push(c);
        if index + 1 == end {
            out.push('⟧');
        }
    }
    out
}
