//! The microphone through cpal: the chosen input device (or the default) at its own rate and
//! channel count, mixed to mono as it arrives, with a level for the meter; a recording is
//! resampled to 16 kHz when it ends. The stream lives on its own thread (a cpal stream may not
//! move between threads), so the handle can be kept anywhere.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{SizedSample, StreamConfig};

use crate::audio::resample;
use crate::device::{self, Direction, Problem, by_format, unusable};

/// Why the microphone is not available (Russian, for the user); the app keeps working with the
/// keyboard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MicError {
    /// No input device, or it cannot be opened.
    #[error(
        "микрофон не найден ({0}). Подключите микрофон или выберите другой в настройках; отвечать можно с клавиатуры."
    )]
    NoMicrophone(String),
    /// The named device does not exist.
    #[error("микрофона «{0}» нет. Доступны: {1}")]
    UnknownDevice(String, String),
}

/// Called when a listening microphone first hears speech (the customer stops talking), with
/// the instant the audio holding the speech's first frame arrived from the device.
pub type OnSpeech = Arc<dyn Fn(Instant) + Send + Sync>;

/// What the microphone thread shares with the handle.
struct Shared {
    recording: AtomicBool,
    samples: Mutex<Vec<f32>>,
    /// RMS of the latest buffer, as f32 bits.
    level: AtomicU32,
    /// Told when [`Microphone::listen`] first hears speech.
    on_speech: Mutex<Option<OnSpeech>>,
    /// While recording: when each buffer arrived, and how many samples there were then.
    arrivals: Mutex<Vec<(Instant, usize)>>,
}

/// An open microphone.
pub struct Microphone {
    shared: Arc<Shared>,
    /// Dropping it ends the stream's thread.
    _stop: Sender<()>,
    /// The device's name.
    pub device: String,
    /// Its sample rate.
    pub rate: u32,
    /// Its channel count.
    pub channels: u16,
}

impl std::fmt::Debug for Microphone {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "Microphone({}, {} Hz, {} ch)",
            self.device, self.rate, self.channels
        )
    }
}

/// A finished recording.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recording {
    /// 16 kHz mono.
    pub samples: Vec<f32>,
    /// Its length.
    pub seconds: f32,
}

/// A voice-activity reply: the recording, and what was made of it while the trainee paused.
#[derive(Clone, Debug, PartialEq)]
pub struct Listened<T> {
    /// The reply as recorded: the words and the closing pause, nothing after it.
    pub recording: Recording,
    /// The result of the look-ahead on the audio up to the pause, when nothing was said after
    /// it (so it covers the whole reply).
    pub ahead: Option<T>,
    /// How long after the reply's end listening noticed it (the audio cut from the recording):
    /// next to nothing, unless the look-ahead kept the listening thread busy.
    pub late: Duration,
}

/// Quiet after speech after which [`Microphone::listen`] looks ahead: long enough that most
/// pauses between phrases are over by then, short enough that the look-ahead (a third of a
/// second on two cores) ends before the reply does.
pub const LOOK_AHEAD_AFTER: Duration = Duration::from_millis(300);

/// The names of the input devices.
pub fn input_devices() -> Vec<String> {
    device::names(Direction::Input)
}

impl Microphone {
    /// Opens `device` (by name; the default input when `None`) and starts listening; nothing is
    /// kept until [`Microphone::start`].
    pub fn open(device: Option<&str>) -> Result<Microphone, MicError> {
        let shared = Arc::new(Shared {
            recording: AtomicBool::new(false),
            samples: Mutex::new(Vec::new()),
            level: AtomicU32::new(0),
            on_speech: Mutex::new(None),
            arrivals: Mutex::new(Vec::new()),
        });
        let (ready_sender, ready) = channel();
        let (stop, stopped) = channel::<()>();
        let wanted = device.map(str::to_owned);
        let for_thread = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("microphone".to_owned())
            .spawn(move || {
                match start_stream(wanted.as_deref(), for_thread) {
                    Ok((stream, info)) => {
                        let _ = ready_sender.send(Ok(info));
                        // Keep the stream until the handle is dropped.
                        let _ = stopped.recv();
                        drop(stream);
                    }
                    Err(error) => {
                        let _ = ready_sender.send(Err(error));
                    }
                }
            })
            .map_err(|error| {
                MicError::from(unusable(
                    Direction::Input,
                    "не удалось запустить поток микрофона",
                )(error))
            })?;
        let (device, rate, channels) = ready
            .recv()
            .map_err(|_| MicError::NoMicrophone("поток микрофона не запустился".to_owned()))??;
        Ok(Microphone {
            shared,
            _stop: stop,
            device,
            rate,
            channels,
        })
    }

