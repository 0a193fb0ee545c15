//! The debrief as text, where the terminal prints it (`play`, `exam start`, `score --format
//! text`): per category the score and verdict, what was done well, then each finding with its
//! turn quoted and the words at fault in ⟦ ⟧, the reason and the better wording.

use std::fmt::Write as _;

use callcoach_core::scoring::{ScoreReport, Severity};
use callcoach_core::transcript::Transcript;

/// The debrief a trainer or trainee reads: per category the score and verdict, then each
/// finding with its turn quoted and the span marked, the reason and the suggestion.
pub fn debrief(report: &ScoreReport, transcript: &Transcript) -> String {
    let mut out = String::new();
    let verdict = if report.passed {
        "СДАНО"
    } else {
        "НЕ СДАНО"
    };
    let _ = writeln!(
        out,
        "Итог: {} из {} — {verdict} (порог {})",
        report.total, report.max, report.threshold
    );
    for (category, result) in &report.categories {
        let status = match (result.applicable, result.passed) {
            (false, _) => "не применимо".to_owned(),
            (true, true) => "сдано".to_owned(),
            (true, false) if result.mandatory => "не сдано (обязательная категория)".to_owned(),
            (true, false) => "не сдано".to_owned(),
        };
        let _ = writeln!(
            out,
            "\n{}: {} из {} — {status}",
            category.title(),
            result.score,
            result.max
        );
        for praise in &result.praise {
            let text = turn_text(transcript, praise.turn);
            let _ = if text.is_empty() {
                writeln!(out, "  + {} (реплика {})", praise.message, praise.turn + 1)
            } else {
                writeln!(
                    out,
                    "  + {} (реплика {}: «{}»)",
                    praise.message,
                    praise.turn + 1,
                    mark(text, praise.span)
                )
            };
        }
        for finding in &result.findings {
            let label = match finding.severity {
                Severity::Error => "ошибка",
                Severity::Warning => "совет",
            };
            let _ = writeln!(out, "  - {label} [{}]", finding.rule);
            match (finding.turn, finding.span) {
                (Some(turn), Some(span)) if !turn_text(transcript, turn).is_empty() => {
                    let _ = writeln!(
                        out,
                        "    реплика {}: «{}»",
                        turn + 1,
                        mark(turn_text(transcript, turn), span)
                    );
                }
                (Some(turn), _) => {
                    let _ = writeln!(out, "    реплика {}", turn + 1);
                }
                (None, _) => {}
            }
            let _ = writeln!(out, "    почему: {}", finding.message);
            let _ = writeln!(out, "    лучше: {}", finding.suggestion);
        }
    }
    let misunderstood = transcript.misunderstood();
    if !misunderstood.is_empty() {
        let _ = writeln!(
            out,
            "\nКлиент вас не понял: {} — это не ошибка стандарта, баллы за это не сняты. Скажите то \
             же яснее или другими словами, ближе к тому, чего ждёт клиент.",
            replies_count(misunderstood.len())
        );
        for (reply, answer) in misunderstood {
            let _ = writeln!(
                out,
                "  ? реплика {}: «{}» — клиент: «{}»",
                reply + 1,
                turn_text(transcript, reply),
                turn_text(transcript, answer)
            );
        }
    }
    out
}

/// «1 реплика», «2 реплики», «5 реплик».
fn replies_count(count: usize) -> String {
    let word = match (count % 10, count % 100) {
        (1, hundred) if hundred != 11 => "реплика",
        (2..=4, hundred) if !(12..=14).contains(&hundred) => "реплики",
        _ => "реплик",
    };
    format!("{count} {word}")
}

/// The text of a turn, or "" for a hold or an index out of range.
fn turn_text(transcript: &Transcript, turn: usize) -> &str {
    transcript
        .turns
        .get(turn)
        .and_then(|turn| turn.text.as_deref())
        .unwrap_or("")
}

/// The text with the span wrapped in ⟦ ⟧; a span covering everything is left unmarked.
fn mark(text: &str, (start, end): (usize, usize)) -> String {
    let length = text.chars().count();
    if start == 0 && end >= length {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 6);
    for (index, c) in text.chars().enumerate() {
        if index == start {
            out.push('⟦');
        }
        out.push(c);
        if index + 1 == end {
            out.push('⟧');
        }
    }
    out
}
