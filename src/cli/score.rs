//! `callcoach score`: scores a finished call against a rubric, as JSON or as a debrief.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use callcoach::render::debrief::debrief;
use callcoach_core::scenario::SourceFile;
use callcoach_core::scoring::{Scorer, load_rubric};
use callcoach_core::text::Morphology;
use callcoach_core::transcript::Transcript;
use clap::{Args, ValueEnum};

/// Arguments of `score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Transcript JSON file (`-` reads stdin).
    transcript: PathBuf,
    /// Rubric file (default: the built-in `assets/rubrics/default.ron`).
    #[arg(long, value_name = "PATH")]
    rubric: Option<PathBuf>,
    /// Output: `json` (the contract) or `text` (the debrief).
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

fn read_transcript(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("не удалось прочитать расшифровку из стандартного ввода")?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .with_context(|| format!("не удалось прочитать расшифровку {}", path.display()))
}
