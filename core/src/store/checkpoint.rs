//! Checkpoints: the examiner's signature over the state of the record — how long the chain of
//! attempts is and its head, which attempts were still being played, and a digest of every exam
//! sitting — made whenever a sitting opens or closes and on `callcoach db anchor`.
//!
//! The hash chain is public arithmetic: someone who knows it can delete the newest attempts,
//! rewind one or recompute every hash after an edit. A checkpoint cannot be recomputed without
//! the examiner's key, so every such edit of anything before the last checkpoint is detected.
//! Each checkpoint names the one before it, so one cannot be left out from the middle either;
//! dropping the newest checkpoints is seen by comparing with the number QA noted (`db anchor`
//! prints it). The signature covers the stored text itself, so its bytes never depend on how a
//! JSON library formats anything.

use ed25519_dalek::Signer;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use super::ChainProblem;
use crate::canonical;
use crate::certificate::{Examiner, hex, signed_by, unhex};

/// Why a checkpoint was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckpointReason {
    /// An exam sitting opened.
    SittingOpened,
    /// An exam sitting closed with its verdict.
    SittingClosed,
    /// QA anchored the record (`callcoach db anchor`).
    Anchor,
}

impl CheckpointReason {
    fn as_str(self) -> &'static str {
        match self {
            CheckpointReason::SittingOpened => "sitting_opened",
            CheckpointReason::SittingClosed => "sitting_closed",
            CheckpointReason::Anchor => "anchor",
        }
    }
}

/// A checkpoint as made or found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointInfo {
    /// Its number, from 1.
    pub seq: i64,
    /// When, ms since the epoch.
    pub made_at: i64,
    /// How many sealed attempts it vouches for.
    pub attempts: i64,
    /// The chain's head at that moment, if any attempt was sealed.
    pub head: Option<String>,
    /// The signing key's fingerprint.
    pub fingerprint: String,
}

/// The state a checkpoint vouches for, read from the database.
fn state(connection: &Connection) -> rusqlite::Result<Value> {
    let last = super::chain::last_seal(connection)?;
    let max_attempt: i64 =
        connection.query_row("SELECT COALESCE(MAX(id), 0) FROM attempts", [], |row| {
            row.get(0)
        })?;
    let open_attempts = ids(
        connection,
        "SELECT id FROM attempts WHERE seal_seq IS NULL ORDER BY id",
    )?;
    let max_sitting: i64 =
        connection.query_row("SELECT COALESCE(MAX(id), 0) FROM exam_runs", [], |row| {
            row.get(0)
        })?;
    let open_sittings = ids(
        connection,
        "SELECT id FROM exam_runs WHERE seal IS NULL ORDER BY id",
    )?;
    Ok(json!({
        "attempts": {
            "sealed": last.as_ref().map_or(0, |(seq, _)| *seq),
            "head": last.map(|(_, hash)| hash),
            "max_id": max_attempt,
            "open": open_attempts,
        },
        "sittings": {
            "max_id": max_sitting,
            "open": open_sittings,
            "digest": sittings_digest(connection, max_sitting, &open_sittings)?,
        },
    }))
}

fn ids(connection: &Connection, sql: &str) -> rusqlite::Result<Vec<i64>> {
    connection
        .prepare(sql)?
        .query_map([], |row| row.get(0))?
        .collect()
}

