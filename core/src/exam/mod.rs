//! Certification exams as the quality service writes them (`scenarios/exams/*.ron`): which
//! scenarios, the pass rules, attempts allowed, the wait between attempts and how long a
//! certificate stays valid; and a sitting of one ([`ExamSitting`]).

mod sitting;

pub use sitting::{ExamSitting, SittingError};

use std::borrow::Borrow;
use std::collections::BTreeMap;

use rand::{RngExt, SeedableRng, rngs::Xoshiro256PlusPlus};
use serde::Deserialize;

use crate::scenario::Scenario;
use crate::scoring::{Category, ScoreReport};
use crate::source::outline::Key;
use crate::source::{Diagnostic, Severity, SourceFile};

/// An exam definition.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exam {
    /// Stable id: `basic_certification`.
    pub id: String,
    /// Shown on the certificate.
    pub title: String,
    /// The scenarios.
    pub scenarios: ExamScenarios,
    /// What passing means.
    pub pass: PassRules,
    /// How many times a trainee may take it.
    pub attempts_allowed: u32,
    /// Hours a trainee waits after a failed attempt before the next one.
    #[serde(default)]
    pub wait_hours: u32,
    /// Days a certificate stays valid.
    pub certificate_valid_days: u32,
    /// Whether the customer's lines are shown as text while they speak: `false` makes the
    /// trainee listen, as on a real line.
    #[serde(default = "subtitles_shown")]
    pub subtitles: bool,
    /// SHA-256 of the file's text this exam was parsed from: the definition a sitting and its
    /// certificate pin.
    #[serde(skip)]
    pub source_hash: String,
}

fn subtitles_shown() -> bool {
    true
}

/// Which scenarios an exam runs.
#[derive(Clone, Debug, Deserialize)]
pub enum ExamScenarios {
    /// These, in this order.
    Fixed(Vec<String>),
    /// `count` scenarios drawn from those with any of `tags`, with a seed fixed when the exam
    /// starts.
    Drawn {
        /// How many.
        count: u32,
        /// Tags to draw from.
        tags: Vec<String>,
    },
}

/// Whether a result is judged per scenario or over the whole exam.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Per {
    /// Every call must pass on its own.
    EachScenario,
    /// The average total must reach the threshold; required categories pass in every call.
    Overall,
}

/// The pass rules.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassRules {
    /// The total (per call, or the average) needed.
    pub total: u32,
    /// Categories that must pass in every call.
    #[serde(default)]
    pub mandatory: Vec<Category>,
    /// Per scenario or overall.
    pub per: Per,
}

/// The verdict of an exam.
#[derive(Clone, Debug, PartialEq)]
pub struct ExamResult {
    /// Whether it is passed.
    pub passed: bool,
    /// The average total over the calls.
    pub total: u32,
    /// Average score per category.
    pub categories: BTreeMap<Category, u32>,
    /// Why it failed, in Russian (empty when passed).
    pub reasons: Vec<String>,
}

impl Exam {
    /// The scenarios of a run with `seed`: the fixed list, or a draw from the tags.
    pub fn pick<'a, S: Borrow<Scenario>>(&self, library: &'a [S], seed: u64) -> Vec<&'a S> {
        match &self.scenarios {
            ExamScenarios::Fixed(ids) => ids
                .iter()
                .filter_map(|id| {
                    library
                        .iter()
                        .find(|scenario| Borrow::<Scenario>::borrow(*scenario).id == *id)
                })
                .collect(),
            ExamScenarios::Drawn { count, tags } => {
                let mut pool: Vec<&S> = library
                    .iter()
                    .filter(|scenario| {
                        Borrow::<Scenario>::borrow(*scenario)
                            .tags
                            .iter()
                            .any(|tag| tags.contains(tag))
                    })
                    .collect();
                pool.sort_by(|a, b| {
                    let (a, b): (&Scenario, &Scenario) = ((*a).borrow(), (*b).borrow());
                    a.id.cmp(&b.id)
                });
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                let mut chosen = Vec::new();
                while chosen.len() < *count as usize && !pool.is_empty() {
                    let index = rng.random_range(0..pool.len());
                    chosen.push(pool.remove(index));
                }
                chosen
            }
        }
    }

    /// Judges the calls of a run.
    pub fn judge(&self, reports: &[ScoreReport]) -> ExamResult {
        let mut reasons = Vec::new();
        let count = u32::try_from(reports.len().max(1)).unwrap_or(u32::MAX);
        let total = reports.iter().map(|report| report.total).sum::<u32>() / count;
        let mut categories = BTreeMap::new();
        for category in Category::ALL {
            let sum: u32 = reports
                .iter()
                .filter_map(|report| report.categories.get(&category))
                .map(|result| result.score)
                .sum();
            categories.insert(category, sum / count);
        }
        if reports.is_empty() {
            reasons.push("ни одного звонка не сыграно".to_owned());
        }
        for (index, report) in reports.iter().enumerate() {
            for category in &self.pass.mandatory {
                if report
                    .categories
                    .get(category)
                    .is_some_and(|result| !result.passed)
                {
                    reasons.push(format!(
                        "звонок {}: не сдана обязательная категория «{}»",
                        index + 1,
                        category.title()
                    ));
                }
            }
            if self.pass.per == Per::EachScenario && report.total < self.pass.total {
                reasons.push(format!(
                    "звонок {}: {} баллов при пороге {}",
                    index + 1,
                    report.total,
                    self.pass.total
                ));
            }
        }
        if self.pass.per == Per::Overall && total < self.pass.total {
            reasons.push(format!(
                "средний итог {total} при пороге {}",
                self.pass.total
            ));
        }
        ExamResult {
            passed: reasons.is_empty(),
            total,
            categories,
            reasons,
        }
    }
}

