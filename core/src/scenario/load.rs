//! Reading scenario files: RON parsing with Russian diagnostics, and the library of all
//! scenarios in a folder.

use std::path::{Path, PathBuf};

use ron::error::{Error as RonError, SpannedError};

use super::diagnostic::{Diagnostic, Severity};
use super::model::Scenario;

/// A file's path and text, read once and shared by parsing and diagnostics.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as the user gave it.
    pub path: PathBuf,
    /// The file's contents.
    pub text: String,
}

impl SourceFile {
    /// Reads a file; an unreadable file is a diagnostic, not a crash.
    pub fn read(path: &Path) -> Result<Self, Diagnostic> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(SourceFile {
                path: path.to_owned(),
                text,
            }),
            Err(error) => Err(Diagnostic {
                file: path.to_owned(),
                line: 1,
                column: 1,
                severity: Severity::Error,
                message: format!("не удалось прочитать файл: {}", io_reason(&error)),
                help:
                    "Проверьте путь к файлу и права на чтение; файл должен быть в кодировке UTF-8."
                        .to_owned(),
            }),
        }
    }
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "файл не найден".to_owned(),
        std::io::ErrorKind::PermissionDenied => "нет прав на чтение".to_owned(),
        std::io::ErrorKind::InvalidData => "файл не в кодировке UTF-8".to_owned(),
        _ => error.to_string(),
    }
}

/// The RON dialect scenarios use: `Some(…)` may be left out around optional values.
pub(crate) fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// Whether the first value of a RON document (after comments) is a `name(…)` struct: how
/// `check` tells scenarios, rubrics and exams apart in one folder.
pub fn top_level_is(text: &str, name: &str) -> bool {
    text.lines()
        .map(str::trim_start)
        .find(|line| !line.is_empty() && !line.starts_with("//"))
        .and_then(|line| line.strip_prefix(name))
        .is_some_and(|rest| rest.trim_start().starts_with('(') || rest.trim().is_empty())
}

/// Parses one scenario file; syntax and shape errors become a diagnostic with line and column.
pub fn parse_scenario(source: &SourceFile) -> Result<Scenario, Diagnostic> {
    ron_options()
        .from_str::<Scenario>(&source.text)
        .map_err(|error| ron_diagnostic(&source.path, &error))
}

/// Turns a `ron` error into a Russian diagnostic a trainer can act on.
pub(crate) fn ron_diagnostic(path: &Path, error: &SpannedError) -> Diagnostic {
    let (message, help) = explain_ron_error(&error.code);
    Diagnostic {
        file: path.to_owned(),
        line: error.span.start.line,
        column: error.span.start.col,
        severity: Severity::Error,
        message,
        help,
    }
}

