//! `callcoach report` through the binary: a trainee's report in every format, the group report
//! kept for the examiner, and the HTML page rendered by a real headless browser.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{callcoach, callcoach_command, run_with_input, stderr, stdout};

const GREETING: &str = "Добрый день! Меня зовут Анна, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора.";

/// A database in a temporary folder where `trainee` played internet_down once per
/// (seed, replies).
fn played(trainee: &str, calls: &[(&str, String)]) -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().expect("temp dir");
    let db = folder.path().join("progress.sqlite");
    let db_arg = db.to_str().expect("utf-8").to_owned();
    let added = callcoach(&["--db", &db_arg, "trainee", "add", trainee], "");
    assert!(added.status.success(), "{}", stderr(&added));
    for (seed, replies) in calls {
        let played = callcoach(
            &[
                "--db",
                &db_arg,
                "play",
                "internet_down",
                "--text",
                "--seed",
                seed,
                "--trainee",
                trainee,
            ],
            replies,
        );
        assert!(played.status.success(), "{}", stderr(&played));
    }
    (folder, db)
}

/// A database with a trainee who made three practice calls.
fn history() -> (tempfile::TempDir, PathBuf) {
    played(
        "Анна Смирнова",
        &[
            (
                "1",
                "Алло.\nВы должны перезагрузить роутер.\n/end\n".to_owned(),
            ),
            ("2", format!("{GREETING}\nВы должны подождать.\n/end\n")),
            (
                "3",
                format!("{GREETING}\nСпасибо. Давайте я проверю линию до вашего дома.\n/end\n"),
            ),
        ],
    )
}

#[test]
fn a_trainees_report_comes_in_every_format() {
    let (_folder, db) = history();
    let db_arg = db.to_str().expect("utf-8");
    let text = callcoach(
        &["--db", db_arg, "report", "--trainee", "Анна Смирнова"],
        "",
    );
    assert!(text.status.success(), "{}", stderr(&text));
    assert!(stdout(&text).contains("Попытки (3)"), "{}", stdout(&text));
    assert!(
        stdout(&text).contains("2 × wording.obligation"),
        "{}",
        stdout(&text)
    );
    let csv = callcoach(
        &[
            "--db",
            db_arg,
            "report",
            "--trainee",
            "Анна Смирнова",
            "--format",
            "csv",
        ],
        "",
    );
    assert_eq!(stdout(&csv).lines().count(), 4, "{}", stdout(&csv));
    let json = callcoach(
        &[
            "--db",
            db_arg,
            "report",
            "--trainee",
            "Анна Смирнова",
            "--format",
            "json",
        ],
        "",
    );
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON");
    assert_eq!(value["trainee"], "Анна Смирнова");
}

#[test]
fn the_group_report_needs_the_examiner() {
    let (_folder, db) = history();
    let db_arg = db.to_str().expect("utf-8");
    // The binary with the examiner's passphrase (or none) in the environment.
    let run = |args: &[&str], passphrase: Option<&str>| {
        let mut command = callcoach_command(args);
        if let Some(passphrase) = passphrase {
            command.env("CALLCOACH_EXAMINER_PASSPHRASE", passphrase);
        }
        run_with_input(&mut command, "")
    };
    let refused = run(&["--db", db_arg, "report", "--all"], None);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "a trainee cannot list everyone"
    );
    let no_examiner = run(
        &["--db", db_arg, "report", "--all"],
        Some("я тоже экзаменатор"),
    );
    assert_eq!(
        no_examiner.status.code(),
        Some(2),
        "a report never makes anyone the examiner"
    );
    assert!(
        stderr(&no_examiner).contains("экзаменатор в этой базе не настроен"),
        "{}",
        stderr(&no_examiner)
    );
    // The quality service sets the examiner up deliberately.
    let init = run(
        &["--db", db_arg, "examiner", "init"],
        Some("служба качества"),
    );
    assert!(init.status.success(), "{}", stderr(&init));
    let wrong = run(&["--db", db_arg, "report", "--all"], Some("не тот пароль"));
    assert_eq!(wrong.status.code(), Some(2));
    assert_eq!(
        stderr(&wrong).trim(),
        "ошибка: неверный пароль экзаменатора",
        "a wrong passphrase is said as it is, not as a word about exams"
    );
    let allowed = run(
        &["--db", db_arg, "report", "--all", "--format", "csv"],
        Some("служба качества"),
    );
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    assert!(
        stdout(&allowed).contains("Анна Смирнова,3,3"),
        "{}",
        stdout(&allowed)
    );
}

