//! The progress store: turns survive at once, dead processes' attempts become interrupted, and
//! files that are not ours, damaged or newer are refused untouched.

use callcoach_core::store::{
    AttemptMode, AttemptStatus, NewAttempt, Store, StoreError, content_hash,
};
use callcoach_core::transcript::{Speaker, Speech, TranscriptTurn};

fn turn(speaker: Speaker, text: &str, at: f64) -> TranscriptTurn {
    TranscriptTurn {
        speaker,
        text: Some(text.to_owned()),
        hold_seconds: None,
        at,
        speech: None,
        understood: None,
        understood_as: None,
        step: None,
        barge_in: None,
    }
}

fn attempt(store: &Store, name: &str) -> i64 {
    let trainee = store.add_trainee(name).expect("trainee");
    store
        .start_attempt(&NewAttempt {
            trainee: &trainee,
            mode: AttemptMode::Practice,
            scenario_id: "internet_down",
            scenario_hash: content_hash("scenario"),
            rubric_hash: content_hash("rubric"),
            seed: u64::MAX,
            exam_run: None,
        })
        .expect("attempt")
}

#[test]
fn turns_are_kept_and_an_attempt_of_a_dead_process_is_interrupted() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("progress.sqlite");
    {
        let store = Store::open(&path).expect("opens, creating the file");
        let id = attempt(&store, "Анна Смирнова");
        store
            .record_turn(
                id,
                0,
                &turn(Speaker::Customer, "Не работает интернет!", 0.0),
            )
            .expect("turn");
        store
            .record_turn(
                id,
                1,
                &TranscriptTurn {
                    speech: Some(Speech {
                        seconds: 3.4,
                        on_hold: false,
                    }),
                    ..turn(Speaker::Agent, "Добрый день! Меня зовут Анна.", 4.0)
                },
            )
            .expect("turn");
        // Pretend the attempt belongs to a process that has died.
        let connection = rusqlite::Connection::open(&path).expect("raw");
        connection
            .execute("UPDATE attempts SET pid = 999999999 WHERE id = ?1", [id])
            .expect("update");
    }
    let store = Store::open(&path).expect("reopens");
    let trainee = store
        .trainee("Анна Смирнова")
        .expect("query")
        .expect("exists");
    let attempts = store.attempts(&trainee).expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].status, AttemptStatus::Interrupted);
    assert_eq!(attempts[0].turns, 2);
    let turns = store.attempt_turns(attempts[0].id).expect("turns");
    assert_eq!(
        turns.turns[1].text.as_deref(),
        Some("Добрый день! Меня зовут Анна.")
    );
    assert_eq!(
        turns.turns[0].speech, None,
        "the customer's line was not spoken"
    );
    assert_eq!(
        turns.turns[1].speech.map(|speech| speech.seconds),
        Some(3.4),
        "the spoken reply keeps its recording's length"
    );
    let connection = rusqlite::Connection::open(&path).expect("raw");
    let inputs: Vec<String> = connection
        .prepare("SELECT input FROM turns ORDER BY idx")
        .expect("query")
        .query_map([], |row| row.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("inputs");
    assert_eq!(inputs, ["typed", "speech"]);
}