fn explain_ron_error(error: &RonError) -> (String, String) {
    const QUOTES: &str = "Текст пишется в двойных кавычках: says: [\"Не работает интернет!\"].";
    match error {
        RonError::Eof => (
            "файл закончился раньше, чем ожидалось".to_owned(),
            "Похоже, не хватает закрывающей скобки «)» или «]» в конце.".to_owned(),
        ),
        RonError::ExpectedComma => (
            "ожидалась запятая".to_owned(),
            "Поставьте запятую после предыдущего значения или поля.".to_owned(),
        ),
        RonError::ExpectedArrayEnd => (
            "ожидалась «]» или запятая".to_owned(),
            "Элементы списка разделяются запятыми, список закрывается «]».".to_owned(),
        ),
        RonError::ExpectedStructLikeEnd => (
            "ожидалась «)» или запятая".to_owned(),
            "Поля разделяются запятыми, блок закрывается «)».".to_owned(),
        ),
        RonError::ExpectedString | RonError::ExpectedStringEnd => {
            ("ожидался текст в кавычках".to_owned(), QUOTES.to_owned())
        }
        RonError::ExpectedArray => (
            "ожидался список в квадратных скобках".to_owned(),
            "Списки пишутся так: [\"первый вариант\", \"второй вариант\"].".to_owned(),
        ),
        RonError::ExpectedFloat | RonError::ExpectedInteger | RonError::FloatUnderscore => (
            "ожидалось число".to_owned(),
            "Настроение — дробное число от 0.0 до 1.0 с точкой, секунды — целое число.".to_owned(),
        ),
        RonError::InvalidValueForType { expected, found } => (
            format!(
                "неподходящее значение {found}: ожидалось {}",
                translate_expected(expected)
            ),
            "Сверьтесь с примером в scenarios/README.md.".to_owned(),
        ),
        RonError::NoSuchStructField {
            expected,
            found,
            outer,
        } => (
            format!(
                "неизвестное поле «{found}»{}",
                outer
                    .as_ref()
                    .map(|outer| format!(" в блоке {outer}"))
                    .unwrap_or_default()
            ),
            format!("Допустимые поля: {}.", expected.join(", ")),
        ),
        RonError::MissingStructField { field, outer } => (
            format!(
                "не хватает обязательного поля «{field}»{}",
                outer
                    .as_ref()
                    .map(|outer| format!(" в блоке {outer}"))
                    .unwrap_or_default()
            ),
            format!("Добавьте «{field}: …» в этот блок."),
        ),
        RonError::DuplicateStructField { field, .. } => (
            format!("поле «{field}» указано дважды"),
            "Оставьте одно из двух.".to_owned(),
        ),
        RonError::NoSuchEnumVariant {
            expected, found, ..
        } => (
            format!("неизвестное значение «{found}»"),
            format!("Возможные значения: {}.", expected.join(", ")),
        ),
        RonError::ExpectedDifferentStructName { expected, found } => (
            format!("ожидался блок {expected}(…), а написано {found}(…)"),
            format!("Переименуйте блок в {expected}."),
        ),
        RonError::ExpectedNamedStructLike(name) => (
            format!("ожидался блок {name}(…)"),
            "Похоже, здесь не хватает скобки или файл обрывается: сверьте скобки с примером."
                .to_owned(),
        ),
        RonError::ExpectedStructLike => (
            "ожидался блок в круглых скобках".to_owned(),
            "Похоже, здесь не хватает скобки или файл обрывается: сверьте скобки с примером."
                .to_owned(),
        ),
        RonError::UnexpectedChar(c) => (
            format!("неожиданный символ «{c}»"),
            "Проверьте кавычки, скобки и запятые рядом с этим местом.".to_owned(),
        ),
        RonError::TrailingCharacters => (
            "лишний текст после конца сценария".to_owned(),
            "Весь сценарий — один блок Scenario(…); уберите то, что стоит после его «)»."
                .to_owned(),
        ),
        RonError::UnclosedBlockComment | RonError::UnclosedLineComment => (
            "комментарий не закрыт".to_owned(),
            "Закройте комментарий «/* … */».".to_owned(),
        ),
        RonError::InvalidEscape(_) => (
            "неверная escape-последовательность в тексте".to_owned(),
            "Кавычки внутри текста пишутся как \\\", обратная косая черта — как \\\\; для кавычек \
             лучше использовать «ёлочки»."
                .to_owned(),
        ),
        RonError::Message(message) => (
            format!("ошибка в значении: {message}"),
            "Сверьтесь с примером в scenarios/README.md.".to_owned(),
        ),
        other => (
            format!("ошибка синтаксиса RON: {other}"),
            "Сверьтесь с примером в scenarios/README.md: скобки, кавычки и запятые.".to_owned(),
        ),
    }
}

fn translate_expected(expected: &str) -> String {
    match expected {
        "u8" | "u32" | "u64" | "an integer" => "целое неотрицательное число".to_owned(),
        "f32" | "a float" => "дробное число".to_owned(),
        "a string" => "текст в кавычках".to_owned(),
        "a boolean" => "true или false".to_owned(),
        other => other.to_owned(),
    }
}

/// Every scenario in a folder, with the diagnostics of the files that could not be used.
#[derive(Clone, Debug, Default)]
pub struct ScenarioLibrary {
    /// Scenarios that loaded and passed `check` without errors, by file.
    pub scenarios: Vec<(PathBuf, Scenario)>,
    /// Problems found, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl ScenarioLibrary {
    /// The scenario with this id, or loaded from this path.
    pub fn find(&self, id_or_path: &str) -> Option<&Scenario> {
        self.scenarios
            .iter()
            .find(|(path, scenario)| scenario.id == id_or_path || path == Path::new(id_or_path))
            .map(|(_, scenario)| scenario)
    }

    /// All scenario ids, for "did you mean" messages.
    pub fn ids(&self) -> Vec<&str> {
        self.scenarios
            .iter()
            .map(|(_, scenario)| scenario.id.as_str())
            .collect()
    }
}

/// The `.ron` files directly inside a folder, sorted by name.
pub fn ron_files(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "ron"))
        .collect();
    files.sort();
    Ok(files)
}
