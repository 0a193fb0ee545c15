//! `callcoach report`: a trainee's progress, or (for the examiner) the whole group.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use callcoach::output::{Existing, write_file};
use callcoach::render::progress;
use callcoach_core::report::{GroupReport, MisunderstoodReport, TraineeReport};
use callcoach_core::store::{Store, StoreError, now_ms};
use clap::{Args, ValueEnum};

/// Said when a team's desktop reports without the server.
const REPORT_OFFLINE: &str = "отчёт только по этому рабочему месту";

/// Arguments of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Стажёр, чей прогресс показать.
    #[arg(
        long,
        conflicts_with_all = ["all", "misunderstood"],
        required_unless_present_any = ["all", "misunderstood"]
    )]
    trainee: Option<String>,
    /// Все стажёры (нужен пароль экзаменатора).
    #[arg(long, conflicts_with = "misunderstood")]
    all: bool,
    /// Для тренеров: реплики, которых клиент не понял, по шагам, частые сначала — одного
    /// сценария или всех, если он не указан.
    #[arg(long, value_name = "SCENARIO", num_args = 0..=1, default_missing_value = "")]
    misunderstood: Option<String>,
    /// Формат вывода.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Записать в этот файл, а не на экран (новый файл; см. --force).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Разрешить --out заменить существующий файл (никогда — базу, папку или ссылку).
    #[arg(long, alias = "replace", requires = "out")]
    force: bool,
}

/// Report formats.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Csv,
    Html,
    Json,
}

/// Makes the report.
pub fn run(args: &ReportArgs, db: &Path) -> anyhow::Result<ExitCode> {
    let store = Store::open_existing(db)?;
    let now = now_ms();
    let text = if let Some(scenario) = &args.misunderstood {
        let scenario = Some(scenario.trim()).filter(|id| !id.is_empty());
        let report = MisunderstoodReport::build(&store, scenario)?;
        match args.format {
            Format::Text => progress::misunderstood_text(&report),
            Format::Json => report.to_json(),
            Format::Csv | Format::Html => {
                bail!("для --misunderstood есть форматы text и json")
            }
        }
    } else if args.all {
        // One trainee may not see the others: the group report is the quality service's.
        super::exam::examiner(&store)?;
        let report = match super::team::synced(db, REPORT_OFFLINE) {
            Some(mut team) => team.group_report(&store.trusted_keys()?, now)?,
            None => GroupReport::build(&store, now)?,
        };
        match args.format {
            Format::Text => progress::group_text(&report),
            Format::Csv => progress::group_csv(&report),
            Format::Html => progress::group_html(&report),
            Format::Json => report.to_json(),
        }
    } else {
        let Some(name) = &args.trainee else {
            bail!("укажите --trainee ИМЯ или --all");
        };
        // In team mode: the calls of every desktop, from the server.
        let from_team = match super::team::synced(db, REPORT_OFFLINE) {
            Some(mut team) => team.trainee_report(name, &store.trusted_keys()?, now)?,
            None => None,
        };
        let report = match from_team {
            Some(report) => report,
            None => {
                let trainee = store
                    .trainee(name)?
                    .ok_or_else(|| StoreError::UnknownTrainee(name.trim().to_owned()))?;
                TraineeReport::build(&store, &trainee, now)?
            }
        };
        match args.format {
            Format::Text => progress::trainee_text(&report),
            Format::Csv => progress::trainee_csv(&report),
            Format::Html => progress::trainee_html(&report),
            Format::Json => report.to_json(),
        }
    };
    match &args.out {
        Some(path) => {
            let existing = if args.force {
                Existing::Replace
            } else {
                Existing::Refuse(Some("--force"))
            };
            write_file(path, text.as_bytes(), existing, &[db])?;
            writeln!(std::io::stdout(), "Отчёт записан в {}.", path.display())?;
        }
        None => write!(std::io::stdout().lock(), "{text}")?,
    }
    Ok(ExitCode::SUCCESS)
}
