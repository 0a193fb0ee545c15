//! The microphone through cpal: the chosen input device (or the default) at its own rate and
//! channel count, mixed to mono as it arrives, with a level for the meter; a recording is
//! resampled to 16 kHz when it ends. The stream lives on its own thread (a cpal stream may not
//! move between threads), so the handle can be kept anywhere.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{SizedSample, StreamConfig};

use crate::audio::resample;

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

/// What the microphone thread shares with the handle.
struct Shared {
    recording: AtomicBool,
    samples: Mutex<Vec<f32>>,
    /// RMS of the latest buffer, as f32 bits.
    level: AtomicU32,
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

/// The names of the input devices.
pub fn input_devices() -> Vec<String> {
    cpal::default_host()
        .input_devices()
        .map(|devices| devices.filter_map(|device| device_name(&device)).collect())
        .unwrap_or_default()
}

fn device_name(device: &cpal::Device) -> Option<String> {
    device
        .description()
        .ok()
        .map(|description| description.name().to_owned())
}

impl Microphone {
    /// Opens `device` (by name; the default input when `None`) and starts listening; nothing is
    /// kept until [`Microphone::start`].
    pub fn open(device: Option<&str>) -> Result<Microphone, MicError> {
        let shared = Arc::new(Shared {
            recording: AtomicBool::new(false),
            samples: Mutex::new(Vec::new()),
            level: AtomicU32::new(0),
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
            .map_err(|error| MicError::NoMicrophone(error.to_string()))?;
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

    /// Starts keeping what is heard (push-to-talk pressed).
    pub fn start(&self) {
        if let Ok(mut samples) = self.shared.samples.lock() {
            samples.clear();
        }
        self.shared.recording.store(true, Ordering::SeqCst);
    }

    /// Stops and returns the recording at 16 kHz (push-to-talk released).
    pub fn stop(&self) -> Recording {
        self.shared.recording.store(false, Ordering::SeqCst);
        let samples = self
            .shared
            .samples
            .lock()
            .map(|mut samples| std::mem::take(&mut *samples))
            .unwrap_or_default();
        let samples = resample(&samples, self.rate).unwrap_or_default();
        let seconds = samples.len() as f32 / crate::transcribe::SAMPLE_RATE as f32;
        Recording { samples, seconds }
    }

    /// How loud the latest audio is (RMS, 0–1): the level meter.
    pub fn level(&self) -> f32 {
        f32::from_bits(self.shared.level.load(Ordering::Relaxed))
    }

    /// Seconds recorded so far.
    pub fn recorded_seconds(&self) -> f32 {
        let count = self
            .shared
            .samples
            .lock()
            .map_or(0, |samples| samples.len());
        count as f32 / self.rate as f32
    }

    /// Voice-activity capture: records from now until speech has been heard and then
    /// `trailing` of quiet follows, or `limit` passes; `None` if nobody spoke.
    pub fn listen(&self, limit: Duration, trailing: Duration) -> Option<Recording> {
        const SPEECH_LEVEL: f32 = 0.02;
        self.start();
        let started = Instant::now();
        let mut heard = false;
        let mut quiet_since = Instant::now();
        while started.elapsed() < limit {
            std::thread::sleep(Duration::from_millis(20));
            if self.level() > SPEECH_LEVEL {
                heard = true;
                quiet_since = Instant::now();
            } else if heard && quiet_since.elapsed() >= trailing {
                break;
            }
        }
        let recording = self.stop();
        heard.then_some(recording)
    }
}

type StreamInfo = (String, u32, u16);

fn start_stream(
    wanted: Option<&str>,
    shared: Arc<Shared>,
) -> Result<(cpal::Stream, StreamInfo), MicError> {
    let host = cpal::default_host();
    let device = match wanted {
        Some(name) => host
            .input_devices()
            .map_err(|error| MicError::NoMicrophone(error.to_string()))?
            .find(|device| device_name(device).as_deref() == Some(name))
            .ok_or_else(|| MicError::UnknownDevice(name.to_owned(), input_devices().join(", ")))?,
        None => host
            .default_input_device()
            .ok_or_else(|| MicError::NoMicrophone("нет устройства записи".to_owned()))?,
    };
    let name = device_name(&device).unwrap_or_else(|| "микрофон".to_owned());
    let supported = device
        .default_input_config()
        .map_err(|error| MicError::NoMicrophone(error.to_string()))?;
    let format = supported.sample_format();
    let config: StreamConfig = supported.into();
    let info = (name, config.sample_rate, config.channels);
    let channels = usize::from(config.channels);
    let stream = match format {
        cpal::SampleFormat::I16 => build::<i16>(&device, &config, channels, shared),
        cpal::SampleFormat::I32 => build::<i32>(&device, &config, channels, shared),
        cpal::SampleFormat::U16 => build::<u16>(&device, &config, channels, shared),
        cpal::SampleFormat::F32 => build::<f32>(&device, &config, channels, shared),
        other => {
            return Err(MicError::NoMicrophone(format!(
                "формат звука {other} не поддерживается"
            )));
        }
    }?;
    stream
        .play()
        .map_err(|error| MicError::NoMicrophone(error.to_string()))?;
    Ok((stream, info))
}

fn build<T>(
    device: &cpal::Device,
    config: &StreamConfig,
    channels: usize,
    shared: Arc<Shared>,
) -> Result<cpal::Stream, MicError>
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
                }
            },
            |error| eprintln!("microphone stream error: {error}"),
            None,
        )
        .map_err(|error| MicError::NoMicrophone(error.to_string()))
}
