//! The call: the customer's lines as a phone transcript with their mood, the simulated clock, a
//! reply field (Enter sends), hold with a running timer against the promised duration (F2),
//! hanging up (F4), and in practice the scenario's hints and live findings after each reply;
//! push-to-talk is [`talk`].

mod talk;

use std::sync::Arc;

use bevy::prelude::*;
use callcoach_core::attempt::{Attempt, AttemptPlan};
use callcoach_core::scenario::ClockTime;
use callcoach_core::session::narration::hold_started;
use callcoach_core::session::{AgentTurn, Event, NarrationKind, narrate};
use callcoach_core::text::{capitalised, minutes_seconds};
use callcoach_core::transcript::Speech;

use crate::app::AppConfig;
use crate::app::customer::{CustomerSpeech, CustomerVoice, Say};
use crate::app::draft::{Draft, DraftView};
use crate::app::library::Library;
use crate::app::state::{
    ActiveCall, ChosenScenario, CurrentTrainee, ExamState, LastCall, Notice, certificate_folder,
};
use crate::app::store::{StoreCommand, StoreLink, StoreReply};
use crate::app::theme::{self, Action, UiFont};
use crate::app::voice::{HeardReply, VoiceLink, VoiceSettings, VoiceView};
use crate::app::{AppSystems, Screen};
use talk::TalkButton;

/// A pause before a spoken reply shorter than this is a natural breath, not silence.
const NATURAL_PAUSE_SECONDS: f64 = 3.0;

/// One line of the call as shown.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// The customer.
    Customer(String),
    /// The trainee.
    Agent(String),
    /// A hint or live finding (practice only).
    Hint(String),
    /// Something that happened: a hold, the end.
    Note(String),
}

/// Everything shown so far, newest last (kept as data so tests read what the screen shows).
#[derive(Resource, Default, Debug, Clone)]
pub struct CallLog(pub Vec<Line>);

#[derive(Component)]
struct LogView;
#[derive(Component)]
struct MoodView;
#[derive(Component)]
struct ClockView;
#[derive(Component)]
struct HoldView;
/// Says that the customer cannot be heard, when that is so.
#[derive(Component)]
pub struct SoundView;

/// How many recent lines fit on the screen.
const VISIBLE_LINES: usize = 14;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<CallLog>();
    app.add_systems(OnEnter(Screen::Call), (start, spawn).chain());
    // After the call has started: voice activity's first prompt is the call's scenario.
    app.add_systems(OnEnter(Screen::Call), talk::open_for_call.after(start));
    app.add_systems(OnExit(Screen::Call), (talk::leave_call, hush));
    app.add_systems(
        Update,
        (
            (talk::push_to_talk, talk::talk_button)
                .in_set(AppSystems::Input)
                .after(crate::app::voice::receive),
            (act, store_failures, alive_while_speaking).in_set(AppSystems::Act),
            (show_log, show_status, sound_notice).in_set(AppSystems::Show),
        )
            .run_if(in_state(Screen::Call)),
    );
}

