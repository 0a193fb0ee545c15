//! Scoring: the call standard of DESIGN.md as deterministic, explainable rules over a
//! transcript.
//!
//! Every rule has a stable id (`greeting.company`, `wording.obligation`, …), produces findings
//! with the turn, the character span, the reason and a better wording, and praises what was
//! done well. The word lists come from the rubric ([`rubric`]); the logic is here.

mod report;
pub mod rubric;
mod rules;

use std::collections::BTreeMap;

pub use report::{CategoryReport, Finding, Praise, ScoreReport, Severity};
pub use rubric::{
    Category, CompiledRubric, DEFAULT_RUBRIC, Rubric, RubricProblem, is_rubric, load_rubric,
};
pub use rules::{RuleInfo, rule_catalogue};

use crate::scenario::{ClockTime, SpeechAct};
use crate::session::{LiveFinding, ReplyAssessor};
use crate::text::{AnalyzedText, DurationPromise, Morphology};
use crate::transcript::{Speaker, Transcript};

/// Scores transcripts against one rubric; cheap to clone and share.
#[derive(Clone, Debug)]
pub struct Scorer {
    rubric: std::sync::Arc<CompiledRubric>,
    morphology: Morphology,
}

/// The default rubric could not be compiled: a broken build, never user input.
#[derive(Debug, thiserror::Error)]
#[error("the built-in rubric is broken: {0}")]
pub struct BuiltInRubricError(String);

impl Scorer {
    /// A scorer for a compiled rubric.
    pub fn new(rubric: CompiledRubric, morphology: Morphology) -> Self {
        Scorer {
            rubric: std::sync::Arc::new(rubric),
            morphology,
        }
    }

