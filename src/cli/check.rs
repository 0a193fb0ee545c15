//! `callcoach check`: prints diagnostics for trainers and sets the exit code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use callcoach_core::check::check_paths;
use callcoach_core::scenario::Severity;
use callcoach_core::scoring::Scorer;
use callcoach_core::text::Morphology;

/// Checks `paths` (or the scenarios, rubrics and exams folders) and prints every diagnostic.
pub fn run(paths: &[PathBuf], scenarios: &Path, rubrics: &Path) -> anyhow::Result<ExitCode> {
    let paths = if paths.is_empty() {
        let exams = scenarios.join("exams");
        let mut defaults = vec![scenarios.to_owned(), rubrics.to_owned()];
        if exams.is_dir() {
            defaults.push(exams);
        }
        defaults
    } else {
        paths.to_vec()
    };
    let morphology = Morphology::shared()?;
    let scorer = Scorer::with_default_rubric(morphology.clone())?;
    let report = check_paths(&paths, &morphology, &scorer);
    let mut out = std::io::stdout().lock();
    for diagnostic in &report.diagnostics {
        writeln!(out, "{diagnostic}")?;
    }
    let errors = report
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Error)
        .count();
    let warnings = report.diagnostics.len() - errors;
    let checked = report.scenarios.len();
    let rubrics = report.rubrics.len();
    let exams = report.exams.len();
    writeln!(
        out,
        "Проверено: сценариев без ошибок — {checked}, рубрик — {rubrics}, экзаменов — {exams}, ошибок — {errors}, предупреждений — {warnings}."
    )?;
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
