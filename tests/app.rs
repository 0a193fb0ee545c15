//! The app without a window: `MinimalPlugins`, simulated typing and simulated time drive a whole
//! call through the screens, and the test reads what the screens show.

use std::path::Path;
use std::time::Duration;

use bevy::input::ButtonState;
use bevy::input::InputPlugin;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use bevy::time::TimeUpdateStrategy;
use callcoach::app::library::Library;
use callcoach::app::screens::call::{CallLog, Line};
use callcoach::app::screens::trainee::Trainees;
use callcoach::app::state::LastCall;
use callcoach::app::theme::Action;
use callcoach::app::{AppConfig, Screen};
use callcoach_core::store::{AttemptStatus, Store};

use super::repository;

/// A headless app on the bundled scenarios and the database `db`; time advances one simulated
/// second per update.
pub(super) fn headless(db: &Path) -> App {
    headless_on(&repository().join("scenarios"), db)
}

/// A headless app on the scenario folder `scenarios`.
pub(super) fn headless_on(scenarios: &Path, db: &Path) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin, InputPlugin));
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs(1)));
    app.insert_resource(AppConfig {
        scenarios: scenarios.to_owned(),
        db: db.to_owned(),
        demo: None,
        seed: None,
    });
    app.add_plugins(callcoach::app::plugin);
    // Virtual time clamps a step to 250 ms by default; a simulated second must stay a second.
    app.world_mut()
        .resource_mut::<Time<Virtual>>()
        .set_max_delta(Duration::from_secs(2));
    app
}

