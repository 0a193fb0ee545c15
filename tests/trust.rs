//! The trust model through the binary, as QA meets it: a certificate a trainee issued to
//! themselves does not verify against QA's database or key; QA's checkpoint (`db anchor`)
//! catches a deleted attempt; QA's own key catches a replaced examiner; databases are never
//! invented, another program's file is never touched; two databases' certificates never
//! overwrite each other.

use std::path::Path;

use super::exam::{examiner_init, issued, passing_replies, setup};
use super::{
    add_trainee, callcoach, callcoach_command, repository, run_with_input, stderr, stdout,
};

const PASSPHRASE: &str = "служба качества";

fn with_passphrase(args: &[&str], passphrase: &str, stdin: &str) -> std::process::Output {
    let mut command = callcoach_command(args);
    command.env("CALLCOACH_EXAMINER_PASSPHRASE", passphrase);
    run_with_input(&mut command, stdin)
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8")
}

/// QA exports the public key of `db`'s examiner into `file`.
#[track_caller]
fn export_public_key(db: &Path, file: &Path) {
    let exported = with_passphrase(
        &["--db", arg(db), "examiner", "export", arg(file)],
        PASSPHRASE,
        "",
    );
    assert!(exported.status.success(), "{}", stderr(&exported));
}

/// Passes the basic exam on `db` with the bundled scenarios and QA's passphrase; the
/// certificate file it wrote into `out`.
fn certified(db: &Path, out: &Path) -> std::path::PathBuf {
    let sat = pass_exam(&repository().join("scenarios"), db, out, PASSPHRASE);
    assert!(stdout(&sat).contains("Экзамен сдан"), "{}", stdout(&sat));
    issued(out, "json").remove(0)
}

/// A sitting of the basic exam for Анна Смирнова, played to a pass, from `scenarios`.
fn pass_exam(scenarios: &Path, db: &Path, out: &Path, passphrase: &str) -> std::process::Output {
    with_passphrase(
        &[
            "--scenarios",
            arg(scenarios),
            "--db",
            arg(db),
            "exam",
            "start",
            "basic",
            "--trainee",
            "Анна Смирнова",
            "--seed",
            "1",
            "--out",
            arg(out),
        ],
        passphrase,
        &passing_replies(),
    )
}

