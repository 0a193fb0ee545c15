//! The call engine: pull-based, deterministic for a seed, with a simulated clock, holds, the
//! customer's mood and endings. Front ends call [`Session::advance`] with each agent turn and
//! render the events it returns.
//!
//! One file over the usual size: a turn is one state machine (the step, the clock, the mood, the
//! hold and the work done on it, the ending) whose parts read each other's state; split, every
//! part would take the whole session as an argument.

use std::sync::Arc;

use rand::{RngExt, SeedableRng, rngs::Xoshiro256PlusPlus};

use crate::meaning::{Intent, IntentError, IntentMatch, Lexicon, Utterance};
use crate::scenario::{Condition, EndingKind, Scenario, SpeechAct, Step, Transition};
use crate::text::{
    AnalyzedText, DurationPromise, PatternError, PhraseSet, hundredths, promised_durations,
};
use crate::transcript::{
    BargeIn, CallEnd, CallResult, Speaker, Speech, Transcript, TranscriptTurn,
};

use super::assess::{LiveFinding, ReplyAssessor, names_rule};

/// Seconds the agent takes before starting to speak.
const AGENT_REACTION_SECONDS: f64 = 2.0;
/// Seconds the customer takes before answering.
const CUSTOMER_REACTION_SECONDS: f64 = 1.0;
/// Simulated speaking pace: about 150 words a minute.
const SECONDS_PER_WORD: f64 = 0.4;
/// Seconds between the agent's last words and the hold starting.
const HOLD_START_SECONDS: f64 = 1.0;
/// How much the customer's mood rises when the agent is silent past their patience and the
/// scenario declares no reaction of its own.
const SILENCE_MOOD_RISE: f32 = 0.1;
/// What the customer says then.
pub const SILENCE_LINES: &[&str] = &[
    "Алло? Вы меня слышите?",
    "Алло! Вы там?",
    "Эй, вы куда пропали?",
];
/// What a customer who did not understand the reply may say besides the step's own fallback:
/// asking what was meant, never the same line twice in a row.
pub const CLARIFY_LINES: &[&str] = &[
    "Простите, я не понял. Что вы имеете в виду?",
    "Подождите, вы сейчас о чём?",
    "Не понимаю. Объясните, пожалуйста, по-человечески.",
];
/// After this many replies in a row the customer did not understand, practice mode tells the
/// trainee what the customer is waiting for.
const MISUNDERSTOOD_HINT_AFTER: u32 = 2;
/// Replies in a row the customer may not understand before a fallback angers them: the third
/// miss in a row is no longer a slip.
const PATIENCE_WITH_MISUNDERSTANDING: u32 = 2;
/// The work on hold is done when the hold lasted all but this share of it: 55 s of a minute's
/// check is the minute a person means.
const WORK_TOLERANCE: f64 = 0.1;

/// Practice shows hints and live findings; an exam shows none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Hints and live findings.
    Practice,
    /// No hints, no live findings.
    Exam,
}

/// What the agent does on their turn.
#[derive(Clone, Debug, PartialEq)]
pub enum AgentTurn {
    /// Says something (typed).
    Reply(String),
    /// Says something into the microphone: the recognised text and how it was spoken.
    Spoken {
        /// What was recognised (and, in practice, possibly corrected).
        text: String,
        /// The recording's length and timing.
        speech: Speech,
    },
    /// Cuts the customer's line short `after` seconds into it with a typed reply (`/cut 3
    /// Подскажите номер договора` in terminal play and walkthroughs).
    CutIn {
        /// Seconds of the customer's line said before the agent cut in.
        after: f64,
        /// The reply.
        text: String,
    },
    /// Puts the customer on hold for this many seconds.
    Hold {
        /// Length of the hold.
        seconds: u32,
    },
    /// Stays silent for this many seconds.
    Wait {
        /// Length of the silence.
        seconds: u32,
    },
    /// Ends the call.
    HangUp,
}

/// How a call ended.
#[derive(Clone, Debug, PartialEq)]
pub struct CallOutcome {
    /// The scenario's ending id; `None` when the agent hung up before any ending.
    pub ending: Option<String>,
    /// The kind of ending; `None` when the agent hung up.
    pub kind: Option<EndingKind>,
    /// What happened, in Russian.
    pub summary: String,
}

