//! Scenarios, the dictionary and the scorer, loaded on a thread at start: the first frames never
//! wait for files or the dictionary. The scenario folder is watched while the app runs: an edited
//! file is reloaded; a file broken by the edit keeps its last good version and shows why.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::{Duration, SystemTime};

use bevy::prelude::*;
use callcoach_core::check::check_paths;
use callcoach_core::exam::Exam;
use callcoach_core::meaning::{Embeddings, Lexicon};
use callcoach_core::scenario::{Diagnostic, Scenario};
use callcoach_core::scoring::Scorer;
use callcoach_core::source::ron_files;
use callcoach_core::text::Morphology;

use super::AppConfig;
use crate::paths::with_exams;

/// Everything a call needs, once loaded.
#[derive(Resource, Clone)]
pub struct Library {
    /// Playable scenarios, with their files.
    pub scenarios: Vec<(PathBuf, Scenario)>,
    /// Certification exams (`exams/` in the scenarios folder), with their files.
    pub exams: Vec<(PathBuf, Exam)>,
    /// Problems in scenario files, as `callcoach check` reports them.
    pub diagnostics: Vec<Diagnostic>,
    /// The dictionary and the lexicon of meanings the customer understands replies by.
    pub lexicon: Lexicon,
    /// The default rubric's scorer.
    pub scorer: Scorer,
    /// The scenario and exam files and when they last changed, to notice edits.
    pub stamps: Stamps,
}

/// Files and their modification times.
pub type Stamps = Vec<(PathBuf, Option<SystemTime>)>;

/// The library still on its way.
#[derive(Resource)]
struct Loading(Mutex<Receiver<Result<Library, String>>>);

/// Why the library failed to load (the bundled dictionary or rubric is broken).
#[derive(Resource, Debug)]
pub struct LibraryFailed(pub String);

/// How often the scenario folder is looked at for edits.
const WATCH_EVERY: Duration = Duration::from_secs(2);

pub(super) fn plugin(app: &mut App) {
    app.add_systems(PreStartup, start_loading);
    app.add_systems(PreUpdate, receive);
    app.add_systems(Update, watch);
}

/// The files of the scenario and exam folders and their modification times: a few `stat`s,
/// cheap enough for a frame every couple of seconds.
fn stamps(folder: &Path) -> Stamps {
    with_exams(folder)
        .iter()
        .flat_map(|folder| ron_files(folder).unwrap_or_default())
        .map(|path| {
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
            (path, modified)
        })
        .collect()
}

/// Loads the library now, on this thread: for tests and tools.
pub fn load(scenarios: &Path) -> Result<Library, String> {
    // The vectors parse on their own thread: neither the list nor the first reply waits.
    Embeddings::preload();
    let morphology = Morphology::shared().map_err(|error| error.to_string())?;
    let scorer =
        Scorer::with_default_rubric(morphology.clone()).map_err(|error| error.to_string())?;
    let stamps = stamps(scenarios);
    let report = check_paths(&with_exams(scenarios), &morphology, &scorer);
    Ok(Library {
        scenarios: report.scenarios,
        exams: report.exams,
        diagnostics: report.diagnostics,
        lexicon: Lexicon::shared().map_err(|error| error.to_string())?,
        scorer,
        stamps,
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
    load_in_background(&mut commands, config.scenarios.clone());
}

/// What the app says when the loading thread ended without a library (it could not be
/// started, or it failed): the scenario list would otherwise wait forever.
const LOADER_GONE: &str = "не удалось загрузить сценарии: поток загрузки остановился. Перезапустите callcoach; если это повторится, запустите callcoach check.";

fn load_in_background(commands: &mut Commands, folder: PathBuf) {
    let (sender, receiver) = channel();
    // A thread that cannot be spawned drops the sender: `receive` then reports it.
    let _ = std::thread::Builder::new()
        .name("scenario-loader".to_owned())
        .spawn(move || {
            let _ = sender.send(load(&folder));
        })
        .inspect_err(|error| error!("the scenario loader could not start: {error}"));
    commands.insert_resource(Loading(Mutex::new(receiver)));
}

fn receive(mut commands: Commands, loading: Option<Res<Loading>>, current: Option<Res<Library>>) {
    let Some(loading) = loading else { return };
    let Ok(receiver) = loading.0.lock() else {
        return;
    };
    let result = match receiver.try_recv() {
        Ok(result) => result,
        Err(TryRecvError::Empty) => return,
        Err(TryRecvError::Disconnected) => Err(LOADER_GONE.to_owned()),
    };
    match result {
        Ok(mut library) => {
            if let Some(previous) = current {
                keep_last_good(&mut library, &previous);
                info!("scenarios reloaded: {} playable", library.scenarios.len());
            }
            commands.insert_resource(library);
        }
        // A failed reload keeps the library that works; only a first load has nothing to show.
        Err(reason) if current.is_some() => error!("scenario reload failed: {reason}"),
        Err(reason) => commands.insert_resource(LibraryFailed(reason)),
    }
    commands.remove_resource::<Loading>();
}

/// A scenario that loaded before and is broken now stays playable in its last good version; the
/// diagnostics still say what is wrong with its file.
fn keep_last_good(library: &mut Library, previous: &Library) {
    for (path, scenario) in &previous.scenarios {
        let still_there = library.scenarios.iter().any(|(_, s)| s.id == scenario.id);
        let broken = library.diagnostics.iter().any(|d| &d.file == path);
        if !still_there && broken {
            library.scenarios.push((path.clone(), scenario.clone()));
        }
    }
}

/// Every couple of seconds, looks whether a scenario file changed; if so, reloads off the frame.
fn watch(
    mut commands: Commands,
    time: Res<Time>,
    mut since: Local<Duration>,
    config: Option<Res<AppConfig>>,
    library: Option<Res<Library>>,
    loading: Option<Res<Loading>>,
) {
    *since += time.delta();
    if *since < WATCH_EVERY {
        return;
    }
    *since = Duration::ZERO;
    let (Some(config), Some(library), None) = (config, library, loading) else {
        return;
    };
    if stamps(&config.scenarios) != library.stamps {
        load_in_background(&mut commands, config.scenarios.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loader_that_ended_without_a_library_is_reported_instead_of_awaited() {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins);
        app.add_systems(PreUpdate, receive);
        let (sender, receiver) = channel::<Result<Library, String>>();
        drop(sender);
        app.insert_resource(Loading(Mutex::new(receiver)));
        app.update();
        let failed = app
            .world()
            .get_resource::<LibraryFailed>()
            .expect("the scenario list is told why nothing loaded");
        assert!(
            failed.0.contains("поток загрузки остановился"),
            "{}",
            failed.0
        );
        assert!(app.world().get_resource::<Loading>().is_none());
    }
}
