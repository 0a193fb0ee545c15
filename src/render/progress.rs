//! Progress reports as a trainer and QA read them: text for the terminal, CSV for spreadsheets,
//! and a self-contained HTML page with the category scores over attempts as an SVG chart drawn
//! by `plotters`. The data is the core's (`callcoach_core::report`, with its JSON for the LMS);
//! how it looks is the front end's.

use std::fmt::Write as _;

use callcoach_core::certificate::{date, date_time};
use callcoach_core::report::{DesktopRow, GroupReport, MisunderstoodReport, TraineeReport};
use callcoach_core::scoring::Category;
use callcoach_core::store::{AttemptRow, CertificateRow, GroupRow};
use plotters::prelude::*;

use super::escape;

/// The report as a trainer reads it in a terminal.
pub fn trainee_text(report: &TraineeReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Прогресс: {} (на {})",
        report.trainee,
        date_time(report.made_at)
    );
    let _ = writeln!(out, "\nПопытки ({}):", report.attempts.len());
    for attempt in &report.attempts {
        let _ = writeln!(
            out,
            "  {}  {:<24} {:<8} {:<12} {}{}",
            date_time(attempt.started_at),
            attempt.scenario_id,
            mode_title(&attempt.mode),
            status_title(&attempt.status),
            total_text(attempt.total, attempt.passed),
            attempt
                .desktop
                .as_ref()
                .map_or_else(String::new, |desktop| format!("  (место {desktop})"))
        );
    }
    if !report.trend.is_empty() {
        let _ = writeln!(
            out,
            "\nДинамика по категориям (первые → последние попытки):"
        );
        for trend in &report.trend {
            let _ = writeln!(
                out,
                "  {:<18} {:>5.1} → {:>5.1}",
                category_title(&trend.category),
                trend.first,
                trend.last
            );
        }
    }
    write_rules(&mut out, &report.broken_rules);
    if !report.exams.is_empty() {
        let _ = writeln!(out, "\nЭкзамены:");
        for exam in &report.exams {
            let _ = writeln!(
                out,
                "  {}  {}  {}",
                date_time(exam.started_at),
                exam.exam_id,
                match exam.passed {
                    Some(true) => format!("сдан ({})", exam.total.unwrap_or(0)),
                    Some(false) => format!("не сдан ({})", exam.total.unwrap_or(0)),
                    None => "прерван".to_owned(),
                }
            );
        }
    }
    let _ = writeln!(out, "\nСертификаты:");
    if report.certificates.is_empty() {
        let _ = writeln!(out, "  нет");
    }
    for certificate in &report.certificates {
        let _ = writeln!(
            out,
            "  № {} от {}, {}",
            certificate.number,
            date(certificate.issued_at),
            validity(certificate, report.made_at)
        );
    }
    out
}

/// One CSV row per attempt.
pub fn trainee_csv(report: &TraineeReport) -> String {
    let mut out = String::from("trainee,started_at,scenario,mode,status,total,passed");
    for category in Category::ALL {
        let _ = write!(out, ",{}", category.id());
    }
    out.push('\n');
    for attempt in &report.attempts {
        let _ = write!(
            out,
            "{},{},{},{},{},{},{}",
            csv(&report.trainee),
            date_time(attempt.started_at),
            csv(&attempt.scenario_id),
            attempt.mode,
            attempt.status,
            attempt.total.map(|t| t.to_string()).unwrap_or_default(),
            attempt.passed.map(|p| p.to_string()).unwrap_or_default()
        );
        for category in Category::ALL {
            let score = attempt.categories.get(category.id());
            let _ = write!(out, ",{}", score.map(|s| s.to_string()).unwrap_or_default());
        }
        out.push('\n');
    }
    out
}

