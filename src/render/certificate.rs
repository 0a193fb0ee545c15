//! A certificate as people get it: the printable page, and the files handed out (the signed
//! JSON and that page), written the same way by `exam start` and the app's database thread.

use std::path::{Path, PathBuf};

use callcoach_core::certificate::{Certificate, date};
use callcoach_core::scoring::Category;

use super::escape;

/// A printable page: the certificate as people read it, with its number and key to verify.
pub fn certificate_html(certificate: &Certificate) -> String {
    let rows: String = certificate
        .categories
        .iter()
        .map(|(category, score)| {
            let title =
                Category::from_id(category).map_or(category.as_str(), |known| known.title());
            format!("<tr><td>{}</td><td>{score}</td></tr>", escape(title))
        })
        .collect();
    format!(
        r#"<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>Сертификат {number}</title>
<style>
body {{ font-family: "DejaVu Serif", Georgia, serif; background: #f4f1ea; margin: 0; }}
.sheet {{ width: 190mm; min-height: 260mm; margin: 10mm auto; padding: 18mm; background: #fff;
  border: 3px double #7a5c2e; box-sizing: border-box; }}
h1 {{ text-align: center; letter-spacing: .08em; color: #5a3e14; margin: 0 0 4mm; }}
.sub {{ text-align: center; color: #555; margin-bottom: 14mm; }}
.name {{ text-align: center; font-size: 26pt; margin: 6mm 0; }}
.exam {{ text-align: center; font-size: 14pt; margin-bottom: 10mm; }}
table {{ margin: 0 auto 10mm; border-collapse: collapse; min-width: 60%; }}
td {{ border-bottom: 1px solid #ddd; padding: 2mm 4mm; }} td + td {{ text-align: right; }}
.total td {{ font-weight: bold; border-top: 2px solid #7a5c2e; }}
.meta {{ font-size: 10pt; color: #444; }} code {{ word-break: break-all; font-size: 8pt; }}
@media print {{ body {{ background: none; }} .sheet {{ margin: 0; border-width: 2px; }} }}
</style></head>
<body><div class="sheet">
<h1>СЕРТИФИКАТ</h1>
<div class="sub">№ {number}</div>
<div class="exam">Настоящим подтверждается, что</div>
<div class="name">{trainee}</div>
<div class="exam">успешно сдал(а) экзамен<br><b>«{exam}»</b></div>
<table>{rows}<tr class="total"><td>Итог</td><td>{total}</td></tr></table>
<p class="meta">Выдан: {issued} · Действителен до: {valid}</p>
<p class="meta">Проверка подлинности: <code>callcoach cert verify</code> с файлом сертификата (JSON).<br>
Ключ экзаменатора: <code>{key}</code></p>
</div></body></html>
"#,
        number = escape(&certificate.number),
        trainee = escape(&certificate.trainee),
        exam = escape(&certificate.exam_title),
        total = certificate.total,
        issued = date(certificate.issued_at),
        valid = date(certificate.valid_until),
        key = escape(&certificate.public_key),
    )
}

/// Writes the signed JSON and the printable HTML into `folder` (created if missing), each as a
/// new file — a file already there is never replaced: the name takes a `-2`; returns both paths.
/// The error says which file could not be written, in Russian.
pub fn write(certificate: &Certificate, folder: &Path) -> Result<(PathBuf, PathBuf), String> {
    std::fs::create_dir_all(folder).map_err(|error| {
        format!(
            "не удалось создать папку {}: {}",
            folder.display(),
            callcoach_core::source::io_reason(&error)
        )
    })?;
    let json = crate::output::write_new_in(
        folder,
        &certificate.number,
        "json",
        (certificate.to_json() + "\n").as_bytes(),
    )
    .map_err(|error| error.to_string())?;
    let html = crate::output::write_new_in(
        folder,
        &certificate.number,
        "html",
        certificate_html(certificate).as_bytes(),
    )
    .map_err(|error| error.to_string())?;
    Ok((json, html))
}