/// What happened on a turn, for the front end to show.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The customer said something.
    CustomerSpoke {
        /// The line.
        text: String,
        /// The customer's mood as they say it, 0 … 1: how the voice says it.
        mood: f32,
        /// Seconds from the call start.
        at: f64,
        /// For a line answering a reply: whether the customer understood it.
        understood: Option<bool>,
        /// What the customer took the reply to mean (practice mode only).
        understood_as: Option<String>,
    },
    /// A hint for the current step (practice mode only).
    HintOffered {
        /// The hint.
        text: String,
    },
    /// Findings on the agent's last reply (practice mode only).
    FindingsReported {
        /// Index of the agent's turn in the transcript.
        turn: usize,
        /// What the scorer found.
        findings: Vec<LiveFinding>,
    },
    /// The customer's mood changed.
    MoodChanged {
        /// New mood, 0 … 1.
        mood: f32,
        /// Signed change.
        change: f32,
    },
    /// The customer was put on hold.
    HoldStarted {
        /// Seconds from the call start.
        at: f64,
        /// What the agent promised in their last reply, if anything.
        promised_seconds: Option<u32>,
    },
    /// The hold ended (by the agent, or by the customer losing patience).
    HoldEnded {
        /// Seconds from the call start.
        at: f64,
        /// How long it lasted.
        seconds: u32,
    },
    /// The call is over.
    CallEnded {
        /// How it ended.
        outcome: CallOutcome,
        /// Seconds from the call start.
        at: f64,
    },
}

/// Why a session could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// A phrase in a condition is broken; `callcoach check` reports it with its position.
    #[error("шаг «{step}»: {error}")]
    Pattern {
        /// Scenario id.
        scenario: String,
        /// Step id.
        step: String,
        /// What is wrong.
        error: PatternError,
    },
    /// An example phrasing of an intent is empty, or a condition names an unknown intent.
    #[error("{0}")]
    Intent(String),
    /// The scenario has no steps.
    #[error("в сценарии «{0}» нет ни одного шага")]
    NoSteps(String),
    /// A turn came after the call ended.
    #[error("звонок уже окончен")]
    CallOver,
    /// A reply longer than [`super::command::MAX_REPLY_CHARS`]: not taken, the call goes on.
    #[error("{}", super::command::too_long(*.0))]
    TooLong(usize),
}

/// Settings of one call.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// Seed of the customer's choices: same seed and same turns, same call.
    pub seed: u64,
    /// Practice or exam.
    pub mode: Mode,
}

/// A condition with its phrase lists compiled.
#[derive(Debug)]
enum Compiled {
    /// An intent, by index into the session's intents.
    Means(usize),
    Act(SpeechAct),
    Mentions(PhraseSet),
    MentionsAll(PhraseSet),
    Finding(String),
    HoldShorterThanWork,
    HoldOverPromise,
    WorkDone,
    WorkNotDone,
    Silence,
    Interrupted {
        after: f32,
        before: Option<f32>,
    },
    MoodAbove(f32),
    MoodBelow(f32),
    All(Vec<Compiled>),
    Any(Vec<Compiled>),
    Otherwise,
}

/// Why a condition could not be compiled.
enum CompileError {
    Pattern(PatternError),
    UnknownIntent(String),
}

impl Compiled {
    fn new(
        lexicon: &Lexicon,
        intents: &[Intent],
        condition: &Condition,
    ) -> Result<Self, CompileError> {
        let set = |phrases: &Vec<String>| {
            PhraseSet::parse(lexicon.morphology(), phrases)
                .map_err(|(_, error)| CompileError::Pattern(error))
        };
        Ok(match condition {
            Condition::Means(label) => Compiled::Means(
                intents
                    .iter()
                    .position(|intent| &intent.label == label)
                    .ok_or_else(|| CompileError::UnknownIntent(label.clone()))?,
            ),
            Condition::Act(act) => Compiled::Act(*act),
            Condition::Mentions(phrases) => Compiled::Mentions(set(phrases)?),
            Condition::MentionsAll(phrases) => Compiled::MentionsAll(set(phrases)?),
            Condition::Finding(rule) => Compiled::Finding(rule.clone()),
            Condition::HoldShorterThanWork => Compiled::HoldShorterThanWork,
            Condition::HoldOverPromise => Compiled::HoldOverPromise,
            Condition::WorkDone => Compiled::WorkDone,
            Condition::WorkNotDone => Compiled::WorkNotDone,
            Condition::Silence => Compiled::Silence,
            Condition::Interrupted { after, before } => Compiled::Interrupted {
                after: *after,
                before: *before,
            },
            Condition::MoodAbove(level) => Compiled::MoodAbove(*level),
            Condition::MoodBelow(level) => Compiled::MoodBelow(*level),
            Condition::All(parts) => Compiled::All(
                parts
                    .iter()
                    .map(|part| Compiled::new(lexicon, intents, part))
                    .collect::<Result<_, _>>()?,
            ),
            Condition::Any(parts) => Compiled::Any(
                parts
                    .iter()
                    .map(|part| Compiled::new(lexicon, intents, part))
                    .collect::<Result<_, _>>()?,
            ),
            Condition::Otherwise => Compiled::Otherwise,
        })
    }
}

/// How the customer would take a reply at a step ([`Session::interpret`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Interpretation {
    /// Index of the transition it takes.
    pub transition: usize,
    /// Whether it is not the fallback.
    pub understood: bool,
    /// What it would be taken for: «предложить проверить линию (0,81)».
    pub understood_as: Option<String>,
    /// The intents that transition's condition names.
    pub means: Vec<String>,
}

