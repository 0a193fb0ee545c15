//! Certification through the real binary: QA sets the examiner up deliberately, a sitting of
//! three calls, a signed certificate that verifies (and a forged one that does not), the wait
//! after a failure, guessing slowed down, and exam-only scenarios kept out of practice.

use std::path::Path;
use std::process::Output;

use callcoach_core::store::{AttemptMode, Store};

use super::{
    add_trainee, callcoach, callcoach_command, repository, resolved_replies, run_with_input,
    stderr, stdout,
};

pub(super) const PASSPHRASE: &str = "служба качества";

/// A scenario's resolved walkthrough as piped input.
pub(super) fn resolved_input(id: &str) -> String {
    resolved_replies(id).join("\n") + "\n"
}

pub(super) fn exam(db: &Path, out: &Path, passphrase: Option<&str>, stdin: &str) -> Output {
    run_with_input(&mut exam_command(db, out, passphrase), stdin)
}

/// `exam start basic` of Anna with seed 1 on `db`, certificates into `out`, not started yet.
pub(super) fn exam_command(
    db: &Path,
    out: &Path,
    passphrase: Option<&str>,
) -> std::process::Command {
    let mut command = callcoach_command(&[
        "--db",
        db.to_str().expect("utf-8"),
        "exam",
        "start",
        "basic",
        "--trainee",
        "Анна Смирнова",
        "--seed",
        "1",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    if let Some(passphrase) = passphrase {
        command.env("CALLCOACH_EXAMINER_PASSPHRASE", passphrase);
    }
    command
}

/// `examiner init` on `db` with `passphrase` (given to a script through the environment).
pub(super) fn examiner_init(db: &Path, passphrase: &str) -> Output {
    let mut command = callcoach_command(&["--db", db.to_str().expect("utf-8"), "examiner", "init"]);
    command.env("CALLCOACH_EXAMINER_PASSPHRASE", passphrase);
    run_with_input(&mut command, "")
}

/// A database with a trainee and QA's examiner set up.
pub(super) fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
    let folder = tempfile::tempdir().expect("temp dir");
    let db = folder.path().join("progress.sqlite");
    let output = callcoach(
        &[
            "--db",
            db.to_str().expect("utf-8"),
            "trainee",
            "add",
            "Анна Смирнова",
        ],
        "",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let init = examiner_init(&db, PASSPHRASE);
    assert!(init.status.success(), "{}", stderr(&init));
    assert!(
        stdout(&init).contains("Экзаменатор настроен") && stdout(&init).contains("Отпечаток"),
        "{}",
        stdout(&init)
    );
    (folder, db)
}

/// The resolved replies of the basic exam's three calls, in the order it plays them.
pub(super) fn passing_replies() -> String {
    ["internet_down", "warranty_repair", "fraud_sms"]
        .into_iter()
        .map(resolved_input)
        .collect()
}

/// The certificate files `exam start` wrote into `folder`.
pub(super) fn issued(folder: &Path, extension: &str) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(folder)
        .expect("out folder")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            name.starts_with("CC-") && name.ends_with(&format!(".{extension}"))
        })
        .collect();
    found.sort();
    found
}

