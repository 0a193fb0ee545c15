//! The voice settings screen (S on the scenario list): the microphones the system offers (a
//! digit picks one), push-to-talk or voice activity (V), installing the speech model now (I);
//! the choice is kept in `settings.ron` beside the progress database.

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;

use crate::app::customer::{CustomerSpeech, CustomerVoice, Say};
use crate::app::theme::{self, Action, UiFont};
use crate::app::voice::{
    Command, MicrophoneState, VoiceLink, VoiceSettings, VoiceState, VoiceView,
};
use crate::app::{AppConfig, AppSystems, Screen};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        OnEnter(Screen::Settings),
        (open_for_settings, spawn_settings),
    );
    app.add_systems(
        Update,
        settings_act
            .in_set(AppSystems::Act)
            .run_if(in_state(Screen::Settings)),
    );
}

#[derive(Component)]
struct SettingsBody;

fn open_for_settings(
    link: Option<Res<VoiceLink>>,
    settings: Option<Res<VoiceSettings>>,
    customer: Option<Res<CustomerVoice>>,
) {
    if let Some(customer) = customer {
        customer.send(Say::Devices);
    }
    let (Some(link), Some(settings)) = (link, settings) else {
        return;
    };
    link.send(Command::Devices);
    // Opened on this screen too, so the meter shows whether the chosen device hears you.
    link.send(Command::Open(settings.device.clone()));
    link.send(Command::Prepare { install: false });
}

fn spawn_settings(mut commands: Commands, font: Res<UiFont>) {
    commands.spawn((
        theme::screen_root(Screen::Settings),
        children![
            theme::label(&font, "Настройки голоса", 30.0, theme::TEXT),
            (
                Node {
                    flex_direction: FlexDirection::Column,
                    row_gap: px(6),
                    ..default()
                },
                SettingsBody,
            ),
            (theme::label(&font, "", 16.0, theme::ACCENT), VoiceView),
            (
                Node::default(),
                children![
                    theme::button(
                        &font,
                        "Голосовая активность (V)",
                        Action::ToggleVoiceActivity
                    ),
                    theme::button(&font, "Установить модель (I)", Action::InstallModel),
                    theme::button(&font, "К сценариям (Esc)", Action::Scenarios),
                ]
            ),
        ],
    ));
}

/// The settings' lines: the devices to choose from, the mode and the model, the customer's
/// voice.
pub fn settings_lines(
    settings: &VoiceSettings,
    state: &VoiceState,
    speech: &CustomerSpeech,
) -> Vec<String> {
    let mut lines = Vec::new();
    let chosen = |name: Option<&str>| {
        if settings.device.as_deref() == name {
            "● "
        } else {
            "○ "
        }
    };
    lines.push("Микрофон (цифра — выбрать):".to_owned());
    lines.push(format!("0. {}Системный по умолчанию", chosen(None)));
    for (index, device) in state.devices.iter().enumerate().take(9) {
        lines.push(format!("{}. {}{device}", index + 1, chosen(Some(device))));
    }
    if state.devices.is_empty() {
        lines.push(
            "Устройств записи нет: подключите микрофон; отвечать можно с клавиатуры.".to_owned(),
        );
    }
    lines.push(String::new());
    lines.push(if settings.voice_activity {
        "Режим: голосовая активность — говорите, пауза 0,8 с завершает ответ (V — переключить на F3).".to_owned()
    } else {
        "Режим: удерживайте F3, пока говорите (V — переключить на голосовую активность).".to_owned()
    });
    lines.push(match (state.model_ready, state.installing) {
        (true, _) => "Модель распознавания: установлена и загружена.".to_owned(),
        (false, Some(share)) => format!(
            "Модель распознавания: устанавливается, {:.0} %.",
            share * 100.0
        ),
        (false, None) => "Модель распознавания: не загружена (I — установить сейчас).".to_owned(),
    });
    lines.push(String::new());
    lines.push(format!(
        "Голос клиента: {} (O — следующий выход), громкость {:.0} % (+/−).",
        match (&settings.speaker, &speech.unavailable) {
            (_, Some(reason)) => format!("звука нет — {reason}"),
            (Some(name), None) => name.clone(),
            (None, None) => "системный выход".to_owned(),
        },
        settings.volume * 100.0
    ));
    lines.push(if settings.no_subtitles {
        "Субтитры: выключены — реплики клиента только слышны, как на линии (C — включить; на экзамене решает экзамен).".to_owned()
    } else {
        "Субтитры: реплики клиента видны, пока он говорит (C — выключить и только слушать).".to_owned()
    });
    lines
}

