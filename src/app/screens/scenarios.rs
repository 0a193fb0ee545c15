//! The scenario list: a card per scenario (title, difficulty, summary, tags), number keys to
//! start one, and the files that could not be loaded with the same diagnostics as `check`.

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;

use crate::app::library::{Library, LibraryFailed};
use crate::app::state::{ChosenScenario, CurrentTrainee, ExamState, Notice, ScenarioFilter, shown};
use crate::app::store::{StoreCommand, StoreLink, StoreReply};
use crate::app::theme::{self, Action, UiFont};
use crate::app::{AppSystems, Screen};

/// The trainee's best total per scenario id, shown on the cards.
#[derive(Resource, Default, Debug, Clone)]
pub struct BestTotals(pub std::collections::BTreeMap<String, u32>);

/// The card list; `loaded` once it shows the library rather than "loading…".
#[derive(Component, Default)]
struct ScenarioList {
    loaded: bool,
}

/// A best total from here on is shown as a success (the default rubric's threshold).
const PASS_HINT: u32 = 70;
/// How many scenarios have a number key.
const NUMBERED: usize = 9;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<BestTotals>();
    app.init_resource::<ScenarioFilter>();
    app.add_systems(OnEnter(Screen::Scenarios), (request_best, spawn));
    app.add_systems(
        Update,
        (
            number_keys.in_set(AppSystems::Input),
            (receive_best, act, refilter).in_set(AppSystems::Act),
            fill.in_set(AppSystems::Show),
        )
            .run_if(in_state(Screen::Scenarios)),
    );
}

fn request_best(link: Option<Res<StoreLink>>, trainee: Res<CurrentTrainee>) {
    if let (Some(link), Some(name)) = (link, &trainee.0) {
        link.send(StoreCommand::BestTotals(name.clone()));
    }
}

/// New best scores redraw the cards.
fn receive_best(
    mut replies: MessageReader<StoreReply>,
    mut best: ResMut<BestTotals>,
    mut lists: Query<&mut ScenarioList>,
) {
    for reply in replies.read() {
        if let StoreReply::BestTotals(totals) = reply {
            best.0.clone_from(totals);
            for mut list in &mut lists {
                list.loaded = false;
            }
        }
    }
}

fn spawn(
    mut commands: Commands,
    font: Res<UiFont>,
    trainee: Res<CurrentTrainee>,
    filter: Res<ScenarioFilter>,
    exam: Res<ExamState>,
) {
    let (difficulty, tag) = filter.describe();
    let who = trainee.0.clone().unwrap_or_default();
    let exam_line = if exam.unlocked {
        "Режим экзамена открыт: E — экзамены для этого стажёра."
    } else {
        ""
    };
    commands.spawn((
        theme::screen_root(Screen::Scenarios),
        children![
            theme::label(&font, format!("Сценарии — {who}"), 30.0, theme::TEXT),
            theme::label(
                &font,
                "Цифра — начать звонок, D и T — фильтры, P — мой прогресс, Esc — сменить стажёра.",
                16.0,
                theme::MUTED
            ),
            theme::label(&font, exam_line, 16.0, theme::WARN),
            (
                // Two cards a row: the whole list fits a 1280×720 window.
                Node {
                    flex_direction: FlexDirection::Row,
                    flex_wrap: FlexWrap::Wrap,
                    row_gap: px(8),
                    column_gap: px(8),
                    ..default()
                },
                ScenarioList::default(),
            ),
            (
                Node::default(),
                children![
                    (
                        theme::button(&font, difficulty, Action::CycleDifficulty),
                        FilterCaption(0)
                    ),
                    (
                        theme::button(&font, tag, Action::CycleTag),
                        FilterCaption(1)
                    ),
                    theme::button(&font, "Мой прогресс (P)", Action::Progress),
                    theme::button(&font, "Экзамены (E)", Action::Exams),
                    theme::button(&font, "Голос и микрофон (S)", Action::Settings),
                    theme::button(&font, "Сменить стажёра (Esc)", Action::Trainees),
                ]
            ),
        ],
    ));
}

