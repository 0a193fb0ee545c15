//! The scenario format trainers write in RON: metadata, the customer, steps with transitions,
//! endings and walkthroughs. `scenarios/README.md` documents it by example.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One training call.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Stable id, unique across all scenario files: `internet_down`.
    pub id: String,
    /// Title shown on the scenario card.
    pub title: String,
    /// One paragraph: the situation, what the trainee practises.
    pub summary: String,
    /// The company the agent works for; the greeting must name it.
    pub company: String,
    /// Simulated wall clock at the start of the call, `HH:MM`.
    pub clock: String,
    /// 1 (easy) … 5 (hardest).
    pub difficulty: u8,
    /// Free tags for filtering: `интернет`, `гарантия`, …
    #[serde(default)]
    pub tags: Vec<String>,
    /// Reserved for certification: never offered in practice mode.
    #[serde(default)]
    pub exam_only: bool,
    /// Who calls.
    pub customer: Customer,
    /// What the agent may mean, each with a few example phrasings in the agent's own words:
    /// `"предложить проверить линию": ["давайте я проверю линию", "продиагностирую подключение"]`.
    /// Conditions name them with `Means("…")`; the customer understands them by meaning.
    #[serde(default)]
    pub intents: BTreeMap<String, Vec<String>>,
    /// The steps of the conversation; the call starts at the first one.
    pub steps: Vec<Step>,
    /// How the call can end.
    pub endings: Vec<Ending>,
    /// Scripted calls that must reach the named ending; `callcoach check` plays them.
    #[serde(default)]
    pub walkthroughs: Vec<Walkthrough>,
    /// Replies in other words that a step must understand as an intent; `callcoach check` tries
    /// each at its step.
    #[serde(default)]
    pub phrasings: Vec<Phrasing>,
    /// SHA-256 of the file's text this scenario was parsed from: the version an attempt pins is
    /// the one actually played, never a later read of a file that may have changed or vanished.
    #[serde(skip)]
    pub source_hash: String,
}

/// The caller.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// How the customer introduces themself: «Игорь Петрович».
    pub name: String,
    /// Which of the typical callers this is.
    pub portrait: Portrait,
    /// A few sentences about them for the trainee's briefing.
    #[serde(default)]
    pub about: String,
    /// Mood at the start: 0 calm … 1 furious.
    pub mood: f32,
    /// The mood at which they hang up.
    pub hangs_up_at: f32,
    /// Seconds of silence from the agent before the customer reacts.
    pub silence_patience: u32,
    /// Seconds on hold after which the customer hangs up.
    pub hold_patience: u32,
    /// How the customer sounds on the line.
    #[serde(default)]
    pub voice: Voice,
}

/// The customer's voice: the synthesised voice shaped for this caller, and lines a trainer
/// recorded. Mood shapes it further at every line (faster, higher, louder when angry).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Voice {
    /// A man's or a woman's voice.
    pub sex: Sex,
    /// Base pitch in semitones from the voice's own, −6 … +6.
    pub pitch: f32,
    /// Base tempo, 0.8 (slow) … 1.25 (fast).
    pub tempo: f32,
    /// A folder of recorded lines, relative to the scenario file: `<line id>.wav` is played
    /// instead of synthesis (`callcoach voice script` lists the ids).
    pub recordings: Option<String>,
}

impl Default for Voice {
    fn default() -> Self {
        Voice {
            sex: Sex::Male,
            pitch: 0.0,
            tempo: 1.0,
            recordings: None,
        }
    }
}

/// The customer's sex, for the voice.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, Hash)]
pub enum Sex {
    /// A man's voice.
    #[default]
    Male,
    /// A woman's voice.
    Female,
}

/// The range of [`Voice::pitch`], semitones.
pub const VOICE_PITCH: std::ops::RangeInclusive<f32> = -6.0..=6.0;
/// The range of [`Voice::tempo`].
pub const VOICE_TEMPO: std::ops::RangeInclusive<f32> = 0.8..=1.25;

/// The typical callers described in the seed article.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum Portrait {
    /// The 33-year-old manager who calls from work and blames the provider.
    BlamesProvider,
    /// Bought it, never read the instructions, wants it done for them.
    NeverReadsInstructions,
    /// Knows the product in depth and asks about every detail.
    Expert,
    /// Starts with «10 лет назад…» and needs the agent to take the lead.
    Storyteller,
    /// Claims to have checked for viruses, vaguely («недавно»).
    LiesAboutViruses,
    /// Mostly needs to be heard.
    NeedsToVent,
    /// Someone else; `about` says who.
    Other,
}

