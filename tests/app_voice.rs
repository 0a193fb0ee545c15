//! Speech in the app: push-to-talk through the real microphone path (a private PulseAudio whose
//! pipe source is the system's microphone, cpal through ALSA, whisper), the recognised text in
//! the reply field and the turn recorded as spoken; without a microphone the call says so and
//! goes on by keyboard; the voice settings are kept.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
use bevy::winit::{UpdateMode, WinitSettings};
use callcoach::app::draft::Draft;
use callcoach::app::library::Library;
use callcoach::app::screens::call::{CallLog, Line};
use callcoach::app::state::LastCall;
use callcoach::app::theme::Action;
use callcoach::app::voice::{HeardReply, MicrophoneState, VoiceSettings, VoiceState};
use callcoach::app::{AppConfig, Screen};
use callcoach_core::store::Store;
use callcoach_core::transcript::Speaker;

use super::app::{headless, press, screen, signed_in, start_call, type_line, update_until};
use super::app_exam::play_replies;
use super::resolved_replies;
use super::speech::{fixture, installed};
use super::voice::PulseAudio;

/// Marks the child process that plays the call with its microphone on the test's PulseAudio.
const CHILD: &str = "CALLCOACH_APP_VOICE_CHILD";
/// The recording the trainee "says": festival's voice.
const SPOKEN: &str = "thanks_call.plain.wav";
/// What it says, as the trainee would type it.
const TYPED: &str = "Благодарим за звонок, всего доброго!";

fn f3(app: &mut App, state: ButtonState) {
    app.world_mut().write_message(KeyboardInput {
        key_code: KeyCode::F3,
        logical_key: Key::F3,
        state,
        text: None,
        repeat: false,
        window: Entity::PLACEHOLDER,
    });
    app.update();
}

#[test]
fn a_reply_spoken_in_the_app_lands_in_the_field_and_is_recorded_as_speech() {
    let (_, model) = installed();
    let pulse = PulseAudio::start();
    // The microphone is found through the environment (XDG_RUNTIME_DIR), which a test may not
    // change in its own process: the call is played by this test binary run again.
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "app_voice::spoken_call_in_a_child_process",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("XDG_RUNTIME_DIR", pulse.runtime())
        .env("CALLCOACH_MODEL", model)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the test binary runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut shown = Vec::new();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.expect("line");
        if line == "SPEAK" {
            pulse.say(&fixture(SPOKEN));
            // The recording plays in real time; then a breath of silence.
            std::thread::sleep(Duration::from_millis(4_137 + 1_000));
            writeln!(stdin, "done").expect("the child waits");
        }
        shown.push(line);
    }
    let status = child.wait().expect("ends");
    assert!(status.success(), "{}", shown.join("\n"));
    assert!(
        shown.iter().any(|line| line.contains("1 passed")),
        "the child played the call: {}",
        shown.join("\n")
    );
}

