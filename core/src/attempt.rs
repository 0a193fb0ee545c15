//! One attempt at a call, from the customer's first line to its score: the session, the seed
//! and the versions it pins, who may play what, and what is recorded when.
//!
//! The terminal, `exam start` and the app only read the trainee's input and show the events;
//! every rule of an attempt is here. Recording is data: an attempt queues [`Record`]s as the
//! call goes (the start, every turn the moment it is made, the end with its score), and the
//! front end hands them to the progress store — directly in the terminal, through the database
//! thread in the app — where [`crate::store::Ledger`] writes them the same way for both.

use std::sync::Arc;

use crate::meaning::Lexicon;
use crate::scenario::Scenario;
use crate::scoring::{ScoreReport, Scorer};
use crate::session::{AgentTurn, Event, Mode, Session, SessionError, SessionOptions};
use crate::transcript::{Transcript, TranscriptTurn};

/// How many different seeds [`draw_seed`] gives: six digits are short enough to read off the
/// screen and type back with `--seed`, and plenty to vary a customer's lines.
const SEED_RANGE: u64 = 1_000_000;

/// A new seed from the wall clock, for a call or a sitting started without one: calls vary from
/// run to run, and the seed is shown and recorded so any call can be replayed.
pub fn draw_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_nanos() % u128::from(SEED_RANGE)).unwrap_or(0)
        })
}

/// Whether practice offers `scenario`: one kept for certification (`exam_only`) is played only in
/// an exam, so that the exam checks a call the trainee has not rehearsed.
pub fn offered_in_practice(scenario: &Scenario) -> bool {
    !scenario.exam_only
}

/// Practice or exam, as an attempt is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptMode {
    /// With hints.
    Practice,
    /// Without hints, for certification.
    Exam,
}

/// An attempt is recorded in the mode its call was played in.
impl From<Mode> for AttemptMode {
    fn from(mode: Mode) -> AttemptMode {
        match mode {
            Mode::Practice => AttemptMode::Practice,
            Mode::Exam => AttemptMode::Exam,
        }
    }
}

impl AttemptMode {
    /// The name stored in the database.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AttemptMode::Practice => "practice",
            AttemptMode::Exam => "exam",
        }
    }
}

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptStatus {
    /// Still being played (or the process is still alive).
    InProgress,
    /// The call reached an end.
    Finished,
    /// The program was killed or crashed mid-call.
    Interrupted,
    /// The trainee left before the end.
    Abandoned,
}

impl AttemptStatus {
    /// The name stored in the database.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::InProgress => "in_progress",
            AttemptStatus::Finished => "finished",
            AttemptStatus::Interrupted => "interrupted",
            AttemptStatus::Abandoned => "abandoned",
        }
    }

    /// The status a stored name stands for.
    pub(crate) fn parse(text: &str) -> AttemptStatus {
        match text {
            "finished" => AttemptStatus::Finished,
            "interrupted" => AttemptStatus::Interrupted,
            "abandoned" => AttemptStatus::Abandoned,
            _ => AttemptStatus::InProgress,
        }
    }
}

/// What an attempt is to be: the scenario, the mode, the seed, who is recorded.
#[derive(Clone, Debug)]
pub struct AttemptPlan {
    /// The scenario, as loaded (its `source_hash` is the version pinned).
    pub scenario: Arc<Scenario>,
    /// Practice or exam.
    pub mode: Mode,
    /// The seed; `None` draws one ([`draw_seed`]).
    pub seed: Option<u64>,
    /// Record the attempt for this trainee; `None` plays without recording.
    pub trainee: Option<String>,
    /// A call of the exam sitting open in the ledger (set by [`crate::exam::ExamSitting`]).
    pub in_sitting: bool,
}

impl AttemptPlan {
    /// A practice call of `scenario`.
    pub fn practice(scenario: Arc<Scenario>) -> AttemptPlan {
        AttemptPlan {
            scenario,
            mode: Mode::Practice,
            seed: None,
            trainee: None,
            in_sitting: false,
        }
    }
}

/// Why an attempt cannot start.
#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    /// The scenario is kept for certification.
    #[error(
        "сценарий «{0}» только для экзаменов: его играют лишь в экзамене, который начинает служба качества (callcoach exam start), чтобы экзамен проверял незнакомый звонок"
    )]
    ExamOnly(String),
    /// The scenario cannot be played (a broken condition `check` reports).
    #[error("сценарий «{scenario}» не запускается: {source}. Запустите callcoach check.")]
    Session {
        /// Scenario id.
        scenario: String,
        /// What the engine said.
        source: SessionError,
    },
}

/// What an attempt pins when it starts: the record every later turn belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct AttemptStart {
    /// The trainee's name.
    pub trainee: String,
    /// Practice or exam.
    pub mode: AttemptMode,
    /// Scenario id.
    pub scenario_id: String,
    /// SHA-256 of the scenario's text as played.
    pub scenario_hash: String,
    /// SHA-256 of the rubric's text it is scored with.
    pub rubric_hash: String,
    /// The call's seed.
    pub seed: u64,
    /// A call of the open exam sitting.
    pub in_sitting: bool,
}

/// One thing to write to the progress store, in the order made.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// The attempt began.
    Started(AttemptStart),
    /// A turn was made (committed at once, so a killed process loses nothing).
    Turn {
        /// Its index in the transcript.
        index: usize,
        /// The turn.
        turn: TranscriptTurn,
    },
    /// The attempt ended with this status and score (sealed into the chain).
    Ended {
        /// How it ended.
        status: AttemptStatus,
        /// Its score.
        report: Box<ScoreReport>,
    },
}

