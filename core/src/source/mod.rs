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

/// Why a text file could not be read, in Russian.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The system refused: what it means.
    #[error("{0}")]
    Io(String),
    /// A folder, pipe, device or socket.
    #[error("{0}")]
    NotRegular(&'static str),
    /// Larger than the limit.
    #[error("файл слишком большой: {size} КБ, а читается не больше {limit} КБ")]
    TooLarge {
        /// Its size, KB.
        size: u64,
        /// The limit, KB.
        limit: u64,
    },
    /// Not UTF-8.
    #[error("файл не в кодировке UTF-8")]
    NotUtf8,
}

/// Reads a text file of at most `limit` bytes. Only a regular file is opened — a FIFO would
/// block and a device never end — and a UTF-8 byte order mark is dropped.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    use std::io::Read;
    let metadata = std::fs::metadata(path).map_err(|error| ReadError::Io(io_reason(&error)))?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(if metadata.is_dir() {
            "это папка"
        } else {
            "это не обычный файл (канал, устройство или сокет)"
        }));
    }
    let too_large = |size: u64| ReadError::TooLarge {
        size: size.div_ceil(1024),
        limit: limit / 1024,
    };
    if metadata.len() > limit {
        return Err(too_large(metadata.len()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|error| ReadError::Io(io_reason(&error)))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    let text = String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

impl SourceFile {
    /// Reads a file; an unreadable file is a diagnostic, not a crash. Only a regular file of at
    /// most [`MAX_SOURCE_BYTES`] is read ([`read_text`]).
    pub fn read(path: &Path) -> Result<Self, Diagnostic> {
        let text = read_text(path, MAX_SOURCE_BYTES).map_err(|error| {
            let help = match error {
                ReadError::Io(_) => {
                    "Проверьте путь к файлу и права на чтение; файл должен быть в кодировке UTF-8."
                }
                ReadError::NotRegular(_) => {
                    "Укажите файл сценария, рубрики или экзамена (.ron) или папку с ними."
                }
                ReadError::TooLarge { .. } => {
                    "Сценарии, рубрики и экзамены — небольшие текстовые файлы (до 4 МБ): проверьте, \
                     тот ли это файл."
                }
                ReadError::NotUtf8 => {
                    "Сохраните файл в кодировке UTF-8 (в большинстве редакторов — «Сохранить как…», \
                     кодировка UTF-8)."
                }
            };
            Diagnostic::whole_file(path, format!("не удалось прочитать файл: {error}"), help)
        })?;
        Ok(SourceFile {
            path: path.to_owned(),
            text,
        })
    }
}

/// What a failed file operation means, in Russian (the system's English never reaches a user).
pub fn io_reason(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "файла или папки нет".to_owned(),
        ErrorKind::PermissionDenied => "нет прав доступа".to_owned(),
        ErrorKind::AlreadyExists => "файл уже есть".to_owned(),
        ErrorKind::InvalidData => "файл не в кодировке UTF-8".to_owned(),
        ErrorKind::StorageFull => "на диске нет места".to_owned(),
        ErrorKind::ReadOnlyFilesystem => "диск доступен только для чтения".to_owned(),
        ErrorKind::IsADirectory => "это папка".to_owned(),
        ErrorKind::NotADirectory => "часть пути — не папка".to_owned(),
        ErrorKind::BrokenPipe => "получатель вывода закрыт".to_owned(),
        ErrorKind::Interrupted => "операция прервана".to_owned(),
        _ => match error.raw_os_error() {
            Some(code) => format!("системная ошибка {code}"),
            None => "ошибка ввода-вывода".to_owned(),
        },
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
