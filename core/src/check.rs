//! `callcoach check`: every problem in scenario, rubric and exam files at once, each with file,
//! line and column, a Russian message and a hint a trainer understands. The top of the core: it
//! loads folders and plays every walkthrough through the engine and the scorer, so nothing below
//! may use it. One file over the usual size, because its checks are one pass over one scenario
//! sharing the checker's state (the ids seen, the rule catalogue, the outline to point at).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::exam::{Exam, load_exam};
use crate::meaning::{Intent, Lexicon, UNDERSTOOD};
use crate::scenario::load::{ScenarioLibrary, parse_scenario};
use crate::scenario::{
    ClockTime, Condition, EndingKind, Scenario, VOICE_PITCH, VOICE_TEMPO, recording_problem,
    recordings_folder,
};
use crate::scoring::{Scorer, is_rubric, load_rubric, rule_catalogue};
use crate::session::{Mode, Session, SessionOptions, names_rule, parse_turn};
use crate::source::outline::{Key, Node, Position};
use crate::source::{Diagnostic, Severity};
use crate::source::{SourceFile, ron_files, top_level_is};
use crate::text::{Morphology, PhraseSet, hundredths};

/// Difficulty bounds of the scenario card.
const DIFFICULTY: std::ops::RangeInclusive<u8> = 1..=5;
/// How far a mood change may go in one transition.
const MOOD_CHANGE: std::ops::RangeInclusive<f32> = -1.0..=1.0;
/// The mood scale.
const MOOD: std::ops::RangeInclusive<f32> = 0.0..=1.0;

/// The result of checking files.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Every problem found, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Scenarios without errors (warnings allowed), with their files.
    pub scenarios: Vec<(PathBuf, Scenario)>,
    /// Rubric files without errors.
    pub rubrics: Vec<PathBuf>,
    /// Exams without errors, with their files.
    pub exams: Vec<(PathBuf, Exam)>,
}

impl CheckReport {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|diagnostic| diagnostic.severity == Severity::Error)
    }

    /// The usable scenarios and every diagnostic, for the app and `play`.
    pub fn into_library(self) -> ScenarioLibrary {
        ScenarioLibrary {
            scenarios: self.scenarios,
            diagnostics: self.diagnostics,
        }
    }
}

