//! Everything a trainee, trainer or QA reads from the binary is Russian: the help of every
//! command, argument errors, scenario errors (which never quote a file that is not a scenario),
//! and the causes underneath — RON, SQLite, the system.

use super::{callcoach, stderr, stdout};

/// Words of English that clap, serde, RON, SQLite or std would leave in a message.
const ENGLISH: [&str; 14] = [
    "Usage",
    "Options",
    "Commands",
    "Arguments",
    "Print",
    "error:",
    "expected",
    "invalid",
    "unexpected",
    "found",
    "For more information",
    "Integer",
    "database",
    "os error",
];

#[track_caller]
fn assert_russian(text: &str) {
    assert!(
        text.chars().any(|c| matches!(c, 'а'..='я' | 'А'..='Я')),
        "not Russian: {text}"
    );
    for word in ENGLISH {
        assert!(!text.contains(word), "English «{word}» in:\n{text}");
    }
}

#[test]
fn the_help_of_every_command_is_russian() {
    let commands: &[&[&str]] = &[
        &[],
        &["play"],
        &["score"],
        &["check"],
        &["trainee"],
        &["trainee", "add"],
        &["db"],
        &["db", "verify"],
        &["db", "anchor"],
        &["exam", "start"],
        &["cert", "verify"],
        &["examiner"],
        &["examiner", "init"],
        &["examiner", "export"],
        &["report"],
        &["team"],
        &["team", "init"],
        &["team", "join"],
        &["team", "sync"],
        &["team", "status"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let output = callcoach(&args, "");
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        let help = stdout(&output);
        assert!(help.contains("Использование: callcoach"), "{help}");
        // The check command's own output format is `file:line:col: error: …`, a contract.
        assert_russian(&help.replace("error: …", ""));
        // Every value placeholder is Russian too: no <ADDRESS>, no --cohort <COHORT>.
        assert!(
            !help
                .split('<')
                .skip(1)
                .any(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase())),
            "a Latin placeholder in:\n{help}"
        );
    }
}

#[test]
fn argument_errors_are_said_in_russian() {
    for (args, said) in [
        (vec!["--seeed", "1"], "неизвестный параметр «--seeed»"),
        (vec!["nosuch"], "неизвестная команда «nosuch»"),
        (
            vec!["report", "--trainee", "А", "--format", "xml"],
            "недопустимое значение «xml» для --format",
        ),
        (
            vec!["play", "internet_down", "--seed", "abc"],
            "нужно целое неотрицательное число",
        ),
        (vec!["play"], "не хватает обязательного: <СЦЕНАРИЙ>"),
    ] {
        let output = callcoach(&args, "");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = stderr(&output);
        assert!(message.starts_with("ошибка: "), "{message}");
        assert!(message.contains(said), "{args:?}: {message}");
        assert_russian(&message);
    }
}

#[test]
fn a_file_that_is_not_a_scenario_is_never_quoted() {
    let folder = tempfile::tempdir().expect("temp dir");
    let secret = "root:$6$saltsalt$секретныйхэш:19000:0:99999:7:::\nAPI_TOKEN=sk-live-51HqZ\n";
    for name in ["shadow", "shadow.ron"] {
        let path = folder.path().join(name);
        std::fs::write(&path, secret).expect("written");
        for args in [
            vec!["check", path.to_str().expect("utf-8")],
            vec!["play", path.to_str().expect("utf-8"), "--text"],
        ] {
            let output = callcoach(&args, "/end\n");
            let said = format!("{}{}", stdout(&output), stderr(&output));
            assert!(!output.status.success(), "{args:?}");
            for leaked in ["root", "saltsalt", "секретный", "API_TOKEN", "sk-live"] {
                assert!(!said.contains(leaked), "{args:?} leaks «{leaked}»: {said}");
            }
            assert!(said.contains("не "), "{said}");
        }
    }
}

#[test]
fn scenario_values_out_of_range_are_named_in_russian() {
    let folder = tempfile::tempdir().expect("temp dir");
    let original = std::fs::read_to_string(super::repository().join("scenarios/internet_down.ron"))
        .expect("scenario");
    let mood_line = original
        .lines()
        .find(|line| line.trim_start().starts_with("hangs_up_at:"))
        .expect("hangs_up_at")
        .to_owned();
    let patience_line = original
        .lines()
        .find(|line| line.trim_start().starts_with("hold_patience:"))
        .expect("hold_patience")
        .to_owned();
    for (broken, said) in [
        (
            original.replace(&mood_line, "        hangs_up_at: NaN,"),
            "порог, при котором клиент бросает трубку, — не число",
        ),
        (
            original.replace(&patience_line, "        hold_patience: 99999999999999,"),
            "число вне допустимого диапазона",
        ),
    ] {
        let path = folder.path().join("broken.ron");
        std::fs::write(&path, broken).expect("written");
        let output = callcoach(&["check", path.to_str().expect("utf-8")], "");
        assert_eq!(output.status.code(), Some(1));
        let text = stdout(&output);
        assert!(text.contains(said), "{text}");
        assert_russian(&text.replace("error:", ""));
    }
}

#[test]
fn a_system_error_underneath_is_said_in_russian() {
    let folder = tempfile::tempdir().expect("temp dir");
    // The transcript goes into a folder that is not there: the system's reason, in Russian.
    let missing = folder.path().join("нет/такой/папки/call.json");
    let output = callcoach(
        &[
            "play",
            "internet_down",
            "--text",
            "--transcript",
            missing.to_str().expect("utf-8"),
        ],
        "/end\n",
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("файла или папки нет"), "{message}");
    assert_russian(&message);
}
