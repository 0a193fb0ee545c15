//! The app as a team's desktop, on a real PostgreSQL: F7 joins the team, the trainee screen says
//! so and how much waits, the team's trainees appear, a call made in the app reaches the server
//! from the team thread, and the progress screen has the calls of the other desktop too.

use bevy::input::keyboard::{Key, KeyCode};
use bevy::prelude::State;
use callcoach::app::Screen;
use callcoach::app::library::Library;
use callcoach::app::screens::progress::ShownProgress;
use callcoach::app::screens::trainee::Trainees;
use callcoach::app::team::TeamLine;
use callcoach::app::theme::Action;

use super::app::{headless, press, shown_texts, start_call, type_line, update_until};
use super::team::{DESKTOP_PASSWORD, TEAM, Team, record_calls, succeeded};

#[test]
fn the_app_joins_a_team_shows_what_waits_and_sends_its_calls() {
    let team = Team::new();
    let other = team.join("место-1");
    succeeded(&team.run(&other, &["trainee", "add", "Борис Петров"], ""));
    record_calls(&other, "Борис Петров", 2);
    succeeded(&team.run(&other, &["team", "sync"], ""));

    let mut app = headless(&team.db("окно"));
    update_until(&mut app, "the team line of a desktop alone", |world| {
        world
            .resource::<TeamLine>()
            .0
            .contains("команда не подключена (F7")
    });
    press(&mut app, KeyCode::F7, Key::F7, None);
    type_line(&mut app, &team.address());
    type_line(&mut app, DESKTOP_PASSWORD);
    update_until(&mut app, "the team line after joining", |world| {
        let line = &world.resource::<TeamLine>().0;
        line.contains(&format!("Команда «{TEAM}»")) && line.contains("ждут отправки: 0")
    });
    update_until(&mut app, "the team's trainee in the list", |world| {
        world
            .resource::<Trainees>()
            .0
            .iter()
            .any(|name| name == "Борис Петров")
    });
    app.update();
    let texts = shown_texts(&mut app);
    assert!(
        texts
            .iter()
            .any(|text| text.contains(&format!("Команда «{TEAM}»"))),
        "the trainee screen shows the team: {texts:?}"
    );
    assert!(
        texts.iter().all(|text| !text.contains(DESKTOP_PASSWORD)),
        "{texts:?}"
    );

    // Boris practises in the app; the team thread sends the call without being asked.
    app.world_mut()
        .write_message(Action::PickTrainee("Борис Петров".to_owned()));
    update_until(&mut app, "the scenarios", |world| {
        world.get_resource::<Library>().is_some()
            && *world.resource::<State<Screen>>().get() == Screen::Scenarios
    });
    start_call(&mut app, "internet_down");
    type_line(
        &mut app,
        "Добрый день! Меня зовут Борис, компания «Ромашка Телеком».",
    );
    press(&mut app, KeyCode::F4, Key::F4, None);
    update_until(&mut app, "the call on the team's server", |_| {
        team.count("SELECT count(*) FROM callcoach.attempts") == 3
    });

    // His progress in the app: the two calls of the other desktop and this one.
    press(&mut app, KeyCode::Escape, Key::Escape, None);
    app.update();
    press(
        &mut app,
        KeyCode::KeyP,
        Key::Character("p".into()),
        Some("p"),
    );
    update_until(&mut app, "the progress over the team", |world| {
        world
            .get_resource::<ShownProgress>()
            .is_some_and(|shown| shown.0.attempts.len() == 3)
    });
}
