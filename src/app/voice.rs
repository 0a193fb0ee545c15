//! Speaking a reply: the microphone and whisper on a worker thread of their own, so the frame
//! never waits for them. In the call the trainee holds F3 (or the button) and speaks — or, in
//! voice-activity mode, just speaks and pauses; the level meter moves while recording and the
//! recognised text lands in the reply field. The model is installed on first use; without a
//! microphone the app says so and the keyboard keeps working. While a reply is recognised
//! whisper has every core and the window rests until the voice thread wakes it with the text.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bevy::ecs::system::SystemParam;
use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
use bevy::winit::{EventLoopProxyWrapper, UpdateMode, WinitSettings, WinitUserEvent};
use callcoach_core::text::{capitalised, tenths};
use callcoach_speech::convert::Precision;
use callcoach_speech::mic::{Microphone, Recording, input_devices};
use callcoach_speech::model;
use callcoach_speech::transcribe::{Recogniser, Transcription, default_threads};
use serde::{Deserialize, Serialize};

use super::call::ActiveCall;
use super::draft::Draft;
use super::exam::ExamState;
use super::theme::{self, Action, UiFont};
use super::{AppConfig, AppSystems, Screen};

/// What the trainee chose on the settings screen, kept in `settings.ron` beside the database.
#[derive(Resource, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VoiceSettings {
    /// The microphone by name; the system's default when absent.
    pub device: Option<String>,
    /// Listen all the time and end a reply at a pause, instead of push-to-talk.
    pub voice_activity: bool,
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
enum Command {
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
}