/// Cards appear once the library has loaded (and at once when it already has).
fn fill(
    mut commands: Commands,
    library: Option<Res<Library>>,
    failed: Option<Res<LibraryFailed>>,
    notice: Res<Notice>,
    best: Res<BestTotals>,
    filter: Res<ScenarioFilter>,
    font: Res<UiFont>,
    mut lists: Query<(Entity, &mut ScenarioList, Option<&Children>)>,
) {
    for (list, mut state, children) in &mut lists {
        let has_content = children.is_some_and(|children| !children.is_empty());
        let can_load = library.is_some() || failed.is_some();
        // A reloaded library (a scenario file was edited) redraws the cards.
        if library.as_ref().is_some_and(|library| library.is_changed()) {
            state.loaded = false;
        }
        if state.loaded || (has_content && !can_load) {
            continue;
        }
        state.loaded = can_load;
        commands.entity(list).despawn_children();
        commands.entity(list).with_children(|list| {
            if let Some(failed) = &failed {
                list.spawn(theme::label(
                    &font,
                    format!("Не удалось загрузить словарь или рубрику: {}", failed.0),
                    18.0,
                    theme::BAD,
                ));
                return;
            }
            let Some(library) = &library else {
                list.spawn(theme::label(
                    &font,
                    "Загрузка сценариев…",
                    18.0,
                    theme::MUTED,
                ));
                return;
            };
            if !notice.0.is_empty() {
                list.spawn(theme::label(&font, notice.0.clone(), 16.0, theme::BAD));
            }
            let scenarios: Vec<_> = shown(library, &filter)
                .into_iter()
                .filter_map(|id| library.scenarios.iter().find(|(_, s)| s.id == id))
                .collect();
            for (index, (_, scenario)) in scenarios.iter().enumerate() {
                let key = if index < NUMBERED {
                    format!("{} · ", index + 1)
                } else {
                    String::new()
                };
                // The whole card is the button: a click (or its number key) starts the call.
                list.spawn((
                    BackgroundColor(theme::PANEL),
                    Button,
                    Action::StartScenario(scenario.id.clone()),
                    Node {
                        width: percent(49.4),
                        flex_direction: FlexDirection::Column,
                        padding: UiRect::all(px(10)),
                        row_gap: px(4),
                        border_radius: BorderRadius::all(px(8)),
                        ..default()
                    },
                    children![
                        theme::label(
                            &font,
                            format!(
                                "{key}{} {}",
                                scenario.title,
                                "★".repeat(usize::from(scenario.difficulty))
                            ),
                            20.0,
                            theme::TEXT
                        ),
                        theme::label(&font, scenario.summary.clone(), 14.0, theme::MUTED),
                        theme::label(&font, scenario.tags.join(" · "), 13.0, theme::ACCENT),
                        theme::label(
                            &font,
                            best.0.get(&scenario.id).map_or_else(
                                || "Ещё не пробовали".to_owned(),
                                |total| format!("Ваш лучший результат: {total} из 100")
                            ),
                            14.0,
                            if best
                                .0
                                .get(&scenario.id)
                                .is_some_and(|&total| total >= PASS_HINT)
                            {
                                theme::GOOD
                            } else {
                                theme::MUTED
                            }
                        ),
                    ],
                ));
            }
            if !library.diagnostics.is_empty() {
                list.spawn(theme::label(
                    &font,
                    "Файлы с ошибками (остальные сценарии работают):",
                    16.0,
                    theme::WARN,
                ));
                for diagnostic in &library.diagnostics {
                    list.spawn(theme::label(
                        &font,
                        diagnostic.to_string(),
                        13.0,
                        theme::WARN,
                    ));
                }
            }
        });
    }
}

fn number_keys(
    mut keys: MessageReader<KeyboardInput>,
    library: Option<Res<Library>>,
    filter: Res<ScenarioFilter>,
    mut actions: MessageWriter<Action>,
) {
    let Some(library) = library else { return };
    for key in keys.read() {
        if key.state != ButtonState::Pressed {
            continue;
        }
        if let Key::Character(text) = &key.logical_key
            && let Some(digit) = text.chars().next().and_then(|c| c.to_digit(10))
            && digit >= 1
            && let Some(id) = shown(&library, &filter).get(digit as usize - 1)
        {
            actions.write(Action::StartScenario(id.clone()));
        }
    }
}

fn act(
    mut commands: Commands,
    mut actions: MessageReader<Action>,
    mut next: ResMut<NextState<Screen>>,
) {
    for action in actions.read() {
        match action {
            Action::StartScenario(id) => {
                commands.insert_resource(ChosenScenario(id.clone()));
                next.set(Screen::Call);
            }
            Action::Trainees => next.set(Screen::Trainee),
            Action::Progress => next.set(Screen::Progress),
            Action::Exams => next.set(Screen::Exam),
            Action::Settings => next.set(Screen::Settings),
            _ => {}
        }
    }
}

/// Marks the two filter buttons (0: difficulty, 1: tag) so their captions follow the filter.
#[derive(Component)]
struct FilterCaption(u8);

/// D and T cycle the filters; the cards and the captions follow.
fn refilter(
    mut actions: MessageReader<Action>,
    library: Option<Res<Library>>,
    mut filter: ResMut<ScenarioFilter>,
    mut lists: Query<&mut ScenarioList>,
    buttons: Query<(&FilterCaption, &Children)>,
    mut texts: Query<&mut Text>,
) {
    let Some(library) = library else { return };
    let mut changed = false;
    for action in actions.read() {
        match action {
            Action::CycleDifficulty => {
                let mut levels: Vec<u8> = library
                    .scenarios
                    .iter()
                    .map(|(_, s)| s.difficulty)
                    .collect();
                levels.sort_unstable();
                levels.dedup();
                filter.difficulty = next_of(&levels, filter.difficulty.as_ref()).copied();
                changed = true;
            }
            Action::CycleTag => {
                let mut tags: Vec<String> = library
                    .scenarios
                    .iter()
                    .flat_map(|(_, s)| s.tags.iter().cloned())
                    .collect();
                tags.sort();
                tags.dedup();
                filter.tag = next_of(&tags, filter.tag.as_ref()).cloned();
                changed = true;
            }
            _ => {}
        }
    }
    if !changed {
        return;
    }
    for mut list in &mut lists {
        list.loaded = false;
    }
    let (difficulty, tag) = filter.describe();
    for (caption, children) in &buttons {
        for child in children {
            if let Ok(mut text) = texts.get_mut(*child) {
                text.0 = if caption.0 == 0 {
                    difficulty.clone()
                } else {
                    tag.clone()
                };
            }
        }
    }
}

/// The value after `current` in `values`, then none (all), then the first again.
fn next_of<'a, T: PartialEq>(values: &'a [T], current: Option<&T>) -> Option<&'a T> {
    match current {
        None => values.first(),
        Some(current) => values
            .iter()
            .position(|value| value == current)
            .and_then(|index| values.get(index + 1)),
    }
}
