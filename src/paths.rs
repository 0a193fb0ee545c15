//! Where the bundled files are: next to the working directory, the executable or the sources.

use std::path::{Path, PathBuf};

/// The environment variable that overrides the scenarios folder.
const SCENARIOS_ENV: &str = "CALLCOACH_SCENARIOS";

/// The scenarios folder: the flag, else the environment, else the first bundled folder found.
pub fn scenario_folder(flag: Option<&Path>) -> PathBuf {
    if let Some(folder) = flag {
        return folder.to_owned();
    }
    if let Some(folder) = std::env::var_os(SCENARIOS_ENV) {
        return PathBuf::from(folder);
    }
    bundled("scenarios")
}

/// The scenarios folder and, when it has one, its `exams/` subfolder: what the app and `exam`
/// load.
pub fn with_exams(scenarios: &Path) -> Vec<PathBuf> {
    let mut folders = vec![scenarios.to_owned()];
    let exams = scenarios.join("exams");
    if exams.is_dir() {
        folders.push(exams);
    }
    folders
}

/// The bundled assets (fonts, rubrics): what Bevy loads files from. Absolute, because Bevy reads
/// a relative asset path from the executable's folder, not the working directory.
pub fn asset_folder() -> PathBuf {
    let folder = bundled("assets");
    std::fs::canonicalize(&folder).unwrap_or(folder)
}

/// The folder of bundled rubrics, checked with the scenarios.
pub fn rubric_folder() -> PathBuf {
    bundled("assets/rubrics")
}

/// A bundled folder: in the working directory, beside the executable, or (for `cargo run` and
/// tests) in the source tree the binary was built from.
fn bundled(name: &str) -> PathBuf {
    let mut candidates = vec![PathBuf::from(name)];
    if let Ok(executable) = std::env::current_exe() {
        for ancestor in executable.ancestors().skip(1).take(3) {
            candidates.push(ancestor.join(name));
        }
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(name));
    candidates
        .iter()
        .find(|candidate| candidate.is_dir())
        .cloned()
        .unwrap_or_else(|| PathBuf::from(name))
}

/// The environment variable that overrides the speech model's path.
#[cfg(feature = "speech")]
const MODEL_ENV: &str = "CALLCOACH_MODEL";

#[cfg(feature = "speech")]
/// The speech model: `--model`, else `CALLCOACH_MODEL`, else the one installed in the data
/// directory.
pub fn model_path(flag: Option<&Path>) -> PathBuf {
    if let Some(path) = flag {
        return path.to_owned();
    }
    if let Some(path) = std::env::var_os(MODEL_ENV).filter(|path| !path.is_empty()) {
        return PathBuf::from(path);
    }
    installed_model_path()
}

#[cfg(feature = "speech")]
/// Where `model install` (and the app's first use of speech) puts the model.
pub fn installed_model_path() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("callcoach")
        .join("models")
        .join(callcoach_speech::model::MODEL_FILE)
}
