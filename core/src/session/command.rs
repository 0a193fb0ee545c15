//! The agent's turns as typed in terminal play and walkthroughs: a reply, or a slash command.

use super::engine::AgentTurn;

/// A typed line that is not a valid turn.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CommandError(pub String);

/// The commands, for help texts.
pub const COMMAND_HELP: &str = "/hold СЕКУНДЫ — поставить клиента на удержание (например, /hold 90 или /hold 1:30); \
/wait СЕКУНДЫ — промолчать; /end — завершить звонок";

/// Parses one typed line. Empty lines are `None`: nothing happens.
pub fn parse_turn(line: &str) -> Result<Option<AgentTurn>, CommandError> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(None);
    }
    let Some(command) = line.strip_prefix('/') else {
        return Ok(Some(AgentTurn::Reply(line.to_owned())));
    };
    let mut parts = command.split_whitespace();
    let name = parts.next().unwrap_or_default();
    let argument = parts.next();
    match name {
        "hold" | "удержание" => Ok(Some(AgentTurn::Hold {
            seconds: seconds_argument(argument, line)?,
        })),
        "wait" | "пауза" => Ok(Some(AgentTurn::Wait {
            seconds: seconds_argument(argument, line)?,
        })),
        "end" | "конец" => Ok(Some(AgentTurn::HangUp)),
        _ => Err(CommandError(format!(
            "неизвестная команда «{line}». Команды: {COMMAND_HELP}"
        ))),
    }
}

/// Seconds as `90` or `1:30`.
fn seconds_argument(argument: Option<&str>, line: &str) -> Result<u32, CommandError> {
    let parsed = argument.and_then(|text| match text.split_once(':') {
        Some((minutes, seconds)) => {
            let minutes: u32 = minutes.parse().ok()?;
            let seconds: u32 = seconds.parse().ok()?;
            (seconds < 60).then(|| minutes * 60 + seconds)
        }
        None => text.parse().ok(),
    });
    match parsed {
        Some(seconds) if seconds > 0 => Ok(seconds),
        _ => Err(CommandError(format!(
            "в «{line}» нужно указать длительность в секундах: например, /hold 90 или /hold 1:30"
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
        assert!(parse_turn("/hold").is_err());
        assert!(parse_turn("/hold две").is_err());
        assert!(parse_turn("/jump").is_err());
    }
}