/// What the voice thread tells the frame.
#[derive(Clone, Debug, PartialEq)]
enum VoiceReport {
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
type Waker = Option<Box<dyn Fn() + Send>>;

/// The voice thread's handle.
#[derive(Resource)]
pub struct VoiceLink {
    commands: Sender<Command>,
    reports: Mutex<Receiver<VoiceReport>>,
    microphone: Arc<Mutex<Option<Arc<Microphone>>>>,
    cancel: Arc<AtomicBool>,
}

impl VoiceLink {
    fn send(&self, command: Command) {
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

/// How long a reply may last in voice-activity mode.
const LISTEN_LIMIT: Duration = Duration::from_secs(30);
/// The pause that ends a reply in voice-activity mode.
const END_OF_REPLY: Duration = Duration::from_millis(800);

/// The voice thread: owns the open microphone and the recogniser (loaded once, kept warm).
fn spawn_worker(model_path: PathBuf, threads: usize, waker: Waker) -> VoiceLink {
    let (commands, incoming) = channel::<Command>();
    let (reports, outgoing) = channel::<VoiceReport>();
    let microphone: Arc<Mutex<Option<Arc<Microphone>>>> = Arc::default();
    let cancel = Arc::new(AtomicBool::new(false));
    let shared = Arc::clone(&microphone);
    let cancelled = Arc::clone(&cancel);
    let spawned = std::thread::Builder::new()
        .name("voice".to_owned())
        .spawn(move || {
            let mut worker = Worker {
                model_path,
                threads,
                recogniser: None,
                microphone: shared,
                cancel: cancelled,
                reports,
                waker,
            };
            while let Ok(command) = incoming.recv() {
                worker.handle(command);
            }
        });
    if let Err(error) = spawned {
        error!("the voice thread did not start: {error}");
    }
    VoiceLink {
        commands,
        reports: Mutex::new(outgoing),
        microphone,
        cancel,
    }
}

struct Worker {
    model_path: PathBuf,
    threads: usize,
    recogniser: Option<Recogniser>,
    microphone: Arc<Mutex<Option<Arc<Microphone>>>>,
    cancel: Arc<AtomicBool>,
    reports: Sender<VoiceReport>,
    waker: Waker,
}

impl Worker {
    fn report(&self, report: VoiceReport) {
        let _ = self.reports.send(report);
        if let Some(wake) = &self.waker {
            wake();
        }
    }

    fn microphone(&self) -> Option<Arc<Microphone>> {
        self.microphone.lock().ok().and_then(|guard| guard.clone())
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Open(device) => {
                if let Ok(mut open) = self.microphone.lock() {
                    // The old stream ends before the new one opens: one device at a time.
                    *open = None;
                }
                match Microphone::open(device.as_deref()) {
                    Ok(opened) => {
                        let name = opened.device.clone();
                        if let Ok(mut open) = self.microphone.lock() {
                            *open = Some(Arc::new(opened));
                        }
                        self.report(VoiceReport::Opened(name));
                    }
                    Err(error) => self.report(VoiceReport::NoMicrophone(error.to_string())),
                }
            }
            Command::Start => {
                if let Some(microphone) = self.microphone() {
                    microphone.start();
                }
            }
            Command::Stop { prompt } => {
                if let Some(microphone) = self.microphone() {
                    let recording = microphone.stop();
                    self.recognise(&recording, Instant::now(), &prompt, None);
                }
            }
            Command::Listen { prompt } => {
                self.cancel.store(false, Ordering::SeqCst);
                let Some(microphone) = self.microphone() else {
                    return;
                };
                // While the trainee pauses the reply is already being recognised (with the model
                // loaded; it is installed, if need be, once the reply is over).
                let recogniser = &mut self.recogniser;
                let listened =
                    microphone.listen(LISTEN_LIMIT, END_OF_REPLY, &self.cancel, |so_far| {
                        recogniser
                            .as_mut()
                            .map(|recogniser| recogniser.transcribe(&so_far.samples, &prompt))
                    });
                if let Some(listened) = listened {
                    let ended = Instant::now()
                        .checked_sub(listened.late)
                        .unwrap_or_else(Instant::now);
                    let ahead = listened.ahead.flatten().and_then(Result::ok);
                    self.recognise(&listened.recording, ended, &prompt, ahead);
                } else if !self.cancel.load(Ordering::SeqCst) {
                    self.report(VoiceReport::NothingHeard);
                }
            }
            Command::Cancel => {
                if let Some(microphone) = self.microphone() {
                    microphone.stop();
                }
            }
            Command::Prepare { install } => {
                self.load(install);
            }
            Command::Devices => self.report(VoiceReport::Devices(input_devices())),
        }
    }

    /// Loads the model once; installs it first when asked and it is missing.
    fn load(&mut self, install: bool) -> bool {
        if self.recogniser.is_some() {
            return true;
        }
        if !self.model_path.is_file() {
            if !install {
                self.report(VoiceReport::ModelMissing);
                return false;
            }
            let reports = self.reports.clone();
            let mut shown = -1.0f32;
            let installed = model::install(&self.model_path, Precision::Q8_0, &mut |share| {
                if share - shown >= 0.01 {
                    shown = share;
                    let _ = reports.send(VoiceReport::Installing(share));
                }
            });
            if let Err(error) = installed {
                self.report(VoiceReport::ModelFailed(format!(
                    "модель распознавания не установлена: {error}. Установите её командой callcoach model install; отвечать можно с клавиатуры."
                )));
                return false;
            }
        }
        let loaded = model::verify(&self.model_path)
            .map_err(|error| error.to_string())
            .and_then(|()| {
                Recogniser::load(&self.model_path, self.threads).map_err(|error| error.to_string())
            });
        match loaded {
            Ok(recogniser) => {
                self.recogniser = Some(recogniser);
                self.report(VoiceReport::ModelReady);
                true
            }
            Err(error) => {
                self.report(VoiceReport::ModelFailed(format!(
                    "{error}. Отвечать можно с клавиатуры."
                )));
                false
            }
        }
    }

    /// Reports what `recording` (a reply that `ended` then) says: `ahead`, when it was
    /// recognised during the closing pause, or else recognised now.
    fn recognise(
        &mut self,
        recording: &Recording,
        ended: Instant,
        prompt: &str,
        ahead: Option<Transcription>,
    ) {
        let during_pause = ahead.is_some();
        let heard = match ahead {
            Some(heard) => Ok(heard),
            None => {
                self.report(VoiceReport::Recognising(recording.seconds));
                if !self.load(true) {
                    return;
                }
                let Some(recogniser) = &mut self.recogniser else {
                    return;
                };
                recogniser.transcribe(&recording.samples, prompt)
            }
        };
        match heard {
            Ok(heard) if !heard.text.is_empty() => self.report(VoiceReport::Heard {
                text: heard.text,
                seconds: recording.seconds,
                waited_ms: u64::try_from(ended.elapsed().as_millis()).unwrap_or(u64::MAX),
                during_pause,
            }),
            Ok(_) => self.report(VoiceReport::NothingHeard),
            Err(error) => self.report(VoiceReport::ModelFailed(error.to_string())),
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<VoiceState>();
    app.init_resource::<HeardReply>();
    app.add_systems(Startup, start);
    // After the call has started: voice activity's first prompt is the call's scenario.
    app.add_systems(
        OnEnter(Screen::Call),
        open_for_call.after(super::call::start),
    );
    app.add_systems(OnExit(Screen::Call), leave_call);
    app.add_systems(
        OnEnter(Screen::Settings),
        (open_for_settings, spawn_settings),
    );
    app.add_systems(
        Update,
        (
            receive.in_set(AppSystems::Input),
            (push_to_talk, talk_button)
                .in_set(AppSystems::Input)
                .after(receive)
                .run_if(in_state(Screen::Call)),
            settings_act
                .in_set(AppSystems::Act)
                .run_if(in_state(Screen::Settings)),
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
    commands.insert_resource(spawn_worker(
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
fn prompt(call: Option<&ActiveCall>) -> String {
    call.map(ActiveCall::speech_prompt).unwrap_or_default()
}

fn open_for_call(
    link: Option<Res<VoiceLink>>,
    settings: Option<Res<VoiceSettings>>,
    call: Option<Res<ActiveCall>>,
    mut state: ResMut<VoiceState>,
    mut heard: ResMut<HeardReply>,
) {
    let (Some(link), Some(settings)) = (link, settings) else {
        return;
    };
    *heard = HeardReply::default();
    state.recording = false;
    state.recognising = false;
    if state.microphone == MicrophoneState::Closed {
        link.send(Command::Open(settings.device.clone()));
    }
    link.send(Command::Prepare { install: false });
    if settings.voice_activity {
        link.send(Command::Listen {
            prompt: prompt(call.as_deref()),
        });
    }
}

fn leave_call(link: Option<Res<VoiceLink>>, mut state: ResMut<VoiceState>) {
    if let Some(link) = link {
        link.send(Command::Cancel);
    }
    state.recording = false;
}

/// Reports from the voice thread: state for the screens, and the recognised reply into the
/// field (sent at once in an exam, where it goes as heard).
fn receive(
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

/// What pressing and releasing the talk key (or button) works on.
#[derive(SystemParam)]
struct Talk<'w> {
    link: Option<Res<'w, VoiceLink>>,
    settings: Option<Res<'w, VoiceSettings>>,
    call: Option<Res<'w, ActiveCall>>,
    state: ResMut<'w, VoiceState>,
    heard: ResMut<'w, HeardReply>,
    time: Res<'w, Time>,
}

impl Talk<'_> {
    /// The key or button went down (`pressed`) or up.
    fn talk(&mut self, pressed: bool) {
        let Some(link) = &self.link else { return };
        let call = self.call.as_deref();
        let state = &mut *self.state;
        if self
            .settings
            .as_ref()
            .is_some_and(|settings| settings.voice_activity)
        {
            state.status =
                "Включён режим голосовой активности: просто говорите, пауза завершает ответ."
                    .to_owned();
            return;
        }
        if let MicrophoneState::Missing(reason) = &state.microphone {
            state.status = capitalised(reason);
            return;
        }
        if let Some(share) = state.installing {
            state.status = format!(
                "Модель распознавания ещё устанавливается ({:.0} %): ответьте с клавиатуры или подождите.",
                share * 100.0
            );
            return;
        }
        let now = self.time.elapsed_secs_f64();
        match (pressed, state.recording) {
            (true, false) => {
                let on_hold = call.is_some_and(ActiveCall::on_hold);
                link.send(Command::Start);
                state.recording = true;
                if self.heard.seconds.is_none() {
                    self.heard.started = now;
                    self.heard.on_hold = on_hold;
                }
                state.status = "Говорите… (отпустите F3, когда закончите)".to_owned();
            }
            (false, true) => {
                state.recording = false;
                state.recognising = true;
                link.send(Command::Stop {
                    prompt: prompt(call),
                });
            }
            _ => {}
        }
    }
}

/// Push-to-talk: F3 down starts recording, F3 up recognises.
fn push_to_talk(mut keys: MessageReader<KeyboardInput>, mut talk: Talk) {
    for key in keys.read() {
        if key.logical_key == Key::F3 && !key.repeat {
            talk.talk(key.state == ButtonState::Pressed);
        }
    }
}

/// The talk button works as F3: held down, it records.
fn talk_button(
    buttons: Query<&Interaction, (Changed<Interaction>, With<TalkButton>)>,
    mut talk: Talk,
) {
    for interaction in &buttons {
        let pressed = *interaction == Interaction::Pressed;
        if pressed != talk.state.recording {
            talk.talk(pressed);
        }
    }
}

/// Marks the button that records while held.
#[derive(Component)]
pub struct TalkButton;

/// After a spoken reply is sent, voice-activity mode listens for the next one.
pub(super) fn listen_again(
    link: Option<&VoiceLink>,
    settings: Option<&VoiceSettings>,
    call: Option<&ActiveCall>,
) {
    if let (Some(link), Some(settings)) = (link, settings)
        && settings.voice_activity
        && call.is_some_and(|call| !call.is_over())
    {
        link.send(Command::Listen {
            prompt: prompt(call),
        });
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

#[derive(Component)]
struct SettingsBody;

fn open_for_settings(link: Option<Res<VoiceLink>>, settings: Option<Res<VoiceSettings>>) {
    let (Some(link), Some(settings)) = (link, settings) else {
        return;
    };
    link.send(Command::Devices);
    // Opened on this screen too, so the meter shows whether the chosen device hears you.
    link.send(Command::Open(settings.device.clone()));
    link.send(Command::Prepare { install: false });
}

fn spawn_settings(mut commands: Commands, font: Res<UiFont>) {
    commands.spawn((
        theme::screen_root(Screen::Settings),
        children![
            theme::label(&font, "Настройки голоса", 30.0, theme::TEXT),
            (
                Node {
                    flex_direction: FlexDirection::Column,
                    row_gap: px(6),
                    ..default()
                },
                SettingsBody,
            ),
            (theme::label(&font, "", 16.0, theme::ACCENT), VoiceView),
            (
                Node::default(),
                children![
                    theme::button(
                        &font,
                        "Голосовая активность (V)",
                        Action::ToggleVoiceActivity
                    ),
                    theme::button(&font, "Установить модель (I)", Action::InstallModel),
                    theme::button(&font, "К сценариям (Esc)", Action::Scenarios),
                ]
            ),
        ],
    ));
}

/// The settings' lines: the devices to choose from, the mode and the model.
pub fn settings_lines(settings: &VoiceSettings, state: &VoiceState) -> Vec<String> {
    let mut lines = Vec::new();
    let chosen = |name: Option<&str>| {
        if settings.device.as_deref() == name {
            "● "
        } else {
            "○ "
        }
    };
    lines.push("Микрофон (цифра — выбрать):".to_owned());
    lines.push(format!("0. {}Системный по умолчанию", chosen(None)));
    for (index, device) in state.devices.iter().enumerate().take(9) {
        lines.push(format!("{}. {}{device}", index + 1, chosen(Some(device))));
    }
    if state.devices.is_empty() {
        lines.push(
            "Устройств записи нет: подключите микрофон; отвечать можно с клавиатуры.".to_owned(),
        );
    }
    lines.push(String::new());
    lines.push(if settings.voice_activity {
        "Режим: голосовая активность — говорите, пауза 0,8 с завершает ответ (V — переключить на F3).".to_owned()
    } else {
        "Режим: удерживайте F3, пока говорите (V — переключить на голосовую активность).".to_owned()
    });
    lines.push(match (state.model_ready, state.installing) {
        (true, _) => "Модель распознавания: установлена и загружена.".to_owned(),
        (false, Some(share)) => format!(
            "Модель распознавания: устанавливается, {:.0} %.",
            share * 100.0
        ),
        (false, None) => "Модель распознавания: не загружена (I — установить сейчас).".to_owned(),
    });
    lines
}

fn settings_act(
    mut commands: Commands,
    mut actions: MessageReader<Action>,
    mut keys: MessageReader<KeyboardInput>,
    link: Option<Res<VoiceLink>>,
    settings: Option<ResMut<VoiceSettings>>,
    config: Option<Res<AppConfig>>,
    mut state: ResMut<VoiceState>,
    font: Res<UiFont>,
    bodies: Query<Entity, With<SettingsBody>>,
    mut next: ResMut<NextState<Screen>>,
) {
    let (Some(link), Some(mut settings)) = (link, settings) else {
        return;
    };
    let mut changed = false;
    for key in keys.read() {
        if key.state != ButtonState::Pressed {
            continue;
        }
        let Some(digit) = key
            .text
            .as_ref()
            .and_then(|text| text.chars().next())
            .and_then(|c| c.to_digit(10))
        else {
            continue;
        };
        let device = match digit {
            0 => None,
            n => match state.devices.get(n as usize - 1) {
                Some(device) => Some(device.clone()),
                None => continue,
            },
        };
        settings.device = device;
        state.microphone = MicrophoneState::Closed;
        link.send(Command::Open(settings.device.clone()));
        changed = true;
    }
    for action in actions.read() {
        match action {
            Action::ToggleVoiceActivity => {
                settings.voice_activity = !settings.voice_activity;
                changed = true;
            }
            Action::InstallModel => {
                state.status = "Готовлю модель распознавания…".to_owned();
                link.send(Command::Prepare { install: true });
            }
            Action::Scenarios => next.set(Screen::Scenarios),
            _ => {}
        }
    }
    if changed
        && let Some(config) = &config
        && let Err(error) = settings.save(config)
    {
        state.status = format!(
            "Настройки не сохранены в {}: {error}.",
            VoiceSettings::file(config).display()
        );
    }
    if changed || state.is_changed() || settings.is_changed() {
        for body in &bodies {
            commands.entity(body).despawn_children();
            commands.entity(body).with_children(|body| {
                for line in settings_lines(&settings, &state) {
                    body.spawn(theme::label(&font, line, 18.0, theme::TEXT));
                }
            });
        }
    }
}