/// Starts the chosen scenario's call (or goes back to the list if it cannot start).
fn start(
    mut commands: Commands,
    chosen: Option<Res<ChosenScenario>>,
    library: Option<Res<Library>>,
    trainee: Res<CurrentTrainee>,
    exam: Res<ExamState>,
    link: Option<Res<StoreLink>>,
    mut log: ResMut<CallLog>,
    mut notice: ResMut<Notice>,
    config: Option<Res<AppConfig>>,
    time: Res<Time>,
    mut next: ResMut<NextState<Screen>>,
    customer: Option<Res<CustomerVoice>>,
    mut speech: ResMut<CustomerSpeech>,
) {
    log.0.clear();
    // The last call's state must not be shown if this one cannot start.
    commands.remove_resource::<ActiveCall>();
    let Some(library) = library else {
        next.set(Screen::Scenarios);
        return;
    };
    // An exam call is the sitting's next one, whatever the library holds now; a practice call
    // is the chosen scenario's, recorded for the trainee.
    let plan = match exam.calling() {
        Some(sitting) => sitting.plan.next_call(),
        None => chosen
            .and_then(|chosen| library.scenarios.iter().find(|(_, s)| s.id == chosen.0))
            .map(|(_, scenario)| AttemptPlan {
                trainee: trainee.0.clone(),
                seed: config.as_ref().and_then(|config| config.seed),
                ..AttemptPlan::practice(Arc::new(scenario.clone()))
            }),
    };
    let Some(plan) = plan else {
        next.set(Screen::Scenarios);
        return;
    };
    let (attempt, opening) = match Attempt::start(plan, &library.scorer, library.lexicon.clone()) {
        Ok(started) => started,
        Err(error) => {
            // Said where the trainee lands, not in the log of a call that never began.
            notice.0 = format!("Звонок не начался: {error}");
            next.set(Screen::Scenarios);
            return;
        }
    };
    notice.0.clear();
    let scenario = Arc::clone(attempt.session().scenario_arc());
    let file = library
        .scenarios
        .iter()
        .find(|(_, known)| known.id == scenario.id)
        .map(|(file, _)| file.clone());
    let mut call = ActiveCall {
        attempt,
        hold_started: None,
        live_since: time.elapsed_secs_f64(),
        file,
    };
    show_events(&mut log, &mut call, &opening, time.elapsed_secs_f64());
    if let Some(customer) = &customer {
        *speech = CustomerSpeech {
            output: speech.output.clone(),
            unavailable: speech.unavailable.clone(),
            devices: speech.devices.clone(),
            ..CustomerSpeech::default()
        };
        speak(customer, &call, &opening);
        // The rest of the call's lines while the first is said.
        customer.send(Say::Prepare(scenario, call.file.clone()));
    }
    record(&mut call, link.as_deref());
    commands.insert_resource(call);
}

/// Has the customer say their lines among `events`.
fn speak(customer: &CustomerVoice, call: &ActiveCall, events: &[Event]) {
    for event in events {
        if let Event::CustomerSpoke { text, mood, .. } = event {
            customer.send(Say::Line {
                text: text.clone(),
                mood: *mood,
                scenario: Arc::clone(call.attempt.session().scenario_arc()),
                file: call.file.clone(),
            });
        }
    }
}

/// Leaving the call, nothing more is prepared; the customer's last words are said to the end
/// (hanging up cuts them, in `act`).
fn hush(customer: Option<Res<CustomerVoice>>) {
    if let Some(customer) = customer {
        customer.send(Say::StopPreparing);
    }
}

fn spawn(
    mut commands: Commands,
    font: Res<UiFont>,
    call: Option<Res<ActiveCall>>,
    exam: Res<ExamState>,
) {
    let Some(call) = call else { return };
    let scenario = call.attempt.session().scenario();
    let header = format!(
        "{} — звонит {} · компания «{}»",
        scenario.title, scenario.customer.name, scenario.company
    );
    let exam_line = exam.calling().map_or_else(String::new, |sitting| {
        format!(
            "ЭКЗАМЕН «{}» · звонок {} из {} · подсказок нет",
            sitting.plan.exam().title,
            sitting.plan.calls().len() + 1,
            sitting.plan.scenarios().len()
        )
    });
    commands.spawn((
        theme::screen_root(Screen::Call),
        children![
            theme::label(&font, header, 24.0, theme::TEXT),
            theme::label(&font, exam_line, 16.0, theme::WARN),
            (theme::label(&font, "", 14.0, theme::MUTED), SoundView),
            (
                Node {
                    column_gap: px(24),
                    ..default()
                },
                children![
                    (theme::label(&font, "", 18.0, theme::ACCENT), ClockView),
                    (theme::label(&font, "", 18.0, theme::WARN), MoodView),
                    (theme::label(&font, "", 18.0, theme::ACCENT), HoldView),
                ]
            ),
            (
                BackgroundColor(theme::PANEL),
                Node {
                    flex_grow: 1.0,
                    flex_direction: FlexDirection::Column,
                    row_gap: px(4),
                    padding: UiRect::all(px(12)),
                    overflow: Overflow::clip(),
                    ..default()
                },
                LogView,
            ),
            (
                theme::panel(),
                children![
                    theme::label(
                        &font,
                        "Ваш ответ (Enter — отправить; удерживайте F3, чтобы сказать голосом):",
                        14.0,
                        theme::MUTED
                    ),
                    (theme::label(&font, "▏", 20.0, theme::TEXT), DraftView),
                    (theme::label(&font, "", 15.0, theme::ACCENT), VoiceView),
                ]
            ),
            (
                Node::default(),
                children![
                    theme::button(&font, "Отправить (Enter)", Action::Send),
                    (
                        theme::button(&font, "Говорить (удерживайте F3)", Action::Talk),
                        TalkButton
                    ),
                    theme::button(&font, "Удержание (F2)", Action::ToggleHold),
                    theme::button(&font, "Завершить звонок (F4)", Action::EndCall),
                ]
            ),
        ],
    ));
}

