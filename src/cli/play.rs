//! `callcoach play SCENARIO --text`: a whole call in the terminal, one reply per line on stdin.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use callcoach::output::{Existing, write_file};
use callcoach::render::debrief::debrief;
use callcoach_core::attempt::{Attempt, AttemptPlan, FinishedCall};
use callcoach_core::check::check_paths;
use callcoach_core::ledger::Ledger;
use callcoach_core::meaning::{Embeddings, Lexicon};
use callcoach_core::scenario::{ClockTime, Scenario};
use callcoach_core::scoring::Scorer;
use callcoach_core::session::{
    AgentTurn, COMMAND_HELP, Event, MAX_REPLY_CHARS, Mode, NarrationKind, Session, SessionError,
    narrate, parse_turn,
};
use callcoach_core::source::read_text;
use callcoach_core::store::{Store, StoreError};
use callcoach_core::text::{Morphology, minutes_seconds as duration};
use callcoach_core::transcript::{Speaker, Speech};

/// Arguments of `play`.
#[derive(Debug, clap::Args)]
pub struct PlayArgs {
    /// Id сценария (их пишет callcoach check) или путь к файлу .ron.
    scenario: String,
    /// Играть текстом в терминале (окно тренажёра — callcoach без аргументов).
    #[arg(long)]
    text: bool,
    /// Seed выбора клиента: тот же seed и те же ответы дают тот же звонок.
    #[arg(long)]
    seed: Option<u64>,
    /// Без подсказок, как на экзамене (записывается как практика: экзамен начинает служба
    /// качества командой exam start).
    #[arg(long)]
    exam: bool,
    /// Записать расшифровку (JSON) в этот файл после звонка (новый файл; см. --force).
    #[arg(long, value_name = "FILE")]
    transcript: Option<PathBuf>,
    /// Разрешить --transcript заменить существующий файл (никогда — базу, папку или ссылку).
    #[arg(long, requires = "transcript")]
    force: bool,
    /// Файл рубрики (по умолчанию — встроенная assets/rubrics/default.ron).
    #[arg(long, value_name = "PATH")]
    rubric: Option<PathBuf>,
    /// Записать попытку этому стажёру в базу прогресса (см. --db).
    #[arg(long, value_name = "NAME")]
    trainee: Option<String>,
    /// Звонок голосом: клиент говорит свои реплики вслух, пустая строка (Enter) перебивает его и
    /// слушает микрофон до паузы; набранные строки и команды работают как обычно.
    #[arg(long)]
    voice: bool,
    /// Микрофон для --voice, по имени (список — callcoach mic list; по умолчанию системный).
    #[arg(long, value_name = "NAME")]
    mic: Option<String>,
    /// Звуковой выход для голоса клиента в --voice, по имени (по умолчанию системный).
    #[arg(long, value_name = "NAME")]
    speaker: Option<String>,
}

