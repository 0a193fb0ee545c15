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
    /// An SQLite database of another program.
    #[error(
        "{path}: это база другой программы, а не база прогресса callcoach. Файл не изменён. Укажите другой путь через --db или CALLCOACH_DB."
    )]
    Foreign {
        /// The file.
        path: PathBuf,
    },
    /// A command that only reads was given a database that does not exist.
    #[error(
        "{path}: базы прогресса нет. Проверьте путь (--db или CALLCOACH_DB); новая база создаётся первой командой, которая записывает, например callcoach trainee add."
    )]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// The folder of a new database does not exist.
    #[error(
        "{path}: папки для базы прогресса нет. Проверьте путь (--db или CALLCOACH_DB) или создайте папку."
    )]
    NoFolder {
        /// The file.
        path: PathBuf,
    },
    /// The database is damaged.
    #[error(
        "{path}: база прогресса повреждена. Файл не изменён. Восстановите его из резервной копии или укажите другой путь через --db."
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
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
    /// The file cannot be opened or written: what the system said, in Russian.
    #[error("{path}: не удалось открыть или записать базу прогресса: {reason}.")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why, in Russian.
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
    #[error("{path}: ошибка базы прогресса ({reason}). Файл не изменён.")]
    Other {
        /// The file.
        path: PathBuf,
        /// What failed, in Russian, with SQLite's error code.
        reason: String,
    },
}

/// What an SQLite error means for the user, for the database at `path`: SQLite's English never
/// reaches them, only its meaning and code.
pub(super) fn translate(path: &Path, error: rusqlite::Error) -> StoreError {
    let path = path.to_owned();
    let Some(code) = error.sqlite_error_code() else {
        return StoreError::Other {
            path,
            reason: "данные в базе не того вида, что ожидает эта версия callcoach".to_owned(),
        };
    };
    let reason = |text: &str| text.to_owned();
    match code {
        ErrorCode::NotADatabase => StoreError::NotADatabase { path },
        ErrorCode::DatabaseCorrupt => StoreError::Corrupt { path },
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Locked {
            path,
            seconds: BUSY_TIMEOUT.as_secs(),
        },
        ErrorCode::ReadOnly => StoreError::Open {
            path,
            reason: reason(
                "файл или его папка доступны только для чтения; проверьте права на запись",
            ),
        },
        ErrorCode::CannotOpen | ErrorCode::PermissionDenied => StoreError::Open {
            path,
            reason: reason("нет доступа к файлу или его папке; проверьте путь и права"),
        },
        ErrorCode::DiskFull => StoreError::Open {
            path,
            reason: reason("на диске нет места; освободите место и повторите"),
        },
        ErrorCode::SystemIoFailure => StoreError::Open {
            path,
            reason: reason("ошибка ввода-вывода диска; проверьте диск и повторите"),
        },
        ErrorCode::ConstraintViolation => StoreError::Other {
            path,
            reason: reason("запись нарушает правила базы (повтор или ссылка на удалённое)"),
        },
        _ => StoreError::Other {
            path,
            reason: format!(
                "код SQLite {}",
                error
                    .sqlite_error()
                    .map_or(0, |failure| failure.extended_code)
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite's own words («attempt to write a readonly database») never reach the user.
    #[test]
    fn sqlite_causes_are_said_in_russian() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("p.sqlite");
        rusqlite::Connection::open(&path)
            .expect("raw")
            .execute_batch("CREATE TABLE t (x);")
            .expect("table");
        let read_only = rusqlite::Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("read-only");
        let error = read_only
            .execute("INSERT INTO t VALUES (1)", [])
            .expect_err("refused");
        let said = translate(&path, error).to_string();
        assert!(said.contains("только для чтения"), "{said}");
        assert!(
            !said.contains("readonly") && !said.contains("attempt"),
            "{said}"
        );
    }
}
