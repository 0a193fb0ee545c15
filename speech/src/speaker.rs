//! The customer's voice through the speakers (or headset) with cpal: the chosen output device (or
//! the default) at its own rate and channel count, one line at a time, a volume, and a stop that
//! says how much of the line was played — what a barge-in needs. The stream lives on its own
//! thread, as the microphone's does.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, SizedSample, StreamConfig};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Async, FixedAsync, Resampler, SincInterpolationParameters, WindowFunction};

use crate::device::{self, Direction, Problem, by_format, unusable};

/// Why the customer cannot be heard (Russian, for the user); the call goes on in text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpeakerError {
    /// No output device, or it cannot be opened.
    #[error(
        "нет звукового выхода ({0}): клиент будет говорить только текстом. Подключите наушники или колонки либо выберите другой выход в настройках."
    )]
    NoOutput(String),
    /// The named device does not exist.
    #[error("звукового выхода «{0}» нет. Доступны: {1}")]
    UnknownDevice(String, String),
}

/// The line being played and where it is.
struct Line {
    /// Mono samples at the device's rate.
    samples: Vec<f32>,
    /// Frames played so far.
    played: usize,
    /// Bumped for every new line.
    serial: u64,
}

struct Shared {
    line: Mutex<Line>,
    /// Volume 0–1, as f32 bits.
    volume: AtomicU32,
    playing: AtomicBool,
    /// The serial of the line whose first sample went to the device, and when.
    first_out: Mutex<Option<(u64, Instant)>>,
    serial: AtomicU64,
}

/// An open sound output.
pub struct Speaker {
    shared: Arc<Shared>,
    _stop: Sender<()>,
    /// The device's name.
    pub device: String,
    /// Its sample rate.
    pub rate: u32,
}

impl std::fmt::Debug for Speaker {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "Speaker({}, {} Hz)", self.device, self.rate)
    }
}

/// The names of the output devices.
pub fn output_devices() -> Vec<String> {
    device::names(Direction::Output)
}

/// A line that started playing: its serial, to ask when its first sample went out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Started(u64);

impl Speaker {
    /// Opens `device` (by name; the default output when `None`), silent until a line is played.
    pub fn open(device: Option<&str>) -> Result<Speaker, SpeakerError> {
        let shared = Arc::new(Shared {
            line: Mutex::new(Line {
                samples: Vec::new(),
                played: 0,
                serial: 0,
            }),
            volume: AtomicU32::new(1.0f32.to_bits()),
            playing: AtomicBool::new(false),
            first_out: Mutex::new(None),
            serial: AtomicU64::new(0),
        });
        let (ready_sender, ready) = channel();
        let (stop, stopped) = channel::<()>();
        let wanted = device.map(str::to_owned);
        let for_thread = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("speaker".to_owned())
            .spawn(move || match start_stream(wanted.as_deref(), for_thread) {
                Ok((stream, info)) => {
                    let _ = ready_sender.send(Ok(info));
                    let _ = stopped.recv();
                    drop(stream);
                }
                Err(error) => {
                    let _ = ready_sender.send(Err(error));
                }
            })
            .map_err(|error| SpeakerError::NoOutput(format!("поток звука ({error})")))?;
        let (device, rate) = ready
            .recv()
            .map_err(|_| SpeakerError::NoOutput("поток звука не запустился".to_owned()))??;
        Ok(Speaker {
            shared,
            _stop: stop,
            device,
            rate,
        })
    }

    /// Plays `samples` (mono at `rate`) from the start, replacing whatever was playing.
    pub fn play(&self, samples: &[f32], rate: u32) -> Started {
        let converted = convert_rate(samples, rate, self.rate);
        let serial = self.shared.serial.fetch_add(1, Ordering::SeqCst) + 1;
        if let Ok(mut line) = self.shared.line.lock() {
            *line = Line {
                samples: converted,
                played: 0,
                serial,
            };
        }
        self.shared.playing.store(true, Ordering::SeqCst);
        Started(serial)
    }

    /// Stops the line; the seconds of it that were played, if one was playing.
    pub fn stop(&self) -> Option<f64> {
        let was = self.shared.playing.swap(false, Ordering::SeqCst);
        let played = self.played_seconds();
        if let Ok(mut line) = self.shared.line.lock() {
            line.samples.clear();
            line.played = 0;
        }
        was.then_some(played)
    }

