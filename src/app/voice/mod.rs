//! Speaking a reply, the service the call and the settings screen use: the microphone and
//! whisper on a worker thread of their own ([`worker`]), so the frame never waits for them, the
//! trainee's voice settings, and what the screens show about speech. In the call the trainee
//! holds F3 (or the button) and speaks — or, in voice-activity mode, just speaks and pauses; the
//! level meter moves while recording and the recognised text lands in the reply field. The model is installed on first use; without a
//! microphone the app says so and the keyboard keeps working. While a reply is recognised
//! whisper has every core and the window rests until the voice thread wakes it with the text.

mod worker;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bevy::prelude::*;
use bevy::winit::{EventLoopProxyWrapper, UpdateMode, WinitSettings, WinitUserEvent};
use callcoach_core::text::{capitalised, tenths};
use callcoach_speech::mic::Microphone;
use callcoach_speech::transcribe::default_threads;
use serde::{Deserialize, Serialize};

use super::draft::Draft;
use super::state::{ActiveCall, ExamState};
use super::theme::Action;
use super::{AppConfig, AppSystems, Screen};

/// What the trainee chose on the settings screen, kept in `settings.ron` beside the database.
#[derive(Resource, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VoiceSettings {
    /// The microphone by name; the system's default when absent.
    pub device: Option<String>,
    /// Listen all the time and end a reply at a pause, instead of push-to-talk.
    pub voice_activity: bool,
    /// The sound output the customer speaks through, by name; the system's default when absent.
    pub speaker: Option<String>,
    /// The customer's volume, 0–1.
    pub volume: f32,
    /// Practice without subtitles: the customer's lines are only heard, never shown.
    pub no_subtitles: bool,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        VoiceSettings {
            device: None,
            voice_activity: false,
            speaker: None,
            volume: 0.8,
            no_subtitles: false,
        }
    }
}

impl VoiceSettings {
    /// Where the settings live for a database.
    pub fn file(config: &AppConfig) -> PathBuf {
        config.db.with_file_name("settings.ron")
    }

    /// The saved settings; defaults when there are none or the file is unreadable (it is
    /// rewritten on the next change, and a broken file is reported in the log).
    pub fn load(config: &AppConfig) -> VoiceSettings {
        let path = Self::file(config);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return VoiceSettings::default();
        };
        ron::from_str(&text).unwrap_or_else(|error| {
            warn!(
                "{}: settings not read ({error}); using defaults",
                path.display()
            );
            VoiceSettings::default()
        })
    }

    /// Saves the settings; a failure is said on screen by the caller.
    pub fn save(&self, config: &AppConfig) -> std::io::Result<()> {
        let path = Self::file(config);
        if let Some(folder) = path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder)?;
        }
        let text = ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())
            .map_err(std::io::Error::other)?;
        std::fs::write(path, text)
    }
}

/// What the frame asks of the voice thread.
pub(crate) enum Command {
    /// Open this microphone (the default when `None`), closing the one before.
    Open(Option<String>),
    /// Push-to-talk pressed.
    Start,
    /// Push-to-talk released: recognise what was said with this prompt.
    Stop { prompt: String },
    /// Voice-activity mode: record until a pause, then recognise.
    Listen { prompt: String },
    /// Stop listening without a reply (the call ended).
    Cancel,
    /// Load the model now so the first reply is quick; install it first when it is missing.
    Prepare { install: bool },
    /// List the input devices (probing them can take a while: never on the frame).
    Devices,
    /// Call this when listening first hears the trainee: it stops the customer (barge-in).
    OnSpeech(callcoach_speech::mic::OnSpeech),
}

/// What the voice thread tells the frame.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum VoiceReport {
    /// The microphone is open.
    Opened(String),
    /// There is no microphone (Russian, with what to do).
    NoMicrophone(String),
    /// The model is loaded and warm.
    ModelReady,
    /// The model is not installed yet.
    ModelMissing,
    /// Installing the model: share done, 0–1.
    Installing(f32),
    /// The model could not be installed or loaded (Russian, with what to do).
    ModelFailed(String),
    /// Recognising a recording of this many seconds.
    Recognising(f32),
    /// The reply as recognised.
    Heard {
        /// The text.
        text: String,
        /// Length of the recording, seconds.
        seconds: f32,
        /// Time from the end of the reply to the text, milliseconds.
        waited_ms: u64,
        /// It was recognised while the trainee paused, before the pause ended the reply.
        during_pause: bool,
    },
    /// Nothing but silence was recorded.
    NothingHeard,
    /// The input devices the system offers.
    Devices(Vec<String>),
}

/// Wakes the window's event loop when a report is sent (it may be resting, see
/// [`rest_while_recognising`]); none without a window.
pub(crate) type Waker = Option<Box<dyn Fn() + Send>>;