/// How the customer took a reply.
struct Heard {
    /// A transition other than the fallback answered it.
    understood: bool,
    /// What in the reply it answered, for «понято как: …».
    understood_as: Option<String>,
    /// The reply broke a rule of the call standard.
    broke_rule: bool,
    /// The step the customer was at when they heard it.
    step: String,
}

/// What the agent just did, as conditions see it.
enum Action<'a> {
    Reply {
        text: &'a AnalyzedText,
        findings: &'a [LiveFinding],
        acts: &'a [SpeechAct],
        /// How well the reply means each intent the current step names (`None`: not named).
        intents: &'a [Option<IntentMatch>],
        /// Seconds of the customer's line said when the reply cut it short.
        cut_in_after: Option<f64>,
    },
    Hold {
        /// The hold lasted no longer than the promise allows (never, without a promise).
        kept: bool,
        /// Whether what was promised allows for the step's work (`None`: no promise or work).
        covers_work: Option<bool>,
    },
    Silence,
}

/// The state conditions are evaluated against.
struct Situation<'a> {
    action: Action<'a>,
    mood: f32,
    work_seconds: Option<u32>,
    worked_seconds: u32,
}

impl Compiled {
    fn holds(&self, situation: &Situation<'_>) -> bool {
        let work_done = situation
            .work_seconds
            .map(|needed| work_finished(situation.worked_seconds, needed));
        match self {
            Compiled::Means(intent) => match situation.action {
                Action::Reply { intents, .. } => intents[*intent]
                    .as_ref()
                    .is_some_and(IntentMatch::understood),
                _ => false,
            },
            Compiled::Act(act) => match situation.action {
                Action::Reply { acts, .. } => acts.contains(act),
                _ => false,
            },
            Compiled::Mentions(set) => match situation.action {
                Action::Reply { text, .. } => set.matches_any(text),
                _ => false,
            },
            Compiled::MentionsAll(set) => match situation.action {
                Action::Reply { text, .. } => set.matches_all(text),
                _ => false,
            },
            Compiled::Finding(rule) => match situation.action {
                Action::Reply { findings, .. } => {
                    findings.iter().any(|found| names_rule(rule, &found.rule))
                }
                _ => false,
            },
            Compiled::HoldShorterThanWork => matches!(
                situation.action,
                Action::Hold {
                    covers_work: Some(false),
                    ..
                }
            ),
            Compiled::HoldOverPromise => {
                matches!(situation.action, Action::Hold { kept: false, .. })
            }
            Compiled::WorkDone => {
                matches!(situation.action, Action::Hold { .. }) && work_done == Some(true)
            }
            Compiled::WorkNotDone => {
                matches!(situation.action, Action::Hold { .. }) && work_done == Some(false)
            }
            Compiled::Silence => matches!(situation.action, Action::Silence),
            Compiled::Interrupted { after, before } => match situation.action {
                Action::Reply {
                    cut_in_after: Some(said),
                    ..
                } => {
                    said >= f64::from(*after)
                        && before.is_none_or(|before| said < f64::from(before))
                }
                _ => false,
            },
            Compiled::MoodAbove(level) => situation.mood > *level,
            Compiled::MoodBelow(level) => situation.mood < *level,
            Compiled::All(parts) => parts.iter().all(|part| part.holds(situation)),
            Compiled::Any(parts) => parts.iter().any(|part| part.holds(situation)),
            Compiled::Otherwise => matches!(situation.action, Action::Reply { .. }),
        }
    }

    /// What in the reply made this (holding) condition hold, as «понято как: …» reads it:
    /// the intent and its score, the act or the phrase. `None` for conditions that are not about
    /// what was meant (rules, holds, mood).
    fn evidence(&self, situation: &Situation<'_>, intents: &[Intent]) -> Option<String> {
        let Action::Reply {
            text,
            intents: matches,
            ..
        } = situation.action
        else {
            return None;
        };
        match self {
            Compiled::Means(index) => matches[*index]
                .as_ref()
                .map(|found| format!("{} ({})", intents[*index].label, hundredths(found.score))),
            Compiled::Act(act) => Some(act.describe().to_owned()),
            Compiled::Mentions(set) | Compiled::MentionsAll(set) => set
                .find(text)
                .first()
                .map(|hit| format!("фраза «{}»", set.phrase(hit.phrase).source())),
            // The finding itself is what the trainee sees; «taken as a broken rule» adds nothing.
            Compiled::Finding(_) => None,
            Compiled::All(parts) => {
                let found: Vec<String> = parts
                    .iter()
                    .filter_map(|part| part.evidence(situation, intents))
                    .collect();
                (!found.is_empty()).then(|| found.join(" + "))
            }
            Compiled::Any(parts) => parts
                .iter()
                .filter(|part| part.holds(situation))
                .find_map(|part| part.evidence(situation, intents)),
            _ => None,
        }
    }

