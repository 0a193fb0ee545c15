//! Offline Russian transcription with whisper.cpp (through whisper-rs): the model is loaded once
//! and kept warm, decoding is greedy and deterministic, the encoder window is sized to the
//! utterance, an initial prompt carries the scenario's words, silence never becomes text, and
//! a repetition guard cuts the loops whisper falls into.

use std::path::Path;
use std::time::Instant;

use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

/// Samples per second the recogniser takes.
pub const SAMPLE_RATE: u32 = 16_000;

/// Why transcription failed (Russian, for the user).
#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    /// No model file.
    #[error(
        "модель распознавания речи не найдена: {0}. Установите её командой `callcoach model install` или укажите путь через --model / CALLCOACH_MODEL."
    )]
    MissingModel(String),
    /// The file is not a model whisper.cpp can load.
    #[error(
        "{0}: файл не загружается как модель whisper (ggml). Переустановите модель: `callcoach model install`."
    )]
    BadModel(String),
    /// whisper.cpp failed while decoding.
    #[error("распознавание речи не удалось: {0}")]
    Decoding(String),
}

/// A recognised segment.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// Start in the audio, ms.
    pub start_ms: u64,
    /// End in the audio, ms.
    pub end_ms: u64,
    /// The text.
    pub text: String,
    /// Mean probability of its tokens, 0–1.
    pub confidence: f32,
}

/// How long each step took, ms.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timings {
    /// Length of the audio given.
    pub audio_ms: u64,
    /// Of it, speech (after trimming silence).
    pub speech_ms: u64,
    /// whisper's work: mel, encoder and decoder.
    pub decode_ms: u64,
    /// Everything from the call to the text.
    pub total_ms: u64,
}

/// What was heard.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transcription {
    /// The whole text; empty when there was no speech.
    pub text: String,
    /// The segments.
    pub segments: Vec<Segment>,
    /// How long it took.
    pub timings: Timings,
}

/// The recogniser: the model, loaded once, and its decoding state.
pub struct Recogniser {
    // The state holds the model (whisper-rs keeps the context alive through it).
    state: WhisperState,
    threads: usize,
}

impl std::fmt::Debug for Recogniser {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Recogniser")
    }
}

/// Decoding threads when nothing else claims the cores: all of them, up to four (whisper base
/// gains little beyond that). ggml's workers spin while they wait for each other, so this many
/// pays only when the cores are free: the app lets its frame loop rest while a reply is
/// recognised.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get().clamp(1, 4))
}

/// Silence detection works on 20 ms frames.
const FRAME: usize = SAMPLE_RATE as usize / 50;
/// A frame is speech when its RMS is above this absolute floor…
const SPEECH_RMS_FLOOR: f32 = 0.006;
/// …and this many times above the quietest frames (the room's noise).
const SPEECH_OVER_NOISE: f32 = 3.0;
/// Less speech than this is no reply at all: a click, a breath.
const MIN_SPEECH_MS: u64 = 250;
/// Audio kept around the speech, so word edges are not cut.
const MARGIN_MS: u64 = 200;

impl Recogniser {
    /// Loads the model at `path`; `threads` decoding threads (one is best next to a running app).
    pub fn load(path: &Path, threads: usize) -> Result<Recogniser, TranscribeError> {
        if !path.is_file() {
            return Err(TranscribeError::MissingModel(path.display().to_string()));
        }
        silence_logs();
        let bad = || TranscribeError::BadModel(path.display().to_string());
        let mut parameters = WhisperContextParameters::default();
        parameters.use_gpu(false);
        // Not whisper.cpp's fused attention: with the whisper.cpp whisper-rs links (1.8.3) it
        // made a 5 s reply 0.3 s slower on this machine (speech/benches/latency.rs).
        parameters.flash_attn(false);
        let context = WhisperContext::new_with_params(path, parameters).map_err(|_| bad())?;
        let state = context.create_state().map_err(|_| bad())?;
        Ok(Recogniser {
            state,
            threads: threads.max(1),
        })
    }

