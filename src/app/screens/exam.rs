//! Certification in the app. The examiner opens exam mode on the trainee screen; here the exams
//! are listed for the chosen trainee with their rules, a sitting starts once the database admits
//! it (attempts left, the wait after a failure), its calls run one after another without hints or
//! live findings, and after the last one the verdict, the certificate and a debrief of every call
//! are shown. The examiner's key never leaves the database thread, and exam mode closes when the
//! sitting ends.

use std::sync::Arc;

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
use callcoach_core::certificate::date;
use callcoach_core::exam::{Exam, ExamScenarios, ExamSitting, Per};

use crate::app::library::Library;
use crate::app::state::{ChosenScenario, CurrentTrainee, ExamState, LastCall, Sitting};
use crate::app::store::{ExamVerdict, StoreCommand, StoreLink, StoreReply};
use crate::app::theme::{self, Action, UiFont};
use crate::app::{AppConfig, AppSystems, Screen};

/// The content of the exam screen, redrawn when the state changes.
#[derive(Component)]
struct ExamView;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ExamState>();
    app.add_systems(OnEnter(Screen::Exam), spawn);
    // Replies come whatever the screen: a verdict may arrive while the last call's screen fades.
    app.add_systems(Update, receive.in_set(AppSystems::Act));
    app.add_systems(
        Update,
        (
            number_keys.in_set(AppSystems::Input),
            act.in_set(AppSystems::Act),
            show.in_set(AppSystems::Show),
        )
            .run_if(in_state(Screen::Exam)),
    );
}

fn spawn(mut commands: Commands) {
    commands.spawn((theme::screen_root(Screen::Exam), children![ExamView]));
}

fn receive(mut replies: MessageReader<StoreReply>, mut state: ResMut<ExamState>) {
    for reply in replies.read() {
        match reply {
            StoreReply::ExamStarted => {
                if let Some(sitting) = &mut state.sitting {
                    sitting.admitted = true;
                }
            }
            StoreReply::ExamRefused(reason) => {
                state.sitting = None;
                state.refusal.clone_from(reason);
            }
            // The database failed before the sitting was admitted: nothing was played yet.
            StoreReply::Failed(reason)
                if state
                    .sitting
                    .as_ref()
                    .is_some_and(|sitting| !sitting.admitted) =>
            {
                state.sitting = None;
                state.refusal.clone_from(reason);
            }
            StoreReply::ExamFinished(verdict) => {
                // The database thread has dropped the examiner's key with the sitting.
                state.unlocked = false;
                if let Some(sitting) = &mut state.sitting {
                    sitting.verdict = Some((**verdict).clone());
                }
            }
            _ => {}
        }
    }
}

/// What the exam's rules say, in one line.
fn rules(exam: &Exam) -> String {
    let calls = match &exam.scenarios {
        ExamScenarios::Fixed(ids) => format!("звонков: {}", ids.len()),
        ExamScenarios::Drawn { count, tags } => {
            format!("звонков: {count}, случайно из тем «{}»", tags.join("», «"))
        }
    };
    let threshold = match exam.pass.per {
        Per::EachScenario => format!("каждый звонок не ниже {}", exam.pass.total),
        Per::Overall => format!("средний итог не ниже {}", exam.pass.total),
    };
    format!(
        "{calls}; {threshold}; попыток {}, пауза после неудачи {} ч; сертификат на {} дн.",
        exam.attempts_allowed, exam.wait_hours, exam.certificate_valid_days
    )
}

fn title_of(library: Option<&Library>, id: &str) -> String {
    library
        .and_then(|library| library.scenarios.iter().find(|(_, s)| s.id == id))
        .map_or_else(|| id.to_owned(), |(_, scenario)| scenario.title.clone())
}