/// A self-contained HTML page with the progress chart.
pub fn trainee_html(report: &TraineeReport) -> String {
    let chart = trainee_chart(report);
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>Прогресс: {}</h1><p class=\"meta\">Отчёт на {} · попыток: {}</p>{chart}",
        escape(&report.trainee),
        date_time(report.made_at),
        report.attempts.len()
    );
    body.push_str("<h2>Динамика по категориям</h2><table><tr><th>Категория</th><th>Первые попытки</th><th>Последние</th></tr>");
    for trend in &report.trend {
        let arrow = if trend.last > trend.first + 0.5 {
            "▲"
        } else if trend.last + 0.5 < trend.first {
            "▼"
        } else {
            "="
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{:.1}</td><td>{:.1} {arrow}</td></tr>",
            category_title(&trend.category),
            trend.first,
            trend.last
        );
    }
    body.push_str("</table>");
    html_rules(&mut body, &report.broken_rules);
    body.push_str("<h2>Экзамены и сертификаты</h2><ul>");
    for exam in &report.exams {
        let _ = write!(
            body,
            "<li>{} — {}: {}</li>",
            date(exam.started_at),
            escape(&exam.exam_id),
            match exam.passed {
                Some(true) => "сдан",
                Some(false) => "не сдан",
                None => "прерван",
            }
        );
    }
    for certificate in &report.certificates {
        let _ = write!(
            body,
            "<li>Сертификат № {} — {}</li>",
            escape(&certificate.number),
            validity(certificate, report.made_at)
        );
    }
    if report.exams.is_empty() && report.certificates.is_empty() {
        body.push_str("<li>пока нет</li>");
    }
    body.push_str("</ul><h2>Попытки</h2><table><tr><th>Дата</th><th>Сценарий</th><th>Режим</th><th>Статус</th><th>Итог</th></tr>");
    for attempt in report.attempts.iter().rev() {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            date_time(attempt.started_at),
            escape(&attempt.scenario_id),
            mode_title(&attempt.mode),
            status_title(&attempt.status),
            total_text(attempt.total, attempt.passed)
        );
    }
    body.push_str("</table>");
    page(&format!("Прогресс: {}", report.trainee), &body)
}

/// The category scores over attempts as an SVG line chart.
fn trainee_chart(report: &TraineeReport) -> String {
    let scored: Vec<&AttemptRow> = report
        .attempts
        .iter()
        .filter(|attempt| !attempt.categories.is_empty())
        .collect();
    if scored.is_empty() {
        return "<p>Оценённых попыток пока нет — график появится после первого звонка.</p>"
            .to_owned();
    }
    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (900, 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let max_x = u32::try_from(scored.len()).unwrap_or(u32::MAX).max(2);
        // Scores reach 30 (wording); the band above keeps the legend off the lines.
        let mut chart = ChartBuilder::on(&root)
            .caption("Баллы по категориям", ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(1u32..max_x, 0u32..45u32)?;
        chart
            .configure_mesh()
            .x_desc("Попытка")
            .y_desc("Баллы")
            .draw()?;
        let colours = [
            RGBColor(0x1f, 0x77, 0xb4),
            RGBColor(0xff, 0x7f, 0x0e),
            RGBColor(0x2c, 0xa0, 0x2c),
            RGBColor(0xd6, 0x27, 0x28),
            RGBColor(0x94, 0x67, 0xbd),
            RGBColor(0x8c, 0x56, 0x4b),
        ];
        for (category, colour) in Category::ALL.iter().zip(colours) {
            let points: Vec<(u32, u32)> = scored
                .iter()
                .enumerate()
                .filter_map(|(index, attempt)| {
                    let x = u32::try_from(index + 1).ok()?;
                    attempt
                        .categories
                        .get(category.id())
                        .map(|&score| (x, score))
                })
                .collect();
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
                .label(category.title())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    })();
    match drawn {
        Ok(()) => format!("<div class=\"chart\">{svg}</div>"),
        Err(_) => "<p>График не удалось построить.</p>".to_owned(),
    }
}

/// The trainees of one cohort (`None`: without one), in report order.
struct Cohort<'a> {
    name: Option<&'a str>,
    rows: Vec<&'a GroupRow>,
}