    /// Transcribes 16 kHz mono samples; `prompt` names the words to expect (company, products,
    /// key phrases of the scenario).
    pub fn transcribe(
        &mut self,
        samples: &[f32],
        prompt: &str,
    ) -> Result<Transcription, TranscribeError> {
        let started = Instant::now();
        let audio_ms = ms(samples.len());
        let Some((from, to)) = speech_bounds(samples) else {
            return Ok(Transcription {
                timings: Timings {
                    audio_ms,
                    total_ms: elapsed_ms(started),
                    ..Timings::default()
                },
                ..Transcription::default()
            });
        };
        let speech = &samples[from..to];
        let seconds = speech.len() as f32 / SAMPLE_RATE as f32;
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_language(Some("ru"));
        params.set_translate(false);
        params.set_n_threads(i32::try_from(self.threads).unwrap_or(1));
        params.set_temperature(0.0);
        params.set_temperature_inc(0.0);
        params.set_no_context(true);
        params.set_single_segment(true);
        params.set_no_timestamps(true);
        params.set_suppress_blank(true);
        // whisper.cpp 1.8.3's no-speech probability is read from logits it never computed (see
        // below): never let it drop a reply.
        params.set_no_speech_thold(1.0);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        params.set_audio_ctx(audio_ctx(seconds));
        // Russian speech runs ~3 tokens a second in whisper's vocabulary; a reply never needs
        // more than this many, and a loop is cut by it.
        params.set_max_tokens((seconds * 12.0).ceil() as i32 + 16);
        if !prompt.is_empty() {
            params.set_initial_prompt(prompt);
        }
        // whisper.cpp pads shorter input itself, but under a second it refuses: pad with silence.
        let mut padded;
        let input = if speech.len() < SAMPLE_RATE as usize {
            padded = speech.to_vec();
            padded.resize(SAMPLE_RATE as usize + FRAME, 0.0);
            &padded[..]
        } else {
            speech
        };
        let decoding = Instant::now();
        self.state
            .full(params, input)
            .map_err(|error| TranscribeError::Decoding(error.to_string()))?;
        let decode_ms = elapsed_ms(decoding);
        let offset = ms(from);
        let mut segments = Vec::new();
        for segment in self.state.as_iter() {
            let text = segment
                .to_str_lossy()
                .map(|text| text.trim().to_owned())
                .unwrap_or_default();
            let probabilities: Vec<f32> = (0..segment.n_tokens())
                .filter_map(|index| segment.get_token(index))
                .filter(|token| token.token_id() < 50257)
                .map(|token| token.token_probability())
                .collect();
            let confidence = if probabilities.is_empty() {
                0.0
            } else {
                probabilities.iter().sum::<f32>() / probabilities.len() as f32
            };
            // Not whisper.cpp's no-speech probability: 1.8.3 computes it from a row of logits it
            // never fills (1/51,865 on a fresh state, the last reply's leftovers after), so a
            // reply would depend on the one before. Silence is kept from whisper by
            // `speech_bounds` instead.
            if text.is_empty() {
                continue;
            }
            // Without timestamps whisper reports its whole window: the speech found is the
            // segment (a reply is one segment).
            segments.push(Segment {
                start_ms: offset,
                end_ms: ms(to),
                text: without_repetition(&text),
                confidence,
            });
        }
        let text = segments
            .iter()
            .map(|segment| segment.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Transcription {
            text,
            segments,
            timings: Timings {
                audio_ms,
                speech_ms: ms(to - from),
                decode_ms,
                total_ms: elapsed_ms(started),
            },
        })
    }
}

fn ms(samples: usize) -> u64 {
    samples as u64 * 1000 / u64::from(SAMPLE_RATE)
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// whisper.cpp prints its model loading and timings to stderr unless told otherwise.
fn silence_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(whisper_rs::install_logging_hooks);
}

/// The encoder window for an utterance: 50 frames a second plus a second of slack, and never
/// below 300 (shorter windows make whisper loop on short phrases) or above the model's 1500.
pub fn audio_ctx(seconds: f32) -> i32 {
    ((50.0 * (seconds + 1.0)).ceil() as i32).clamp(300, 1500)
}