/// Plays one call on stdin/stdout.
pub fn run(
    args: &PlayArgs,
    scenarios: &Path,
    db: &Path,
    model: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    Embeddings::preload();
    let morphology = Morphology::shared()?;
    let scorer = match super::score::load_scorer(args.rubric.as_deref(), &morphology)? {
        Ok(scorer) => scorer,
        Err(diagnostics) => bail!("рубрика содержит ошибки:\n{}", diagnostics.trim_end()),
    };
    let (file, scenario) = find_scenario(&args.scenario, scenarios, &morphology, &scorer)?;
    let plan = AttemptPlan {
        scenario: Arc::new(scenario),
        mode: if args.exam {
            Mode::Exam
        } else {
            Mode::Practice
        },
        seed: args.seed,
        trainee: args.trainee.clone(),
        in_sitting: false,
    };
    let (attempt, opening) = Attempt::start(plan, &scorer, Lexicon::shared()?)?;
    let mut store = match &args.trainee {
        Some(_) => Some(Store::open(db)?),
        None => None,
    };
    let stdin = std::io::stdin();
    let typed = input_lines(stdin.lock());
    let (mut lines, mut voice): VoiceCall<'_> = if args.voice {
        voice_lines(typed, args, model, attempt.session().scenario(), &file)?
    } else {
        (Box::new(typed), None)
    };
    let mut out = std::io::stdout().lock();
    let mut ledger = Ledger::new();
    let call = play_call(
        attempt,
        &opening,
        store.as_mut().map(|store| (store, &mut ledger)),
        &mut lines,
        voice.as_deref_mut(),
        &mut out,
    )?;
    writeln!(out, "\nРазбор звонка\n")?;
    write!(out, "{}", debrief(&call.report, &call.transcript))?;
    if let Some(path) = &args.transcript {
        let existing = if args.force {
            Existing::Replace
        } else {
            Existing::Refuse(Some("--force"))
        };
        write_file(
            path,
            (call.transcript.to_json() + "\n").as_bytes(),
            existing,
            &[db],
        )?;
        writeln!(out, "Стенограмма записана в {}.", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Lines and the customer's voice of a call played by voice.
type VoiceCall<'a> = (
    Box<dyn Iterator<Item = std::io::Result<Said>> + 'a>,
    Option<Box<dyn CustomerVoice>>,
);

/// Typed lines, with the microphone heard on an empty one, and the customer's lines spoken.
#[cfg(feature = "speech")]
fn voice_lines<'a>(
    typed: impl Iterator<Item = std::io::Result<Said>> + 'a,
    args: &PlayArgs,
    model: Option<&Path>,
    scenario: &callcoach_core::scenario::Scenario,
    file: &Path,
) -> anyhow::Result<VoiceCall<'a>> {
    let voice = super::speech::SpokenCustomer::new(scenario, file, args.speaker.as_deref());
    let lines = super::speech::VoiceLines::new(
        typed,
        args.mic.as_deref(),
        model,
        scenario.speech_prompt(),
        voice.cutter(),
    )?;
    Ok((Box::new(lines), Some(Box::new(voice))))
}

/// The customer's lines said aloud as they are printed (`play --voice`).
pub trait CustomerVoice {
    /// Starts saying `text` in `mood` (after the line before it ends).
    fn say(&mut self, text: &str, mood: f32, out: &mut dyn Write);
    /// Stops the line being said: the seconds of it said, when it was still being said.
    fn cut(&mut self) -> Option<f64>;
    /// Waits for the line being said to end.
    fn finish(&mut self);
}

/// This build has no speech: `--voice` says so instead of being ignored.
#[cfg(not(feature = "speech"))]
fn voice_lines<'a>(
    _typed: impl Iterator<Item = std::io::Result<Said>> + 'a,
    _args: &PlayArgs,
    _model: Option<&Path>,
    _scenario: &callcoach_core::scenario::Scenario,
    _file: &Path,
) -> anyhow::Result<VoiceCall<'a>> {
    bail!(
        "эта сборка callcoach без распознавания речи (--no-default-features): --voice недоступен. Отвечайте текстом или соберите callcoach с функцией speech."
    )
}

/// The text of a file, with a clear error.
pub fn read(path: &Path) -> anyhow::Result<String> {
    read_text(path, MAX_INPUT_BYTES)
        .map_err(|error| anyhow!("не удалось прочитать {}: {error}", path.display()))
}

/// The largest transcript, certificate or key file read: a day-long call is well under it.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// The longest input line read, in bytes: a reply of [`MAX_REPLY_CHARS`] Cyrillic letters and
/// some; a longer line is never held in memory whole.
const MAX_LINE_BYTES: usize = MAX_REPLY_CHARS * 4 + 64;

