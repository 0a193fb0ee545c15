//! The seam between the call engine and scoring: after every agent reply the engine asks an
//! assessor what it found, so scenarios can react («Я вам ничего не должен!») and practice mode
//! can show live hints.

use crate::scenario::SpeechAct;
use crate::text::{AnalyzedText, DurationPromise};
use crate::transcript::Transcript;

/// One thing the scorer found in the agent's latest reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveFinding {
    /// Stable rule id: `wording.obligation`.
    pub rule: String,
    /// Character span `[start, end)` in the reply.
    pub span: (usize, usize),
    /// Why it matters, in Russian.
    pub message: String,
    /// The better wording, ready to show.
    pub suggestion: String,
}

/// Whether a rule id named in a scenario (`Finding("…")`) covers the rule `id`: the same id, or a
/// whole family — `wording.stop` covers `wording.stop.calm_down`.
pub fn names_rule(named: &str, id: &str) -> bool {
    id == named
        || id
            .strip_prefix(named)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Looks at the agent's latest reply in the context of the call so far.
pub trait ReplyAssessor: Send + Sync {
    /// Findings on turn `turn` (an agent reply) of `transcript`.
    fn assess(&mut self, transcript: &Transcript, turn: usize) -> Vec<LiveFinding>;

    /// The acts of the call standard the reply performs, heard as the scorer hears them.
    fn acts(&self, _reply: &AnalyzedText) -> Vec<SpeechAct> {
        Vec::new()
    }

    /// Whether `seconds` keep a promised duration: the scorer allows what its rubric does
    /// («около минуты» is not a stopwatch); without one, the promise is taken literally.
    fn promise_kept(&self, promise: &DurationPromise, seconds: u32) -> bool {
        seconds <= promise.seconds
    }
}

/// An assessor that finds nothing: for tools that only need the conversation flow.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAssessment;

impl ReplyAssessor for NoAssessment {
    fn assess(&mut self, _transcript: &Transcript, _turn: usize) -> Vec<LiveFinding> {
        Vec::new()
    }
}
