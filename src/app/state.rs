//! What the screens share, in one place: who is practising, the scenario chosen and the filter
//! that lists them, the call in progress, the last call's result, exam mode and its sitting.
//! Screens use this module and never each other.

use bevy::prelude::*;
use callcoach_core::attempt::{Attempt, FinishedCall, offered_in_practice};
use callcoach_core::exam::ExamSitting;
use callcoach_core::scoring::ScoreReport;
use callcoach_core::transcript::Transcript;

use super::AppConfig;
use super::library::Library;
use super::store::ExamVerdict;

/// Who is practising; `None` until chosen.
#[derive(Resource, Default, Debug, Clone)]
pub struct CurrentTrainee(pub Option<String>);

/// A message for the user that must not be missed (the database failed, a call could not
/// start): shown on the trainee and scenario screens.
#[derive(Resource, Default, Debug)]
pub struct Notice(pub String);

/// The scenario the next call plays.
#[derive(Resource, Debug, Clone, PartialEq, Eq)]
pub struct ChosenScenario(pub String);

/// Which cards are shown: a difficulty and a tag, or all.
#[derive(Resource, Default, Debug, Clone, PartialEq, Eq)]
pub struct ScenarioFilter {
    /// Only this difficulty.
    pub difficulty: Option<u8>,
    /// Only scenarios with this tag.
    pub tag: Option<String>,
}

impl ScenarioFilter {
    /// Whether a card of `scenario` is shown under this filter.
    pub(crate) fn admits(&self, scenario: &callcoach_core::scenario::Scenario) -> bool {
        self.difficulty.is_none_or(|d| scenario.difficulty == d)
            && self
                .tag
                .as_ref()
                .is_none_or(|tag| scenario.tags.contains(tag))
    }

    /// The caption of the filter buttons.
    pub(crate) fn describe(&self) -> (String, String) {
        (
            self.difficulty.map_or_else(
                || "Сложность: любая (D)".to_owned(),
                |d| format!("Сложность: {d} (D)"),
            ),
            self.tag.as_ref().map_or_else(
                || "Тема: любая (T)".to_owned(),
                |tag| format!("Тема: {tag} (T)"),
            ),
        )
    }
}

/// The cards shown under `filter`, in order: what number keys refer to.
pub fn shown(library: &Library, filter: &ScenarioFilter) -> Vec<String> {
    let mut scenarios: Vec<_> = library
        .scenarios
        .iter()
        .map(|(_, scenario)| scenario)
        .filter(|scenario| offered_in_practice(scenario) && filter.admits(scenario))
        .collect();
    scenarios.sort_by_key(|scenario| (scenario.difficulty, scenario.title.clone()));
    scenarios
        .into_iter()
        .map(|scenario| scenario.id.clone())
        .collect()
}

/// The call in progress.
#[derive(Resource)]
pub struct ActiveCall {
    /// The attempt being played.
    pub(crate) attempt: Attempt,
    /// When the current hold started (app time, seconds), if the customer is on hold.
    pub(crate) hold_started: Option<f64>,
    /// When the line last came alive (app seconds): the latest line of either side, or the end
    /// of a hold. A spoken reply that starts long after it leaves the customer in silence.
    pub(crate) live_since: f64,
    /// The scenario's file, where its recorded lines are (none for a scenario no longer in the
    /// library).
    pub(crate) file: Option<std::path::PathBuf>,
}

impl ActiveCall {
    /// Whether the customer is on hold now.
    pub fn on_hold(&self) -> bool {
        self.hold_started.is_some()
    }

    /// The call so far, as its transcript.
    pub fn transcript(&self) -> &callcoach_core::transcript::Transcript {
        self.attempt.session().transcript()
    }

    /// Whether the call has ended.
    pub fn is_over(&self) -> bool {
        self.attempt.is_over()
    }

    /// The words whisper should expect in this call.
    pub fn speech_prompt(&self) -> String {
        self.attempt.session().scenario().speech_prompt()
    }
}

/// What the debrief shows: the finished call and its score.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct LastCall {
    /// The scenario played.
    pub scenario: String,
    /// What was said.
    pub transcript: Transcript,
    /// The score.
    pub report: ScoreReport,
    /// How the call ended, in Russian.
    pub summary: String,
}

impl From<&FinishedCall> for LastCall {
    fn from(call: &FinishedCall) -> LastCall {
        LastCall {
            scenario: call.scenario_id.clone(),
            transcript: call.transcript.clone(),
            report: call.report.clone(),
            summary: call.summary.clone(),
        }
    }
}

/// Exam mode and the sitting in progress.
#[derive(Resource, Default, Debug, Clone)]
pub struct ExamState {
    /// The examiner opened exam mode with the passphrase.
    pub unlocked: bool,
    /// The sitting in progress, or just ended (until the trainee leaves its result).
    pub sitting: Option<Sitting>,
    /// Why a sitting did not start, in Russian.
    pub refusal: String,
}

/// One sitting of an exam as the screen follows it.
#[derive(Debug, Clone)]
pub struct Sitting {
    /// The sitting: its exam, the scenarios drawn, the calls played.
    pub plan: ExamSitting,
    /// The database has admitted it (attempts left, no wait pending): calls may be played.
    pub admitted: bool,
    /// The verdict, once judged.
    pub verdict: Option<ExamVerdict>,
}

impl Sitting {
    /// The scenario of the next call, once admitted and while calls remain.
    pub fn next_call(&self) -> Option<&str> {
        self.plan
            .next_scenario()
            .filter(|_| self.admitted)
            .map(|scenario| scenario.id.as_str())
    }

    /// Not judged yet (starting, calls remaining, or being judged): the trainee cannot leave.
    pub fn running(&self) -> bool {
        self.verdict.is_none()
    }
}

impl ExamState {
    /// The sitting whose call is being played now, if the current call is an exam call.
    pub fn calling(&self) -> Option<&Sitting> {
        self.sitting
            .as_ref()
            .filter(|sitting| sitting.running() && sitting.next_call().is_some())
    }

    /// The finished sitting whose calls are being reviewed.
    pub fn reviewing(&self) -> Option<&Sitting> {
        self.sitting
            .as_ref()
            .filter(|sitting| sitting.verdict.is_some())
    }
}

/// Certificates are written next to the progress database.
pub fn certificate_folder(config: &AppConfig) -> std::path::PathBuf {
    config
        .db
        .parent()
        .unwrap_or_else(|| std::path::Path::new("."))
        .join("certificates")
}
