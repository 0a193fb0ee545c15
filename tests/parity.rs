//! The terminal and the app are two faces of one lifecycle: the same exam sitting, or the same
//! practice call, played with the same seed and the same replies through `callcoach` and
//! through the app (headless) leaves the same records in the database — scenarios, seeds,
//! hashes, every turn, scores, findings, the verdict and the certificate's fields.

use std::path::Path;
use std::sync::Arc;

use bevy::input::keyboard::Key;
use bevy::prelude::*;
use callcoach::app::library::{Library, load};
use callcoach::app::screens::trainee::Trainees;
use callcoach::app::state::ExamState;
use callcoach::app::{AppConfig, Screen};
use callcoach_core::exam::ExamSitting;
use rusqlite::Connection;

use super::app::{headless, press, screen, type_line, update_until};
use super::app_exam::{play_replies, sitting_has};
use super::exam::examiner_init;
use super::{
    add_trainee, callcoach, callcoach_command, repository, resolved_replies, run_with_input, stderr,
};

const PASSPHRASE: &str = "служба качества";
const TRAINEE: &str = "Анна Смирнова";
const SEED: u64 = 7;

/// Every row of `sql` as text, one string per row, its columns joined: what both databases must
/// agree on (ids, times, process ids and signatures are left out by the queries).
fn rows(db: &Path, sql: &str) -> Vec<String> {
    let connection = Connection::open(db).expect("the database opens");
    let mut statement = connection.prepare(sql).expect("query");
    let columns = statement.column_count();
    statement
        .query_map([], |row| {
            let values: Vec<String> = (0..columns)
                .map(|index| {
                    let value: rusqlite::types::Value = row.get(index)?;
                    Ok(format!("{value:?}"))
                })
                .collect::<rusqlite::Result<_>>()?;
            Ok(values.join(" | "))
        })
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
}

/// What a database recorded of its attempts and sittings.
fn records(db: &Path) -> Vec<String> {
    let mut all = Vec::new();
    for (what, sql) in [
        (
            "attempt",
            "SELECT t.name, a.mode, a.scenario_id, a.scenario_hash, a.rubric_hash, a.seed, \
             a.status, a.total, a.passed, a.exam_run_id IS NOT NULL, a.seal_seq \
             FROM attempts a JOIN trainees t ON t.id = a.trainee_id ORDER BY a.id",
        ),
        (
            "turn",
            "SELECT attempt_id, idx, speaker, text, hold_seconds, input, at_seconds \
             FROM turns ORDER BY attempt_id, idx",
        ),
        (
            "score",
            "SELECT attempt_id, category, score, max, passed, applicable \
             FROM category_scores ORDER BY attempt_id, category",
        ),
        (
            "finding",
            "SELECT attempt_id, rule, category, turn, span_start, span_end, severity, message, \
             suggestion FROM findings ORDER BY attempt_id, id",
        ),
        (
            "sitting",
            "SELECT exam_id, exam_hash, seed, passed, total, ended_at IS NOT NULL \
             FROM exam_runs ORDER BY id",
        ),
        (
            "certificate",
            // The number's year and sequence (its issuer id is each database's own).
            "SELECT substr(number, 1, 8) || substr(number, -6), json_remove(document, \
             '$.number', '$.issued_at', '$.valid_until', '$.public_key', '$.signature') \
             FROM certificates ORDER BY id",
        ),
    ] {
        all.extend(
            rows(db, sql)
                .into_iter()
                .map(|row| format!("{what}: {row}")),
        );
    }
    all
}

/// The trainee, added through the command line.
/// An app on `db` playing every call with [`SEED`], on the trainee screen, library loaded.
fn seeded_app(db: &Path) -> App {
    let mut app = headless(db);
    app.world_mut().resource_mut::<AppConfig>().seed = Some(SEED);
    update_until(&mut app, "the trainee list and the scenarios", |world| {
        world.get_resource::<Trainees>().is_some() && world.get_resource::<Library>().is_some()
    });
    app
}

fn press_char(app: &mut App, character: &str) {
    press(
        app,
        KeyCode::KeyA,
        Key::Character(character.into()),
        Some(character),
    );
}