fn show(
    mut commands: Commands,
    state: Res<ExamState>,
    library: Option<Res<Library>>,
    trainee: Res<CurrentTrainee>,
    font: Res<UiFont>,
    views: Query<Entity, With<ExamView>>,
    added: Query<(), Added<ExamView>>,
) {
    let library_changed = library.as_ref().is_some_and(|library| library.is_changed());
    if !state.is_changed() && added.is_empty() && !library_changed {
        return;
    }
    let who = trainee.0.clone().unwrap_or_default();
    for view in &views {
        commands.entity(view).despawn_children();
        commands.entity(view).insert(Node {
            flex_direction: FlexDirection::Column,
            row_gap: px(10),
            flex_grow: 1.0,
            ..default()
        });
        commands.entity(view).with_children(|view| {
            let Some(sitting) = &state.sitting else {
                choose(view, &font, &state, library.as_deref(), &who);
                return;
            };
            view.spawn(theme::label(
                &font,
                format!("Экзамен «{}» — {who}", sitting.plan.exam().title),
                28.0,
                theme::TEXT,
            ));
            if let Some(verdict) = &sitting.verdict {
                result(view, &font, sitting, verdict, library.as_deref());
            } else if !sitting.admitted {
                view.spawn(theme::label(&font, "Начинаем экзамен…", 18.0, theme::MUTED));
            } else if let Some(id) = sitting.next_call() {
                let index = sitting.plan.calls().len() + 1;
                let count = sitting.plan.scenarios().len();
                view.spawn(theme::label(
                    &font,
                    format!(
                        "Звонок {index} из {count}: «{}».",
                        title_of(library.as_deref(), id)
                    ),
                    22.0,
                    theme::ACCENT,
                ));
                view.spawn(theme::label(
                    &font,
                    "Подсказок и замечаний во время звонков не будет; разбор всех звонков — после последнего.",
                    16.0,
                    theme::MUTED,
                ));
                view.spawn(theme::button(
                    &font,
                    format!("Начать звонок {index} (Enter)"),
                    Action::NextExamCall,
                ));
            } else {
                view.spawn(theme::label(
                    &font,
                    "Все звонки сыграны. Подводим итоги…",
                    18.0,
                    theme::MUTED,
                ));
            }
        });
    }
}

/// The exams to choose from.
fn choose(
    view: &mut ChildSpawnerCommands,
    font: &UiFont,
    state: &ExamState,
    library: Option<&Library>,
    who: &str,
) {
    view.spawn(theme::label(
        font,
        format!("Экзамены — сдаёт {who}"),
        28.0,
        theme::TEXT,
    ));
    if !state.unlocked {
        view.spawn(theme::label(
            font,
            "Режим экзамена закрыт: его открывает служба качества паролем экзаменатора на экране выбора стажёра (F9).",
            18.0,
            theme::WARN,
        ));
    } else {
        view.spawn(theme::label(
            font,
            "Цифра или щелчок — начать экзамен. Звонки пойдут один за другим без подсказок; итог и сертификат — в конце.",
            16.0,
            theme::MUTED,
        ));
        let exams = library.map_or(&[][..], |library| &library.exams[..]);
        if exams.is_empty() {
            view.spawn(theme::label(
                font,
                "Экзаменов нет: добавьте файлы в папку exams сценариев.",
                18.0,
                theme::MUTED,
            ));
        }
        for (index, (_, exam)) in exams.iter().enumerate() {
            view.spawn((
                theme::panel(),
                Button,
                Action::StartExam(exam.id.clone()),
                children![
                    theme::label(
                        font,
                        format!("{} · {}", index + 1, exam.title),
                        20.0,
                        theme::TEXT
                    ),
                    theme::label(font, rules(exam), 14.0, theme::MUTED),
                ],
            ));
        }
    }
    if !state.refusal.is_empty() {
        view.spawn(theme::label(
            font,
            format!("Экзамен не начат: {}", state.refusal),
            17.0,
            theme::BAD,
        ));
    }
    view.spawn(theme::button(font, "К сценариям (Esc)", Action::Scenarios));
}

/// The verdict, the certificate and the calls to review.
fn result(
    view: &mut ChildSpawnerCommands,
    font: &UiFont,
    sitting: &Sitting,
    verdict: &ExamVerdict,
    library: Option<&Library>,
) {
    let result = &verdict.result;
    let (heading, colour) = if result.passed {
        (
            format!("Экзамен сдан — итог {} из 100", result.total),
            theme::GOOD,
        )
    } else {
        (
            format!("Экзамен не сдан — итог {} из 100", result.total),
            theme::BAD,
        )
    };
    view.spawn(theme::label(font, heading, 30.0, colour));
    view.spawn(theme::panel()).with_children(|panel| {
        for (category, score) in &result.categories {
            panel.spawn(theme::label(
                font,
                format!("{}: {score} (в среднем)", category.title()),
                16.0,
                theme::TEXT,
            ));
        }
        for reason in &result.reasons {
            panel.spawn(theme::label(font, format!("✗ {reason}"), 16.0, theme::BAD));
        }
    });
    if let Some(certificate) = &verdict.certificate {
        let files = match &certificate.files {
            Ok((json, html)) => format!(
                "Файлы: {} (подписанный), {} (для печати).",
                json.display(),
                html.display()
            ),
            Err(problem) => format!(
                "Сертификат выдан и сохранён в базе, но файл не записан: {problem}. Выгрузите его командой callcoach report."
            ),
        };
        view.spawn(theme::label(
            font,
            format!(
                "Сертификат № {} действителен до {}.",
                certificate.number,
                date(certificate.valid_until)
            ),
            20.0,
            theme::GOOD,
        ));
        view.spawn(theme::label(font, files, 14.0, theme::MUTED));
    }
    view.spawn(theme::label(
        font,
        "Разбор звонков (цифра или щелчок):",
        16.0,
        theme::MUTED,
    ));
    for (index, call) in sitting.plan.calls().iter().enumerate() {
        view.spawn(theme::button(
            font,
            format!(
                "{} · {} — {} из {}",
                index + 1,
                title_of(library, &call.scenario_id),
                call.report.total,
                call.report.max
            ),
            Action::ReviewExamCall(index),
        ));
    }
    view.spawn(theme::button(font, "К сценариям (Esc)", Action::Scenarios));
}

