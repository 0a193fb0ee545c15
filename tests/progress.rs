//! Attempts in the progress database through the real binary: a process killed mid-call loses
//! nothing, two processes write at once, and a file that is not a database is left alone.

use std::io::{BufRead, BufReader, Write};

use callcoach_core::store::{AttemptStatus, Store};

use super::{add_trainee, callcoach, callcoach_command, stderr, stdout};

const GREETING: &str = "Добрый день! Меня зовут Анна, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора.";
const SECOND: &str = "Спасибо. Давайте я проверю линию до вашего дома.";

#[test]
fn a_call_killed_midway_is_found_interrupted_with_every_turn() {
    let folder = tempfile::tempdir().expect("temp dir");
    let db = folder.path().join("progress.sqlite");
    add_trainee(&db, "Анна Смирнова");
    let mut child = callcoach_command(&[
        "--db",
        db.to_str().expect("utf-8"),
        "play",
        "internet_down",
        "--text",
        "--seed",
        "1",
        "--trainee",
        "Анна Смирнова",
    ])
    .spawn()
    .expect("starts");
    let mut input = child.stdin.take().expect("stdin");
    writeln!(input, "{GREETING}\n{SECOND}").expect("replies sent");
    input.flush().expect("flushed");
    // The echo of a reply is printed after its turns are committed: wait for the second one.
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let echoed = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|line| line.contains(&format!("Вы: {SECOND}")));
    assert!(echoed, "the call went on to the second reply");
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    drop(input);

    let store = Store::open(&db).expect("the database opens after the kill");
    let trainee = store
        .trainee("Анна Смирнова")
        .expect("query")
        .expect("exists");
    let attempts = store.attempts(&trainee).expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].status, AttemptStatus::Interrupted);
    let transcript = store.attempt_turns(attempts[0].id).expect("turns");
    let agent: Vec<&str> = transcript
        .turns
        .iter()
        .filter(|turn| turn.speaker == callcoach_core::transcript::Speaker::Agent)
        .filter_map(|turn| turn.text.as_deref())
        .collect();
    assert_eq!(
        agent,
        [GREETING, SECOND],
        "every reply made before the kill"
    );
    assert_eq!(
        transcript.turns.len(),
        5,
        "with the customer's lines: {transcript:?}"
    );
}

#[test]
fn two_processes_record_at_once_without_errors_or_losses() {
    let folder = tempfile::tempdir().expect("temp dir");
    let db = folder.path().join("progress.sqlite");
    add_trainee(&db, "Анна");
    add_trainee(&db, "Олег");
    let script = format!(
        "{GREETING}\n{SECOND}\nОставайтесь на линии, это займёт две минуты.\n/hold 90\nСпасибо за ожидание!\n/end\n"
    );
    let spawn = |name: &str| {
        let mut child = callcoach_command(&[
            "--db",
            db.to_str().expect("utf-8"),
            "play",
            "internet_down",
            "--text",
            "--seed",
            "2",
            "--trainee",
            name,
        ])
        .spawn()
        .expect("starts");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .expect("script");
        child
    };
    let children = [spawn("Анна"), spawn("Олег")];
    for child in children {
        let output = child.wait_with_output().expect("finishes");
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(
            stderr(&output).is_empty(),
            "no error shown: {}",
            stderr(&output)
        );
        assert!(stdout(&output).contains("Разбор звонка"));
    }
    let store = Store::open(&db).expect("opens");
    for name in ["Анна", "Олег"] {
        let trainee = store.trainee(name).expect("query").expect("exists");
        let attempts = store.attempts(&trainee).expect("attempts");
        assert_eq!(attempts.len(), 1, "{name}");
        assert_eq!(attempts[0].status, AttemptStatus::Finished, "{name}");
        assert!(attempts[0].total.is_some(), "{name}: the score is stored");
        let turns = store.attempt_turns(attempts[0].id).expect("turns");
        assert!(
            turns.turns.iter().any(|turn| turn.hold_seconds == Some(90)),
            "{name}: {turns:?}"
        );
    }
}

#[test]
fn a_file_that_is_not_a_database_is_refused_with_a_clear_message() {
    let folder = tempfile::tempdir().expect("temp dir");
    let db = folder.path().join("report.docx");
    std::fs::write(&db, "PK\u{3}\u{4} это документ, а не база").expect("written");
    let before = std::fs::read(&db).expect("read");
    let output = callcoach(
        &["--db", db.to_str().expect("utf-8"), "trainee", "list"],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("это не база прогресса callcoach"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read(&db).expect("read"),
        before,
        "the file is not overwritten"
    );
}

#[test]
fn an_unknown_trainee_is_told_how_to_be_added() {
    let folder = tempfile::tempdir().expect("temp dir");
    let db = folder.path().join("progress.sqlite");
    let output = callcoach(
        &[
            "--db",
            db.to_str().expect("utf-8"),
            "play",
            "internet_down",
            "--text",
            "--trainee",
            "Ира",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("callcoach trainee add \"Ира\""),
        "{}",
        stderr(&output)
    );
}

#[test]
fn db_verify_tells_an_intact_file_from_an_edited_one() {
    let folder = tempfile::tempdir().expect("temp dir");
    let db = folder.path().join("progress.sqlite");
    let db_arg = db.to_str().expect("utf-8");
    add_trainee(&db, "Анна");
    let played = callcoach(
        &[
            "--db",
            db_arg,
            "play",
            "internet_down",
            "--text",
            "--seed",
            "1",
            "--trainee",
            "Анна",
        ],
        &format!("{GREETING}\n/end\n"),
    );
    assert!(played.status.success(), "{}", stderr(&played));
    let intact = callcoach(&["--db", db_arg, "db", "verify"], "");
    assert!(intact.status.success(), "{}", stdout(&intact));
    assert!(
        stdout(&intact).contains("цепочка результатов цела"),
        "{}",
        stdout(&intact)
    );

    // Someone raises their score directly in the file.
    rusqlite::Connection::open(&db)
        .expect("raw")
        .execute(
            "UPDATE attempts SET total = 100, passed = 1 WHERE id = 1",
            [],
        )
        .expect("edited");
    let edited = callcoach(&["--db", db_arg, "db", "verify"], "");
    assert_eq!(edited.status.code(), Some(1));
    assert!(
        stdout(&edited).contains("изменена после завершения"),
        "{}",
        stdout(&edited)
    );
}
