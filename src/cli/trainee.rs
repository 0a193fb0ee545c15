//! `callcoach trainee add|list` and where the progress database lives.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use callcoach_core::store::Store;
use clap::Subcommand;

/// The environment variable that overrides the database path.
const DB_ENV: &str = "CALLCOACH_DB";

/// The progress database: `--db`, else `CALLCOACH_DB`, else the platform data directory.
pub fn database_path(flag: Option<&Path>) -> PathBuf {
    if let Some(path) = flag {
        return path.to_owned();
    }
    if let Some(path) = std::env::var_os(DB_ENV).filter(|path| !path.is_empty()) {
        return PathBuf::from(path);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("callcoach")
        .join("progress.sqlite")
}

/// Trainee commands.
#[derive(Debug, Subcommand)]
pub enum TraineeCommand {
    /// Add a trainee.
    Add {
        /// Name as it will be shown: «Анна Смирнова».
        name: String,
    },
    /// List trainees with their attempts.
    List,
}

/// Database commands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Check the hash chain over ended attempts: exit 1 if any result was edited.
    Verify,
}

/// Runs a database command against the database at `db`.
pub fn run_db(command: &DbCommand, db: &Path) -> anyhow::Result<ExitCode> {
    let DbCommand::Verify = command;
    let store = Store::open(db)?;
    let problems = store.verify()?;
    let mut out = std::io::stdout().lock();
    if problems.is_empty() {
        writeln!(
            out,
            "{}: цепочка результатов цела, изменений вне callcoach нет.",
            db.display()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &problems {
        writeln!(out, "{}: {}", db.display(), problem.message)?;
    }
    writeln!(
        out,
        "Найдено нарушений: {}. Результаты в этой базе нельзя считать достоверными.",
        problems.len()
    )?;
    Ok(ExitCode::from(1))
}

/// Runs a trainee command against the database at `db`.
pub fn run(command: &TraineeCommand, db: &Path) -> anyhow::Result<ExitCode> {
    let store = Store::open(db)?;
    let mut out = std::io::stdout().lock();
    match command {
        TraineeCommand::Add { name } => {
            let trainee = store.add_trainee(name)?;
            writeln!(
                out,
                "Стажёр «{}» добавлен в {}.",
                trainee.name,
                db.display()
            )?;
        }
        TraineeCommand::List => {
            let trainees = store.trainees()?;
            if trainees.is_empty() {
                writeln!(
                    out,
                    "Стажёров пока нет. Добавьте: callcoach trainee add \"Имя Фамилия\""
                )?;
            }
            for trainee in trainees {
                let attempts = store.attempts(&trainee)?;
                writeln!(out, "{} — попыток: {}", trainee.name, attempts.len())?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
