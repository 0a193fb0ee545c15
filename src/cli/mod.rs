//! The command line: parses the arguments and runs a subcommand (or opens the app).

mod check;
mod exam;
mod play;
mod report;
mod russian;
mod score;
#[cfg(feature = "speech")]
mod speech;
mod team;
mod trainee;
mod voice;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use callcoach::paths;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// callcoach — тренажёр трудных звонков для операторов и техподдержки: каждая реплика оценивается
/// и объясняется. Без команды открывает окно тренажёра.
#[derive(Debug, Parser)]
#[command(name = "callcoach", version)]
struct Cli {
    /// Папка сценариев (по умолчанию — CALLCOACH_SCENARIOS, иначе поставляемая scenarios/).
    #[arg(long, global = true, value_name = "DIR")]
    scenarios: Option<PathBuf>,
    /// База прогресса (по умолчанию — CALLCOACH_DB, иначе в папке данных пользователя).
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Прогнать окно по демонстрационному сценарию, сохранить снимок каждого экрана в ПАПКУ и
    /// выйти (демонстрация пишет в ПАПКА/demo.sqlite, не в вашу базу).
    #[cfg(feature = "app")]
    #[arg(long, value_name = "DIR")]
    demo_screenshots: Option<PathBuf>,
    /// Окно: играть каждый звонок и экзамен с этим seed (seed записанной попытки повторяет её
    /// звонок).
    #[cfg(feature = "app")]
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Модель распознавания речи, ggml (по умолчанию — CALLCOACH_MODEL, иначе установленная
    /// командой model install).
    #[arg(long, global = true, value_name = "PATH")]
    model: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Проверить файлы сценариев, рубрик и экзаменов: «файл:строка:столбец: error: …», код 1 при
    /// ошибках.
    Check {
        /// Файлы или папки (по умолчанию — папка сценариев и assets/rubrics).
        paths: Vec<PathBuf>,
    },
    /// Сыграть звонок в терминале: по реплике в строке стандартного ввода.
    Play(play::PlayArgs),
    /// Оценить записанный звонок (расшифровку в JSON) по стандарту разговора.
    Score(score::ScoreArgs),
    /// Стажёры в базе прогресса.
    #[command(subcommand)]
    Trainee(trainee::TraineeCommand),
    /// Проверка базы прогресса и контрольные точки.
    #[command(subcommand)]
    Db(trainee::DbCommand),
    /// Аттестационные экзамены (начать экзамен может только экзаменатор, по паролю).
    #[command(subcommand)]
    Exam(exam::ExamCommand),
    /// Сертификаты.
    #[command(subcommand)]
    Cert(exam::CertCommand),
    /// Экзаменатор (служба качества): настройка, выгрузка и установка ключа, доверенные ключи.
    #[command(subcommand)]
    Examiner(exam::ExaminerCommand),
    /// Командный режим: общий сервер PostgreSQL для всех рабочих мест, один список стажёров,
    /// один экзаменатор.
    #[command(subcommand)]
    Team(team::TeamCommand),
    /// Отчёт о прогрессе: попытки стажёра, динамика, нарушенные правила, экзамены, сертификаты.
    Report(report::ReportArgs),
    /// Голос клиента: послушать реплику, сценарий записи, запись реплик.
    #[command(subcommand)]
    Voice(voice::VoiceCommand),
    /// Модель распознавания речи: установка, конвертация, проверка.
    #[cfg(feature = "speech")]
    #[command(subcommand)]
    Model(speech::ModelCommand),
    /// Распознать записанную реплику (WAV) без сети: текст, фрагменты, время.
    #[cfg(feature = "speech")]
    Transcribe(speech::TranscribeArgs),
    /// Микрофоны.
    #[cfg(feature = "speech")]
    #[command(subcommand)]
    Mic(speech::MicCommand),
}

/// Runs the command line; errors are printed in Russian and exit 2.
pub fn main() -> ExitCode {
    let parsed = russian::command(Cli::command())
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => return parse_failed(&error),
    };
    let scenarios = paths::scenario_folder(cli.scenarios.as_deref());
    let (db, default_db) = trainee::database_path(cli.db.as_deref());
    let writes = cli.command.is_none()
        || matches!(
            cli.command,
            Some(
                Command::Trainee(trainee::TraineeCommand::Add { .. })
                    | Command::Play(_)
                    | Command::Exam(_)
                    | Command::Examiner(_)
                    | Command::Team(_)
            )
        );
    if default_db
        && writes
        && let Err(error) = trainee::create_default_folder(&db)
    {
        let _ = writeln!(std::io::stderr(), "ошибка: {error:#}");
        return ExitCode::from(2);
    }
    // What a team desktop sends to the server as soon as it is recorded.
    let records = matches!(
        cli.command,
        Some(
            Command::Play(_)
                | Command::Exam(exam::ExamCommand::Start { .. })
                | Command::Trainee(trainee::TraineeCommand::Add { .. })
                | Command::Db(trainee::DbCommand::Anchor)
        )
    );
    let result = match cli.command {
        Some(Command::Check { paths }) => check::run(&paths, &scenarios, &paths::rubric_folder()),
        Some(Command::Play(args)) => play::run(&args, &scenarios, &db, cli.model.as_deref()),
        Some(Command::Score(args)) => score::run(&args),
        Some(Command::Trainee(command)) => trainee::run(&command, &db),
        Some(Command::Db(command)) => trainee::run_db(&command, &db),
        Some(Command::Exam(command)) => exam::run(&command, &scenarios, &db),
        Some(Command::Cert(command)) => exam::run_cert(&command, &db),
        Some(Command::Examiner(command)) => exam::run_examiner(&command, &db),
        Some(Command::Report(args)) => report::run(&args, &db),
        Some(Command::Team(command)) => team::run(&command, &db),
        Some(Command::Voice(command)) => voice::run(&command, &scenarios, &db),
        #[cfg(feature = "speech")]
        Some(Command::Model(command)) => speech::run_model(&command, cli.model.as_deref()),
        #[cfg(feature = "speech")]
        Some(Command::Transcribe(args)) => speech::run_transcribe(&args, cli.model.as_deref()),
        #[cfg(feature = "speech")]
        Some(Command::Mic(command)) => speech::run_mic(&command),
        #[cfg(feature = "app")]
        None => callcoach::app::run(callcoach::app::AppConfig {
            scenarios: scenarios.clone(),
            db: cli
                .demo_screenshots
                .as_ref()
                .map_or_else(|| db.clone(), |folder| folder.join("demo.sqlite")),
            demo: cli.demo_screenshots.clone(),
            seed: cli.seed,
        }),
        #[cfg(not(feature = "app"))]
        None => Err(anyhow::anyhow!(
            "эта сборка callcoach — только командная строка (--no-default-features), окна тренажёра в ней нет. Список команд: callcoach --help."
        )),
    };
    if records && result.is_ok() {
        team::after_recording(&db);
    }
    match result {
        Ok(code) => code,
        // The reader went away (`play … | head -1`): stop quietly, as Unix tools do.
        Err(error) if closed_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            // Never a panic, even with stderr closed too.
            let _ = writeln!(std::io::stderr(), "ошибка: {}", russian_causes(&error));
            ExitCode::from(2)
        }
    }
}

