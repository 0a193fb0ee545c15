//! The command line in Russian. clap writes its headings, built-in flags and parse errors in
//! English; here the help gets Russian headings and placeholders, and every parse error is said
//! anew in Russian from what clap found (the argument, the value, what is allowed), so no English
//! reaches a trainee, trainer or QA.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Command};

/// Placeholders of values as the help shows them, by clap's name.
const PLACEHOLDERS: &[(&str, &str)] = &[
    ("DIR", "ПАПКА"),
    ("PATH", "ПУТЬ"),
    ("PATHS", "ПУТИ"),
    ("FILE", "ФАЙЛ"),
    ("NAME", "ИМЯ"),
    ("SCENARIO", "СЦЕНАРИЙ"),
    ("SEED", "ЧИСЛО"),
    ("N", "ЧИСЛО"),
    ("EXAM", "ЭКЗАМЕН"),
    ("TRAINEE", "СТАЖЁР"),
    ("FORMAT", "ФОРМАТ"),
    ("TRANSCRIPT", "РАСШИФРОВКА"),
    ("PRECISION", "ТОЧНОСТЬ"),
    ("MODEL", "ФАЙЛ"),
    ("VOCABULARY", "ФАЙЛ"),
    ("PROMPT", "СЛОВА"),
    ("THREADS", "ЧИСЛО"),
    ("ADDRESS", "АДРЕС"),
    ("COHORT", "ГРУППА"),
];

/// The rest of clap's English in a rendered help, and its Russian.
const HELP_WORDS: &[(&str, &str)] = &[
    ("Usage:", "Использование:"),
    ("Commands:", "Команды:"),
    ("Options:", "Параметры:"),
    ("Arguments:", "Аргументы:"),
    ("[OPTIONS]", "[ПАРАМЕТРЫ]"),
    ("<COMMAND>", "<КОМАНДА>"),
    ("[COMMAND]", "[КОМАНДА]"),
    ("[possible values: ", "[варианты: "),
    ("[default: ", "[по умолчанию: "),
    ("Print help (see more with '--help')", "Показать справку"),
    ("Print help", "Показать справку"),
    ("Print version", "Показать версию"),
];

/// The command with Russian placeholders for every value, in every subcommand.
pub fn command(command: Command) -> Command {
    command
        .disable_help_subcommand(true)
        .mut_args(russian_placeholder)
        .mut_subcommands(self::command)
}

fn russian_placeholder(arg: Arg) -> Arg {
    if !arg.get_action().takes_values() {
        return arg;
    }
    let names: Vec<String> = match arg.get_value_names() {
        Some(names) => names.iter().map(ToString::to_string).collect(),
        None => vec![arg.get_id().as_str().to_uppercase()],
    };
    let russian: Option<Vec<&'static str>> = names.iter().map(|name| placeholder(name)).collect();
    match russian {
        Some(russian) => arg.value_names(russian),
        None => arg,
    }
}

fn placeholder(name: &str) -> Option<&'static str> {
    PLACEHOLDERS
        .iter()
        .find(|(english, _)| *english == name)
        .map(|(_, russian)| *russian)
}

/// A rendered help or version text, in Russian.
pub fn help(text: &str) -> String {
    HELP_WORDS
        .iter()
        .fold(text.to_owned(), |text, (english, russian)| {
            text.replace(english, russian)
        })
}

/// What a parse error means, in Russian: what was wrong, a suggestion when clap had one, and
/// where the help is.
pub fn error(error: &clap::Error) -> String {
    let text = |kind: ContextKind| error.get(kind).map(value_text).unwrap_or_default();
    let arg = text(ContextKind::InvalidArg);
    let value = text(ContextKind::InvalidValue);
    let valid = text(ContextKind::ValidValue);
    let message = match error.kind() {
        ErrorKind::UnknownArgument => format!("неизвестный параметр «{arg}»"),
        ErrorKind::InvalidSubcommand => format!(
            "неизвестная команда «{}»",
            text(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidValue if value.is_empty() => format!("для {arg} нужно значение"),
        ErrorKind::InvalidValue => format!(
            "недопустимое значение «{value}» для {arg}{}",
            if valid.is_empty() {
                String::new()
            } else {
                format!("; можно: {valid}")
            }
        ),
        ErrorKind::ValueValidation => format!(
            "значение «{value}» не подходит для {arg}: {}",
            if arg.contains("ЧИСЛО") {
                "нужно целое неотрицательное число"
            } else {
                "проверьте его по справке"
            }
        ),
        ErrorKind::MissingRequiredArgument => format!("не хватает обязательного: {arg}"),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "не указана команда".to_owned()
        }
        ErrorKind::ArgumentConflict => format!(
            "{arg} нельзя указывать вместе с {}",
            text(ContextKind::PriorArg)
        ),
        ErrorKind::NoEquals => format!("значение для {arg} пишется через «=»"),
        ErrorKind::TooManyValues => format!("лишнее значение «{value}» для {arg}"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("для {arg} не хватает значений")
        }
        ErrorKind::InvalidUtf8 => "аргументы командной строки не в кодировке UTF-8".to_owned(),
        _ => "не удалось разобрать аргументы командной строки".to_owned(),
    };
    let suggestion = [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    .map(text)
    .find(|suggestion| !suggestion.is_empty())
    .map(|suggestion| format!(" Может быть, «{suggestion}»?"))
    .unwrap_or_default();
    format!(
        "ошибка: {}.{suggestion} Справка: callcoach --help.",
        help(&message)
    )
}

fn value_text(value: &ContextValue) -> String {
    let russian = |text: String| {
        PLACEHOLDERS.iter().fold(text, |text, (english, russian)| {
            text.replace(&format!("<{english}>"), &format!("<{russian}>"))
        })
    };
    match value {
        ContextValue::String(text) => russian(text.clone()),
        ContextValue::Strings(texts) => russian(texts.join(", ")),
        ContextValue::StyledStr(text) => russian(text.to_string()),
        ContextValue::StyledStrs(texts) => russian(
            texts
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ContextValue::Number(number) => number.to_string(),
        ContextValue::Bool(flag) => flag.to_string(),
        _ => String::new(),
    }
}
