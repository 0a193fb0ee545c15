//! Colours, the bundled Cyrillic font and the widgets every screen is built from.

use bevy::prelude::*;

/// The bundled font: Bevy's default font has no Cyrillic.
pub const FONT: &str = "fonts/DejaVuSans.ttf";

/// Window background.
pub const BACKGROUND: Color = Color::srgb(0.11, 0.12, 0.14);
/// Panels grouping related things.
pub const PANEL: Color = Color::srgb(0.16, 0.17, 0.20);
/// Ordinary text.
pub const TEXT: Color = Color::srgb(0.92, 0.92, 0.90);
/// Secondary text.
pub const MUTED: Color = Color::srgb(0.62, 0.64, 0.68);
/// The trainee's own lines and links.
pub const ACCENT: Color = Color::srgb(0.30, 0.62, 0.95);
/// Passed, praised, calm.
pub const GOOD: Color = Color::srgb(0.35, 0.78, 0.45);
/// Failed, an error, furious.
pub const BAD: Color = Color::srgb(0.92, 0.38, 0.35);
/// Hints, warnings, irritated.
pub const WARN: Color = Color::srgb(0.95, 0.75, 0.30);
const BUTTON: Color = Color::srgb(0.22, 0.24, 0.29);
const BUTTON_HOVER: Color = Color::srgb(0.28, 0.31, 0.38);
const BUTTON_PRESSED: Color = Color::srgb(0.20, 0.45, 0.75);

/// The font handle every text uses (the default handle in headless tests without assets).
#[derive(Resource, Clone, Default)]
pub struct UiFont(pub Handle<Font>);

/// What a button (or its hotkey) asks for.
#[derive(Component, Message, Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Continue as this trainee.
    PickTrainee(String),
    /// Add the name typed in the field.
    AddTrainee,
    /// Start a practice call of this scenario.
    StartScenario(String),
    /// Send the typed reply.
    Send,
    /// Put the customer on hold, or take them off it.
    ToggleHold,
    /// Hang up.
    EndCall,
    /// Play the same scenario again.
    TryAgain,
    /// Play the next scenario of the list.
    NextScenario,
    /// Back to the scenario list.
    Scenarios,
    /// Back to the trainee list.
    Trainees,
    /// The trainee's progress.
    Progress,
    /// Show the next difficulty only (then all again).
    CycleDifficulty,
    /// Show the next tag only (then all again).
    CycleTag,
    /// Open exam mode with the examiner's passphrase, or close it (trainee screen, F9).
    ExamMode,
    /// Join a team: the field asks for the server's address, then the password (trainee
    /// screen, F7).
    Team,
    /// Close the passphrase field without unlocking (Esc).
    Cancel,
    /// Show the exams (open exam mode only).
    Exams,
    /// Start a sitting of this exam for the current trainee.
    StartExam(String),
    /// Begin the next call of the sitting.
    NextExamCall,
    /// Show the debrief of a call of the finished sitting (by index).
    ReviewExamCall(usize),
    /// Open the voice settings.
    Settings,
    /// Switch between push-to-talk and voice-activity mode.
    ToggleVoiceActivity,
    /// Install the speech model now.
    InstallModel,
    /// The talk button (it records while held; see `voice`).
    Talk,
}

pub(super) fn plugin(app: &mut App) {
    // Loaded while the plugin is built: the first screen is spawned by the initial state
    // transition, before any startup system could load it, and text spawned with the default
    // handle would keep Bevy's font, which has no Cyrillic.
    let font = app
        .world()
        .get_resource::<AssetServer>()
        .map(|assets| assets.load(FONT))
        .unwrap_or_default();
    app.insert_resource(UiFont(font));
    app.add_message::<Action>();
    app.add_systems(
        Update,
        (press_buttons, paint_buttons, scroll).in_set(super::AppSystems::Input),
    );
}

