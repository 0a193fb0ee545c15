//! The progress store: trainees, attempts and every turn in SQLite, so nothing a trainee does is
//! ever lost.
//!
//! Every turn is committed the moment it is made; a process killed mid-call leaves an attempt
//! `in_progress`, which the next open finds and marks `interrupted` with all its turns. The
//! schema is migrated by append-only steps tracked in `user_version`; a database written by a
//! newer callcoach is refused and never modified.

mod attempts;
mod chain;
mod checkpoint;
mod error;
mod examiner;
mod exams;
mod report;
mod schema;
mod team;

pub use crate::attempt::{AttemptMode, AttemptStatus};
pub use crate::certificate::Examiner;
pub use crate::source::content_hash;
pub use attempts::{Attempt, NewAttempt};
pub use chain::ChainProblem;
/// The hash before the first seal of a desktop's chain (the team's server links from it too).
pub use chain::GENESIS as CHAIN_GENESIS;
pub use checkpoint::{CheckpointInfo, CheckpointReason};
pub use error::StoreError;
pub use examiner::{ExaminerError, MIN_PASSPHRASE_CHARS, key_file_public_key, strong_enough};
pub use exams::{ExamRun, StoredCertificate};
pub use report::{AttemptRow, CertificateRow, ExamRow, GroupRow, MisunderstoodRow};
pub use team::{
    Outbox, OutgoingAttempt, OutgoingCertificate, OutgoingCheckpoint, OutgoingSitting,
    OutgoingTrainee, RosterEntry, Sent,
};

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use error::translate;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

/// How long a write waits for another process holding the database before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest trainee name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// A trainee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trainee {
    /// Row id.
    pub id: i64,
    /// Name as entered.
    pub name: String,
}

/// Milliseconds since the Unix epoch, as the store records times.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

/// The progress database.
pub struct Store {
    connection: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "Store({})", self.path.display())
    }
}

