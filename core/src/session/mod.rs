//! A call in progress: the engine, its events and their Russian wording, the scoring seam and
//! typed commands.

pub mod assess;
pub mod command;
pub mod engine;
pub mod narration;

pub use assess::{LiveFinding, NoAssessment, ReplyAssessor, names_rule};
pub use command::{COMMAND_HELP, CommandError, MAX_COMMAND_SECONDS, MAX_REPLY_CHARS, parse_turn};
pub use engine::{
    AgentTurn, CLARIFY_LINES, CallOutcome, Event, Interpretation, Mode, SILENCE_LINES, Session,
    SessionError, SessionOptions,
};
pub use narration::{Narration, NarrationKind, narrate};
