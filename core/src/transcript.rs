//! The transcript of a call in the JSON contract of DESIGN.md: the input of `score` and what an
//! attempt exports.

use serde::{Deserialize, Serialize};

/// Who spoke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    /// The caller.
    Customer,
    /// The trainee.
    Agent,
}

/// One turn: a line of speech, or (agent only) a hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptTurn {
    /// Who.
    pub speaker: Speaker,
    /// What was said; absent for a hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// How long the customer was on hold; present only for a hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_seconds: Option<u32>,
    /// Seconds from the start of the call.
    pub at: f64,
    /// Present when the agent spoke the reply into the microphone (absent when typed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech: Option<Speech>,
    /// On a customer line that answers an agent's reply: whether the customer understood it
    /// (`false`: the line is a fallback, «Не понял, что вы имеете в виду?»).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub understood: Option<bool>,
    /// What the customer took the reply to mean: «предложить проверить линию (0,81)».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub understood_as: Option<String>,
    /// With `understood`: the scenario step the customer was at when they heard the reply, so
    /// trainers see where customers do not understand (`report --misunderstood`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

/// How a spoken reply was said.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Speech {
    /// Length of the recording, seconds.
    pub seconds: f64,
    /// The agent began speaking while the customer was still on hold, so the customer did not
    /// hear it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_hold: bool,
}

impl Speech {
    /// A recording of `seconds`, kept to a tenth of a second as every time in a transcript.
    pub fn recorded(seconds: f32, on_hold: bool) -> Speech {
        Speech {
            seconds: (f64::from(seconds) * 10.0).round() / 10.0,
            on_hold,
        }
    }
}

/// A whole call.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transcript {
    /// The agent's company; the greeting must name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Simulated clock at the start of the call, `HH:MM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    /// The turns in order.
    pub turns: Vec<TranscriptTurn>,
    /// Index of the first customer line after which the customer's matter was settled (the call
    /// reached a step that leads only to a resolution): the closing is looked for from the agent
    /// turn before it on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled_at: Option<usize>,
    /// How the call ended; absent while it goes on, or for a call recorded elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ending: Option<CallEnd>,
}

/// How a call ended and how the customer felt then: the outcome category scores it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallEnd {
    /// What happened.
    pub result: CallResult,
    /// The customer's mood at the end: 0 calm … 1 furious.
    pub mood: f32,
}

/// What happened at the end of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallResult {
    /// The matter was solved or got a clear next step.
    Resolved,
    /// Passed to the second line or a supervisor, as the situation required.
    Escalated,
    /// The customer hung up.
    HungUp,
    /// The agent ended the call with the matter still open.
    EndedByAgent,
}

/// A transcript that cannot be used, said in terms of the contract.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// Not JSON, or not the transcript shape.
    #[error("the transcript is not valid JSON of the transcript contract: {0}")]
    Json(#[from] serde_json::Error),
    /// A turn breaks the contract.
    #[error("turn {turn}: {reason}")]
    Turn {
        /// Index of the turn.
        turn: usize,
        /// What is wrong.
        reason: &'static str,
    },
}

impl Transcript {
    /// Parses and validates a transcript.
    pub fn from_json(text: &str) -> Result<Self, TranscriptError> {
        let transcript: Transcript = serde_json::from_str(text)?;
        for (turn, entry) in transcript.turns.iter().enumerate() {
            let reason = match (&entry.text, entry.hold_seconds, entry.speaker) {
                (Some(_), Some(_), _) => Some("a turn has either text or hold_seconds, not both"),
                (None, None, _) => Some("a turn needs text or hold_seconds"),
                (None, Some(_), Speaker::Customer) => Some("only the agent puts the call on hold"),
                _ if entry.speech.is_some()
                    && (entry.speaker != Speaker::Agent || entry.text.is_none()) =>
                {
                    Some("speech belongs to an agent's spoken reply")
                }
                _ if (entry.understood.is_some()
                    || entry.understood_as.is_some()
                    || entry.step.is_some())
                    && entry.speaker != Speaker::Customer =>
                {
                    Some("understood belongs to a customer's line")
                }
                _ if entry
                    .speech
                    .is_some_and(|speech| !speech.seconds.is_finite() || speech.seconds < 0.0) =>
                {
                    Some("speech.seconds must be a non-negative number of seconds")
                }
                _ if !entry.at.is_finite() || entry.at < 0.0 => {
                    Some("at must be a non-negative number of seconds")
                }
                _ => None,
            };
            if let Some(reason) = reason {
                return Err(TranscriptError::Turn { turn, reason });
            }
        }
        if let Some(settled) = transcript
            .settled_at
            .filter(|&settled| settled >= transcript.turns.len())
        {
            return Err(TranscriptError::Turn {
                turn: settled,
                reason: "settled_at must name a turn of the transcript",
            });
        }
        Ok(transcript)
    }

    /// The agent's replies the customer did not understand, each with the customer's fallback
    /// line: (reply turn, fallback turn). Not a mistake against the standard — the debrief says
    /// so apart from findings.
    pub fn misunderstood(&self) -> Vec<(usize, usize)> {
        self.turns
            .iter()
            .enumerate()
            .filter(|(_, turn)| turn.speaker == Speaker::Customer && turn.understood == Some(false))
            .filter_map(|(index, _)| {
                let reply = index.checked_sub(1)?;
                let said = &self.turns[reply];
                (said.speaker == Speaker::Agent && said.text.is_some()).then_some((reply, index))
            })
            .collect()
    }

    /// Pretty JSON in the contract's shape.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| String::from("{}"))
    }
}