    /// What to call when listening first hears speech: the barge-in that stops the customer.
    pub fn set_on_speech(&self, hook: Option<OnSpeech>) {
        if let Ok(mut on_speech) = self.shared.on_speech.lock() {
            *on_speech = hook;
        }
    }

    /// Starts keeping what is heard (push-to-talk pressed).
    pub fn start(&self) {
        if let Ok(mut samples) = self.shared.samples.lock() {
            samples.clear();
        }
        if let Ok(mut arrivals) = self.shared.arrivals.lock() {
            arrivals.clear();
        }
        self.shared.recording.store(true, Ordering::SeqCst);
    }

    /// Stops and returns the recording at 16 kHz (push-to-talk released).
    pub fn stop(&self) -> Recording {
        self.recording(&self.take())
    }

    /// Stops and hands over what was recorded, at the device's rate.
    fn take(&self) -> Vec<f32> {
        self.shared.recording.store(false, Ordering::SeqCst);
        self.shared
            .samples
            .lock()
            .map(|mut samples| std::mem::take(&mut *samples))
            .unwrap_or_default()
    }

    /// When the buffer holding sample `index` of the recording arrived (now, if unknown).
    fn arrived(&self, index: usize) -> Instant {
        self.shared
            .arrivals
            .lock()
            .ok()
            .and_then(|arrivals| {
                arrivals
                    .iter()
                    .find(|(_, count)| *count > index)
                    .map(|(at, _)| *at)
            })
            .unwrap_or_else(Instant::now)
    }

    /// Audio at the device's rate as a 16 kHz recording.
    fn recording(&self, samples: &[f32]) -> Recording {
        let samples = resample(samples, self.rate).unwrap_or_default();
        let seconds = samples.len() as f32 / crate::transcribe::SAMPLE_RATE as f32;
        Recording { samples, seconds }
    }

    /// How loud the latest audio is (RMS, 0–1): the level meter.
    pub fn level(&self) -> f32 {
        f32::from_bits(self.shared.level.load(Ordering::Relaxed))
    }

    /// Voice-activity capture: records from now until speech has been heard and then
    /// `trailing` of quiet follows, or `limit` passes; `None` if nobody spoke. See
    /// [`VoiceActivity`]; a device that stops delivering counts as quiet after `trailing` of
    /// wall time. Setting `cancel` ends it at once with nothing.
    ///
    /// Once [`LOOK_AHEAD_AFTER`] of quiet follows speech, `ahead` is given the audio so far
    /// (recording goes on meanwhile): the reply's transcription can be under way before the
    /// pause has proved to be its end. Its result is kept only if nothing was said after it.
    pub fn listen<T>(
        &self,
        limit: Duration,
        trailing: Duration,
        cancel: &AtomicBool,
        mut ahead: impl FnMut(&Recording) -> T,
    ) -> Option<Listened<T>> {
        let mut activity = VoiceActivity::new(self.rate, trailing);
        self.start();
        let started = Instant::now();
        let mut seen = 0;
        let mut last_audio = Instant::now();
        // The look-ahead's result and how much audio it saw.
        let mut guess: Option<(usize, T)> = None;
        while started.elapsed() < limit {
            // Often enough that a barge-in stops the customer a frame after the voice begins.
            std::thread::sleep(Duration::from_millis(10));
            if cancel.load(Ordering::Relaxed) {
                self.stop();
                return None;
            }
            let Ok(samples) = self.shared.samples.lock() else {
                break;
            };
            if samples.len() > seen {
                seen = samples.len();
                last_audio = Instant::now();
            }
            let heard_before = activity.heard();
            let over = activity.update(&samples);
            if !heard_before
                && activity.heard()
                && let Some(hook) = self
                    .shared
                    .on_speech
                    .lock()
                    .ok()
                    .and_then(|hook| hook.clone())
            {
                hook(self.arrived(activity.onset()));
            }
            if guess
                .as_ref()
                .is_some_and(|(heard, _)| activity.spoke_after(*heard))
            {
                guess = None;
            }
            let look = (!over && guess.is_none() && activity.pausing(LOOK_AHEAD_AFTER))
                .then(|| samples.clone());
            drop(samples);
            if over || (activity.heard() && last_audio.elapsed() >= trailing) {
                break;
            }
            if let Some(audio) = look {
                guess = Some((audio.len(), ahead(&self.recording(&audio))));
            }
        }
        let mut samples = self.take();
        let end = activity.end().unwrap_or(samples.len());
        let late = Duration::from_secs_f64(
            samples.len().saturating_sub(end) as f64 / f64::from(self.rate.max(1)),
        );
        samples.truncate(end);
        activity.heard().then(|| Listened {
            recording: self.recording(&samples),
            ahead: guess
                .filter(|(heard, _)| !activity.spoke_after(*heard))
                .map(|(_, result)| result),
            late,
        })
    }
}

