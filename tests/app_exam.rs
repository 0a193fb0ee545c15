//! Certification in the app without a window: the examiner opens exam mode with the passphrase,
//! a trainee sits a whole exam by keyboard, and the verdict, the signed certificate and the
//! debrief of each call are shown at the end.

use bevy::input::keyboard::Key;
use bevy::prelude::*;
use callcoach::app::Screen;
use callcoach::app::draft::Draft;
use callcoach::app::library::Library;
use callcoach::app::screens::call::{CallLog, Line};
use callcoach::app::screens::trainee::{Field, Trainees};
use callcoach::app::state::{ExamState, Sitting};
use callcoach_core::certificate::Certificate;
use callcoach_core::store::{AttemptMode, Store};

use super::app::{headless, press, screen, shown_texts, type_line, update_until};
use super::resolved_replies;

const PASSPHRASE: &str = "служба качества";

fn press_char(app: &mut App, character: &str) {
    press(
        app,
        KeyCode::KeyA,
        Key::Character(character.into()),
        Some(character),
    );
}

/// Puts a whole reply into the field and sends it (typing itself is tested key by key elsewhere).
fn say(app: &mut App, text: &str) {
    app.world_mut().resource_mut::<Draft>().0 = text.to_owned();
    press(app, KeyCode::Enter, Key::Enter, None);
}

/// Plays a bundled scenario's walkthrough to its resolved ending.
fn play_resolved(app: &mut App, id: &str) {
    play_replies(app, &resolved_replies(id));
}

/// Plays walkthrough replies: replies, and holds of the walkthrough's length in simulated
/// seconds.
pub(super) fn play_replies(app: &mut App, replies: &[String]) {
    for reply in replies {
        if let Some(seconds) = reply.strip_prefix("/hold ") {
            let seconds: u32 = seconds.parse().expect("seconds");
            press(app, KeyCode::F2, Key::F2, None);
            for _ in 1..seconds {
                app.update();
            }
            press(app, KeyCode::F2, Key::F2, None);
        } else {
            say(app, reply);
        }
    }
}

/// Whether the exam screen's sitting is there and in `state`.
pub(super) fn sitting_has(world: &World, state: impl Fn(&Sitting) -> bool) -> bool {
    world
        .resource::<ExamState>()
        .sitting
        .as_ref()
        .is_some_and(state)
}

/// An app on a fresh database with the bundled scenarios loaded, on the trainee screen.
fn fresh() -> (tempfile::TempDir, App) {
    let folder = tempfile::tempdir().expect("temp dir");
    let mut app = headless(&folder.path().join("progress.sqlite"));
    update_until(&mut app, "the trainee list and the scenarios", |world| {
        world.get_resource::<Trainees>().is_some() && world.get_resource::<Library>().is_some()
    });
    (folder, app)
}

/// F9, an existing examiner's passphrase, Enter; waits for the database's answer (it handles
/// the status question and the passphrase in the order they were sent).
fn open_exam_mode(app: &mut App, passphrase: &str) {
    press(app, KeyCode::F9, Key::F9, None);
    type_line(app, passphrase);
    update_until(app, "the examiner's answer", |world| {
        world.resource::<ExamState>().unlocked
            || !world
                .resource::<callcoach::app::state::Notice>()
                .0
                .is_empty()
    });
}

