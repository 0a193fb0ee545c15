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
    /// On an agent's reply that cut the customer's line short: where the line was cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barge_in: Option<BargeIn>,
}

/// The agent cut in while the customer was speaking.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BargeIn {
    /// Seconds of the customer's line said before the agent cut in.
    pub after: f64,
    /// The whole line's length, seconds.
    pub of: f64,
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

/// The longest call a transcript may describe, seconds: a day. Anything later is a broken clock,
/// not a call.
pub const MAX_CALL_SECONDS: f64 = 86_400.0;

/// A transcript that cannot be used, said in Russian in terms of the contract.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// Not JSON, or not the transcript shape: where, and what in words a trainer reads.
    #[error("строка {line}, столбец {column}: {what}")]
    Json {
        /// 1-based line of the JSON text.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        what: String,
    },
    /// A turn breaks the contract.
    #[error("реплика {number}: {reason}", number = .turn + 1)]
    Turn {
        /// Index of the turn.
        turn: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The call as a whole breaks the contract.
    #[error("{0}")]
    Call(&'static str),
}

impl TranscriptError {
    /// serde's error in the contract's Russian: the field it names, not its English.
    fn from_serde(error: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let english = error.to_string();
        // serde names fields and values between backticks: «missing field `speaker`».
        let named = english.split('`').nth(1).unwrap_or_default();
        let what = match error.classify() {
            Category::Eof => "текст обрывается раньше, чем кончается JSON".to_owned(),
            Category::Syntax => "это не JSON: проверьте скобки, кавычки и запятые".to_owned(),
            Category::Io => "не удалось прочитать текст".to_owned(),
            Category::Data if english.starts_with("missing field") => {
                format!("нет обязательного поля «{named}»")
            }
            Category::Data if english.starts_with("unknown field") => {
                format!("неизвестное поле «{named}»")
            }
            Category::Data if english.starts_with("unknown variant") => {
                format!("недопустимое значение «{named}»")
            }
            Category::Data => "значение не того вида: число вместо текста, текст вместо числа \
                               или отрицательное число"
                .to_owned(),
        };
        TranscriptError::Json {
            line: error.line(),
            column: error.column(),
            what,
        }
    }
}

/// Whether a clock reads `HH:MM` within a day.
fn valid_clock(clock: &str) -> bool {
    let Some((hours, minutes)) = clock.split_once(':') else {
        return false;
    };
    let two_digits = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
    two_digits(hours)
        && two_digits(minutes)
        && hours.parse::<u32>().is_ok_and(|hours| hours < 24)
        && minutes.parse::<u32>().is_ok_and(|minutes| minutes < 60)
}

impl Transcript {
    /// Parses and validates a transcript.
    pub fn from_json(text: &str) -> Result<Self, TranscriptError> {
        let transcript: Transcript =
            serde_json::from_str(text).map_err(|error| TranscriptError::from_serde(&error))?;
        if transcript
            .clock
            .as_deref()
            .is_some_and(|clock| !valid_clock(clock))
        {
            return Err(TranscriptError::Call(
                "clock должно быть временем ЧЧ:ММ от 00:00 до 23:59 (или отсутствовать)",
            ));
        }
        let mut previous_at = 0.0;
        for (turn, entry) in transcript.turns.iter().enumerate() {
            let reason = match (&entry.text, entry.hold_seconds, entry.speaker) {
                (Some(_), Some(_), _) => Some("у реплики либо text, либо hold_seconds, не оба"),
                (None, None, _) => Some("у реплики нет ни text, ни hold_seconds"),
                (None, Some(_), Speaker::Customer) => {
                    Some("на удержание ставит только сотрудник (speaker: agent)")
                }
                (None, Some(0), _) => Some("hold_seconds должно быть больше нуля"),
                _ if entry.speech.is_some()
                    && (entry.speaker != Speaker::Agent || entry.text.is_none()) =>
                {
                    Some("speech бывает только у сказанной вслух реплики сотрудника")
                }
                _ if (entry.understood.is_some()
                    || entry.understood_as.is_some()
                    || entry.step.is_some())
                    && entry.speaker != Speaker::Customer =>
                {
                    Some("understood, understood_as и step бывают только у реплики клиента")
                }
                _ if entry
                    .speech
                    .is_some_and(|speech| !speech.seconds.is_finite() || speech.seconds < 0.0) =>
                {
                    Some("speech.seconds должно быть неотрицательным числом секунд")
                }
                _ if !entry.at.is_finite() || entry.at < 0.0 || entry.at > MAX_CALL_SECONDS => {
                    Some("at должно быть числом секунд от начала звонка, от 0 до суток")
                }
                _ if entry.at < previous_at => {
                    Some("at меньше, чем у предыдущей реплики: реплики идут по порядку времени")
                }
                _ => None,
            };
            if let Some(reason) = reason {
                return Err(TranscriptError::Turn { turn, reason });
            }
            previous_at = entry.at;
        }
        if transcript
            .settled_at
            .is_some_and(|settled| settled >= transcript.turns.len())
        {
            return Err(TranscriptError::Call(
                "settled_at должно указывать на одну из реплик (номер с нуля)",
            ));
        }
        if transcript
            .ending
            .is_some_and(|ending| !(0.0..=1.0).contains(&ending.mood))
        {
            return Err(TranscriptError::Call(
                "ending.mood должно быть числом от 0.0 до 1.0",
            ));
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