/// Updates until `ready` holds (background threads answer), failing after a while.
#[track_caller]
pub(super) fn update_until(app: &mut App, what: &str, ready: impl Fn(&World) -> bool) {
    for _ in 0..3000 {
        app.update();
        if ready(app.world()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("gave up waiting for {what}");
}

pub(super) fn press(app: &mut App, key_code: KeyCode, logical_key: Key, text: Option<&str>) {
    let window = Entity::PLACEHOLDER;
    app.world_mut().write_message(KeyboardInput {
        key_code,
        logical_key,
        state: ButtonState::Pressed,
        text: text.map(Into::into),
        repeat: false,
        window,
    });
    app.update();
}

/// Types text as a keyboard would, one character per key press, then Enter.
pub(super) fn type_line(app: &mut App, text: &str) {
    for c in text.chars() {
        let character = c.to_string();
        press(
            app,
            KeyCode::KeyA,
            Key::Character(character.as_str().into()),
            Some(&character),
        );
    }
    press(app, KeyCode::Enter, Key::Enter, None);
}

/// An app on a fresh database where `name` has typed their name and the scenarios have loaded.
pub(super) fn signed_in(name: &str) -> (tempfile::TempDir, App) {
    let folder = tempfile::tempdir().expect("temp dir");
    let mut app = headless(&folder.path().join("progress.sqlite"));
    update_until(&mut app, "the trainee list", |world| {
        world.get_resource::<Trainees>().is_some()
    });
    type_line(&mut app, name);
    update_until(&mut app, "the scenarios", |world| {
        world.get_resource::<Library>().is_some()
    });
    (folder, app)
}

/// Starts a practice call of `scenario` as its card would.
pub(super) fn start_call(app: &mut App, scenario: &str) {
    app.world_mut()
        .write_message(Action::StartScenario(scenario.to_owned()));
    app.update();
    app.update();
}

pub(super) fn screen(app: &App) -> Screen {
    *app.world().resource::<State<Screen>>().get()
}

pub(super) fn shown_texts(app: &mut App) -> Vec<String> {
    let world = app.world_mut();
    let mut query = world.query::<&Text>();
    query.iter(world).map(|text| text.0.clone()).collect()
}

#[test]
fn a_whole_call_from_trainee_to_debrief() {
    let folder = tempfile::tempdir().expect("temp dir");
    let db = folder.path().join("progress.sqlite");
    let mut app = headless(&db);
    update_until(&mut app, "the trainee list", |world| {
        world.get_resource::<Trainees>().is_some()
    });
    assert_eq!(screen(&app), Screen::Trainee);

    type_line(&mut app, "Анна Смирнова");
    app.update();
    assert_eq!(
        screen(&app),
        Screen::Scenarios,
        "typing a name and Enter continues"
    );
    update_until(&mut app, "the scenarios", |world| {
        world.get_resource::<Library>().is_some()
    });
    app.update();
    assert!(
        shown_texts(&mut app)
            .iter()
            .any(|text| text.contains("Не работает интернет")),
        "the scenario cards are shown"
    );

    start_call(&mut app, "internet_down");
    assert_eq!(screen(&app), Screen::Call);
    type_line(
        &mut app,
        "Добрый день! Меня зовут Анна, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора.",
    );
    type_line(&mut app, "Спасибо. Давайте я проверю линию до вашего дома.");
    type_line(
        &mut app,
        "Оставайтесь, пожалуйста, на линии, проверка займёт около двух минут.",
    );
    press(&mut app, KeyCode::F2, Key::F2, None);
    let on_hold = shown_texts(&mut app);
    assert!(
        on_hold
            .iter()
            .any(|text| text.starts_with("На удержании") && text.contains("обещано 2:00")),
        "the hold timer runs against the promise: {on_hold:?}"
    );
    for _ in 0..90 {
        app.update();
    }
    press(&mut app, KeyCode::F2, Key::F2, None);
    type_line(
        &mut app,
        "Спасибо за ожидание! Линия в порядке. Вам необходимо перезагрузить роутер, потому что он мог зависнуть.",
    );
    type_line(
        &mut app,
        "Понимаю. Когда вы будете дома, я перезвоню, и мы перезагрузим его вместе. В восемь вам удобно?",
    );
    type_line(
        &mut app,
        "Отлично, перезвоню в восемь. Остались ли у вас ещё вопросы?",
    );
    type_line(&mut app, "Спасибо за звонок, всего доброго!");

    let log = app.world().resource::<CallLog>().0.clone();
    assert!(
        log.iter()
            .any(|line| matches!(line, Line::Customer(text) if text.contains("Договор"))),
        "the customer answered: {log:?}"
    );
    assert!(
        log.iter().any(
            |line| matches!(line, Line::Note(text) if text.contains("Удержание окончено через 1:3"))
        ),
        "the hold lasted the simulated seconds: {log:?}"
    );
    app.update();
    assert_eq!(screen(&app), Screen::Debrief, "{log:?}");
    let last = app.world().resource::<LastCall>().clone();
    assert!(
        last.report.passed,
        "{}",
        callcoach::render::debrief::debrief(&last.report, &last.transcript)
    );
    app.update();
    let debrief = shown_texts(&mut app);
    assert!(
        debrief
            .iter()
            .any(|text| text.starts_with("Разбор звонка: 100 из 100 — СДАНО")),
        "{debrief:?}"
    );
    assert!(
        debrief
            .iter()
            .any(|text| text.contains("Удержание: 20 из 20 — сдано"))
    );

    // Closing the app lets the database thread finish its queue: every turn and the score are
    // on disk the moment the app is gone.
    drop(app);
    let attempts = || {
        let store = Store::open(&db).expect("store");
        let trainee = store.trainee("Анна Смирнова").expect("query")?;
        store.attempts(&trainee).ok()
    };
    let list = attempts().expect("the trainee is in the database");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].status, AttemptStatus::Finished);
    assert_eq!(list[0].total, Some(last.report.total));
    assert_eq!(list[0].turns, last.transcript.turns.len());
}

#[test]
fn a_wording_mistake_shows_a_live_finding_and_is_highlighted_in_the_debrief() {
    let (_folder, mut app) = signed_in("Олег");
    start_call(&mut app, "internet_down");
    type_line(
        &mut app,
        "Добрый день! Меня зовут Олег, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора.",
    );
    type_line(&mut app, "Вы должны перезагрузить роутер.");
    let log = app.world().resource::<CallLog>().0.clone();
    assert!(
        log.iter().any(|line| matches!(line, Line::Hint(text) if text.contains("Клиент никому ничего не должен") && text.contains("«вам необходимо»"))),
        "a live hint right after the reply: {log:?}"
    );
    press(&mut app, KeyCode::F4, Key::F4, None);
    app.update();
    assert_eq!(screen(&app), Screen::Debrief);
    app.update();
    let world = app.world_mut();
    let mut spans = world.query::<(&TextSpan, &TextColor)>();
    let red: Vec<String> = spans
        .iter(world)
        .filter(|(_, colour)| colour.0 == callcoach::app::theme::BAD)
        .map(|(span, _)| span.0.clone())
        .collect();
    assert!(
        red.contains(&"Вы должны".to_owned()),
        "the words at fault are highlighted: {red:?}"
    );
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG file");
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    (number(16), number(20))
}

