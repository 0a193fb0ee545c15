//! `callcoach play SCENARIO --text`: a whole call in the terminal, one reply per line on stdin.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use callcoach_core::scenario::{ClockTime, Scenario, check_paths};
use callcoach_core::scoring::{DEFAULT_RUBRIC, Scorer};
use callcoach_core::session::{
    AgentTurn, COMMAND_HELP, Event, Mode, Session, SessionOptions, parse_turn,
};
use callcoach_core::store::{AttemptStatus, NewAttempt, Store, content_hash};
use callcoach_core::text::{Morphology, minutes_seconds as duration};
use callcoach_core::transcript::Speech;

/// Arguments of `play`.
#[derive(Debug, clap::Args)]
pub struct PlayArgs {
    /// Scenario id (see `callcoach check`) or path to a .ron file.
    scenario: String,
    /// Play in the terminal by text (the app is `callcoach` without arguments).
    #[arg(long)]
    text: bool,
    /// Seed of the customer's choices: the same seed and replies give the same call.
    #[arg(long)]
    seed: Option<u64>,
    /// Exam mode: no hints.
    #[arg(long)]
    exam: bool,
    /// Write the transcript (JSON contract) to this file when the call ends.
    #[arg(long, value_name = "FILE")]
    transcript: Option<PathBuf>,
    /// Rubric file (default: the built-in `assets/rubrics/default.ron`).
    #[arg(long, value_name = "PATH")]
    rubric: Option<PathBuf>,
    /// Record the attempt for this trainee in the progress database (see `--db`).
    #[arg(long, value_name = "NAME")]
    trainee: Option<String>,
    /// Replies by voice: an empty line (Enter) listens to the microphone until you pause; typed
    /// lines and commands work as usual.
    #[arg(long)]
    voice: bool,
    /// The microphone for `--voice`, by name (see `callcoach mic list`; default: the system's).
    #[arg(long, value_name = "NAME")]
    mic: Option<String>,
}

