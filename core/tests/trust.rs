//! What a trainee with full control of their own database file can and cannot do unnoticed: each
//! edit a determined trainee tried — deleting the newest or all attempts, inserting one,
//! renaming or swapping trainees, rewinding the newest sealed attempt, recomputing the whole
//! chain after raising a score, deleting a failed sitting to lose its wait — is caught by
//! `verify` once the examiner has signed a checkpoint after it; and a replaced examiner is caught
//! when QA checks with their own key.

use callcoach_core::canonical;
use callcoach_core::store::{
    AttemptMode, AttemptStatus, CheckpointReason, Examiner, NewAttempt, Store, Trainee,
    content_hash,
};
use callcoach_core::transcript::{Speaker, Transcript};
use rusqlite::Connection;
use serde_json::{Value, json};

use crate::support::{scorer, turn};

const PASSPHRASE: &str = "служба качества";

/// A database as a trainee would hold it: two trainees, three practice calls, a failed exam
/// sitting with its call, and — unless `anchored` is false — the examiner's checkpoint after it.
struct Fixture {
    _folder: tempfile::TempDir,
    path: std::path::PathBuf,
    examiner_key: [u8; 32],
    /// The failed sitting.
    run: i64,
}

fn call(store: &mut Store, trainee: &Trainee, lines: &[&str], exam_run: Option<i64>) -> i64 {
    let id = store
        .start_attempt(&NewAttempt {
            trainee,
            mode: if exam_run.is_some() {
                AttemptMode::Exam
            } else {
                AttemptMode::Practice
            },
            scenario_id: "internet_down",
            scenario_hash: content_hash("scenario"),
            rubric_hash: content_hash("rubric"),
            seed: 42,
            exam_run,
        })
        .expect("attempt");
    let mut transcript = Transcript::default();
    for (index, text) in lines.iter().enumerate() {
        let speaker = if index % 2 == 0 {
            Speaker::Customer
        } else {
            Speaker::Agent
        };
        let line = turn(speaker, text, index as f64 * 5.0);
        store.record_turn(id, index, &line).expect("turn");
        transcript.turns.push(line);
    }
    let report = scorer().score(&transcript);
    store
        .finish_attempt(id, AttemptStatus::Finished, Some(&report))
        .expect("finished");
    id
}

const GOOD: &[&str] = &[
    "У меня третий день не работает интернет!",
    "Добрый день! Меня зовут Анна, компания «Ромашка Телеком». Подскажите номер договора, пожалуйста.",
    "Договор 123456.",
    "Спасибо. Понимаю, как это неудобно. Я проверю линию, это займёт около минуты.",
];
const POOR: &[&str] = &[
    "Интернета нет!",
    "Чё надо?",
    "Интернета нет, говорю!",
    "Перезагрузите роутер.",
];

fn fixture(anchored: bool) -> Fixture {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("progress.sqlite");
    let mut store = Store::open(&path).expect("store");
    let examiner = store
        .set_up_examiner(PASSPHRASE)
        .expect("db")
        .expect("set up");
    let anna = store.add_trainee("Анна Смирнова").expect("trainee");
    let oleg = store.add_trainee("Олег Петров").expect("trainee");
    call(&mut store, &anna, GOOD, None);
    call(&mut store, &oleg, POOR, None);
    call(&mut store, &anna, POOR, None);
    let run = store
        .start_exam_run(&anna, "basic_certification", &content_hash("exam"), 7)
        .expect("sitting");
    call(&mut store, &anna, POOR, Some(run));
    store.finish_exam_run(run, false, 40).expect("verdict");
    if anchored {
        store
            .checkpoint(&examiner, CheckpointReason::Anchor)
            .expect("checkpoint");
    }
    assert_eq!(
        store.verify(None).expect("verify").problems,
        [],
        "the untouched file verifies"
    );
    Fixture {
        _folder: folder,
        path,
        examiner_key: examiner.public_key(),
        run,
    }
}

fn raw(fixture: &Fixture) -> Connection {
    Connection::open(&fixture.path).expect("raw")
}

/// Opens the file as callcoach would (which also seals calls of dead processes) and verifies.
fn problems(fixture: &Fixture) -> Vec<String> {
    Store::open(&fixture.path)
        .expect("opens")
        .verify(None)
        .expect("verify")
        .problems
        .into_iter()
        .map(|problem| problem.message)
        .collect()
}

fn delete_attempt(connection: &Connection, id: i64) {
    for table in ["findings", "category_scores", "turns"] {
        connection
            .execute(&format!("DELETE FROM {table} WHERE attempt_id = ?1"), [id])
            .expect("delete");
    }
    connection
        .execute("DELETE FROM attempts WHERE id = ?1", [id])
        .expect("delete");
}

