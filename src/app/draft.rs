//! The text being typed (a reply, a trainee's name) and the keyboard: characters go into the
//! draft, Enter sends it, hotkeys become actions. Keyboard-only use works on every screen.

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
use bevy::state::state::StateTransitionSystems;

use super::theme::Action;
use super::{AppSystems, Screen};

/// The text in the input field of the current screen.
#[derive(Resource, Default, Debug, Clone, PartialEq, Eq)]
pub struct Draft(pub String);

/// Whether the draft is a secret (the examiner's passphrase): shown as dots.
#[derive(Resource, Default, Debug, Clone, Copy, PartialEq, Eq)]
pub struct DraftMasked(pub bool);

/// Marks the text node that shows the draft.
#[derive(Component)]
pub struct DraftView;

/// Longest reply or name accepted, in characters.
const MAX_CHARS: usize = 500;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Draft>();
    app.init_resource::<DraftMasked>();
    app.add_systems(Update, keyboard.in_set(AppSystems::Input));
    app.add_systems(Update, show_draft.in_set(AppSystems::Show));
    app.add_systems(
        StateTransition,
        clear_on_screen_change.after(StateTransitionSystems::DependentTransitions),
    );
}

/// A new screen starts with an empty field and without the actions of the screen before: the
/// Esc that left the debrief must not also leave the screen it led to.
fn clear_on_screen_change(
    mut transitions: MessageReader<StateTransitionEvent<Screen>>,
    mut draft: ResMut<Draft>,
    mut actions: ResMut<Messages<Action>>,
) {
    if transitions.read().last().is_some() {
        draft.0.clear();
        actions.clear();
    }
}

fn keyboard(
    mut keys: MessageReader<KeyboardInput>,
    screen: Res<State<Screen>>,
    mut draft: ResMut<Draft>,
    mut actions: MessageWriter<Action>,
) {
    let typing = matches!(screen.get(), Screen::Trainee | Screen::Call);
    for key in keys.read() {
        if key.state != ButtonState::Pressed {
            continue;
        }
        let pressed = &key.logical_key;
        let action = match (screen.get(), pressed) {
            (Screen::Trainee, Key::Enter) => Some(Action::AddTrainee),
            (Screen::Trainee, Key::F9) => Some(Action::ExamMode),
            (Screen::Trainee, Key::F7) => Some(Action::Team),
            (Screen::Trainee, Key::Escape) => Some(Action::Cancel),
            (Screen::Call, Key::Enter) => Some(Action::Send),
            (Screen::Call, Key::F2) => Some(Action::ToggleHold),
            (Screen::Call, Key::F4) => Some(Action::EndCall),
            (Screen::Scenarios, Key::Escape) => Some(Action::Trainees),
            (Screen::Scenarios, _) if letter(pressed, "p", "з") => Some(Action::Progress),
            (Screen::Scenarios, _) if letter(pressed, "d", "в") => Some(Action::CycleDifficulty),
            (Screen::Scenarios, _) if letter(pressed, "t", "е") => Some(Action::CycleTag),
            (Screen::Scenarios, _) if letter(pressed, "e", "у") => Some(Action::Exams),
            (Screen::Scenarios, _) if letter(pressed, "s", "ы") => Some(Action::Settings),
            (Screen::Settings, Key::Escape) => Some(Action::Scenarios),
            (Screen::Settings, _) if letter(pressed, "v", "м") => {
                Some(Action::ToggleVoiceActivity)
            }
            (Screen::Settings, _) if letter(pressed, "i", "ш") => Some(Action::InstallModel),
            (Screen::Progress | Screen::Exam, Key::Escape) => Some(Action::Scenarios),
            (Screen::Exam, Key::Enter) => Some(Action::NextExamCall),
            (Screen::Debrief, Key::Enter) => Some(Action::TryAgain),
            (Screen::Debrief, _) if letter(pressed, "n", "т") => Some(Action::NextScenario),
            (Screen::Debrief, Key::Escape) => Some(Action::Scenarios),
            _ => None,
        };
        if let Some(action) = action {
            actions.write(action);
            continue;
        }
        if !typing {
            continue;
        }
        match &key.logical_key {
            Key::Backspace => {
                draft.0.pop();
            }
            _ => {
                if let Some(text) = &key.text {
                    for c in text.chars().filter(|c| !c.is_control()) {
                        if draft.0.chars().count() < MAX_CHARS {
                            draft.0.push(c);
                        }
                    }
                }
            }
        }
    }
}

/// Whether the key is a letter hotkey: the Latin letter, or the Cyrillic one on the same key of
/// the Russian layout, in either case.
fn letter(key: &Key, latin: &str, cyrillic: &str) -> bool {
    matches!(key, Key::Character(c) if c.eq_ignore_ascii_case(latin) || c.to_lowercase() == cyrillic)
}

fn show_draft(
    draft: Res<Draft>,
    masked: Res<DraftMasked>,
    mut views: Query<&mut Text, With<DraftView>>,
) {
    if !draft.is_changed() && !masked.is_changed() {
        return;
    }
    let shown = if masked.0 {
        "•".repeat(draft.0.chars().count())
    } else {
        draft.0.clone()
    };
    for mut view in &mut views {
        view.0 = format!("{shown}▏");
    }
}
