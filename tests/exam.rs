//! Certification through the real binary: the examiner's passphrase, a sitting of three calls, a
//! signed certificate that verifies (and a forged one that does not), the wait after a failure,
//! and exam-only scenarios kept out of practice.

use std::path::Path;
use std::process::Output;

use callcoach_core::store::Store;

use super::{
    callcoach, callcoach_command, repository, resolved_replies, run_with_input, stderr, stdout,
};

const PASSPHRASE: &str = "служба качества";

/// A scenario's resolved walkthrough as piped input.
fn resolved_input(id: &str) -> String {
    resolved_replies(id).join("\n") + "\n"
}

fn exam(db: &Path, out: &Path, passphrase: Option<&str>, stdin: &str) -> Output {
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
    run_with_input(&mut command, stdin)
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
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
    (folder, db)
}

#[test]
fn a_passed_exam_issues_a_signed_certificate_that_verifies() {
    let (folder, db) = setup();
    let replies: String = ["internet_down", "warranty_repair", "fraud_sms"]
        .into_iter()
        .map(resolved_input)
        .collect();
    let output = exam(&db, folder.path(), Some(PASSPHRASE), &replies);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}\n{}", stderr(&output));
    assert!(
        text.contains("Пароль экзаменатора задан"),
        "first use sets it:\n{text}"
    );
    assert!(
        !text.contains("Замечание:") && !text.contains("Подсказка:"),
        "no hints in an exam"
    );
    assert!(text.contains("Экзамен сдан"), "{text}");
    // The number carries the year of issue: CC-<year>-000001.
    let issued = |extension: &str| {
        std::fs::read_dir(folder.path())
            .expect("out folder")
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .find(|path| {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                name.starts_with("CC-") && name.ends_with(&format!("-000001.{extension}"))
            })
            .unwrap_or_else(|| panic!("a .{extension} certificate is written"))
    };
    let (json, html) = (issued("json"), issued("html"));
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
        stdout(&verified).contains("Подпись верна"),
        "{}",
        stdout(&verified)
    );
    assert!(stdout(&verified).contains("Сертификат действителен"));

    let forged = folder.path().join("forged.json");
    let document = std::fs::read_to_string(&json).expect("json");
    std::fs::write(&forged, document.replace("Анна Смирнова", "Олег Петров")).expect("forged");
    let refused = callcoach(&["cert", "verify", forged.to_str().expect("utf-8")], "");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stdout(&refused).contains("ПОДПИСЬ НЕ СХОДИТСЯ"),
        "{}",
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
    assert!(store.verify().expect("verify").is_empty());
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
    let first = exam(&db, folder.path(), Some(PASSPHRASE), "/end\n/end\n/end\n");
    assert!(first.status.success(), "{}", stderr(&first));
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
    let exam_mode = callcoach(
        &[
            "--scenarios",
            dir,
            "play",
            "secret_call",
            "--text",
            "--exam",
        ],
        "/end\n",
    );
    assert!(exam_mode.status.success(), "{}", stderr(&exam_mode));
}
