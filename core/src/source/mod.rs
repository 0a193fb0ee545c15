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

impl SourceFile {
    /// Reads a file; an unreadable file is a diagnostic, not a crash.
    pub fn read(path: &Path) -> Result<Self, Diagnostic> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(SourceFile {
                path: path.to_owned(),
                text,
            }),
            Err(error) => Err(Diagnostic {
                file: path.to_owned(),
                line: 1,
                column: 1,
                severity: Severity::Error,
                message: format!("не удалось прочитать файл: {}", io_reason(&error)),
                help:
                    "Проверьте путь к файлу и права на чтение; файл должен быть в кодировке UTF-8."
                        .to_owned(),
            }),
        }
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