/// Where a spoken reply ends, judged on the recorded audio itself in 20 ms frames — not on the
/// level at the moments a thread happens to look — so a busy machine or audio arriving in
/// bursts changes nothing.
#[derive(Debug)]
pub struct VoiceActivity {
    frame: usize,
    trailing_frames: usize,
    checked: usize,
    heard: bool,
    quiet_frames: usize,
    /// Where the last speech frame ends, in samples.
    speech_end: usize,
    /// Where the first speech frame starts, in samples.
    onset: usize,
    /// Where the reply ended (its closing pause included), in samples, once it has.
    end: Option<usize>,
}

/// A frame louder than this (RMS) is speech.
const SPEECH_LEVEL: f32 = 0.02;

impl VoiceActivity {
    /// For audio at `rate`; the reply ends after `trailing` of quiet following speech.
    pub fn new(rate: u32, trailing: Duration) -> VoiceActivity {
        VoiceActivity {
            frame: (rate as usize / 50).max(1),
            trailing_frames: usize::try_from(trailing.as_millis() / 20)
                .unwrap_or(usize::MAX)
                .max(1),
            checked: 0,
            heard: false,
            quiet_frames: 0,
            speech_end: 0,
            onset: 0,
            end: None,
        }
    }

    /// Looks at the audio recorded so far (from the start); `true` once the reply is over.
    /// Audio after the reply's end is not looked at: when it arrives in one late burst (the
    /// listening thread was busy), speech in it belongs to no reply.
    pub fn update(&mut self, samples: &[f32]) -> bool {
        while self.end.is_none() && samples.len() >= self.checked + self.frame {
            let chunk = &samples[self.checked..self.checked + self.frame];
            let rms = (chunk.iter().map(|s| s * s).sum::<f32>() / self.frame as f32).sqrt();
            if rms > SPEECH_LEVEL {
                if !self.heard {
                    self.onset = self.checked;
                }
                self.heard = true;
                self.quiet_frames = 0;
                self.speech_end = self.checked + self.frame;
            } else {
                self.quiet_frames += 1;
            }
            self.checked += self.frame;
            if self.heard && self.quiet_frames >= self.trailing_frames {
                self.end = Some(self.checked);
            }
        }
        self.end.is_some()
    }

    /// Where the reply ended, in samples from the start (its closing pause included), once
    /// [`VoiceActivity::update`] has said so: whatever the wall clock, the recording is this
    /// long.
    pub fn end(&self) -> Option<usize> {
        self.end
    }

    /// Where speech began, in samples from the start (0 until it has).
    pub fn onset(&self) -> usize {
        self.onset
    }

    /// Whether speech has been heard.
    pub fn heard(&self) -> bool {
        self.heard
    }

    /// Whether speech has been heard and at least `pause` of quiet follows it now.
    pub fn pausing(&self, pause: Duration) -> bool {
        self.heard && self.quiet_frames as u128 * 20 >= pause.as_millis()
    }

    /// Whether speech was heard after the first `samples` of the audio.
    pub fn spoke_after(&self, samples: usize) -> bool {
        self.speech_end > samples
    }
}

type StreamInfo = (String, u32, u16);

impl From<Problem> for MicError {
    fn from(problem: Problem) -> MicError {
        match problem {
            Problem::Unknown(wanted, there) => MicError::UnknownDevice(wanted, there.join(", ")),
            Problem::Unusable(reason) => MicError::NoMicrophone(reason),
        }
    }
}

fn start_stream(
    wanted: Option<&str>,
    shared: Arc<Shared>,
) -> Result<(cpal::Stream, StreamInfo), MicError> {
    let (device, name, config, format) = device::open(Direction::Input, wanted)?;
    let info = (name, config.sample_rate, config.channels);
    let channels = usize::from(config.channels);
    let stream = by_format!(format, build, &device, &config, channels, shared)?;
    stream
        .play()
        .map_err(unusable(Direction::Input, "не удалось начать запись"))?;
    Ok((stream, info))
}