    /// A scorer with the default rubric shipped in the binary.
    pub fn with_default_rubric(morphology: Morphology) -> Result<Self, BuiltInRubricError> {
        let rubric =
            Rubric::default_rubric().map_err(|error| BuiltInRubricError(error.to_string()))?;
        let compiled = rubric.compile(&morphology).map_err(|problems| {
            BuiltInRubricError(
                problems
                    .iter()
                    .map(|problem| problem.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        Ok(Scorer::new(compiled, morphology))
    }

    /// The rubric in use.
    pub fn rubric(&self) -> &CompiledRubric {
        &self.rubric
    }

    /// SHA-256 of the rubric's text: the version every attempt scored by this scorer pins.
    pub fn rubric_hash(&self) -> &str {
        &self.rubric.rubric.source_hash
    }

    /// Scores a whole call.
    pub fn score(&self, transcript: &Transcript) -> ScoreReport {
        let call = Call::new(&self.morphology, transcript);
        let rubric = &self.rubric;
        let mut greeting = Outcome::new(Category::Greeting);
        let mut hold = Outcome::new(Category::Hold);
        let mut wording = Outcome::new(Category::Wording);
        let mut closing = Outcome::new(Category::Closing);
        let mut deescalation = Outcome::new(Category::Deescalation);
        let mut ending = Outcome::new(Category::Outcome);
        rules::greeting::check(rubric, &call, &mut greeting);
        rules::hold::check(rubric, &call, &mut hold);
        rules::wording::check(rubric, &call, &mut wording);
        rules::closing::check(rubric, &call, &mut closing);
        rules::deescalation::check(rubric, &call, &mut deescalation);
        rules::outcome::check(rubric, &call, &mut ending);
        let mut all = [greeting, hold, wording, closing, deescalation, ending];
        for required in &rubric.required {
            if let Some(outcome) = all.iter_mut().find(|o| o.category == required.category) {
                rules::required::check(required, rubric.rubric.wording.penalty, &call, outcome);
            }
        }
        self.report(all)
    }

    fn report(&self, outcomes: [Outcome; 6]) -> ScoreReport {
        let rubric = &self.rubric.rubric;
        let mut categories = BTreeMap::new();
        let mut findings = Vec::new();
        let mut praise = Vec::new();
        let mut total = 0;
        let mut passed = true;
        for mut outcome in outcomes {
            let rule = rubric.categories.get(outcome.category);
            outcome.findings.sort_by_key(finding_order);
            outcome.praise.sort_by_key(|p| (p.turn, p.span.0));
            let score = outcome.score(rule.weight);
            let category_passed = !outcome.failed
                && !outcome
                    .findings
                    .iter()
                    .any(|finding| finding.severity == Severity::Error);
            if rule.mandatory && !category_passed {
                passed = false;
            }
            total += score;
            findings.extend(outcome.findings.iter().cloned());
            praise.extend(outcome.praise.iter().cloned());
            categories.insert(
                outcome.category,
                CategoryReport {
                    score,
                    max: rule.weight,
                    passed: category_passed,
                    applicable: outcome.applicable,
                    mandatory: rule.mandatory,
                    findings: outcome.findings,
                    praise: outcome.praise,
                },
            );
        }
        findings.sort_by_key(finding_order);
        praise.sort_by_key(|p| (p.turn, p.span.0));
        ScoreReport {
            total,
            max: rubric.max_total(),
            threshold: rubric.pass_threshold,
            passed: passed && total >= rubric.pass_threshold,
            categories,
            findings,
            praise,
        }
    }

    /// Findings about turn `turn` that are already final when it is said: what a live hint may
    /// show. Closing, de-escalation and the lead question depend on turns still to come.
    pub fn live_findings(&self, transcript: &Transcript, turn: usize) -> Vec<Finding> {
        let so_far = Transcript {
            company: transcript.company.clone(),
            clock: transcript.clock.clone(),
            turns: transcript.turns.iter().take(turn + 1).cloned().collect(),
            settled_at: transcript.settled_at.filter(|&settled| settled <= turn),
            ending: None,
        };
        self.score(&so_far)
            .findings
            .into_iter()
            .filter(|finding| finding.turn == Some(turn) && rules::is_final_when_said(finding))
            .collect()
    }
}

/// Turn order, then position in the turn; ties keep the order the rules found them in.
fn finding_order(finding: &Finding) -> (usize, usize) {
    (
        finding.turn.unwrap_or(usize::MAX),
        finding.span.map_or(0, |span| span.0),
    )
}

impl ReplyAssessor for Scorer {
    fn assess(&mut self, transcript: &Transcript, turn: usize) -> Vec<LiveFinding> {
        self.live_findings(transcript, turn)
            .into_iter()
            .map(|finding| LiveFinding {
                rule: finding.rule,
                span: finding.span.unwrap_or((0, 0)),
                message: finding.message,
                suggestion: finding.suggestion,
            })
            .collect()
    }

    fn acts(&self, reply: &AnalyzedText) -> Vec<SpeechAct> {
        self.rubric.acts(reply)
    }

    fn promise_kept(&self, promise: &DurationPromise, seconds: u32) -> bool {
        seconds <= self.rubric.hold_allowance(promise)
    }
}

/// A transcript prepared for the rules: agent texts analysed once.
pub(crate) struct Call<'t> {
    pub transcript: &'t Transcript,
    pub clock: Option<ClockTime>,
    /// Analysed text of each agent text turn, by turn index.
    analyzed: Vec<Option<AnalyzedText>>,
    /// Indices of the agent's text turns, in order.
    pub agent_texts: Vec<usize>,
    /// The company name, analysed.
    pub company: Option<AnalyzedText>,
}

impl<'t> Call<'t> {
    fn new(morphology: &Morphology, transcript: &'t Transcript) -> Self {
        let analyzed: Vec<Option<AnalyzedText>> = transcript
            .turns
            .iter()
            .map(|turn| match (&turn.speaker, &turn.text) {
                (Speaker::Agent, Some(text)) => Some(AnalyzedText::new(morphology, text)),
                _ => None,
            })
            .collect();
        let agent_texts = (0..analyzed.len())
            .filter(|&index| analyzed[index].is_some())
            .collect();
        Call {
            company: transcript
                .company
                .as_deref()
                .map(|company| AnalyzedText::new(morphology, company)),
            transcript,
            clock: transcript.clock.as_deref().and_then(ClockTime::parse),
            analyzed,
            agent_texts,
        }
    }

    /// The analysed text of an agent text turn (empty for any other turn).
    pub fn analyzed(&self, turn: usize) -> &AnalyzedText {
        static EMPTY: AnalyzedText = AnalyzedText { words: Vec::new() };
        self.analyzed
            .get(turn)
            .and_then(Option::as_ref)
            .unwrap_or(&EMPTY)
    }

    /// The span of a whole turn's text: where a missing element is pointed at.
    pub fn whole(&self, turn: usize) -> (usize, usize) {
        let length = self
            .transcript
            .turns
            .get(turn)
            .and_then(|turn| turn.text.as_deref())
            .map_or(0, |text| text.chars().count());
        (0, length)
    }

    /// Whether the turn is an agent hold.
    pub fn is_hold(&self, turn: usize) -> bool {
        self.transcript
            .turns
            .get(turn)
            .is_some_and(|turn| turn.speaker == Speaker::Agent && turn.hold_seconds.is_some())
    }
}

/// What the rules of one category found, before it becomes a [`CategoryReport`].
pub(crate) struct Outcome {
    pub category: Category,
    pub applicable: bool,
    /// Checks that could be passed, in units; the score is the share earned.
    possible: u32,
    earned: u32,
    /// Points taken off directly (wording).
    penalty: u32,
    /// Failed for a reason that is not an error finding (no de-escalation at all).
    pub failed: bool,
    pub findings: Vec<Finding>,
    pub praise: Vec<Praise>,
}

impl Outcome {
    fn new(category: Category) -> Self {
        Outcome {
            category,
            applicable: true,
            possible: 0,
            earned: 0,
            penalty: 0,
            failed: false,
            findings: Vec::new(),
            praise: Vec::new(),
        }
    }

    /// Counts one check.
    pub fn check(&mut self, passed: bool) {
        self.possible += 1;
        if passed {
            self.earned += 1;
        }
    }

    /// Counts `earned` of `possible` units at once.
    pub fn units(&mut self, earned: u32, possible: u32) {
        self.possible += possible;
        self.earned += earned.min(possible);
    }

    /// Takes points off directly.
    pub fn penalise(&mut self, points: u32) {
        self.penalty += points;
    }

    /// Records a finding.
    pub fn find(
        &mut self,
        rule: &str,
        at: (Option<usize>, Option<(usize, usize)>),
        severity: Severity,
        message: impl Into<String>,
        suggestion: impl Into<String>,
    ) {
        self.findings.push(Finding {
            rule: rule.to_owned(),
            category: self.category,
            turn: at.0,
            span: at.1,
            severity,
            message: message.into(),
            suggestion: suggestion.into(),
        });
    }

    /// Records praise.
    pub fn praise(
        &mut self,
        rule: &str,
        turn: usize,
        span: (usize, usize),
        message: impl Into<String>,
    ) {
        self.praise.push(Praise {
            rule: rule.to_owned(),
            category: self.category,
            turn,
            span,
            message: message.into(),
        });
    }

    fn score(&self, max: u32) -> u32 {
        let share = if self.possible == 0 {
            u64::from(max)
        } else {
            // Rounded to the nearest point: max × earned / possible.
            (u64::from(max) * u64::from(self.earned) * 2 + u64::from(self.possible))
                / (2 * u64::from(self.possible))
        };
        let share = u32::try_from(share).unwrap_or(max).min(max);
        share.saturating_sub(self.penalty)
    }
}