    /// What a trainee could say to satisfy this condition, for the hint after repeated
    /// misunderstanding: intents and acts, not phrases (that would teach parroting).
    fn wants(&self, intents: &[Intent], out: &mut Vec<String>) {
        let mut add = |wanted: &str| {
            if !out.iter().any(|known| known == wanted) {
                out.push(wanted.to_owned());
            }
        };
        match self {
            Compiled::Means(index) => add(&intents[*index].label),
            Compiled::Act(act) => add(act.describe()),
            Compiled::Any(parts) | Compiled::All(parts) => {
                for part in parts {
                    part.wants(intents, out);
                }
            }
            _ => {}
        }
    }

    /// Whether this is the fallback: a reply it takes was not understood.
    fn is_fallback(&self) -> bool {
        matches!(self, Compiled::Otherwise)
    }

    /// The intents this condition names.
    fn named_intents(&self, out: &mut Vec<usize>) {
        match self {
            Compiled::Means(index) => out.push(*index),
            Compiled::Any(parts) | Compiled::All(parts) => {
                for part in parts {
                    part.named_intents(out);
                }
            }
            _ => {}
        }
    }
}

/// Whether `worked` seconds on hold finish work of `needed` seconds, with [`WORK_TOLERANCE`].
fn work_finished(worked: u32, needed: u32) -> bool {
    f64::from(worked) >= f64::from(needed) * (1.0 - WORK_TOLERANCE)
}