/// Help and version asked for, or arguments that do not parse: said in Russian.
fn parse_failed(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let text = russian::help(&error.render().to_string());
            let _ = writeln!(std::io::stdout(), "{}", text.trim_end());
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = write!(
                std::io::stderr(),
                "{}",
                russian::help(&error.render().to_string())
            );
            ExitCode::from(2)
        }
        _ => {
            let _ = writeln!(std::io::stderr(), "{}", russian::error(error));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, in Russian: a system error is said by what it means, and a cause
/// in a library's English (which a Russian message above it already explains) is left out.
fn russian_causes(error: &anyhow::Error) -> String {
    let russian = |text: &str| text.chars().any(|c| matches!(c, 'а'..='я' | 'А'..='Я'));
    let causes: Vec<String> = error
        .chain()
        .filter_map(|cause| match cause.downcast_ref::<std::io::Error>() {
            Some(io) => Some(callcoach_core::source::io_reason(io)),
            None => Some(cause.to_string()).filter(|text| russian(text)),
        })
        .collect();
    if causes.is_empty() {
        "непредвиденная ошибка; повторите команду".to_owned()
    } else {
        causes.join(": ")
    }
}

/// A secret: from the environment variable `env` (scripts), else asked on the terminal without
/// echo. `whose` names it and `or` says where else it may be given when there is no terminal.
fn secret(env: &str, prompt: &str, whose: &str, or: &str) -> anyhow::Result<String> {
    use anyhow::Context;
    if let Ok(value) = std::env::var(env) {
        return Ok(value);
    }
    rpassword::prompt_password(prompt).with_context(|| {
        format!("не удалось спросить пароль {whose}: нет терминала; передайте его в {env}{or}")
    })
}

/// Whether the error is a write to a pipe nobody reads any more.
fn closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
