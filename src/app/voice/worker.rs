//! The voice thread: it owns the open microphone and the recogniser (loaded once, kept warm),
//! so the frame never waits for either; commands come from the screens, reports go back to
//! [`super::receive`]. Listening for a reply is the speech crate's, shared with `play --voice`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bevy::prelude::*;
use callcoach_speech::convert::Precision;
use callcoach_speech::mic::{Microphone, Recording, input_devices};
use callcoach_speech::model;
use callcoach_speech::reply::{Heard, RecogniseReply, listen_for_reply, recognise_reply};
use callcoach_speech::transcribe::{Recogniser, TranscribeError, Transcription};

use super::{Command, VoiceLink, VoiceReport, Waker};

/// The voice thread: owns the open microphone and the recogniser (loaded once, kept warm).
pub(super) fn spawn_worker(model_path: PathBuf, threads: usize, waker: Waker) -> VoiceLink {
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
                on_speech: None,
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
    /// Stops the customer when listening hears the trainee.
    on_speech: Option<callcoach_speech::mic::OnSpeech>,
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
                        opened.set_on_speech(self.on_speech.clone());
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
                    let heard = recognise_reply(&recording, Instant::now(), &prompt, None, self);
                    self.report_heard(heard);
                }
            }
            Command::Listen { prompt } => {
                self.cancel.store(false, Ordering::SeqCst);
                let Some(microphone) = self.microphone() else {
                    return;
                };
                let cancel = Arc::clone(&self.cancel);
                match listen_for_reply(&microphone, &cancel, &prompt, self) {
                    Some(heard) => self.report_heard(heard),
                    None if !cancel.load(Ordering::SeqCst) => {
                        self.report(VoiceReport::NothingHeard);
                    }
                    None => {}
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
            Command::OnSpeech(hook) => {
                if let Some(microphone) = self.microphone() {
                    microphone.set_on_speech(Some(Arc::clone(&hook)));
                }
                self.on_speech = Some(hook);
            }
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

    /// Tells the frame what a reply came to.
    fn report_heard(&self, heard: Heard) {
        match heard {
            Heard::Reply(reply) => self.report(VoiceReport::Heard {
                text: reply.text,
                seconds: reply.seconds,
                waited_ms: u64::try_from(reply.waited.as_millis()).unwrap_or(u64::MAX),
                during_pause: reply.during_pause,
            }),
            Heard::Unrecognised => self.report(VoiceReport::NothingHeard),
            Heard::Failed(reason) => self.report(VoiceReport::ModelFailed(reason)),
            // `load` has said why.
            Heard::NoRecogniser => {}
        }
    }
}

/// The app's recogniser: while the trainee pauses only a model already loaded is used; after
/// the reply the model is loaded — installed first, if need be — and the screen says so.
impl RecogniseReply for Worker {
    fn during_pause(
        &mut self,
        recording: &Recording,
        prompt: &str,
    ) -> Option<Result<Transcription, TranscribeError>> {
        self.recogniser
            .as_mut()
            .map(|recogniser| recogniser.transcribe(&recording.samples, prompt))
    }

    fn after_reply(
        &mut self,
        recording: &Recording,
        prompt: &str,
    ) -> Option<Result<Transcription, TranscribeError>> {
        self.report(VoiceReport::Recognising(recording.seconds));
        if !self.load(true) {
            return None;
        }
        self.recogniser
            .as_mut()
            .map(|recogniser| recogniser.transcribe(&recording.samples, prompt))
    }
}
