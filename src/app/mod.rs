//! The desktop trainer: a Bevy app over the core. `callcoach` with no arguments opens it.
//!
//! Screens are states ([`Screen`]); each screen is a plugin in its own file under [`screens`],
//! and what they share lives in [`state`]. Everything slow runs off the frame on a service
//! thread: scenarios load on one ([`library`]), the database lives on one ([`store`]), the
//! team's sync on one ([`team`]), the microphone and whisper on one ([`voice`]).

// Bevy systems declare the data they touch in their signatures: long parameter lists and query
// types are how the scheduler sees them, not a design smell here.
#![allow(
    clippy::too_many_arguments,
    clippy::type_complexity,
    reason = "Bevy system signatures"
)]

pub mod customer;
mod demo;
pub mod draft;
pub mod library;
pub mod screens;
pub mod state;
pub mod store;
pub mod team;
pub mod theme;
pub mod voice;

use std::path::PathBuf;

use bevy::prelude::*;

/// What the app works on.
#[derive(Clone, Debug, Resource)]
pub struct AppConfig {
    /// The scenarios folder.
    pub scenarios: PathBuf,
    /// The progress database.
    pub db: PathBuf,
    /// `--demo-screenshots DIR`: play the scripted demo, save screenshots here, exit.
    pub demo: Option<PathBuf>,
    /// `--seed N`: every call and exam sitting uses this seed (to replay a recorded call);
    /// `None` draws a new one each time.
    pub seed: Option<u64>,
}

/// The screens, in the order a trainee meets them.
#[derive(States, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Screen {
    /// Pick yourself or add yourself.
    #[default]
    Trainee,
    /// Pick a scenario.
    Scenarios,
    /// The call.
    Call,
    /// The debrief after a call.
    Debrief,
    /// The trainee's progress over time.
    Progress,
    /// Certification: pick an exam, its calls one after another, the verdict and certificate.
    Exam,
    /// The microphone, push-to-talk or voice activity, the speech model.
    Settings,
}

/// The order of work in a frame: input becomes actions, screens act on them, then views show
/// the result — so a key press is handled in the frame it arrives.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AppSystems {
    /// Keys and clicks become [`theme::Action`]s.
    Input,
    /// Screens act.
    Act,
    /// Views show the state.
    Show,
}

/// Everything of ours, without windowing or rendering: the app adds those, tests use
/// `MinimalPlugins`.
pub fn plugin(app: &mut App) {
    app.init_state::<Screen>();
    app.configure_sets(
        Update,
        (AppSystems::Input, AppSystems::Act, AppSystems::Show).chain(),
    );
    app.add_plugins((
        theme::plugin,
        store::plugin,
        team::plugin,
        library::plugin,
        draft::plugin,
        screens::plugin,
        voice::plugin,
        customer::plugin,
    ));
}

/// Opens the window and runs until it is closed.
pub fn run(config: AppConfig) -> anyhow::Result<std::process::ExitCode> {
    let assets = crate::paths::asset_folder();
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: "callcoach — тренажёр трудных звонков".to_owned(),
                    resolution: (1280, 800).into(),
                    ..default()
                }),
                ..default()
            })
            .set(AssetPlugin {
                file_path: assets.to_string_lossy().into_owned(),
                ..default()
            }),
    );
    if let Some(folder) = &config.demo {
        std::fs::create_dir_all(folder)?;
        demo::prepare(&config.db)?;
        app.insert_resource(demo::DemoOutput(folder.clone()));
        app.add_plugins(demo::plugin);
    }
    app.insert_resource(config);
    app.add_systems(Startup, |mut commands: Commands| {
        commands.spawn(Camera2d);
    });
    app.add_plugins(plugin);
    match app.run() {
        AppExit::Success => Ok(std::process::ExitCode::SUCCESS),
        AppExit::Error(code) => Ok(std::process::ExitCode::from(code.get())),
    }
}