fn settings_act(
    mut commands: Commands,
    mut actions: MessageReader<Action>,
    mut keys: MessageReader<KeyboardInput>,
    link: Option<Res<VoiceLink>>,
    settings: Option<ResMut<VoiceSettings>>,
    config: Option<Res<AppConfig>>,
    mut state: ResMut<VoiceState>,
    font: Res<UiFont>,
    bodies: Query<Entity, With<SettingsBody>>,
    mut next: ResMut<NextState<Screen>>,
    customer: Option<Res<CustomerVoice>>,
    speech: Res<CustomerSpeech>,
) {
    let (Some(link), Some(mut settings)) = (link, settings) else {
        return;
    };
    let mut changed = false;
    for key in keys.read() {
        if key.state != ButtonState::Pressed {
            continue;
        }
        if let Some(customer) = &customer
            && customer_key(&key.logical_key, &mut settings, &speech, customer)
        {
            changed = true;
            continue;
        }
        let Some(digit) = key
            .text
            .as_ref()
            .and_then(|text| text.chars().next())
            .and_then(|c| c.to_digit(10))
        else {
            continue;
        };
        let device = match digit {
            0 => None,
            n => match state.devices.get(n as usize - 1) {
                Some(device) => Some(device.clone()),
                None => continue,
            },
        };
        settings.device = device;
        state.microphone = MicrophoneState::Closed;
        link.send(Command::Open(settings.device.clone()));
        changed = true;
    }
    for action in actions.read() {
        match action {
            Action::ToggleVoiceActivity => {
                settings.voice_activity = !settings.voice_activity;
                changed = true;
            }
            Action::InstallModel => {
                state.status = "Готовлю модель распознавания…".to_owned();
                link.send(Command::Prepare { install: true });
            }
            Action::Scenarios => next.set(Screen::Scenarios),
            _ => {}
        }
    }
    if changed
        && let Some(config) = &config
        && let Err(error) = settings.save(config)
    {
        state.status = format!(
            "Настройки не сохранены в {}: {error}.",
            VoiceSettings::file(config).display()
        );
    }
    if changed || state.is_changed() || settings.is_changed() || speech.is_changed() {
        for body in &bodies {
            commands.entity(body).despawn_children();
            commands.entity(body).with_children(|body| {
                for line in settings_lines(&settings, &state, &speech) {
                    body.spawn(theme::label(&font, line, 18.0, theme::TEXT));
                }
            });
        }
    }
}

/// The customer's voice keys: O the next sound output, + and − the volume, C subtitles.
/// `true` when the key was one of them.
fn customer_key(
    key: &Key,
    settings: &mut VoiceSettings,
    speech: &CustomerSpeech,
    customer: &CustomerVoice,
) -> bool {
    let Key::Character(text) = key else {
        return false;
    };
    match text.to_lowercase().as_str() {
        "o" | "щ" => {
            // The default, then each output in turn.
            let next = match &settings.speaker {
                None => speech.devices.first().cloned(),
                Some(current) => speech
                    .devices
                    .iter()
                    .skip_while(|device| *device != current)
                    .nth(1)
                    .cloned(),
            };
            settings.speaker = next;
            customer.send(Say::Open(settings.speaker.clone()));
        }
        "+" | "=" => {
            settings.volume = ((settings.volume + 0.1) * 10.0).round().min(10.0) / 10.0;
            customer.send(Say::Volume(settings.volume));
        }
        "-" => {
            settings.volume = ((settings.volume - 0.1) * 10.0).round().max(0.0) / 10.0;
            customer.send(Say::Volume(settings.volume));
        }
        "c" | "с" => settings.no_subtitles = !settings.no_subtitles,
        _ => return false,
    }
    true
}
