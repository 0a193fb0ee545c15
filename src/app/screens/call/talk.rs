//! Push-to-talk in the call: F3 (or the «Говорить» button) held records, released recognises;
//! in voice-activity mode the voice thread listens from the call's start and after each reply.

use bevy::ecs::system::SystemParam;
use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
use callcoach_core::text::capitalised;

use crate::app::customer::CustomerVoice;
use crate::app::state::ActiveCall;
use crate::app::voice::{
    Command, HeardReply, MicrophoneState, VoiceLink, VoiceSettings, VoiceState, prompt,
};

pub(super) fn open_for_call(
    link: Option<Res<VoiceLink>>,
    customer: Option<Res<CustomerVoice>>,
    settings: Option<Res<VoiceSettings>>,
    call: Option<Res<ActiveCall>>,
    mut state: ResMut<VoiceState>,
    mut heard: ResMut<HeardReply>,
) {
    let (Some(link), Some(settings)) = (link, settings) else {
        return;
    };
    *heard = HeardReply::default();
    state.recording = false;
    state.recognising = false;
    if state.microphone == MicrophoneState::Closed {
        link.send(Command::Open(settings.device.clone()));
    }
    link.send(Command::Prepare { install: false });
    if let Some(customer) = customer {
        // Heard speech stops the customer: the barge-in of voice activity.
        link.send(Command::OnSpeech(customer.cutter()));
    }
    if settings.voice_activity {
        link.send(Command::Listen {
            prompt: prompt(call.as_deref()),
        });
    }
}

pub(super) fn leave_call(link: Option<Res<VoiceLink>>, mut state: ResMut<VoiceState>) {
    if let Some(link) = link {
        link.send(Command::Cancel);
    }
    state.recording = false;
}

/// What pressing and releasing the talk key (or button) works on.
#[derive(SystemParam)]
pub(super) struct Talk<'w> {
    link: Option<Res<'w, VoiceLink>>,
    settings: Option<Res<'w, VoiceSettings>>,
    call: Option<Res<'w, ActiveCall>>,
    state: ResMut<'w, VoiceState>,
    heard: ResMut<'w, HeardReply>,
    time: Res<'w, Time>,
    customer: Option<Res<'w, CustomerVoice>>,
}

impl Talk<'_> {
    /// The key or button went down (`pressed`) or up.
    fn talk(&mut self, pressed: bool) {
        let Some(link) = &self.link else { return };
        let call = self.call.as_deref();
        let state = &mut *self.state;
        if self
            .settings
            .as_ref()
            .is_some_and(|settings| settings.voice_activity)
        {
            state.status =
                "Включён режим голосовой активности: просто говорите, пауза завершает ответ."
                    .to_owned();
            return;
        }
        if let MicrophoneState::Missing(reason) = &state.microphone {
            state.status = capitalised(reason);
            return;
        }
        if let Some(share) = state.installing {
            state.status = format!(
                "Модель распознавания ещё устанавливается ({:.0} %): ответьте с клавиатуры или подождите.",
                share * 100.0
            );
            return;
        }
        let now = self.time.elapsed_secs_f64();
        match (pressed, state.recording) {
            (true, false) => {
                let on_hold = call.is_some_and(ActiveCall::on_hold);
                // The trainee starts speaking: the customer stops there.
                if let Some(customer) = &self.customer {
                    customer.cut_now();
                }
                link.send(Command::Start);
                state.recording = true;
                if self.heard.seconds.is_none() {
                    self.heard.started = now;
                    self.heard.on_hold = on_hold;
                }
                state.status = "Говорите… (отпустите F3, когда закончите)".to_owned();
            }
            (false, true) => {
                state.recording = false;
                state.recognising = true;
                link.send(Command::Stop {
                    prompt: prompt(call),
                });
            }
            _ => {}
        }
    }
}

/// Push-to-talk: F3 down starts recording, F3 up recognises.
pub(super) fn push_to_talk(mut keys: MessageReader<KeyboardInput>, mut talk: Talk) {
    for key in keys.read() {
        if key.logical_key == Key::F3 && !key.repeat {
            talk.talk(key.state == ButtonState::Pressed);
        }
    }
}

/// The talk button works as F3: held down, it records.
pub(super) fn talk_button(
    buttons: Query<&Interaction, (Changed<Interaction>, With<TalkButton>)>,
    mut talk: Talk,
) {
    for interaction in &buttons {
        let pressed = *interaction == Interaction::Pressed;
        if pressed != talk.state.recording {
            talk.talk(pressed);
        }
    }
}

/// Marks the button that records while held.
#[derive(Component)]
pub struct TalkButton;

/// After a spoken reply is sent, voice-activity mode listens for the next one.
pub(super) fn listen_again(
    link: Option<&VoiceLink>,
    settings: Option<&VoiceSettings>,
    call: Option<&ActiveCall>,
) {
    if let (Some(link), Some(settings)) = (link, settings)
        && settings.voice_activity
        && call.is_some_and(|call| !call.is_over())
    {
        link.send(Command::Listen {
            prompt: prompt(call),
        });
    }
}
