//! `callcoach check` on broken fixtures (golden output) and on the bundled scenarios.

use super::{callcoach, repository, stdout};

/// Set `UPDATE_GOLDEN=1` to rewrite the expected files after reviewing a deliberate change.
const UPDATE: &str = "UPDATE_GOLDEN";

#[test]
fn broken_fixtures_match_their_golden_diagnostics() {
    let folder = repository().join("tests/fixtures/broken");
    let mut cases: Vec<String> = std::fs::read_dir(&folder)
        .expect("fixtures folder")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".expected"))
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 10,
        "at least ten broken fixtures, found {}",
        cases.len()
    );
    let mut mismatches = Vec::new();
    for case in &cases {
        let relative = format!("tests/fixtures/broken/{case}");
        let output = callcoach(&["check", &relative], "");
        let actual = format!(
            "{}exit {}\n",
            stdout(&output),
            output.status.code().unwrap_or(-1)
        );
        let expected_path = folder.join(format!("{}.expected", case.trim_end_matches(".ron")));
        if std::env::var_os(UPDATE).is_some() {
            std::fs::write(&expected_path, &actual).expect("golden file is writable");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        assert!(
            actual.contains(": error: "),
            "{case}: a broken fixture must produce an error"
        );
        if actual != expected {
            mismatches.push(format!(
                "--- {case}: expected\n{expected}--- actual\n{actual}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn bundled_scenarios_are_clean() {
    let output = callcoach(&["check"], "");
    let text = stdout(&output);
    assert!(output.status.success(), "check failed:\n{text}");
    assert!(
        !text.contains("error:") && !text.contains("warning:"),
        "{text}"
    );
    assert!(text.contains("ошибок — 0"), "{text}");
}

#[test]
fn a_missing_file_is_reported_not_a_crash() {
    let output = callcoach(&["check", "scenarios/no_such_file.ron"], "");
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text.contains(
            "scenarios/no_such_file.ron:1:1: error: не удалось прочитать файл: файла или папки нет"
        ),
        "{text}"
    );
}

#[test]
fn only_regular_files_are_read_a_bom_is_dropped_and_an_empty_folder_is_said() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| folder.path().join(name).to_str().expect("utf-8").to_owned();
    // A FIFO would block `check` forever; a device would be read until memory runs out.
    let fifo = path("x.ron");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    for (target, said) in [
        (fifo.as_str(), "это не обычный файл"),
        ("/dev/zero", "это не обычный файл"),
    ] {
        let output = callcoach(&["check", target], "");
        assert_eq!(output.status.code(), Some(1), "{target}");
        assert!(stdout(&output).contains(said), "{}", stdout(&output));
    }
    let named_like_a_file = path("y.ron");
    std::fs::create_dir(&named_like_a_file).expect("folder");
    let output = callcoach(&["check", &named_like_a_file], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("это папка"), "{}", stdout(&output));
    let empty = path("empty");
    std::fs::create_dir(&empty).expect("folder");
    let output = callcoach(&["check", &empty], "");
    assert!(
        stdout(&output).contains("warning: в папке нет ни одного файла .ron"),
        "{}",
        stdout(&output)
    );
    // Saved by an editor that writes a byte order mark: still the same scenario.
    let scenario =
        std::fs::read_to_string(repository().join("scenarios/storyteller.ron")).expect("bundled");
    let with_bom = path("bom.ron");
    std::fs::write(&with_bom, format!("\u{feff}{scenario}")).expect("written");
    let output = callcoach(&["check", &with_bom], "");
    assert!(output.status.success(), "{}", stdout(&output));
}