/// Buttons turn clicks into actions.
fn press_buttons(
    buttons: Query<(&Interaction, &Action), (Changed<Interaction>, With<Button>)>,
    mut actions: MessageWriter<Action>,
) {
    for (interaction, action) in &buttons {
        if *interaction == Interaction::Pressed {
            actions.write(action.clone());
        }
    }
}

fn paint_buttons(
    mut buttons: Query<(&Interaction, &mut BackgroundColor), (Changed<Interaction>, With<Button>)>,
) {
    for (interaction, mut colour) in &mut buttons {
        colour.0 = match interaction {
            Interaction::Pressed => BUTTON_PRESSED,
            Interaction::Hovered => BUTTON_HOVER,
            Interaction::None => BUTTON,
        };
    }
}

/// A node whose content scrolls with the mouse wheel, the arrows and Page Up/Down.
#[derive(Component, Default)]
pub struct Scrollable;

/// Pixels one wheel line or arrow press scrolls.
const SCROLL_STEP: f32 = 40.0;
/// Pixels Page Up/Down scroll.
const SCROLL_PAGE: f32 = 400.0;

fn scroll(
    mut wheel: MessageReader<bevy::input::mouse::MouseWheel>,
    keys: Option<Res<ButtonInput<KeyCode>>>,
    mut nodes: Query<(&mut ScrollPosition, &ComputedNode), With<Scrollable>>,
) {
    let mut delta: f32 = wheel
        .read()
        .map(|event| match event.unit {
            bevy::input::mouse::MouseScrollUnit::Line => -event.y * SCROLL_STEP,
            bevy::input::mouse::MouseScrollUnit::Pixel => -event.y,
        })
        .sum();
    if let Some(keys) = keys {
        for (key, step) in [
            (KeyCode::ArrowDown, SCROLL_STEP),
            (KeyCode::ArrowUp, -SCROLL_STEP),
            (KeyCode::PageDown, SCROLL_PAGE),
            (KeyCode::PageUp, -SCROLL_PAGE),
        ] {
            if keys.just_pressed(key) {
                delta += step;
            }
        }
    }
    if delta == 0.0 {
        return;
    }
    for (mut position, computed) in &mut nodes {
        let overflow =
            (computed.content_size() - computed.size()) * computed.inverse_scale_factor();
        position.y = (position.y + delta).clamp(0.0, overflow.y.max(0.0));
    }
}

/// A line of text.
pub fn label(font: &UiFont, text: impl Into<String>, size: f32, colour: Color) -> impl Bundle {
    (
        Text::new(text),
        TextFont {
            font: font.0.clone().into(),
            font_size: FontSize::Px(size),
            ..default()
        },
        TextColor(colour),
    )
}

/// A button that sends `action`; `hotkey` is shown in its caption.
pub fn button(font: &UiFont, caption: impl Into<String>, action: Action) -> impl Bundle {
    (
        Button,
        action,
        Node {
            padding: UiRect::axes(px(14), px(8)),
            margin: UiRect::all(px(4)),
            // In a column a button keeps its own width instead of stretching across the window.
            align_self: AlignSelf::Start,
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            border_radius: BorderRadius::all(px(6)),
            ..default()
        },
        BackgroundColor(BUTTON),
        children![label(font, caption, 18.0, TEXT)],
    )
}

/// The root node of a screen: fills the window, removed when the screen is left.
pub fn screen_root<S: States>(screen: S) -> impl Bundle {
    (
        DespawnOnExit(screen),
        Node {
            width: percent(100),
            height: percent(100),
            flex_direction: FlexDirection::Column,
            padding: UiRect::all(px(24)),
            row_gap: px(10),
            ..default()
        },
        BackgroundColor(BACKGROUND),
    )
}

/// A panel: a darker box grouping related things.
pub fn panel() -> impl Bundle {
    (
        Node {
            flex_direction: FlexDirection::Column,
            padding: UiRect::all(px(12)),
            row_gap: px(6),
            border_radius: BorderRadius::all(px(8)),
            ..default()
        },
        BackgroundColor(PANEL),
    )
}