impl Portrait {
    /// The portrait in Russian, for briefings.
    pub fn describe(self) -> &'static str {
        match self {
            Portrait::BlamesProvider => "звонит с работы и во всём винит провайдера",
            Portrait::NeverReadsInstructions => {
                "не читает инструкций и хочет, чтобы сделали за него"
            }
            Portrait::Expert => "разбирается в теме и спрашивает о каждой мелочи",
            Portrait::Storyteller => "любит рассказывать истории издалека",
            Portrait::LiesAboutViruses => "уверяет, что всё проверил, но говорит неконкретно",
            Portrait::NeedsToVent => "прежде всего хочет выговориться",
            Portrait::Other => "особый случай",
        }
    }
}

/// A point in the conversation: what the customer says and how they react to the agent.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Stable id, unique within the scenario, used by `goto`.
    pub id: String,
    /// What the customer says on reaching this step; one variant is picked at random.
    pub says: Vec<String>,
    /// Shown to the trainee in practice mode while this step is current.
    #[serde(default)]
    pub hint: Option<String>,
    /// Work the agent has to do on hold before the call can go on.
    #[serde(default)]
    pub work: Option<Work>,
    /// Transitions, tried top to bottom; the first whose condition holds is taken.
    pub on: Vec<Transition>,
}

/// Work that takes simulated time, done while the customer is on hold.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Work {
    /// What is being done, in Russian: «проверка линии».
    pub what: String,
    /// Simulated seconds it takes.
    pub seconds: u32,
}

/// A reaction of the customer to the agent's turn.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// When it applies.
    pub when: Condition,
    /// Change of mood, −1 … 1 (negative calms the customer down).
    #[serde(default)]
    pub mood: f32,
    /// What the customer says instead of the target step's line; variants picked at random.
    #[serde(default)]
    pub say: Vec<String>,
    /// The step or ending to go to; absent means stay in the current step.
    #[serde(default)]
    pub goto: Option<String>,
}

/// When a transition applies.
#[derive(Clone, Debug, Deserialize)]
pub enum Condition {
    /// The agent's reply means this intent of the scenario's `intents`, in any words.
    Means(String),
    /// The agent's reply performs this act of the call standard, as the scorer hears it.
    Act(SpeechAct),
    /// The agent's reply contains any of these phrases (in any inflection): for fixed formulas.
    Mentions(Vec<String>),
    /// The agent's reply contains all of these phrases.
    MentionsAll(Vec<String>),
    /// A scoring rule fired on the agent's reply, by rule id: `wording.obligation`.
    Finding(String),
    /// The agent put the customer on hold having promised less time than the step's work needs.
    HoldShorterThanWork,
    /// The hold lasted longer than the agent promised, or no time was promised.
    HoldOverPromise,
    /// A hold was long enough to finish the step's work.
    WorkDone,
    /// The hold ended before the step's work was finished.
    WorkNotDone,
    /// The agent said nothing for longer than the customer's patience.
    Silence,
    /// The agent's reply cut the customer's line short, at least `after` seconds into it and,
    /// if `before` is given, less than `before` seconds into it: `Interrupted(after: 3)` is the
    /// storyteller taken in hand, `Interrupted(before: 2)` the furious caller not let to speak.
    Interrupted {
        /// Seconds of the line said before the agent cut in, at least.
        #[serde(default)]
        after: f32,
        /// Seconds of the line said before the agent cut in, less than this.
        #[serde(default)]
        before: Option<f32>,
    },
    /// The customer's mood is above this level.
    MoodAbove(f32),
    /// The customer's mood is below this level.
    MoodBelow(f32),
    /// All of these conditions hold.
    All(Vec<Condition>),
    /// Any of these conditions holds.
    Any(Vec<Condition>),
    /// Any reply not caught above: the fallback every step needs.
    Otherwise,
}

/// What the call standard has an agent say, heard by the scorer's word lists: a condition any
/// scenario can use without listing phrasings.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
pub enum SpeechAct {
    /// A greeting: «Добрый день».
    Greeting,
    /// A question that takes the lead: «Подскажите номер договора».
    AskNumber,
    /// Asking to stay on the line before a hold: «Оставайтесь, пожалуйста, на линии».
    HoldAnnounced,
    /// Thanks for waiting: «Спасибо за ожидание».
    ThanksForWaiting,
    /// An explanation: «потому что…», «дело в том, что…».
    Explanation,
    /// An apology: «Приношу извинения за неудобства».
    Apology,
    /// A deadline: «в течение часа», «до 21:00», «к понедельнику».
    Deadline,
    /// The closing question: «Остались ли у вас вопросы?»
    ClosingQuestion,
    /// Thanks for the call: «Спасибо за обращение».
    ThanksForCall,
}