impl Store {
    /// Opens the database at `path`, creating the file when it does not exist (its folder must),
    /// migrates it and marks attempts left by dead processes as interrupted. A file of another
    /// program is refused unchanged.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if path.exists() {
            return Store::open_existing(path);
        }
        match path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
        {
            Some(folder) if !folder.is_dir() => Err(StoreError::NoFolder {
                path: path.to_owned(),
            }),
            _ => Store::connect(path, OpenFlags::SQLITE_OPEN_CREATE),
        }
    }

    /// Opens an existing database (commands that only read never create one); a missing file
    /// is an error that names it.
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_owned(),
            });
        }
        if !path.is_file() {
            return Err(StoreError::NotADatabase {
                path: path.to_owned(),
            });
        }
        Store::connect(path, OpenFlags::empty())
    }

    fn connect(path: &Path, create: OpenFlags) -> Result<Store, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | create;
        let connection =
            Connection::open_with_flags(path, flags).map_err(|error| translate(path, error))?;
        let mut store = Store {
            connection,
            path: path.to_owned(),
        };
        store
            .connection
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|error| store.error(error))?;
        // Read before writing anything: a file that is not ours must stay untouched.
        let version = store.identify()?;
        store
            .connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|error| store.error(error))?;
        store
            .connection
            .pragma_update(None, "foreign_keys", true)
            .map_err(|error| store.error(error))?;
        schema::migrate(&mut store.connection, version).map_err(|error| store.error(error))?;
        store.mark_interrupted()?;
        Ok(store)
    }

    /// The schema version of a callcoach database; any other SQLite file (another program's
    /// tables, another application id) or a newer callcoach's is refused.
    fn identify(&self) -> Result<i64, StoreError> {
        let read = |sql: &str| -> Result<i64, StoreError> {
            self.connection
                .query_row(sql, [], |row| row.get(0))
                .map_err(|error| self.error(error))
        };
        let version = read("PRAGMA user_version")?;
        let application = read("PRAGMA application_id")?;
        let objects = read("SELECT COUNT(*) FROM sqlite_master")?;
        let ours = read(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' \
             AND name IN ('trainees', 'attempts', 'turns')",
        )?;
        let foreign = match (version, application) {
            (_, id) if id != 0 && id != schema::APPLICATION_ID => true,
            // A new, empty file.
            (0, _) => objects > 0,
            // Written before databases carried the application id: our tables must be there.
            (_, 0) => ours < 3,
            _ => false,
        };
        if foreign {
            return Err(StoreError::Foreign {
                path: self.path.clone(),
            });
        }
        let known = schema::version();
        if version > known {
            return Err(StoreError::Newer {
                path: self.path.clone(),
                found: version,
                known,
            });
        }
        Ok(version)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Translates an SQLite error into what the user needs to know.
    fn error(&self, error: rusqlite::Error) -> StoreError {
        translate(&self.path, error)
    }

    /// Every row of a query, mapped; errors are translated like every other.
    fn query<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let rows = self
            .connection
            .prepare_cached(sql)
            .and_then(|mut statement| statement.query_map(params, map)?.collect());
        rows.map_err(|error| self.error(error))
    }

    /// Runs `work` in one immediate transaction (taking the write lock at once, so two processes
    /// never interleave a seal) and commits it; errors are translated like every other.
    fn immediate<T>(
        &mut self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let result = self
            .connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .and_then(|transaction| {
                let value = work(&transaction)?;
                transaction.commit()?;
                Ok(value)
            });
        result.map_err(|error| self.error(error))
    }

    /// Attempts left `in_progress` by a process that no longer runs become `interrupted`.
    fn mark_interrupted(&mut self) -> Result<(), StoreError> {
        let open: Vec<(i64, Option<i64>)> = self.query(
            "SELECT id, pid FROM attempts WHERE status = 'in_progress'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        for (id, pid) in open {
            if pid.is_some_and(process_alive) {
                continue;
            }
            self.end(id, AttemptStatus::Interrupted, None)?;
        }
        Ok(())
    }

    /// Adds a trainee; the name must be plain text of at most [`MAX_NAME_CHARS`] characters.
    pub fn add_trainee(&self, name: &str) -> Result<Trainee, StoreError> {
        self.add_trainee_in(name, None)
    }

    /// Adds a trainee in a cohort (the hiring group reports gather by), which follows the rules
    /// of a name.
    pub fn add_trainee_in(&self, name: &str, cohort: Option<&str>) -> Result<Trainee, StoreError> {
        let name = name.trim();
        check_name(name)?;
        let cohort = cohort.map(str::trim).filter(|cohort| !cohort.is_empty());
        if let Some(cohort) = cohort {
            check_name(cohort)?;
        }
        if self.trainee(name)?.is_some() {
            return Err(StoreError::TraineeExists(name.to_owned()));
        }
        self.connection
            .execute(
                "INSERT INTO trainees (name, created_at, cohort) VALUES (?1, ?2, ?3)",
                params![name, now_ms(), cohort],
            )
            .map_err(|error| self.error(error))?;
        Ok(Trainee {
            id: self.connection.last_insert_rowid(),
            name: name.to_owned(),
        })
    }

    /// Every trainee, by name.
    pub fn trainees(&self) -> Result<Vec<Trainee>, StoreError> {
        self.query("SELECT id, name FROM trainees ORDER BY name", [], |row| {
            Ok(Trainee {
                id: row.get(0)?,
                name: row.get(1)?,
            })
        })
    }

    /// A trainee by name (exactly as entered, surrounding spaces ignored).
    pub fn trainee(&self, name: &str) -> Result<Option<Trainee>, StoreError> {
        self.connection
            .query_row(
                "SELECT id, name FROM trainees WHERE name = ?1",
                params![name.trim()],
                |row| {
                    Ok(Trainee {
                        id: row.get(0)?,
                        name: row.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(|error| self.error(error))
    }

    /// Recomputes the hash chain over ended attempts and sittings and checks every checkpoint
    /// against `trusted` keys (by default this database's examiner's: pass QA's own key so a
    /// replaced examiner is caught too).
    pub fn verify(&self, trusted: Option<&[[u8; 32]]>) -> Result<Verification, StoreError> {
        let own = self.trusted_keys()?;
        let trusted = trusted.unwrap_or(&own);
        let run = || -> rusqlite::Result<Verification> {
            let mut problems = chain::verify(&self.connection)?;
            problems.extend(chain::verify_runs(&self.connection)?);
            let (checked, checkpoint) = checkpoint::verify(&self.connection, trusted)?;
            problems.extend(checked);
            problems.dedup();
            let after: i64 = self.connection.query_row(
                "SELECT COUNT(*) FROM attempts WHERE seal_seq > ?1",
                params![checkpoint.as_ref().map_or(0, |info| info.attempts)],
                |row| row.get(0),
            )?;
            Ok(Verification {
                problems,
                checkpoint,
                unanchored: after,
            })
        };
        run().map_err(|error| self.error(error))
    }
}

/// Whether a trimmed name (of a trainee or a cohort) may be stored.
fn check_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty() {
        return Err(StoreError::EmptyName);
    }
    // A name is printed in terminals, reports and certificates: no line breaks, no escapes.
    if name.chars().any(char::is_control) || name.chars().count() > MAX_NAME_CHARS {
        return Err(StoreError::BadName);
    }
    Ok(())
}

/// What `db verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    /// Every problem; empty when nothing was edited.
    pub problems: Vec<ChainProblem>,
    /// The newest checkpoint, when there is one.
    pub checkpoint: Option<CheckpointInfo>,
    /// Attempts sealed after it (or all, without one): the chain holds them, but someone who
    /// knows its algorithm could have rewritten them.
    pub unanchored: i64,
}

/// A key's fingerprint as people compare it: the first 16 hex digits of its SHA-256 in groups of
/// four, «3F2A 91C0 …».
pub fn fingerprint(key: &[u8]) -> String {
    let hash = crate::canonical::sha256_hex(key).to_uppercase();
    hash.as_bytes()
        .chunks(4)
        .take(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a process with this id runs (Linux: `/proc`; elsewhere assume it does not, so a
/// crashed attempt is never left open forever).
fn process_alive(pid: i64) -> bool {
    pid == i64::from(std::process::id()) || Path::new("/proc").join(pid.to_string()).exists()
}
