//! The agent's turns as typed in terminal play and walkthroughs: a reply, or a slash command.

use super::engine::AgentTurn;

/// A typed line that is not a valid turn.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CommandError(pub String);

/// The commands, for help texts.
pub const COMMAND_HELP: &str = "/hold СЕКУНДЫ — поставить клиента на удержание (например, /hold 90 или /hold 1:30); \
/wait СЕКУНДЫ — промолчать; /cut СЕКУНДЫ РЕПЛИКА — перебить клиента через столько секунд его реплики; \
/end — завершить звонок";

/// Parses one typed line. Empty lines are `None`: nothing happens.
pub fn parse_turn(line: &str) -> Result<Option<AgentTurn>, CommandError> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(None);
    }
    let length = line.chars().count();
    if length > MAX_REPLY_CHARS {
        return Err(CommandError(too_long(length)));
    }
    let Some(command) = line.strip_prefix('/') else {
        return Ok(Some(AgentTurn::Reply(line.to_owned())));
    };
    let mut parts = command.split_whitespace();
    let name = parts.next().unwrap_or_default();
    let argument = parts.next();
    match name {
        "hold" | "удержание" => Ok(Some(AgentTurn::Hold {
            seconds: seconds_argument(argument, line, "/hold 90 или /hold 1:30")?,
        })),
        "wait" | "пауза" => Ok(Some(AgentTurn::Wait {
            seconds: seconds_argument(argument, line, "/wait 20")?,
        })),
        "end" | "конец" => Ok(Some(AgentTurn::HangUp)),
        "cut" | "перебить" => {
            let after = argument
                .map(|text| text.replace(',', "."))
                .and_then(|text| text.parse::<f64>().ok())
                .filter(|after| after.is_finite() && (0.0..=600.0).contains(after));
            let text = command
                .split_whitespace()
                .skip(2)
                .collect::<Vec<_>>()
                .join(" ");
            match after {
                Some(after) if !text.is_empty() => Ok(Some(AgentTurn::CutIn { after, text })),
                _ => Err(CommandError(format!(
                    "в «{line}» нужны секунды реплики клиента и ваша реплика: например, /cut 3 Подскажите номер договора"
                ))),
            }
        }
        _ => Err(CommandError(format!(
            "неизвестная команда «{line}». Команды: {COMMAND_HELP}"
        ))),
    }
}

/// The longest hold or silence a command may ask for: an hour. Nobody holds a customer longer,
/// and a bigger number would only make a call of millions of simulated minutes.
pub const MAX_COMMAND_SECONDS: u32 = 3600;

/// The longest reply, in characters: a minute and a half of speech is about 1 000; nobody says
/// more in one breath on the phone, and every reply is scored live as it is made.
pub const MAX_REPLY_CHARS: usize = 2000;

/// Why a reply of `length` characters is not taken, in Russian.
pub(crate) fn too_long(length: usize) -> String {
    format!(
        "реплика слишком длинная ({length} знаков, а в одной реплике — не больше {MAX_REPLY_CHARS}): она не отправлена. Скажите короче — по телефону клиент не слушает монологов"
    )
}

/// Seconds as `90` or `1:30`.
fn seconds_argument(
    argument: Option<&str>,
    line: &str,
    example: &str,
) -> Result<u32, CommandError> {
    let parsed = argument.and_then(|text| match text.split_once(':') {
        Some((minutes, seconds)) => {
            let minutes: u32 = minutes.parse().ok()?;
            let seconds: u32 = seconds.parse().ok()?;
            (seconds < 60)
                .then(|| minutes.checked_mul(60)?.checked_add(seconds))
                .flatten()
        }
        None => text.parse().ok(),
    });
    match parsed {
        Some(seconds) if (1..=MAX_COMMAND_SECONDS).contains(&seconds) => Ok(seconds),
        _ => Err(CommandError(format!(
            "в «{line}» нужна длительность от 1 секунды до 60 минут: например, {example}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_replies() {
        assert_eq!(parse_turn("  "), Ok(None));
        assert_eq!(
            parse_turn("Добрый день!"),
            Ok(Some(AgentTurn::Reply("Добрый день!".to_owned())))
        );
        assert_eq!(
            parse_turn("/hold 90"),
            Ok(Some(AgentTurn::Hold { seconds: 90 }))
        );
        assert_eq!(
            parse_turn("/hold 1:30"),
            Ok(Some(AgentTurn::Hold { seconds: 90 }))
        );
        assert_eq!(
            parse_turn("/wait 20"),
            Ok(Some(AgentTurn::Wait { seconds: 20 }))
        );
        assert_eq!(parse_turn("/end"), Ok(Some(AgentTurn::HangUp)));
        assert_eq!(
            parse_turn("/cut 3,5 Подскажите номер договора"),
            Ok(Some(AgentTurn::CutIn {
                after: 3.5,
                text: "Подскажите номер договора".to_owned()
            }))
        );
        assert!(parse_turn("/cut 3").is_err());
        assert!(parse_turn("/cut Подскажите").is_err());
        assert!(parse_turn("/hold").is_err());
        assert!(parse_turn("/hold две").is_err());
        assert!(parse_turn("/jump").is_err());
    }

    #[test]
    fn durations_are_between_a_second_and_an_hour_and_the_error_shows_the_command_itself() {
        let wait = parse_turn("/wait -1").expect_err("negative");
        assert!(
            wait.0.contains("/wait 20") && !wait.0.contains("/hold"),
            "{wait}"
        );
        assert!(parse_turn("/wait 4294967295").is_err());
        assert!(parse_turn("/hold 61:00").is_err());
        assert_eq!(
            parse_turn("/hold 60:00"),
            Ok(Some(AgentTurn::Hold { seconds: 3600 }))
        );
    }
}
