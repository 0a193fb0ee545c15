//! Scenarios, the dictionary and the scorer, loaded on a thread at start: the first frames never
//! wait for files or the dictionary.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};

use bevy::prelude::*;
use callcoach_core::scenario::{Diagnostic, Scenario, check_paths};
use callcoach_core::scoring::Scorer;
use callcoach_core::text::Morphology;

use super::AppConfig;

/// Everything a call needs, once loaded.
#[derive(Resource, Clone)]
pub struct Library {
    /// Playable scenarios (no errors), with their files.
    pub scenarios: Vec<(PathBuf, Scenario)>,
    /// Problems in scenario files, as `callcoach check` reports them.
    pub diagnostics: Vec<Diagnostic>,
    /// The dictionary.
    pub morphology: Morphology,
    /// The default rubric's scorer.
    pub scorer: Scorer,
}

/// The library still on its way, or why it could not come.
#[derive(Resource)]
struct Loading(Mutex<Receiver<Result<Library, String>>>);

/// Why the library failed to load (the bundled dictionary or rubric is broken).
#[derive(Resource, Debug)]
pub struct LibraryFailed(pub String);

pub(super) fn plugin(app: &mut App) {
    app.add_systems(PreStartup, start_loading);
    app.add_systems(PreUpdate, receive);
}

/// Loads the library now, on this thread: for tests and tools.
pub fn load(scenarios: &std::path::Path) -> Result<Library, String> {
    let morphology = Morphology::shared().map_err(|error| error.to_string())?;
    let scorer =
        Scorer::with_default_rubric(morphology.clone()).map_err(|error| error.to_string())?;
    let report = check_paths(&[scenarios.to_owned()], &morphology, &scorer);
    Ok(Library {
        scenarios: report.scenarios,
        diagnostics: report.diagnostics,
        morphology,
        scorer,
    })
}

fn start_loading(
    mut commands: Commands,
    config: Option<Res<AppConfig>>,
    ready: Option<Res<Library>>,
) {
    let (Some(config), None) = (config, ready) else {
        return;
    };
    let (sender, receiver) = channel();
    let folder = config.scenarios.clone();
    std::thread::Builder::new()
        .name("scenario-loader".to_owned())
        .spawn(move || {
            let _ = sender.send(load(&folder));
        })
        .ok();
    commands.insert_resource(Loading(Mutex::new(receiver)));
}

fn receive(mut commands: Commands, loading: Option<Res<Loading>>) {
    let Some(loading) = loading else { return };
    let Ok(receiver) = loading.0.lock() else {
        return;
    };
    if let Ok(result) = receiver.try_recv() {
        match result {
            Ok(library) => commands.insert_resource(library),
            Err(reason) => commands.insert_resource(LibraryFailed(reason)),
        }
        commands.remove_resource::<Loading>();
    }
}