/// The first headless browser found on this machine (`./test.sh` installs Chromium).
fn browser() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG file");
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    (number(16), number(20))
}

#[test]
fn the_html_report_renders_in_a_real_browser() {
    let (folder, db) = history();
    let page = folder.path().join("report.html");
    let made = callcoach(
        &[
            "--db",
            db.to_str().expect("utf-8"),
            "report",
            "--trainee",
            "Анна Смирнова",
            "--format",
            "html",
        ]
        .into_iter()
        .chain(["--out", page.to_str().expect("utf-8")])
        .collect::<Vec<_>>(),
        "",
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let browser =
        browser().expect("a headless Chromium (./test.sh installs the `chromium` package)");
    let shot = folder.path().join("report.png");
    let rendered = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg("--window-size=1000,1400")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("the browser runs");
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let bytes = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(png_size(&bytes), (1000, 1400));
    // A blank page compresses to a few kilobytes; the chart, tables and Cyrillic text do not.
    assert!(
        bytes.len() > 40_000,
        "the page is not blank: {} bytes",
        bytes.len()
    );
    if let Ok(folder) = std::env::var("CALLCOACH_SCREENSHOTS") {
        std::fs::copy(&shot, Path::new(&folder).join("report.png")).expect("kept for the README");
    }
}

#[test]
fn trainers_see_the_replies_customers_did_not_understand_most_frequent_first() {
    // Two calls stumble at the contract on the same words; one at the opening on others.
    let (_folder, db) = played(
        "Олег",
        &[
            ("1", format!("{GREETING}\nКакая у вас погода?\n/end\n")),
            (
                "2",
                format!("Слушаю вас внимательно.\n{GREETING}\nКакая у вас погода?\n/end\n"),
            ),
        ],
    );
    let db_arg = db.to_str().expect("utf-8").to_owned();
    let output = callcoach(
        &[
            "--db",
            &db_arg,
            "report",
            "--misunderstood",
            "internet_down",
        ],
        "",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("сценарий internet_down"), "{text}");
    let weather = text.find("2 × Какая у вас погода?").expect("counted twice");
    let listening = text
        .find("1 × Слушаю вас внимательно.")
        .expect("counted once");
    assert!(
        text.contains("шаг «contract» — не понято реплик: 2") && weather < listening,
        "the most misunderstood step and reply come first:\n{text}"
    );
    let json = callcoach(
        &[
            "--db",
            &db_arg,
            "report",
            "--misunderstood",
            "--format",
            "json",
        ],
        "",
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON");
    assert_eq!(report["scenario"], serde_json::Value::Null);
    assert_eq!(report["steps"][0]["step"], "contract");
    assert_eq!(report["steps"][0]["replies"][0][1], 2);
}

#[test]
fn a_report_file_never_replaces_the_database_a_link_or_an_unasked_file() {
    let (folder, db) = history();
    let db_arg = db.to_str().expect("utf-8");
    let db_before = std::fs::read(&db).expect("database");
    let report = |out: &Path, replace: bool| {
        let mut args = vec![
            "--db",
            db_arg,
            "report",
            "--trainee",
            "Анна Смирнова",
            "--out",
            out.to_str().expect("utf-8"),
        ];
        if replace {
            args.push("--force");
        }
        callcoach(&args, "")
    };
    let refused = report(&db, true);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("база прогресса"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read(&db).expect("database"), db_before);

    let existing = folder.path().join("notes.txt");
    std::fs::write(&existing, "чужой файл").expect("written");
    let refused = report(&existing, false);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    assert_eq!(
        std::fs::read_to_string(&existing).expect("kept"),
        "чужой файл"
    );

    let link = folder.path().join("link.txt");
    std::os::unix::fs::symlink(&existing, &link).expect("symlink");
    let refused = report(&link, true);
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&existing).expect("kept"),
        "чужой файл"
    );

    let fresh = folder.path().join("report.txt");
    assert!(report(&fresh, false).status.success());
    assert!(
        std::fs::read_to_string(&fresh)
            .expect("written")
            .contains("Попытки (3)")
    );
    assert!(
        report(&fresh, true).status.success(),
        "a report replaced on request"
    );
    let leftovers: Vec<_> = std::fs::read_dir(folder.path())
        .expect("folder")
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty());
}