#[test]
fn the_demo_renders_every_screen_in_a_real_window() {
    let xvfb = std::process::Command::new("xvfb-run")
        .arg("--help")
        .output()
        .is_ok();
    assert!(xvfb, "xvfb-run is needed (./test.sh installs xvfb)");
    let folder = tempfile::tempdir().expect("temp dir");
    let runtime = folder.path().join("xdg");
    std::fs::create_dir_all(&runtime).expect("runtime dir");
    let shots = folder.path().join("shots");
    let output = std::process::Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x1024x24"])
        .arg(env!("CARGO_BIN_EXE_callcoach"))
        .arg("--demo-screenshots")
        .arg(&shots)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("XDG_RUNTIME_DIR", &runtime)
        .env_remove("CALLCOACH_SCENARIOS")
        .output()
        .expect("the demo runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for name in [
        "01-trainee.png",
        "02-scenarios.png",
        "03-call.png",
        "04-debrief.png",
        "05-progress.png",
        "06-exam.png",
        "07-settings.png",
    ] {
        let bytes = std::fs::read(shots.join(name)).unwrap_or_else(|_| panic!("{name} is saved"));
        assert_eq!(png_size(&bytes), (1280, 800), "{name}");
        // A blank window compresses to a few kilobytes; text and panels do not.
        assert!(
            bytes.len() > 20_000,
            "{name} is not blank: {} bytes",
            bytes.len()
        );
    }
    let times = std::fs::read_to_string(shots.join("frame-times.txt")).expect("frame times");
    assert!(times.contains("median frame time"), "{times}");
    if let Ok(keep) = std::env::var("CALLCOACH_SCREENSHOTS") {
        for entry in std::fs::read_dir(&shots).expect("shots").flatten() {
            let _ = std::fs::copy(entry.path(), Path::new(&keep).join(entry.file_name()));
        }
    }
}

#[test]
fn from_the_debrief_n_starts_the_next_scenario() {
    let (_folder, mut app) = signed_in("Ира");
    // The first card (the easiest scenario) by its number key.
    press(
        &mut app,
        KeyCode::Digit1,
        Key::Character("1".into()),
        Some("1"),
    );
    app.update();
    assert_eq!(screen(&app), Screen::Call);
    press(&mut app, KeyCode::F4, Key::F4, None);
    app.update();
    assert_eq!(screen(&app), Screen::Debrief);
    let first = app.world().resource::<LastCall>().scenario.clone();
    press(
        &mut app,
        KeyCode::KeyN,
        Key::Character("n".into()),
        Some("n"),
    );
    app.update();
    assert_eq!(screen(&app), Screen::Call);
    press(&mut app, KeyCode::F4, Key::F4, None);
    app.update();
    let second = app.world().resource::<LastCall>().scenario.clone();
    assert_ne!(first, second, "N moves on to another scenario");
}

#[test]
fn the_progress_screen_shows_the_attempts_just_played() {
    let (_folder, mut app) = signed_in("Пётр");
    start_call(&mut app, "internet_down");
    type_line(&mut app, "Вы должны перезагрузить роутер.");
    type_line(&mut app, "Вы должны быть дома, когда придёт мастер.");
    press(&mut app, KeyCode::F4, Key::F4, None);
    app.update();
    press(&mut app, KeyCode::Escape, Key::Escape, None);
    app.update();
    update_until(
        &mut app,
        "the best score from the database thread",
        |world| {
            world
                .get_resource::<callcoach::app::screens::scenarios::BestTotals>()
                .is_some_and(|best| best.0.contains_key("internet_down"))
        },
    );
    app.update();
    let cards = shown_texts(&mut app);
    assert!(
        cards.iter().any(|t| t.starts_with("Ваш лучший результат:")),
        "the card shows the best score: {cards:?}"
    );
    assert!(cards.iter().any(|t| t == "Ещё не пробовали"), "{cards:?}");
    press(
        &mut app,
        KeyCode::KeyP,
        Key::Character("p".into()),
        Some("p"),
    );
    app.update();
    assert_eq!(screen(&app), Screen::Progress);
    update_until(&mut app, "the report from the database thread", |world| {
        world
            .get_resource::<callcoach::app::screens::progress::ShownProgress>()
            .is_some_and(|shown| shown.0.attempts.len() == 1)
    });
    app.update();
    let texts = shown_texts(&mut app);
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Попыток: 1, оценённых: 1")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Клиенту не говорят «вы должны»")),
        "the broken rule is named in words: {texts:?}"
    );
}