#[test]
fn a_self_issued_certificate_is_refused_by_qas_database_and_key() {
    // QA's database, and QA's public key exported for checking.
    let (qa_folder, qa_db) = setup();
    let qa_key = qa_folder.path().join("qa.pub");
    export_public_key(&qa_db, &qa_key);
    let key_text = std::fs::read_to_string(&qa_key).expect("key file");
    assert!(!key_text.contains("private_key"), "public only: {key_text}");

    // The trainee copies the scenarios, sets the pass mark to 0 and examines themselves.
    let own = tempfile::tempdir().expect("temp dir");
    let scenarios = own.path().join("scenarios");
    std::fs::create_dir_all(scenarios.join("exams")).expect("folders");
    for entry in std::fs::read_dir(repository().join("scenarios")).expect("scenarios") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "ron") {
            std::fs::copy(&path, scenarios.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    let exam_text = std::fs::read_to_string(repository().join("scenarios/exams/basic.ron"))
        .expect("exam")
        .replace("total: 70", "total: 0");
    std::fs::write(scenarios.join("exams/basic.ron"), exam_text).expect("lowered");
    let own_db = own.path().join("own.sqlite");
    add_trainee(&own_db, "Анна Смирнова");
    assert!(
        examiner_init(&own_db, "мой собственный пароль")
            .status
            .success()
    );
    let sat = pass_exam(&scenarios, &own_db, own.path(), "мой собственный пароль");
    assert!(stdout(&sat).contains("Экзамен сдан"), "{}", stdout(&sat));
    let certificate = issued(own.path(), "json").remove(0);

    // Checked against QA's database: the key is nobody QA trusts.
    let refused = callcoach(
        &["--db", arg(&qa_db), "cert", "verify", arg(&certificate)],
        "",
    );
    assert_eq!(refused.status.code(), Some(1));
    let text = stdout(&refused);
    assert!(
        text.starts_with("СЕРТИФИКАТ НЕДЕЙСТВИТЕЛЕН: ключ, которым он подписан"),
        "{text}"
    );
    assert!(
        text.contains("не подтверждено"),
        "claims are not shown as facts: {text}"
    );
    // Against QA's key file, and against a database with no examiner at all.
    let empty_db = own.path().join("empty.sqlite");
    add_trainee(&empty_db, "Кто-то");
    let by_key = callcoach(
        &[
            "--db",
            arg(&empty_db),
            "cert",
            "verify",
            arg(&certificate),
            "--key",
            arg(&qa_key),
        ],
        "",
    );
    assert_eq!(by_key.status.code(), Some(1), "{}", stdout(&by_key));
    let nothing = callcoach(
        &["--db", arg(&empty_db), "cert", "verify", arg(&certificate)],
        "",
    );
    assert_eq!(nothing.status.code(), Some(1));
    assert!(
        stdout(&nothing).contains("не на что опереться"),
        "{}",
        stdout(&nothing)
    );
}

#[test]
fn an_examiner_installed_on_another_desktop_issues_certificates_qa_trusts() {
    let (qa_folder, qa_db) = setup();
    let bundle = qa_folder.path().join("qa.examiner");
    let exported = with_passphrase(
        &[
            "--db",
            arg(&qa_db),
            "examiner",
            "export",
            arg(&bundle),
            "--with-secret",
        ],
        PASSPHRASE,
        "",
    );
    assert!(exported.status.success(), "{}", stderr(&exported));
    let again = with_passphrase(
        &["--db", arg(&qa_db), "examiner", "export", arg(&bundle)],
        PASSPHRASE,
        "",
    );
    assert_eq!(
        again.status.code(),
        Some(2),
        "an existing file is never replaced"
    );

    let desk = tempfile::tempdir().expect("temp dir");
    let desk_db = desk.path().join("desk.sqlite");
    add_trainee(&desk_db, "Анна Смирнова");
    let imported = with_passphrase(
        &["--db", arg(&desk_db), "examiner", "import", arg(&bundle)],
        PASSPHRASE,
        "",
    );
    assert!(imported.status.success(), "{}", stderr(&imported));
    let certificate = certified(&desk_db, desk.path());
    let verified = callcoach(
        &["--db", arg(&qa_db), "cert", "verify", arg(&certificate)],
        "",
    );
    assert!(verified.status.success(), "{}", stdout(&verified));
}

#[test]
fn a_checkpoint_catches_a_deleted_attempt_and_qas_key_a_replaced_examiner() {
    let (folder, db) = setup();
    let played = callcoach(
        &[
            "--db",
            arg(&db),
            "play",
            "internet_down",
            "--text",
            "--trainee",
            "Анна Смирнова",
        ],
        "Добрый день!\n/end\n",
    );
    assert!(played.status.success(), "{}", stderr(&played));
    let anchored = with_passphrase(&["--db", arg(&db), "db", "anchor"], PASSPHRASE, "");
    assert!(anchored.status.success(), "{}", stderr(&anchored));
    assert!(
        stdout(&anchored).contains("Контрольная точка № 1"),
        "{}",
        stdout(&anchored)
    );
    let verified = callcoach(&["--db", arg(&db), "db", "verify"], "");
    assert!(verified.status.success(), "{}", stdout(&verified));
    assert!(
        stdout(&verified).contains("контрольная точка № 1"),
        "{}",
        stdout(&verified)
    );

    let key = folder.path().join("qa.pub");
    export_public_key(&db, &key);

    // The trainee deletes their poor call.
    let raw = rusqlite::Connection::open(&db).expect("raw");
    raw.execute_batch(
        "DELETE FROM findings; DELETE FROM category_scores; DELETE FROM turns; DELETE FROM attempts;",
    )
    .expect("deleted");
    let caught = callcoach(&["--db", arg(&db), "db", "verify"], "");
    assert_eq!(caught.status.code(), Some(1));
    assert!(
        stdout(&caught).contains("удалены попытки"),
        "{}",
        stdout(&caught)
    );

    // Then replaces the examiner with one of their own and re-anchors: the file now vouches for
    // itself, QA's key does not.
    raw.execute_batch("DELETE FROM settings WHERE key LIKE 'examiner_%'; DELETE FROM checkpoints;")
        .expect("examiner removed");
    drop(raw);
    assert!(
        examiner_init(&db, "мой собственный пароль")
            .status
            .success()
    );
    assert!(
        with_passphrase(
            &["--db", arg(&db), "db", "anchor"],
            "мой собственный пароль",
            ""
        )
        .status
        .success()
    );
    assert!(
        callcoach(&["--db", arg(&db), "db", "verify"], "")
            .status
            .success()
    );
    let pinned = callcoach(&["--db", arg(&db), "db", "verify", "--key", arg(&key)], "");
    assert_eq!(pinned.status.code(), Some(1));
    assert!(
        stdout(&pinned).contains("не доверяет"),
        "{}",
        stdout(&pinned)
    );
}

#[test]
fn commands_that_read_never_create_a_database() {
    let folder = tempfile::tempdir().expect("temp dir");
    let mistyped = folder.path().join("progres.sqlite");
    for args in [
        vec!["db", "verify"],
        vec!["trainee", "list"],
        vec!["report", "--trainee", "Анна"],
    ] {
        let mut full = vec!["--db", arg(&mistyped)];
        full.extend(args.iter().copied());
        let output = callcoach(&full, "");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains("базы прогресса нет"),
            "{}",
            stderr(&output)
        );
    }
    let nested = folder.path().join("no_such_folder/progress.sqlite");
    let added = callcoach(&["--db", arg(&nested), "trainee", "add", "Анна"], "");
    assert_eq!(added.status.code(), Some(2));
    assert!(
        stderr(&added).contains("папки для базы прогресса нет"),
        "{}",
        stderr(&added)
    );
    assert_eq!(
        std::fs::read_dir(folder.path()).expect("folder").count(),
        0,
        "nothing was created"
    );
}