impl SpeechAct {
    /// Every act.
    pub const ALL: [SpeechAct; 9] = [
        SpeechAct::Greeting,
        SpeechAct::AskNumber,
        SpeechAct::HoldAnnounced,
        SpeechAct::ThanksForWaiting,
        SpeechAct::Explanation,
        SpeechAct::Apology,
        SpeechAct::Deadline,
        SpeechAct::ClosingQuestion,
        SpeechAct::ThanksForCall,
    ];

    /// What the agent does, in Russian, as «понято как: …» reads it.
    pub fn describe(self) -> &'static str {
        match self {
            SpeechAct::Greeting => "поздороваться",
            SpeechAct::AskNumber => "спросить номер договора или заявки",
            SpeechAct::HoldAnnounced => "попросить подождать на линии",
            SpeechAct::ThanksForWaiting => "поблагодарить за ожидание",
            SpeechAct::Explanation => "объяснить причину",
            SpeechAct::Apology => "извиниться",
            SpeechAct::Deadline => "назвать срок",
            SpeechAct::ClosingQuestion => "спросить, остались ли вопросы",
            SpeechAct::ThanksForCall => "поблагодарить за звонок",
        }
    }
}

/// How a call ends.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ending {
    /// Stable id, unique within the scenario among steps and endings.
    pub id: String,
    /// What kind of ending it is.
    pub kind: EndingKind,
    /// The customer's last words; may be empty (they just hang up).
    #[serde(default)]
    pub says: Vec<String>,
    /// What happened, shown to the trainee: «Интернет заработал, клиент доволен».
    pub summary: String,
}

/// The kinds of ending.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all(serialize = "snake_case"))]
pub enum EndingKind {
    /// The customer's issue is solved or has a clear next step.
    Resolved,
    /// Passed to the second line or a supervisor.
    Escalated,
    /// The customer hung up.
    HungUp,
}

impl EndingKind {
    /// The kind in Russian.
    pub fn describe(self) -> &'static str {
        match self {
            EndingKind::Resolved => "вопрос решён",
            EndingKind::Escalated => "передано на вторую линию",
            EndingKind::HungUp => "клиент бросил трубку",
        }
    }
}

/// A scripted call that must reach an ending: documentation and a test in one.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Walkthrough {
    /// The ending it must reach.
    pub ending: String,
    /// The random seed, so the customer's lines are the same every time.
    #[serde(default)]
    pub seed: u64,
    /// The agent's turns, as typed in `callcoach play` (`/hold 90`, `/wait 30`, `/end`).
    pub replies: Vec<String>,
}

/// Several ways an agent may say one intent at one step: documentation and a test in one.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phrasing {
    /// The step.
    pub step: String,
    /// The intent the replies mean, as named in `intents`.
    pub means: String,
    /// The replies, as an agent would say them.
    pub replies: Vec<String>,
}

/// The folder of recorded lines `folder` names, for the scenario file at `scenario_file`.
pub fn recordings_folder(scenario_file: &std::path::Path, folder: &str) -> std::path::PathBuf {
    scenario_file
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join(folder)
}

/// Why a recorded line cannot be played (Russian), or `None` when it can.
pub fn recording_problem(file: &std::path::Path) -> Option<String> {
    match hound::WavReader::open(file) {
        Err(hound::Error::IoError(error)) => Some(crate::source::io_reason(&error)),
        Err(_) => Some("это не WAV-файл или он повреждён".to_owned()),
        Ok(reader) if reader.spec().channels == 0 || reader.spec().channels > 2 => Some(format!(
            "{} каналов, а нужен один или два",
            reader.spec().channels
        )),
        Ok(reader) if reader.duration() == 0 => Some("в файле нет звука".to_owned()),
        Ok(reader) if reader.spec().sample_rate < 8_000 => Some(format!(
            "частота {} Гц, нужна не ниже 8000",
            reader.spec().sample_rate
        )),
        Ok(_) => None,
    }
}

impl Voice {
    /// The recording of line `id` for the scenario file at `scenario_file`, if the scenario
    /// names a recordings folder and the file is there.
    pub fn recording(
        &self,
        scenario_file: &std::path::Path,
        id: &str,
    ) -> Option<std::path::PathBuf> {
        let file =
            recordings_folder(scenario_file, self.recordings.as_deref()?).join(format!("{id}.wav"));
        file.is_file().then_some(file)
    }
}

