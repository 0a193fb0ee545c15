//! The customer speaks in the call: each line is played through the speakers (the output chosen
//! in the voice settings, at its volume) on a thread of its own, so the frame never waits for
//! synthesis or a device. A scenario's lines are prepared in the background when its call
//! starts, the line being said always first; a trainer's recording of a line is played as
//! recorded. When the trainee starts speaking (voice activity hears them, or F3 goes down) or
//! sends a reply while the customer is still talking, the line stops there and the reply records
//! where ([`CustomerVoice::take_cut`]). Without a sound output or a synthesiser the call says so
//! once and goes on in text.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bevy::prelude::*;
use callcoach_core::scenario::Scenario;
use callcoach_speech::speaker::Speaker;
use callcoach_voice::{Mood, Synthesiser, line_audio, read_samples};

/// What the frame asks of the customer's voice.
pub(crate) enum Say {
    /// Open this output (the default when `None`), closing the one before.
    Open(Option<String>),
    /// Synthesise the scenario's lines not cached yet, between the lines being said.
    Prepare(Arc<Scenario>, Option<PathBuf>),
    /// Say this line now (after synthesising it, if it is not ready).
    Line {
        text: String,
        mood: f32,
        scenario: Arc<Scenario>,
        file: Option<PathBuf>,
    },
    /// Stop preparing (the call is over).
    StopPreparing,
    /// The volume, 0–1 (kept for outputs opened later).
    Volume(f32),
    /// List the sound outputs.
    Devices,
}

/// What the customer's voice tells the frame.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Spoken {
    /// The output is open.
    Opened(String),
    /// No sound: why, in Russian (said once in the call; the call goes on in text).
    Unavailable(String),
    /// The sound outputs the system offers.
    Devices(Vec<String>),
    /// A line began: its text and length (the latency is `speech/benches/customer_voice.rs`'s).
    Started { text: String, seconds: f64 },
}

/// The customer's voice: the thread's handle, and the speaker the barge-in stops directly.
#[derive(Resource)]
pub struct CustomerVoice {
    commands: Sender<Say>,
    reports: Mutex<Receiver<Spoken>>,
    speaker: Arc<Mutex<Option<Arc<Speaker>>>>,
    /// Seconds of the line said when the trainee cut in, until the reply takes it.
    cut: Arc<Mutex<Option<f64>>>,
    /// The latest cut, for the screen and the tests.
    timing: Arc<Mutex<Option<Cut>>>,
    preparing: Arc<AtomicBool>,
}

/// What the call screen shows about the customer's voice (kept as data, for tests).
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct CustomerSpeech {
    /// The line being said: its text and length.
    pub saying: Option<(String, f64)>,
    /// Seconds of it said so far.
    pub said: f64,
    /// The lines said in this call, in order, with their length (seconds).
    pub lines: Vec<(String, f64)>,
    /// Why there is no sound, once there is none.
    pub unavailable: Option<String>,
    /// The output's name, once open.
    pub output: Option<String>,
    /// The sound outputs the system offers (settings screen).
    pub devices: Vec<String>,
    /// The latest line the trainee cut short.
    pub cut: Option<Cut>,
}

impl CustomerVoice {
    pub(crate) fn send(&self, command: Say) {
        if matches!(command, Say::StopPreparing) {
            self.preparing.store(false, Ordering::SeqCst);
        }
        let _ = self.commands.send(command);
    }

    fn speaker(&self) -> Option<Arc<Speaker>> {
        self.speaker.lock().ok().and_then(|speaker| speaker.clone())
    }

    /// Stops the line being said, now: the trainee started speaking.
    pub fn cut_now(&self) {
        cut(&self.speaker, &self.cut, &self.timing, Instant::now());
    }

    /// What stops the line from another thread (the microphone's, when it hears the trainee
    /// start speaking at the instant it is given).
    pub fn cutter(&self) -> callcoach_speech::mic::OnSpeech {
        let (speaker, slot, timing) = (
            Arc::clone(&self.speaker),
            Arc::clone(&self.cut),
            Arc::clone(&self.timing),
        );
        Arc::new(move |onset| cut(&speaker, &slot, &timing, onset))
    }

    /// Where the trainee cut the customer's line short, taken once for the reply: the seconds
    /// said when they started speaking, or now if the line is still being said.
    pub fn take_cut(&self) -> Option<f64> {
        let cut = self.cut.lock().ok().and_then(|mut cut| cut.take());
        cut.or_else(|| self.speaker().and_then(|speaker| speaker.stop()))
    }