/// Turns the engine's events into lines on the screen; `now` is when they reach the trainee.
fn show_events(log: &mut CallLog, call: &mut ActiveCall, events: &[Event], now: f64) {
    let name = call.attempt.session().scenario().customer.name.clone();
    for line in events.iter().flat_map(|event| narrate(event, &name)) {
        match line.kind {
            NarrationKind::Customer => {
                call.live_since = now;
                log.0.push(Line::Customer(line.text));
            }
            NarrationKind::Hint => log.0.push(Line::Hint(line.text)),
            // The gauge shows the mood; the hold was announced when the agent pressed F2.
            NarrationKind::Mood | NarrationKind::HoldStarted => {}
            NarrationKind::HoldEnded => {
                call.live_since = now;
                log.0.push(Line::Note(capitalised(&line.text)));
            }
            NarrationKind::CallEnded => log.0.push(Line::Note(line.text)),
        }
    }
}

/// Sends what the attempt has to record to the database thread.
fn record(call: &mut ActiveCall, link: Option<&StoreLink>) {
    let records = call.attempt.take_records();
    if let Some(link) = link
        && !records.is_empty()
    {
        link.send(StoreCommand::Record(records));
    }
}

/// A database failure during a call is said in the call: the trainee must know their replies
/// are no longer saved.
fn store_failures(mut replies: MessageReader<StoreReply>, mut log: ResMut<CallLog>) {
    for reply in replies.read() {
        if let StoreReply::Failed(reason) = reply {
            log.0.push(Line::Note(reason.clone()));
        }
    }
}

fn act(
    mut commands: Commands,
    mut actions: MessageReader<Action>,
    call: Option<ResMut<ActiveCall>>,
    mut draft: ResMut<Draft>,
    mut heard: ResMut<HeardReply>,
    mut log: ResMut<CallLog>,
    link: Option<Res<StoreLink>>,
    voice_link: Option<Res<VoiceLink>>,
    voice_settings: Option<Res<VoiceSettings>>,
    mut exam: ResMut<ExamState>,
    config: Option<Res<AppConfig>>,
    time: Res<Time>,
    mut next: ResMut<NextState<Screen>>,
    customer: Option<Res<CustomerVoice>>,
) {
    let Some(mut call) = call else {
        return;
    };
    let now = time.elapsed_secs_f64();
    for action in actions.read() {
        let turns = match action {
            Action::Send => {
                let text = draft.0.trim().to_owned();
                let spoken = heard.seconds.take();
                if text.is_empty() {
                    continue;
                }
                match spoken {
                    Some(seconds) => spoken_turns(&mut call, text, seconds, &heard, now),
                    // A typed reply waits until the customer is taken off hold.
                    None if call.hold_started.is_some() => continue,
                    None => vec![AgentTurn::Reply(text)],
                }
            }
            Action::ToggleHold => match call.hold_started.take() {
                None => {
                    call.hold_started = Some(now);
                    let promised = call.attempt.session().promised_seconds();
                    log.0.push(Line::Note(capitalised(&hold_started(promised))));
                    continue;
                }
                Some(started) => vec![AgentTurn::Hold {
                    seconds: (now - started).round().max(1.0) as u32,
                }],
            },
            Action::EndCall => {
                if let Some(customer) = &customer {
                    customer.cut_now();
                    customer.take_cut();
                }
                vec![AgentTurn::HangUp]
            }
            _ => continue,
        };
        let replied = turns
            .iter()
            .any(|turn| matches!(turn, AgentTurn::Reply(_) | AgentTurn::Spoken { .. }));
        for turn in turns {
            if let AgentTurn::Reply(text) | AgentTurn::Spoken { text, .. } = &turn {
                draft.0.clear();
                log.0.push(Line::Agent(format!("Вы: {text}")));
                // The agent's own words end a silence as the customer's do.
                call.live_since = now;
                // Said while the customer was still talking: the line was cut there.
                if let Some(said) = customer.as_ref().and_then(|customer| customer.take_cut()) {
                    call.attempt.barge_in(said);
                }
            }
            let events = match call.attempt.advance(turn) {
                Ok(events) => events,
                Err(error) => {
                    log.0.push(Line::Note(error.to_string()));
                    continue;
                }
            };
            show_events(&mut log, &mut call, &events, now);
            if let Some(customer) = &customer {
                speak(customer, &call, &events);
            }
            record(&mut call, link.as_deref());
            if call.is_over() {
                break;
            }
        }
        if replied {
            talk::listen_again(
                voice_link.as_deref(),
                voice_settings.as_deref(),
                Some(&call),
            );
        }
        if call.is_over() {
            let finished = call.attempt.finish();
            record(&mut call, link.as_deref());
            // An exam call goes back to the sitting; its debrief waits for the verdict.
            if exam.calling().is_some()
                && let Some(sitting) = &mut exam.sitting
            {
                sitting.plan.call_ended(finished);
                if sitting.plan.is_complete()
                    && let (Some(link), Some(config)) = (&link, &config)
                {
                    link.send(StoreCommand::CloseSitting {
                        sitting: Box::new(sitting.plan.clone()),
                        certificates: certificate_folder(config),
                    });
                }
                next.set(Screen::Exam);
            } else {
                commands.insert_resource(LastCall::from(&finished));
                next.set(Screen::Debrief);
            }
            return;
        }
    }
}

