//! `callcoach voice say|script|record`: hearing a line as the customer says it, the script a
//! trainer records the lines from, and recording them through the microphone.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use callcoach::output::{Existing, write_file};
use callcoach_core::scenario::{Scenario, Sex, Voice, recordings_folder};
use callcoach_core::text::{Morphology, hundredths};
use callcoach_voice::{Mood, Synthesiser, default_cache};
use clap::{Subcommand, ValueEnum};

/// Voice commands.
#[derive(Debug, Subcommand)]
pub enum VoiceCommand {
    /// Произнести текст голосом клиента и записать в WAV: как клиент скажет эту реплику.
    Say {
        /// Текст реплики.
        text: String,
        /// Настроение: спокойно|напряжённо|раздражённо (calm|tense|angry) или число 0–1.
        #[arg(long, default_value = "напряжённо")]
        mood: String,
        /// Голос: мужской или женский.
        #[arg(long, value_enum, default_value = "male")]
        voice: VoiceSex,
        /// Высота голоса, полутоны от −6 до +6.
        #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
        pitch: f32,
        /// Темп речи, 0.8–1.25.
        #[arg(long, default_value_t = 1.0)]
        tempo: f32,
        /// Файл WAV, который записать (новый; см. --force).
        #[arg(long, value_name = "FILE.wav")]
        out: PathBuf,
        /// Разрешить заменить существующий файл.
        #[arg(long)]
        force: bool,
    },
    /// Сценарий записи: все реплики клиента с id (имя файла записи), текстом и настроением.
    Script {
        /// Id сценария или путь к файлу .ron.
        scenario: String,
    },
    /// Записать реплики клиента через микрофон: по одной, с прослушиванием и перезаписью.
    #[cfg(feature = "speech")]
    Record(super::speech::RecordArgs),
}

/// The customer's sex on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum VoiceSex {
    /// Мужской голос.
    Male,
    /// Женский голос.
    Female,
}

/// Runs a voice command.
pub fn run(command: &VoiceCommand, scenarios: &Path, db: &Path) -> anyhow::Result<ExitCode> {
    match command {
        VoiceCommand::Say {
            text,
            mood,
            voice,
            pitch,
            tempo,
            out,
            force,
        } => {
            let Some(mood) = Mood::parse(mood) else {
                bail!(
                    "настроение «{mood}» не распознано: спокойно, напряжённо, раздражённо или число от 0 до 1"
                );
            };
            let voice = Voice {
                sex: match voice {
                    VoiceSex::Male => Sex::Male,
                    VoiceSex::Female => Sex::Female,
                },
                pitch: *pitch,
                tempo: *tempo,
                recordings: None,
            };
            if !callcoach_core::scenario::VOICE_PITCH.contains(pitch) {
                bail!("высота голоса {pitch} вне диапазона −6…+6 полутонов");
            }
            if !callcoach_core::scenario::VOICE_TEMPO.contains(tempo) {
                bail!("темп речи {tempo} вне диапазона 0.8–1.25");
            }
            let synthesiser = Synthesiser::new(default_cache());
            let rendered = synthesiser.speak(text, &voice, mood)?;
            let bytes = std::fs::read(&rendered.path)?;
            let existing = if *force {
                Existing::Replace
            } else {
                Existing::Refuse(Some("--force"))
            };
            write_file(out, &bytes, existing, &[db])?;
            let seconds = callcoach_voice::read_samples(out)
                .map(|(samples, rate)| samples.len() as f64 / f64::from(rate.max(1)))
                .unwrap_or(0.0);
            println!(
                "Записано: {} ({} с, {}).",
                out.display(),
                callcoach_core::text::tenths(seconds),
                mood.describe()
            );
            Ok(ExitCode::SUCCESS)
        }
        VoiceCommand::Script { scenario } => {
            let (file, scenario) = load(scenario, scenarios)?;
            let mut out = std::io::stdout().lock();
            write!(out, "{}", script(&scenario, &file))?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "speech")]
        VoiceCommand::Record(args) => {
            let (file, scenario) = load(&args.scenario, scenarios)?;
            super::speech::record_lines(args, &file, &scenario)
        }
    }
}

/// The scenario by id or path, with its file.
pub(super) fn load(wanted: &str, scenarios: &Path) -> anyhow::Result<(PathBuf, Scenario)> {
    let morphology = Morphology::shared()?;
    let scorer = match super::score::load_scorer(None, &morphology)? {
        Ok(scorer) => scorer,
        Err(diagnostics) => bail!("рубрика содержит ошибки:\n{}", diagnostics.trim_end()),
    };
    super::play::find_scenario(wanted, scenarios, &morphology, &scorer)
}

/// Where the recordings of `scenario` go: its `recordings` folder, or `recordings/<id>` beside
/// the scenario file when it names none.
pub(super) fn recordings_of(scenario: &Scenario, file: &Path) -> (PathBuf, bool) {
    match &scenario.customer.voice.recordings {
        Some(folder) => (recordings_folder(file, folder), true),
        None => (
            recordings_folder(file, &format!("recordings/{}", scenario.id)),
            false,
        ),
    }
}

/// The recording script: who the customer is, then every line with its id and mood.
pub(super) fn script(scenario: &Scenario, file: &Path) -> String {
    let customer = &scenario.customer;
    let voice = &customer.voice;
    let (folder, named) = recordings_of(scenario, file);
    let mut text = format!(
        "Сценарий записи реплик клиента — «{}» ({})\n\nКлиент: {} — {}.\n",
        scenario.title,
        scenario.id,
        customer.name,
        customer.portrait.describe()
    );
    if !customer.about.is_empty() {
        text.push_str(&format!("{}\n", customer.about));
    }
    text.push_str(&format!(
        "Голос: {}, высота {:+} полутона, темп {}.\n",
        match voice.sex {
            Sex::Male => "мужской",
            Sex::Female => "женский",
        },
        voice.pitch,
        voice.tempo
    ));
    if named {
        text.push_str(&format!("Папка записей: {}\n", folder.display()));
    } else {
        text.push_str(&format!(
            "Папка записей не задана: callcoach voice record запишет в {}; чтобы звонок их \
             играл, добавьте клиенту voice: Voice(recordings: \"recordings/{}\").\n",
            folder.display(),
            scenario.id
        ));
    }
    text.push_str(
        "Имя файла записи — id реплики с .wav. Настроение — то, в котором реплика вероятнее \
         всего прозвучит.\n",
    );
    for line in scenario.customer_lines() {
        let recorded = folder.join(format!("{}.wav", line.id)).is_file();
        text.push_str(&format!(
            "\n{} · настроение {} ({}){}\n  {}\n",
            line.id,
            hundredths(line.mood),
            Mood::of(line.mood).describe(),
            if recorded { " · записано" } else { "" },
            line.text
        ));
    }
    text
}