    /// The line being said: seconds said so far, while it plays.
    pub fn playing(&self) -> Option<f64> {
        self.speaker()
            .filter(|speaker| speaker.is_playing())
            .map(|speaker| speaker.played_seconds())
    }
}

/// Stops the speaker and keeps where, if a line was playing, and how long after the trainee
/// began (`onset`) the line stopped.
fn cut(
    speaker: &Mutex<Option<Arc<Speaker>>>,
    slot: &Mutex<Option<f64>>,
    timing: &Mutex<Option<Cut>>,
    onset: Instant,
) {
    let speaker = speaker.lock().ok().and_then(|speaker| speaker.clone());
    let Some(said) = speaker.and_then(|speaker| speaker.stop()) else {
        return;
    };
    if let Ok(mut slot) = slot.lock() {
        *slot = Some(said);
    }
    if let Ok(mut timing) = timing.lock() {
        *timing = Some(Cut {
            said,
            after_ms: Instant::now()
                .saturating_duration_since(onset)
                .as_secs_f64()
                * 1000.0,
        });
    }
}

/// A line cut short: where, and how long after the trainee began to speak it stopped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cut {
    /// Seconds of the line said.
    pub said: f64,
    /// Milliseconds from the trainee's first speech arriving from the microphone to the line
    /// stopping (0 for a key or a typed reply).
    pub after_ms: f64,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<CustomerSpeech>();
    app.add_systems(Startup, start);
    app.add_systems(Update, receive.in_set(super::AppSystems::Input));
}

fn start(mut commands: Commands, config: Option<Res<super::AppConfig>>) {
    let voice = spawn(Synthesiser::new(callcoach_voice::default_cache()));
    let settings = config
        .as_deref()
        .map(super::voice::VoiceSettings::load)
        .unwrap_or_default();
    voice.send(Say::Volume(settings.volume));
    voice.send(Say::Open(settings.speaker));
    commands.insert_resource(voice);
}

/// Starts the customer's voice thread.
fn spawn(synthesiser: Synthesiser) -> CustomerVoice {
    let (commands, incoming) = channel::<Say>();
    let (reports, outgoing) = channel::<Spoken>();
    let speaker: Arc<Mutex<Option<Arc<Speaker>>>> = Arc::default();
    let preparing = Arc::new(AtomicBool::new(false));
    let (shared, preparing_flag) = (Arc::clone(&speaker), Arc::clone(&preparing));
    let cut: Arc<Mutex<Option<f64>>> = Arc::default();
    let cleared = Arc::clone(&cut);
    let spawned = std::thread::Builder::new()
        .name("customer-voice".to_owned())
        .spawn(move || {
            let mut thread = VoiceThread {
                synthesiser,
                cut: cleared,
                speaker: shared,
                reports,
                prepare: Vec::new(),
                preparing: preparing_flag,
                said_unavailable: false,
                volume: 0.8,
            };
            thread.run(&incoming);
        });
    if let Err(error) = spawned {
        error!("the customer's voice thread did not start: {error}");
    }
    CustomerVoice {
        commands,
        reports: Mutex::new(outgoing),
        speaker,
        cut,
        timing: Arc::default(),
        preparing,
    }
}

struct VoiceThread {
    synthesiser: Synthesiser,
    /// Where the trainee cut the line before: cleared when a new line starts.
    cut: Arc<Mutex<Option<f64>>>,
    speaker: Arc<Mutex<Option<Arc<Speaker>>>>,
    reports: Sender<Spoken>,
    /// Lines still to prepare: text, mood, the scenario's voice.
    prepare: Vec<(String, Mood, callcoach_core::scenario::Voice)>,
    preparing: Arc<AtomicBool>,
    said_unavailable: bool,
    volume: f32,
}

impl VoiceThread {
    fn run(&mut self, incoming: &Receiver<Say>) {
        loop {
            // A line to say comes before preparing the next.
            let command = match incoming.try_recv() {
                Ok(command) => command,
                Err(TryRecvError::Empty) if !self.prepare.is_empty() => {
                    self.prepare_one();
                    continue;
                }
                Err(TryRecvError::Empty) => match incoming.recv() {
                    Ok(command) => command,
                    Err(_) => return,
                },
                Err(TryRecvError::Disconnected) => return,
            };
            self.handle(command);
        }
    }

    fn unavailable(&mut self, reason: String) {
        if !self.said_unavailable {
            self.said_unavailable = true;
            let _ = self.reports.send(Spoken::Unavailable(reason));
        }
    }