impl Cohort<'_> {
    fn title(&self) -> String {
        self.name.map_or_else(
            || "Без группы".to_owned(),
            |name| format!("Группа «{name}»"),
        )
    }

    /// The average total over every scored attempt of the cohort.
    fn average(&self) -> Option<f64> {
        let scored: u32 = self.rows.iter().map(|row| row.scored).sum();
        let sum: f64 = self
            .rows
            .iter()
            .filter_map(|row| {
                row.average_total
                    .map(|average| average * f64::from(row.scored))
            })
            .sum();
        (scored > 0).then(|| sum / f64::from(scored))
    }

    fn certificates(&self) -> u32 {
        self.rows.iter().map(|row| row.valid_certificates).sum()
    }

    fn summary(&self) -> String {
        format!(
            "{}: стажёров {}, средний итог {}, действующих сертификатов {}",
            self.title(),
            self.rows.len(),
            self.average().map_or("—".to_owned(), |a| format!("{a:.1}")),
            self.certificates()
        )
    }
}

/// The report's trainees by cohort (rows come sorted by cohort).
fn cohorts(report: &GroupReport) -> Vec<Cohort<'_>> {
    let mut cohorts: Vec<Cohort<'_>> = Vec::new();
    for row in &report.trainees {
        match cohorts.last_mut() {
            Some(cohort) if cohort.name == row.cohort.as_deref() => cohort.rows.push(row),
            _ => cohorts.push(Cohort {
                name: row.cohort.as_deref(),
                rows: vec![row],
            }),
        }
    }
    cohorts
}

fn report_title(report: &GroupReport) -> String {
    match &report.team {
        Some(team) => format!("Команда «{team}»"),
        None => "Группа".to_owned(),
    }
}

fn last_sync(desktop: &DesktopRow) -> String {
    desktop.last_sync.map_or_else(
        || "ещё не синхронизировалось".to_owned(),
        |at| format!("{} (UTC)", date_time(at)),
    )
}

/// The group as text: by cohort when trainees have one, then the team's desktops.
pub fn group_text(report: &GroupReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: стажёров {} (на {})",
        report_title(report),
        report.trainees.len(),
        date_time(report.made_at)
    );
    let cohorts = cohorts(report);
    let grouped = cohorts.iter().any(|cohort| cohort.name.is_some());
    for cohort in &cohorts {
        let _ = writeln!(out);
        if grouped {
            let _ = writeln!(out, "{}", cohort.summary());
        }
        let _ = writeln!(
            out,
            "  {:<24} {:>7} {:>8} {:>8} {:>8} {:>6} {:>11}",
            "стажёр", "попыток", "средний", "сдано %", "последний", "экзам.", "сертификаты"
        );
        for row in &cohort.rows {
            let _ = writeln!(
                out,
                "  {:<24} {:>7} {:>8} {:>8} {:>8} {:>6} {:>11}",
                row.trainee,
                row.attempts,
                row.average_total
                    .map_or("—".to_owned(), |a| format!("{a:.1}")),
                row.passed_share
                    .map_or("—".to_owned(), |p| format!("{:.0}", p * 100.0)),
                row.last_total.map_or("—".to_owned(), |t| t.to_string()),
                row.exams_passed,
                row.valid_certificates
            );
        }
    }
    if !report.desktops.is_empty() {
        let _ = writeln!(out, "\nРабочие места и последняя синхронизация:");
        for desktop in &report.desktops {
            let _ = writeln!(
                out,
                "  {} ({}) — {}",
                desktop.name,
                desktop.id,
                last_sync(desktop)
            );
        }
    }
    write_rules(&mut out, &report.broken_rules);
    out
}

