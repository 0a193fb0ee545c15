//! A certificate handed out as files: the signed JSON and the printable HTML page, written by
//! `exam start` and by the app's database thread the same way.

use std::path::{Path, PathBuf};

use callcoach_core::certificate::Certificate;

/// Writes the signed JSON and the printable HTML into `folder` (created if missing); returns
/// both paths. The error says which file could not be written, in Russian.
pub fn write(certificate: &Certificate, folder: &Path) -> Result<(PathBuf, PathBuf), String> {
    std::fs::create_dir_all(folder)
        .map_err(|error| format!("не удалось создать папку {}: {error}", folder.display()))?;
    let json = folder.join(format!("{}.json", certificate.number));
    let html = folder.join(format!("{}.html", certificate.number));
    for (path, content) in [
        (&json, certificate.to_json() + "\n"),
        (&html, certificate.to_html()),
    ] {
        std::fs::write(path, content)
            .map_err(|error| format!("не удалось записать {}: {error}", path.display()))?;
    }
    Ok((json, html))
}