#[test]
fn a_passed_exam_issues_a_signed_certificate_that_verifies() {
    let (folder, db) = setup();
    let output = exam(&db, folder.path(), Some(PASSPHRASE), &passing_replies());
    let text = stdout(&output);
    assert!(output.status.success(), "{text}\n{}", stderr(&output));
    assert!(
        !text.contains("Замечание:") && !text.contains("Подсказка:"),
        "no hints in an exam"
    );
    assert!(text.contains("Экзамен сдан"), "{text}");
    // The number carries the year of issue and this database's issuer id:
    // CC-<year>-<issuer>-000001.
    let (json, html) = (
        issued(folder.path(), "json").remove(0),
        issued(folder.path(), "html").remove(0),
    );
    let name = json
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    assert!(
        name.ends_with("-000001.json") && name.len() == "CC-2026-K7Q2XM-000001.json".len(),
        "{name}"
    );
    let page = std::fs::read_to_string(&html).expect("printable page");
    assert!(page.contains("Анна Смирнова") && page.contains("СЕРТИФИКАТ"));

    let db_arg = db.to_str().expect("utf-8");
    let verified = callcoach(
        &[
            "--db",
            db_arg,
            "cert",
            "verify",
            json.to_str().expect("utf-8"),
        ],
        "",
    );
    assert!(verified.status.success(), "{}", stdout(&verified));
    assert!(
        stdout(&verified).starts_with("Сертификат действителен: подпись верна"),
        "{}",
        stdout(&verified)
    );
    assert!(stdout(&verified).contains("Анна Смирнова"));
    let document = std::fs::read_to_string(&json).expect("json");
    assert!(
        document.contains("\"exam_hash\""),
        "the exam definition is pinned: {document}"
    );

    let forged = folder.path().join("forged.json");
    std::fs::write(&forged, document.replace("Анна Смирнова", "Олег Петров")).expect("forged");
    let refused = callcoach(
        &[
            "--db",
            db_arg,
            "cert",
            "verify",
            forged.to_str().expect("utf-8"),
        ],
        "",
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stdout(&refused).starts_with("СЕРТИФИКАТ НЕДЕЙСТВИТЕЛЕН: подпись не сходится"),
        "the verdict comes before any claim: {}",
        stdout(&refused)
    );

    let store = Store::open(&db).expect("store");
    let trainee = store
        .trainee("Анна Смирнова")
        .expect("query")
        .expect("exists");
    assert_eq!(store.certificates(&trainee).expect("certificates").len(), 1);
    let attempts = store.attempts(&trainee).expect("attempts");
    assert_eq!(attempts.len(), 3, "every exam call is an attempt");
    assert!(store.verify(None).expect("verify").problems.is_empty());
    drop(store);

    // Someone turns the sitting into a higher score behind callcoach's back.
    rusqlite::Connection::open(&db)
        .expect("raw")
        .execute("UPDATE exam_runs SET total = 100", [])
        .expect("edited");
    let check = callcoach(&["--db", db_arg, "db", "verify"], "");
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stdout(&check).contains("результат экзамена 1 изменён"),
        "{}",
        stdout(&check)
    );
}