#[test]
fn an_exam_sat_in_the_terminal_and_in_the_app_leaves_the_same_records() {
    let folder = tempfile::tempdir().expect("temp dir");
    let exam_id = "hold_and_conflict";
    // The draw both front ends make for this seed, in the order the calls come.
    let library = load(&repository().join("scenarios")).expect("the library loads");
    let (_, exam) = library
        .exams
        .iter()
        .find(|(_, exam)| exam.id == exam_id)
        .expect("the bundled exam");
    let scenarios: Vec<_> = library
        .scenarios
        .iter()
        .map(|(_, scenario)| Arc::new(scenario.clone()))
        .collect();
    let drawn: Vec<String> =
        ExamSitting::begin(Arc::new(exam.clone()), &scenarios, TRAINEE, Some(SEED))
            .expect("the sitting draws its calls")
            .scenarios()
            .iter()
            .map(|scenario| scenario.id.clone())
            .collect();

    // The terminal.
    let terminal = folder.path().join("terminal.sqlite");
    add_trainee(&terminal, TRAINEE);
    assert!(examiner_init(&terminal, PASSPHRASE).status.success());
    let input: String = drawn
        .iter()
        .map(|id| resolved_replies(id).join("\n") + "\n")
        .collect();
    let seed = SEED.to_string();
    let certificates = folder.path().join("terminal-certificates");
    let mut command = callcoach_command(&[
        "--db",
        terminal.to_str().expect("utf-8"),
        "exam",
        "start",
        exam_id,
        "--trainee",
        TRAINEE,
        "--seed",
        &seed,
        "--out",
        certificates.to_str().expect("utf-8"),
    ]);
    command.env("CALLCOACH_EXAMINER_PASSPHRASE", PASSPHRASE);
    let output = run_with_input(&mut command, &input);
    assert!(output.status.success(), "{}", stderr(&output));

    // The app: the examiner opens exam mode, the trainee sits the same exam.
    let window = folder.path().join("app.sqlite");
    add_trainee(&window, TRAINEE);
    assert!(examiner_init(&window, PASSPHRASE).status.success());
    let mut app = seeded_app(&window);
    press(&mut app, KeyCode::F9, Key::F9, None);
    type_line(&mut app, PASSPHRASE);
    update_until(&mut app, "exam mode", |world| {
        world.resource::<ExamState>().unlocked
    });
    type_line(&mut app, TRAINEE);
    app.update();
    assert_eq!(screen(&app), Screen::Scenarios);
    press_char(&mut app, "e");
    app.update();
    let position = library
        .exams
        .iter()
        .position(|(_, exam)| exam.id == exam_id)
        .expect("listed");
    press_char(&mut app, &(position + 1).to_string());
    update_until(&mut app, "the sitting to be admitted", |world| {
        sitting_has(world, |sitting| sitting.admitted)
    });
    for id in &drawn {
        app.update();
        press(&mut app, KeyCode::Enter, Key::Enter, None);
        app.update();
        assert_eq!(screen(&app), Screen::Call, "call {id} starts");
        play_replies(&mut app, &resolved_replies(id));
        app.update();
    }
    update_until(&mut app, "the verdict", |world| {
        sitting_has(world, |sitting| sitting.verdict.is_some())
    });
    drop(app);

    let from_terminal = records(&terminal);
    assert!(
        from_terminal
            .iter()
            .any(|row| row.starts_with("certificate: ")),
        "the sitting is passed and certified: {from_terminal:#?}"
    );
    assert_eq!(
        from_terminal.len(),
        records(&window).len(),
        "as many records"
    );
    assert_eq!(from_terminal, records(&window));
}

#[test]
fn a_practice_call_played_in_the_terminal_and_in_the_app_leaves_the_same_records() {
    let folder = tempfile::tempdir().expect("temp dir");
    let scenario = "internet_down";
    let replies = resolved_replies(scenario);

    let terminal = folder.path().join("terminal.sqlite");
    add_trainee(&terminal, TRAINEE);
    assert!(examiner_init(&terminal, PASSPHRASE).status.success());
    let seed = SEED.to_string();
    let output = callcoach(
        &[
            "--db",
            terminal.to_str().expect("utf-8"),
            "play",
            scenario,
            "--text",
            "--trainee",
            TRAINEE,
            "--seed",
            &seed,
        ],
        &(replies.join("\n") + "\n"),
    );
    assert!(output.status.success(), "{}", stderr(&output));

    let window = folder.path().join("app.sqlite");
    add_trainee(&window, TRAINEE);
    let mut app = seeded_app(&window);
    type_line(&mut app, TRAINEE);
    app.update();
    super::app::start_call(&mut app, scenario);
    play_replies(&mut app, &replies);
    app.update();
    assert_eq!(screen(&app), Screen::Debrief);
    drop(app);

    let from_terminal = records(&terminal);
    assert!(
        from_terminal
            .iter()
            .filter(|row| row.starts_with("turn: "))
            .count()
            > 5,
        "the call is recorded turn by turn: {from_terminal:#?}"
    );
    assert_eq!(from_terminal, records(&window));
}

#[test]
fn a_scenario_edited_or_removed_during_the_call_is_recorded_as_the_version_played() {
    let folder = tempfile::tempdir().expect("temp dir");
    let scenarios = folder.path().join("scenarios");
    std::fs::create_dir(&scenarios).expect("folder");
    let original = repository().join("scenarios/internet_down.ron");
    let played = std::fs::read_to_string(&original).expect("scenario");
    let file = scenarios.join("internet_down.ron");
    std::fs::write(&file, &played).expect("copy");
    let db = folder.path().join("progress.sqlite");
    add_trainee(&db, TRAINEE);
    let mut app = super::app::headless_on(&scenarios, &db);
    update_until(&mut app, "the trainee list and the scenarios", |world| {
        world.get_resource::<Trainees>().is_some() && world.get_resource::<Library>().is_some()
    });
    type_line(&mut app, TRAINEE);
    app.update();
    super::app::start_call(&mut app, "internet_down");
    assert_eq!(screen(&app), Screen::Call);
    // The trainer saves a new version, then the file disappears, while the call goes on.
    std::fs::write(
        &file,
        played.replace("Не работает интернет", "Нет интернета"),
    )
    .expect("edit");
    app.update();
    std::fs::remove_file(&file).expect("remove");
    play_replies(&mut app, &resolved_replies("internet_down"));
    app.update();
    assert_eq!(screen(&app), Screen::Debrief);
    drop(app);
    let hashes = rows(&db, "SELECT scenario_hash FROM attempts");
    assert_eq!(
        hashes,
        vec![format!(
            "Text({:?})",
            callcoach_core::source::content_hash(&played)
        )],
        "the attempt pins the text that was played, not an empty hash or a later file"
    );
}
