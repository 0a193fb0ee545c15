//! A hash chain over ended attempts, so any edit of the database file is detected.
//!
//! When an attempt ends (finished, abandoned or interrupted) it is sealed: it takes the next
//! `seal_seq` and its `chain_hash` is SHA-256 of the previous seal's hash and the canonical JSON
//! ([`crate::canonical`]) of the attempt — who (by name), the mode, status and sitting, its
//! turns with how each reply was said and understood, scores and findings. `verify` recomputes
//! the chain and names every attempt whose content no longer matches, every gap (a deleted
//! attempt) and every ended attempt without a seal (a status forged outside callcoach). Exam
//! sittings carry their own seal over their verdict and the chain hashes of their calls.
//!
//! The chain alone stops an editor who does not know the algorithm; the examiner's signed
//! checkpoints (`super::checkpoint`) stop one who does.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use crate::canonical;

/// The hash before the first seal.
pub const GENESIS: &str = "callcoach-progress-chain-v1";

/// The seal form written now: 3 adds where a reply cut the customer's line short; 2 covers the
/// trainee's name, the sitting, and how each reply was said and understood; 1 (stored as NULL)
/// is the first form. Each attempt is verified in the form it was sealed with.
const SEAL_VERSION: i64 = 3;

/// What `verify` found wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainProblem {
    /// The attempt at fault, if one is known.
    pub attempt: Option<i64>,
    /// What is wrong, in Russian.
    pub message: String,
}

fn rows(connection: &Connection, sql: &str, attempt: i64) -> rusqlite::Result<Vec<Value>> {
    let mut statement = connection.prepare(sql)?;
    let count = statement.column_count();
    statement
        .query_map(params![attempt], |row| {
            (0..count)
                .map(|index| {
                    Ok(match row.get_ref(index)? {
                        rusqlite::types::ValueRef::Null => Value::Null,
                        rusqlite::types::ValueRef::Integer(value) => json!(value),
                        rusqlite::types::ValueRef::Real(value) => json!(value),
                        rusqlite::types::ValueRef::Text(text) => {
                            json!(String::from_utf8_lossy(text))
                        }
                        rusqlite::types::ValueRef::Blob(blob) => json!(blob),
                    })
                })
                .collect::<rusqlite::Result<Vec<Value>>>()
                .map(Value::Array)
        })?
        .collect()
}

/// The canonical content of an attempt in seal form `version`: everything a result and a
/// report depend on.
pub(super) fn content(
    connection: &Connection,
    attempt: i64,
    version: i64,
) -> rusqlite::Result<Vec<u8>> {
    let document = if version < 2 {
        json!({
            "attempt": rows(connection,
                "SELECT id, trainee_id, mode, scenario_id, scenario_hash, rubric_hash, seed, \
                 started_at, ended_at, status, total, passed, seal_seq FROM attempts WHERE id = ?1",
                attempt)?,
            "turns": rows(connection,
                "SELECT idx, speaker, text, hold_seconds, input, at_seconds, recorded_at FROM turns \
                 WHERE attempt_id = ?1 ORDER BY idx", attempt)?,
            "scores": scores(connection, attempt)?,
            "findings": findings(connection, attempt)?,
        })
    } else {
        json!({
            "seal": version,
            "attempt": rows(connection,
                "SELECT a.id, a.trainee_id, t.name, a.mode, a.scenario_id, a.scenario_hash, \
                 a.rubric_hash, a.seed, a.started_at, a.ended_at, a.status, a.total, a.passed, \
                 a.seal_seq, a.exam_run_id FROM attempts a LEFT JOIN trainees t \
                 ON t.id = a.trainee_id WHERE a.id = ?1", attempt)?,
            "turns": rows(connection, if version < 3 {
                "SELECT idx, speaker, text, hold_seconds, input, at_seconds, recorded_at, \
                 speech_seconds, speech_on_hold, understood, understood_as, step FROM turns \
                 WHERE attempt_id = ?1 ORDER BY idx"
            } else {
                "SELECT idx, speaker, text, hold_seconds, input, at_seconds, recorded_at, \
                 speech_seconds, speech_on_hold, understood, understood_as, step, \
                 barge_in_after, barge_in_of FROM turns WHERE attempt_id = ?1 ORDER BY idx"
            }, attempt)?,
            "scores": scores(connection, attempt)?,
            "findings": findings(connection, attempt)?,
        })
    };
    Ok(canonical::to_bytes(&document))
}