    fn handle(&mut self, command: Say) {
        match command {
            Say::Open(device) => {
                if let Ok(mut speaker) = self.speaker.lock() {
                    *speaker = None;
                }
                match Speaker::open(device.as_deref()) {
                    Ok(speaker) => {
                        speaker.set_volume(self.volume);
                        let name = speaker.device.clone();
                        if let Ok(mut shared) = self.speaker.lock() {
                            *shared = Some(Arc::new(speaker));
                        }
                        self.said_unavailable = false;
                        let _ = self.reports.send(Spoken::Opened(name));
                    }
                    Err(error) => self.unavailable(error.to_string()),
                }
            }
            // Nothing to prepare for when nothing can be heard.
            Say::Prepare(..)
                if self
                    .speaker
                    .lock()
                    .map_or(true, |speaker| speaker.is_none()) => {}
            Say::Prepare(scenario, file) => {
                self.preparing.store(true, Ordering::SeqCst);
                let voice = &scenario.customer.voice;
                self.prepare = scenario
                    .customer_lines()
                    .into_iter()
                    .filter(|line| {
                        file.as_deref()
                            .and_then(|file| voice.recording(file, &line.id))
                            .is_none()
                    })
                    .map(|line| (line.text, Mood::of(line.mood), voice.clone()))
                    .collect();
                // Popped from the end: the first lines of the call first.
                self.prepare.reverse();
            }
            Say::StopPreparing => self.prepare.clear(),
            Say::Volume(volume) => {
                self.volume = volume;
                if let Some(speaker) = self.speaker.lock().ok().and_then(|speaker| speaker.clone())
                {
                    speaker.set_volume(volume);
                }
            }
            Say::Devices => {
                let _ = self
                    .reports
                    .send(Spoken::Devices(callcoach_speech::speaker::output_devices()));
            }
            Say::Line {
                text,
                mood,
                scenario,
                file,
            } => self.say(&text, mood, &scenario, file.as_deref()),
        }
    }

    fn prepare_one(&mut self) {
        if !self.preparing.load(Ordering::SeqCst) {
            self.prepare.clear();
            return;
        }
        let Some((text, mood, voice)) = self.prepare.pop() else {
            return;
        };
        if let Err(error) = self.synthesiser.speak(&text, &voice, mood)
            && error != callcoach_voice::VoiceError::Empty
        {
            // No synthesiser: nothing more to prepare; the call is told once.
            self.prepare.clear();
            self.unavailable(error.to_string());
        }
    }

    fn say(&mut self, text: &str, mood: f32, scenario: &Scenario, file: Option<&std::path::Path>) {
        let Some(speaker) = self.speaker.lock().ok().and_then(|speaker| speaker.clone()) else {
            return;
        };
        let audio = line_audio(&self.synthesiser, scenario, file, text, mood)
            .and_then(|audio| read_samples(&audio.path));
        match audio {
            Ok((samples, rate)) => {
                // Two lines of one turn («Алло?», then hanging up) are said one after the
                // other; a reply cuts the first before the next is asked for.
                let waiting = Instant::now();
                while speaker.is_playing() && waiting.elapsed().as_secs() < 60 {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                let seconds = samples.len() as f64 / f64::from(rate.max(1));
                if let Ok(mut cut) = self.cut.lock() {
                    *cut = None;
                }
                speaker.play(&samples, rate);
                let _ = self.reports.send(Spoken::Started {
                    text: text.to_owned(),
                    seconds,
                });
            }
            Err(error) => self.unavailable(error.to_string()),
        }
    }
}

/// Reports from the customer's voice into [`CustomerSpeech`], and the line's progress.
fn receive(voice: Option<Res<CustomerVoice>>, mut speech: ResMut<CustomerSpeech>) {
    let Some(voice) = voice else { return };
    if let Ok(reports) = voice.reports.lock() {
        while let Ok(report) = reports.try_recv() {
            match report {
                Spoken::Opened(name) => {
                    speech.output = Some(name);
                    speech.unavailable = None;
                }
                Spoken::Unavailable(reason) => speech.unavailable = Some(reason),
                Spoken::Devices(devices) => speech.devices = devices,
                Spoken::Started { text, seconds } => {
                    speech.lines.push((text.clone(), seconds));
                    speech.saying = Some((text, seconds));
                    speech.said = 0.0;
                }
            }
        }
    }
    if let Some(cut) = voice
        .timing
        .lock()
        .ok()
        .and_then(|mut timing| timing.take())
    {
        speech.cut = Some(cut);
    }
    match voice.playing() {
        Some(said) if speech.said != said => speech.said = said,
        Some(_) => {}
        None if speech.saying.is_some() => speech.saying = None,
        None => {}
    }
}
