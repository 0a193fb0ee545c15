//! The command line: parses the arguments and runs a subcommand (or opens the app).

mod check;
mod exam;
mod play;
mod report;
mod score;
#[cfg(feature = "speech")]
mod speech;
mod trainee;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use callcoach::paths;
use clap::{Parser, Subcommand};

/// Call-centre training simulator: practise difficult calls in Russian.
#[derive(Debug, Parser)]
#[command(name = "callcoach", version, about)]
struct Cli {
    /// Folder with scenario files (default: CALLCOACH_SCENARIOS, else the bundled `scenarios/`).
    #[arg(long, global = true, value_name = "DIR")]
    scenarios: Option<PathBuf>,
    /// Progress database (default: CALLCOACH_DB, else the platform data directory).
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Run the app through a scripted demo, save a PNG per screen into DIR and exit (the demo
    /// records into DIR/demo.sqlite, never into your progress database).
    #[cfg(feature = "app")]
    #[arg(long, value_name = "DIR")]
    demo_screenshots: Option<PathBuf>,
    /// The app: play every call and exam sitting with this seed (the seed an attempt recorded
    /// replays its call).
    #[cfg(feature = "app")]
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Speech model, ggml (default: CALLCOACH_MODEL, else the one `model install` put in the
    /// data directory).
    #[arg(long, global = true, value_name = "PATH")]
    model: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate scenario and rubric files: `file:line:col: error: …`, exit 1 on any error.
    Check {
        /// Files or folders (default: the scenarios folder and `assets/rubrics`).
        paths: Vec<PathBuf>,
    },
    /// Play a call in the terminal: one reply per line on stdin.
    Play(play::PlayArgs),
    /// Score a finished call (transcript JSON) against the call standard.
    Score(score::ScoreArgs),
    /// Manage trainees in the progress database.
    #[command(subcommand)]
    Trainee(trainee::TraineeCommand),
    /// Progress database maintenance.
    #[command(subcommand)]
    Db(trainee::DbCommand),
    /// Certification exams (the examiner's passphrase is needed to start one).
    #[command(subcommand)]
    Exam(exam::ExamCommand),
    /// Certificates.
    #[command(subcommand)]
    Cert(exam::CertCommand),
    /// The examiner (QA): set up, export, install, trust keys.
    #[command(subcommand)]
    Examiner(exam::ExaminerCommand),
    /// Progress report: a trainee's attempts, trends, rules broken, exams and certificates.
    Report(report::ReportArgs),
    /// The speech model: install, convert, check.
    #[cfg(feature = "speech")]
    #[command(subcommand)]
    Model(speech::ModelCommand),
    /// Transcribe a recorded reply (WAV) offline: text, segments, timings.
    #[cfg(feature = "speech")]
    Transcribe(speech::TranscribeArgs),
    /// Microphones.
    #[cfg(feature = "speech")]
    #[command(subcommand)]
    Mic(speech::MicCommand),
}

/// Runs the command line; errors are printed in Russian and exit 2.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
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
            )
        );
    if default_db
        && writes
        && let Err(error) = trainee::create_default_folder(&db)
    {
        let _ = writeln!(std::io::stderr(), "ошибка: {error:#}");
        return ExitCode::from(2);
    }
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
    match result {
        Ok(code) => code,
        // The reader went away (`play … | head -1`): stop quietly, as Unix tools do.
        Err(error) if closed_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            // Never a panic, even with stderr closed too.
            let _ = writeln!(std::io::stderr(), "ошибка: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Whether the error is a write to a pipe nobody reads any more.
fn closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