fn scores(connection: &Connection, attempt: i64) -> rusqlite::Result<Vec<Value>> {
    rows(
        connection,
        "SELECT category, score, max, passed, applicable FROM category_scores \
         WHERE attempt_id = ?1 ORDER BY category",
        attempt,
    )
}

fn findings(connection: &Connection, attempt: i64) -> rusqlite::Result<Vec<Value>> {
    rows(
        connection,
        "SELECT rule, category, turn, span_start, span_end, severity, message, suggestion \
         FROM findings WHERE attempt_id = ?1 ORDER BY id",
        attempt,
    )
}

/// The next link: SHA-256 of the previous hash, a line break and the content.
fn link(previous: &str, content: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(previous.len() + 1 + content.len());
    bytes.extend_from_slice(previous.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(content);
    canonical::sha256_hex(&bytes)
}

/// Seals an ended attempt; call inside the transaction that ended it (an immediate one, so two
/// processes never take the same place in the chain).
pub(super) fn seal(connection: &Connection, attempt: i64) -> rusqlite::Result<()> {
    seal_in_form(connection, attempt, SEAL_VERSION)
}

/// Seals in the first form: only for migration 2, which runs before the columns of the newer
/// form exist.
pub(super) fn seal_first_form(connection: &Connection, attempt: i64) -> rusqlite::Result<()> {
    seal_in_form(connection, attempt, 1)
}

/// The newest seal: its place in the chain and its hash.
pub(super) fn last_seal(connection: &Connection) -> rusqlite::Result<Option<(i64, String)>> {
    connection
        .query_row(
            "SELECT seal_seq, chain_hash FROM attempts WHERE seal_seq IS NOT NULL \
             ORDER BY seal_seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
}

fn seal_in_form(connection: &Connection, attempt: i64, version: i64) -> rusqlite::Result<()> {
    let (sequence, previous) =
        last_seal(connection)?.map_or((1, GENESIS.to_owned()), |(seq, hash)| (seq + 1, hash));
    if version == 1 {
        connection.execute(
            "UPDATE attempts SET seal_seq = ?1 WHERE id = ?2",
            params![sequence, attempt],
        )?;
    } else {
        connection.execute(
            "UPDATE attempts SET seal_seq = ?1, seal_version = ?2 WHERE id = ?3",
            params![sequence, version, attempt],
        )?;
    }
    let hash = link(&previous, &content(connection, attempt, version)?);
    connection.execute(
        "UPDATE attempts SET chain_hash = ?1 WHERE id = ?2",
        params![hash, attempt],
    )?;
    Ok(())
}

/// An attempt as the chain sees it: id, place in the chain, stored hash, status, seal form.
type SealRow = (i64, Option<i64>, Option<String>, String, Option<i64>);

/// Recomputes the chain and lists every problem.
pub(super) fn verify(connection: &Connection) -> rusqlite::Result<Vec<ChainProblem>> {
    let mut problems = Vec::new();
    let mut statement = connection.prepare(
        "SELECT id, seal_seq, chain_hash, status, seal_version FROM attempts \
         ORDER BY seal_seq IS NULL, seal_seq, id",
    )?;
    let attempts: Vec<SealRow> = statement
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut previous = GENESIS.to_owned();
    let mut expected_seq = 1;
    let mut newest_form = 1;
    for (id, sequence, stored, status, version) in attempts {
        let Some(sequence) = sequence else {
            if status != "in_progress" {
                problems.push(ChainProblem {
                    attempt: Some(id),
                    message: format!(
                        "попытка {id} завершена («{status}»), но не запечатана: её статус изменён вне callcoach"
                    ),
                });
            }
            continue;
        };
        if sequence != expected_seq {
            problems.push(ChainProblem {
                attempt: Some(id),
                message: format!(
                    "перед попыткой {id} в цепочке не хватает записей ({} из {}): попытки удалены или переставлены",
                    sequence, expected_seq
                ),
            });
        }
        expected_seq = sequence + 1;
        let version = version.unwrap_or(1);
        // Seals only ever move to a newer form: an older one after a newer is a forged downgrade.
        if version < newest_form || !(1..=SEAL_VERSION).contains(&version) {
            problems.push(ChainProblem {
                attempt: Some(id),
                message: format!(
                    "попытка {id} запечатана в форме {version}, которой здесь быть не может: печать подделана"
                ),
            });
        }
        newest_form = newest_form.max(version);
        let hash = link(&previous, &content(connection, id, version)?);
        if stored.as_deref() != Some(hash.as_str()) {
            problems.push(ChainProblem {
                attempt: Some(id),
                message: format!(
                    "попытка {id} изменена после завершения: её реплики, оценки, стажёр или статус не совпадают с записанными"
                ),
            });
        }
        previous = stored.unwrap_or(hash);
    }
    Ok(problems)
}

/// The seal of an ended exam sitting: its row and the chain hashes of its calls, so a verdict
/// edited in the file, or a call moved in or out of it, is detected.
fn run_content(connection: &Connection, run: i64) -> rusqlite::Result<String> {
    Ok(link(GENESIS, &run_document(connection, run)?))
}

/// The canonical document a sitting's seal is the link of.
pub(super) fn run_document(connection: &Connection, run: i64) -> rusqlite::Result<Vec<u8>> {
    let document = json!({
        "run": rows(connection,
            "SELECT id, exam_id, exam_hash, trainee_id, seed, started_at, ended_at, passed, total \
             FROM exam_runs WHERE id = ?1", run)?,
        "calls": rows(connection,
            "SELECT id, chain_hash FROM attempts WHERE exam_run_id = ?1 ORDER BY id", run)?,
    });
    Ok(canonical::to_bytes(&document))
}

/// Seals an ended exam sitting; call in the transaction that ends it.
pub(super) fn seal_run(connection: &Connection, run: i64) -> rusqlite::Result<()> {
    let seal = run_content(connection, run)?;
    connection.execute(
        "UPDATE exam_runs SET seal = ?1 WHERE id = ?2",
        params![seal, run],
    )?;
    Ok(())
}

/// Checks every ended sitting against its seal, and every exam call against its sitting.
pub(super) fn verify_runs(connection: &Connection) -> rusqlite::Result<Vec<ChainProblem>> {
    let mut problems = Vec::new();
    let runs: Vec<(i64, Option<i64>, Option<String>)> = connection
        .prepare("SELECT id, ended_at, seal FROM exam_runs ORDER BY id")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (run, ended, seal) in runs {
        if ended.is_none() && seal.is_none() {
            continue;
        }
        if seal.as_deref() != Some(run_content(connection, run)?.as_str()) {
            problems.push(ChainProblem {
                attempt: None,
                message: format!(
                    "результат экзамена {run} изменён после завершения: вердикт, итог или состав звонков не совпадают с записанными"
                ),
            });
        }
    }
    let orphans: Vec<i64> = connection
        .prepare(
            "SELECT a.id FROM attempts a LEFT JOIN exam_runs r ON r.id = a.exam_run_id \
             WHERE a.exam_run_id IS NOT NULL AND r.id IS NULL ORDER BY a.id",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for attempt in orphans {
        problems.push(ChainProblem {
            attempt: Some(attempt),
            message: format!(
                "экзаменационная попытка {attempt} ссылается на удалённую запись экзамена"
            ),
        });
    }
    Ok(problems)
}