/// A line the customer may say, as `callcoach voice script` lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerLine {
    /// Stable id: the recording's file name without `.wav`.
    pub id: String,
    /// The text.
    pub text: String,
    /// The mood the line is likely said in, 0 … 1.
    pub mood: f32,
}

/// A simulated time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime {
    /// Minutes since midnight.
    pub minutes: u32,
}

impl ClockTime {
    /// Parses `HH:MM`.
    pub fn parse(text: &str) -> Option<Self> {
        let (hours, minutes) = text.trim().split_once(':')?;
        let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
        (hours < 24 && minutes < 60 && text.trim().len() == 5).then_some(ClockTime {
            minutes: hours * 60 + minutes,
        })
    }
}

impl std::fmt::Display for ClockTime {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "{:02}:{:02}",
            self.minutes / 60 % 24,
            self.minutes % 60
        )
    }
}

/// The call standard's words as whisper should hear them, forbidden and recommended alike.
pub const SPEECH_VOCABULARY: &str = "Вам необходимо, вы должны, вы обязаны, рекомендую, читайте инструкцию, техническая неисправность, подождите, спасибо за ожидание, остались ли у вас вопросы, благодарим за звонок.";

impl Scenario {
    /// Words for the speech recogniser to expect in this call (whisper's initial prompt): the
    /// company, the customer and what the call is about (product names such as «роутер»), then
    /// the call standard's vocabulary with the wording it forbids *and* the wording it asks for,
    /// so whisper hears either correctly and is nudged towards neither.
    pub fn speech_prompt(&self) -> String {
        let summary: String = self.summary.chars().take(320).collect();
        format!(
            "Звонок в компанию «{}». Клиент: {}. {}. {summary} {SPEECH_VOCABULARY}",
            self.company, self.customer.name, self.title
        )
    }

    /// Every line the customer may say in this call, with a stable id for recordings: a step's
    /// lines are `<step>.<n>`, a transition's `<step>.on<k>.<n>`, an ending's `<ending>.<n>`
    /// (counted from 1). The mood is where the line is likely said: the starting mood moved by
    /// the transition that leads to it.
    pub fn customer_lines(&self) -> Vec<CustomerLine> {
        let mut lines = Vec::new();
        let start = self.customer.mood;
        let mut push = |id: String, texts: &[String], mood: f32| {
            for (index, text) in texts.iter().enumerate() {
                lines.push(CustomerLine {
                    id: format!("{id}.{}", index + 1),
                    text: text.clone(),
                    mood: mood.clamp(0.0, 1.0),
                });
            }
        };
        // A step's line is said on reaching it: the mood of the transition that led there.
        let arriving = |target: &str| {
            self.steps
                .iter()
                .flat_map(|step| &step.on)
                .filter(|transition| transition.goto.as_deref() == Some(target))
                .map(|transition| transition.mood)
                .fold(None, |sum: Option<(f32, u32)>, mood| {
                    let (total, count) = sum.unwrap_or((0.0, 0));
                    Some((total + mood, count + 1))
                })
                .map_or(0.0, |(total, count)| total / count as f32)
        };
        for (index, step) in self.steps.iter().enumerate() {
            let mood = if index == 0 {
                start
            } else {
                start + arriving(&step.id)
            };
            push(step.id.clone(), &step.says, mood);
            for (k, transition) in step.on.iter().enumerate() {
                push(
                    format!("{}.on{}", step.id, k + 1),
                    &transition.say,
                    mood + transition.mood,
                );
            }
        }
        for ending in &self.endings {
            let mood = match ending.kind {
                EndingKind::HungUp => self.customer.hangs_up_at,
                _ => start + arriving(&ending.id),
            };
            push(ending.id.clone(), &ending.says, mood);
        }
        lines
    }

    /// The id of the line with this text (the first, when two share a text).
    pub fn line_id(&self, text: &str) -> Option<String> {
        self.customer_lines()
            .into_iter()
            .find(|line| line.text == text)
            .map(|line| line.id)
    }

    /// The ending with this id.
    pub fn ending(&self, id: &str) -> Option<&Ending> {
        self.endings.iter().find(|ending| ending.id == id)
    }

    /// The ending used when the customer loses patience.
    pub fn hang_up_ending(&self) -> Option<&Ending> {
        self.endings
            .iter()
            .find(|ending| ending.kind == EndingKind::HungUp)
    }
}