    /// Whether a line is still playing.
    pub fn is_playing(&self) -> bool {
        self.shared.playing.load(Ordering::SeqCst)
    }

    /// Seconds of the current line played so far.
    pub fn played_seconds(&self) -> f64 {
        self.shared
            .line
            .lock()
            .map(|line| line.played as f64 / f64::from(self.rate.max(1)))
            .unwrap_or(0.0)
    }

    /// The volume, 0–1.
    pub fn set_volume(&self, volume: f32) {
        self.shared
            .volume
            .store(volume.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
    }

    /// When the first sample of `started` went to the device, once it has.
    pub fn first_sample_at(&self, started: Started) -> Option<Instant> {
        self.shared
            .first_out
            .lock()
            .ok()
            .and_then(|first| *first)
            .filter(|(serial, _)| *serial == started.0)
            .map(|(_, at)| at)
    }
}

/// Mono samples at `from` Hz as samples at `to` Hz.
fn convert_rate(samples: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || samples.is_empty() || from == 0 || to == 0 {
        return samples.to_vec();
    }
    let parameters = SincInterpolationParameters::new(64, WindowFunction::BlackmanHarris2);
    let ratio = f64::from(to) / f64::from(from);
    let resampled = Async::<f32>::new_sinc(ratio, 1.0, &parameters, 1024, 1, FixedAsync::Input)
        .ok()
        .and_then(|mut resampler| {
            let input = InterleavedSlice::new(samples, 1, samples.len()).ok()?;
            resampler
                .process_all(&input, samples.len(), None)
                .ok()
                .map(|output| output.take_data())
        });
    resampled.unwrap_or_else(|| samples.to_vec())
}

type StreamInfo = (String, u32);

impl From<Problem> for SpeakerError {
    fn from(problem: Problem) -> SpeakerError {
        match problem {
            Problem::Unknown(wanted, there) => {
                SpeakerError::UnknownDevice(wanted, there.join(", "))
            }
            Problem::Unusable(reason) => SpeakerError::NoOutput(reason),
        }
    }
}

fn start_stream(
    wanted: Option<&str>,
    shared: Arc<Shared>,
) -> Result<(cpal::Stream, StreamInfo), SpeakerError> {
    let (device, name, config, format) = device::open(Direction::Output, wanted)?;
    let info = (name, config.sample_rate);
    let channels = usize::from(config.channels);
    let stream = by_format!(format, build, &device, &config, channels, shared)?;
    stream.play().map_err(unusable(
        Direction::Output,
        "не удалось начать воспроизведение",
    ))?;
    Ok((stream, info))
}

fn build<T>(
    device: &cpal::Device,
    config: &StreamConfig,
    channels: usize,
    shared: Arc<Shared>,
) -> Result<cpal::Stream, Problem>
where
    T: SizedSample + FromSample<f32>,
{
    let channels = channels.max(1);
    device
        .build_output_stream(
            config,
            move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
                let volume = f32::from_bits(shared.volume.load(Ordering::Relaxed));
                let playing = shared.playing.load(Ordering::SeqCst);
                let Ok(mut line) = shared.line.lock() else {
                    return;
                };
                let start = line.played;
                for (index, frame) in data.chunks_mut(channels).enumerate() {
                    let sample = if playing {
                        line.samples.get(start + index).copied().unwrap_or(0.0) * volume
                    } else {
                        0.0
                    };
                    for out in frame.iter_mut() {
                        *out = T::from_sample(sample);
                    }
                }
                if !playing {
                    return;
                }
                let frames = data.len() / channels;
                if start == 0
                    && frames > 0
                    && let Ok(mut first) = shared.first_out.lock()
                {
                    *first = Some((line.serial, Instant::now()));
                }
                line.played = (start + frames).min(line.samples.len());
                if line.played >= line.samples.len() {
                    shared.playing.store(false, Ordering::SeqCst);
                }
            },
            |error| eprintln!("sound output stream error: {error}"),
            None,
        )
        .map_err(unusable(
            Direction::Output,
            "не удалось открыть звуковой выход",
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_converted_to_the_devices_rate_keeping_its_length() {
        let second: Vec<f32> = (0..16_000).map(|i| (i as f32 * 0.05).sin()).collect();
        let out = convert_rate(&second, 16_000, 48_000);
        assert!((out.len() as i64 - 48_000).abs() < 100, "{}", out.len());
        assert_eq!(convert_rate(&second, 16_000, 16_000).len(), 16_000);
    }
}