/// The turns a spoken reply makes. Begun while the customer was on hold, it takes them off hold
/// only now (they heard the hold music, not the start of it); begun long after the line came
/// alive, the silence comes first, and the customer reacts to it as to any silence.
fn spoken_turns(
    call: &mut ActiveCall,
    text: String,
    seconds: f32,
    heard: &HeardReply,
    now: f64,
) -> Vec<AgentTurn> {
    let mut turns = Vec::new();
    if let Some(started) = call.hold_started.take() {
        turns.push(AgentTurn::Hold {
            seconds: (now - started).round().max(1.0) as u32,
        });
    } else {
        let silence = heard.started - call.live_since - NATURAL_PAUSE_SECONDS;
        if silence >= 1.0 {
            turns.push(AgentTurn::Wait {
                seconds: silence.round() as u32,
            });
        }
    }
    turns.push(AgentTurn::Spoken {
        text,
        speech: Speech::recorded(seconds, heard.on_hold),
    });
    turns
}

/// The line is alive while the customer speaks: a silence begins when they stop, not when
/// their line appeared.
fn alive_while_speaking(
    speech: Res<CustomerSpeech>,
    call: Option<ResMut<ActiveCall>>,
    time: Res<Time>,
) {
    if let Some(mut call) = call
        && speech.saying.is_some()
    {
        call.live_since = time.elapsed_secs_f64();
    }
}

/// No sound: said once, under the call's header, and the call goes on in text (subtitles
/// shown whatever the setting).
fn sound_notice(speech: Res<CustomerSpeech>, mut views: Query<&mut Text, With<SoundView>>) {
    let note = speech
        .unavailable
        .as_deref()
        .map(capitalised)
        .unwrap_or_default();
    for mut text in &mut views {
        text.set_if_neq(Text(note.clone()));
    }
}

/// Whether the customer's words are shown: an exam's choice, else the trainee's; always when
/// there is no sound to hear them by.
pub fn subtitles_shown(
    settings: Option<&VoiceSettings>,
    exam: &ExamState,
    speech: &CustomerSpeech,
) -> bool {
    let chosen = match exam.calling() {
        Some(sitting) => sitting.plan.exam().subtitles,
        None => !settings.is_some_and(|settings| settings.no_subtitles),
    };
    chosen || speech.unavailable.is_some() || speech.output.is_none()
}

/// A customer's line as the log shows it: whole, revealed as far as it is said, or (without
/// subtitles) only that the customer speaks.
fn customer_line(text: &str, subtitles: bool, said: Option<f64>) -> String {
    let (name, line) = text.split_once(": ").unwrap_or(("Клиент", text));
    match (subtitles, said) {
        (true, None) => text.to_owned(),
        (true, Some(share)) => {
            let count = line.chars().count();
            let shown = ((count as f64 * share).ceil() as usize).min(count);
            let revealed: String = line.chars().take(shown).collect();
            if shown < count {
                format!("{name}: {revealed}…")
            } else {
                text.to_owned()
            }
        }
        (false, Some(_)) => format!("{name}: ♪ говорит…"),
        (false, None) => format!("{name}: ♪ (без субтитров)"),
    }
}