/// The trainee's typed lines, each read up to [`MAX_LINE_BYTES`]: a longer line is skipped to
/// its end and comes as an `InvalidInput` error, bytes that are not UTF-8 as `InvalidData` —
/// each costs that line, not the call.
pub fn input_lines(mut reader: impl BufRead) -> impl Iterator<Item = std::io::Result<Said>> {
    use std::io::{Error, ErrorKind, Read};
    std::iter::from_fn(move || {
        let mut bytes = Vec::new();
        match (&mut reader)
            .take(MAX_LINE_BYTES as u64)
            .read_until(b'\n', &mut bytes)
        {
            Ok(0) => return None,
            Ok(_) => {}
            Err(error) => return Some(Err(error)),
        }
        if bytes.last() != Some(&b'\n') && bytes.len() >= MAX_LINE_BYTES {
            let rest = reader.skip_until(b'\n').unwrap_or(0);
            return Some(Err(Error::new(
                ErrorKind::InvalidInput,
                format!("{}", bytes.len() + rest),
            )));
        }
        while matches!(bytes.last(), Some(b'\n' | b'\r')) {
            bytes.pop();
        }
        Some(
            String::from_utf8(bytes)
                .map(Said::from)
                .map_err(|_| Error::from(ErrorKind::InvalidData)),
        )
    })
}

/// One line of the trainee's input: typed, or spoken and recognised.
#[derive(Clone, Debug, PartialEq)]
pub struct Said {
    /// The text (a reply or a command).
    pub text: String,
    /// How it was spoken, when it came from the microphone.
    pub speech: Option<Speech>,
}

impl From<String> for Said {
    fn from(text: String) -> Said {
        Said { text, speech: None }
    }
}

