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
        RonError::InvalidValueForType { expected, .. } => (
            format!(
                "неподходящее значение: ожидалось {}",
                translate_expected(expected)
            ),
            "Сверьтесь с примером в scenarios/README.md.".to_owned(),
        ),
        RonError::IntegerOutOfBounds => (
            "число вне допустимого диапазона".to_owned(),
            "Секунды, баллы, попытки и дни — целые неотрицательные числа разумной величины."
                .to_owned(),
        ),
        RonError::InvalidIntegerDigit { .. } | RonError::UnderscoreAtBeginning => (
            "неверная запись числа".to_owned(),
            "Числа пишутся цифрами: 90, 0.7.".to_owned(),
        ),
        RonError::ExpectedBoolean => (
            "ожидалось true или false".to_owned(),
            "Да — true, нет — false.".to_owned(),
        ),
        RonError::ExpectedMap | RonError::ExpectedMapColon | RonError::ExpectedMapEnd => (
            "ожидался словарь в фигурных скобках".to_owned(),
            "Словарь пишется так: { \"ключ\": [\"значение\"] }, пары разделяются запятыми."
                .to_owned(),
        ),
        RonError::ExpectedOption | RonError::ExpectedOptionEnd => (
            "ожидалось значение или None".to_owned(),
            "Необязательное поле можно пропустить или написать None.".to_owned(),
        ),
        RonError::ExpectedIdentifier | RonError::InvalidIdentifier(_) => (
            "ожидалось имя поля или значения".to_owned(),
            "Имена полей пишутся латиницей без кавычек: says, goto, mood.".to_owned(),
        ),
        RonError::Utf8Error(_) => (
            "файл не в кодировке UTF-8".to_owned(),
            "Сохраните файл в кодировке UTF-8.".to_owned(),
        ),
        RonError::ExceededRecursionLimit => (
            "слишком глубокая вложенность скобок".to_owned(),
            "Сценарий не вкладывает блоки так глубоко: проверьте скобки.".to_owned(),
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
            serde_message(message),
            "Сверьтесь с примером в scenarios/README.md.".to_owned(),
        ),
        _ => (
            "ошибка синтаксиса RON".to_owned(),
            "Сверьтесь с примером в scenarios/README.md: скобки, кавычки и запятые.".to_owned(),
        ),
    }
}

/// A serde message in Russian: our own checks speak Russian already; serde's English is read
/// for what was expected, and never quoted.
fn serde_message(message: &str) -> String {
    if message
        .chars()
        .any(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё'))
    {
        return format!("ошибка в значении: {message}");
    }
    let expected = message
        .rsplit_once(", expected ")
        .map(|(_, expected)| translate_expected(expected.trim_end_matches('.')));
    let what = if message.starts_with("invalid type") {
        "неподходящий вид значения"
    } else if message.starts_with("invalid length") {
        "неподходящее число элементов"
    } else if message.starts_with("unknown variant") {
        "неизвестное значение"
    } else {
        "неподходящее значение"
    };
    match expected {
        Some(expected) => format!("{what}: ожидалось {expected}"),
        None => what.to_owned(),
    }
}

fn translate_expected(expected: &str) -> String {
    let expected = expected.trim();
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" | "an integer" | "a nonnegative integer" => {
            "целое неотрицательное число".to_owned()
        }
        "i8" | "i16" | "i32" | "i64" | "isize" => "целое число".to_owned(),
        "f32" | "f64" | "a float" => "дробное число".to_owned(),
        "a string" | "a borrowed string" | "string" => "текст в кавычках".to_owned(),
        "a boolean" | "bool" => "true или false".to_owned(),
        "a character" | "char" => "один символ в одинарных кавычках".to_owned(),
        "a sequence" | "a tuple" => "список в квадратных скобках".to_owned(),
        "a map" => "словарь в фигурных скобках".to_owned(),
        "unit" => "пустое значение ()".to_owned(),
        other if other.starts_with("struct ") => {
            format!("блок {}(…)", other.trim_start_matches("struct "))
        }
        other if other.starts_with("enum ") || other.starts_with("one of ") => {
            "одно из допустимых значений".to_owned()
        }
        other if other.starts_with("a sequence of ") || other.starts_with("an array of ") => {
            "список в квадратных скобках".to_owned()
        }
        _ => "значение другого вида".to_owned(),
    }
}