/// Number keys pick an exam, or a call of the finished sitting to review.
fn number_keys(
    mut keys: MessageReader<KeyboardInput>,
    state: Res<ExamState>,
    library: Option<Res<Library>>,
    mut actions: MessageWriter<Action>,
) {
    for key in keys.read() {
        if key.state != ButtonState::Pressed {
            continue;
        }
        let Key::Character(text) = &key.logical_key else {
            continue;
        };
        let Some(index) = text
            .chars()
            .next()
            .and_then(|c| c.to_digit(10))
            .and_then(|digit| (digit as usize).checked_sub(1))
        else {
            continue;
        };
        match (&state.sitting, &library) {
            (None, Some(library)) if state.unlocked => {
                if let Some((_, exam)) = library.exams.get(index) {
                    actions.write(Action::StartExam(exam.id.clone()));
                }
            }
            (Some(sitting), _)
                if sitting.verdict.is_some() && index < sitting.plan.calls().len() =>
            {
                actions.write(Action::ReviewExamCall(index));
            }
            _ => {}
        }
    }
}

fn act(
    mut commands: Commands,
    mut actions: MessageReader<Action>,
    mut state: ResMut<ExamState>,
    library: Option<Res<Library>>,
    trainee: Res<CurrentTrainee>,
    link: Option<Res<StoreLink>>,
    config: Option<Res<AppConfig>>,
    mut next: ResMut<NextState<Screen>>,
) {
    for action in actions.read() {
        match action {
            Action::StartExam(id) if state.unlocked && state.sitting.is_none() => {
                let (Some(library), Some(name), Some(link)) = (&library, &trainee.0, &link) else {
                    continue;
                };
                let Some((_, exam)) = library.exams.iter().find(|(_, exam)| &exam.id == id) else {
                    continue;
                };
                let scenarios: Vec<_> = library
                    .scenarios
                    .iter()
                    .map(|(_, scenario)| Arc::new(scenario.clone()))
                    .collect();
                state.refusal.clear();
                let seed = config.as_ref().and_then(|config| config.seed);
                match ExamSitting::begin(Arc::new(exam.clone()), &scenarios, name, seed) {
                    Ok(plan) => {
                        link.send(StoreCommand::BeginSitting(Box::new(plan.clone())));
                        state.sitting = Some(Sitting {
                            plan,
                            admitted: false,
                            verdict: None,
                        });
                    }
                    Err(error) => state.refusal = error.to_string(),
                }
            }
            Action::NextExamCall => {
                if let Some(id) = state
                    .sitting
                    .as_ref()
                    .filter(|sitting| sitting.running())
                    .and_then(Sitting::next_call)
                {
                    commands.insert_resource(ChosenScenario(id.to_owned()));
                    next.set(Screen::Call);
                }
            }
            Action::ReviewExamCall(index) => {
                if let Some(call) = state
                    .reviewing()
                    .and_then(|sitting| sitting.plan.calls().get(*index))
                {
                    commands.insert_resource(LastCall::from(call));
                    next.set(Screen::Debrief);
                }
            }
            // A running sitting cannot be left from here: it would count as failed.
            Action::Scenarios if !state.sitting.as_ref().is_some_and(Sitting::running) => {
                state.sitting = None;
                state.refusal.clear();
                next.set(Screen::Scenarios);
            }
            _ => {}
        }
    }
}