/// The call itself, run by the test above in a process of its own.
#[test]
#[ignore = "run by a_reply_spoken_in_the_app_lands_in_the_field_and_is_recorded_as_speech"]
fn spoken_call_in_a_child_process() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let (folder, mut app) = signed_in("Вера Голосова");
    // As a window has it (the headless app has no window loop of its own).
    app.insert_resource(WinitSettings::game());
    start_call(&mut app, "internet_down");
    update_until(&mut app, "the microphone and the model", |world| {
        let state = world.resource::<VoiceState>();
        matches!(state.microphone, MicrophoneState::Open(_)) && state.model_ready
    });
    let mut replies = resolved_replies("internet_down");
    let last = replies.pop().expect("the closing reply");
    assert!(last.contains("за звонок"), "{last}");
    play_replies(&mut app, &replies);

    // Hold F3, speak, let go.
    f3(&mut app, ButtonState::Pressed);
    println!("SPEAK");
    std::io::stdout().flush().expect("stdout");
    let mut done = String::new();
    std::io::stdin()
        .read_line(&mut done)
        .expect("the parent says when");
    f3(&mut app, ButtonState::Released);
    // While whisper has the cores the window rests; it draws continuously again with the text.
    let resting = app.world().resource::<WinitSettings>().focused_mode;
    assert!(
        matches!(resting, UpdateMode::Reactive { .. }),
        "{resting:?}"
    );
    update_until(&mut app, "the recognised reply", |world| {
        !world.resource::<Draft>().0.is_empty()
    });
    app.update();
    assert_eq!(
        app.world().resource::<WinitSettings>().focused_mode,
        UpdateMode::Continuous
    );
    let heard = app.world().resource::<Draft>().0.to_lowercase();
    assert!(
        heard.contains("благодарим за звонок") && heard.contains("всего доброго"),
        "heard «{heard}»"
    );
    let seconds = app
        .world()
        .resource::<HeardReply>()
        .seconds
        .expect("the field holds a spoken reply");
    assert!((3.0..10.0).contains(&seconds), "{seconds} s recorded");

    press(&mut app, KeyCode::Enter, Key::Enter, None);
    app.update();
    assert_eq!(screen(&app), Screen::Debrief);
    let call = app.world().resource::<LastCall>().clone();
    let spoken = call
        .transcript
        .turns
        .iter()
        .rev()
        .find(|turn| turn.speaker == Speaker::Agent && turn.text.is_some())
        .expect("the spoken reply");
    let speech = spoken.speech.expect("recorded as spoken");
    assert!(!speech.on_hold);
    assert!((f64::from(seconds) - speech.seconds).abs() < 0.1);

    // The recognised reply scores as the typed one would.
    let mut typed = call.transcript.clone();
    let index = typed
        .turns
        .iter()
        .rposition(|turn| turn.speech.is_some())
        .expect("spoken turn");
    typed.turns[index].text = Some(TYPED.to_owned());
    typed.turns[index].speech = None;
    let scorer = &app.world().resource::<Library>().scorer;
    assert_eq!(call.report.total, scorer.score(&typed).total);
    assert!(
        call.report
            .findings
            .iter()
            .all(|finding| !finding.rule.starts_with("closing.")),
        "{:?}",
        call.report.findings
    );

    // The database has it as speech, with the recording's length.
    let db = folder.path().join("progress.sqlite");
    update_until(&mut app, "the attempt's end in the database", |_| {
        Store::open(&db)
            .ok()
            .and_then(|store| {
                let trainee = store.trainee("Вера Голосова").ok()??;
                let attempt = store.attempts(&trainee).ok()?.first()?.clone();
                store.attempt_turns(attempt.id).ok()
            })
            .is_some_and(|turns| turns.turns.iter().any(|turn| turn.speech.is_some()))
    });
}

#[test]
fn without_a_microphone_the_call_says_so_and_the_keyboard_still_works() {
    let folder = tempfile::tempdir().expect("temp dir");
    let config = AppConfig {
        scenarios: super::repository().join("scenarios"),
        db: folder.path().join("progress.sqlite"),
        demo: None,
        seed: None,
    };
    VoiceSettings {
        device: Some("Гарнитура, которой нет".to_owned()),
        ..VoiceSettings::default()
    }
    .save(&config)
    .expect("settings");
    let mut app = headless(&config.db);
    update_until(&mut app, "the trainee list", |world| {
        world
            .get_resource::<callcoach::app::screens::trainee::Trainees>()
            .is_some()
    });
    type_line(&mut app, "Олег Клавиатурин");
    update_until(&mut app, "the scenarios", |world| {
        world.get_resource::<Library>().is_some()
    });
    start_call(&mut app, "internet_down");
    update_until(&mut app, "the microphone's absence", |world| {
        matches!(
            world.resource::<VoiceState>().microphone,
            MicrophoneState::Missing(_)
        )
    });
    f3(&mut app, ButtonState::Pressed);
    f3(&mut app, ButtonState::Released);
    let status = app.world().resource::<VoiceState>().status.clone();
    assert!(
        status.contains("«Гарнитура, которой нет»") && status.contains("нет"),
        "{status}"
    );
    assert!(!app.world().resource::<VoiceState>().recording);

    type_line(
        &mut app,
        "Добрый день! Меня зовут Олег, специалист технической поддержки компании «Ромашка Телеком».",
    );
    let log = &app.world().resource::<CallLog>().0;
    assert!(
        log.iter()
            .any(|line| matches!(line, Line::Agent(text) if text.contains("Меня зовут Олег"))),
        "{log:?}"
    );
}

