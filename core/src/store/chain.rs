//! A hash chain over ended attempts, so any edit of the database file is detected.
//!
//! When an attempt ends (finished, abandoned or interrupted) it is sealed: it takes the next
//! `seal_seq` and its `chain_hash` is SHA-256 of the previous seal's hash and a canonical JSON of
//! the attempt, its turns, scores and findings. `verify` recomputes the chain and names every
//! attempt whose content no longer matches, every gap (a deleted attempt) and every ended attempt
//! without a seal (a status forged outside callcoach). Exam sittings carry their own seal over
//! their verdict and the chain hashes of their calls.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The hash before the first seal.
const GENESIS: &str = "callcoach-progress-chain-v1";

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

/// The canonical content of an attempt: everything a result depends on.
fn content(connection: &Connection, attempt: i64) -> rusqlite::Result<String> {
    let document = json!({
        "attempt": rows(connection,
            "SELECT id, trainee_id, mode, scenario_id, scenario_hash, rubric_hash, seed, started_at, \
             ended_at, status, total, passed, seal_seq FROM attempts WHERE id = ?1", attempt)?,
        "turns": rows(connection,
            "SELECT idx, speaker, text, hold_seconds, input, at_seconds, recorded_at FROM turns \
             WHERE attempt_id = ?1 ORDER BY idx", attempt)?,
        "scores": rows(connection,
            "SELECT category, score, max, passed, applicable FROM category_scores \
             WHERE attempt_id = ?1 ORDER BY category", attempt)?,
        "findings": rows(connection,
            "SELECT rule, category, turn, span_start, span_end, severity, message, suggestion \
             FROM findings WHERE attempt_id = ?1 ORDER BY id", attempt)?,
    });
    Ok(document.to_string())
}

fn link(previous: &str, content: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(previous.as_bytes());
    hasher.update(b"\n");
    hasher.update(content.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Seals an ended attempt; call inside the transaction that ended it (an immediate one, so two
/// processes never take the same place in the chain).
pub(super) fn seal(connection: &Connection, attempt: i64) -> rusqlite::Result<()> {
    let last: Option<(i64, String)> = connection
        .query_row(
            "SELECT seal_seq, chain_hash FROM attempts WHERE seal_seq IS NOT NULL \
             ORDER BY seal_seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (sequence, previous) = last.map_or((1, GENESIS.to_owned()), |(seq, hash)| (seq + 1, hash));
    connection.execute(
        "UPDATE attempts SET seal_seq = ?1 WHERE id = ?2",
        params![sequence, attempt],
    )?;
    let hash = link(&previous, &content(connection, attempt)?);
    connection.execute(
        "UPDATE attempts SET chain_hash = ?1 WHERE id = ?2",
        params![hash, attempt],
    )?;
    Ok(())
}

/// Recomputes the chain and lists every problem.
pub(super) fn verify(connection: &Connection) -> rusqlite::Result<Vec<ChainProblem>> {
    let mut problems = Vec::new();
    let mut statement = connection.prepare(
        "SELECT id, seal_seq, chain_hash, status FROM attempts ORDER BY seal_seq IS NULL, seal_seq, id",
    )?;
    let attempts: Vec<(i64, Option<i64>, Option<String>, String)> = statement
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut previous = GENESIS.to_owned();
    let mut expected_seq = 1;
    for (id, sequence, stored, status) in attempts {
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
        let hash = link(&previous, &content(connection, id)?);
        if stored.as_deref() != Some(hash.as_str()) {
            problems.push(ChainProblem {
                attempt: Some(id),
                message: format!(
                    "попытка {id} изменена после завершения: её реплики, оценки или статус не совпадают с записанными"
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
    let document = json!({
        "run": rows(connection,
            "SELECT id, exam_id, exam_hash, trainee_id, seed, started_at, ended_at, passed, total \
             FROM exam_runs WHERE id = ?1", run)?,
        "calls": rows(connection,
            "SELECT id, chain_hash FROM attempts WHERE exam_run_id = ?1 ORDER BY id", run)?,
    });
    Ok(link(GENESIS, &document.to_string()))
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