fn column_values(connection: &Connection, sql: &str, id: i64) -> Vec<Value> {
    let mut statement = connection.prepare(sql).expect("sql");
    let count = statement.column_count();
    statement
        .query_map([id], |row| {
            Ok(Value::Array(
                (0..count)
                    .map(|index| match row.get_ref(index).expect("value") {
                        rusqlite::types::ValueRef::Null => Value::Null,
                        rusqlite::types::ValueRef::Integer(value) => json!(value),
                        rusqlite::types::ValueRef::Real(value) => json!(value),
                        rusqlite::types::ValueRef::Text(text) => {
                            json!(String::from_utf8_lossy(text))
                        }
                        rusqlite::types::ValueRef::Blob(blob) => json!(blob),
                    })
                    .collect(),
            ))
        })
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Someone who read the source recomputes every seal — of the calls and of the sittings — after
/// an edit, exactly as callcoach does.
fn recompute_chain(connection: &Connection) {
    let attempts: Vec<i64> = connection
        .prepare("SELECT id FROM attempts WHERE seal_seq IS NOT NULL ORDER BY seal_seq")
        .expect("sql")
        .query_map([], |row| row.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("ids");
    let mut previous = "callcoach-progress-chain-v1".to_owned();
    for id in attempts {
        let document = json!({
            "seal": 3,
            "attempt": column_values(connection,
                "SELECT a.id, a.trainee_id, t.name, a.mode, a.scenario_id, a.scenario_hash, \
                 a.rubric_hash, a.seed, a.started_at, a.ended_at, a.status, a.total, a.passed, \
                 a.seal_seq, a.exam_run_id FROM attempts a LEFT JOIN trainees t \
                 ON t.id = a.trainee_id WHERE a.id = ?1", id),
            "turns": column_values(connection,
                "SELECT idx, speaker, text, hold_seconds, input, at_seconds, recorded_at, \
                 speech_seconds, speech_on_hold, understood, understood_as, step, \
                 barge_in_after, barge_in_of FROM turns WHERE attempt_id = ?1 ORDER BY idx", id),
            "scores": column_values(connection,
                "SELECT category, score, max, passed, applicable FROM category_scores \
                 WHERE attempt_id = ?1 ORDER BY category", id),
            "findings": column_values(connection,
                "SELECT rule, category, turn, span_start, span_end, severity, message, suggestion \
                 FROM findings WHERE attempt_id = ?1 ORDER BY id", id),
        });
        let mut bytes = previous.into_bytes();
        bytes.push(b'\n');
        bytes.extend(canonical::to_bytes(&document));
        previous = canonical::sha256_hex(&bytes);
        connection
            .execute(
                "UPDATE attempts SET chain_hash = ?1 WHERE id = ?2",
                rusqlite::params![previous, id],
            )
            .expect("reseal");
    }
    let runs: Vec<i64> = connection
        .prepare("SELECT id FROM exam_runs WHERE seal IS NOT NULL")
        .expect("sql")
        .query_map([], |row| row.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("ids");
    for run in runs {
        let document = json!({
            "run": column_values(connection,
                "SELECT id, exam_id, exam_hash, trainee_id, seed, started_at, ended_at, passed, \
                 total FROM exam_runs WHERE id = ?1", run),
            "calls": column_values(connection,
                "SELECT id, chain_hash FROM attempts WHERE exam_run_id = ?1 ORDER BY id", run),
        });
        let mut bytes = b"callcoach-progress-chain-v1\n".to_vec();
        bytes.extend(canonical::to_bytes(&document));
        connection
            .execute(
                "UPDATE exam_runs SET seal = ?1 WHERE id = ?2",
                rusqlite::params![canonical::sha256_hex(&bytes), run],
            )
            .expect("reseal");
    }
}

/// Raises an attempt's score to full marks.
fn raise_score(connection: &Connection, id: i64) {
    connection
        .execute(
            "UPDATE category_scores SET score = max, passed = 1 WHERE attempt_id = ?1",
            [id],
        )
        .expect("edit");
    connection
        .execute(
            "UPDATE attempts SET total = 100, passed = 1 WHERE id = ?1",
            [id],
        )
        .expect("edit");
}

fn newest_attempt(connection: &Connection) -> i64 {
    connection
        .query_row("SELECT MAX(id) FROM attempts", [], |row| row.get(0))
        .expect("newest")
}

#[test]
fn recomputing_the_chain_passes_without_a_checkpoint_and_is_caught_with_one() {
    // The recomputation is faithful: without a checkpoint, the plain chain cannot tell.
    let bare = fixture(false);
    let connection = raw(&bare);
    raise_score(&connection, 3);
    assert!(
        !problems(&bare).is_empty(),
        "an edit alone breaks the chain"
    );
    recompute_chain(&connection);
    assert_eq!(
        problems(&bare),
        Vec::<String>::new(),
        "someone who knows the algorithm rewrites an unanchored chain"
    );

    let anchored = fixture(true);
    let connection = raw(&anchored);
    raise_score(&connection, 3);
    recompute_chain(&connection);
    let found = problems(&anchored);
    assert!(
        found.iter().any(|message| message.contains("пересчитана")),
        "{found:?}"
    );
}

#[test]
fn deleting_the_newest_or_all_attempts_is_caught() {
    let fixture_one = fixture(true);
    let connection = raw(&fixture_one);
    delete_attempt(&connection, newest_attempt(&connection));
    let found = problems(&fixture_one);
    assert!(
        found
            .iter()
            .any(|message| message.contains("удалены попытки")),
        "{found:?}"
    );

    let fixture_all = fixture(true);
    let connection = raw(&fixture_all);
    for id in 1..=newest_attempt(&connection) {
        delete_attempt(&connection, id);
    }
    let found = problems(&fixture_all);
    assert!(!found.is_empty(), "an emptied record is caught");
}

#[test]
fn an_attempt_inserted_into_the_anchored_past_is_caught() {
    let fixture = fixture(true);
    let connection = raw(&fixture);
    let made_at: i64 = connection
        .query_row("SELECT made_at FROM checkpoints", [], |row| row.get(0))
        .expect("checkpoint");
    connection
        .execute(
            "INSERT INTO attempts (trainee_id, mode, scenario_id, scenario_hash, rubric_hash, seed, \
             started_at, status, pid) VALUES (2, 'practice', 'internet_down', 'x', 'y', 1, ?1, \
             'in_progress', 999999999)",
            [made_at - 60_000],
        )
        .expect("insert");
    // Opening seals it as an interrupted call: the chain alone would take it for one.
    let found = problems(&fixture);
    assert!(
        found.iter().any(|message| message.contains("вставлена")),
        "{found:?}"
    );
}

#[test]
fn renaming_or_swapping_trainees_is_caught_even_without_a_checkpoint() {
    let fixture = fixture(false);
    let connection = raw(&fixture);
    connection
        .execute_batch(
            "UPDATE trainees SET name = 'временно' WHERE id = 1;
             UPDATE trainees SET name = 'Анна Смирнова' WHERE id = 2;
             UPDATE trainees SET name = 'Олег Петров' WHERE id = 1;",
        )
        .expect("swap");
    let found = problems(&fixture);
    assert!(
        found.iter().any(|message| message.contains("стажёр")),
        "{found:?}"
    );
}

#[test]
fn rewinding_the_newest_sealed_attempt_is_caught() {
    let fixture = fixture(true);
    let connection = raw(&fixture);
    let newest = newest_attempt(&connection);
    connection
        .execute(
            "UPDATE attempts SET status = 'in_progress', seal_seq = NULL, seal_version = NULL, \
             chain_hash = NULL, ended_at = NULL, total = NULL, passed = NULL, pid = 999999999 \
             WHERE id = ?1",
            [newest],
        )
        .expect("rewind");
    for table in ["findings", "category_scores"] {
        connection
            .execute(
                &format!("DELETE FROM {table} WHERE attempt_id = ?1"),
                [newest],
            )
            .expect("delete");
    }
    // callcoach re-seals it as interrupted, in the same place of the chain.
    let found = problems(&fixture);
    assert!(!found.is_empty(), "a rewound attempt is caught");
}

#[test]
fn deleting_a_failed_sitting_to_lose_its_wait_is_caught() {
    let fixture = fixture(true);
    let connection = raw(&fixture);
    connection
        .execute(
            "UPDATE attempts SET exam_run_id = NULL WHERE exam_run_id = ?1",
            [fixture.run],
        )
        .expect("detach");
    connection
        .execute("DELETE FROM exam_runs WHERE id = ?1", [fixture.run])
        .expect("delete");
    recompute_chain(&connection);
    let found = problems(&fixture);
    assert!(
        found
            .iter()
            .any(|message| message.contains("записи экзаменов")),
        "{found:?}"
    );
}

#[test]
fn a_replaced_examiner_is_caught_by_qas_own_key() {
    let fixture = fixture(true);
    // The trainee sets up an examiner of their own in another file and moves it in, then
    // recomputes and re-signs everything after raising a score.
    let other_folder = tempfile::tempdir().expect("temp dir");
    let forged = Store::open(&other_folder.path().join("own.sqlite")).expect("store");
    forged
        .set_up_examiner("мой собственный пароль")
        .expect("db")
        .expect("set up");
    drop(forged);
    let connection = raw(&fixture);
    connection
        .execute(
            "ATTACH DATABASE ?1 AS own",
            [other_folder.path().join("own.sqlite").to_string_lossy()],
        )
        .expect("attach");
    connection
        .execute_batch(
            "DELETE FROM settings WHERE key LIKE 'examiner_%';
             INSERT INTO settings SELECT key, value FROM own.settings WHERE key LIKE 'examiner_%';
             DELETE FROM checkpoints;
             DETACH DATABASE own;",
        )
        .expect("replace the examiner");
    raise_score(&connection, 3);
    recompute_chain(&connection);
    drop(connection);
    let mut store = Store::open(&fixture.path).expect("opens");
    let own: Examiner = store
        .unlock_examiner("мой собственный пароль")
        .expect("db")
        .expect("the trainee's own examiner");
    store
        .checkpoint(&own, CheckpointReason::Anchor)
        .expect("re-signed");
    assert!(
        store.verify(None).expect("verify").problems.is_empty(),
        "the file alone vouches for its own examiner"
    );
    let found = store
        .verify(Some(&[fixture.examiner_key]))
        .expect("verify")
        .problems;
    assert!(
        found
            .iter()
            .any(|problem| problem.message.contains("не доверяет")),
        "{found:?}"
    );
}

#[test]
fn a_certificate_row_the_trainee_adds_is_not_shown_as_theirs() {
    let fixture = fixture(true);
    let other_folder = tempfile::tempdir().expect("temp dir");
    let own = Store::open(&other_folder.path().join("own.sqlite"))
        .expect("store")
        .set_up_examiner("мой собственный пароль")
        .expect("db")
        .expect("set up");
    let forged = callcoach_core::certificate::Certificate {
        number: "CC-2026-AAAAAA-000001".to_owned(),
        trainee: "Анна Смирнова".to_owned(),
        exam_id: "basic_certification".to_owned(),
        exam_title: "Базовая аттестация".to_owned(),
        issued_at: 1_790_000_000_000,
        valid_until: 4_000_000_000_000,
        total: 100,
        categories: Default::default(),
        scenarios: Default::default(),
        rubric_hash: String::new(),
        exam_hash: String::new(),
        public_key: String::new(),
        signature: String::new(),
    }
    .sign(&own);
    raw(&fixture)
        .execute(
            "INSERT INTO certificates (number, exam_run_id, trainee_id, issued_at, valid_until, \
             document) VALUES (?1, ?2, 1, ?3, ?4, ?5)",
            rusqlite::params![
                forged.number,
                fixture.run,
                forged.issued_at,
                forged.valid_until,
                forged.to_json()
            ],
        )
        .expect("inserted");
    let store = Store::open(&fixture.path).expect("opens");
    let anna = store
        .trainee("Анна Смирнова")
        .expect("query")
        .expect("exists");
    assert!(store.certificates(&anna).expect("certificates").is_empty());
    assert!(store.certificate_rows(&anna).expect("rows").is_empty());
    let group = store.group_rows(0).expect("group");
    assert!(
        group.iter().all(|row| row.valid_certificates == 0),
        "{group:?}"
    );
}

#[test]
fn deleting_the_checkpoints_after_a_sitting_is_caught() {
    let fixture = fixture(true);
    // A second sitting, checkpointed as every sitting is; then its checkpoint is deleted.
    let mut store = Store::open(&fixture.path).expect("opens");
    let examiner = store
        .unlock_examiner(PASSPHRASE)
        .expect("db")
        .expect("unlocked");
    let anna = store
        .trainee("Анна Смирнова")
        .expect("query")
        .expect("exists");
    store
        .start_exam_run(&anna, "basic_certification", &content_hash("exam"), 8)
        .expect("sitting");
    store
        .checkpoint(&examiner, CheckpointReason::SittingOpened)
        .expect("checkpoint");
    drop(store);
    raw(&fixture)
        .execute("DELETE FROM checkpoints WHERE seq = 2", [])
        .expect("deleted");
    let found = problems(&fixture);
    assert!(
        found
            .iter()
            .any(|message| message.contains("контрольные точки удалены")),
        "{found:?}"
    );
}