/// Where the speech is: the first and last speech frame with a margin, or `None` for silence.
/// Speech is what stands clearly above the quietest part of the recording and above an absolute
/// floor, so a silent room, a hiss or a hold never reaches whisper (which invents text on
/// silence).
pub fn speech_bounds(samples: &[f32]) -> Option<(usize, usize)> {
    let levels: Vec<f32> = samples
        .chunks(FRAME)
        .map(|frame| (frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32).sqrt())
        .collect();
    if levels.is_empty() {
        return None;
    }
    let mut sorted = levels.clone();
    sorted.sort_by(f32::total_cmp);
    let noise = sorted[sorted.len() / 10];
    let threshold = SPEECH_RMS_FLOOR.max(noise * SPEECH_OVER_NOISE);
    let speech: Vec<usize> = levels
        .iter()
        .enumerate()
        .filter(|(_, level)| **level > threshold)
        .map(|(index, _)| index)
        .collect();
    if (speech.len() as u64) * 20 < MIN_SPEECH_MS {
        return None;
    }
    let margin = (MARGIN_MS / 20) as usize;
    let first = speech.first()?.saturating_sub(margin) * FRAME;
    let last = ((speech.last()? + 1 + margin) * FRAME).min(samples.len());
    Some((first, last))
}

/// The text with a loop cut: a run of the same word group said three or more times in a row
/// («читайте инструкции читайте инструкции читайте инструкции») is kept once.
pub fn without_repetition(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut index = 0;
    while index < words.len() {
        let mut skipped = false;
        for size in 1..=6 {
            let repeats = count_repeats(&words[index..], size);
            if repeats >= 3 {
                kept.extend_from_slice(&words[index..index + size]);
                index += size * repeats;
                skipped = true;
                break;
            }
        }
        if !skipped {
            kept.push(words[index]);
            index += 1;
        }
    }
    kept.join(" ")
}

/// How many times the first `size` words repeat back to back at the start of `words`.
fn count_repeats(words: &[&str], size: usize) -> usize {
    if words.len() < size {
        return 0;
    }
    let key = |group: &[&str]| -> Vec<String> {
        group
            .iter()
            .map(|word| {
                word.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
            })
            .collect()
    };
    let first = key(&words[..size]);
    let mut count = 1;
    while words.len() >= (count + 1) * size
        && key(&words[count * size..(count + 1) * size]) == first
    {
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_are_cut_to_one() {
        assert_eq!(
            without_repetition("Читайте инструкции, читайте инструкции, читайте инструкции"),
            "Читайте инструкции,"
        );
        assert_eq!(
            without_repetition("Да, да, нет. Спасибо за ожидание."),
            "Да, да, нет. Спасибо за ожидание.",
            "two repeats are speech"
        );
    }

    #[test]
    fn the_window_follows_the_utterance() {
        assert_eq!(audio_ctx(1.0), 300);
        assert_eq!(audio_ctx(5.0), 300);
        assert_eq!(audio_ctx(9.0), 500);
        assert_eq!(audio_ctx(40.0), 1500);
    }

    #[test]
    fn silence_and_a_hiss_are_not_speech() {
        assert_eq!(speech_bounds(&vec![0.0; 48_000]), None);
        let hiss: Vec<f32> = (0..48_000)
            .map(|i| ((i * 7919 % 1000) as f32 / 1000.0 - 0.5) * 0.004)
            .collect();
        assert_eq!(speech_bounds(&hiss), None);
    }

    #[test]
    fn a_tone_between_silences_is_found_with_a_margin() {
        let mut samples = vec![0.0f32; 16_000];
        samples.extend((0..16_000).map(|i| (i as f32 * 0.05).sin() * 0.3));
        samples.extend(vec![0.0f32; 16_000]);
        let (from, to) = speech_bounds(&samples).expect("speech");
        assert_eq!(from, 16_000 - 3_200);
        assert_eq!(to, 32_000 + 3_200);
    }
}