/// One CSV row per trainee.
pub fn group_csv(report: &GroupReport) -> String {
    let mut out = String::from(
        "trainee,attempts,scored,average_total,passed_share,last_total,exams_passed,valid_certificates,cohort\n",
    );
    for row in &report.trainees {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            csv(&row.trainee),
            row.attempts,
            row.scored,
            row.average_total
                .map(|a| format!("{a:.1}"))
                .unwrap_or_default(),
            row.passed_share
                .map(|p| format!("{p:.3}"))
                .unwrap_or_default(),
            row.last_total.map(|t| t.to_string()).unwrap_or_default(),
            row.exams_passed,
            row.valid_certificates,
            csv(row.cohort.as_deref().unwrap_or_default())
        );
    }
    out
}

/// The group as an HTML page: a chart of the cohorts, a table per cohort, the desktops.
pub fn group_html(report: &GroupReport) -> String {
    let cohorts = cohorts(report);
    let mut body = format!(
        "<h1>{}</h1><p class=\"meta\">Отчёт на {} · стажёров: {}</p>",
        escape(&report_title(report)),
        date_time(report.made_at),
        report.trainees.len()
    );
    body.push_str(&cohort_chart(&cohorts));
    for cohort in &cohorts {
        let _ = write!(body, "<h2>{}</h2>", escape(&cohort.summary()));
        body.push_str("<table><tr><th>Стажёр</th><th>Попыток</th><th>Средний итог</th><th>Сдано</th><th>Последний</th><th>Экзамены</th><th>Сертификаты</th></tr>");
        for row in &cohort.rows {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&row.trainee),
                row.attempts,
                row.average_total
                    .map_or("—".to_owned(), |a| format!("{a:.1}")),
                row.passed_share
                    .map_or("—".to_owned(), |p| format!("{:.0} %", p * 100.0)),
                row.last_total.map_or("—".to_owned(), |t| t.to_string()),
                row.exams_passed,
                row.valid_certificates
            );
        }
        body.push_str("</table>");
    }
    if !report.desktops.is_empty() {
        body.push_str("<h2>Рабочие места</h2><table><tr><th>Место</th><th>Номер</th><th>Последняя синхронизация</th></tr>");
        for desktop in &report.desktops {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&desktop.name),
                escape(&desktop.id),
                escape(&last_sync(desktop))
            );
        }
        body.push_str("</table>");
    }
    html_rules(&mut body, &report.broken_rules);
    page(&format!("Прогресс: {}", report_title(report)), &body)
}

/// Each cohort's average total as a bar, against the pass mark's scale (0–100).
fn cohort_chart(cohorts: &[Cohort<'_>]) -> String {
    let bars: Vec<(String, f64)> = cohorts
        .iter()
        .filter_map(|cohort| Some((cohort.title(), cohort.average()?)))
        .collect();
    if bars.is_empty() {
        return "<p>Оценённых попыток пока нет — график появится после первых звонков.</p>"
            .to_owned();
    }
    let mut svg = String::new();
    let height = 90 + 40 * u32::try_from(bars.len()).unwrap_or(u32::MAX).min(40);
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (900, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let count = u32::try_from(bars.len()).unwrap_or(u32::MAX);
        let mut chart = ChartBuilder::on(&root)
            .caption("Средний итог по группам", ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(30)
            .y_label_area_size(220)
            .build_cartesian_2d(0f64..100f64, (0u32..count).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(11)
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 15))
            .x_desc("Средний итог")
            .y_label_formatter(&|value| match value {
                SegmentValue::CenterOf(index) => bars
                    .get(*index as usize)
                    .map_or_else(String::new, |(title, _)| title.clone()),
                _ => String::new(),
            })
            .draw()?;
        let colour = RGBColor(0x1f, 0x77, 0xb4);
        chart.draw_series(bars.iter().enumerate().map(|(index, (_, average))| {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(index)),
                    (*average, SegmentValue::Exact(index + 1)),
                ],
                colour.filled(),
            )
        }))?;
        chart.draw_series(bars.iter().enumerate().map(|(index, (_, average))| {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            Text::new(
                format!("{average:.1}"),
                (average + 1.0, SegmentValue::CenterOf(index)),
                ("sans-serif", 15),
            )
        }))?;
        root.present()?;
        Ok(())
    })();
    match drawn {
        Ok(()) => format!("<div class=\"chart\">{svg}</div>"),
        Err(_) => "<p>График не удалось построить.</p>".to_owned(),
    }
}

