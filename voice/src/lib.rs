//! The customer's voice, offline: each line made speakable ([`callcoach_core::text::spoken`]),
//! synthesised by Festival's Russian voice, shaped by the customer's voice and mood with SoX
//! (tempo, pitch, loudness) and kept in a disk cache under a hash of everything that shaped it,
//! so a line is synthesised once per voice and mood and then starts at once. A line a trainer
//! recorded is played as recorded.

mod festival;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use callcoach_core::scenario::{Scenario, Sex, Voice};
use callcoach_core::text::spoken::speakable;
use sha2::{Digest, Sha256};

pub use festival::{Festival, RUSSIAN_VOICE};

/// Why a line cannot be spoken (Russian, for the user); the call goes on in text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoiceError {
    /// Festival is not installed.
    #[error(
        "синтезатор речи Festival не найден: клиент будет говорить только текстом. Установите его: ./run.sh делает это сам, или sudo apt-get install festival festvox-ru sox"
    )]
    NotInstalled,
    /// Festival runs but has no Russian voice.
    #[error(
        "у синтезатора Festival нет русского голоса: клиент будет говорить только текстом. Установите его: sudo apt-get install festvox-ru"
    )]
    VoiceMissing,
    /// SoX is not installed.
    #[error(
        "программа SoX не найдена (она придаёт голосу настроение): клиент будет говорить только текстом. Установите её: sudo apt-get install sox"
    )]
    NoSox,
    /// The line has nothing to say.
    #[error("в реплике нечего произнести")]
    Empty,
    /// Synthesis failed.
    #[error("голос клиента: {0}")]
    Failed(String),
    /// The cache folder cannot be used.
    #[error("кэш голоса {path}: {reason}. Проверьте права на папку или освободите место")]
    Cache {
        /// The folder.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// The sample rate of synthesised lines.
pub const SAMPLE_RATE: u32 = 16_000;

/// How many semitones a woman's voice is raised from Festival's only Russian voice, a man's:
/// enough to read as a higher voice, little enough to stay intelligible (README, «The
/// customer's voice»).
pub const FEMALE_SHIFT: f32 = 4.0;

/// Bumped whenever synthesis or shaping changes what a cached line sounds like.
const PIPELINE: &str = "callcoach-voice-1";

/// The customer's mood as the voice shows it, in the three bands of the call screen's gauge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mood {
    /// Below 0.4: slower, lower, quieter.
    Calm,
    /// 0.4 … 0.7.
    Tense,
    /// 0.7 and above: faster, higher, louder.
    Angry,
}

impl Mood {
    /// The band of a mood level, 0 … 1.
    pub fn of(level: f32) -> Mood {
        if level >= 0.7 {
            Mood::Angry
        } else if level >= 0.4 {
            Mood::Tense
        } else {
            Mood::Calm
        }
    }

    /// In Russian, for the recording script.
    pub fn describe(self) -> &'static str {
        match self {
            Mood::Calm => "спокойно",
            Mood::Tense => "напряжённо",
            Mood::Angry => "раздражённо",
        }
    }

    /// Parses `calm`/`спокойно`, … or a level 0 … 1.
    pub fn parse(text: &str) -> Option<Mood> {
        match text.trim().to_lowercase().as_str() {
            "calm" | "спокойно" | "спокоен" | "спокойна" => Some(Mood::Calm),
            "tense" | "напряжённо" | "напряженно" => Some(Mood::Tense),
            "angry" | "раздражённо" | "раздраженно" | "зло" => {
                Some(Mood::Angry)
            }
            other => other
                .replace(',', ".")
                .parse::<f32>()
                .ok()
                .filter(|level| (0.0..=1.0).contains(level))
                .map(Mood::of),
        }
    }
}

/// How a line is shaped after synthesis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prosody {
    /// Speed factor (1 — as synthesised).
    pub tempo: f32,
    /// Pitch shift, semitones.
    pub semitones: f32,
    /// Loudness: the peak, dB below full scale.
    pub peak_db: f32,
}

impl Prosody {
    /// The customer's voice in this mood. Angry is 10 % faster, 1.5 semitones higher and 3.5 dB
    /// louder than calm is slower and lower: measured intelligible by our own recogniser over
    /// every bundled line (README).
    pub fn of(voice: &Voice, mood: Mood) -> Prosody {
        let (tempo, semitones, peak_db) = match mood {
            Mood::Calm => (0.94, -0.5, -4.0),
            Mood::Tense => (1.0, 0.5, -2.0),
            Mood::Angry => (1.1, 1.5, -0.5),
        };
        let sex = match voice.sex {
            Sex::Male => 0.0,
            Sex::Female => FEMALE_SHIFT,
        };
        Prosody {
            tempo: (voice.tempo * tempo).clamp(0.75, 1.35),
            semitones: (voice.pitch + sex + semitones).clamp(-7.0, 8.0),
            peak_db,
        }
    }
}

