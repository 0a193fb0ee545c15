//! `callcoach score`: scores a finished call against a rubric, as JSON or as a debrief.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use callcoach::render::debrief::debrief;
use callcoach_core::scenario::SourceFile;
use callcoach_core::scoring::{Scorer, load_rubric};
use callcoach_core::source::read_text;
use callcoach_core::text::Morphology;
use callcoach_core::transcript::Transcript;
use clap::{Args, ValueEnum};

/// Arguments of `score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Файл расшифровки JSON («-» — стандартный ввод).
    transcript: PathBuf,
    /// Файл рубрики (по умолчанию — встроенная assets/rubrics/default.ron).
    #[arg(long, value_name = "PATH")]
    rubric: Option<PathBuf>,
    /// Вывод: json (формат для программ) или text (разбор для человека).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Output format.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Json,
    Text,
}

/// Scores the transcript; exit 0 whether the call passed or not, 2 for bad input.
pub fn run(args: &ScoreArgs) -> anyhow::Result<ExitCode> {
    let morphology = Morphology::shared()?;
    let scorer = match load_scorer(args.rubric.as_deref(), &morphology)? {
        Ok(scorer) => scorer,
        Err(diagnostics) => {
            let _ = write!(std::io::stderr(), "{diagnostics}");
            return Ok(ExitCode::from(2));
        }
    };
    let text = read_transcript(&args.transcript)?;
    let transcript = Transcript::from_json(&text).with_context(|| {
        format!(
            "{} не подходит как расшифровка звонка (формат расшифровки — в README, в описании команды score)",
            args.transcript.display()
        )
    })?;
    let report = scorer.score(&transcript);
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => writeln!(out, "{}", report.to_json())?,
        Format::Text => write!(out, "{}", debrief(&report, &transcript))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// A scorer for a rubric file (or the built-in default), or the rubric's diagnostics to print.
pub fn load_scorer(
    rubric: Option<&Path>,
    morphology: &Morphology,
) -> anyhow::Result<Result<Scorer, String>> {
    let Some(path) = rubric else {
        return Ok(Ok(Scorer::with_default_rubric(morphology.clone())?));
    };
    let source = match SourceFile::read(path) {
        Ok(source) => source,
        Err(diagnostic) => return Ok(Err(format!("{diagnostic}\n"))),
    };
    Ok(load_rubric(&source, morphology)
        .map(|rubric| Scorer::new(rubric, morphology.clone()))
        .map_err(|diagnostics| {
            diagnostics
                .iter()
                .map(|diagnostic| format!("{diagnostic}\n"))
                .collect()
        }))
}

/// The transcript's text: a file, or standard input for `-`; at most [`super::play::MAX_INPUT_BYTES`].
fn read_transcript(path: &Path) -> anyhow::Result<String> {
    if path != Path::new("-") {
        return read_text(path, super::play::MAX_INPUT_BYTES).map_err(|error| {
            anyhow::anyhow!(
                "не удалось прочитать расшифровку {}: {error}",
                path.display()
            )
        });
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(super::play::MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| {
            anyhow::anyhow!(
                "не удалось прочитать расшифровку из стандартного ввода: {}",
                callcoach_core::source::io_reason(&error)
            )
        })?;
    if bytes.len() as u64 > super::play::MAX_INPUT_BYTES {
        anyhow::bail!(
            "расшифровка на стандартном вводе больше {} МБ: это не расшифровка звонка",
            super::play::MAX_INPUT_BYTES / (1024 * 1024)
        );
    }
    String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("расшифровка на стандартном вводе не в кодировке UTF-8"))
}