/// Parses an exam file and checks it against the scenarios it names; every problem is a
/// diagnostic with line and column.
pub fn load_exam(source: &SourceFile, library: &[Scenario]) -> Result<Exam, Vec<Diagnostic>> {
    let mut exam: Exam = crate::source::ron_options()
        .from_str(&source.text)
        .map_err(|error| vec![crate::source::ron_diagnostic(&source.path, &error)])?;
    exam.source_hash = crate::source::content_hash(&source.text);
    let outline = crate::source::outline::Node::parse(&source.text);
    let mut diagnostics = Vec::new();
    let mut problem = |path: &[Key<'_>], message: String, help: &str| {
        let position = outline.as_ref().map(|outline| outline.locate(path));
        diagnostics.push(Diagnostic {
            file: source.path.clone(),
            line: position.map_or(1, |p| p.line),
            column: position.map_or(1, |p| p.column),
            severity: Severity::Error,
            message,
            help: help.to_owned(),
        });
    };
    if exam.id.trim().is_empty() {
        problem(
            &[Key::Field("id")],
            "пустой id экзамена".to_owned(),
            "Дайте экзамену короткое имя латиницей.",
        );
    }
    if exam.attempts_allowed == 0 {
        problem(
            &[Key::Field("attempts_allowed")],
            "попыток 0 — экзамен нельзя сдать".to_owned(),
            "Укажите, сколько раз можно сдавать, например 3.",
        );
    }
    if exam.certificate_valid_days == 0 {
        problem(
            &[Key::Field("certificate_valid_days")],
            "сертификат действует 0 дней".to_owned(),
            "Укажите срок действия сертификата в днях, например 365.",
        );
    }
    if exam.pass.total > 100 {
        problem(
            &[Key::Field("pass"), Key::Field("total")],
            format!("порог {} больше 100", exam.pass.total),
            "Порог — итог звонка из 100 баллов рубрики, например 70.",
        );
    }
    match &exam.scenarios {
        ExamScenarios::Fixed(ids) => {
            if ids.is_empty() {
                problem(
                    &[Key::Field("scenarios")],
                    "в экзамене нет сценариев".to_owned(),
                    "Перечислите id сценариев: Fixed([\"internet_down\", \"cctv_phone\"]).",
                );
            }
            for (index, id) in ids.iter().enumerate() {
                if !library.iter().any(|scenario| &scenario.id == id) {
                    problem(
                        &[Key::Field("scenarios"), Key::Index(0), Key::Index(index)],
                        format!("сценария «{id}» нет"),
                        "Укажите id сценария из папки scenarios/ (его пишет callcoach check).",
                    );
                }
            }
        }
        ExamScenarios::Drawn { count, tags } => {
            let available = library
                .iter()
                .filter(|scenario| scenario.tags.iter().any(|tag| tags.contains(tag)))
                .count();
            if *count == 0 || available < *count as usize {
                problem(
                    &[Key::Field("scenarios")],
                    format!("нужно {count} сценариев с тегами {tags:?}, а есть {available}"),
                    "Добавьте теги сценариям, расширьте список тегов или уменьшите count.",
                );
            }
        }
    }
    diagnostics.sort_by_key(|diagnostic| (diagnostic.line, diagnostic.column));
    if diagnostics.is_empty() {
        Ok(exam)
    } else {
        Err(diagnostics)
    }
}

/// A past sitting as the admission rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sitting {
    /// Start, milliseconds since the Unix epoch.
    pub started_at: i64,
    /// `Some(true)` passed, `Some(false)` failed, `None` never finished (counts as failed).
    pub passed: Option<bool>,
}

const HOUR_MS: i64 = 3_600_000;

/// Whether a trainee with these past sittings may start the exam at `now` (ms since the
/// epoch); the refusal says why and until when, in Russian.
pub fn admission(exam: &Exam, sittings: &[Sitting], now: i64) -> Result<(), String> {
    let used = sittings.len();
    if used >= exam.attempts_allowed as usize {
        return Err(format!(
            "попытки сдать экзамен «{}» исчерпаны: {used} из {}. Решение о новой попытке принимает служба качества.",
            exam.title, exam.attempts_allowed
        ));
    }
    if let Some(last) = sittings.last()
        && last.passed != Some(true)
    {
        let next = last.started_at + i64::from(exam.wait_hours) * HOUR_MS;
        if now < next {
            return Err(format!(
                "после неудачной попытки нужно подождать {} ч: следующая попытка — не раньше {} (UTC).",
                exam.wait_hours,
                crate::certificate::date_time(next)
            ));
        }
    }
    Ok(())
}