/// The voice thread's handle.
#[derive(Resource)]
pub struct VoiceLink {
    commands: Sender<Command>,
    reports: Mutex<Receiver<VoiceReport>>,
    microphone: Arc<Mutex<Option<Arc<Microphone>>>>,
    cancel: Arc<AtomicBool>,
}

impl VoiceLink {
    /// Queues a command for the voice thread.
    pub(crate) fn send(&self, command: Command) {
        if matches!(command, Command::Cancel) {
            self.cancel.store(true, Ordering::SeqCst);
        }
        // The thread ends only with the app; a send can fail only during shutdown.
        let _ = self.commands.send(command);
    }

    /// How loud the microphone is now (0–1), for the meter.
    pub fn level(&self) -> f32 {
        self.microphone
            .lock()
            .ok()
            .and_then(|microphone| microphone.as_ref().map(|microphone| microphone.level()))
            .unwrap_or(0.0)
    }
}

/// The microphone as the screens see it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum MicrophoneState {
    /// Not opened yet.
    #[default]
    Closed,
    /// Open: the device's name.
    Open(String),
    /// None to be had: why, in Russian.
    Missing(String),
}

/// What the screens show about speech (kept as data, so tests read what the screen shows).
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct VoiceState {
    /// The open microphone.
    pub microphone: MicrophoneState,
    /// Whether the model is loaded.
    pub model_ready: bool,
    /// Installing the model: share done.
    pub installing: Option<f32>,
    /// Push-to-talk is held: recording (when and how it began is in [`HeardReply`]).
    pub recording: bool,
    /// Waiting for the recognised text.
    pub recognising: bool,
    /// The latest thing to tell the trainee about speech.
    pub status: String,
    /// The devices the system offers.
    pub devices: Vec<String>,
}

/// A spoken reply waiting in the field: how it was said.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq)]
pub struct HeardReply {
    /// Length of the recording, seconds; `None` when the field holds typed text.
    pub seconds: Option<f32>,
    /// Recording began while the customer was on hold.
    pub on_hold: bool,
    /// When the trainee began to speak (app seconds).
    pub started: f64,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<VoiceState>();
    app.init_resource::<HeardReply>();
    app.add_systems(Startup, start);
    app.add_systems(
        Update,
        (
            receive.in_set(AppSystems::Input),
            show_voice.in_set(AppSystems::Show),
            rest_while_recognising.in_set(AppSystems::Show),
        ),
    );
}

fn start(
    mut commands: Commands,
    config: Option<Res<AppConfig>>,
    proxy: Option<Res<EventLoopProxyWrapper>>,
) {
    let settings = config
        .as_deref()
        .map(VoiceSettings::load)
        .unwrap_or_default();
    commands.insert_resource(settings);
    // With a window, every report from the voice thread wakes its event loop.
    let waker: Waker = proxy.map(|proxy| {
        let proxy = (**proxy).clone();
        Box::new(move || {
            let _ = proxy.send_event(WinitUserEvent::WakeUp);
        }) as Box<dyn Fn() + Send>
    });
    commands.insert_resource(worker::spawn_worker(
        crate::paths::model_path(None),
        default_threads(),
        waker,
    ));
}

/// Longest rest of the window while a reply is recognised (it wakes sooner for input and for
/// the voice thread's report).
const RECOGNISING_REST: Duration = Duration::from_secs(1);

/// While a reply is recognised the window redraws only on input and on the voice thread's
/// report: whisper decodes on every core, and ggml's workers spin-wait for each other, so a
/// frame drawn meanwhile (a whole core under a software renderer) would double the wait for the
/// text. The screen shows «Распознаю…» and has nothing to animate.
fn rest_while_recognising(
    state: Res<VoiceState>,
    settings: Option<ResMut<WinitSettings>>,
    mut resting_from: Local<Option<UpdateMode>>,
) {
    let Some(mut settings) = settings else { return };
    if state.recognising && resting_from.is_none() {
        *resting_from = Some(settings.focused_mode);
        settings.focused_mode = UpdateMode::reactive_low_power(RECOGNISING_REST);
    } else if !state.recognising
        && let Some(before) = resting_from.take()
    {
        settings.focused_mode = before;
    }
}

/// The prompt for the scenario being played: its words help whisper spell them.
pub(crate) fn prompt(call: Option<&ActiveCall>) -> String {
    call.map(ActiveCall::speech_prompt).unwrap_or_default()
}

