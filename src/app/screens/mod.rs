//! The screens, a plugin each. They share what they must through [`super::state`] and use the
//! services (the database thread, the library, the voice thread, the theme), never each other.

pub mod call;
pub mod debrief;
pub mod exam;
pub mod progress;
pub mod scenarios;
pub mod settings;
pub mod trainee;

use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((
        trainee::plugin,
        scenarios::plugin,
        call::plugin,
        debrief::plugin,
        progress::plugin,
        exam::plugin,
        settings::plugin,
    ));
}
