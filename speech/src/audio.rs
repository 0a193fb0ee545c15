//! Audio into what the recogniser takes: 16 kHz mono f32. WAV files of any rate, channel count
//! and sample format, and microphone buffers, are mixed down and resampled with rubato's sinc
//! resampler.

use std::path::Path;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Async, FixedAsync, Resampler, SincInterpolationParameters, WindowFunction};

use crate::transcribe::SAMPLE_RATE;

/// Why audio could not be read (Russian, for the user).
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// Not a WAV file, or an unsupported one.
    #[error("{path}: не удаётся прочитать WAV ({reason})")]
    Wav {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The resampler refused the input.
    #[error("не удалось пересчитать частоту звука: {0}")]
    Resample(String),
}

/// Interleaved samples of `channels` channels mixed down to one.
pub fn to_mono(interleaved: &[f32], channels: usize) -> Vec<f32> {
    if channels <= 1 {
        return interleaved.to_vec();
    }
    interleaved
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect()
}

/// Mono samples at `rate` resampled to 16 kHz.
pub fn resample(mono: &[f32], rate: u32) -> Result<Vec<f32>, AudioError> {
    if rate == SAMPLE_RATE || mono.is_empty() {
        return Ok(mono.to_vec());
    }
    let failed = |error: &dyn std::fmt::Display| AudioError::Resample(error.to_string());
    let ratio = f64::from(SAMPLE_RATE) / f64::from(rate);
    let parameters = SincInterpolationParameters::new(128, WindowFunction::BlackmanHarris2);
    let mut resampler = Async::<f32>::new_sinc(ratio, 1.0, &parameters, 1024, 1, FixedAsync::Input)
        .map_err(|error| failed(&error))?;
    let input = InterleavedSlice::new(mono, 1, mono.len()).map_err(|error| failed(&error))?;
    let output = resampler
        .process_all(&input, mono.len(), None)
        .map_err(|error| failed(&error))?;
    Ok(output.take_data())
}

/// A WAV file as 16 kHz mono: integer or float samples, any rate and channel count.
pub fn read_wav(path: &Path) -> Result<Vec<f32>, AudioError> {
    let (mono, rate) = callcoach_voice::wav_samples(path).map_err(|reason| AudioError::Wav {
        path: path.display().to_string(),
        reason,
    })?;
    resample(&mono, rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_keeps_length_and_pitch() {
        // One second of a 440 Hz tone at 44.1 kHz becomes one second at 16 kHz, still 440 Hz.
        let tone: Vec<f32> = (0..44_100)
            .map(|i| (i as f32 * 440.0 * std::f32::consts::TAU / 44_100.0).sin() * 0.5)
            .collect();
        let out = resample(&tone, 44_100).expect("resamples");
        assert!((out.len() as i64 - 16_000).abs() < 20, "{}", out.len());
        let crossings = out
            .windows(2)
            .filter(|pair| pair[0] <= 0.0 && pair[1] > 0.0)
            .count();
        assert!((438..=442).contains(&crossings), "{crossings}");
    }

    #[test]
    fn stereo_is_mixed_down() {
        assert_eq!(to_mono(&[1.0, 0.0, 0.5, 0.5], 2), vec![0.5, 0.5]);
    }
}
