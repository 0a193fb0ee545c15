//! Files callcoach writes for people (reports, certificates, key files): always whole, never
//! over what is not ours. Each is written to a temporary file beside it and then put in place in
//! one step, so a full disk or a killed process leaves the old file (or none), never a cut-off
//! one.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use callcoach_core::source::io_reason;

/// What to do when the file is already there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Refuse: the file stays as it is; the message names the flag that would replace it, if
    /// the command has one.
    Refuse(Option<&'static str>),
    /// Replace it (only a regular file; never a folder, a link or a device).
    Replace,
}

/// Writes `bytes` to `path`. Never over a file in `protected` (the progress database), a
/// folder, a link or a device; over an existing file only with [`Existing::Replace`].
pub fn write_file(
    path: &Path,
    bytes: &[u8],
    existing: Existing,
    protected: &[&Path],
) -> anyhow::Result<()> {
    let same_file = |other: &Path| match (std::fs::canonicalize(path), std::fs::canonicalize(other))
    {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if protected.iter().any(|other| same_file(other)) {
        bail!(
            "{} — это база прогресса; в неё ничего, кроме результатов, не пишется. Укажите другое имя файла.",
            path.display()
        );
    }
    if let Ok(found) = std::fs::symlink_metadata(path) {
        if !found.file_type().is_file() {
            bail!(
                "{} — это папка, ссылка или устройство; запись идёт только в обычный файл.",
                path.display()
            );
        }
        if let Existing::Refuse(flag) = existing {
            let or_flag = flag
                .map(|flag| format!(" или добавьте {flag}, чтобы заменить его"))
                .unwrap_or_default();
            bail!(
                "файл {} уже есть и не перезаписывается; укажите другое имя{or_flag}",
                path.display()
            );
        }
    }
    let partial = write_partial(path, bytes)?;
    let placed = match existing {
        Existing::Replace => std::fs::rename(&partial, path),
        // A hard link fails when the name is taken: nothing is ever replaced by accident, even
        // when another process creates the file meanwhile.
        Existing::Refuse(_) => std::fs::hard_link(&partial, path),
    };
    let _ = std::fs::remove_file(&partial);
    placed.map_err(|error| {
        anyhow!(
            "не удалось записать {}: {}",
            path.display(),
            io_reason(&error)
        )
    })
}

/// Writes `bytes` as a new file in `folder` named `stem.extension`, or `stem-2.extension`,
/// `stem-3.extension`… when the name is taken; returns the path written.
pub fn write_new_in(
    folder: &Path,
    stem: &str,
    extension: &str,
    bytes: &[u8],
) -> anyhow::Result<PathBuf> {
    for attempt in 1..1000 {
        let name = if attempt == 1 {
            format!("{stem}.{extension}")
        } else {
            format!("{stem}-{attempt}.{extension}")
        };
        let path = folder.join(name);
        if std::fs::symlink_metadata(&path).is_ok() {
            continue;
        }
        let partial = write_partial(&path, bytes)?;
        let placed = std::fs::hard_link(&partial, &path);
        let _ = std::fs::remove_file(&partial);
        match placed {
            Ok(()) => return Ok(path),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => bail!(
                "не удалось записать {}: {}",
                path.display(),
                io_reason(&error)
            ),
        }
    }
    bail!(
        "в папке {} слишком много файлов {stem}: выберите другую папку",
        folder.display()
    )
}

/// Writes the whole of `bytes` to a hidden temporary file beside `path`, flushed to disk.
fn write_partial(path: &Path, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| anyhow!("{} — не имя файла", path.display()))?;
    let mut partial_name = std::ffi::OsString::from(".");
    partial_name.push(name);
    partial_name.push(format!(".{}.partial", std::process::id()));
    let partial = path.with_file_name(partial_name);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        });
    if let Err(error) = written {
        let _ = std::fs::remove_file(&partial);
        bail!(
            "не удалось записать {}: {}",
            path.display(),
            io_reason(&error)
        );
    }
    Ok(partial)
}