/// Plays one call on stdin/stdout.
pub fn run(
    args: &PlayArgs,
    scenarios: &Path,
    db: &Path,
    model: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let morphology = Morphology::shared()?;
    let scorer = match crate::score::load_scorer(args.rubric.as_deref(), &morphology)? {
        Ok(scorer) => scorer,
        Err(diagnostics) => bail!("рубрика содержит ошибки:\n{}", diagnostics.trim_end()),
    };
    let (scenario_path, scenario) = find_scenario(&args.scenario, scenarios, &morphology, &scorer)?;
    let mode = if args.exam {
        Mode::Exam
    } else {
        Mode::Practice
    };
    if scenario.exam_only && mode == Mode::Practice {
        bail!(
            "сценарий «{}» только для экзаменов: в практике он недоступен, чтобы экзамен проверял незнакомый звонок",
            scenario.id
        );
    }
    let seed = args.seed.unwrap_or_else(random_seed);
    let mut recording = match &args.trainee {
        Some(name) => {
            let store = Store::open(db)?;
            let trainee = store.trainee(name)?.ok_or_else(|| {
                callcoach_core::store::StoreError::UnknownTrainee(name.trim().to_owned())
            })?;
            let attempt = NewAttempt {
                trainee: &trainee,
                mode: mode.into(),
                scenario_id: &scenario.id,
                scenario_hash: content_hash(&read(&scenario_path)?),
                rubric_hash: content_hash(&rubric_text(args.rubric.as_deref())?),
                seed,
                exam_run: None,
            };
            let id = store.start_attempt(&attempt)?;
            Some((store, Recorder::new(id)))
        }
        None => None,
    };
    let stdin = std::io::stdin();
    let typed = stdin.lock().lines().map(|line| line.map(Said::from));
    let mut lines: Box<dyn Iterator<Item = std::io::Result<Said>>> = if args.voice {
        Box::new(crate::speech::VoiceLines::new(
            typed,
            args.mic.as_deref(),
            model,
            scenario.speech_prompt(),
        )?)
    } else {
        Box::new(typed)
    };
    let mut out = std::io::stdout().lock();
    let call = play_call(
        Call {
            scenario,
            seed,
            mode,
            scorer: &scorer,
            morphology,
        },
        recording
            .as_mut()
            .map(|(store, recorder)| (store, recorder)),
        &mut lines,
        &mut out,
    )?;
    writeln!(out, "\nРазбор звонка\n")?;
    write!(out, "{}", call.report.to_text(&call.transcript))?;
    if let Some(path) = &args.transcript {
        std::fs::write(path, call.transcript.to_json() + "\n")
            .with_context(|| format!("could not write the transcript to {}", path.display()))?;
        writeln!(out, "Стенограмма записана в {}.", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The text of a file, with a clear error.
pub fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("не удалось прочитать {}", path.display()))
}

/// The rubric's text: the file, or the built-in default.
pub fn rubric_text(rubric: Option<&Path>) -> anyhow::Result<String> {
    rubric.map_or_else(|| Ok(DEFAULT_RUBRIC.to_owned()), read)
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

/// What a call needs.
pub struct Call<'a> {
    /// The scenario.
    pub scenario: Scenario,
    /// Its seed.
    pub seed: u64,
    /// Practice or exam.
    pub mode: Mode,
    /// The scorer: live hints and the final report.
    pub scorer: &'a Scorer,
    /// The dictionary.
    pub morphology: Morphology,
}

/// A played call.
pub struct PlayedCall {
    /// What was said.
    pub transcript: callcoach_core::transcript::Transcript,
    /// Its score.
    pub report: callcoach_core::scoring::ScoreReport,
    /// Whether the call reached an end (not cut off by the input ending).
    pub finished: bool,
}

/// Plays one call from `lines` to `out`: briefing, the dialogue, the summary; records every
/// turn when `recording` is given and ends the attempt with its score.
pub fn play_call(
    call: Call<'_>,
    mut recording: Option<(&mut Store, &mut Recorder)>,
    lines: &mut impl Iterator<Item = std::io::Result<Said>>,
    out: &mut impl Write,
) -> anyhow::Result<PlayedCall> {
    let Call {
        scenario,
        seed,
        mode,
        scorer,
        morphology,
    } = call;
    let (mut session, opening) = Session::start(
        Arc::new(scenario),
        SessionOptions { seed, mode },
        morphology,
        Box::new(scorer.clone()),
    )?;
    if let Some((store, recorder)) = &mut recording {
        recorder.record(store, session.transcript())?;
    }
    let interactive = std::io::stdin().is_terminal();
    let start = ClockTime::parse(&session.scenario().clock).unwrap_or(ClockTime { minutes: 0 });
    print_briefing(out, session.scenario(), seed)?;
    print_events(out, &session, start, &opening)?;
    while session.outcome().is_none() {
        if interactive {
            write!(out, "> ")?;
        }
        out.flush()?;
        let Some(line) = lines.next() else { break };
        let line = line.context("could not read a reply from standard input")?;
        let turn = match (parse_turn(&line.text), line.speech) {
            (Ok(Some(AgentTurn::Reply(text))), Some(speech)) => AgentTurn::Spoken { text, speech },
            (Ok(Some(turn)), _) => turn,
            (Ok(None), _) => continue,
            (Err(error), _) => {
                writeln!(out, "  ! {error}")?;
                continue;
            }
        };
        let said_before = session.transcript().turns.len();
        let events = session.advance(turn)?;
        if let Some((store, recorder)) = &mut recording {
            recorder.record(store, session.transcript())?;
        }
        // Piped replies are not echoed by a terminal: show them so the output reads as a dialogue.
        if !interactive
            && let Some(reply) = session.transcript().turns.get(said_before)
            && let Some(text) = &reply.text
        {
            writeln!(out, "[{}] Вы: {text}", clock(start, reply.at))?;
        }
        print_events(out, &session, start, &events)?;
    }
    let finished = session.outcome().is_some();
    if !finished {
        writeln!(
            out,
            "Ввод закончился до конца разговора: звонок прерван на шаге «{}».",
            session.step_id()
        )?;
    }
    print_summary(out, &session)?;
    let report = scorer.score(session.transcript());
    if let Some((store, recorder)) = recording {
        let status = if finished {
            AttemptStatus::Finished
        } else {
            AttemptStatus::Abandoned
        };
        store.finish_attempt(recorder.attempt, status, Some(&report))?;
    }
    Ok(PlayedCall {
        transcript: session.transcript().clone(),
        report,
        finished,
    })
}

/// Loads the scenario by path or id; a broken or unknown scenario is a clear error.
fn find_scenario(
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

pub fn random_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as u64 % 1_000_000)
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

fn print_events(
    out: &mut impl Write,
    session: &Session,
    start: ClockTime,
    events: &[Event],
) -> std::io::Result<()> {
    let name = &session.scenario().customer.name;
    for event in events {
        match event {
            Event::CustomerSpoke { text, at } => {
                writeln!(out, "[{}] {name}: {text}", clock(start, *at))?
            }
            Event::HintOffered { text } => writeln!(out, "  Подсказка: {text}")?,
            Event::FindingsReported { findings, .. } => {
                for finding in findings {
                    writeln!(
                        out,
                        "  Замечание: {} Лучше: «{}».",
                        finding.message, finding.suggestion
                    )?;
                }
            }
            Event::MoodChanged { mood, change } => writeln!(
                out,
                "  Настроение клиента: {} {:.2} ({})",
                mood_bar(*mood),
                mood,
                if *change > 0.0 {
                    "злится сильнее"
                } else {
                    "успокаивается"
                }
            )?,
            Event::HoldStarted {
                at,
                promised_seconds,
            } => writeln!(
                out,
                "[{}] — клиент на удержании ({})",
                clock(start, *at),
                promised_seconds.map_or_else(
                    || "срок ожидания не назван".to_owned(),
                    |seconds| format!("обещано {}", duration(seconds))
                )
            )?,
            Event::HoldEnded { at, seconds } => writeln!(
                out,
                "[{}] — удержание окончено через {}",
                clock(start, *at),
                duration(*seconds)
            )?,
            Event::CallEnded { outcome, .. } => match outcome.kind {
                Some(kind) => writeln!(
                    out,
                    "Звонок окончен — {}. {}",
                    kind.describe(),
                    outcome.summary
                )?,
                None => writeln!(out, "Звонок окончен. {}", outcome.summary)?,
            },
        }
    }
    Ok(())
}

fn mood_bar(mood: f32) -> String {
    let filled = (mood * 10.0).round() as usize;
    format!(
        "[{}{}]",
        "#".repeat(filled),
        ".".repeat(10 - filled.min(10))
    )
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

/// Records an attempt turn by turn, so a killed process loses nothing.
pub struct Recorder {
    attempt: i64,
    recorded: usize,
}

impl Recorder {
    /// Records into the attempt with this id.
    pub fn new(attempt: i64) -> Recorder {
        Recorder {
            attempt,
            recorded: 0,
        }
    }

    /// Commits every turn not yet recorded.
    fn record(
        &mut self,
        store: &Store,
        transcript: &callcoach_core::transcript::Transcript,
    ) -> anyhow::Result<()> {
        for (index, turn) in transcript.turns.iter().enumerate().skip(self.recorded) {
            store.record_turn(self.attempt, index, turn)?;
            self.recorded = index + 1;
        }
        Ok(())
    }
}