#[test]
fn another_programs_database_is_refused_untouched() {
    let folder = tempfile::tempdir().expect("temp dir");
    let other = folder.path().join("contacts.sqlite");
    rusqlite::Connection::open(&other)
        .expect("raw")
        .execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Анна');")
        .expect("another program's data");
    let before = std::fs::read(&other).expect("read");
    let output = callcoach(&["--db", arg(&other), "trainee", "add", "Анна"], "");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("это база другой программы"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read(&other).expect("read"), before);
}

#[test]
fn certificates_of_two_databases_never_overwrite_each_other() {
    let out = tempfile::tempdir().expect("temp dir");
    let scenarios = repository().join("scenarios");
    let (_first_folder, first) = setup();
    let (_second_folder, second) = setup();
    for db in [&first, &second] {
        let sat = pass_exam(&scenarios, db, out.path(), PASSPHRASE);
        assert!(stdout(&sat).contains("Экзамен сдан"), "{}", stdout(&sat));
    }
    let json = issued(out.path(), "json");
    assert_eq!(json.len(), 2, "two certificates, neither lost: {json:?}");
    assert_eq!(issued(out.path(), "html").len(), 2);
    // Each is its own database's: it verifies against that one and not the other.
    for path in &json {
        let verifies = |db: &Path| {
            callcoach(&["--db", arg(db), "cert", "verify", arg(path)], "")
                .status
                .success()
        };
        assert!(
            verifies(&first) != verifies(&second),
            "{} verifies against exactly one database",
            path.display()
        );
    }
}

#[test]
fn a_second_examiner_is_trusted_only_once_qa_signs_their_key_in() {
    let (qa_folder, qa_db) = setup();
    let (kazan_folder, kazan_db) = setup();
    let certificate = certified(&kazan_db, kazan_folder.path());
    let before = callcoach(
        &["--db", arg(&qa_db), "cert", "verify", arg(&certificate)],
        "",
    );
    assert_eq!(before.status.code(), Some(1), "{}", stdout(&before));

    let kazan_key = qa_folder.path().join("kazan.pub");
    export_public_key(&kazan_db, &kazan_key);
    let wrong = with_passphrase(
        &[
            "--db",
            arg(&qa_db),
            "examiner",
            "trust",
            arg(&kazan_key),
            "--name",
            "Казань",
        ],
        "не тот пароль",
        "",
    );
    assert_eq!(wrong.status.code(), Some(2), "only QA signs a key in");
    let trusted = with_passphrase(
        &[
            "--db",
            arg(&qa_db),
            "examiner",
            "trust",
            arg(&kazan_key),
            "--name",
            "Казань",
        ],
        PASSPHRASE,
        "",
    );
    assert!(trusted.status.success(), "{}", stderr(&trusted));
    let after = callcoach(
        &["--db", arg(&qa_db), "cert", "verify", arg(&certificate)],
        "",
    );
    assert!(after.status.success(), "{}", stdout(&after));
}

#[test]
fn qa_pinning_its_key_needs_a_checkpoint_it_signed() {
    let (folder, db) = setup();
    let key = folder.path().join("qa.pub");
    export_public_key(&db, &key);
    let nothing = callcoach(&["--db", arg(&db), "db", "verify", "--key", arg(&key)], "");
    assert_eq!(nothing.status.code(), Some(1));
    assert!(
        stdout(&nothing).contains("нет ни одной контрольной точки"),
        "{}",
        stdout(&nothing)
    );
    assert!(
        with_passphrase(&["--db", arg(&db), "db", "anchor"], PASSPHRASE, "")
            .status
            .success()
    );
    let anchored = callcoach(&["--db", arg(&db), "db", "verify", "--key", arg(&key)], "");
    assert!(anchored.status.success(), "{}", stdout(&anchored));
    assert!(
        stdout(&anchored).contains("совпадает с указанным"),
        "{}",
        stdout(&anchored)
    );
}