/// Reads and checks scenario and rubric files; folders stand for the `.ron` files directly
/// inside them. Walkthroughs are played with `scorer`, and scenarios may react only to its rules.
pub fn check_paths(paths: &[PathBuf], morphology: &Morphology, scorer: &Scorer) -> CheckReport {
    let mut sources = Vec::new();
    let mut diagnostics = Vec::new();
    for path in paths {
        let files = if path.is_dir() {
            if path.extension().is_some_and(|ext| ext == "ron") {
                diagnostics.push(Diagnostic::whole_file(
                    path,
                    "не удалось прочитать файл: это папка".to_owned(),
                    "Укажите файл сценария, рубрики или экзамена (.ron) или папку с ними.",
                ));
                continue;
            }
            match ron_files(path) {
                Ok(files) if files.is_empty() => {
                    diagnostics.push(Diagnostic {
                        severity: Severity::Warning,
                        ..Diagnostic::whole_file(
                            path,
                            "в папке нет ни одного файла .ron".to_owned(),
                            "Проверьте путь: сценарии, рубрики и экзамены — файлы с расширением .ron.",
                        )
                    });
                    continue;
                }
                Ok(files) => files,
                Err(error) => {
                    diagnostics.push(Diagnostic::whole_file(
                        path,
                        format!("не удалось прочитать папку: {error}"),
                        "Проверьте путь и права на чтение.",
                    ));
                    continue;
                }
            }
        } else if path.extension().is_none_or(|ext| ext != "ron") && path.is_file() {
            // Never read, so nothing of a file that is not ours is ever quoted back.
            diagnostics.push(Diagnostic::whole_file(
                path,
                "это не файл сценария, рубрики или экзамена: у них расширение .ron".to_owned(),
                "Укажите файл .ron или папку с ними.",
            ));
            continue;
        } else {
            vec![path.clone()]
        };
        for file in files {
            match SourceFile::read(&file) {
                Ok(source) => sources.push(source),
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        }
    }
    let mut report = check_sources(&sources, morphology, scorer);
    diagnostics.append(&mut report.diagnostics);
    report.diagnostics = diagnostics;
    report
}

/// The scenarios in the folder above an exam file (`scenarios/` for `scenarios/exams/x.ron`),
/// parsed without checks: the context an exam checked on its own refers to.
fn scenarios_around(exam: &Path) -> Vec<Scenario> {
    let Some(folder) = exam.parent().and_then(Path::parent) else {
        return Vec::new();
    };
    ron_files(folder)
        .unwrap_or_default()
        .iter()
        .filter_map(|path| SourceFile::read(path).ok())
        .filter_map(|source| parse_scenario(&source).ok())
        .collect()
}

/// Checks sources already read; ids must be unique across all of them.
pub fn check_sources(
    sources: &[SourceFile],
    morphology: &Morphology,
    scorer: &Scorer,
) -> CheckReport {
    let mut report = CheckReport::default();
    let lexicon = match Lexicon::bundled(morphology.clone()) {
        Ok(lexicon) => lexicon,
        Err(error) => {
            report.diagnostics.push(Diagnostic::whole_file(
                Path::new("assets/lexicon/ru.ron"),
                format!("встроенный словарь смыслов повреждён: {error}"),
                "Переустановите callcoach: этот файл входит в программу.",
            ));
            return report;
        }
    };
    let mut seen_ids: HashMap<String, PathBuf> = HashMap::new();
    let mut rules: Vec<String> = rule_catalogue(scorer.rubric())
        .into_iter()
        .map(|rule| rule.id)
        .collect();
    for source in sources.iter().filter(|source| is_rubric(&source.text)) {
        match load_rubric(source, morphology) {
            Ok(rubric) => {
                rules.extend(rule_catalogue(&rubric).into_iter().map(|rule| rule.id));
                report.rubrics.push(source.path.clone());
            }
            Err(mut diagnostics) => report.diagnostics.append(&mut diagnostics),
        }
    }
    rules.sort();
    rules.dedup();
    let is_exam = |source: &&SourceFile| top_level_is(&source.text, "Exam");
    for source in sources
        .iter()
        .filter(|source| !is_rubric(&source.text) && !is_exam(source))
    {
        if !top_level_is(&source.text, "Scenario") && !top_level_is(&source.text, "") {
            // Not ours: said without quoting a word of it.
            report.diagnostics.push(Diagnostic::whole_file(
                &source.path,
                "это не сценарий, рубрика или экзамен callcoach".to_owned(),
                "Файл сценария начинается с Scenario(…), рубрики — с Rubric(…), экзамена — с Exam(…); \
                 образец — scenarios/README.md.",
            ));
            continue;
        }
        let scenario = match parse_scenario(source) {
            Ok(scenario) => scenario,
            Err(diagnostic) => {
                report.diagnostics.push(diagnostic);
                continue;
            }
        };
        let outline = Node::parse(&source.text);
        let mut checker = Checker {
            path: &source.path,
            outline: outline.as_ref(),
            rules: &rules,
            intents: scenario.intents.keys().cloned().collect(),
            diagnostics: Vec::new(),
        };
        if let Some(first) = seen_ids.get(&scenario.id) {
            checker.error(
                &[Key::Field("id")],
                format!(
                    "сценарий с id «{}» уже есть в файле {}",
                    scenario.id,
                    first.display()
                ),
                "Id сценария должен быть уникальным среди всех файлов: переименуйте один из них.",
            );
        } else {
            seen_ids.insert(scenario.id.clone(), source.path.clone());
        }
        checker.scenario(&scenario, &lexicon);
        let structurally_sound = !checker.has_errors();
        if structurally_sound {
            checker.walkthroughs(&scenario, &lexicon, scorer);
            checker.phrasings(&scenario, &lexicon, scorer);
        }
        let failed = checker.has_errors();
        checker
            .diagnostics
            .sort_by_key(|diagnostic| (diagnostic.line, diagnostic.column));
        report.diagnostics.append(&mut checker.diagnostics);
        if !failed {
            report.scenarios.push((source.path.clone(), scenario));
        }
    }
    let library: Vec<Scenario> = report
        .scenarios
        .iter()
        .map(|(_, scenario)| scenario.clone())
        .collect();
    for source in sources.iter().filter(is_exam) {
        // An exam checked on its own names scenarios of the folder it lives in (scenarios/exams).
        let neighbours = if library.is_empty() {
            scenarios_around(&source.path)
        } else {
            Vec::new()
        };
        let library = if library.is_empty() {
            &neighbours
        } else {
            &library
        };
        match load_exam(source, library) {
            Ok(exam) => report.exams.push((source.path.clone(), exam)),
            Err(mut diagnostics) => report.diagnostics.append(&mut diagnostics),
        }
    }
    report
}

struct Checker<'a> {
    path: &'a Path,
    outline: Option<&'a Node>,
    /// Ids of every scoring rule a `Finding` condition may name.
    rules: &'a [String],
    /// The intents of the scenario being checked, by label.
    intents: Vec<String>,
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|diagnostic| diagnostic.severity == Severity::Error)
    }

    fn position(&self, path: &[Key<'_>]) -> Position {
        self.outline
            .map_or(Position { line: 1, column: 1 }, |outline| {
                outline.locate(path)
            })
    }

    fn push(&mut self, severity: Severity, path: &[Key<'_>], message: String, help: &str) {
        let position = self.position(path);
        self.diagnostics.push(Diagnostic {
            file: self.path.to_owned(),
            line: position.line,
            column: position.column,
            severity,
            message,
            help: help.to_owned(),
        });
    }

    fn error(&mut self, path: &[Key<'_>], message: String, help: &str) {
        self.push(Severity::Error, path, message, help);
    }

    fn warning(&mut self, path: &[Key<'_>], message: String, help: &str) {
        self.push(Severity::Warning, path, message, help);
    }

    fn text(&mut self, path: &[Key<'_>], text: &str, what: &str) {
        if text.trim().is_empty() {
            self.error(
                path,
                format!("пустой текст: {what}"),
                "Напишите текст или уберите это поле/строку.",
            );
        }
    }

    fn lines(&mut self, path: &[Key<'_>], lines: &[String], what: &str) {
        for (index, line) in lines.iter().enumerate() {
            let mut at = path.to_vec();
            at.push(Key::Index(index));
            self.text(&at, line, what);
        }
    }

    fn scenario(&mut self, scenario: &Scenario, lexicon: &Lexicon) {
        if scenario.id.trim().is_empty() || scenario.id.chars().any(char::is_whitespace) {
            self.error(
                &[Key::Field("id")],
                format!("id сценария «{}» пустой или содержит пробелы", scenario.id),
                "Id — одно слово латиницей, например internet_down: по нему сценарий запускают \
                 командой callcoach play.",
            );
        }
        self.text(&[Key::Field("title")], &scenario.title, "название сценария");
        self.text(
            &[Key::Field("summary")],
            &scenario.summary,
            "описание сценария",
        );
        self.text(
            &[Key::Field("company")],
            &scenario.company,
            "название компании",
        );
        self.lines(&[Key::Field("tags")], &scenario.tags, "тег");
        if ClockTime::parse(&scenario.clock).is_none() {
            self.error(
                &[Key::Field("clock")],
                format!(
                    "время начала звонка «{}» не в формате ЧЧ:ММ",
                    scenario.clock
                ),
                "Например, clock: \"14:05\"; от этого времени зависит, какое приветствие уместно.",
            );
        }
        if !DIFFICULTY.contains(&scenario.difficulty) {
            self.error(
                &[Key::Field("difficulty")],
                format!("сложность {} вне диапазона 1–5", scenario.difficulty),
                "1 — простой звонок, 5 — самый трудный клиент.",
            );
        }
        self.customer(scenario);
        self.voice(scenario);
        self.intents(scenario, lexicon);
        self.graph(scenario, lexicon.morphology());
    }

    /// Every intent has a name and example phrasings with words in them.
    fn intents(&mut self, scenario: &Scenario, lexicon: &Lexicon) {
        for (label, examples) in &scenario.intents {
            let path = [Key::Field("intents"), Key::Field(label)];
            if label.trim().is_empty() {
                self.error(
                    &path,
                    "пустое название намерения".to_owned(),
                    "Назовите намерение тем, что имеет в виду сотрудник: «предложить проверить линию».",
                );
            }
            if examples.is_empty() {
                self.error(
                    &path,
                    format!("у намерения «{label}» нет примеров"),
                    "Напишите три-пять фраз, которыми сотрудник может это сказать своими словами.",
                );
            } else if let Err(error) = Intent::new(lexicon, label, examples) {
                let mut at = path.to_vec();
                at.push(Key::Index(error.index));
                self.error(
                    &at,
                    error.to_string(),
                    "Пример — это фраза сотрудника целиком: «давайте я проверю линию».",
                );
            }
            let used = scenario.steps.iter().any(|step| {
                step.on
                    .iter()
                    .any(|transition| names_intent(&transition.when, label))
            });
            if !used {
                self.warning(
                    &path,
                    format!("намерение «{label}» не используется ни в одном условии"),
                    "Добавьте переход when: Means(\"…\") или уберите намерение.",
                );
            }
        }
    }

    fn customer(&mut self, scenario: &Scenario) {
        let customer = &scenario.customer;
        let field = |name| [Key::Field("customer"), Key::Field(name)];
        self.text(&field("name"), &customer.name, "имя клиента");
        for (name, what, value) in [
            ("mood", "настроение", customer.mood),
            (
                "hangs_up_at",
                "порог, при котором клиент бросает трубку,",
                customer.hangs_up_at,
            ),
        ] {
            if !MOOD.contains(&value) {
                let problem = if value.is_finite() {
                    format!("{what} {value} вне диапазона 0.0–1.0")
                } else {
                    format!("{what} — не число: нужно число от 0.0 до 1.0")
                };
                self.error(
                    &field(name),
                    problem,
                    "0.0 — клиент спокоен, 1.0 — в ярости.",
                );
            }
        }
        if MOOD.contains(&customer.mood)
            && MOOD.contains(&customer.hangs_up_at)
            && customer.mood >= customer.hangs_up_at
        {
            self.error(
                &field("mood"),
                format!(
                    "начальное настроение {} не ниже порога {}, при котором клиент бросает трубку",
                    customer.mood, customer.hangs_up_at
                ),
                "Клиент бросит трубку, не дав сказать ни слова: уменьшите mood или увеличьте hangs_up_at.",
            );
        }
        for (name, value) in [
            ("silence_patience", customer.silence_patience),
            ("hold_patience", customer.hold_patience),
        ] {
            if value == 0 {
                self.error(
                    &field(name),
                    "терпение клиента — 0 секунд".to_owned(),
                    "Укажите, сколько секунд клиент готов ждать, например 20 для тишины и 180 для удержания.",
                );
            }
        }
    }

    /// The customer's voice: its ranges, and the recordings folder with a readable WAV for
    /// recorded lines (a missing one is synthesised, which the trainer should know).
    fn voice(&mut self, scenario: &Scenario) {
        let voice = &scenario.customer.voice;
        let field = |name| {
            [
                Key::Field("customer"),
                Key::Field("voice"),
                Key::Field(name),
            ]
        };
        if !VOICE_PITCH.contains(&voice.pitch) {
            self.error(
                &field("pitch"),
                format!(
                    "высота голоса {} вне диапазона −6…+6 полутонов",
                    voice.pitch
                ),
                "0 — голос как есть; +3 — выше, −3 — ниже. Дальше речь становится неразборчивой.",
            );
        }
        if !VOICE_TEMPO.contains(&voice.tempo) {
            self.error(
                &field("tempo"),
                format!("темп речи {} вне диапазона 0.8–1.25", voice.tempo),
                "1.0 — обычный темп; 0.9 — медленнее, 1.1 — быстрее.",
            );
        }
        let Some(folder) = &voice.recordings else {
            return;
        };
        let folder_path = recordings_folder(self.path, folder);
        let Ok(entries) = std::fs::read_dir(&folder_path) else {
            self.error(
                &field("recordings"),
                format!(
                    "папки записей {} нет или её не прочитать",
                    folder_path.display()
                ),
                "Создайте папку и запишите реплики: callcoach voice record <сценарий>; путь \
                 считается от файла сценария.",
            );
            return;
        };
        let lines = scenario.customer_lines();
        let mut recorded = HashSet::new();
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "wav"))
            .collect();
        files.sort();
        for file in files {
            let id = file
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !lines.iter().any(|line| line.id == id) {
                self.warning(
                    &field("recordings"),
                    format!(
                        "запись {} не относится ни к одной реплике клиента",
                        file.display()
                    ),
                    "Имя файла — id реплики (callcoach voice script показывает их); возможно, \
                     реплику переименовали или удалили.",
                );
                continue;
            }
            match recording_problem(&file) {
                Some(problem) => self.error(
                    &field("recordings"),
                    format!("запись {} не читается: {problem}", file.display()),
                    "Нужен WAV (PCM или float), моно или стерео, не пустой; перезапишите \
                     реплику: callcoach voice record <сценарий>.",
                ),
                None => {
                    recorded.insert(id);
                }
            }
        }
        let missing: Vec<&str> = lines
            .iter()
            .filter(|line| !recorded.contains(&line.id))
            .map(|line| line.id.as_str())
            .collect();
        if !missing.is_empty() {
            let shown: Vec<&str> = missing.iter().take(5).copied().collect();
            self.warning(
                &field("recordings"),
                format!(
                    "нет записей для {} из {} реплик ({}{}): они будут синтезированы",
                    missing.len(),
                    lines.len(),
                    shown.join(", "),
                    if missing.len() > shown.len() {
                        ", …"
                    } else {
                        ""
                    }
                ),
                "Запишите их: callcoach voice record <сценарий>.",
            );
        }
    }

    fn graph(&mut self, scenario: &Scenario, morphology: &Morphology) {
        if scenario.steps.is_empty() {
            self.error(
                &[Key::Field("steps")],
                "в сценарии нет ни одного шага".to_owned(),
                "Звонок начинается с первого шага списка steps: добавьте хотя бы один.",
            );
            return;
        }
        if scenario.endings.is_empty() {
            self.error(
                &[Key::Field("endings")],
                "в сценарии нет ни одной концовки".to_owned(),
                "Добавьте концовки: Resolved (решено), Escalated (передано дальше), HungUp (клиент бросил трубку).",
            );
        }
        if scenario.hang_up_ending().is_none() && !scenario.endings.is_empty() {
            self.error(
                &[Key::Field("endings")],
                "нет концовки HungUp, а клиент может бросить трубку".to_owned(),
                "Клиент бросает трубку, когда настроение доходит до hangs_up_at или удержание длится \
                 дольше hold_patience: добавьте Ending(kind: HungUp, …).",
            );
        }
        // Ids of steps and endings share one namespace, because `goto` names either.
        let mut ids: HashSet<&str> = HashSet::new();
        let named: Vec<(&str, &'static str, usize)> = scenario
            .steps
            .iter()
            .enumerate()
            .map(|(index, step)| (step.id.as_str(), "steps", index))
            .chain(
                scenario
                    .endings
                    .iter()
                    .enumerate()
                    .map(|(index, ending)| (ending.id.as_str(), "endings", index)),
            )
            .collect();
        for (id, field, index) in &named {
            let path = [Key::Field(field), Key::Index(*index), Key::Field("id")];
            if id.trim().is_empty() {
                self.error(
                    &path,
                    "пустой id".to_owned(),
                    "Дайте шагу или концовке короткое имя латиницей.",
                );
            } else if !ids.insert(id) {
                self.error(
                    &path,
                    format!("id «{id}» уже занят другим шагом или концовкой"),
                    "Id шагов и концовок должны различаться: на них ссылается goto.",
                );
            }
        }
        let mut targets: Vec<&str> = Vec::new();
        for (id, _, _) in &named {
            if !targets.contains(id) {
                targets.push(id);
            }
        }
        for (step_index, step) in scenario.steps.iter().enumerate() {
            let step_path = |field| {
                [
                    Key::Field("steps"),
                    Key::Index(step_index),
                    Key::Field(field),
                ]
            };
            if step.says.is_empty() {
                self.error(
                    &step_path("says"),
                    format!("шаг «{}»: клиенту нечего сказать", step.id),
                    "Добавьте в says хотя бы одну реплику клиента.",
                );
            }
            self.lines(&step_path("says"), &step.says, "реплика клиента");
            if let Some(hint) = &step.hint {
                self.text(&step_path("hint"), hint, "подсказка");
            }
            if let Some(work) = &step.work {
                if work.seconds == 0 {
                    self.error(
                        &[Key::Field("steps"), Key::Index(step_index), Key::Field("work"), Key::Field("seconds")],
                        "работа занимает 0 секунд".to_owned(),
                        "Укажите, сколько секунд удержания нужно на работу, например 90 для проверки линии.",
                    );
                }
                self.text(
                    &[
                        Key::Field("steps"),
                        Key::Index(step_index),
                        Key::Field("work"),
                        Key::Field("what"),
                    ],
                    &work.what,
                    "описание работы",
                );
            }
            let fallback = step
                .on
                .iter()
                .position(|transition| matches!(transition.when, Condition::Otherwise));
            match fallback {
                None => self.error(
                    &step_path("id"),
                    format!("у шага «{}» нет запасного перехода Otherwise", step.id),
                    "Если ответ сотрудника не подойдёт ни под одно условие, звонок застрянет: добавьте \
                     последним Transition(when: Otherwise, …).",
                ),
                Some(index) if index + 1 < step.on.len() => self.error(
                    &[Key::Field("steps"), Key::Index(step_index), Key::Field("on"), Key::Index(index + 1)],
                    format!("шаг «{}»: переход после Otherwise никогда не сработает", step.id),
                    "Переходы проверяются сверху вниз, а Otherwise подходит к любому ответу: поставьте его последним.",
                ),
                Some(_) => {}
            }
            for (index, transition) in step.on.iter().enumerate() {
                let base = [
                    Key::Field("steps"),
                    Key::Index(step_index),
                    Key::Field("on"),
                    Key::Index(index),
                ];
                let with = |field| {
                    let mut path = base.to_vec();
                    path.push(Key::Field(field));
                    path
                };
                if !MOOD_CHANGE.contains(&transition.mood) {
                    self.error(
                        &with("mood"),
                        format!("изменение настроения {} вне диапазона −1.0…1.0", transition.mood),
                        "Положительное число злит клиента, отрицательное успокаивает: например 0.2 или -0.1.",
                    );
                }
                self.lines(&with("say"), &transition.say, "реплика клиента");
                if let Some(goto) = &transition.goto
                    && !targets.contains(&goto.as_str())
                {
                    let help = match closest(goto, &targets) {
                        Some(candidate) => format!("Возможно, имелось в виду «{candidate}»."),
                        None => format!("Есть шаги и концовки: {}.", targets.join(", ")),
                    };
                    self.error(
                        &with("goto"),
                        format!("переход ведёт к неизвестному шагу «{goto}»"),
                        &help,
                    );
                }
                self.condition(
                    &with("when"),
                    &transition.when,
                    step.work.is_some(),
                    &step.id,
                    morphology,
                );
            }
        }
        self.reachability(scenario);
        for (index, ending) in scenario.endings.iter().enumerate() {
            let path = |field| [Key::Field("endings"), Key::Index(index), Key::Field(field)];
            self.text(&path("summary"), &ending.summary, "итог концовки");
            self.lines(&path("says"), &ending.says, "реплика клиента");
        }
    }

    fn condition(
        &mut self,
        path: &[Key<'_>],
        condition: &Condition,
        has_work: bool,
        step: &str,
        morphology: &Morphology,
    ) {
        let inner = |index| {
            let mut at = path.to_vec();
            at.push(Key::Index(0));
            at.push(Key::Index(index));
            at
        };
        match condition {
            Condition::Mentions(phrases) | Condition::MentionsAll(phrases) => {
                if phrases.is_empty() {
                    self.error(
                        path,
                        "пустой список фраз".to_owned(),
                        "Перечислите фразы, например Mentions([\"номер договора\", \"номер заявки\"]).",
                    );
                } else if let Err((index, error)) = PhraseSet::parse(morphology, phrases) {
                    self.error(&inner(index), error.message, &error.help);
                }
            }
            Condition::Means(label) if !self.intents.contains(label) => {
                let labels: Vec<&str> = self.intents.iter().map(String::as_str).collect();
                let help = match closest(label, &labels) {
                    Some(near) => format!("Возможно, имелось в виду «{near}»."),
                    None if labels.is_empty() => {
                        "Опишите намерения в поле intents сценария: название и примеры фраз."
                            .to_owned()
                    }
                    None => format!("Намерения сценария: {}.", labels.join(", ")),
                };
                self.error(path, format!("неизвестное намерение «{label}»"), &help);
            }
            Condition::Finding(rule) => {
                // A whole family counts too: Finding("wording.stop") fires on any stop phrase.
                let known = self.rules.iter().any(|id| names_rule(rule, id));
                if !known {
                    let ids: Vec<&str> = self.rules.iter().map(String::as_str).collect();
                    let help = match closest(rule, &ids) {
                        Some(near) => format!(
                            "Возможно, имелось в виду «{near}». Все правила: {}.",
                            ids.join(", ")
                        ),
                        None => format!("Все правила: {}.", ids.join(", ")),
                    };
                    self.error(path, format!("неизвестное правило оценки «{rule}»"), &help);
                }
            }
            Condition::HoldShorterThanWork | Condition::WorkDone | Condition::WorkNotDone
                if !has_work =>
            {
                self.error(
                    path,
                    format!("условие про работу на удержании, а у шага «{step}» нет work"),
                    "Добавьте шагу work: Work(what: \"проверка линии\", seconds: 90) или уберите условие.",
                );
            }
            Condition::MoodAbove(level) | Condition::MoodBelow(level) if !MOOD.contains(level) => {
                self.error(
                    path,
                    format!("уровень настроения {level} вне диапазона 0.0–1.0"),
                    "0.0 — клиент спокоен, 1.0 — в ярости.",
                );
            }
            Condition::Interrupted { after, before }
                if !(after.is_finite() && *after >= 0.0)
                    || before.is_some_and(|before| !(before.is_finite() && before > *after)) =>
            {
                self.error(
                    path,
                    "неверные секунды в Interrupted: after — от 0, before — больше after"
                        .to_owned(),
                    "Например Interrupted(after: 3) — перебили после трёх секунд реплики, \
                     Interrupted(before: 2) — не дали сказать и двух секунд.",
                );
            }
            Condition::All(parts) | Condition::Any(parts) => {
                if parts.is_empty() {
                    self.error(
                        path,
                        "пустой список условий".to_owned(),
                        "Перечислите условия, например All([WorkDone, HoldOverPromise]).",
                    );
                }
                for (index, part) in parts.iter().enumerate() {
                    self.condition(&inner(index), part, has_work, step, morphology);
                }
            }
            _ => {}
        }
    }

    fn reachability(&mut self, scenario: &Scenario) {
        let edges: HashMap<&str, Vec<&str>> = scenario
            .steps
            .iter()
            .map(|step| {
                (
                    step.id.as_str(),
                    step.on
                        .iter()
                        .filter_map(|transition| transition.goto.as_deref())
                        .collect(),
                )
            })
            .collect();
        let mut reached: HashSet<&str> = HashSet::new();
        let mut queue = vec![scenario.steps[0].id.as_str()];
        while let Some(id) = queue.pop() {
            if reached.insert(id) {
                queue.extend(edges.get(id).into_iter().flatten().copied());
            }
        }
        // The customer can always hang up, so HungUp endings need no explicit path.
        for (index, step) in scenario.steps.iter().enumerate() {
            if !reached.contains(step.id.as_str()) {
                self.error(
                    &[Key::Field("steps"), Key::Index(index), Key::Field("id")],
                    format!("до шага «{}» нельзя дойти от начала звонка", step.id),
                    "Ни один переход (goto) не ведёт к этому шагу: добавьте переход или уберите шаг.",
                );
            }
        }
        for (index, ending) in scenario.endings.iter().enumerate() {
            if ending.kind != EndingKind::HungUp && !reached.contains(ending.id.as_str()) {
                self.warning(
                    &[Key::Field("endings"), Key::Index(index), Key::Field("id")],
                    format!("до концовки «{}» нельзя дойти", ending.id),
                    "Ни один переход не ведёт к этой концовке.",
                );
            }
        }
        let ending_ids: HashSet<&str> = scenario
            .endings
            .iter()
            .map(|ending| ending.id.as_str())
            .collect();
        let mut leads_to_end: HashSet<&str> = HashSet::new();
        loop {
            let before = leads_to_end.len();
            for (id, targets) in &edges {
                if targets
                    .iter()
                    .any(|target| ending_ids.contains(target) || leads_to_end.contains(target))
                {
                    leads_to_end.insert(id);
                }
            }
            if leads_to_end.len() == before {
                break;
            }
        }
        for (index, step) in scenario.steps.iter().enumerate() {
            if reached.contains(step.id.as_str()) && !leads_to_end.contains(step.id.as_str()) {
                self.error(
                    &[Key::Field("steps"), Key::Index(index), Key::Field("id")],
                    format!("из шага «{}» нельзя дойти ни до одной концовки", step.id),
                    "Звонок из этого шага никогда не закончится: добавьте переход к концовке или к шагу, \
                     из которого она достижима.",
                );
            }
        }
    }

    /// Tries every phrasing at its step: it must be taken by a transition that names its intent.
    fn phrasings(&mut self, scenario: &Scenario, lexicon: &Lexicon, scorer: &Scorer) {
        if scenario.phrasings.is_empty() {
            return;
        }
        let Ok((session, _)) = Session::start(
            Arc::new(scenario.clone()),
            SessionOptions {
                seed: 0,
                mode: Mode::Practice,
            },
            lexicon.clone(),
            Box::new(scorer.clone()),
        ) else {
            return;
        };
        for (index, phrasing) in scenario.phrasings.iter().enumerate() {
            let path = |field| {
                [
                    Key::Field("phrasings"),
                    Key::Index(index),
                    Key::Field(field),
                ]
            };
            if !scenario.steps.iter().any(|step| step.id == phrasing.step) {
                let ids: Vec<&str> = scenario.steps.iter().map(|step| step.id.as_str()).collect();
                let help = match closest(&phrasing.step, &ids) {
                    Some(near) => format!("Возможно, имелось в виду «{near}»."),
                    None => format!("Шаги сценария: {}.", ids.join(", ")),
                };
                self.error(
                    &path("step"),
                    format!("неизвестный шаг «{}»", phrasing.step),
                    &help,
                );
                continue;
            }
            if !scenario.intents.contains_key(&phrasing.means) {
                self.error(
                    &path("means"),
                    format!("неизвестное намерение «{}»", phrasing.means),
                    "Укажите название намерения из intents сценария.",
                );
                continue;
            }
            for (reply_index, reply) in phrasing.replies.iter().enumerate() {
                let taken = session.interpret(&phrasing.step, reply);
                if taken
                    .as_ref()
                    .is_some_and(|taken| taken.means.contains(&phrasing.means))
                {
                    continue;
                }
                let heard = match taken {
                    Some(taken) if taken.understood => {
                        format!("понята как «{}»", taken.understood_as.unwrap_or_default())
                    }
                    _ => "не понята".to_owned(),
                };
                let closeness = session
                    .closeness(&phrasing.means, reply)
                    .map(|found| {
                        format!(
                            " (сходство {} при пороге {}, ближе всего пример «{}»)",
                            hundredths(found.score),
                            hundredths(UNDERSTOOD),
                            found.example
                        )
                    })
                    .unwrap_or_default();
                self.error(
                    &[
                        Key::Field("phrasings"),
                        Key::Index(index),
                        Key::Field("replies"),
                        Key::Index(reply_index),
                    ],
                    format!(
                        "на шаге «{}» реплика «{reply}» {heard}, а должна значить «{}»{closeness}",
                        phrasing.step, phrasing.means
                    ),
                    "Добавьте в примеры намерения фразу, близкую к этой, или поставьте переход с \
                     этим намерением выше того, что сработал.",
                );
            }
        }
    }

    fn walkthroughs(&mut self, scenario: &Scenario, lexicon: &Lexicon, scorer: &Scorer) {
        let shared = Arc::new(scenario.clone());
        for (index, walkthrough) in scenario.walkthroughs.iter().enumerate() {
            let path = |field| {
                [
                    Key::Field("walkthroughs"),
                    Key::Index(index),
                    Key::Field(field),
                ]
            };
            if scenario.ending(&walkthrough.ending).is_none() {
                self.error(
                    &path("ending"),
                    format!(
                        "прохождение ведёт к неизвестной концовке «{}»",
                        walkthrough.ending
                    ),
                    "Укажите id одной из концовок сценария.",
                );
                continue;
            }
            let options = SessionOptions {
                seed: walkthrough.seed,
                mode: Mode::Practice,
            };
            let mut session = match Session::start(
                shared.clone(),
                options,
                lexicon.clone(),
                Box::new(scorer.clone()),
            ) {
                Ok((session, _)) => session,
                Err(error) => {
                    self.error(
                        &path("ending"),
                        format!("звонок по сценарию не запускается: {error}"),
                        "Исправьте остальные ошибки сценария и запустите check снова.",
                    );
                    return;
                }
            };
            let mut broken = false;
            for (reply_index, reply) in walkthrough.replies.iter().enumerate() {
                let reply_path = [
                    Key::Field("walkthroughs"),
                    Key::Index(index),
                    Key::Field("replies"),
                    Key::Index(reply_index),
                ];
                let turn = match parse_turn(reply) {
                    Ok(Some(turn)) => turn,
                    Ok(None) => continue,
                    Err(error) => {
                        self.error(
                            &reply_path,
                            error.0,
                            "Реплики прохождения пишутся так же, как в callcoach play.",
                        );
                        broken = true;
                        break;
                    }
                };
                if session.outcome().is_some() {
                    self.error(
                        &reply_path,
                        "звонок уже закончился, а реплики прохождения ещё есть".to_owned(),
                        "Уберите лишние реплики или проверьте, почему звонок закончился раньше.",
                    );
                    broken = true;
                    break;
                }
                let _ = session.advance(turn);
            }
            if broken {
                continue;
            }
            let reached = session.outcome().map(|outcome| outcome.ending.clone());
            match reached {
                Some(Some(ending)) if ending == walkthrough.ending => {}
                Some(ending) => self.error(
                    &path("ending"),
                    format!(
                        "прохождение закончилось концовкой «{}», а ожидалась «{}»",
                        ending.as_deref().unwrap_or("сотрудник положил трубку"),
                        walkthrough.ending
                    ),
                    "Запустите callcoach play с этими репликами и тем же seed, чтобы увидеть, где разговор свернул не туда.",
                ),
                None => self.error(
                    &path("ending"),
                    format!(
                        "прохождение не дошло до концовки «{}»: звонок остановился на шаге «{}»",
                        walkthrough.ending,
                        session.step_id()
                    ),
                    "Добавьте реплики, которые доводят звонок до концовки.",
                ),
            }
        }
        for (index, ending) in scenario.endings.iter().enumerate() {
            if !scenario
                .walkthroughs
                .iter()
                .any(|walk| walk.ending == ending.id)
            {
                self.warning(
                    &[Key::Field("endings"), Key::Index(index), Key::Field("id")],
                    format!("для концовки «{}» нет прохождения", ending.id),
                    "Добавьте Walkthrough(ending: …, replies: […]): check проверит, что концовка достижима.",
                );
            }
        }
    }
}

/// Whether a condition names the intent `label`.
fn names_intent(condition: &Condition, label: &str) -> bool {
    match condition {
        Condition::Means(named) => named == label,
        Condition::All(parts) | Condition::Any(parts) => {
            parts.iter().any(|part| names_intent(part, label))
        }
        _ => false,
    }
}

/// The candidate most like `wrong`, if any is close.
fn closest<'a>(wrong: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| (strsim::levenshtein(wrong, candidate), *candidate))
        .filter(|(distance, _)| *distance <= 3)
        .min()
        .map(|(_, candidate)| candidate)
}
