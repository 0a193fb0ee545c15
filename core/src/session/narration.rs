//! The Russian wording of the engine's events: what the terminal prints and the app shows for
//! the same event is written here once; each front end only lays it out (a clock in front, a
//! colour, a capital letter).

use crate::text::minutes_seconds;

use super::engine::{CallOutcome, Event};

/// What kind of line an event makes: front ends lay each kind out their own way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NarrationKind {
    /// The customer's words.
    Customer,
    /// A hint or a live finding (practice only).
    Hint,
    /// The customer's mood moved.
    Mood,
    /// The customer was put on hold.
    HoldStarted,
    /// The hold is over.
    HoldEnded,
    /// The call is over.
    CallEnded,
}

/// One line of the call as the trainee reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Narration {
    /// Its kind.
    pub kind: NarrationKind,
    /// The text, in Russian.
    pub text: String,
    /// When it happened, seconds from the call start, for events that have a time.
    pub at: Option<f64>,
}

/// The lines an event makes, for a customer called `customer`.
pub fn narrate(event: &Event, customer: &str) -> Vec<Narration> {
    let line = |kind, text, at| Narration { kind, text, at };
    match event {
        Event::CustomerSpoke {
            text,
            at,
            understood_as,
            ..
        } => {
            // What the customer made of the reply is practice's feedback: the engine fills
            // `understood_as` only there.
            let meaning = understood_as
                .iter()
                .map(|meaning| line(NarrationKind::Hint, format!("Понято как: {meaning}."), None));
            let said = line(
                NarrationKind::Customer,
                format!("{customer}: {text}"),
                Some(*at),
            );
            meaning.chain(std::iter::once(said)).collect()
        }
        Event::HintOffered { text } => {
            vec![line(
                NarrationKind::Hint,
                format!("Подсказка: {text}"),
                None,
            )]
        }
        Event::FindingsReported { findings, .. } => findings
            .iter()
            .map(|finding| {
                line(
                    NarrationKind::Hint,
                    finding_line(&finding.message, &finding.suggestion),
                    None,
                )
            })
            .collect(),
        Event::MoodChanged { mood, change } => vec![line(
            NarrationKind::Mood,
            format!(
                "Настроение клиента: {} {mood:.2} ({})",
                mood_bar(*mood),
                if *change > 0.0 {
                    "злится сильнее"
                } else {
                    "успокаивается"
                }
            ),
            None,
        )],
        Event::HoldStarted {
            at,
            promised_seconds,
        } => vec![line(
            NarrationKind::HoldStarted,
            hold_started(*promised_seconds),
            Some(*at),
        )],
        Event::HoldEnded { at, seconds } => vec![line(
            NarrationKind::HoldEnded,
            format!("удержание окончено через {}", minutes_seconds(*seconds)),
            Some(*at),
        )],
        Event::CallEnded { outcome, at } => {
            vec![line(
                NarrationKind::CallEnded,
                call_ended(outcome),
                Some(*at),
            )]
        }
    }
}

/// A live finding as the trainee reads it.
pub fn finding_line(message: &str, suggestion: &str) -> String {
    format!("Замечание: {message} Лучше: «{suggestion}».")
}

/// The customer goes on hold, with what was promised: the app says it the moment the agent
/// presses hold, the terminal when the hold is played.
pub fn hold_started(promised_seconds: Option<u32>) -> String {
    format!(
        "клиент на удержании ({})",
        promised_seconds.map_or_else(
            || "срок ожидания не назван".to_owned(),
            |seconds| format!("обещано {}", minutes_seconds(seconds))
        )
    )
}

/// How the call ended.
pub fn call_ended(outcome: &CallOutcome) -> String {
    match outcome.kind {
        Some(kind) => format!("Звонок окончен — {}. {}", kind.describe(), outcome.summary),
        None => format!("Звонок окончен. {}", outcome.summary),
    }
}

/// The customer's irritation as ten cells.
fn mood_bar(mood: f32) -> String {
    let filled = ((mood * 10.0).round() as usize).min(10);
    format!("[{}{}]", "#".repeat(filled), ".".repeat(10 - filled))
}