fn build<T>(
    device: &cpal::Device,
    config: &StreamConfig,
    channels: usize,
    shared: Arc<Shared>,
) -> Result<cpal::Stream, Problem>
where
    T: SizedSample,
    f32: cpal::FromSample<T>,
{
    device
        .build_input_stream(
            config,
            move |data: &[T], _: &cpal::InputCallbackInfo| {
                let mono: Vec<f32> = data
                    .chunks(channels.max(1))
                    .map(|frame| {
                        frame
                            .iter()
                            .map(|sample| cpal::Sample::to_sample::<f32>(*sample))
                            .sum::<f32>()
                            / frame.len() as f32
                    })
                    .collect();
                if !mono.is_empty() {
                    let rms = (mono.iter().map(|s| s * s).sum::<f32>() / mono.len() as f32).sqrt();
                    shared.level.store(rms.to_bits(), Ordering::Relaxed);
                }
                if shared.recording.load(Ordering::SeqCst)
                    && let Ok(mut samples) = shared.samples.lock()
                {
                    samples.extend_from_slice(&mono);
                    if let Ok(mut arrivals) = shared.arrivals.lock() {
                        arrivals.push((Instant::now(), samples.len()));
                    }
                }
            },
            |error| eprintln!("microphone stream error: {error}"),
            None,
        )
        .map_err(unusable(
            Direction::Input,
            "не удалось открыть запись с устройства",
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(seconds: f32) -> Vec<f32> {
        (0..(16_000.0 * seconds) as usize)
            .map(|i| (i as f32 * 0.07).sin() * 0.2)
            .collect()
    }

    #[test]
    fn a_reply_ends_at_the_pause_after_speech() {
        let mut activity = VoiceActivity::new(16_000, Duration::from_millis(800));
        let mut audio = vec![0.0; 8_000];
        assert!(!activity.update(&audio), "silence before speaking");
        audio.extend(tone(1.0));
        audio.extend(vec![0.0; 8_000]);
        assert!(!activity.update(&audio), "a 0.5 s breath is not the end");
        audio.extend(vec![0.0; 6_400]);
        assert!(activity.update(&audio), "0.9 s of quiet is");
        assert!(activity.heard());
    }

    #[test]
    fn audio_arriving_in_one_burst_is_judged_the_same() {
        let mut audio = tone(2.0);
        audio.extend(vec![0.0; 16_000]);
        let mut activity = VoiceActivity::new(16_000, Duration::from_millis(800));
        assert!(activity.update(&audio));
    }

    #[test]
    fn a_pause_is_seen_before_it_ends_the_reply_and_speech_after_it_is_noticed() {
        let mut activity = VoiceActivity::new(16_000, Duration::from_millis(800));
        let mut audio = tone(1.5);
        audio.extend(vec![0.0; 4_800]);
        assert!(!activity.update(&audio));
        assert!(activity.pausing(LOOK_AHEAD_AFTER), "0.3 s after the words");
        assert!(!activity.pausing(Duration::from_millis(800)));
        let looked = audio.len();
        assert!(!activity.spoke_after(looked));
        // The trainee goes on: what was looked at is not the whole reply.
        audio.extend(tone(0.5));
        assert!(!activity.update(&audio));
        assert!(activity.spoke_after(looked));
        assert!(!activity.pausing(LOOK_AHEAD_AFTER));
    }

    #[test]
    fn a_reply_heard_late_ends_where_its_pause_did_and_later_speech_is_not_part_of_it() {
        // The listening thread was busy: the reply, 0.8 s of quiet, the trainee talking to a
        // colleague, all at once.
        let mut audio = tone(2.0);
        audio.extend(vec![0.0; 16_000]);
        audio.extend(tone(3.0));
        let mut activity = VoiceActivity::new(16_000, Duration::from_millis(800));
        assert!(activity.update(&audio));
        assert_eq!(
            activity.end(),
            Some(32_000 + 12_800),
            "the words and 0.8 s of quiet"
        );
        assert!(
            !activity.spoke_after(32_000),
            "what follows the end is not the reply"
        );
        assert!(activity.update(&audio), "and the reply stays over");
    }

    #[test]
    fn silence_alone_never_ends_a_reply() {
        let mut activity = VoiceActivity::new(48_000, Duration::from_millis(800));
        assert!(!activity.update(&vec![0.001; 48_000 * 5]));
        assert!(!activity.heard());
    }
}