/// One call in progress.
pub struct Session {
    scenario: Arc<Scenario>,
    /// Compiled conditions, by step index then transition index.
    conditions: Vec<Vec<Compiled>>,
    /// The scenario's intents, compiled; conditions name them by index.
    intents: Vec<Intent>,
    /// The intents each step's conditions name, by step index.
    step_intents: Vec<Vec<usize>>,
    /// Steps from which the call only goes on to a resolution: reaching one settles the matter.
    settled: Vec<bool>,
    lexicon: Lexicon,
    assessor: Box<dyn ReplyAssessor>,
    mode: Mode,
    rng: Xoshiro256PlusPlus,
    /// Seconds since the call started.
    clock: f64,
    mood: f32,
    step: usize,
    worked_seconds: u32,
    /// The longest duration promised in the agent's latest reply, until the next hold.
    promised: Option<DurationPromise>,
    last_line: Option<String>,
    /// Replies in a row the customer did not understand.
    misunderstood: u32,
    /// The agent cut the customer's latest line short; the next reply carries it.
    barge_in: Option<BargeIn>,
    transcript: Transcript,
    outcome: Option<CallOutcome>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Session")
            .field("scenario", &self.scenario.id)
            .field("clock", &self.clock)
            .field("mood", &self.mood)
            .field("step", &self.scenario.steps[self.step].id)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Starts a call: the customer's first line (and the first hint in practice).
    pub fn start(
        scenario: Arc<Scenario>,
        options: SessionOptions,
        lexicon: Lexicon,
        assessor: Box<dyn ReplyAssessor>,
    ) -> Result<(Self, Vec<Event>), SessionError> {
        if scenario.steps.is_empty() {
            return Err(SessionError::NoSteps(scenario.id.clone()));
        }
        let intents = scenario
            .intents
            .iter()
            .map(|(label, examples)| Intent::new(&lexicon, label, examples))
            .collect::<Result<Vec<_>, IntentError>>()
            .map_err(|error| SessionError::Intent(error.to_string()))?;
        let conditions = scenario
            .steps
            .iter()
            .map(|step| {
                step.on
                    .iter()
                    .map(|transition| Compiled::new(&lexicon, &intents, &transition.when))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|error| match error {
                        CompileError::Pattern(error) => SessionError::Pattern {
                            scenario: scenario.id.clone(),
                            step: step.id.clone(),
                            error,
                        },
                        CompileError::UnknownIntent(label) => SessionError::Intent(format!(
                            "шаг «{}»: намерения «{label}» нет в intents сценария",
                            step.id
                        )),
                    })
            })
            .collect::<Result<Vec<Vec<Compiled>>, _>>()?;
        let step_intents = conditions
            .iter()
            .map(|step| {
                let mut named = Vec::new();
                for condition in step {
                    condition.named_intents(&mut named);
                }
                named.sort_unstable();
                named.dedup();
                named
            })
            .collect();
        let mut session = Session {
            transcript: Transcript {
                company: Some(scenario.company.clone()),
                clock: Some(scenario.clock.clone()),
                ..Transcript::default()
            },
            mood: scenario.customer.mood.clamp(0.0, 1.0),
            conditions,
            intents,
            step_intents,
            settled: settled_steps(&scenario),
            lexicon,
            assessor,
            mode: options.mode,
            rng: Xoshiro256PlusPlus::seed_from_u64(options.seed),
            clock: 0.0,
            step: 0,
            worked_seconds: 0,
            promised: None,
            last_line: None,
            misunderstood: 0,
            barge_in: None,
            outcome: None,
            scenario,
        };
        let mut events = Vec::new();
        let first = session.scenario.steps[0].says.clone();
        session.customer_says(&first, None, &mut events);
        session.offer_hint(&mut events);
        Ok((session, events))
    }

    /// The agent cut the customer's latest line short, `said` seconds into it (the front end
    /// stopped its playback there); the next reply is recorded as cutting in, and the scenario's
    /// `Interrupted` conditions see it. Ignored when the customer's line was not the last turn.
    pub fn barge_in(&mut self, said: f64) {
        let Some(line) = self
            .transcript
            .turns
            .last()
            .filter(|turn| turn.speaker == Speaker::Customer)
        else {
            return;
        };
        let full = line.text.as_deref().map_or(0.0, speaking_seconds);
        let said = said.clamp(0.0, full);
        if said < full {
            self.clock = line.at + said;
            self.barge_in = Some(BargeIn {
                after: round_tenth(said),
                of: round_tenth(full),
            });
        }
    }

    /// Plays one agent turn and returns what happened.
    pub fn advance(&mut self, turn: AgentTurn) -> Result<Vec<Event>, SessionError> {
        if self.outcome.is_some() {
            return Err(SessionError::CallOver);
        }
        if let AgentTurn::Reply(text)
        | AgentTurn::Spoken { text, .. }
        | AgentTurn::CutIn { text, .. } = &turn
        {
            let length = text.chars().count();
            if length > super::command::MAX_REPLY_CHARS {
                return Err(SessionError::TooLong(length));
            }
        }
        let mut events = Vec::new();
        if let AgentTurn::CutIn { after, .. } = &turn {
            self.barge_in(*after);
        }
        let barge_in = self.barge_in.take();
        match turn {
            AgentTurn::Reply(text) | AgentTurn::CutIn { text, .. } => {
                self.reply(&text, None, barge_in, &mut events);
            }
            AgentTurn::Spoken { text, speech } => {
                self.reply(&text, Some(speech), barge_in, &mut events);
            }
            AgentTurn::Hold { seconds } => self.hold(seconds, &mut events),
            AgentTurn::Wait { seconds } => self.wait(seconds, &mut events),
            AgentTurn::HangUp => self.finish(
                CallOutcome {
                    ending: None,
                    kind: None,
                    summary: "Вы завершили звонок до того, как разговор пришёл к развязке."
                        .to_owned(),
                },
                &mut events,
            ),
        }
        Ok(events)
    }

    fn reply(
        &mut self,
        text: &str,
        speech: Option<Speech>,
        barge_in: Option<BargeIn>,
        events: &mut Vec<Event>,
    ) {
        // Cutting in, the agent speaks at once.
        let at = if barge_in.is_some() {
            self.clock
        } else {
            self.clock + AGENT_REACTION_SECONDS
        };
        self.transcript.turns.push(TranscriptTurn {
            speaker: Speaker::Agent,
            text: Some(text.to_owned()),
            hold_seconds: None,
            at: round_tenth(at),
            speech,
            understood: None,
            understood_as: None,
            step: None,
            barge_in,
        });
        self.clock = at + speaking_seconds(text);
        let analyzed = AnalyzedText::new(self.lexicon.morphology(), text);
        self.promised = promised_durations(&analyzed)
            .into_iter()
            .max_by_key(|promise| promise.seconds);
        let turn = self.transcript.turns.len() - 1;
        let findings = self.assessor.assess(&self.transcript, turn);
        if self.mode == Mode::Practice && !findings.is_empty() {
            events.push(Event::FindingsReported {
                turn,
                findings: findings.clone(),
            });
        }
        let (acts, matches) = self.hear(self.step, &analyzed);
        let situation = self.situation(Action::Reply {
            text: &analyzed,
            findings: &findings,
            acts: &acts,
            intents: &matches,
            cut_in_after: barge_in.map(|cut| cut.after),
        });
        if let Some(index) = self.first_transition(&situation) {
            let condition = &self.conditions[self.step][index];
            let heard = Heard {
                understood: !condition.is_fallback(),
                understood_as: condition.evidence(&situation, &self.intents),
                broke_rule: !findings.is_empty(),
                step: self.current_step().id.clone(),
            };
            self.take(index, Some(heard), events);
        }
    }

    fn hold(&mut self, seconds: u32, events: &mut Vec<Event>) {
        let at = self.clock + HOLD_START_SECONDS;
        let promised = self.promised.take();
        let patience = self.scenario.customer.hold_patience;
        let lasted = seconds.min(patience);
        self.transcript.turns.push(TranscriptTurn {
            speaker: Speaker::Agent,
            text: None,
            hold_seconds: Some(lasted),
            at: round_tenth(at),
            speech: None,
            understood: None,
            understood_as: None,
            step: None,
            barge_in: None,
        });
        events.push(Event::HoldStarted {
            at: round_tenth(at),
            promised_seconds: promised.map(|promise| promise.seconds),
        });
        self.clock = at + f64::from(lasted);
        events.push(Event::HoldEnded {
            at: round_tenth(self.clock),
            seconds: lasted,
        });
        if seconds > patience {
            self.hang_up(events);
            return;
        }
        if self.current_step().work.is_some() {
            self.worked_seconds += seconds;
        }
        let work = self.current_step().work.as_ref().map(|work| work.seconds);
        let situation = self.situation(Action::Hold {
            kept: promised.is_some_and(|promise| self.assessor.promise_kept(&promise, seconds)),
            covers_work: promised
                .zip(work)
                .map(|(promise, needed)| self.assessor.promise_kept(&promise, needed)),
        });
        if let Some(index) = self.first_transition(&situation) {
            self.take(index, None, events);
        }
    }

    fn wait(&mut self, seconds: u32, events: &mut Vec<Event>) {
        self.clock += f64::from(seconds);
        if seconds < self.scenario.customer.silence_patience {
            return;
        }
        let situation = self.situation(Action::Silence);
        match self.first_transition(&situation) {
            Some(index) => self.take(index, None, events),
            None => {
                let lines: Vec<String> =
                    SILENCE_LINES.iter().map(|&line| line.to_owned()).collect();
                self.change_mood(SILENCE_MOOD_RISE, events);
                if !self.hang_up_if_furious(events) {
                    self.customer_says(&lines, None, events);
                }
            }
        }
    }

    fn situation<'a>(&self, action: Action<'a>) -> Situation<'a> {
        Situation {
            action,
            mood: self.mood,
            work_seconds: self.current_step().work.as_ref().map(|work| work.seconds),
            worked_seconds: self.worked_seconds,
        }
    }

    fn first_transition(&self, situation: &Situation<'_>) -> Option<usize> {
        self.conditions[self.step]
            .iter()
            .position(|condition| condition.holds(situation))
    }

    /// Takes transition `index` of the current step; `heard` is how the customer took the
    /// agent's reply when a reply triggered it (holds and silences have none).
    fn take(&mut self, index: usize, heard: Option<Heard>, events: &mut Vec<Event>) {
        let transition: Transition = self.current_step().on[index].clone();
        let fallback = heard.as_ref().is_some_and(|heard| !heard.understood);
        // Not being understood is no mistake: a fallback angers only when the reply also broke a
        // rule, or when the customer has not been understood again and again.
        let forgiven = fallback
            && !heard.as_ref().is_some_and(|heard| heard.broke_rule)
            && self.misunderstood < PATIENCE_WITH_MISUNDERSTANDING;
        let mood = if forgiven {
            transition.mood.min(0.0)
        } else {
            transition.mood
        };
        self.change_mood(mood, events);
        let target = transition.goto.as_deref();
        if let Some(ending) = target.and_then(|id| self.scenario.ending(id)).cloned() {
            let lines = if transition.say.is_empty() {
                ending.says.clone()
            } else {
                transition.say
            };
            self.customer_says(&lines, heard.as_ref(), events);
            self.finish(
                CallOutcome {
                    ending: Some(ending.id.clone()),
                    kind: Some(ending.kind),
                    summary: ending.summary.clone(),
                },
                events,
            );
            return;
        }
        if self.hang_up_if_furious(events) {
            return;
        }
        let entered =
            match target.and_then(|id| self.scenario.steps.iter().position(|step| step.id == id)) {
                Some(next) if next != self.step => {
                    self.step = next;
                    self.worked_seconds = 0;
                    true
                }
                _ => false,
            };
        let mut lines = if transition.say.is_empty() {
            self.current_step().says.clone()
        } else {
            transition.say
        };
        if fallback
            && lines
                .iter()
                .all(|line| Some(line) == self.last_line.as_ref())
        {
            // A person who did not understand says the demand again in other words, or asks
            // what was meant — never the same line twice in a row.
            lines = self.current_step().says.clone();
            lines.extend(CLARIFY_LINES.iter().map(|&line| line.to_owned()));
        }
        self.customer_says(&lines, heard.as_ref(), events);
        if entered && self.settled[self.step] && self.transcript.settled_at.is_none() {
            self.transcript.settled_at = self.transcript.turns.len().checked_sub(1);
        }
        if heard.is_some() {
            self.misunderstood = if fallback { self.misunderstood + 1 } else { 0 };
        }
        if entered {
            self.offer_hint(events);
        } else if fallback && self.misunderstood >= MISUNDERSTOOD_HINT_AFTER {
            self.offer_waiting_for(events);
        } else if fallback && self.mode == Mode::Practice {
            events.push(Event::HintOffered {
                text: "Клиент не понял, что вы имели в виду. Это не ошибка стандарта: скажите, \
                       что вы предлагаете, яснее или другими словами."
                    .to_owned(),
            });
        }
    }

    /// After repeated misunderstanding (practice only): what the customer is waiting for, as
    /// intents and acts, so the trainee says it in their own words.
    fn offer_waiting_for(&self, events: &mut Vec<Event>) {
        if self.mode != Mode::Practice {
            return;
        }
        let step = self.current_step();
        let mut wanted = Vec::new();
        for (condition, transition) in self.conditions[self.step].iter().zip(&step.on) {
            if transition
                .goto
                .as_ref()
                .is_some_and(|goto| goto != &step.id)
            {
                condition.wants(&self.intents, &mut wanted);
            }
        }
        let text = if wanted.is_empty() {
            match &step.hint {
                Some(hint) => format!("Клиент вас не понимает. {hint}"),
                None => return,
            }
        } else {
            format!(
                "Клиент вас не понимает — это не ошибка стандарта, он ждёт другого. Чего он ждёт \
                 сейчас: {}. Скажите это своими словами.",
                wanted.join("; ")
            )
        };
        events.push(Event::HintOffered { text });
    }

    fn change_mood(&mut self, change: f32, events: &mut Vec<Event>) {
        if change == 0.0 {
            return;
        }
        let before = self.mood;
        self.mood = (self.mood + change).clamp(0.0, 1.0);
        if self.mood != before {
            events.push(Event::MoodChanged {
                mood: self.mood,
                change: self.mood - before,
            });
        }
    }

    /// Ends the call with the hang-up ending if the customer's mood reached their limit.
    fn hang_up_if_furious(&mut self, events: &mut Vec<Event>) -> bool {
        if self.mood < self.scenario.customer.hangs_up_at {
            return false;
        }
        self.hang_up(events);
        true
    }

    fn hang_up(&mut self, events: &mut Vec<Event>) {
        let outcome = match self.scenario.hang_up_ending().cloned() {
            Some(ending) => {
                self.customer_says(&ending.says, None, events);
                CallOutcome {
                    ending: Some(ending.id),
                    kind: Some(EndingKind::HungUp),
                    summary: ending.summary,
                }
            }
            None => CallOutcome {
                ending: None,
                kind: Some(EndingKind::HungUp),
                summary: "Клиент бросил трубку.".to_owned(),
            },
        };
        self.finish(outcome, events);
    }

    fn finish(&mut self, outcome: CallOutcome, events: &mut Vec<Event>) {
        self.transcript.ending = Some(CallEnd {
            result: match outcome.kind {
                Some(EndingKind::Resolved) => CallResult::Resolved,
                Some(EndingKind::Escalated) => CallResult::Escalated,
                Some(EndingKind::HungUp) => CallResult::HungUp,
                None => CallResult::EndedByAgent,
            },
            mood: round_hundredth(self.mood),
        });
        events.push(Event::CallEnded {
            outcome: outcome.clone(),
            at: round_tenth(self.clock),
        });
        self.outcome = Some(outcome);
    }

    /// Picks a variant (not the one just said, when there is a choice) and says it.
    fn customer_says(
        &mut self,
        variants: &[String],
        heard: Option<&Heard>,
        events: &mut Vec<Event>,
    ) {
        let fresh: Vec<&String> = variants
            .iter()
            .filter(|line| Some(*line) != self.last_line.as_ref())
            .collect();
        let pool: Vec<&String> = if fresh.is_empty() {
            variants.iter().collect()
        } else {
            fresh
        };
        if pool.is_empty() {
            return;
        }
        let line = pool[self.rng.random_range(0..pool.len())].clone();
        let at = self.clock + CUSTOMER_REACTION_SECONDS;
        self.transcript.turns.push(TranscriptTurn {
            speaker: Speaker::Customer,
            text: Some(line.clone()),
            hold_seconds: None,
            at: round_tenth(at),
            speech: None,
            understood: heard.map(|heard| heard.understood),
            understood_as: heard.and_then(|heard| heard.understood_as.clone()),
            step: heard.map(|heard| heard.step.clone()),
            barge_in: None,
        });
        self.clock = at + speaking_seconds(&line);
        events.push(Event::CustomerSpoke {
            text: line.clone(),
            mood: self.mood,
            at: round_tenth(at),
            understood: heard.map(|heard| heard.understood),
            understood_as: heard
                .filter(|_| self.mode == Mode::Practice)
                .and_then(|heard| heard.understood_as.clone()),
        });
        self.last_line = Some(line);
    }

    fn offer_hint(&self, events: &mut Vec<Event>) {
        if self.mode != Mode::Practice {
            return;
        }
        if let Some(hint) = &self.current_step().hint {
            events.push(Event::HintOffered { text: hint.clone() });
        }
        if let Some(work) = &self.current_step().work {
            events.push(Event::HintOffered {
                text: format!(
                    "{} займёт {}: столько клиенту придётся ждать на удержании.",
                    crate::text::capitalised(&work.what),
                    spoken_duration(work.seconds)
                ),
            });
        }
    }

    fn current_step(&self) -> &Step {
        &self.scenario.steps[self.step]
    }

    /// How the customer at `step` would take `text`, without playing it: the transition it
    /// would take and what it would be understood as. For `check`, which tries a scenario's
    /// phrasings at their steps; scoring findings are left out (they depend on the call so far).
    pub fn interpret(&self, step: &str, text: &str) -> Option<Interpretation> {
        let step = self
            .scenario
            .steps
            .iter()
            .position(|known| known.id == step)?;
        let analyzed = AnalyzedText::new(self.lexicon.morphology(), text);
        let (acts, matches) = self.hear(step, &analyzed);
        let situation = Situation {
            action: Action::Reply {
                text: &analyzed,
                findings: &[],
                acts: &acts,
                intents: &matches,
                cut_in_after: None,
            },
            mood: self.mood,
            work_seconds: None,
            worked_seconds: 0,
        };
        let transition = self.conditions[step]
            .iter()
            .position(|condition| condition.holds(&situation))?;
        let condition = &self.conditions[step][transition];
        Some(Interpretation {
            transition,
            understood: !condition.is_fallback(),
            understood_as: condition.evidence(&situation, &self.intents),
            means: {
                let mut named = Vec::new();
                condition.named_intents(&mut named);
                named
                    .into_iter()
                    .map(|index| self.intents[index].label.clone())
                    .collect()
            },
        })
    }

    /// How well `text` means the scenario's intent `label`, with the example that came closest;
    /// `None` for an intent the scenario does not have. For `check`'s explanations.
    pub fn closeness(&self, label: &str, text: &str) -> Option<IntentMatch> {
        let intent = self.intents.iter().find(|intent| intent.label == label)?;
        Some(intent.best(&self.lexicon, &Utterance::new(&self.lexicon, text)))
    }

    /// What the customer at step `step` hears in a reply: the acts of the standard it performs
    /// and how well it means each intent the step's conditions name (`None` for the others).
    fn hear(
        &self,
        step: usize,
        analyzed: &AnalyzedText,
    ) -> (Vec<SpeechAct>, Vec<Option<IntentMatch>>) {
        let acts = self.assessor.acts(analyzed);
        let utterance = Utterance::of(&self.lexicon, analyzed);
        let mut matches: Vec<Option<IntentMatch>> = vec![None; self.intents.len()];
        for &intent in &self.step_intents[step] {
            matches[intent] = Some(self.intents[intent].best(&self.lexicon, &utterance));
        }
        (acts, matches)
    }

    /// The scenario being played.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The scenario being played, shared.
    pub fn scenario_arc(&self) -> &Arc<Scenario> {
        &self.scenario
    }

    /// The transcript so far, in the JSON contract's shape.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// The customer's mood, 0 … 1.
    pub fn mood(&self) -> f32 {
        self.mood
    }

    /// Seconds since the call started.
    pub fn elapsed_seconds(&self) -> f64 {
        self.clock
    }

    /// The id of the current step.
    pub fn step_id(&self) -> &str {
        &self.current_step().id
    }

    /// The hold duration the agent's last reply promised, until the next hold uses it.
    pub fn promised_seconds(&self) -> Option<u32> {
        self.promised.map(|promise| promise.seconds)
    }

    /// How the call ended, once it has.
    pub fn outcome(&self) -> Option<&CallOutcome> {
        self.outcome.as_ref()
    }
}

