//! `callcoach trainee add|list` and where the progress database lives.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use callcoach_core::certificate::date_time;
use callcoach_core::store::{CheckpointReason, Store, key_file_public_key};
use clap::Subcommand;

/// The environment variable that overrides the database path.
const DB_ENV: &str = "CALLCOACH_DB";

/// The progress database: `--db`, else `CALLCOACH_DB`, else the platform data directory; and
/// whether it is that default.
pub fn database_path(flag: Option<&Path>) -> (PathBuf, bool) {
    if let Some(path) = flag {
        return (path.to_owned(), false);
    }
    if let Some(path) = std::env::var_os(DB_ENV).filter(|path| !path.is_empty()) {
        return (PathBuf::from(path), false);
    }
    let path = dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("callcoach")
        .join("progress.sqlite");
    (path, true)
}

/// Creates the platform data folder of the default database, for a command that writes to it;
/// a folder the user named is never created (a mistyped path is an error, not a new database).
pub fn create_default_folder(db: &Path) -> anyhow::Result<()> {
    if let Some(folder) = db.parent() {
        std::fs::create_dir_all(folder).map_err(|error| {
            anyhow::anyhow!(
                "не удалось создать папку {}: {}",
                folder.display(),
                callcoach_core::source::io_reason(&error)
            )
        })?;
    }
    Ok(())
}

/// Trainee commands.
#[derive(Debug, Subcommand)]
pub enum TraineeCommand {
    /// Добавить стажёра.
    Add {
        /// Имя, как его увидят отчёты и сертификаты: «Анна Смирнова».
        name: String,
        /// Группа набора, по которой отчёты команды собирают стажёров: «Набор март 2026».
        #[arg(long)]
        cohort: Option<String>,
    },
    /// Список стажёров и число их попыток.
    List,
}

/// Database commands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Проверить базу: цепочку результатов и контрольные точки экзаменатора; код 1, если что-то
    /// изменено вне callcoach.
    Verify {
        /// Файл ключа службы качества (callcoach examiner export): контрольные точки должны быть
        /// подписаны им, а не ключом, записанным в самой базе.
        #[arg(long, value_name = "FILE")]
        key: Vec<PathBuf>,
    },
    /// Заверить текущее состояние базы подписью экзаменатора (служба качества): всё, что
    /// записано до этой точки, уже нельзя незаметно удалить, откатить или пересчитать.
    Anchor,
}

/// Runs a database command against the database at `db`.
pub fn run_db(command: &DbCommand, db: &Path) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        DbCommand::Verify { key } => {
            let store = Store::open_existing(db)?;
            let mut pinned = Vec::new();
            for path in key {
                let text = super::play::read(path)?;
                pinned.push(
                    key_file_public_key(&text)
                        .map_err(|error| anyhow!("{}: {error}", path.display()))?,
                );
            }
            let verification = store.verify((!pinned.is_empty()).then_some(pinned.as_slice()))?;
            for problem in &verification.problems {
                writeln!(out, "{}: {}", db.display(), problem.message)?;
            }
            if !pinned.is_empty() && verification.checkpoint.is_none() {
                writeln!(
                    out,
                    "{}: нет ни одной контрольной точки, подписанной указанным ключом: служба качества ничего в этой базе не заверяла (или точки удалены).",
                    db.display()
                )?;
                return Ok(ExitCode::from(1));
            }
            if !verification.problems.is_empty() {
                writeln!(
                    out,
                    "Найдено нарушений: {}. Результаты в этой базе нельзя считать достоверными.",
                    verification.problems.len()
                )?;
                return Ok(ExitCode::from(1));
            }
            writeln!(
                out,
                "{}: цепочка результатов цела, изменений вне callcoach нет.",
                db.display()
            )?;
            match &verification.checkpoint {
                Some(checkpoint) => writeln!(
                    out,
                    "Последняя контрольная точка № {} от {} (UTC), ключ экзаменатора {}{}: всё записанное до неё заверено. После неё записано попыток: {}.",
                    checkpoint.seq,
                    date_time(checkpoint.made_at),
                    checkpoint.fingerprint,
                    if pinned.is_empty() {
                        " (сверьте отпечаток с ключом службы качества или проверяйте с --key)"
                    } else {
                        ", совпадает с указанным"
                    },
                    verification.unanchored
                )?,
                None => writeln!(
                    out,
                    "Контрольных точек нет: удаление или пересчёт последних попыток этой проверкой не обнаружить. Служба качества ставит точку командой callcoach db anchor."
                )?,
            }
        }
        DbCommand::Anchor => {
            let mut store = Store::open_existing(db)?;
            let examiner = super::exam::examiner(&store)?;
            let verification = store.verify(Some(&[examiner.public_key()]))?;
            if let Some(problem) = verification.problems.first() {
                bail!(
                    "{}: база изменена вне callcoach ({}; всего нарушений: {}), заверять её нельзя. Подробно: callcoach db verify",
                    db.display(),
                    problem.message,
                    verification.problems.len()
                );
            }
            let checkpoint = store.checkpoint(&examiner, CheckpointReason::Anchor)?;
            writeln!(
                out,
                "Контрольная точка № {} поставлена {} (UTC): заверено запечатанных попыток — {}, голова цепочки {}. Запишите номер точки: если в базе окажется меньше точек, их удалили.",
                checkpoint.seq,
                date_time(checkpoint.made_at),
                checkpoint.attempts,
                checkpoint
                    .head
                    .as_deref()
                    .map_or("—", |head| head.get(..16).unwrap_or(head))
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a trainee command against the database at `db`.
pub fn run(command: &TraineeCommand, db: &Path) -> anyhow::Result<ExitCode> {
    let store = match command {
        TraineeCommand::Add { .. } => Store::open(db)?,
        TraineeCommand::List => Store::open_existing(db)?,
    };
    let mut out = std::io::stdout().lock();
    match command {
        TraineeCommand::Add { name, cohort } => {
            let trainee = store.add_trainee_in(name, cohort.as_deref())?;
            writeln!(
                out,
                "Стажёр «{}»{} добавлен в {}.",
                trainee.name,
                store
                    .cohort(&trainee)?
                    .map_or_else(String::new, |cohort| format!(" (группа «{cohort}»)")),
                db.display()
            )?;
        }
        TraineeCommand::List => {
            // A team's desktop lists the team's roster.
            super::team::synced(db, "список только этого рабочего места");
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
