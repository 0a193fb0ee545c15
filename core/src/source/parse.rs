//! RON as callcoach reads it: the options every file is parsed with, and `ron`'s errors as
//! Russian diagnostics a trainer can act on.

use std::path::Path;

use ron::error::{Error as RonError, SpannedError};

use super::diagnostic::{Diagnostic, Severity};

/// The RON dialect scenarios use: `Some(…)` may be left out around optional values.
pub fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// Turns a `ron` error into a Russian diagnostic a trainer can act on.
pub fn ron_diagnostic(path: &Path, error: &SpannedError) -> Diagnostic {
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