/// How long a line takes to say.
fn speaking_seconds(text: &str) -> f64 {
    let words = text.split_whitespace().count().max(1);
    words as f64 * SECONDS_PER_WORD
}

/// A duration as a hint says it: «1 мин 30 с», «2 мин», «45 с».
fn spoken_duration(seconds: u32) -> String {
    match (seconds / 60, seconds % 60) {
        (0, seconds) => format!("{seconds} с"),
        (minutes, 0) => format!("{minutes} мин"),
        (minutes, seconds) => format!("{minutes} мин {seconds} с"),
    }
}

fn round_hundredth(mood: f32) -> f32 {
    (mood * 100.0).round() / 100.0
}

/// Which steps settle the customer's matter: the last step before a resolution, from which
/// every way on ends the call resolved (or with the customer hanging up, always possible).
fn settled_steps(scenario: &Scenario) -> Vec<bool> {
    scenario
        .steps
        .iter()
        .map(|step| {
            let kinds: Vec<Option<EndingKind>> = step
                .on
                .iter()
                .filter_map(|transition| transition.goto.as_deref())
                .filter(|&goto| goto != step.id)
                .map(|goto| scenario.ending(goto).map(|ending| ending.kind))
                .collect();
            kinds.contains(&Some(EndingKind::Resolved))
                && kinds
                    .iter()
                    .all(|kind| matches!(kind, Some(EndingKind::Resolved | EndingKind::HungUp)))
        })
        .collect()
}

fn round_tenth(seconds: f64) -> f64 {
    (seconds * 10.0).round() / 10.0
}