/// A synthesised line on disk.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// The WAV file (16 kHz mono) in the cache.
    pub path: PathBuf,
}

/// The customer's voice: Festival behind a cache.
pub struct Synthesiser {
    cache: PathBuf,
    festival: Mutex<Option<Festival>>,
}

impl std::fmt::Debug for Synthesiser {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "Synthesiser({})", self.cache.display())
    }
}

/// The cache folder of synthesised lines: `~/.cache/callcoach/voice`.
pub fn default_cache() -> PathBuf {
    dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("callcoach")
        .join("voice")
}

impl Synthesiser {
    /// A synthesiser caching in `cache`; Festival starts with the first line not cached.
    pub fn new(cache: PathBuf) -> Synthesiser {
        Synthesiser {
            cache,
            festival: Mutex::new(None),
        }
    }

    /// Where `text` in this voice and mood is (or will be) cached.
    pub fn cached_path(&self, text: &str, voice: &Voice, mood: Mood) -> PathBuf {
        let prosody = Prosody::of(voice, mood);
        let mut hash = Sha256::new();
        hash.update(format!(
            "{PIPELINE}\n{RUSSIAN_VOICE}\n{:.3} {:.3} {:.1}\n{}",
            prosody.tempo,
            prosody.semitones,
            prosody.peak_db,
            speakable(text)
        ));
        let hex: String = hash
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        self.cache.join(&hex[..2]).join(format!("{hex}.wav"))
    }

    /// Whether the line is in the cache.
    pub fn is_cached(&self, text: &str, voice: &Voice, mood: Mood) -> bool {
        self.cached_path(text, voice, mood).is_file()
    }

    /// The line `text` said in `voice` and `mood`: from the cache, or synthesised into it.
    pub fn speak(&self, text: &str, voice: &Voice, mood: Mood) -> Result<Rendered, VoiceError> {
        let path = self.cached_path(text, voice, mood);
        if path.is_file() {
            return Ok(Rendered { path });
        }
        let spoken = speakable(text);
        if !spoken.chars().any(char::is_alphabetic) {
            return Err(VoiceError::Empty);
        }
        let folder = path.parent().unwrap_or(&self.cache).to_owned();
        let cache_error = |error: std::io::Error| VoiceError::Cache {
            path: self.cache.display().to_string(),
            reason: callcoach_core::source::io_reason(&error),
        };
        std::fs::create_dir_all(&folder).map_err(cache_error)?;
        let raw = tempfile::Builder::new()
            .suffix(".wav")
            .tempfile_in(&folder)
            .map_err(cache_error)?;
        {
            let mut festival = self
                .festival
                .lock()
                .map_err(|_| VoiceError::Failed("синтезатор недоступен".to_owned()))?;
            if festival.is_none() {
                *festival = Some(Festival::start()?);
            }
            let result = festival
                .as_mut()
                .map_or(Err(VoiceError::NotInstalled), |engine| {
                    engine.synthesise(&spoken, raw.path())
                });
            if result.is_err() {
                // Started afresh for the next line.
                *festival = None;
            }
            result?;
        }
        let shaped = tempfile::Builder::new()
            .suffix(".wav")
            .tempfile_in(&folder)
            .map_err(cache_error)?;
        shape(raw.path(), shaped.path(), Prosody::of(voice, mood))?;
        shaped
            .persist(&path)
            .map_err(|error| cache_error(error.error))?;
        Ok(Rendered { path })
    }
}

/// Where a line's sound comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct LineAudio {
    /// The WAV file.
    pub path: PathBuf,
    /// A trainer's recording (played as it is), not synthesis.
    pub recorded: bool,
}

/// The sound of the customer's line `text` in `scenario` (read from `scenario_file`, where its
/// recordings are): the trainer's recording of the line when there is one, else synthesis.
pub fn line_audio(
    synthesiser: &Synthesiser,
    scenario: &Scenario,
    scenario_file: Option<&Path>,
    text: &str,
    mood: f32,
) -> Result<LineAudio, VoiceError> {
    let voice = &scenario.customer.voice;
    if let (Some(file), Some(id)) = (scenario_file, scenario.line_id(text))
        && let Some(path) = voice.recording(file, &id)
    {
        return Ok(LineAudio {
            path,
            recorded: true,
        });
    }
    let rendered = synthesiser.speak(text, voice, Mood::of(mood))?;
    Ok(LineAudio {
        path: rendered.path,
        recorded: false,
    })
}