#[test]
fn the_voice_settings_list_the_microphones_and_are_kept() {
    let (folder, mut app) = signed_in("Нина Настройкина");
    app.world_mut().write_message(Action::Settings);
    app.update();
    app.update();
    assert_eq!(screen(&app), Screen::Settings);
    let shown = super::app::shown_texts(&mut app).join("\n");
    assert!(shown.contains("0. ● Системный по умолчанию"), "{shown}");
    assert!(shown.contains("удерживайте F3"), "{shown}");

    press(
        &mut app,
        KeyCode::KeyV,
        Key::Character("м".into()),
        Some("м"),
    );
    app.update();
    let shown = super::app::shown_texts(&mut app).join("\n");
    assert!(shown.contains("голосовая активность"), "{shown}");
    let config = app.world().resource::<AppConfig>().clone();
    assert_eq!(
        VoiceSettings::load(&config),
        VoiceSettings {
            voice_activity: true,
            ..VoiceSettings::default()
        },
        "kept in {}",
        folder.path().display()
    );
    press(&mut app, KeyCode::Escape, Key::Escape, None);
    app.update();
    assert_eq!(screen(&app), Screen::Scenarios);
}

/// A spoken reply as the voice thread leaves it: recognised text in the field and how it was
/// said (begun `ago` seconds before now, the recording `seconds` long), then Enter.
fn send_spoken(app: &mut App, text: &str, ago: f64, on_hold: bool) {
    let now = app.world().resource::<Time>().elapsed_secs_f64();
    app.world_mut().resource_mut::<Draft>().0 = text.to_owned();
    *app.world_mut().resource_mut::<HeardReply>() = HeardReply {
        seconds: Some(4.0),
        on_hold,
        started: now - ago,
    };
    press(app, KeyCode::Enter, Key::Enter, None);
}

#[test]
fn speech_timing_counts_a_long_silence_and_a_reply_begun_on_hold() {
    let (_folder, mut app) = signed_in("Тимур Тишин");
    start_call(&mut app, "internet_down");
    // Thirty seconds of silence on the line, then the greeting is spoken.
    for _ in 0..30 {
        app.update();
    }
    send_spoken(
        &mut app,
        "Добрый день! Меня зовут Тимур, специалист технической поддержки компании «Ромашка Телеком». Подскажите, пожалуйста, номер вашего договора.",
        4.0,
        false,
    );
    let log = app.world().resource::<CallLog>().0.clone();
    let reacted = log
        .iter()
        .position(|line| matches!(line, Line::Customer(text) if text.contains("Алло") || text.contains("пропали")));
    let greeted = log
        .iter()
        .position(|line| matches!(line, Line::Agent(text) if text.contains("Меня зовут Тимур")));
    assert!(
        matches!((reacted, greeted), (Some(reacted), Some(greeted)) if reacted < greeted),
        "the customer reacts to the silence before the greeting: {log:?}"
    );

    // A reply begun while the customer is still on hold.
    type_line(&mut app, "Спасибо. Давайте я проверю линию до вашего дома.");
    type_line(
        &mut app,
        "Оставайтесь, пожалуйста, на линии, проверка займёт около двух минут.",
    );
    press(&mut app, KeyCode::F2, Key::F2, None);
    for _ in 0..20 {
        app.update();
    }
    send_spoken(&mut app, "Спасибо за ожидание! Линия в порядке.", 3.0, true);
    press(&mut app, KeyCode::F4, Key::F4, None);
    app.update();
    assert_eq!(screen(&app), Screen::Debrief);
    let call = app.world().resource::<LastCall>().clone();
    let spoken = call
        .transcript
        .turns
        .iter()
        .position(|turn| turn.speech.is_some_and(|speech| speech.on_hold))
        .expect("the reply begun on hold");
    let agent_before = call.transcript.turns[..spoken]
        .iter()
        .rev()
        .find(|turn| turn.speaker == Speaker::Agent)
        .expect("an agent turn before");
    assert!(
        agent_before
            .hold_seconds
            .is_some_and(|seconds| seconds >= 20),
        "the hold ends only when the reply is sent: {:?}",
        call.transcript.turns
    );
    assert!(
        call.report
            .findings
            .iter()
            .any(|finding| finding.rule == "hold.spoke_on_hold" && finding.turn == Some(spoken)),
        "{:?}",
        call.report.findings
    );
}