#[test]
fn filters_narrow_the_cards_and_the_number_keys_follow() {
    let (_folder, mut app) = signed_in("Вера");
    app.update();
    // D twice: difficulty 1, then difficulty 2 (only «Не работает интернет»).
    for _ in 0..2 {
        press(
            &mut app,
            KeyCode::KeyD,
            Key::Character("d".into()),
            Some("d"),
        );
    }
    app.update();
    let texts = shown_texts(&mut app);
    assert!(texts.iter().any(|t| t == "Сложность: 2 (D)"), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("Не работает интернет")));
    assert!(
        !texts.iter().any(|t| t.contains("Рассказчик")),
        "other levels are hidden: {texts:?}"
    );
    press(
        &mut app,
        KeyCode::Digit1,
        Key::Character("1".into()),
        Some("1"),
    );
    app.update();
    assert_eq!(screen(&app), Screen::Call);
    let chosen = app
        .world()
        .resource::<callcoach::app::state::ChosenScenario>()
        .0
        .clone();
    assert_eq!(chosen, "internet_down", "key 1 is the first card shown");
}

#[test]
fn a_database_that_is_not_ours_is_reported_and_practice_goes_on() {
    let folder = tempfile::tempdir().expect("temp dir");
    let db = folder.path().join("notes.txt");
    std::fs::write(&db, "это не база, а заметки тренера\n".repeat(100)).expect("written");
    let before = std::fs::read(&db).expect("read");
    let mut app = headless(&db);
    update_until(&mut app, "the database thread's answer", |world| {
        world
            .get_resource::<callcoach::app::state::Notice>()
            .is_some_and(|notice| !notice.0.is_empty())
    });
    app.update();
    let texts = shown_texts(&mut app);
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Прогресс не сохраняется") && t.contains("не база прогресса")),
        "the trainee is told, in Russian, what and where: {texts:?}"
    );
    type_line(&mut app, "Анна");
    app.update();
    assert_eq!(screen(&app), Screen::Scenarios, "practice still works");
    drop(app);
    assert_eq!(
        std::fs::read(&db).expect("read"),
        before,
        "the file is untouched"
    );
}

#[test]
fn editing_a_scenario_while_the_app_runs_reloads_it_and_a_broken_edit_keeps_the_last_good_one() {
    let folder = tempfile::tempdir().expect("temp dir");
    let scenarios = folder.path().join("scenarios");
    std::fs::create_dir_all(&scenarios).expect("folder");
    for id in ["internet_down", "storyteller"] {
        std::fs::copy(
            repository().join("scenarios").join(format!("{id}.ron")),
            scenarios.join(format!("{id}.ron")),
        )
        .expect("copied");
    }
    let mut app = headless_on(&scenarios, &folder.path().join("progress.sqlite"));
    update_until(&mut app, "the scenarios", |world| {
        world.get_resource::<Library>().is_some()
    });

    let file = scenarios.join("internet_down.ron");
    let text = std::fs::read_to_string(&file).expect("read");
    // Modification times can be coarse: make sure the edit is a different second.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(
        &file,
        text.replace(
            "title: \"Не работает интернет\"",
            "title: \"Интернет пропал снова\"",
        ),
    )
    .expect("edited");
    let title = |world: &World| -> Option<String> {
        let library = world.get_resource::<Library>()?;
        library
            .scenarios
            .iter()
            .find(|(_, s)| s.id == "internet_down")
            .map(|(_, s)| s.title.clone())
    };
    update_until(&mut app, "the edited title", |world| {
        title(world).as_deref() == Some("Интернет пропал снова")
    });

    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&file, "Scenario(id: \"internet_down\", title: ").expect("broken");
    update_until(&mut app, "the diagnostic of the broken edit", |world| {
        world
            .get_resource::<Library>()
            .is_some_and(|library| library.diagnostics.iter().any(|d| d.file == file))
    });
    assert_eq!(
        title(app.world()).as_deref(),
        Some("Интернет пропал снова"),
        "the last good version stays playable"
    );
}