#[test]
fn an_attempt_of_a_live_process_is_left_in_progress() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("progress.sqlite");
    let first = Store::open(&path).expect("opens");
    attempt(&first, "Олег");
    let second = Store::open(&path).expect("a second window opens the same file");
    let trainee = second.trainee("Олег").expect("query").expect("exists");
    assert_eq!(
        second.attempts(&trainee).expect("attempts")[0].status,
        AttemptStatus::InProgress,
        "this process is alive: its call is not interrupted"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_untouched() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("notes.txt");
    let content = "Список стажёров: Анна, Олег.\n".repeat(200);
    std::fs::write(&path, &content).expect("written");
    let error = Store::open(&path).expect_err("refused");
    assert!(
        matches!(error, StoreError::NotADatabase { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("Файл не изменён"), "{error}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("still there"),
        content
    );
}

#[test]
fn a_damaged_database_is_refused_and_untouched() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("progress.sqlite");
    {
        let store = Store::open(&path).expect("opens");
        attempt(&store, "Анна");
    }
    // Keep the header, damage the pages after it.
    let mut bytes = std::fs::read(&path).expect("read");
    for byte in bytes.iter_mut().skip(100) {
        *byte = 0xA5;
    }
    std::fs::write(&path, &bytes).expect("damaged");
    let _ = std::fs::remove_file(path.with_extension("sqlite-wal"));
    let error = Store::open(&path).expect_err("refused");
    assert!(
        matches!(
            error,
            StoreError::Corrupt { .. } | StoreError::NotADatabase { .. }
        ),
        "{error:?}"
    );
    assert_eq!(std::fs::read(&path).expect("still there"), bytes);
}

#[test]
fn a_database_from_a_newer_callcoach_is_refused_and_untouched() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("progress.sqlite");
    {
        let connection = rusqlite::Connection::open(&path).expect("raw");
        connection
            // A newer callcoach's database carries callcoach's application id ("CCch").
            .execute_batch(
                "CREATE TABLE future (x); PRAGMA user_version = 999; \
                 PRAGMA application_id = 1128489832;",
            )
            .expect("future schema");
    }
    let before = std::fs::read(&path).expect("read");
    let error = Store::open(&path).expect_err("refused");
    assert!(
        matches!(error, StoreError::Newer { found: 999, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("Обновите callcoach"), "{error}");
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn trainee_names_are_unique_and_never_empty() {
    let folder = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&folder.path().join("p.sqlite")).expect("opens");
    store
        .add_trainee("  Анна Смирнова ")
        .expect("added, trimmed");
    assert!(matches!(
        store.add_trainee("Анна Смирнова"),
        Err(StoreError::TraineeExists(_))
    ));
    assert!(matches!(
        store.add_trainee("   "),
        Err(StoreError::EmptyName)
    ));
    assert_eq!(store.trainees().expect("list").len(), 1);
}

fn finished(store: &mut Store, name: &str) -> i64 {
    let id = attempt(store, name);
    store
        .record_turn(
            id,
            0,
            &turn(Speaker::Customer, "Не работает интернет!", 0.0),
        )
        .expect("turn");
    store
        .record_turn(id, 1, &turn(Speaker::Agent, "Добрый день!", 3.0))
        .expect("turn");
    store
        .finish_attempt(id, AttemptStatus::Finished, None)
        .expect("finished");
    id
}

#[test]
fn an_edited_turn_or_a_deleted_attempt_breaks_the_chain() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("progress.sqlite");
    let (first, second) = {
        let mut store = Store::open(&path).expect("opens");
        let first = finished(&mut store, "Анна");
        let second = finished(&mut store, "Олег");
        finished(&mut store, "Ира");
        assert_eq!(
            store.verify(None).expect("verify").problems,
            [],
            "an untouched file verifies"
        );
        (first, second)
    };
    let raw = rusqlite::Connection::open(&path).expect("raw");
    raw.execute(
        "UPDATE turns SET text = 'Здравствуйте! Меня зовут Анна.' WHERE attempt_id = ?1 AND idx = 1",
        [second],
    )
    .expect("edit");
    let problems = Store::open(&path)
        .expect("opens")
        .verify(None)
        .expect("verify")
        .problems;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].attempt, Some(second));
    assert!(problems[0].message.contains("изменена"), "{problems:?}");

    raw.execute("DELETE FROM turns WHERE attempt_id = ?1", [first])
        .expect("delete");
    raw.execute("DELETE FROM attempts WHERE id = ?1", [first])
        .expect("delete");
    let problems = Store::open(&path)
        .expect("opens")
        .verify(None)
        .expect("verify")
        .problems;
    assert!(
        problems.iter().any(|p| p.message.contains("не хватает")),
        "a deleted attempt is noticed: {problems:?}"
    );
}