fn show_log(
    mut commands: Commands,
    log: Res<CallLog>,
    font: Res<UiFont>,
    views: Query<Entity, With<LogView>>,
    added: Query<(), Added<LogView>>,
    speech: Res<CustomerSpeech>,
    settings: Option<Res<VoiceSettings>>,
    exam: Res<ExamState>,
    mut shown: Local<Option<(bool, Option<String>)>>,
) {
    if !log.is_changed() && !speech.is_changed() && added.is_empty() {
        return;
    }
    let subtitles = subtitles_shown(settings.as_deref(), &exam, &speech);
    // The line being said is the newest of the customer's, if it is the one playing.
    let speaking = speech.saying.as_ref().and_then(|(text, seconds)| {
        let index = log
            .0
            .iter()
            .rposition(|line| matches!(line, Line::Customer(_)))?;
        match &log.0[index] {
            Line::Customer(shown) if shown.ends_with(text.as_str()) => {
                Some((index, (speech.said / seconds.max(0.1)).clamp(0.0, 1.0)))
            }
            _ => None,
        }
    });
    // While the customer speaks the screen changes only when another word shows, not every
    // frame the playback moves.
    let speaking_line = speaking.and_then(|(index, share)| match &log.0[index] {
        Line::Customer(text) => Some(customer_line(text, subtitles, Some(share))),
        _ => None,
    });
    let now_shown = (subtitles, speaking_line);
    if !log.is_changed() && added.is_empty() && shown.as_ref() == Some(&now_shown) {
        return;
    }
    *shown = Some(now_shown);
    for view in &views {
        commands.entity(view).despawn_children();
        commands.entity(view).with_children(|view| {
            let start = log.0.len().saturating_sub(VISIBLE_LINES);
            for (index, line) in log.0.iter().enumerate().skip(start) {
                let said = speaking
                    .filter(|(playing, _)| *playing == index)
                    .map(|(_, share)| share);
                let customer;
                let (text, colour, size) = match line {
                    Line::Customer(text) => {
                        customer = customer_line(text, subtitles, said);
                        (&customer, theme::TEXT, 18.0)
                    }
                    Line::Agent(text) => (text, theme::ACCENT, 18.0),
                    Line::Hint(text) => (text, theme::WARN, 15.0),
                    Line::Note(text) => (text, theme::MUTED, 15.0),
                };
                view.spawn(theme::label(&font, text.clone(), size, colour));
            }
        });
    }
}

fn show_status(
    call: Option<Res<ActiveCall>>,
    time: Res<Time>,
    mut texts: ParamSet<(
        Query<&mut Text, With<ClockView>>,
        Query<(&mut Text, &mut TextColor), With<MoodView>>,
        Query<&mut Text, With<HoldView>>,
    )>,
) {
    let Some(call) = call else { return };
    let session = call.attempt.session();
    let start = ClockTime::parse(&session.scenario().clock).unwrap_or(ClockTime { minutes: 0 });
    let minutes = start.minutes + (session.elapsed_seconds() / 60.0) as u32;
    let clock = format!("Время: {}", ClockTime { minutes });
    let mood = session.mood();
    let filled = (mood * 10.0).round() as usize;
    let gauge = format!(
        "Раздражение: {}{} {:.0}%",
        "█".repeat(filled),
        "░".repeat(10usize.saturating_sub(filled)),
        mood * 100.0
    );
    let mood_colour = if mood >= 0.7 {
        theme::BAD
    } else if mood >= 0.4 {
        theme::WARN
    } else {
        theme::GOOD
    };
    let hold = match call.hold_started {
        Some(started) => {
            let running = (time.elapsed_secs_f64() - started).max(0.0) as u32;
            let promise = session.promised_seconds().map_or_else(
                || "срок не назван".to_owned(),
                |seconds| format!("обещано {}", minutes_seconds(seconds)),
            );
            format!("На удержании {} / {promise}", minutes_seconds(running))
        }
        None => String::new(),
    };
    // Written only when different: a changed `Text` is laid out again, every frame otherwise.
    for mut text in &mut texts.p0() {
        text.set_if_neq(Text(clock.clone()));
    }
    for (mut text, mut colour) in &mut texts.p1() {
        text.set_if_neq(Text(gauge.clone()));
        colour.set_if_neq(TextColor(mood_colour));
    }
    for mut text in &mut texts.p2() {
        text.set_if_neq(Text(hold.clone()));
    }
}