/// SHA-256 over every sitting up to `max_id`: how it began (exam, its definition's hash, who,
/// the seed, when) and, unless it was still open, its seal.
fn sittings_digest(connection: &Connection, max_id: i64, open: &[i64]) -> rusqlite::Result<String> {
    let sittings: Vec<Value> = connection
        .prepare(
            "SELECT r.id, r.exam_id, r.exam_hash, r.trainee_id, t.name, r.seed, r.started_at, r.seal \
             FROM exam_runs r LEFT JOIN trainees t ON t.id = r.trainee_id WHERE r.id <= ?1 \
             ORDER BY r.id",
        )?
        .query_map(params![max_id], |row| {
            let id: i64 = row.get(0)?;
            let seal: Option<String> = row.get(7)?;
            Ok(json!([
                id,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, i64>(5)?,
                row.get::<_, i64>(6)?,
                if open.contains(&id) { None } else { seal },
            ]))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(canonical::sha256_hex(&canonical::to_bytes(&Value::Array(
        sittings,
    ))))
}

/// The hash a checkpoint's successor names as `previous`.
fn checkpoint_hash(document: &str) -> String {
    canonical::sha256_hex(document.as_bytes())
}

/// Makes the next checkpoint, signed by `examiner`; call inside an immediate transaction.
pub(super) fn make(
    connection: &Connection,
    examiner: &Examiner,
    reason: CheckpointReason,
    now: i64,
) -> rusqlite::Result<CheckpointInfo> {
    let last: Option<(i64, String)> = connection
        .query_row(
            "SELECT seq, document FROM checkpoints ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (seq, previous) = last.map_or((1, super::chain::GENESIS.to_owned()), |(seq, text)| {
        (seq + 1, checkpoint_hash(&text))
    });
    let mut document = state(connection)?;
    if let Value::Object(map) = &mut document {
        map.insert("checkpoint".to_owned(), json!(seq));
        map.insert("made_at".to_owned(), json!(now));
        map.insert("reason".to_owned(), json!(reason.as_str()));
        map.insert("previous".to_owned(), json!(previous));
        map.insert("key".to_owned(), json!(hex(&examiner.public_key())));
    }
    let text = String::from_utf8(canonical::to_bytes(&document)).unwrap_or_default();
    let signature = hex(&examiner.key.sign(text.as_bytes()).to_bytes());
    connection.execute(
        "INSERT INTO checkpoints (seq, made_at, reason, document, signature) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![seq, now, reason.as_str(), text, signature],
    )?;
    Ok(info(seq, now, &document))
}

fn info(seq: i64, made_at: i64, document: &Value) -> CheckpointInfo {
    CheckpointInfo {
        seq,
        made_at,
        attempts: document["attempts"]["sealed"].as_i64().unwrap_or(0),
        head: document["attempts"]["head"].as_str().map(str::to_owned),
        fingerprint: super::fingerprint(
            &document["key"].as_str().and_then(unhex).unwrap_or_default(),
        ),
    }
}

/// Checks every checkpoint: signed by a trusted key, none missing from the middle, and the
/// record still holding everything each one vouches for. Returns the problems and the newest
/// checkpoint.
pub(super) fn verify(
    connection: &Connection,
    trusted: &[[u8; 32]],
) -> rusqlite::Result<(Vec<ChainProblem>, Option<CheckpointInfo>)> {
    let mut problems = Vec::new();
    let mut problem = |message: String| {
        problems.push(ChainProblem {
            attempt: None,
            message,
        });
    };
    let stored: Vec<(i64, i64, String, String)> = connection
        .prepare("SELECT seq, made_at, document, signature FROM checkpoints ORDER BY seq")?
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    // Read once for all checkpoints: a record with hundreds of sittings has as many checkpoints.
    let marks = Marks::read(connection)?;
    let mut previous = super::chain::GENESIS.to_owned();
    let mut newest = None;
    for (index, (seq, made_at, text, signature)) in stored.into_iter().enumerate() {
        let expected = i64::try_from(index).unwrap_or(i64::MAX) + 1;
        let document: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let key = document["key"]
            .as_str()
            .and_then(unhex)
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok());
        let Some(key) = key.filter(|key| signed_by(key, text.as_bytes(), &signature)) else {
            problem(format!(
                "контрольная точка {seq} подделана: её подпись не сходится"
            ));
            continue;
        };
        if !trusted.contains(&key) {
            problem(format!(
                "контрольная точка {seq} подписана ключом {}, которому проверка не доверяет: это не ключ экзаменатора",
                super::fingerprint(&key)
            ));
            continue;
        }
        if seq != expected
            || document["checkpoint"].as_i64() != Some(seq)
            || document["made_at"].as_i64() != Some(made_at)
            || document["previous"].as_str() != Some(previous.as_str())
        {
            problem(format!(
                "перед контрольной точкой {seq} удалены или переставлены другие контрольные точки"
            ));
        }
        previous = checkpoint_hash(&text);
        check_state(connection, &marks, seq, made_at, &document, &mut problem)?;
        newest = Some((info(seq, made_at, &document), document));
    }
    // Every sitting is checkpointed the moment it opens: one the newest checkpoint does not know
    // means the checkpoints after it were deleted.
    if let Some((newest, document)) = &newest {
        let covered = document["sittings"]["max_id"].as_i64().unwrap_or(0);
        let later: Vec<i64> = connection
            .prepare("SELECT id FROM exam_runs WHERE id > ?1 ORDER BY id")?
            .query_map(params![covered], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in later {
            problem(format!(
                "экзамен {id} прошёл после последней контрольной точки ({}), а экзамены всегда заверяются: контрольные точки удалены",
                newest.seq
            ));
        }
    }
    Ok((problems, newest.map(|(info, _)| info)))
}

/// Every attempt as checkpoints see it: id, place in the chain, start, seal hash.
struct Marks {
    /// By id.
    attempts: Vec<(i64, Option<i64>, i64)>,
    /// Seal hash by place in the chain.
    hashes: std::collections::HashMap<i64, Option<String>>,
}

impl Marks {
    fn read(connection: &Connection) -> rusqlite::Result<Marks> {
        let rows: Vec<(i64, Option<i64>, i64, Option<String>)> = connection
            .prepare("SELECT id, seal_seq, started_at, chain_hash FROM attempts ORDER BY id")?
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let hashes = rows
            .iter()
            .filter_map(|(_, seal, _, hash)| seal.map(|seal| (seal, hash.clone())))
            .collect();
        let attempts = rows
            .into_iter()
            .map(|(id, seal, started_at, _)| (id, seal, started_at))
            .collect();
        Ok(Marks { attempts, hashes })
    }
}

/// Whether the record still holds what checkpoint `seq` vouches for.
fn check_state(
    connection: &Connection,
    marks: &Marks,
    seq: i64,
    made_at: i64,
    document: &Value,
    problem: &mut impl FnMut(String),
) -> rusqlite::Result<()> {
    let attempts = &document["attempts"];
    let sealed = attempts["sealed"].as_i64().unwrap_or(0);
    let max_attempt = attempts["max_id"].as_i64().unwrap_or(0);
    let open: Vec<i64> = numbers(&attempts["open"]);
    if sealed > 0 {
        match marks.hashes.get(&sealed).cloned().flatten() {
            None => problem(format!(
                "удалены попытки, заверенные контрольной точкой {seq}: в цепочке было {sealed} запечатанных"
            )),
            Some(head) if Some(head.as_str()) != attempts["head"].as_str() => problem(format!(
                "цепочка до контрольной точки {seq} пересчитана или переписана: попытки, заверенные экзаменатором, изменены"
            )),
            Some(_) => {}
        }
    }
    // Every attempt that existed then was either sealed by then or still being played.
    for &(id, seal, started_at) in &marks.attempts {
        let existed = id <= max_attempt;
        if existed && !open.contains(&id) && seal.is_none_or(|seal| seal > sealed) {
            problem(format!(
                "попытка {id} не значится в контрольной точке {seq} такой, какая она сейчас: она вставлена или переоткрыта вне callcoach"
            ));
        } else if !existed && started_at < made_at {
            problem(format!(
                "попытка {id} помечена временем раньше контрольной точки {seq}, но в ней не значится: она вставлена вне callcoach"
            ));
        }
    }
    for id in open {
        if marks
            .attempts
            .binary_search_by_key(&id, |&(id, _, _)| id)
            .is_err()
        {
            problem(format!(
                "попытка {id}, которая шла во время контрольной точки {seq}, удалена"
            ));
        }
    }
    let sittings = &document["sittings"];
    let max_sitting = sittings["max_id"].as_i64().unwrap_or(0);
    let digest = sittings_digest(connection, max_sitting, &numbers(&sittings["open"]))?;
    if sittings["digest"].as_str() != Some(digest.as_str()) {
        problem(format!(
            "записи экзаменов, заверенные контрольной точкой {seq}, изменены или удалены"
        ));
    }
    let forged: Vec<i64> = connection
        .prepare("SELECT id FROM exam_runs WHERE id > ?1 AND started_at < ?2 ORDER BY id")?
        .query_map(params![max_sitting, made_at], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in forged {
        problem(format!(
            "экзамен {id} помечен временем раньше контрольной точки {seq}, но в ней не значится: запись вставлена вне callcoach"
        ));
    }
    Ok(())
}

fn numbers(value: &Value) -> Vec<i64> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}
