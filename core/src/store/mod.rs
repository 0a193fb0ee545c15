//! The progress store: trainees, attempts and every turn in SQLite, so nothing a trainee does is
//! ever lost.
//!
//! Every turn is committed the moment it is made; a process killed mid-call leaves an attempt
//! `in_progress`, which the next open finds and marks `interrupted` with all its turns. The
//! schema is migrated by append-only steps tracked in `user_version`; a database written by a
//! newer callcoach is refused and never modified.

mod chain;
mod examiner;
mod report;
mod schema;

pub use crate::attempt::{AttemptMode, AttemptStatus};
pub use crate::certificate::Examiner;
pub use crate::source::content_hash;
pub use chain::ChainProblem;
pub use examiner::{ExaminerError, MIN_PASSPHRASE_CHARS};
pub use report::{AttemptRow, CertificateRow, ExamRow, GroupRow};

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use crate::scoring::ScoreReport;
use crate::transcript::{Speaker, Speech, Transcript, TranscriptTurn};

/// How long a write waits for another process holding the database before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

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

/// A trainee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trainee {
    /// Row id.
    pub id: i64,
    /// Name as entered.
    pub name: String,
}

/// What an attempt is about, fixed when it starts.
#[derive(Clone, Debug)]
pub struct NewAttempt<'a> {
    /// Who.
    pub trainee: &'a Trainee,
    /// Practice or exam.
    pub mode: AttemptMode,
    /// Scenario id.
    pub scenario_id: &'a str,
    /// SHA-256 of the scenario file's text.
    pub scenario_hash: String,
    /// SHA-256 of the rubric's text.
    pub rubric_hash: String,
    /// The call's seed.
    pub seed: u64,
    /// The exam run it belongs to, for exam calls.
    pub exam_run: Option<i64>,
}

/// One sitting of an exam.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExamRun {
    /// Row id.
    pub id: i64,
    /// Exam id.
    pub exam_id: String,
    /// Start, milliseconds since the Unix epoch.
    pub started_at: i64,
    /// Whether it passed; `None` while running or if interrupted.
    pub passed: Option<bool>,
}

/// A certificate as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCertificate {
    /// Its number.
    pub number: String,
    /// Milliseconds since the Unix epoch.
    pub issued_at: i64,
    /// Milliseconds since the Unix epoch.
    pub valid_until: i64,
    /// The signed JSON document.
    pub document: String,
}

/// An attempt as listed.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    /// Row id.
    pub id: i64,
    /// Scenario id.
    pub scenario_id: String,
    /// Practice or exam.
    pub mode: AttemptMode,
    /// Status.
    pub status: AttemptStatus,
    /// Start, milliseconds since the Unix epoch.
    pub started_at: i64,
    /// Total score, once finished.
    pub total: Option<u32>,
    /// Whether it passed, once finished.
    pub passed: Option<bool>,
    /// How many turns are recorded.
    pub turns: usize,
}