#[test]
fn a_status_changed_behind_callcoachs_back_is_noticed() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("progress.sqlite");
    let id = {
        let store = Store::open(&path).expect("opens");
        attempt(&store, "Анна")
    };
    let raw = rusqlite::Connection::open(&path).expect("raw");
    raw.execute(
        "UPDATE attempts SET status = 'finished', total = 100, passed = 1 WHERE id = ?1",
        [id],
    )
    .expect("forged");
    let problems = Store::open(&path)
        .expect("opens")
        .verify(None)
        .expect("verify")
        .problems;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].message.contains("не запечатана"),
        "{problems:?}"
    );
}

#[test]
fn a_version_1_database_migrates_keeping_everything() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("progress.sqlite");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/progress/v1.sqlite");
    std::fs::copy(&fixture, &path).expect("copied");
    let store = Store::open(&path).expect("migrates");
    let version: i64 = rusqlite::Connection::open(&path)
        .expect("raw")
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .expect("version");
    assert!(version >= 2, "migrated to {version}");
    let names: Vec<String> = store
        .trainees()
        .expect("trainees")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["Анна Смирнова", "Олег Петров"]);
    let anna = store
        .trainee("Анна Смирнова")
        .expect("query")
        .expect("exists");
    let attempts = store.attempts(&anna).expect("attempts");
    let statuses: Vec<AttemptStatus> = attempts.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses,
        [AttemptStatus::Finished, AttemptStatus::Interrupted],
        "the crashed call of the old version shows as interrupted"
    );
    assert_eq!(attempts[0].total, Some(65));
    assert_eq!(attempts[0].turns, 5);
    assert_eq!(attempts[1].turns, 1);
    assert_eq!(
        store.verify(None).expect("verify").problems,
        [],
        "old results are sealed on migration"
    );
}

#[test]
fn another_programs_sqlite_file_is_refused_and_untouched() {
    let folder = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "contacts.sqlite",
            "CREATE TABLE contacts (name TEXT, phone TEXT);",
        ),
        (
            "versioned.sqlite",
            "CREATE TABLE orders (id INTEGER); PRAGMA user_version = 5;",
        ),
        (
            "other_app.sqlite",
            "CREATE TABLE trainees (id INTEGER, name TEXT); CREATE TABLE attempts (id INTEGER); \
             CREATE TABLE turns (id INTEGER); PRAGMA user_version = 3; PRAGMA application_id = 42;",
        ),
    ];
    for (name, sql) in cases {
        let path = folder.path().join(name);
        rusqlite::Connection::open(&path)
            .expect("raw")
            .execute_batch(sql)
            .expect("another program's tables");
        let before = std::fs::read(&path).expect("read");
        let error = Store::open(&path).expect_err("refused");
        assert!(
            matches!(error, StoreError::Foreign { .. }),
            "{name}: {error:?}"
        );
        assert!(error.to_string().contains("другой программы"), "{error}");
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "{name} untouched"
        );
        assert!(
            !path.with_extension("sqlite-wal").exists(),
            "{name}: not switched to WAL"
        );
    }
}

#[test]
fn reading_never_creates_a_database_and_a_missing_folder_is_not_invented() {
    let folder = tempfile::tempdir().expect("temp dir");
    let mistyped = folder.path().join("progres.sqlite");
    let error = Store::open_existing(&mistyped).expect_err("missing");
    assert!(matches!(error, StoreError::Missing { .. }), "{error:?}");
    assert!(!mistyped.exists(), "nothing created");
    let nested = folder.path().join("no_such_folder/progress.sqlite");
    let error = Store::open(&nested).expect_err("no folder");
    assert!(matches!(error, StoreError::NoFolder { .. }), "{error:?}");
    assert!(!folder.path().join("no_such_folder").exists());
}
