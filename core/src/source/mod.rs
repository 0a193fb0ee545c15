//! Source files and what is said about them: reading a file once, its content hash (how a
//! scenario, rubric or exam version is pinned), RON parsing with Russian diagnostics, and a
//! positioned outline to point at a field. The bottom layer: everything else may use it, it uses
//! nothing of ours.

pub mod diagnostic;
pub mod outline;
mod parse;

pub use diagnostic::{Diagnostic, Severity};
pub use parse::{ron_diagnostic, ron_options};

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A file's path and text, read once and shared by parsing and diagnostics.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as the user gave it.
    pub path: PathBuf,
    /// The file's contents.
    pub text: String,
}

/// The largest scenario, rubric or exam file read: the bundled ones are under 20 KB, so anything
/// near this is not one (and `/dev/zero` is not read until memory runs out).
pub const MAX_SOURCE_BYTES: u64 = 4 * 1024 * 1024;

impl SourceFile {
    /// Reads a file; an unreadable file is a diagnostic, not a crash. Only a regular file is
    /// opened — a FIFO would block and a device never end — and only up to
    /// [`MAX_SOURCE_BYTES`]; a UTF-8 byte order mark is dropped.
    pub fn read(path: &Path) -> Result<Self, Diagnostic> {
        let problem = |message: String, help: &str| Diagnostic::whole_file(path, message, help);
        let read_help =
            "Проверьте путь к файлу и права на чтение; файл должен быть в кодировке UTF-8.";
        let metadata = std::fs::metadata(path).map_err(|error| {
            problem(
                format!("не удалось прочитать файл: {}", io_reason(&error)),
                read_help,
            )
        })?;
        if !metadata.is_file() {
            let what = if metadata.is_dir() {
                "это папка"
            } else {
                "это не обычный файл (канал, устройство или сокет)"
            };
            return Err(problem(
                format!("не удалось прочитать файл: {what}"),
                "Укажите файл сценария, рубрики или экзамена (.ron) или папку с ними.",
            ));
        }
        if metadata.len() > MAX_SOURCE_BYTES {
            return Err(problem(
                format!(
                    "файл слишком большой для сценария: {} МБ",
                    metadata.len() / (1024 * 1024)
                ),
                "Сценарии, рубрики и экзамены — небольшие текстовые файлы (до 4 МБ): проверьте, \
                 тот ли это файл.",
            ));
        }
        use std::io::Read;
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|file| file.take(MAX_SOURCE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|error| {
                problem(
                    format!("не удалось прочитать файл: {}", io_reason(&error)),
                    read_help,
                )
            })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            problem(
                "файл не в кодировке UTF-8".to_owned(),
                "Сохраните файл в кодировке UTF-8 (в большинстве редакторов — «Сохранить как…», \
                 кодировка UTF-8).",
            )
        })?;
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_owned(),
            None => text,
        };
        Ok(SourceFile {
            path: path.to_owned(),
            text,
        })
    }
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "файл не найден".to_owned(),
        std::io::ErrorKind::PermissionDenied => "нет прав на чтение".to_owned(),
        std::io::ErrorKind::InvalidData => "файл не в кодировке UTF-8".to_owned(),
        _ => error.to_string(),
    }
}

/// SHA-256 of a text, in hex: how scenario, rubric and exam versions are pinned.
pub fn content_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Whether the first value of a RON document (after comments) is a `name(…)` struct: how
/// `check` tells scenarios, rubrics and exams apart in one folder.
pub fn top_level_is(text: &str, name: &str) -> bool {
    text.lines()
        .map(str::trim_start)
        .find(|line| !line.is_empty() && !line.starts_with("//"))
        .and_then(|line| line.strip_prefix(name))
        .is_some_and(|rest| rest.trim_start().starts_with('(') || rest.trim().is_empty())
}

/// The `.ron` files directly inside a folder, sorted by name.
pub fn ron_files(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "ron"))
        .collect();
    files.sort();
    Ok(files)
}