fn write_rules(out: &mut String, rules: &[(String, u32)]) {
    let _ = writeln!(out, "\nЧаще всего нарушаемые правила:");
    if rules.is_empty() {
        let _ = writeln!(out, "  нет");
    }
    for (rule, count) in rules {
        let _ = writeln!(out, "  {count:>6} × {rule}");
    }
}

fn html_rules(body: &mut String, rules: &[(String, u32)]) {
    body.push_str(
        "<h2>Чаще всего нарушаемые правила</h2><table><tr><th>Правило</th><th>Раз</th></tr>",
    );
    for (rule, count) in rules {
        let _ = write!(
            body,
            "<tr><td><code>{}</code></td><td>{count}</td></tr>",
            escape(rule)
        );
    }
    if rules.is_empty() {
        body.push_str("<tr><td colspan=\"2\">нарушений нет</td></tr>");
    }
    body.push_str("</table>");
}

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px auto; max-width: 960px; color: #222; }}
h1 {{ margin-bottom: 4px; }} .meta {{ color: #666; margin-top: 0; }}
table {{ border-collapse: collapse; margin: 8px 0 20px; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 6px 8px; text-align: left; }}
th {{ background: #f3f3f3; }} .chart svg {{ max-width: 100%; height: auto; }}
</style></head><body>{body}</body></html>
"#,
        title = escape(title)
    )
}

fn category_title(id: &str) -> &str {
    Category::from_id(id).map_or(id, |category| category.title())
}

fn mode_title(mode: &str) -> &'static str {
    if mode == "exam" {
        "экзамен"
    } else {
        "практика"
    }
}

fn status_title(status: &str) -> &'static str {
    match status {
        "finished" => "завершена",
        "interrupted" => "прервана",
        "abandoned" => "брошена",
        _ => "идёт",
    }
}

fn total_text(total: Option<u32>, passed: Option<bool>) -> String {
    match (total, passed) {
        (Some(total), Some(true)) => format!("{total} — сдано"),
        (Some(total), _) => format!("{total} — не сдано"),
        _ => "—".to_owned(),
    }
}

fn validity(certificate: &CertificateRow, now: i64) -> String {
    if certificate.valid_until >= now {
        format!("действителен до {}", date(certificate.valid_until))
    } else {
        format!("истёк {}", date(certificate.valid_until))
    }
}

/// A CSV field. One that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a
/// carriage return first) is prefixed with `'`, so a name like `=HYPERLINK(…)` stays text.
fn csv(field: &str) -> String {
    let field = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

/// The replies customers did not understand, step by step, most frequent first: what a trainer
/// reads to add example phrasings to the step's intents.
pub fn misunderstood_text(report: &MisunderstoodReport) -> String {
    let mut out = String::new();
    let scope = report
        .scenario
        .as_deref()
        .map_or_else(|| "все сценарии".to_owned(), |id| format!("сценарий {id}"));
    let _ = writeln!(out, "Реплики, которые клиент не понял ({scope})");
    if report.steps.is_empty() {
        let _ = writeln!(
            out,
            "\nЗаписанных непонятых реплик нет: клиент понимал всё, что ему говорили."
        );
        return out;
    }
    for step in &report.steps {
        let _ = writeln!(
            out,
            "\n{}, шаг «{}» — не понято реплик: {}",
            step.scenario, step.step, step.total
        );
        for (reply, count) in &step.replies {
            let _ = writeln!(out, "  {count} × {reply}");
        }
    }
    let _ = writeln!(
        out,
        "\nДобавьте эти фразы (или близкие к ним) в примеры нужного намерения шага и запустите \
         callcoach check."
    );
    out
}