#[test]
fn an_examiner_opens_exam_mode_and_a_trainee_earns_a_certificate() {
    let (folder, mut app) = fresh();
    let db = folder.path().join("progress.sqlite");

    // The app never sets an examiner up: without one, F9 only says how QA does it.
    press(&mut app, KeyCode::F9, Key::F9, None);
    update_until(&mut app, "the database to say none is set up", |world| {
        *world.resource::<Field>() == Field::Passphrase { missing: true }
    });
    app.update();
    assert!(
        shown_texts(&mut app)
            .iter()
            .any(|text| text.contains("callcoach examiner init")),
        "the field says how QA sets the examiner up"
    );
    type_line(&mut app, "мой собственный пароль");
    app.update();
    assert!(!app.world().resource::<ExamState>().unlocked);
    press(&mut app, KeyCode::Escape, Key::Escape, None);
    app.update();
    Store::open(&db)
        .expect("store")
        .set_up_examiner(PASSPHRASE)
        .expect("db")
        .expect("QA sets the examiner up");

    // The passphrase is typed into the field and never shown.
    press(&mut app, KeyCode::F9, Key::F9, None);
    for c in PASSPHRASE.chars() {
        press_char(&mut app, &c.to_string());
    }
    app.update();
    let shown = shown_texts(&mut app);
    assert!(
        shown.iter().all(|text| !text.contains("служба")),
        "the passphrase is not shown: {shown:?}"
    );
    assert!(
        shown.iter().any(|text| text.starts_with("•••••")),
        "{shown:?}"
    );
    press(&mut app, KeyCode::Enter, Key::Enter, None);
    update_until(&mut app, "exam mode", |world| {
        world.resource::<ExamState>().unlocked
    });
    assert_eq!(
        screen(&app),
        Screen::Trainee,
        "the passphrase is no trainee"
    );

    type_line(&mut app, "Анна Смирнова");
    app.update();
    assert_eq!(screen(&app), Screen::Scenarios);
    press_char(&mut app, "у"); // E on the Russian layout
    app.update();
    assert_eq!(screen(&app), Screen::Exam);
    assert!(
        shown_texts(&mut app)
            .iter()
            .any(|text| text.contains("Базовая аттестация")),
        "the exams are listed"
    );
    press_char(&mut app, "1");
    update_until(&mut app, "the sitting to be admitted", |world| {
        sitting_has(world, |sitting| sitting.admitted)
    });

    let calls = ["internet_down", "warranty_repair", "fraud_sms"];
    for (index, id) in calls.iter().enumerate() {
        app.update();
        assert!(
            shown_texts(&mut app)
                .iter()
                .any(|text| text.starts_with(&format!("Звонок {} из 3", index + 1))),
            "the sitting says which call comes next"
        );
        press(&mut app, KeyCode::Enter, Key::Enter, None);
        app.update();
        assert_eq!(screen(&app), Screen::Call);
        assert!(
            shown_texts(&mut app)
                .iter()
                .any(|text| text.starts_with("ЭКЗАМЕН") && text.contains("подсказок нет"))
        );
        play_resolved(&mut app, id);
        let log = app.world().resource::<CallLog>().0.clone();
        assert!(
            !log.iter().any(|line| matches!(line, Line::Hint(_))),
            "no hints or live findings in an exam: {log:?}"
        );
        app.update();
        assert_eq!(
            screen(&app),
            Screen::Exam,
            "after call {id} the sitting goes on, no debrief yet: {log:?}"
        );
    }

    update_until(&mut app, "the verdict", |world| {
        sitting_has(world, |sitting| sitting.verdict.is_some())
    });
    app.update();
    let shown = shown_texts(&mut app);
    assert!(
        shown.iter().any(|text| text.starts_with("Экзамен сдан")),
        "{shown:?}"
    );
    assert!(
        shown
            .iter()
            .any(|text| text.starts_with("Сертификат № CC-")),
        "{shown:?}"
    );
    assert!(
        !app.world().resource::<ExamState>().unlocked,
        "exam mode closes with the sitting"
    );

    // The certificate on disk is signed by this database's examiner.
    let certificates: Vec<_> = std::fs::read_dir(folder.path().join("certificates"))
        .expect("the certificate folder")
        .map(|entry| entry.expect("entry").path())
        .collect();
    let json = certificates
        .iter()
        .find(|path| path.extension().is_some_and(|ext| ext == "json"))
        .expect("the signed JSON");
    assert!(
        certificates
            .iter()
            .any(|path| path.extension().is_some_and(|ext| ext == "html")),
        "and the printable page"
    );
    let certificate =
        Certificate::from_json(&std::fs::read_to_string(json).expect("read")).expect("parses");
    assert_eq!(certificate.trainee, "Анна Смирнова");
    assert_eq!(certificate.scenarios.len(), 3);
    let trusted = Store::open(&db)
        .expect("store")
        .trusted_keys()
        .expect("query");
    let verification = certificate.verify(callcoach_core::store::now_ms(), &trusted);
    assert!(verification.valid(), "{verification:?}");

    // Each call's debrief, then back to the result and out.
    press_char(&mut app, "2");
    app.update();
    assert_eq!(screen(&app), Screen::Debrief);
    let debrief = shown_texts(&mut app);
    assert!(
        debrief
            .iter()
            .any(|text| text.starts_with("Разбор звонка:")),
        "{debrief:?}"
    );
    assert!(debrief.iter().any(|text| text == "К итогам экзамена (Esc)"));
    press(&mut app, KeyCode::Escape, Key::Escape, None);
    app.update();
    assert_eq!(screen(&app), Screen::Exam);
    press(&mut app, KeyCode::Escape, Key::Escape, None);
    app.update();
    assert_eq!(screen(&app), Screen::Scenarios);

    drop(app);
    let store = Store::open(&db).expect("store");
    let trainee = store
        .trainee("Анна Смирнова")
        .expect("query")
        .expect("the trainee");
    let runs = store.exam_runs(&trainee, "basic").expect("runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].passed, Some(true));
    let attempts = store.attempts(&trainee).expect("attempts");
    assert_eq!(attempts.len(), 3);
    assert!(attempts.iter().all(|a| a.mode == AttemptMode::Exam));
    assert!(
        store.verify(None).expect("verify").problems.is_empty(),
        "the chain holds"
    );
}

#[test]
fn a_wrong_passphrase_keeps_exam_mode_closed() {
    let (folder, mut app) = fresh();
    {
        let store = Store::open(&folder.path().join("progress.sqlite")).expect("store");
        store
            .set_up_examiner(PASSPHRASE)
            .expect("query")
            .expect("set up");
    }
    open_exam_mode(&mut app, "угадайка123");
    assert!(!app.world().resource::<ExamState>().unlocked);
    assert!(
        shown_texts(&mut app)
            .iter()
            .any(|text| text.contains("неверный пароль экзаменатора")),
        "the refusal is said"
    );

    // Without exam mode the exam screen only says how to open it.
    press(&mut app, KeyCode::Escape, Key::Escape, None);
    type_line(&mut app, "Борис");
    app.update();
    press_char(&mut app, "e");
    app.update();
    assert_eq!(screen(&app), Screen::Exam);
    press_char(&mut app, "1");
    for _ in 0..20 {
        app.update();
    }
    assert!(app.world().resource::<ExamState>().sitting.is_none());
    assert!(
        shown_texts(&mut app)
            .iter()
            .any(|text| text.starts_with("Режим экзамена закрыт")),
    );
}

#[test]
fn a_trainee_who_failed_yesterday_is_told_when_the_next_sitting_is_allowed() {
    let (folder, mut app) = fresh();
    {
        let mut store = Store::open(&folder.path().join("progress.sqlite")).expect("store");
        store
            .set_up_examiner(PASSPHRASE)
            .expect("query")
            .expect("set up");
        let trainee = store.add_trainee("Вера").expect("trainee");
        let run = store
            .start_exam_run(&trainee, "basic", "", 7)
            .expect("sitting");
        store.finish_exam_run(run, false, 55).expect("failed");
    }
    // Typing her name picks her: she is already in the database.
    open_exam_mode(&mut app, PASSPHRASE);
    assert!(app.world().resource::<ExamState>().unlocked);
    type_line(&mut app, "Вера");
    app.update();
    press_char(&mut app, "e");
    app.update();
    press_char(&mut app, "1");
    update_until(&mut app, "the refusal", |world| {
        !world.resource::<ExamState>().refusal.is_empty()
    });
    app.update();
    let shown = shown_texts(&mut app);
    assert!(
        shown
            .iter()
            .any(|text| text.starts_with("Экзамен не начат:")
                && text.contains("нужно подождать 24 ч")),
        "{shown:?}"
    );
    assert!(
        app.world().resource::<ExamState>().sitting.is_none(),
        "nothing started"
    );
    assert!(
        app.world().resource::<ExamState>().unlocked,
        "exam mode stays open for another exam or trainee"
    );
}