/// Bytes as lower-case hex.
pub fn hex_bytes(bytes: &[u8]) -> String {
    crate::certificate::hex(bytes)
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
    /// Opens (creating if needed) the database at `path`, migrates it and marks attempts left
    /// by dead processes as interrupted.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(folder) = path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder).map_err(|error| StoreError::Open {
                path: path.to_owned(),
                reason: error.to_string(),
            })?;
        }
        let connection = Connection::open(path).map_err(|error| StoreError::Open {
            path: path.to_owned(),
            reason: error.to_string(),
        })?;
        let mut store = Store {
            connection,
            path: path.to_owned(),
        };
        store
            .connection
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|error| store.error(error))?;
        // Read before writing anything: a file that is not a database must stay untouched.
        let version: i64 = store
            .connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|error| store.error(error))?;
        let known = schema::version();
        if version > known {
            return Err(StoreError::Newer {
                path: path.to_owned(),
                found: version,
                known,
            });
        }
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

    /// Adds a trainee.
    pub fn add_trainee(&self, name: &str) -> Result<Trainee, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::EmptyName);
        }
        if self.trainee(name)?.is_some() {
            return Err(StoreError::TraineeExists(name.to_owned()));
        }
        self.connection
            .execute(
                "INSERT INTO trainees (name, created_at) VALUES (?1, ?2)",
                params![name, now_ms()],
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

    /// Starts an attempt; returns its id.
    pub fn start_attempt(&self, attempt: &NewAttempt<'_>) -> Result<i64, StoreError> {
        self.connection
            .execute(
                "INSERT INTO attempts (trainee_id, mode, scenario_id, scenario_hash, rubric_hash, \
                 seed, started_at, status, pid, exam_run_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'in_progress', ?8, ?9)",
                params![
                    attempt.trainee.id,
                    attempt.mode.as_str(),
                    attempt.scenario_id,
                    attempt.scenario_hash,
                    attempt.rubric_hash,
                    // SQLite integers are signed; the seed's bits are kept as they are.
                    i64::from_ne_bytes(attempt.seed.to_ne_bytes()),
                    now_ms(),
                    i64::from(std::process::id()),
                    attempt.exam_run,
                ],
            )
            .map_err(|error| self.error(error))?;
        Ok(self.connection.last_insert_rowid())
    }

    /// Records one turn, committed at once; a spoken reply is recorded as `speech` with its
    /// recording's length.
    pub fn record_turn(
        &self,
        attempt: i64,
        index: usize,
        turn: &TranscriptTurn,
    ) -> Result<(), StoreError> {
        let speaker = match turn.speaker {
            Speaker::Agent => "agent",
            Speaker::Customer => "customer",
        };
        let input = if turn.speech.is_some() {
            "speech"
        } else {
            "typed"
        };
        self.connection
            .execute(
                "INSERT INTO turns (attempt_id, idx, speaker, text, hold_seconds, input, at_seconds, \
                 recorded_at, speech_seconds, speech_on_hold) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    attempt,
                    i64::try_from(index).unwrap_or(i64::MAX),
                    speaker,
                    turn.text,
                    turn.hold_seconds,
                    input,
                    turn.at,
                    now_ms(),
                    turn.speech.map(|speech| speech.seconds),
                    turn.speech.map(|speech| speech.on_hold),
                ],
            )
            .map_err(|error| self.error(error))?;
        Ok(())
    }

    /// Ends an attempt with its status and, when scored, its report, and seals it into the
    /// chain; one transaction.
    pub fn finish_attempt(
        &mut self,
        attempt: i64,
        status: AttemptStatus,
        report: Option<&ScoreReport>,
    ) -> Result<(), StoreError> {
        self.end(attempt, status, report)
    }

    fn end(
        &mut self,
        attempt: i64,
        status: AttemptStatus,
        report: Option<&ScoreReport>,
    ) -> Result<(), StoreError> {
        self.immediate(|transaction| {
            let updated = transaction.execute(
                "UPDATE attempts SET status = ?1, ended_at = ?2, total = ?3, passed = ?4 \
                 WHERE id = ?5 AND status = 'in_progress'",
                params![
                    status.as_str(),
                    now_ms(),
                    report.map(|report| report.total),
                    report.map(|report| report.passed),
                    attempt
                ],
            )?;
            if updated == 0 {
                // Already ended (another window marked it interrupted): a sealed result never
                // changes.
                return Ok(());
            }
            if let Some(report) = report {
                record_report(transaction, attempt, report)?;
            }
            chain::seal(transaction, attempt)
        })
    }

    /// Whether the examiner has set a passphrase.
    pub fn examiner_is_set(&self) -> Result<bool, StoreError> {
        examiner::is_set(&self.connection).map_err(|error| self.error(error))
    }

    /// Sets the examiner's passphrase (first use only) and creates the signing key.
    pub fn set_up_examiner(
        &self,
        passphrase: &str,
    ) -> Result<Result<Examiner, ExaminerError>, StoreError> {
        examiner::set_up(&self.connection, passphrase).map_err(|error| self.error(error))
    }

    /// Unlocks the examiner with the passphrase.
    pub fn unlock_examiner(
        &self,
        passphrase: &str,
    ) -> Result<Result<Examiner, ExaminerError>, StoreError> {
        examiner::unlock(&self.connection, passphrase).map_err(|error| self.error(error))
    }

    /// The examiner's public key, once set up.
    pub fn examiner_public_key(&self) -> Result<Option<Vec<u8>>, StoreError> {
        examiner::public_key(&self.connection).map_err(|error| self.error(error))
    }

    /// A trainee's sittings of an exam, oldest first.
    pub fn exam_runs(&self, trainee: &Trainee, exam_id: &str) -> Result<Vec<ExamRun>, StoreError> {
        self.query(
            "SELECT id, exam_id, started_at, passed FROM exam_runs \
                 WHERE trainee_id = ?1 AND exam_id = ?2 ORDER BY started_at, id",
            params![trainee.id, exam_id],
            |row| {
                Ok(ExamRun {
                    id: row.get(0)?,
                    exam_id: row.get(1)?,
                    started_at: row.get(2)?,
                    passed: row.get(3)?,
                })
            },
        )
    }

    /// Starts a sitting; returns its id.
    pub fn start_exam_run(
        &self,
        trainee: &Trainee,
        exam_id: &str,
        exam_hash: &str,
        seed: u64,
    ) -> Result<i64, StoreError> {
        self.connection
            .execute(
                "INSERT INTO exam_runs (exam_id, exam_hash, trainee_id, seed, started_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    exam_id,
                    exam_hash,
                    trainee.id,
                    i64::from_ne_bytes(seed.to_ne_bytes()),
                    now_ms()
                ],
            )
            .map_err(|error| self.error(error))?;
        Ok(self.connection.last_insert_rowid())
    }

    /// Ends a sitting with its verdict and seals it.
    pub fn finish_exam_run(
        &mut self,
        run: i64,
        passed: bool,
        total: u32,
    ) -> Result<(), StoreError> {
        self.immediate(|transaction| {
            let updated = transaction.execute(
                "UPDATE exam_runs SET ended_at = ?1, passed = ?2, total = ?3 \
                 WHERE id = ?4 AND ended_at IS NULL",
                params![now_ms(), passed, total, run],
            )?;
            if updated == 1 {
                chain::seal_run(transaction, run)?;
            }
            Ok(())
        })
    }

    /// Stores an issued certificate.
    pub fn add_certificate(
        &self,
        run: i64,
        trainee: &Trainee,
        certificate: &StoredCertificate,
    ) -> Result<(), StoreError> {
        self.connection
            .execute(
                "INSERT INTO certificates (number, exam_run_id, trainee_id, issued_at, \
                 valid_until, document) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    certificate.number,
                    run,
                    trainee.id,
                    certificate.issued_at,
                    certificate.valid_until,
                    certificate.document
                ],
            )
            .map_err(|error| self.error(error))?;
        Ok(())
    }

    /// A trainee's certificates, oldest first.
    pub fn certificates(&self, trainee: &Trainee) -> Result<Vec<StoredCertificate>, StoreError> {
        self.query(
            "SELECT number, issued_at, valid_until, document FROM certificates \
                 WHERE trainee_id = ?1 ORDER BY issued_at, id",
            params![trainee.id],
            |row| {
                Ok(StoredCertificate {
                    number: row.get(0)?,
                    issued_at: row.get(1)?,
                    valid_until: row.get(2)?,
                    document: row.get(3)?,
                })
            },
        )
    }

    /// Recomputes the hash chain over ended attempts: empty when nothing was edited.
    pub fn verify(&self) -> Result<Vec<ChainProblem>, StoreError> {
        let mut problems = chain::verify(&self.connection).map_err(|error| self.error(error))?;
        problems.extend(chain::verify_runs(&self.connection).map_err(|error| self.error(error))?);
        Ok(problems)
    }

    /// A trainee's attempts, oldest first.
    pub fn attempts(&self, trainee: &Trainee) -> Result<Vec<Attempt>, StoreError> {
        self.query(
            "SELECT a.id, a.scenario_id, a.mode, a.status, a.started_at, a.total, a.passed, \
                 (SELECT COUNT(*) FROM turns t WHERE t.attempt_id = a.id) \
                 FROM attempts a WHERE a.trainee_id = ?1 ORDER BY a.started_at, a.id",
            params![trainee.id],
            |row| {
                let mode: String = row.get(2)?;
                let status: String = row.get(3)?;
                let turns: i64 = row.get(7)?;
                Ok(Attempt {
                    id: row.get(0)?,
                    scenario_id: row.get(1)?,
                    mode: if mode == "exam" {
                        AttemptMode::Exam
                    } else {
                        AttemptMode::Practice
                    },
                    status: AttemptStatus::parse(&status),
                    started_at: row.get(4)?,
                    total: row.get(5)?,
                    passed: row.get(6)?,
                    turns: usize::try_from(turns).unwrap_or(0),
                })
            },
        )
    }

    /// The turns recorded for an attempt, as a transcript (without company and clock).
    pub fn attempt_turns(&self, attempt: i64) -> Result<Transcript, StoreError> {
        let turns = self.query(
            "SELECT speaker, text, hold_seconds, at_seconds, speech_seconds, speech_on_hold \
                 FROM turns WHERE attempt_id = ?1 ORDER BY idx",
            params![attempt],
            |row| {
                let speaker: String = row.get(0)?;
                Ok(TranscriptTurn {
                    speaker: if speaker == "agent" {
                        Speaker::Agent
                    } else {
                        Speaker::Customer
                    },
                    text: row.get(1)?,
                    hold_seconds: row.get(2)?,
                    at: row.get(3)?,
                    speech: row
                        .get::<_, Option<f64>>(4)?
                        .map(|seconds| -> rusqlite::Result<Speech> {
                            Ok(Speech {
                                seconds,
                                on_hold: row.get::<_, Option<bool>>(5)?.unwrap_or(false),
                            })
                        })
                        .transpose()?,
                })
            },
        )?;
        Ok(Transcript {
            company: None,
            clock: None,
            turns,
        })
    }
}