/// Reports from the voice thread: state for the screens, and the recognised reply into the
/// field (sent at once in an exam, where it goes as heard).
pub(crate) fn receive(
    link: Option<Res<VoiceLink>>,
    mut state: ResMut<VoiceState>,
    mut heard: ResMut<HeardReply>,
    mut draft: ResMut<Draft>,
    mut actions: MessageWriter<Action>,
    exam: Res<ExamState>,
    settings: Option<Res<VoiceSettings>>,
    call: Option<Res<ActiveCall>>,
    screen: Res<State<Screen>>,
    time: Res<Time>,
) {
    let Some(link) = link else { return };
    // A spoken reply the trainee erased is typed from here on.
    if draft.0.trim().is_empty() && heard.seconds.is_some() && !state.recognising {
        heard.seconds = None;
    }
    let Ok(reports) = link.reports.lock() else {
        return;
    };
    while let Ok(report) = reports.try_recv() {
        match &report {
            VoiceReport::Opened(name) => {
                state.microphone = MicrophoneState::Open(name.clone());
                state.status = format!("Микрофон: {name}. Удерживайте F3 и говорите.");
            }
            VoiceReport::NoMicrophone(reason) => {
                state.microphone = MicrophoneState::Missing(reason.clone());
                state.status = capitalised(reason);
            }
            VoiceReport::ModelReady => {
                state.model_ready = true;
                state.installing = None;
            }
            VoiceReport::ModelMissing => {
                state.model_ready = false;
                // Without a microphone the model is beside the point: that message stays.
                if !matches!(state.microphone, MicrophoneState::Missing(_)) {
                    state.status = "Модель распознавания ещё не установлена: она установится при первом ответе голосом (загрузка около 140 МБ, один раз).".to_owned();
                }
            }
            VoiceReport::Installing(share) => {
                state.installing = Some(*share);
                state.status = format!(
                    "Устанавливаю модель распознавания: {:.0} %. Пока можно отвечать с клавиатуры.",
                    share * 100.0
                );
            }
            VoiceReport::ModelFailed(reason) => {
                state.installing = None;
                state.recognising = false;
                state.status = capitalised(reason);
            }
            VoiceReport::Recognising(seconds) => {
                state.recognising = true;
                state.status = format!("Распознаю {} с речи…", tenths(f64::from(*seconds)));
            }
            VoiceReport::Heard {
                text,
                seconds,
                waited_ms,
                during_pause,
            } => {
                state.recognising = false;
                let waited = *waited_ms as f64 / 1000.0;
                state.status = format!(
                    "{} {}",
                    if *during_pause {
                        "Распознано во время паузы.".to_owned()
                    } else {
                        format!("Распознано за {} с.", tenths(waited))
                    },
                    if exam.calling().is_some() {
                        "Ответ отправлен как услышан."
                    } else {
                        "Исправьте, если нужно, и нажмите Enter."
                    }
                );
                if *screen.get() == Screen::Call {
                    // Voice activity has no key press: the reply began its length before it
                    // ended.
                    if heard.seconds.is_none()
                        && settings
                            .as_ref()
                            .is_some_and(|settings| settings.voice_activity)
                    {
                        heard.started = time.elapsed_secs_f64() - waited - f64::from(*seconds);
                        heard.on_hold = call.as_deref().is_some_and(ActiveCall::on_hold);
                    }
                    if heard.seconds.is_some() && !draft.0.trim().is_empty() {
                        draft.0.push(' ');
                        draft.0.push_str(text);
                    } else {
                        draft.0 = text.clone();
                    }
                    heard.seconds = Some(heard.seconds.unwrap_or(0.0) + seconds);
                    if exam.calling().is_some() {
                        actions.write(Action::Send);
                    }
                }
            }
            VoiceReport::NothingHeard => {
                state.recognising = false;
                state.status =
                    "Ничего не слышно: говорите громче или ближе к микрофону.".to_owned();
                // Voice-activity mode keeps listening until the call ends.
                if *screen.get() == Screen::Call
                    && settings
                        .as_ref()
                        .is_some_and(|settings| settings.voice_activity)
                {
                    link.send(Command::Listen {
                        prompt: prompt(call.as_deref()),
                    });
                }
            }
            VoiceReport::Devices(devices) => state.devices = devices.clone(),
        }
    }
}

/// Marks the line that shows the microphone's level and the speech status.
#[derive(Component)]
pub struct VoiceView;

/// The level as a meter of ten cells.
fn meter(level: f32) -> String {
    // Speech sits around 0.02–0.3 RMS: a square root spreads it over the meter.
    let filled = ((level.max(0.0).sqrt() * 20.0).round() as usize).min(10);
    format!("{}{}", "▮".repeat(filled), "▯".repeat(10 - filled))
}

fn show_voice(
    link: Option<Res<VoiceLink>>,
    state: Res<VoiceState>,
    settings: Option<Res<VoiceSettings>>,
    screen: Res<State<Screen>>,
    mut views: Query<&mut Text, With<VoiceView>>,
) {
    let Some(link) = link else { return };
    let open = matches!(state.microphone, MicrophoneState::Open(_));
    let listening = state.recording
        || open
            && (*screen.get() == Screen::Settings
                || settings.is_some_and(|settings| settings.voice_activity));
    let line = if listening {
        format!("Микрофон {} · {}", meter(link.level()), state.status)
    } else {
        state.status.clone()
    };
    for mut text in &mut views {
        text.set_if_neq(Text(line.clone()));
    }
}
