//! `callcoach report`: a trainee's progress, or (for the examiner) the whole group.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use callcoach::render::progress;
use callcoach_core::report::{GroupReport, MisunderstoodReport, TraineeReport};
use callcoach_core::store::{Store, StoreError, now_ms};
use clap::{Args, ValueEnum};

/// Arguments of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The trainee whose progress to show.
    #[arg(
        long,
        conflicts_with_all = ["all", "misunderstood"],
        required_unless_present_any = ["all", "misunderstood"]
    )]
    trainee: Option<String>,
    /// Every trainee (needs the examiner's passphrase).
    #[arg(long, conflicts_with = "misunderstood")]
    all: bool,
    /// For trainers: the replies customers did not understand, step by step, most frequent
    /// first — of one scenario, or of all without a value.
    #[arg(long, value_name = "SCENARIO", num_args = 0..=1, default_missing_value = "")]
    misunderstood: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write to this file instead of stdout (a new file; see --replace).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Let --out replace an existing report file (never the database, a folder or a link).
    #[arg(long, requires = "out")]
    replace: bool,
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
    let store = Store::open(db)?;
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
        super::exam::examiner(&store, false, &mut std::io::stderr())?;
        let report = GroupReport::build(&store, now)?;
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
        let trainee = store
            .trainee(name)?
            .ok_or_else(|| StoreError::UnknownTrainee(name.trim().to_owned()))?;
        let report = TraineeReport::build(&store, &trainee, now)?;
        match args.format {
            Format::Text => progress::trainee_text(&report),
            Format::Csv => progress::trainee_csv(&report),
            Format::Html => progress::trainee_html(&report),
            Format::Json => report.to_json(),
        }
    };
    match &args.out {
        Some(path) => {
            write_report(path, &text, db, args.replace)?;
            writeln!(std::io::stdout(), "Отчёт записан в {}.", path.display())?;
        }
        None => write!(std::io::stdout().lock(), "{text}")?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a report file without ever losing what was there: never over the progress database, a
/// folder or a link, over an existing file only when asked, and through a temporary file renamed
/// into place, so a full disk leaves the old file (or none), never a cut-off one.
fn write_report(path: &Path, text: &str, db: &Path, replace: bool) -> anyhow::Result<()> {
    let same_file = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b))
    {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same_file(path, db) {
        bail!(
            "{} — это база прогресса; отчёт в неё не пишется. Укажите другое имя файла.",
            path.display()
        );
    }
    if let Ok(existing) = std::fs::symlink_metadata(path) {
        if !existing.file_type().is_file() {
            bail!(
                "{} — это папка, ссылка или устройство; отчёт пишется только в обычный файл.",
                path.display()
            );
        }
        if !replace {
            bail!(
                "файл {} уже есть; укажите другое имя или добавьте --replace, чтобы заменить \
                 прежний отчёт",
                path.display()
            );
        }
    }
    let name = path
        .file_name()
        .with_context(|| format!("{} — не имя файла", path.display()))?;
    let mut partial_name = std::ffi::OsString::from(".");
    partial_name.push(name);
    partial_name.push(".partial");
    let partial = path.with_file_name(partial_name);
    // A leftover of an interrupted write of ours.
    let _ = std::fs::remove_file(&partial);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&partial, path));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(error).with_context(|| format!("не удалось записать {}", path.display()));
    }
    Ok(())
}