/// Plays a started attempt from `lines` to `out`: briefing, the dialogue, the summary; writes
/// the attempt's records to the store as they are made when `recording` is given.
pub fn play_call(
    mut attempt: Attempt,
    opening: &[Event],
    mut recording: Option<(&mut Store, &mut Ledger)>,
    lines: &mut impl Iterator<Item = std::io::Result<Said>>,
    mut voice: Option<&mut (dyn CustomerVoice + '_)>,
    out: &mut impl Write,
) -> anyhow::Result<FinishedCall> {
    // Records wait in the ledger while another process holds the database: the call goes on, and
    // at its end the program waits for the database rather than lose the call.
    let mut busy = false;
    let mut write_records = |attempt: &mut Attempt,
                             out: &mut dyn Write,
                             last: bool|
     -> anyhow::Result<()> {
        let Some((store, ledger)) = &mut recording else {
            return Ok(());
        };
        let mut records = attempt.take_records();
        loop {
            match ledger.write(store, std::mem::take(&mut records)) {
                Ok(()) => {
                    if busy {
                        writeln!(out, "  (база освободилась: всё сказанное записано)")?;
                        busy = false;
                    }
                    return Ok(());
                }
                Err(StoreError::Locked { .. }) if !last => {
                    if !busy {
                        writeln!(
                            out,
                            "  ! база прогресса занята другим процессом: ответ сохранён и будет записан, когда она освободится; звонок продолжается"
                        )?;
                        busy = true;
                    }
                    return Ok(());
                }
                Err(StoreError::Locked { .. }) => {
                    writeln!(
                        out,
                        "  ! база прогресса всё ещё занята: жду, пока она освободится, чтобы записать звонок ({} записей ждут; Ctrl+C — выйти без записи)",
                        ledger.waiting()
                    )?;
                    busy = true;
                }
                Err(error) => return Err(error.into()),
            }
        }
    };
    write_records(&mut attempt, out, false)?;
    let interactive = std::io::stdin().is_terminal();
    let start =
        ClockTime::parse(&attempt.session().scenario().clock).unwrap_or(ClockTime { minutes: 0 });
    print_briefing(out, attempt.session().scenario(), attempt.seed())?;
    print_events(out, attempt.session(), start, opening)?;
    speak(voice.as_deref_mut(), opening, out);
    while !attempt.is_over() {
        if interactive {
            write!(out, "> ")?;
        } else if let Some(voice) = voice.as_deref_mut() {
            // A script cannot cut in by being quick: it waits for the customer (`/cut` cuts in).
            voice.finish();
        }
        out.flush()?;
        let Some(line) = lines.next() else { break };
        let line = match line {
            Ok(line) => line,
            // One garbled line loses that line, not the call.
            Err(error) if error.kind() == std::io::ErrorKind::InvalidData => {
                writeln!(
                    out,
                    "  ! строка ввода не в кодировке UTF-8 — она пропущена, повторите ответ"
                )?;
                continue;
            }
            Err(error) if error.kind() == std::io::ErrorKind::InvalidInput => {
                writeln!(
                    out,
                    "  ! строка ввода слишком длинная ({} байт, а в одной реплике — не больше {MAX_REPLY_CHARS} знаков) — она пропущена, скажите короче",
                    error
                        .into_inner()
                        .map(|inner| inner.to_string())
                        .unwrap_or_default()
                )?;
                continue;
            }
            Err(error) => {
                return Err(error).context("не удалось прочитать ответ со стандартного ввода");
            }
        };
        let turn = match (parse_turn(&line.text), line.speech) {
            (Ok(Some(AgentTurn::Reply(text))), Some(speech)) => AgentTurn::Spoken { text, speech },
            (Ok(Some(turn)), _) => turn,
            (Ok(None), _) => continue,
            (Err(error), _) => {
                writeln!(out, "  ! {error}")?;
                continue;
            }
        };
        if matches!(turn, AgentTurn::Reply(_) | AgentTurn::Spoken { .. })
            && let Some(said) = voice.as_deref_mut().and_then(CustomerVoice::cut)
        {
            attempt.barge_in(said);
        }
        let said_before = attempt.session().transcript().turns.len();
        let events = match attempt.advance(turn) {
            Ok(events) => events,
            Err(error @ SessionError::TooLong(_)) => {
                writeln!(out, "  ! {error}")?;
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        write_records(&mut attempt, out, false)?;
        // Piped replies are not echoed by a terminal: show them so the output reads as a dialogue.
        // A silence adds no reply of the agent's: the first new turn is then the customer's.
        if !interactive
            && let Some(reply) = attempt.session().transcript().turns.get(said_before)
            && reply.speaker == Speaker::Agent
            && let Some(text) = &reply.text
        {
            writeln!(out, "[{}] Вы: {text}", clock(start, reply.at))?;
        }
        print_events(out, attempt.session(), start, &events)?;
        speak(voice.as_deref_mut(), &events, out);
    }
    if let Some(voice) = voice {
        voice.finish();
    }
    if !attempt.is_over() {
        writeln!(
            out,
            "Ввод закончился до конца разговора: звонок прерван на шаге «{}».",
            attempt.session().step_id()
        )?;
    }
    print_summary(out, attempt.session())?;
    let finished = attempt.finish();
    write_records(&mut attempt, out, true)?;
    Ok(finished)
}

/// Loads the scenario by path or id, with the file it was read from; a broken or unknown
/// scenario is a clear error.
pub(super) fn find_scenario(
    wanted: &str,
    folder: &Path,
    morphology: &Morphology,
    scorer: &Scorer,
) -> anyhow::Result<(PathBuf, Scenario)> {
    let as_path = Path::new(wanted);
    let looks_like_path = wanted.ends_with(".ron") || wanted.contains(std::path::MAIN_SEPARATOR);
    let paths = if looks_like_path {
        vec![as_path.to_owned()]
    } else {
        vec![folder.to_owned()]
    };
    let report = check_paths(&paths, morphology, scorer);
    if looks_like_path && report.has_errors() {
        let diagnostics: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
        bail!(
            "сценарий {} содержит ошибки:\n{}",
            as_path.display(),
            diagnostics.join("\n")
        );
    }
    let library = report.into_library();
    if looks_like_path {
        return library
            .scenarios
            .into_iter()
            .next()
            .with_context(|| format!("в файле {} нет сценария", as_path.display()));
    }
    if let Some(found) = library
        .scenarios
        .iter()
        .find(|(_, scenario)| scenario.id == wanted)
    {
        return Ok(found.clone());
    }
    let broken = library
        .diagnostics
        .iter()
        .any(|diagnostic| diagnostic.severity == callcoach_core::scenario::Severity::Error);
    let mut ids = library.ids();
    ids.sort_unstable();
    bail!(
        "сценарий «{wanted}» не найден в папке {}. Есть: {}.{}",
        folder.display(),
        if ids.is_empty() {
            "ничего".to_owned()
        } else {
            ids.join(", ")
        },
        if broken {
            " Некоторые файлы содержат ошибки: запустите callcoach check."
        } else {
            ""
        }
    )
}

fn clock(start: ClockTime, seconds: f64) -> String {
    let total = u64::from(start.minutes) * 60 + seconds.max(0.0) as u64;
    format!(
        "{:02}:{:02}:{:02}",
        total / 3600 % 24,
        total / 60 % 60,
        total % 60
    )
}

fn print_briefing(out: &mut impl Write, scenario: &Scenario, seed: u64) -> std::io::Result<()> {
    writeln!(
        out,
        "«{}» — сложность {}/5",
        scenario.title, scenario.difficulty
    )?;
    writeln!(out, "{}", scenario.summary)?;
    writeln!(
        out,
        "Вы — сотрудник компании «{}». Время звонка: {}.",
        scenario.company, scenario.clock
    )?;
    let customer = &scenario.customer;
    writeln!(
        out,
        "Звонит: {} — {}.",
        customer.name,
        customer.portrait.describe()
    )?;
    writeln!(out, "Команды: {COMMAND_HELP}. Seed звонка: {seed}.")?;
    writeln!(out)
}

/// Says the customer's lines among `events` aloud.
fn speak(voice: Option<&mut (dyn CustomerVoice + '_)>, events: &[Event], out: &mut impl Write) {
    let Some(voice) = voice else { return };
    for event in events {
        if let Event::CustomerSpoke { text, mood, .. } = event {
            voice.say(text, *mood, out);
        }
    }
}

fn print_events(
    out: &mut impl Write,
    session: &Session,
    start: ClockTime,
    events: &[Event],
) -> std::io::Result<()> {
    let customer = &session.scenario().customer.name;
    for line in events.iter().flat_map(|event| narrate(event, customer)) {
        let at = clock(start, line.at.unwrap_or_default());
        match line.kind {
            NarrationKind::Customer => writeln!(out, "[{at}] {}", line.text)?,
            NarrationKind::Hint | NarrationKind::Mood => writeln!(out, "  {}", line.text)?,
            NarrationKind::HoldStarted | NarrationKind::HoldEnded => {
                writeln!(out, "[{at}] — {}", line.text)?
            }
            NarrationKind::CallEnded => writeln!(out, "{}", line.text)?,
        }
    }
    Ok(())
}

fn print_summary(out: &mut impl Write, session: &Session) -> std::io::Result<()> {
    let transcript = session.transcript();
    let replies = transcript
        .turns
        .iter()
        .filter(|turn| {
            turn.text.is_some() && turn.speaker == callcoach_core::transcript::Speaker::Agent
        })
        .count();
    let holds: Vec<u32> = transcript
        .turns
        .iter()
        .filter_map(|turn| turn.hold_seconds)
        .collect();
    writeln!(out)?;
    writeln!(
        out,
        "Итог: длительность {}, ваших реплик — {replies}, удержаний — {}{}, настроение клиента в конце — {:.2}.",
        duration(session.elapsed_seconds() as u32),
        holds.len(),
        if holds.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                holds
                    .iter()
                    .map(|&s| duration(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        session.mood()
    )
}