/// Shapes a synthesised line with SoX: tempo (WSOLA tuned for speech), pitch and the peak level.
fn shape(input: &Path, output: &Path, prosody: Prosody) -> Result<(), VoiceError> {
    let mut command = Command::new("sox");
    command.arg(input).args(["-b", "16"]).arg(output);
    if (prosody.tempo - 1.0).abs() > 0.005 {
        command.args(["tempo", "-s", &format!("{:.3}", prosody.tempo)]);
    }
    if prosody.semitones.abs() > 0.01 {
        command.args(["pitch", &format!("{:.0}", prosody.semitones * 100.0)]);
    }
    command.args(["gain", "-n", &format!("{:.1}", prosody.peak_db)]);
    let output = command.output().map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => VoiceError::NoSox,
        _ => VoiceError::Failed(format!("SoX не запустился ({error})")),
    })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(VoiceError::Failed(format!(
            "SoX не обработал реплику: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

/// The samples of a WAV file as f32 mono at its own rate, and that rate.
pub fn read_samples(path: &Path) -> Result<(Vec<f32>, u32), VoiceError> {
    wav_samples(path).map_err(|reason| VoiceError::Failed(format!("{}: {reason}", path.display())))
}

/// A WAV file's samples (integer or float, any channel count) mixed to mono, and its rate; the
/// reason it cannot be read otherwise (the speech crate's recordings are read the same way).
pub fn wav_samples(path: &Path) -> Result<(Vec<f32>, u32), String> {
    let mut reader = hound::WavReader::open(path).map_err(|error| error.to_string())?;
    let spec = reader.spec();
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(|error| error.to_string())?,
        hound::SampleFormat::Int => {
            let scale = 2f32.powi(i32::from(spec.bits_per_sample) - 1);
            reader
                .samples::<i32>()
                .map(|sample| sample.map(|value| value as f32 / scale))
                .collect::<Result<_, _>>()
                .map_err(|error| error.to_string())?
        }
    };
    let channels = usize::from(spec.channels.max(1));
    let mono = if channels == 1 {
        samples
    } else {
        samples
            .chunks_exact(channels)
            .map(|frame| frame.iter().sum::<f32>() / channels as f32)
            .collect()
    };
    Ok((mono, spec.sample_rate))
}

/// Writes 16-bit mono samples as a WAV file.
pub fn write_wav(path: &Path, samples: &[f32], rate: u32) -> Result<(), VoiceError> {
    let failed = |reason: String| VoiceError::Failed(format!("{}: {reason}", path.display()));
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer =
        hound::WavWriter::create(path, spec).map_err(|error| failed(error.to_string()))?;
    for sample in samples {
        let value = (sample.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16;
        writer
            .write_sample(value)
            .map_err(|error| failed(error.to_string()))?;
    }
    writer.finalize().map_err(|error| failed(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_angry_customer_is_faster_higher_and_louder_and_a_woman_higher_still() {
        let man = Voice::default();
        let calm = Prosody::of(&man, Mood::Calm);
        let angry = Prosody::of(&man, Mood::Angry);
        assert!(angry.tempo > calm.tempo && angry.semitones > calm.semitones);
        assert!(angry.peak_db > calm.peak_db);
        let woman = Voice {
            sex: Sex::Female,
            ..Voice::default()
        };
        assert_eq!(
            Prosody::of(&woman, Mood::Calm).semitones,
            calm.semitones + FEMALE_SHIFT
        );
        // A trainer's extreme settings stay within what is intelligible.
        let extreme = Voice {
            sex: Sex::Female,
            pitch: 6.0,
            tempo: 1.25,
            recordings: None,
        };
        let shaped = Prosody::of(&extreme, Mood::Angry);
        assert!(shaped.tempo <= 1.35 && shaped.semitones <= 8.0);
    }

    #[test]
    fn moods_are_read_as_words_or_levels() {
        assert_eq!(Mood::parse("раздражённо"), Some(Mood::Angry));
        assert_eq!(Mood::parse("0,2"), Some(Mood::Calm));
        assert_eq!(Mood::parse("0.55"), Some(Mood::Tense));
        assert_eq!(Mood::parse("2"), None);
        assert_eq!(Mood::parse("громко"), None);
    }

    #[test]
    fn the_cache_key_changes_with_the_text_voice_and_mood_but_not_with_spelling_it_the_same() {
        let synthesiser = Synthesiser::new(PathBuf::from("/cache"));
        let man = Voice::default();
        let key = |text: &str, voice: &Voice, mood| synthesiser.cached_path(text, voice, mood);
        assert_eq!(
            key("15 000 рублей", &man, Mood::Calm),
            key("пятнадцать тысяч рублей", &man, Mood::Calm)
        );
        assert_ne!(key("Да.", &man, Mood::Calm), key("Нет.", &man, Mood::Calm));
        assert_ne!(key("Да.", &man, Mood::Calm), key("Да.", &man, Mood::Angry));
        let woman = Voice {
            sex: Sex::Female,
            ..Voice::default()
        };
        assert_ne!(key("Да.", &man, Mood::Calm), key("Да.", &woman, Mood::Calm));
    }
}
