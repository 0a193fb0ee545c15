//! A call in progress: the engine, its events, the scoring seam and typed commands.

pub mod assess;
pub mod command;
pub mod engine;

pub use assess::{LiveFinding, NoAssessment, ReplyAssessor, names_rule};
pub use command::{COMMAND_HELP, CommandError, parse_turn};
pub use engine::{AgentTurn, CallOutcome, Event, Mode, Session, SessionError, SessionOptions};