/// A call that is over, with its score: what the debrief and an exam's verdict read.
#[derive(Clone, Debug, PartialEq)]
pub struct FinishedCall {
    /// Scenario id.
    pub scenario_id: String,
    /// SHA-256 of the scenario's text as played.
    pub scenario_hash: String,
    /// SHA-256 of the rubric's text it was scored with.
    pub rubric_hash: String,
    /// The seed.
    pub seed: u64,
    /// What was said.
    pub transcript: Transcript,
    /// Its score.
    pub report: ScoreReport,
    /// Finished, or abandoned before an ending.
    pub status: AttemptStatus,
    /// How it ended, in Russian.
    pub summary: String,
}

impl FinishedCall {
    /// Whether the call reached an ending.
    pub fn finished(&self) -> bool {
        self.status == AttemptStatus::Finished
    }
}

/// One attempt in progress.
#[derive(Debug)]
pub struct Attempt {
    session: Session,
    scorer: Scorer,
    seed: u64,
    recording: bool,
    /// Turns already queued for the store.
    recorded: usize,
    outbox: Vec<Record>,
    finished: Option<FinishedCall>,
}

impl Attempt {
    /// Starts the attempt: the customer's first line. An `exam_only` scenario is played only as
    /// a call of an exam sitting (which the examiner opened), in any mode; and only such a call
    /// is recorded as an exam — a call played without hints anywhere else is practice.
    pub fn start(
        plan: AttemptPlan,
        scorer: &Scorer,
        lexicon: Lexicon,
    ) -> Result<(Attempt, Vec<Event>), AttemptError> {
        if !plan.in_sitting && !offered_in_practice(&plan.scenario) {
            return Err(AttemptError::ExamOnly(plan.scenario.id.clone()));
        }
        let seed = plan.seed.unwrap_or_else(draw_seed);
        let scenario_id = plan.scenario.id.clone();
        let scenario_hash = plan.scenario.source_hash.clone();
        let (session, opening) = Session::start(
            plan.scenario,
            SessionOptions {
                seed,
                mode: plan.mode,
            },
            lexicon,
            Box::new(scorer.clone()),
        )
        .map_err(|source| AttemptError::Session {
            scenario: scenario_id.clone(),
            source,
        })?;
        let mut outbox = Vec::new();
        if let Some(trainee) = plan.trainee {
            outbox.push(Record::Started(AttemptStart {
                trainee,
                mode: if plan.in_sitting {
                    AttemptMode::Exam
                } else {
                    AttemptMode::Practice
                },
                scenario_id,
                scenario_hash,
                rubric_hash: scorer.rubric_hash().to_owned(),
                seed,
                in_sitting: plan.in_sitting,
            }));
        }
        let mut attempt = Attempt {
            recording: !outbox.is_empty(),
            session,
            scorer: scorer.clone(),
            seed,
            recorded: 0,
            outbox,
            finished: None,
        };
        attempt.queue_turns();
        Ok((attempt, opening))
    }

    /// Plays one agent turn; the turns it made are queued for the store.
    pub fn advance(&mut self, turn: AgentTurn) -> Result<Vec<Event>, SessionError> {
        let events = self.session.advance(turn)?;
        self.queue_turns();
        Ok(events)
    }

    /// The agent cut the customer's latest line short, `said` seconds into it: the next reply
    /// records it ([`Session::barge_in`]).
    pub fn barge_in(&mut self, said: f64) {
        self.session.barge_in(said);
    }

    /// The call so far.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The seed the customer's choices follow.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Whether the call has reached an ending.
    pub fn is_over(&self) -> bool {
        self.session.outcome().is_some()
    }

    /// What is to be written to the store since the last call, oldest first.
    pub fn take_records(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.outbox)
    }

    /// Ends the attempt: scores the call, finished when it reached an ending and abandoned
    /// otherwise, and queues the end. Calling it again returns the same result.
    pub fn finish(&mut self) -> FinishedCall {
        if let Some(finished) = &self.finished {
            return finished.clone();
        }
        let report = self.scorer.score(self.session.transcript());
        let (status, summary) = match self.session.outcome() {
            Some(outcome) => (AttemptStatus::Finished, outcome.summary.clone()),
            None => (
                AttemptStatus::Abandoned,
                format!(
                    "Звонок прерван на шаге «{}», до развязки.",
                    self.session.step_id()
                ),
            ),
        };
        if self.recording {
            self.outbox.push(Record::Ended {
                status,
                report: Box::new(report.clone()),
            });
        }
        let finished = FinishedCall {
            scenario_id: self.session.scenario().id.clone(),
            scenario_hash: self.session.scenario().source_hash.clone(),
            rubric_hash: self.scorer.rubric_hash().to_owned(),
            seed: self.seed,
            transcript: self.session.transcript().clone(),
            report,
            status,
            summary,
        };
        self.finished = Some(finished.clone());
        finished
    }

    /// Queues the turns not queued yet.
    fn queue_turns(&mut self) {
        let turns = &self.session.transcript().turns;
        if self.recording {
            for (index, turn) in turns.iter().enumerate().skip(self.recorded) {
                self.outbox.push(Record::Turn {
                    index,
                    turn: turn.clone(),
                });
            }
        }
        self.recorded = turns.len();
    }
}