#[test]
fn a_wrong_or_missing_passphrase_keeps_the_exam_closed() {
    let (folder, db) = setup();
    let wrong = exam(&db, folder.path(), Some("не тот пароль"), "");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains("неверный пароль экзаменатора"),
        "{}",
        stderr(&wrong)
    );
    let missing = exam(&db, folder.path(), None, "");
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("CALLCOACH_EXAMINER_PASSPHRASE"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn the_first_exam_start_does_not_make_anyone_the_examiner() {
    let folder = tempfile::tempdir().expect("temp dir");
    let db = folder.path().join("progress.sqlite");
    add_trainee(&db, "Анна Смирнова");
    let first = exam(&db, folder.path(), Some("мой собственный пароль"), "");
    assert_eq!(first.status.code(), Some(2));
    assert!(
        stderr(&first).contains("callcoach examiner init"),
        "{}",
        stderr(&first)
    );
    let store = Store::open(&db).expect("store");
    assert!(
        !store.examiner_is_set().expect("query"),
        "no examiner was set up"
    );
    drop(store);
    // And `examiner init` wants a passphrase nobody guesses.
    for weak in ["        ", "12345678901", "qwertyuiop"] {
        let refused = examiner_init(&db, weak);
        assert_eq!(refused.status.code(), Some(2), "{weak:?}");
        assert!(
            stderr(&refused).contains("слишком простой"),
            "{}",
            stderr(&refused)
        );
    }
    assert!(examiner_init(&db, PASSPHRASE).status.success());
    let again = examiner_init(&db, "другой длинный пароль");
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("уже настроен"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn guessing_the_passphrase_is_slowed_down_between_runs() {
    let (folder, db) = setup();
    for _ in 0..3 {
        let wrong = exam(&db, folder.path(), Some("угадываю пароль"), "");
        assert!(
            stderr(&wrong).contains("неверный пароль"),
            "{}",
            stderr(&wrong)
        );
    }
    let counted: Vec<u8> = rusqlite::Connection::open(&db)
        .expect("raw")
        .query_row(
            "SELECT value FROM settings WHERE key = 'examiner_failures'",
            [],
            |row| row.get(0),
        )
        .expect("kept in the database");
    assert!(
        counted.starts_with(b"3:"),
        "{:?}",
        String::from_utf8_lossy(&counted)
    );
    // Ten wrong in a row just now: even the right passphrase waits (up to an hour), in any
    // process, however fast or slow this machine is.
    rusqlite::Connection::open(&db)
        .expect("raw")
        .execute(
            "UPDATE settings SET value = CAST(?1 AS BLOB) WHERE key = 'examiner_failures'",
            [format!("10:{}", callcoach_core::store::now_ms())],
        )
        .expect("ten failures");
    let waits = exam(&db, folder.path(), Some(PASSPHRASE), "");
    assert_eq!(waits.status.code(), Some(2));
    assert!(
        stderr(&waits).contains("слишком много неверных паролей подряд: следующая попытка — через"),
        "{}",
        stderr(&waits)
    );
}

#[test]
fn after_a_failed_sitting_the_trainee_waits() {
    let (folder, db) = setup();
    let failed = exam(&db, folder.path(), Some(PASSPHRASE), "/end\n/end\n/end\n");
    assert!(
        stdout(&failed).contains("Экзамен не сдан"),
        "{}",
        stdout(&failed)
    );
    let retry = exam(&db, folder.path(), Some(PASSPHRASE), "");
    assert_eq!(retry.status.code(), Some(1));
    assert!(
        stdout(&retry).contains("нужно подождать 24 ч"),
        "{}",
        stdout(&retry)
    );
    // The trainee deletes the failed sitting (after detaching its calls) to lose the wait.
    let raw = rusqlite::Connection::open(&db).expect("raw");
    raw.execute_batch("UPDATE attempts SET exam_run_id = NULL; DELETE FROM exam_runs;")
        .expect("deleted");
    drop(raw);
    let cheated = exam(&db, folder.path(), Some(PASSPHRASE), "");
    assert_eq!(cheated.status.code(), Some(1));
    assert!(
        stdout(&cheated).contains("база прогресса изменена вне callcoach"),
        "{}",
        stdout(&cheated)
    );
}

#[test]
fn an_exam_only_scenario_cannot_be_practised() {
    let folder = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(repository().join("scenarios/internet_down.ron"))
        .expect("scenario")
        .replace(
            "id: \"internet_down\",",
            "id: \"secret_call\",\n    exam_only: true,",
        );
    std::fs::write(folder.path().join("secret_call.ron"), text).expect("written");
    let dir = folder.path().to_str().expect("utf-8");
    let practice = callcoach(&["--scenarios", dir, "play", "secret_call", "--text"], "");
    assert_eq!(practice.status.code(), Some(2));
    assert!(
        stderr(&practice).contains("только для экзаменов"),
        "{}",
        stderr(&practice)
    );
    // Without hints is not an exam: only a sitting QA opened plays it.
    let db = folder.path().join("progress.sqlite");
    let db_arg = db.to_str().expect("utf-8");
    add_trainee(&db, "Олег");
    let without_hints = callcoach(
        &[
            "--scenarios",
            dir,
            "--db",
            db_arg,
            "play",
            "secret_call",
            "--text",
            "--exam",
            "--trainee",
            "Олег",
        ],
        "/end\n",
    );
    assert_eq!(without_hints.status.code(), Some(2));
    assert!(
        stderr(&without_hints).contains("только для экзаменов"),
        "{}",
        stderr(&without_hints)
    );
    let store = Store::open(&db).expect("store");
    let oleg = store.trainee("Олег").expect("query").expect("exists");
    assert!(
        store.attempts(&oleg).expect("attempts").is_empty(),
        "nothing recorded"
    );
}

#[test]
fn a_call_played_without_hints_outside_an_exam_is_recorded_as_practice() {
    let folder = tempfile::tempdir().expect("temp dir");
    let db = folder.path().join("progress.sqlite");
    let db_arg = db.to_str().expect("utf-8");
    add_trainee(&db, "Олег");
    let played = callcoach(
        &[
            "--db",
            db_arg,
            "play",
            "internet_down",
            "--text",
            "--exam",
            "--trainee",
            "Олег",
        ],
        &resolved_input("internet_down"),
    );
    assert!(played.status.success(), "{}", stderr(&played));
    let store = Store::open(&db).expect("store");
    let oleg = store.trainee("Олег").expect("query").expect("exists");
    let attempts = store.attempts(&oleg).expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].mode, AttemptMode::Practice);
}
