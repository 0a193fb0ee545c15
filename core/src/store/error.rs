//! What went wrong with the progress database, said so a user knows what happened, where, and
//! what to do — SQLite's own words only as the reason inside a Russian sentence.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

use super::{BUSY_TIMEOUT, MAX_NAME_CHARS};

/// A store problem, said so a user knows what happened, where, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file exists but is not an SQLite database.
    #[error(
        "{path}: это не база прогресса callcoach (файл не является базой SQLite). Файл не изменён. Укажите другой путь через --db или CALLCOACH_DB."
    )]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// The database is damaged.
    #[error(
        "{path}: база прогресса повреждена ({reason}). Файл не изменён. Восстановите его из резервной копии или укажите другой путь через --db."
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// SQLite's words.
        reason: String,
    },
    /// Written by a newer callcoach.
    #[error(
        "{path}: база записана более новой версией callcoach (схема {found}, эта версия знает до {known}). Файл не изменён. Обновите callcoach."
    )]
    Newer {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// Another process holds the database for too long.
    #[error(
        "{path}: база занята другим процессом дольше {seconds} с. Закройте другие окна callcoach и повторите."
    )]
    Locked {
        /// The file.
        path: PathBuf,
        /// How long we waited.
        seconds: u64,
    },
    /// The file or its folder cannot be opened or created.
    #[error(
        "{path}: не удалось открыть базу прогресса: {reason}. Проверьте путь и права на запись."
    )]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A trainee name that is taken.
    #[error("стажёр «{0}» уже есть")]
    TraineeExists(String),
    /// A trainee that does not exist.
    #[error("стажёра «{0}» нет в базе: добавьте его командой `callcoach trainee add \"{0}\"`")]
    UnknownTrainee(String),
    /// An empty trainee name.
    #[error("имя стажёра не может быть пустым")]
    EmptyName,
    /// A trainee name with control characters (line breaks, terminal escapes) or far too long.
    #[error(
        "в имени стажёра есть переводы строк или управляющие символы, или оно длиннее {MAX_NAME_CHARS} знаков: напишите имя и фамилию обычным текстом"
    )]
    BadName,
    /// An exam call or a verdict with no sitting open: the sitting was not admitted.
    #[error("экзамен не начат: звонок экзамена записывается только в открытый экзамен")]
    NoSitting,
    /// Anything else SQLite reports.
    #[error("{path}: ошибка базы прогресса: {reason}")]
    Other {
        /// The file.
        path: PathBuf,
        /// SQLite's words.
        reason: String,
    },
}

/// What an SQLite error means for the user, for the database at `path`.
pub(super) fn translate(path: &Path, error: rusqlite::Error) -> StoreError {
    let path = path.to_owned();
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotADatabase { path },
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path,
            reason: error.to_string(),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked {
            path,
            seconds: BUSY_TIMEOUT.as_secs(),
        },
        _ => StoreError::Other {
            path,
            reason: error.to_string(),
        },
    }
}