#[test]
fn every_text_of_the_first_screen_uses_the_bundled_cyrillic_font() {
    // With an asset server, as in the real window: the first screen is spawned by the initial
    // state transition, and text spawned before the font handle existed showed Bevy's built-in
    // font, which draws Cyrillic as empty boxes.
    let folder = tempfile::tempdir().expect("temp dir");
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        StatesPlugin,
        InputPlugin,
        bevy::asset::AssetPlugin {
            file_path: repository().join("assets").to_string_lossy().into_owned(),
            ..default()
        },
    ));
    app.init_asset::<Font>();
    app.insert_resource(AppConfig {
        scenarios: repository().join("scenarios"),
        db: folder.path().join("progress.sqlite"),
        demo: None,
        seed: None,
    });
    app.add_plugins(callcoach::app::plugin);
    update_until(&mut app, "the trainee list", |world| {
        world.get_resource::<Trainees>().is_some()
    });
    app.update();
    let bundled = app
        .world()
        .resource::<callcoach::app::theme::UiFont>()
        .0
        .clone();
    assert_ne!(bundled, Handle::default(), "the font is loaded");
    let world = app.world_mut();
    let mut texts = world.query::<(&Text, &TextFont)>();
    let wrong: Vec<String> = texts
        .iter(world)
        .filter(|(_, font)| font.font != bevy::text::FontSource::Handle(bundled.clone()))
        .map(|(text, _)| text.0.clone())
        .collect();
    let count = texts.iter(world).count();
    assert!(count > 3, "the screen has text");
    assert!(
        wrong.is_empty(),
        "texts without the bundled font: {wrong:?}"
    );
}

#[test]
fn a_practice_call_of_an_exam_only_scenario_is_refused_where_the_trainee_sees_it() {
    let folder = tempfile::tempdir().expect("temp dir");
    let scenarios = folder.path().join("scenarios");
    std::fs::create_dir(&scenarios).expect("folder");
    let text = std::fs::read_to_string(repository().join("scenarios/internet_down.ron"))
        .expect("scenario")
        .replace(
            "id: \"internet_down\",",
            "id: \"secret_call\",\n    exam_only: true,",
        );
    std::fs::write(scenarios.join("secret_call.ron"), text).expect("written");
    let mut app = headless_on(&scenarios, &folder.path().join("progress.sqlite"));
    update_until(&mut app, "the trainee list and the scenarios", |world| {
        world.get_resource::<Trainees>().is_some() && world.get_resource::<Library>().is_some()
    });
    type_line(&mut app, "Вера");
    update_until(&mut app, "the scenario list", |world| {
        *world.resource::<State<Screen>>().get() == Screen::Scenarios
    });
    app.update();
    assert!(
        !shown_texts(&mut app)
            .iter()
            .any(|text| text.contains("Не работает интернет")),
        "an exam-only scenario has no card"
    );
    // Even asked for by id (a stale card, a script), the core refuses it and the list says why.
    start_call(&mut app, "secret_call");
    app.update();
    assert_eq!(screen(&app), Screen::Scenarios);
    let shown = shown_texts(&mut app);
    assert!(
        shown
            .iter()
            .any(|text| text.starts_with("Звонок не начался:")
                && text.contains("только для экзаменов")),
        "{shown:?}"
    );
    drop(app);
    let store = Store::open(&folder.path().join("progress.sqlite")).expect("store");
    let vera = store.trainee("Вера").expect("query").expect("added");
    assert!(
        store.attempts(&vera).expect("attempts").is_empty(),
        "nothing is recorded"
    );
}