/// The category scores and findings of an ended attempt.
fn record_report(
    transaction: &rusqlite::Transaction<'_>,
    attempt: i64,
    report: &ScoreReport,
) -> rusqlite::Result<()> {
    for (category, result) in &report.categories {
        transaction.execute(
            "INSERT INTO category_scores (attempt_id, category, score, max, passed, applicable) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                attempt,
                category.id(),
                result.score,
                result.max,
                result.passed,
                result.applicable
            ],
        )?;
    }
    for finding in &report.findings {
        transaction.execute(
            "INSERT INTO findings (attempt_id, rule, category, turn, span_start, span_end, \
             severity, message, suggestion) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                attempt,
                finding.rule,
                finding.category.id(),
                finding.turn.and_then(|turn| i64::try_from(turn).ok()),
                finding.span.and_then(|span| i64::try_from(span.0).ok()),
                finding.span.and_then(|span| i64::try_from(span.1).ok()),
                format!("{:?}", finding.severity).to_lowercase(),
                finding.message,
                finding.suggestion
            ],
        )?;
    }
    Ok(())
}

/// What an SQLite error means for the user, for the database at `path`.
fn translate(path: &Path, error: rusqlite::Error) -> StoreError {
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

/// Whether a process with this id runs (Linux: `/proc`; elsewhere assume it does not, so a
/// crashed attempt is never left open forever).
fn process_alive(pid: i64) -> bool {
    pid == i64::from(std::process::id()) || Path::new("/proc").join(pid.to_string()).exists()
}
